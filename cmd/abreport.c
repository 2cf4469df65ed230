/* abreport - per-arm rates, intervals, uplifts and a sample-ratio check from campaign events */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/ab.h"
#include "measure/abpool.h"
#include "measure/abreport.h"
#include "measure/abtally.h"
#include "base/cli.h"
#include "base/ndjson.h"
#include "base/ofile.h"

typedef int (*add_fn)(struct abtally *, const json_t *, const char *, long, struct err *);

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: abreport [--campaign NAME] [--arms NAME=W,...] [--control NAME]\n"
	    "                [--assignments FILE] [--mde X] [--table] [--svg FILE] [EVENTS ...]\n"
	    "       abreport --pool [--control NAME] REPORT ...\n"
	    "Reads campaign events (sent, delivered, open, click, purchase, bounce, unsubscribe,\n"
	    "complaint; EVENTS or stdin) and reports per arm: recipients (users with a \"sent\"\n"
	    "event; holdout: assigned users), open/click/conversion and bounce/unsubscribe/\n"
	    "complaint rates with 95%% Wilson intervals, revenue per recipient, the\n"
	    "uplift over the control with a two-proportion z-test and P(beats control), and a\n"
	    "sample-ratio-mismatch chi-square test against the weights of --arms.\n"
	    "  -c, --campaign NAME      report this campaign, skipping others' events\n"
	    "                           (default: the only campaign in the events)\n"
	    "  -a, --arms LIST          the configured arms and weights (as given to abassign);\n"
	    "                           enables the SRM test, rejects events of other variants\n"
	    "  -C, --control NAME       the control arm (default: template)\n"
	    "  -o, --assignments FILE   abassign's assignment log: the holdout's recipients\n"
	    "  -m, --mde X              relative change the sample-size warning is about\n"
	    "                           (default 0.1, from 0.001 to 10)\n"
	    "  -p, --pool               read earlier reports (this program's NDJSON, one campaign\n"
	    "                           or more each) and pool them: rates and uplifts with each\n"
	    "                           campaign weighted alike for every arm, so weights that\n"
	    "                           changed between campaigns (abassign --adapt) do not bias them\n"
	    "  -H, --human-opens        leave out opens trackd flagged as machine prefetches\n"
	    "  -t, --table              a readable table instead of NDJSON\n"
	    "  -s, --svg FILE           also draw the rates and intervals as an SVG chart\n"
	    "  -h, --help               this help\n"
	    "  -V, --version            version\n"
	    "example: abreport -c 2026-11-w48 -a llm=0.45,template=0.45,holdout=0.1 \\\n"
	    "             -o assigned.ndjson --table --svg ab.svg events.ndjson\n");
}

/* Feeds every record of path to add. Returns 0, or -1 on a final error; bad
 * records are reported and counted in *bad. */
static int
read_all(struct abtally *t, const char *path, add_fn add, long *bad, struct err *e)
{
	struct ndjson_reader rd;
	const char *name = cli_name(path);
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	json_t *obj;
	int rc;

	if (f == NULL)
		return err_set(e, EXIT_NOINPUT, "%s: %s", name, strerror(errno));
	if (ndjson_init(&rd, f, name, 0, e) < 0) {
		cli_close_in(f);
		return -1;
	}
	while ((rc = ndjson_next(&rd, &obj, NULL, e)) != 0) {
		if (rc > 0) {
			rc = add(t, obj, name, ndjson_lineno(&rd), e);
			json_decref(obj);
		}
		if (rc < 0 && e->code != EXIT_DATA)
			break;
		if (rc < 0) {
			cli_fail_err(e);
			++*bad;
		}
	}
	ndjson_free(&rd);
	cli_close_in(f);
	return rc < 0 ? -1 : 0;
}

/* The notes on stderr that say what was not counted and why. */
static void
notes(const struct abtally *t, const struct abreport *rep)
{
	const struct abtally_result *r = rep->tally;
	size_t k;
	json_t *w;

	if (r->orphan_events > 0)
		cli_warn("%lld events of %lld users who were never sent (ignored), e.g. '%s' at %s:%ld",
		    (long long)r->orphan_events, (long long)r->orphan_users, r->orphan_user,
		    r->orphan_file, r->orphan_line);
	if (t->other_campaign > 0)
		cli_warn("%lld events of other campaigns skipped", (long long)t->other_campaign);
	if (t->machine_opens > 0)
		cli_warn("%lld opens flagged as machine prefetches left out (--human-opens)",
		    (long long)t->machine_opens);
	if (t->dup_purchases > 0)
		cli_warn("%lld duplicate purchases (same user, item, ts) counted once",
		    (long long)t->dup_purchases);
	if (t->conflicts > 0)
		cli_warn("%lld \"sent\" events name another arm than the user's first (first kept)",
		    (long long)t->conflicts);
	if (r->holdout_sent > 0)
		cli_warn("%lld users assigned to the holdout were sent an email (counted where sent)",
		    (long long)r->holdout_sent);
	if (r->moved > 0)
		cli_warn("%lld users were sent in another arm than their assignment",
		    (long long)r->moved);
	if (rep->control < 0)
		cli_warn("no recipients in control arm '%s': no uplifts", rep->control_name);
	if (rep->has_srm && rep->srm_p < ABREPORT_SRM_ALPHA)
		cli_warn("sample ratio mismatch: chi2 %.2f, p %.3g: the split is broken",
		    rep->srm_chi2, rep->srm_p);
	for (int i = 0; i < rep->narms; i++)
		json_array_foreach(rep->arm[i].warnings, k, w)
			cli_warn("%s", json_string_value(w));
}

/* abreport --pool: the pooled figures of earlier reports. Returns an exit status. */
static int
pool_reports(char **paths, int n, const char *control)
{
	struct abpool p;
	struct err e = { 0 };
	int status = EXIT_OK;

	abpool_init(&p);
	if (abpool_read_paths(&p, paths, n, &e) < 0)
		status = cli_fail_err(&e);
	if (status == EXIT_OK && abpool_write_ndjson(stdout, &p, control, &e) < 0)
		status = cli_fail_err(&e);
	if (status == EXIT_OK)
		status = cli_close_out(stdout, "-");
	if (status == EXIT_OK && abpool_arm(&p, control) < 0)
		cli_warn("no control arm '%s' in the reports: no uplifts", control);
	abpool_free(&p);
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "arms", required_argument, NULL, 'a' },
		{ "assignments", required_argument, NULL, 'o' },
		{ "campaign", required_argument, NULL, 'c' },
		{ "control", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "human-opens", no_argument, NULL, 'H' },
		{ "mde", required_argument, NULL, 'm' },
		{ "pool", no_argument, NULL, 'p' },
		{ "svg", required_argument, NULL, 's' },
		{ "table", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *armspec = NULL, *assign = NULL, *campaign = NULL, *control = "template";
	const char *svgpath = NULL;
	struct ab_arms arms = { 0 };
	struct abtally t = { 0 };
	struct abtally_result res = { 0 };
	struct abreport rep = { 0 };
	struct ofile svg = { 0 };
	struct err e = { 0 };
	double mde = 0.1;
	int c, table = 0, pool = 0, human = 0, status = EXIT_OK;
	long bad = 0;

	cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, "a:C:c:Hhm:o:ps:tV", opts, NULL)) != -1) {
		switch (c) {
		case 'a': armspec = optarg; break;
		case 'C': control = optarg; break;
		case 'c': campaign = optarg; break;
		case 'm':
			if (cli_parse_double("--mde", optarg, 0.001, 10, &mde) < 0)
				return cli_usage_error("bad --mde");
			break;
		case 'H': human = 1; break;
		case 'o': assign = optarg; break;
		case 'p': pool = 1; break;
		case 's': svgpath = optarg; break;
		case 't': table = 1; break;
		case 'h': usage(stdout); return cli_close_out(stdout, "-");
		case 'V': return cli_version();
		default: return cli_usage_error("unknown option");
		}
	}
	if (pool) {
		if (armspec || assign || campaign || svgpath || table)
			return cli_usage_error("--pool takes reports and --control only");
		if (optind == argc)
			return cli_usage_error("--pool: name the reports to pool");
		return pool_reports(argv + optind, argc - optind, control);
	}
	if (armspec != NULL && ab_arms_parse(&arms, armspec, &e) < 0)
		return cli_usage_error("%s", e.msg);
	if (svgpath != NULL && strcmp(svgpath, "-") == 0) {
		ab_arms_free(&arms);
		return cli_usage_error("--svg: give a file name (stdout holds the report)");
	}
	if (abtally_init(&t, campaign, armspec ? &arms : NULL, &e) < 0)
		goto fail;
	t.human_opens = human;
	if (assign != NULL && read_all(&t, assign, abtally_assignment, &bad, &e) < 0)
		goto fail;
	for (int i = optind; i < argc || i == optind; i++)
		if (read_all(&t, i < argc ? argv[i] : "-", abtally_event, &bad, &e) < 0)
			goto fail;
	if (abtally_finish(&t, &res, &e) < 0 ||
	    abreport_compute(&rep, &t, &res, armspec ? &arms : NULL, control, mde, &e) < 0)
		goto fail;
	if (svgpath != NULL && (ofile_open(&svg, svgpath, &e) < 0 ||
	    abreport_write_svg(svg.fp, &rep, &e) < 0 || ofile_commit(&svg, &e) < 0))
		goto fail;
	if ((table ? abreport_write_table(stdout, &rep, &e) :
	    abreport_write_ndjson(stdout, &rep, &e)) < 0)
		goto fail;
	if ((status = cli_close_out(stdout, "-")) != EXIT_OK)
		goto out;
	notes(&t, &rep);
	if (bad > 0) {
		cli_warn("%ld records skipped (reported above)", bad);
		status = EXIT_PARTIAL;
	}
	goto out;
fail:
	status = cli_fail_err(&e);
	ofile_abort(&svg);
out:
	abreport_free(&rep);
	abtally_result_free(&res);
	abtally_free(&t);
	ab_arms_free(&arms);
	return status;
}
