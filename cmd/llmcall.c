/* llmcall - sends prompt records to an OpenAI-compatible chat-completions endpoint, one reply line each */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "write/cache.h"
#include "base/cli.h"
#include "write/llmbatch.h"
#include "write/llmconf.h"

struct args {
	struct llmconf c;               /* the endpoint */
	const char *cachedir, *resume, *input;
	int progress, tty;
	struct llmbatch_opts o;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: llmcall [options] [prompts.ndjson|-]\n"
	    "Sends each prompt record (docs/FORMATS.md 2.5) to an OpenAI-compatible\n"
	    "chat-completions endpoint and writes one reply line per record (2.6) to stdout.\n"
	    "\n"
	    "Endpoint:\n"
	    "  --base-url=URL          POST URL/chat/completions (default $LLM_BASE_URL)\n"
	    "  --model=NAME            model (default $LLM_MODEL)\n"
	    "  --api-key-file=FILE     FILE's first line is the key; without it, $LLM_API_KEY\n"
	    "                          holds the key itself (not a file name). Sent as\n"
	    "                          Authorization: Bearer, never printed\n"
	    "  --azure                 Azure OpenAI: key in the api-key header, ?api-version= added\n"
	    "  --api-version=V         Azure API version (default 2024-10-21)\n"
	    "  --api-key-header=NAME   send the key as 'NAME: key' instead\n"
	    "  --backend=B             auto (default: template when no base URL is set, saying so),\n"
	    "                          llm, or template (the offline writer, no network)\n"
	    "  --template-variants=L   records whose meta.variant is in the comma list L use the\n"
	    "                          offline writer, the others the endpoint\n"
	    "Request:\n"
	    "  --max-tokens=N          completion budget (default 1024; 0 sends none)\n"
	    "  --token-param=P         max_completion_tokens or max_tokens (default:\n"
	    "                          max_completion_tokens for OpenAI and Azure, else max_tokens)\n"
	    "  --temperature=T         sampling temperature 0..2 (default: not sent)\n"
	    "  --no-response-format    do not forward records' response_format\n"
	    "Flow:\n"
	    "  --parallel=N            requests in flight (default 16)\n"
	    "  --window=N              records held for ordering (default 4 x parallel)\n"
	    "  --unordered             write replies as they finish\n"
	    "  --rpm=R, --tpm=T        requests and estimated tokens per minute (default no limit)\n"
	    "  --max-retries=N         retries of 408/409/429/5xx/network errors (default 5)\n"
	    "  --timeout=S             seconds per request (default 120)\n"
	    "  --backoff=MS            first backoff ceiling, doubled per retry (default 1000)\n"
	    "  --backoff-max=MS        largest backoff ceiling (default 60000)\n"
	    "  --cache=DIR             reuse and store replies under DIR (SHA-256 keys)\n"
	    "  --resume=FILE           copy ok lines of an earlier output, send only the rest\n"
	    "  --skip-bad              report malformed lines as bad_input instead of stopping\n"
	    "  --breaker=N             stop (69) after N identical non-retryable failures in a\n"
	    "                          row (default 5; 0 never)\n"
	    "Budget (stop sending, exit 75, resumable):\n"
	    "  --max-tokens-total=N    once N tokens are spent\n"
	    "  --price-in=P, --price-out=P  price per 1,000 prompt and completion tokens\n"
	    "  --max-cost=C            once the estimated cost reaches C\n"
	    "  --progress              progress on stderr (default when stderr is a terminal)\n"
	    "  --help, --version\n"
	    "\n"
	    "Exit: 0 all ok, 1 some records failed, 65 bad input, 69 endpoint unusable\n"
	    "(401/403/404), 75 quota exhausted (rerun with --resume).\n"
	    "\n"
	    "Example:\n"
	    "  llmcall --base-url=http://127.0.0.1:8080/v1 --model=gpt-4o-mini --parallel=64 \\\n"
	    "      < prompts.ndjson > replies.ndjson\n");
}

enum {
	OPT_BASE = 256, OPT_MODEL, OPT_KEYFILE, OPT_AZURE, OPT_APIVER, OPT_KEYHDR, OPT_BACKEND,
	OPT_VARIANTS, OPT_MAXTOK, OPT_TOKPARAM, OPT_TEMP, OPT_NORF, OPT_PARALLEL, OPT_WINDOW,
	OPT_UNORDERED, OPT_RPM, OPT_TPM, OPT_RETRIES, OPT_TIMEOUT, OPT_BACKOFF, OPT_BACKOFFMAX,
	OPT_CACHE, OPT_RESUME, OPT_SKIPBAD, OPT_PROGRESS, OPT_HELP, OPT_VERSION, OPT_BREAKER,
	OPT_TOKTOTAL, OPT_PRICEIN, OPT_PRICEOUT, OPT_MAXCOST,
};

static const struct option longopts[] = {
	{ "api-key-file", required_argument, NULL, OPT_KEYFILE },
	{ "api-key-header", required_argument, NULL, OPT_KEYHDR },
	{ "api-version", required_argument, NULL, OPT_APIVER },
	{ "azure", no_argument, NULL, OPT_AZURE },
	{ "backend", required_argument, NULL, OPT_BACKEND },
	{ "backoff", required_argument, NULL, OPT_BACKOFF },
	{ "backoff-max", required_argument, NULL, OPT_BACKOFFMAX },
	{ "base-url", required_argument, NULL, OPT_BASE },
	{ "breaker", required_argument, NULL, OPT_BREAKER },
	{ "cache", required_argument, NULL, OPT_CACHE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "max-cost", required_argument, NULL, OPT_MAXCOST },
	{ "max-retries", required_argument, NULL, OPT_RETRIES },
	{ "max-tokens", required_argument, NULL, OPT_MAXTOK },
	{ "max-tokens-total", required_argument, NULL, OPT_TOKTOTAL },
	{ "model", required_argument, NULL, OPT_MODEL },
	{ "no-response-format", no_argument, NULL, OPT_NORF },
	{ "parallel", required_argument, NULL, OPT_PARALLEL },
	{ "price-in", required_argument, NULL, OPT_PRICEIN },
	{ "price-out", required_argument, NULL, OPT_PRICEOUT },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "resume", required_argument, NULL, OPT_RESUME },
	{ "rpm", required_argument, NULL, OPT_RPM },
	{ "skip-bad", no_argument, NULL, OPT_SKIPBAD },
	{ "temperature", required_argument, NULL, OPT_TEMP },
	{ "template-variants", required_argument, NULL, OPT_VARIANTS },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "token-param", required_argument, NULL, OPT_TOKPARAM },
	{ "tpm", required_argument, NULL, OPT_TPM },
	{ "unordered", no_argument, NULL, OPT_UNORDERED },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ NULL, 0, NULL, 0 },
};

/* Parses the options into a; returns -1 to go on, else the exit status. */
static int
parse_args(int argc, char **argv, struct args *a)
{
	struct llmbatch_opts *o = &a->o;
	double d;
	long v;
	int c;

	o->parallel = 16;
	o->max_retries = 5;
	o->timeout_ms = 120000;
	o->backoff_base_ms = 1000;
	o->backoff_cap_ms = 60000;
	o->params.max_tokens = 1024;
	o->params.response_format = 1;
	o->breaker = LLMBATCH_BREAKER;
	llmconf_init(&a->c);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_BASE: a->c.base = optarg; break;
		case OPT_MODEL: a->c.model = optarg; break;
		case OPT_KEYFILE: a->c.keyfile = optarg; break;
		case OPT_AZURE: a->c.azure = 1; break;
		case OPT_APIVER: a->c.apiversion = optarg; break;
		case OPT_KEYHDR: a->c.keyheader = optarg; break;
		case OPT_BACKEND: a->c.backend = optarg; break;
		case OPT_VARIANTS: a->c.variants = optarg; break;
		case OPT_TOKPARAM: a->c.tokenparam = optarg; break;
		case OPT_NORF: o->params.response_format = 0; break;
		case OPT_UNORDERED: o->unordered = 1; break;
		case OPT_CACHE: a->cachedir = optarg; break;
		case OPT_RESUME: a->resume = optarg; break;
		case OPT_SKIPBAD: o->skip_bad = 1; break;
		case OPT_PROGRESS: a->progress = 1; break;
		case OPT_MAXTOK:
			if (cli_parse_long("--max-tokens", optarg, 0, LLM_MAX_TOKENS, &o->params.max_tokens) != 0)
				return EXIT_USAGE;
			break;
		case OPT_BREAKER:
			if (cli_parse_long("--breaker", optarg, 0, 1000000, &o->breaker) != 0)
				return EXIT_USAGE;
			break;
		case OPT_TOKTOTAL:
			if (cli_parse_double("--max-tokens-total", optarg, 1, 1e15, &d) != 0)
				return EXIT_USAGE;
			o->max_tokens_total = (long long)d;
			break;
		case OPT_PRICEIN:
		case OPT_PRICEOUT:
		case OPT_MAXCOST:
			if (cli_parse_double(c == OPT_PRICEIN ? "--price-in" : c == OPT_PRICEOUT ? "--price-out" :
			    "--max-cost", optarg, 0, 1e9, &d) != 0)
				return EXIT_USAGE;
			*(c == OPT_PRICEIN ? &o->price_in : c == OPT_PRICEOUT ? &o->price_out : &o->max_cost) = d;
			break;
		case OPT_TEMP:
			if (cli_parse_double("--temperature", optarg, 0, 2, &o->params.temperature) != 0)
				return EXIT_USAGE;
			o->params.has_temperature = 1;
			break;
		case OPT_PARALLEL:
			if (cli_parse_long("--parallel", optarg, 1, 1024, &o->parallel) != 0)
				return EXIT_USAGE;
			break;
		case OPT_WINDOW:
			if (cli_parse_long("--window", optarg, 1, 1000000, &o->window) != 0)
				return EXIT_USAGE;
			break;
		case OPT_RPM:
			if (cli_parse_double("--rpm", optarg, 0, 1e9, &o->rpm) != 0)
				return EXIT_USAGE;
			break;
		case OPT_TPM:
			if (cli_parse_double("--tpm", optarg, 0, 1e12, &o->tpm) != 0)
				return EXIT_USAGE;
			break;
		case OPT_RETRIES:
			if (cli_parse_long("--max-retries", optarg, 0, 100, &o->max_retries) != 0)
				return EXIT_USAGE;
			break;
		case OPT_TIMEOUT:
			if (cli_parse_double("--timeout", optarg, 0.01, 86400, &d) != 0)
				return EXIT_USAGE;
			o->timeout_ms = (long)(d * 1000);
			break;
		case OPT_BACKOFF:
			if (cli_parse_long("--backoff", optarg, 0, 3600000, &v) != 0)
				return EXIT_USAGE;
			o->backoff_base_ms = v;
			break;
		case OPT_BACKOFFMAX:
			if (cli_parse_long("--backoff-max", optarg, 0, 3600000, &v) != 0)
				return EXIT_USAGE;
			o->backoff_cap_ms = v;
			break;
		case OPT_HELP:
			usage(stdout);
			return cli_close_out(stdout, "-");
		case OPT_VERSION:
			return cli_version();
		default:
			return cli_usage_error("unknown option");
		}
	}
	if (optind < argc - 1)
		return cli_usage_error("one input at most");
	a->input = optind < argc ? argv[optind] : "-";
	return -1;
}

/* Resolves the endpoint and the defaults that depend on it; returns -1 to go on, else the status. */
static int
check_args(struct args *a)
{
	struct err e = { 0, "" };
	int rc = llmconf_resolve(&a->c, &a->o, &e);

	if (a->c.auto_template)
		cli_warn("no --base-url or LLM_BASE_URL: using the offline template writer");
	if (rc < 0)
		return e.code == EXIT_USAGE ? cli_usage_error("%s", e.msg) : cli_fail_err(&e);
	if (a->o.window == 0)
		a->o.window = a->o.parallel * 4 < 16 ? 16 : a->o.parallel * 4;
	return -1;
}

static void
report(const struct llmbatch_stats *s, const struct llmbatch_opts *o, const char *end)
{
	char line[600];

	llmbatch_summary(s, o, line, sizeof line);
	fprintf(stderr, "%s: %s%s", cli_progname(), line, end);
}

static void
progress(const struct llmbatch_stats *s, void *arg)
{
	const struct args *a = arg;

	report(s, &a->o, a->tty ? "\033[K\r" : "\n");
}

int
main(int argc, char **argv)
{
	struct args a;
	struct llmbatch_stats st;
	struct cache cache;
	struct err e = { 0, "" };
	FILE *in = NULL, *resume = NULL;
	int rc;

	cli_init(argv[0]);
	memset(&a, 0, sizeof a);
	memset(&cache, 0, sizeof cache);
	if ((rc = parse_args(argc, argv, &a)) >= 0 || (rc = check_args(&a)) >= 0)
		goto out;
	rc = EXIT_NOINPUT;
	if ((in = cli_open_in(a.input)) == NULL ||
	    (a.resume != NULL && (resume = cli_open_in(a.resume)) == NULL))
		goto out;
	if (a.cachedir != NULL) {
		if (cache_open(&cache, a.cachedir, &e) != 0) {
			rc = cli_fail_err(&e);
			goto out;
		}
		a.o.cache = &cache;
	}
	a.o.resume = resume;
	a.o.resume_name = a.resume;
	a.o.progress = progress;
	a.tty = isatty(STDERR_FILENO);
	a.o.progress_arg = &a;
	a.o.progress_ms = cli_want_progress(a.progress) ? 1000 : 0;
	rc = llmbatch_run(&a.o, in, cli_name(a.input), stdout, &st, &e);
	report(&st, &a.o, "\n");
	if (rc < 0 && e.code != EXIT_TEMPFAIL && e.code != EXIT_UNAVAIL) {
		rc = cli_fail_err(&e);
		(void)cli_close_out(stdout, "-");
		goto out;
	}
	if (rc < 0)
		rc = cli_fail_err(&e);
	if (cli_close_out(stdout, "-") != 0)
		rc = EXIT_IO;
out:
	llmconf_release(&a.c);
	cache_close(&cache);
	if (in != NULL)
		cli_close_in(in);
	if (resume != NULL)
		cli_close_in(resume);
	return rc;
}
