/* mkprompt.c - joins recommendation lines with the catalog and profiles into prompt records */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cli.h"
#include "data/ids.h"
#include "base/ndjson.h"
#include "base/ofile.h"
#include "base/pool.h"
#include "write/prompt.h"

#define JOBS_AUTO_MAX 8         /* --jobs default: the online CPUs, at most this */
#define BATCH_PER_JOB 64        /* lines read per worker before a batch is built */

/* One input line on its way to a record: filled by a worker, written in input order. */
struct slot {
	struct buf line;
	long lineno;
	int unread;             /* the reader refused the line (over-long): e says why */
	int rc;                 /* prompt_write's result: PROMPT_OK, an outcome, or -1 with e */
	struct err e;
	struct buf out;         /* the record's line */
	struct buf user;        /* the line's "user", for --rejects (empty: none) */
};

/* What each worker thread owns. */
struct worker {
	struct prompt_writer pw;
	struct prompt_stats st;
};

struct run {
	const char *in_name;
	struct ofile out, rej;
	int have_rej, skip_bad, progress;
	long lines, prompts, rejected, skipped, by[PROMPT_NOUTCOMES];
	struct prompt_stats st;
	const struct prompt_db *db;
	const struct prompt_tmpl *t;
	const struct prompt_opts *o;
	struct pool *pool;
	struct worker *w;
	/*
	 * Two sets of nslot slots, used in turn: while the workers build the batch
	 * in cur, worker 0 first writes the batch built before, in prev. A worker
	 * takes the next slot of cur from the counter next, and frees the parsed
	 * line before it takes another: no thread frees what another allocated.
	 */
	struct slot *slot, *cur, *prev;
	size_t nslot, ncur, nprev, next;
	long batches;
	int emit_rc;            /* 0, or -1 when writing prev failed: emit_e says why */
	struct err emit_e;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: mkprompt --catalog=FILE --customers=FILE [-n N] [-o FILE] [--brand=NAME]\n"
	    "                [--voice=TEXT] [--campaign=ID] [--template=FILE] [--rejects=FILE]\n"
	    "                [--no-response-format] [--no-first-name] [--skip-bad] [--jobs=N]\n"
	    "                [--progress] [FILE|-]\n"
	    "\n"
	    "Reads recommendation lines (docs/FORMATS.md 2.4) from FILE or stdin, joins each\n"
	    "with the catalog and the customer's profile, and writes one prompt record per\n"
	    "user (2.5) for llmcall. Users without a profile, without a valid email address or\n"
	    "without a recommended item in the catalog, and holdout lines, get no record: they\n"
	    "are written to --rejects (user, line, reason) and counted on stderr.\n"
	    "\n"
	    "  --catalog=FILE        products, FORMATS 2.2 (required)\n"
	    "  --customers=FILE      customer profiles, FORMATS 2.3 (required)\n"
	    "  -n, --max-items=N     products per email, 1..%d (default 6)\n"
	    "  -o, --output=FILE     write the records to FILE (default stdout)\n"
	    "  --brand=NAME          the shop's name, in the prompt and meta\n"
	    "  --voice=TEXT          the tone asked of the writer (default: warm, clear, concise)\n"
	    "  --campaign=ID         campaign id put in meta (letters, digits, '.', '_', '-')\n"
	    "  --template=FILE       prompt template (default: share/prompts/email.txt beside the\n"
	    "                        program, or $RECMAIL_SHARE/prompts/email.txt)\n"
	    "  --rejects=FILE        NDJSON of users given no prompt, with the reason\n"
	    "  --no-response-format  leave out the JSON-schema \"response_format\"\n"
	    "  --no-first-name       send no name to the writer: first_name is null in the prompt\n"
	    "                        (meta keeps it; docs/PRIVACY.md)\n"
	    "  --skip-bad            report and skip bad input lines (exit 1) instead of stopping\n"
	    "  --jobs=N              build records on N threads (default: the CPUs, at most %d);\n"
	    "                        the output is the same for every N\n"
	    "  --progress            show progress on stderr even when it is not a terminal\n"
	    "  -h, --help            show this help\n"
	    "  --version             show the version\n"
	    "\n"
	    "Example:\n"
	    "  topk --model=model.st -n 4 | mkprompt --catalog=catalog.ndjson \\\n"
	    "      --customers=customers.ndjson --brand='Example Shop' --campaign=2026-11-w48 \\\n"
	    "      --rejects=rejects.ndjson >prompts.ndjson\n", PROMPT_MAX_ITEMS, JOBS_AUTO_MAX);
}

static void
warn_err(const struct err *e)
{
	cli_warn("%s", e->msg);
}

/* Writes one reject line (or a warning when there is no --rejects file). */
static int
reject(struct run *r, const char *user, long line, const char *reason, const char *error,
    struct err *e)
{
	json_t *o;
	int rc;

	r->rejected++;
	if (!r->have_rej) {
		if (strcmp(reason, "holdout") != 0)
			cli_warn("%s:%ld: user '%.64s': %s", r->in_name, line, user ? user : "?", reason);
		return 0;
	}
	o = json_pack("{s:s*,s:I,s:s,s:s*}", "user", user, "line", (json_int_t)line, "reason",
	    reason, "error", error);
	if (o == NULL)
		return err_nomem(e);
	rc = ndjson_write(r->rej.fp, o, e);
	json_decref(o);
	return rc;
}

static int
load_table(struct prompt_db *db, const char *path, int catalog, struct run *r)
{
	struct err e = { 0 };
	FILE *f = cli_open_in(path);
	long n;

	if (f == NULL)
		return EXIT_NOINPUT;
	if (catalog)
		n = prompt_db_load_catalog(db, f, path, r->skip_bad, warn_err, &r->skipped, &e);
	else
		n = prompt_db_load_customers(db, f, path, r->skip_bad, warn_err, &r->skipped, &e);
	cli_close_in(f);
	return n < 0 ? cli_fail_err(&e) : 0;
}

/* Parses and builds the record of one slot on worker wk. */
static void
build_one(const struct run *r, struct worker *wk, struct slot *s)
{
	json_t *line;
	const char *user;

	buf_reset(&s->out);
	buf_reset(&s->user);
	if (s->unread)
		return;
	if (ndjson_parse(s->line.s, s->line.len, r->in_name, s->lineno, &line, &s->e) < 0) {
		s->rc = -1;
		return;
	}
	s->rc = prompt_write(&wk->pw, r->db, r->t, r->o, line, &s->out, &wk->st, &s->e);
	if (s->rc < 0 && s->e.code == EXIT_DATA)
		err_prefix(&s->e, "%s:%ld", r->in_name, s->lineno);
	if (s->rc != PROMPT_OK && (user = ndjson_str(line, "user")) != NULL &&
	    buf_add(&s->user, user, strlen(user) + 1) < 0) {
		s->rc = -1;
		err_nomem(&s->e);
	}
	json_decref(line);
}

static int emit(struct run *r, struct slot *s, struct err *e);

/*
 * pool_fn, once on every worker: worker 0 writes the batch built before (the
 * other workers go on building meanwhile), then all take slots of the new batch
 * until none are left.
 */
static void
build(void *arg, size_t w, int wi)
{
	struct run *r = arg;
	size_t i;

	(void)wi;
	if (w == 0)
		for (i = 0; i < r->nprev && r->emit_rc == 0; i++)
			r->emit_rc = emit(r, &r->prev[i], &r->emit_e);
	while ((i = __atomic_fetch_add(&r->next, 1, __ATOMIC_RELAXED)) < r->ncur)
		build_one(r, &r->w[w], &r->cur[i]);
}

/* Writes slot s's record or reject, in input order. 0, or -1 with e set when the run must stop. */
static int
emit(struct run *r, struct slot *s, struct err *e)
{
	char why[sizeof e->msg];

	if (s->rc < 0) {
		*e = s->e;
		if (e->code != EXIT_DATA || !r->skip_bad)
			return -1;
		warn_err(e);
		r->skipped++;
		memcpy(why, e->msg, sizeof why);
		if (reject(r, s->user.len ? s->user.s : NULL, s->lineno, "bad line", why, e) < 0)
			return -1;
		r->rejected--; /* counted as skipped */
	} else if (s->rc == PROMPT_OK) {
		if (fwrite(s->out.s, 1, s->out.len, r->out.fp) != s->out.len)
			return err_set(e, EXIT_IO, "write error: %s", strerror(errno ? errno : EIO));
		r->prompts++;
	} else {
		r->by[s->rc]++;
		if (reject(r, s->user.len ? s->user.s : NULL, s->lineno,
		    prompt_outcome_name((enum prompt_outcome)s->rc), NULL, e) < 0)
			return -1;
	}
	if (r->progress && ++r->lines % 16384 == 0)
		fprintf(stderr, "\rmkprompt: %ld lines", r->lines);
	return 0;
}

/*
 * Builds the n slots read into r->cur on the pool while the batch before is
 * written; r->cur is then the set to read into next. 0, or -1 with e set.
 */
static int
flush(struct run *r, size_t n, struct err *e)
{
	r->ncur = n;
	r->next = 0;
	pool_each(r->pool, build, r);
	r->prev = r->cur;
	r->nprev = n;
	r->cur = r->slot + (size_t)(++r->batches % 2) * r->nslot;
	if (r->emit_rc < 0) {
		*e = r->emit_e;
		return -1;
	}
	return 0;
}

/* Writes the last batch built. 0, or -1 with e set. */
static int
drain(struct run *r, struct err *e)
{
	size_t i;

	for (i = 0; i < r->nprev; i++)
		if (emit(r, &r->prev[i], e) < 0)
			return -1;
	r->nprev = 0;
	return 0;
}

/* Keeps a copy of the line in slot s. 0, or -1 when out of memory. */
static int
keep(struct slot *s, const char *line, size_t len, long lineno)
{
	buf_reset(&s->line);
	if (buf_add(&s->line, line, len) < 0)
		return -1;
	s->lineno = lineno;
	s->unread = 0;
	return 0;
}

/*
 * Reads every recommendations line, builds batches of them on the pool and
 * writes the results in input order; returns an exit status.
 */
static int
run_lines(struct run *r, FILE *in)
{
	struct ndjson_reader rd;
	struct err e = { 0 };
	size_t n = 0, len;
	char *line;
	int rc;

	if (ndjson_init(&rd, in, r->in_name, 0, &e) < 0)
		return cli_fail_err(&e);
	while ((rc = ndjson_next_line(&rd, &line, &len, &e)) != 0) {
		struct slot *s = &r->cur[n];

		if (rc < 0 && e.code != EXIT_DATA)
			break;
		if (rc < 0) {
			/* an over-long line: reported in its place */
			s->lineno = ndjson_lineno(&rd);
			s->unread = 1;
			s->rc = -1;
			s->e = e;
		} else if (keep(s, line, len, ndjson_lineno(&rd)) < 0) {
			rc = err_nomem(&e);
			break;
		}
		rc = 0;
		if (++n == r->nslot) {
			rc = flush(r, n, &e);
			n = 0;
			if (rc < 0)
				break;
		}
	}
	if (rc == 0 || r->emit_rc == 0) {
		struct err fe = { 0 };

		/* what was read before a read error is still written, as it was one at a
		 * time; an error in it comes first in the input, so it is the one reported */
		if ((n > 0 && flush(r, n, &fe) < 0) || drain(r, &fe) < 0) {
			e = fe;
			rc = -1;
		}
	}
	ndjson_free(&rd);
	if (rc < 0)
		return cli_fail_err(&e);
	if (r->progress)
		fprintf(stderr, "\rmkprompt: %ld lines\n", r->lines);
	return 0;
}

static void
summary(const struct run *r)
{
	char by[2][512] = { "", "" };
	size_t k[2] = { 0, 0 };
	long n[2] = { 0, 0 };

	/* holdout, no profile and no email get no email by design: counted apart from the
	 * rejects, which are losses (docs/mkprompt.md) */
	for (int i = 1; i < PROMPT_NOUTCOMES; i++) {
		int j = i == PROMPT_HOLDOUT || i == PROMPT_NO_PROFILE || i == PROMPT_NO_EMAIL ? 0 : 1;

		n[j] += r->by[i];
		if (r->by[i] > 0 && k[j] < sizeof by[j])
			k[j] += (size_t)snprintf(by[j] + k[j], sizeof by[j] - k[j], "%s%ld %s",
			    k[j] ? ", " : " (", r->by[i], prompt_outcome_name((enum prompt_outcome)i));
	}
	for (int j = 0; j < 2; j++)
		if (k[j] > 0 && k[j] < sizeof by[j] - 1)
			strcat(by[j], ")");
	if (r->rejected == 0 && r->skipped == 0 && r->st.missing == 0 && r->st.out_of_stock == 0 &&
	    r->st.untitled == 0)
		return;
	cli_warn("%ld prompts, %ld users not mailed by design%s, %ld users rejected%s, %ld bad lines "
	    "skipped; items left out: %ld not in the catalog, %ld out of stock, %ld without a title, "
	    "%ld over -n", r->prompts, n[0], by[0], r->rejected - n[0], by[1], r->skipped,
	    r->st.missing, r->st.out_of_stock, r->st.untitled, r->st.capped);
}

static int
valid_campaign(const char *s)
{
	return *s != '\0' && strlen(s) <= 128 &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
	    strlen(s);
}

/* One line of valid UTF-8 without control characters. */
static int
one_line(const char *s)
{
	const char *p;

	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return utf8_valid(s, (size_t)(p - s));
}

int
main(int argc, char **argv)
{
	enum { O_BRAND = 256, O_CAMPAIGN, O_CATALOG, O_CUSTOMERS, O_NORF, O_PROGRESS, O_REJECTS,
		O_SKIPBAD, O_TEMPLATE, O_VERSION, O_VOICE, O_JOBS, O_NONAME };
	static const struct option longopts[] = {
		{ "brand", required_argument, NULL, O_BRAND },
		{ "campaign", required_argument, NULL, O_CAMPAIGN },
		{ "catalog", required_argument, NULL, O_CATALOG },
		{ "customers", required_argument, NULL, O_CUSTOMERS },
		{ "help", no_argument, NULL, 'h' },
		{ "jobs", required_argument, NULL, O_JOBS },
		{ "max-items", required_argument, NULL, 'n' },
		{ "no-first-name", no_argument, NULL, O_NONAME },
		{ "no-response-format", no_argument, NULL, O_NORF },
		{ "output", required_argument, NULL, 'o' },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "rejects", required_argument, NULL, O_REJECTS },
		{ "skip-bad", no_argument, NULL, O_SKIPBAD },
		{ "template", required_argument, NULL, O_TEMPLATE },
		{ "version", no_argument, NULL, O_VERSION },
		{ "voice", required_argument, NULL, O_VOICE },
		{ NULL, 0, NULL, 0 },
	};
	const char *catalog = NULL, *customers = NULL, *tpath = NULL, *rpath = NULL, *opath = "-";
	struct prompt_opts o = { .max_items = 6 };
	struct run r = { 0 };
	struct prompt_db db;
	struct prompt_tmpl t = { 0 };
	struct err e = { 0 };
	char exe[PATH_MAX], deftpl[PATH_MAX + 64];
	static char obuf[1 << 20];  /* fewer write(2)s: records are ~6 KB */
	ssize_t len;
	long jobs = 0;
	int c, norf = 0, progress = 0, rc, nw, i;
	size_t k;
	FILE *in;

	cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, "hn:o:", longopts, NULL)) != -1) {
		switch (c) {
		case O_BRAND: o.brand = optarg; break;
		case O_CAMPAIGN: o.campaign = optarg; break;
		case O_CATALOG: catalog = optarg; break;
		case O_CUSTOMERS: customers = optarg; break;
		case 'h': usage(stdout); return cli_close_out(stdout, "-");
		case O_JOBS:
			if (cli_parse_long("--jobs", optarg, 1, POOL_MAX, &jobs) < 0)
				return cli_usage_error("bad --jobs");
			break;
		case 'n':
			if (cli_parse_long("--max-items", optarg, 1, PROMPT_MAX_ITEMS, &o.max_items) < 0)
				return cli_usage_error("bad --max-items");
			break;
		case O_NONAME: o.no_first_name = 1; break;
		case O_NORF: norf = 1; break;
		case 'o': opath = optarg; break;
		case O_PROGRESS: progress = 1; break;
		case O_REJECTS: rpath = optarg; break;
		case O_SKIPBAD: r.skip_bad = 1; break;
		case O_TEMPLATE: tpath = optarg; break;
		case O_VERSION: return cli_version();
		case O_VOICE: o.voice = optarg; break;
		default: return cli_usage_error("unknown option");
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("one input file at most");
	if (catalog == NULL || customers == NULL)
		return cli_usage_error("--catalog and --customers are required");
	if (o.campaign != NULL && !valid_campaign(o.campaign))
		return cli_usage_error("--campaign: '%s' is not letters, digits, '.', '_', '-'",
		    o.campaign);
	if ((o.brand && !one_line(o.brand)) || (o.voice && !one_line(o.voice)))
		return cli_usage_error("--brand and --voice must be one line of UTF-8 text");
	r.in_name = argc > optind ? argv[optind] : "-";
	r.progress = cli_want_progress(progress);

	if (tpath == NULL) {
		len = readlink("/proc/self/exe", exe, sizeof exe - 1);
		if (len > 0)
			exe[len] = '\0';
		if (prompt_default_path(len > 0 ? exe : argv[0], deftpl, sizeof deftpl, &e) < 0)
			return cli_fail_err(&e);
		tpath = deftpl;
	}
	if (prompt_tmpl_load(&t, tpath, &e) < 0)
		return cli_fail_err(&e);
	if (!norf && (o.response_format = prompt_response_format()) == NULL) {
		prompt_tmpl_free(&t);
		return cli_fail(EXIT_OSERR, "out of memory");
	}
	json_object_seed(0);        /* before any thread makes an object */
	prompt_db_init(&db);
	nw = jobs ? (int)jobs : pool_cpus() < JOBS_AUTO_MAX ? pool_cpus() : JOBS_AUTO_MAX;
	r.db = &db;
	r.t = &t;
	r.o = &o;
	r.nslot = BATCH_PER_JOB * (size_t)nw;
	r.w = calloc((size_t)nw, sizeof *r.w);
	r.slot = calloc(2 * r.nslot, sizeof *r.slot);
	r.cur = r.slot;
	if (r.w == NULL || r.slot == NULL) {
		rc = cli_fail(EXIT_OSERR, "out of memory");
		goto done;
	}
	for (i = 0; i < nw; i++)
		if (prompt_writer_init(&r.w[i].pw, &o, &e) < 0) {
			rc = cli_fail_err(&e);
			goto done;
		}
	if ((rc = load_table(&db, catalog, 1, &r)) != 0 ||
	    (rc = load_table(&db, customers, 0, &r)) != 0)
		goto done;
	if ((r.pool = pool_start(nw, &e)) == NULL) {
		rc = cli_fail_err(&e);
		goto done;
	}
	if ((in = cli_open_in(r.in_name)) == NULL) {
		rc = EXIT_NOINPUT;
		goto done;
	}
	if (ofile_open(&r.out, opath, &e) < 0) {
		cli_close_in(in);
		rc = cli_fail_err(&e);
		goto done;
	}
	setvbuf(r.out.fp, obuf, _IOFBF, sizeof obuf);
	if (rpath != NULL && ofile_open(&r.rej, rpath, &e) < 0) {
		ofile_abort(&r.out);
		cli_close_in(in);
		rc = cli_fail_err(&e);
		goto done;
	}
	r.have_rej = rpath != NULL;
	rc = run_lines(&r, in);
	cli_close_in(in);
	if (rc != 0) {
		ofile_abort(&r.out);
		ofile_abort(&r.rej);
		goto done;
	}
	if (ofile_commit(&r.out, &e) < 0 || (r.have_rej && ofile_commit(&r.rej, &e) < 0)) {
		ofile_abort(&r.rej);
		rc = cli_fail_err(&e);
		goto done;
	}
	for (i = 0; i < nw; i++) {
		r.st.missing += r.w[i].st.missing;
		r.st.out_of_stock += r.w[i].st.out_of_stock;
		r.st.untitled += r.w[i].st.untitled;
		r.st.capped += r.w[i].st.capped;
	}
	summary(&r);
	rc = r.skipped > 0 ? EXIT_PARTIAL : EXIT_OK;
done:
	pool_stop(r.pool);
	for (i = 0; r.w != NULL && i < nw; i++)
		prompt_writer_free(&r.w[i].pw);
	for (k = 0; r.slot != NULL && k < 2 * r.nslot; k++) {
		buf_free(&r.slot[k].line);
		buf_free(&r.slot[k].out);
		buf_free(&r.slot[k].user);
	}
	free(r.w);
	free(r.slot);
	prompt_db_free(&db);
	prompt_tmpl_free(&t);
	json_decref(o.response_format);
	return rc;
}
