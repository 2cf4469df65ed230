/* mf_svd.c - truncated SVD of the bias-centred ratings: dense gesdd, or a randomized range finder */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "train/mf_svd.h"
#include "base/rng.h"

/*
 * Damped bias means (as Koren's baseline): b_i = sum(r - mu) / (damp + n_i),
 * then b_u = sum(r - mu - b_i) / (damp + n_u); returns the residuals in res.
 */
static int
centre(struct mf_state *s, float *res)
{
	const struct ratings *r = s->r;
	float damp = (float)s->p->reg_bias;
	double *sum = calloc((size_t)r->cols + 1, sizeof *sum);
	int64_t *cnt = calloc((size_t)r->cols + 1, sizeof *cnt);

	if (sum == NULL || cnt == NULL) {
		free(sum);
		free(cnt);
		return -1;
	}
	for (int64_t x = 0; x < r->nnz; x++) {
		sum[r->indices[x]] += r->values[x] - s->mu;
		cnt[r->indices[x]]++;
	}
	for (int64_t i = 0; i < r->cols; i++)
		s->bi[i] = cnt[i] + damp > 0 ? (float)(sum[i] / (damp + (double)cnt[i])) : 0;
	free(sum);
	free(cnt);
	for (int64_t u = 0; u < r->rows; u++) {
		double su = 0;
		int64_t n = r->indptr[u + 1] - r->indptr[u];

		for (int64_t x = r->indptr[u]; x < r->indptr[u + 1]; x++)
			su += r->values[x] - s->mu - s->bi[r->indices[x]];
		s->bu[u] = n + damp > 0 ? (float)(su / (damp + (double)n)) : 0;
	}
	for (int64_t u = 0; u < r->rows; u++)
		for (int64_t x = r->indptr[u]; x < r->indptr[u + 1]; x++)
			res[x] = r->values[x] - s->mu - s->bu[u] - s->bi[r->indices[x]];
	return 0;
}

/* Y (rows x l) = A X, A the sparse residual matrix, X (cols x l). */
static void
mul_a(const struct ratings *r, const float *res, const float *X, float *Y, int64_t l)
{
	memset(Y, 0, (size_t)(r->rows * l) * sizeof *Y);
	for (int64_t u = 0; u < r->rows; u++)
		for (int64_t x = r->indptr[u]; x < r->indptr[u + 1]; x++)
			cblas_saxpy((int)l, res[x], X + r->indices[x] * l, 1, Y + u * l, 1);
}

/* Z (cols x l) = A' Y, Y (rows x l). */
static void
mul_at(const struct ratings *r, const float *res, const float *Y, float *Z, int64_t l)
{
	memset(Z, 0, (size_t)(r->cols * l) * sizeof *Z);
	for (int64_t u = 0; u < r->rows; u++)
		for (int64_t x = r->indptr[u]; x < r->indptr[u + 1]; x++)
			cblas_saxpy((int)l, res[x], Y + u * l, 1, Z + r->indices[x] * l, 1);
}

/* Replaces M (m x l, row-major) by an orthonormal basis of its columns. Returns LAPACK's info. */
static int
orthonormalize(float *M, int64_t m, int64_t l, float *tau)
{
	int info = LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, (lapack_int)m, (lapack_int)l, M, (lapack_int)l,
	    tau);

	if (info != 0)
		return info;
	return LAPACKE_sorgqr(LAPACK_ROW_MAJOR, (lapack_int)m, (lapack_int)l, (lapack_int)l, M,
	    (lapack_int)l, tau);
}

/* Writes U sqrt(S) into P and V sqrt(S) into Q (the first min(k, l) columns; the rest stay 0). */
static void
put_factors(struct mf_state *s, const float *U, int64_t ldu, const float *V, int64_t ldv,
    int vt, const float *sv, int64_t l)
{
	int64_t kk = s->k < l ? s->k : l;

	for (int64_t j = 0; j < kk; j++) {
		float w = sqrtf(sv[j] > 0 ? sv[j] : 0);

		for (int64_t u = 0; u < s->r->rows; u++)
			s->P[u * s->ld + j] = U[u * ldu + j] * w;
		for (int64_t i = 0; i < s->r->cols; i++)
			s->Q[i * s->ld + j] = (vt ? V[j * ldv + i] : V[i * ldv + j]) * w;
	}
}

static int
lapack_fail(const char *fn, int info, struct err *e)
{
	if (info < 0)
		return err_set(e, EXIT_SOFTWARE, "%s: argument %d is wrong", fn, -info);
	return err_set(e, EXIT_DATA, "%s: the SVD did not converge (info %d)", fn, info);
}

static int
svd_dense(struct mf_state *s, const float *res, struct err *e)
{
	const struct ratings *r = s->r;
	int64_t m = r->rows, n = r->cols, mn = m < n ? m : n;
	float *A = calloc((size_t)(m * n), sizeof *A), *U = malloc((size_t)(m * mn) * sizeof *U);
	float *VT = malloc((size_t)(mn * n) * sizeof *VT), *sv = malloc((size_t)mn * sizeof *sv);
	int info, rc = -1;

	if (!A || !U || !VT || !sv) {
		err_nomem(e);
		goto out;
	}
	for (int64_t u = 0; u < m; u++)
		for (int64_t x = r->indptr[u]; x < r->indptr[u + 1]; x++)
			A[u * n + r->indices[x]] = res[x];
	info = LAPACKE_sgesdd(LAPACK_ROW_MAJOR, 'S', (lapack_int)m, (lapack_int)n, A, (lapack_int)n,
	    sv, U, (lapack_int)mn, VT, (lapack_int)n);
	if (info != 0) {
		lapack_fail("LAPACKE_sgesdd", info, e);
		goto out;
	}
	put_factors(s, U, mn, VT, n, 1, sv, mn);
	rc = 0;
out:
	free(A);
	free(U);
	free(VT);
	free(sv);
	return rc;
}

/*
 * Halko, Martinsson and Tropp (2011), algorithm 4.4 then 5.1: Y = A Omega with
 * l = k + oversample Gaussian columns, q power iterations re-orthonormalised
 * each half step, B' = A' Q (cols x l), gesdd of B' = Ub S Vb', so that
 * A ~ (Q Vb) S Ub'.
 */
static int
svd_random(struct mf_state *s, const float *res, struct err *e)
{
	const struct ratings *r = s->r;
	int64_t m = r->rows, n = r->cols, mn = m < n ? m : n;
	int64_t l = s->k + s->p->oversample < mn ? s->k + s->p->oversample : mn;
	float *Om = malloc((size_t)(n * l) * sizeof *Om), *Y = malloc((size_t)(m * l) * sizeof *Y);
	float *tau = malloc((size_t)l * sizeof *tau), *sv = malloc((size_t)l * sizeof *sv);
	float *Ub = malloc((size_t)(n * l) * sizeof *Ub), *VbT = malloc((size_t)(l * l) * sizeof *VbT);
	float *U = malloc((size_t)(m * l) * sizeof *U);
	struct rng g;
	int info, rc = -1;

	if (!Om || !Y || !tau || !sv || !Ub || !VbT || !U) {
		err_nomem(e);
		goto out;
	}
	rng_seed(&g, s->p->seed);
	for (int64_t x = 0; x < n * l; x++)
		Om[x] = (float)rng_normal(&g);
	mul_a(r, res, Om, Y, l);
	if ((info = orthonormalize(Y, m, l, tau)) != 0)
		goto lapack;
	for (int q = 0; q < s->p->epochs; q++) {
		mul_at(r, res, Y, Om, l);
		if ((info = orthonormalize(Om, n, l, tau)) != 0)
			goto lapack;
		mul_a(r, res, Om, Y, l);
		if ((info = orthonormalize(Y, m, l, tau)) != 0)
			goto lapack;
	}
	mul_at(r, res, Y, Om, l);      /* B' = A' Q */
	info = LAPACKE_sgesdd(LAPACK_ROW_MAJOR, 'S', (lapack_int)n, (lapack_int)l, Om,
	    (lapack_int)l, sv, Ub, (lapack_int)l, VbT, (lapack_int)l);
	if (info != 0) {
		lapack_fail("LAPACKE_sgesdd", info, e);
		goto out;
	}
	/* U = Q Vb: Vb = (Vb')', so multiply by the transpose of what gesdd returned */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)l, (int)l, 1.0f, Y,
	    (int)l, VbT, (int)l, 0.0f, U, (int)l);
	put_factors(s, U, l, Ub, l, 0, sv, l);
	rc = 0;
	goto out;
lapack:
	lapack_fail("LAPACKE_sgeqrf/sorgqr", info, e);
out:
	free(Om);
	free(Y);
	free(tau);
	free(sv);
	free(Ub);
	free(VbT);
	free(U);
	return rc;
}

/* Training RMSE of the truncated reconstruction. */
static double
train_rmse(const struct mf_state *s)
{
	const struct ratings *r = s->r;
	double sse = 0;

	for (int64_t u = 0; u < r->rows; u++)
		for (int64_t x = r->indptr[u]; x < r->indptr[u + 1]; x++) {
			float pred = s->mu + s->bu[u] + s->bi[r->indices[x]] +
			    cblas_sdot((int)s->k, s->P + u * s->ld, 1, s->Q + r->indices[x] * s->ld, 1);

			sse += ((double)r->values[x] - pred) * ((double)r->values[x] - pred);
		}
	return sqrt(sse / (double)r->nnz);
}

int
mf_svd_train(struct mf_state *s, struct err *e)
{
	const struct ratings *r = s->r;
	float *res;
	double t0 = mf_now();
	int rc;

	if (mf_state_alloc(s, s->k, e) < 0)
		return -1;
	if ((res = malloc(((size_t)r->nnz + 1) * sizeof *res)) == NULL || centre(s, res) < 0) {
		free(res);
		return err_nomem(e);
	}
	if ((double)r->rows * (double)r->cols <= (double)s->p->dense_max)
		rc = svd_dense(s, res, e);
	else
		rc = svd_random(s, res, e);
	free(res);
	if (rc < 0)
		return -1;
	return mf_state_epoch_end(s, 1, train_rmse(s), 0, mf_now() - t0, e) < 0 ? -1 : 0;
}
