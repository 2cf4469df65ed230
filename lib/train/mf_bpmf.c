/* mf_bpmf.c - Bayesian MF by Gibbs sampling: per-row k x k Cholesky draws, Normal-Wishart hyperpriors */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "base/rng.h"
#include "train/mf_bpmf.h"

/* Rows of the other side gathered per dsyrk call. */
#define BPMF_CHUNK 256
/* The Normal-Wishart hyperprior of both sides: mu0 = 0, beta0, W0 = I, nu0 = d. */
#define BPMF_BETA0 2.0
/* The Gamma(a0, b0) prior of a sampled noise precision. */
#define BPMF_A0 1.0
#define BPMF_B0 1.0

/* One side of the matrix: the rows drawn in a half sweep, and its hyperparameters. */
struct side {
	int64_t n;
	const int64_t *ptr;     /* n + 1 */
	const int32_t *idx;     /* the other side's index of each entry */
	const float *val;
	double *X;              /* n x d, row-major: [factors, bias] of each row */
	double *sum;            /* n x d: the sum of the samples after the burn-in */
	double *hmu, *hlam;     /* hyper mean (d) and precision (d x d, column-major, full) */
	double *hlm;            /* hlam * hmu */
	double *w;              /* n: the rows' noise precision multipliers (all 1: one precision) */
	int64_t rated;          /* rows with at least one rating */
	uint64_t tag;           /* 0 users, 1 items: part of each row's seed */
};

struct bpmf {
	struct mf_state *s;
	int64_t k, d;
	double alpha, mu;
	uint64_t sweep;
	struct side user, item;
	struct side *cur;       /* the side being drawn */
	int hetero;             /* per-user and per-item noise multipliers */
	double *user_sse, *item_sse;
	const double *F;        /* the other side's rows */
	const double *Fw;       /* the other side's noise multipliers */
};

/* One thread's rows of a half sweep, and its scratch. */
struct job {
	struct bpmf *b;
	int64_t lo, hi;
	double *Z, *t, *A, *m, *y;
	int info;
	int64_t bad_row;
};

static uint64_t
row_seed(const struct bpmf *b, uint64_t tag, int64_t row)
{
	return b->s->p->seed * 0x9E3779B97F4A7C15ull + (b->sweep << 33 | tag << 32 | (uint64_t)row);
}

/* x ~ N(m, (L L')^-1) given the Cholesky factor L (column-major, lower): x = m + L'^-1 z. */
static int
draw_gaussian(struct rng *g, int64_t d, const double *L, const double *m, double *y, double *x)
{
	lapack_int info;

	for (int64_t f = 0; f < d; f++)
		y[f] = rng_normal(g);
	info = LAPACKE_dtrtrs_work(LAPACK_COL_MAJOR, 'L', 'T', 'N', (lapack_int)d, 1, L,
	    (lapack_int)d, y, (lapack_int)d);
	if (info != 0)
		return (int)info;
	for (int64_t f = 0; f < d; f++)
		x[f] = m[f] + y[f];
	return 0;
}

/*
 * Row draw: precision A = Lambda + alpha Z'Z, mean A^-1 (Lambda mu + alpha Z't), with
 * z_j = [f_j, 1] and t_j = r_j - mu - (f_j's bias) for each rating j of the row.
 */
static int
draw_row(struct job *j, int64_t row)
{
	struct bpmf *b = j->b;
	const struct side *sd = b->cur;
	int64_t k = b->k, d = b->d;
	double *x = sd->X + row * d;
	struct rng g;
	lapack_int info;

	if (sd->ptr[row + 1] == sd->ptr[row]) {
		memset(x, 0, (size_t)d * sizeof *x);
		return 0;
	}
	memcpy(j->A, sd->hlam, (size_t)(d * d) * sizeof *j->A);
	memcpy(j->m, sd->hlm, (size_t)d * sizeof *j->m);
	for (int64_t at = sd->ptr[row]; at < sd->ptr[row + 1];) {
		int64_t n = 0;

		for (; n < BPMF_CHUNK && at < sd->ptr[row + 1]; n++, at++) {
			const double *fr = b->F + (int64_t)sd->idx[at] * d;
			double sw = sqrt(b->alpha * sd->w[row] * b->Fw[sd->idx[at]]);

			for (int64_t f = 0; f < k; f++)
				j->Z[n * d + f] = sw * fr[f];
			j->Z[n * d + k] = sw;
			j->t[n] = sw * (sd->val[at] - b->mu - fr[k]);
		}
		cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, (int)d, (int)n, 1.0, j->Z,
		    (int)d, 1.0, j->A, (int)d);
		cblas_dgemv(CblasColMajor, CblasNoTrans, (int)d, (int)n, 1.0, j->Z, (int)d, j->t,
		    1, 1.0, j->m, 1);
	}
	info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)d, j->A, (lapack_int)d);
	if (info == 0)
		info = LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', (lapack_int)d, 1, j->A,
		    (lapack_int)d, j->m, (lapack_int)d);
	if (info != 0)
		return (int)info;
	rng_seed(&g, row_seed(b, sd->tag, row));
	return draw_gaussian(&g, d, j->A, j->m, j->y, x);
}

static void *
run_job(void *arg)
{
	struct job *j = arg;

	for (int64_t row = j->lo; row < j->hi; row++) {
		int info = draw_row(j, row);

		if (info != 0 && j->info == 0) {
			j->info = info;
			j->bad_row = row;
		}
	}
	return NULL;
}

/* Draws every row of sd on nt threads (rows split by ratings), the other side's rows F fixed. */
static int
half_sweep(struct bpmf *b, struct side *sd, const struct side *other, struct job *jobs, int nt,
    pthread_t *tid, struct err *e)
{
	int64_t row = 0, total = sd->ptr[sd->n];
	int started = 0;

	b->cur = sd;
	b->F = other->X;
	b->Fw = other->w;
	for (int t = 0; t < nt; t++) {
		int64_t goal = total * (t + 1) / nt;

		jobs[t].lo = row;
		while (row < sd->n && (t == nt - 1 || sd->ptr[row + 1] <= goal))
			row++;
		jobs[t].hi = t == nt - 1 ? sd->n : row;
		jobs[t].info = 0;
	}
	for (; started < nt - 1; started++)
		if (pthread_create(&tid[started], NULL, run_job, &jobs[started + 1]) != 0)
			break;
	run_job(&jobs[0]);
	for (int t = started + 1; t < nt; t++)
		run_job(&jobs[t]);
	for (int t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	for (int t = 0; t < nt; t++)
		if (jobs[t].info != 0)
			return err_set(e, jobs[t].info < 0 ? EXIT_SOFTWARE : EXIT_DATA, "sweep %llu: "
			    "the posterior precision of %s %lld is not positive definite (LAPACK "
			    "info %d)", (unsigned long long)b->sweep, sd->tag ? "item" : "user",
			    (long long)jobs[t].bad_row, jobs[t].info);
	return 0;
}

/*
 * Draws the side's hyperparameters from their Normal-Wishart posterior given its rated rows
 * (Salakhutdinov and Mnih 2008, eq. 14): Lambda ~ W(W*, nu0 + N) by Bartlett's decomposition,
 * mu ~ N(mu*, (beta* Lambda)^-1). w is scratch of 3 d x d + 2 d doubles.
 */
static int
draw_hyper(struct bpmf *b, struct side *sd, double *w, struct err *e)
{
	int64_t d = b->d, N = sd->rated;
	double *W = w, *L = W + d * d, *A = L + d * d, *xbar = A + d * d, *y = xbar + d;
	double beta = BPMF_BETA0 + (double)N, nu = (double)(d + N);
	struct rng g;
	lapack_int info;

	rng_seed(&g, row_seed(b, 2 + sd->tag, 0));
	memset(xbar, 0, (size_t)d * sizeof *xbar);
	for (int64_t r = 0; r < sd->n; r++)
		cblas_daxpy((int)d, 1.0, sd->X + r * d, 1, xbar, 1);
	/* W*^-1 = I + X'X - N xbar xbar' + beta0 N / (beta0 + N) xbar xbar' (mu0 = 0) */
	cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, (int)d, (int)sd->n, 1.0, sd->X,
	    (int)d, 0.0, W, (int)d);
	if (N > 0) {
		cblas_dscal((int)d, 1.0 / (double)N, xbar, 1);
		cblas_dsyr(CblasColMajor, CblasLower, (int)d,
		    -(double)N * (double)N / (BPMF_BETA0 + (double)N), xbar, 1, W, (int)d);
	}
	for (int64_t f = 0; f < d; f++)
		W[f * d + f] += 1;
	info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)d, W, (lapack_int)d);
	if (info == 0)
		info = LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'L', (lapack_int)d, W, (lapack_int)d);
	if (info == 0)
		info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)d, W, (lapack_int)d);
	if (info != 0)
		goto bad;
	/* Bartlett: A lower, A_jj^2 ~ chi2(nu - j), A_ij ~ N(0, 1) below; Lambda = (L A)(L A)' */
	memset(A, 0, (size_t)(d * d) * sizeof *A);
	for (int64_t c = 0; c < d; c++) {
		A[c * d + c] = sqrt(2 * rng_gamma(&g, (nu - (double)c) / 2));
		for (int64_t r = c + 1; r < d; r++)
			A[c * d + r] = rng_normal(&g);
	}
	cblas_dtrmm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)d,
	    (int)d, 1.0, W, (int)d, A, (int)d);
	cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, (int)d, (int)d, 1.0, A, (int)d, 0.0,
	    sd->hlam, (int)d);
	for (int64_t c = 0; c < d; c++)
		for (int64_t r = c + 1; r < d; r++)
			sd->hlam[r * d + c] = sd->hlam[c * d + r];
	/* mu ~ N(N xbar / beta*, (beta* Lambda)^-1) */
	for (int64_t x = 0; x < d * d; x++)
		L[x] = beta * sd->hlam[x];
	info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)d, L, (lapack_int)d);
	if (info != 0)
		goto bad;
	cblas_dscal((int)d, (double)N / beta, xbar, 1);
	if ((info = draw_gaussian(&g, d, L, xbar, y, sd->hmu)) != 0)
		goto bad;
	cblas_dsymv(CblasColMajor, CblasLower, (int)d, 1.0, sd->hlam, (int)d, sd->hmu, 1, 0.0,
	    sd->hlm, 1);
	return 0;
bad:
	return err_set(e, info < 0 ? EXIT_SOFTWARE : EXIT_DATA, "sweep %llu: the %s hyperparameters' "
	    "Wishart scale is not positive definite (LAPACK info %d)", (unsigned long long)b->sweep,
	    sd->tag ? "item" : "user", (int)info);
}

/* The current sample's prediction of (u, i), either unknown (-1): mu plus the known biases. */
static double
predict(const struct bpmf *b, int32_t u, int32_t i)
{
	const double *x = u >= 0 ? b->user.X + (int64_t)u * b->d : NULL;
	const double *y = i >= 0 ? b->item.X + (int64_t)i * b->d : NULL;
	double pred = b->mu + (x ? x[b->k] : 0) + (y ? y[b->k] : 0);

	if (x != NULL && y != NULL)
		pred += cblas_ddot((int)b->k, x, 1, y, 1);
	return pred;
}

/*
 * The squared training errors of the current sample: their sum (returned), the sum weighted
 * by the multipliers in *wsse, and each side's weighted sums in user.sse / item.sse
 * (e^2 times the other side's multiplier).
 */
static double
train_sse(struct bpmf *b, double *wsse)
{
	const struct ratings *r = b->s->r;
	double sse = 0, ws = 0;

	if (b->hetero) {
		memset(b->user_sse, 0, (size_t)r->rows * sizeof *b->user_sse);
		memset(b->item_sse, 0, (size_t)r->cols * sizeof *b->item_sse);
	}
	for (int64_t u = 0; u < r->rows; u++)
		for (int64_t x = r->indptr[u]; x < r->indptr[u + 1]; x++) {
			int32_t i = r->indices[x];
			double err = r->values[x] - predict(b, (int32_t)u, i), e2 = err * err;

			sse += e2;
			if (b->hetero) {
				b->user_sse[u] += e2 * b->item.w[i];
				b->item_sse[i] += e2 * b->user.w[u];
				ws += e2 * b->user.w[u] * b->item.w[i];
			}
		}
	if (wsse != NULL)
		*wsse = b->hetero ? ws : sse;
	return sse;
}

/*
 * Heteroscedastic noise: the precision of r_ui is alpha w_u w_i with w ~ Gamma(a, a); given
 * the errors, w_u ~ Gamma(a + n_u / 2, a + alpha sum_i w_i e_ui^2 / 2), then the items' with
 * the new users' (their sums recomputed), then alpha by the caller.
 */
static double
draw_multipliers(struct bpmf *b, struct rng *g)
{
	const struct ratings *r = b->s->r;
	double a = b->s->p->noise_shape, ws = 0;

	for (int64_t u = 0; u < r->rows; u++) {
		int64_t n = r->indptr[u + 1] - r->indptr[u];

		b->user.w[u] = n == 0 ? 1 : rng_gamma(g, a + (double)n / 2) /
		    (a + b->alpha * b->user_sse[u] / 2);
	}
	memset(b->item_sse, 0, (size_t)r->cols * sizeof *b->item_sse);
	for (int64_t u = 0; u < r->rows; u++)
		for (int64_t x = r->indptr[u]; x < r->indptr[u + 1]; x++) {
			double err = r->values[x] - predict(b, (int32_t)u, r->indices[x]);

			b->item_sse[r->indices[x]] += err * err * b->user.w[u];
		}
	for (int64_t i = 0; i < r->cols; i++) {
		int64_t n = b->item.ptr[i + 1] - b->item.ptr[i];

		b->item.w[i] = n == 0 ? 1 : rng_gamma(g, a + (double)n / 2) /
		    (a + b->alpha * b->item_sse[i] / 2);
		ws += b->item_sse[i] * b->item.w[i];
	}
	return ws;
}

/* Adds the sample's validation predictions to vsum; returns the RMSE of their average over n. */
static double
val_average(const struct bpmf *b, double *vsum, double n)
{
	const struct mf_valset *v = b->s->val;
	double lo = b->s->clip_lo, hi = b->s->clip_hi, sse = 0;

	for (int64_t x = 0; x < v->n; x++) {
		double pred;

		vsum[x] += predict(b, v->u[x], v->i[x]);
		pred = vsum[x] / n;
		if (hi > lo)
			pred = pred < lo ? lo : pred > hi ? hi : pred;
		sse += (pred - v->r[x]) * (pred - v->r[x]);
	}
	return v->n > 0 ? sqrt(sse / (double)v->n) : 0;
}

/* Puts the current sample side by side in slot `slot` of the model (of `of`). */
static void
keep_sample(struct mf_state *s, const struct side *sd, float *out, float *bias, int64_t k,
    int slot, int of)
{
	float scale = (float)(1 / sqrt((double)of));

	for (int64_t r = 0; r < sd->n; r++) {
		const double *x = sd->X + r * (k + 1);

		for (int64_t f = 0; f < k; f++)
			out[r * s->ld + slot * k + f] = (float)x[f] * scale;
		bias[r] += (float)(x[k] / of);
	}
}

/* The posterior means (sum / n) as the model's factors and biases. */
static void
keep_mean(struct mf_state *s, const struct side *sd, float *out, float *bias, int64_t k, double n)
{
	for (int64_t r = 0; r < sd->n; r++) {
		const double *x = sd->sum + r * (k + 1);

		for (int64_t f = 0; f < k; f++)
			out[r * s->ld + f] = (float)(x[f] / n);
		bias[r] = (float)(x[k] / n);
	}
}

static int
side_alloc(struct side *sd, int64_t n, int64_t d, const int64_t *ptr, const int32_t *idx,
    const float *val, uint64_t tag)
{
	sd->n = n;
	sd->ptr = ptr;
	sd->idx = idx;
	sd->val = val;
	sd->tag = tag;
	sd->X = calloc((size_t)(n * d) + 1, sizeof *sd->X);
	sd->sum = calloc((size_t)(n * d) + 1, sizeof *sd->sum);
	sd->hmu = calloc((size_t)(d * d + 2 * d), sizeof *sd->hmu);
	sd->w = malloc(((size_t)n + 1) * sizeof *sd->w);
	if (!sd->X || !sd->sum || !sd->hmu || !sd->w)
		return -1;
	for (int64_t r = 0; r < n; r++)
		sd->w[r] = 1;
	sd->hlm = sd->hmu + d;
	sd->hlam = sd->hlm + d;
	for (int64_t r = 0; r < n; r++)
		sd->rated += ptr[r + 1] > ptr[r];
	return 0;
}

static void
side_free(struct side *sd)
{
	free(sd->X);
	free(sd->sum);
	free(sd->hmu);
	free(sd->w);
}

/* The initial rows: N(0, init_std) factors (as the other algorithms', by seed), zero biases. */
static void
init_rows(struct bpmf *b)
{
	struct mf_state *s = b->s;

	mf_state_init_normal(s, s->p->seed);
	for (int64_t u = 0; u < s->r->rows; u++)
		for (int64_t f = 0; f < b->k; f++)
			b->user.X[u * b->d + f] = s->P[u * s->ld + f];
	for (int64_t i = 0; i < s->r->cols; i++)
		for (int64_t f = 0; f < b->k; f++)
			b->item.X[i * b->d + f] = s->Q[i * s->ld + f];
	memset(s->P, 0, mf_state_floats(s) * sizeof(float));
}

/* One Gibbs sweep: the user hyperparameters and rows, then the items', then the noise. */
static int
sweep(struct bpmf *b, struct job *jobs, int nt, pthread_t *tid, double *w, double *sse,
    struct err *e)
{
	const struct mf_params *p = b->s->p;

	if (draw_hyper(b, &b->user, w, e) < 0 ||
	    half_sweep(b, &b->user, &b->item, jobs, nt, tid, e) < 0 ||
	    draw_hyper(b, &b->item, w, e) < 0 ||
	    half_sweep(b, &b->item, &b->user, jobs, nt, tid, e) < 0)
		return -1;
	double wsse;
	struct rng g;

	*sse = train_sse(b, &wsse);
	rng_seed(&g, row_seed(b, 4, 0));
	if (b->hetero)
		wsse = draw_multipliers(b, &g);
	if (p->alpha <= 0)
		b->alpha = rng_gamma(&g, BPMF_A0 + (double)b->s->r->nnz / 2) /
		    (BPMF_B0 + wsse / 2);
	return 0;
}

int
mf_bpmf_train(struct mf_state *s, struct err *e)
{
	const struct mf_params *p = s->p;
	const struct ratings *r = s->r;
	struct bpmf b;
	struct mf_csc c;
	struct job *jobs = NULL;
	pthread_t *tid = NULL;
	double *w = NULL, *vsum = NULL, sse;
	int nt = mf_threads(p), rc = -1, blas_threads = openblas_get_num_threads(), kept = 0;
	int64_t k = p->k, K = p->samples > 0 ? k * p->samples : k, d = k + 1;
	int T = p->epochs - p->burn_in;
	double need = (double)(r->rows + r->cols) * ((double)K * 4 + (double)d * 16);

	if (need > p->max_memory_mb * 1024 * 1024)
		return err_set(e, EXIT_USAGE, "--algo=bpmf: %d samples of %lld factors for %lld "
		    "users and %lld items need %.0f MB, over --max-memory %.0f MB", p->samples,
		    (long long)k, (long long)r->rows, (long long)r->cols, need / 1048576,
		    p->max_memory_mb);
	memset(&b, 0, sizeof b);
	memset(&c, 0, sizeof c);
	b.s = s;
	b.k = k;
	b.d = d;
	b.mu = s->mu;
	s->k = K;
	if (mf_state_alloc(s, K, e) < 0)
		return -1;
	jobs = calloc((size_t)nt, sizeof *jobs);
	tid = calloc((size_t)nt, sizeof *tid);
	w = malloc((size_t)(3 * d * d + 2 * d) * sizeof *w);
	if (s->val != NULL)
		vsum = calloc((size_t)s->val->n + 1, sizeof *vsum);
	if (!jobs || !tid || !w || (s->val != NULL && !vsum) || mf_csc_build(r, &c) < 0 ||
	    side_alloc(&b.user, r->rows, d, r->indptr, r->indices, r->values, 0) < 0 ||
	    side_alloc(&b.item, r->cols, d, c.ptr, c.idx, c.val, 1) < 0)
		goto nomem;
	for (int t = 0; t < nt; t++) {
		struct job *j = &jobs[t];

		j->b = &b;
		j->Z = malloc((size_t)(BPMF_CHUNK * d + BPMF_CHUNK + d * d + 2 * d) * sizeof *j->Z);
		if (j->Z == NULL)
			goto nomem;
		j->t = j->Z + BPMF_CHUNK * d;
		j->A = j->t + BPMF_CHUNK;
		j->m = j->A + d * d;
		j->y = j->m + d;
	}
	init_rows(&b);
	b.hetero = p->noise_shape > 0;
	if (b.hetero && (!(b.user_sse = calloc((size_t)r->rows + 1, sizeof *b.user_sse)) ||
	    !(b.item_sse = calloc((size_t)r->cols + 1, sizeof *b.item_sse))))
		goto nomem;
	b.alpha = p->alpha > 0 ? p->alpha : (BPMF_A0 + (double)r->nnz / 2) /
	    (BPMF_B0 + train_sse(&b, NULL) / 2);
	/* every BLAS call here is small (k + 1 square): OpenBLAS threads would only spin */
	openblas_set_num_threads(1);
	for (int ep = 1; ep <= p->epochs; ep++) {
		double t0 = mf_now();
		int t = ep - p->burn_in;

		b.sweep = (uint64_t)ep;
		if (sweep(&b, jobs, nt, tid, w, &sse, e) < 0)
			goto out;
		if (t > 0) {
			cblas_daxpy((int)(r->rows * d), 1.0, b.user.X, 1, b.user.sum, 1);
			cblas_daxpy((int)(r->cols * d), 1.0, b.item.X, 1, b.item.sum, 1);
			if (p->samples > 0 && (int64_t)t * p->samples / T >
			    (int64_t)(t - 1) * p->samples / T) {
				keep_sample(s, &b.user, s->P, s->bu, k, kept, p->samples);
				keep_sample(s, &b.item, s->Q, s->bi, k, kept, p->samples);
				kept++;
			}
		}
		if (s->val != NULL) {
			if (t <= 1)     /* a burn-in sweep shows its own sample's RMSE */
				memset(vsum, 0, (size_t)s->val->n * sizeof *vsum);
			s->val_given = 1;
			s->val_rmse = val_average(&b, vsum, t > 0 ? t : 1);
		}
		if (mf_state_epoch_end(s, ep, sqrt(sse / (double)r->nnz), 0, mf_now() - t0,
		    e) < 0)
			goto out;
	}
	if (p->samples == 0) {
		keep_mean(s, &b.user, s->P, s->bu, k, T);
		keep_mean(s, &b.item, s->Q, s->bi, k, T);
	}
	s->val_given = 0;
	rc = 0;
	goto out;
nomem:
	err_nomem(e);
out:
	openblas_set_num_threads(blas_threads);
	for (int t = 0; jobs != NULL && t < nt; t++)
		free(jobs[t].Z);
	free(jobs);
	free(tid);
	free(w);
	free(vsum);
	free(b.user_sse);
	free(b.item_sse);
	side_free(&b.user);
	side_free(&b.item);
	mf_csc_free(&c);
	return rc;
}
