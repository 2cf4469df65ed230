/* stats.h - the statistics of an A/B report: intervals, tests and Beta posteriors */
#ifndef RECMAIL_STATS_H
#define RECMAIL_STATS_H

#include <stdint.h>

/* The 0.975 quantile of the standard normal: the z of a two-sided 95% interval. */
#define STATS_Z95 1.959963984540054

/* P(Z <= z) for a standard normal Z. Never fails. */
double stats_normal_cdf(double z);

/*
 * The Wilson score interval for x successes in n trials at quantile z
 * (STATS_Z95 for 95%). Returns 0 with the bounds in *lo, *hi (within [0, 1]);
 * -1 when n <= 0 or x is outside [0, n] (the bounds are then left alone).
 */
int stats_wilson(int64_t x, int64_t n, double z, double *lo, double *hi);

/*
 * Two-proportion z-test of x1/n1 against x2/n2 with the pooled variance:
 * z = (p1 - p2) / sqrt(p (1 - p) (1/n1 + 1/n2)), p = (x1 + x2) / (n1 + n2).
 * Returns the two-sided p-value with z in *z (may be NULL); when the pooled
 * variance is 0 (both rates 0 or both 1, so no difference) z is 0 and the
 * p-value 1. Returns -1 when n1 or n2 is not positive or x is outside [0, n].
 */
double stats_ztest2(int64_t x1, int64_t n1, int64_t x2, int64_t n2, double *z);

/*
 * The regularized upper incomplete gamma function Q(a, x) = Gamma(a, x) / Gamma(a)
 * for a > 0, x >= 0 (series below a + 1, continued fraction above). Returns NaN
 * for arguments out of range.
 */
double stats_gamma_q(double a, double x);

/*
 * Pearson's chi-square goodness-of-fit test of m observed counts against
 * expected proportions w (normalised here; each w > 0). Returns the p-value
 * (upper tail, m - 1 degrees of freedom) with the statistic in *chi2 (may be
 * NULL); -1 when m < 2, a weight is not positive or the total count is 0.
 */
double stats_chi2_gof(const int64_t *obs, const double *w, int m, double *chi2);

/*
 * P(pB > pA) for independent pA ~ Beta(aA, bA), pB ~ Beta(aB, bB) with positive
 * whole-number parameters (Beta(1 + x, 1 + n - x) posteriors), by the exact
 * finite sum P = sum_{i=0}^{aB-1} B(aA+i, bA+bB) / ((bB+i) B(1+i, bB) B(aA, bA)),
 * summed over the smaller of aA, aB (using P(pB > pA) = 1 - P(pA > pB)) in log
 * space. Returns the probability, or -1 when a parameter is below 1.
 */
double stats_beta_prob_greater(int64_t aA, int64_t bA, int64_t aB, int64_t bB);

/*
 * Mean and the half-width of its normal-approximation confidence interval
 * (z * s / sqrt(n), s the sample standard deviation) from the count n, sum and
 * sum of squares. Returns 0; -1 when n < 2 (the mean is still set when n == 1).
 */
int stats_mean_ci(int64_t n, double sum, double sumsq, double z, double *mean, double *half);

/*
 * Recipients per arm needed to detect a change from rate p to p * (1 + rel)
 * with a two-sided test at 5% and power 80%:
 * n = (z_0.975 + z_0.8)^2 (p1 (1 - p1) + p2 (1 - p2)) / (p2 - p1)^2.
 * Returns the rounded-up count, or -1 when p is not in (0, 1) or rel is 0.
 */
double stats_sample_size(double p, double rel);

#endif
