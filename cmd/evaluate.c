/* evaluate - accuracy of a model's rating predictions and of recommendation lists on a test set */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cli.h"
#include "measure/metrics.h"
#include "data/model.h"
#include "base/ndjson.h"
#include "measure/predict.h"
#include "measure/rankeval.h"
#include "data/ratings.h"

static const char usage_text[] =
"usage: evaluate --test FILE [--model FILE] [--recs FILE] [options]\n"
"\n"
"Scores on a held-out test set (a ratings container from splitdata) and writes\n"
"one NDJSON line of metrics:\n"
"  with --model: RMSE and MAE of the model's predicted ratings (clipped to the\n"
"    model's rating_min..rating_max); ids are matched by string, and users or\n"
"    items unknown to the model get global mean + the known biases\n"
"  with --recs, or without --model (recommendation lines on stdin): precision,\n"
"    recall, NDCG, MAP and hit rate at k, averaged over the test users with at\n"
"    least one relevant item (a user without a line scores 0), and how the\n"
"    lists spread over the catalog: coverage (distinct items in some top k /\n"
"    items in the test set's table), gini (Gini index of how often each item\n"
"    of that table is in a top k: 0 even, 1 one item everywhere), top_item and\n"
"    top_item_share (the item in most top-k lists and the share of lines with it)\n"
"\n"
"options:\n"
"  -t, --test FILE               the test ratings container (required)\n"
"  -m, --model FILE              a model container (from svdtrain)\n"
"  -r, --recs FILE               recommendation lines (docs/FORMATS.md 2.4; '-' is stdin)\n"
"  -k, --k N                     cut-off of the ranking metrics (default 10)\n"
"  -T, --relevant-threshold X    test ratings >= X are relevant (default: every\n"
"                                test interaction is relevant)\n"
"  -C, --no-clip                 do not clip predictions to the rating scale\n"
"  -h, --help                    show this help\n"
"  -V, --version                 show the version\n"
"\n"
"examples:\n"
"  evaluate --model=model.st --test=test.st\n"
"  topk --model=model.st --seen=train.st --all | evaluate --test=test.st --relevant-threshold=4\n";

static int
usage(void)
{
	fputs(usage_text, stdout);
	return cli_close_out(stdout, "-");
}

/* Adds rmse, mae, n and fallback (predictions that used the fallback) to out. */
static int
rating_metrics(const char *path, const char *testp, const struct ratings *test, int clip,
    json_t *out, struct err *e)
{
	struct model m;
	struct predict_map map;
	struct metrics_err acc = { 0 };
	int64_t fallback = 0, overlap = 0;
	const char *fb;

	if (model_load(path, &m, e) < 0)
		return -1;
	fb = matfile_meta(&m.mf, "feedback");
	if (fb != NULL && strcmp(fb, "implicit") == 0) {
		model_free(&m);
		return err_set(e, EXIT_DATA, "%s: an implicit-feedback model predicts scores, not "
		    "ratings: evaluate its recommendations instead", path);
	}
	if (predict_map_init(&map, &m, &test->users, &test->items, e) < 0) {
		model_free(&m);
		return -1;
	}
	for (int64_t u = 0; u < test->rows; u++)
		for (int64_t p = test->indptr[u]; p < test->indptr[u + 1]; p++) {
			int64_t mu = map.user[u], mi = map.item[test->indices[p]];

			fallback += mu < 0 || mi < 0;
			overlap += mu >= 0 || mi >= 0;
			metrics_err_add(&acc, predict_rating(&m, mu, mi, clip), test->values[p]);
		}
	predict_map_free(&map);
	model_free(&m);
	if (overlap == 0)
		return err_set(e, EXIT_DATA, "%s: no user or item id in common with the model %s",
		    cli_name(testp), path);
	json_object_set_new(out, "rmse", json_real(ndjson_round(metrics_rmse(&acc), 6)));
	json_object_set_new(out, "mae", json_real(ndjson_round(metrics_mae(&acc), 6)));
	json_object_set_new(out, "n", json_integer(acc.n));
	json_object_set_new(out, "fallback", json_integer(fallback));
	return 0;
}

/* Reads every recommendation line and adds the ranking metrics to out. */
static int
ranking_metrics(const char *path, const struct ratings *test, int k, int use_thr, double thr,
    json_t *out, struct err *e)
{
	struct ndjson_reader rd;
	struct rankeval ev;
	FILE *f;
	json_t *line;
	int rc = -1, got;
	int64_t top;
	double share;

	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "rb")) == NULL)
		return err_set(e, EXIT_NOINPUT, "%s: %s", path, strerror(errno));
	if (rankeval_init(&ev, test, k, use_thr, thr, e) < 0) {
		cli_close_in(f);
		return -1;
	}
	if (ndjson_init(&rd, f, path, 0, e) < 0)
		goto out;
	while ((got = ndjson_next(&rd, &line, NULL, e)) > 0) {
		got = rankeval_add(&ev, line, e);
		json_decref(line);
		if (got < 0) {
			err_prefix(e, "%s:%ld", path, ndjson_lineno(&rd));
			goto outr;
		}
	}
	if (got < 0)
		goto outr;
	rankeval_finish(&ev);
	if (rankeval_users(&ev) == 0) {
		if (use_thr)
			err_set(e, EXIT_DATA, "no test rating reaches the relevant threshold %g", thr);
		else
			err_set(e, EXIT_DATA, "the test set has no user to score");
		goto outr;
	}
	json_object_set_new(out, "k", json_integer(k));
	json_object_set_new(out, "users", json_integer(rankeval_users(&ev)));
	json_object_set_new(out, "precision",
	    json_real(ndjson_round(metrics_rank_mean(&ev.sums, ev.sums.precision), 6)));
	json_object_set_new(out, "recall",
	    json_real(ndjson_round(metrics_rank_mean(&ev.sums, ev.sums.recall), 6)));
	json_object_set_new(out, "ndcg",
	    json_real(ndjson_round(metrics_rank_mean(&ev.sums, ev.sums.ndcg), 6)));
	json_object_set_new(out, "map",
	    json_real(ndjson_round(metrics_rank_mean(&ev.sums, ev.sums.ap), 6)));
	json_object_set_new(out, "hit_rate",
	    json_real(ndjson_round(metrics_rank_mean(&ev.sums, ev.sums.hit), 6)));
	json_object_set_new(out, "coverage", json_real(ndjson_round(rankeval_coverage(&ev), 6)));
	json_object_set_new(out, "gini", json_real(ndjson_round(rankeval_gini(&ev), 6)));
	share = rankeval_top_share(&ev, &top);
	if (top >= 0) {
		size_t tlen;
		const char *tid = ids_get(&test->items, top, &tlen);

		json_object_set_new(out, "top_item", json_stringn(tid, tlen));
	}
	json_object_set_new(out, "top_item_share", json_real(ndjson_round(share, 6)));
	json_object_set_new(out, "users_without_recs", json_integer(ev.users_without_recs));
	json_object_set_new(out, "lines", json_integer(ev.lines));
	rc = 0;
outr:
	ndjson_free(&rd);
out:
	rankeval_free(&ev);
	cli_close_in(f);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "k", required_argument, NULL, 'k' },
		{ "model", required_argument, NULL, 'm' },
		{ "no-clip", no_argument, NULL, 'C' },
		{ "recs", required_argument, NULL, 'r' },
		{ "relevant-threshold", required_argument, NULL, 'T' },
		{ "test", required_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *modelp = NULL, *testp = NULL, *recsp = NULL;
	int c, clip = 1, use_thr = 0, rc = EXIT_OK;
	double thr = 0;
	long k = 10;
	struct ratings test;
	struct err e = { 0 };
	json_t *out;

	cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, "Chk:m:r:T:t:V", longopts, NULL)) != -1) {
		switch (c) {
		case 'C':
			clip = 0;
			break;
		case 'h':
			return usage();
		case 'k':
			if (cli_parse_long("-k", optarg, 1, 1000000, &k) < 0)
				return EXIT_USAGE;
			break;
		case 'm':
			modelp = optarg;
			break;
		case 'r':
			recsp = optarg;
			break;
		case 'T':
			if (cli_parse_double("--relevant-threshold", optarg, -1e30, 1e30, &thr) < 0)
				return EXIT_USAGE;
			use_thr = 1;
			break;
		case 't':
			testp = optarg;
			break;
		case 'V':
			return cli_version();
		default:
			return cli_usage_error("unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (testp == NULL)
		return cli_usage_error("--test is required");
	if (modelp == NULL && recsp == NULL)
		recsp = "-";
	if (recsp != NULL && strcmp(testp, "-") == 0 && strcmp(recsp, "-") == 0)
		return cli_usage_error("the test set and the recommendations cannot both be stdin");
	if (modelp != NULL && strcmp(modelp, "-") == 0 &&
	    (strcmp(testp, "-") == 0 || (recsp != NULL && strcmp(recsp, "-") == 0)))
		return cli_usage_error("only one input can be stdin");

	if (ratings_load(testp, &test, &e) < 0)
		return cli_fail_err(&e);
	if (test.nnz == 0) {
		ratings_free(&test);
		return cli_fail(EXIT_DATA, "%s: the test set holds no ratings", cli_name(testp));
	}
	if ((out = json_object()) == NULL) {
		ratings_free(&test);
		return cli_fail(EXIT_OSERR, "out of memory");
	}
	if ((modelp != NULL && rating_metrics(modelp, testp, &test, clip, out, &e) < 0) ||
	    (recsp != NULL && ranking_metrics(recsp, &test, (int)k, use_thr, thr, out, &e) < 0))
		rc = cli_fail_err(&e);
	else if (ndjson_write(stdout, out, &e) < 0)
		rc = cli_fail_err(&e);
	json_decref(out);
	ratings_free(&test);
	if (rc == EXIT_OK)
		rc = cli_close_out(stdout, "-");
	return rc;
}
