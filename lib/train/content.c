/* content.c - the content model: catalog words and attributes weighted by BM25 or TF-IDF, hashed to k dimensions */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "base/ndjson.h"
#include "data/catalog.h"
#include "train/content.h"
#include "train/text.h"

void
content_opts_default(struct content_opts *o)
{
	memset(o, 0, sizeof *o);
	o->k = 0;
	o->lang = "en";
	o->k1 = 1.2;
	o->b = 0.75;
	o->w_title = 2;
	o->w_desc = 1;
	o->w_cat = 1;
	o->w_brand = 1;
	o->w_price = 0.3;
	o->min_df = 2;
	o->max_df = 0.5;
	o->seed = 1;
}

void
content_init(struct content *c)
{
	memset(c, 0, sizeof *c);
	ids_init(&c->items);
	ids_init(&c->feats);
	buf_init(&c->labels);
}

void
content_free(struct content *c)
{
	ids_free(&c->items);
	ids_free(&c->feats);
	buf_free(&c->labels);
	free(c->label_off);
	free(c->indptr);
	free(c->indices);
	free(c->values);
	free(c->key_bytes);
	free(c->key_off);
	memset(c, 0, sizeof *c);
}

/* --- building: one catalog line at a time --- */

enum { F_WORD, F_CAT, F_BRAND, F_PRICE };

struct entry {
	int32_t f;
	float tf;
};

struct builder {
	struct content *c;
	const struct content_opts *o;
	struct text text[5];            /* en, de, fr, es, none: made on first use */
	int made[5];
	struct entry *ent;              /* the current item's features */
	size_t nent, entcap;
	double weight;                  /* of the current field's words */
	struct buf key;
	int64_t *df;                    /* per feature: items that have it */
	uint8_t *kind;                  /* per feature: F_WORD, ... */
	size_t fcap;
	float *tf, *dl;                 /* per entry, raw; per item: words */
	size_t nzcap, icap;
};

static int
grow(void **p, size_t *cap, size_t need, size_t sz, struct err *e)
{
	size_t ncap;
	void *np;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 1024;
	while (ncap < need)
		ncap *= 2;
	if ((np = realloc(*p, ncap * sz)) == NULL)
		return err_nomem(e);
	*p = np;
	*cap = ncap;
	return 0;
}

/* The index of feature key (kind), adding it with label when new. -1 when out of memory. */
static int64_t
feature(struct builder *b, int kind, const char *key, size_t klen, const char *label,
    size_t llen, struct err *e)
{
	struct content *c = b->c;
	size_t before = ids_count(&c->feats);
	int64_t f = ids_intern(&c->feats, key, klen, e);

	if (f < 0 || (size_t)f < before)
		return f;
	if (grow((void **)&b->df, &b->fcap, (size_t)f + 1, sizeof *b->df, e) < 0)
		return -1;
	{
		size_t cap = b->fcap;       /* kind grows with df: same capacity */
		uint8_t *nk = realloc(b->kind, cap);

		if (nk == NULL)
			return err_nomem(e);
		b->kind = nk;
	}
	b->df[f] = 0;
	b->kind[f] = (uint8_t)kind;
	if (grow((void **)&c->label_off, &c->label_cap, (size_t)f + 2, sizeof *c->label_off, e) < 0)
		return -1;
	c->label_off[f] = (int64_t)c->labels.len;
	if (buf_add(&c->labels, label, llen) < 0)
		return err_nomem(e);
	c->label_off[f + 1] = (int64_t)c->labels.len;
	return f;
}

static int
add_entry(struct builder *b, int64_t f, double tf, struct err *e)
{
	if (grow((void **)&b->ent, &b->entcap, b->nent + 1, sizeof *b->ent, e) < 0)
		return -1;
	b->ent[b->nent].f = (int32_t)f;
	b->ent[b->nent].tf = (float)tf;
	b->nent++;
	return 0;
}

static int
add_word(void *arg, const char *term, size_t len, const char *surface, size_t slen,
    struct err *e)
{
	struct builder *b = arg;
	int64_t f;

	buf_reset(&b->key);
	if (buf_add(&b->key, "w:", 2) < 0 || buf_add(&b->key, term, len) < 0)
		return err_nomem(e);
	if ((f = feature(b, F_WORD, b->key.s, b->key.len, surface, slen, e)) < 0)
		return -1;
	return add_entry(b, f, b->weight, e);
}

/* The attribute feature PREFIX:value. */
static int
add_attr(struct builder *b, int kind, const char *prefix, const char *v, const char *label,
    struct err *e)
{
	int64_t f;

	buf_reset(&b->key);
	if (buf_adds(&b->key, prefix) < 0 || buf_adds(&b->key, v) < 0)
		return err_nomem(e);
	if ((f = feature(b, kind, b->key.s, b->key.len, label, strlen(label), e)) < 0)
		return -1;
	return add_entry(b, f, 1, e);
}

static struct text *
text_for(struct builder *b, const char *lang, struct err *e)
{
	static const char *const codes[5] = { "en", "de", "fr", "es", "none" };
	char two[3] = { 0 };
	size_t i;

	if (lang != NULL && strlen(lang) >= 2 && (lang[2] == '\0' || lang[2] == '-' ||
	    lang[2] == '_')) {
		two[0] = (char)(lang[0] | 0x20);
		two[1] = (char)(lang[1] | 0x20);
		lang = two;
	}
	if (lang == NULL || !text_lang_known(lang))
		lang = b->o->lang;
	for (i = 0; i < 5 && strcmp(codes[i], lang) != 0; i++)
		;
	if (i == 5)
		i = 4;
	if (!b->made[i]) {
		if (text_init(&b->text[i], codes[i], e) < 0)
			return NULL;
		b->made[i] = 1;
	}
	return &b->text[i];
}

static int
by_feature(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;

	return (a->f > b->f) - (a->f < b->f);
}

/* Sorts and merges the current item's entries and appends them as its row. */
static int
end_item(struct builder *b, size_t item, double words, struct err *e)
{
	struct content *c = b->c;
	size_t n = 0;

	if (b->nent > 1)
		qsort(b->ent, b->nent, sizeof *b->ent, by_feature);
	for (size_t j = 0; j < b->nent; j++) {
		if (n > 0 && b->ent[n - 1].f == b->ent[j].f)
			b->ent[n - 1].tf += b->ent[j].tf;
		else
			b->ent[n++] = b->ent[j];
	}
	if (grow((void **)&c->indices, &b->nzcap, (size_t)c->nnz + n, sizeof *c->indices, e) < 0)
		return -1;
	{
		float *nt = realloc(b->tf, (b->nzcap + 1) * sizeof *nt);

		if (nt == NULL)
			return err_nomem(e);
		b->tf = nt;
	}
	if (grow((void **)&c->indptr, &b->icap, item + 2, sizeof *c->indptr, e) < 0)
		return -1;
	{
		float *nd = realloc(b->dl, b->icap * sizeof *nd);

		if (nd == NULL)
			return err_nomem(e);
		b->dl = nd;
	}
	for (size_t j = 0; j < n; j++) {
		c->indices[c->nnz] = b->ent[j].f;
		b->tf[c->nnz] = b->ent[j].tf;
		b->df[b->ent[j].f]++;
		c->nnz++;
	}
	c->indptr[item] = c->nnz - (int64_t)n;
	c->indptr[item + 1] = c->nnz;
	b->dl[item] = (float)words;
	b->nent = 0;
	return 0;
}

/* Words of one text field with weight w. Returns the words' weight, or -1. */
static double
add_text(struct builder *b, struct text *t, const char *s, double w, struct err *e)
{
	long nw;

	if (s == NULL || w <= 0)
		return 0;
	b->weight = w;
	if ((nw = text_words(t, s, strlen(s), b->o->pairs, add_word, b, e)) < 0)
		return -1;
	return (double)nw * w;
}

/* One catalog line: its item and features. */
static int
add_line(struct builder *b, const json_t *o, struct err *e)
{
	struct content *c = b->c;
	const char *item = ndjson_str(o, "item"), *v;
	struct text *t;
	double price = 0, words = 0, w;
	size_t before = ids_count(&c->items);
	int64_t i;

	/* the catalog's own rules (item, currency, price, stock...), as every reader applies them */
	if (catalog_check_line(o, e) < 0)
		return -1;
	for (const char *const *k = (const char *const[]){ "title", "description", "category",
	    "brand", "lang", NULL }; *k != NULL; k++) {
		const json_t *f = json_object_get(o, *k);

		if (f != NULL && !json_is_null(f) && !json_is_string(f))
			return err_set(e, EXIT_DATA, "\"%s\" is not a string", *k);
	}
	if ((i = ids_intern(&c->items, item, json_string_length(json_object_get(o, "item")),
	    e)) < 0)
		return -1;
	if ((size_t)i < before) {
		c->dups++;
		return err_set(e, EXIT_DATA, "duplicate item \"%s\"", item);
	}
	if ((t = text_for(b, ndjson_str(o, "lang"), e)) == NULL)
		return -1;
	if ((w = add_text(b, t, ndjson_str(o, "title"), b->o->w_title, e)) < 0)
		return -1;
	words += w;
	if ((w = add_text(b, t, ndjson_str(o, "description"), b->o->w_desc, e)) < 0)
		return -1;
	words += w;
	if ((v = ndjson_str(o, "category")) != NULL && *v != '\0' && b->o->w_cat > 0 &&
	    add_attr(b, F_CAT, "c:", v, v, e) < 0)
		return -1;
	if ((v = ndjson_str(o, "brand")) != NULL && *v != '\0' && b->o->w_brand > 0 &&
	    add_attr(b, F_BRAND, "b:", v, v, e) < 0)
		return -1;
	if (ndjson_num(o, "price", &price) < 0)
		return err_set(e, EXIT_DATA, "\"price\" is not a number");
	if (price > 0 && isfinite(price) && b->o->w_price > 0) {
		/* bands of powers of two: 8-16, 16-32, ... */
		int band = (int)floor(log2(price));
		char key[32], label[64];

		snprintf(key, sizeof key, "%d", band);
		snprintf(label, sizeof label, "%g-%g", ldexp(1, band), ldexp(1, band + 1));
		if (add_attr(b, F_PRICE, "p:", key, label, e) < 0)
			return -1;
	}
	return end_item(b, (size_t)i, words, e);
}

/* The weight of one entry of item i. */
static double
weigh(const struct builder *b, const struct content *c, int64_t j, size_t i, double avgdl,
    double n)
{
	const struct content_opts *o = b->o;
	int32_t f = c->indices[j];
	double df = (double)b->df[f], idf = log(1 + (n - df + 0.5) / (df + 0.5)), tf = b->tf[j];

	switch (b->kind[f]) {
	case F_CAT: return o->w_cat * idf;
	case F_BRAND: return o->w_brand * idf;
	case F_PRICE: return o->w_price * idf;
	default: break;
	}
	if (o->tfidf)
		return (1 + log(tf < 1 ? 1 : tf)) * idf;
	return tf * (o->k1 + 1) / (tf + o->k1 * (1 - o->b + o->b * (avgdl > 0 ? b->dl[i] / avgdl : 1)))
	    * idf;
}

/* Drops the features no two items share (or that most items have), renumbers, weighs, normalises. */
static int
finish(struct builder *b, struct err *e)
{
	struct content *c = b->c;
	size_t nf = ids_count(&c->feats), ni = ids_count(&c->items);
	int32_t *map = malloc((nf + 1) * sizeof *map);
	struct ids keep;
	struct buf lab;
	int64_t *loff = malloc((nf + 2) * sizeof *loff), nnz = 0;
	double avgdl = 0, n = (double)ni;
	int32_t nk = 0;

	ids_init(&keep);
	buf_init(&lab);
	if (map == NULL || loff == NULL || (c->values = malloc((c->nnz + 1) *
	    sizeof *c->values)) == NULL) {
		free(map);
		free(loff);
		return err_nomem(e);
	}
	loff[0] = 0;
	for (size_t f = 0; f < nf; f++) {
		size_t klen;
		const char *k = ids_get(&c->feats, (int64_t)f, &klen);
		int drop = b->df[f] < b->o->min_df ||
		    (b->kind[f] == F_WORD && ni >= 10 && (double)b->df[f] > b->o->max_df * n);

		map[f] = -1;
		if (drop)
			continue;
		if (ids_intern(&keep, k, klen, e) < 0 || buf_add(&lab, c->labels.s + c->label_off[f],
		    (size_t)(c->label_off[f + 1] - c->label_off[f])) < 0) {
			free(map);
			free(loff);
			ids_free(&keep);
			buf_free(&lab);
			return e->code ? -1 : err_nomem(e);
		}
		map[f] = nk++;
		loff[nk] = (int64_t)lab.len;
	}
	for (size_t i = 0; i < ni; i++)
		avgdl += b->dl[i];
	avgdl = ni ? avgdl / (double)ni : 0;
	c->avg_words = avgdl;
	c->empty = 0;
	for (size_t i = 0; i < ni; i++) {
		int64_t start = nnz;
		double norm = 0;

		for (int64_t j = c->indptr[i]; j < c->indptr[i + 1]; j++) {
			int32_t f = c->indices[j];

			if (map[f] < 0)
				continue;
			c->values[nnz] = (float)weigh(b, c, j, i, avgdl, n);
			c->indices[nnz] = map[f];
			norm += (double)c->values[nnz] * c->values[nnz];
			nnz++;
		}
		norm = sqrt(norm);
		for (int64_t j = start; j < nnz; j++)
			c->values[j] = norm > 0 ? (float)(c->values[j] / norm) : 0;
		c->indptr[i] = start;
		c->empty += nnz == start;
	}
	if (ni > 0)
		c->indptr[ni] = nnz;
	c->nnz = nnz;
	ids_free(&c->feats);
	c->feats = keep;
	buf_free(&c->labels);
	c->labels = lab;
	free(c->label_off);
	c->label_off = loff;
	c->label_cap = nf + 2;
	free(map);
	return 0;
}

int
content_build(struct content *c, const struct content_opts *o, FILE *f, const char *name,
    struct err *e)
{
	struct builder b;
	struct ndjson_reader rd;
	json_t *obj;
	int r, rc = -1;

	memset(&b, 0, sizeof b);
	b.c = c;
	b.o = o;
	buf_init(&b.key);
	if (!text_lang_known(o->lang))
		return err_set(e, EXIT_USAGE, "language '%s' is not en, de, fr, es or none", o->lang);
	if ((c->indptr = calloc(1, sizeof *c->indptr)) == NULL)
		return err_nomem(e);
	b.icap = 1;
	if ((b.dl = calloc(1, sizeof *b.dl)) == NULL)
		return err_nomem(e);
	if (ndjson_init(&rd, f, name, 0, e) < 0)
		goto out;
	while ((r = ndjson_next(&rd, &obj, NULL, e)) > 0) {
		c->lines++;
		r = add_line(&b, obj, e);
		json_decref(obj);
		if (r < 0) {
			if (e->code == EXIT_DATA)
				err_prefix(e, "%s:%ld", name, ndjson_lineno(&rd));
			break;
		}
	}
	ndjson_free(&rd);
	if (r < 0)
		goto out;
	rc = finish(&b, e);
out:
	for (int i = 0; i < 5; i++)
		if (b.made[i])
			text_free(&b.text[i]);
	free(b.ent);
	free(b.df);
	free(b.kind);
	free(b.tf);
	free(b.dl);
	buf_free(&b.key);
	return rc;
}

/* --- the dense model --- */

/* FNV-1a of a feature key, mixed with the seed (splitmix64's finaliser). */
static uint64_t
key_hash(const char *s, size_t n, uint64_t seed)
{
	uint64_t h = 1469598103934665603ULL ^ seed;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	h += 0x9e3779b97f4a7c15ULL;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

static int
add_features(struct matfile *mf, const void *arg, struct err *e)
{
	const struct content *c = arg;
	int64_t ni = (int64_t)ids_count(&c->items), nf = (int64_t)ids_count(&c->feats);
	int64_t s1 = ni + 1, snz = c->nnz, sf = nf + 1, skb = (int64_t)c->key_nbytes;
	int64_t slb = (int64_t)c->labels.len;
	static const uint8_t none[1];

	if (matfile_add(mf, "features.indptr", MAT_I64, 1, &s1, c->indptr, e) < 0 ||
	    matfile_add(mf, "features.indices", MAT_I32, 1, &snz, c->indices, e) < 0 ||
	    matfile_add(mf, "features.values", MAT_F32, 1, &snz, c->values, e) < 0 ||
	    matfile_add(mf, "feature_ids.offsets", MAT_I64, 1, &sf, c->key_off, e) < 0 ||
	    matfile_add(mf, "feature_ids.bytes", MAT_U8, 1, &skb, c->key_bytes, e) < 0 ||
	    matfile_add(mf, "feature_labels.offsets", MAT_I64, 1, &sf, c->label_off, e) < 0 ||
	    matfile_add(mf, "feature_labels.bytes", MAT_U8, 1, &slb,
	    c->labels.s ? (const void *)c->labels.s : none, e) < 0)
		return -1;
	return 0;
}

/* The dense vectors of c's items: each feature adds its weight to two hashed, signed cells. */
static int
project(struct model *m, const struct content *c, const struct content_opts *o, struct err *e)
{
	size_t nf = ids_count(&c->feats), ni = ids_count(&c->items), k = (size_t)m->k;
	uint32_t *cell;
	float *sign;

	if (nf <= k) {
		/* the features fit: each is a dimension of its own, and dot products are exact */
		for (size_t i = 0; i < ni; i++)
			for (int64_t j = c->indptr[i]; j < c->indptr[i + 1]; j++)
				m->Q[i * k + (size_t)c->indices[j]] = c->values[j];
		return 0;
	}
	cell = malloc((2 * nf + 1) * sizeof *cell);
	sign = malloc((2 * nf + 1) * sizeof *sign);

	if (cell == NULL || sign == NULL) {
		free(cell);
		free(sign);
		return err_nomem(e);
	}
	for (size_t f = 0; f < nf; f++) {
		size_t len;
		const char *key = ids_get(&c->feats, (int64_t)f, &len);
		uint64_t h = key_hash(key, len, o->seed);

		cell[2 * f] = (uint32_t)((h & 0xffffffffu) % k);
		cell[2 * f + 1] = (uint32_t)((h >> 32) % k);
		if (k > 1 && cell[2 * f + 1] == cell[2 * f])
			cell[2 * f + 1] = (cell[2 * f] + 1) % (uint32_t)k;
		sign[2 * f] = (h >> 62) & 1 ? (float)M_SQRT1_2 : (float)-M_SQRT1_2;
		sign[2 * f + 1] = (h >> 63) & 1 ? (float)M_SQRT1_2 : (float)-M_SQRT1_2;
	}
	for (size_t i = 0; i < ni; i++) {
		float *q = m->Q + i * k;
		double norm = 0;

		for (int64_t j = c->indptr[i]; j < c->indptr[i + 1]; j++) {
			int32_t f = c->indices[j];

			q[cell[2 * f]] += sign[2 * f] * c->values[j];
			q[cell[2 * f + 1]] += sign[2 * f + 1] * c->values[j];
		}
		for (size_t d = 0; d < k; d++)
			norm += (double)q[d] * q[d];
		if (norm > 0) {
			float s = (float)(1 / sqrt(norm));

			for (size_t d = 0; d < k; d++)
				q[d] *= s;
		}
	}
	free(cell);
	free(sign);
	return 0;
}

static int
set_meta(struct model *m, const char *key, const char *fmt, double v)
{
	char s[64];

	snprintf(s, sizeof s, fmt, v);
	return json_object_set_new(m->meta, key, json_string(s));
}

/* The profiles of r's users over c's items (rows of P), in r's order; users with none left out. */
static int
profiles(struct model *m, const struct content *c, const struct content_opts *o,
    const struct ratings *r, const int64_t *to, const float *Qd, struct err *e)
{
	size_t k = (size_t)m->k;
	int64_t now = o->now, nu = 0;
	double *acc = malloc(k * sizeof *acc);

	if (acc == NULL)
		return err_nomem(e);
	if (!o->has_now && r->ts != NULL)
		for (int64_t j = 0; j < r->nnz; j++)
			if (r->ts[j] > now)
				now = r->ts[j];
	for (int64_t u = 0; u < r->rows; u++) {
		double norm = 0;
		int any = 0;

		memset(acc, 0, k * sizeof *acc);
		for (int64_t j = r->indptr[u]; j < r->indptr[u + 1]; j++) {
			int64_t i = to[r->indices[j]];
			double w = r->values[j];

			if (i < 0 || w <= 0)
				continue;
			if (o->half_life_days > 0) {
				double age = (double)(now - r->ts[j]) / 86400.0;

				w *= exp2(-(age > 0 ? age : 0) / o->half_life_days);
			}
			for (size_t d = 0; d < k; d++)
				acc[d] += w * Qd[(size_t)i * k + d];
			any = 1;
		}
		for (size_t d = 0; d < k; d++)
			norm += acc[d] * acc[d];
		if (!any || norm <= 0)
			continue;
		norm = sqrt(norm);
		{
			size_t len;
			const char *id = ids_get(&r->users, u, &len);

			if (ids_intern(&m->user_ids, id, len, e) < 0) {
				free(acc);
				return -1;
			}
		}
		for (size_t d = 0; d < k; d++)
			m->P[(size_t)nu * k + d] = (float)(acc[d] / norm);
		nu++;
	}
	m->users = nu;
	free(acc);
	return 0;
}

int64_t
content_dims(const struct content *c, const struct content_opts *o)
{
	int64_t nf = (int64_t)ids_count(&c->feats);

	if (o->k > 0)
		return o->k;
	/* exact while the features are few and the item vectors stay under CONTENT_EXACT_FLOATS */
	if (nf <= CONTENT_EXACT_MAX && (int64_t)ids_count(&c->items) * nf <= CONTENT_EXACT_FLOATS)
		return nf > 0 ? nf : 1;
	return CONTENT_HASHED_DIMS;
}

int
content_model(struct model *m, struct content *c, const struct content_opts *o,
    const struct ratings *r, struct err *e)
{
	size_t ni = ids_count(&c->items);
	int64_t *to = NULL, users = 0;
	int rc = -1;

	if (r != NULL && o->half_life_days > 0 && r->ts == NULL)
		return err_set(e, EXIT_DATA, "--half-life needs timestamps in the ratings");
	if (r != NULL) {
		if ((to = malloc(((size_t)r->cols + 1) * sizeof *to)) == NULL)
			return err_nomem(e);
		for (int64_t j = 0; j < r->cols; j++) {
			size_t len;
			const char *id = ids_get(&r->items, j, &len);

			to[j] = ids_find(&c->items, id, len);
		}
		users = r->rows;
	}
	if (model_alloc(m, users, (int64_t)ni, content_dims(c, o), e) < 0)
		goto out;
	if (project(m, c, o, e) < 0 || ids_copy(&m->item_ids, &c->items, e) < 0)
		goto out;
	if (r != NULL) {
		for (int64_t j = 0; j < r->nnz; j++)
			if (to[r->indices[j]] >= 0)
				m->item_pop[to[r->indices[j]]] += 1;
		if (profiles(m, c, o, r, to, m->Q, e) < 0)
			goto out;
	}
	if (ids_export(&c->feats, &c->key_bytes, &c->key_nbytes, &c->key_off, e) < 0)
		goto out;
	m->extra = add_features;
	m->extra_arg = c;
	if (json_object_set_new(m->meta, "algo", json_string("content")) < 0 ||
	    json_object_set_new(m->meta, "weighting", json_string(o->tfidf ? "tfidf" : "bm25")) ||
	    json_object_set_new(m->meta, "lang", json_string(o->lang)) ||
	    json_object_set_new(m->meta, "projection", json_string((int64_t)ids_count(&c->feats) <=
	    m->k ? "exact" : "hashed")) ||
	    json_object_set_new(m->meta, "feedback", json_string("implicit")) ||
	    set_meta(m, "k1", "%g", o->k1) || set_meta(m, "b", "%g", o->b) ||
	    set_meta(m, "pairs", "%g", o->pairs) || set_meta(m, "title_weight", "%g", o->w_title) ||
	    set_meta(m, "description_weight", "%g", o->w_desc) ||
	    set_meta(m, "category_weight", "%g", o->w_cat) ||
	    set_meta(m, "brand_weight", "%g", o->w_brand) ||
	    set_meta(m, "price_weight", "%g", o->w_price) ||
	    set_meta(m, "min_df", "%g", (double)o->min_df) || set_meta(m, "max_df", "%g", o->max_df) ||
	    set_meta(m, "half_life", "%g", o->half_life_days) ||
	    set_meta(m, "seed", "%.0f", (double)o->seed) ||
	    set_meta(m, "features", "%.0f", (double)ids_count(&c->feats)) ||
	    set_meta(m, "feature_nnz", "%.0f", (double)c->nnz) ||
	    set_meta(m, "items_without_features", "%.0f", (double)c->empty)) {
		err_nomem(e);
		goto out;
	}
	rc = 0;
out:
	free(to);
	return rc;
}

/* --- reading the features back --- */

static const void *
tensor(const struct matfile *mf, const char *name, enum mat_dtype dt, int64_t count,
    struct err *e)
{
	const struct mat_tensor *t = matfile_expect(mf, name, dt, 1, e);

	if (t == NULL)
		return NULL;
	if (count >= 0 && t->count != count) {
		err_set(e, EXIT_DATA, "tensor '%s' has %lld entries, expected %lld", name,
		    (long long)t->count, (long long)count);
		return NULL;
	}
	return t->data ? t->data : (const void *)"";
}

/* 1 when off[0..n] runs from 0 up to len without going down. */
static int
offsets_ok(const int64_t *off, int64_t n, int64_t len)
{
	if (off[0] != 0 || off[n] != len)
		return 0;
	for (int64_t i = 0; i < n; i++)
		if (off[i + 1] < off[i])
			return 0;
	return 1;
}

int
content_feat_read(struct content_feat *f, const struct matfile *mf, int64_t items,
    struct err *e)
{
	const struct mat_tensor *ind, *kb, *lb;

	memset(f, 0, sizeof *f);
	if (matfile_find(mf, "features.indptr") == NULL)
		return 0;
	if ((f->indptr = tensor(mf, "features.indptr", MAT_I64, items + 1, e)) == NULL ||
	    (ind = matfile_expect(mf, "features.indices", MAT_I32, 1, e)) == NULL ||
	    (f->values = tensor(mf, "features.values", MAT_F32, ind->count, e)) == NULL ||
	    (kb = matfile_expect(mf, "feature_ids.bytes", MAT_U8, 1, e)) == NULL ||
	    (f->key_off = tensor(mf, "feature_ids.offsets", MAT_I64, -1, e)) == NULL ||
	    (lb = matfile_expect(mf, "feature_labels.bytes", MAT_U8, 1, e)) == NULL)
		return -1;
	f->nfeat = matfile_find(mf, "feature_ids.offsets")->count - 1;
	if (f->nfeat < 0 || (f->label_off = tensor(mf, "feature_labels.offsets", MAT_I64,
	    f->nfeat + 1, e)) == NULL)
		return f->nfeat < 0 ? err_set(e, EXIT_DATA, "feature_ids.offsets is empty") : -1;
	f->indices = ind->data;
	f->keys = kb->data;
	f->labels = lb->data;
	f->items = items;
	if (!offsets_ok(f->indptr, items, ind->count) || !offsets_ok(f->key_off, f->nfeat,
	    kb->count) || !offsets_ok(f->label_off, f->nfeat, lb->count))
		return err_set(e, EXIT_DATA, "feature offsets out of order or range");
	for (int64_t i = 0; i < items; i++)
		for (int64_t j = f->indptr[i]; j < f->indptr[i + 1]; j++)
			if (f->indices[j] < 0 || f->indices[j] >= f->nfeat ||
			    (j > f->indptr[i] && f->indices[j] <= f->indices[j - 1]))
				return err_set(e, EXIT_DATA, "features.indices out of range or order");
	for (int64_t f2 = 0; f2 < f->nfeat; f2++)
		if (f->key_off[f2 + 1] - f->key_off[f2] < 2)
			return err_set(e, EXIT_DATA, "feature id %lld has no kind", (long long)f2);
	f->present = 1;
	return 0;
}

int
content_shared(const struct content_feat *f, int32_t a, int32_t b, const char **kind,
    const char **label, size_t *len)
{
	int64_t i, j, ie, je;
	int32_t best = -1;
	double bw = 0;

	if (!f->present || a < 0 || b < 0 || a >= f->items || b >= f->items)
		return 0;
	i = f->indptr[a], ie = f->indptr[a + 1];
	j = f->indptr[b], je = f->indptr[b + 1];
	while (i < ie && j < je) {
		if (f->indices[i] < f->indices[j]) {
			i++;
		} else if (f->indices[i] > f->indices[j]) {
			j++;
		} else {
			int32_t x = f->indices[i];
			double w = (double)f->values[i] * f->values[j];

			if (f->keys[f->key_off[x]] != 'p' && w > bw) {
				bw = w;
				best = x;
			}
			i++;
			j++;
		}
	}
	if (best < 0)
		return 0;
	switch (f->keys[f->key_off[best]]) {
	case 'c': *kind = "category"; break;
	case 'b': *kind = "brand"; break;
	default: *kind = "word"; break;
	}
	*label = (const char *)f->labels + f->label_off[best];
	*len = (size_t)(f->label_off[best + 1] - f->label_off[best]);
	return 1;
}
