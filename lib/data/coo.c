/* coo.c - triplets to CSR: an in-place stable counting sort, row sorts, duplicates merged in place */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/coo.h"
#include "base/exitcode.h"

void
coo_init(struct coo *c, int has_ts)
{
	memset(c, 0, sizeof *c);
	c->has_ts = has_ts;
}

void
coo_free(struct coo *c)
{
	free(c->u);
	free(c->i);
	free(c->v);
	free(c->ts);
	c->u = c->i = NULL;
	c->v = NULL;
	c->ts = NULL;
	c->n = c->cap = 0;
}

/* realloc that leaves *p alone on failure. */
static int
grow(void **p, size_t n, size_t size)
{
	void *q = realloc(*p, n * size);

	if (q == NULL)
		return -1;
	*p = q;
	return 0;
}

int
coo_push(struct coo *c, uint32_t u, uint32_t i, float v, int64_t ts, struct err *e)
{
	if (c->n == c->cap) {
		size_t ncap;

		if (c->cap >= UINT32_MAX / 2)
			return err_set(e, EXIT_DATA, "more than %u interactions", UINT32_MAX / 2);
		ncap = c->cap ? c->cap * 2 : 4096;

		if (grow((void **)&c->u, ncap, sizeof *c->u) < 0 ||
		    grow((void **)&c->i, ncap, sizeof *c->i) < 0 ||
		    grow((void **)&c->v, ncap, sizeof *c->v) < 0 ||
		    (c->has_ts && grow((void **)&c->ts, ncap, sizeof *c->ts) < 0))
			return err_nomem(e);
		c->cap = ncap;
	}
	c->u[c->n] = u;
	c->i[c->n] = i;
	c->v[c->n] = v;
	if (c->has_ts)
		c->ts[c->n] = ts;
	c->n++;
	return 0;
}

/*
 * Turns key[] into the stable destination of each element (key k's elements
 * go to start[k], start[k]+1, ... in input order), in place: each key is read
 * once, then overwritten by its destination.
 */
static void
destinations(uint32_t *key, size_t n, const int64_t *start, int64_t *pos, size_t nkeys)
{
	memcpy(pos, start, nkeys * sizeof *pos);
	for (size_t k = 0; k < n; k++)
		key[k] = (uint32_t)pos[key[k]]++;
}

/*
 * Moves every element k of the columns a, b and ts (may be NULL) to dest[k],
 * in place, following each cycle with the displaced element in hand; dest
 * ends as the identity.
 */
static void
permute(uint32_t *dest, size_t n, uint32_t *a, float *b, int64_t *ts)
{
	for (size_t k = 0; k < n; k++) {
		size_t j = dest[k];
		uint32_t ca = a[k], t32;
		float cb = b[k], tf;
		int64_t ct = ts ? ts[k] : 0, t64;

		if (j == k)
			continue;
		dest[k] = (uint32_t)k;
		while (j != k) {
			size_t next = dest[j];

			t32 = a[j]; a[j] = ca; ca = t32;
			tf = b[j]; b[j] = cb; cb = tf;
			if (ts != NULL) {
				t64 = ts[j]; ts[j] = ct; ct = t64;
			}
			dest[j] = (uint32_t)j;
			j = next;
		}
		a[k] = ca;
		b[k] = cb;
		if (ts != NULL)
			ts[k] = ct;
	}
}

/* Row entries with their position in the row (seq), sorted by (item, seq): a stable order. */
struct row {
	uint32_t *i, *seq;
	float *v;
	int64_t *ts;
};

static int
row_less(const struct row *r, size_t x, size_t y)
{
	return r->i[x] < r->i[y] || (r->i[x] == r->i[y] && r->seq[x] < r->seq[y]);
}

static void
row_swap(const struct row *r, size_t x, size_t y)
{
	uint32_t t = r->i[x]; r->i[x] = r->i[y]; r->i[y] = t;
	t = r->seq[x]; r->seq[x] = r->seq[y]; r->seq[y] = t;
	float f = r->v[x]; r->v[x] = r->v[y]; r->v[y] = f;
	if (r->ts != NULL) {
		int64_t z = r->ts[x]; r->ts[x] = r->ts[y]; r->ts[y] = z;
	}
}

static void
sift_down(const struct row *r, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && row_less(r, child, child + 1))
			child++;
		if (!row_less(r, root, child))
			return;
		row_swap(r, root, child);
		root = child;
	}
}

/* Sorts entries [0, n) of r: insertion sort when short, else heapsort (no allocation). */
static void
sort_row(const struct row *r, size_t n)
{
	if (n <= 24) {
		for (size_t k = 1; k < n; k++)
			for (size_t j = k; j > 0 && row_less(r, j, j - 1); j--)
				row_swap(r, j, j - 1);
		return;
	}
	for (size_t k = n / 2; k-- > 0;)
		sift_down(r, k, n);
	for (size_t k = n - 1; k > 0; k--) {
		row_swap(r, 0, k);
		sift_down(r, 0, k);
	}
}

/* Scratch space for merging rows: rows up to cap entries are merge-sorted, longer ones heap-sorted. */
struct scratch {
	uint32_t *i;
	float *v;
	int64_t *ts;
	size_t cap;
};

/* Stable insertion sort by item of a short run. */
static void
insertion_by_item(uint32_t *i, float *v, int64_t *ts, size_t n)
{
	for (size_t k = 1; k < n; k++) {
		uint32_t ki = i[k];
		float kv = v[k];
		int64_t kt = ts ? ts[k] : 0;
		size_t j = k;

		for (; j > 0 && i[j - 1] > ki; j--) {
			i[j] = i[j - 1];
			v[j] = v[j - 1];
			if (ts != NULL)
				ts[j] = ts[j - 1];
		}
		i[j] = ki;
		v[j] = kv;
		if (ts != NULL)
			ts[j] = kt;
	}
}

/* Stable bottom-up merge sort by item of a row of n <= s->cap entries. */
static void
merge_sort_row(uint32_t *i, float *v, int64_t *ts, size_t n, const struct scratch *s)
{
	uint32_t *si = i, *di = s->i, *ti;
	float *sv = v, *dv = s->v, *tv;
	int64_t *st = ts, *dt = ts ? s->ts : NULL, *tt;
	const size_t run = 16;

	for (size_t a = 0; a < n; a += run)
		insertion_by_item(i + a, v + a, ts ? ts + a : NULL, n - a < run ? n - a : run);
	for (size_t w = run; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t x = lo, y = mid, k = lo;

			while (k < hi) {
				size_t from = (y < hi && (x >= mid || si[y] < si[x])) ? y++ : x++;

				di[k] = si[from];
				dv[k] = sv[from];
				if (ts != NULL)
					dt[k] = st[from];
				k++;
			}
		}
		ti = si; si = di; di = ti;
		tv = sv; sv = dv; dv = tv;
		tt = st; st = dt; dt = tt;
	}
	if (si != i) {
		memcpy(i, si, n * sizeof *i);
		memcpy(v, sv, n * sizeof *v);
		if (ts != NULL)
			memcpy(ts, st, n * sizeof *ts);
	}
}

/* start[k] = first position of key k in the sorted order (nkeys + 1 entries). */
static void
offsets(const uint32_t *key, size_t n, int64_t *start, size_t nkeys)
{
	memset(start, 0, (nkeys + 1) * sizeof *start);
	for (size_t k = 0; k < n; k++)
		start[key[k] + 1]++;
	for (size_t k = 0; k < nkeys; k++)
		start[k + 1] += start[k];
}

/* Merges the duplicates of each row in place; updates indptr. Returns 0 or -1 (overflow). */
static int
merge_dups(struct coo *c, int64_t *indptr, int64_t rows, enum coo_dup dup, size_t *nout,
    struct err *e)
{
	size_t w = 0;

	for (int64_t u = 0; u < rows; u++) {
		int64_t a = indptr[u], b = indptr[u + 1];

		indptr[u] = (int64_t)w;
		for (int64_t k = a; k < b;) {
			int64_t j = k + 1, pick = k;
			double sum = c->v[k], max = c->v[k];
			int64_t ts = c->has_ts ? c->ts[k] : 0;
			double val;

			while (j < b && c->i[j] == c->i[k]) {
				sum += c->v[j];
				if (c->v[j] > max)
					max = c->v[j];
				if (!c->has_ts || c->ts[j] >= c->ts[pick])
					pick = j;
				if (c->has_ts && c->ts[j] > ts)
					ts = c->ts[j];
				j++;
			}
			switch (dup) {
			case COO_DUP_SUM: val = sum; break;
			case COO_DUP_MAX: val = max; break;
			case COO_DUP_MEAN: val = sum / (double)(j - k); break;
			default: val = c->v[pick]; break;
			}
			if (!isfinite((float)val))
				return err_set(e, EXIT_DATA,
				    "the combined value of a duplicate pair overflows a float");
			c->i[w] = c->i[k];
			c->v[w] = (float)val;
			if (c->has_ts)
				c->ts[w] = ts;
			w++;
			k = j;
		}
	}
	indptr[rows] = (int64_t)w;
	*nout = w;
	return 0;
}

int
coo_to_csr(struct coo *c, int64_t rows, int64_t cols, enum coo_dup dup, struct ratings *r,
    int64_t *ndup, struct err *e)
{
	size_t n = c->n, nkeys = (size_t)(rows > cols ? rows : cols), nnz = 0, maxrow = 0;
	struct scratch sc = { NULL, NULL, NULL, 0 };
	int64_t *start = malloc((nkeys + 1) * sizeof *start);
	int64_t *pos = malloc((nkeys + 1) * sizeof *pos);
	int rc = -1;

	if (start == NULL || pos == NULL) {
		err_nomem(e);
		goto out;
	}
	/*
	 * A stable counting sort by user done in place (the user column becomes
	 * the destinations, the other columns follow them), then each row sorted
	 * by (item, position in the row), so equal pairs keep their input order.
	 */
	offsets(c->u, n, start, (size_t)rows);
	destinations(c->u, n, start, pos, (size_t)rows);
	permute(c->u, n, c->i, c->v, c->ts);
	for (int64_t u = 0; u < rows; u++)
		if ((size_t)(start[u + 1] - start[u]) > maxrow)
			maxrow = (size_t)(start[u + 1] - start[u]);
	/* scratch of at most an eighth of the triplets: longer rows are heap-sorted in place */
	sc.cap = maxrow < 4096 || maxrow <= n / 8 ? maxrow : (n / 8 > 4096 ? n / 8 : 4096);
	sc.i = malloc((sc.cap + 1) * sizeof *sc.i);
	sc.v = malloc((sc.cap + 1) * sizeof *sc.v);
	sc.ts = c->has_ts ? malloc((sc.cap + 1) * sizeof *sc.ts) : NULL;
	if (sc.i == NULL || sc.v == NULL || (c->has_ts && sc.ts == NULL)) {
		err_nomem(e);
		goto out;
	}
	for (int64_t u = 0; u < rows; u++) {
		struct row row;
		int64_t a = start[u];
		size_t len = (size_t)(start[u + 1] - a), k;

		for (k = 1; k < len && c->i[a + (int64_t)k] > c->i[a + (int64_t)k - 1]; k++)
			;
		if (k >= len)
			continue;       /* already in order */
		if (len <= sc.cap) {
			merge_sort_row(c->i + a, c->v + a, c->ts ? c->ts + a : NULL, len, &sc);
			continue;
		}
		row.i = c->i + a;
		row.seq = c->u + a;
		row.v = c->v + a;
		row.ts = c->ts ? c->ts + a : NULL;
		for (k = 0; k < len; k++)
			row.seq[k] = (uint32_t)k;
		sort_row(&row, len);
	}
	free(c->u);
	c->u = NULL;
	free(pos);
	pos = NULL;
	if (merge_dups(c, start, rows, dup, &nnz, e) < 0)
		goto out;
	if (ndup != NULL)
		*ndup = (int64_t)(n - nnz);
	/* shrink; a failed shrink keeps the larger block */
	grow((void **)&c->i, nnz ? nnz : 1, sizeof *c->i);
	grow((void **)&c->v, nnz ? nnz : 1, sizeof *c->v);
	if (c->has_ts)
		grow((void **)&c->ts, nnz ? nnz : 1, sizeof *c->ts);
	grow((void **)&start, (size_t)rows + 1, sizeof *start);
	r->rows = rows;
	r->cols = cols;
	r->nnz = (int64_t)nnz;
	r->indptr = start;
	r->indices = (int32_t *)c->i;
	r->values = c->v;
	r->ts = c->has_ts ? c->ts : NULL;
	r->owns_arrays = 1;
	start = NULL;
	c->i = NULL;
	c->v = NULL;
	c->ts = NULL;
	rc = 0;
out:
	free(sc.i);
	free(sc.v);
	free(sc.ts);
	free(start);
	free(pos);
	coo_free(c);
	return rc;
}

/* Rebuilds t keeping the ids whose newidx[] is not negative, in order. */
static int
ids_keep(struct ids *t, const int64_t *newidx, struct err *e)
{
	struct ids nt;

	ids_init(&nt);
	for (size_t k = 0; k < ids_count(t); k++) {
		size_t len;
		const char *s;

		if (newidx[k] < 0)
			continue;
		s = ids_get(t, (int64_t)k, &len);
		if (ids_intern(&nt, s, len, e) < 0) {
			ids_free(&nt);
			return -1;
		}
	}
	ids_free(t);
	*t = nt;
	return 0;
}

int
coo_kcore(struct ratings *r, int64_t min_user, int64_t min_item, struct coo_kcore_stats *st,
    struct err *e)
{
	int64_t *icnt = calloc((size_t)r->cols + 1, sizeof *icnt);
	int64_t *unew = malloc(((size_t)r->rows + 1) * sizeof *unew);
	int64_t *inew = malloc(((size_t)r->cols + 1) * sizeof *inew);
	int64_t nnz0 = r->nnz, nu = 0, ni = 0;
	int rc = -1;

	memset(st, 0, sizeof *st);
	if (icnt == NULL || unew == NULL || inew == NULL) {
		err_nomem(e);
		goto out;
	}
	for (;;) {
		int64_t w = 0, removed = 0;

		memset(icnt, 0, (size_t)r->cols * sizeof *icnt);
		for (int64_t k = 0; k < r->nnz; k++)
			icnt[r->indices[k]]++;
		for (int64_t u = 0; u < r->rows; u++) {
			int64_t a = r->indptr[u], b = r->indptr[u + 1];
			int ukeep = b - a >= min_user;

			r->indptr[u] = w;
			for (int64_t k = a; k < b; k++) {
				if (!ukeep || icnt[r->indices[k]] < min_item) {
					removed++;
					continue;
				}
				r->indices[w] = r->indices[k];
				r->values[w] = r->values[k];
				if (r->ts != NULL)
					r->ts[w] = r->ts[k];
				w++;
			}
		}
		r->indptr[r->rows] = w;
		r->nnz = w;
		st->rounds++;
		if (removed == 0)
			break;
	}
	/* renumber: drop empty rows and columns */
	memset(icnt, 0, (size_t)r->cols * sizeof *icnt);
	for (int64_t k = 0; k < r->nnz; k++)
		icnt[r->indices[k]]++;
	for (int64_t i = 0; i < r->cols; i++)
		inew[i] = icnt[i] > 0 ? ni++ : -1;
	for (int64_t u = 0; u < r->rows; u++) {
		int64_t a = r->indptr[u], b = r->indptr[u + 1];

		unew[u] = b > a ? nu : -1;
		if (b > a)
			r->indptr[nu++] = a;
	}
	r->indptr[nu] = r->nnz;
	for (int64_t k = 0; k < r->nnz; k++)
		r->indices[k] = (int32_t)inew[r->indices[k]];
	if ((nu < r->rows && ids_keep(&r->users, unew, e) < 0) ||
	    (ni < r->cols && ids_keep(&r->items, inew, e) < 0))
		goto out;
	st->users = r->rows - nu;
	st->items = r->cols - ni;
	st->entries = nnz0 - r->nnz;
	r->rows = nu;
	r->cols = ni;
	rc = 0;
out:
	free(icnt);
	free(unew);
	free(inew);
	return rc;
}
