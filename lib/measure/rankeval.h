/* rankeval.h - recommendation lists (topk lines) scored against a test set: top-k metrics */
#ifndef RECMAIL_RANKEVAL_H
#define RECMAIL_RANKEVAL_H

#include <jansson.h>
#include <stdint.h>

#include "base/err.h"
#include "measure/metrics.h"
#include "data/ratings.h"

/*
 * The relevant items of user u are the test set's row u, restricted to values
 * >= threshold when use_threshold is set. Users with at least one relevant item
 * are the ones averaged; those without a recommendation line score 0.
 */
struct rankeval {
	const struct ratings *test;
	int use_threshold;
	double threshold;
	struct metrics_rank sums;
	int64_t *nrel;          /* relevant items per test user */
	unsigned char *seen;    /* test users that had a line */
	int64_t *stamp;         /* per test item: the last line that listed it, for duplicates */
	unsigned char *covered; /* test items recommended in some top k */
	int64_t ncovered;
	int64_t *count;         /* per test item: the top k lists it is in */
	int64_t *sorted;        /* room for count, sorted by rankeval_gini */
	int64_t lines;          /* recommendation lines read */
	int64_t lines_unscored; /* lines of users unknown to the test set or without relevant items */
	int64_t users_without_recs;
	unsigned char *hit;
	int64_t hitcap;
};

/*
 * Prepares to score lists cut at k against test (which must outlive ev).
 * Returns 0, or -1 with e set (EXIT_USAGE for k < 1, EXIT_OSERR).
 */
int rankeval_init(struct rankeval *ev, const struct ratings *test, int k, int use_threshold,
    double threshold, struct err *e);

/*
 * Scores one recommendation line (docs/FORMATS.md 2.4): "user" a string, "recs"
 * an array of objects with a string "item", best first. Returns 0, or -1 with
 * e set (EXIT_DATA, without the file:line that the caller adds) for a line
 * without them, an item listed twice, or a second line for the same user.
 */
int rankeval_add(struct rankeval *ev, const json_t *line, struct err *e);

/* Adds a zero score for every user with relevant items who had no line. Call once, at the end. */
void rankeval_finish(struct rankeval *ev);

/* Users averaged: those with at least one relevant test item. */
static inline int64_t rankeval_users(const struct rankeval *ev) { return ev->sums.users; }

/* Distinct items in some top k (of the test set's table) over that table's size; 0 if empty. */
double rankeval_coverage(const struct rankeval *ev);

/*
 * The Gini index of the recommendation counts over the test set's item table
 * (items never recommended count 0): 0 when every item is recommended equally
 * often, near 1 when one item takes every list; 0 when nothing was recommended.
 * Cannot fail (it sorts a copy in ev's own room).
 */
double rankeval_gini(struct rankeval *ev);

/*
 * The share of recommendation lines (users) whose top k holds the most
 * recommended item, which *item (may be NULL) is set to (-1 when none).
 */
double rankeval_top_share(const struct rankeval *ev, int64_t *item);

void rankeval_free(struct rankeval *ev);

#endif
