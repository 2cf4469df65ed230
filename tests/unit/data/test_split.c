/* test_split.c - unit tests of lib/data/split.c: partitions, determinism, leave-last-N, time cut */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "base/rng.h"
#include "data/split.h"
#include "unit.h"

/* A users x items matrix where user u rated item i when (u * 7 + i * 3) % 5 < 3
 * (about 60% dense), rating 1 + (u + i) % 5, timestamp 1000 * i + u. */
static void
build(struct ratings *r, int users, int items, int with_ts)
{
	struct err e;
	char id[32];
	int64_t n = 0;

	ratings_init(r);
	r->owns_arrays = 1;
	r->rows = users;
	r->cols = items;
	r->indptr = malloc(sizeof *r->indptr * (size_t)(users + 1));
	r->indices = malloc(sizeof *r->indices * (size_t)(users * items + 1));
	r->values = malloc(sizeof *r->values * (size_t)(users * items + 1));
	r->ts = with_ts ? malloc(sizeof *r->ts * (size_t)(users * items + 1)) : NULL;
	r->indptr[0] = 0;
	for (int u = 0; u < users; u++) {
		snprintf(id, sizeof id, "u%d", u);
		ids_intern(&r->users, id, strlen(id), &e);
		for (int i = 0; i < items; i++) {
			if ((u * 7 + i * 3) % 5 >= 3)
				continue;
			r->indices[n] = i;
			r->values[n] = (float)(1 + (u + i) % 5);
			if (with_ts)
				r->ts[n] = 1000 * i + u;
			n++;
		}
		r->indptr[u + 1] = n;
	}
	for (int i = 0; i < items; i++) {
		snprintf(id, sizeof id, "i%d", i);
		ids_intern(&r->items, id, strlen(id), &e);
	}
	r->nnz = n;
}

static int64_t
count(const unsigned char *t, int64_t n)
{
	int64_t c = 0;

	for (int64_t k = 0; k < n; k++)
		c += t[k] != 0;
	return c;
}

static void
folds_partition_the_ratings(void)
{
	struct ratings r;
	struct split_params p = { .mode = SPLIT_KFOLD, .folds = 3, .seed = 7 };
	unsigned char *t, *times;
	struct err e;
	int64_t total = 0;

	build(&r, 20, 11, 1);
	t = malloc((size_t)r.nnz);
	times = calloc((size_t)r.nnz, 1);
	for (p.fold = 0; p.fold < 3; p.fold++) {
		int64_t n = split_assign(&r, &p, t, &e);

		/* fold sizes differ by at most one: nnz / 3 or nnz / 3 + 1 */
		CHECK(n == r.nnz / 3 || n == r.nnz / 3 + 1);
		CHECK_INT(count(t, r.nnz), n);
		total += n;
		for (int64_t k = 0; k < r.nnz; k++)
			times[k] += t[k];
	}
	/* every rating is in exactly one test fold */
	CHECK_INT(total, r.nnz);
	for (int64_t k = 0; k < r.nnz; k++)
		CHECK_INT(times[k], 1);
	free(t);
	free(times);
	ratings_free(&r);
}

static void
same_seed_same_split_other_seed_other_split(void)
{
	struct ratings r;
	struct split_params p = { .mode = SPLIT_FRACTION, .fraction = 0.25, .seed = 3 };
	unsigned char *a, *b;
	struct err e;

	build(&r, 30, 20, 0);
	a = malloc((size_t)r.nnz);
	b = malloc((size_t)r.nnz);
	CHECK_INT(split_assign(&r, &p, a, &e), (r.nnz + 2) / 4);   /* round(0.25 * nnz) */
	CHECK_INT(split_assign(&r, &p, b, &e), (r.nnz + 2) / 4);
	CHECK(memcmp(a, b, (size_t)r.nnz) == 0);
	p.seed = 4;
	split_assign(&r, &p, b, &e);
	CHECK(memcmp(a, b, (size_t)r.nnz) != 0);
	free(a);
	free(b);
	ratings_free(&r);
}

static void
leave_last_takes_each_users_latest(void)
{
	struct ratings r;
	struct split_params p = { .mode = SPLIT_LEAVE_LAST, .leave_last = 2, .seed = 1 };
	unsigned char *t;
	struct err e;
	int64_t expect = 0;

	build(&r, 9, 6, 1);
	/* make user 0's times run against item order: its latest are its first two entries */
	for (int64_t k = r.indptr[0]; k < r.indptr[1]; k++)
		r.ts[k] = 50 - k;
	t = malloc((size_t)r.nnz);
	for (int64_t u = 0; u < r.rows; u++)
		if (r.indptr[u + 1] - r.indptr[u] > 2)
			expect += 2;
	CHECK_INT(split_assign(&r, &p, t, &e), expect);
	for (int64_t u = 0; u < r.rows; u++) {
		int64_t a = r.indptr[u], b = r.indptr[u + 1];

		if (b - a <= 2) {
			/* too few ratings to hold any out: all train */
			for (int64_t k = a; k < b; k++)
				CHECK_INT(t[k], 0);
			continue;
		}
		/* the two largest timestamps of the row are the tested ones */
		for (int64_t k = a; k < b; k++) {
			int later = 0;

			for (int64_t j = a; j < b; j++)
				later += r.ts[j] > r.ts[k];
			CHECK_INT(t[k], later < 2);
		}
	}
	CHECK_INT(t[r.indptr[0]], 1);
	CHECK_INT(t[r.indptr[0] + 1], 1);
	free(t);
	ratings_free(&r);
}

static void
leave_last_breaks_ties_by_seed(void)
{
	struct ratings r;
	struct split_params p = { .mode = SPLIT_LEAVE_LAST, .leave_last = 1 };
	unsigned char *t;
	struct err e;
	int picked[64] = { 0 };

	/* one user, every rating at the same time: any one may be held out, by seed */
	build(&r, 1, 40, 1);
	for (int64_t k = 0; k < r.nnz; k++)
		r.ts[k] = 5;
	t = malloc((size_t)r.nnz);
	for (p.seed = 0; p.seed < 20; p.seed++) {
		CHECK_INT(split_assign(&r, &p, t, &e), 1);
		for (int64_t k = 0; k < r.nnz; k++)
			if (t[k])
				picked[k] = 1;
	}
	{
		int distinct = 0;

		for (int k = 0; k < 64; k++)
			distinct += picked[k];
		CHECK(distinct > 3);
	}
	free(t);
	ratings_free(&r);
}

static void
time_cut_tests_the_later_ratings(void)
{
	struct ratings r;
	struct split_params p = { .mode = SPLIT_BEFORE, .before = 3000 };
	unsigned char *t;
	struct err e;
	int64_t later = 0;

	build(&r, 5, 6, 1);
	t = malloc((size_t)r.nnz);
	for (int64_t k = 0; k < r.nnz; k++)
		later += r.ts[k] >= 3000;   /* items 3, 4, 5 (ts = 1000 i + u) */
	CHECK(later > 0 && later < r.nnz);
	CHECK_INT(split_assign(&r, &p, t, &e), later);
	for (int64_t k = 0; k < r.nnz; k++)
		CHECK_INT(t[k], r.ts[k] >= 3000);
	free(t);
	ratings_free(&r);
}

static void
time_splits_need_timestamps_and_data(void)
{
	struct ratings r;
	struct split_params p = { .mode = SPLIT_BEFORE, .before = 1 };
	unsigned char t[64];
	struct err e = { 0 };

	build(&r, 3, 3, 0);
	CHECK_INT(split_assign(&r, &p, t, &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK(strstr(e.msg, "timestamps") != NULL);
	ratings_free(&r);
	ratings_init(&r);
	p.mode = SPLIT_FRACTION;
	p.fraction = 0.5;
	CHECK_INT(split_assign(&r, &p, t, &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK(strstr(e.msg, "no ratings") != NULL);
	ratings_free(&r);
}

static void
extract_keeps_tables_and_rebuilds_the_matrix(void)
{
	struct ratings r, tr, te, back;
	struct split_params p = { .mode = SPLIT_FRACTION, .fraction = 0.3, .seed = 11 };
	unsigned char *t;
	struct err e;
	FILE *f;

	build(&r, 12, 9, 1);
	t = malloc((size_t)r.nnz);
	split_assign(&r, &p, t, &e);
	CHECK_INT(split_extract(&r, t, 0, &tr, &e), 0);
	CHECK_INT(split_extract(&r, t, 1, &te, &e), 0);
	CHECK_INT(tr.nnz + te.nnz, r.nnz);
	CHECK(ids_equal(&tr.users, &r.users) && ids_equal(&te.items, &r.items));
	CHECK_INT(tr.rows, r.rows);
	CHECK_INT(te.cols, r.cols);
	/* every input rating is found in exactly the part it was assigned to, with its value and time */
	for (int64_t u = 0; u < r.rows; u++)
		for (int64_t k = r.indptr[u]; k < r.indptr[u + 1]; k++) {
			struct ratings *in = t[k] ? &te : &tr, *out = t[k] ? &tr : &te;
			int64_t q = ratings_find(in, u, r.indices[k]);

			CHECK(q >= 0);
			CHECK(ratings_find(out, u, r.indices[k]) < 0);
			if (q >= 0) {
				CHECK(in->values[q] == r.values[k]);
				CHECK_INT(in->ts[q], r.ts[k]);
			}
		}
	/* and the part is a valid container */
	f = tmpfile();
	CHECK_INT(ratings_write(f, &te, NULL, &e), 0);
	rewind(f);
	CHECK_INT(ratings_read(f, "tmp", &back, &e), 0);
	CHECK_INT(back.nnz, te.nnz);
	CHECK(back.ts != NULL);
	fclose(f);
	ratings_free(&back);
	ratings_free(&tr);
	ratings_free(&te);
	free(t);
	ratings_free(&r);
}

int
main(void)
{
	RUN(folds_partition_the_ratings);
	RUN(same_seed_same_split_other_seed_other_split);
	RUN(leave_last_takes_each_users_latest);
	RUN(leave_last_breaks_ties_by_seed);
	RUN(time_cut_tests_the_later_ratings);
	RUN(time_splits_need_timestamps_and_data);
	RUN(extract_keeps_tables_and_rebuilds_the_matrix);
	return UNIT_DONE();
}
