/* mfstate.c - the training state the factorisations share: factors, validation scoring, epochs */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include "base/exitcode.h"
#include "base/rng.h"
#include "train/mfstate.h"

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

double
mf_valset_rmse(const struct mf_valset *v, const float *P, const float *Q, int64_t k, int64_t ld,
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
mf_state_rmse(const struct mf_state *s, const struct mf_valset *v)
{
	return mf_valset_rmse(v, s->P, s->Q, s->k, s->ld, s->bu, s->bi, s->mu, s->clip_lo,
	    s->clip_hi);
}

int
mf_csc_build(const struct ratings *r, struct mf_csc *c)
{
	int64_t *fill;

	c->ptr = calloc((size_t)r->cols + 1, sizeof *c->ptr);
	c->idx = malloc(((size_t)r->nnz + 1) * sizeof *c->idx);
	c->val = malloc(((size_t)r->nnz + 1) * sizeof *c->val);
	fill = calloc((size_t)r->cols + 1, sizeof *fill);
	if (!c->ptr || !c->idx || !c->val || !fill) {
		free(fill);
		return -1;
	}
	for (int64_t x = 0; x < r->nnz; x++)
		c->ptr[r->indices[x] + 1]++;
	for (int64_t i = 0; i < r->cols; i++)
		c->ptr[i + 1] += c->ptr[i];
	for (int64_t u = 0; u < r->rows; u++)
		for (int64_t x = r->indptr[u]; x < r->indptr[u + 1]; x++) {
			int32_t i = r->indices[x];
			int64_t at = c->ptr[i] + fill[i]++;

			c->idx[at] = (int32_t)u;
			c->val[at] = r->values[x];
		}
	free(fill);
	return 0;
}

void
mf_csc_free(struct mf_csc *c)
{
	free(c->ptr);
	free(c->idx);
	free(c->val);
	c->ptr = NULL;
	c->idx = NULL;
	c->val = NULL;
}

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

size_t
mf_state_floats(const struct mf_state *s)
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
	n = mf_state_floats(s);
	if ((buf = mf_big_alloc(n * sizeof(float))) == NULL)
		return err_nomem(e);
	memset(buf, 0, n * sizeof(float));
	s->P = buf;
	s->Q = s->P + s->r->rows * ld;
	s->bu = s->Q + s->r->cols * ld;
	s->bi = s->bu + s->r->rows;
	return 0;
}

void
mf_state_release(struct mf_state *s)
{
	free(s->P);
	free(s->best);
	s->P = s->Q = s->bu = s->bi = s->best = NULL;
}

void
mf_state_keep_best(struct mf_state *s)
{
	if (s->best != NULL && s->best_epoch != s->epochs_run)
		memcpy(s->P, s->best, mf_state_floats(s) * sizeof(float));
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
		ep.val_rmse = s->val_given ? s->val_rmse : mf_state_rmse(s, s->val);
	if (s->fn != NULL)
		s->fn(s->ctx, &ep);
	if (s->val == NULL)
		return 0;
	if (s->best_epoch == 0 || ep.val_rmse < s->best_rmse) {
		s->best_rmse = ep.val_rmse;
		s->best_epoch = epoch;
		if (s->p->patience > 0) {
			size_t n = mf_state_floats(s);

			if (s->best == NULL && (s->best = malloc(n * sizeof(float))) == NULL)
				return err_nomem(e);
			memcpy(s->best, s->P, n * sizeof(float));
		}
		return 0;
	}
	return s->p->patience > 0 && epoch - s->best_epoch >= s->p->patience;
}
