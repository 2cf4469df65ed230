/* lines.h - a fast line reader that knows its line number and refuses over-long lines */
#ifndef RECMAIL_LINES_H
#define RECMAIL_LINES_H

#include <stddef.h>
#include <stdio.h>

#include "base/err.h"

/* Default longest line, in bytes without the newline (1 MiB). */
#define LINES_DEFAULT_MAX (1024 * 1024)
/* Most bytes skipped looking for the end of one over-long line before the reader gives up
 * (an endless input such as /dev/zero has none); never less than the longest line. */
#define LINES_SKIP_MAX ((size_t)256 * 1024 * 1024)

struct lines {
	FILE *fp;
	const char *name;   /* for messages: a path or "-" */
	long lineno;        /* number of the line last returned (1-based) */
	size_t maxlen;
	size_t skipmax;     /* LINES_SKIP_MAX, or less in tests */
	char *buf;
	size_t cap, start, end;
	int eof;
	int stream;         /* set after lines_init: read no further than the next newline, so a
	                     * line that has arrived is returned without waiting for more input
	                     * (a coprocess on a pipe or FIFO); slower per byte than the default */
	long long nread;    /* bytes read from fp so far */
	long long off;      /* input offset of the line last returned (its first byte after a BOM) */
	int ended;          /* that line ended with a newline (0: the input's torn last line) */
};

/* Starts reading fp; name is used in messages and must outlive the reader.
 * maxlen 0 means LINES_DEFAULT_MAX. Returns 0, or -1 on allocation failure. */
int lines_init(struct lines *r, FILE *fp, const char *name, size_t maxlen, struct err *e);

/*
 * Returns the next line in *line (NUL-terminated, without "\n" or "\r\n", and
 * the first without a UTF-8 byte order mark, the one rule for every text
 * format: CSV, NDJSON, mbox; valid until the next call) and its length: 1 for a line, 0 at end of input, -1 on
 * error. A line longer than maxlen is skipped through its newline and reported
 * as "name:N: line longer than M bytes" with e->code EXIT_DATA: the caller may
 * go on reading. A line with no newline in skipmax bytes is reported as
 * "name:N: line longer than M bytes and no end in S bytes: stopped reading"
 * (EXIT_DATA) and ends the input: the next call returns 0. So an endless or
 * non-regular input costs a bounded amount of work. A read error is EXIT_IO
 * and final.
 */
int lines_next(struct lines *r, char **line, size_t *len, struct err *e);

/*
 * Buffers the next line (or its first maxlen bytes) without consuming it, for
 * sniffing a format: *p and *n are the buffered bytes (after a leading BOM),
 * which may hold more than one line (*n is 0 at end of input). Valid until the next call. Returns 0, or
 * -1 on a read error (EXIT_IO).
 */
int lines_peek(struct lines *r, const char **p, size_t *n, struct err *e);

void lines_free(struct lines *r);

#endif
