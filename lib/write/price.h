/* price.h - how a catalog price is written in an email: one rule for product cards and letters */
#ifndef RECMAIL_PRICE_H
#define RECMAIL_PRICE_H

#include <stddef.h>

#include <jansson.h>

#define PRICE_MAX 32    /* room for the longest price_format output and its NUL */

/*
 * Writes the price of a catalog item (its numeric "price" and its
 * "currency", an ISO 4217 code) as the customer of locale reads it:
 * "£12.50", "€12.50", "$12.50", "¥1711", "CHF 12.50", "A$12.50", "C$12.50",
 * "12.50 SEK" for English and every locale without a rule of its own;
 * "12,50 €", "1711 ¥", "12,50 CHF", "12,50 SEK" (a no-break space before the
 * currency) for de, fr, es, it, nl, pt, pl, sv, da, fi, nb, cs. The locale is
 * matched like the email's texts (lib/write/mailtext.c): its first two letters,
 * followed by nothing, '-' or '_' ("de", "de-AT", "fr_ca"; not "fra"). JPY has
 * no decimals. A currency that is not three capitals is left out ("12.50").
 * Returns the length written; 0, with out "", when the item has no usable
 * price (absent, not a number, not finite, negative, over 1e12) or when sz is
 * less than PRICE_MAX.
 */
int price_format(const json_t *item, const char *locale, char *out, size_t sz);

/*
 * The decimals price_format writes for currency: 0 for JPY, else 2 (also for
 * NULL or a malformed code). Never fails.
 */
int price_decimals(const char *currency);

#endif
