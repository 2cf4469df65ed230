/* mf.h - matrix factorization: trains a factor model (sgd, als, ials, svd) from a ratings matrix */
/* (the parameters, the epoch report and the validation sets are declared in train/mfstate.h) */
#ifndef RECMAIL_MF_H
#define RECMAIL_MF_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "data/model.h"
#include "data/ratings.h"
#include "train/mfstate.h"

/* What a training did. */
struct mf_report {
	int epochs_run;
	int best_epoch;         /* with early stopping: the epoch whose model was kept */
	double train_loss;      /* of the last epoch run */
	double val_rmse;        /* of the model kept; NAN without a validation set */
	double seconds;
};

/* Fills p with the defaults of algo (tuned on MovieLens 100K, see docs/svdtrain.md). */
void mf_defaults(struct mf_params *p, enum mf_algo algo);

/* Parses "sgd", "als", "ials", "svd". Returns 0, or -1 for another name. */
int mf_algo_parse(const char *s, enum mf_algo *out);
const char *mf_algo_name(enum mf_algo a);

/* Checks the parameters. Returns 0, or -1 with e set (EXIT_USAGE) naming the option. */
int mf_check(const struct mf_params *p, struct err *e);

/*
 * Trains a model of r with p and fills m (allocated here: model_free it):
 * factors, biases, global mean, item popularity, copies of the id tables and
 * metadata (algorithm, every hyper-parameter, epochs run, final loss). val
 * (may be NULL) is scored after each epoch; fn (may be NULL) hears of each
 * epoch. Returns 0, or -1 with e set and m empty: EXIT_USAGE (bad params),
 * EXIT_DATA (an empty matrix, divergence naming the epoch, a system that is
 * not positive definite), EXIT_OSERR (no memory or threads).
 */
int mf_train(const struct ratings *r, const struct mf_params *p, const struct mf_valset *val,
    mf_progress_fn fn, void *ctx, struct model *m, struct mf_report *rep, struct err *e);

/* RMSE of the model on a validation set (unknown users and items get mean plus known biases),
 * predictions clipped to the model's rating range. 0 for an empty set. */
double mf_rmse(const struct model *m, const struct mf_valset *v);

#endif
