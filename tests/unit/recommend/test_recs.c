/* test_recs.c - unit tests for writing and checking recommendation lines (lib/recs) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "recommend/recs.h"
#include "unit.h"

static void
writes_a_line_that_checks(void)
{
	struct ids items;
	struct recs_writer w;
	struct recs_rec r[3] = {
		{ 1, 4.81f, RECS_SIMILAR, 0, 0.83f, 0, RECS_RATED },
		{ 2, 2.0f, RECS_POPULAR, -1, 0, 0, RECS_ACT_NONE },
		{ 0, 1.5f, RECS_NEIGHBOURS, -1, 0, 12, RECS_ACT_NONE },
	};
	char *buf = NULL, why[200];
	size_t len = 0;
	json_t *line, *carry = json_pack("{s:s, s:s, s:i}", "user", "ignored", "variant", "llm", "n", 3);
	json_error_t je;
	FILE *f = open_memstream(&buf, &len);

	ids_init(&items);
	ids_intern(&items, "sku3", 4, NULL);
	ids_intern(&items, "sku9", 4, NULL);
	ids_intern(&items, "tea \"pot\"", 9, NULL);
	CHECK(recs_writer_init(&w, f, &items, NULL) == 0);
	CHECK(recs_write(&w, "c\xc3\xa9", 3, r, 3, "mf", carry, NULL) == 0);
	fclose(f);
	CHECK_STR(buf, "{\"user\":\"c\xc3\xa9\",\"recs\":[{\"item\":\"sku9\",\"score\":4.81,\"rank\":1,"
	    "\"reason\":{\"type\":\"similar\",\"because\":\"sku3\",\"similarity\":0.83,"
	    "\"action\":\"rated\"}},"
	    "{\"item\":\"tea \\\"pot\\\"\",\"score\":2,\"rank\":2,\"reason\":{\"type\":\"popular\"}},"
	    "{\"item\":\"sku3\",\"score\":1.5,\"rank\":3,\"reason\":{\"type\":\"neighbours\",\"users\":12}}],"
	    "\"source\":\"mf\",\"variant\":\"llm\",\"n\":3}\n");
	line = json_loads(buf, 0, &je);
	CHECK(line != NULL);
	CHECK_INT(recs_check(line, why, sizeof why), 0);
	json_decref(line);
	json_decref(carry);
	recs_writer_free(&w);
	ids_free(&items);
	free(buf);
}

static void
check_finds_each_breach(void)
{
	static const struct { const char *line, *why; } cases[] = {
		{ "{\"recs\":[],\"source\":\"none\"}", "user must be a string" },
		{ "{\"user\":\"c\",\"recs\":[],\"source\":\"mf\"}", "recs is empty but source is not \"none\"" },
		{ "{\"user\":\"c\",\"recs\":[],\"source\":\"magic\"}", "unknown source \"magic\"" },
		{ "{\"user\":\"c\",\"recs\":[{\"item\":\"a\",\"score\":1,\"rank\":2,\"reason\":{\"type\":\"popular\"}}],\"source\":\"mf\"}",
		  "recs[0].rank must be 1" },
		{ "{\"user\":\"c\",\"recs\":[{\"item\":\"a\",\"score\":\"1\",\"rank\":1,\"reason\":{\"type\":\"popular\"}}],\"source\":\"mf\"}",
		  "recs[0].score must be a number" },
		{ "{\"user\":\"c\",\"recs\":[{\"item\":\"a\",\"score\":1,\"rank\":1,\"reason\":{\"type\":\"similar\"}}],\"source\":\"mf\"}",
		  "recs[0].reason similar needs because and similarity" },
		{ "{\"user\":\"c\",\"recs\":[{\"item\":\"a\",\"score\":1,\"rank\":1,\"reason\":{\"type\":\"popular\"}},"
		  "{\"item\":\"a\",\"score\":1,\"rank\":2,\"reason\":{\"type\":\"popular\"}}],\"source\":\"mf\"}",
		  "recs[1].item \"a\" repeats" },
	};
	char why[200];

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		json_t *l = json_loads(cases[i].line, 0, NULL);

		CHECK(l != NULL);
		CHECK_INT(recs_check(l, why, sizeof why), 1);
		CHECK_STR(why, cases[i].why);
		json_decref(l);
	}
}

static void
refuses_a_score_that_is_not_finite(void)
{
	struct ids items;
	struct recs_writer w;
	struct recs_rec r = { 0, 0, RECS_POPULAR, -1, 0, 0, RECS_ACT_NONE };
	struct err e = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	r.score = NAN;
	ids_init(&items);
	ids_intern(&items, "a", 1, NULL);
	CHECK(recs_writer_init(&w, f, &items, NULL) == 0);
	CHECK(recs_write(&w, "c", 1, &r, 1, "mf", NULL, &e) == -1);
	fclose(f);
	CHECK_INT(len, 0);
	recs_writer_free(&w);
	ids_free(&items);
	free(buf);
}

struct got {
	char ids[4][8];
	float v[4];
	int n;
};

static int
take(void *arg, const char *id, size_t len, float v, struct err *e)
{
	struct got *g = arg;

	if (g->n == 4)
		return err_set(e, EXIT_OSERR, "full");
	snprintf(g->ids[g->n], sizeof g->ids[0], "%.*s", (int)len, id);
	g->v[g->n++] = v;
	return 0;
}

static int
user_items(const char *text, struct got *g, struct err *e)
{
	json_t *o = json_loads(text, JSON_DECODE_ANY, NULL);
	int rc = recs_user_items(json_object_get(o, "items"), take, g, e);

	json_decref(o);
	return rc;
}

static void
user_items_take_an_object_or_an_array(void)
{
	struct got g = { 0 };
	struct err e = { 0 };

	CHECK_INT(user_items("{\"items\":{\"sku3\":2,\"sku1\":0.5}}", &g, &e), 0);
	CHECK_INT(g.n, 2);
	CHECK_STR(g.ids[0], "sku3");
	CHECK_NEAR(g.v[0], 2, 0);
	CHECK_STR(g.ids[1], "sku1");
	CHECK_NEAR(g.v[1], 0.5, 0);
	g.n = 0;
	CHECK_INT(user_items("{\"items\":[\"a\",\"b\",\"c\"]}", &g, &e), 0);
	CHECK_INT(g.n, 3);
	CHECK_STR(g.ids[2], "c");
	CHECK_NEAR(g.v[2], 1, 0);
	g.n = 0;
	CHECK_INT(user_items("{\"user\":\"u\"}", &g, &e), 0);
	CHECK_INT(user_items("{\"items\":null}", &g, &e), 0);
	CHECK_INT(g.n, 0);
	CHECK_INT(user_items("{\"items\":[1,2,3,4,5]}", &g, &e), -1);
	CHECK_STR(e.msg, "\"items\"[0] must be an item id string");
	CHECK_INT(e.code, EXIT_DATA);
	CHECK_INT(user_items("{\"items\":{\"a\":1,\"b\":\"2\"}}", &g, &e), -1);
	CHECK_STR(e.msg, "\"items\": the value of \"b\" must be a number");
	CHECK_INT(g.n, 1);
	CHECK_INT(user_items("{\"items\":\"sku1\"}", &g, &e), -1);
	CHECK_STR(e.msg, "\"items\" must be an object of numbers or an array of ids");
	g.n = 0;
	CHECK_INT(user_items("{\"items\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}", &g, &e), -1);
	CHECK_INT(e.code, EXIT_OSERR);
}

int
main(void)
{
	RUN(writes_a_line_that_checks);
	RUN(check_finds_each_breach);
	RUN(refuses_a_score_that_is_not_finite);
	RUN(user_items_take_an_object_or_an_array);
	return UNIT_DONE();
}
