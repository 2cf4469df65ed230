/* metrics.h - accuracy figures: rating errors (RMSE, MAE) and top-k ranking metrics */
#ifndef RECMAIL_METRICS_H
#define RECMAIL_METRICS_H

#include <stdint.h>

/* Sums for the error of predicted ratings. Zero it with memset or = { 0 }. */
struct metrics_err {
	int64_t n;
	double se;              /* sum of squared errors */
	double ae;              /* sum of absolute errors */
};

/* Adds one prediction of a known rating. */
void metrics_err_add(struct metrics_err *m, double predicted, double actual);

/* sqrt(se / n) and ae / n; NaN when n is 0. */
double metrics_rmse(const struct metrics_err *m);
double metrics_mae(const struct metrics_err *m);

/*
 * Sums of per-user ranking metrics at a cut-off k, with binary relevance.
 * For one user with R relevant items and hit[r] = 1 when the item at rank
 * r + 1 is relevant (only the first k ranks count):
 *   precision@k = hits / k                      (a list shorter than k is not excused)
 *   recall@k    = hits / R
 *   NDCG@k      = DCG / IDCG, DCG = sum hit[r] / log2(r + 2),
 *                 IDCG = sum_{r < min(k, R)} 1 / log2(r + 2)
 *   AP@k        = (sum over hit ranks r of precision@(r+1)) / min(k, R)
 *   hit         = 1 when hits > 0
 * The averages are these sums divided by users.
 */
struct metrics_rank {
	int k;
	int64_t users;
	double precision, recall, ndcg, ap, hit;
};

/* Starts the sums for cut-off k (k >= 1). */
void metrics_rank_init(struct metrics_rank *m, int k);

/*
 * Adds one user with nrel >= 1 relevant items whose list has n entries
 * (hit may be NULL when n is 0: a user without recommendations scores 0).
 * A user with nrel < 1 is not added (there is nothing to find); returns 0
 * then, 1 when the user was added.
 */
int metrics_rank_add(struct metrics_rank *m, const unsigned char *hit, int64_t n, int64_t nrel);

/* The average of a sum over the users added (0 when none). */
double metrics_rank_mean(const struct metrics_rank *m, double sum);

#endif
