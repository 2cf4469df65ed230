/* test_knn.c - unit tests for the cosine neighbourhoods (lib/knn): hand-computed sims, both methods */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "recommend/knn.h"
#include "unit.h"

/* A ratings matrix from a dense users x items array (0 = no entry). */
static void
build(struct ratings *r, int users, int items, const float *dense)
{
	struct err e = { 0 };
	char buf[32];
	int64_t nnz = 0;

	ratings_init(r);
	r->rows = users;
	r->cols = items;
	r->owns_arrays = 1;
	r->indptr = calloc((size_t)users + 1, sizeof *r->indptr);
	r->indices = malloc((size_t)(users * items) * sizeof *r->indices);
	r->values = malloc((size_t)(users * items) * sizeof *r->values);
	for (int u = 0; u < users; u++) {
		for (int i = 0; i < items; i++)
			if (dense[u * items + i] != 0) {
				r->indices[nnz] = i;
				r->values[nnz++] = dense[u * items + i];
			}
		r->indptr[u + 1] = nnz;
		snprintf(buf, sizeof buf, "u%d", u + 1);
		ids_intern(&r->users, buf, strlen(buf), &e);
	}
	for (int i = 0; i < items; i++) {
		snprintf(buf, sizeof buf, "%c", 'a' + i);
		ids_intern(&r->items, buf, strlen(buf), &e);
	}
	r->nnz = nnz;
}

/*
 *        a  b  c  d      item columns: a=(1,1,0,0) |a|=sqrt2   b=(1,1,1,0) |b|=sqrt3
 *  u1    1  1  .  .                    c=(0,1,1,0) |c|=sqrt2   d=(0,0,0,2) |d|=2
 *  u2    1  1  1  .      cos(a,b) = 2/(sqrt2 sqrt3) = 0.816497   common 2
 *  u3    .  1  1  .      cos(a,c) = 1/(sqrt2 sqrt2) = 0.5        common 1
 *  u4    .  .  .  2      cos(b,c) = 2/(sqrt3 sqrt2) = 0.816497   common 2;  d: 0 with all
 */
static const float small[] = {
	1, 1, 0, 0,
	1, 1, 1, 0,
	0, 1, 1, 0,
	0, 0, 0, 2,
};

static void
item_cosines_by_hand(void)
{
	struct ratings r;
	struct knn_index x;
	struct knn_graph g;
	struct err e = { 0 };

	build(&r, 4, 4, small);
	CHECK(knn_index_build(&x, &r, 1, 0, &e) == 0);
	CHECK_INT(x.a.rows, 4);
	CHECK_NEAR(x.norm[1], sqrt(3), 1e-6);
	CHECK(knn_graph_build(&g, &x, 10, 0, KNN_SPARSE, NULL, NULL, &e) == 0);
	CHECK_INT(g.used, KNN_SPARSE);
	/* a: b 0.8165, c 0.5 */
	CHECK_INT(g.indptr[1] - g.indptr[0], 2);
	CHECK_INT(g.nbr[0], 1);
	CHECK_NEAR(g.sim[0], 2 / sqrt(6), 1e-6);
	CHECK_INT(g.nbr[1], 2);
	CHECK_NEAR(g.sim[1], 0.5, 1e-6);
	/* b: a and c tie at 0.8165, the lower index first */
	CHECK_INT(g.nbr[g.indptr[1]], 0);
	CHECK_INT(g.nbr[g.indptr[1] + 1], 2);
	CHECK_NEAR(g.sim[g.indptr[1] + 1], 2 / sqrt(6), 1e-6);
	/* c: b, a; d: nobody (cosine 0 is not a neighbour) */
	CHECK_INT(g.nbr[g.indptr[2]], 1);
	CHECK_INT(g.nbr[g.indptr[2] + 1], 0);
	CHECK_INT(g.indptr[4] - g.indptr[3], 0);
	knn_graph_free(&g);
	knn_index_free(&x);
	ratings_free(&r);
}

static void
shrinkage_and_k(void)
{
	struct ratings r;
	struct knn_index x;
	struct knn_graph g;
	struct err e = { 0 };

	build(&r, 4, 4, small);
	CHECK(knn_index_build(&x, &r, 1, 0, &e) == 0);
	/* S = 1: (a,b) 0.816497 * 2/3 = 0.544331; (a,c) 0.5 * 1/2 = 0.25 */
	CHECK(knn_graph_build(&g, &x, 1, 1, KNN_SPARSE, NULL, NULL, &e) == 0);
	CHECK_INT(g.indptr[1], 1);
	CHECK_INT(g.nbr[0], 1);
	CHECK_NEAR(g.sim[0], 2 / sqrt(6) * 2 / 3, 1e-6);
	CHECK_INT(g.indptr[4], 3);
	knn_graph_free(&g);
	CHECK(knn_graph_build(&g, &x, 5, 1, KNN_DENSE, NULL, NULL, &e) == 0);
	CHECK_INT(g.used, KNN_DENSE);
	CHECK_NEAR(g.sim[1], 0.25, 1e-6);
	knn_graph_free(&g);
	knn_index_free(&x);
	ratings_free(&r);
}

static void
user_cosines_by_hand(void)
{
	struct ratings r;
	struct knn_index x;
	struct topn h;
	struct err e = { 0 };
	int32_t qi[] = { 0, 1 };
	float qv[] = { 1, 1 };

	build(&r, 4, 4, small);
	CHECK(knn_index_build(&x, &r, 0, 0, &e) == 0);
	CHECK(topn_init(&h, 10, &e) == 0);
	/* u1 = (1,1,0,0): u2 2/(sqrt2 sqrt3) = 0.8165, u3 1/(sqrt2 sqrt2) = 0.5, itself skipped */
	knn_index_query(&x, qi, qv, 2, 0, 0, &h);
	CHECK_INT(topn_sort(&h), 2);
	CHECK_INT(h.idx[0], 1);
	CHECK_NEAR(h.score[0], 2 / sqrt(6), 1e-6);
	CHECK_INT(h.idx[1], 2);
	CHECK_NEAR(h.score[1], 0.5, 1e-6);
	/* the workspace is clean for the next query: the same answer again, u1 included */
	topn_reset(&h);
	knn_index_query(&x, qi, qv, 2, -1, 0, &h);
	CHECK_INT(topn_sort(&h), 3);
	CHECK_INT(h.idx[0], 0);
	CHECK_NEAR(h.score[0], 1, 1e-6);
	CHECK_NEAR(h.score[1], 2 / sqrt(6), 1e-6);
	topn_free(&h);
	knn_index_free(&x);
	ratings_free(&r);
}

static void
binary_ignores_values(void)
{
	struct ratings r;
	struct knn_index x;
	struct knn_graph g;
	struct err e = { 0 };
	/* a=(5,1) b=(1,5): cosine 10/26 with values, 1 as binary */
	const float v[] = { 5, 1, 1, 5 };

	build(&r, 2, 2, v);
	CHECK(knn_index_build(&x, &r, 1, 0, &e) == 0);
	CHECK(knn_graph_build(&g, &x, 5, 0, KNN_AUTO, NULL, NULL, &e) == 0);
	CHECK_NEAR(g.sim[0], 10.0 / 26.0, 1e-6);
	knn_graph_free(&g);
	knn_index_free(&x);
	CHECK(knn_index_build(&x, &r, 1, 1, &e) == 0);
	CHECK(knn_graph_build(&g, &x, 5, 0, KNN_AUTO, NULL, NULL, &e) == 0);
	CHECK_NEAR(g.sim[0], 1, 1e-6);
	knn_graph_free(&g);
	knn_index_free(&x);
	ratings_free(&r);
}

/* The sgemm blocks and the sparse accumulator agree on a random matrix, shrinkage included. */
static void
dense_equals_sparse(void)
{
	enum { U = 60, I = 45 };
	static float d[U * I];
	struct ratings r;
	struct knn_index x;
	struct knn_graph gs, gd;
	struct err e = { 0 };
	unsigned s = 12345;

	for (int k = 0; k < U * I; k++) {
		s = s * 1103515245u + 12345u;
		d[k] = (s >> 16) % 7 == 0 ? (float)(1 + (s >> 8) % 5) : 0;
	}
	build(&r, U, I, d);
	for (int by_item = 0; by_item <= 1; by_item++) {
		CHECK(knn_index_build(&x, &r, by_item, 0, &e) == 0);
		CHECK(knn_graph_build(&gs, &x, 7, 3, KNN_SPARSE, NULL, NULL, &e) == 0);
		CHECK(knn_graph_build(&gd, &x, 7, 3, KNN_DENSE, NULL, NULL, &e) == 0);
		CHECK_INT(gs.indptr[gs.n], gd.indptr[gd.n]);
		for (int64_t a = 0; a < gs.n; a++) {
			CHECK_INT(gs.indptr[a + 1], gd.indptr[a + 1]);
			for (int64_t p = gs.indptr[a]; p < gs.indptr[a + 1]; p++)
				CHECK_NEAR(gs.sim[p], gd.sim[p], 1e-5);
		}
		CHECK(gs.indptr[gs.n] > 0);
		knn_graph_free(&gs);
		knn_graph_free(&gd);
		knn_index_free(&x);
	}
	ratings_free(&r);
}

static void
costs_follow_density(void)
{
	struct ratings r;
	struct knn_index x;
	struct err e = { 0 };
	double sc, dc;

	build(&r, 4, 4, small);
	CHECK(knn_index_build(&x, &r, 1, 0, &e) == 0);
	knn_cost(&x, 0, 0, &sc, &dc);
	/* users' rows: 2, 3, 2, 1 entries -> 4 + 9 + 4 + 1 */
	CHECK_NEAR(sc, 18, 0);
	CHECK_NEAR(dc, 4 * 4 * 4, 0);
	knn_cost(&x, 1, 0, &sc, &dc);
	CHECK_NEAR(dc, 2 * 4 * 4 * 4, 0);
	knn_index_free(&x);
	ratings_free(&r);
}

int
main(void)
{
	RUN(item_cosines_by_hand);
	RUN(shrinkage_and_k);
	RUN(user_cosines_by_hand);
	RUN(binary_ignores_values);
	RUN(dense_equals_sparse);
	RUN(costs_follow_density);
	return UNIT_DONE();
}
