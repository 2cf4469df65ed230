/* stats.c - Wilson intervals, z and chi-square tests, incomplete gamma, Beta posterior comparison */
#include <float.h>
#include <math.h>
#include <stddef.h>

#include "base/stats.h"

/* The 0.8 quantile of the standard normal (power 80%). */
#define Z80 0.8416212335729143

double
stats_normal_cdf(double z)
{
	return 0.5 * erfc(-z / M_SQRT2);
}

int
stats_wilson(int64_t x, int64_t n, double z, double *lo, double *hi)
{
	double p, z2, den, mid, half;

	if (n <= 0 || x < 0 || x > n)
		return -1;
	p = (double)x / (double)n;
	z2 = z * z;
	den = 1.0 + z2 / (double)n;
	mid = (p + z2 / (2.0 * (double)n)) / den;
	half = z / den * sqrt(p * (1.0 - p) / (double)n + z2 / (4.0 * (double)n * (double)n));
	*lo = x == 0 ? 0.0 : fmax(0.0, mid - half);
	*hi = x == n ? 1.0 : fmin(1.0, mid + half);
	return 0;
}

double
stats_ztest2(int64_t x1, int64_t n1, int64_t x2, int64_t n2, double *z)
{
	double p1, p2, p, se, zz;

	if (n1 <= 0 || n2 <= 0 || x1 < 0 || x1 > n1 || x2 < 0 || x2 > n2)
		return -1;
	p1 = (double)x1 / (double)n1;
	p2 = (double)x2 / (double)n2;
	p = (double)(x1 + x2) / (double)(n1 + n2);
	se = sqrt(p * (1.0 - p) * (1.0 / (double)n1 + 1.0 / (double)n2));
	if (!(se > 0)) {
		if (z != NULL)
			*z = 0;
		return 1.0;
	}
	zz = (p1 - p2) / se;
	if (z != NULL)
		*z = zz;
	return 2.0 * stats_normal_cdf(-fabs(zz));
}

/* P(a, x) by its series; converges quickly for x < a + 1. */
static double
gamma_p_series(double a, double x)
{
	double ap = a, del = 1.0 / a, sum = del;

	for (int i = 0; i < 10000; i++) {
		ap += 1.0;
		del *= x / ap;
		sum += del;
		if (fabs(del) < fabs(sum) * 1e-16)
			break;
	}
	return sum * exp(-x + a * log(x) - lgamma(a));
}

/* Q(a, x) by its continued fraction (modified Lentz); for x >= a + 1. */
static double
gamma_q_fraction(double a, double x)
{
	const double tiny = DBL_MIN / DBL_EPSILON;
	double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;

	for (int i = 1; i < 10000; i++) {
		double an = -i * (i - a), del;

		b += 2.0;
		d = an * d + b;
		if (fabs(d) < tiny)
			d = tiny;
		c = b + an / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < 1e-16)
			break;
	}
	return exp(-x + a * log(x) - lgamma(a)) * h;
}

double
stats_gamma_q(double a, double x)
{
	if (!(a > 0) || !(x >= 0) || !isfinite(a))
		return NAN;
	if (x == 0)
		return 1.0;
	if (isinf(x))
		return 0.0;
	if (x < a + 1.0)
		return 1.0 - gamma_p_series(a, x);
	return gamma_q_fraction(a, x);
}

double
stats_chi2_gof(const int64_t *obs, const double *w, int m, double *chi2)
{
	double wsum = 0, total = 0, c = 0;

	if (m < 2)
		return -1;
	for (int i = 0; i < m; i++) {
		if (!(w[i] > 0) || !isfinite(w[i]) || obs[i] < 0)
			return -1;
		wsum += w[i];
		total += (double)obs[i];
	}
	if (total <= 0)
		return -1;
	for (int i = 0; i < m; i++) {
		double expct = total * w[i] / wsum, d = (double)obs[i] - expct;

		c += d * d / expct;
	}
	if (chi2 != NULL)
		*chi2 = c;
	return stats_gamma_q((m - 1) / 2.0, c / 2.0);
}

static double
lbeta(double a, double b)
{
	return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/* The finite sum itself: P(pB > pA), aB terms. */
static double
beta_sum(double aA, double bA, double aB, double bB)
{
	double lmax = -INFINITY, acc = 0, base = lbeta(aA, bA);

	/* log-sum-exp with a running maximum: every term is positive */
	for (int64_t i = 0; i < (int64_t)aB; i++) {
		double t = lbeta(aA + i, bA + bB) - log(bB + i) - lbeta(1.0 + i, bB) - base;

		if (t > lmax) {
			acc = acc * exp(lmax - t) + 1.0;
			lmax = t;
		} else {
			acc += exp(t - lmax);
		}
	}
	return exp(lmax + log(acc));
}

double
stats_beta_prob_greater(int64_t aA, int64_t bA, int64_t aB, int64_t bB)
{
	double p;

	if (aA < 1 || bA < 1 || aB < 1 || bB < 1)
		return -1;
	if (aB <= aA)
		p = beta_sum((double)aA, (double)bA, (double)aB, (double)bB);
	else
		p = 1.0 - beta_sum((double)aB, (double)bB, (double)aA, (double)bA);
	return fmin(1.0, fmax(0.0, p));
}

int
stats_mean_ci(int64_t n, double sum, double sumsq, double z, double *mean, double *half)
{
	double m, var;

	if (n < 1)
		return -1;
	m = sum / (double)n;
	*mean = m;
	if (n < 2)
		return -1;
	var = (sumsq - (double)n * m * m) / (double)(n - 1);
	if (var < 0)
		var = 0;    /* rounding when every value is equal */
	*half = z * sqrt(var / (double)n);
	return 0;
}

double
stats_sample_size(double p, double rel)
{
	double p2 = p * (1.0 + rel), zz = STATS_Z95 + Z80;

	if (!(p > 0 && p < 1) || rel == 0 || !(p2 > 0 && p2 < 1))
		return -1;
	return ceil(zz * zz * (p * (1 - p) + p2 * (1 - p2)) / ((p2 - p) * (p2 - p)));
}
