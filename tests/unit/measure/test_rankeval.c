/* test_rankeval.c - unit tests of lib/measure/rankeval.c: topk lines scored against a hand-made test set */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "measure/rankeval.h"
#include "unit.h"

/*
 * Test set, items i1 .. i8 in the table (i6 .. i8 rated by nobody):
 *   A: i1=5 i2=3 i3=4     relevant at >= 4: i1, i3
 *   B: i2=4 i4=2          relevant: i2
 *   C: i5=1               relevant: none
 *   D: i4=5               relevant: i4
 */
static void
build(struct ratings *r)
{
	static const int64_t indptr[5] = { 0, 3, 5, 6, 7 };
	static const int32_t indices[7] = { 0, 1, 2, 1, 3, 4, 3 };
	static const float values[7] = { 5, 3, 4, 4, 2, 1, 5 };
	static const char *users[4] = { "A", "B", "C", "D" };
	struct err e;
	char id[16];

	ratings_init(r);
	r->rows = 4;
	r->cols = 8;
	r->nnz = 7;
	r->indptr = (int64_t *)indptr;
	r->indices = (int32_t *)indices;
	r->values = (float *)values;
	for (int u = 0; u < 4; u++)
		ids_intern(&r->users, users[u], 1, &e);
	for (int i = 1; i <= 8; i++) {
		snprintf(id, sizeof id, "i%d", i);
		ids_intern(&r->items, id, strlen(id), &e);
	}
}

static int
add(struct rankeval *ev, const char *text, struct err *e)
{
	json_t *line = json_loads(text, 0, NULL);
	int rc = rankeval_add(ev, line, e);

	json_decref(line);
	return rc;
}

static void
scores_lines_and_users_without_lines(void)
{
	struct ratings r;
	struct rankeval ev;
	struct err e;
	double l3 = 1 / log2(3);

	build(&r);
	CHECK_INT(rankeval_init(&ev, &r, 3, 1, 4.0, &e), 0);
	/* A: i1 hit, i4 miss, i3 hit; i2 is past k = 3:
	 *   P 2/3, R 2/2, NDCG (1 + 1/2) / (1 + 1/log2 3), AP (1/1 + 2/3) / 2, hit 1 */
	CHECK_INT(add(&ev, "{\"user\":\"A\",\"recs\":[{\"item\":\"i1\"},{\"item\":\"i4\"},"
	    "{\"item\":\"i3\"},{\"item\":\"i2\"}]}", &e), 0);
	/* B: an item unknown to the test set (a miss), then i2 (a hit at rank 2):
	 *   P 1/3, R 1/1, NDCG (1/log2 3) / 1, AP (1/2) / 1, hit 1 */
	CHECK_INT(add(&ev, "{\"user\":\"B\",\"recs\":[{\"item\":\"zz\"},{\"item\":\"i2\"}]}", &e), 0);
	/* C has nothing relevant, Q is not in the test set: neither is scored */
	CHECK_INT(add(&ev, "{\"user\":\"C\",\"recs\":[{\"item\":\"i1\"}]}", &e), 0);
	CHECK_INT(add(&ev, "{\"user\":\"Q\",\"recs\":[{\"item\":\"i5\"}]}", &e), 0);
	/* D has no line: it scores 0 everywhere */
	rankeval_finish(&ev);
	CHECK_INT(rankeval_users(&ev), 3);
	CHECK_INT(ev.users_without_recs, 1);
	CHECK_INT(ev.lines, 4);
	CHECK_INT(ev.lines_unscored, 2);
	CHECK_NEAR(metrics_rank_mean(&ev.sums, ev.sums.precision), (2.0 / 3 + 1.0 / 3) / 3, 1e-12);
	CHECK_NEAR(metrics_rank_mean(&ev.sums, ev.sums.recall), (1 + 1) / 3.0, 1e-12);
	CHECK_NEAR(metrics_rank_mean(&ev.sums, ev.sums.ndcg), (1.5 / (1 + l3) + l3) / 3, 1e-12);
	CHECK_NEAR(metrics_rank_mean(&ev.sums, ev.sums.ap), (5.0 / 6 + 0.5) / 3, 1e-12);
	CHECK_NEAR(metrics_rank_mean(&ev.sums, ev.sums.hit), 2.0 / 3, 1e-12);
	/* top-3 items of every line that are in the table: i1 i4 i3, i2, i1, i5 -> 5 of 8 */
	CHECK_NEAR(rankeval_coverage(&ev), 5.0 / 8, 1e-12);
	rankeval_free(&ev);
	ratings_free(&r);
}

static void
without_threshold_every_test_rating_is_relevant(void)
{
	struct ratings r;
	struct rankeval ev;
	struct err e;

	build(&r);
	CHECK_INT(rankeval_init(&ev, &r, 3, 0, 0, &e), 0);
	/* A now has 3 relevant items (i1 i2 i3): recall of [i1, i4, i3] is 2/3;
	 * C (i5) is now a user to score, and has no line */
	add(&ev, "{\"user\":\"A\",\"recs\":[{\"item\":\"i1\"},{\"item\":\"i4\"},{\"item\":\"i3\"}]}", &e);
	rankeval_finish(&ev);
	CHECK_INT(rankeval_users(&ev), 4);
	CHECK_INT(ev.users_without_recs, 3);
	CHECK_NEAR(ev.sums.recall, 2.0 / 3, 1e-12);
	/* AP: (1/1 + 2/3) / min(3, 3) */
	CHECK_NEAR(ev.sums.ap, (1 + 2.0 / 3) / 3, 1e-12);
	rankeval_free(&ev);
	ratings_free(&r);
}

static void
malformed_lines_are_refused(void)
{
	struct ratings r;
	struct rankeval ev;
	struct err e = { 0 };

	build(&r);
	rankeval_init(&ev, &r, 3, 0, 0, &e);
	CHECK_INT(add(&ev, "{\"recs\":[]}", &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK(strstr(e.msg, "\"user\"") != NULL);
	CHECK_INT(add(&ev, "{\"user\":\"A\",\"recs\":{}}", &e), -1);
	CHECK(strstr(e.msg, "\"recs\"") != NULL);
	CHECK_INT(add(&ev, "{\"user\":\"A\",\"recs\":[{\"item\":\"i1\"},{\"score\":1}]}", &e), -1);
	CHECK_STR(e.msg, "recs[1]: missing \"item\" (a string)");
	CHECK_INT(add(&ev, "{\"user\":\"B\",\"recs\":[{\"item\":\"i2\"},{\"item\":\"i2\"}]}", &e), -1);
	CHECK_STR(e.msg, "item 'i2' is listed twice");
	CHECK_INT(add(&ev, "{\"user\":\"C\",\"recs\":[]}", &e), 0);
	CHECK_INT(add(&ev, "{\"user\":\"C\",\"recs\":[]}", &e), -1);
	CHECK_STR(e.msg, "user 'C' has a second recommendation line");
	rankeval_free(&ev);
	CHECK_INT(rankeval_init(&ev, &r, 0, 0, 0, &e), -1);
	CHECK_INT(e.code, EXIT_USAGE);
	ratings_free(&r);
}

int
main(void)
{
	RUN(scores_lines_and_users_without_lines);
	RUN(without_threshold_every_test_rating_is_relevant);
	RUN(malformed_lines_are_refused);
	return UNIT_DONE();
}
