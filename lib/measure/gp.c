/* gp.c - Gaussian-process regression by LAPACKE Cholesky (dpotrf/dpotrs) and CBLAS triangular solves */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "measure/gp.h"
#include "base/exitcode.h"

static double
kernel(const struct gp *g, const double *a, const double *b)
{
	double r2 = 0;

	for (int i = 0; i < g->d; i++)
		r2 += (a[i] - b[i]) * (a[i] - b[i]);
	return g->sf2 * exp(-r2 / (2 * g->ls * g->ls));
}

/* Factors K + noise I for the current length scale and solves for alpha, y standardised in ys.
 * Returns the log marginal likelihood, or -INFINITY when the matrix is not positive definite. */
static double
factor(struct gp *g, const double *ys)
{
	int n = g->n;
	double lml;

	for (int i = 0; i < n; i++)
		for (int j = 0; j <= i; j++) {
			double k = kernel(g, g->X + (size_t)i * g->d, g->X + (size_t)j * g->d);

			g->L[(size_t)i * n + j] = k + (i == j ? g->noise : 0);
			g->L[(size_t)j * n + i] = i == j ? g->L[(size_t)i * n + j] : 0;
		}
	if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', n, g->L, n) != 0)
		return -INFINITY;
	memcpy(g->alpha, ys, (size_t)n * sizeof *ys);
	if (LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', n, 1, g->L, n, g->alpha, 1) != 0)
		return -INFINITY;
	lml = -0.5 * cblas_ddot(n, ys, 1, g->alpha, 1) - 0.5 * n * log(2 * M_PI);
	for (int i = 0; i < n; i++)
		lml -= log(g->L[(size_t)i * n + i]);
	return lml;
}

int
gp_fit(struct gp *g, const double *X, const double *y, int n, int d, struct err *e)
{
	static const double scales[] = { 0.05, 0.1, 0.15, 0.2, 0.3, 0.45, 0.7, 1.0 };
	double *ys, best = -INFINITY, bestls = 0, var = 0;

	memset(g, 0, sizeof *g);
	if (n < 1)
		return err_set(e, EXIT_SOFTWARE, "gp: no observations");
	g->n = n;
	g->d = d;
	g->X = malloc((size_t)n * (size_t)d * sizeof *g->X);
	g->L = malloc((size_t)n * (size_t)n * sizeof *g->L);
	g->alpha = malloc((size_t)n * sizeof *g->alpha);
	ys = malloc((size_t)n * sizeof *ys);
	if (g->X == NULL || g->L == NULL || g->alpha == NULL || ys == NULL) {
		free(ys);
		gp_free(g);
		return err_nomem(e);
	}
	memcpy(g->X, X, (size_t)n * (size_t)d * sizeof *X);
	for (int i = 0; i < n; i++)
		g->ymean += y[i] / n;
	for (int i = 0; i < n; i++)
		var += (y[i] - g->ymean) * (y[i] - g->ymean) / n;
	g->ystd = var > 0 ? sqrt(var) : 1;
	for (int i = 0; i < n; i++)
		ys[i] = (y[i] - g->ymean) / g->ystd;
	g->sf2 = 1;
	g->noise = 1e-3;
	for (size_t s = 0; s < sizeof scales / sizeof *scales; s++) {
		double lml;

		g->ls = scales[s];
		lml = factor(g, ys);
		if (lml > best) {
			best = lml;
			bestls = scales[s];
		}
	}
	if (!isfinite(best)) {
		free(ys);
		gp_free(g);
		return err_set(e, EXIT_SOFTWARE, "gp: the kernel matrix is not positive definite");
	}
	g->ls = bestls;
	g->lml = factor(g, ys);
	free(ys);
	return 0;
}

void
gp_predict(const struct gp *g, const double *x, double *mu, double *sd)
{
	double kstar[512], *k = g->n <= 512 ? kstar : malloc((size_t)g->n * sizeof *k), m, v;

	if (k == NULL) {
		*mu = g->ymean;
		*sd = g->ystd;
		return;
	}
	for (int i = 0; i < g->n; i++)
		k[i] = kernel(g, x, g->X + (size_t)i * g->d);
	m = cblas_ddot(g->n, k, 1, g->alpha, 1);
	/* v = L^-1 k*, var = k(x, x) - v.v */
	cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, g->n, g->L, g->n, k, 1);
	v = g->sf2 - cblas_ddot(g->n, k, 1, k, 1);
	*mu = g->ymean + g->ystd * m;
	*sd = g->ystd * sqrt(v > 0 ? v : 0);
	if (k != kstar)
		free(k);
}

double
gp_ei(double mu, double sd, double best)
{
	double z;

	if (!(sd > 0))
		return mu > best ? mu - best : 0;
	z = (mu - best) / sd;
	return (mu - best) * 0.5 * erfc(-z / M_SQRT2) + sd * exp(-0.5 * z * z) / sqrt(2 * M_PI);
}

void
gp_free(struct gp *g)
{
	free(g->X);
	free(g->L);
	free(g->alpha);
	memset(g, 0, sizeof *g);
}
