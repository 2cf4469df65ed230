/* test_price.c - unit tests for how catalog prices are written (lib/write/price.c) */
#include <float.h>
#include <math.h>
#include <string.h>

#include "write/price.h"
#include "unit.h"

#define NB "\xc2\xa0"   /* no-break space */

/* price_format of an item with price p (none when isnan(p)) and currency cur (none when NULL). */
static const char *
fmt(double p, const char *cur, const char *locale)
{
	static char out[PRICE_MAX];
	json_t *it = json_object();
	int n;

	if (!isnan(p))
		json_object_set_new(it, "price", json_real(p));
	if (cur != NULL)
		json_object_set_new(it, "currency", json_string(cur));
	n = price_format(it, locale, out, sizeof out);
	json_decref(it);
	if (n != (int)strlen(out))
		return "(length differs)";
	return out;
}

static void
test_english_puts_the_symbol_before(void)
{
	CHECK_STR(fmt(12.5, "GBP", "en-GB"), "£12.50");
	CHECK_STR(fmt(12.5, "EUR", "en"), "€12.50");
	CHECK_STR(fmt(12.5, "USD", "en-US"), "$12.50");
	CHECK_STR(fmt(1711, "JPY", "en"), "¥1711");
	CHECK_STR(fmt(12.5, "CHF", "en"), "CHF 12.50");
	CHECK_STR(fmt(12.5, "AUD", "en-AU"), "A$12.50");
	CHECK_STR(fmt(12.5, "CAD", "en-CA"), "C$12.50");
	CHECK_STR(fmt(12.5, "SEK", "en"), "12.50 SEK");
	CHECK_STR(fmt(0.1, "GBP", "en"), "£0.10");
	CHECK_STR(fmt(3, "GBP", "en"), "£3.00");
}

static void
test_decimal_comma_locales_put_the_currency_after_a_no_break_space(void)
{
	static const char *const locales[] = { "de", "de-DE", "DE_at", "fr-FR", "fr_ca", "es",
		"es-MX", "it-IT", "nl", "pt-BR", "pl", "sv", "da", "fi", "nb", "cs" };

	for (size_t i = 0; i < sizeof locales / sizeof *locales; i++) {
		CHECK_STR(fmt(12.5, "EUR", locales[i]), "12,50" NB "€");
		CHECK_STR(fmt(12.5, "GBP", locales[i]), "12,50" NB "£");
		CHECK_STR(fmt(4.99, "USD", locales[i]), "4,99" NB "$");
		CHECK_STR(fmt(1711, "JPY", locales[i]), "1711" NB "¥");
		CHECK_STR(fmt(12.5, "CHF", locales[i]), "12,50" NB "CHF");
		CHECK_STR(fmt(12.5, "AUD", locales[i]), "12,50" NB "A$");
		CHECK_STR(fmt(12.5, "CAD", locales[i]), "12,50" NB "C$");
		CHECK_STR(fmt(12.5, "SEK", locales[i]), "12,50" NB "SEK");
		CHECK_STR(fmt(12.5, NULL, locales[i]), "12,50");
	}
}

static void
test_locale_is_matched_like_the_texts(void)
{
	/* two letters then nothing, '-' or '_'; anything else is English */
	CHECK_STR(fmt(12.5, "EUR", "fra"), "€12.50");
	CHECK_STR(fmt(12.5, "EUR", "german"), "€12.50");
	CHECK_STR(fmt(12.5, "EUR", "d"), "€12.50");
	CHECK_STR(fmt(12.5, "EUR", ""), "€12.50");
	CHECK_STR(fmt(12.5, "EUR", NULL), "€12.50");
	CHECK_STR(fmt(12.5, "EUR", "en-DE"), "€12.50");
	CHECK_STR(fmt(12.5, "EUR", "ja-JP"), "€12.50");
	CHECK_STR(fmt(12.5, "EUR", "xx"), "€12.50");
	CHECK_STR(fmt(12.5, "EUR", "De-ch"), "12,50" NB "€");
}

static void
test_yen_has_no_decimals(void)
{
	CHECK_STR(fmt(1711.4, "JPY", "en"), "¥1711");
	CHECK_STR(fmt(1711.6, "JPY", "en"), "¥1712");
	CHECK_STR(fmt(0, "JPY", "en"), "¥0");
	CHECK_STR(fmt(1711.6, "JPY", "de"), "1712" NB "¥");
	CHECK_INT(price_decimals("JPY"), 0);
	CHECK_INT(price_decimals("GBP"), 2);
	CHECK_INT(price_decimals("jpy"), 2);
	CHECK_INT(price_decimals(NULL), 2);
}

static void
test_no_usable_price_writes_nothing(void)
{
	char out[PRICE_MAX] = "x";
	json_t *it;

	CHECK_STR(fmt(NAN, "GBP", "en"), "");
	CHECK_STR(fmt(-0.01, "GBP", "en"), "");
	CHECK_STR(fmt(-1, "EUR", "de"), "");
	CHECK_STR(fmt(1e12 + 1, "GBP", "en"), "");
	CHECK_STR(fmt(DBL_MAX, "GBP", "en"), "");
	CHECK_STR(fmt(-0.0, "GBP", "en"), "£0.00");
	CHECK_STR(fmt(1e12, "GBP", "en"), "£1000000000000.00");
	CHECK_STR(fmt(1e12, "CHF", "de"), "1000000000000,00" NB "CHF");
	/* JSON has no NaN or infinity: jansson refuses them, so the price is absent */
	CHECK(json_real(NAN) == NULL && json_real(INFINITY) == NULL);
	it = json_pack("{s:s,s:s}", "price", "12.50", "currency", "GBP");
	CHECK_INT(price_format(it, "en", out, sizeof out), 0);
	CHECK_STR(out, "");
	json_decref(it);
	it = json_pack("{s:n,s:s}", "price", "currency", "GBP");
	strcpy(out, "x");
	CHECK_INT(price_format(it, "en", out, sizeof out), 0);
	CHECK_STR(out, "");
	json_decref(it);
	it = json_pack("{s:i,s:s}", "price", 7, "currency", "GBP");
	CHECK_INT(price_format(it, "en", out, sizeof out), 6);
	CHECK_STR(out, "£7.00");
	/* too small a buffer writes nothing rather than half a price */
	strcpy(out, "x");
	CHECK_INT(price_format(it, "en", out, PRICE_MAX - 1), 0);
	CHECK_STR(out, "");
	json_decref(it);
	CHECK_INT(price_format(NULL, "en", out, sizeof out), 0);
	CHECK_STR(out, "");
}

static void
test_a_currency_that_is_not_three_capitals_is_left_out(void)
{
	CHECK_STR(fmt(12.5, NULL, "en"), "12.50");
	CHECK_STR(fmt(12.5, "gbp", "en"), "12.50");
	CHECK_STR(fmt(12.5, "EURO", "en"), "12.50");
	CHECK_STR(fmt(12.5, "EU", "en"), "12.50");
	CHECK_STR(fmt(12.5, "", "en"), "12.50");
	CHECK_STR(fmt(12.5, "E1R", "de"), "12,50");
	CHECK_STR(fmt(12.5, "<b>", "en"), "12.50");
	/* a malformed "JPY" is not yen: two decimals */
	CHECK_STR(fmt(1711, "jpy", "en"), "1711.00");
}

int
main(void)
{
	RUN(test_english_puts_the_symbol_before);
	RUN(test_decimal_comma_locales_put_the_currency_after_a_no_break_space);
	RUN(test_locale_is_matched_like_the_texts);
	RUN(test_yen_has_no_decimals);
	RUN(test_no_usable_price_writes_nothing);
	RUN(test_a_currency_that_is_not_three_capitals_is_left_out);
	return UNIT_DONE();
}
