/* price.c - catalog prices written for people: currency symbols and the locale's decimal comma */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "write/mailtext.h"
#include "base/ndjson.h"
#include "write/price.h"

#define NBSP "\xc2\xa0"
#define PRICE_LIMIT 1e12        /* larger "prices" are data errors, not prices */

/* Symbols written before the figure (English) and after it (decimal-comma locales). */
static const struct {
	const char *code, *before, *after;
} symbols[] = {
	{ "GBP", "\xc2\xa3", "\xc2\xa3" },
	{ "EUR", "\xe2\x82\xac", "\xe2\x82\xac" },
	{ "USD", "$", "$" },
	{ "JPY", "\xc2\xa5", "\xc2\xa5" },
	{ "CHF", "CHF ", "CHF" },
	{ "AUD", "A$", "A$" },
	{ "CAD", "C$", "C$" },
};

/* Languages that write "12,50 €". */
static const char *const comma_langs[] = { "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da",
	"fi", "nb", "cs", "at" };

/* The language of locale is matched as for the texts, so prices agree with them. */
static int
decimal_comma(const char *locale)
{
	for (size_t i = 0; i < sizeof comma_langs / sizeof *comma_langs; i++)
		if (mailtext_lang_is(locale, comma_langs[i]))
			return 1;
	return 0;
}

static int
is_code(const char *cur)
{
	return cur != NULL && strlen(cur) == 3 && strspn(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 3;
}

int
price_decimals(const char *currency)
{
	return currency != NULL && strcmp(currency, "JPY") == 0 ? 0 : 2;
}

int
price_format(const json_t *item, const char *locale, char *out, size_t sz)
{
	const char *cur = ndjson_str(item, "currency");
	const char *before = "", *after = "", *code = "";
	char num[PRICE_MAX];
	double p;
	int n;

	if (sz == 0)
		return 0;
	out[0] = '\0';
	if (sz < PRICE_MAX || ndjson_num(item, "price", &p) != 1 || !isfinite(p) || p < 0 ||
	    p > PRICE_LIMIT)
		return 0;
	if (p == 0)
		p = 0;  /* -0 would print "-0.00" */
	if (is_code(cur)) {
		code = cur;
		for (size_t i = 0; i < sizeof symbols / sizeof *symbols; i++)
			if (strcmp(cur, symbols[i].code) == 0) {
				before = symbols[i].before;
				after = symbols[i].after;
				code = "";
			}
	} else {
		cur = NULL;
	}
	snprintf(num, sizeof num, "%.*f", price_decimals(cur), p);
	if (decimal_comma(locale)) {
		char *dot = strchr(num, '.');

		if (dot != NULL)
			*dot = ',';
		n = snprintf(out, sz, "%s%s%s%s", num, *after || *code ? NBSP : "", after, code);
	} else {
		n = snprintf(out, sz, "%s%s%s%s", before, num, *code ? " " : "", code);
	}
	return n > 0 && (size_t)n < sz ? n : (out[0] = '\0', 0);
}
