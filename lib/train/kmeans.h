/* kmeans.h - k-means clustering of dense float rows (k-means++ start, restarts, BLAS distances) */
#ifndef RECMAIL_KMEANS_H
#define RECMAIL_KMEANS_H

#include <stdint.h>

#include "base/err.h"

struct kmeans_opts {
	int k;                  /* clusters, >= 1 */
	int iters;              /* most centroid updates per restart, >= 0 */
	int restarts;           /* independent starts; the lowest inertia wins, >= 1 */
	uint64_t seed;          /* the same seed gives the same clusters */
	/* called after every assignment pass when not NULL (the command shows progress) */
	void (*progress)(void *arg, int restart, int iter, double inertia, int64_t moved);
	void *arg;
};

struct kmeans {
	int64_t n, d;
	int k;
	float *centroids;       /* k x d, row-major, leading dimension d */
	int32_t *assign;        /* cluster of each row */
	float *dist;            /* squared distance of each row to its centroid */
	int64_t *size;          /* rows per cluster */
	double inertia;         /* sum of dist */
	int iters_run;          /* centroid updates in the winning restart */
	int restart;            /* which restart won */
};

/*
 * Clusters the n rows of X (n x d, row-major, leading dimension ldx >= d).
 * Start: k-means++ (the first centre uniform, then each row with probability
 * proportional to its squared distance to the nearest centre). Then Lloyd
 * iterations until no row moves or o->iters updates; an empty cluster takes
 * the row farthest from its centroid. Squared distances are
 * ||x||^2 - 2 x.c + ||c||^2 with X C^T from cblas_sgemm over blocks of rows,
 * so memory beyond X and the result stays bounded (about 16 MB).
 * Returns 0, or -1 with e set (EXIT_USAGE when k > n or k < 1, EXIT_OSERR).
 */
int kmeans_fit(struct kmeans *km, const float *X, int64_t n, int64_t d, int64_t ldx,
    const struct kmeans_opts *o, struct err *e);
void kmeans_free(struct kmeans *km);

/*
 * Assigns each row of X to its nearest centroid of C (k x d, leading dimension d),
 * writing the index to assign and the squared distance to dist. Returns the
 * inertia (sum of dist), or -1 on allocation failure (e set).
 */
double kmeans_assign(const float *X, int64_t n, int64_t d, int64_t ldx, const float *C, int k,
    int32_t *assign, float *dist, struct err *e);

/* Renumbers the clusters by size, largest first (ties: lower old number first). */
void kmeans_sort_by_size(struct kmeans *km);

#endif
