/* ratings2mat - interactions (NDJSON, CSV, TSV, "::") to the ratings container (docs/ratings2mat.md) */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "base/cli.h"
#include "data/ingest.h"
#include "base/ofile.h"
#include "data/ratings.h"

static void
usage(FILE *f)
{
	fputs("usage: ratings2mat [options] [FILE...]\n"
	    "Reads interactions (NDJSON, CSV, TSV or '::'-separated; stdin when no FILE or '-')\n"
	    "and writes the ratings container (docs/FORMATS.md 1.1).\n"
	    "  -o, --output FILE            write to FILE (atomically) instead of stdout\n"
	    "  -f, --format FMT             auto (default: sniffed), ndjson, csv, tsv, dat ('::')\n"
	    "      --delimiter STR          field separator of delimited text (1 to 7 bytes)\n"
	    "      --columns LIST           headerless input: the column names in order, e.g.\n"
	    "                               user,item,rating,ts ('-' for a column to ignore)\n"
	    "      --user-col NAME          header column or JSON key of the user (user)\n"
	    "      --item-col NAME          ... of the item (item)\n"
	    "      --rating-col NAME        ... of the rating (rating)\n"
	    "      --ts-col NAME            ... of the timestamp (ts): unix seconds or\n"
	    "                               YYYY-MM-DD[ T]HH:MM[:SS], UTC\n"
	    "      --event-col NAME         ... of the event type (event), with --implicit\n"
	    "      --qty-col NAME           ... of the quantity (qty), with --implicit\n"
	    "      --invoice-col NAME       ... of the invoice number (invoice)\n"
	    "      --cancel-prefix STR      invoices starting with STR are cancellations (C)\n"
	    "      --preset NAME            movielens (u.data, ratings.dat) or online-retail\n"
	    "      --implicit               events, not ratings: values are weights\n"
	    "      --weights LIST           per-event weights, e.g. view=1,click=2,cart=3,purchase=5\n"
	    "                               (default: every event weighs 1)\n"
	    "      --times-qty              multiply the weight by the quantity\n"
	    "      --dup HOW                duplicate (user, item): last, sum, max, mean\n"
	    "                               (default: last for ratings, sum with --implicit)\n"
	    "      --drop LIST              rows dropped and counted instead of being bad lines:\n"
	    "                               empty-id, cancelled, nonpositive-qty, unknown-event,\n"
	    "                               all or none (default: empty-id,cancelled,nonpositive-qty)\n"
	    "      --no-ts                  ignore timestamps\n"
	    "      --min-user-interactions N  k-core: users with fewer entries are removed\n"
	    "      --min-item-interactions N  k-core: items with fewer entries are removed\n"
	    "      --skip-bad FILE          write bad lines to FILE as NDJSON and go on\n"
	    "      --max-line BYTES         longest line (default 1048576)\n"
	    "      --stats                  print counts, density and a histogram on stderr\n"
	    "      --progress               show progress on stderr\n"
	    "  -h, --help                   this help\n"
	    "      --version                the version\n"
	    "Example: ratings2mat --format=tsv --columns=user,item,rating,ts < u.data > ratings.st\n", f);
}

enum {
	OPT_DELIM = 256, OPT_COLUMNS, OPT_USER, OPT_ITEM, OPT_RATING, OPT_TS, OPT_EVENT, OPT_QTY,
	OPT_INVOICE, OPT_CANCEL, OPT_PRESET, OPT_IMPLICIT, OPT_WEIGHTS, OPT_TIMESQTY, OPT_DUP,
	OPT_DROP, OPT_NOTS, OPT_MINU, OPT_MINI, OPT_SKIPBAD, OPT_MAXLINE, OPT_STATS, OPT_PROGRESS,
	OPT_VERSION
};

static const struct option longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, 'f' },
	{ "delimiter", required_argument, NULL, OPT_DELIM },
	{ "columns", required_argument, NULL, OPT_COLUMNS },
	{ "user-col", required_argument, NULL, OPT_USER },
	{ "item-col", required_argument, NULL, OPT_ITEM },
	{ "rating-col", required_argument, NULL, OPT_RATING },
	{ "ts-col", required_argument, NULL, OPT_TS },
	{ "event-col", required_argument, NULL, OPT_EVENT },
	{ "qty-col", required_argument, NULL, OPT_QTY },
	{ "invoice-col", required_argument, NULL, OPT_INVOICE },
	{ "cancel-prefix", required_argument, NULL, OPT_CANCEL },
	{ "preset", required_argument, NULL, OPT_PRESET },
	{ "implicit", no_argument, NULL, OPT_IMPLICIT },
	{ "weights", required_argument, NULL, OPT_WEIGHTS },
	{ "times-qty", no_argument, NULL, OPT_TIMESQTY },
	{ "dup", required_argument, NULL, OPT_DUP },
	{ "drop", required_argument, NULL, OPT_DROP },
	{ "no-ts", no_argument, NULL, OPT_NOTS },
	{ "min-user-interactions", required_argument, NULL, OPT_MINU },
	{ "min-item-interactions", required_argument, NULL, OPT_MINI },
	{ "skip-bad", required_argument, NULL, OPT_SKIPBAD },
	{ "max-line", required_argument, NULL, OPT_MAXLINE },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

struct args {
	struct ingest_opts o;
	const char *output, *skip_bad, *preset;
	int dup_set, stats, progress;
	long min_user, min_item;
};

static int
lookup(const char *s, const char *const *names)
{
	for (int k = 0; names[k] != NULL; k++)
		if (strcmp(s, names[k]) == 0)
			return k;
	return -1;
}

/* A preset sets what its options did not. Returns 0 or EXIT_USAGE. */
static int
apply_preset(struct args *a, struct err *e)
{
	struct ingest_opts *o = &a->o;

	if (a->preset == NULL)
		return 0;
	if (strcmp(a->preset, "movielens") == 0) {
		if (o->ncolumns == 0 && ingest_parse_columns(o, "user,item,rating,ts", e) < 0)
			return EXIT_USAGE;
		return 0;
	}
	if (strcmp(a->preset, "online-retail") == 0) {
		static const char *const names[INGEST_NFIELDS] = {
			"CustomerID", "StockCode", NULL, "InvoiceDate", NULL, "Quantity", "InvoiceNo"
		};

		for (int k = 0; k < INGEST_NFIELDS; k++)
			if (o->names[k] == NULL && names[k] != NULL) {
				o->names[k] = names[k];
				o->named[k] = 1;
			}
		if (o->format == INGEST_AUTO)
			o->format = INGEST_CSV;
		o->implicit = 1;
		return 0;
	}
	return cli_usage_error("--preset: '%s' is not movielens or online-retail", a->preset);
}

static void
progress(void *arg, int64_t lines)
{
	(void)arg;
	fprintf(stderr, "\r%s: %lld lines", cli_progname(), (long long)lines);
}

/* Parses the options into a; returns -1 to go on, else the exit status. */
static int
parse_args(int argc, char **argv, struct args *a)
{
	static const char *const formats[] = { "auto", "ndjson", "csv", "tsv", "dat", NULL };
	static const char *const dups[] = { "last", "sum", "max", "mean", NULL };
	struct err e = { 0, "" };
	long n;
	int c, k;

	memset(a, 0, sizeof *a);
	ingest_defaults(&a->o);
	while ((c = getopt_long(argc, argv, "f:ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((k = lookup(optarg, formats)) < 0)
				return cli_usage_error("--format: '%s' is not auto, ndjson, csv, tsv or dat", optarg);
			a->o.format = (enum ingest_format)k;
			break;
		case 'h':
			usage(stdout);
			return cli_close_out(stdout, "-");
		case 'o':
			a->output = optarg;
			break;
		case OPT_DELIM:
			if (strlen(optarg) < 1 || strlen(optarg) > 7)
				return cli_usage_error("--delimiter: '%s' is not 1 to 7 bytes", optarg);
			a->o.delim = optarg;
			break;
		case OPT_COLUMNS:
			if (ingest_parse_columns(&a->o, optarg, &e) < 0)
				return cli_usage_error("%s", e.msg);
			break;
		case OPT_USER: case OPT_ITEM: case OPT_RATING: case OPT_TS: case OPT_EVENT:
		case OPT_QTY: case OPT_INVOICE:
			if (optarg[0] == '\0')
				return cli_usage_error("%s: empty name", argv[optind - 1]);
			a->o.names[c - OPT_USER] = optarg;
			a->o.named[c - OPT_USER] = 1;
			break;
		case OPT_CANCEL:
			a->o.cancel_prefix = optarg;
			break;
		case OPT_PRESET:
			a->preset = optarg;
			break;
		case OPT_IMPLICIT:
			a->o.implicit = 1;
			break;
		case OPT_WEIGHTS:
			if (ingest_parse_weights(&a->o, optarg, &e) < 0)
				return cli_usage_error("%s", e.msg);
			break;
		case OPT_TIMESQTY:
			a->o.times_qty = 1;
			break;
		case OPT_DUP:
			if ((k = lookup(optarg, dups)) < 0)
				return cli_usage_error("--dup: '%s' is not last, sum, max or mean", optarg);
			a->o.dup = (enum coo_dup)k;
			a->dup_set = 1;
			break;
		case OPT_DROP:
			if (ingest_parse_drop(&a->o, optarg, &e) < 0)
				return cli_usage_error("%s", e.msg);
			break;
		case OPT_NOTS:
			a->o.no_ts = 1;
			break;
		case OPT_MINU: case OPT_MINI:
			if (cli_parse_long(c == OPT_MINU ? "--min-user-interactions" :
			    "--min-item-interactions", optarg, 0, 1000000000L, &n) < 0)
				return EXIT_USAGE;
			*(c == OPT_MINU ? &a->min_user : &a->min_item) = n;
			break;
		case OPT_SKIPBAD:
			a->skip_bad = optarg;
			break;
		case OPT_MAXLINE:
			if (cli_parse_long("--max-line", optarg, 16, 1L << 30, &n) < 0)
				return EXIT_USAGE;
			a->o.max_line = (size_t)n;
			break;
		case OPT_STATS:
			a->stats = 1;
			break;
		case OPT_PROGRESS:
			a->progress = 1;
			break;
		case OPT_VERSION:
			return cli_version();
		default:
			return cli_usage_error("unknown option");
		}
	}
	if ((c = apply_preset(a, &e)) != 0)
		return c;
	if (a->o.weights != NULL && !a->o.implicit)
		return cli_usage_error("--weights needs --implicit");
	if (a->o.times_qty && !a->o.implicit)
		return cli_usage_error("--times-qty needs --implicit");
	if (a->skip_bad != NULL && strcmp(a->skip_bad, "-") == 0 &&
	    (a->output == NULL || strcmp(a->output, "-") == 0))
		return cli_usage_error("--skip-bad -: stdout carries the matrix (use -o FILE)");
	if (!a->dup_set)
		a->o.dup = a->o.implicit ? COO_DUP_SUM : COO_DUP_LAST;
	if (cli_want_progress(a->progress)) {
		a->o.progress = progress;
		a->progress = 1;
	}
	return -1;
}

/* Reads every input; returns 0 or an exit status. */
static int
read_inputs(struct ingest *g, char **files, int nfiles)
{
	static char *const stdin_only[] = { "-" };
	struct err e = { 0, "" };

	if (nfiles == 0) {
		files = (char **)stdin_only;
		nfiles = 1;
	}
	for (int k = 0; k < nfiles; k++) {
		FILE *f = cli_open_in(files[k]);
		int rc;

		if (f == NULL)
			return EXIT_NOINPUT;
		rc = ingest_file(g, f, cli_name(files[k]), &e);
		cli_close_in(f);
		if (rc < 0)
			return cli_fail_err(&e);
	}
	return 0;
}

/* Metadata that says what made the matrix. */
static json_t *
provenance(int argc, char **argv, const struct args *a)
{
	json_t *m = json_object();
	char src[1024] = "";
	size_t len = 0;

	for (int k = optind; k < argc && len < sizeof src; k++)
		len += (size_t)snprintf(src + len, sizeof src - len, "%s%s", k > optind ? "," : "",
		    argv[k]);
	json_object_set_new(m, "created_by", json_sprintf("ratings2mat %s", RECMAIL_VERSION));
	json_object_set_new(m, "source", json_string(argc > optind ? src : "-"));
	json_object_set_new(m, "dup", json_string((const char *[]){ "last", "sum", "max",
	    "mean" }[a->o.dup]));
	if (a->min_user > 1 || a->min_item > 1)
		json_object_set_new(m, "kcore", json_sprintf("%ld,%ld", a->min_user, a->min_item));
	return m;
}

int
main(int argc, char **argv)
{
	struct args a;
	struct ingest g;
	struct ratings r;
	struct ofile bad = { 0 };
	struct err e = { 0, "" };
	json_t *meta = NULL;
	int rc;

	cli_init(argv[0]);
	if ((rc = parse_args(argc, argv, &a)) >= 0)
		goto done_opts;
	if (a.skip_bad != NULL) {
		if (ofile_open(&bad, a.skip_bad, &e) < 0) {
			rc = cli_fail_err(&e);
			goto done_opts;
		}
		a.o.skip_bad = bad.fp;
	}
	ingest_init(&g, &a.o);
	ratings_init(&r);
	rc = read_inputs(&g, argv + optind, argc - optind);
	if (a.progress)
		fputc('\n', stderr);
	if (rc == 0 && ingest_finish(&g, a.min_user, a.min_item, &r, &e) < 0)
		rc = cli_fail_err(&e);
	if (rc == 0 && (meta = provenance(argc, argv, &a)) == NULL)
		rc = cli_fail(EXIT_OSERR, "out of memory");
	if (rc == 0 && ratings_save(a.output, &r, meta, &e) < 0)
		rc = cli_fail_err(&e);
	/* the list of bad lines is kept even when the run fails: it says why */
	if (a.skip_bad != NULL && ofile_commit(&bad, &e) < 0 && rc == 0)
		rc = cli_fail_err(&e);
	if (rc == 0 && a.stats)
		ingest_report(stderr, &g, &r);
	if (rc == 0) {
		int64_t ndrop = 0;

		for (int d = 0; d < INGEST_NDROPS; d++)
			ndrop += g.dropped[d];
		if (ndrop > 0 && !a.stats) {
			fprintf(stderr, "%s: dropped %lld rows:", cli_progname(), (long long)ndrop);
			for (int d = 0; d < INGEST_NDROPS; d++)
				if (g.dropped[d] > 0)
					fprintf(stderr, " %lld %s", (long long)g.dropped[d],
					    ingest_drop_name((enum ingest_drop)d));
			fputc('\n', stderr);
		}
		if (g.bad > 0)
			cli_warn("skipped %lld bad lines (listed in %s)", (long long)g.bad, a.skip_bad);
	}
	json_decref(meta);
	ratings_free(&r);
	ingest_free(&g);
done_opts:
	ingest_opts_free(&a.o);
	return rc;
}
