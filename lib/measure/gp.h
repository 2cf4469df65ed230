/* gp.h - Gaussian-process regression with expected improvement: the model behind tune's Bayesian search */
#ifndef RECMAIL_GP_H
#define RECMAIL_GP_H

#include "base/err.h"

/*
 * A GP with a squared-exponential kernel k(a, b) = sf2 exp(-|a - b|^2 / (2 ls^2))
 * on points of [0, 1]^d and Gaussian noise, fitted to standardised targets.
 */
struct gp {
	int n, d;
	double *X;              /* n x d, row-major */
	double *L;              /* n x n lower Cholesky factor of K + noise I, row-major */
	double *alpha;          /* (K + noise I)^-1 y */
	double ls, sf2, noise;
	double ymean, ystd;
	double lml;             /* log marginal likelihood of the chosen length scale */
};

/*
 * Fits n observations (X: n x d row-major, y: n values, higher is better),
 * choosing the length scale among 0.05 ... 1 by the log marginal likelihood.
 * Returns 0, or -1 with e set: EXIT_OSERR (no memory), EXIT_SOFTWARE (n < 1, or
 * no length scale gives a positive definite matrix).
 */
int gp_fit(struct gp *g, const double *X, const double *y, int n, int d, struct err *e);

/* The posterior mean and standard deviation at x (d values), in the targets' units. */
void gp_predict(const struct gp *g, const double *x, double *mu, double *sd);

/* Expected improvement over best of a normal(mu, sd) outcome (to maximise). 0 when sd is 0. */
double gp_ei(double mu, double sd, double best);

void gp_free(struct gp *g);

#endif
