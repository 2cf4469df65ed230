/* customers.h - the customer table (docs/FORMATS.md 2.3): the one reader and its validation rules */
#ifndef RECMAIL_CUSTOMERS_H
#define RECMAIL_CUSTOMERS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "base/ndjson.h"
#include "base/strpool.h"
#include "data/ids.h"

/*
 * One customer. Strings are NULL when the line lacks them, has null or "",
 * or (locale) holds no locale. email is NULL too when consent is false: a
 * customer who declined marketing is never mailed, whatever the line says.
 */
struct customer {
	const char *name, *first_name, *email, *locale, *country, *segment;
	signed char consent;    /* -1 not stated, 0 declined, 1 accepted */
	unsigned char preview;  /* the email is a preview.invalid placeholder (shopimport) */
};

struct customers {
	struct ids users;               /* user id -> index into c */
	struct customer *c;
	size_t cap;
	struct strpool strs;
};

void customers_init(struct customers *t);
void customers_free(struct customers *t);

/*
 * The one reader of the customer table, for every program (mkprompt,
 * suppress --match). Each line must be an object with a non-empty string
 * "user", unique in the file; name, first_name, email, locale and country
 * strings when present (null or "" counts as absent); segment a string or an
 * integer; consent and preview booleans. country is an ISO 3166-1 alpha-2
 * code, two ASCII letters, kept in capitals ("de" is read as "DE"). A locale
 * that customers_locale_valid refuses is ignored (the customer is written to
 * in English), as is an email under "consent":false. Unknown fields are
 * ignored. With skip not NULL and skip->skip_bad set, a bad line is reported
 * and skipped (ndjson_read_each). When each is not NULL it is called with
 * every customer read and its line (which it must not keep); an error it
 * returns stops the reading. Returns the number of customers read, or -1
 * with e set ("name:N: reason", EXIT_DATA; EXIT_IO, EXIT_OSERR).
 */
long customers_read(struct customers *t, FILE *f, const char *name, struct ndjson_skip *skip,
    int (*each)(void *arg, const struct customer *c, const json_t *line, struct err *e),
    void *arg, struct err *e);

/* The customer with id user (len bytes), or NULL. */
const struct customer *customers_get(const struct customers *t, const char *user, size_t len);

/* Number of customers. */
static inline size_t customers_count(const struct customers *t) { return ids_count(&t->users); }

/* 1 when s is an address that can be mailed (local@domain.tld, ASCII, no spaces
 * or specials, at most 254 bytes), else 0. */
int customers_email_valid(const char *s);

/* 1 for a locale like "de", "de-DE", "pt_BR", "zh-Hant-TW", else 0 (also for NULL). */
int customers_locale_valid(const char *s);

#endif
