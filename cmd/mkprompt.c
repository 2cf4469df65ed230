/* mkprompt.c - joins recommendation lines with the catalog and profiles into prompt records */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ndjson.h"
#include "ofile.h"
#include "prompt.h"

struct run {
	const char *in_name;
	struct ofile out, rej;
	int have_rej, skip_bad, progress;
	long prompts, rejected, skipped, by[PROMPT_NOUTCOMES];
	struct prompt_stats st;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: mkprompt --catalog=FILE --customers=FILE [-n N] [-o FILE] [--brand=NAME]\n"
	    "                [--voice=TEXT] [--campaign=ID] [--template=FILE] [--rejects=FILE]\n"
	    "                [--no-response-format] [--skip-bad] [--progress] [FILE|-]\n"
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
	    "  --skip-bad            report and skip bad input lines (exit 1) instead of stopping\n"
	    "  --progress            show progress on stderr even when it is not a terminal\n"
	    "  -h, --help            show this help\n"
	    "  --version             show the version\n"
	    "\n"
	    "Example:\n"
	    "  topk --model=model.st -n 4 | mkprompt --catalog=catalog.ndjson \\\n"
	    "      --customers=customers.ndjson --brand='Example Shop' --campaign=2026-11-w48 \\\n"
	    "      --rejects=rejects.ndjson >prompts.ndjson\n", PROMPT_MAX_ITEMS);
}

/*
 * Writes one record as a line. Like ndjson_write, but through one buffer and
 * one fwrite: jansson's stream dump calls fwrite per token, which was a sixth
 * of mkprompt's time. Returns 0 or -1 with e set (EXIT_IO, EXIT_OSERR).
 */
static int
write_line(FILE *f, const json_t *rec, char **buf, size_t *cap, struct err *e)
{
	const size_t flags = JSON_COMPACT | JSON_REAL_PRECISION(15);
	size_t n = json_dumpb(rec, *buf, *cap, flags);

	if (n == 0)
		return err_nomem(e);
	if (n + 1 > *cap) {
		char *nb = realloc(*buf, n + 1 + n / 2);

		if (nb == NULL)
			return err_nomem(e);
		*buf = nb;
		*cap = n + 1 + n / 2;
		n = json_dumpb(rec, *buf, *cap, flags);
	}
	(*buf)[n] = '\n';
	if (fwrite(*buf, 1, n + 1, f) != n + 1)
		return err_set(e, EXIT_IO, "write error: %s", strerror(errno ? errno : EIO));
	return 0;
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

/* Reads every recommendations line; returns an exit status. */
static int
run_lines(struct run *r, FILE *in, const struct prompt_db *db, const struct prompt_tmpl *t,
    const struct prompt_opts *o)
{
	struct ndjson_reader rd;
	struct err e = { 0 };
	json_t *line, *rec;
	char why[sizeof e.msg], *buf = NULL;
	size_t cap = 0;
	long n = 0;
	int rc;

	if (ndjson_init(&rd, in, r->in_name, 0, &e) < 0)
		return cli_fail_err(&e);
	while ((rc = ndjson_next(&rd, &line, NULL, &e)) != 0) {
		if (rc > 0) {
			rc = prompt_build(db, t, o, line, &rec, &r->st, &e);
			if (rc < 0 && e.code == EXIT_DATA)
				err_prefix(&e, "%s:%ld", r->in_name, ndjson_lineno(&rd));
		}
		if (rc < 0) {
			if (e.code != EXIT_DATA || !r->skip_bad)
				goto fail;
			warn_err(&e);
			r->skipped++;
			memcpy(why, e.msg, sizeof why);
			if (reject(r, line ? ndjson_str(line, "user") : NULL, ndjson_lineno(&rd),
			    "bad line", why, &e) < 0)
				goto fail;
			r->rejected--; /* counted as skipped */
		} else if (rc == PROMPT_OK) {
			rc = write_line(r->out.fp, rec, &buf, &cap, &e);
			json_decref(rec);
			if (rc < 0)
				goto fail;
			r->prompts++;
		} else {
			r->by[rc]++;
			if (reject(r, ndjson_str(line, "user"), ndjson_lineno(&rd),
			    prompt_outcome_name((enum prompt_outcome)rc), NULL, &e) < 0)
				goto fail;
		}
		json_decref(line);
		line = NULL;
		if (r->progress && ++n % 16384 == 0)
			fprintf(stderr, "\rmkprompt: %ld lines", n);
	}
	if (r->progress)
		fprintf(stderr, "\rmkprompt: %ld lines\n", n);
	ndjson_free(&rd);
	free(buf);
	return 0;
fail:
	json_decref(line);
	ndjson_free(&rd);
	free(buf);
	return cli_fail_err(&e);
}

static void
summary(const struct run *r)
{
	char by[512] = "";
	size_t k = 0;

	for (int i = 1; i < PROMPT_NOUTCOMES; i++)
		if (r->by[i] > 0 && k < sizeof by)
			k += (size_t)snprintf(by + k, sizeof by - k, "%s%ld %s", k ? ", " : " (",
			    r->by[i], prompt_outcome_name((enum prompt_outcome)i));
	if (k > 0 && k < sizeof by - 1)
		strcat(by, ")");
	if (r->rejected == 0 && r->skipped == 0 && r->st.missing == 0 && r->st.out_of_stock == 0 &&
	    r->st.untitled == 0)
		return;
	cli_warn("%ld prompts, %ld users rejected%s, %ld bad lines skipped; items left out: "
	    "%ld not in the catalog, %ld out of stock, %ld without a title, %ld over -n",
	    r->prompts, r->rejected, by, r->skipped, r->st.missing, r->st.out_of_stock,
	    r->st.untitled, r->st.capped);
}

static int
valid_campaign(const char *s)
{
	return *s != '\0' && strlen(s) <= 128 &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
	    strlen(s);
}

static int
one_line(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

int
main(int argc, char **argv)
{
	enum { O_BRAND = 256, O_CAMPAIGN, O_CATALOG, O_CUSTOMERS, O_NORF, O_PROGRESS, O_REJECTS,
		O_SKIPBAD, O_TEMPLATE, O_VERSION, O_VOICE };
	static const struct option longopts[] = {
		{ "brand", required_argument, NULL, O_BRAND },
		{ "campaign", required_argument, NULL, O_CAMPAIGN },
		{ "catalog", required_argument, NULL, O_CATALOG },
		{ "customers", required_argument, NULL, O_CUSTOMERS },
		{ "help", no_argument, NULL, 'h' },
		{ "max-items", required_argument, NULL, 'n' },
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
	ssize_t len;
	int c, norf = 0, progress = 0, rc;
	FILE *in;

	cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, "hn:o:", longopts, NULL)) != -1) {
		switch (c) {
		case O_BRAND: o.brand = optarg; break;
		case O_CAMPAIGN: o.campaign = optarg; break;
		case O_CATALOG: catalog = optarg; break;
		case O_CUSTOMERS: customers = optarg; break;
		case 'h': usage(stdout); return cli_close_out(stdout, "-");
		case 'n':
			if (cli_parse_long("--max-items", optarg, 1, PROMPT_MAX_ITEMS, &o.max_items) < 0)
				return cli_usage_error("bad --max-items");
			break;
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
		return cli_usage_error("--brand and --voice must be one line of text");
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
	prompt_db_init(&db);
	if ((rc = load_table(&db, catalog, 1, &r)) != 0 ||
	    (rc = load_table(&db, customers, 0, &r)) != 0)
		goto done;
	if ((in = cli_open_in(r.in_name)) == NULL) {
		rc = EXIT_NOINPUT;
		goto done;
	}
	if (ofile_open(&r.out, opath, &e) < 0) {
		cli_close_in(in);
		rc = cli_fail_err(&e);
		goto done;
	}
	if (rpath != NULL && ofile_open(&r.rej, rpath, &e) < 0) {
		ofile_abort(&r.out);
		cli_close_in(in);
		rc = cli_fail_err(&e);
		goto done;
	}
	r.have_rej = rpath != NULL;
	rc = run_lines(&r, in, &db, &t, &o);
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
	summary(&r);
	rc = r.skipped > 0 ? EXIT_PARTIAL : EXIT_OK;
done:
	prompt_db_free(&db);
	prompt_tmpl_free(&t);
	json_decref(o.response_format);
	return rc;
}
