/* mf_sgd.c - biased matrix factorization by parallel block SGD (a DSGD/LIBMF-style grid) */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "train/mf_sgd.h"
#include "base/rng.h"

/* Factor rows are padded to a multiple of this many floats so the kernels vectorise fully. */
#define SGD_LANES 16
/* How many ratings ahead the factor rows are prefetched. */
#define SGD_AHEAD 4

struct sgd_entry {
	int32_t u, i;
	float r;
};

/* The ratings of one user inside one block (consecutive in the block). */
struct sgd_seg {
	int64_t off, n;
};

/*
 * The ratings are split into an nb x nb grid of blocks by user group and item
 * group. A stratum {(a, (a + off) % nb) : a < nb} holds nb blocks that share no
 * user and no item, so its blocks can be updated in parallel without locks;
 * an epoch visits the nb strata in a seeded random order. Each block is
 * shuffled with its own seeded generator, so the result depends on the seed and
 * the grid only, never on which thread ran which block.
 */
struct sgd {
	struct mf_state *s;
	int nb, nthreads;
	struct sgd_entry *data;
	int64_t *boff;          /* nb * nb + 1: block a * nb + b is data[boff[.] .. boff[.+1]) */
	struct sgd_seg *seg;    /* the user segments of every block */
	int64_t *soff;          /* nb * nb + 1: block b's segments are seg[soff[b] .. soff[b+1]) */
	double *bsse;           /* squared error of each block in this epoch */
	int *order;             /* the strata offsets in this epoch's order */
	atomic_int *next;       /* per stratum: the next row group to claim */
	/* a barrier between strata for however many workers could be started */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int nworkers, waiting, go;
	unsigned gen;
	int epoch;
	float lr, reg, reg_b;
};

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define SGD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SGD_CLONES
#endif

/*
 * One pass over a block, segment by segment in the given order; returns the
 * sum of squared errors (each before its update). A cursor SGD_AHEAD ratings
 * ahead, across segment boundaries, prefetches the factor rows to come so
 * that their cache misses overlap the current rating's work.
 */
SGD_CLONES static double
sgd_pass(const struct sgd_entry *restrict data, const struct sgd_seg *sg, int64_t ns,
    float *restrict P, float *restrict Q, float *restrict bu, float *restrict bi, int64_t ld,
    float mu, float lr, float reg, float reg_b)
{
	double sse = 0;
	int64_t as = 0, ao = 0;         /* the prefetch cursor: segment, offset */

	for (int k = 0; k < SGD_AHEAD && as < ns; k++)
		if (++ao >= sg[as].n) {
			as++;
			ao = 0;
		}
	for (int64_t sx = 0; sx < ns; sx++)
	for (int64_t x = sg[sx].off; x < sg[sx].off + sg[sx].n; x++) {
		const struct sgd_entry *d = data + x;
		float *restrict p = P + (int64_t)d->u * ld;
		float *restrict q = Q + (int64_t)d->i * ld;
		float acc[SGD_LANES] = { 0 }, dot, err, *b1 = bu + d->u, *b2 = bi + d->i;

		if (as < ns) {
			const struct sgd_entry *nd = data + sg[as].off + ao;
			const char *np = (const char *)(P + (int64_t)nd->u * ld);
			const char *nq = (const char *)(Q + (int64_t)nd->i * ld);

			for (int64_t c = 0; c < ld * (int64_t)sizeof(float); c += 64) {
				__builtin_prefetch(np + c, 1);
				__builtin_prefetch(nq + c, 1);
			}
			if (++ao >= sg[as].n) {
				as++;
				ao = 0;
			}
		}
		for (int64_t f = 0; f < ld; f += SGD_LANES)
			for (int j = 0; j < SGD_LANES; j++)
				acc[j] += p[f + j] * q[f + j];
		/* a tree, not a chain: 4 dependent adds instead of 16 */
		for (int w = SGD_LANES / 2; w > 0; w /= 2)
			for (int j = 0; j < w; j++)
				acc[j] += acc[j + w];
		dot = acc[0];
		err = d->r - (mu + *b1 + *b2 + dot);
		sse += (double)err * err;
		*b1 += lr * (err - reg_b * *b1);
		*b2 += lr * (err - reg_b * *b2);
		for (int64_t f = 0; f < ld; f += SGD_LANES)
			for (int j = 0; j < SGD_LANES; j++) {
				float pf = p[f + j], qf = q[f + j];

				p[f + j] = pf + lr * (err * qf - reg * pf);
				q[f + j] = qf + lr * (err * pf - reg * qf);
			}
	}
	return sse;
}

static void
shuffle(struct sgd_entry *d, int64_t n, struct rng *g)
{
	for (int64_t x = n - 1; x > 0; x--) {
		/* multiply-shift: a bias below 2^-30 for any block size we can hold */
		int64_t y = (int64_t)(((unsigned __int128)rng_next(g) * (uint64_t)(x + 1)) >> 64);
		struct sgd_entry t = d[x];

		d[x] = d[y];
		d[y] = t;
	}
}

static void
shuffle_seg(struct sgd_seg *d, int64_t n, struct rng *g)
{
	for (int64_t x = n - 1; x > 0; x--) {
		int64_t y = (int64_t)(((unsigned __int128)rng_next(g) * (uint64_t)(x + 1)) >> 64);
		struct sgd_seg t = d[x];

		d[x] = d[y];
		d[y] = t;
	}
}

static uint64_t
block_seed(uint64_t seed, int epoch, int block)
{
	return seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(1 + (uint64_t)epoch * 65537u + (uint64_t)block));
}

/*
 * One block in this epoch's order: its user segments shuffled, and each
 * segment's ratings shuffled in place. A user's ratings in a block stay
 * together, so its factor row is fetched once per segment, not per rating.
 */
static void
run_block(struct sgd *g, int a, int b)
{
	struct mf_state *s = g->s;
	int blk = a * g->nb + b;
	struct sgd_seg *sg = g->seg + g->soff[blk];
	int64_t ns = g->soff[blk + 1] - g->soff[blk];
	struct rng r;

	rng_seed(&r, block_seed(s->p->seed, g->epoch, blk));
	shuffle_seg(sg, ns, &r);
	for (int64_t x = 0; x < ns; x++)
		shuffle(g->data + sg[x].off, sg[x].n, &r);
	g->bsse[blk] = sgd_pass(g->data, sg, ns, s->P, s->Q, s->bu, s->bi, s->ld, s->mu, g->lr,
	    g->reg, g->reg_b);
}

static void
barrier_wait(struct sgd *g)
{
	pthread_mutex_lock(&g->mu);
	if (++g->waiting == g->nworkers) {
		g->waiting = 0;
		g->gen++;
		pthread_cond_broadcast(&g->cv);
	} else {
		unsigned gen = g->gen;

		while (gen == g->gen)
			pthread_cond_wait(&g->cv, &g->mu);
	}
	pthread_mutex_unlock(&g->mu);
}

static void *
worker(void *arg)
{
	struct sgd *g = arg;

	pthread_mutex_lock(&g->mu);
	while (!g->go)
		pthread_cond_wait(&g->cv, &g->mu);
	pthread_mutex_unlock(&g->mu);
	for (int t = 0; t < g->nb; t++) {
		int a;

		while ((a = atomic_fetch_add(&g->next[t], 1)) < g->nb)
			run_block(g, a, (a + g->order[t]) % g->nb);
		if (g->nworkers > 1)
			barrier_wait(g);
	}
	return NULL;
}

/*
 * Runs one epoch on the calling thread and nthreads - 1 more. Blocks are
 * claimed dynamically, so fewer workers (when a thread cannot be started)
 * give the same model, only slower.
 */
static void
run_epoch(struct sgd *g, pthread_t *tid)
{
	int started = 0;

	g->go = 0;
	g->waiting = 0;
	for (; started < g->nthreads - 1; started++)
		if (pthread_create(&tid[started], NULL, worker, g) != 0)
			break;
	pthread_mutex_lock(&g->mu);
	g->nworkers = started + 1;
	g->go = 1;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	worker(g);
	for (int t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
}

/* Assigns each of n rows (with counts cnt) to one of nb groups of about equal ratings, at random. */
static int
partition(int64_t n, const int64_t *cnt, int64_t total, int nb, struct rng *r, int *group)
{
	int64_t *perm = malloc(((size_t)n + 1) * sizeof *perm), cum = 0;

	if (perm == NULL)
		return -1;
	for (int64_t x = 0; x < n; x++)
		perm[x] = x;
	rng_shuffle(r, perm, (uint64_t)n, sizeof *perm);
	for (int64_t x = 0; x < n; x++) {
		int gi = (int)((double)cum * nb / (double)total);

		group[perm[x]] = gi < nb ? gi : nb - 1;
		cum += cnt[perm[x]];
	}
	free(perm);
	return 0;
}

static int
build_grid(struct sgd *g, struct err *e)
{
	const struct ratings *r = g->s->r;
	int nb = g->nb, rc = -1;
	int *ug = malloc(((size_t)r->rows + 1) * sizeof *ug);
	int *ig = malloc(((size_t)r->cols + 1) * sizeof *ig);
	int64_t *ucnt = malloc(((size_t)r->rows + 1) * sizeof *ucnt);
	int64_t *icnt = calloc((size_t)r->cols + 1, sizeof *icnt);
	int64_t *fill = calloc((size_t)nb * nb + 1, sizeof *fill);
	struct rng rg;

	g->boff = calloc((size_t)nb * nb + 1, sizeof *g->boff);
	g->data = mf_big_alloc(((size_t)r->nnz + 1) * sizeof *g->data);
	if (!ug || !ig || !ucnt || !icnt || !fill || !g->boff || !g->data) {
		err_nomem(e);
		goto out;
	}
	for (int64_t u = 0; u < r->rows; u++)
		ucnt[u] = r->indptr[u + 1] - r->indptr[u];
	for (int64_t x = 0; x < r->nnz; x++)
		icnt[r->indices[x]]++;
	rng_seed(&rg, g->s->p->seed ^ 0x5851f42d4c957f2dULL);
	if (partition(r->rows, ucnt, r->nnz, nb, &rg, ug) < 0 ||
	    partition(r->cols, icnt, r->nnz, nb, &rg, ig) < 0) {
		err_nomem(e);
		goto out;
	}
	for (int64_t u = 0; u < r->rows; u++)
		for (int64_t x = r->indptr[u]; x < r->indptr[u + 1]; x++)
			g->boff[ug[u] * nb + ig[r->indices[x]] + 1]++;
	for (int b = 0; b < nb * nb; b++)
		g->boff[b + 1] += g->boff[b];
	for (int64_t u = 0; u < r->rows; u++)
		for (int64_t x = r->indptr[u]; x < r->indptr[u + 1]; x++) {
			int b = ug[u] * nb + ig[r->indices[x]];
			struct sgd_entry *d = g->data + g->boff[b] + fill[b]++;

			d->u = (int32_t)u;
			d->i = r->indices[x];
			d->r = r->values[x];
		}
	/* blocks were filled row by row: each user's ratings in a block are consecutive */
	{
		int64_t nseg = 0;
		g->soff = calloc((size_t)nb * nb + 1, sizeof *g->soff);
		for (int b = 0; b < nb * nb; b++) {
			for (int64_t x = g->boff[b]; x < g->boff[b + 1]; x++)
				nseg += x == g->boff[b] || g->data[x].u != g->data[x - 1].u;
		}
		g->seg = malloc(((size_t)nseg + 1) * sizeof *g->seg);
		nseg = 0;
		for (int b = 0; b < nb * nb; b++) {
			g->soff[b] = nseg;
			for (int64_t x = g->boff[b]; x < g->boff[b + 1]; x++) {
				if (x == g->boff[b] || g->data[x].u != g->data[x - 1].u) {
					g->seg[nseg].off = x;
					g->seg[nseg++].n = 0;
				}
				g->seg[nseg - 1].n++;
			}
		}
		g->soff[nb * nb] = nseg;
	}
	rc = 0;
out:
	free(ug);
	free(ig);
	free(ucnt);
	free(icnt);
	free(fill);
	return rc;
}

int
mf_sgd_train(struct mf_state *s, struct err *e)
{
	const struct mf_params *p = s->p;
	struct sgd g;
	pthread_t *tid = NULL;
	struct rng ro;
	int rc = -1, sync = 0;
	float lr = (float)p->lr;

	memset(&g, 0, sizeof g);
	g.s = s;
	g.nthreads = mf_threads(p);
	/* one thread: one block, a plain shuffled SGD; else 2T x 2T blocks so that T threads
	 * stay busy even when the blocks of a stratum differ in size */
	g.nb = g.nthreads == 1 ? 1 : 2 * g.nthreads;
	if (mf_state_alloc(s, (s->k + SGD_LANES - 1) / SGD_LANES * SGD_LANES, e) < 0)
		return -1;
	mf_state_init_normal(s, p->seed);
	g.bsse = calloc((size_t)g.nb * g.nb, sizeof *g.bsse);
	g.order = calloc((size_t)g.nb, sizeof *g.order);
	g.next = calloc((size_t)g.nb, sizeof *g.next);
	tid = calloc((size_t)g.nthreads, sizeof *tid);
	if (!g.bsse || !g.order || !g.next || !tid) {
		err_nomem(e);
		goto out;
	}
	if (build_grid(&g, e) < 0)
		goto out;
	if (pthread_mutex_init(&g.mu, NULL) != 0)
		goto nothreads;
	if (pthread_cond_init(&g.cv, NULL) != 0) {
		pthread_mutex_destroy(&g.mu);
		goto nothreads;
	}
	sync = 1;
	g.reg = (float)p->reg;
	g.reg_b = (float)p->reg_bias;
	rng_seed(&ro, p->seed ^ 0xda942042e4dd58b5ULL);
	for (int ep = 1; ep <= p->epochs; ep++) {
		double t0 = mf_now(), sse = 0;
		int st;

		g.epoch = ep;
		g.lr = lr;
		for (int t = 0; t < g.nb; t++) {
			g.order[t] = t;
			atomic_init(&g.next[t], 0);
		}
		rng_shuffle(&ro, g.order, (uint64_t)g.nb, sizeof *g.order);
		run_epoch(&g, tid);
		for (int b = 0; b < g.nb * g.nb; b++)
			sse += g.bsse[b];
		st = mf_state_epoch_end(s, ep, sqrt(sse / (double)s->r->nnz), lr, mf_now() - t0, e);
		if (st < 0)
			goto out;
		if (st > 0)
			break;
		lr *= (float)p->lr_decay;
	}
	rc = 0;
	goto out;
nothreads:
	err_set(e, EXIT_OSERR, "cannot create a mutex");
out:
	if (sync) {
		pthread_cond_destroy(&g.cv);
		pthread_mutex_destroy(&g.mu);
	}
	free(tid);
	free(g.bsse);
	free(g.order);
	free(g.next);
	free(g.data);
	free(g.boff);
	free(g.seg);
	free(g.soff);
	return rc;
}
