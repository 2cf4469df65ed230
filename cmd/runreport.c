/* runreport - writes a campaign run's report page (report.html) from its run directory */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/cli.h"
#include "base/exitcode.h"
#include "base/ofile.h"
#include "measure/runpage.h"
#include "measure/runreport.h"

static const char usage_text[] =
"usage: runreport [options] RUN_DIR\n"
"\n"
"Writes one static, self-contained HTML page about a campaign run (what\n"
"pipelines/campaign left in RUN_DIR): the stage table, reject reasons with\n"
"examples, sample emails of every arm (HTML in sandboxed frames, the text\n"
"part beside it), guardrail refusals, the recommendation summary, LLM use\n"
"and cost, the A/B plan with minimum detectable effects, the deliverability\n"
"checks of every message and the spam scores of pipelines/spamcheck. The page\n"
"needs no script and makes no network request. Warnings (no DKIM, no\n"
"one-click unsubscribe, ...) also go to stderr.\n"
"\n"
"options:\n"
"  -o, --output FILE         write here (default RUN_DIR/report.html; - is stdout)\n"
"  -c, --catalog FILE        catalog NDJSON: coverage, titles, products left out\n"
"      --spam FILE           pipelines/spamcheck scores (default RUN_DIR/spam.ndjson if any)\n"
"      --price-in X          LLM price per 1,000 prompt tokens\n"
"      --price-out X         LLM price per 1,000 completion tokens\n"
"      --currency CODE       currency of the prices (default USD)\n"
"      --open-rate R         expected open rate, 0..1 exclusive (default 0.2)\n"
"      --click-rate R        expected click rate (default 0.03)\n"
"      --conversion-rate R   expected conversion rate (default 0.01)\n"
"  -n, --samples N           sample emails per arm, 1..200 (default 8)\n"
"      --top N               most recommended products listed, 1..1000 (default 10)\n"
"  -h, --help                show this help\n"
"  -V, --version             show the version\n"
"\n"
"exit status: 0 done (warnings included); 64 usage; 65 bad data; 66 cannot\n"
"open the run directory or an input; 71 out of memory; 73/74 cannot write.\n"
"\n"
"example:\n"
"  runreport --catalog=data/catalog.ndjson --price-in=0.00015 --price-out=0.0006 \\\n"
"      runs/2026-11-w48\n";

static int
usage(void)
{
	fputs(usage_text, stdout);
	return cli_close_out(stdout, "-");
}

enum { O_SPAM = 256, O_PIN, O_POUT, O_CUR, O_OPEN, O_CLICK, O_CONV, O_TOP };

/* Parses argv into o and *output. Returns -1 to go on, else the exit status. */
static int
parse(int argc, char **argv, struct runreport_opts *o, const char **output)
{
	static const struct option longopts[] = {
		{ "catalog", required_argument, NULL, 'c' },
		{ "click-rate", required_argument, NULL, O_CLICK },
		{ "conversion-rate", required_argument, NULL, O_CONV },
		{ "currency", required_argument, NULL, O_CUR },
		{ "help", no_argument, NULL, 'h' },
		{ "open-rate", required_argument, NULL, O_OPEN },
		{ "output", required_argument, NULL, 'o' },
		{ "price-in", required_argument, NULL, O_PIN },
		{ "price-out", required_argument, NULL, O_POUT },
		{ "samples", required_argument, NULL, 'n' },
		{ "spam", required_argument, NULL, O_SPAM },
		{ "top", required_argument, NULL, O_TOP },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "c:hn:o:V", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->catalog = optarg; break;
		case 'h': return usage();
		case 'n':
			if (cli_parse_long("--samples", optarg, 1, 200, &v) < 0)
				return EXIT_USAGE;
			o->samples = (int)v;
			break;
		case 'o': *output = optarg; break;
		case 'V': return cli_version();
		case O_CLICK:
			if (cli_parse_double("--click-rate", optarg, 1e-9, 1 - 1e-9, &o->rate[1]) < 0)
				return EXIT_USAGE;
			break;
		case O_CONV:
			if (cli_parse_double("--conversion-rate", optarg, 1e-9, 1 - 1e-9, &o->rate[2]) < 0)
				return EXIT_USAGE;
			break;
		case O_CUR:
			if (strlen(optarg) < 1 || strlen(optarg) > 8)
				return cli_usage_error("--currency: '%s' is not a currency code", optarg);
			o->currency = optarg;
			break;
		case O_OPEN:
			if (cli_parse_double("--open-rate", optarg, 1e-9, 1 - 1e-9, &o->rate[0]) < 0)
				return EXIT_USAGE;
			break;
		case O_PIN:
			if (cli_parse_double("--price-in", optarg, 0, 1e6, &o->price_in) < 0)
				return EXIT_USAGE;
			break;
		case O_POUT:
			if (cli_parse_double("--price-out", optarg, 0, 1e6, &o->price_out) < 0)
				return EXIT_USAGE;
			break;
		case O_SPAM: o->spam = optarg; break;
		case O_TOP:
			if (cli_parse_long("--top", optarg, 1, 1000, &v) < 0)
				return EXIT_USAGE;
			o->top = (int)v;
			break;
		default: return cli_usage_error("unknown option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("one RUN_DIR is required");
	o->run_dir = argv[optind];
	if ((o->price_in < 0) != (o->price_out < 0))
		return cli_usage_error("--price-in and --price-out go together");
	return -1;
}

int
main(int argc, char **argv)
{
	struct runreport_opts o = { .price_in = -1, .price_out = -1, .currency = "USD",
	    .rate = { 0.2, 0.03, 0.01 }, .samples = 8, .top = 10 };
	const char *output = NULL;
	char *defout = NULL;
	struct ofile out = { 0 };
	struct err e = { 0 };
	struct buf w;
	json_t *model = NULL;
	int rc;

	cli_init(argv[0]);
	buf_init(&w);
	if ((rc = parse(argc, argv, &o, &output)) >= 0)
		goto done;
	if (output == NULL) {
		size_t n = strlen(o.run_dir) + sizeof "/report.html";

		if ((defout = malloc(n)) == NULL) {
			rc = cli_fail(EXIT_OSERR, "out of memory");
			goto done;
		}
		snprintf(defout, n, "%s/report.html", o.run_dir);
		output = defout;
	}
	if ((model = runreport_gather(&o, &e)) == NULL ||
	    ofile_open(&out, output, &e) < 0 || runpage_write(model, out.fp, &e) < 0 ||
	    ofile_commit(&out, &e) < 0) {
		rc = cli_fail_err(&e);
		ofile_abort(&out);
		goto done;
	}
	if (runpage_warnings(model, &w) > 0) {
		char *s = w.s, *nl;

		for (; (nl = strchr(s, '\n')) != NULL; s = nl + 1) {
			*nl = '\0';
			cli_warn("warning: %s", s);
		}
	}
	rc = EXIT_OK;
done:
	json_decref(model);
	buf_free(&w);
	free(defout);
	return rc;
}
