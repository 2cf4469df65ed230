/* catalog.c - loading the product catalog (NDJSON) and applying business rules to item tables */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/catalog.h"
#include "base/exitcode.h"
#include "base/ndjson.h"

void
catalog_init(struct catalog *c)
{
	memset(c, 0, sizeof *c);
	ids_init(&c->ids);
	ids_init(&c->categories);
	strpool_init(&c->strs);
}

void
catalog_free(struct catalog *c)
{
	strpool_free(&c->strs);
	free(c->items);
	free(c->cat);
	ids_free(&c->ids);
	ids_free(&c->categories);
	memset(c, 0, sizeof *c);
}

int
catalog_currency(const char *s, char out[4])
{
	out[0] = '\0';
	if (s == NULL || strlen(s) != 3)
		return -1;
	for (int i = 0; i < 3; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 'a' && ch <= 'z')
			ch = (unsigned char)(ch - 'a' + 'A');
		if (ch < 'A' || ch > 'Z') {
			out[0] = '\0';
			return -1;
		}
		out[i] = (char)ch;
	}
	out[3] = '\0';
	return 0;
}

/* Keeps a copy of s in c; *out is NULL for NULL. Returns 0 or -1. */
static int
keep(struct catalog *c, const char *s, const char **out, struct err *e)
{
	*out = NULL;
	if (s == NULL)
		return 0;
	if ((*out = strpool_addn(&c->strs, s, strlen(s))) == NULL)
		return err_nomem(e);
	return 0;
}

/* A string field: 1 present, 0 absent, null or "", -1 another type. */
static int
str_field(const json_t *o, const char *key, const char **out)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	if (json_string_length(v) == 0)
		return 0;
	*out = json_string_value(v);
	return 1;
}

/*
 * The rules of one line (docs/FORMATS.md 2.2): *it gets the numbers, sv[] the
 * title, category, currency (normalised into cur), url and image (NULL when
 * absent). Returns 0, or -1 with a message without position (EXIT_DATA).
 */
static int
parse_line(const json_t *o, struct catalog_item *it, const char *sv[5], char cur[4],
    struct err *e)
{
	static const char *const skeys[] = { "title", "category", "currency", "url", "image" };
	json_t *idv, *st;
	int r;

	memset(it, 0, sizeof *it);
	idv = json_object_get(o, "item");
	if (idv == NULL || json_is_null(idv))
		return err_set(e, EXIT_DATA, "missing \"item\"");
	if (!json_is_string(idv) || json_string_length(idv) == 0)
		return err_set(e, EXIT_DATA, "\"item\" must be a non-empty string");
	for (size_t k = 0; k < 5; k++)
		if (str_field(o, skeys[k], &sv[k]) < 0)
			return err_set(e, EXIT_DATA, "\"%s\" must be a string", skeys[k]);
	if (sv[2] != NULL) {
		if (catalog_currency(sv[2], cur) < 0)
			return err_set(e, EXIT_DATA, "\"currency\" must be an ISO 4217 code of three "
			    "letters, not '%.16s'", sv[2]);
		sv[2] = cur;
	}
	if ((r = ndjson_num(o, "price", &it->price)) < 0 || (r > 0 && !isfinite(it->price)))
		return err_set(e, EXIT_DATA, "\"price\" must be a number");
	if (r > 0 && it->price < 0)
		return err_set(e, EXIT_DATA, "\"price\" must not be negative");
	it->has_price = r > 0;
	if ((r = ndjson_num(o, "margin", &it->margin)) < 0 || (r > 0 && !isfinite(it->margin)))
		return err_set(e, EXIT_DATA, "\"margin\" must be a number");
	it->has_margin = r > 0;
	st = json_object_get(o, "in_stock");
	if (st != NULL && !json_is_null(st) && !json_is_boolean(st))
		return err_set(e, EXIT_DATA, "\"in_stock\" must be true or false");
	it->in_stock = st == NULL || json_is_null(st) || json_is_true(st);
	return 0;
}

int
catalog_check_line(const json_t *o, struct err *e)
{
	struct catalog_item it;
	const char *sv[5];
	char cur[4];

	return parse_line(o, &it, sv, cur, e);
}

/* Adds the product of one line. Returns 0, or -1 with a message without position. */
static int
add_line(struct catalog *c, const json_t *o, struct err *e)
{
	const char *sv[5], *id;
	char cur[4];
	struct catalog_item it;
	json_t *idv;
	int64_t ix, cx = -1;
	size_t before;

	if (parse_line(o, &it, sv, cur, e) < 0)
		return -1;
	idv = json_object_get(o, "item");
	id = json_string_value(idv);

	before = ids_count(&c->ids);
	if ((ix = ids_intern(&c->ids, id, json_string_length(idv), e)) < 0)
		return -1;
	if ((size_t)ix < before)
		return err_set(e, EXIT_DATA, "duplicate item \"%.64s\"", id);
	if (sv[1] != NULL && (cx = ids_intern(&c->categories, sv[1], strlen(sv[1]), e)) < 0)
		return -1;
	if (keep(c, sv[0], &it.title, e) < 0 || keep(c, sv[1], &it.category, e) < 0 ||
	    keep(c, sv[2], &it.currency, e) < 0 || keep(c, sv[3], &it.url, e) < 0 ||
	    keep(c, sv[4], &it.image, e) < 0)
		return -1;
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 256;
		struct catalog_item *ni = realloc(c->items, ncap * sizeof *ni);
		int32_t *nc;

		if (ni == NULL)
			return err_nomem(e);
		c->items = ni;
		if ((nc = realloc(c->cat, ncap * sizeof *nc)) == NULL)
			return err_nomem(e);
		c->cat = nc;
		c->cap = ncap;
	}
	c->items[c->n] = it;
	c->cat[c->n] = (int32_t)cx;
	c->n++;
	return 0;
}

/* add_line with the signature ndjson_read wants */
static int
add_record(void *arg, const json_t *o, struct err *e)
{
	return add_line(arg, o, e);
}

int
catalog_read(struct catalog *c, FILE *f, const char *name, struct err *e)
{
	return ndjson_read(f, name, add_record, c, e);
}

long
catalog_read_each(struct catalog *c, FILE *f, const char *name, struct ndjson_skip *skip,
    struct err *e)
{
	return ndjson_read_each(f, name, skip, add_record, c, e);
}

int
catalog_load(struct catalog *c, const char *path, struct err *e)
{
	return ndjson_read_file(path, add_record, c, e);
}

const struct catalog_item *
catalog_get(const struct catalog *c, const char *item, size_t len)
{
	int64_t i = ids_find(&c->ids, item, len);

	return i < 0 ? NULL : &c->items[i];
}

/* 1 when the rules drop a catalog item. */
static int
dropped(const struct catalog_item *it, const struct catalog_rules *r)
{
	if (!it->in_stock)
		return 1;
	if ((r->has_min_price || r->has_max_price) && !it->has_price)
		return 1;
	if (r->has_min_price && it->price < r->min_price)
		return 1;
	if (r->has_max_price && it->price > r->max_price)
		return 1;
	for (size_t k = 0; k < r->nexclude_categories; k++)
		if (it->category != NULL && strcmp(it->category, r->exclude_categories[k]) == 0)
			return 1;
	return 0;
}

int
catalog_view_build(struct catalog_view *v, const struct catalog *c,
    const struct catalog_rules *r, const struct ids *items, struct err *e)
{
	size_t n = ids_count(items);

	memset(v, 0, sizeof *v);
	v->n = n;
	v->allowed = malloc(n + 1);
	v->boost = calloc(n + 1, sizeof *v->boost);
	v->cat = malloc((n + 1) * sizeof *v->cat);
	if (v->allowed == NULL || v->boost == NULL || v->cat == NULL) {
		catalog_view_free(v);
		return err_nomem(e);
	}
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *id = ids_get(items, (int64_t)i, &len);
		int64_t ci = c ? ids_find(&c->ids, id, len) : -1;

		v->cat[i] = -1;
		if (ci < 0) {
			v->nmissing++;
			v->allowed[i] = !r->drop_missing;
		} else {
			const struct catalog_item *it = &c->items[ci];

			v->allowed[i] = !dropped(it, r);
			v->cat[i] = c->cat[ci];
			if (it->has_margin)
				v->boost[i] = (float)(r->margin_boost * it->margin);
		}
		v->nallowed += v->allowed[i];
	}
	return 0;
}

void
catalog_view_free(struct catalog_view *v)
{
	free(v->allowed);
	free(v->boost);
	free(v->cat);
	memset(v, 0, sizeof *v);
}
