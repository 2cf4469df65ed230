/* ndjson.h - newline-delimited JSON records read and written with jansson */
#ifndef RECMAIL_NDJSON_H
#define RECMAIL_NDJSON_H

#include <jansson.h>
#include <stdio.h>

#include "base/err.h"
#include "base/lines.h"

struct ndjson_reader {
	struct lines lines;
};

/* Starts reading fp (name for messages; maxlen 0 = LINES_DEFAULT_MAX). Returns 0 or -1. */
int ndjson_init(struct ndjson_reader *r, FILE *fp, const char *name, size_t maxlen, struct err *e);

/*
 * Reads the next record, which must be a JSON object, into *out (a new
 * reference). Blank lines are skipped. Returns 1 for a record, 0 at end of input,
 * -1 on error: EXIT_DATA for a bad line ("name:N: invalid JSON: ...", invalid
 * UTF-8, not an object, over-long), after which reading may go on; EXIT_IO is final.
 * When raw is not NULL it receives the line text (valid until the next call).
 */
int ndjson_next(struct ndjson_reader *r, json_t **out, const char **raw, struct err *e);

/*
 * The next line that is not blank, unparsed, in *line (NUL-terminated, valid
 * until the next call) and *len: 1, 0 at end of input, -1 as ndjson_next.
 */
int ndjson_next_line(struct ndjson_reader *r, char **line, size_t *len, struct err *e);
/*
 * Parses one line that ndjson_next would have read (not blank) as it would:
 * 1 with *out a new reference, or -1 with e set (EXIT_DATA, "name:N: ...").
 * For readers that read lines in one thread and parse them in others.
 */
int ndjson_parse(const char *line, size_t len, const char *name, long lineno, json_t **out,
    struct err *e);
/* Number of the line last read. */
long ndjson_lineno(const struct ndjson_reader *r);

/*
 * Reads every record of f (name for messages) and hands each to add(arg, obj,
 * e), which must not keep obj; an EXIT_DATA error from add gets the position
 * "name:N: " in front. Stops at the first error. Returns 0, or -1 with e set.
 */
int ndjson_read(FILE *f, const char *name, int (*add)(void *arg, const json_t *obj,
    struct err *e), void *arg, struct err *e);

/* What ndjson_read_each does with a bad line. */
struct ndjson_skip {
	int skip_bad;           /* an EXIT_DATA error (bad JSON, or from add) skips the line */
	void (*warn)(const struct err *e);      /* told each skipped line's error; NULL: none */
	long skipped;           /* lines skipped so far (added to, never reset) */
};

/*
 * ndjson_read, but with skip not NULL and skip->skip_bad set, a line that
 * fails with EXIT_DATA ("name:N: reason") is passed to skip->warn, counted in
 * skip->skipped and skipped; other errors still stop. Returns the number of
 * records add accepted, or -1 with e set.
 */
long ndjson_read_each(FILE *f, const char *name, struct ndjson_skip *skip,
    int (*add)(void *arg, const json_t *obj, struct err *e), void *arg, struct err *e);

/* The same for a file by path ("-" or NULL is stdin); EXIT_NOINPUT when it cannot be opened. */
int ndjson_read_file(const char *path, int (*add)(void *arg, const json_t *obj, struct err *e),
    void *arg, struct err *e);

void ndjson_free(struct ndjson_reader *r);

/*
 * Writes obj as one compact line. Returns 0, or -1 with e set (EXIT_IO) when
 * the stream reports an error. Reals are written with up to 15 significant digits.
 */
int ndjson_write(FILE *f, const json_t *obj, struct err *e);

/* Field helpers: a string member, or NULL when absent or not a string. */
const char *ndjson_str(const json_t *obj, const char *key);

/* A numeric member (integer or real) in *out: 1 if present and numeric,
 * 0 if absent or null, -1 if present with another type. */
int ndjson_num(const json_t *obj, const char *key, double *out);

/* Rounds v to the given number of decimals, for stable, readable output. */
double ndjson_round(double v, int decimals);

#endif
