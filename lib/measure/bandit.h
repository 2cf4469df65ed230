/* bandit.h - adaptive arm weights: Thompson sampling over earlier campaigns, with floors and a fixed holdout */
#ifndef RECMAIL_BANDIT_H
#define RECMAIL_BANDIT_H

#include <stdint.h>

#include "base/err.h"
#include "measure/ab.h"
#include "measure/abpool.h"

/* Monte Carlo draws behind each P(best). */
#define BANDIT_DRAWS 20000

struct bandit_opts {
	enum abpool_metric metric;
	double floor;           /* every adaptive arm gets at least this share of all customers */
	uint64_t seed;          /* of the posterior draws: the same reports and seed give the same weights */
	int draws;              /* 0: BANDIT_DRAWS */
};

/* What the weights were made of, per arm of the --arms list. */
struct bandit_arm {
	int adaptive;           /* 0 for the holdout, which keeps its configured weight */
	double alpha, beta;     /* the Beta posterior of the metric's rate */
	double p_best;          /* P(this arm has the highest rate); NAN for the holdout */
	struct abpool_est est;  /* the pooled evidence */
};

/*
 * Computes new weights for arms from the pooled reports: the holdout (AB_HOLDOUT)
 * keeps its configured weight; the other arms share the rest as
 * floor + (rest - k * floor) * P(best), where P(best) is the share of draws
 * from the arms' Beta posteriors in which the arm's rate is the highest
 * (Thompson sampling, as a probability of allocation). The posterior of an arm
 * is Beta(1 + r m, 1 + (1 - r) m), r the standardised pooled rate
 * (abpool_rate over the adaptive arms) and m = q (1 - q) / var its effective
 * number of recipients (q = (r n + 0.5) / (n + 1), the smoothing of the variance,
 * so that a rate of 0 still counts as evidence; m is at most n, the recipients);
 * an arm without evidence keeps Beta(1, 1).
 * w receives arms->n weights summing to 1; info (may be NULL) arms->n entries.
 * Returns 0, or -1 with e set: EXIT_USAGE when fewer than two arms adapt or
 * k * floor exceeds the share left by the holdout.
 */
int bandit_weights(const struct ab_arms *arms, const struct abpool *pool,
    const struct bandit_opts *o, double *w, struct bandit_arm *info, struct err *e);

#endif
