/* split.c - train/test splits of a ratings matrix: which entries are tested, and the parts */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "base/rng.h"
#include "data/split.h"

/* An entry of one user's row, ordered by time, then by a random key for ties. */
struct timed {
	int64_t ts;
	uint64_t key;
	int64_t pos;
};

static int
timed_cmp(const void *a, const void *b)
{
	const struct timed *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/* The positions 0..n-1 in a seeded random order; NULL when out of memory. */
static int64_t *
permutation(int64_t n, uint64_t seed)
{
	int64_t *perm = malloc((size_t)(n > 0 ? n : 1) * sizeof *perm);
	struct rng g;

	if (perm == NULL)
		return NULL;
	for (int64_t k = 0; k < n; k++)
		perm[k] = k;
	rng_seed(&g, seed);
	rng_shuffle(&g, perm, (uint64_t)n, sizeof *perm);
	return perm;
}

static int64_t
split_random(const struct ratings *r, int64_t lo, int64_t hi, uint64_t seed, unsigned char *test,
    struct err *e)
{
	int64_t *perm = permutation(r->nnz, seed);

	if (perm == NULL)
		return err_nomem(e);
	for (int64_t k = lo; k < hi; k++)
		test[perm[k]] = 1;
	free(perm);
	return hi - lo;
}

static int64_t
split_leave_last(const struct ratings *r, int64_t n, uint64_t seed, unsigned char *test,
    struct err *e)
{
	struct timed *row;
	int64_t longest = 0, count = 0;
	struct rng g;

	for (int64_t u = 0; u < r->rows; u++)
		if (r->indptr[u + 1] - r->indptr[u] > longest)
			longest = r->indptr[u + 1] - r->indptr[u];
	if ((row = malloc((size_t)(longest > 0 ? longest : 1) * sizeof *row)) == NULL)
		return err_nomem(e);
	rng_seed(&g, seed);
	for (int64_t u = 0; u < r->rows; u++) {
		int64_t a = r->indptr[u], len = r->indptr[u + 1] - a;

		/* keys are drawn for every entry so that a row's ties do not depend on other rows */
		for (int64_t k = 0; k < len; k++) {
			row[k].ts = r->ts[a + k];
			row[k].key = rng_next(&g);
			row[k].pos = a + k;
		}
		if (len <= n)
			continue;
		qsort(row, (size_t)len, sizeof *row, timed_cmp);
		for (int64_t k = len - n; k < len; k++)
			test[row[k].pos] = 1;
		count += n;
	}
	free(row);
	return count;
}

int64_t
split_assign(const struct ratings *r, const struct split_params *p, unsigned char *test,
    struct err *e)
{
	int64_t lo, hi, count = 0;

	if (r->nnz == 0)
		return err_set(e, EXIT_DATA, "the matrix holds no ratings");
	memset(test, 0, (size_t)r->nnz);
	switch (p->mode) {
	case SPLIT_FRACTION:
		if (!(p->fraction > 0 && p->fraction < 1))
			return err_set(e, EXIT_USAGE, "the test fraction must be between 0 and 1");
		hi = llround(p->fraction * (double)r->nnz);
		return split_random(r, 0, hi, p->seed, test, e);
	case SPLIT_KFOLD:
		if (p->folds < 2 || p->fold < 0 || p->fold >= p->folds)
			return err_set(e, EXIT_USAGE, "fold %d of %d does not exist", p->fold,
			    p->folds);
		if (p->folds > r->nnz)
			return err_set(e, EXIT_DATA, "%d folds of %lld ratings would leave a fold empty",
			    p->folds, (long long)r->nnz);
		/* fold f covers [f*q + min(f, rem), (f+1)*q + min(f+1, rem)) */
		{
			int64_t q = r->nnz / p->folds, rem = r->nnz % p->folds, f = p->fold;

			lo = f * q + (f < rem ? f : rem);
			hi = lo + q + (f < rem ? 1 : 0);
		}
		return split_random(r, lo, hi, p->seed, test, e);
	case SPLIT_LEAVE_LAST:
	case SPLIT_BEFORE:
		if (r->ts == NULL)
			return err_set(e, EXIT_DATA,
			    "the matrix has no timestamps, which a time-based split needs");
		if (p->mode == SPLIT_BEFORE) {
			for (int64_t k = 0; k < r->nnz; k++)
				if (r->ts[k] >= p->before) {
					test[k] = 1;
					count++;
				}
			return count;
		}
		if (p->leave_last < 1)
			return err_set(e, EXIT_USAGE, "leave-last needs N >= 1");
		return split_leave_last(r, p->leave_last, p->seed, test, e);
	}
	return err_set(e, EXIT_SOFTWARE, "unknown split mode %d", (int)p->mode);
}

int
split_extract(const struct ratings *r, const unsigned char *test, int want, struct ratings *out,
    struct err *e)
{
	int64_t n = 0, j = 0;

	want = want != 0;
	ratings_init(out);
	for (int64_t k = 0; k < r->nnz; k++)
		n += (test[k] != 0) == want;
	out->owns_arrays = 1;
	out->rows = r->rows;
	out->cols = r->cols;
	out->nnz = n;
	out->implicit = r->implicit;
	out->indptr = malloc((size_t)(r->rows + 1) * sizeof *out->indptr);
	out->indices = malloc((size_t)(n > 0 ? n : 1) * sizeof *out->indices);
	out->values = malloc((size_t)(n > 0 ? n : 1) * sizeof *out->values);
	if (r->ts != NULL)
		out->ts = malloc((size_t)(n > 0 ? n : 1) * sizeof *out->ts);
	if (out->indptr == NULL || out->indices == NULL || out->values == NULL ||
	    (r->ts != NULL && out->ts == NULL))
		goto nomem;
	if (ids_copy(&out->users, &r->users, e) < 0 || ids_copy(&out->items, &r->items, e) < 0)
		goto fail;
	out->indptr[0] = 0;
	for (int64_t u = 0; u < r->rows; u++) {
		for (int64_t k = r->indptr[u]; k < r->indptr[u + 1]; k++) {
			if ((test[k] != 0) != want)
				continue;
			out->indices[j] = r->indices[k];
			out->values[j] = r->values[k];
			if (out->ts != NULL)
				out->ts[j] = r->ts[k];
			j++;
		}
		out->indptr[u + 1] = j;
	}
	return 0;
nomem:
	err_nomem(e);
fail:
	ratings_free(out);
	return -1;
}

void
split_describe(const struct split_params *p, char *buf, size_t len)
{
	switch (p->mode) {
	case SPLIT_FRACTION:
		snprintf(buf, len, "random test-fraction=%g seed=%llu", p->fraction,
		    (unsigned long long)p->seed);
		break;
	case SPLIT_KFOLD:
		snprintf(buf, len, "kfold folds=%d fold=%d seed=%llu", p->folds, p->fold,
		    (unsigned long long)p->seed);
		break;
	case SPLIT_LEAVE_LAST:
		snprintf(buf, len, "leave-last n=%lld seed=%llu", (long long)p->leave_last,
		    (unsigned long long)p->seed);
		break;
	case SPLIT_BEFORE:
		snprintf(buf, len, "before ts=%lld", (long long)p->before);
		break;
	default:
		snprintf(buf, len, "unknown");
	}
}
