/* test_country.c - unit tests for the ISO 3166 country table and its lookups (lib/data/country) */
#include <string.h>

#include "data/country.h"
#include "unit.h"

static const char *
locale_of(const char *s)
{
	static char buf[32];
	const struct country *c = country_find(s, strlen(s));

	return c != NULL ? country_locale(c, buf, sizeof buf) : "(none)";
}

static void
table_has_every_code_once_in_order(void)
{
	CHECK_INT(country_count(), 249);
	for (size_t k = 1; k < country_count(); k++)
		CHECK(strcmp(country_at(k - 1)->code, country_at(k)->code) < 0);
	for (size_t k = 0; k < country_count(); k++) {
		const struct country *c = country_at(k);

		CHECK(strlen(c->code) == 2 && strlen(c->lang) >= 2 && strlen(c->lang) <= 3);
		CHECK(country_find(c->code, 2) == c);
		CHECK(country_find(c->name, strlen(c->name)) == c);
	}
	CHECK(country_at(249) == NULL);
}

static void
finds_codes_names_and_aliases(void)
{
	CHECK_STR(locale_of("DE"), "de-DE");
	CHECK_STR(locale_of("de"), "de-DE");
	CHECK_STR(locale_of("Germany"), "de-DE");
	CHECK_STR(locale_of("  united kingdom "), "en-GB");
	CHECK_STR(locale_of("EIRE"), "en-IE");
	CHECK_STR(locale_of("RSA"), "en-ZA");
	CHECK_STR(locale_of("USA"), "en-US");
	CHECK_STR(locale_of("Czech Republic"), "cs-CZ");
	CHECK_STR(locale_of("Belgium"), "nl-BE");
	CHECK_STR(locale_of("Switzerland"), "de-CH");
	CHECK_STR(locale_of("Mexico"), "es-MX");
	CHECK_STR(locale_of("Philippines"), "fil-PH");
	CHECK_STR(locale_of("Channel Islands"), "en-GB");
	CHECK(country_find("Channel Islands", 15)->code == NULL);
}

static void
unknown_names_give_none(void)
{
	CHECK_STR(locale_of("Unspecified"), "(none)");
	CHECK_STR(locale_of("European Community"), "(none)");
	CHECK_STR(locale_of(""), "(none)");
	CHECK_STR(locale_of("XX"), "(none)");
	CHECK(country_find("DE\0x", 4) == NULL);
}

int
main(void)
{
	RUN(table_has_every_code_once_in_order);
	RUN(finds_codes_names_and_aliases);
	RUN(unknown_names_give_none);
	return UNIT_DONE();
}
