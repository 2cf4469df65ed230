/* csv.h - delimited text records (CSV with RFC 4180 quoting, TSV, "::") read over lib/lines */
#ifndef RECMAIL_CSV_H
#define RECMAIL_CSV_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/lines.h"

struct csv_field {
	char *s;        /* NUL-terminated field text, quotes removed */
	size_t len;
};

struct csv {
	struct lines *in;
	char delim[8];
	size_t dlen;
	int quoting;            /* fields may be "quoted", with "" for a quote, across lines */
	long lineno;            /* first line of the record last returned */
	struct csv_field *f;    /* the fields of the record last returned */
	size_t nf, fcap;
	char *rec;              /* unescaped field text (quoted records) */
	size_t rcap;
	struct buf raw;         /* raw text of a quoted record (may span lines) */
	char *line;             /* the line split in place (unquoted records) */
	size_t linelen;
	int split;              /* 1: fields point into line, 0: into rec */
};

/*
 * Reads records from in, which the caller owns. delim is 1 to 7 bytes ("," "\t"
 * "::"); quoting enables RFC 4180 double quotes. Returns 0, or -1 on bad
 * arguments or allocation failure.
 */
int csv_init(struct csv *c, struct lines *in, const char *delim, int quoting, struct err *e);

/*
 * Reads the next record into c->f[0..c->nf). Empty lines are skipped; a UTF-8
 * byte order mark at the start of input is dropped. Returns 1 for a record, 0
 * at end of input, -1 on error: EXIT_DATA for a bad record ("name:N:
 * unterminated quoted field", a character after a closing quote, an over-long
 * line or record), after which reading may go on; EXIT_IO is final.
 */
int csv_next(struct csv *c, struct err *e);

/* The raw text of the record last returned (or rejected), valid until the next call; the
 * fields of an unquoted record are no longer NUL-terminated afterwards. Never fails. */
const char *csv_raw(struct csv *c, size_t *len);

void csv_free(struct csv *c);

#endif
