/* kmeans.c - Lloyd's k-means with k-means++ seeding; distances by blocked cblas_sgemm */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "base/exitcode.h"
#include "train/kmeans.h"
#include "base/rng.h"

/* The scratch matrix of one block holds at most this many floats (16 MB). */
#define BLOCK_FLOATS (4 * 1024 * 1024)

static void
row_norms(const float *X, int64_t n, int64_t d, int64_t ldx, float *out)
{
	for (int64_t i = 0; i < n; i++)
		out[i] = cblas_sdot((int)d, X + i * ldx, 1, X + i * ldx, 1);
}

/* Block assignment with known row norms (xn). Returns the inertia or -1. */
static double
assign_rows(const float *X, const float *xn, int64_t n, int64_t d, int64_t ldx, const float *C,
    int k, int32_t *assign, float *dist, struct err *e)
{
	int64_t rows = BLOCK_FLOATS / k;
	float *G, *cn;
	double inertia = 0;

	if (rows < 1)
		rows = 1;
	if (rows > n)
		rows = n;
	G = malloc((size_t)(rows * k + 1) * sizeof *G);
	cn = malloc(((size_t)k + 1) * sizeof *cn);
	if (G == NULL || cn == NULL) {
		free(G);
		free(cn);
		return err_nomem(e);
	}
	row_norms(C, k, d, d, cn);
	for (int64_t i0 = 0; i0 < n; i0 += rows) {
		int64_t b = n - i0 < rows ? n - i0 : rows;

		/* G = -2 X_block C^T (b x k) */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)b, k, (int)d, -2.0f,
		    X + i0 * ldx, (int)ldx, C, (int)d, 0.0f, G, k);
		for (int64_t r = 0; r < b; r++) {
			const float *g = G + r * k;
			float best = g[0] + cn[0], v;
			int j, arg = 0;

			for (j = 1; j < k; j++)
				if ((v = g[j] + cn[j]) < best) {
					best = v;
					arg = j;
				}
			best += xn[i0 + r];
			if (best < 0)
				best = 0;       /* rounding in the expansion */
			assign[i0 + r] = arg;
			dist[i0 + r] = best;
			inertia += best;
		}
	}
	free(G);
	free(cn);
	return inertia;
}

double
kmeans_assign(const float *X, int64_t n, int64_t d, int64_t ldx, const float *C, int k,
    int32_t *assign, float *dist, struct err *e)
{
	float *xn = malloc(((size_t)n + 1) * sizeof *xn);
	double in;

	if (xn == NULL)
		return err_nomem(e);
	row_norms(X, n, d, ldx, xn);
	in = assign_rows(X, xn, n, d, ldx, C, k, assign, dist, e);
	free(xn);
	return in;
}

/* k-means++ seeding into C; dist is scratch (n). Returns 0 or -1. */
static int
seed_plus_plus(const float *X, const float *xn, int64_t n, int64_t d, int64_t ldx, int k,
    struct rng *rng, float *C, float *dist, struct err *e)
{
	float *proj = malloc(((size_t)n + 1) * sizeof *proj);
	int64_t pick = (int64_t)(rng_uniform(rng) * (double)n);

	if (proj == NULL)
		return err_nomem(e);
	for (int64_t i = 0; i < n; i++)
		dist[i] = INFINITY;
	for (int c = 0; c < k; c++) {
		const float *x = X + pick * ldx;
		double total = 0, u, acc = 0;
		float cn;

		memcpy(C + (int64_t)c * d, x, (size_t)d * sizeof *C);
		if (c == k - 1)
			break;
		/* proj = X c: the new centre against every row */
		cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)d, 1.0f, X, (int)ldx, x, 1,
		    0.0f, proj, 1);
		cn = xn[pick];
		for (int64_t i = 0; i < n; i++) {
			float v = xn[i] - 2 * proj[i] + cn;

			if (v < 0)
				v = 0;
			if (v < dist[i])
				dist[i] = v;
			total += dist[i];
		}
		if (!(total > 0)) {
			/* every row sits on a centre: any row will do */
			pick = (int64_t)(rng_uniform(rng) * (double)n);
			continue;
		}
		u = rng_uniform(rng) * total;
		pick = n - 1;
		for (int64_t i = 0; i < n; i++) {
			acc += dist[i];
			if (acc > u && dist[i] > 0) {
				pick = i;
				break;
			}
		}
	}
	free(proj);
	return 0;
}

/* New centroids from the assignment; empty clusters take the farthest rows. */
static void
update(const float *X, int64_t n, int64_t d, int64_t ldx, int k, int32_t *assign, float *dist,
    float *C, double *sum, int64_t *cnt)
{
	memset(sum, 0, (size_t)(k * d) * sizeof *sum);
	memset(cnt, 0, (size_t)k * sizeof *cnt);
	for (int64_t i = 0; i < n; i++) {
		double *s = sum + (int64_t)assign[i] * d;
		const float *x = X + i * ldx;

		cnt[assign[i]]++;
		for (int64_t j = 0; j < d; j++)
			s[j] += x[j];
	}
	for (int c = 0; c < k; c++) {
		if (cnt[c] == 0) {
			int64_t far = -1;

			/* the farthest row whose cluster keeps at least one other row */
			for (int64_t i = 0; i < n; i++)
				if (cnt[assign[i]] > 1 && (far < 0 || dist[i] > dist[far]))
					far = i;
			if (far < 0)
				continue;       /* fewer distinct rows than clusters */
			/* move the row over so that no other empty cluster takes it too */
			cnt[assign[far]]--;
			for (int64_t j = 0; j < d; j++)
				sum[(int64_t)assign[far] * d + j] -= X[far * ldx + j];
			assign[far] = c;
			dist[far] = 0;
			cnt[c] = 1;
			for (int64_t j = 0; j < d; j++)
				sum[(int64_t)c * d + j] = X[far * ldx + j];
		}
	}
	for (int c = 0; c < k; c++)
		for (int64_t j = 0; j < d; j++)
			if (cnt[c] > 0)
				C[(int64_t)c * d + j] = (float)(sum[(int64_t)c * d + j] / (double)cnt[c]);
}

void
kmeans_free(struct kmeans *km)
{
	free(km->centroids);
	free(km->assign);
	free(km->dist);
	free(km->size);
	memset(km, 0, sizeof *km);
}

int
kmeans_fit(struct kmeans *km, const float *X, int64_t n, int64_t d, int64_t ldx,
    const struct kmeans_opts *o, struct err *e)
{
	int k = o->k, rc = -1;
	float *xn = NULL, *C = NULL, *dist = NULL;
	int32_t *assign = NULL, *prev = NULL;
	double *sum = NULL;
	int64_t *cnt = NULL;
	struct rng rng;

	memset(km, 0, sizeof *km);
	if (k < 1 || (int64_t)k > n || d < 1 || ldx < d || o->restarts < 1 || o->iters < 0)
		return err_set(e, EXIT_USAGE, "cannot make %d clusters of %lld rows", k, (long long)n);
	km->n = n;
	km->d = d;
	km->k = k;
	km->inertia = INFINITY;
	km->centroids = malloc((size_t)(k * d) * sizeof *km->centroids);
	km->assign = malloc((size_t)n * sizeof *km->assign);
	km->dist = malloc((size_t)n * sizeof *km->dist);
	km->size = calloc((size_t)k, sizeof *km->size);
	xn = malloc((size_t)n * sizeof *xn);
	C = malloc((size_t)(k * d) * sizeof *C);
	dist = malloc((size_t)n * sizeof *dist);
	assign = calloc((size_t)n, sizeof *assign);
	prev = malloc((size_t)n * sizeof *prev);
	sum = malloc((size_t)(k * d) * sizeof *sum);
	cnt = malloc((size_t)k * sizeof *cnt);
	if (!km->centroids || !km->assign || !km->dist || !km->size || !xn || !C || !dist ||
	    !assign || !prev || !sum || !cnt) {
		err_nomem(e);
		goto out;
	}
	row_norms(X, n, d, ldx, xn);
	rng_seed(&rng, o->seed);
	for (int r = 0; r < o->restarts; r++) {
		double inertia = 0;
		int it;

		if (seed_plus_plus(X, xn, n, d, ldx, k, &rng, C, dist, e) < 0)
			goto out;
		for (it = 0;; it++) {
			int64_t moved = 0;

			memcpy(prev, assign, (size_t)n * sizeof *prev);
			if ((inertia = assign_rows(X, xn, n, d, ldx, C, k, assign, dist, e)) < 0)
				goto out;
			for (int64_t i = 0; it > 0 && i < n; i++)
				moved += prev[i] != assign[i];
			if (o->progress != NULL)
				o->progress(o->arg, r, it, inertia, it > 0 ? moved : n);
			if ((it > 0 && moved == 0) || it == o->iters)
				break;
			update(X, n, d, ldx, k, assign, dist, C, sum, cnt);
		}
		if (inertia < km->inertia) {
			km->inertia = inertia;
			km->iters_run = it;
			km->restart = r;
			memcpy(km->centroids, C, (size_t)(k * d) * sizeof *C);
			memcpy(km->assign, assign, (size_t)n * sizeof *assign);
			memcpy(km->dist, dist, (size_t)n * sizeof *dist);
		}
	}
	for (int64_t i = 0; i < n; i++)
		km->size[km->assign[i]]++;
	rc = 0;
out:
	free(xn);
	free(C);
	free(dist);
	free(assign);
	free(prev);
	free(sum);
	free(cnt);
	if (rc < 0)
		kmeans_free(km);
	return rc;
}

void
kmeans_sort_by_size(struct kmeans *km)
{
	int k = km->k, *order = malloc((size_t)k * sizeof *order);
	int *rank = malloc((size_t)k * sizeof *rank);
	float *C = malloc((size_t)(k * km->d) * sizeof *C);
	int64_t *size = malloc((size_t)k * sizeof *size);

	if (!order || !rank || !C || !size)
		goto out;   /* keeps the old numbering: still a valid result */
	for (int c = 0; c < k; c++)
		order[c] = c;
	for (int a = 1; a < k; a++)     /* insertion sort: k is small, and it is stable */
		for (int b = a; b > 0 && km->size[order[b]] > km->size[order[b - 1]]; b--) {
			int t = order[b];

			order[b] = order[b - 1];
			order[b - 1] = t;
		}
	for (int c = 0; c < k; c++) {
		rank[order[c]] = c;
		size[c] = km->size[order[c]];
		memcpy(C + (int64_t)c * km->d, km->centroids + (int64_t)order[c] * km->d,
		    (size_t)km->d * sizeof *C);
	}
	memcpy(km->centroids, C, (size_t)(k * km->d) * sizeof *C);
	memcpy(km->size, size, (size_t)k * sizeof *size);
	for (int64_t i = 0; i < km->n; i++)
		km->assign[i] = rank[km->assign[i]];
out:
	free(order);
	free(rank);
	free(C);
	free(size);
}
