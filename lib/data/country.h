/* country.h - ISO 3166-1 countries: code, English name, main language, and the locale they give */
#ifndef RECMAIL_COUNTRY_H
#define RECMAIL_COUNTRY_H

#include <stddef.h>

struct country {
	const char *code;       /* ISO 3166-1 alpha-2, e.g. "DE"; NULL for a region without one */
	const char *name;       /* English short name (iso-codes), e.g. "Germany" */
	const char *lang;       /* the main language, ISO 639, e.g. "de" */
};

/*
 * The country named by s[0..len): an alpha-2 code ("de", any case), an English
 * name ("Germany", any case, surrounding blanks ignored) or a common alias
 * ("EIRE", "USA", "UK", "RSA", "Czech Republic", "South Korea", ...). A few
 * aliases name a region with a language but no code of its own ("Channel
 * Islands": code NULL, lang "en"). Returns NULL when s names no country
 * ("Unspecified", "European Community", "").
 */
const struct country *country_find(const char *s, size_t len);

/*
 * Writes the locale of c into out (size at least 16): lang-CODE ("de-DE",
 * "nl-BE", "fil-PH"), or for a region without a code the language with the
 * alias's region ("en-GB" for the Channel Islands). Returns out.
 */
char *country_locale(const struct country *c, char *out, size_t size);

/* The number of entries of the ISO table (249) and entry k, for tests and docs. */
size_t country_count(void);
const struct country *country_at(size_t k);

#endif
