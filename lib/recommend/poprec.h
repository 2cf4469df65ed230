/* poprec.h - the popular-items recommender: overall or per customer group, with the catalog rules */
#ifndef RECMAIL_POPREC_H
#define RECMAIL_POPREC_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "data/catalog.h"
#include "base/err.h"
#include "recommend/exclude.h"
#include "data/history.h"
#include "data/ids.h"
#include "recommend/popularity.h"
#include "data/ratings.h"
#include "recommend/recs.h"

/* Users' groups (a field of the customers file, such as country or segment). */
struct poprec_groups {
	const char *field;
	struct ids names;       /* group values; group g is names[g - 1] */
	struct ids users;       /* customers with a value */
	int32_t *of;            /* users index -> group (1-based) */
	size_t cap;
};

void poprec_groups_init(struct poprec_groups *g, const char *field);
void poprec_groups_free(struct poprec_groups *g);

/*
 * Reads customers NDJSON (FORMATS 2.3) from path with the customer table's
 * one reader (customers_read: its rules, e.g. "country" in capitals); field,
 * when present, must be a string or an integer (its decimal text); country,
 * segment and locale are the values that reader keeps. Customers without it
 * belong to no group. Returns 0, or -1 with e set ("name:N: reason",
 * EXIT_DATA; EXIT_NOINPUT; EXIT_IO).
 */
int poprec_groups_load(struct poprec_groups *g, const char *path, struct err *e);

struct poprec_opts {
	int n;
	int max_per_category;
	struct popularity_opts pop;
};

struct poprec {
	struct poprec_opts o;
	const struct ratings *r;
	struct popularity pop;
	struct poprec_groups *groups;   /* may be NULL */
	struct history *seen;           /* mapped onto r's items; may be NULL */
	struct exclude *ex;             /* mapped onto r's items; may be NULL */
	uint8_t *allowed;
	const int32_t *cat;
	uint32_t *mark, stamp;
	int32_t *chosen, *hist;
	size_t histcap;
	struct recs_rec *out;
	struct recs_writer w;
	size_t empty;
};

/*
 * Ranks r's items (per group when groups is not NULL) and prepares writing
 * to out. view (may be NULL) is the catalog view of r's items. Returns 0, or
 * -1 with e set (EXIT_DATA: decay without timestamps; EXIT_OSERR).
 */
int poprec_init(struct poprec *p, const struct ratings *r, const struct poprec_opts *o,
    struct poprec_groups *groups, struct history *seen, struct exclude *ex,
    const struct catalog_view *view, FILE *out, struct err *e);
void poprec_free(struct poprec *p);

/*
 * Answers one user line (takes the reference). The group comes from the
 * line's own field when it has one, else from the customers file. A bad
 * line gives -1 with EXIT_DATA and a message without position; EXIT_IO is final.
 */
int poprec_add_line(struct poprec *p, json_t *line, struct err *e);

/* Answers every user of the ratings matrix. Returns 0 or -1 (EXIT_IO). */
int poprec_add_all(struct poprec *p, struct err *e);

#endif
