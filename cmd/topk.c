/* topk - turns a factor model into recommendation lines (docs/FORMATS.md 2.4) */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <cblas.h>

#include "base/cli.h"
#include "base/exitcode.h"
#include "recommend/mfrec.h"
#include "data/model.h"
#include "base/ofile.h"
#include "recommend/recfilter.h"

static const char usage_text[] =
"usage: topk --model FILE [options] [USERS]\n"
"       topk --model FILE --all [options]\n"
"\n"
"Writes one recommendation line per user (docs/FORMATS.md 2.4). Users come\n"
"from USERS (NDJSON, default stdin: {\"user\":\"c1\",...}; other fields are carried\n"
"through) or --all. A line may carry recent interactions, {\"user\":\"n1\",\n"
"\"items\":{\"sku3\":5}}, to fold a new user into the model without retraining.\n"
"Users the model cannot score get the most popular items (\"source\":\"popular\").\n"
"\n"
"options:\n"
"  -m, --model FILE          the factor model (kind=model), required\n"
"  -n, --count N             recommendations per user, 1..10000 (default 10)\n"
"  -a, --all                 every user of the model, then every other user of --seen\n"
"  -s, --seen FILE           ratings container: never recommend what a user has;\n"
"                            also the history that reasons point to\n"
RECFILTER_USAGE_RULES
"      --margin-boost W      score += W * margin (margin as a fraction, 0..1)\n"
"      --mmr LAMBDA          diversify by maximal marginal relevance, 0..1\n"
"                            (1 = pure score, 0 = pure novelty)\n"
"      --mmr-pool N          candidates MMR re-ranks (default max(5 N, 50))\n"
"      --half-life DAYS      cold start: decay --seen interactions by age\n"
"      --now TS              the time decay is measured to (default: newest)\n"
"      --fold-reg L          fold-in regularization (default: the model's reg, else 0.1)\n"
"      --fold-alpha A        fold-in iALS confidence (default: the model's alpha, else 1)\n"
"      --min-similarity S    a reason names a history item only above cosine S\n"
"                            (default " MFREC_MIN_SIMILARITY_TEXT ")\n"
LIKED_USAGE
RECFILTER_USAGE_BAD
"      --stream              line mode: load the model once and answer each line as\n"
"                            soon as it is read (flushed), for a coprocess; a bad\n"
"                            line is answered {\"error\":...,\"line\":N} and reading goes on\n"
"      --block N             users scored per matrix product (default: automatic)\n"
"  -o, --output FILE         write to FILE (atomically) instead of stdout\n"
"      --progress            show progress on stderr even when it is not a terminal\n"
"  -h, --help                show this help\n"
"  -V, --version             show the version\n"
"\n"
"exit status: 0 done; 1 bad lines were skipped (--skip-bad); 64 usage;\n"
"65 bad data (a bad line, incompatible model and seen tables); 66 cannot open\n"
"an input; 71 out of memory; 74 write error.\n"
"\n"
"example:\n"
"  topk --model=model.st --seen=train.st --all -n 10 > recs.ndjson\n";

struct opts {
	const char *model;
	int progress, stream;
	struct recfilter_opts f;
	struct mfrec_opts mo;
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
		fprintf(stderr, "\r%s: %zu/%zu users", cli_progname(), done, total);
	else
		fprintf(stderr, "\r%s: %zu users", cli_progname(), done);
}

enum {
	O_MARGIN = RECFILTER_O_END, O_MMR, O_MMRPOOL, O_HALF, O_NOW, O_FREG, O_FALPHA, O_MINSIM,
	O_BLOCK, O_PROGRESS, O_LIKE, O_ACTION, O_STREAM,
};

/* Parses argv into o. Returns -1 to go on, else the exit status. */
static int
parse(int argc, char **argv, struct opts *o)
{
	/* topk's own options; recfilter_longopts adds the shared ones (-n, --seen, --catalog...). */
	static const struct option own[] = {
		{ "block", required_argument, NULL, O_BLOCK },
		{ "fold-alpha", required_argument, NULL, O_FALPHA },
		{ "fold-reg", required_argument, NULL, O_FREG },
		{ "half-life", required_argument, NULL, O_HALF },
		{ "help", no_argument, NULL, 'h' },
		{ "history-action", required_argument, NULL, O_ACTION },
		{ "like-threshold", required_argument, NULL, O_LIKE },
		{ "margin-boost", required_argument, NULL, O_MARGIN },
		{ "min-similarity", required_argument, NULL, O_MINSIM },
		{ "mmr", required_argument, NULL, O_MMR },
		{ "mmr-pool", required_argument, NULL, O_MMRPOOL },
		{ "model", required_argument, NULL, 'm' },
		{ "now", required_argument, NULL, O_NOW },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "stream", no_argument, NULL, O_STREAM },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct option longopts[RECFILTER_NLONGOPTS + sizeof own / sizeof *own];
	struct mfrec_opts *m = &o->mo;
	long v;
	int c, rc;

	recfilter_longopts(own, longopts);
	while ((c = getopt_long(argc, argv, "ac:hm:n:o:s:Vx:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': return usage();
		case 'm': o->model = optarg; break;
		case 'V': return cli_version();
		case O_BLOCK:
			if (cli_parse_long("--block", optarg, 1, 1000000, &v) < 0)
				return EXIT_USAGE;
			m->block = (int)v;
			break;
		case O_FALPHA:
			if (cli_parse_double("--fold-alpha", optarg, 0, 1e6, &m->fold_alpha) < 0)
				return EXIT_USAGE;
			break;
		case O_FREG:
			if (cli_parse_double("--fold-reg", optarg, 1e-9, 1e6, &m->fold_reg) < 0)
				return EXIT_USAGE;
			break;
		case O_HALF:
			if (cli_parse_double("--half-life", optarg, 1e-6, 1e6, &m->pop.half_life_days) < 0)
				return EXIT_USAGE;
			break;
		case O_MARGIN:
			if (cli_parse_double("--margin-boost", optarg, -1e6, 1e6,
			    &o->f.rules.margin_boost) < 0)
				return EXIT_USAGE;
			break;
		case O_MINSIM:
			if (cli_parse_double("--min-similarity", optarg, -1, 1, &m->min_similarity) < 0)
				return EXIT_USAGE;
			break;
		case O_MMR:
			if (cli_parse_double("--mmr", optarg, 0, 1, &m->mmr) < 0)
				return EXIT_USAGE;
			break;
		case O_MMRPOOL:
			if (cli_parse_long("--mmr-pool", optarg, 1, 1000000, &v) < 0)
				return EXIT_USAGE;
			m->mmr_pool = (int)v;
			break;
		case O_NOW:
			if (cli_parse_long("--now", optarg, 0, LONG_MAX, &v) < 0)
				return EXIT_USAGE;
			m->pop.now = v;
			m->pop.has_now = 1;
			break;
		case O_PROGRESS: o->progress = 1; break;
		case O_STREAM: o->stream = 1; break;
		case O_LIKE:
		case O_ACTION:
			if ((rc = liked_option(&m->like, c == O_LIKE ? LIKED_O_THRESHOLD : LIKED_O_ACTION,
			    optarg)) >= 0)
				return rc;
			break;
		default:
			if ((rc = recfilter_option(&o->f, c, optarg)) >= 0)
				return rc;
			break;
		}
	}
	m->n = o->f.n;
	m->max_per_category = o->f.max_per_category;
	if (o->model == NULL)
		return cli_usage_error("--model is required");
	if ((rc = recfilter_operands(&o->f, argc, argv)) >= 0 || (rc = recfilter_check(&o->f)) >= 0)
		return rc;
	if (o->stream && o->f.all)
		return cli_usage_error("--stream answers USERS lines: it takes no --all");
	if (m->pop.half_life_days > 0 && o->f.seen == NULL)
		return cli_usage_error("--half-life needs --seen (its timestamps)");
	return -1;
}

static int
add_line(void *r, json_t *line, struct err *e)
{
	return mfrec_add_line(r, line, e);
}

static int
flush(void *r, struct err *e)
{
	return mfrec_flush(r, e);
}

/* Line mode: the line just read is answered and on its way before the next is read. */
static int
flush_line(void *arg, struct err *e)
{
	struct mfrec *r = arg;

	if (mfrec_flush(r, e) < 0)
		return -1;
	if (fflush(r->w.f) != 0)
		return err_set(e, EXIT_IO, "write error: %s", strerror(errno ? errno : EIO));
	return 0;
}

/* Reads user lines and answers them; returns the exit status. */
static int
run_lines(struct mfrec *r, const struct opts *o, FILE *in, FILE *bad)
{
	struct err e = { 0 };
	long skipped;

	if ((skipped = recfilter_stream_users(&o->f, in, bad, o->stream ? r->w.f : NULL, add_line,
	    o->stream ? flush_line : flush, r, &e)) < 0)
		return cli_fail_err(&e);
	return recfilter_skipped(skipped);
}

int
main(int argc, char **argv)
{
	struct opts o = { .f = { .n = 10 }, .mo = { .mmr = -1, .fold_reg = -1, .fold_alpha = -1,
	    .min_similarity = MFREC_MIN_SIMILARITY, .like = { -1, RECS_ACT_NONE } } };
	struct model m = { 0 };
	struct recfilter f;
	struct ofile out = { 0 }, bad = { 0 };
	struct mfrec r = { 0 };
	struct err e = { 0 };
	FILE *in = NULL;
	int rc;

	cli_init(argv[0]);
	recfilter_init(&f);
	if ((rc = parse(argc, argv, &o)) >= 0)
		goto done;
	if (cli_want_progress(o.progress)) {
		o.mo.progress = show_progress;
	}
	rc = EXIT_OK;
	if (model_load(o.model, &m, &e) < 0)
		goto fail;
	if (recfilter_load_lists(&f, &o.f, &m.user_ids, &m.item_ids, o.model, &e) < 0 ||
	    recfilter_load_catalog(&f, &o.f, &m.item_ids, &e) < 0)
		goto fail;
	if (!o.f.all && (in = cli_open_in(o.f.input)) == NULL) {
		rc = EXIT_NOINPUT;
		goto done;
	}
	if (ofile_open(&out, o.f.output, &e) < 0)
		goto fail;
	if (o.stream && out.path != NULL && !out.direct) {
		ofile_abort(&out);
		rc = cli_usage_error("--stream answers on stdout or a FIFO, not a file (-o %s)",
		    o.f.output);
		goto done;
	}
	if (o.f.bad != NULL && ofile_open(&bad, o.f.bad, &e) < 0)
		goto fail;
	if (mfrec_init(&r, &m, &o.mo, f.seen, f.ex, f.view, out.fp, &e) < 0)
		goto fail;
	/* a line is one user's matrix-vector product: a second BLAS thread only waits for a core */
	if (o.stream)
		openblas_set_num_threads(1);
	if (o.f.all)
		rc = mfrec_add_all(&r, &e) < 0 ? cli_fail_err(&e) : EXIT_OK;
	else
		rc = run_lines(&r, &o, in, bad.fp);
	if (o.mo.progress != NULL)
		fputc('\n', stderr);
	if (bad.fp != NULL && ofile_commit(&bad, &e) < 0 && rc <= EXIT_PARTIAL)
		rc = cli_fail_err(&e);
	if (rc > EXIT_PARTIAL) {
		/* Keep what was answered on stdout; a named output is not half-written. */
		if (out.path == NULL)
			ofile_commit(&out, &e);
		else
			ofile_abort(&out);
	} else if (ofile_commit(&out, &e) < 0) {
		rc = cli_fail_err(&e);
	}
	goto done;
fail:
	rc = cli_fail_err(&e);
	ofile_abort(&out);
	ofile_abort(&bad);
done:
	mfrec_free(&r);
	cli_close_in(in);
	recfilter_free(&f);
	if (m.meta != NULL || m.P != NULL)
		model_free(&m);
	recfilter_opts_free(&o.f);
	return rc;
}
