/* topn.c - bounded min-heap selection (worst kept entry at the root) and filtered picking */
#include <math.h>
#include <stdlib.h>

#include "base/exitcode.h"
#include "recommend/topn.h"

int
topn_init(struct topn *h, size_t cap, struct err *e)
{
	h->cap = h->n = h->alloc = 0;
	h->score = NULL;
	h->idx = NULL;
	return topn_resize(h, cap, e);
}

int
topn_resize(struct topn *h, size_t cap, struct err *e)
{
	float *s;
	int32_t *ix;

	if (cap == 0)
		cap = 1;
	h->n = 0;
	if (cap <= h->alloc) {
		h->cap = cap;
		return 0;
	}
	s = realloc(h->score, cap * sizeof *s);
	if (s == NULL)
		return err_nomem(e);
	h->score = s;
	ix = realloc(h->idx, cap * sizeof *ix);
	if (ix == NULL)
		return err_nomem(e);
	h->idx = ix;
	h->cap = h->alloc = cap;
	return 0;
}

void
topn_free(struct topn *h)
{
	free(h->score);
	free(h->idx);
	h->score = NULL;
	h->idx = NULL;
	h->cap = h->n = h->alloc = 0;
}

/* a is worse than b: a lower score, or the same score and a higher index. */
static inline int
worse(float sa, int32_t ia, float sb, int32_t ib)
{
	return sa < sb || (sa == sb && ia > ib);
}

static void
sift_down(struct topn *h, size_t i, size_t n)
{
	float s = h->score[i];
	int32_t ix = h->idx[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && worse(h->score[c + 1], h->idx[c + 1], h->score[c], h->idx[c]))
			c++;
		if (!worse(h->score[c], h->idx[c], s, ix))
			break;
		h->score[i] = h->score[c];
		h->idx[i] = h->idx[c];
		i = c;
	}
	h->score[i] = s;
	h->idx[i] = ix;
}

void
topn_push(struct topn *h, float score, int32_t idx)
{
	size_t i;

	if (h->n < h->cap) {
		i = h->n++;
		while (i > 0) {
			size_t p = (i - 1) / 2;

			if (!worse(score, idx, h->score[p], h->idx[p]))
				break;
			h->score[i] = h->score[p];
			h->idx[i] = h->idx[p];
			i = p;
		}
		h->score[i] = score;
		h->idx[i] = idx;
		return;
	}
	if (!worse(h->score[0], h->idx[0], score, idx))
		return;
	h->score[0] = score;
	h->idx[0] = idx;
	sift_down(h, 0, h->n);
}

void
topn_push_row(struct topn *h, const float *row, size_t n, const int32_t *map)
{
	size_t j = 0;

	/* Fill the heap, then only scores at or above the worst kept can enter. */
	for (; j < n && h->n < h->cap; j++)
		if (row[j] > -INFINITY)
			topn_push(h, row[j], map ? map[j] : (int32_t)j);
	for (; j < n; j++) {
		if (row[j] < h->score[0] || !(row[j] > -INFINITY))
			continue;
		topn_push(h, row[j], map ? map[j] : (int32_t)j);
	}
}

size_t
topn_sort(struct topn *h)
{
	size_t n = h->n;

	/* Heap sort: move the worst to the end, repeatedly. */
	for (size_t end = n; end > 1; end--) {
		float s = h->score[0];
		int32_t ix = h->idx[0];

		h->score[0] = h->score[end - 1];
		h->idx[0] = h->idx[end - 1];
		h->score[end - 1] = s;
		h->idx[end - 1] = ix;
		sift_down(h, 0, end - 1);
	}
	return n;
}

int
topn_filter_pass(const struct topn_filter *f, int32_t i, const int32_t *chosen, size_t nchosen)
{
	int same = 0;

	if (f->allowed != NULL && !f->allowed[i])
		return 0;
	if (f->mark != NULL && f->mark[i] == f->stamp)
		return 0;
	if (f->cap > 0 && f->cat != NULL && f->cat[i] >= 0) {
		for (size_t j = 0; j < nchosen; j++)
			if (f->cat[chosen[j]] == f->cat[i] && ++same >= f->cap)
				return 0;
	}
	return 1;
}

size_t
topn_take(const int32_t *order, size_t n, const struct topn_filter *f, int32_t *out, size_t want)
{
	size_t got = 0;

	for (size_t j = 0; j < n && got < want; j++)
		if (topn_filter_pass(f, order[j], out, got))
			out[got++] = order[j];
	return got;
}
