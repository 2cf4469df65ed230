/* model.h - a factor model (biases, user and item factors, id tables) and its container */
#ifndef RECMAIL_MODEL_H
#define RECMAIL_MODEL_H

#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "data/ids.h"
#include "data/matfile.h"

/*
 * prediction(u, i) = global_mean + user_bias[u] + item_bias[i] + P[u,:] . Q[i,:]
 * P is users x k and Q is items x k, both row-major with leading dimension k.
 * Container tensors: user_factors F32[users,k], item_factors F32[items,k],
 * user_bias F32[users], item_bias F32[items], global_mean F32[1],
 * item_popularity F32[items] (training interactions per item), user_ids.*, item_ids.*;
 * metadata kind=model plus algo, hyper-parameters and training figures.
 */
struct model {
	int64_t users, items, k;
	float *P, *Q;
	float *user_bias, *item_bias;
	float *item_pop;        /* may be NULL in a foreign model */
	float global_mean;
	float rating_min, rating_max;   /* clip range for predictions (0, 0: none) */
	struct ids user_ids, item_ids;
	json_t *meta;           /* string metadata (algo, lr, ...); owned */
	struct matfile mf;      /* the container the arrays point into, when read */
	int owns_arrays;
	/* model_write calls this (when set) to add tensors of the model's own kind, such as a
	 * content model's features (train/content.h); they must live until the write */
	int (*extra)(struct matfile *mf, const void *arg, struct err *e);
	const void *extra_arg;
};

/* Allocates a zeroed model of the given size with empty id tables. Returns 0 or -1. */
int model_alloc(struct model *m, int64_t users, int64_t items, int64_t k, struct err *e);
void model_free(struct model *m);

/* Reads a model container (kind "model"), checking shapes and finite values.
 * Returns 0, or -1 with e set ("name: reason", EXIT_DATA / EXIT_IO / EXIT_NOINPUT). */
int model_read(FILE *f, const char *name, struct model *m, struct err *e);
int model_load(const char *path, struct model *m, struct err *e);

/* Writes the container; refuses (EXIT_SOFTWARE) a model with NaN or Inf values.
 * Returns 0 or -1. */
int model_write(FILE *f, const struct model *m, struct err *e);
int model_save(const char *path, const struct model *m, struct err *e);

/* The raw prediction for (u, i), clipped to [rating_min, rating_max] when clip is set. */
float model_predict(const struct model *m, int64_t u, int64_t i, int clip);

#endif
