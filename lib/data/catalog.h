/* catalog.h - the product catalog (docs/FORMATS.md 2.2) and the business rules that filter items */
#ifndef RECMAIL_CATALOG_H
#define RECMAIL_CATALOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "base/ndjson.h"
#include "base/strpool.h"
#include "data/ids.h"

/* One product. Strings are NULL when the line lacks them (or has null or ""). */
struct catalog_item {
	const char *title, *category, *currency, *url, *image;
	double price, margin;
	unsigned has_price : 1, has_margin : 1, in_stock : 1;
};

struct catalog {
	struct ids ids;                 /* item id -> index into items */
	struct catalog_item *items;
	size_t n, cap;
	struct ids categories;          /* every category seen, for cheap comparisons */
	int32_t *cat;                   /* items' category index in categories, -1 for none */
	struct strpool strs;            /* every string owned, freed by catalog_free */
};

void catalog_init(struct catalog *c);
void catalog_free(struct catalog *c);

/*
 * The one reader of the catalog (docs/FORMATS.md 2.2), for every program.
 * Each line must be an object with a non-empty string "item"; title,
 * category, currency, url, image must be strings and price, margin finite
 * numbers when present (null or "" counts as absent); price is not negative;
 * in_stock a boolean (absent: in stock); currency an ISO 4217 code, three
 * ASCII letters, kept in capitals ("gbp" is read as "GBP"; see
 * catalog_currency). Unknown fields are ignored. A duplicate item is an error.
 * Returns 0, or -1 with e set ("name:N: reason", EXIT_DATA; EXIT_IO).
 */
int catalog_read(struct catalog *c, FILE *f, const char *name, struct err *e);

/*
 * The same, but with skip->skip_bad set a bad line is reported to skip->warn,
 * counted and skipped (ndjson_read_each). Returns the number of products
 * read, or -1 with e set.
 */
long catalog_read_each(struct catalog *c, FILE *f, const char *name, struct ndjson_skip *skip,
    struct err *e);

/*
 * The rules above applied to one parsed line, without keeping it (a duplicate
 * item cannot be seen here): for a reader that needs fields the catalog does
 * not keep. Returns 0, or -1 with e set (EXIT_DATA, no position).
 */
int catalog_check_line(const json_t *o, struct err *e);

/* Opens path ("-" = stdin) and reads it; EXIT_NOINPUT when it cannot be opened. */
int catalog_load(struct catalog *c, const char *path, struct err *e);

/*
 * The currency rule of every reader and writer of the catalog: s must be
 * three ASCII letters (any case); out receives them in capitals. Returns 0, or
 * -1 when s is not such a code (out then empty).
 */
int catalog_currency(const char *s, char out[4]);

/* The product with id item (len bytes), or NULL. */
const struct catalog_item *catalog_get(const struct catalog *c, const char *item, size_t len);

/* The business rules of a recommender (every field 0/NULL: keep everything). */
struct catalog_rules {
	const char *const *exclude_categories;
	size_t nexclude_categories;
	int has_min_price, has_max_price;
	double min_price, max_price;    /* inclusive bounds, in the catalog's own prices */
	int drop_missing;               /* drop items that are not in the catalog */
	double margin_boost;            /* score += margin_boost * margin */
};

/*
 * The rules applied to the items of one id table (a model's or a ratings
 * matrix's): allowed[i] (out of stock, excluded category, price out of range
 * or unknown under a price bound, missing under drop_missing: 0), boost[i]
 * (margin_boost * margin, 0 without a margin) and cat[i] (a category index,
 * -1 when unknown). c may be NULL: then every item is missing from it.
 */
struct catalog_view {
	size_t n;
	uint8_t *allowed;
	float *boost;
	int32_t *cat;
	size_t nallowed, nmissing;
};

/* Returns 0, or -1 with e set (EXIT_OSERR). */
int catalog_view_build(struct catalog_view *v, const struct catalog *c,
    const struct catalog_rules *r, const struct ids *items, struct err *e);
void catalog_view_free(struct catalog_view *v);

#endif
