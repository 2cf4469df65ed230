/* test_topn.c - unit tests for the bounded heap selection (lib/topn) */
#include <math.h>
#include <stdlib.h>

#include "base/rng.h"
#include "recommend/topn.h"
#include "unit.h"

static int
by_score_desc(const void *a, const void *b)
{
	const float *x = a, *y = b;

	return (*x < *y) - (*x > *y);
}

static void
keeps_the_best_in_order(void)
{
	struct topn h;
	float s[] = { 0.5f, 3.0f, -1.0f, 2.0f, 9.0f, 2.5f };

	CHECK(topn_init(&h, 3, NULL) == 0);
	for (int i = 0; i < 6; i++)
		topn_push(&h, s[i], i);
	CHECK_INT(topn_sort(&h), 3);
	CHECK_INT(h.idx[0], 4);
	CHECK_INT(h.idx[1], 1);
	CHECK_INT(h.idx[2], 5);
	CHECK_NEAR(h.score[0], 9.0, 0);
	topn_free(&h);
}

static void
ties_go_to_the_lower_index(void)
{
	struct topn h;

	CHECK(topn_init(&h, 2, NULL) == 0);
	topn_push(&h, 1.0f, 7);
	topn_push(&h, 1.0f, 3);
	topn_push(&h, 1.0f, 5);
	topn_push(&h, 1.0f, 1);
	CHECK_INT(topn_sort(&h), 2);
	CHECK_INT(h.idx[0], 1);
	CHECK_INT(h.idx[1], 3);
	topn_free(&h);
}

static void
fewer_entries_than_capacity(void)
{
	struct topn h;

	CHECK(topn_init(&h, 10, NULL) == 0);
	topn_push(&h, 1.0f, 0);
	topn_push(&h, 2.0f, 1);
	CHECK_INT(topn_sort(&h), 2);
	CHECK_INT(h.idx[0], 1);
	topn_reset(&h);
	CHECK_INT(topn_sort(&h), 0);
	topn_free(&h);
}

static void
push_row_skips_excluded_and_maps_indices(void)
{
	struct topn h;
	float row[] = { 1.0f, -INFINITY, 5.0f, NAN, 3.0f };
	int32_t map[] = { 10, 11, 12, 13, 14 };

	CHECK(topn_init(&h, 4, NULL) == 0);
	topn_push_row(&h, row, 5, map);
	CHECK_INT(topn_sort(&h), 3);
	CHECK_INT(h.idx[0], 12);
	CHECK_INT(h.idx[1], 14);
	CHECK_INT(h.idx[2], 10);
	topn_free(&h);
}

/* Against a full sort on random data, with many capacities. */
static void
matches_a_full_sort(void)
{
	enum { N = 2000 };
	static float row[N], sorted[N];
	struct topn h;
	struct rng r;

	rng_seed(&r, 42);
	for (int i = 0; i < N; i++)
		sorted[i] = row[i] = (float)rng_normal(&r);
	qsort(sorted, N, sizeof *sorted, by_score_desc);
	CHECK(topn_init(&h, 1, NULL) == 0);
	for (size_t cap = 1; cap <= N; cap = cap * 3 + 1) {
		size_t n;
		int ok = 1;

		CHECK(topn_resize(&h, cap, NULL) == 0);
		topn_push_row(&h, row, N, NULL);
		n = topn_sort(&h);
		CHECK_INT(n, cap);
		for (size_t j = 0; j < n; j++)
			if (h.score[j] != sorted[j] || row[h.idx[j]] != h.score[j])
				ok = 0;
		CHECK(ok);
	}
	topn_free(&h);
}

static void
filter_caps_categories_and_marks(void)
{
	int32_t order[] = { 0, 1, 2, 3, 4, 5 }, out[6];
	int32_t cat[] = { 0, 0, 1, -1, 0, -1 };
	uint8_t allowed[] = { 1, 1, 1, 1, 1, 0 };
	uint32_t mark[] = { 0, 0, 7, 0, 0, 0 };
	struct topn_filter f = { allowed, mark, 7, cat, 1 };

	/* 1 shares category 0 with 0; 2 is marked; 3 has no category; 4 is capped; 5 not allowed */
	CHECK_INT(topn_take(order, 6, &f, out, 6), 2);
	CHECK_INT(out[0], 0);
	CHECK_INT(out[1], 3);
	f.cap = 0;
	CHECK_INT(topn_take(order, 6, &f, out, 3), 3);
	CHECK_INT(out[1], 1);
	CHECK_INT(out[2], 3);
}

int
main(void)
{
	RUN(keeps_the_best_in_order);
	RUN(ties_go_to_the_lower_index);
	RUN(fewer_entries_than_capacity);
	RUN(push_row_skips_excluded_and_maps_indices);
	RUN(matches_a_full_sort);
	RUN(filter_caps_categories_and_marks);
	return UNIT_DONE();
}
