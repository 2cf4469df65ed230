/* shop.h - a synthetic shop (catalog, customers, a year of events) with a latent taste structure */
#ifndef RECMAIL_SHOP_H
#define RECMAIL_SHOP_H

#include <stdint.h>
#include <stdio.h>

#include "base/err.h"

struct shop_params {
	uint64_t seed;
	int customers;          /* number of customers */
	int per_category;       /* products per category (12 categories) */
	int64_t end_ts;         /* events happen in [end_ts - days, end_ts) */
	int days;
	double sessions;        /* mean sessions per customer over the period */
	int new_products;       /* products with no history, appended to the catalog (default 0) */
};

struct shop_stats {
	long products, customers, events, views, carts, purchases, ratings;
};

/* Fills p with the defaults (seed 1, 3000 customers, 25 per category, a year before 2026-11-01). */
void shop_defaults(struct shop_params *p);

/*
 * Generates the shop and writes four NDJSON streams (docs/FORMATS.md): the
 * catalog (2.2), customers (2.3), implicit events {"user","item","event","qty","ts"}
 * in time order, and explicit ratings {"user","item","rating","ts"} (2.1).
 * The same parameters give the same bytes. Returns 0, or -1 with e set
 * (EXIT_IO on a write error, EXIT_OSERR without memory).
 */
int shop_generate(const struct shop_params *p, FILE *catalog, FILE *customers, FILE *events,
    FILE *ratings, struct shop_stats *st, struct err *e);

#endif
