/* test_metrics.c - unit tests of lib/measure/metrics.c: RMSE/MAE and top-k metrics by hand arithmetic */
#include <math.h>
#include <string.h>

#include "measure/metrics.h"
#include "unit.h"

static void
rmse_and_mae_by_hand(void)
{
	struct metrics_err m = { 0 };

	CHECK(isnan(metrics_rmse(&m)));
	CHECK(isnan(metrics_mae(&m)));
	/* errors -0.5, +1, 0: squares 0.25 + 1 + 0 = 1.25, absolutes 0.5 + 1 + 0 = 1.5 */
	metrics_err_add(&m, 3.5, 4);
	metrics_err_add(&m, 2, 1);
	metrics_err_add(&m, 5, 5);
	CHECK_INT(m.n, 3);
	CHECK_NEAR(metrics_rmse(&m), sqrt(1.25 / 3), 1e-12);   /* 0.6454972 */
	CHECK_NEAR(metrics_rmse(&m), 0.6454972243679028, 1e-12);
	CHECK_NEAR(metrics_mae(&m), 0.5, 1e-12);
}

static void
one_user_hits_at_ranks_1_and_3(void)
{
	struct metrics_rank m;
	const unsigned char hit[3] = { 1, 0, 1 };

	/* k = 3, 2 relevant items, hits at ranks 1 and 3:
	 * precision 2/3; recall 2/2;
	 * DCG = 1/log2(2) + 1/log2(4) = 1 + 0.5 = 1.5, IDCG = 1 + 1/log2(3) = 1.6309298,
	 * NDCG = 0.9197208; AP = (1/1 + 2/3) / min(3, 2) = 0.8333333; hit 1 */
	metrics_rank_init(&m, 3);
	CHECK_INT(metrics_rank_add(&m, hit, 3, 2), 1);
	CHECK_INT(m.users, 1);
	CHECK_NEAR(metrics_rank_mean(&m, m.precision), 2.0 / 3, 1e-12);
	CHECK_NEAR(metrics_rank_mean(&m, m.recall), 1.0, 1e-12);
	CHECK_NEAR(metrics_rank_mean(&m, m.ndcg), 1.5 / (1 + 1 / log2(3)), 1e-12);
	CHECK_NEAR(metrics_rank_mean(&m, m.ndcg), 0.9197207891481876, 1e-12);
	CHECK_NEAR(metrics_rank_mean(&m, m.ap), 5.0 / 6, 1e-12);
	CHECK_NEAR(metrics_rank_mean(&m, m.hit), 1.0, 1e-12);
}

static void
averages_over_users_and_zero_for_missing_lists(void)
{
	struct metrics_rank m;
	const unsigned char a[3] = { 1, 0, 1 }, b[3] = { 0, 1, 0 };

	metrics_rank_init(&m, 3);
	/* user a as above: P 2/3, R 1, NDCG 1.5/1.6309298, AP 5/6, hit 1 */
	metrics_rank_add(&m, a, 3, 2);
	/* user b: 4 relevant, one hit at rank 2: P 1/3, R 1/4,
	 * DCG = 1/log2(3) = 0.6309298, IDCG over min(3, 4) = 3 ranks = 1 + 0.6309298 + 0.5,
	 * AP = (1/2) / min(3, 4) = 1/6, hit 1 */
	metrics_rank_add(&m, b, 3, 4);
	/* user c: 1 relevant item, no list at all: every metric 0, still averaged */
	CHECK_INT(metrics_rank_add(&m, NULL, 0, 1), 1);
	/* a user with nothing relevant is not averaged */
	CHECK_INT(metrics_rank_add(&m, b, 3, 0), 0);
	CHECK_INT(m.users, 3);
	CHECK_NEAR(metrics_rank_mean(&m, m.precision), (2.0 / 3 + 1.0 / 3 + 0) / 3, 1e-12);
	CHECK_NEAR(metrics_rank_mean(&m, m.recall), (1 + 0.25 + 0) / 3, 1e-12);
	CHECK_NEAR(metrics_rank_mean(&m, m.ndcg),
	    (1.5 / (1 + 1 / log2(3)) + (1 / log2(3)) / (1.5 + 1 / log2(3))) / 3, 1e-12);
	CHECK_NEAR(metrics_rank_mean(&m, m.ap), (5.0 / 6 + 1.0 / 6) / 3, 1e-12);
	CHECK_NEAR(metrics_rank_mean(&m, m.hit), 2.0 / 3, 1e-12);
}

static void
only_the_first_k_ranks_count(void)
{
	struct metrics_rank m;
	const unsigned char late[4] = { 0, 0, 0, 1 }, shortl[1] = { 1 };

	metrics_rank_init(&m, 3);
	/* the hit at rank 4 is beyond k = 3 */
	metrics_rank_add(&m, late, 4, 1);
	CHECK_NEAR(m.precision + m.recall + m.ndcg + m.ap + m.hit, 0, 0);
	/* a list of 1 with a hit, 1 relevant: precision still divides by k (1/3), the rest are 1 */
	metrics_rank_init(&m, 3);
	metrics_rank_add(&m, shortl, 1, 1);
	CHECK_NEAR(m.precision, 1.0 / 3, 1e-12);
	CHECK_NEAR(m.recall, 1, 1e-12);
	CHECK_NEAR(m.ndcg, 1, 1e-12);
	CHECK_NEAR(m.ap, 1, 1e-12);
}

static void
no_users_means_zero(void)
{
	struct metrics_rank m;

	metrics_rank_init(&m, 0);
	CHECK_INT(m.k, 1);
	CHECK_NEAR(metrics_rank_mean(&m, m.precision), 0, 0);
}

int
main(void)
{
	RUN(rmse_and_mae_by_hand);
	RUN(one_user_hits_at_ranks_1_and_3);
	RUN(averages_over_users_and_zero_for_missing_lists);
	RUN(only_the_first_k_ranks_count);
	RUN(no_users_means_zero);
	return UNIT_DONE();
}
