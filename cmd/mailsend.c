/* mailsend - delivers messages (mbox, maildir, .eml directory) over SMTP, once each, at a set rate */
#include <fcntl.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "base/cli.h"
#include "base/fmode.h"
#include "mail/mailmsg.h"
#include "mail/mbox.h"
#include "mail/mime.h"
#include "base/ndjson.h"
#include "mail/sentlog.h"
#include "mail/smtp.h"
#include "mail/suppress.h"

struct run {
	struct smtp smtp;
	struct sentlog log;
	int use_log, use_sup, retry_failed, progress;
	const char *suppress_refused;   /* --suppress-refused: the list to add refused addresses to */
	struct suppress sup;
	double rate, backoff, next_at;  /* next_at: monotonic time the next send may start */
	long retries;
	const char *env_from;
	FILE *events;
	struct linktoken_keys keys;     /* open X-Recmail-Ref */
	struct buf hv;
	long accepted, skipped, deferred, failed, suppressed, bad;
	int fatal;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: mailsend --url URL [options] [MAILBOX ...]\n"
	    "Delivers every message of each MAILBOX (an mbox file, '-' for stdin, a maildir, or a\n"
	    "directory of .eml files) to its To: address over SMTP. With --sent-log, a message the\n"
	    "server accepted is never sent again and one it did not accept is sent on the next run.\n"
	    "  -u, --url URL          smtp://host[:port] or smtps://host[:port] (required)\n"
	    "      --starttls         require STARTTLS on smtp:// (the connection fails without it)\n"
	    "      --cacert FILE      CA certificates to verify the server with (verification is\n"
	    "                         always on)\n"
	    "      --auth-file FILE   user on the first line, password on the second (default: the\n"
	    "                         SMTP_USER and SMTP_PASSWORD environment variables)\n"
	    "  -f, --from ADDR        envelope sender (default: the address of each From:)\n"
	    "  -r, --rate N           at most N messages per second (default 10; 0: no limit)\n"
	    "      --retries N        retries of a message after a 4xx or a broken connection\n"
	    "                         (default 3; 0-20)\n"
	    "      --backoff SECONDS  first wait before a retry, doubled each time (default 2)\n"
	    "      --timeout SECONDS  longest time for one message (default 120)\n"
	    "  -l, --sent-log FILE    NDJSON log of every attempt (appended, synced per message)\n"
	    "      --retry-failed     send again messages the log shows refused for good (5xx)\n"
	    "  -s, --suppress FILE    suppression list (NDJSON with \"email\"), checked before each send\n"
	    "  -E, --events FILE      append a \"sent\" event (NDJSON) for every accepted message\n"
	    "      --suppress-refused add an address the server refuses as unknown (550, 551, 553,\n"
	    "                         5.1.x) to the --suppress list\n"
	    "      --key-file FILE    link keys (as mailfmt's --unsub-key-file) to read the customer\n"
	    "                         from X-Recmail-Ref (default: RECMAIL_UNSUB_KEY)\n"
	    "      --progress         show progress on stderr\n"
	    "  -h, --help             this help\n"
	    "  -V, --version          version\n"
	    "exit: 0 all delivered; 75 some deferred (run again); 65 some messages unusable;\n"
	    "      1 some refused for good; 69 the server cannot be used (TLS, AUTH, URL)\n"
	    "example: SMTP_USER=shop SMTP_PASSWORD=... mailsend --url smtps://mail.example.com \\\n"
	    "             --sent-log sent.ndjson --rate 5 out.mbox\n");
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* The outcome of an attempt into the line its intent reserved; a suppression (no attempt) appended. */
static int
log_attempt(struct run *r, const char *id, const char *rcpt, const char *status, int attempt,
    const char *reply, struct err *e)
{
	if (!r->use_log)
		return 0;
	if (attempt == 0)
		return sentlog_append(&r->log, id, rcpt, status, time(NULL), attempt, reply, e);
	return sentlog_result(&r->log, id, rcpt, status, time(NULL), attempt, reply, e);
}

static int
event(struct run *r, const char *head, size_t hn, const char *id, const char *rcpt,
    struct err *e)
{
	struct mailmsg_ref ref;
	json_t *o;
	int rc;

	if (r->events == NULL)
		return 0;
	if (mailmsg_read_ref(&r->keys, head, hn, &r->hv, &ref) < 0)
		return err_set(e, EXIT_SOFTWARE, "%s: X-Recmail-Ref no longer opens", id);
	o = json_pack("{sssssssssssI}", "event", "sent", "user", ref.user[0] ? ref.user : rcpt,
	    "campaign", ref.campaign, "variant", ref.variant, "message_id", id,
	    "ts", (json_int_t)time(NULL));
	if (o == NULL)
		return err_set(e, EXIT_DATA, "event fields are not UTF-8");
	rc = ndjson_write(r->events, o, e);
	json_decref(o);
	if (rc == 0 && fflush(r->events) != 0)
		rc = err_set(e, EXIT_IO, "events: %s", strerror(errno));
	return rc;
}

/* --suppress-refused: an address the server does not know goes on the list, synced. */
static int
refused(struct run *r, const char *rcpt, struct err *e)
{
	if (r->suppress_refused == NULL || !smtp_reply_unknown_rcpt(r->smtp.reply))
		return 0;
	return suppress_append(&r->sup, r->suppress_refused, rcpt, "bounce", (long long)time(NULL), e);
}

/* Sends one message with its retries. Returns 0, or -1 on a fatal error. */
static int
deliver(struct run *r, const char *where, const char *msg, size_t n, struct err *e)
{
	size_t hn = mime_head_len(msg, n);
	char id[512], rcpt[320], from[320];
	struct mailmsg_ref ref;
	struct err se;
	enum sentlog_state st;
	enum smtp_result res = SMTP_TEMPFAIL;
	int attempt;

	if (memchr(msg, '\0', hn) != NULL) { /* it would cut the Message-ID or an address short */
		cli_warn("%s: a NUL byte in the header: cannot be sent", where);
		r->bad++;
		return 0;
	}
	if (mime_find_header(msg, hn, "Message-ID", &r->hv) != 1 || r->hv.len == 0 ||
	    r->hv.len >= sizeof id) {
		cli_warn("%s: no Message-ID: cannot be sent exactly once", where);
		r->bad++;
		return 0;
	}
	memcpy(id, r->hv.s, r->hv.len + 1);
	if (mime_find_header(msg, hn, "To", &r->hv) != 1 ||
	    mime_value_addr(r->hv.s, r->hv.len, rcpt, sizeof rcpt) < 0 || !mime_addr_valid(rcpt)) {
		cli_warn("%s: %s: no valid To address", where, id);
		r->bad++;
		return 0;
	}
	/* an event that cannot name its customer stops the run before the message goes out */
	if (r->events != NULL && mailmsg_read_ref(&r->keys, msg, hn, &r->hv, &ref) < 0)
		return err_set(e, EXIT_USAGE, "%s: %s: X-Recmail-Ref does not open with the link keys "
		    "(RECMAIL_UNSUB_KEY or --key-file)", where, id);
	if (r->env_from != NULL) {
		snprintf(from, sizeof from, "%s", r->env_from);
	} else if (mime_find_header(msg, hn, "From", &r->hv) != 1 ||
	    mime_value_addr(r->hv.s, r->hv.len, from, sizeof from) < 0 || !mime_addr_valid(from)) {
		cli_warn("%s: %s: no valid From address (or give --from)", where, id);
		r->bad++;
		return 0;
	}
	st = r->use_log ? sentlog_state(&r->log, id) : SENTLOG_NONE;
	if (st == SENTLOG_ACCEPTED || (st == SENTLOG_FAILED && !r->retry_failed)) {
		r->skipped++;
		return 0;
	}
	if (r->use_sup && suppress_has(&r->sup, rcpt)) {
		r->suppressed++;
		return log_attempt(r, id, rcpt, "suppressed", 0, "", e);
	}
	for (attempt = 1; attempt <= r->retries + 1; attempt++) {
		if (r->rate > 0) {
			double t = now_s();

			if (r->next_at > t)
				sleep_s(r->next_at - t);
			r->next_at = now_s() + 1 / r->rate; /* starts at least 1/rate apart */
		}
		/* no message goes unless the line that will say it went is on disk */
		if (r->use_log && sentlog_intent(&r->log, id, rcpt, time(NULL), attempt, e) < 0)
			return -1;
		se.code = 0;
		se.msg[0] = '\0';
		res = smtp_send(&r->smtp, from, rcpt, msg, n, &se);
		if (res == SMTP_ACCEPTED) {
			r->accepted++;
			if (log_attempt(r, id, rcpt, "accepted", attempt, r->smtp.reply, e) < 0)
				return -1;
			return event(r, msg, hn, id, rcpt, e);
		}
		if (log_attempt(r, id, rcpt, res == SMTP_PERMFAIL ? "failed" : "deferred", attempt,
		    r->smtp.reply[0] ? r->smtp.reply : se.msg, e) < 0)
			return -1;
		if (res == SMTP_FATAL) {
			r->fatal = 1;
			r->deferred++;
			return err_set(e, EXIT_UNAVAIL, "%s: %s", where, se.msg);
		}
		if (res == SMTP_PERMFAIL) {
			cli_warn("%s: %s: refused: %s", where, id, se.msg);
			r->failed++;
			return refused(r, rcpt, e);
		}
		if (attempt <= r->retries)
			sleep_s(fmin(r->backoff * pow(2, attempt - 1), 300));
	}
	cli_warn("%s: %s: deferred: %s", where, id, se.msg);
	r->deferred++;
	return 0;
}

/* Reads the user and password: the file, else SMTP_USER and SMTP_PASSWORD. */
static int
credentials(const char *path, char *user, size_t us, char *pass, size_t ps)
{
	FILE *f;

	user[0] = pass[0] = '\0';
	if (path == NULL) {
		const char *u = getenv("SMTP_USER"), *p = getenv("SMTP_PASSWORD");

		if (u == NULL || u[0] == '\0')
			return 0;
		snprintf(user, us, "%s", u);
		snprintf(pass, ps, "%s", p ? p : "");
		return 0;
	}
	if ((f = cli_open_in(path)) == NULL)
		return EXIT_NOINPUT;
	if (fgets(user, (int)us, f) == NULL || fgets(pass, (int)ps, f) == NULL) {
		cli_close_in(f);
		return cli_fail(EXIT_DATA, "%s: expected a user line and a password line", path);
	}
	cli_close_in(f);
	user[strcspn(user, "\r\n")] = '\0';
	pass[strcspn(pass, "\r\n")] = '\0';
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' }, { "starttls", no_argument, NULL, 1 },
		{ "cacert", required_argument, NULL, 2 }, { "auth-file", required_argument, NULL, 3 },
		{ "from", required_argument, NULL, 'f' }, { "rate", required_argument, NULL, 'r' },
		{ "retries", required_argument, NULL, 4 }, { "backoff", required_argument, NULL, 5 },
		{ "timeout", required_argument, NULL, 6 }, { "sent-log", required_argument, NULL, 'l' },
		{ "retry-failed", no_argument, NULL, 7 }, { "suppress", required_argument, NULL, 's' },
		{ "events", required_argument, NULL, 'E' }, { "progress", no_argument, NULL, 8 },
		{ "key-file", required_argument, NULL, 9 }, { "suppress-refused", no_argument, NULL, 10 },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static struct run r;
	static char user[512], pass[512];
	struct smtp_opts so = { 0 };
	const char *authfile = NULL, *logpath = NULL, *suppath = NULL, *evpath = NULL, *keypath = NULL;
	struct err e = { 0, "" };
	long timeout = 120;
	int c, i, evfd, status = EXIT_OK;

	cli_init(argv[0]);
	r.rate = 10;
	r.retries = 3;
	r.backoff = 2;
	while ((c = getopt_long(argc, argv, "E:f:hl:r:s:u:V", opts, NULL)) != -1) {
		switch (c) {
		case 'E': evpath = optarg; break;
		case 'f': r.env_from = optarg; break;
		case 'h': usage(stdout); return cli_close_out(stdout, "-");
		case 'l': logpath = optarg; break;
		case 'r':
			if (cli_parse_double("--rate", optarg, 0, 100000, &r.rate) < 0)
				return EXIT_USAGE;
			break;
		case 's': suppath = optarg; break;
		case 'u': so.url = optarg; break;
		case 'V': return cli_version();
		case 1: so.starttls = 1; break;
		case 2: so.cacert = optarg; break;
		case 3: authfile = optarg; break;
		case 4:
			if (cli_parse_long("--retries", optarg, 0, 20, &r.retries) < 0)
				return EXIT_USAGE;
			break;
		case 5:
			if (cli_parse_double("--backoff", optarg, 0, 3600, &r.backoff) < 0)
				return EXIT_USAGE;
			break;
		case 6:
			if (cli_parse_long("--timeout", optarg, 1, 86400, &timeout) < 0)
				return EXIT_USAGE;
			break;
		case 7: r.retry_failed = 1; break;
		case 8: r.progress = 1; break;
		case 9: keypath = optarg; break;
		case 10: r.suppress_refused = ""; break;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (so.url == NULL)
		return cli_usage_error("--url is required");
	if (r.env_from != NULL && !mime_addr_valid(r.env_from))
		return cli_usage_error("--from: '%s' is not a valid address", r.env_from);
	if ((status = credentials(authfile, user, sizeof user, pass, sizeof pass)) != 0)
		return status;
	so.user = user[0] ? user : NULL;
	so.password = pass;
	so.timeout = timeout;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return cli_fail(EXIT_SOFTWARE, "curl_global_init failed");
	if (smtp_init(&r.smtp, &so, &e) < 0)
		return e.code == EXIT_USAGE ? cli_usage_error("%s", e.msg) : cli_fail_err(&e);
	if (linktoken_keys_load(&r.keys, keypath, "RECMAIL_UNSUB_KEY", &e) < 0)
		return cli_fail_err(&e);
	suppress_init(&r.sup);
	if (suppath && suppress_load(&r.sup, suppath, &e) < 0)
		return cli_fail_err(&e);
	r.use_sup = suppath != NULL;
	if (r.suppress_refused != NULL && (r.suppress_refused = suppath) == NULL)
		return cli_usage_error("--suppress-refused needs --suppress");
	if (logpath && sentlog_open(&r.log, logpath, &e) < 0)
		return cli_fail_err(&e);
	r.use_log = logpath != NULL;
	if (r.use_log && r.log.bad > 0)
		cli_warn("%s: %ld unreadable lines skipped", logpath, r.log.bad);
	if (r.use_log && r.log.unresolved > 0)
		cli_warn("%s: %ld messages were being sent when a run stopped: sending them again",
		    logpath, r.log.unresolved);
	if (evpath && ((evfd = fmode_open(evpath, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0 ||
	    (r.events = fdopen(evfd, "a")) == NULL))
		return cli_fail(EXIT_CANTCREAT, "%s: %s", evpath, strerror(errno));
	r.progress = cli_want_progress(r.progress);
	for (i = optind; (i == optind || i < argc) && !r.fatal && status == EXIT_OK; i++) {
		struct mbox_in in;
		const char *path = i < argc ? argv[i] : "-", *msg;
		size_t n;
		int rc;

		if (mbox_in_open(&in, path, &e) < 0) {
			status = cli_fail_err(&e);
			mbox_in_close(&in);
			break;
		}
		while ((rc = mbox_in_next(&in, &msg, &n, &e)) > 0) {
			if (deliver(&r, mbox_in_where(&in), msg, n, &e) < 0) {
				status = cli_fail_err(&e);
				break;
			}
			if (r.progress)
				fprintf(stderr, "\rmailsend: %ld accepted, %ld deferred", r.accepted, r.deferred);
		}
		if (rc < 0)
			status = cli_fail_err(&e);
		mbox_in_close(&in);
	}
	if (r.progress)
		fprintf(stderr, "\n");
	if (r.progress || r.deferred || r.failed || r.suppressed || r.bad)
		cli_warn("%ld accepted, %ld already done, %ld deferred, %ld refused, %ld suppressed, "
	    "%ld unusable", r.accepted, r.skipped, r.deferred, r.failed, r.suppressed, r.bad);
	if (r.events != NULL && cli_close_out(r.events, evpath) != 0 && status == EXIT_OK)
		status = EXIT_IO;
	if (status == EXIT_OK)
		status = r.deferred ? EXIT_TEMPFAIL : r.bad ? EXIT_DATA : r.failed ? EXIT_PARTIAL : EXIT_OK;
	if (r.use_log)
		sentlog_close(&r.log);
	suppress_free(&r.sup);
	linktoken_keys_free(&r.keys);
	smtp_free(&r.smtp);
	buf_free(&r.hv);
	curl_global_cleanup();
	memset(pass, 0, sizeof pass);
	return status;
}
