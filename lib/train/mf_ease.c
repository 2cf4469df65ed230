/* mf_ease.c - EASE by LAPACKE: the Gram matrix by ssyrk, its inverse by dpotrf/dpotri, B column-scaled */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "train/mf_ease.h"
#include "base/exitcode.h"

int
mf_ease_train(struct mf_state *s, struct err *e)
{
	const struct ratings *r = s->r;
	int64_t n = r->cols, m = r->rows;
	double need = (8.0 * (double)n * (double)n + 4.0 * (double)n * (double)n +
	    4.0 * (double)m * (double)n) / (1024.0 * 1024.0), t0 = mf_now();
	double *G = NULL;
	float *Gf;
	lapack_int info;

	if (need > s->p->max_memory_mb)
		return err_set(e, EXIT_USAGE, "--algo=ease: %lld items and %lld users need %.0f MB "
		    "of dense matrices (8 items^2 + 4 items^2 + 4 users x items bytes), over "
		    "--max-memory %.0f MB", (long long)n, (long long)m, need, s->p->max_memory_mb);
	if (n > INT32_MAX || m > INT32_MAX)
		return err_set(e, EXIT_USAGE, "--algo=ease: the matrix is too large");
	if (mf_state_alloc(s, n, e) < 0)
		return -1;
	/* P = X, binary: the user's history is their "factors" */
	for (int64_t u = 0; u < m; u++)
		for (int64_t x = r->indptr[u]; x < r->indptr[u + 1]; x++)
			s->P[u * s->ld + r->indices[x]] = 1;
	if ((G = malloc((size_t)n * (size_t)n * sizeof *G)) == NULL)
		return err_nomem(e);
	/* X^T X into Q's room (float holds these whole counts exactly below 2^24 users) */
	Gf = s->Q;
	cblas_ssyrk(CblasRowMajor, CblasLower, CblasTrans, (int)n, (int)m, 1.0f, s->P, (int)s->ld,
	    0.0f, Gf, (int)s->ld);
	for (int64_t i = 0; i < n; i++)
		for (int64_t j = 0; j <= i; j++)
			G[i * n + j] = Gf[i * s->ld + j] + (i == j ? s->p->reg : 0);
	info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (lapack_int)n, G, (lapack_int)n);
	if (info == 0)
		info = LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', (lapack_int)n, G, (lapack_int)n);
	if (info < 0) {
		free(G);
		return err_set(e, EXIT_SOFTWARE, "LAPACKE_dpotrf/dpotri: argument %d is bad",
		    (int)-info);
	}
	if (info > 0) {
		free(G);
		return err_set(e, EXIT_DATA, "--algo=ease: X^T X + reg I is not positive definite "
		    "(leading minor %d): raise --reg", (int)info);
	}
	/* Q[i][j] = B[j][i] = -Pinv[j][i] / Pinv[i][i] (Pinv symmetric: its lower triangle) */
	for (int64_t i = 0; i < n; i++) {
		double d = G[i * n + i];

		for (int64_t j = 0; j < n; j++) {
			double v = j <= i ? G[i * n + j] : G[j * n + i];

			s->Q[i * s->ld + j] = i == j ? 0.0f : (float)(-v / d);
		}
	}
	free(G);
	s->mu = 0;
	return mf_state_epoch_end(s, 1, 0, 0, mf_now() - t0, e) < 0 ? -1 : 0;
}
