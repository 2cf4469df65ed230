/* events2ratings - campaign events become interactions for the next training run */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/cli.h"
#include "measure/feedback.h"
#include "base/ndjson.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: events2ratings [--campaign NAME] [--events LIST] [--recs FILE --open-as EVENT]\n"
	    "                      [EVENTS ...]\n"
	    "Turns campaign events (docs/FORMATS.md 2.7; EVENTS or stdin) into interaction lines\n"
	    "{\"user\",\"item\",\"event\",\"qty\",\"ts\"} (FORMATS 2.1) for ratings2mat --implicit.\n"
	    "Events of other kinds, and events without an item (an open) are counted on stderr\n"
	    "and dropped; the same interaction (user, item, event, ts) is written once.\n"
	    "  -c, --campaign NAME   keep only this campaign's events\n"
	    "  -e, --events LIST     event kinds to keep (default click,purchase)\n"
	    "  -r, --recs FILE       the campaign's recommendation lines (topk output) ...\n"
	    "  -O, --open-as EVENT   ... so that an open becomes EVENT (e.g. view) on every item\n"
	    "                        the email showed (add open to --events)\n"
	    "  -h, --help            this help\n"
	    "  -V, --version         version\n"
	    "example: events2ratings --campaign 2026-11-w48 events.ndjson | \\\n"
	    "             ratings2mat --implicit --weights=view=1,click=2,cart=3,purchase=5 > new.st\n");
}

static int
word_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 32)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
			return 0;
	return 1;
}

/* Converts every event of path. Returns 0, or -1 on a final error (bad events counted). */
static int
convert(struct feedback *fb, const char *path, long *bad, struct err *e)
{
	struct ndjson_reader rd;
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	json_t *obj;
	int rc;

	if (f == NULL)
		return err_set(e, EXIT_NOINPUT, "%s: %s", path, strerror(errno));
	if (ndjson_init(&rd, f, path, 0, e) < 0) {
		cli_close_in(f);
		return -1;
	}
	while ((rc = ndjson_next(&rd, &obj, NULL, e)) != 0) {
		if (rc > 0) {
			rc = feedback_event(fb, obj, path, ndjson_lineno(&rd), stdout, e);
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

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "campaign", required_argument, NULL, 'c' },
		{ "events", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ "open-as", required_argument, NULL, 'O' },
		{ "recs", required_argument, NULL, 'r' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *campaign = NULL, *keep = "click,purchase", *recs = NULL, *open_as = NULL;
	struct feedback fb = { 0 };
	struct err e = { 0 };
	int c, status = EXIT_OK;
	long bad = 0;
	FILE *rf;

	cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, "c:e:hO:r:V", opts, NULL)) != -1) {
		switch (c) {
		case 'c': campaign = optarg; break;
		case 'e': keep = optarg; break;
		case 'O': open_as = optarg; break;
		case 'r': recs = optarg; break;
		case 'h': usage(stdout); return cli_close_out(stdout, "-");
		case 'V': return cli_version();
		default: return cli_usage_error("unknown option");
		}
	}
	if ((recs == NULL) != (open_as == NULL))
		return cli_usage_error("--recs and --open-as go together");
	if (open_as != NULL && !word_ok(open_as))
		return cli_usage_error("--open-as: '%s' is not an event name (a-z, _)", open_as);
	if (feedback_init(&fb, keep, campaign, &e) < 0) {
		feedback_free(&fb);
		return cli_usage_error("%s", e.msg);
	}
	if (recs != NULL) {
		if ((rf = cli_open_in(recs)) == NULL) {
			status = EXIT_NOINPUT;
			goto out;
		}
		c = feedback_load_recs(&fb, rf, cli_name(recs), open_as, &e);
		cli_close_in(rf);
		if (c < 0)
			goto fail;
	}
	for (int i = optind; i < argc || i == optind; i++)
		if (convert(&fb, i < argc ? argv[i] : "-", &bad, &e) < 0)
			goto fail;
	if ((status = cli_close_out(stdout, "-")) != EXIT_OK)
		goto out;
	if (fb.not_kept + fb.no_item + fb.duplicates + fb.other_campaign > 0)
		cli_warn("%lld interactions written; dropped: %lld events of kinds not kept, %lld "
		    "without an item, %lld repeats, %lld of other campaigns", (long long)fb.written,
		    (long long)fb.not_kept, (long long)fb.no_item, (long long)fb.duplicates,
		    (long long)fb.other_campaign);
	if (bad > 0) {
		cli_warn("%ld events skipped (reported above)", bad);
		status = EXIT_PARTIAL;
	}
	goto out;
fail:
	status = cli_fail_err(&e);
out:
	feedback_free(&fb);
	return status;
}
