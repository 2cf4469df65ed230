/* mf_als.c - alternating least squares: explicit (weighted-lambda, with biases) and implicit (iALS) */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "train/mf_als.h"

/* Rows gathered per ssyrk call: bounds the per-thread scratch for very popular items. */
#define ALS_CHUNK 512

/* The matrix seen from one side: rows are the entities being solved for. */
struct side {
	int64_t n;              /* rows */
	const int64_t *ptr;     /* n + 1 */
	const int32_t *idx;     /* the other side's index of each entry */
	const float *val;
};

struct als;

/* One thread's share of a half sweep and its scratch. */
struct als_job {
	struct als *a;
	int64_t lo, hi;         /* rows solved by this job */
	float *X, *X2, *y, *A, *b;
	float *r, *p, *Ap;      /* cg: residual, direction, A times direction */
	int info;               /* first sposv failure (> 0), or 0 */
	int64_t bad_row;
};

struct als {
	struct mf_state *s;
	int implicit;
	int64_t k, d;           /* d: the size of each solve (k + 1 explicit, k implicit) */
	/* the half sweep in progress */
	struct side side;
	float *X_out, *b_out;   /* rows and biases being solved for */
	const float *F, *fb;    /* the fixed side's factors and biases */
	const float *G;         /* implicit: F'F (k x k) */
	float reg, reg_b, alpha, mu;
};

/*
 * Explicit row: minimise sum_j (r_j - mu - fb_j - [x, b] . [F_j, 1])^2
 * + reg * n * |x|^2 + reg_b * b^2: the normal equations of the rows
 * gathered in chunks, ssyrk for the Gram matrix, sgemv for the right side.
 * The factors take the weighted-lambda penalty (Zhou et al. 2008), the bias
 * a fixed one: reg_b * n * b^2 would shrink every bias by the same factor
 * 1 / (1 + reg_b), so an item rated once with a 5 kept a bias of about
 * 5 - mu and topped every list; a fixed reg_b shrinks a bias by
 * n / (n + reg_b), strongly for rows with few ratings and hardly for the rest.
 */
static int
solve_explicit(struct als_job *j, int64_t row)
{
	struct als *a = j->a;
	const struct side *sd = &a->side;
	int64_t k = a->k, d = a->d, n = sd->ptr[row + 1] - sd->ptr[row];
	float *out = a->X_out + row * a->s->ld;
	int info;

	if (n == 0) {
		memset(out, 0, (size_t)k * sizeof *out);
		a->b_out[row] = 0;
		return 0;
	}
	for (int64_t at = sd->ptr[row], first = 1; at < sd->ptr[row + 1]; first = 0) {
		int64_t m = 0;

		for (; m < ALS_CHUNK && at < sd->ptr[row + 1]; m++, at++) {
			int32_t c = sd->idx[at];

			memcpy(j->X + m * d, a->F + c * a->s->ld, (size_t)k * sizeof(float));
			j->X[m * d + k] = 1;
			j->y[m] = sd->val[at] - a->mu - a->fb[c];
		}
		cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)m, 1.0f, j->X,
		    (int)d, first ? 0.0f : 1.0f, j->A, (int)d);
		cblas_sgemv(CblasRowMajor, CblasTrans, (int)m, (int)d, 1.0f, j->X, (int)d, j->y, 1,
		    first ? 0.0f : 1.0f, j->b, 1);
	}
	for (int64_t f = 0; f < k; f++)
		j->A[f * d + f] += a->reg * (float)n;
	/* a tiny floor keeps the bias equation definite when reg_b is 0 */
	j->A[k * d + k] += a->reg_b + 1e-6f;
	info = LAPACKE_sposv(LAPACK_ROW_MAJOR, 'U', (lapack_int)d, 1, j->A, (lapack_int)d, j->b, 1);
	if (info != 0)
		return info;
	memcpy(out, j->b, (size_t)k * sizeof *out);
	a->b_out[row] = j->b[k];
	return 0;
}

/*
 * Implicit row (Hu, Koren, Volinsky 2008): (F'F + F'(C - I)F + reg I) x = F' C p
 * with p = 1 and c = 1 + alpha * r on the observed entries only; F'F is
 * precomputed once per half sweep, so the cost grows with the non-zeros.
 */
static int
solve_implicit(struct als_job *j, int64_t row)
{
	struct als *a = j->a;
	const struct side *sd = &a->side;
	int64_t k = a->k;
	float *out = a->X_out + row * a->s->ld;
	int info;

	memcpy(j->A, a->G, (size_t)(k * k) * sizeof(float));
	memset(j->b, 0, (size_t)k * sizeof(float));
	for (int64_t at = sd->ptr[row]; at < sd->ptr[row + 1];) {
		int64_t m = 0;

		for (; m < ALS_CHUNK && at < sd->ptr[row + 1]; m++, at++) {
			const float *fr = a->F + sd->idx[at] * a->s->ld;
			float c = 1 + a->alpha * sd->val[at], w = sqrtf(c - 1);

			for (int64_t f = 0; f < k; f++) {
				j->X[m * k + f] = w * fr[f];
				j->X2[m * k + f] = fr[f];
			}
			j->y[m] = c;
		}
		cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)k, (int)m, 1.0f, j->X,
		    (int)k, 1.0f, j->A, (int)k);
		cblas_sgemv(CblasRowMajor, CblasTrans, (int)m, (int)k, 1.0f, j->X2, (int)k, j->y, 1,
		    1.0f, j->b, 1);
	}
	for (int64_t f = 0; f < k; f++)
		j->A[f * k + f] += a->reg;
	info = LAPACKE_sposv(LAPACK_ROW_MAJOR, 'U', (lapack_int)k, 1, j->A, (lapack_int)k, j->b, 1);
	if (info != 0)
		return info;
	memcpy(out, j->b, (size_t)k * sizeof *out);
	return 0;
}

/* y += (F'(C - I)F) v over the row's entries: sum_j (c_j - 1) (f_j . v) f_j. */
static void
add_confident(const struct als *a, int64_t row, const float *v, float *y)
{
	const struct side *sd = &a->side;
	int k = (int)a->k;

	for (int64_t at = sd->ptr[row]; at < sd->ptr[row + 1]; at++) {
		const float *fr = a->F + sd->idx[at] * a->s->ld;
		float w = a->alpha * sd->val[at] * cblas_sdot(k, fr, 1, v, 1);

		cblas_saxpy(k, w, fr, 1, y, 1);
	}
}

/*
 * Implicit row by conjugate gradient (Takacs, Pilaszy and Tikk 2011, as the
 * implicit library does): a few CG steps on the same normal equations,
 * warm-started from the row's current factors, so each step costs k^2 for
 * G p plus k per observed entry and never forms or factors the k x k matrix.
 * r = b - A x = sum_j (c_j - (c_j - 1) f_j.x) f_j - (G + reg I) x.
 */
static int
solve_implicit_cg(struct als_job *j, int64_t row)
{
	struct als *a = j->a;
	const struct side *sd = &a->side;
	int k = (int)a->k;
	float *x = a->X_out + row * a->s->ld, *r = j->r, *p = j->p, *Ap = j->Ap;
	float rs, rsnew, pAp, step;

	cblas_ssymv(CblasRowMajor, CblasUpper, k, -1.0f, a->G, k, x, 1, 0.0f, r, 1);
	cblas_saxpy(k, -a->reg, x, 1, r, 1);
	for (int64_t at = sd->ptr[row]; at < sd->ptr[row + 1]; at++) {
		const float *fr = a->F + sd->idx[at] * a->s->ld;
		float c = 1 + a->alpha * sd->val[at];

		cblas_saxpy(k, c - (c - 1) * cblas_sdot(k, fr, 1, x, 1), fr, 1, r, 1);
	}
	memcpy(p, r, (size_t)k * sizeof *p);
	rs = cblas_sdot(k, r, 1, r, 1);
	for (int it = 0; it < a->s->p->cg_steps && rs > 1e-20f; it++) {
		cblas_ssymv(CblasRowMajor, CblasUpper, k, 1.0f, a->G, k, p, 1, 0.0f, Ap, 1);
		cblas_saxpy(k, a->reg, p, 1, Ap, 1);
		add_confident(a, row, p, Ap);
		pAp = cblas_sdot(k, p, 1, Ap, 1);
		if (!(pAp > 0))
			return 1;       /* not positive definite along p */
		step = rs / pAp;
		cblas_saxpy(k, step, p, 1, x, 1);
		cblas_saxpy(k, -step, Ap, 1, r, 1);
		rsnew = cblas_sdot(k, r, 1, r, 1);
		cblas_sscal(k, rsnew / rs, p, 1);
		cblas_saxpy(k, 1.0f, r, 1, p, 1);
		rs = rsnew;
	}
	return 0;
}

/*
 * y += Z'Z v for the row's z_j = [f_j, 1]: from the rows gathered in j->X when the row fits
 * in one chunk (two sgemv), else entry by entry.
 */
static void
add_explicit(struct als_job *j, int64_t row, int gathered, const float *v, float *y)
{
	struct als *a = j->a;
	const struct side *sd = &a->side;
	int k = (int)a->k, d = (int)a->d, n = (int)(sd->ptr[row + 1] - sd->ptr[row]);

	if (gathered) {
		cblas_sgemv(CblasRowMajor, CblasNoTrans, n, d, 1.0f, j->X, d, v, 1, 0.0f, j->X2, 1);
		cblas_sgemv(CblasRowMajor, CblasTrans, n, d, 1.0f, j->X, d, j->X2, 1, 1.0f, y, 1);
		return;
	}
	for (int64_t at = sd->ptr[row]; at < sd->ptr[row + 1]; at++) {
		const float *fr = a->F + sd->idx[at] * a->s->ld;
		float w = cblas_sdot(k, fr, 1, v, 1) + v[k];

		cblas_saxpy(k, w, fr, 1, y, 1);
		y[k] += w;
	}
}

/*
 * Explicit row by conjugate gradient on the same normal equations as solve_explicit,
 * warm-started from the row's factors and bias of the last sweep (as ials's): a step costs
 * 4 (k + 1) per rating and the (k + 1)^2 matrix is never formed or factored.
 */
static int
solve_explicit_cg(struct als_job *j, int64_t row)
{
	struct als *a = j->a;
	const struct side *sd = &a->side;
	int64_t k = a->k, d = a->d, n = sd->ptr[row + 1] - sd->ptr[row];
	float *out = a->X_out + row * a->s->ld, *x = j->b, *r = j->r, *p = j->p, *Ap = j->Ap;
	float dreg = a->reg * (float)n, dbias = a->reg_b + 1e-6f, rs, rsnew, pAp, step;
	int gathered = n <= ALS_CHUNK;

	if (n == 0) {
		memset(out, 0, (size_t)k * sizeof *out);
		a->b_out[row] = 0;
		return 0;
	}
	memcpy(x, out, (size_t)k * sizeof *x);
	x[k] = a->b_out[row];
	/* r = b - A x = Z'(t - Z x) - D x, D the penalties */
	for (int64_t f = 0; f < k; f++)
		r[f] = -dreg * x[f];
	r[k] = -dbias * x[k];
	for (int64_t at = sd->ptr[row], m = 0; at < sd->ptr[row + 1]; at++, m++) {
		int32_t c = sd->idx[at];
		const float *fr = a->F + c * a->s->ld;
		float t = sd->val[at] - a->mu - a->fb[c];

		if (gathered) {
			memcpy(j->X + m * d, fr, (size_t)k * sizeof(float));
			j->X[m * d + k] = 1;
			j->y[m] = t;
		} else {
			float w = t - cblas_sdot((int)k, fr, 1, x, 1) - x[k];

			cblas_saxpy((int)k, w, fr, 1, r, 1);
			r[k] += w;
		}
	}
	if (gathered) {
		cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)d, -1.0f, j->X, (int)d, x, 1,
		    1.0f, j->y, 1);
		cblas_sgemv(CblasRowMajor, CblasTrans, (int)n, (int)d, 1.0f, j->X, (int)d, j->y, 1,
		    1.0f, r, 1);
	}
	memcpy(p, r, (size_t)d * sizeof *p);
	rs = cblas_sdot((int)d, r, 1, r, 1);
	for (int it = 0; it < a->s->p->cg_steps && rs > 1e-20f; it++) {
		for (int64_t f = 0; f < k; f++)
			Ap[f] = dreg * p[f];
		Ap[k] = dbias * p[k];
		add_explicit(j, row, gathered, p, Ap);
		pAp = cblas_sdot((int)d, p, 1, Ap, 1);
		if (!(pAp > 0))
			return 1;       /* not positive definite along p */
		step = rs / pAp;
		cblas_saxpy((int)d, step, p, 1, x, 1);
		cblas_saxpy((int)d, -step, Ap, 1, r, 1);
		rsnew = cblas_sdot((int)d, r, 1, r, 1);
		cblas_sscal((int)d, rsnew / rs, p, 1);
		cblas_saxpy((int)d, 1.0f, r, 1, p, 1);
		rs = rsnew;
	}
	memcpy(out, x, (size_t)k * sizeof *out);
	a->b_out[row] = x[k];
	return 0;
}

static void *
run_job(void *arg)
{
	struct als_job *j = arg;

	for (int64_t row = j->lo; row < j->hi; row++) {
		int info = !j->a->implicit ? (j->a->s->p->cg_steps > 0 ? solve_explicit_cg(j, row) :
		    solve_explicit(j, row)) :
		    j->a->s->p->cg_steps > 0 ? solve_implicit_cg(j, row) : solve_implicit(j, row);

		if (info != 0 && j->info == 0) {
			j->info = info;
			j->bad_row = row;
		}
	}
	return NULL;
}

/* Solves every row of the current side on nt threads (rows split by ratings). */
static int
half_sweep(struct als *a, struct als_job *jobs, int nt, pthread_t *tid, const char *what,
    int epoch, struct err *e)
{
	const struct side *sd = &a->side;
	int64_t row = 0, total = sd->ptr[sd->n];
	int started = 0;

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
	/* this thread does job 0 and any job whose thread could not start */
	run_job(&jobs[0]);
	for (int t = started + 1; t < nt; t++)
		run_job(&jobs[t]);
	for (int t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	for (int t = 0; t < nt; t++) {
		if (jobs[t].info < 0)
			return err_set(e, EXIT_SOFTWARE, "LAPACKE_sposv: argument %d is wrong",
			    -jobs[t].info);
		if (jobs[t].info > 0)
			return err_set(e, EXIT_DATA, "epoch %d: the normal equations of %s %lld are "
			    "not positive definite (order %d); try a larger --reg", epoch, what,
			    (long long)jobs[t].bad_row, jobs[t].info);
	}
	return 0;
}

static void
set_side(struct als *a, int64_t n, const int64_t *ptr, const int32_t *idx, const float *val,
    float *out, float *bout, const float *F, const float *fb)
{
	a->side.n = n;
	a->side.ptr = ptr;
	a->side.idx = idx;
	a->side.val = val;
	a->X_out = out;
	a->b_out = bout;
	a->F = F;
	a->fb = fb;
}

/* Explicit: training RMSE. */
static double
rmse_explicit(const struct mf_state *s)
{
	const struct ratings *r = s->r;
	double sse = 0;

	for (int64_t u = 0; u < r->rows; u++)
		for (int64_t x = r->indptr[u]; x < r->indptr[u + 1]; x++) {
			const float *p = s->P + u * s->ld, *q = s->Q + r->indices[x] * s->ld;
			float pred = s->mu + s->bu[u] + s->bi[r->indices[x]];

			for (int64_t f = 0; f < s->k; f++)
				pred += p[f] * q[f];
			sse += ((double)r->values[x] - pred) * ((double)r->values[x] - pred);
		}
	return sqrt(sse / (double)r->nnz);
}

/*
 * Implicit: the weighted objective per rating, sum over all cells of
 * c (p - x.y)^2 plus reg (|X|^2 + |Y|^2), over nnz. The unobserved cells are
 * summed with the Gram trick: sum_u x_u' (Y'Y) x_u.
 */
static double
loss_implicit(const struct mf_state *s, float *G, float *tmp, float alpha)
{
	const struct ratings *r = s->r;
	int64_t k = s->k, ld = s->ld;
	double all = 0, obs = 0, reg = 0;

	cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)k, (int)r->cols, 1.0f, s->Q,
	    (int)ld, 0.0f, G, (int)k);
	for (int64_t u = 0; u < r->rows; u++) {
		const float *p = s->P + u * ld;

		cblas_ssymv(CblasRowMajor, CblasUpper, (int)k, 1.0f, G, (int)k, p, 1, 0.0f, tmp, 1);
		all += cblas_sdot((int)k, p, 1, tmp, 1);
		reg += cblas_sdot((int)k, p, 1, p, 1);
		for (int64_t x = r->indptr[u]; x < r->indptr[u + 1]; x++) {
			double sc = cblas_sdot((int)k, p, 1, s->Q + r->indices[x] * ld, 1);
			double c = 1 + (double)alpha * r->values[x];

			obs += c * (1 - sc) * (1 - sc) - sc * sc;
		}
	}
	for (int64_t i = 0; i < r->cols; i++)
		reg += cblas_sdot((int)k, s->Q + i * ld, 1, s->Q + i * ld, 1);
	return (all + obs + s->p->reg * reg) / (double)r->nnz;
}

static int
train(struct mf_state *s, int implicit, struct err *e)
{
	const struct mf_params *p = s->p;
	const struct ratings *r = s->r;
	struct als a;
	struct mf_csc c;
	struct als_job *jobs = NULL;
	pthread_t *tid = NULL;
	float *G = NULL, *tmp = NULL;
	int nt = mf_threads(p), rc = -1, blas_threads = openblas_get_num_threads();

	memset(&a, 0, sizeof a);
	memset(&c, 0, sizeof c);
	a.s = s;
	a.implicit = implicit;
	a.k = s->k;
	a.d = implicit ? s->k : s->k + 1;
	a.reg = (float)p->reg;
	a.reg_b = (float)p->reg_bias;
	a.alpha = (float)p->alpha;
	a.mu = s->mu;
	if (implicit)
		for (int64_t x = 0; x < r->nnz; x++)
			if (r->values[x] < 0)
				return err_set(e, EXIT_DATA, "ials takes non-negative implicit "
				    "feedback; value %g found", r->values[x]);
	if (mf_state_alloc(s, s->k, e) < 0)
		return -1;
	mf_state_init_normal(s, p->seed);
	jobs = calloc((size_t)nt, sizeof *jobs);
	tid = calloc((size_t)nt, sizeof *tid);
	G = malloc((size_t)(a.k * a.k) * sizeof *G);
	tmp = malloc((size_t)a.k * sizeof *tmp);
	if (!jobs || !tid || !G || !tmp || mf_csc_build(r, &c) < 0)
		goto nomem;
	for (int t = 0; t < nt; t++) {
		jobs[t].a = &a;
		jobs[t].X = malloc((size_t)(ALS_CHUNK * a.d) * sizeof(float));
		jobs[t].X2 = malloc((size_t)(ALS_CHUNK * a.d) * sizeof(float));
		jobs[t].y = malloc(ALS_CHUNK * sizeof(float));
		jobs[t].A = malloc((size_t)(a.d * a.d) * sizeof(float));
		jobs[t].b = malloc((size_t)a.d * sizeof(float));
		jobs[t].r = malloc((size_t)a.d * 3 * sizeof(float));
		if (!jobs[t].X || !jobs[t].X2 || !jobs[t].y || !jobs[t].A || !jobs[t].b || !jobs[t].r)
			goto nomem;
		jobs[t].p = jobs[t].r + a.d;
		jobs[t].Ap = jobs[t].p + a.d;
	}
	/* our threads each solve small systems: OpenBLAS threads would only compete (and with one
	 * thread of ours, spin between its small calls) */
	openblas_set_num_threads(1);
	a.G = G;
	for (int ep = 1; ep <= p->epochs; ep++) {
		double t0 = mf_now(), loss;
		int st;

		if (implicit)
			cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)a.k, (int)r->cols,
			    1.0f, s->Q, (int)s->ld, 0.0f, G, (int)a.k);
		set_side(&a, r->rows, r->indptr, r->indices, r->values, s->P, s->bu, s->Q, s->bi);
		if (half_sweep(&a, jobs, nt, tid, "user", ep, e) < 0)
			goto out;
		if (implicit)
			cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)a.k, (int)r->rows,
			    1.0f, s->P, (int)s->ld, 0.0f, G, (int)a.k);
		set_side(&a, r->cols, c.ptr, c.idx, c.val, s->Q, s->bi, s->P, s->bu);
		if (half_sweep(&a, jobs, nt, tid, "item", ep, e) < 0)
			goto out;
		loss = implicit ? loss_implicit(s, G, tmp, a.alpha) : rmse_explicit(s);
		st = mf_state_epoch_end(s, ep, loss, 0, mf_now() - t0, e);
		if (st < 0)
			goto out;
		if (st > 0)
			break;
	}
	rc = 0;
	goto out;
nomem:
	err_nomem(e);
out:
	openblas_set_num_threads(blas_threads);
	for (int t = 0; jobs != NULL && t < nt; t++) {
		free(jobs[t].X);
		free(jobs[t].X2);
		free(jobs[t].y);
		free(jobs[t].A);
		free(jobs[t].b);
		free(jobs[t].r);
	}
	free(jobs);
	free(tid);
	free(G);
	free(tmp);
	mf_csc_free(&c);
	return rc;
}

int
mf_als_train(struct mf_state *s, struct err *e)
{
	return train(s, 0, e);
}

int
mf_ials_train(struct mf_state *s, struct err *e)
{
	return train(s, 1, e);
}
