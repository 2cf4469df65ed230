/* recfilter.h - the filters a recommender applies to one item table (--seen, --exclude, --catalog) */
#ifndef RECMAIL_RECFILTER_H
#define RECMAIL_RECFILTER_H

#include <getopt.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "data/catalog.h"
#include "base/err.h"
#include "recommend/exclude.h"
#include "data/history.h"
#include "data/ids.h"

/*
 * The options topk, popular and itemknn share: -n, --all, --seen, --exclude,
 * --catalog with its rules, --max-per-category, --min-support, --skip-bad, --bad, -o and the
 * USERS operand (input, "-" by default). The program copies n and
 * max_per_category into its own recommender's options.
 */
struct recfilter_opts {
	const char *seen, *exclude, *catalog, *bad, *output, *input;
	const char **cats;      /* --exclude-category, owned: recfilter_opts_free */
	size_t ncats;
	int n, max_per_category, all, skip_bad;
	long min_support;       /* never recommend an item with fewer --seen entries; <= 1: off */
	struct catalog_rules rules;
};

/* getopt_long values of the shared long-only options; a program's own start at RECFILTER_O_END */
enum {
	RECFILTER_O_MISSING = 256, RECFILTER_O_EXCAT, RECFILTER_O_MINP, RECFILTER_O_MAXP,
	RECFILTER_O_MAXCAT, RECFILTER_O_SKIP, RECFILTER_O_BAD, RECFILTER_O_MINSUP, RECFILTER_O_END,
};

/*
 * The help lines of the shared rules and bad-line options, in this order, for
 * the usage texts of the programs that take them (one wording everywhere).
 */
#define RECFILTER_USAGE_RULES \
"  -x, --exclude FILE        NDJSON exclusions: {\"user\":U,\"item\":I} or {\"item\":I}\n" \
"  -c, --catalog FILE        catalog NDJSON: out-of-stock items are dropped\n" \
"      --missing keep|drop   items absent from the catalog (default keep)\n" \
"      --exclude-category C  drop category C (repeatable)\n" \
"      --min-price X         drop items cheaper than X (or without a price)\n" \
"      --max-price X         drop items dearer than X (or without a price)\n" \
"      --max-per-category M  at most M items of one category per user\n" \
"      --min-support N       never recommend an item with fewer than N entries in\n" \
"                            --seen (default 1: off; needs --seen)\n"
#define RECFILTER_USAGE_BAD \
"      --skip-bad            report a bad user line on stderr and go on\n" \
"      --bad FILE            with --skip-bad, report bad lines as NDJSON to FILE\n"

/* How many entries recfilter_longopts adds to a program's table. */
#define RECFILTER_NLONGOPTS 14

/*
 * Merges the program's own long options (own, ended by a NULL name, sorted by
 * name) with the shared ones into out, sorted by name and ended by a NULL
 * entry; out has room for RECFILTER_NLONGOPTS + the entries of own (with its
 * end). The shared short options are a, c:, n:, o:, s:, x:.
 */
void recfilter_longopts(const struct option *own, struct option *out);

/*
 * Takes one shared option (c as getopt_long returned it, arg its optarg)
 * into o. Returns -1 to go on, else the exit status after a message on
 * stderr: EXIT_USAGE for a bad value or an option that is not shared
 * ("unknown option"), EXIT_OSERR when out of memory.
 */
int recfilter_option(struct recfilter_opts *o, int c, const char *arg);

/*
 * After getopt_long: takes the USERS operand at argv[optind] (stdin when
 * absent). Returns -1 to go on, else EXIT_USAGE after a message (more than
 * one operand, or one with --all).
 */
int recfilter_operands(struct recfilter_opts *o, int argc, char **argv);

/*
 * Returns -1 when the catalog rules have their --catalog and --min-support its
 * --seen, else EXIT_USAGE after a message.
 */
int recfilter_check(const struct recfilter_opts *o);

void recfilter_opts_free(struct recfilter_opts *o);

/*
 * The loaded filters. seen, ex and view point into the storage when the
 * option was given and are NULL otherwise: what a recommender's init takes.
 */
struct recfilter {
	struct history hist;
	struct exclude excl;
	struct catalog cat;
	struct catalog_view rules;
	struct history *seen;
	struct exclude *ex;
	struct catalog_view *view;
};

void recfilter_init(struct recfilter *f);
void recfilter_free(struct recfilter *f);

/*
 * Loads o's --seen (mapped onto users and items; target names them in
 * messages), then --exclude (mapped onto items). Returns 0, or -1 with e set
 * as history_load/history_map or exclude_load/exclude_map set it
 * (EXIT_NOINPUT, EXIT_DATA, EXIT_IO, EXIT_OSERR).
 */
int recfilter_load_lists(struct recfilter *f, const struct recfilter_opts *o,
    const struct ids *users, const struct ids *items, const char *target, struct err *e);

/*
 * Loads o's --catalog and builds the view of o's rules over items; with
 * --min-support N (after recfilter_load_lists has loaded --seen) the view also
 * disallows every item with fewer than N entries in --seen, and view is set
 * even without a catalog. Returns 0, or -1 with e set as catalog_load or
 * catalog_view_build set it (EXIT_NOINPUT, EXIT_DATA, EXIT_IO, EXIT_OSERR).
 */
int recfilter_load_catalog(struct recfilter *f, const struct recfilter_opts *o,
    const struct ids *items, struct err *e);

/*
 * Reads the user lines of in (named o->input) as recs_read_users does, with
 * o's --skip-bad, and bad (may be NULL) for --bad; a skipped line is reported
 * on stderr when bad is NULL. Returns the number of lines skipped, or -1 with
 * e set as recs_read_users sets it.
 */
long recfilter_read_users(const struct recfilter_opts *o, FILE *in, FILE *bad,
    int (*add)(void *arg, json_t *line, struct err *e), int (*flush)(void *arg, struct err *e),
    void *arg, struct err *e);

/*
 * The same in line mode (recs_input's answers): each line is answered as soon as
 * it is read, flush is called after every line and must flush the output, and a
 * bad line is answered on answers with an error line. answers NULL: as
 * recfilter_read_users.
 */
long recfilter_stream_users(const struct recfilter_opts *o, FILE *in, FILE *bad, FILE *answers,
    int (*add)(void *arg, json_t *line, struct err *e), int (*flush)(void *arg, struct err *e),
    void *arg, struct err *e);

/* Says "N bad lines skipped" on stderr when skipped > 0 and returns EXIT_PARTIAL; else EXIT_OK. */
int recfilter_skipped(long skipped);

#endif
