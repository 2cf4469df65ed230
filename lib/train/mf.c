/* mf.c - matrix factorization: parameters, mf_train and the model it fills (algorithms: mf_sgd, mf_als, mf_svd) */
#include <jansson.h>
#include <lapacke.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/exitcode.h"
#include "train/mf.h"
#include "train/mf_als.h"
#include "train/mf_bpmf.h"
#include "train/mf_ease.h"
#include "train/mf_sgd.h"
#include "train/mf_svd.h"

static const char *const algo_names[] = { "sgd", "als", "ials", "svd", "ease", "bpmf" };

void
mf_defaults(struct mf_params *p, enum mf_algo algo)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	memset(p, 0, sizeof *p);
	p->algo = algo;
	p->seed = 1;
	p->threads = n > 0 ? (int)(n > 256 ? 256 : n) : 1;
	p->oversample = 10;
	p->dense_max = 1000000;
	p->max_memory_mb = 4096;
	switch (algo) {
	case MF_SGD:
		p->k = 100;
		p->epochs = 20;
		p->lr = 0.05;
		p->lr_decay = 0.88;
		p->reg = 0.06;
		p->reg_bias = 0.05;
		break;
	case MF_ALS:
		p->k = 100;
		p->epochs = 10;
		p->reg = 0.12;
		p->reg_bias = 3;
		p->cg_steps = MF_CG_STEPS;
		break;
	case MF_IALS:
		p->k = 64;
		p->epochs = 15;
		p->reg = 50;
		p->alpha = 2;
		p->cg_steps = MF_CG_STEPS;
		break;
	case MF_SVD:
		p->k = 10;
		p->epochs = 4;
		p->reg_bias = 5;
		break;
	case MF_EASE:
		p->k = 1;               /* k becomes the number of items */
		p->epochs = 1;
		p->reg = 500;
		break;
	case MF_BPMF:
		p->k = 10;
		p->epochs = 200;
		p->burn_in = 50;
		p->samples = 50;
		p->alpha = 0;           /* the noise precision is sampled */
		p->noise_shape = 50;    /* per-user and per-item precision multipliers */
		break;
	}
}

int
mf_algo_parse(const char *s, enum mf_algo *out)
{
	for (size_t i = 0; i < sizeof algo_names / sizeof algo_names[0]; i++)
		if (strcmp(s, algo_names[i]) == 0) {
			*out = (enum mf_algo)i;
			return 0;
		}
	return -1;
}

const char *
mf_algo_name(enum mf_algo a)
{
	return (unsigned)a < sizeof algo_names / sizeof algo_names[0] ? algo_names[a] : "?";
}

int
mf_check(const struct mf_params *p, struct err *e)
{
	int iterative = p->algo != MF_SVD;

	if ((unsigned)p->algo > MF_BPMF)
		return err_set(e, EXIT_USAGE, "--algo: unknown algorithm");
	if (p->k < 1 || p->k > 100000)
		return err_set(e, EXIT_USAGE, "--factors: %lld is not from 1 to 100000",
		    (long long)p->k);
	if (iterative ? p->epochs < 1 : p->epochs < 0)
		return err_set(e, EXIT_USAGE, "--epochs: %d is too small", p->epochs);
	if (p->algo == MF_SGD && !(p->lr > 0 && isfinite(p->lr)))
		return err_set(e, EXIT_USAGE, "--lr: the learning rate must be greater than 0");
	if (p->algo == MF_SGD && !(p->lr_decay > 0 && p->lr_decay <= 1))
		return err_set(e, EXIT_USAGE, "--lr-decay: must be greater than 0 and at most 1");
	if (!(p->reg >= 0 && isfinite(p->reg)) || !(p->reg_bias >= 0 && isfinite(p->reg_bias)))
		return err_set(e, EXIT_USAGE, "--reg, --reg-bias: must be at least 0");
	if ((p->algo == MF_ALS || p->algo == MF_IALS || p->algo == MF_EASE) && !(p->reg > 0))
		return err_set(e, EXIT_USAGE, "--reg: %s needs a regularization greater than 0",
		    mf_algo_name(p->algo));
	if (!(p->alpha >= 0 && isfinite(p->alpha)))
		return err_set(e, EXIT_USAGE, "--alpha: must be at least 0");
	if (!(p->init_std >= 0 && isfinite(p->init_std)))
		return err_set(e, EXIT_USAGE, "--init-std: must be at least 0 (0: 0.1 / sqrt(factors))");
	if (p->threads < 1 || p->threads > 256)
		return err_set(e, EXIT_USAGE, "--threads: %d is not from 1 to 256", p->threads);
	if (p->patience < 0)
		return err_set(e, EXIT_USAGE, "--patience: must be at least 0");
	if (p->oversample < 0 || p->dense_max < 0)
		return err_set(e, EXIT_USAGE, "svd: oversampling and dense size must be at least 0");
	if (p->cg_steps < 0 || p->cg_steps > 100)
		return err_set(e, EXIT_USAGE, "--cg-steps: %d is not from 0 to 100", p->cg_steps);
	if (p->algo == MF_BPMF && (p->burn_in < 0 || p->burn_in >= p->epochs))
		return err_set(e, EXIT_USAGE, "--burn-in: %d is not from 0 to --epochs - 1 (%d)",
		    p->burn_in, p->epochs - 1);
	if (p->algo == MF_BPMF && (p->samples < 0 || p->samples > p->epochs - p->burn_in))
		return err_set(e, EXIT_USAGE, "--samples: %d is not from 0 to --epochs - --burn-in "
		    "(%d)", p->samples, p->epochs - p->burn_in);
	if (p->algo == MF_BPMF && p->k * (p->samples > 0 ? p->samples : 1) > 1000000)
		return err_set(e, EXIT_USAGE, "--samples: %d samples of %lld factors make over "
		    "1000000 columns", p->samples, (long long)p->k);
	if (!(p->noise_shape >= 0 && isfinite(p->noise_shape)))
		return err_set(e, EXIT_USAGE, "--noise-shape: must be at least 0");
	if (p->algo == MF_BPMF && p->patience > 0)
		return err_set(e, EXIT_USAGE, "--patience: bpmf averages its samples and does not "
		    "stop early");
	if (!(p->max_memory_mb > 0))
		return err_set(e, EXIT_USAGE, "--max-memory: must be greater than 0");
	return 0;
}

double
mf_rmse(const struct model *m, const struct mf_valset *v)
{
	return mf_valset_rmse(v, m->P, m->Q, m->k, m->k, m->user_bias, m->item_bias,
	    m->global_mean, m->rating_min, m->rating_max);
}

/* --- the model --- */

static int
set_meta(json_t *meta, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
set_meta(json_t *meta, const char *key, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return json_object_set_new(meta, key, json_string(buf));
}

static int
fill_meta(json_t *meta, const struct mf_state *s, const struct mf_report *rep)
{
	const struct mf_params *p = s->p;
	int maj = 0, min = 0, patch = 0, bad = 0;

	LAPACKE_ilaver(&maj, &min, &patch);
	bad |= set_meta(meta, "algo", "%s", mf_algo_name(p->algo));
	bad |= set_meta(meta, "feedback", "%s", p->algo == MF_IALS || p->algo == MF_EASE ?
	    "implicit" : "explicit");
	if (p->algo != MF_SVD)
		bad |= set_meta(meta, "epochs", "%d", p->epochs);
	bad |= set_meta(meta, "epochs_run", "%d", rep->epochs_run);
	bad |= set_meta(meta, "seed", "%llu", (unsigned long long)p->seed);
	bad |= set_meta(meta, "threads", "%d", p->threads);
	bad |= set_meta(meta, "train_loss", "%.9g", rep->train_loss);
	switch (p->algo) {
	case MF_SGD:
		bad |= set_meta(meta, "lr", "%.9g", p->lr);
		bad |= set_meta(meta, "lr_decay", "%.9g", p->lr_decay);
		/* fall through */
	case MF_ALS:
		bad |= set_meta(meta, "reg", "%.9g", p->reg);
		bad |= set_meta(meta, "reg_bias", "%.9g", p->reg_bias);
		bad |= set_meta(meta, "init_std", "%.9g", p->init_std);
		if (p->algo == MF_ALS)
			bad |= set_meta(meta, "solver", "%s", p->cg_steps > 0 ? "cg" : "exact");
		if (p->algo == MF_ALS && p->cg_steps > 0)
			bad |= set_meta(meta, "cg_steps", "%d", p->cg_steps);
		break;
	case MF_IALS:
		bad |= set_meta(meta, "reg", "%.9g", p->reg);
		bad |= set_meta(meta, "alpha", "%.9g", p->alpha);
		bad |= set_meta(meta, "solver", "%s", p->cg_steps > 0 ? "cg" : "exact");
		if (p->cg_steps > 0)
			bad |= set_meta(meta, "cg_steps", "%d", p->cg_steps);
		bad |= set_meta(meta, "init_std", "%.9g", p->init_std);
		break;
	case MF_EASE:
		bad |= set_meta(meta, "reg", "%.9g", p->reg);
		bad |= set_meta(meta, "fold_in", "history");
		break;
	case MF_BPMF:
		bad |= set_meta(meta, "factors_per_sample", "%lld", (long long)p->k);
		bad |= set_meta(meta, "burn_in", "%d", p->burn_in);
		bad |= set_meta(meta, "samples", "%d", p->samples);
		bad |= set_meta(meta, "prediction", "%s", p->samples > 0 ?
		    "average of the kept samples' predictions (their factors side by side)" :
		    "posterior-mean factors and biases");
		if (p->alpha > 0)
			bad |= set_meta(meta, "alpha", "%.9g", p->alpha);
		else
			bad |= set_meta(meta, "alpha", "sampled");
		bad |= set_meta(meta, "noise", "%s", p->noise_shape > 0 ?
		    "per-user and per-item precision multipliers" : "one precision");
		if (p->noise_shape > 0)
			bad |= set_meta(meta, "noise_shape", "%.9g", p->noise_shape);
		bad |= set_meta(meta, "init_std", "%.9g", p->init_std);
		break;
	case MF_SVD:
		bad |= set_meta(meta, "reg_bias", "%.9g", p->reg_bias);
		bad |= set_meta(meta, "power_iterations", "%d", p->epochs);
		bad |= set_meta(meta, "oversample", "%d", p->oversample);
		bad |= set_meta(meta, "dense_max", "%lld", (long long)p->dense_max);
		bad |= set_meta(meta, "svd_method", "%s",
		    (double)s->r->rows * (double)s->r->cols <= (double)p->dense_max ?
		    "dense gesdd" : "randomized range finder + gesdd");
		break;
	}
	if (s->val != NULL) {
		bad |= set_meta(meta, "patience", "%d", p->patience);
		bad |= set_meta(meta, "best_epoch", "%d", rep->best_epoch);
		bad |= set_meta(meta, "val_rmse", "%.9g", rep->val_rmse);
	}
	bad |= set_meta(meta, "lapack", "%d.%d.%d", maj, min, patch);
	bad |= set_meta(meta, "jansson", "%s", JANSSON_VERSION);
	bad |= set_meta(meta, "recmail", "%s", RECMAIL_VERSION);
	return bad ? -1 : 0;
}

/* Users and items without training ratings keep no random factors: their score is the bias. */
static void
zero_unseen(struct mf_state *s)
{
	const struct ratings *r = s->r;
	unsigned char *seen = calloc((size_t)r->cols + 1, 1);

	for (int64_t u = 0; u < r->rows; u++)
		if (r->indptr[u + 1] == r->indptr[u])
			memset(s->P + u * s->ld, 0, (size_t)s->ld * sizeof(float));
	if (seen == NULL)
		return;         /* only cosmetic: they were never trained */
	for (int64_t x = 0; x < r->nnz; x++)
		seen[r->indices[x]] = 1;
	for (int64_t i = 0; i < r->cols; i++)
		if (!seen[i])
			memset(s->Q + i * s->ld, 0, (size_t)s->ld * sizeof(float));
	free(seen);
}

static int
fill_model(struct model *m, const struct mf_state *s, const struct mf_report *rep,
    struct err *e)
{
	const struct ratings *r = s->r;

	if (model_alloc(m, r->rows, r->cols, s->k, e) < 0)
		return -1;
	for (int64_t u = 0; u < r->rows; u++)
		memcpy(m->P + u * s->k, s->P + u * s->ld, (size_t)s->k * sizeof(float));
	for (int64_t i = 0; i < r->cols; i++)
		memcpy(m->Q + i * s->k, s->Q + i * s->ld, (size_t)s->k * sizeof(float));
	memcpy(m->user_bias, s->bu, (size_t)r->rows * sizeof(float));
	memcpy(m->item_bias, s->bi, (size_t)r->cols * sizeof(float));
	for (int64_t x = 0; x < r->nnz; x++)
		m->item_pop[r->indices[x]] += 1;
	m->global_mean = s->mu;
	m->rating_min = s->clip_lo;
	m->rating_max = s->clip_hi;
	if (ids_copy(&m->user_ids, &r->users, e) < 0 || ids_copy(&m->item_ids, &r->items, e) < 0 ||
	    (fill_meta(m->meta, s, rep) < 0 && err_nomem(e))) {
		model_free(m);
		return -1;
	}
	return 0;
}

int
mf_train(const struct ratings *r, const struct mf_params *given, const struct mf_valset *val,
    mf_progress_fn fn, void *ctx, struct model *m, struct mf_report *rep, struct err *e)
{
	struct mf_params pp = *given, *p = &pp;
	struct mf_state s;
	struct mf_report dummy;
	double t0 = mf_now(), sum = 0;
	int rc;

	memset(m, 0, sizeof *m);
	rep = rep ? rep : &dummy;
	memset(rep, 0, sizeof *rep);
	rep->val_rmse = NAN;
	if (mf_check(p, e) < 0)
		return -1;
	if (p->init_std == 0)
		p->init_std = 0.1 / sqrt((double)p->k);
	if (r->nnz == 0 || r->rows == 0 || r->cols == 0)
		return err_set(e, EXIT_DATA, "the ratings matrix is empty: nothing to train on");
	if (r->rows > INT32_MAX || r->nnz > INT64_MAX / 64)
		return err_set(e, EXIT_DATA, "the ratings matrix is too large (%lld users)",
		    (long long)r->rows);
	memset(&s, 0, sizeof s);
	s.r = r;
	s.p = p;
	s.k = p->k;
	s.val = val;
	s.fn = fn;
	s.ctx = ctx;
	if (p->algo == MF_EASE)
		s.k = p->k = r->cols;   /* an item's "factors" are its column of B */
	if (p->algo != MF_IALS && p->algo != MF_EASE) {
		for (int64_t x = 0; x < r->nnz; x++)
			sum += r->values[x];
		s.mu = (float)(sum / (double)r->nnz);
		ratings_range(r, &s.clip_lo, &s.clip_hi);
	}
	switch (p->algo) {
	case MF_SGD:
		rc = mf_sgd_train(&s, e);
		break;
	case MF_ALS:
		rc = mf_als_train(&s, e);
		break;
	case MF_IALS:
		rc = mf_ials_train(&s, e);
		break;
	case MF_EASE:
		rc = mf_ease_train(&s, e);
		break;
	case MF_BPMF:
		rc = mf_bpmf_train(&s, e);
		break;
	default:
		rc = mf_svd_train(&s, e);
		break;
	}
	if (rc < 0)
		goto out;
	mf_state_keep_best(&s);
	zero_unseen(&s);
	rep->epochs_run = s.epochs_run;
	rep->best_epoch = s.best_epoch ? s.best_epoch : s.epochs_run;
	rep->train_loss = s.last_loss;
	if (val != NULL)
		rep->val_rmse = mf_state_rmse(&s, val);
	rep->seconds = mf_now() - t0;
	rc = fill_model(m, &s, rep, e);
out:
	mf_state_release(&s);
	return rc;
}
