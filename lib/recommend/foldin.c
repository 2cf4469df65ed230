/* foldin.c - new-user factors from a few interactions (CBLAS ssyrk + LAPACKE sposv) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "base/exitcode.h"
#include "recommend/foldin.h"

int
foldin_init(struct foldin *f, const struct model *m, int implicit, double lambda, double alpha,
    struct err *e)
{
	int k = (int)m->k;

	memset(f, 0, sizeof *f);
	f->m = m;
	f->implicit = implicit;
	f->lambda = (float)lambda;
	f->alpha = (float)alpha;
	{
		const char *how = m->meta ? json_string_value(json_object_get(m->meta, "fold_in")) : NULL;

		/* an EASE model's user "factors" are the user's history: nothing to solve */
		f->history = how != NULL && strcmp(how, "history") == 0;
		if (f->history)
			return 0;
	}
	f->A = malloc(((size_t)k * k + 1) * sizeof *f->A);
	f->b = malloc(((size_t)k + 1) * sizeof *f->b);
	if (f->A == NULL || f->b == NULL)
		goto nomem;
	if (implicit) {
		if ((f->gram = calloc((size_t)k * k + 1, sizeof *f->gram)) == NULL)
			goto nomem;
		if (m->items > 0 && k > 0)
			cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, k, (int)m->items, 1.0f,
			    m->Q, k, 0.0f, f->gram, k);
	}
	return 0;
nomem:
	foldin_free(f);
	return err_nomem(e);
}

void
foldin_free(struct foldin *f)
{
	free(f->gram);
	free(f->A);
	free(f->b);
	free(f->QI);
	memset(f, 0, sizeof *f);
}

int
foldin_solve(struct foldin *f, const int32_t *items, const float *values, size_t n, float *p,
    struct err *e)
{
	return foldin_update(f, items, values, n, NULL, 0.0f, p, e);
}

int
foldin_update(struct foldin *f, const int32_t *items, const float *values, size_t n,
    const float *p0, float bu, float *p, struct err *e)
{
	const struct model *m = f->m;
	int k = (int)m->k;
	lapack_int info;

	if (n == 0)
		return err_set(e, EXIT_DATA, "no known item to fold in");
	if (f->history) {
		if (p0 != NULL)
			memcpy(p, p0, (size_t)k * sizeof *p);
		else
			memset(p, 0, (size_t)k * sizeof *p);
		for (size_t j = 0; j < n; j++)
			p[items[j]] = 1;
		return 0;
	}
	if (n > f->cap) {
		float *q = realloc(f->QI, n * (size_t)k * sizeof *q);

		if (q == NULL)
			return err_nomem(e);
		f->QI = q;
		f->cap = n;
	}
	memset(f->b, 0, (size_t)k * sizeof *f->b);
	for (size_t j = 0; j < n; j++) {
		const float *q = m->Q + (int64_t)items[j] * k;
		float w;

		if (f->implicit) {
			float c = 1.0f + f->alpha * (values[j] > 0 ? values[j] : 0);

			w = sqrtf(c - 1.0f);
			cblas_saxpy(k, c, q, 1, f->b, 1);
		} else {
			float resid = values[j] - m->global_mean - bu - m->item_bias[items[j]];

			w = 1.0f;
			cblas_saxpy(k, resid, q, 1, f->b, 1);
		}
		for (int d = 0; d < k; d++)
			f->QI[j * (size_t)k + d] = w * q[d];
	}
	if (f->implicit)
		memcpy(f->A, f->gram, (size_t)k * k * sizeof *f->A);
	cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, k, (int)n, 1.0f, f->QI, k,
	    f->implicit ? 1.0f : 0.0f, f->A, k);
	/* the prior: lambda p0 (explicit), (Q^T Q + lambda I) p0 (implicit), before A gets lambda */
	if (p0 != NULL) {
		if (f->implicit)
			cblas_ssymv(CblasRowMajor, CblasUpper, k, 1.0f, f->gram, k, p0, 1, 1.0f, f->b, 1);
		cblas_saxpy(k, f->lambda, p0, 1, f->b, 1);
	}
	for (int d = 0; d < k; d++)
		f->A[d * k + d] += f->lambda;
	info = LAPACKE_sposv(LAPACK_ROW_MAJOR, 'U', k, 1, f->A, k, f->b, 1);
	if (info < 0)
		return err_set(e, EXIT_SOFTWARE, "LAPACKE_sposv: argument %d is wrong", (int)-info);
	if (info > 0)
		return err_set(e, EXIT_DATA, "fold-in system is not positive definite");
	for (int d = 0; d < k; d++)
		if (!isfinite(f->b[d]))
			return err_set(e, EXIT_DATA, "fold-in gave non-finite factors");
	memcpy(p, f->b, (size_t)k * sizeof *p);
	return 0;
}
