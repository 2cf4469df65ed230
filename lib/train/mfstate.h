/* mfstate.h - the training state the factorisations (mf_sgd, mf_als, mf_svd) share, and its inputs */
#ifndef RECMAIL_MFSTATE_H
#define RECMAIL_MFSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "data/model.h"
#include "data/ratings.h"

/* ials: conjugate-gradient steps per row and half sweep, warm-started (Takacs et al. 2011). */
#define MF_CG_STEPS 3

enum mf_algo { MF_SGD, MF_ALS, MF_IALS, MF_SVD, MF_EASE, MF_BPMF };

/* Hyper-parameters. mf_defaults() fills the tuned defaults of one algorithm. */
struct mf_params {
	enum mf_algo algo;
	int64_t k;              /* factors */
	int epochs;             /* sgd epochs, als/ials sweeps, svd power iterations, bpmf Gibbs sweeps */
	double lr;              /* sgd learning rate */
	double lr_decay;        /* sgd: the learning rate is multiplied by this after each epoch */
	double reg;             /* factor regularization (als: times n_u, the weighted-lambda form) */
	double reg_bias;        /* bias regularization (als: not times n; svd: damping count) */
	double alpha;           /* ials confidence slope: c = 1 + alpha * r; bpmf: the noise precision
	                         * of the ratings, 0: sampled (a Gamma prior) */
	double init_std;        /* standard deviation of the initial factors */
	uint64_t seed;
	int threads;
	int patience;           /* early stopping on the validation RMSE; 0: never stop early */
	int oversample;         /* svd: extra columns of the randomized range finder */
	int64_t dense_max;      /* svd: a dense gesdd when users * items <= this */
	double max_memory_mb;   /* ease: refuse when its dense matrices need more than this */
	int cg_steps;           /* ials: conjugate-gradient steps per row; 0: the exact solve */
	int burn_in;            /* bpmf: sweeps discarded before the samples are averaged */
	double noise_shape;     /* bpmf: 0, one noise precision; > 0, times per-user and per-item
	                         * multipliers with Gamma(shape, shape) priors (mean 1) */
	int samples;            /* bpmf: samples kept side by side in the model (their predictions
	                         * averaged exactly); 0: the posterior-mean factors */
};

/* One finished epoch, as given to the progress callback. */
struct mf_epoch {
	int epoch;              /* 1, 2, ... */
	int epochs;             /* the planned number */
	double loss;            /* training loss (see docs/svdtrain.md for each algorithm) */
	double val_rmse;        /* NAN without a validation set */
	double lr;              /* sgd: the rate used in this epoch; 0 otherwise */
	double seconds;         /* wall time of this epoch */
};

/* Called once per epoch (never per rating). */
typedef void (*mf_progress_fn)(void *ctx, const struct mf_epoch *ep);

/* Held-out ratings mapped onto the training matrix's rows and columns by id string. */
struct mf_valset {
	int64_t n;
	int32_t *u, *i;         /* -1: unknown to the training matrix */
	float *r;
	int64_t unknown_users, unknown_items;
};

/*
 * Maps every rating of val onto train's users and items by id string.
 * Returns 0, or -1 with e set (EXIT_OSERR).
 */
int mf_valset_build(struct mf_valset *v, const struct ratings *train, const struct ratings *val,
    struct err *e);
void mf_valset_free(struct mf_valset *v);

/* RMSE on v of the factors P, Q (k used columns, row stride ld) and biases; unknown users and
 * items get mu plus the known biases; predictions clipped to lo..hi unless hi <= lo. 0 for an
 * empty set. */
double mf_valset_rmse(const struct mf_valset *v, const float *P, const float *Q, int64_t k,
    int64_t ld, const float *bu, const float *bi, float mu, float lo, float hi);

/* The transpose of a ratings matrix (items as rows: the users who rated each, and the values). */
struct mf_csc {
	int64_t *ptr;           /* cols + 1 */
	int32_t *idx;
	float *val;
};

/* Builds the transpose of r. Returns 0, or -1 when out of memory (c is then freeable). */
int mf_csc_build(const struct ratings *r, struct mf_csc *c);
void mf_csc_free(struct mf_csc *c);

/* The training state: what mf_train hands to an algorithm and reads back. */
struct mf_state {
	const struct ratings *r;
	const struct mf_params *p;
	const struct mf_valset *val;
	mf_progress_fn fn;
	void *ctx;
	int64_t k, ld;          /* factors, and the row stride of P and Q (>= k, zero padded) */
	float *P, *Q, *bu, *bi;
	float mu;
	float clip_lo, clip_hi; /* the rating range (equal: no clipping) */
	/* early stopping */
	float *best;            /* snapshot of P, Q, bu, bi at the best epoch */
	double best_rmse;
	int best_epoch, epochs_run;
	double last_loss;
	/* an algorithm whose validation RMSE is not that of P and Q (bpmf: the running average of
	 * the samples' predictions) sets val_given and val_rmse before mf_state_epoch_end */
	int val_given;
	double val_rmse;
};

/* Allocates P and Q (users x ld, items x ld) and the biases, all zero. Returns 0 or -1. */
int mf_state_alloc(struct mf_state *s, int64_t ld, struct err *e);

/* Fills P and Q (first k columns) with N(0, init_std) deviates drawn from seed. */
void mf_state_init_normal(struct mf_state *s, uint64_t seed);

/*
 * Ends an epoch: checks the loss is finite (else -1, EXIT_DATA naming the epoch),
 * scores the validation set, tells the callback, keeps the best snapshot.
 * Returns 0 to go on, 1 to stop early, -1 on error.
 */
int mf_state_epoch_end(struct mf_state *s, int epoch, double loss, double lr, double seconds,
    struct err *e);

/* malloc for large arrays (64-byte aligned; huge pages where the system offers them); free() it. */
void *mf_big_alloc(size_t bytes);

/* Seconds on a monotonic clock. */
double mf_now(void);

/* The worker thread count: p->threads, at least 1. */
int mf_threads(const struct mf_params *p);

/* The number of floats in the block of P, Q, bu and bi. */
size_t mf_state_floats(const struct mf_state *s);

/* RMSE of the state's current factors on v (as mf_valset_rmse). */
double mf_state_rmse(const struct mf_state *s, const struct mf_valset *v);

/* With early stopping: copies the best epoch's snapshot back, if a later epoch was the last. */
void mf_state_keep_best(struct mf_state *s);

/* Frees the factors and the snapshot. */
void mf_state_release(struct mf_state *s);

#endif
