/* test_lines.c - unit tests of lib/base/lines.c: line ends, numbering, over-long lines, peeking */
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "base/lines.h"
#include "unit.h"

/* Opens a read-only stream over s (n bytes). */
static FILE *
mem(const char *s, size_t n)
{
	return fmemopen((void *)s, n, "r");
}

static void
strips_lf_and_crlf_and_numbers_lines(void)
{
	const char text[] = "one\r\ntwo\n\nlast";
	FILE *f = mem(text, sizeof text - 1);
	struct lines l;
	struct err e;
	char *line;
	size_t len;

	CHECK_INT(lines_init(&l, f, "t", 0, &e), 0);
	CHECK_INT(lines_next(&l, &line, &len, &e), 1);
	CHECK_STR(line, "one");
	CHECK_INT(len, 3);
	CHECK_INT(lines_next(&l, &line, &len, &e), 1);
	CHECK_STR(line, "two");
	CHECK_INT(lines_next(&l, &line, &len, &e), 1);
	CHECK_INT(len, 0);
	CHECK_INT(l.lineno, 3);
	CHECK_INT(lines_next(&l, &line, &len, &e), 1);
	CHECK_STR(line, "last");          /* no final newline */
	CHECK_INT(l.lineno, 4);
	CHECK_INT(lines_next(&l, &line, &len, &e), 0);
	lines_free(&l);
	fclose(f);
}

static void
overlong_line_is_reported_and_skipped(void)
{
	const char text[] = "short\n0123456789abcdef\nafter\n";
	FILE *f = mem(text, sizeof text - 1);
	struct lines l;
	struct err e = { 0, "" };
	char *line;
	size_t len;

	CHECK_INT(lines_init(&l, f, "in.txt", 10, &e), 0);
	CHECK_INT(lines_next(&l, &line, &len, &e), 1);
	CHECK_INT(lines_next(&l, &line, &len, &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK_STR(e.msg, "in.txt:2: line longer than 10 bytes");
	CHECK_INT(lines_next(&l, &line, &len, &e), 1);
	CHECK_STR(line, "after");
	CHECK_INT(l.lineno, 3);
	lines_free(&l);
	fclose(f);
}

static void
overlong_line_bigger_than_the_buffer_is_skipped(void)
{
	size_t big = 3 * 256 * 1024, n = big + 8;
	char *text = malloc(n);
	FILE *f;
	struct lines l;
	struct err e = { 0, "" };
	char *line;
	size_t len;

	memset(text, 'x', big);
	memcpy(text + big, "\nok\n", 4);
	f = fmemopen(text, big + 4, "r");
	CHECK_INT(lines_init(&l, f, "b", 1000, &e), 0);
	CHECK_INT(lines_next(&l, &line, &len, &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK_INT(lines_next(&l, &line, &len, &e), 1);
	CHECK_STR(line, "ok");
	CHECK_INT(l.lineno, 2);
	CHECK_INT(lines_next(&l, &line, &len, &e), 0);
	lines_free(&l);
	fclose(f);
	free(text);
}

static void
line_of_exactly_maxlen_is_accepted(void)
{
	const char text[] = "0123456789\n";
	FILE *f = mem(text, sizeof text - 1);
	struct lines l;
	struct err e;
	char *line;
	size_t len;

	CHECK_INT(lines_init(&l, f, "t", 10, &e), 0);
	CHECK_INT(lines_next(&l, &line, &len, &e), 1);
	CHECK_INT(len, 10);
	lines_free(&l);
	fclose(f);
}

static void
peek_does_not_consume(void)
{
	const char text[] = "{\"a\":1}\nsecond\n";
	FILE *f = mem(text, sizeof text - 1);
	struct lines l;
	struct err e;
	const char *p;
	char *line;
	size_t n, len;

	CHECK_INT(lines_init(&l, f, "t", 0, &e), 0);
	CHECK_INT(lines_peek(&l, &p, &n, &e), 0);
	CHECK(n >= 8 && memcmp(p, "{\"a\":1}\n", 8) == 0);
	CHECK_INT(l.lineno, 0);
	CHECK_INT(lines_next(&l, &line, &len, &e), 1);
	CHECK_STR(line, "{\"a\":1}");
	CHECK_INT(l.lineno, 1);
	lines_free(&l);
	fclose(f);
}

static void
empty_input_has_no_lines(void)
{
	FILE *f = tmpfile();       /* empty */
	struct lines l;
	struct err e;
	const char *p;
	char *line;
	size_t n, len;

	CHECK_INT(lines_init(&l, f, "t", 0, &e), 0);
	CHECK_INT(lines_peek(&l, &p, &n, &e), 0);
	CHECK_INT(n, 0);
	CHECK_INT(lines_next(&l, &line, &len, &e), 0);
	lines_free(&l);
	fclose(f);
}

/* /dev/zero has no newline ever: the reader stops after skipmax bytes, once, then ends */
static void
endless_line_stops_the_reader_after_skipmax(void)
{
	FILE *f = fopen("/dev/zero", "rb");
	struct lines l;
	struct err e = { 0, "" };
	char *line;
	size_t len;

	CHECK(f != NULL);
	CHECK_INT(lines_init(&l, f, "/dev/zero", 1000, &e), 0);
	l.skipmax = 4 * 1024 * 1024;
	CHECK_INT(lines_next(&l, &line, &len, &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK_STR(e.msg, "/dev/zero:1: line longer than 1000 bytes and no end in 4194304 bytes: "
	    "stopped reading");
	CHECK_INT(lines_next(&l, &line, &len, &e), 0);
	lines_free(&l);
	fclose(f);
}

/* Each line's input offset (after a leading BOM) and whether a newline ended it: what a reader
 * that seeks back to a line (llmcall --resume) needs; across buffer refills too. */
static void
offsets_and_torn_last_line(void)
{
	size_t big = 300 * 1024, n = 7 + big + 1 + 4;
	char *text = malloc(n);
	struct lines l;
	struct err e;
	char *line;
	size_t len;
	FILE *f;

	CHECK(text != NULL);
	if (text == NULL)
		return;
	memcpy(text, "\xef\xbb\xbf" "ab\r\n", 7);
	memset(text + 7, 'x', big);
	text[7 + big] = '\n';
	memcpy(text + 8 + big, "torn", 4);
	f = mem(text, n);
	CHECK_INT(lines_init(&l, f, "t", 0, &e), 0);
	CHECK_INT(lines_next(&l, &line, &len, &e), 1);
	CHECK_INT(l.off, 3);
	CHECK_INT(len, 2);
	CHECK_INT(l.ended, 1);
	CHECK_INT(lines_next(&l, &line, &len, &e), 1);
	CHECK_INT(l.off, 7);
	CHECK_INT(len, big);
	CHECK_INT(l.ended, 1);
	CHECK_INT(lines_next(&l, &line, &len, &e), 1);
	CHECK_INT(l.off, 8 + big);
	CHECK_STR(line, "torn");
	CHECK_INT(l.ended, 0);
	CHECK_INT(lines_next(&l, &line, &len, &e), 0);
	lines_free(&l);
	fclose(f);
	free(text);
}

int
main(void)
{
	RUN(endless_line_stops_the_reader_after_skipmax);
	RUN(strips_lf_and_crlf_and_numbers_lines);
	RUN(overlong_line_is_reported_and_skipped);
	RUN(overlong_line_bigger_than_the_buffer_is_skipped);
	RUN(line_of_exactly_maxlen_is_accepted);
	RUN(peek_does_not_consume);
	RUN(empty_input_has_no_lines);
	RUN(offsets_and_torn_last_line);
	return UNIT_DONE();
}
