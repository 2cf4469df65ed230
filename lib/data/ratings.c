/* ratings.c - CSR ratings matrices: reading with full validation, writing */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "base/ofile.h"
#include "data/ratings.h"

void
ratings_init(struct ratings *r)
{
	memset(r, 0, sizeof *r);
	ids_init(&r->users);
	ids_init(&r->items);
}

void
ratings_free(struct ratings *r)
{
	if (r->owns_arrays) {
		free(r->indptr);
		free(r->indices);
		free(r->values);
		free(r->ts);
	}
	ids_free(&r->users);
	ids_free(&r->items);
	if (r->mf.meta != NULL)
		matfile_free(&r->mf);
	memset(r, 0, sizeof *r);
}

static int
check_csr(const struct ratings *r, struct err *e)
{
	if (r->indptr[0] != 0 || r->indptr[r->rows] != r->nnz)
		return err_set(e, EXIT_DATA, "indptr must run from 0 to nnz (%lld)",
		    (long long)r->nnz);
	for (int64_t u = 0; u < r->rows; u++) {
		int64_t a = r->indptr[u], b = r->indptr[u + 1];

		if (b < a || b > r->nnz)
			return err_set(e, EXIT_DATA, "indptr decreases or exceeds nnz at row %lld",
			    (long long)u);
		for (int64_t k = a; k < b; k++) {
			if (r->indices[k] < 0 || r->indices[k] >= r->cols)
				return err_set(e, EXIT_DATA, "row %lld: column %d out of range",
				    (long long)u, r->indices[k]);
			if (k > a && r->indices[k] <= r->indices[k - 1])
				return err_set(e, EXIT_DATA,
				    "row %lld: columns not strictly increasing", (long long)u);
			if (!isfinite(r->values[k]))
				return err_set(e, EXIT_DATA, "row %lld: value is not finite",
				    (long long)u);
		}
	}
	return 0;
}

int
ratings_read(FILE *f, const char *name, struct ratings *r, struct err *e)
{
	const struct mat_tensor *ip, *ix, *v, *ts;
	const char *kind, *fb;

	name = name ? name : "-";
	ratings_init(r);
	if (matfile_read(f, name, &r->mf, e) < 0)
		return -1;
	kind = matfile_meta(&r->mf, "kind");
	if (kind == NULL || strcmp(kind, "ratings") != 0) {
		err_set(e, EXIT_DATA, "%s: a '%s' container, expected 'ratings'", name,
		    kind ? kind : "unknown");
		goto fail;
	}
	if ((ip = matfile_expect(&r->mf, "indptr", MAT_I64, 1, e)) == NULL ||
	    (ix = matfile_expect(&r->mf, "indices", MAT_I32, 1, e)) == NULL ||
	    (v = matfile_expect(&r->mf, "values", MAT_F32, 1, e)) == NULL)
		goto failp;
	if (ip->count < 1 || ix->count != v->count) {
		err_set(e, EXIT_DATA, "indptr, indices and values disagree in size");
		goto failp;
	}
	r->rows = ip->count - 1;
	r->nnz = ix->count;
	r->indptr = (int64_t *)ip->data;
	r->indices = (int32_t *)ix->data;
	r->values = (float *)v->data;
	if ((ts = matfile_find(&r->mf, "timestamps")) != NULL) {
		if ((ts = matfile_expect(&r->mf, "timestamps", MAT_I64, 1, e)) == NULL)
			goto failp;
		if (ts->count != r->nnz) {
			err_set(e, EXIT_DATA, "timestamps and values disagree in size");
			goto failp;
		}
		r->ts = (int64_t *)ts->data;
	}
	if (ids_read_from(&r->users, &r->mf, "user_ids", r->rows, e) < 0 ||
	    ids_read_from(&r->items, &r->mf, "item_ids", -1, e) < 0)
		goto failp;
	r->cols = (int64_t)ids_count(&r->items);
	if (r->cols > INT32_MAX) {
		err_set(e, EXIT_DATA, "too many items");
		goto failp;
	}
	if (check_csr(r, e) < 0 || matfile_meta_agrees(&r->mf, "rows", r->rows, e) < 0 ||
	    matfile_meta_agrees(&r->mf, "cols", r->cols, e) < 0 ||
	    matfile_meta_agrees(&r->mf, "nnz", r->nnz, e) < 0)
		goto failp;
	fb = matfile_meta(&r->mf, "feedback");
	r->implicit = fb != NULL && strcmp(fb, "implicit") == 0;
	return 0;
failp:
	err_prefix(e, "%s", name);
fail:
	ratings_free(r);
	return -1;
}

int
ratings_load(const char *path, struct ratings *r, struct err *e)
{
	FILE *f;
	int rc;

	if (path == NULL || strcmp(path, "-") == 0)
		return ratings_read(stdin, "-", r, e);
	f = fopen(path, "rb");
	if (f == NULL) {
		ratings_init(r);
		return err_set(e, EXIT_NOINPUT, "%s: %s", path, strerror(errno));
	}
	rc = ratings_read(f, path, r, e);
	fclose(f);
	return rc;
}

void
ratings_range(const struct ratings *r, float *lo, float *hi)
{
	float a = 0, b = 0;

	for (int64_t k = 0; k < r->nnz; k++) {
		if (k == 0 || r->values[k] < a)
			a = r->values[k];
		if (k == 0 || r->values[k] > b)
			b = r->values[k];
	}
	*lo = a;
	*hi = b;
}

int
ratings_write(FILE *f, const struct ratings *r, const json_t *extra_meta, struct err *e)
{
	struct ids_blob ub, ib;
	struct matfile m;
	int64_t shape;
	float lo, hi;
	const char *key;
	json_t *val;
	int rc = -1;

	memset(&ub, 0, sizeof ub);
	memset(&ib, 0, sizeof ib);
	if (matfile_init(&m, e) < 0)
		return -1;
	ratings_range(r, &lo, &hi);
	if (extra_meta != NULL)
		json_object_foreach((json_t *)extra_meta, key, val)
			if (json_is_string(val))
				json_object_set(m.meta, key, val);
	if (matfile_set_meta(&m, "kind", "ratings") < 0 ||
	    matfile_set_meta(&m, "format_version", "1") < 0 ||
	    matfile_set_meta(&m, "rows", "%lld", (long long)r->rows) < 0 ||
	    matfile_set_meta(&m, "cols", "%lld", (long long)r->cols) < 0 ||
	    matfile_set_meta(&m, "nnz", "%lld", (long long)r->nnz) < 0 ||
	    matfile_set_meta(&m, "feedback", "%s", r->implicit ? "implicit" : "explicit") < 0 ||
	    matfile_set_meta(&m, "value_min", "%.9g", lo) < 0 ||
	    matfile_set_meta(&m, "value_max", "%.9g", hi) < 0) {
		err_nomem(e);
		goto out;
	}
	shape = r->rows + 1;
	if (matfile_add(&m, "indptr", MAT_I64, 1, &shape, r->indptr, e) < 0)
		goto out;
	shape = r->nnz;
	if (matfile_add(&m, "indices", MAT_I32, 1, &shape, r->indices, e) < 0 ||
	    matfile_add(&m, "values", MAT_F32, 1, &shape, r->values, e) < 0)
		goto out;
	if (r->ts != NULL && matfile_add(&m, "timestamps", MAT_I64, 1, &shape, r->ts, e) < 0)
		goto out;
	if (ids_add_to(&r->users, &m, "user_ids", &ub, e) < 0 ||
	    ids_add_to(&r->items, &m, "item_ids", &ib, e) < 0)
		goto out;
	rc = matfile_write(f, &m, e);
out:
	ids_blob_free(&ub);
	ids_blob_free(&ib);
	matfile_free(&m);
	return rc;
}

int
ratings_save(const char *path, const struct ratings *r, const json_t *extra_meta, struct err *e)
{
	struct ofile o;

	if (ofile_open(&o, path, e) < 0)
		return -1;
	if (ratings_write(o.fp, r, extra_meta, e) < 0) {
		err_prefix(e, "%s", ofile_name(&o));
		ofile_abort(&o);
		return -1;
	}
	return ofile_commit(&o, e);
}

int64_t
ratings_find(const struct ratings *r, int64_t u, int32_t i)
{
	int64_t lo = r->indptr[u], hi = r->indptr[u + 1];

	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;

		if (r->indices[mid] < i)
			lo = mid + 1;
		else if (r->indices[mid] > i)
			hi = mid;
		else
			return mid;
	}
	return -1;
}
