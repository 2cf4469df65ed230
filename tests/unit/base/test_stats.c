/* test_stats.c - unit tests of lib/base/stats.c against published values, closed forms and integration */
#include <math.h>
#include <stdlib.h>

#include "base/stats.h"
#include "unit.h"

static void
normal_cdf_matches_tables(void)
{
	CHECK_NEAR(stats_normal_cdf(0), 0.5, 1e-15);
	CHECK_NEAR(stats_normal_cdf(1), 0.8413447460685429, 1e-12);     /* table value */
	CHECK_NEAR(stats_normal_cdf(-1.959963984540054), 0.025, 1e-12);
	CHECK_NEAR(stats_normal_cdf(-8), 6.22096057427178e-16, 1e-20);   /* deep tail, not 0 */
}

static void
wilson_matches_published_intervals(void)
{
	double lo, hi;

	/* 5/10 at 95%: the textbook [0.2366, 0.7634] (Newcombe 1998, table I) */
	CHECK_INT(stats_wilson(5, 10, STATS_Z95, &lo, &hi), 0);
	CHECK_NEAR(lo, 0.2365930905, 1e-9);
	CHECK_NEAR(hi, 0.7634069095, 1e-9);
	/* 0/10: the lower bound is exactly 0, upper z^2/(n+z^2) = 3.8415/13.8415 */
	CHECK_INT(stats_wilson(0, 10, STATS_Z95, &lo, &hi), 0);
	CHECK(lo == 0.0);
	CHECK_NEAR(hi, STATS_Z95 * STATS_Z95 / (10 + STATS_Z95 * STATS_Z95), 1e-12);
	/* 10/10 mirrors 0/10 */
	CHECK_INT(stats_wilson(10, 10, STATS_Z95, &lo, &hi), 0);
	CHECK(hi == 1.0);
	CHECK_NEAR(lo, 10 / (10 + STATS_Z95 * STATS_Z95), 1e-12);
	/* no trials, or more successes than trials: no interval */
	CHECK_INT(stats_wilson(0, 0, STATS_Z95, &lo, &hi), -1);
	CHECK_INT(stats_wilson(11, 10, STATS_Z95, &lo, &hi), -1);
}

static void
ztest_by_hand(void)
{
	double z;

	/* 30/100 vs 20/100: pooled 0.25, se = sqrt(.25*.75*(2/100)) = 0.0612372,
	 * z = 0.1 / 0.0612372 = 1.6329932, two-sided p = erfc(z/sqrt2) = 0.1024704 */
	CHECK_NEAR(stats_ztest2(30, 100, 20, 100, &z), 0.1024704348597495, 1e-12);
	CHECK_NEAR(z, 1.6329931618554518, 1e-12);
	/* the test is symmetric in its p-value, z changes sign */
	CHECK_NEAR(stats_ztest2(20, 100, 30, 100, &z), 0.1024704348597495, 1e-12);
	CHECK_NEAR(z, -1.6329931618554518, 1e-12);
	/* nothing happened in either arm: no evidence of a difference */
	CHECK_NEAR(stats_ztest2(0, 50, 0, 80, &z), 1.0, 0);
	CHECK_NEAR(z, 0, 0);
	CHECK_NEAR(stats_ztest2(1, 0, 1, 10, NULL), -1, 0);
}

static void
gamma_q_matches_closed_forms(void)
{
	/* chi-square with 2 df: Q(1, x/2) = exp(-x/2); with 1 df: erfc(sqrt(x/2)) */
	for (double x = 0.01; x < 60; x *= 1.7) {
		CHECK_NEAR(stats_gamma_q(1.0, x / 2), exp(-x / 2), 1e-13);
		CHECK_NEAR(stats_gamma_q(0.5, x / 2), erfc(sqrt(x / 2)), 1e-13);
	}
	/* 4 df: Q(2, y) = exp(-y)(1 + y) */
	CHECK_NEAR(stats_gamma_q(2.0, 3.0), exp(-3.0) * 4.0, 1e-14);
	CHECK_NEAR(stats_gamma_q(2.0, 0.0), 1.0, 0);
	CHECK(isnan(stats_gamma_q(0.0, 1.0)));
}

static void
chi2_detects_sample_ratio_mismatch(void)
{
	int64_t obs[2] = { 550, 450 };
	int64_t obs3[3] = { 100, 100, 20 };
	double w[2] = { 0.5, 0.5 }, w3[3] = { 0.45, 0.45, 0.1 }, c;

	/* (550-500)^2/500 * 2 = 10, 1 df: p = erfc(sqrt(5)) */
	CHECK_NEAR(stats_chi2_gof(obs, w, 2, &c), erfc(sqrt(5.0)), 1e-13);
	CHECK_NEAR(c, 10.0, 1e-12);
	/* 220 total, expected 99, 99, 22: chi2 = 1/99 + 1/99 + 4/22, 2 df: p = exp(-chi2/2) */
	CHECK_NEAR(stats_chi2_gof(obs3, w3, 3, &c), exp(-(2.0 / 99 + 4.0 / 22) / 2), 1e-13);
	/* unnormalised weights mean the same */
	w[0] = w[1] = 3;
	CHECK_NEAR(stats_chi2_gof(obs, w, 2, &c), erfc(sqrt(5.0)), 1e-13);
	CHECK_NEAR(stats_chi2_gof(obs, w, 1, NULL), -1, 0);
	obs[0] = obs[1] = 0;
	CHECK_NEAR(stats_chi2_gof(obs, w, 2, NULL), -1, 0);
}

/* P(pB > pA) = int f_B(y) F_A(y) dy by the midpoint rule, an independent check. */
static double
beta_prob_numeric(double aA, double bA, double aB, double bB)
{
	const int n = 200000;
	double FA = 0, p = 0, h = 1.0 / n;
	double cA = -(lgamma(aA) + lgamma(bA) - lgamma(aA + bA));
	double cB = -(lgamma(aB) + lgamma(bB) - lgamma(aB + bB));

	for (int i = 0; i < n; i++) {
		double y = (i + 0.5) * h;
		double fA = exp(cA + (aA - 1) * log(y) + (bA - 1) * log1p(-y));
		double fB = exp(cB + (aB - 1) * log(y) + (bB - 1) * log1p(-y));

		FA += fA * h / 2;   /* F_A at the midpoint */
		p += fB * FA * h;
		FA += fA * h / 2;
	}
	return p;
}

static void
beta_prob_by_hand_and_by_integration(void)
{
	/* identical posteriors: one half; Beta(2,1) vs uniform: int 2y * y dy = 2/3 */
	CHECK_NEAR(stats_beta_prob_greater(1, 1, 1, 1), 0.5, 1e-12);
	CHECK_NEAR(stats_beta_prob_greater(1, 1, 2, 1), 2.0 / 3, 1e-12);
	CHECK_NEAR(stats_beta_prob_greater(2, 1, 1, 1), 1.0 / 3, 1e-12);
	/* x=12 of n=100 against x=20 of n=100 (and swapped), both summation orders */
	CHECK_NEAR(stats_beta_prob_greater(13, 89, 21, 81), beta_prob_numeric(13, 89, 21, 81), 1e-6);
	CHECK_NEAR(stats_beta_prob_greater(21, 81, 13, 89), beta_prob_numeric(21, 81, 13, 89), 1e-6);
	CHECK_NEAR(stats_beta_prob_greater(1, 31, 4, 28), beta_prob_numeric(1, 31, 4, 28), 1e-6);
	/* larger counts stay finite and in [0, 1] */
	double p = stats_beta_prob_greater(2001, 48001, 2101, 47901);
	CHECK(p > 0.9 && p < 1.0);
	CHECK_NEAR(stats_beta_prob_greater(0, 1, 1, 1), -1, 0);
}

static void
mean_ci_by_hand(void)
{
	double m, h;

	/* values 0, 0, 10, 30: mean 10, s^2 = (100+100+0+400)/3 = 200, half = z*sqrt(200/4) */
	CHECK_INT(stats_mean_ci(4, 40, 1000, STATS_Z95, &m, &h), 0);
	CHECK_NEAR(m, 10, 1e-12);
	CHECK_NEAR(h, STATS_Z95 * sqrt(50.0), 1e-12);
	/* all equal: zero width */
	CHECK_INT(stats_mean_ci(3, 6, 12, STATS_Z95, &m, &h), 0);
	CHECK_NEAR(h, 0, 1e-12);
	CHECK_INT(stats_mean_ci(1, 5, 25, STATS_Z95, &m, &h), -1);
	CHECK_NEAR(m, 5, 0);
}

static void
sample_size_by_hand(void)
{
	/* 2% -> 2.2%: (1.959964+0.841621)^2 * (0.0196+0.021516) / 0.002^2 = 80678.6 -> 80679 */
	double zz = STATS_Z95 + 0.8416212335729143;

	CHECK_NEAR(stats_sample_size(0.02, 0.1),
	    ceil(zz * zz * (0.02 * 0.98 + 0.022 * 0.978) / (0.002 * 0.002)), 0);
	CHECK(stats_sample_size(0.02, 0.1) > 80000 && stats_sample_size(0.02, 0.1) < 81000);
	CHECK_NEAR(stats_sample_size(0.0, 0.1), -1, 0);
}

int
main(void)
{
	RUN(normal_cdf_matches_tables);
	RUN(wilson_matches_published_intervals);
	RUN(ztest_by_hand);
	RUN(gamma_q_matches_closed_forms);
	RUN(chi2_detects_sample_ratio_mismatch);
	RUN(beta_prob_by_hand_and_by_integration);
	RUN(mean_ci_by_hand);
	RUN(sample_size_by_hand);
	return UNIT_DONE();
}
