/* ingest.h - interaction records (NDJSON or delimited text) to a ratings matrix: mapping, policies, counts */
#ifndef RECMAIL_INGEST_H
#define RECMAIL_INGEST_H

#include <stdint.h>
#include <stdio.h>

#include "data/coo.h"
#include "base/err.h"
#include "data/ids.h"
#include "data/ratings.h"

enum ingest_format { INGEST_AUTO, INGEST_NDJSON, INGEST_CSV, INGEST_TSV, INGEST_DAT };

/* The fields of an interaction; their names are JSON keys or header names. */
enum ingest_field {
	INGEST_USER, INGEST_ITEM, INGEST_RATING, INGEST_TS, INGEST_EVENT, INGEST_QTY,
	INGEST_INVOICE, INGEST_NFIELDS
};

/* Why a well-formed record is left out (when its reason is in opts.drop; else it is a bad line). */
enum ingest_drop {
	INGEST_DROP_EMPTY_ID,       /* user or item is "" */
	INGEST_DROP_CANCELLED,      /* invoice starts with the cancellation prefix */
	INGEST_DROP_NONPOSITIVE,    /* quantity <= 0 */
	INGEST_DROP_UNKNOWN_EVENT,  /* an event not in the weights, or of weight 0 */
	INGEST_NDROPS
};

struct ingest_weight {
	char *event;
	double w;
};

struct ingest_opts {
	enum ingest_format format;
	const char *delim;                      /* NULL: the format's own */
	const char *names[INGEST_NFIELDS];      /* NULL: "user", "item", "rating", "ts", ... */
	int named[INGEST_NFIELDS];              /* set by an option: must exist in the header */
	char *columns[64];                      /* headerless layout (field names, "-" ignored) */
	int ncolumns;                           /* 0: the first line is a header */
	int implicit;
	struct ingest_weight *weights;          /* implicit: per-event weights (NULL: every event 1) */
	int nweights;
	int times_qty;                          /* implicit: weight times quantity */
	enum coo_dup dup;
	unsigned drop;                          /* bit (1 << reason) set: drop and count */
	int no_ts;
	const char *cancel_prefix;              /* default "C" */
	size_t max_line;                        /* 0: LINES_DEFAULT_MAX */
	FILE *skip_bad;                         /* NULL: the first bad line is an error */
	void (*progress)(void *arg, int64_t lines);
	void *progress_arg;
};

struct ingest {
	struct ingest_opts o;
	struct ids users, items;
	struct coo coo;
	int ts_mode;                            /* -1 undecided, 0 without, 1 with timestamps */
	char ts_where[256];                     /* file:line that decided ts_mode */
	int64_t lines, records, bad, kept, dups;
	int64_t dropped[INGEST_NDROPS];
	struct coo_kcore_stats kcore;
};

/* Default options: auto format, explicit ratings, drop empty ids, cancellations,
 * non-positive quantities. */
void ingest_defaults(struct ingest_opts *o);

/* Parses "view=1,click=2" into o->weights (weights >= 0, finite). Returns 0, or -1
 * with e set (EXIT_USAGE). */
int ingest_parse_weights(struct ingest_opts *o, const char *spec, struct err *e);

/* Parses "user,item,rating,ts" into o->columns. Returns 0 or -1 (EXIT_USAGE). */
int ingest_parse_columns(struct ingest_opts *o, const char *spec, struct err *e);

/* Parses "empty-id,cancelled", "all" or "none" into o->drop. Returns 0 or -1 (EXIT_USAGE). */
int ingest_parse_drop(struct ingest_opts *o, const char *spec, struct err *e);

/* Frees what the parse functions allocated. */
void ingest_opts_free(struct ingest_opts *o);

void ingest_init(struct ingest *g, const struct ingest_opts *o);
void ingest_free(struct ingest *g);

/*
 * Reads every record of f (name for messages). A bad line is an error
 * ("name:N: reason", EXIT_DATA) unless opts.skip_bad is set, where it is
 * written as {"file","line","reason","text"} and counted. Returns 0, or -1
 * with e set (EXIT_DATA, EXIT_IO, EXIT_OSERR).
 */
int ingest_file(struct ingest *g, FILE *f, const char *name, struct err *e);

/*
 * Builds r (which takes the id tables) from what was read: duplicates
 * combined, then k-core filtered when min_user or min_item > 1. Fails with
 * EXIT_DATA when no interaction is left. Returns 0 or -1.
 */
int ingest_finish(struct ingest *g, int64_t min_user, int64_t min_item, struct ratings *r,
    struct err *e);

/* Writes the --stats report of g and r to f (stderr). */
void ingest_report(FILE *f, const struct ingest *g, const struct ratings *r);

/* The name of a drop reason ("empty-id", ...). */
const char *ingest_drop_name(enum ingest_drop d);

#endif
