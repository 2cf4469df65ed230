/* tunespace.h - a search space over program options: lists, ranges, log ranges; grid, random draws, [0,1] coordinates */
#ifndef RECMAIL_TUNESPACE_H
#define RECMAIL_TUNESPACE_H

#include <stddef.h>

#include "base/err.h"
#include "base/rng.h"

enum tunespace_kind { TS_LIST, TS_REAL, TS_INT, TS_LOG };

/* Dimensions a space may have, and values a list may name. */
#define TUNESPACE_MAX_DIMS 16
#define TUNESPACE_MAX_VALUES 64

struct tunespace_dim {
	char *name;             /* the option, e.g. "factors" or "topk.min-support" */
	int topk;               /* the name starts with "topk.": an option of topk, else of svdtrain */
	enum tunespace_kind kind;
	double lo, hi;          /* ranges */
	int nvalues;            /* lists */
	char *values[TUNESPACE_MAX_VALUES];
};

struct tunespace {
	int ndims;
	struct tunespace_dim dim[TUNESPACE_MAX_DIMS];
};

/* A point: one coordinate in [0, 1] per dimension (a list's value i of n is i / (n - 1)). */
struct tunepoint {
	double x[TUNESPACE_MAX_DIMS];
};

void tunespace_init(struct tunespace *s);
void tunespace_free(struct tunespace *s);

/*
 * Adds the dimensions of spec: one or more "NAME=DOMAIN" separated by spaces or
 * ';', DOMAIN one of "v1,v2,..." (a list of numbers or words of A-Z a-z 0-9 . _ -),
 * "lo:hi" (uniform), "int:lo:hi" (whole numbers), "log:lo:hi" (log-uniform, lo > 0).
 * NAME is an option of svdtrain, or of topk as "topk.NAME" (letters, digits, '-').
 * Returns 0, or -1 with e set (EXIT_USAGE, "--space: ..." naming the fault).
 */
int tunespace_parse(struct tunespace *s, const char *spec, struct err *e);

/* The value of dimension d at coordinate x, written into buf ("%.6g" for numbers). */
void tunespace_value(const struct tunespace *s, int d, double x, char *buf, size_t size);

/* Snaps p to the values the space can take (list entries, whole numbers, rounded reals), so
 * that two points that run the same trial are equal. */
void tunespace_snap(const struct tunespace *s, struct tunepoint *p);

/* A uniform random point (log ranges uniform in the log), snapped. */
void tunespace_random(const struct tunespace *s, struct rng *g, struct tunepoint *p);

/*
 * The grid: lists as given, ranges at `points` values each (evenly, in the log
 * for log ranges; whole numbers without repeats for int). Returns the number of
 * grid points (and fills at most cap of them into out when out is not NULL),
 * or -1 with e set (EXIT_USAGE) when the grid would exceed 1,000,000 points.
 */
long tunespace_grid(const struct tunespace *s, int points, struct tunepoint *out, long cap,
    struct err *e);

/* "name=value name=value ..." of p, into buf: the key of a trial in the log. */
void tunespace_key(const struct tunespace *s, const struct tunepoint *p, char *buf, size_t size);

/* The options of p for one program (topk = 0: svdtrain, 1: topk) as "--name=value ...". */
void tunespace_opts(const struct tunespace *s, const struct tunepoint *p, int topk, char *buf,
    size_t size);

#endif
