/* trackd - serves the click, open and one-click unsubscribe links of our emails and records their events */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <microhttpd.h>

#include "base/cli.h"
#include "base/exitcode.h"
#include "mail/suppress.h"
#include "measure/eventlog.h"
#include "measure/track.h"

#define BODY_MAX 1024

struct server {
	struct track_conf conf;
	struct linktoken_keys keys;
	struct eventlog log;
	const char *suppress;
	struct suppress sup;    /* only its key: unsubscribed addresses are written as keyed hashes */
	/* counters: updated from several threads, read at exit */
	unsigned long served[6];
	unsigned long failed;
};

/* A POST's body, gathered over the calls of the access handler. */
struct upload {
	char s[BODY_MAX + 1];
	size_t n;
	int too_big;
};

static const unsigned char gif[] = {
	0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
	0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
};
static struct upload no_body;   /* the marker of a GET or HEAD whose headers were seen */
static const char not_found_text[] = "not found\n";
static const char unavailable_text[] = "temporarily unavailable\n";

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: trackd --events FILE --suppress FILE [options]\n"
	    "Serves the links mailfmt writes (docs/trackd.md): GET /c?t=TOKEN redirects to the\n"
	    "signed product link and records a click; GET /o?t=TOKEN is a 1x1 GIF and records an\n"
	    "open; GET /u?t=TOKEN asks to confirm, POST /u?t=TOKEN (RFC 8058 one-click) adds the\n"
	    "address to the suppression list, synced, and records an unsubscribe. Anything else\n"
	    "is a plain 404 and records nothing.\n"
	    "  -E, --events FILE        NDJSON events (FORMATS 2.7), appended (required)\n"
	    "  -s, --suppress FILE      suppression list to add unsubscribed addresses to (required)\n"
	    "      --suppress-key-file FILE  the list's key: addresses are added as its keyed hash\n"
	    "                           (default: RECMAIL_SUPPRESS_KEY or RECMAIL_SUPPRESS_KEY_FILE)\n"
	    "  -k, --key-file FILE      link keys, one a line, as mailfmt's --unsub-key-file\n"
	    "                           (default: the RECMAIL_UNSUB_KEY environment variable)\n"
	    "  -l, --listen ADDR        IPv4 address to bind (default 127.0.0.1)\n"
	    "  -p, --port N             TCP port (default 8025; 0: any, printed on stderr)\n"
	    "      --sync-ms N          write and sync the events every N ms (default 200)\n"
	    "      --click-days N       clicks and opens expire N days after sending (default 90)\n"
	    "      --prefetch-seconds N an open within N s of sending is flagged machine (default 30)\n"
	    "      --threads N          worker threads (default 2)\n"
	    "      --model MODEL        epoll (default), poll: --threads polling threads;\n"
	    "                           per-connection: one thread per connection (bench/trackd.sh)\n"
	    "      --timeout SECONDS    drop a connection idle this long (default 10)\n"
	    "      --max-connections N  at most N connections at once (default 1000)\n"
	    "  -h, --help               this help\n"
	    "  -V, --version            version\n"
	    "SIGHUP reopens the events file (logrotate); SIGTERM and SIGINT stop after syncing.\n"
	    "example: trackd --key-file /etc/recmail/link-keys --events /var/lib/recmail/events.ndjson \\\n"
	    "             --suppress /var/lib/recmail/suppress.ndjson --port 8025\n");
}

static enum MHD_Result
send_buf(struct MHD_Connection *c, unsigned status, const void *p, size_t n,
    enum MHD_ResponseMemoryMode mode, const char *type, const char *location)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(n, (void *)p, mode);
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (strncmp(type, "text/html", 9) == 0)
		MHD_add_response_header(r, "Content-Security-Policy",
		    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
	if (location != NULL)
		MHD_add_response_header(r, "Location", location);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static const char *
arg(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

/* Records what a requires (the suppression first, then the event). Returns 0, or -1. */
static int
record(struct server *s, const struct track_answer *a)
{
	struct err e;
	int rc = 0;

	if (a->suppress != NULL &&
	    suppress_append(&s->sup, s->suppress, a->suppress, "unsubscribe", (long long)time(NULL), &e) < 0)
		rc = -1;
	else if (a->event.len > 0)
		rc = a->sync ? eventlog_append_sync(&s->log, a->event.s, a->event.len, &e) :
		    eventlog_append(&s->log, a->event.s, a->event.len, &e);
	if (rc < 0) {
		__atomic_add_fetch(&s->failed, 1, __ATOMIC_RELAXED);
		cli_warn("%s", e.msg);
	}
	return rc;
}

static enum MHD_Result
answer(struct server *s, struct MHD_Connection *c, const char *url, const char *method,
    struct upload *up)
{
	struct track_answer a;
	struct track_req r = { 0 };
	struct buf page;
	enum MHD_Result rc;

	r.path = url;
	r.post = strcmp(method, "POST") == 0;
	r.body = up ? up->s : NULL;
	r.t = arg(c, "t"), r.u = arg(c, "u"), r.c = arg(c, "c");
	r.r = arg(c, "r"), r.s = arg(c, "s"), r.e = arg(c, "e");
	r.ua = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT);
	r.accept_lang = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language");
	r.now = time(NULL);
	track_answer_init(&a);
	buf_init(&page);
	if (track_decide(&s->conf, &r, &a) < 0 || record(s, &a) < 0) {
		rc = send_buf(c, MHD_HTTP_SERVICE_UNAVAILABLE, unavailable_text,
		    sizeof unavailable_text - 1, MHD_RESPMEM_PERSISTENT, "text/plain", NULL);
		goto done;
	}
	__atomic_add_fetch(&s->served[a.page], 1, __ATOMIC_RELAXED);
	switch (a.page) {
	case TRACK_REDIRECT:
		rc = send_buf(c, MHD_HTTP_FOUND, "", 0, MHD_RESPMEM_PERSISTENT, "text/plain",
		    a.location);
		break;
	case TRACK_PIXEL:
		rc = send_buf(c, MHD_HTTP_OK, gif, sizeof gif, MHD_RESPMEM_PERSISTENT, "image/gif", NULL);
		break;
	case TRACK_HEALTH:
		rc = send_buf(c, MHD_HTTP_OK, "ok\n", 3, MHD_RESPMEM_PERSISTENT, "text/plain", NULL);
		break;
	case TRACK_NOT_FOUND:
		/* an unsubscribe link that fails says so in the customer's language */
		if (strcmp(url, "/u") != 0) {
			rc = send_buf(c, MHD_HTTP_NOT_FOUND, not_found_text, sizeof not_found_text - 1,
			    MHD_RESPMEM_PERSISTENT, "text/plain", NULL);
			break;
		}
		/* FALLTHROUGH */
	default:
		if (track_page_html(&page, &a) < 0) {
			rc = MHD_NO;
			break;
		}
		rc = send_buf(c, a.page == TRACK_NOT_FOUND ? MHD_HTTP_NOT_FOUND : MHD_HTTP_OK, page.s,
		    page.len, MHD_RESPMEM_MUST_COPY, "text/html; charset=utf-8", NULL);
	}
done:
	buf_free(&page);
	track_answer_free(&a);
	return rc;
}

/*
 * MHD calls this first with the headers, then with each piece of the body, then once with
 * none: the answer goes on that last call (an answer on the first call closes the connection).
 */
static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *data, size_t *size, void **con_cls)
{
	struct server *s = cls;
	struct upload *up = *con_cls;
	int post = strcmp(method, "POST") == 0;

	if (!post && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return send_buf(c, MHD_HTTP_METHOD_NOT_ALLOWED, not_found_text,
		    sizeof not_found_text - 1, MHD_RESPMEM_PERSISTENT, "text/plain", NULL);
	if (up == NULL) {
		if (post && (up = calloc(1, sizeof *up)) == NULL)
			return MHD_NO;
		*con_cls = post ? up : &no_body;
		return MHD_YES;
	}
	if (*size > 0) {
		if (up == &no_body || up->n + *size > BODY_MAX)
			up->too_big = up != &no_body;
		else
			memcpy(up->s + up->n, data, *size), up->n += *size;
		*size = 0;
		return MHD_YES;
	}
	if (up == &no_body)
		return answer(s, c, url, method, NULL);
	up->s[up->n] = '\0';
	if (up->too_big)
		return send_buf(c, MHD_HTTP_CONTENT_TOO_LARGE, not_found_text, sizeof not_found_text - 1,
		    MHD_RESPMEM_PERSISTENT, "text/plain", NULL);
	return answer(s, c, url, method, up);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
	if (*con_cls != &no_body)
		free(*con_cls);
	*con_cls = NULL;
}

struct cfg {
	const char *events, *keyfile, *listen, *supkey;
	long port, sync_ms, click_days, prefetch, threads, timeout, maxconn;
	unsigned flags;         /* --model: libmicrohttpd's threading */
};

/* Parses argv. Returns -1 to go on, else the exit status. */
static int
parse(int argc, char **argv, struct cfg *g, struct server *s)
{
	static const struct option opts[] = {
		{ "events", required_argument, NULL, 'E' }, { "suppress", required_argument, NULL, 's' },
		{ "key-file", required_argument, NULL, 'k' }, { "listen", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' }, { "sync-ms", required_argument, NULL, 1 },
		{ "click-days", required_argument, NULL, 2 },
		{ "prefetch-seconds", required_argument, NULL, 3 },
		{ "threads", required_argument, NULL, 4 }, { "timeout", required_argument, NULL, 5 },
		{ "max-connections", required_argument, NULL, 6 },
		{ "suppress-key-file", required_argument, NULL, 7 }, { "model", required_argument, NULL, 8 },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c, bad = 0;

	while ((c = getopt_long(argc, argv, "E:hk:l:p:s:V", opts, NULL)) != -1) {
		switch (c) {
		case 'E': g->events = optarg; break;
		case 'h': usage(stdout); return cli_close_out(stdout, "-");
		case 'k': g->keyfile = optarg; break;
		case 'l': g->listen = optarg; break;
		case 'p': bad |= cli_parse_long("--port", optarg, 0, 65535, &g->port); break;
		case 's': s->suppress = optarg; break;
		case 'V': return cli_version();
		case 1: bad |= cli_parse_long("--sync-ms", optarg, 1, 60000, &g->sync_ms); break;
		case 2: bad |= cli_parse_long("--click-days", optarg, 1, 3650, &g->click_days); break;
		case 3: bad |= cli_parse_long("--prefetch-seconds", optarg, 0, 3600, &g->prefetch); break;
		case 4: bad |= cli_parse_long("--threads", optarg, 1, 64, &g->threads); break;
		case 5: bad |= cli_parse_long("--timeout", optarg, 1, 3600, &g->timeout); break;
		case 6: bad |= cli_parse_long("--max-connections", optarg, 1, 100000, &g->maxconn); break;
		case 7: g->supkey = optarg; break;
		case 8:
			if (strcmp(optarg, "per-connection") == 0)
				g->flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD;
			else if (strcmp(optarg, "poll") == 0 || strcmp(optarg, "epoll") == 0)
				g->flags = optarg[0] == 'p' ? MHD_USE_POLL_INTERNAL_THREAD :
				    MHD_USE_EPOLL_INTERNAL_THREAD;
			else
				return cli_usage_error("--model: '%s' is not epoll, poll or per-connection", optarg);
			break;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (bad)
		return EXIT_USAGE;
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (g->events == NULL || s->suppress == NULL)
		return cli_usage_error("--events and --suppress are required");
	return -1;
}

int
main(int argc, char **argv)
{
	static struct server s;
	struct cfg g = { NULL, NULL, "127.0.0.1", NULL, 8025, 200, 90, 30, 2, 10, 1000,
	    MHD_USE_EPOLL_INTERNAL_THREAD };
	struct sockaddr_in sa = { 0 };
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	struct err e = { 0, "" };
	sigset_t sigs;
	int status, sig;

	cli_init(argv[0]);
	if ((status = parse(argc, argv, &g, &s)) >= 0)
		return status;
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)g.port);
	if (inet_pton(AF_INET, g.listen, &sa.sin_addr) != 1)
		return cli_usage_error("--listen: '%s' is not an IPv4 address", g.listen);
	linktoken_keys_init(&s.keys);
	if (linktoken_keys_load(&s.keys, g.keyfile, "RECMAIL_UNSUB_KEY", &e) < 0)
		return cli_fail_err(&e);
	if (s.keys.n == 0)
		return cli_usage_error("no link key: give --key-file or RECMAIL_UNSUB_KEY");
	suppress_init(&s.sup);
	if ((status = suppress_key_load(&s.sup, g.supkey, &e)) < 0)
		return e.code == EXIT_USAGE ? cli_usage_error("%s", e.msg) : cli_fail_err(&e);
	if (status == 0)
		cli_warn("%s: no suppression key: unsubscribed addresses are written in clear (set %s "
		    "or %s, docs/PRIVACY.md)", s.suppress, SUPPRESS_KEY_ENV, SUPPRESS_KEY_FILE_ENV);
	s.conf = (struct track_conf){ &s.keys, g.click_days * 86400, g.click_days * 86400, g.prefetch };
	if (eventlog_open(&s.log, g.events, g.sync_ms, &e) < 0)
		return cli_fail_err(&e);
	if (s.log.repaired > 0)
		cli_warn("%s: cut a torn last line of %ld bytes", g.events, s.log.repaired);
	/* the signals go to sigwait below, not to the server's threads */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* a thread pool is for the polling models only */
	d = MHD_start_daemon(g.flags | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    handler, &s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_THREAD_POOL_SIZE,
	    (unsigned)((g.flags & MHD_USE_THREAD_PER_CONNECTION) ? 0 : g.threads),
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)g.timeout,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)g.maxconn,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
	if (d == NULL) {
		eventlog_close(&s.log, &e);
		return cli_fail(EXIT_UNAVAIL, "cannot listen on %s:%ld", g.listen, g.port);
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	cli_warn("listening on %s:%u", g.listen, info ? info->port : (unsigned)g.port);
	while (sigwait(&sigs, &sig) == 0 && sig == SIGHUP)
		eventlog_reopen(&s.log);
	MHD_stop_daemon(d);
	status = EXIT_OK;
	if (eventlog_close(&s.log, &e) < 0)
		status = cli_fail_err(&e);
	cli_warn("%lu clicks, %lu opens, %lu unsubscribe pages, %lu unsubscribed, %lu not found, "
	    "%lu failed", s.served[TRACK_REDIRECT], s.served[TRACK_PIXEL], s.served[TRACK_ASK],
	    s.served[TRACK_DONE], s.served[TRACK_NOT_FOUND], s.failed);
	linktoken_keys_free(&s.keys);
	suppress_free(&s.sup);
	return s.failed && status == EXIT_OK ? EXIT_IO : status;
}
