/* customers.c - the customer table (docs/FORMATS.md 2.3): the one reader and its validation rules */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "data/customers.h"

void
customers_init(struct customers *t)
{
	memset(t, 0, sizeof *t);
	ids_init(&t->users);
	strpool_init(&t->strs);
}

void
customers_free(struct customers *t)
{
	ids_free(&t->users);
	free(t->c);
	strpool_free(&t->strs);
	memset(t, 0, sizeof *t);
}

int
customers_email_valid(const char *s)
{
	const char *at, *p, *label;
	size_t len;

	if (s == NULL)
		return 0;
	at = strrchr(s, '@');
	len = strlen(s);
	if (at == NULL || at == s || len > 254 || at - s > 64 || strchr(s, '@') != at)
		return 0;
	for (p = s; p < at; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("\"(),:;<>[\\]", *p) != NULL)
			return 0;
	if (s[0] == '.' || at[-1] == '.' || strstr(s, "..") != NULL)
		return 0;
	/* domain: two or more labels of letters, digits and hyphens */
	label = at + 1;
	if (strchr(label, '.') == NULL)
		return 0;
	for (p = label;; p++) {
		if (*p == '.' || *p == '\0') {
			if (p == label || p - label > 63 || *label == '-' || p[-1] == '-')
				return 0;
			if (*p == '\0')
				break;
			label = p + 1;
		} else if (!isalnum((unsigned char)*p) && *p != '-') {
			return 0;
		}
	}
	return 1;
}

int
customers_locale_valid(const char *s)
{
	size_t n = 0, i;

	if (s == NULL)
		return 0;
	while (isalpha((unsigned char)s[n]))
		n++;
	if (n < 2 || n > 3)
		return 0;
	for (i = n; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return 0;
	return i <= 35 && s[i - 1] != '-' && s[i - 1] != '_';
}

/* An optional string field: 0 (*out NULL when absent, null or ""), or -1 with e set. */
static int
opt_str(const json_t *o, const char *key, const char **out, struct err *e)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return err_set(e, EXIT_DATA, "\"%s\" must be a string", key);
	if (json_string_length(v) > 0)
		*out = json_string_value(v);
	return 0;
}

/* An optional boolean field: -1 absent or null, 0, 1; -2 with e set for another type. */
static int
opt_bool(const json_t *o, const char *key, struct err *e)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return -1;
	if (!json_is_boolean(v))
		return err_set(e, EXIT_DATA, "\"%s\" must be true or false", key) - 1;
	return json_is_true(v);
}

/* A copy of s in t (NULL for NULL); -1 without memory. */
static int
keep(struct customers *t, const char *s, const char **out, struct err *e)
{
	*out = NULL;
	if (s != NULL && (*out = strpool_addn(&t->strs, s, strlen(s))) == NULL)
		return err_nomem(e);
	return 0;
}

struct reading {
	struct customers *t;
	int (*each)(void *arg, const struct customer *c, const json_t *line, struct err *e);
	void *arg;
};

/* Checks one line and adds its customer. Returns 0, or -1 with a message without position. */
static int
add_line(void *arg, const json_t *o, struct err *e)
{
	struct reading *rd = arg;
	struct customers *t = rd->t;
	const char *sv[5], *segment = NULL, *id;
	static const char *const skeys[] = { "name", "first_name", "email", "locale", "country" };
	char segbuf[32], country[3];
	struct customer c;
	json_t *idv, *seg;
	int consent, preview;
	int64_t ix;

	memset(&c, 0, sizeof c);
	idv = json_object_get(o, "user");
	if (idv == NULL || json_is_null(idv))
		return err_set(e, EXIT_DATA, "missing \"user\"");
	if (!json_is_string(idv) || json_string_length(idv) == 0)
		return err_set(e, EXIT_DATA, "\"user\" must be a non-empty string");
	id = json_string_value(idv);
	for (size_t k = 0; k < 5; k++)
		if (opt_str(o, skeys[k], &sv[k], e) < 0)
			return -1;
	if (sv[4] != NULL) {
		if (strlen(sv[4]) != 2 || !isalpha((unsigned char)sv[4][0]) ||
		    !isalpha((unsigned char)sv[4][1]) || (unsigned char)sv[4][0] >= 0x80 ||
		    (unsigned char)sv[4][1] >= 0x80)
			return err_set(e, EXIT_DATA, "\"country\" must be an ISO 3166-1 code of two "
			    "letters, not '%.16s'", sv[4]);
		country[0] = (char)toupper((unsigned char)sv[4][0]);
		country[1] = (char)toupper((unsigned char)sv[4][1]);
		country[2] = '\0';
		sv[4] = country;
	}
	seg = json_object_get(o, "segment");
	if (json_is_string(seg)) {
		if (json_string_length(seg) > 0)
			segment = json_string_value(seg);
	} else if (json_is_integer(seg)) {
		snprintf(segbuf, sizeof segbuf, "%lld", (long long)json_integer_value(seg));
		segment = segbuf;
	} else if (seg != NULL && !json_is_null(seg)) {
		return err_set(e, EXIT_DATA, "\"segment\" must be a string or an integer");
	}
	if ((consent = opt_bool(o, "consent", e)) < -1 || (preview = opt_bool(o, "preview", e)) < -1)
		return -1;
	if (!customers_locale_valid(sv[3]))
		sv[3] = NULL;
	if (consent == 0)
		sv[2] = NULL;

	if (ids_find(&t->users, id, json_string_length(idv)) >= 0)
		return err_set(e, EXIT_DATA, "duplicate user \"%.64s\"", id);
	if (keep(t, sv[0], &c.name, e) < 0 || keep(t, sv[1], &c.first_name, e) < 0 ||
	    keep(t, sv[2], &c.email, e) < 0 || keep(t, sv[3], &c.locale, e) < 0 ||
	    keep(t, sv[4], &c.country, e) < 0 || keep(t, segment, &c.segment, e) < 0)
		return -1;
	c.consent = (signed char)consent;
	c.preview = preview == 1;
	if (ids_count(&t->users) == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 1024;
		struct customer *nc = realloc(t->c, ncap * sizeof *nc);

		if (nc == NULL)
			return err_nomem(e);
		t->c = nc;
		t->cap = ncap;
	}
	if ((ix = ids_intern(&t->users, id, json_string_length(idv), e)) < 0)
		return -1;
	t->c[ix] = c;
	return rd->each != NULL ? rd->each(rd->arg, &t->c[ix], o, e) : 0;
}

long
customers_read(struct customers *t, FILE *f, const char *name, struct ndjson_skip *skip,
    int (*each)(void *arg, const struct customer *c, const json_t *line, struct err *e),
    void *arg, struct err *e)
{
	struct reading rd = { t, each, arg };

	return ndjson_read_each(f, name, skip, add_line, &rd, e);
}

const struct customer *
customers_get(const struct customers *t, const char *user, size_t len)
{
	int64_t i = ids_find(&t->users, user, len);

	return i < 0 ? NULL : &t->c[i];
}
