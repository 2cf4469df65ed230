/* test_content.c - unit tests of lib/train/content.c: vectors, duplicates, empty texts, the dense model, shared features */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "train/content.h"
#include "unit.h"

static int
build(struct content *c, const struct content_opts *o, const char *text, struct err *e)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	content_init(c);
	rc = content_build(c, o, f, "cat.ndjson", e);
	fclose(f);
	return rc;
}

static const char shop[] =
    "{\"item\":\"a\",\"title\":\"Scented Candle\",\"category\":\"candles\",\"price\":9}\n"
    "{\"item\":\"b\",\"title\":\"Pillar Candle\",\"category\":\"candles\",\"price\":12}\n"
    "{\"item\":\"c\",\"title\":\"Blue Teapot\",\"category\":\"kitchen\",\"brand\":\"Oak\"}\n"
    "{\"item\":\"d\",\"title\":\"Green Teapot\",\"category\":\"kitchen\",\"brand\":\"Oak\"}\n"
    "{\"item\":\"e\",\"title\":\"\",\"description\":null,\"category\":\"garden\"}\n";

static double
row_norm(const struct content *c, size_t i)
{
	double s = 0;

	for (int64_t j = c->indptr[i]; j < c->indptr[i + 1]; j++)
		s += (double)c->values[j] * c->values[j];
	return sqrt(s);
}

static void
builds_unit_rows_of_shared_features(void)
{
	struct content_opts o;
	struct content c;
	struct err e = { 0 };

	content_opts_default(&o);
	CHECK(build(&c, &o, shop, &e) == 0);
	CHECK_INT(ids_count(&c.items), 5);
	/* kept: candl, teapot, c:candles, c:kitchen, b:Oak, p:8 (9 and 12); singletons dropped */
	CHECK(ids_find(&c.feats, "w:candl", 7) >= 0);
	CHECK(ids_find(&c.feats, "w:teapot", 8) >= 0);
	CHECK(ids_find(&c.feats, "b:Oak", 5) >= 0);
	CHECK(ids_find(&c.feats, "w:blue", 6) < 0);
	CHECK(ids_find(&c.feats, "c:garden", 8) < 0);
	CHECK_NEAR(row_norm(&c, 0), 1, 1e-6);
	CHECK_NEAR(row_norm(&c, 3), 1, 1e-6);
	/* the product with no title and a category of its own keeps nothing: an empty row */
	CHECK_INT(c.indptr[5] - c.indptr[4], 0);
	CHECK_INT(c.empty, 1);
	content_free(&c);
}

static void
refuses_duplicate_ids_and_bad_fields_with_the_line(void)
{
	struct content_opts o;
	struct content c;
	struct err e = { 0 };

	content_opts_default(&o);
	CHECK(build(&c, &o, "{\"item\":\"a\"}\n{\"item\":\"b\"}\n{\"item\":\"a\"}\n", &e) < 0);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK_STR(e.msg, "cat.ndjson:3: duplicate item \"a\"");
	content_free(&c);
	CHECK(build(&c, &o, "{\"item\":\"a\",\"title\":7}\n", &e) < 0);
	CHECK_STR(e.msg, "cat.ndjson:1: \"title\" must be a string"); /* the catalog's own rule */
	content_free(&c);
	CHECK(build(&c, &o, "{\"title\":\"x\"}\n", &e) < 0);
	CHECK_STR(e.msg, "cat.ndjson:1: missing \"item\"");
	content_free(&c);
}

static void
dense_model_scores_cosines_and_profiles_follow_history(void)
{
	struct content_opts o;
	struct content c;
	struct model m;
	struct ratings r;
	struct content_feat f;
	struct err e = { 0 };
	int64_t indptr[2] = { 0, 1 };
	int32_t indices[1] = { 0 };
	float values[1] = { 1 };
	const char *kind, *label;
	size_t len;
	double ac = 0, ad = 0, ab = 0;

	content_opts_default(&o);
	o.k = 256;
	CHECK(build(&c, &o, shop, &e) == 0);
	/* one user who bought "c" (a blue teapot) */
	ratings_init(&r);
	r.rows = 1;
	r.cols = 1;
	r.nnz = 1;
	r.indptr = indptr;
	r.indices = indices;
	r.values = values;
	ids_intern(&r.users, "u1", 2, &e);
	ids_intern(&r.items, "c", 1, &e);
	CHECK(content_model(&m, &c, &o, &r, &e) == 0);
	CHECK_INT(m.users, 1);
	CHECK_INT(m.items, 5);
	for (int d = 0; d < 256; d++) {
		ac += m.P[d] * m.Q[2 * 256 + d];
		ad += m.P[d] * m.Q[3 * 256 + d];
		ab += m.P[d] * m.Q[1 * 256 + d];
	}
	/* the profile is c's own vector; d (same brand, category, word) beats b (nothing shared) */
	CHECK_NEAR(ac, 1, 1e-5);
	CHECK(ad > 0.5);
	CHECK(ad > ab + 0.4);
	CHECK_NEAR(m.item_pop[2], 1, 0);
	CHECK_NEAR(m.item_pop[3], 0, 0);
	/* the features read back from a container name what c and d share */
	{
		char *blob = NULL;
		size_t n = 0;
		FILE *w = open_memstream(&blob, &n);
		struct model back;

		CHECK(model_write(w, &m, &e) == 0);
		fclose(w);
		w = fmemopen(blob, n, "r");
		CHECK(model_read(w, "m.st", &back, &e) == 0);
		fclose(w);
		CHECK(content_feat_read(&f, &back.mf, back.items, &e) == 0);
		CHECK(f.present);
		CHECK(content_shared(&f, 2, 3, &kind, &label, &len) == 1);
		CHECK(strcmp(kind, "brand") == 0 || strcmp(kind, "category") == 0 ||
		    strcmp(kind, "word") == 0);
		CHECK(content_shared(&f, 0, 1, &kind, &label, &len) == 1);
		CHECK(len == 6 && memcmp(label, "candle", 6) == 0);
		CHECK(content_shared(&f, 0, 2, &kind, &label, &len) == 0);
		model_free(&back);
		free(blob);
	}
	model_free(&m);
	ids_free(&r.users);
	ids_free(&r.items);
	content_free(&c);
}

static void
an_empty_catalog_is_an_empty_model(void)
{
	struct content_opts o;
	struct content c;
	struct model m;
	struct err e = { 0 };

	content_opts_default(&o);
	CHECK(build(&c, &o, "", &e) == 0);
	CHECK(content_model(&m, &c, &o, NULL, &e) == 0);
	CHECK_INT(m.items, 0);
	CHECK_INT(m.users, 0);
	model_free(&m);
	content_free(&c);
}

int
main(void)
{
	RUN(builds_unit_rows_of_shared_features);
	RUN(refuses_duplicate_ids_and_bad_fields_with_the_line);
	RUN(dense_model_scores_cosines_and_profiles_follow_history);
	RUN(an_empty_catalog_is_an_empty_model);
	return UNIT_DONE();
}
