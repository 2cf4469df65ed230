/* split.h - train/test splits of ratings: random holdout, k-fold, leave-last-N, time cut */
#ifndef RECMAIL_SPLIT_H
#define RECMAIL_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "data/ratings.h"

enum split_mode {
	SPLIT_FRACTION,         /* a random fraction of all ratings is the test set */
	SPLIT_KFOLD,            /* a random permutation cut into folds; one fold is the test set */
	SPLIT_LEAVE_LAST,       /* each user's latest N ratings are the test set */
	SPLIT_BEFORE,           /* ratings at or after a time are the test set */
};

struct split_params {
	enum split_mode mode;
	double fraction;        /* SPLIT_FRACTION: in (0, 1) */
	int folds, fold;        /* SPLIT_KFOLD: folds >= 2, 0 <= fold < folds */
	int64_t leave_last;     /* SPLIT_LEAVE_LAST: N >= 1 */
	int64_t before;         /* SPLIT_BEFORE: unix seconds; train is ts < before */
	uint64_t seed;          /* the permutation (and leave-last tie breaks) */
};

/*
 * Marks each of r's nnz entries: test[k] = 1 for the test set, 0 for train.
 * SPLIT_FRACTION puts the first round(fraction * nnz) entries of a seeded
 * permutation in the test set; SPLIT_KFOLD cuts the same permutation into
 * folds whose sizes differ by at most one (the first nnz % folds folds are one
 * longer). SPLIT_LEAVE_LAST takes each user's N latest ratings by timestamp
 * (ties broken by a seeded random order); a user with N or fewer ratings stays
 * wholly in train. Returns the number of test entries, or -1 with e set:
 * EXIT_DATA for an empty matrix or a time-based split of a matrix without
 * timestamps, EXIT_USAGE for bad parameters, EXIT_OSERR when out of memory.
 */
int64_t split_assign(const struct ratings *r, const struct split_params *p, unsigned char *test,
    struct err *e);

/*
 * Makes out a new matrix holding the entries k of r with (test[k] != 0) == want,
 * with copies of r's full user and item id tables (so that row and column
 * numbers mean the same in every part) and its timestamps when r has them.
 * Returns 0, or -1 with e set (EXIT_OSERR); out is then empty.
 */
int split_extract(const struct ratings *r, const unsigned char *test, int want,
    struct ratings *out, struct err *e);

/* A short description of p for the metadata of the outputs ("kfold folds=5 fold=0 seed=1"). */
void split_describe(const struct split_params *p, char *buf, size_t len);

#endif
