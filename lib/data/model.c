/* model.c - factor models: allocation, container reading with validation, writing */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "base/exitcode.h"
#include "data/model.h"
#include "base/ofile.h"

int
model_alloc(struct model *m, int64_t users, int64_t items, int64_t k, struct err *e)
{
	memset(m, 0, sizeof *m);
	m->users = users;
	m->items = items;
	m->k = k;
	m->owns_arrays = 1;
	m->P = calloc((size_t)(users * k) + 1, sizeof *m->P);
	m->Q = calloc((size_t)(items * k) + 1, sizeof *m->Q);
	m->user_bias = calloc((size_t)users + 1, sizeof *m->user_bias);
	m->item_bias = calloc((size_t)items + 1, sizeof *m->item_bias);
	m->item_pop = calloc((size_t)items + 1, sizeof *m->item_pop);
	m->meta = json_object();
	ids_init(&m->user_ids);
	ids_init(&m->item_ids);
	if (!m->P || !m->Q || !m->user_bias || !m->item_bias || !m->item_pop || !m->meta) {
		model_free(m);
		return err_nomem(e);
	}
	return 0;
}

void
model_free(struct model *m)
{
	if (m->owns_arrays) {
		free(m->P);
		free(m->Q);
		free(m->user_bias);
		free(m->item_bias);
		free(m->item_pop);
	}
	ids_free(&m->user_ids);
	ids_free(&m->item_ids);
	json_decref(m->meta);
	if (m->mf.meta != NULL)
		matfile_free(&m->mf);
	memset(m, 0, sizeof *m);
}

static int
all_finite(const float *v, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return 0;
	return 1;
}

static float
meta_float(const struct matfile *mf, const char *key)
{
	const char *s = matfile_meta(mf, key);

	return s ? strtof(s, NULL) : 0.0f;
}

int
model_read(FILE *f, const char *name, struct model *m, struct err *e)
{
	const struct mat_tensor *P, *Q, *ub, *ib, *gm, *pop;
	const char *kind;

	name = name ? name : "-";
	memset(m, 0, sizeof *m);
	ids_init(&m->user_ids);
	ids_init(&m->item_ids);
	if (matfile_read(f, name, &m->mf, e) < 0)
		return -1;
	kind = matfile_meta(&m->mf, "kind");
	if (kind == NULL || strcmp(kind, "model") != 0) {
		err_set(e, EXIT_DATA, "%s: a '%s' container, expected 'model'", name,
		    kind ? kind : "unknown");
		goto fail;
	}
	if ((P = matfile_expect(&m->mf, "user_factors", MAT_F32, 2, e)) == NULL ||
	    (Q = matfile_expect(&m->mf, "item_factors", MAT_F32, 2, e)) == NULL ||
	    (ub = matfile_expect(&m->mf, "user_bias", MAT_F32, 1, e)) == NULL ||
	    (ib = matfile_expect(&m->mf, "item_bias", MAT_F32, 1, e)) == NULL ||
	    (gm = matfile_expect(&m->mf, "global_mean", MAT_F32, 1, e)) == NULL)
		goto failp;
	m->users = P->shape[0];
	m->items = Q->shape[0];
	m->k = P->shape[1];
	if (Q->shape[1] != m->k || ub->count != m->users || ib->count != m->items ||
	    gm->count != 1) {
		err_set(e, EXIT_DATA, "factor and bias shapes disagree");
		goto failp;
	}
	if (matfile_meta_agrees(&m->mf, "factors", m->k, e) < 0 ||
	    matfile_meta_agrees(&m->mf, "users", m->users, e) < 0 ||
	    matfile_meta_agrees(&m->mf, "items", m->items, e) < 0)
		goto failp;
	pop = matfile_find(&m->mf, "item_popularity");
	if (pop != NULL && (pop->dtype != MAT_F32 || pop->count != m->items)) {
		err_set(e, EXIT_DATA, "item_popularity has the wrong type or size");
		goto failp;
	}
	m->P = (float *)P->data;
	m->Q = (float *)Q->data;
	m->user_bias = (float *)ub->data;
	m->item_bias = (float *)ib->data;
	m->item_pop = pop ? (float *)pop->data : NULL;
	m->global_mean = *(const float *)gm->data;
	if (!all_finite(m->P, P->count) || !all_finite(m->Q, Q->count) ||
	    !all_finite(m->user_bias, m->users) || !all_finite(m->item_bias, m->items) ||
	    !isfinite(m->global_mean) || (m->item_pop && !all_finite(m->item_pop, m->items))) {
		err_set(e, EXIT_DATA, "model holds NaN or infinite values");
		goto failp;
	}
	if (ids_read_from(&m->user_ids, &m->mf, "user_ids", m->users, e) < 0 ||
	    ids_read_from(&m->item_ids, &m->mf, "item_ids", m->items, e) < 0)
		goto failp;
	m->rating_min = meta_float(&m->mf, "rating_min");
	m->rating_max = meta_float(&m->mf, "rating_max");
	m->meta = json_incref(m->mf.meta);
	return 0;
failp:
	err_prefix(e, "%s", name);
fail:
	model_free(m);
	return -1;
}

int
model_load(const char *path, struct model *m, struct err *e)
{
	FILE *f;
	int rc;

	if (path == NULL || strcmp(path, "-") == 0)
		return model_read(stdin, "-", m, e);
	f = fopen(path, "rb");
	if (f == NULL) {
		memset(m, 0, sizeof *m);
		return err_set(e, EXIT_NOINPUT, "%s: %s", path, strerror(errno));
	}
	rc = model_read(f, path, m, e);
	fclose(f);
	return rc;
}

int
model_write(FILE *f, const struct model *m, struct err *e)
{
	struct ids_blob ub, ib;
	struct matfile mf;
	int64_t shape[2];
	const char *key;
	json_t *val;
	int rc = -1;

	if (!all_finite(m->P, m->users * m->k) || !all_finite(m->Q, m->items * m->k) ||
	    !all_finite(m->user_bias, m->users) || !all_finite(m->item_bias, m->items) ||
	    !isfinite(m->global_mean))
		return err_set(e, EXIT_SOFTWARE, "refusing to write a model with NaN or Inf values");
	memset(&ub, 0, sizeof ub);
	memset(&ib, 0, sizeof ib);
	if (matfile_init(&mf, e) < 0)
		return -1;
	if (m->meta != NULL)
		json_object_foreach(m->meta, key, val)
			if (json_is_string(val))
				json_object_set(mf.meta, key, val);
	if (matfile_set_meta(&mf, "kind", "model") < 0 ||
	    matfile_set_meta(&mf, "format_version", "1") < 0 ||
	    matfile_set_meta(&mf, "users", "%lld", (long long)m->users) < 0 ||
	    matfile_set_meta(&mf, "items", "%lld", (long long)m->items) < 0 ||
	    matfile_set_meta(&mf, "factors", "%lld", (long long)m->k) < 0 ||
	    matfile_set_meta(&mf, "rating_min", "%.9g", m->rating_min) < 0 ||
	    matfile_set_meta(&mf, "rating_max", "%.9g", m->rating_max) < 0 ||
	    matfile_set_meta(&mf, "blas", "%s", openblas_get_config()) < 0) {
		err_nomem(e);
		goto out;
	}
	shape[0] = m->users;
	shape[1] = m->k;
	if (matfile_add(&mf, "user_factors", MAT_F32, 2, shape, m->P, e) < 0)
		goto out;
	shape[0] = m->items;
	if (matfile_add(&mf, "item_factors", MAT_F32, 2, shape, m->Q, e) < 0)
		goto out;
	if (matfile_add(&mf, "user_bias", MAT_F32, 1, &m->users, m->user_bias, e) < 0 ||
	    matfile_add(&mf, "item_bias", MAT_F32, 1, &m->items, m->item_bias, e) < 0)
		goto out;
	if (m->item_pop != NULL &&
	    matfile_add(&mf, "item_popularity", MAT_F32, 1, &m->items, m->item_pop, e) < 0)
		goto out;
	shape[0] = 1;
	if (matfile_add(&mf, "global_mean", MAT_F32, 1, shape, &m->global_mean, e) < 0)
		goto out;
	if (ids_add_to(&m->user_ids, &mf, "user_ids", &ub, e) < 0 ||
	    ids_add_to(&m->item_ids, &mf, "item_ids", &ib, e) < 0)
		goto out;
	if (m->extra != NULL && m->extra(&mf, m->extra_arg, e) < 0)
		goto out;
	rc = matfile_write(f, &mf, e);
out:
	ids_blob_free(&ub);
	ids_blob_free(&ib);
	matfile_free(&mf);
	return rc;
}

int
model_save(const char *path, const struct model *m, struct err *e)
{
	struct ofile o;

	if (ofile_open(&o, path, e) < 0)
		return -1;
	if (model_write(o.fp, m, e) < 0) {
		err_prefix(e, "%s", ofile_name(&o));
		ofile_abort(&o);
		return -1;
	}
	return ofile_commit(&o, e);
}

float
model_predict(const struct model *m, int64_t u, int64_t i, int clip)
{
	float r = m->global_mean + m->user_bias[u] + m->item_bias[i] +
	    cblas_sdot((int)m->k, m->P + u * m->k, 1, m->Q + i * m->k, 1);

	if (clip && m->rating_max > m->rating_min) {
		if (r < m->rating_min)
			r = m->rating_min;
		if (r > m->rating_max)
			r = m->rating_max;
	}
	return r;
}
