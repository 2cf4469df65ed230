/* matview.c - a matrix container read by the reader of its kind, shown as text, JSON, NDJSON, Matrix Market */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "base/ndjson.h"
#include "data/matview.h"


/* The bytes a container reader takes from a stream, kept as it reads them. */
struct tee {
	FILE *f;
	char *buf;
	size_t len, cap;
	int nomem;
};

static ssize_t
tee_read(void *cookie, char *p, size_t n)
{
	struct tee *t = cookie;
	size_t k = fread(p, 1, n, t->f);

	if (k == 0)
		return ferror(t->f) ? -1 : 0;
	if (t->len + k > t->cap) {
		size_t ncap = t->cap ? t->cap : 1 << 16;
		char *nb;

		while (ncap < t->len + k)
			ncap *= 2;
		if ((nb = realloc(t->buf, ncap)) == NULL) {
			t->nomem = 1;
			errno = ENOMEM;
			return -1;
		}
		t->buf = nb;
		t->cap = ncap;
	}
	memcpy(t->buf + t->len, p, k);
	t->len += k;
	return (ssize_t)k;
}

/*
 * Reads the container of f with matfile_read into in->own, keeping the bytes it
 * read in *out (*len of them). matfile_read reads the 8-byte header length, the
 * header and exactly the tensor data it announces, so an endless or non-regular
 * input (/dev/zero) costs a bounded amount of reading (it used to be read to its
 * end first, which for /dev/zero never came). Returns 0, or -1 with e set.
 */
static int
slurp(struct matview *in, FILE *f, const char *name, char **out, size_t *len, struct err *e)
{
	cookie_io_functions_t io = { .read = tee_read };
	struct tee t = { .f = f };
	FILE *tf = fopencookie(&t, "rb", io);
	int rc;

	*out = NULL;
	if (tf == NULL)
		return err_nomem(e);
	rc = matfile_read(tf, name, &in->own, e);
	fclose(tf);
	if (t.nomem) {
		free(t.buf);
		return err_nomem(e);
	}
	if (rc < 0) {
		free(t.buf);
		return -1;
	}
	*out = t.buf;
	*len = t.len;
	return 0;
}

/* Reads buf[0..len) with the reader for its kind. Returns 0 or -1. */
static int
load(struct matview *in, const char *buf, size_t len, const char *want_kind, struct err *e)
{
	FILE *f;
	int rc;

	/* in->own was read by slurp */
	in->mf = &in->own;
	in->file_bytes = len;
	in->header_bytes = len - in->own.buflen;
	in->kind = matfile_meta(&in->own, "kind");
	if (in->kind == NULL)
		return err_set(e, EXIT_DATA, "%s: no __metadata__.kind", in->name);
	if (want_kind != NULL && strcmp(in->kind, want_kind) != 0)
		return err_set(e, EXIT_DATA, "%s: a '%s' container, expected '%s'", in->name, in->kind,
		    want_kind);
	in->is_ratings = strcmp(in->kind, "ratings") == 0;
	in->is_model = strcmp(in->kind, "model") == 0;
	if (!in->is_ratings && !in->is_model)
		return 0;
	if ((f = fmemopen((void *)buf, len, "rb")) == NULL)
		return err_nomem(e);
	rc = in->is_ratings ? ratings_read(f, in->name, &in->r, e) :
	    model_read(f, in->name, &in->m, e);
	fclose(f);
	if (rc < 0)
		return -1;
	in->mf = in->is_ratings ? &in->r.mf : &in->m.mf;
	in->kind = matfile_meta(in->mf, "kind");
	return 0;
}

static json_t *
tensors_json(const struct matfile *mf)
{
	json_t *t = json_object();

	for (size_t k = 0; k < mf->n; k++) {
		const struct mat_tensor *x = &mf->t[k];
		json_t *shape = json_array();
		size_t off = (size_t)((const char *)x->data - (const char *)mf->buf);

		for (int d = 0; d < x->ndim; d++)
			json_array_append_new(shape, json_integer(x->shape[d]));
		json_object_set_new(t, x->name, json_pack("{s:s,s:o,s:[I,I]}", "dtype",
		    mat_dtype_name(x->dtype), "shape", shape, "data_offsets", (json_int_t)off,
		    (json_int_t)(off + x->nbytes)));
	}
	return t;
}

int
matview_json(const struct matview *in, FILE *out, struct err *e)
{
	json_t *o = json_pack("{s:s,s:s}", "file", in->name, "kind", in->kind);
	int rc;

	if (in->is_ratings) {
		json_object_set_new(o, "rows", json_integer(in->r.rows));
		json_object_set_new(o, "cols", json_integer(in->r.cols));
		json_object_set_new(o, "nnz", json_integer(in->r.nnz));
		json_object_set_new(o, "density", json_real(in->r.rows && in->r.cols ?
		    (double)in->r.nnz / ((double)in->r.rows * (double)in->r.cols) : 0));
		json_object_set_new(o, "feedback", json_string(in->r.implicit ? "implicit" : "explicit"));
		json_object_set_new(o, "timestamps", json_boolean(in->r.ts != NULL));
	} else if (in->is_model) {
		json_object_set_new(o, "users", json_integer(in->m.users));
		json_object_set_new(o, "items", json_integer(in->m.items));
		json_object_set_new(o, "factors", json_integer(in->m.k));
	}
	json_object_set_new(o, "file_bytes", json_integer((json_int_t)in->file_bytes));
	json_object_set_new(o, "header_bytes", json_integer((json_int_t)in->header_bytes));
	json_object_set_new(o, "tensors", tensors_json(in->mf));
	json_object_set(o, "metadata", in->mf->meta);
	rc = ndjson_write(out, o, e);
	json_decref(o);
	return rc;
}

void
matview_text(const struct matview *in, FILE *out)
{
	const char *key;
	json_t *val;

	fprintf(out, "file:     %s (%zu bytes: %zu of header, %zu of data)\n", in->name,
	    in->file_bytes, in->header_bytes, in->file_bytes - in->header_bytes);
	fprintf(out, "kind:     %s\n", in->kind);
	if (in->is_ratings)
		fprintf(out, "shape:    %lld users x %lld items, %lld non-zeros (density %.6g), %s%s\n",
		    (long long)in->r.rows, (long long)in->r.cols, (long long)in->r.nnz,
		    in->r.rows && in->r.cols ? (double)in->r.nnz / ((double)in->r.rows * (double)in->r.cols) : 0,
		    in->r.implicit ? "implicit" : "explicit", in->r.ts ? ", with timestamps" : "");
	else if (in->is_model)
		fprintf(out, "shape:    %lld users, %lld items, %lld factors\n", (long long)in->m.users,
		    (long long)in->m.items, (long long)in->m.k);
	fprintf(out, "tensors:\n");
	for (size_t k = 0; k < in->mf->n; k++) {
		const struct mat_tensor *x = &in->mf->t[k];
		size_t off = (size_t)((const char *)x->data - (const char *)in->mf->buf);
		char shape[128] = "[";
		size_t len = 1;

		for (int d = 0; d < x->ndim; d++)
			len += (size_t)snprintf(shape + len, sizeof shape - len, "%s%lld", d ? "," : "",
			    (long long)x->shape[d]);
		snprintf(shape + len, sizeof shape - len, "]");
		fprintf(out, "  %-20s %-4s %-14s bytes %zu..%zu\n", x->name, mat_dtype_name(x->dtype),
		    shape, off, off + x->nbytes);
	}
	fprintf(out, "metadata:\n");
	json_object_foreach(in->mf->meta, key, val)
		fprintf(out, "  %s = %s\n", key, json_string_value(val));
}

/* The shortest decimal that reads back as the same float, as a JSON real. */
static json_t *
float_json(float v)
{
	char buf[32];

	for (int p = 6; p <= 9; p++) {
		snprintf(buf, sizeof buf, "%.*g", p, (double)v);
		if (strtof(buf, NULL) == v)
			break;
	}
	return json_real(strtod(buf, NULL));
}

static json_t *
id_json(const struct ids *t, int64_t k)
{
	size_t len;
	const char *s = ids_get(t, k, &len);

	return json_stringn(s, len);
}

static int
dump_ratings(const struct ratings *r, FILE *out, struct err *e)
{
	for (int64_t u = 0; u < r->rows; u++) {
		json_t *o = json_object(), *items = json_object(), *ts = r->ts ? json_object() : NULL;
		int rc;

		for (int64_t k = r->indptr[u]; k < r->indptr[u + 1]; k++) {
			const char *item = ids_get(&r->items, r->indices[k], NULL);

			json_object_set_new(items, item, float_json(r->values[k]));
			if (ts != NULL)
				json_object_set_new(ts, item, json_integer(r->ts[k]));
		}
		json_object_set_new(o, "user", id_json(&r->users, u));
		json_object_set_new(o, "items", items);
		if (ts != NULL)
			json_object_set_new(o, "ts", ts);
		rc = ndjson_write(out, o, e);
		json_decref(o);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static json_t *
floats_json(const float *v, int64_t n)
{
	json_t *a = json_array();

	for (int64_t k = 0; k < n; k++)
		json_array_append_new(a, float_json(v[k]));
	return a;
}

static int
dump_model(const struct model *m, FILE *out, struct err *e)
{
	json_t *o;
	int rc = 0;

	o = json_pack("{s:o}", "global_mean", float_json(m->global_mean));
	rc = ndjson_write(out, o, e);
	json_decref(o);
	for (int64_t u = 0; u < m->users && rc == 0; u++) {
		o = json_pack("{s:o,s:o,s:o}", "user", id_json(&m->user_ids, u), "bias",
		    float_json(m->user_bias[u]), "factors", floats_json(m->P + u * m->k, m->k));
		rc = ndjson_write(out, o, e);
		json_decref(o);
	}
	for (int64_t i = 0; i < m->items && rc == 0; i++) {
		o = json_pack("{s:o,s:o,s:o}", "item", id_json(&m->item_ids, i), "bias",
		    float_json(m->item_bias[i]), "factors", floats_json(m->Q + i * m->k, m->k));
		rc = ndjson_write(out, o, e);
		json_decref(o);
	}
	return rc;
}

/* Element k of a tensor as a JSON number. */
static json_t *
elem_json(const struct mat_tensor *x, int64_t k)
{
	switch (x->dtype) {
	case MAT_F32: return float_json(((const float *)x->data)[k]);
	case MAT_F64: return json_real(((const double *)x->data)[k]);
	case MAT_I32: return json_integer(((const int32_t *)x->data)[k]);
	case MAT_I64: return json_integer(((const int64_t *)x->data)[k]);
	default: return json_integer(((const uint8_t *)x->data)[k]);
	}
}

/* Any other container: one line per row of each tensor. */
static int
dump_tensors(const struct matfile *mf, FILE *out, struct err *e)
{
	for (size_t t = 0; t < mf->n; t++) {
		const struct mat_tensor *x = &mf->t[t];
		int64_t rows = x->ndim >= 2 ? x->shape[0] : 1, width = rows ? x->count / rows : 0;

		for (int64_t row = 0; row < rows; row++) {
			json_t *a = json_array(), *o;
			int rc;

			for (int64_t c = 0; c < width; c++)
				json_array_append_new(a, elem_json(x, row * width + c));
			o = json_pack("{s:s,s:I,s:o}", "tensor", x->name, "row", (json_int_t)row, "values", a);
			rc = ndjson_write(out, o, e);
			json_decref(o);
			if (rc < 0)
				return -1;
		}
	}
	return 0;
}

int
matview_mtx(const struct matview *in, const char *tname, FILE *out, struct err *e)
{
	const struct mat_tensor *x = NULL;

	if (in->is_ratings && tname == NULL) {
		const struct ratings *r = &in->r;

		fprintf(out, "%%%%MatrixMarket matrix coordinate real general\n"
		    "%% %s: users (rows) by items (columns) in the container's id order\n"
		    "%lld %lld %lld\n", in->name, (long long)r->rows, (long long)r->cols, (long long)r->nnz);
		for (int64_t u = 0; u < r->rows; u++)
			for (int64_t k = r->indptr[u]; k < r->indptr[u + 1]; k++)
				fprintf(out, "%lld %d %.9g\n", (long long)u + 1, r->indices[k] + 1,
				    (double)r->values[k]);
		return ferror(out) ? err_set(e, EXIT_IO, "write error") : 0;
	}
	if (tname != NULL && (x = matfile_find(in->mf, tname)) == NULL)
		return err_set(e, EXIT_USAGE, "%s: no tensor '%s'", in->name, tname);
	for (size_t t = 0; x == NULL && t < in->mf->n; t++)
		if (in->mf->t[t].ndim == 2 && (in->mf->t[t].dtype == MAT_F32 || in->mf->t[t].dtype == MAT_F64))
			x = &in->mf->t[t];
	if (x == NULL || x->ndim > 2)
		return err_set(e, EXIT_USAGE, "%s: no 1-D or 2-D tensor to write (use --tensor)", in->name);
	{
		int64_t rows = x->ndim == 2 ? x->shape[0] : x->count, cols = x->ndim == 2 ? x->shape[1] : 1;

		fprintf(out, "%%%%MatrixMarket matrix array %s general\n%% %s: tensor %s\n%lld %lld\n",
		    x->dtype == MAT_F32 || x->dtype == MAT_F64 ? "real" : "integer", in->name, x->name,
		    (long long)rows, (long long)cols);
		for (int64_t c = 0; c < cols; c++)         /* Matrix Market arrays are column-major */
			for (int64_t row = 0; row < rows; row++) {
				json_t *v = elem_json(x, row * cols + c);

				if (json_is_integer(v))
					fprintf(out, "%lld\n", (long long)json_integer_value(v));
				else
					fprintf(out, "%.17g\n", json_real_value(v));
				json_decref(v);
			}
	}
	return ferror(out) ? err_set(e, EXIT_IO, "write error") : 0;
}

int
matview_dump(const struct matview *in, FILE *out, struct err *e)
{
	return in->is_ratings ? dump_ratings(&in->r, out, e) : in->is_model ?
	    dump_model(&in->m, out, e) : dump_tensors(in->mf, out, e);
}

int
matview_load(struct matview *in, FILE *f, const char *name, const char *want_kind, struct err *e)
{
	size_t len = 0;

	memset(in, 0, sizeof *in);
	in->name = name;
	if (slurp(in, f, name, &in->buf, &len, e) < 0)
		return -1;
	return load(in, in->buf, len, want_kind, e);
}

void
matview_free(struct matview *in)
{
	if (in->own.meta != NULL)
		matfile_free(&in->own);
	if (in->is_ratings)
		ratings_free(&in->r);
	if (in->is_model)
		model_free(&in->m);
	free(in->buf);
	memset(in, 0, sizeof *in);
}
