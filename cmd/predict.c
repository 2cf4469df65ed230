/* predict - adds a model's predicted rating to each {"user","item"} line */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cli.h"
#include "data/model.h"
#include "base/ndjson.h"
#include "measure/predict.h"

static const char usage_text[] =
"usage: predict --model FILE [options] [FILE]\n"
"\n"
"Reads NDJSON lines with string fields \"user\" and \"item\" (stdin or FILE) and\n"
"writes each line with \"prediction\" added: the model's rating, clipped to its\n"
"rating_min..rating_max. When the user or the item is unknown to the model the\n"
"prediction is global mean + the known biases and the line gets \"known\":false.\n"
"Other fields are carried through. A bad line is reported on stderr with its\n"
"file:line and skipped, and the exit status is then 1.\n"
"\n"
"options:\n"
"  -m, --model FILE          the model container (from svdtrain; required)\n"
"  -C, --no-clip             do not clip predictions to the rating scale\n"
"  -h, --help                show this help\n"
"  -V, --version             show the version\n"
"\n"
"example:\n"
"  echo '{\"user\":\"1\",\"item\":\"50\"}' | predict --model=model.st\n";

static int
usage(void)
{
	fputs(usage_text, stdout);
	return cli_close_out(stdout, "-");
}

/* Adds the prediction to one line; -1 with e set (EXIT_DATA) when it lacks user or item. */
static int
predict_line(const struct model *m, json_t *line, int clip, struct err *e)
{
	const char *user = ndjson_str(line, "user"), *item = ndjson_str(line, "item");
	int64_t u, i;

	if (user == NULL)
		return err_set(e, EXIT_DATA, "missing \"user\" (a string)");
	if (item == NULL)
		return err_set(e, EXIT_DATA, "missing \"item\" (a string)");
	u = ids_find(&m->user_ids, user, strlen(user));
	i = ids_find(&m->item_ids, item, strlen(item));
	json_object_set_new(line, "prediction",
	    json_real(ndjson_round(predict_rating(m, u, i, clip), 6)));
	if (u < 0 || i < 0)
		json_object_set_new(line, "known", json_false());
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "model", required_argument, NULL, 'm' },
		{ "no-clip", no_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *modelp = NULL, *inp = "-";
	int c, clip = 1, got, rc = EXIT_OK;
	struct ndjson_reader rd;
	struct model m;
	struct err e = { 0 };
	json_t *line;
	FILE *in;

	cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, "Chm:V", longopts, NULL)) != -1) {
		switch (c) {
		case 'C':
			clip = 0;
			break;
		case 'h':
			return usage();
		case 'm':
			modelp = optarg;
			break;
		case 'V':
			return cli_version();
		default:
			return cli_usage_error("unknown option");
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc)
		inp = argv[optind];
	if (modelp == NULL)
		return cli_usage_error("--model is required");
	if (strcmp(modelp, "-") == 0 && strcmp(inp, "-") == 0)
		return cli_usage_error("the model and the input cannot both be stdin");
	if (model_load(modelp, &m, &e) < 0)
		return cli_fail_err(&e);
	if ((in = cli_open_in(inp)) == NULL) {
		model_free(&m);
		return EXIT_NOINPUT;
	}
	if (ndjson_init(&rd, in, cli_name(inp), 0, &e) < 0) {
		rc = cli_fail_err(&e);
		goto out;
	}
	for (;;) {
		got = ndjson_next(&rd, &line, NULL, &e);
		if (got == 0)
			break;
		if (got < 0) {
			cli_fail_err(&e);
			if (e.code != EXIT_DATA) {
				rc = e.code;
				break;
			}
			rc = EXIT_PARTIAL;
			continue;
		}
		if (predict_line(&m, line, clip, &e) < 0) {
			err_prefix(&e, "%s:%ld", cli_name(inp), ndjson_lineno(&rd));
			cli_fail_err(&e);
			rc = EXIT_PARTIAL;
		} else if (ndjson_write(stdout, line, &e) < 0) {
			json_decref(line);
			rc = cli_fail_err(&e);
			break;
		}
		json_decref(line);
	}
	ndjson_free(&rd);
out:
	cli_close_in(in);
	model_free(&m);
	c = cli_close_out(stdout, "-");
	return c != 0 ? c : rc;
}
