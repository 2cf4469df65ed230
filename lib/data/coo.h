/* coo.h - the triplet builder: (user, item, value[, ts]) triplets to a CSR ratings matrix */
#ifndef RECMAIL_COO_H
#define RECMAIL_COO_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "data/ratings.h"

/* How duplicate (user, item) pairs combine. */
enum coo_dup {
	COO_DUP_LAST,   /* the latest timestamp wins, ties (or no timestamps) by input order */
	COO_DUP_SUM,
	COO_DUP_MAX,
	COO_DUP_MEAN,
};

/* Triplets as separate columns (no padding; each sort pass reuses its key column). */
struct coo {
	uint32_t *u, *i;
	float *v;
	int64_t *ts;            /* NULL without timestamps */
	size_t n, cap;
	int has_ts;
};

void coo_init(struct coo *c, int has_ts);
void coo_free(struct coo *c);

/* Appends a triplet (ts ignored without timestamps). Returns 0, or -1 on allocation failure. */
int coo_push(struct coo *c, uint32_t u, uint32_t i, float v, int64_t ts, struct err *e);

/*
 * Turns the triplets into r's CSR arrays (rows x cols; every u < rows and
 * i < cols), sorted by item within each row, duplicates combined by dup (the
 * timestamp kept is the latest). A stable counting sort by user done in
 * place, a stable sort of each row by item (merge sort with a bounded scratch,
 * heap sort by (item, input position) for longer rows), then an in-place merge
 * of duplicates: the peak is the triplets, the scratch (at most an eighth of
 * them) and two arrays of
 * rows + 1 counts. Empties c. *ndup (may be NULL) receives the number
 * of triplets merged into another. Returns 0, or -1 (out of memory; EXIT_DATA
 * when a sum of duplicates overflows a float). r's id tables are left alone.
 */
int coo_to_csr(struct coo *c, int64_t rows, int64_t cols, enum coo_dup dup, struct ratings *r,
    int64_t *ndup, struct err *e);

/* Figures of a k-core filtering. */
struct coo_kcore_stats {
	int64_t users, items;   /* users and items removed */
	int64_t entries;        /* non-zeros removed */
	int rounds;
};

/*
 * Keeps the largest sub-matrix in which every user has at least min_user
 * entries and every item at least min_item (iterated until stable), then
 * renumbers users and items (order kept) and rebuilds r's id tables. r must own
 * its arrays. Returns 0 (possibly leaving r empty), or -1 on allocation failure.
 */
int coo_kcore(struct ratings *r, int64_t min_user, int64_t min_item, struct coo_kcore_stats *st,
    struct err *e);

#endif
