/* foldin.h - folding a new user into a factor model: one regularized k x k least-squares solve */
#ifndef RECMAIL_FOLDIN_H
#define RECMAIL_FOLDIN_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "data/model.h"

/*
 * Explicit models: p = (Q_I^T Q_I + lambda I)^-1 Q_I^T (r - mu - b_I), the
 * ALS user step with the user's bias fixed at 0.
 * Implicit models (iALS, Hu, Koren and Volinsky 2008): confidence c = 1 + alpha r,
 * p = (Q^T Q + Q_I^T (C_I - I) Q_I + lambda I)^-1 Q_I^T C_I 1.
 * Models whose metadata says fold_in=history (EASE: k = items, Q = B^T) take the
 * user's history as p: 1 for each interacted item, 0 elsewhere.
 */
struct foldin {
	const struct model *m;
	int implicit;
	int history;            /* the model says fold_in=history (EASE): p is the user's 0/1 row */
	float lambda, alpha;
	float *gram;            /* Q^T Q (implicit only), k x k upper */
	float *A, *b, *QI;      /* scratch: k x k, k, cap x k */
	size_t cap;
};

/* Returns 0, or -1 with e set (EXIT_OSERR). */
int foldin_init(struct foldin *f, const struct model *m, int implicit, double lambda,
    double alpha, struct err *e);
void foldin_free(struct foldin *f);

/*
 * Solves for the factors p[0..k) of a user who interacted with items[0..n)
 * (model indices) with the given values. Returns 0, or -1 with e set:
 * EXIT_DATA when n is 0 or the system is not positive definite, EXIT_OSERR.
 */
int foldin_solve(struct foldin *f, const int32_t *items, const float *values, size_t n,
    float *p, struct err *e);

/*
 * A known user's factors p0 (and bias bu) moved by the items[0..n) of the current
 * session (topk's line mode: what they are looking at now): the same solve with
 * the regularizer centred on p0 instead of 0. Explicit: p = (Q_I^T Q_I + lambda I)^-1
 * (Q_I^T (r - mu - bu - b_I) + lambda p0). Implicit: the user's own normal equations
 * are taken as (Q^T Q + lambda I) p0 = b0 (their history's extra confidence left out,
 * which the model does not keep) and the session's rows are added to both sides:
 * p = (Q^T Q + lambda I + Q_I^T (C_I - I) Q_I)^-1 ((Q^T Q + lambda I) p0 + Q_I^T C_I 1).
 * With no item either gives p0. History models (EASE): p0 with the items set to 1.
 * p0 NULL is foldin_solve. Returns as foldin_solve.
 */
int foldin_update(struct foldin *f, const int32_t *items, const float *values, size_t n,
    const float *p0, float bu, float *p, struct err *e);

#endif
