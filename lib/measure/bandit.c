/* bandit.c - Thompson sampling weights from pooled A/B evidence (seeded, so a re-run gets the same split) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "measure/bandit.h"
#include "base/exitcode.h"
#include "base/rng.h"

/* The Beta posterior of one arm from its pooled evidence. */
static void
posterior(struct bandit_arm *b)
{
	double r = b->est.rate, q, m;

	b->alpha = b->beta = 1;
	if (b->est.ncamp == 0 || !isfinite(r))
		return;
	/* the variance was computed from smoothed rates, so a rate of 0 still has evidence */
	q = (r * (double)b->est.n + 0.5) / ((double)b->est.n + 1);
	m = b->est.var > 0 ? q * (1 - q) / b->est.var : (double)b->est.n;
	if (!isfinite(m) || m < 0)
		m = 0;
	if (m > (double)b->est.n)       /* standardising never adds information */
		m = (double)b->est.n;
	b->alpha = 1 + r * m;
	b->beta = 1 + (1 - r) * m;
}

int
bandit_weights(const struct ab_arms *arms, const struct abpool *pool,
    const struct bandit_opts *o, double *w, struct bandit_arm *info, struct err *e)
{
	struct bandit_arm *b = NULL;
	int *set = NULL, *wins = NULL, k = 0, draws = o->draws > 0 ? o->draws : BANDIT_DRAWS;
	double rest = 1, sum = 0;
	struct rng g;
	int rc = -1;

	b = calloc((size_t)arms->n, sizeof *b);
	set = calloc((size_t)arms->n, sizeof *set);
	wins = calloc((size_t)arms->n, sizeof *wins);
	if (b == NULL || set == NULL || wins == NULL) {
		err_nomem(e);
		goto out;
	}
	for (int i = 0; i < arms->n; i++) {
		b[i].adaptive = strcmp(arms->name[i], AB_HOLDOUT) != 0;
		if (b[i].adaptive)
			set[k++] = abpool_arm(pool, arms->name[i]);
		else
			rest -= arms->weight[i];
	}
	if (k < 2) {
		err_set(e, EXIT_USAGE, "adaptive weights need at least two arms besides '%s'",
		    AB_HOLDOUT);
		goto out;
	}
	if (!(o->floor >= 0) || o->floor * k > rest + 1e-12) {
		err_set(e, EXIT_USAGE, "--floor %g for %d arms is more than the %g the holdout leaves",
		    o->floor, k, rest);
		goto out;
	}
	/* The evidence is pooled over the campaigns in which every adaptive arm that has
	 * any evidence took part; an arm that is new this time has none and keeps the prior. */
	{
		int known[64], nk = 0;

		for (int i = 0; i < k && nk < 64; i++)
			if (set[i] >= 0)
				known[nk++] = set[i];
		for (int i = 0, j = 0; i < arms->n; i++) {
			b[i].p_best = NAN;
			if (!b[i].adaptive)
				continue;
			abpool_rate(pool, o->metric, set[j++], known, nk, &b[i].est);
			posterior(&b[i]);
		}
	}
	rng_seed(&g, o->seed);
	for (int d = 0; d < draws; d++) {
		double best = -1;
		int arg = -1;

		for (int i = 0; i < arms->n; i++) {
			double x;

			if (!b[i].adaptive)
				continue;
			x = rng_beta(&g, b[i].alpha, b[i].beta);
			if (x > best) {
				best = x;
				arg = i;
			}
		}
		wins[arg]++;
	}
	for (int i = 0; i < arms->n; i++) {
		if (!b[i].adaptive) {
			w[i] = arms->weight[i];
		} else {
			b[i].p_best = (double)wins[i] / draws;
			w[i] = o->floor + (rest - k * o->floor) * b[i].p_best;
		}
		sum += w[i];
	}
	/* the sum is 1 up to rounding; put the rounding on the last adaptive arm */
	for (int i = arms->n - 1; i >= 0; i--)
		if (b[i].adaptive) {
			w[i] += 1 - sum;
			break;
		}
	if (info != NULL)
		memcpy(info, b, (size_t)arms->n * sizeof *b);
	rc = 0;
out:
	free(b);
	free(set);
	free(wins);
	return rc;
}
