/* recserve - real-time recommendations over HTTP on 127.0.0.1: topk's answers, requests batched, models swapped on SIGHUP */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cblas.h>
#include <microhttpd.h>

#include "base/cli.h"
#include "base/exitcode.h"
#include "recommend/live.h"

static const char usage_text[] =
"usage: recserve --model FILE [options]\n"
"\n"
"Serves topk's recommendation lines (docs/FORMATS.md 2.4) over HTTP for the\n"
"shop's own back end (docs/recserve.md); binds 127.0.0.1 unless told otherwise:\n"
"  GET /v1/recommendations?user=ID[&n=N][&items=I1,I2 | &items={\"I1\":5}]\n"
"  GET /healthz\n"
"Unknown users get the cold-start answer; items (the session) are folded in.\n"
"Concurrent requests are scored in one matrix product. SIGHUP loads the model,\n"
"--seen, --exclude and --catalog again beside the old ones and swaps atomically\n"
"(a bad model is refused and logged); SIGTERM and SIGINT stop after answering.\n"
"\n"
"options:\n"
"  -m, --model FILE          the factor model (kind=model), required\n"
"  -n, --count N             most recommendations per answer, 1..10000 (default 10)\n"
"  -s, --seen FILE           ratings container: never recommend what a user has\n"
RECFILTER_USAGE_RULES
"      --fold-reg L          fold-in regularization (default: the model's reg, else 0.1)\n"
"      --fold-alpha A        fold-in iALS confidence (default: the model's alpha, else 1)\n"
"      --min-similarity S    a reason names a history item only above cosine S\n"
"  -l, --listen ADDR         IPv4 address to bind (default 127.0.0.1)\n"
"  -p, --port N              TCP port (default 8026; 0: any, printed on stderr)\n"
"      --threads N           HTTP threads (default 2)\n"
"      --batch N             most requests scored in one product (default 256)\n"
"      --blas-threads N      threads of each product (default 1: the HTTP threads need cores)\n"
"      --timeout SECONDS     drop a connection idle this long (default 10)\n"
"      --max-connections N   at most N connections at once (default 1000)\n"
"  -h, --help                show this help\n"
"  -V, --version             show the version\n"
"\n"
"exit status: 0 stopped; 64 usage; 65 bad model or data; 66 cannot open an input;\n"
"69 cannot listen; 71 out of memory.\n"
"\n"
"example:\n"
"  recserve --model model.st --seen train.st --catalog catalog.ndjson -n 10 --port 8026\n"
"  curl 'http://127.0.0.1:8026/v1/recommendations?user=c1&n=5&items=sku3'\n";

struct server {
	struct live live;
	int max_n;
	unsigned long http[6];  /* 200, 400, 404, 405, 500, 503 */
};

/* One request, from its headers to its answer (MHD's per-request pointer). */
struct call {
	struct live_req q;
	struct MHD_Connection *c;
	int state;              /* 0 new, 1 scoring (suspended), 2 answered */
};

static int sigpipe_fd[2] = { -1, -1 };

static void
on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;

	if (write(sigpipe_fd[1], &b, 1) < 0)
		b = 0;  /* the pipe is full: a signal is already pending */
	errno = saved;
}

static enum MHD_Result
send_json(struct server *s, struct MHD_Connection *c, unsigned status, const char *body,
    size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
	    MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	__atomic_add_fetch(&s->http[status == 200 ? 0 : status == 400 ? 1 : status == 404 ? 2 :
	    status == 405 ? 3 : status == 503 ? 5 : 4], 1, __ATOMIC_RELAXED);
	return rc;
}

/* {"error":why} with status. */
static enum MHD_Result
send_error(struct server *s, struct MHD_Connection *c, unsigned status, const char *why)
{
	json_t *o = json_pack("{s:s}", "error", why);
	char *t = o ? json_dumps(o, JSON_COMPACT) : NULL;
	enum MHD_Result rc = t ? send_json(s, c, status, t, strlen(t)) : MHD_NO;

	free(t);
	json_decref(o);
	return rc;
}

/* MHD's iterator over the query: refuses a parameter that is unknown or given twice. */
struct argcheck {
	int seen[3];
	const char *bad;
};

static enum MHD_Result
check_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	static const char *const names[] = { "user", "n", "items" };
	struct argcheck *a = cls;

	for (int i = 0; i < 3; i++)
		if (strcmp(key, names[i]) == 0) {
			if (a->seen[i]++ > 0)
				a->bad = "a parameter is given twice";
			return a->bad ? MHD_NO : MHD_YES;
		}
	a->bad = "unknown parameter (user, n and items are known)";
	return MHD_NO;
}

/* Builds the user line of a request; returns it, or NULL with why set (400). */
static json_t *
request_line(struct MHD_Connection *c, int max_n, int *n, const char **why)
{
	struct argcheck ac = { { 0 }, NULL };

	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, check_arg, &ac);
	if ((*why = ac.bad) != NULL)
		return NULL;
	return live_request(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "user"),
	    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "n"),
	    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "items"), max_n, n, why);
}

/* From the batching thread: the answer is ready; MHD calls the handler again. */
static void
scored(struct live_req *q, void *arg)
{
	struct call *k = arg;

	__atomic_store_n(&k->state, 2, __ATOMIC_RELEASE);
	MHD_resume_connection(k->c);
}

static enum MHD_Result
health(struct server *s, struct MHD_Connection *c)
{
	char t[256];

	live_health(&s->live, t, sizeof t);
	return send_json(s, c, MHD_HTTP_OK, t, strlen(t));
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *data, size_t *size, void **con_cls)
{
	struct server *s = cls;
	struct call *k = *con_cls;
	const char *why = NULL;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return send_error(s, c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD");
	if (k == NULL) {
		if ((k = calloc(1, sizeof *k)) == NULL)
			return MHD_NO;
		k->c = c;
		*con_cls = k;
		return MHD_YES;
	}
	if (*size > 0) {
		*size = 0;      /* a GET's body is ignored */
		return MHD_YES;
	}
	switch (__atomic_load_n(&k->state, __ATOMIC_ACQUIRE)) {
	case 1:
		return MHD_YES;
	case 2:
		if (k->q.status == 200)
			return send_json(s, c, MHD_HTTP_OK, k->q.body, k->q.len);
		return send_error(s, c, (unsigned)k->q.status, k->q.why);
	default:
		break;
	}
	if (strcmp(url, "/healthz") == 0)
		return health(s, c);
	if (strcmp(url, "/v1/recommendations") != 0)
		return send_error(s, c, MHD_HTTP_NOT_FOUND, "not found");
	if ((k->q.line = request_line(c, s->max_n, &k->q.n, &why)) == NULL)
		return send_error(s, c, MHD_HTTP_BAD_REQUEST, why);
	k->q.done = scored;
	k->q.arg = k;
	k->state = 1;
	MHD_suspend_connection(c);
	live_submit(&s->live, &k->q);
	return MHD_YES;
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
	struct call *k = *con_cls;

	if (k != NULL) {
		json_decref(k->q.line);
		free(k->q.body);
		free(k);
	}
	*con_cls = NULL;
}

struct cfg {
	const char *model, *listen;
	long port, threads, batch, timeout, maxconn, blas;
	struct recfilter_opts f;
	struct mfrec_opts mo;
};

enum { O_FREG = RECFILTER_O_END, O_FALPHA, O_MINSIM, O_THREADS, O_BATCH, O_TIMEOUT, O_MAXCONN, O_BLAS };

/* Parses argv. Returns -1 to go on, else the exit status. */
static int
parse(int argc, char **argv, struct cfg *g)
{
	static const struct option own[] = {
		{ "batch", required_argument, NULL, O_BATCH },
		{ "blas-threads", required_argument, NULL, O_BLAS },
		{ "fold-alpha", required_argument, NULL, O_FALPHA },
		{ "fold-reg", required_argument, NULL, O_FREG },
		{ "help", no_argument, NULL, 'h' },
		{ "listen", required_argument, NULL, 'l' },
		{ "max-connections", required_argument, NULL, O_MAXCONN },
		{ "min-similarity", required_argument, NULL, O_MINSIM },
		{ "model", required_argument, NULL, 'm' },
		{ "port", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct option longopts[RECFILTER_NLONGOPTS + sizeof own / sizeof *own];
	int c, rc, bad = 0;

	recfilter_longopts(own, longopts);
	while ((c = getopt_long(argc, argv, "c:hl:m:n:p:s:Vx:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(usage_text, stdout); return cli_close_out(stdout, "-");
		case 'l': g->listen = optarg; break;
		case 'm': g->model = optarg; break;
		case 'p': bad |= cli_parse_long("--port", optarg, 0, 65535, &g->port); break;
		case 'V': return cli_version();
		case O_FREG: bad |= cli_parse_double("--fold-reg", optarg, 1e-9, 1e6, &g->mo.fold_reg); break;
		case O_FALPHA: bad |= cli_parse_double("--fold-alpha", optarg, 0, 1e6, &g->mo.fold_alpha); break;
		case O_MINSIM:
			bad |= cli_parse_double("--min-similarity", optarg, -1, 1, &g->mo.min_similarity);
			break;
		case O_THREADS: bad |= cli_parse_long("--threads", optarg, 1, 64, &g->threads); break;
		case O_BATCH: bad |= cli_parse_long("--batch", optarg, 1, 4096, &g->batch); break;
		case O_BLAS: bad |= cli_parse_long("--blas-threads", optarg, 1, 64, &g->blas); break;
		case O_TIMEOUT: bad |= cli_parse_long("--timeout", optarg, 1, 3600, &g->timeout); break;
		case O_MAXCONN: bad |= cli_parse_long("--max-connections", optarg, 1, 100000, &g->maxconn); break;
		case 'a': case 'o': case RECFILTER_O_BAD: case RECFILTER_O_SKIP:
			return cli_usage_error("%s is topk's, not recserve's", argv[optind - 1]);
		default:
			if ((rc = recfilter_option(&g->f, c, optarg)) >= 0)
				return rc;
		}
	}
	if (bad)
		return EXIT_USAGE;
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (g->model == NULL)
		return cli_usage_error("--model is required");
	g->mo.n = g->f.n;
	g->mo.max_per_category = g->f.max_per_category;
	return recfilter_check(&g->f);
}

/* SIGHUP: a new generation beside the old one, swapped in; a bad one is refused. */
static void
reload(struct server *s, const struct live_conf *lc)
{
	struct err e = { 0 };
	struct live_gen *g = live_gen_load(lc, &e), *old;
	struct timespec t0, t1;

	if (g == NULL) {
		cli_warn("reload refused, the old model keeps serving: %s", e.msg);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	old = live_swap(&s->live, g);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cli_warn("generation %lu: %lld users x %lld items loaded in %.3f s, swapped in %.3f ms",
	    g->id, (long long)g->m.users, (long long)g->m.items, g->load_seconds,
	    (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	live_gen_free(old);
}

int
main(int argc, char **argv)
{
	static struct server s;
	struct cfg g = { NULL, "127.0.0.1", 8026, 2, 256, 10, 1000, 1, .f = { .n = 10 },
	    .mo = { .mmr = -1, .fold_reg = -1, .fold_alpha = -1,
	    .min_similarity = MFREC_MIN_SIMILARITY, .like = { -1, RECS_ACT_NONE } } };
	struct live_conf lc = { NULL, &g.f, &g.mo };
	struct sockaddr_in sa = { 0 };
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	struct sigaction act = { 0 };
	struct live_gen *gen;
	struct err e = { 0 };
	unsigned char sig = 0;
	int rc;

	cli_init(argv[0]);
	if ((rc = parse(argc, argv, &g)) >= 0)
		goto done;
	lc.model = g.model;
	openblas_set_num_threads((int)g.blas);
	s.max_n = g.f.n;
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)g.port);
	if (inet_pton(AF_INET, g.listen, &sa.sin_addr) != 1) {
		rc = cli_usage_error("--listen: '%s' is not an IPv4 address", g.listen);
		goto done;
	}
	if ((gen = live_gen_load(&lc, &e)) == NULL || live_start(&s.live, gen, (size_t)g.batch, &e) < 0) {
		rc = cli_fail_err(&e);
		goto done;
	}
	/* signals arrive on any thread (OpenBLAS starts its own first): the handler only writes a pipe */
	if (pipe(sigpipe_fd) < 0) {
		rc = cli_fail(EXIT_OSERR, "pipe: %s", strerror(errno));
		goto stop;
	}
	act.sa_handler = on_signal;
	sigemptyset(&act.sa_mask);
	sigaction(SIGHUP, &act, NULL);
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
	    MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL, handler, &s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)g.threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)g.timeout,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)g.maxconn,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
	if (d == NULL) {
		rc = cli_fail(EXIT_UNAVAIL, "cannot listen on %s:%ld", g.listen, g.port);
		goto stop;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	cli_warn("listening on %s:%u (%lld users x %lld items, loaded in %.3f s)", g.listen,
	    info ? info->port : (unsigned)g.port, (long long)gen->m.users, (long long)gen->m.items,
	    gen->load_seconds);
	for (;;) {
		ssize_t n = read(sigpipe_fd[0], &sig, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || sig != SIGHUP)
			break;
		reload(&s, &lc);
	}
	/* no new connection; what is queued is answered; then the connections close */
	MHD_quiesce_daemon(d);
	live_stop(&s.live);
	MHD_stop_daemon(d);
	cli_warn("%lu answered, %lu bad requests, %lu not found, %lu refused methods, %lu failed",
	    s.http[0], s.http[1], s.http[2], s.http[3], s.http[4] + s.http[5]);
	rc = EXIT_OK;
	goto done;
stop:
	live_stop(&s.live);
done:
	recfilter_opts_free(&g.f);
	return rc;
}
