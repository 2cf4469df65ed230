/* test_kmeans.c - unit tests of lib/train/kmeans.c: blobs, brute-force distances, seeds and restarts */
#include <stdint.h>
#include <stdlib.h>

#include "base/exitcode.h"
#include "train/kmeans.h"
#include "unit.h"

/* A fixed pseudo-random stream for test data (xorshift64). */
static double
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (double)(*s >> 11) * 0x1.0p-53;
}

static void
finds_three_separated_blobs(void)
{
	static const float centre[3][2] = { { 0, 0 }, { 10, 0 }, { 0, 10 } };
	float X[300 * 2];
	double mean[3][2] = { { 0 } };
	struct kmeans_opts o = { .k = 3, .iters = 50, .restarts = 2, .seed = 7 };
	struct kmeans km;
	struct err e;
	uint64_t s = 88172645463325252ULL;
	int label[3];

	for (int i = 0; i < 300; i++)
		for (int j = 0; j < 2; j++) {
			X[2 * i + j] = centre[i % 3][j] + (float)(rnd(&s) - 0.5);
			mean[i % 3][j] += X[2 * i + j] / 100.0;
		}
	CHECK_INT(kmeans_fit(&km, X, 300, 2, 2, &o, &e), 0);
	for (int b = 0; b < 3; b++)
		label[b] = km.assign[b];
	CHECK(label[0] != label[1] && label[1] != label[2] && label[0] != label[2]);
	for (int i = 0; i < 300; i++)
		CHECK_INT(km.assign[i], label[i % 3]);
	for (int b = 0; b < 3; b++) {
		CHECK_INT(km.size[label[b]], 100);
		CHECK_NEAR(km.centroids[2 * label[b]], mean[b][0], 1e-4);
		CHECK_NEAR(km.centroids[2 * label[b] + 1], mean[b][1], 1e-4);
	}
	kmeans_free(&km);
}

/* Blocks of rows: with k = 4096 a block holds 1024 rows, so 2500 rows take 3 blocks. */
static void
assign_matches_brute_force_across_blocks(void)
{
	enum { N = 2500, D = 3, K = 4096 };
	float *X = malloc(N * D * sizeof *X), *C = malloc(K * D * sizeof *C);
	float *dist = malloc(N * sizeof *dist);
	int32_t *assign = malloc(N * sizeof *assign);
	uint64_t s = 12345;
	struct err e;
	double inertia, want = 0;

	for (int i = 0; i < N * D; i++)
		X[i] = (float)rnd(&s);
	for (int i = 0; i < K * D; i++)
		C[i] = (float)rnd(&s);
	inertia = kmeans_assign(X, N, D, D, C, K, assign, dist, &e);
	for (int i = 0; i < N; i++) {
		double best = 1e30;

		for (int c = 0; c < K; c++) {
			double d2 = 0;

			for (int j = 0; j < D; j++)
				d2 += (X[i * D + j] - C[c * D + j]) * (double)(X[i * D + j] - C[c * D + j]);
			if (d2 < best)
				best = d2;
		}
		/* the chosen centroid is a nearest one (up to float rounding) */
		CHECK_NEAR(dist[i], best, 1e-5);
		want += best;
	}
	CHECK_NEAR(inertia, want, 1e-3);
	free(X);
	free(C);
	free(dist);
	free(assign);
}

static void
same_seed_same_clusters_and_restarts_only_help(void)
{
	enum { N = 2000, D = 4 };
	float *X = malloc(N * D * sizeof *X);
	struct kmeans_opts o = { .k = 6, .iters = 30, .restarts = 1, .seed = 99 };
	struct kmeans a, b, c;
	struct err e;
	uint64_t s = 4242;
	int same = 1;

	for (int i = 0; i < N * D; i++)
		X[i] = (float)rnd(&s);
	CHECK_INT(kmeans_fit(&a, X, N, D, D, &o, &e), 0);
	CHECK_INT(kmeans_fit(&b, X, N, D, D, &o, &e), 0);
	for (int i = 0; i < N; i++)
		same &= a.assign[i] == b.assign[i];
	CHECK(same);
	CHECK(a.inertia == b.inertia);
	/* the first of 5 restarts is the single run above: the best is no worse */
	o.restarts = 5;
	CHECK_INT(kmeans_fit(&c, X, N, D, D, &o, &e), 0);
	CHECK(c.inertia <= a.inertia);
	kmeans_free(&a);
	kmeans_free(&b);
	kmeans_free(&c);
	free(X);
}

static void
sorts_clusters_by_size(void)
{
	/* 6 rows at 0, 3 at 5, 1 at 9: sizes 6, 3, 1 after sorting */
	float X[10] = { 0, 0, 0, 0, 0, 0, 5, 5, 5, 9 };
	struct kmeans_opts o = { .k = 3, .iters = 10, .restarts = 3, .seed = 1 };
	struct kmeans km;
	struct err e;

	CHECK_INT(kmeans_fit(&km, X, 10, 1, 1, &o, &e), 0);
	kmeans_sort_by_size(&km);
	CHECK_INT(km.size[0], 6);
	CHECK_INT(km.size[1], 3);
	CHECK_INT(km.size[2], 1);
	CHECK_INT(km.assign[0], 0);
	CHECK_INT(km.assign[7], 1);
	CHECK_INT(km.assign[9], 2);
	CHECK_NEAR(km.centroids[1], 5, 1e-6);
	CHECK_NEAR(km.inertia, 0, 1e-6);
	kmeans_free(&km);
}

static void
edge_cases(void)
{
	float same[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	struct kmeans_opts o = { .k = 3, .iters = 5, .restarts = 1, .seed = 1 };
	struct kmeans km;
	struct err e;

	/* identical rows: no crash, every row counted */
	CHECK_INT(kmeans_fit(&km, same, 8, 1, 1, &o, &e), 0);
	CHECK_INT(km.size[0] + km.size[1] + km.size[2], 8);
	CHECK_NEAR(km.inertia, 0, 0);
	kmeans_free(&km);
	/* k = n: every row its own cluster */
	float pts[4] = { 0, 1, 3, 7 };
	o.k = 4;
	CHECK_INT(kmeans_fit(&km, pts, 4, 1, 1, &o, &e), 0);
	CHECK_NEAR(km.inertia, 0, 0);
	kmeans_free(&km);
	/* more clusters than rows */
	o.k = 5;
	CHECK_INT(kmeans_fit(&km, pts, 4, 1, 1, &o, &e), -1);
	CHECK_INT(e.code, EXIT_USAGE);
}

int
main(void)
{
	RUN(finds_three_separated_blobs);
	RUN(assign_matches_brute_force_across_blocks);
	RUN(same_seed_same_clusters_and_restarts_only_help);
	RUN(sorts_clusters_by_size);
	RUN(edge_cases);
	return UNIT_DONE();
}
