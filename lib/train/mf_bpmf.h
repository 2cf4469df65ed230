/* mf_bpmf.h - Bayesian matrix factorisation by Gibbs sampling (Salakhutdinov and Mnih 2008), with biases */
#ifndef RECMAIL_MF_BPMF_H
#define RECMAIL_MF_BPMF_H

#include "base/err.h"
#include "train/mfstate.h"

/*
 * r_ui ~ N(mu + b_u + b_i + p_u . q_i, 1 / (alpha w_u w_i)); each side's rows [p, b] (k + 1
 * numbers) drawn from N(mu_side, Lambda_side^-1) under a Normal-Wishart hyperprior (mu0 = 0,
 * beta0 = 2, W0 = I, nu0 = k + 1); alpha fixed (s->p->alpha > 0) or drawn from its Gamma(1, 1)
 * posterior; the noise multipliers w all 1 (s->p->noise_shape = 0: one precision, as the
 * paper's) or drawn per user and per item under Gamma(shape, shape) priors (heteroscedastic
 * noise, as in robust BPMF, Lakshminarayanan, Bouchard and Archambeau 2011).
 * s->p->epochs Gibbs sweeps, the first s->p->burn_in discarded. The model that s holds at the
 * end predicts the average of the kept samples' predictions exactly: s->p->samples evenly
 * spaced samples side by side (k = factors x samples, each scaled by 1/sqrt(samples), biases
 * averaged), or with samples = 0 the posterior-mean factors and biases (not the same thing:
 * the mean of products is not the product of means). Every row's draw is seeded by (seed,
 * sweep, side, row), so the model does not depend on the thread count. Returns 0, or -1 with
 * e set: EXIT_USAGE (the kept samples do not fit in memory), EXIT_DATA, EXIT_OSERR.
 */
int mf_bpmf_train(struct mf_state *s, struct err *e);

#endif
