/* test_coo.c - unit tests of lib/coo.c: CSR order, duplicate rules, a brute-force check, k-core */
#include <stdlib.h>

#include "coo.h"
#include "exitcode.h"
#include "unit.h"

/* Builds r from triplets (u, i, v, ts); ts may be NULL. */
static int
build(struct ratings *r, int64_t rows, int64_t cols, const int *u, const int *i, const float *v,
    const int64_t *ts, size_t n, enum coo_dup dup, int64_t *ndup)
{
	struct coo c;
	struct err e;

	ratings_init(r);
	coo_init(&c, ts != NULL);
	for (size_t k = 0; k < n; k++)
		coo_push(&c, (uint32_t)u[k], (uint32_t)i[k], v[k], ts ? ts[k] : 0, &e);
	return coo_to_csr(&c, rows, cols, dup, r, ndup, &e);
}

static void
rows_are_sorted_by_item(void)
{
	int u[] = { 1, 0, 1, 0, 1 }, i[] = { 3, 2, 0, 0, 2 };
	float v[] = { 1, 2, 3, 4, 5 };
	struct ratings r;
	int64_t ndup;

	CHECK_INT(build(&r, 2, 4, u, i, v, NULL, 5, COO_DUP_LAST, &ndup), 0);
	CHECK_INT(ndup, 0);
	CHECK_INT(r.nnz, 5);
	CHECK_INT(r.indptr[0], 0);
	CHECK_INT(r.indptr[1], 2);
	CHECK_INT(r.indptr[2], 5);
	CHECK_INT(r.indices[0], 0);
	CHECK_NEAR(r.values[0], 4, 0);
	CHECK_INT(r.indices[1], 2);
	CHECK_INT(r.indices[2], 0);
	CHECK_INT(r.indices[3], 2);
	CHECK_INT(r.indices[4], 3);
	CHECK_NEAR(r.values[4], 1, 0);
	CHECK(r.ts == NULL);
	ratings_free(&r);
}

static void
duplicates_combine_by_each_rule(void)
{
	int u[] = { 0, 0, 0, 0 }, i[] = { 1, 1, 0, 1 };
	float v[] = { 4, 2, 7, 3 };
	struct ratings r;
	int64_t ndup;

	CHECK_INT(build(&r, 1, 2, u, i, v, NULL, 4, COO_DUP_LAST, &ndup), 0);
	CHECK_INT(ndup, 2);
	CHECK_INT(r.nnz, 2);
	CHECK_NEAR(r.values[1], 3, 0);          /* the last in input order */
	ratings_free(&r);
	build(&r, 1, 2, u, i, v, NULL, 4, COO_DUP_SUM, NULL);
	CHECK_NEAR(r.values[1], 9, 0);
	ratings_free(&r);
	build(&r, 1, 2, u, i, v, NULL, 4, COO_DUP_MAX, NULL);
	CHECK_NEAR(r.values[1], 4, 0);
	ratings_free(&r);
	build(&r, 1, 2, u, i, v, NULL, 4, COO_DUP_MEAN, NULL);
	CHECK_NEAR(r.values[1], 3, 1e-6);
	CHECK_NEAR(r.values[0], 7, 0);
	ratings_free(&r);
}

static void
last_means_latest_timestamp_then_input_order(void)
{
	int u[] = { 0, 0, 0, 0 }, i[] = { 0, 0, 0, 0 };
	float v[] = { 1, 2, 3, 4 };
	int64_t ts[] = { 100, 300, 200, 300 }, ts2[] = { 500, 100, 200, 300 };
	struct ratings r;

	build(&r, 1, 1, u, i, v, ts, 4, COO_DUP_LAST, NULL);
	CHECK_INT(r.nnz, 1);
	CHECK_NEAR(r.values[0], 4, 0);          /* 300 twice: the later line wins */
	CHECK_INT(r.ts[0], 300);
	ratings_free(&r);
	build(&r, 1, 1, u, i, v, ts2, 4, COO_DUP_LAST, NULL);
	CHECK_NEAR(r.values[0], 1, 0);          /* the earliest line has the latest time */
	CHECK_INT(r.ts[0], 500);
	ratings_free(&r);
	build(&r, 1, 1, u, i, v, ts2, 4, COO_DUP_SUM, NULL);
	CHECK_NEAR(r.values[0], 10, 0);
	CHECK_INT(r.ts[0], 500);                /* the latest timestamp is kept */
	ratings_free(&r);
}

static void
a_sum_that_overflows_a_float_is_a_data_error(void)
{
	int u[] = { 0, 0 }, i[] = { 0, 0 };
	float v[] = { 3e38f, 3e38f };
	struct ratings r;
	struct coo c;
	struct err e = { 0, "" };

	ratings_init(&r);
	coo_init(&c, 0);
	coo_push(&c, (uint32_t)u[0], (uint32_t)i[0], v[0], 0, &e);
	coo_push(&c, (uint32_t)u[1], (uint32_t)i[1], v[1], 0, &e);
	CHECK_INT(coo_to_csr(&c, 1, 1, COO_DUP_SUM, &r, NULL, &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	ratings_free(&r);
}

/* A random matrix with long rows (the heapsort path) against a dense reference. */
static void
matches_a_brute_force_reference(void)
{
	enum { ROWS = 7, COLS = 300, N = 6000 };
	static int u[N], i[N];
	static float v[N];
	static int64_t ts[N];
	static float last[ROWS][COLS], sum[ROWS][COLS];
	static int64_t lts[ROWS][COLS], cnt[ROWS][COLS];
	struct ratings r;
	unsigned seed = 12345;
	int64_t nnz = 0, k = 0, bad = 0;

	for (int n = 0; n < N; n++) {
		seed = seed * 1103515245u + 12345u;
		u[n] = (int)((seed >> 8) % ROWS);
		seed = seed * 1103515245u + 12345u;
		i[n] = (int)((seed >> 8) % COLS);
		v[n] = (float)(n % 5 + 1);
		ts[n] = (int64_t)((seed >> 4) % 50);
		if (cnt[u[n]][i[n]]++ == 0)
			nnz++;
		if (cnt[u[n]][i[n]] == 1 || ts[n] >= lts[u[n]][i[n]]) {
			last[u[n]][i[n]] = v[n];
			lts[u[n]][i[n]] = ts[n];
		}
		sum[u[n]][i[n]] += v[n];
	}
	CHECK_INT(build(&r, ROWS, COLS, u, i, v, ts, N, COO_DUP_LAST, NULL), 0);
	CHECK_INT(r.nnz, nnz);
	for (int a = 0; a < ROWS; a++)
		for (int b = 0; b < COLS; b++) {
			if (cnt[a][b] == 0)
				continue;
			if (k >= r.nnz || r.indices[k] != b || r.values[k] != last[a][b] ||
			    r.ts[k] != lts[a][b] || k < r.indptr[a] || k >= r.indptr[a + 1])
				bad++;
			k++;
		}
	CHECK_INT(bad, 0);
	ratings_free(&r);
	CHECK_INT(build(&r, ROWS, COLS, u, i, v, NULL, N, COO_DUP_SUM, NULL), 0);
	k = bad = 0;
	for (int a = 0; a < ROWS; a++)
		for (int b = 0; b < COLS; b++)
			if (cnt[a][b] > 0 && r.values[k++] != sum[a][b])
				bad++;
	CHECK_INT(bad, 0);
	ratings_free(&r);
}

static void
kcore_iterates_until_stable_and_renumbers(void)
{
	/*
	 * users a, b, c, d; items x, y, z. d rated only z, so with 2-cores d goes;
	 * then z has one rating (from c) and goes; then c has one left and goes.
	 */
	int u[] = { 0, 0, 1, 1, 2, 2, 3 }, i[] = { 0, 1, 0, 1, 0, 2, 2 };
	float v[] = { 1, 2, 3, 4, 5, 6, 7 };
	const char *users[] = { "a", "b", "c", "d" }, *items[] = { "x", "y", "z" };
	struct coo_kcore_stats st;
	struct ratings r;
	struct err e;

	build(&r, 4, 3, u, i, v, NULL, 7, COO_DUP_LAST, NULL);
	for (int k = 0; k < 4; k++)
		ids_intern(&r.users, users[k], 1, &e);
	for (int k = 0; k < 3; k++)
		ids_intern(&r.items, items[k], 1, &e);
	CHECK_INT(coo_kcore(&r, 2, 2, &st, &e), 0);
	CHECK_INT(r.rows, 2);
	CHECK_INT(r.cols, 2);
	CHECK_INT(r.nnz, 4);
	CHECK_INT(st.users, 2);
	CHECK_INT(st.items, 1);
	CHECK_INT(st.entries, 3);
	CHECK(st.rounds >= 3);
	CHECK_INT(ids_count(&r.users), 2);
	CHECK_STR(ids_get(&r.users, 1, NULL), "b");
	CHECK_INT(ids_count(&r.items), 2);
	CHECK_INT(r.indptr[2], 4);
	CHECK_NEAR(r.values[3], 4, 0);
	ratings_free(&r);
}

int
main(void)
{
	RUN(rows_are_sorted_by_item);
	RUN(duplicates_combine_by_each_rule);
	RUN(last_means_latest_timestamp_then_input_order);
	RUN(a_sum_that_overflows_a_float_is_a_data_error);
	RUN(matches_a_brute_force_reference);
	RUN(kcore_iterates_until_stable_and_renumbers);
	return UNIT_DONE();
}
