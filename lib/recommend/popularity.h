/* popularity.h - item popularity (interactions or value sums, optionally recency-decayed, per group) */
#ifndef RECMAIL_POPULARITY_H
#define RECMAIL_POPULARITY_H

#include <stdint.h>

#include "base/err.h"
#include "data/ratings.h"

struct popularity_opts {
	int by_value;           /* sum the values instead of counting interactions */
	double half_life_days;  /* > 0: weight 2^(-age / half-life), age from ts to now */
	int has_now;
	int64_t now;            /* unix seconds; default: the newest timestamp */
};

/*
 * Group 0 is everyone; groups 1..ngroups are segments (countries, ...). Each
 * group's items are ranked by its own score, ties (including the zero score
 * of items the group never touched) by the overall score, then by index: a
 * small group's list is filled up with the overall favourites.
 */
struct popularity {
	int64_t items, groups;  /* groups counts group 0 */
	double *score;          /* groups x items */
	int32_t *order;         /* groups x items, best first */
	int64_t now;            /* the reference time used for decay (0 without decay) */
};

/*
 * Counts r's interactions per item. item_to maps r's columns to the target
 * items (NULL: the identity, items == r->cols; -1: ignored); user_group gives
 * each row of r its group in 1..ngroups, or 0 for none (may be NULL).
 * Returns 0, or -1 with e set (EXIT_DATA when decay is asked of a matrix
 * without timestamps; EXIT_OSERR).
 */
int popularity_build(struct popularity *p, const struct ratings *r, const int32_t *item_to,
    int64_t items, const int32_t *user_group, int64_t ngroups, const struct popularity_opts *o,
    struct err *e);

/* One group from ready-made scores v[0..items) (a model's item_popularity). Returns 0 or -1. */
int popularity_from_scores(struct popularity *p, const float *v, int64_t items, struct err *e);

void popularity_free(struct popularity *p);

/* Group g's items, best first (items entries); g out of range means group 0. */
const int32_t *popularity_order(const struct popularity *p, int64_t g);

/* Group g's score of item i. */
double popularity_score(const struct popularity *p, int64_t g, int32_t i);

#endif
