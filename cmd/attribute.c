/* attribute - labels a shop's orders as purchases of the campaign and arm that last reached each customer */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/cli.h"
#include "base/exitcode.h"
#include "base/ndjson.h"
#include "measure/attrib.h"

#define MAX_FILES 64

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: attribute --events FILE [--events FILE ...] [options] [ORDERS ...]\n"
	    "Reads a shop's order export (NDJSON {\"user\",\"ts\",\"revenue\",...}; ORDERS or stdin)\n"
	    "and writes each order that a campaign reached as a purchase event (FORMATS 2.7) of\n"
	    "that campaign and arm, for abreport and events2ratings: last touch wins, a click\n"
	    "within --click-days of the order or a delivery (\"sent\") within --days of it; a\n"
	    "holdout customer (--assignments) counts as reached when the campaign was first sent.\n"
	    "  -e, --events FILE      sent and click events (mailsend --events, trackd); repeatable\n"
	    "  -a, --assignments FILE abassign's assignments: the holdout's customers\n"
	    "  -d, --days N           delivery window in days (default 7)\n"
	    "      --click-days N     click window in days (default 7)\n"
	    "  -h, --help             this help\n"
	    "  -V, --version          version\n"
	    "exit status: 0 done; 64 usage; 65 a bad event or order line (named); 66 an input\n"
	    "cannot be opened; 74 a write error.\n"
	    "example: attribute -e events-sent.ndjson -e events-trackd.ndjson -a assigned.ndjson \\\n"
	    "             orders.ndjson > purchases.ndjson\n");
}

struct ctx {
	struct attrib a;
	int (*add)(struct attrib *, const json_t *, struct err *);
};

static int
add_line(void *arg, const json_t *o, struct err *e)
{
	struct ctx *c = arg;

	return c->add(&c->a, o, e);
}

static int
order_line(void *arg, const json_t *o, struct err *e)
{
	struct ctx *c = arg;
	json_t *p;
	int rc;

	if (attrib_order(&c->a, o, &p, e) < 0)
		return -1;
	if (p == NULL)
		return 0;
	rc = ndjson_write(stdout, p, e);
	json_decref(p);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "events", required_argument, NULL, 'e' },
		{ "assignments", required_argument, NULL, 'a' },
		{ "days", required_argument, NULL, 'd' }, { "click-days", required_argument, NULL, 1 },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static struct ctx c;
	const char *events[MAX_FILES], *assign = NULL;
	struct err e = { 0, "" };
	long days = 7, cdays = 7;
	int ch, i, nev = 0, status = EXIT_OK;

	cli_init(argv[0]);
	while ((ch = getopt_long(argc, argv, "a:d:e:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': assign = optarg; break;
		case 'd':
			if (cli_parse_long("--days", optarg, 0, 3650, &days) < 0)
				return EXIT_USAGE;
			break;
		case 'e':
			if (nev == MAX_FILES)
				return cli_usage_error("at most %d --events files", MAX_FILES);
			events[nev++] = optarg;
			break;
		case 'h': usage(stdout); return cli_close_out(stdout, "-");
		case 'V': return cli_version();
		case 1:
			if (cli_parse_long("--click-days", optarg, 0, 3650, &cdays) < 0)
				return EXIT_USAGE;
			break;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (nev == 0)
		return cli_usage_error("--events is required (the sent events at least)");
	attrib_init(&c.a, days * 86400, cdays * 86400);
	c.add = attrib_event;
	for (i = 0; i < nev && status == EXIT_OK; i++)
		if (ndjson_read_file(events[i], add_line, &c, &e) < 0)
			status = cli_fail_err(&e);
	c.add = attrib_assignment;
	if (status == EXIT_OK && assign && ndjson_read_file(assign, add_line, &c, &e) < 0)
		status = cli_fail_err(&e);
	for (i = optind; status == EXIT_OK && (i == optind || i < argc); i++)
		if (ndjson_read_file(i < argc ? argv[i] : "-", order_line, &c, &e) < 0)
			status = cli_fail_err(&e);
	if (status == EXIT_OK)
		cli_warn("%lld orders attributed, %lld reached by no campaign in the window",
		    (long long)c.a.attributed, (long long)c.a.unattributed);
	if (cli_close_out(stdout, "-") != 0 && status == EXIT_OK)
		status = EXIT_IO;
	attrib_free(&c.a);
	return status;
}
