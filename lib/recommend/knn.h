/* knn.h - nearest neighbours over a ratings matrix (item-item, user-user cosine) and recommending from them */
#ifndef RECMAIL_KNN_H
#define RECMAIL_KNN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "data/catalog.h"
#include "base/err.h"
#include "recommend/exclude.h"
#include "recommend/liked.h"
#include "data/history.h"
#include "recommend/popularity.h"
#include "data/ratings.h"
#include "recommend/recs.h"
#include "recommend/topn.h"

/* A sparse matrix in compressed rows; every array owned. */
struct knn_csr {
	int64_t rows, cols, nnz;
	int64_t *indptr;
	int32_t *indices;
	float *values;
};

/*
 * The rows of a matrix A prepared for cosine queries: A in rows (the things
 * compared: items for item-item, users for user-user), its transpose (for
 * each column, the rows that have it) and every row's Euclidean norm.
 */
struct knn_index {
	struct knn_csr a, at;
	float *norm;
	/* a query's workspace: dot products and common columns per row of a */
	float *acc;
	int32_t *cnt, *touched;
};

/*
 * Builds the index of r's items (by_item: A = R^T, items x users) or of r's
 * users (A = R). binary replaces every value with 1. Returns 0, or -1 with e
 * set (EXIT_OSERR).
 */
int knn_index_build(struct knn_index *x, const struct ratings *r, int by_item, int binary,
    struct err *e);
void knn_index_free(struct knn_index *x);

/*
 * The rows of A most like the query (a sparse vector over A's columns:
 * values qv at columns qi, nq entries, columns distinct), by cosine times
 * n / (n + shrink) where n counts the columns the two share. Only positive
 * similarities are offered to h (score: the similarity, index: the row);
 * the row self (-1: none) is skipped. The caller resets and sorts h.
 */
void knn_index_query(struct knn_index *x, const int32_t *qi, const float *qv, size_t nq,
    int64_t self, double shrink, struct topn *h);

/* How the all-pairs similarities are computed (docs/itemknn.md has the measurements). */
enum knn_method {
	KNN_AUTO,       /* dense when its estimated time is lower and A fits KNN_DENSE_MAX_FLOATS */
	KNN_SPARSE,     /* a sparse accumulator per row: sum over columns of (rows per column)^2 */
	KNN_DENSE,      /* blocks of A A^T by cblas_sgemm over a dense copy of A */
};

/* Dense A at most this many floats (512 MiB). */
#define KNN_DENSE_MAX_FLOATS (128 * 1024 * 1024)
/*
 * Dense multiply-adds that take the time of one sparse accumulation (with its
 * share of heap pushes): AUTO picks dense when rows^2 * cols (x2 with
 * shrinkage over non-binary values) is below KNN_DENSE_RATIO times the sparse
 * work, sum over columns of (rows per column)^2. Since the ratio of the two
 * works is 1 / density^2, dense wins above a density of about 13%. Measured
 * on ML-100K (about 60) and Online Retail (about 350); docs/itemknn.md.
 */
#define KNN_DENSE_RATIO 60.0

/* The K nearest rows of every row of an index, best first (ties: lower row). */
struct knn_graph {
	int64_t n;
	int64_t *indptr;        /* row a's neighbours: nbr[indptr[a] .. indptr[a+1]) */
	int32_t *nbr;
	float *sim;
	enum knn_method used;
};

/*
 * Computes every row's neighbours (at most k, positive similarity only, the
 * row itself excluded) with the given shrinkage. progress (may be NULL) is
 * called now and then with rows done and rows in all. Returns 0, or -1 with
 * e set (EXIT_OSERR).
 */
int knn_graph_build(struct knn_graph *g, struct knn_index *x, int k, double shrink,
    enum knn_method method, void (*progress)(void *arg, size_t done, size_t total),
    void *progress_arg, struct err *e);
void knn_graph_free(struct knn_graph *g);

/* The estimated costs of both methods for x, in multiply-adds (for reports and AUTO). */
void knn_cost(const struct knn_index *x, double shrink, int binary, double *sparse,
    double *dense);

/* --- recommending (the itemknn program) --- */

struct knn_rec_opts {
	int n;                  /* recommendations per user (>= 1) */
	int user_based;         /* user-user neighbours instead of item-item */
	int neighbours;         /* K */
	double shrink;
	int binary;
	int normalize;          /* divide by the sum of the contributing similarities */
	int fill;               /* fill a short list with popular items */
	int max_per_category;   /* 0: no cap */
	struct liked_opts like; /* which profile items an also_bought reason may name */
	enum knn_method method;
	void (*progress)(void *arg, size_t done, size_t total);
	void *progress_arg;
};

struct knn_rec {
	struct knn_rec_opts o;
	const struct ratings *r;
	struct knn_index x;
	struct knn_graph g;     /* item-based only */
	struct popularity pop;
	struct history *seen;
	struct exclude *ex;
	uint8_t *allowed;       /* per item: passes the catalog rules and global exclusions */
	const int32_t *cat;
	uint32_t *mark, stamp;  /* per item, == stamp: not to be offered to the current user */
	uint32_t *pmark;        /* per item, == stamp: in the current profile */
	uint32_t *lmark;        /* per item, == stamp: a profile item the user liked */
	struct liked rule;
	double pmean;           /* the mean value of the current user's row */
	int32_t *pi;            /* the current profile: items and values */
	float *pv;
	size_t np, pcap;
	float *score, *best, *wsum, *bsim;     /* best: the best liked contribution, bsim its similarity */
	int32_t *because, *nusers, *touched;
	size_t ntouched;
	int32_t *hist;
	size_t histcap;
	struct topn heap, nheap;
	struct recs_rec *out;
	int32_t *chosen;
	struct recs_writer w;
	size_t done, total;
	size_t count[3];        /* lines answered by neighbours, by popularity, with nothing */
};

/*
 * Prepares recommending from r (the item-item graph is computed here).
 * seen and ex (may be NULL) must be mapped onto r's tables; view (may be
 * NULL) is the catalog view of r's items. Returns 0, or -1 with e set
 * (EXIT_OSERR).
 */
int knn_rec_init(struct knn_rec *k, const struct ratings *r, const struct knn_rec_opts *o,
    struct history *seen, struct exclude *ex, const struct catalog_view *view, FILE *out,
    struct err *e);
void knn_rec_free(struct knn_rec *k);

/*
 * Answers one user line (takes the reference): {"user":U} with optional
 * "items" (an object of item -> number, or an array of item ids) added to
 * the user's history. A bad line gives -1 with EXIT_DATA and a message
 * without position; EXIT_IO and EXIT_OSERR are final.
 */
int knn_rec_add_line(struct knn_rec *k, json_t *line, struct err *e);

/* Answers every user of r, then every user of the seen matrix r lacks. Returns 0 or -1. */
int knn_rec_add_all(struct knn_rec *k, struct err *e);

#endif
