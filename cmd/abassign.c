/* abassign - puts each customer of a campaign in an A/B arm by a hash of (campaign, user) */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "measure/ab.h"
#include "measure/abpool.h"
#include "measure/bandit.h"
#include "base/cli.h"
#include "base/ndjson.h"
#include "base/ofile.h"

#define ABASSIGN_MAX_REPORTS 256

struct run {
	const struct ab_arms *arms;
	const char *campaign;
	int holdout;            /* index of the holdout arm when its lines are dropped, or -1 */
	FILE *log;              /* the assignment log, or NULL */
	int adapted;            /* weights from earlier reports: each line carries its arm's weight */
	int64_t *count;         /* lines per arm */
	long bad;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: abassign --campaign NAME --arms NAME=W,... [--assignments FILE [--drop-holdout]]\n"
	    "                [FILE ...]\n"
	    "Adds \"variant\" to every NDJSON line with a \"user\" (FILE or stdin), choosing the arm\n"
	    "from SHA-256(campaign, user): the same customer always gets the same arm of a campaign.\n"
	    "The arm named '" AB_HOLDOUT "' gets no email: mkprompt drops its lines (or --drop-holdout).\n"
	    "  -c, --campaign NAME      campaign id, part of the hash (required)\n"
	    "  -a, --arms LIST          arms and weights, e.g. llm=0.45,template=0.45,holdout=0.1;\n"
	    "                           weights > 0 that sum to 1 (within 1e-9) (required)\n"
	    "  -o, --assignments FILE   also write {\"user\",\"campaign\",\"variant\"} for every line\n"
	    "  -d, --drop-holdout       leave the holdout's lines out of stdout (they are in the\n"
	    "                           --assignments log, which this then requires)\n"
	    "  -A, --adapt REPORT       take the weights from earlier campaigns' abreport NDJSON\n"
	    "                           (repeatable): Thompson sampling on --metric, the holdout's\n"
	    "                           weight kept as given; each line gets \"variant_weight\"\n"
	    "  -m, --metric NAME        click (default), conversion or open\n"
	    "  -f, --floor SHARE        least share of every adapting arm (default 0.1)\n"
	    "  -M, --max-age DAYS       refuse reports made longer ago (default 90; 0: any age)\n"
	    "  -s, --seed N             seed of the posterior draws (default: from --campaign)\n"
	    "  -h, --help               this help\n"
	    "  -V, --version            version\n"
	    "example: topk ... | abassign -c 2026-11-w48 -a llm=0.45,template=0.45,holdout=0.1 \\\n"
	    "             --adapt runs/2026-11-w47/report.ndjson > assigned.ndjson\n");
}

/* Writes one assignment log line. Returns 0 or -1. */
static int
log_line(struct run *r, json_t *user, int arm, struct err *e)
{
	json_t *o = json_pack("{sOssss}", "user", user, "campaign", r->campaign, "variant",
	    r->arms->name[arm]);
	int rc;

	if (o == NULL)
		return err_nomem(e);
	if (r->adapted && json_object_set_new(o, "variant_weight",
	    json_real(r->arms->weight[arm])) < 0) {
		json_decref(o);
		return err_nomem(e);
	}
	rc = ndjson_write(r->log, o, e);
	json_decref(o);
	return rc;
}

/* Assigns every line of f. Returns 0, or -1 on a final error (bad lines are counted in r->bad). */
static int
assign_file(struct run *r, FILE *f, const char *name, struct err *e)
{
	struct ndjson_reader rd;
	json_t *obj, *user;
	int rc, arm;

	if (ndjson_init(&rd, f, name, 0, e) < 0)
		return -1;
	while ((rc = ndjson_next(&rd, &obj, NULL, e)) != 0) {
		if (rc < 0) {
			if (e->code != EXIT_DATA)
				goto fail;
			cli_fail_err(e);
			r->bad++;
			continue;
		}
		user = json_object_get(obj, "user");
		if (!json_is_string(user) || json_object_get(obj, "variant") != NULL) {
			cli_warn("%s:%ld: %s", name, ndjson_lineno(&rd), json_is_string(user) ?
			    "already has a \"variant\"" : "missing \"user\" string");
			r->bad++;
			json_decref(obj);
			continue;
		}
		arm = ab_assign(r->arms, r->campaign, json_string_value(user),
		    json_string_length(user));
		if (arm < 0) {
			err_set(e, EXIT_SOFTWARE, "SHA-256 failed");
			goto failo;
		}
		r->count[arm]++;
		if (r->log != NULL && log_line(r, user, arm, e) < 0)
			goto failo;
		if (arm != r->holdout) {
			if (json_object_set_new(obj, "variant", json_string(r->arms->name[arm])) < 0 ||
			    (r->adapted && json_object_set_new(obj, "variant_weight",
			    json_real(r->arms->weight[arm])) < 0)) {
				err_nomem(e);
				goto failo;
			}
			if (ndjson_write(stdout, obj, e) < 0)
				goto failo;
		}
		json_decref(obj);
	}
	ndjson_free(&rd);
	return 0;
failo:
	json_decref(obj);
fail:
	ndjson_free(&rd);
	return -1;
}

/* Reads the reports named in paths[0..n) and sets the arms' weights from them. Returns 0 or a status. */
static int
adapt(struct ab_arms *arms, const char *campaign, char **paths, int n,
    struct bandit_opts *o, double max_age_days)
{
	struct abpool pool;
	struct bandit_arm *info = NULL;
	double *w = NULL;
	struct err e = { 0 };
	int status = EXIT_OK;

	abpool_init(&pool);
	if (abpool_read_paths(&pool, paths, n, &e) < 0)
		status = cli_fail_err(&e);
	if (status == EXIT_OK && abpool_check(&pool, campaign, (int64_t)(max_age_days * 86400),
	    (int64_t)time(NULL), &e) < 0)
		status = cli_fail_err(&e);
	if (status == EXIT_OK && ((w = calloc((size_t)arms->n, sizeof *w)) == NULL ||
	    (info = calloc((size_t)arms->n, sizeof *info)) == NULL))
		status = cli_fail_err((err_nomem(&e), &e));
	if (status == EXIT_OK && bandit_weights(arms, &pool, o, w, info, &e) < 0)
		status = e.code == EXIT_USAGE ? cli_usage_error("%s", e.msg) : cli_fail_err(&e);
	if (status == EXIT_OK) {
		ab_arms_set_weights(arms, w);
		cli_warn("adaptive weights (Thompson sampling on %s, %d campaigns in %d reports, "
		    "floor %g, seed %llu):", abpool_metric_name(o->metric), pool.ncamp, n, o->floor,
		    (unsigned long long)o->seed);
		for (int i = 0; i < arms->n; i++)
			if (info[i].adaptive)
				cli_warn("  %s=%.6f  P(best) %.4f  pooled %s rate %.6f over %d campaigns "
				    "(%lld recipients)", arms->name[i], w[i], info[i].p_best,
				    abpool_metric_name(o->metric), info[i].est.rate, info[i].est.ncamp,
				    (long long)info[i].est.n);
			else
				cli_warn("  %s=%.6f  (fixed)", arms->name[i], w[i]);
	}
	free(w);
	free(info);
	abpool_free(&pool);
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "adapt", required_argument, NULL, 'A' },
		{ "arms", required_argument, NULL, 'a' },
		{ "assignments", required_argument, NULL, 'o' },
		{ "campaign", required_argument, NULL, 'c' },
		{ "drop-holdout", no_argument, NULL, 'd' },
		{ "floor", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "max-age", required_argument, NULL, 'M' },
		{ "metric", required_argument, NULL, 'm' },
		{ "seed", required_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *armspec = NULL, *logpath = NULL;
	struct ab_arms arms = { 0 };
	struct run r = { 0 };
	struct ofile log = { 0 };
	struct err e = { 0 };
	struct bandit_opts bo = { .metric = ABPOOL_CLICK, .floor = 0.1 };
	char *reports[ABASSIGN_MAX_REPORTS];
	int c, drop = 0, nreports = 0, seeded = 0, status = EXIT_OK;
	double max_age = 90;
	long seed;

	cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, "A:a:c:df:hM:m:o:s:V", opts, NULL)) != -1) {
		switch (c) {
		case 'A':
			if (nreports == ABASSIGN_MAX_REPORTS)
				return cli_usage_error("--adapt: at most %d reports",
				    ABASSIGN_MAX_REPORTS);
			reports[nreports++] = optarg;
			break;
		case 'a': armspec = optarg; break;
		case 'c': r.campaign = optarg; break;
		case 'd': drop = 1; break;
		case 'f':
			if (cli_parse_double("--floor", optarg, 0, 0.5, &bo.floor) < 0)
				return EXIT_USAGE;
			break;
		case 'M':
			if (cli_parse_double("--max-age", optarg, 0, 36500, &max_age) < 0)
				return EXIT_USAGE;
			break;
		case 'm':
			if (abpool_metric_parse(optarg, &bo.metric) < 0)
				return cli_usage_error("--metric: '%s' is not click, conversion or open",
				    optarg);
			break;
		case 's':
			if (cli_parse_long("--seed", optarg, 0, LONG_MAX, &seed) < 0)
				return EXIT_USAGE;
			bo.seed = (uint64_t)seed;
			seeded = 1;
			break;
		case 'o': logpath = optarg; break;
		case 'h': usage(stdout); return cli_close_out(stdout, "-");
		case 'V': return cli_version();
		default: return cli_usage_error("unknown option");
		}
	}
	if (r.campaign == NULL || *r.campaign == '\0' || armspec == NULL)
		return cli_usage_error("--campaign and --arms are required");
	if (ab_arms_parse(&arms, armspec, &e) < 0)
		return cli_usage_error("%s", e.msg);
	r.arms = &arms;
	r.holdout = drop ? ab_arms_find(&arms, AB_HOLDOUT) : -1;
	if (nreports > 0) {
		if (!seeded)    /* the same campaign draws the same weights on a re-run */
			bo.seed = (uint64_t)(ab_unit(r.campaign, "thompson", 8) * 9007199254740992.0);
		if ((status = adapt(&arms, r.campaign, reports, nreports, &bo, max_age)) != EXIT_OK)
			goto out;
		r.adapted = 1;
	}
	if (drop && logpath == NULL) {
		ab_arms_free(&arms);
		return cli_usage_error("--drop-holdout needs --assignments FILE "
		    "(the holdout's customers would be written nowhere)");
	}
	if (logpath != NULL && strcmp(logpath, "-") == 0) {
		ab_arms_free(&arms);
		return cli_usage_error("--assignments: give a file name (stdout holds the lines)");
	}
	if ((r.count = calloc((size_t)arms.n, sizeof *r.count)) == NULL) {
		status = cli_fail_err((err_nomem(&e), &e));
		goto out;
	}
	if (logpath != NULL) {
		if (ofile_open(&log, logpath, &e) < 0) {
			status = cli_fail_err(&e);
			goto out;
		}
		r.log = log.fp;
	}
	for (int i = optind; i < argc || i == optind; i++) {
		const char *path = i < argc ? argv[i] : "-";
		FILE *f = cli_open_in(path);

		if (f == NULL) {
			status = EXIT_NOINPUT;
			goto out;
		}
		c = assign_file(&r, f, cli_name(path), &e);
		cli_close_in(f);
		if (c < 0) {
			status = cli_fail_err(&e);
			goto out;
		}
	}
	if (cli_want_progress(false))
		for (int i = 0; i < arms.n; i++)
			cli_warn("%s: %lld", arms.name[i], (long long)r.count[i]);
	if (r.log != NULL && ofile_commit(&log, &e) < 0) {
		status = cli_fail_err(&e);
		goto out;
	}
	status = cli_close_out(stdout, "-");
	if (status == EXIT_OK && r.bad > 0) {
		cli_warn("%ld lines skipped (reported above)", r.bad);
		status = EXIT_PARTIAL;
	}
out:
	if (status != EXIT_OK && status != EXIT_PARTIAL)
		ofile_abort(&log);
	free(r.count);
	ab_arms_free(&arms);
	return status;
}
