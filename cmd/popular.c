/* popular - recommends the most popular items, overall or per customer group (FORMATS 2.4 lines) */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>

#include "base/cli.h"
#include "base/ofile.h"
#include "recommend/poprec.h"
#include "data/ratings.h"
#include "recommend/recfilter.h"

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
RECFILTER_USAGE_RULES
RECFILTER_USAGE_BAD
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
	const char *ratings, *group, *customers;
	struct recfilter_opts f;
	struct poprec_opts po;
};

static int
usage(void)
{
	fputs(usage_text, stdout);
	return cli_close_out(stdout, "-");
}

enum { O_BYVALUE = RECFILTER_O_END, O_HALF, O_NOW };

/* Parses argv into o. Returns -1 to go on, else the exit status. */
static int
parse(int argc, char **argv, struct opts *o)
{
	/* popular's own options; recfilter_longopts adds the shared ones (-n, --seen, --catalog...). */
	static const struct option own[] = {
		{ "by-value", no_argument, NULL, O_BYVALUE },
		{ "customers", required_argument, NULL, 'C' },
		{ "group-by", required_argument, NULL, 'g' },
		{ "half-life", required_argument, NULL, O_HALF },
		{ "help", no_argument, NULL, 'h' },
		{ "now", required_argument, NULL, O_NOW },
		{ "ratings", required_argument, NULL, 'r' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct option longopts[RECFILTER_NLONGOPTS + sizeof own / sizeof *own];
	long v;
	int c, rc;

	recfilter_longopts(own, longopts);
	while ((c = getopt_long(argc, argv, "aC:c:g:hn:o:r:s:Vx:", longopts, NULL)) != -1) {
		switch (c) {
		case 'C': o->customers = optarg; break;
		case 'g': o->group = optarg; break;
		case 'h': return usage();
		case 'r': o->ratings = optarg; break;
		case 'V': return cli_version();
		case O_BYVALUE: o->po.pop.by_value = 1; break;
		case O_HALF:
			if (cli_parse_double("--half-life", optarg, 1e-6, 1e6,
			    &o->po.pop.half_life_days) < 0)
				return EXIT_USAGE;
			break;
		case O_NOW:
			if (cli_parse_long("--now", optarg, 0, LONG_MAX, &v) < 0)
				return EXIT_USAGE;
			o->po.pop.now = v;
			o->po.pop.has_now = 1;
			break;
		default:
			if ((rc = recfilter_option(&o->f, c, optarg)) >= 0)
				return rc;
			break;
		}
	}
	o->po.n = o->f.n;
	o->po.max_per_category = o->f.max_per_category;
	if (o->ratings == NULL)
		return cli_usage_error("--ratings is required");
	if ((rc = recfilter_operands(&o->f, argc, argv)) >= 0)
		return rc;
	if ((o->group == NULL) != (o->customers == NULL))
		return cli_usage_error("--group-by and --customers go together");
	return recfilter_check(&o->f);
}

static int
add_line(void *p, json_t *line, struct err *e)
{
	return poprec_add_line(p, line, e);
}

int
main(int argc, char **argv)
{
	struct opts o = { .f = { .n = 10 } };
	struct ratings r;
	struct recfilter f;
	struct poprec_groups groups;
	struct ofile out = { 0 }, bad = { 0 };
	struct poprec p = { 0 };
	struct err e = { 0 };
	FILE *in = NULL;
	long skipped = 0;
	int rc;

	cli_init(argv[0]);
	ratings_init(&r);
	recfilter_init(&f);
	poprec_groups_init(&groups, NULL);
	if ((rc = parse(argc, argv, &o)) >= 0)
		goto done;
	groups.field = o.group;
	if (ratings_load(o.ratings, &r, &e) < 0)
		goto fail;
	if (recfilter_load_lists(&f, &o.f, &r.users, &r.items, o.ratings, &e) < 0 ||
	    (o.customers != NULL && poprec_groups_load(&groups, o.customers, &e) < 0) ||
	    recfilter_load_catalog(&f, &o.f, &r.items, &e) < 0)
		goto fail;
	if (!o.f.all && (in = cli_open_in(o.f.input)) == NULL) {
		rc = EXIT_NOINPUT;
		goto done;
	}
	if (ofile_open(&out, o.f.output, &e) < 0 ||
	    (o.f.bad != NULL && ofile_open(&bad, o.f.bad, &e) < 0))
		goto fail;
	if (poprec_init(&p, &r, &o.po, o.group ? &groups : NULL, f.seen, f.ex, f.view, out.fp,
	    &e) < 0) {
		err_prefix(&e, "%s", o.ratings);
		goto fail;
	}
	if (o.f.all ? poprec_add_all(&p, &e) < 0 :
	    (skipped = recfilter_read_users(&o.f, in, bad.fp, add_line, NULL, &p, &e)) < 0) {
		rc = cli_fail_err(&e);
		if (out.path == NULL)
			ofile_commit(&out, &e);
		ofile_abort(&out);
		ofile_abort(&bad);
		goto done;
	}
	rc = recfilter_skipped(skipped);
	if ((bad.fp != NULL && ofile_commit(&bad, &e) < 0) || ofile_commit(&out, &e) < 0) {
		rc = cli_fail_err(&e);
		ofile_abort(&out);      /* the output of a failed run is not left behind */
		ofile_abort(&bad);
	}
	goto done;
fail:
	rc = cli_fail_err(&e);
	ofile_abort(&out);
	ofile_abort(&bad);
done:
	poprec_free(&p);
	cli_close_in(in);
	poprec_groups_free(&groups);
	recfilter_free(&f);
	ratings_free(&r);
	recfilter_opts_free(&o.f);
	return rc;
}
