/* rfm.h - recency, frequency and monetary value of each customer, from a ratings matrix */
#ifndef RECMAIL_RFM_H
#define RECMAIL_RFM_H

#include <jansson.h>
#include <stdint.h>

#include "base/err.h"
#include "data/ratings.h"

#define RFM_NFEATURES 3

struct rfm {
	int64_t n;              /* customers with at least one interaction */
	int64_t *row;           /* their rows in the ratings matrix */
	double *recency;        /* days from the last interaction to now */
	double *frequency;      /* distinct interaction times (visits, orders) */
	double *monetary;       /* sum of the interaction values (weights x quantities) */
	int64_t now;            /* the reference time, unix seconds */
	int64_t empty;          /* rows without interactions, left out */
};

/*
 * Computes the features of every row with interactions. now < 0 takes the
 * latest timestamp in r. The matrix must carry timestamps. Returns 0, or -1
 * with e set (EXIT_DATA without timestamps or customers, EXIT_OSERR).
 */
int rfm_compute(struct rfm *f, const struct ratings *r, int64_t now, struct err *e);
void rfm_free(struct rfm *f);

/*
 * The clustering input: an n x 3 row-major matrix of z-scores of recency,
 * log1p(frequency) and log1p(max(0, monetary)) (a column with no spread is
 * all 0). Returns a new array, or NULL on allocation failure (e set).
 */
float *rfm_standardise(const struct rfm *f, struct err *e);

/*
 * One summary object per segment 0..k-1: {"segment","size","share",
 * "recency_days","frequency","monetary"}, each feature {"median","mean"}.
 * Returns a new array, or NULL on allocation failure (e set).
 */
json_t *rfm_summary(const struct rfm *f, const int32_t *segment, int k, struct err *e);

#endif
