/* rfm.c - RFM features per customer, their standardisation and per-segment medians */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "train/rfm.h"

void
rfm_free(struct rfm *f)
{
	free(f->row);
	free(f->recency);
	free(f->frequency);
	free(f->monetary);
	memset(f, 0, sizeof *f);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
rfm_compute(struct rfm *f, const struct ratings *r, int64_t now, struct err *e)
{
	int64_t widest = 0, *scratch;

	memset(f, 0, sizeof *f);
	if (r->ts == NULL)
		return err_set(e, EXIT_DATA, "the ratings carry no timestamps: RFM needs them");
	if (now < 0)
		for (int64_t k = 0; k < r->nnz; k++)
			if (r->ts[k] > now)
				now = r->ts[k];
	f->now = now;
	for (int64_t u = 0; u < r->rows; u++)
		if (r->indptr[u + 1] - r->indptr[u] > widest)
			widest = r->indptr[u + 1] - r->indptr[u];
	f->row = malloc(((size_t)r->rows + 1) * sizeof *f->row);
	f->recency = malloc(((size_t)r->rows + 1) * sizeof *f->recency);
	f->frequency = malloc(((size_t)r->rows + 1) * sizeof *f->frequency);
	f->monetary = malloc(((size_t)r->rows + 1) * sizeof *f->monetary);
	scratch = malloc(((size_t)widest + 1) * sizeof *scratch);
	if (!f->row || !f->recency || !f->frequency || !f->monetary || !scratch) {
		free(scratch);
		rfm_free(f);
		return err_nomem(e);
	}
	for (int64_t u = 0; u < r->rows; u++) {
		int64_t a = r->indptr[u], b = r->indptr[u + 1], last = INT64_MIN, visits = 0;
		double money = 0;

		if (a == b) {
			f->empty++;
			continue;
		}
		memcpy(scratch, r->ts + a, (size_t)(b - a) * sizeof *scratch);
		qsort(scratch, (size_t)(b - a), sizeof *scratch, cmp_i64);
		for (int64_t k = 0; k < b - a; k++)
			visits += k == 0 || scratch[k] != scratch[k - 1];
		last = scratch[b - a - 1];
		for (int64_t k = a; k < b; k++)
			money += r->values[k];
		f->row[f->n] = u;
		f->recency[f->n] = (double)(now - last) / 86400.0;
		f->frequency[f->n] = (double)visits;
		f->monetary[f->n] = money;
		f->n++;
	}
	free(scratch);
	if (f->n == 0) {
		rfm_free(f);
		return err_set(e, EXIT_DATA, "no customer has an interaction");
	}
	return 0;
}

float *
rfm_standardise(const struct rfm *f, struct err *e)
{
	float *X = malloc((size_t)(f->n * RFM_NFEATURES) * sizeof *X);

	if (X == NULL) {
		err_nomem(e);
		return NULL;
	}
	for (int j = 0; j < RFM_NFEATURES; j++) {
		double sum = 0, sq = 0, mean, sd;

		for (int64_t i = 0; i < f->n; i++) {
			double v = j == 0 ? f->recency[i] : j == 1 ? log1p(f->frequency[i]) :
			    log1p(fmax(0.0, f->monetary[i]));

			X[i * RFM_NFEATURES + j] = (float)v;
			sum += v;
		}
		mean = sum / (double)f->n;
		for (int64_t i = 0; i < f->n; i++) {
			double dv = X[i * RFM_NFEATURES + j] - mean;

			sq += dv * dv;
		}
		sd = sqrt(sq / (double)f->n);
		for (int64_t i = 0; i < f->n; i++)
			X[i * RFM_NFEATURES + j] = sd > 0 ?
			    (float)((X[i * RFM_NFEATURES + j] - mean) / sd) : 0.0f;
	}
	return X;
}

/* {"median","mean"} of the n values in v (sorted in place). */
static json_t *
describe(double *v, int64_t n)
{
	double sum = 0, med;

	if (n == 0)
		return json_pack("{snsn}", "median", "mean");
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	for (int64_t i = 0; i < n; i++)
		sum += v[i];
	med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return json_pack("{sfsf}", "median", med, "mean", sum / (double)n);
}

json_t *
rfm_summary(const struct rfm *f, const int32_t *segment, int k, struct err *e)
{
	double *v = malloc(((size_t)f->n + 1) * sizeof *v);
	const double *src[RFM_NFEATURES] = { f->recency, f->frequency, f->monetary };
	static const char *const names[RFM_NFEATURES] = { "recency_days", "frequency", "monetary" };
	json_t *all = json_array();

	if (v == NULL || all == NULL)
		goto nomem;
	for (int s = 0; s < k; s++) {
		int64_t size = 0;
		char label[16];
		json_t *o;

		for (int64_t i = 0; i < f->n; i++)
			size += segment[i] == s;
		snprintf(label, sizeof label, "%d", s);
		o = json_pack("{sssIsf}", "segment", label, "size", (json_int_t)size, "share",
		    (double)size / (double)f->n);
		if (o == NULL || json_array_append_new(all, o) < 0)
			goto nomem;
		for (int j = 0; j < RFM_NFEATURES; j++) {
			int64_t m = 0;

			for (int64_t i = 0; i < f->n; i++)
				if (segment[i] == s)
					v[m++] = src[j][i];
			if (json_object_set_new(o, names[j], describe(v, m)) < 0)
				goto nomem;
		}
	}
	free(v);
	return all;
nomem:
	free(v);
	json_decref(all);
	err_nomem(e);
	return NULL;
}
