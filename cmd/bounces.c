/* bounces - reads bounce, complaint and unsubscribe mails; writes their events and suppresses who must not be mailed */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/cli.h"
#include "base/exitcode.h"
#include "base/ndjson.h"
#include "mail/dsn.h"
#include "mail/mbox.h"
#include "mail/suppress.h"
#include "measure/sentidx.h"

struct run {
	struct sentidx idx;
	struct dsn_parser p;
	const char *suppress;
	struct suppress sup;        /* only its key: addresses are added as keyed hashes */
	int soft;                   /* --suppress-soft */
	long now;
	long seen, bounces, hard, complaints, unsubs, unmatched, other;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: bounces --sent EVENTS [options] [MAILBOX ...]\n"
	    "Reads the mail that comes back (each MAILBOX an mbox file, '-' for stdin, a maildir or\n"
	    "a directory of .eml files): delivery status notifications (RFC 3464 multipart/report\n"
	    "and the common non-standard forms), ARF complaint reports (RFC 5965), and mails to the\n"
	    "List-Unsubscribe mailto: address. Matches each to our message by its Message-ID (else\n"
	    "by its address) and writes bounce, complaint and unsubscribe events (NDJSON, FORMATS\n"
	    "2.7) to stdout; with --suppress, hard bounces, complainers and unsubscribers are\n"
	    "added to the suppression list (synced).\n"
	    "  -S, --sent FILE        mailsend --events output: the sent events with message_id\n"
	    "  -l, --sent-log FILE    mailsend's sent-log: which address each message went to\n"
	    "  -s, --suppress FILE    suppression list to add to (FORMATS 2.8)\n"
	    "      --suppress-soft    suppress soft bounces too\n"
	    "      --suppress-key-file FILE  the list's key: addresses are added as its keyed hash\n"
	    "                         (default: RECMAIL_SUPPRESS_KEY or RECMAIL_SUPPRESS_KEY_FILE)\n"
	    "      --now SECONDS      the time of the events (default: now)\n"
	    "  -h, --help             this help\n"
	    "  -V, --version          version\n"
	    "exit status: 0 done; 64 usage; 65 a bad --sent or --sent-log line; 66 an input cannot\n"
	    "be opened; 74 a write error.\n"
	    "example: bounces --sent events-sent.ndjson --sent-log sent-log.ndjson \\\n"
	    "             --suppress suppress.ndjson ~/Maildir/.bounces > events-bounces.ndjson\n");
}

static const char *
event_name(const struct dsn_report *d)
{
	return d->kind == DSN_BOUNCE ? "bounce" : d->kind == DSN_COMPLAINT ? "complaint" : "unsubscribe";
}

/* The event and the suppression of one report. Returns 0, or -1 with e set. */
static int
handle(struct run *r, const struct dsn_report *d, const char *where, struct err *e)
{
	const char *user, *campaign, *variant, *id;
	json_t *o;
	int suppress = d->kind != DSN_BOUNCE || d->hard || r->soft, rc;

	if (d->kind == DSN_BOUNCE) {
		r->bounces++;
		r->hard += d->hard;
	} else {
		d->kind == DSN_COMPLAINT ? r->complaints++ : r->unsubs++;
	}
	if (r->suppress != NULL && suppress &&
	    suppress_append(&r->sup, r->suppress, d->rcpt, d->kind == DSN_UNSUB ? "unsubscribe" :
	    d->kind == DSN_COMPLAINT ? "complaint" : "bounce", r->now, e) < 0)
		return -1;
	if (!sentidx_find(&r->idx, d->msgid, d->rcpt, &user, &campaign, &variant, &id)) {
		/* not one of ours that we know of: suppressed all the same, but no event to count */
		r->unmatched++;
		cli_warn("%s: %s for a message not in --sent (%s)", where, event_name(d),
		    d->msgid[0] ? d->msgid : "no Message-ID");
		return 0;
	}
	o = json_pack("{sssssssssssI}", "event", event_name(d), "user", user, "campaign", campaign,
	    "variant", variant, "message_id", id, "ts", (json_int_t)r->now);
	if (o != NULL && d->kind == DSN_BOUNCE &&
	    (json_object_set_new(o, "kind", json_string(d->hard ? "hard" : "soft")) < 0 ||
	    json_object_set_new(o, "status", json_string(d->status)) < 0))
		o = (json_decref(o), NULL);
	if (o != NULL && d->kind == DSN_COMPLAINT && d->feedback[0] &&
	    json_object_set_new(o, "feedback_type", json_string(d->feedback)) < 0)
		o = (json_decref(o), NULL);
	if (o != NULL && d->kind == DSN_UNSUB && json_object_set_new(o, "via", json_string("mailto")) < 0)
		o = (json_decref(o), NULL);
	if (o == NULL)
		return err_set(e, EXIT_DATA, "%s: fields are not UTF-8", where);
	rc = ndjson_write(stdout, o, e);
	json_decref(o);
	return rc;
}

static int
read_box(struct run *r, const char *path, struct err *e)
{
	struct mbox_in in;
	struct dsn_report d;
	const char *msg;
	size_t n;
	int rc, k;

	if (mbox_in_open(&in, path, e) < 0) {
		mbox_in_close(&in);
		return -1;
	}
	while ((rc = mbox_in_next(&in, &msg, &n, e)) > 0) {
		r->seen++;
		if ((k = dsn_parse(&r->p, msg, n, &d)) < 0) {
			rc = err_nomem(e);
			break;
		}
		if (k == DSN_NONE) {
			r->other++;
			continue;
		}
		if (handle(r, &d, mbox_in_where(&in), e) < 0) {
			rc = -1;
			break;
		}
	}
	mbox_in_close(&in);
	return rc < 0 ? -1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sent", required_argument, NULL, 'S' }, { "sent-log", required_argument, NULL, 'l' },
		{ "suppress", required_argument, NULL, 's' }, { "suppress-soft", no_argument, NULL, 1 },
		{ "now", required_argument, NULL, 2 },
		{ "suppress-key-file", required_argument, NULL, 3 },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static struct run r;
	const char *sent = NULL, *log = NULL, *supkey = NULL;
	struct err e = { 0, "" };
	int c, i, status = EXIT_OK;

	cli_init(argv[0]);
	r.now = (long)time(NULL);
	while ((c = getopt_long(argc, argv, "hl:S:s:V", opts, NULL)) != -1) {
		switch (c) {
		case 'h': usage(stdout); return cli_close_out(stdout, "-");
		case 'l': log = optarg; break;
		case 'S': sent = optarg; break;
		case 's': r.suppress = optarg; break;
		case 'V': return cli_version();
		case 1: r.soft = 1; break;
		case 2:
			if (cli_parse_long("--now", optarg, 0, 4102444800L, &r.now) < 0)
				return EXIT_USAGE;
			break;
		case 3: supkey = optarg; break;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (sent == NULL)
		return cli_usage_error("--sent is required (mailsend --events output)");
	suppress_init(&r.sup);
	if (r.suppress != NULL && (c = suppress_key_load(&r.sup, supkey, &e)) < 0)
		return e.code == EXIT_USAGE ? cli_usage_error("%s", e.msg) : cli_fail_err(&e);
	if (r.suppress != NULL && c == 0)
		cli_warn("%s: no suppression key: addresses are written in clear (set %s or %s, "
		    "docs/PRIVACY.md)", r.suppress, SUPPRESS_KEY_ENV, SUPPRESS_KEY_FILE_ENV);
	sentidx_init(&r.idx);
	dsn_init(&r.p);
	if (sentidx_load_events(&r.idx, sent, &e) < 0 || (log && sentidx_load_log(&r.idx, log, &e) < 0)) {
		status = cli_fail_err(&e);
		goto out;
	}
	for (i = optind; i == optind || i < argc; i++) {
		if (read_box(&r, i < argc ? argv[i] : "-", &e) < 0) {
			status = cli_fail_err(&e);
			break;
		}
	}
	cli_warn("%ld messages: %ld bounces (%ld hard), %ld complaints, %ld unsubscribes, "
	    "%ld not matched to a sent message, %ld others", r.seen, r.bounces, r.hard, r.complaints,
	    r.unsubs, r.unmatched, r.other);
	if (cli_close_out(stdout, "-") != 0 && status == EXIT_OK)
		status = EXIT_IO;
out:
	dsn_free(&r.p);
	sentidx_free(&r.idx);
	suppress_free(&r.sup);
	return status;
}
