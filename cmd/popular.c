/* popular - recommends the most popular items, overall or per customer group (FORMATS 2.4 lines) */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cli.h"
#include "exclude.h"
#include "history.h"
#include "ofile.h"
#include "poprec.h"
#include "ratings.h"

static const char usage_text[] =
"usage: popular --ratings FILE [options] [USERS]\n"
"       popular --ratings FILE --all [options]\n"
"\n"
"Writes one recommendation line per user (docs/FORMATS.md 2.4) holding the\n"
"items with the most interactions in the ratings container, overall or in\n"
"the user's group, \"source\":\"popular\". Users come from USERS (NDJSON,\n"
"default stdin; other fields are carried through) or --all (every user of\n"
"the ratings).\n"
"\n"
"options:\n"
"  -r, --ratings FILE        ratings container (kind=ratings) to count, required\n"
"  -n, --count N             recommendations per user, 1..10000 (default 10)\n"
"  -a, --all                 every user of the ratings\n"
"      --by-value            sum the values (ratings, quantities) instead of counting\n"
"  -g, --group-by FIELD      rank per group: FIELD of the user line, else of --customers\n"
"  -C, --customers FILE      customers NDJSON mapping user -> FIELD (needed by --group-by)\n"
"      --half-life DAYS      weight each interaction by 2^(-age / DAYS)\n"
"      --now TS              the time ages are measured to (default: newest timestamp)\n"
"  -s, --seen FILE           ratings container: never recommend what a user has\n"
"  -x, --exclude FILE        NDJSON exclusions: {\"user\":U,\"item\":I} or {\"item\":I}\n"
"  -c, --catalog FILE        catalog NDJSON: out-of-stock items are dropped\n"
"      --missing keep|drop   items absent from the catalog (default keep)\n"
"      --exclude-category C  drop category C (repeatable)\n"
"      --min-price X         drop items cheaper than X (or without a price)\n"
"      --max-price X         drop items dearer than X (or without a price)\n"
"      --max-per-category M  at most M items of one category per user\n"
"      --skip-bad            report a bad user line on stderr and go on\n"
"      --bad FILE            with --skip-bad, report bad lines as NDJSON to FILE\n"
"  -o, --output FILE         write to FILE (atomically) instead of stdout\n"
"  -h, --help                show this help\n"
"  -V, --version             show the version\n"
"\n"
"exit status: 0 done; 1 bad lines were skipped (--skip-bad); 64 usage;\n"
"65 bad data; 66 cannot open an input; 71 out of memory; 74 write error.\n"
"\n"
"example:\n"
"  popular --ratings=train.st --seen=train.st --group-by=country \\\n"
"      --customers=customers.ndjson --half-life=30 --all -n 10 > popular.ndjson\n";

struct opts {
	const char *ratings, *seen, *exclude, *catalog, *bad, *output, *input, *group, *customers;
	const char **cats;
	size_t ncats;
	int all, skip_bad;
	struct catalog_rules rules;
	struct poprec_opts po;
};

static int
usage(void)
{
	fputs(usage_text, stdout);
	return cli_close_out(stdout, "-");
}

enum {
	O_BYVALUE = 256, O_MISSING, O_EXCAT, O_MINP, O_MAXP, O_MAXCAT, O_HALF, O_NOW, O_SKIP,
	O_BAD,
};

/* Parses argv into o. Returns -1 to go on, else the exit status. */
static int
parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "bad", required_argument, NULL, O_BAD },
		{ "by-value", no_argument, NULL, O_BYVALUE },
		{ "catalog", required_argument, NULL, 'c' },
		{ "count", required_argument, NULL, 'n' },
		{ "customers", required_argument, NULL, 'C' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "exclude-category", required_argument, NULL, O_EXCAT },
		{ "group-by", required_argument, NULL, 'g' },
		{ "half-life", required_argument, NULL, O_HALF },
		{ "help", no_argument, NULL, 'h' },
		{ "max-per-category", required_argument, NULL, O_MAXCAT },
		{ "max-price", required_argument, NULL, O_MAXP },
		{ "min-price", required_argument, NULL, O_MINP },
		{ "missing", required_argument, NULL, O_MISSING },
		{ "now", required_argument, NULL, O_NOW },
		{ "output", required_argument, NULL, 'o' },
		{ "ratings", required_argument, NULL, 'r' },
		{ "seen", required_argument, NULL, 's' },
		{ "skip-bad", no_argument, NULL, O_SKIP },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "aC:c:g:hn:o:r:s:Vx:", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': o->all = 1; break;
		case 'C': o->customers = optarg; break;
		case 'c': o->catalog = optarg; break;
		case 'g': o->group = optarg; break;
		case 'h': return usage();
		case 'n':
			if (cli_parse_long("--count", optarg, 1, 10000, &v) < 0)
				return EXIT_USAGE;
			o->po.n = (int)v;
			break;
		case 'o': o->output = optarg; break;
		case 'r': o->ratings = optarg; break;
		case 's': o->seen = optarg; break;
		case 'V': return cli_version();
		case 'x': o->exclude = optarg; break;
		case O_BAD: o->bad = optarg; o->skip_bad = 1; break;
		case O_BYVALUE: o->po.pop.by_value = 1; break;
		case O_EXCAT: {
			const char **nc = realloc(o->cats, (o->ncats + 1) * sizeof *nc);

			if (nc == NULL)
				return cli_fail(EXIT_OSERR, "out of memory");
			o->cats = nc;
			o->cats[o->ncats++] = optarg;
			break;
		}
		case O_HALF:
			if (cli_parse_double("--half-life", optarg, 1e-6, 1e6,
			    &o->po.pop.half_life_days) < 0)
				return EXIT_USAGE;
			break;
		case O_MAXCAT:
			if (cli_parse_long("--max-per-category", optarg, 1, 10000, &v) < 0)
				return EXIT_USAGE;
			o->po.max_per_category = (int)v;
			break;
		case O_MAXP:
			if (cli_parse_double("--max-price", optarg, -1e15, 1e15, &o->rules.max_price) < 0)
				return EXIT_USAGE;
			o->rules.has_max_price = 1;
			break;
		case O_MINP:
			if (cli_parse_double("--min-price", optarg, -1e15, 1e15, &o->rules.min_price) < 0)
				return EXIT_USAGE;
			o->rules.has_min_price = 1;
			break;
		case O_MISSING:
			if (strcmp(optarg, "keep") != 0 && strcmp(optarg, "drop") != 0)
				return cli_usage_error("--missing: '%s' is not keep or drop", optarg);
			o->rules.drop_missing = strcmp(optarg, "drop") == 0;
			break;
		case O_NOW:
			if (cli_parse_long("--now", optarg, 0, LONG_MAX, &v) < 0)
				return EXIT_USAGE;
			o->po.pop.now = v;
			o->po.pop.has_now = 1;
			break;
		case O_SKIP: o->skip_bad = 1; break;
		default: return cli_usage_error("unknown option");
		}
	}
	o->rules.exclude_categories = o->cats;
	o->rules.nexclude_categories = o->ncats;
	if (o->ratings == NULL)
		return cli_usage_error("--ratings is required");
	if (optind < argc - 1)
		return cli_usage_error("unexpected argument '%s'", argv[optind + 1]);
	o->input = optind < argc ? argv[optind] : "-";
	if (o->all && optind < argc)
		return cli_usage_error("--all takes no USERS file");
	if ((o->group == NULL) != (o->customers == NULL))
		return cli_usage_error("--group-by and --customers go together");
	if (o->catalog == NULL && (o->ncats || o->rules.has_min_price || o->rules.has_max_price ||
	    o->po.max_per_category || o->rules.drop_missing))
		return cli_usage_error("catalog rules need --catalog");
	return -1;
}

static void
warn_bad(const char *msg)
{
	cli_warn("%s", msg);
}

static int
add_line(void *p, json_t *line, struct err *e)
{
	return poprec_add_line(p, line, e);
}

static int
flush(void *p, struct err *e)
{
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { .po = { .n = 10 } };
	struct ratings r;
	struct history seen, *hp = NULL;
	struct exclude ex, *xp = NULL;
	struct catalog cat;
	struct catalog_view view = { 0 };
	struct poprec_groups groups;
	struct ofile out = { 0 }, bad = { 0 };
	struct poprec p = { 0 };
	struct recs_input ri = { 0 };
	struct err e = { 0 };
	FILE *in = NULL;
	int rc;

	cli_init(argv[0]);
	ratings_init(&r);
	history_init(&seen);
	exclude_init(&ex);
	catalog_init(&cat);
	poprec_groups_init(&groups, NULL);
	if ((rc = parse(argc, argv, &o)) >= 0)
		goto done;
	groups.field = o.group;
	if (ratings_load(o.ratings, &r, &e) < 0)
		goto fail;
	if (o.seen != NULL) {
		hp = &seen;
		if (history_load(&seen, o.seen, &e) < 0 ||
		    history_map(&seen, &r.users, &r.items, o.ratings, &e) < 0)
			goto fail;
	}
	if (o.exclude != NULL) {
		xp = &ex;
		if (exclude_load(&ex, o.exclude, &e) < 0 || exclude_map(&ex, &r.items, &e) < 0)
			goto fail;
	}
	if (o.customers != NULL && poprec_groups_load(&groups, o.customers, &e) < 0)
		goto fail;
	if (o.catalog != NULL && catalog_load(&cat, o.catalog, &e) < 0)
		goto fail;
	if (catalog_view_build(&view, o.catalog ? &cat : NULL, &o.rules, &r.items, &e) < 0)
		goto fail;
	if (!o.all && (in = cli_open_in(o.input)) == NULL) {
		rc = EXIT_NOINPUT;
		goto done;
	}
	if (ofile_open(&out, o.output, &e) < 0 || (o.bad != NULL && ofile_open(&bad, o.bad, &e) < 0))
		goto fail;
	if (poprec_init(&p, &r, &o.po, o.group ? &groups : NULL, hp, xp,
	    o.catalog ? &view : NULL, out.fp, &e) < 0) {
		err_prefix(&e, "%s", o.ratings);
		goto fail;
	}
	ri = (struct recs_input){ cli_name(o.input), o.skip_bad, bad.fp, warn_bad, 0 };
	if (o.all ? poprec_add_all(&p, &e) < 0 : recs_read_users(&ri, in, add_line, flush, &p,
	    &e) < 0) {
		rc = cli_fail_err(&e);
		if (out.path == NULL)
			ofile_commit(&out, &e);
		ofile_abort(&out);
		ofile_abort(&bad);
		goto done;
	}
	if (ri.skipped > 0)
		cli_warn("%ld bad line%s skipped", ri.skipped, ri.skipped == 1 ? "" : "s");
	rc = ri.skipped > 0 ? EXIT_PARTIAL : EXIT_OK;
	if ((bad.fp != NULL && ofile_commit(&bad, &e) < 0) || ofile_commit(&out, &e) < 0)
		rc = cli_fail_err(&e);
	goto done;
fail:
	rc = cli_fail_err(&e);
	ofile_abort(&out);
	ofile_abort(&bad);
done:
	poprec_free(&p);
	cli_close_in(in);
	poprec_groups_free(&groups);
	catalog_view_free(&view);
	catalog_free(&cat);
	exclude_free(&ex);
	history_free(&seen);
	ratings_free(&r);
	free(o.cats);
	return rc;
}
