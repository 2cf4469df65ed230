/* mf.c - matrix factorization: parameters, validation sets, the shared training state, mf_train */
#include <jansson.h>
#include <lapacke.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/exitcode.h"
#include "train/mf.h"
#include "base/rng.h"

static const char *const algo_names[] = { "sgd", "als", "ials", "svd" };

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
		break;
	case MF_IALS:
		p->k = 64;
		p->epochs = 15;
		p->reg = 50;
		p->alpha = 2;
		break;
	case MF_SVD:
		p->k = 10;
		p->epochs = 4;
		p->reg_bias = 5;
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

	if ((unsigned)p->algo > MF_SVD)
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
	if ((p->algo == MF_ALS || p->algo == MF_IALS) && !(p->reg > 0))
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
	return 0;
}

double
mf_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int
mf_threads(const struct mf_params *p)
{
	return p->threads < 1 ? 1 : p->threads;
}

/* --- validation sets --- */

int
mf_valset_build(struct mf_valset *v, const struct ratings *train, const struct ratings *val,
    struct err *e)
{
	int32_t *colmap = NULL;
	int64_t n = 0;

	memset(v, 0, sizeof *v);
	v->u = malloc(((size_t)val->nnz + 1) * sizeof *v->u);
	v->i = malloc(((size_t)val->nnz + 1) * sizeof *v->i);
	v->r = malloc(((size_t)val->nnz + 1) * sizeof *v->r);
	colmap = malloc(((size_t)val->cols + 1) * sizeof *colmap);
	if (!v->u || !v->i || !v->r || !colmap) {
		free(colmap);
		mf_valset_free(v);
		return err_nomem(e);
	}
	for (int64_t j = 0; j < val->cols; j++) {
		size_t len;
		const char *s = ids_get(&val->items, j, &len);

		colmap[j] = (int32_t)ids_find(&train->items, s, len);
	}
	for (int64_t u = 0; u < val->rows; u++) {
		size_t len;
		const char *s = ids_get(&val->users, u, &len);
		int64_t tu = ids_find(&train->users, s, len);

		for (int64_t x = val->indptr[u]; x < val->indptr[u + 1]; x++) {
			v->u[n] = (int32_t)tu;
			v->i[n] = colmap[val->indices[x]];
			v->r[n] = val->values[x];
			v->unknown_users += tu < 0;
			v->unknown_items += v->i[n] < 0;
			n++;
		}
	}
	v->n = n;
	free(colmap);
	return 0;
}

void
mf_valset_free(struct mf_valset *v)
{
	free(v->u);
	free(v->i);
	free(v->r);
	memset(v, 0, sizeof *v);
}

/* RMSE of the factors (row stride ld) on v; unknown rows and columns get mean plus known biases. */
static double
score(const struct mf_valset *v, const float *P, const float *Q, int64_t k, int64_t ld,
    const float *bu, const float *bi, float mu, float lo, float hi)
{
	double sse = 0;

	if (v->n == 0)
		return 0;
	for (int64_t x = 0; x < v->n; x++) {
		int32_t u = v->u[x], i = v->i[x];
		float pred = mu;

		if (u >= 0)
			pred += bu[u];
		if (i >= 0)
			pred += bi[i];
		if (u >= 0 && i >= 0)
			for (int64_t f = 0; f < k; f++)
				pred += P[u * ld + f] * Q[i * ld + f];
		if (hi > lo)
			pred = pred < lo ? lo : pred > hi ? hi : pred;
		sse += ((double)pred - v->r[x]) * ((double)pred - v->r[x]);
	}
	return sqrt(sse / (double)v->n);
}

double
mf_rmse(const struct model *m, const struct mf_valset *v)
{
	return score(v, m->P, m->Q, m->k, m->k, m->user_bias, m->item_bias, m->global_mean,
	    m->rating_min, m->rating_max);
}

/* --- the shared training state --- */

void *
mf_big_alloc(size_t bytes)
{
	size_t align = bytes >= ((size_t)4 << 20) ? (size_t)2 << 20 : 64;
	void *p = NULL;

	if (posix_memalign(&p, align, bytes ? bytes : 1) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	/* the factor rows are read at random: huge pages save most TLB misses and page faults */
	if (align > 64)
		madvise(p, bytes, MADV_HUGEPAGE);
#endif
	return p;
}

static size_t
state_floats(const struct mf_state *s)
{
	return (size_t)((s->r->rows + s->r->cols) * s->ld + s->r->rows + s->r->cols);
}

int
mf_state_alloc(struct mf_state *s, int64_t ld, struct err *e)
{
	/* one block: P, Q, bu, bi back to back, so that a snapshot is one memcpy */
	size_t n;
	float *buf;

	s->ld = ld;
	n = state_floats(s);
	if ((buf = mf_big_alloc(n * sizeof(float))) == NULL)
		return err_nomem(e);
	memset(buf, 0, n * sizeof(float));
	s->P = buf;
	s->Q = s->P + s->r->rows * ld;
	s->bu = s->Q + s->r->cols * ld;
	s->bi = s->bu + s->r->rows;
	return 0;
}

static void
state_release(struct mf_state *s)
{
	free(s->P);
	free(s->best);
	s->P = s->Q = s->bu = s->bi = s->best = NULL;
}

/* Both deviates of each Box-Muller pair (rng_normal keeps one): half the logs and sines. */
static void
fill_normal(struct rng *g, float *row, int64_t n, float sd, float *spare, int *have)
{
	for (int64_t f = 0; f < n; f++) {
		double u1, u2, rad;

		if (*have) {
			row[f] = *spare;
			*have = 0;
			continue;
		}
		do
			u1 = rng_uniform(g);
		while (u1 <= 0);
		u2 = rng_uniform(g);
		rad = sqrt(-2 * log(u1));
		row[f] = sd * (float)(rad * cos(2 * M_PI * u2));
		*spare = sd * (float)(rad * sin(2 * M_PI * u2));
		*have = 1;
	}
}

void
mf_state_init_normal(struct mf_state *s, uint64_t seed)
{
	struct rng g;
	float sd = (float)s->p->init_std, spare = 0;
	int have = 0;

	rng_seed(&g, seed);
	for (int64_t u = 0; u < s->r->rows; u++)
		fill_normal(&g, s->P + u * s->ld, s->k, sd, &spare, &have);
	for (int64_t i = 0; i < s->r->cols; i++)
		fill_normal(&g, s->Q + i * s->ld, s->k, sd, &spare, &have);
}

int
mf_state_epoch_end(struct mf_state *s, int epoch, double loss, double lr, double seconds,
    struct err *e)
{
	struct mf_epoch ep;

	s->epochs_run = epoch;
	s->last_loss = loss;
	if (!isfinite(loss)) {
		if (s->p->algo == MF_SGD)
			return err_set(e, EXIT_DATA, "epoch %d: training diverged (the loss is %s); "
			    "try a smaller --lr than %g", epoch, isnan(loss) ? "NaN" : "infinite",
			    s->p->lr);
		return err_set(e, EXIT_DATA, "epoch %d: training diverged (the loss is %s); "
		    "try a larger --reg than %g", epoch, isnan(loss) ? "NaN" : "infinite", s->p->reg);
	}
	ep.epoch = epoch;
	ep.epochs = s->p->algo == MF_SVD ? 1 : s->p->epochs;
	ep.loss = loss;
	ep.lr = lr;
	ep.seconds = seconds;
	ep.val_rmse = NAN;
	if (s->val != NULL)
		ep.val_rmse = score(s->val, s->P, s->Q, s->k, s->ld, s->bu, s->bi, s->mu,
		    s->clip_lo, s->clip_hi);
	if (s->fn != NULL)
		s->fn(s->ctx, &ep);
	if (s->val == NULL)
		return 0;
	if (s->best_epoch == 0 || ep.val_rmse < s->best_rmse) {
		s->best_rmse = ep.val_rmse;
		s->best_epoch = epoch;
		if (s->p->patience > 0) {
			size_t n = state_floats(s);

			if (s->best == NULL && (s->best = malloc(n * sizeof(float))) == NULL)
				return err_nomem(e);
			memcpy(s->best, s->P, n * sizeof(float));
		}
		return 0;
	}
	return s->p->patience > 0 && epoch - s->best_epoch >= s->p->patience;
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
	bad |= set_meta(meta, "feedback", "%s", p->algo == MF_IALS ? "implicit" : "explicit");
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
		break;
	case MF_IALS:
		bad |= set_meta(meta, "reg", "%.9g", p->reg);
		bad |= set_meta(meta, "alpha", "%.9g", p->alpha);
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
	if (p->algo != MF_IALS) {
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
	default:
		rc = mf_svd_train(&s, e);
		break;
	}
	if (rc < 0)
		goto out;
	if (s.best != NULL && s.best_epoch != s.epochs_run)
		memcpy(s.P, s.best, state_floats(&s) * sizeof(float));
	zero_unseen(&s);
	rep->epochs_run = s.epochs_run;
	rep->best_epoch = s.best_epoch ? s.best_epoch : s.epochs_run;
	rep->train_loss = s.last_loss;
	if (val != NULL)
		rep->val_rmse = score(val, s.P, s.Q, s.k, s.ld, s.bu, s.bi, s.mu, s.clip_lo,
		    s.clip_hi);
	rep->seconds = mf_now() - t0;
	rc = fill_model(m, &s, rep, e);
out:
	state_release(&s);
	return rc;
}
