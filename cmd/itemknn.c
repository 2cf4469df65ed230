/* itemknn - recommends by item-item (or user-user) cosine neighbourhoods (FORMATS 2.4 lines) */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cli.h"
#include "exclude.h"
#include "history.h"
#include "knn.h"
#include "ofile.h"
#include "ratings.h"

static const char usage_text[] =
"usage: itemknn --ratings FILE [options] [USERS]\n"
"       itemknn --ratings FILE --all [options]\n"
"\n"
"Writes one recommendation line per user (docs/FORMATS.md 2.4) scored by\n"
"item-item cosine similarity over the ratings container (\"customers who bought\n"
"this also bought\", \"source\":\"itemknn\"), or with --user-based by the users\n"
"most like the user (\"source\":\"userknn\"). Users come from USERS (NDJSON,\n"
"default stdin: {\"user\":\"c1\",...}; other fields are carried through; an\n"
"\"items\" field, {\"sku3\":2} or [\"sku3\"], adds to the user's history) or --all.\n"
"A user without history gets the most popular items (\"source\":\"popular\").\n"
"\n"
"options:\n"
"  -r, --ratings FILE        ratings container (kind=ratings): similarities and\n"
"                            users' histories, required\n"
"  -n, --count N             recommendations per user, 1..10000 (default 10)\n"
"  -a, --all                 every user of the ratings, then every other user of --seen\n"
"  -u, --user-based          user-user neighbours instead of item-item\n"
"  -k, --neighbours K        neighbours kept per item (or per user), 1..100000\n"
"                            (default 20)\n"
"      --shrink S            similarity * common / (common + S), 0..1e9 (default 10)\n"
"      --binary              every interaction weighs 1 (default: the values)\n"
"      --normalize           divide a score by the sum of its similarities\n"
"      --no-fill             do not fill a short list with popular items\n"
"      --method M            auto, sparse or dense similarity computation (default auto)\n"
"  -s, --seen FILE           ratings container: never recommend what a user has\n"
"                            (the user's own ratings are never recommended either)\n"
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
"      --progress            show progress on stderr even when it is not a terminal\n"
"  -h, --help                show this help\n"
"  -V, --version             show the version\n"
"\n"
"exit status: 0 done; 1 bad lines were skipped (--skip-bad); 64 usage;\n"
"65 bad data; 66 cannot open an input; 71 out of memory; 74 write error.\n"
"\n"
"example:\n"
"  itemknn --ratings=train.st --all -n 10 --catalog=catalog.ndjson --missing=drop \\\n"
"      > recs.ndjson\n";

struct opts {
	const char *ratings, *seen, *exclude, *catalog, *bad, *output, *input;
	const char **cats;
	size_t ncats;
	int all, skip_bad, progress;
	struct catalog_rules rules;
	struct knn_rec_opts ko;
};

static int
usage(void)
{
	fputs(usage_text, stdout);
	return cli_close_out(stdout, "-");
}

static void
show_progress(void *arg, size_t done, size_t total)
{
	if (total > 0)
		fprintf(stderr, "\r%s: %s %zu/%zu", cli_progname(), (const char *)arg, done, total);
	else
		fprintf(stderr, "\r%s: %s %zu", cli_progname(), (const char *)arg, done);
}

enum {
	O_MISSING = 256, O_EXCAT, O_MINP, O_MAXP, O_MAXCAT, O_SHRINK, O_BINARY, O_NORM, O_NOFILL,
	O_METHOD, O_SKIP, O_BAD, O_PROGRESS,
};

static int
add_category(struct opts *o, const char *c)
{
	const char **nc = realloc(o->cats, (o->ncats + 1) * sizeof *nc);

	if (nc == NULL)
		return cli_fail(EXIT_OSERR, "out of memory");
	o->cats = nc;
	o->cats[o->ncats++] = c;
	return -1;
}

/* Parses argv into o. Returns -1 to go on, else the exit status. */
static int
parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "bad", required_argument, NULL, O_BAD },
		{ "binary", no_argument, NULL, O_BINARY },
		{ "catalog", required_argument, NULL, 'c' },
		{ "count", required_argument, NULL, 'n' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "exclude-category", required_argument, NULL, O_EXCAT },
		{ "help", no_argument, NULL, 'h' },
		{ "max-per-category", required_argument, NULL, O_MAXCAT },
		{ "max-price", required_argument, NULL, O_MAXP },
		{ "method", required_argument, NULL, O_METHOD },
		{ "min-price", required_argument, NULL, O_MINP },
		{ "missing", required_argument, NULL, O_MISSING },
		{ "neighbours", required_argument, NULL, 'k' },
		{ "no-fill", no_argument, NULL, O_NOFILL },
		{ "normalize", no_argument, NULL, O_NORM },
		{ "output", required_argument, NULL, 'o' },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "ratings", required_argument, NULL, 'r' },
		{ "seen", required_argument, NULL, 's' },
		{ "shrink", required_argument, NULL, O_SHRINK },
		{ "skip-bad", no_argument, NULL, O_SKIP },
		{ "user-based", no_argument, NULL, 'u' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct knn_rec_opts *k = &o->ko;
	long v;
	int c, rc;

	while ((c = getopt_long(argc, argv, "ac:hk:n:o:r:s:uVx:", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': o->all = 1; break;
		case 'c': o->catalog = optarg; break;
		case 'h': return usage();
		case 'k':
			if (cli_parse_long("--neighbours", optarg, 1, 100000, &v) < 0)
				return EXIT_USAGE;
			k->neighbours = (int)v;
			break;
		case 'n':
			if (cli_parse_long("--count", optarg, 1, 10000, &v) < 0)
				return EXIT_USAGE;
			k->n = (int)v;
			break;
		case 'o': o->output = optarg; break;
		case 'r': o->ratings = optarg; break;
		case 's': o->seen = optarg; break;
		case 'u': k->user_based = 1; break;
		case 'V': return cli_version();
		case 'x': o->exclude = optarg; break;
		case O_BAD: o->bad = optarg; o->skip_bad = 1; break;
		case O_BINARY: k->binary = 1; break;
		case O_EXCAT:
			if ((rc = add_category(o, optarg)) >= 0)
				return rc;
			break;
		case O_MAXCAT:
			if (cli_parse_long("--max-per-category", optarg, 1, 10000, &v) < 0)
				return EXIT_USAGE;
			k->max_per_category = (int)v;
			break;
		case O_MAXP:
			if (cli_parse_double("--max-price", optarg, -1e15, 1e15, &o->rules.max_price) < 0)
				return EXIT_USAGE;
			o->rules.has_max_price = 1;
			break;
		case O_METHOD:
			if (strcmp(optarg, "auto") == 0)
				k->method = KNN_AUTO;
			else if (strcmp(optarg, "sparse") == 0)
				k->method = KNN_SPARSE;
			else if (strcmp(optarg, "dense") == 0)
				k->method = KNN_DENSE;
			else
				return cli_usage_error("--method: '%s' is not auto, sparse or dense",
				    optarg);
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
		case O_NOFILL: k->fill = 0; break;
		case O_NORM: k->normalize = 1; break;
		case O_PROGRESS: o->progress = 1; break;
		case O_SHRINK:
			if (cli_parse_double("--shrink", optarg, 0, 1e9, &k->shrink) < 0)
				return EXIT_USAGE;
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
	if (o->catalog == NULL && (o->ncats || o->rules.has_min_price || o->rules.has_max_price ||
	    k->max_per_category || o->rules.drop_missing))
		return cli_usage_error("catalog rules need --catalog");
	return -1;
}

static void
warn_bad(const char *msg)
{
	cli_warn("%s", msg);
}

static int
add_line(void *k, json_t *line, struct err *e)
{
	return knn_rec_add_line(k, line, e);
}

static int
flush(void *k, struct err *e)
{
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { .ko = { .n = 10, .neighbours = 20, .shrink = 10, .fill = 1 } };
	struct ratings r;
	struct history seen, *hp = NULL;
	struct exclude ex, *xp = NULL;
	struct catalog cat;
	struct catalog_view view = { 0 };
	struct ofile out = { 0 }, bad = { 0 };
	struct knn_rec k = { 0 };
	struct recs_input ri = { 0 };
	struct err e = { 0 };
	FILE *in = NULL;
	int rc, progress;

	cli_init(argv[0]);
	ratings_init(&r);
	history_init(&seen);
	exclude_init(&ex);
	catalog_init(&cat);
	if ((rc = parse(argc, argv, &o)) >= 0)
		goto done;
	if ((progress = cli_want_progress(o.progress))) {
		o.ko.progress = show_progress;
		o.ko.progress_arg = o.ko.user_based ? "users" : "similarities";
	}
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
	if (knn_rec_init(&k, &r, &o.ko, hp, xp, o.catalog ? &view : NULL, out.fp, &e) < 0)
		goto fail;
	if (progress && !o.ko.user_based) {
		fputc('\n', stderr);
		k.o.progress_arg = "users";
	}
	ri = (struct recs_input){ cli_name(o.input), o.skip_bad, bad.fp, warn_bad, 0 };
	if (o.all ? knn_rec_add_all(&k, &e) < 0 : recs_read_users(&ri, in, add_line, flush, &k,
	    &e) < 0) {
		rc = cli_fail_err(&e);
		/* Keep what was answered on stdout; a named output is not half-written. */
		if (out.path == NULL)
			ofile_commit(&out, &e);
		ofile_abort(&out);
		ofile_abort(&bad);
		goto done;
	}
	if (progress)
		fputc('\n', stderr);
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
	knn_rec_free(&k);
	cli_close_in(in);
	catalog_view_free(&view);
	catalog_free(&cat);
	exclude_free(&ex);
	history_free(&seen);
	ratings_free(&r);
	free(o.cats);
	return rc;
}
