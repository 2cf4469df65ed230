/* mkprompt.c - joins recommendation lines with the catalog and profiles into prompt records */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/batch.h"
#include "base/cli.h"
#include "base/ofile.h"
#include "write/promptbatch.h"

#define JOBS_AUTO_MAX 8         /* --jobs default: the online CPUs, at most this */
#define BATCH_PER_JOB 64        /* lines read per worker before a batch is built */

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

static void
show_progress(long lines)
{
	fprintf(stderr, "\rmkprompt: %ld lines", lines);
}

/* Reads the catalog (catalog) or the customers into tables; bad lines are skipped under --skip-bad. */
static int
load_table(struct catalog *cat, struct customers *cust, const char *path, struct promptbatch *r)
{
	struct ndjson_skip skip = { .skip_bad = r->skip_bad, .warn = warn_err };
	struct err e = { 0 };
	FILE *f = cli_open_in(path);
	long n;

	if (f == NULL)
		return EXIT_NOINPUT;
	if (cat != NULL)
		n = catalog_read_each(cat, f, path, &skip, &e);
	else
		n = customers_read(cust, f, path, &skip, NULL, NULL, &e);
	cli_close_in(f);
	r->skipped += skip.skipped;
	return n < 0 ? cli_fail_err(&e) : 0;
}

static void
summary(const struct promptbatch *r)
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
	struct promptbatch r = { 0 };
	struct ofile out = { 0 }, rej = { 0 };
	struct prompt_db db;
	struct catalog cat;
	struct customers cust;
	struct prompt_tmpl t = { 0 };
	struct err e = { 0 };
	char exe[PATH_MAX], deftpl[PATH_MAX + 64];
	static char obuf[1 << 20];  /* fewer write(2)s: records are ~6 KB */
	ssize_t len;
	long jobs = 0;
	int c, norf = 0, progress = 0, rc, nw;
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
	r.progress = cli_want_progress(progress) ? show_progress : NULL;
	r.warn = cli_warn;

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
	catalog_init(&cat);
	customers_init(&cust);
	db.cat = &cat;
	db.cust = &cust;
	nw = jobs ? (int)jobs : batch_default_jobs(JOBS_AUTO_MAX);
	r.db = &db;
	r.t = &t;
	r.o = &o;
	if (promptbatch_init(&r, nw, &e) < 0) {
		rc = cli_fail_err(&e);
		goto done;
	}
	if ((rc = load_table(&cat, NULL, catalog, &r)) != 0 ||
	    (rc = load_table(NULL, &cust, customers, &r)) != 0)
		goto done;
	if (promptbatch_start(&r, BATCH_PER_JOB, &e) < 0) {
		rc = cli_fail_err(&e);
		goto done;
	}
	if ((in = cli_open_in(r.in_name)) == NULL) {
		rc = EXIT_NOINPUT;
		goto done;
	}
	if (ofile_open(&out, opath, &e) < 0) {
		cli_close_in(in);
		rc = cli_fail_err(&e);
		goto done;
	}
	setvbuf(out.fp, obuf, _IOFBF, sizeof obuf);
	if (rpath != NULL && ofile_open(&rej, rpath, &e) < 0) {
		ofile_abort(&out);
		cli_close_in(in);
		rc = cli_fail_err(&e);
		goto done;
	}
	r.out = out.fp;
	r.rej = rpath != NULL ? rej.fp : NULL;
	rc = promptbatch_run(&r, in, &e);
	cli_close_in(in);
	if (rc < 0) {
		rc = cli_fail_err(&e);
		ofile_abort(&out);
		ofile_abort(&rej);
		goto done;
	}
	if (r.progress != NULL)
		fprintf(stderr, "\rmkprompt: %ld lines\n", r.lines);
	if (ofile_commit(&out, &e) < 0 || (rpath != NULL && ofile_commit(&rej, &e) < 0)) {
		ofile_abort(&rej);
		rc = cli_fail_err(&e);
		goto done;
	}
	summary(&r);
	rc = r.skipped > 0 ? EXIT_PARTIAL : EXIT_OK;
done:
	promptbatch_free(&r);
	catalog_free(&cat);
	customers_free(&cust);
	prompt_tmpl_free(&t);
	json_decref(o.response_format);
	return rc;
}
