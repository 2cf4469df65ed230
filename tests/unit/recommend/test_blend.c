/* test_blend.c - unit tests for blending recommendation streams (lib/blend) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recommend/blend.h"
#include "base/exitcode.h"
#include "unit.h"

static const char s1[] =
    "{\"user\":\"u1\",\"recs\":[{\"item\":\"x\",\"score\":3,\"rank\":1,\"reason\":{\"type\":\"model\"}},"
    "{\"item\":\"y\",\"score\":1,\"rank\":2,\"reason\":{\"type\":\"model\"}}],\"source\":\"mf\",\"v\":1}\n";
static const char s2[] =
    "{\"user\":\"u2\",\"recs\":[{\"item\":\"z\",\"score\":7,\"rank\":1,\"reason\":{\"type\":\"popular\"}}],\"source\":\"popular\"}\n"
    "{\"user\":\"u1\",\"recs\":[{\"item\":\"y\",\"score\":9,\"rank\":1,\"reason\":{\"type\":\"also_bought\",\"because\":\"h\"}}],\"source\":\"itemknn\"}\n";

/* Blends s1 and s2 with the method and weights; the output in buf. Returns blend_run's value. */
static int
run(enum blend_method m, double w1, double w2, char *buf, size_t sz, struct err *e)
{
	const char *names[] = { "a", "b" };
	double w[] = { w1, w2 };
	struct blend_opts o = { 10, m, 60 };
	struct blend b;
	FILE *out = fmemopen(buf, sz, "w"), *in1 = fmemopen((void *)s1, strlen(s1), "r"),
	    *in2 = fmemopen((void *)s2, strlen(s2), "r");
	int rc;

	memset(buf, 0, sz);
	CHECK(blend_init(&b, &o, names, w, 2, out, e) == 0);
	rc = blend_load(&b, 1, in2, "s2", e);
	if (rc == 0)
		rc = blend_run(&b, in1, "s1", e);
	blend_free(&b);
	fclose(in1);
	fclose(in2);
	fclose(out);
	return rc;
}

static void
min_max_by_weight(void)
{
	char buf[4096];
	struct err e = { 0 };

	/* u1: a (3,1) -> x 1, y 0; b (9) -> y 1. x = 0.5, y = 0 + 0.5 x 1 = 0.5: tie, x first */
	CHECK_INT(run(BLEND_SCORE, 0.5, 0.5, buf, sizeof buf, &e), 0);
	CHECK_STR(buf,
	    "{\"user\":\"u1\",\"recs\":[{\"item\":\"x\",\"score\":0.5,\"rank\":1,\"reason\":{\"type\":\"model\"}},"
	    "{\"item\":\"y\",\"score\":0.5,\"rank\":2,\"reason\":{\"type\":\"also_bought\",\"because\":\"h\"}}],"
	    "\"source\":\"blend\",\"v\":1}\n"
	    "{\"user\":\"u2\",\"recs\":[{\"item\":\"z\",\"score\":0.5,\"rank\":1,\"reason\":{\"type\":\"popular\"}}],"
	    "\"source\":\"blend\"}\n");
}

static void
reciprocal_rank(void)
{
	const char *want = "{\"user\":\"u1\",\"recs\":[{\"item\":\"y\",\"score\":0.0489159,";
	char buf[4096];
	struct err e = { 0 };

	/* y = 1/62 + 2/61 = 0.0489159 beats x = 1/61 = 0.0163934 */
	CHECK_INT(run(BLEND_RRF, 1, 2, buf, sizeof buf, &e), 0);
	CHECK(strncmp(buf, want, strlen(want)) == 0);
	CHECK(strstr(buf, "{\"item\":\"x\",\"score\":0.0163934,\"rank\":2") != NULL);
}

static void
bad_line_names_its_position(void)
{
	const char *names[] = { "a", "b" };
	double w[] = { 1, 1 };
	struct blend_opts o = { 10, BLEND_RRF, 60 };
	static const char bad[] = "{\"user\":\"u1\",\"recs\":[],\"source\":\"none\"}\n{\"user\":7}\n";
	struct blend b;
	struct err e = { 0 };
	FILE *in = fmemopen((void *)bad, strlen(bad), "r");

	CHECK(blend_init(&b, &o, names, w, 2, stdout, &e) == 0);
	CHECK_INT(blend_load(&b, 1, in, "x.ndjson", &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK_STR(e.msg, "x.ndjson:2: user must be a string");
	blend_free(&b);
	fclose(in);
}

int
main(void)
{
	RUN(min_max_by_weight);
	RUN(reciprocal_rank);
	RUN(bad_line_names_its_position);
	return UNIT_DONE();
}
