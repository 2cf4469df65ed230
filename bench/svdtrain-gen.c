/* svdtrain-gen.c - bench helper: a synthetic low-rank ratings matrix with noise for bench/svdtrain-scale.sh */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/ratings.h"
#include "base/rng.h"

static int
fill_ids(struct ids *t, const char *prefix, long n, struct err *e)
{
	char buf[32];

	for (long i = 0; i < n; i++) {
		int len = snprintf(buf, sizeof buf, "%s%ld", prefix, i);

		if (ids_intern(t, buf, (size_t)len, e) < 0)
			return -1;
	}
	return 0;
}

static int
cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/*
 * usage: svdtrain-gen OUT.st USERS ITEMS PER_USER RANK NOISE SEED
 * Rating of (u, i) = 3 + U_u . V_i + N(0, NOISE^2), U ~ N(0, 1/RANK) and V ~ N(0, 1),
 * so that the signal has variance about 1. Each user rates PER_USER distinct items,
 * drawn with a popularity skew (item = ITEMS * x^1.5, x uniform).
 */
int
main(int argc, char **argv)
{
	struct ratings r;
	struct err e;
	struct rng g;
	long users, items, per, rank;
	double noise;
	float *U, *V;
	unsigned char *used;

	int implicit = argc == 9 && strcmp(argv[8], "implicit") == 0;

	if (argc != 8 && !implicit) {
		fprintf(stderr, "usage: svdtrain-gen OUT.st USERS ITEMS PER_USER RANK NOISE SEED "
		    "[implicit]\n");
		return 64;
	}
	users = atol(argv[2]);
	items = atol(argv[3]);
	per = atol(argv[4]);
	rank = atol(argv[5]);
	noise = atof(argv[6]);
	rng_seed(&g, (uint64_t)atol(argv[7]));
	if (users < 1 || items < 1 || per < 1 || per > items / 2 || rank < 1) {
		fprintf(stderr, "svdtrain-gen: bad sizes\n");
		return 64;
	}
	ratings_init(&r);
	r.rows = users;
	r.cols = items;
	r.nnz = users * per;
	r.owns_arrays = 1;
	r.indptr = malloc((size_t)(users + 1) * sizeof *r.indptr);
	r.indices = malloc((size_t)r.nnz * sizeof *r.indices);
	r.values = malloc((size_t)r.nnz * sizeof *r.values);
	U = malloc((size_t)(users * rank) * sizeof *U);
	V = malloc((size_t)(items * rank) * sizeof *V);
	used = calloc((size_t)items, 1);
	if (!r.indptr || !r.indices || !r.values || !U || !V || !used) {
		fprintf(stderr, "svdtrain-gen: out of memory\n");
		return 71;
	}
	for (long x = 0; x < users * rank; x++)
		U[x] = (float)(rng_normal(&g) / sqrt((double)rank));
	for (long x = 0; x < items * rank; x++)
		V[x] = (float)rng_normal(&g);
	r.indptr[0] = 0;
	for (long u = 0; u < users; u++) {
		int32_t *row = r.indices + u * per;

		for (long n = 0; n < per;) {
			double x = rng_uniform(&g);
			int32_t i = (int32_t)(items * x * sqrt(x));

			if (i >= items || used[i])
				continue;
			used[i] = 1;
			row[n++] = i;
		}
		qsort(row, (size_t)per, sizeof *row, cmp_i32);
		for (long n = 0; n < per; n++) {
			float v = 3;

			used[row[n]] = 0;
			for (long f = 0; f < rank; f++)
				v += U[u * rank + f] * V[row[n] * rank + f];
			v += (float)(noise * rng_normal(&g));
			/* implicit: a count-like weight of at least 1 that grows with the affinity */
			r.values[u * per + n] = implicit ? (v > 1 ? v : 1) : v;
		}
		r.indptr[u + 1] = (u + 1) * per;
	}
	if (fill_ids(&r.users, "u", users, &e) < 0 || fill_ids(&r.items, "i", items, &e) < 0 ||
	    ratings_save(argv[1], &r, NULL, &e) < 0) {
		fprintf(stderr, "svdtrain-gen: %s\n", e.msg);
		return 74;
	}
	ratings_free(&r);
	free(U);
	free(V);
	free(used);
	return 0;
}
