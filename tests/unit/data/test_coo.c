/* test_coo.c - unit tests of lib/data/coo.c: CSR order, duplicate rules, a brute-force check, k-core */
#include <stdlib.h>

#include "data/coo.h"
#include "base/exitcode.h"
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

/*
 * A random matrix against a dense reference: duplicates resolved by the
 * latest timestamp then input order, and summed. Returns the number of wrong entries.
 */
static int64_t
reference_mismatches(int rows, int cols, int n, unsigned seed)
{
	int *u = calloc((size_t)n, sizeof *u), *i = calloc((size_t)n, sizeof *i);
	float *v = calloc((size_t)n, sizeof *v);
	int64_t *ts = calloc((size_t)n, sizeof *ts);
	float *last = calloc((size_t)rows * cols, sizeof *last), *sum = calloc((size_t)rows * cols, sizeof *sum);
	int64_t *lts = calloc((size_t)rows * cols, sizeof *lts), *cnt = calloc((size_t)rows * cols, sizeof *cnt);
	struct ratings r;
	int64_t nnz = 0, k = 0, bad = 0;

	for (int x = 0; x < n; x++) {
		int64_t cell;

		seed = seed * 1103515245u + 12345u;
		u[x] = (int)((seed >> 8) % (unsigned)rows);
		seed = seed * 1103515245u + 12345u;
		i[x] = (int)((seed >> 8) % (unsigned)cols);
		v[x] = (float)(x % 5 + 1);
		ts[x] = (int64_t)((seed >> 4) % 50);
		cell = (int64_t)u[x] * cols + i[x];
		if (cnt[cell]++ == 0)
			nnz++;
		if (cnt[cell] == 1 || ts[x] >= lts[cell]) {
			last[cell] = v[x];
			lts[cell] = ts[x];
		}
		sum[cell] += v[x];
	}
	if (build(&r, rows, cols, u, i, v, ts, (size_t)n, COO_DUP_LAST, NULL) < 0 || r.nnz != nnz)
		bad++;
	for (int a = 0; a < rows && !bad; a++)
		for (int b = 0; b < cols; b++) {
			int64_t cell = (int64_t)a * cols + b;

			if (cnt[cell] == 0)
				continue;
			if (k >= r.nnz || r.indices[k] != b || r.values[k] != last[cell] ||
			    r.ts[k] != lts[cell] || k < r.indptr[a] || k >= r.indptr[a + 1])
				bad++;
			k++;
		}
	ratings_free(&r);
	if (build(&r, rows, cols, u, i, v, NULL, (size_t)n, COO_DUP_SUM, NULL) < 0)
		bad++;
	k = 0;
	for (int64_t cell = 0; cell < (int64_t)rows * cols && !bad; cell++)
		if (cnt[cell] > 0 && r.values[k++] != sum[cell])
			bad++;
	ratings_free(&r);
	free(u); free(i); free(v); free(ts); free(last); free(sum); free(lts); free(cnt);
	return bad;
}

/* Rows of ~850 entries: the merge sort path. */
static void
merge_sorted_rows_match_a_brute_force_reference(void)
{
	CHECK_INT(reference_mismatches(7, 300, 6000, 12345), 0);
	CHECK_INT(reference_mismatches(50, 40, 3000, 99), 0);       /* short rows, many duplicates */
}

/* One row longer than the merge scratch (max(4096, n/8)): the in-place heap sort path. */
static void
heap_sorted_rows_match_a_brute_force_reference(void)
{
	CHECK_INT(reference_mismatches(1, 3000, 12000, 7), 0);
	CHECK_INT(reference_mismatches(2, 5000, 20000, 8), 0);
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
	RUN(merge_sorted_rows_match_a_brute_force_reference);
	RUN(heap_sorted_rows_match_a_brute_force_reference);
	RUN(kcore_iterates_until_stable_and_renumbers);
	return UNIT_DONE();
}
