/* itemknn - recommends by item-item (or user-user) cosine neighbourhoods (FORMATS 2.4 lines) */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/cli.h"
#include "recommend/knn.h"
#include "base/ofile.h"
#include "data/ratings.h"
#include "recommend/recfilter.h"

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
LIKED_USAGE
"  -s, --seen FILE           ratings container: never recommend what a user has\n"
"                            (the user's own ratings are never recommended either)\n"
RECFILTER_USAGE_RULES
RECFILTER_USAGE_BAD
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
	const char *ratings;
	int progress;
	struct recfilter_opts f;
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
	O_SHRINK = RECFILTER_O_END, O_BINARY, O_NORM, O_NOFILL, O_METHOD, O_PROGRESS, O_LIKE,
	O_ACTION,
};

/* Parses argv into o. Returns -1 to go on, else the exit status. */
static int
parse(int argc, char **argv, struct opts *o)
{
	/* itemknn's own options; recfilter_longopts adds the shared ones (-n, --seen, --catalog...). */
	static const struct option own[] = {
		{ "binary", no_argument, NULL, O_BINARY },
		{ "help", no_argument, NULL, 'h' },
		{ "history-action", required_argument, NULL, O_ACTION },
		{ "like-threshold", required_argument, NULL, O_LIKE },
		{ "method", required_argument, NULL, O_METHOD },
		{ "neighbours", required_argument, NULL, 'k' },
		{ "no-fill", no_argument, NULL, O_NOFILL },
		{ "normalize", no_argument, NULL, O_NORM },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "ratings", required_argument, NULL, 'r' },
		{ "shrink", required_argument, NULL, O_SHRINK },
		{ "user-based", no_argument, NULL, 'u' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct option longopts[RECFILTER_NLONGOPTS + sizeof own / sizeof *own];
	struct knn_rec_opts *k = &o->ko;
	long v;
	int c, rc;

	recfilter_longopts(own, longopts);
	while ((c = getopt_long(argc, argv, "ac:hk:n:o:r:s:uVx:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': return usage();
		case 'k':
			if (cli_parse_long("--neighbours", optarg, 1, 100000, &v) < 0)
				return EXIT_USAGE;
			k->neighbours = (int)v;
			break;
		case 'r': o->ratings = optarg; break;
		case 'u': k->user_based = 1; break;
		case 'V': return cli_version();
		case O_BINARY: k->binary = 1; break;
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
		case O_NOFILL: k->fill = 0; break;
		case O_NORM: k->normalize = 1; break;
		case O_PROGRESS: o->progress = 1; break;
		case O_LIKE:
		case O_ACTION:
			if ((rc = liked_option(&k->like, c == O_LIKE ? LIKED_O_THRESHOLD : LIKED_O_ACTION,
			    optarg)) >= 0)
				return rc;
			break;
		case O_SHRINK:
			if (cli_parse_double("--shrink", optarg, 0, 1e9, &k->shrink) < 0)
				return EXIT_USAGE;
			break;
		default:
			if ((rc = recfilter_option(&o->f, c, optarg)) >= 0)
				return rc;
			break;
		}
	}
	k->n = o->f.n;
	k->max_per_category = o->f.max_per_category;
	if (o->ratings == NULL)
		return cli_usage_error("--ratings is required");
	if ((rc = recfilter_operands(&o->f, argc, argv)) >= 0)
		return rc;
	return recfilter_check(&o->f);
}

static int
add_line(void *k, json_t *line, struct err *e)
{
	return knn_rec_add_line(k, line, e);
}

int
main(int argc, char **argv)
{
	struct opts o = { .f = { .n = 10 }, .ko = { .neighbours = 20, .shrink = 10, .fill = 1,
	    .like = { -1, RECS_ACT_NONE } } };
	struct ratings r;
	struct recfilter f;
	struct ofile out = { 0 }, bad = { 0 };
	struct knn_rec k = { 0 };
	struct err e = { 0 };
	FILE *in = NULL;
	long skipped = 0;
	int rc, progress;

	cli_init(argv[0]);
	ratings_init(&r);
	recfilter_init(&f);
	if ((rc = parse(argc, argv, &o)) >= 0)
		goto done;
	if ((progress = cli_want_progress(o.progress))) {
		o.ko.progress = show_progress;
		o.ko.progress_arg = o.ko.user_based ? "users" : "similarities";
	}
	if (ratings_load(o.ratings, &r, &e) < 0)
		goto fail;
	if (recfilter_load_lists(&f, &o.f, &r.users, &r.items, o.ratings, &e) < 0 ||
	    recfilter_load_catalog(&f, &o.f, &r.items, &e) < 0)
		goto fail;
	if (!o.f.all && (in = cli_open_in(o.f.input)) == NULL) {
		rc = EXIT_NOINPUT;
		goto done;
	}
	if (ofile_open(&out, o.f.output, &e) < 0 ||
	    (o.f.bad != NULL && ofile_open(&bad, o.f.bad, &e) < 0))
		goto fail;
	if (knn_rec_init(&k, &r, &o.ko, f.seen, f.ex, f.view, out.fp, &e) < 0)
		goto fail;
	if (progress && !o.ko.user_based) {
		fputc('\n', stderr);
		k.o.progress_arg = "users";
	}
	if (o.f.all ? knn_rec_add_all(&k, &e) < 0 :
	    (skipped = recfilter_read_users(&o.f, in, bad.fp, add_line, NULL, &k, &e)) < 0) {
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
	knn_rec_free(&k);
	cli_close_in(in);
	recfilter_free(&f);
	ratings_free(&r);
	recfilter_opts_free(&o.f);
	return rc;
}
