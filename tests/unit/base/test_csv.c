/* test_csv.c - unit tests of lib/base/csv.c: splitting, RFC 4180 quotes across lines, errors, raw text */
#include <stdlib.h>

#include "base/buf.h"
#include "base/csv.h"
#include "base/exitcode.h"
#include "unit.h"

struct fixture {
	FILE *f;
	struct lines l;
	struct csv c;
};

static void
open_text(struct fixture *x, const char *text, const char *delim, int quoting, size_t maxlen)
{
	struct err e;

	x->f = fmemopen((void *)text, strlen(text), "r");
	lines_init(&x->l, x->f, "in.csv", maxlen, &e);
	csv_init(&x->c, &x->l, delim, quoting, &e);
}

static void
close_text(struct fixture *x)
{
	csv_free(&x->c);
	lines_free(&x->l);
	fclose(x->f);
}

static void
splits_tsv_and_keeps_empty_fields(void)
{
	struct fixture x;
	struct err e;

	open_text(&x, "a\tb\t\t4\n\n\tx\n", "\t", 0, 0);
	CHECK_INT(csv_next(&x.c, &e), 1);
	CHECK_INT(x.c.nf, 4);
	CHECK_STR(x.c.f[0].s, "a");
	CHECK_STR(x.c.f[2].s, "");
	CHECK_STR(x.c.f[3].s, "4");
	CHECK_INT(csv_next(&x.c, &e), 1);       /* the blank line is skipped */
	CHECK_INT(x.c.lineno, 3);
	CHECK_INT(x.c.nf, 2);
	CHECK_INT(x.c.f[0].len, 0);
	CHECK_INT(csv_next(&x.c, &e), 0);
	close_text(&x);
}

static void
splits_on_a_two_byte_delimiter(void)
{
	struct fixture x;
	struct err e;

	open_text(&x, "1::1193::5::978300760\n1:2::3\n", "::", 0, 0);
	CHECK_INT(csv_next(&x.c, &e), 1);
	CHECK_INT(x.c.nf, 4);
	CHECK_STR(x.c.f[1].s, "1193");
	CHECK_STR(x.c.f[3].s, "978300760");
	CHECK_INT(csv_next(&x.c, &e), 1);
	CHECK_INT(x.c.nf, 2);
	CHECK_STR(x.c.f[0].s, "1:2");           /* a single ':' is data */
	close_text(&x);
}

static void
unquotes_rfc4180_fields(void)
{
	struct fixture x;
	struct err e;

	open_text(&x, "536365,\"WHITE \"\"HEART\"\", T-LIGHT\",6,\"\"\n", ",", 1, 0);
	CHECK_INT(csv_next(&x.c, &e), 1);
	CHECK_INT(x.c.nf, 4);
	CHECK_STR(x.c.f[0].s, "536365");
	CHECK_STR(x.c.f[1].s, "WHITE \"HEART\", T-LIGHT");
	CHECK_INT(x.c.f[1].len, strlen("WHITE \"HEART\", T-LIGHT"));
	CHECK_STR(x.c.f[2].s, "6");
	CHECK_STR(x.c.f[3].s, "");
	close_text(&x);
}

static void
quoted_field_spans_lines_and_keeps_the_first_line_number(void)
{
	struct fixture x;
	struct err e;
	const char *raw;
	size_t n;

	open_text(&x, "h1,h2\r\n\"two\r\nlines\",x\nnext,y\n", ",", 1, 0);
	CHECK_INT(csv_next(&x.c, &e), 1);
	CHECK_INT(csv_next(&x.c, &e), 1);
	CHECK_INT(x.c.lineno, 2);
	CHECK_STR(x.c.f[0].s, "two\nlines");   /* CRLF inside becomes LF, as lines are read */
	CHECK_STR(x.c.f[1].s, "x");
	raw = csv_raw(&x.c, &n);
	CHECK(n == strlen("\"two\nlines\",x") && memcmp(raw, "\"two\nlines\",x", n) == 0);
	CHECK_INT(csv_next(&x.c, &e), 1);
	CHECK_INT(x.c.lineno, 4);
	CHECK_STR(x.c.f[0].s, "next");
	close_text(&x);
}

/* A record far larger than the first allocation, growing line by line: the
 * unescaped text stays whole and the next record reuses the memory. */
static void
long_quoted_record_grows_across_many_lines(void)
{
	struct fixture x;
	struct err e;
	struct buf in, want, raw;
	const char *r;
	size_t n;
	int i;

	buf_init(&in);
	buf_init(&want);
	buf_init(&raw);
	for (i = 0; i < 60; i++) {
		CHECK_INT(buf_addf(&want, "%sline %02d with a \"quote\" and, a comma", i ? "\n" : "", i), 0);
		CHECK_INT(buf_addf(&raw, "%sline %02d with a \"\"quote\"\" and, a comma", i ? "\n" : "", i), 0);
	}
	CHECK(raw.len > 2000);
	CHECK_INT(buf_addf(&in, "u1,\"%s\",5\n\"u2\",\"x\"\"y\",4\n", raw.s), 0);
	open_text(&x, in.s, ",", 1, 0);
	CHECK_INT(csv_next(&x.c, &e), 1);
	CHECK_INT(x.c.lineno, 1);
	CHECK_INT(x.c.nf, 3);
	CHECK_STR(x.c.f[0].s, "u1");
	CHECK(x.c.f[1].len == want.len && strcmp(x.c.f[1].s, want.s) == 0);
	CHECK_STR(x.c.f[2].s, "5");
	r = csv_raw(&x.c, &n);
	CHECK(n == raw.len + strlen("u1,\"\",5") && memcmp(r + 4, raw.s, raw.len) == 0);
	CHECK_INT(csv_next(&x.c, &e), 1);
	CHECK_INT(x.c.lineno, 61);
	CHECK_INT(x.c.nf, 3);
	CHECK_STR(x.c.f[0].s, "u2");
	CHECK_STR(x.c.f[1].s, "x\"y");
	r = csv_raw(&x.c, &n);
	CHECK(n == strlen("\"u2\",\"x\"\"y\",4") && memcmp(r, "\"u2\",\"x\"\"y\",4", n) == 0);
	CHECK_INT(csv_next(&x.c, &e), 0);
	close_text(&x);
	buf_free(&in);
	buf_free(&want);
	buf_free(&raw);
}

static void
unterminated_quote_is_a_data_error_at_its_first_line(void)
{
	struct fixture x;
	struct err e = { 0, "" };

	open_text(&x, "a,b\n\"open,c\nmore\n", ",", 1, 0);
	CHECK_INT(csv_next(&x.c, &e), 1);
	CHECK_INT(csv_next(&x.c, &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK_STR(e.msg, "in.csv:2: unterminated quoted field");
	CHECK_INT(csv_next(&x.c, &e), 0);
	close_text(&x);
}

static void
text_after_a_closing_quote_is_an_error_and_reading_goes_on(void)
{
	struct fixture x;
	struct err e = { 0, "" };

	open_text(&x, "\"a\"b,c\nd,e\n", ",", 1, 0);
	CHECK_INT(csv_next(&x.c, &e), -1);
	CHECK_STR(e.msg, "in.csv:1: unexpected 'b' after a closing quote");
	CHECK_INT(csv_next(&x.c, &e), 1);
	CHECK_STR(x.c.f[1].s, "e");
	close_text(&x);
}

static void
quoted_record_longer_than_the_limit_is_refused(void)
{
	struct fixture x;
	struct err e = { 0, "" };

	open_text(&x, "\"0123456789\n0123456789\n\",x\nok,1\n", ",", 1, 16);
	CHECK_INT(csv_next(&x.c, &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK(strstr(e.msg, "longer than 16 bytes") != NULL);
	close_text(&x);
}

static void
raw_restores_a_split_line(void)
{
	struct fixture x;
	struct err e;
	const char *raw;
	size_t n;

	open_text(&x, "u1::i2::3\n", "::", 0, 0);
	CHECK_INT(csv_next(&x.c, &e), 1);
	raw = csv_raw(&x.c, &n);
	CHECK_INT(n, 9);
	CHECK(memcmp(raw, "u1::i2::3", 9) == 0);
	close_text(&x);
}

static void
drops_a_byte_order_mark(void)
{
	struct fixture x;
	struct err e;

	open_text(&x, "\xef\xbb\xbfuser,item\n", ",", 1, 0);
	CHECK_INT(csv_next(&x.c, &e), 1);
	CHECK_STR(x.c.f[0].s, "user");
	close_text(&x);
}

static void
rejects_bad_delimiters(void)
{
	struct csv c;
	struct lines l;
	struct err e = { 0, "" };

	CHECK_INT(csv_init(&c, &l, "", 0, &e), -1);
	CHECK_INT(csv_init(&c, &l, "\"", 1, &e), -1);
	CHECK_INT(csv_init(&c, &l, "12345678", 0, &e), -1);
}

int
main(void)
{
	RUN(splits_tsv_and_keeps_empty_fields);
	RUN(splits_on_a_two_byte_delimiter);
	RUN(unquotes_rfc4180_fields);
	RUN(quoted_field_spans_lines_and_keeps_the_first_line_number);
	RUN(long_quoted_record_grows_across_many_lines);
	RUN(unterminated_quote_is_a_data_error_at_its_first_line);
	RUN(text_after_a_closing_quote_is_an_error_and_reading_goes_on);
	RUN(quoted_record_longer_than_the_limit_is_refused);
	RUN(raw_restores_a_split_line);
	RUN(drops_a_byte_order_mark);
	RUN(rejects_bad_delimiters);
	return UNIT_DONE();
}
