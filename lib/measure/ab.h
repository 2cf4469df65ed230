/* ab.h - the arms of an A/B test (names, weights) and deterministic assignment of users to them */
#ifndef RECMAIL_AB_H
#define RECMAIL_AB_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* The arm that gets no email, when an --arms list names it. */
#define AB_HOLDOUT "holdout"

/* How far the weights may sum from 1. */
#define AB_WEIGHT_TOL 1e-9

struct ab_arms {
	int n;
	char **name;
	double *weight;
	double *cum;            /* cum[i] = weight[0] + ... + weight[i]; cum[n-1] is exactly 1 */
};

/*
 * Parses "name=weight,name=weight,...": names of 1 to 64 characters from
 * [A-Za-z0-9_.-], distinct; weights finite and > 0 that sum to 1 within
 * AB_WEIGHT_TOL (they are not normalised: a list that does not add up is a
 * mistake to report). Returns 0, or -1 with e set (EXIT_USAGE) naming the fault.
 */
int ab_arms_parse(struct ab_arms *a, const char *spec, struct err *e);
void ab_arms_free(struct ab_arms *a);

/*
 * Replaces the weights (w[i] > 0, summing to 1 within AB_WEIGHT_TOL: the caller's
 * promise; w may be a->weight) and recomputes the cumulative sums, the last exactly 1.
 */
void ab_arms_set_weights(struct ab_arms *a, const double *w);

/* Index of the arm called name, or -1. */
int ab_arms_find(const struct ab_arms *a, const char *name);

/*
 * A uniform number in [0, 1) fixed by (campaign, user): the first 8 bytes of
 * SHA-256(campaign || 0x00 || user) as a big-endian integer, top 53 bits
 * scaled by 2^-53. Returns -1 if the digest cannot be computed (libcrypto failure).
 */
double ab_unit(const char *campaign, const char *user, size_t ulen);

/*
 * The arm of user in campaign: the first i with ab_unit(...) < cum[i].
 * Returns the arm index, or -1 when the digest fails.
 */
int ab_assign(const struct ab_arms *a, const char *campaign, const char *user, size_t ulen);

#endif
