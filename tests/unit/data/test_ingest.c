/* test_ingest.c - unit tests of lib/data/ingest.c: option parsing, mapping, policies and the bad-line log */
#include <stdlib.h>

#include "base/exitcode.h"
#include "data/ingest.h"
#include "unit.h"

/* Reads text with o into r; returns the status of ingest_file + ingest_finish. */
static int
ingest_text(const struct ingest_opts *o, const char *text, struct ingest *g, struct ratings *r,
    struct err *e)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	ingest_init(g, o);
	ratings_init(r);
	rc = ingest_file(g, f, "in", e);
	fclose(f);
	if (rc == 0)
		rc = ingest_finish(g, 0, 0, r, e);
	return rc;
}

static void
parses_weights_columns_and_drop_lists(void)
{
	struct ingest_opts o;
	struct err e = { 0, "" };

	ingest_defaults(&o);
	CHECK_INT(ingest_parse_weights(&o, "view=1,cart=2.5,buy=0", &e), 0);
	CHECK_INT(o.nweights, 3);
	CHECK_STR(o.weights[1].event, "cart");
	CHECK_NEAR(o.weights[1].w, 2.5, 0);
	CHECK_INT(ingest_parse_weights(&o, "view", &e), -1);
	CHECK_INT(e.code, EXIT_USAGE);
	CHECK_INT(ingest_parse_weights(&o, "=1", &e), -1);
	CHECK_INT(ingest_parse_weights(&o, "a=-1", &e), -1);
	CHECK_INT(ingest_parse_weights(&o, "a=nan", &e), -1);
	CHECK_INT(ingest_parse_columns(&o, "user,item,-,rating", &e), 0);
	CHECK_INT(o.ncolumns, 4);
	CHECK_STR(o.columns[2], "-");
	CHECK_INT(ingest_parse_columns(&o, "user,,item", &e), -1);
	CHECK_INT(ingest_parse_drop(&o, "cancelled,unknown-event", &e), 0);
	CHECK_INT(o.drop, (1u << INGEST_DROP_CANCELLED) | (1u << INGEST_DROP_UNKNOWN_EVENT));
	CHECK_INT(ingest_parse_drop(&o, "none", &e), 0);
	CHECK_INT(o.drop, 0);
	CHECK_INT(ingest_parse_drop(&o, "all", &e), 0);
	CHECK_INT(o.drop, (1u << INGEST_NDROPS) - 1);
	CHECK_INT(ingest_parse_drop(&o, "empty", &e), -1);
	CHECK_STR(ingest_drop_name(INGEST_DROP_NONPOSITIVE), "nonpositive-qty");
	ingest_opts_free(&o);
}

static void
counts_records_drops_and_duplicates(void)
{
	struct ingest_opts o;
	struct ingest g;
	struct ratings r;
	struct err e;

	ingest_defaults(&o);
	CHECK_INT(ingest_text(&o, "user,item,rating\na,x,1\n,y,2\na,x,3\nb,y,4\n", &g, &r, &e), 0);
	CHECK_INT(g.records, 4);
	CHECK_INT(g.dropped[INGEST_DROP_EMPTY_ID], 1);
	CHECK_INT(g.kept, 3);
	CHECK_INT(g.dups, 1);
	CHECK_INT(r.nnz, 2);
	CHECK_NEAR(r.values[0], 3, 0);
	CHECK(r.ts == NULL);
	ratings_free(&r);
	ingest_free(&g);
}

static void
bad_lines_go_to_the_skip_file_with_line_and_reason(void)
{
	struct ingest_opts o;
	struct ingest g;
	struct ratings r;
	struct err e;
	char *log = NULL;
	size_t n = 0;

	ingest_defaults(&o);
	o.format = INGEST_NDJSON;
	o.skip_bad = open_memstream(&log, &n);
	CHECK_INT(ingest_text(&o, "{\"user\":\"a\",\"item\":\"x\",\"rating\":1}\n{bad\n"
	    "{\"user\":\"a\",\"item\":\"y\",\"rating\":\"2\"}\n", &g, &r, &e), 0);
	fclose(o.skip_bad);
	CHECK_INT(g.bad, 2);
	CHECK_INT(r.nnz, 1);
	CHECK(strstr(log, "{\"file\":\"in\",\"line\":2,\"reason\":\"invalid JSON") == log);
	CHECK(strstr(log, "\"line\":3,\"reason\":\"\\\"rating\\\" is not a number") != NULL);
	CHECK(strstr(log, "\"text\":\"{bad\"") != NULL);
	free(log);
	ratings_free(&r);
	ingest_free(&g);
}

static void
the_first_bad_line_is_an_error_without_a_skip_file(void)
{
	struct ingest_opts o;
	struct ingest g;
	struct ratings r;
	struct err e = { 0, "" };

	ingest_defaults(&o);
	CHECK_INT(ingest_text(&o, "user\titem\trating\na\tx\t1\nb\ty\tfive\n", &g, &r, &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK_STR(e.msg, "in:3: \"rating\" is not a number: 'five'");
	ratings_free(&r);
	ingest_free(&g);
}

static void
implicit_weights_and_quantities(void)
{
	struct ingest_opts o;
	struct ingest g;
	struct ratings r;
	struct err e;

	ingest_defaults(&o);
	o.implicit = 1;
	o.times_qty = 1;
	o.dup = COO_DUP_SUM;
	ingest_parse_weights(&o, "view=1,buy=5", &e);
	CHECK_INT(ingest_text(&o, "{\"user\":\"a\",\"item\":\"x\",\"event\":\"buy\",\"qty\":2}\n"
	    "{\"user\":\"a\",\"item\":\"x\",\"event\":\"view\"}\n"
	    "{\"user\":\"a\",\"item\":\"y\",\"event\":\"buy\",\"qty\":-1}\n", &g, &r, &e), 0);
	CHECK_INT(r.nnz, 1);
	CHECK_NEAR(r.values[0], 11, 0);
	CHECK(r.implicit);
	CHECK_INT(g.dropped[INGEST_DROP_NONPOSITIVE], 1);
	ratings_free(&r);
	ingest_free(&g);
	ingest_opts_free(&o);
}

static void
empty_input_is_an_error(void)
{
	struct ingest_opts o;
	struct ingest g;
	struct ratings r;
	struct err e = { 0, "" };

	ingest_defaults(&o);
	CHECK_INT(ingest_text(&o, "", &g, &r, &e), -1);
	CHECK_STR(e.msg, "no interactions in the input");
	ratings_free(&r);
	ingest_free(&g);
}

static void
report_names_every_figure(void)
{
	struct ingest_opts o;
	struct ingest g;
	struct ratings r;
	struct err e;
	char *text = NULL;
	size_t n = 0;
	FILE *f;

	ingest_defaults(&o);
	ingest_text(&o, "user,item,rating\na,x,1\na,y,5\nb,x,5\n", &g, &r, &e);
	f = open_memstream(&text, &n);
	ingest_report(f, &g, &r);
	fclose(f);
	CHECK(strstr(text, "users\t2\n") != NULL);
	CHECK(strstr(text, "nonzeros\t3\n") != NULL);
	CHECK(strstr(text, "density\t0.75\n") != NULL);
	CHECK(strstr(text, "histogram\t5\t2\n") != NULL);
	CHECK(strstr(text, "dropped_cancelled\t0\n") != NULL);
	free(text);
	ratings_free(&r);
	ingest_free(&g);
}

int
main(void)
{
	RUN(parses_weights_columns_and_drop_lists);
	RUN(counts_records_drops_and_duplicates);
	RUN(bad_lines_go_to_the_skip_file_with_line_and_reason);
	RUN(the_first_bad_line_is_an_error_without_a_skip_file);
	RUN(implicit_weights_and_quantities);
	RUN(empty_input_is_an_error);
	RUN(report_names_every_figure);
	return UNIT_DONE();
}
