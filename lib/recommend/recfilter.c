/* recfilter.c - the recommenders' shared options; --seen, --exclude, --catalog against one item table */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/cli.h"
#include "base/exitcode.h"
#include "recommend/recfilter.h"
#include "recommend/recs.h"

/* Sorted by name, like every program's own table. */
static const struct option shared_longopts[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "bad", required_argument, NULL, RECFILTER_O_BAD },
	{ "catalog", required_argument, NULL, 'c' },
	{ "count", required_argument, NULL, 'n' },
	{ "exclude", required_argument, NULL, 'x' },
	{ "exclude-category", required_argument, NULL, RECFILTER_O_EXCAT },
	{ "max-per-category", required_argument, NULL, RECFILTER_O_MAXCAT },
	{ "max-price", required_argument, NULL, RECFILTER_O_MAXP },
	{ "min-price", required_argument, NULL, RECFILTER_O_MINP },
	{ "min-support", required_argument, NULL, RECFILTER_O_MINSUP },
	{ "missing", required_argument, NULL, RECFILTER_O_MISSING },
	{ "output", required_argument, NULL, 'o' },
	{ "seen", required_argument, NULL, 's' },
	{ "skip-bad", no_argument, NULL, RECFILTER_O_SKIP },
};
_Static_assert(sizeof shared_longopts / sizeof *shared_longopts == RECFILTER_NLONGOPTS,
    "RECFILTER_NLONGOPTS counts shared_longopts");

void
recfilter_longopts(const struct option *own, struct option *out)
{
	size_t i = 0, j = 0, k = 0;

	while (own[i].name != NULL || j < RECFILTER_NLONGOPTS) {
		if (j == RECFILTER_NLONGOPTS ||
		    (own[i].name != NULL && strcmp(own[i].name, shared_longopts[j].name) < 0))
			out[k++] = own[i++];
		else
			out[k++] = shared_longopts[j++];
	}
	out[k] = (struct option){ NULL, 0, NULL, 0 };
}

static int
add_category(struct recfilter_opts *o, const char *c)
{
	const char **nc = realloc(o->cats, (o->ncats + 1) * sizeof *nc);

	if (nc == NULL)
		return cli_fail(EXIT_OSERR, "out of memory");
	o->cats = nc;
	o->cats[o->ncats++] = c;
	o->rules.exclude_categories = o->cats;
	o->rules.nexclude_categories = o->ncats;
	return -1;
}

int
recfilter_option(struct recfilter_opts *o, int c, const char *arg)
{
	long v;

	switch (c) {
	case 'a': o->all = 1; break;
	case 'c': o->catalog = arg; break;
	case 'n':
		if (cli_parse_long("--count", arg, 1, 10000, &v) < 0)
			return EXIT_USAGE;
		o->n = (int)v;
		break;
	case 'o': o->output = arg; break;
	case 's': o->seen = arg; break;
	case 'x': o->exclude = arg; break;
	case RECFILTER_O_BAD: o->bad = arg; o->skip_bad = 1; break;
	case RECFILTER_O_EXCAT: return add_category(o, arg);
	case RECFILTER_O_MAXCAT:
		if (cli_parse_long("--max-per-category", arg, 1, 10000, &v) < 0)
			return EXIT_USAGE;
		o->max_per_category = (int)v;
		break;
	case RECFILTER_O_MAXP:
		if (cli_parse_double("--max-price", arg, -1e15, 1e15, &o->rules.max_price) < 0)
			return EXIT_USAGE;
		o->rules.has_max_price = 1;
		break;
	case RECFILTER_O_MINP:
		if (cli_parse_double("--min-price", arg, -1e15, 1e15, &o->rules.min_price) < 0)
			return EXIT_USAGE;
		o->rules.has_min_price = 1;
		break;
	case RECFILTER_O_MINSUP:
		if (cli_parse_long("--min-support", arg, 1, INT32_MAX, &o->min_support) < 0)
			return EXIT_USAGE;
		break;
	case RECFILTER_O_MISSING:
		if (strcmp(arg, "keep") != 0 && strcmp(arg, "drop") != 0)
			return cli_usage_error("--missing: '%s' is not keep or drop", arg);
		o->rules.drop_missing = strcmp(arg, "drop") == 0;
		break;
	case RECFILTER_O_SKIP: o->skip_bad = 1; break;
	default: return cli_usage_error("unknown option");
	}
	return -1;
}

int
recfilter_operands(struct recfilter_opts *o, int argc, char **argv)
{
	if (optind < argc - 1)
		return cli_usage_error("unexpected argument '%s'", argv[optind + 1]);
	o->input = optind < argc ? argv[optind] : "-";
	if (o->all && optind < argc)
		return cli_usage_error("--all takes no USERS file");
	return -1;
}

int
recfilter_check(const struct recfilter_opts *o)
{
	const struct catalog_rules *r = &o->rules;

	if (o->catalog == NULL && (r->nexclude_categories || r->has_min_price || r->has_max_price ||
	    r->margin_boost != 0 || o->max_per_category || r->drop_missing))
		return cli_usage_error("catalog rules need --catalog");
	if (o->min_support > 1 && o->seen == NULL)
		return cli_usage_error("--min-support counts the entries of --seen: give --seen");
	return -1;
}

void
recfilter_opts_free(struct recfilter_opts *o)
{
	free(o->cats);
	o->cats = NULL;
	o->ncats = 0;
	o->rules.exclude_categories = NULL;
	o->rules.nexclude_categories = 0;
}

void
recfilter_init(struct recfilter *f)
{
	memset(f, 0, sizeof *f);
	history_init(&f->hist);
	exclude_init(&f->excl);
	catalog_init(&f->cat);
}

void
recfilter_free(struct recfilter *f)
{
	catalog_view_free(&f->rules);
	catalog_free(&f->cat);
	exclude_free(&f->excl);
	history_free(&f->hist);
	memset(f, 0, sizeof *f);
}

int
recfilter_load_lists(struct recfilter *f, const struct recfilter_opts *o,
    const struct ids *users, const struct ids *items, const char *target, struct err *e)
{
	if (o->seen != NULL) {
		f->seen = &f->hist;
		if (history_load(&f->hist, o->seen, e) < 0 ||
		    history_map(&f->hist, users, items, target, e) < 0)
			return -1;
	}
	if (o->exclude != NULL) {
		f->ex = &f->excl;
		if (exclude_load(&f->excl, o->exclude, e) < 0 || exclude_map(&f->excl, items, e) < 0)
			return -1;
	}
	return 0;
}

/* Disallows in v the items with fewer than min entries in h (mapped onto v's table). */
static int
drop_rare(struct catalog_view *v, const struct history *h, long min, struct err *e)
{
	int64_t *n = calloc(v->n + 1, sizeof *n);

	if (n == NULL)
		return err_nomem(e);
	for (int64_t x = 0; x < h->r.nnz; x++) {
		int32_t t = h->item_to[h->r.indices[x]];

		if (t >= 0 && (size_t)t < v->n)
			n[t]++;
	}
	for (size_t i = 0; i < v->n; i++)
		if (v->allowed[i] && n[i] < min) {
			v->allowed[i] = 0;
			v->nallowed--;
		}
	free(n);
	return 0;
}

int
recfilter_load_catalog(struct recfilter *f, const struct recfilter_opts *o,
    const struct ids *items, struct err *e)
{
	if (o->catalog != NULL && catalog_load(&f->cat, o->catalog, e) < 0)
		return -1;
	if (catalog_view_build(&f->rules, o->catalog ? &f->cat : NULL, &o->rules, items, e) < 0)
		return -1;
	if (o->catalog != NULL)
		f->view = &f->rules;
	if (o->min_support > 1 && f->seen != NULL) {
		if (drop_rare(&f->rules, f->seen, o->min_support, e) < 0)
			return -1;
		f->view = &f->rules;
	}
	return 0;
}

static void
warn_bad(const char *msg)
{
	cli_warn("%s", msg);
}

long
recfilter_read_users(const struct recfilter_opts *o, FILE *in, FILE *bad,
    int (*add)(void *arg, json_t *line, struct err *e), int (*flush)(void *arg, struct err *e),
    void *arg, struct err *e)
{
	return recfilter_stream_users(o, in, bad, NULL, add, flush, arg, e);
}

long
recfilter_stream_users(const struct recfilter_opts *o, FILE *in, FILE *bad, FILE *answers,
    int (*add)(void *arg, json_t *line, struct err *e), int (*flush)(void *arg, struct err *e),
    void *arg, struct err *e)
{
	struct recs_input ri = { cli_name(o->input), o->skip_bad, bad, warn_bad, 0, answers };

	if (recs_read_users(&ri, in, add, flush, arg, e) < 0)
		return -1;
	return ri.skipped;
}

int
recfilter_skipped(long skipped)
{
	if (skipped > 0)
		cli_warn("%ld bad line%s skipped", skipped, skipped == 1 ? "" : "s");
	return skipped > 0 ? EXIT_PARTIAL : EXIT_OK;
}
