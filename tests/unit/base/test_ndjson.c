/* test_ndjson.c - unit tests of lib/base/ndjson.c: records, blank lines, bad lines, writing, helpers */
#include <stdlib.h>

#include "base/exitcode.h"
#include "base/ndjson.h"
#include "unit.h"

static FILE *
mem(const char *s)
{
	return fmemopen((void *)s, strlen(s), "r");
}

static void
reads_objects_and_skips_blank_lines(void)
{
	FILE *f = mem("{\"user\":\"c1\",\"n\":2}\n\n   \n{\"user\":\"c2\"}\r\n");
	struct ndjson_reader r;
	struct err e;
	json_t *o;
	double v = 0;

	CHECK_INT(ndjson_init(&r, f, "in", 0, &e), 0);
	CHECK_INT(ndjson_next(&r, &o, NULL, &e), 1);
	CHECK_STR(ndjson_str(o, "user"), "c1");
	CHECK_INT(ndjson_num(o, "n", &v), 1);
	CHECK_NEAR(v, 2, 0);
	CHECK_INT(ndjson_num(o, "user", &v), -1);
	CHECK_INT(ndjson_num(o, "absent", &v), 0);
	json_decref(o);
	CHECK_INT(ndjson_next(&r, &o, NULL, &e), 1);
	CHECK_STR(ndjson_str(o, "user"), "c2");
	CHECK_INT(ndjson_lineno(&r), 4);
	json_decref(o);
	CHECK_INT(ndjson_next(&r, &o, NULL, &e), 0);
	ndjson_free(&r);
	fclose(f);
}

static void
bad_lines_are_reported_with_position_and_reading_goes_on(void)
{
	FILE *f = mem("{\"a\":1}\n{\"a\":\n[1,2]\n{\"a\":1,\"a\":2}\n{\"b\":\"ok\"}\n");
	struct ndjson_reader r;
	struct err e = { 0, "" };
	const char *raw;
	json_t *o;

	CHECK_INT(ndjson_init(&r, f, "x.ndjson", 0, &e), 0);
	CHECK_INT(ndjson_next(&r, &o, NULL, &e), 1);
	json_decref(o);
	CHECK_INT(ndjson_next(&r, &o, &raw, &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK(strncmp(e.msg, "x.ndjson:2: invalid JSON", 24) == 0);
	CHECK_STR(raw, "{\"a\":");
	CHECK_INT(ndjson_next(&r, &o, NULL, &e), -1);
	CHECK_STR(e.msg, "x.ndjson:3: expected a JSON object");
	CHECK_INT(ndjson_next(&r, &o, NULL, &e), -1);      /* duplicate key */
	CHECK(strncmp(e.msg, "x.ndjson:4: invalid JSON", 24) == 0);
	CHECK_INT(ndjson_next(&r, &o, NULL, &e), 1);
	CHECK_STR(ndjson_str(o, "b"), "ok");
	json_decref(o);
	ndjson_free(&r);
	fclose(f);
}

static void
writes_one_compact_line(void)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	json_t *o = json_pack("{s:s,s:f}", "user", "Zoë", "score", 0.5);
	struct err e;

	CHECK_INT(ndjson_write(f, o, &e), 0);
	fclose(f);
	CHECK_STR(buf, "{\"user\":\"Zoë\",\"score\":0.5}\n");
	json_decref(o);
	free(buf);
}

static void
rounds_to_decimals(void)
{
	CHECK_NEAR(ndjson_round(4.81234, 2), 4.81, 1e-12);
	CHECK_NEAR(ndjson_round(-1.005, 0), -1, 0);
	CHECK(isnan(ndjson_round(NAN, 2)));
}

static int
count_add(void *arg, const json_t *o, struct err *e)
{
	(void)o;
	if (json_object_get(o, "bad") != NULL)
		return err_set(e, EXIT_DATA, "bad record");
	(*(long *)arg)++;
	return 0;
}

/* ndjson_read_each: bad lines (unparsable, or refused by add) skipped under skip_bad, counted. */
static void
read_each_skips_bad_lines_when_asked(void)
{
	static const char in[] = "{\"a\":1}\nnot json\n{\"bad\":1}\n\n{\"a\":2}\n";
	struct ndjson_skip skip = { .skip_bad = 1 };
	struct err e = { 0 };
	long n = 0;
	FILE *f = fmemopen((void *)in, sizeof in - 1, "r");

	CHECK_INT(ndjson_read_each(f, "x", &skip, count_add, &n, &e), 2);
	CHECK_INT(n, 2);
	CHECK_INT(skip.skipped, 2);
	CHECK_STR(e.msg, "x:3: bad record");
	fclose(f);
	/* without skip the first bad line ends it */
	n = 0;
	f = fmemopen((void *)in, sizeof in - 1, "r");
	CHECK_INT(ndjson_read_each(f, "x", NULL, count_add, &n, &e), -1);
	CHECK_INT(n, 1);
	CHECK_INT(e.code, EXIT_DATA);
	fclose(f);
}

int
main(void)
{
	RUN(reads_objects_and_skips_blank_lines);
	RUN(bad_lines_are_reported_with_position_and_reading_goes_on);
	RUN(writes_one_compact_line);
	RUN(rounds_to_decimals);
	RUN(read_each_skips_bad_lines_when_asked);
	return UNIT_DONE();
}
