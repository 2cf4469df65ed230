/* topn.h - bounded heap selection of the best N (score, index) pairs, and filtered picking */
#ifndef RECMAIL_TOPN_H
#define RECMAIL_TOPN_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/*
 * A min-heap of at most cap entries whose root is the worst kept entry, so
 * that a stream of n scores is reduced to the best cap in O(n log cap) and
 * O(cap) memory. "Better" is a higher score, ties broken by the lower index,
 * so the selection is deterministic.
 */
struct topn {
	size_t cap, n, alloc;
	float *score;
	int32_t *idx;
};

/* Returns 0, or -1 with e set (EXIT_OSERR) when memory runs out; cap >= 1. */
int topn_init(struct topn *h, size_t cap, struct err *e);
void topn_free(struct topn *h);

/* Changes the capacity (and empties the heap); memory only grows. Returns 0, or -1 on
 * allocation failure. */
int topn_resize(struct topn *h, size_t cap, struct err *e);

/* Empties the heap. */
static inline void topn_reset(struct topn *h) { h->n = 0; }

/* Offers one entry; it is kept when the heap is not full or it beats the worst kept. */
void topn_push(struct topn *h, float score, int32_t idx);

/*
 * Offers every finite score of row[0..n) (a -INFINITY score means "excluded"),
 * with index map[j] (or j when map is NULL).
 */
void topn_push_row(struct topn *h, const float *row, size_t n, const int32_t *map);

/*
 * Sorts the kept entries best first in place (score[0] is the best) and
 * returns their number. The heap must be reset before the next push.
 */
size_t topn_sort(struct topn *h);

/*
 * What one user may be offered: an item i passes when allowed[i] is set (or
 * allowed is NULL), mark[i] != stamp (or mark is NULL), and, when cap > 0 and
 * cat[i] >= 0, fewer than cap already chosen items share its category.
 */
struct topn_filter {
	const uint8_t *allowed;
	const uint32_t *mark;
	uint32_t stamp;
	const int32_t *cat;
	int cap;
};

/* 1 when item i may follow the chosen[0..nchosen) items under f, else 0. */
int topn_filter_pass(const struct topn_filter *f, int32_t i, const int32_t *chosen, size_t nchosen);

/*
 * Walks order[0..n) (item indices, best first) and copies into out the first
 * items, at most want, that pass f. Returns how many were taken.
 */
size_t topn_take(const int32_t *order, size_t n, const struct topn_filter *f, int32_t *out,
    size_t want);

#endif
