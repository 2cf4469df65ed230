/* recmerge - blends several recommendation streams by weight into one (FORMATS 2.4 lines) */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recommend/blend.h"
#include "base/cli.h"
#include "base/ofile.h"

#define MAX_INPUTS 32

static const char usage_text[] =
"usage: recmerge [--weights NAME=W,...] [options] FILE...\n"
"       recmerge -i NAME=FILE -i NAME=FILE ... [--weights NAME=W,...] [options]\n"
"\n"
"Blends recommendation lines (docs/FORMATS.md 2.4) of several recommenders\n"
"into one line per user, \"source\":\"blend\". Lines are matched by user and may\n"
"come in any order: the first input is read as a stream, the others are held\n"
"in memory (put the largest first). Every user of any input gets a line: first\n"
"the first input's users in its order, then the others' remaining users.\n"
"Each stream's recs are normalised within the line, weighted and summed; each\n"
"rec keeps the reason of the stream that contributed most; fields other than\n"
"user, recs and source come from the first input that has the user.\n"
"\n"
"options:\n"
"  -w, --weights LIST        NAME=W,... one weight (0..1e6) per input; with FILE\n"
"                            arguments the names follow their order (default:\n"
"                            every input weighs 1)\n"
"  -i, --input NAME=FILE     a named input ('-' is stdin; repeatable, up to 32)\n"
"  -m, --method M            rrf: w / (K + rank) (default); score: w * min-max\n"
"                            scaled score within the line (all equal: 1)\n"
"      --rrf-k K             the K of rrf, 0..1e6 (default 60)\n"
"  -n, --count N             recommendations per user, 1..10000 (default 10)\n"
"  -o, --output FILE         write to FILE (atomically) instead of stdout\n"
"  -h, --help                show this help\n"
"  -V, --version             show the version\n"
"\n"
"exit status: 0 done; 64 usage; 65 bad data (a line that breaks the contract,\n"
"a user twice in one input); 66 cannot open an input; 71 out of memory;\n"
"74 write error.\n"
"\n"
"example:\n"
"  recmerge --weights=mf=0.7,itemknn=0.3 mf.ndjson itemknn.ndjson > blend.ndjson\n";

struct opts {
	const char *names[MAX_INPUTS], *paths[MAX_INPUTS], *wnames[MAX_INPUTS];
	double weights[MAX_INPUTS], wvals[MAX_INPUTS];
	size_t n, nw;
	int named;
	const char *output;
	struct blend_opts bo;
};

static int
usage(void)
{
	fputs(usage_text, stdout);
	return cli_close_out(stdout, "-");
}

/* Splits "NAME=REST" in place; returns REST, or NULL when there is no name or no '='. */
static char *
split_name(char *s)
{
	char *eq = strchr(s, '=');

	if (eq == NULL || eq == s)
		return NULL;
	*eq = '\0';
	return eq + 1;
}

/* Parses --weights "a=0.7,b=0.3" (the string is modified). Returns -1 to go on, else a status. */
static int
parse_weights(struct opts *o, char *list)
{
	for (char *tok = strtok(list, ","); tok != NULL; tok = strtok(NULL, ",")) {
		char *val = split_name(tok);

		if (val == NULL)
			return cli_usage_error("--weights: '%s' is not NAME=WEIGHT", tok);
		if (o->nw == MAX_INPUTS)
			return cli_usage_error("--weights: more than %d weights", MAX_INPUTS);
		for (size_t k = 0; k < o->nw; k++)
			if (strcmp(o->wnames[k], tok) == 0)
				return cli_usage_error("--weights: '%s' given twice", tok);
		if (cli_parse_double("--weights", val, 0, 1e6, &o->wvals[o->nw]) < 0)
			return EXIT_USAGE;
		o->wnames[o->nw++] = tok;
	}
	if (o->nw == 0)
		return cli_usage_error("--weights: no weight given");
	return -1;
}

/* Gives every input its name and weight. Returns -1 to go on, else a status. */
static int
resolve(struct opts *o)
{
	static char num[MAX_INPUTS][24];
	int stdin_used = 0;

	if (o->n == 0)
		return cli_usage_error("no input given");
	for (size_t k = 0; k < o->n; k++) {
		if (strcmp(o->paths[k], "-") == 0 && stdin_used++)
			return cli_usage_error("only one input can be stdin");
		o->weights[k] = 1;
		if (!o->named) {
			if (o->nw > 0 && o->nw != o->n)
				return cli_usage_error("%zu weights for %zu inputs", o->nw, o->n);
			snprintf(num[k], sizeof num[k], "%zu", k + 1);
			o->names[k] = o->nw > 0 ? o->wnames[k] : num[k];
			o->weights[k] = o->nw > 0 ? o->wvals[k] : 1;
			continue;
		}
		for (size_t j = 0; j < k; j++)
			if (strcmp(o->names[j], o->names[k]) == 0)
				return cli_usage_error("input name '%s' given twice", o->names[k]);
	}
	if (!o->named || o->nw == 0)
		return -1;
	for (size_t j = 0; j < o->nw; j++) {
		size_t k;

		for (k = 0; k < o->n && strcmp(o->names[k], o->wnames[j]) != 0; k++)
			;
		if (k == o->n)
			return cli_usage_error("--weights: no input is named '%s'", o->wnames[j]);
		o->weights[k] = o->wvals[j];
	}
	for (size_t k = 0; k < o->n; k++) {
		size_t j;

		for (j = 0; j < o->nw && strcmp(o->names[k], o->wnames[j]) != 0; j++)
			;
		if (j == o->nw)
			return cli_usage_error("--weights: no weight for input '%s'", o->names[k]);
	}
	return -1;
}

/* Parses argv into o. Returns -1 to go on, else the exit status. */
static int
parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "input", required_argument, NULL, 'i' },
		{ "method", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "rrf-k", required_argument, NULL, 'K' },
		{ "version", no_argument, NULL, 'V' },
		{ "weights", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	char *path;
	long v;
	int c, rc;

	while ((c = getopt_long(argc, argv, "hi:m:n:o:Vw:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': return usage();
		case 'i':
			if ((path = split_name(optarg)) == NULL || *path == '\0')
				return cli_usage_error("--input: '%s' is not NAME=FILE", optarg);
			if (o->n == MAX_INPUTS)
				return cli_usage_error("more than %d inputs", MAX_INPUTS);
			o->names[o->n] = optarg;
			o->paths[o->n++] = path;
			o->named = 1;
			break;
		case 'K':
			if (cli_parse_double("--rrf-k", optarg, 0, 1e6, &o->bo.rrf_k) < 0)
				return EXIT_USAGE;
			break;
		case 'm':
			if (strcmp(optarg, "rrf") == 0)
				o->bo.method = BLEND_RRF;
			else if (strcmp(optarg, "score") == 0)
				o->bo.method = BLEND_SCORE;
			else
				return cli_usage_error("--method: '%s' is not rrf or score", optarg);
			break;
		case 'n':
			if (cli_parse_long("--count", optarg, 1, 10000, &v) < 0)
				return EXIT_USAGE;
			o->bo.n = (int)v;
			break;
		case 'o': o->output = optarg; break;
		case 'V': return cli_version();
		case 'w':
			if (o->nw > 0)
				return cli_usage_error("--weights given twice");
			if ((rc = parse_weights(o, optarg)) >= 0)
				return rc;
			break;
		default: return cli_usage_error("unknown option");
		}
	}
	if (o->named && optind < argc)
		return cli_usage_error("give inputs either as FILE arguments or with --input");
	for (; optind < argc; optind++) {
		if (o->n == MAX_INPUTS)
			return cli_usage_error("more than %d inputs", MAX_INPUTS);
		o->paths[o->n++] = argv[optind];
	}
	return resolve(o);
}

int
main(int argc, char **argv)
{
	struct opts o = { .bo = { .n = 10, .method = BLEND_RRF, .rrf_k = 60 } };
	struct ofile out = { 0 };
	struct blend b = { 0 };
	struct err e = { 0 };
	FILE *in = NULL;
	int rc;

	cli_init(argv[0]);
	if ((rc = parse(argc, argv, &o)) >= 0)
		return rc;
	if (ofile_open(&out, o.output, &e) < 0)
		return cli_fail_err(&e);
	if (blend_init(&b, &o.bo, o.names, o.weights, o.n, out.fp, &e) < 0)
		goto fail;
	for (size_t k = 1; k < o.n; k++) {
		if ((in = cli_open_in(o.paths[k])) == NULL) {
			rc = EXIT_NOINPUT;
			goto abort;
		}
		rc = blend_load(&b, k, in, cli_name(o.paths[k]), &e);
		cli_close_in(in);
		in = NULL;
		if (rc < 0)
			goto fail;
	}
	if ((in = cli_open_in(o.paths[0])) == NULL) {
		rc = EXIT_NOINPUT;
		goto abort;
	}
	if (blend_run(&b, in, cli_name(o.paths[0]), &e) < 0) {
		rc = cli_fail_err(&e);
		/* Keep what was answered on stdout; a named output is not half-written. */
		if (out.path == NULL)
			ofile_commit(&out, &e);
		goto abort;
	}
	rc = ofile_commit(&out, &e) < 0 ? cli_fail_err(&e) : EXIT_OK;
	goto done;
fail:
	rc = cli_fail_err(&e);
abort:
	ofile_abort(&out);
done:
	cli_close_in(in);
	blend_free(&b);
	return rc;
}
