/* abassign - puts each customer of a campaign in an A/B arm by a hash of (campaign, user) */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/ab.h"
#include "base/cli.h"
#include "base/ndjson.h"
#include "base/ofile.h"

struct run {
	const struct ab_arms *arms;
	const char *campaign;
	int holdout;            /* index of the holdout arm when its lines are dropped, or -1 */
	FILE *log;              /* the assignment log, or NULL */
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
	    "  -h, --help               this help\n"
	    "  -V, --version            version\n"
	    "example: topk ... | abassign -c 2026-11-w48 -a llm=0.45,template=0.45,holdout=0.1 \\\n"
	    "             > assigned.ndjson\n");
}

/* Writes one assignment log line. Returns 0 or -1. */
static int
log_line(struct run *r, json_t *user, const char *arm, struct err *e)
{
	json_t *o = json_pack("{sOssss}", "user", user, "campaign", r->campaign, "variant", arm);
	int rc;

	if (o == NULL)
		return err_nomem(e);
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
		if (r->log != NULL && log_line(r, user, r->arms->name[arm], e) < 0)
			goto failo;
		if (arm != r->holdout) {
			if (json_object_set_new(obj, "variant", json_string(r->arms->name[arm])) < 0) {
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

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "arms", required_argument, NULL, 'a' },
		{ "assignments", required_argument, NULL, 'o' },
		{ "campaign", required_argument, NULL, 'c' },
		{ "drop-holdout", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *armspec = NULL, *logpath = NULL;
	struct ab_arms arms = { 0 };
	struct run r = { 0 };
	struct ofile log = { 0 };
	struct err e = { 0 };
	int c, drop = 0, status = EXIT_OK;

	cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, "a:c:dho:V", opts, NULL)) != -1) {
		switch (c) {
		case 'a': armspec = optarg; break;
		case 'c': r.campaign = optarg; break;
		case 'd': drop = 1; break;
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
