/* llmbatch.c - the llmcall engine: a bounded window of records, a pool of transfers, one event loop */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/exitcode.h"
#include "base/lines.h"
#include "write/guard.h"
#include "write/http.h"
#include "data/ids.h"
#include "write/llmbatch.h"
#include "base/ndjson.h"
#include "write/ratelimit.h"
#include "write/writer.h"

#define MAX_BODY (8L * 1024 * 1024)
#define WHY_MAX 512

enum state { S_FREE, S_QUEUED, S_FLIGHT, S_DONE };

/* One record in the window. */
struct rec {
	enum state st;
	long seq, lineno;
	json_t *rec;                /* the input record */
	json_t *msgs;               /* messages to send (the record's, or with feedback) */
	char *body;                 /* request body */
	size_t bodylen;
	char key[CACHE_KEY_LEN + 1];
	int cacheable;
	int attempts, retries, guarded;
	int lengthened;             /* re-asked once with a raised token limit after "length" */
	long max_tokens;            /* this record's completion budget (raised after "length") */
	int64_t not_before;
	double est;                 /* estimated tokens of the request */
	long usage[3];              /* prompt, completion, total tokens over all attempts */
	int usage_known;
	struct http_req *req;
	char *line;                 /* the finished output line */
	enum outcome { O_OK, O_FAILED, O_NOT_SENT, O_BAD_INPUT } outcome; /* counted when written */
	enum via { V_NET, V_TEMPLATE, V_CACHE, V_RESUME } via;             /* likewise */
};

/* The resume index: ids that succeeded in an earlier output, and where their line is. */
struct resume {
	struct ids ids;
	off_t *off;
	size_t *len;                /* the line's length, without its newline */
	size_t cap;
	FILE *fp;
	char *buf;
	size_t bufcap;
};

/* The longest line of an earlier output that is resumed: a reply body is at most 8 MiB
 * (too_large), escaped in "content"; a longer line is no llmcall output. */
#define RESUME_LINE_MAX ((size_t)32 * 1024 * 1024)

struct run {
	const struct llmbatch_opts *o;
	struct llmbatch_stats *st;
	FILE *out;
	struct rec *slots;
	long nslots;
	long *freestack, nfree;     /* --unordered */
	long used;
	long next_seq, write_seq;
	struct http http;
	int http_on;
	struct http_req *pool;
	long *poolfree, npoolfree;
	struct ratelimit rl;
	struct resume rs;
	int have_resume;
	uint64_t rng;
	int64_t t0;
	int stop;                   /* EXIT_TEMPFAIL or EXIT_UNAVAIL once the run stops sending */
	char stopwhy[400];
	char stopmsg[512];
	int bad;                    /* a malformed line ended the reading */
	struct err baderr;
	char last_fail[128];        /* the circuit breaker: the last non-retryable failure */
	long same_fails;            /* and how many in a row */
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the resume index ---- */

/*
 * Indexes the ok lines of an earlier output, read with the bounded line reader: a
 * line over RESUME_LINE_MAX, or an endless input such as /dev/zero, is an error
 * after a bounded amount of reading, not a spin or a growing buffer.
 */
static int
resume_load(struct resume *rs, FILE *fp, const char *name, struct err *e)
{
	struct lines lr;
	char *line;
	size_t n;
	json_t *v;
	const char *id;
	int64_t ix;
	int rc;

	memset(rs, 0, sizeof *rs);
	ids_init(&rs->ids);
	rs->fp = fp;
	if (lines_init(&lr, fp, name, RESUME_LINE_MAX, e) < 0)
		return -1;
	while ((rc = lines_next(&lr, &line, &n, e)) > 0) {
		/* a torn last line (a killed run) is simply not resumed */
		if (!lr.ended || (v = json_loadb(line, n, 0, NULL)) == NULL)
			continue;
		id = ndjson_str(v, "id");
		if (id != NULL && json_is_true(json_object_get(v, "ok"))) {
			ix = ids_intern(&rs->ids, id, strlen(id), e);
			if (ix < 0) {
				json_decref(v);
				continue; /* an id with a NUL: cannot be matched, redone */
			}
			if ((size_t)ix >= rs->cap) {
				size_t ncap = rs->cap ? rs->cap * 2 : 1024;
				off_t *no = realloc(rs->off, ncap * sizeof *no);
				size_t *nl;

				if (no != NULL)
					rs->off = no;
				if (no == NULL || (nl = realloc(rs->len, ncap * sizeof *nl)) == NULL) {
					json_decref(v);
					lines_free(&lr);
					return err_nomem(e);
				}
				rs->len = nl;
				rs->cap = ncap;
			}
			rs->off[ix] = (off_t)lr.off;
			rs->len[ix] = n;
		}
		json_decref(v);
	}
	lines_free(&lr);
	if (rc < 0)
		return err_prefix(e, "--resume");
	return 0;
}

/* The earlier output line of id (without its newline), or NULL. */
static const char *
resume_find(struct resume *rs, const char *id)
{
	int64_t ix = ids_find(&rs->ids, id, strlen(id));
	size_t n;

	if (ix < 0 || fseeko(rs->fp, rs->off[ix], SEEK_SET) != 0)
		return NULL;
	n = rs->len[ix];
	if (n + 1 > rs->bufcap) {
		char *nb = realloc(rs->buf, n + 1);

		if (nb == NULL)
			return NULL;
		rs->buf = nb;
		rs->bufcap = n + 1;
	}
	if (fread(rs->buf, 1, n, rs->fp) != n)
		return NULL;
	rs->buf[n] = '\0';
	return rs->buf;
}

static void
resume_free(struct resume *rs)
{
	ids_free(&rs->ids);
	free(rs->off);
	free(rs->len);
	free(rs->buf);
}

/* ---- finishing records ---- */

static const json_t *
rec_meta(const struct rec *r)
{
	const json_t *m = json_object_get(r->rec, "meta");

	return m;
}

static void
rec_clear(struct rec *r)
{
	json_decref(r->rec);
	json_decref(r->msgs);
	free(r->body);
	free(r->line);
	memset(r, 0, sizeof *r);
}

/* Stores the output line of r (obj is consumed) and marks it done; its outcome is counted
 * when the line is written, so that the summary's ok and failed never exceed its done. */
static int
finish(struct run *x, struct rec *r, json_t *obj, int ok, struct err *e)
{
	if (obj == NULL)
		return err_nomem(e);
	r->line = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(obj);
	if (r->line == NULL)
		return err_nomem(e);
	llm_redact(r->line, x->o->secret);
	json_decref(r->rec);
	json_decref(r->msgs);
	free(r->body);
	r->rec = r->msgs = NULL;
	r->body = NULL;
	r->st = S_DONE;
	if (ok)
		r->outcome = O_OK;
	else if (r->outcome != O_NOT_SENT && r->outcome != O_BAD_INPUT)
		r->outcome = O_FAILED;
	return 0;
}

/* The meta to write: the record's, or an empty object. */
static json_t *
meta_ref(const struct rec *r)
{
	const json_t *m = r->rec ? rec_meta(r) : NULL;

	return json_is_object(m) ? json_incref((json_t *)m) : json_object();
}

static json_t *
id_ref(const struct rec *r)
{
	json_t *id = r->rec ? json_object_get(r->rec, "id") : NULL;

	return json_is_string(id) ? json_incref(id) : json_null();
}

static json_t *
usage_obj(const long u[3])
{
	return json_pack("{s:I, s:I, s:I}", "prompt_tokens", (json_int_t)u[0],
	    "completion_tokens", (json_int_t)u[1], "total_tokens", (json_int_t)u[2]);
}

static int
finish_fail(struct run *x, struct rec *r, long status, const char *type, const char *msg, struct err *e)
{
	json_t *obj;

	r->outcome = strcmp(type, "not_sent") == 0 ? O_NOT_SENT :
	    strcmp(type, "bad_input") == 0 ? O_BAD_INPUT : O_FAILED;
	obj = json_pack("{s:o, s:b, s:{s:i, s:s, s:s, s:i}, s:o}", "id", id_ref(r), "ok", 0,
	    "error", "status", (json_int_t)status, "type", type, "message", msg,
	    "attempts", (json_int_t)r->attempts, "meta", meta_ref(r));
	if (obj != NULL && r->usage_known && json_object_set_new(obj, "usage", usage_obj(r->usage)) != 0) {
		json_decref(obj);
		obj = NULL;
	}
	return finish(x, r, obj, 0, e);
}

static int
finish_ok(struct run *x, struct rec *r, const char *content, size_t len, const char *model,
    json_t *usage, long latency, struct err *e)
{
	json_t *obj;

	obj = json_pack("{s:o, s:b, s:s%, s:s, s:o, s:I, s:i, s:o}", "id", id_ref(r), "ok", 1,
	    "content", content, len, "model", model, "usage", usage ? usage : json_object(),
	    "latency_ms", (json_int_t)latency, "attempts", (json_int_t)r->attempts, "meta", meta_ref(r));
	/* which cache entry holds this reply: what pipelines/forget removes for its customer */
	if (obj != NULL && x->o->cache != NULL && r->cacheable &&
	    json_object_set_new(obj, "cache_key", json_string(r->key)) != 0) {
		json_decref(obj);
		obj = NULL;
	}
	return finish(x, r, obj, 1, e);
}

/* Fills why when the content (already unwrapped) is not a valid email for meta.
 * Returns 0 valid, 1 invalid, -1 out of memory. */
static int
check(const struct rec *r, const char *content, size_t len, char *why)
{
	const json_t *meta = rec_meta(r);
	json_t *empty = NULL;
	int rc;

	if (meta == NULL)
		meta = empty = json_object();
	rc = guard_check(meta, content, len, why, WHY_MAX);
	json_decref(empty);
	return rc;
}

/* ---- starting records ---- */

static int
is_template(const struct run *x, const struct rec *r)
{
	const char *v;
	size_t i;

	if (x->o->template_all)
		return 1;
	v = ndjson_str(rec_meta(r), "variant");
	for (i = 0; v != NULL && i < x->o->ntemplate_variants; i++)
		if (strcmp(v, x->o->template_variants[i]) == 0)
			return 1;
	return 0;
}

static int
do_template(struct run *x, struct rec *r, struct err *e)
{
	char why[WHY_MAX];
	int64_t t = now_ms();
	struct err we = { 0, "" };
	const json_t *meta = rec_meta(r);
	json_t *empty = NULL;
	long zero[3] = { 0, 0, 0 };
	char *text;
	int rc;

	if (meta == NULL)
		meta = empty = json_object();
	text = writer_compose(meta, &we);
	json_decref(empty);
	r->via = V_TEMPLATE;
	if (text == NULL) {
		if (we.code == EXIT_OSERR)
			return err_nomem(e);
		return finish_fail(x, r, 0, "template_error", we.msg, e);
	}
	rc = check(r, text, strlen(text), why);
	if (rc < 0) {
		free(text);
		return err_nomem(e);
	}
	if (rc == 0)
		rc = finish_ok(x, r, text, strlen(text), "template", usage_obj(zero), (long)(now_ms() - t), e);
	else
		rc = finish_fail(x, r, 0, "invalid_output", why, e);
	free(text);
	return rc;
}

/* Sets r->body from r->msgs. */
static int
build_body(struct run *x, struct rec *r, struct err *e)
{
	struct llm_params p = x->o->params;
	json_t *req;

	if (r->max_tokens > 0)
		p.max_tokens = r->max_tokens;
	req = llm_request(r->msgs, json_object_get(r->rec, "response_format"), &p);
	free(r->body);
	r->body = req ? json_dumps(req, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
	json_decref(req);
	if (r->body == NULL)
		return err_nomem(e);
	r->bodylen = strlen(r->body);
	r->est = llm_estimate_tokens(r->msgs, p.max_tokens);
	return 0;
}

/* A cache hit that still passes the guardrails finishes r: returns 1; 0 on a miss. */
static int
from_cache(struct run *x, struct rec *r, struct err *e)
{
	const char *parts[3] = { "recmail-llmcall-cache-1", x->o->base_url ? x->o->base_url : "", r->body };
	size_t lens[3] = { strlen(parts[0]), strlen(parts[1]), r->bodylen };
	char why[WHY_MAX], *data = NULL;
	json_t *v, *content;
	size_t len;
	int rc;

	if (cache_key(parts, lens, 3, r->key, e) != 0)
		return -1;
	r->cacheable = 1;
	if (cache_get(x->o->cache, r->key, &data, &len, e) < 0)
		return -1;
	if (data == NULL)
		return 0;
	if (llm_secret_in(data, len, x->o->secret)) {
		free(data);
		return 0; /* never served: asked again, and only a clean reply replaces it */
	}
	v = json_loadb(data, len, 0, NULL);
	free(data);
	content = json_object_get(v, "content");
	if (!json_is_string(content)) {
		json_decref(v);
		return 0; /* not an entry we wrote: asked again and replaced */
	}
	rc = check(r, json_string_value(content), json_string_length(content), why);
	if (rc == 0)
		rc = finish_ok(x, r, json_string_value(content), json_string_length(content),
		    ndjson_str(v, "model") ? ndjson_str(v, "model") : "",
		    json_incref(json_object_get(v, "usage")), 0, e) == 0 ? 1 : -1;
	else if (rc < 0)
		rc = err_nomem(e);
	else
		rc = 0;
	if (rc == 1)
		r->via = V_CACHE;
	json_decref(v);
	return rc;
}

/* Decides what happens to a record just read. */
static int
begin(struct run *x, struct rec *r, struct err *e)
{
	const char *line;
	int rc;

	if (x->have_resume && (line = resume_find(&x->rs, ndjson_str(r->rec, "id"))) != NULL) {
		r->via = V_RESUME;
		r->outcome = O_OK;
		r->line = strdup(line);
		if (r->line == NULL)
			return err_nomem(e);
		json_decref(r->rec);
		r->rec = NULL;
		r->st = S_DONE;
		return 0;
	}
	if (x->stop)
		return finish_fail(x, r, 0, "not_sent", x->stopmsg, e);
	if (is_template(x, r))
		return do_template(x, r, e);
	r->msgs = json_incref(json_object_get(r->rec, "messages"));
	if (build_body(x, r, e) != 0)
		return -1;
	if (x->o->cache != NULL) {
		rc = from_cache(x, r, e);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
	}
	r->st = S_QUEUED;
	r->not_before = 0;
	return 0;
}

/* ---- the window ---- */

static struct rec *
slot_take(struct run *x)
{
	long i;

	if (x->o->unordered) {
		if (x->nfree == 0)
			return NULL;
		i = x->freestack[--x->nfree];
	} else {
		i = x->next_seq % x->nslots;
		if (x->slots[i].st != S_FREE)
			return NULL;
	}
	x->used++;
	x->slots[i].seq = x->next_seq++;
	return &x->slots[i];
}

static int
write_rec(struct run *x, struct rec *r, struct err *e)
{
	size_t n = strlen(r->line);

	if (fwrite(r->line, 1, n, x->out) != n || putc('\n', x->out) == EOF)
		return err_set(e, EXIT_IO, "write error: %s", strerror(errno ? errno : EIO));
	x->st->records++;
	if (r->outcome == O_OK)
		x->st->ok++;
	else
		x->st->failed++;
	if (r->outcome == O_NOT_SENT)
		x->st->not_sent++;
	else if (r->outcome == O_BAD_INPUT)
		x->st->bad_input++;
	if (r->via == V_TEMPLATE)
		x->st->templated++;
	else if (r->via == V_CACHE)
		x->st->cached++;
	else if (r->via == V_RESUME)
		x->st->resumed++;
	rec_clear(r);
	x->used--;
	if (x->o->unordered)
		x->freestack[x->nfree++] = r - x->slots;
	return 0;
}

/* Writes every finished record that may be written now. */
static int
flush_done(struct run *x, struct err *e)
{
	long i;

	if (x->o->unordered) {
		for (i = 0; i < x->nslots; i++)
			if (x->slots[i].st == S_DONE && write_rec(x, &x->slots[i], e) != 0)
				return -1;
		return 0;
	}
	while (x->write_seq < x->next_seq && x->slots[x->write_seq % x->nslots].st == S_DONE) {
		if (write_rec(x, &x->slots[x->write_seq % x->nslots], e) != 0)
			return -1;
		x->write_seq++;
	}
	return 0;
}

/* Reads records while the window has room. */
static int
fill(struct run *x, struct ndjson_reader *rd, int *eof, struct err *e)
{
	struct err le;
	json_t *obj;
	struct rec *r;
	int rc;

	while (!*eof && !x->bad) {
		if ((r = slot_take(x)) == NULL)
			return 0;
		le.code = 0;
		le.msg[0] = '\0';
		rc = ndjson_next(rd, &obj, NULL, &le);
		if (rc == 0) {
			*eof = 1;
			x->used--;
			x->next_seq--;
			if (x->o->unordered)
				x->freestack[x->nfree++] = r - x->slots;
			return 0;
		}
		r->lineno = ndjson_lineno(rd);
		if (rc < 0 && le.code != EXIT_DATA) {
			*e = le;
			return -1;
		}
		if (rc > 0 && llm_record_check(obj, &le) != 0)
			err_prefix(&le, "%s:%ld", rd->lines.name, r->lineno);
		r->rec = obj;
		if (le.code == EXIT_DATA) {
			if (!x->o->skip_bad && !x->stop) {
				/* stop reading; what came before is completed and written */
				x->bad = 1;
				x->baderr = le;
				json_decref(r->rec);
				r->rec = NULL;
				x->used--;
				x->next_seq--;
				if (x->o->unordered)
					x->freestack[x->nfree++] = r - x->slots;
				return 0;
			}
			if (finish_fail(x, r, 0, "bad_input", le.msg, e) != 0)
				return -1;
			continue;
		}
		if (begin(x, r, e) != 0)
			return -1;
	}
	return 0;
}

/* ---- sending and answers ---- */

static int
send_rec(struct run *x, struct rec *r, int64_t now, struct err *e)
{
	struct http_req *q = &x->pool[x->poolfree[--x->npoolfree]];

	q->user = r;
	if (http_start(&x->http, q, x->o->url, x->o->headers, r->body, r->bodylen, x->o->timeout_ms,
	    MAX_BODY, e) != 0) {
		x->poolfree[x->npoolfree++] = q - x->pool;
		return -1;
	}
	ratelimit_take(&x->rl, r->est, now);
	r->req = q;
	r->attempts++;
	r->st = S_FLIGHT;
	x->st->requests++;
	return 0;
}

/* Starts queued records in input order while transfers and the rate limits allow;
 * *wake receives the earliest time something queued may go. */
static int
send_queued(struct run *x, int64_t now, int64_t *wake, struct err *e)
{
	long k, i, base = x->o->unordered ? 0 : x->write_seq % x->nslots;
	int64_t w;
	struct rec *r;

	for (k = 0; k < x->nslots && x->npoolfree > 0; k++) {
		i = (base + k) % x->nslots;
		r = &x->slots[i];
		if (r->st != S_QUEUED)
			continue;
		if (r->not_before > now) {
			if (r->not_before < *wake)
				*wake = r->not_before;
			continue;
		}
		if ((w = ratelimit_wait(&x->rl, r->est, now)) > 0) {
			if (now + w < *wake)
				*wake = now + w;
			break;
		}
		if (send_rec(x, r, now, e) != 0)
			return -1;
	}
	return 0;
}

/* Stops sending: queued records become not_sent, new ones too. */
static int
stop_run(struct run *x, int code, const char *why, struct err *e)
{
	long i;

	if (x->stop)
		return 0;
	x->stop = code;
	snprintf(x->stopwhy, sizeof x->stopwhy, "%s", why);
	snprintf(x->stopmsg, sizeof x->stopmsg, "not sent: the run stopped (%s)", why);
	for (i = 0; i < x->nslots; i++)
		if (x->slots[i].st == S_QUEUED && finish_fail(x, &x->slots[i], 0, "not_sent", x->stopmsg, e) != 0)
			return -1;
	return 0;
}

static void
add_usage(struct rec *r, const struct llm_reply *rep)
{
	if (rep->total_tokens < 0)
		return;
	r->usage_known = 1;
	r->usage[0] += rep->prompt_tokens > 0 ? rep->prompt_tokens : 0;
	r->usage[1] += rep->completion_tokens > 0 ? rep->completion_tokens : 0;
	r->usage[2] += rep->total_tokens;
}

/* Counts a non-retryable failure: the o->breaker-th identical one (status and
 * type) in a row stops the run as unusable. */
static int
breaker(struct run *x, long status, const char *type, struct err *e)
{
	char k[sizeof x->last_fail], why[300];

	snprintf(k, sizeof k, "HTTP %ld, %s", status, type);
	if (strcmp(k, x->last_fail) == 0) {
		x->same_fails++;
	} else {
		memcpy(x->last_fail, k, sizeof k);
		x->same_fails = 1;
	}
	if (x->o->breaker <= 0 || x->same_fails < x->o->breaker)
		return 0;
	snprintf(why, sizeof why, "circuit breaker: %ld identical failures in a row (%s)",
	    x->same_fails, x->last_fail);
	return stop_run(x, EXIT_UNAVAIL, why, e);
}

/* Counts an attempt's tokens and their cost; a budget reached stops the run (resumable). */
static int
spend(struct run *x, struct rec *r, const struct llm_reply *rep, struct err *e)
{
	const struct llmbatch_opts *o = x->o;
	struct llmbatch_stats *st = x->st;
	char why[200];

	ratelimit_settle(&x->rl, r->est, rep->total_tokens >= 0 ? (double)rep->total_tokens : r->est);
	if (rep->total_tokens < 0)
		return 0;
	add_usage(r, rep);
	st->tokens += rep->total_tokens;
	if (rep->prompt_tokens >= 0 && rep->completion_tokens >= 0) {
		st->prompt_tokens += rep->prompt_tokens;
		st->completion_tokens += rep->completion_tokens;
		st->cost += ((double)rep->prompt_tokens * o->price_in +
		    (double)rep->completion_tokens * o->price_out) / 1000.0;
	} else {   /* only a total: priced at the dearer rate */
		st->cost += (double)rep->total_tokens *
		    (o->price_in > o->price_out ? o->price_in : o->price_out) / 1000.0;
	}
	if ((o->max_tokens_total > 0 && st->tokens >= o->max_tokens_total) ||
	    (o->max_cost > 0 && st->cost >= o->max_cost)) {
		snprintf(why, sizeof why, "budget reached: %lld tokens, estimated cost %.4f spent",
		    st->tokens, st->cost);
		return stop_run(x, EXIT_TEMPFAIL, why, e);
	}
	return 0;
}

/* finish_reason "length": asked once more with twice the token limit, else truncated. */
static int
lengthen(struct run *x, struct rec *r, struct err *e)
{
	long cur = r->max_tokens > 0 ? r->max_tokens : x->o->params.max_tokens;
	char msg[200];

	if (cur > 0 && !r->lengthened && !x->stop) {
		r->lengthened = 1;
		r->max_tokens = cur > LLM_MAX_TOKENS / 2 ? LLM_MAX_TOKENS : cur * 2;
		if (build_body(x, r, e) != 0)
			return -1;
		r->st = S_QUEUED;
		r->not_before = 0;
		return 0;
	}
	snprintf(msg, sizeof msg, "the reply was cut off at the token limit (finish_reason \"length\", "
	    "%s %ld)", x->o->params.token_param ? x->o->params.token_param : "max_tokens", cur);
	return finish_fail(x, r, 200, "truncated", msg, e);
}

/* A 2xx reply: refused or truncated, else checked; asked again once with the reason, or finished. */
static int
accept_reply(struct run *x, struct rec *r, struct llm_reply *rep, long latency, struct err *e)
{
	char why[WHY_MAX], *entry, *answer_text;
	size_t off, off0, n;
	json_t *fb, *usage;
	int rc;

	if (rep->refusal != NULL) {
		snprintf(why, sizeof why, "%s", rep->refusal);
		return finish_fail(x, r, 200, "refused", why, e);
	}
	if (strcmp(rep->finish_reason, "length") == 0)
		return lengthen(x, r, e);
	n = llm_strip_reasoning(rep->content, rep->len, &off0);
	n = llm_unwrap_fence(rep->content + off0, n, &off);
	off += off0;
	rc = check(r, rep->content + off, n, why);
	if (rc < 0)
		return err_nomem(e);
	if (rc > 0) {
		if (r->guarded || x->stop)
			return finish_fail(x, r, 200, "invalid_output", why, e);
		r->guarded = 1;
		/* the answer only: a reasoning model's thoughts are not sent back */
		if ((answer_text = strndup(rep->content + off0, rep->len - off0)) == NULL)
			return err_nomem(e);
		fb = llm_feedback(r->msgs, answer_text, why);
		free(answer_text);
		if (fb == NULL)
			return err_nomem(e);
		json_decref(r->msgs);
		r->msgs = fb;
		if (build_body(x, r, e) != 0)
			return -1;
		r->st = S_QUEUED;
		r->not_before = 0;
		return 0;
	}
	usage = r->usage_known ? usage_obj(r->usage) : json_object();
	if (x->o->cache != NULL && r->cacheable && usage != NULL) {
		json_t *ent = json_pack("{s:s%, s:s, s:O}", "content", rep->content + off, n,
		    "model", rep->model[0] ? rep->model : x->o->params.model, "usage", usage);

		entry = ent ? json_dumps(ent, JSON_COMPACT) : NULL;
		json_decref(ent);
		if (entry == NULL) {
			json_decref(usage);
			return err_nomem(e);
		}
		rc = cache_put(x->o->cache, r->key, entry, strlen(entry), e);
		free(entry);
		if (rc != 0) {
			json_decref(usage);
			return -1;
		}
	}
	x->same_fails = 0;
	x->last_fail[0] = '\0';
	return finish_ok(x, r, rep->content + off, n, rep->model[0] ? rep->model : x->o->params.model,
	    usage, latency, e);
}

/* A 2xx holding the key (or a part of it): its tokens are counted, nothing of it is used. */
static int
key_echoed(struct run *x, struct rec *r, const struct http_req *q, struct err *e)
{
	struct llm_reply rep;
	struct err pe = { 0, "" };

	if (llm_parse_reply(q->body.s, q->body.len, &rep, &pe) == 0) {
		int rc = spend(x, r, &rep, e);

		llm_reply_free(&rep);
		if (rc != 0)
			return -1;
	}
	if (finish_fail(x, r, q->status, "key_echoed", "the reply contains the API key (or a part "
	    "of it): not used and not cached", e) != 0)
		return -1;
	return breaker(x, q->status, "key_echoed", e);
}

/* Our name for a failed attempt's kind. */
static const char *
fail_type(const struct http_req *q, const struct llm_error *le, const char *fallback)
{
	if (q->result == CURLE_OPERATION_TIMEDOUT)
		return "timeout";
	if (q->too_big)
		return "too_large";
	if (q->result != CURLE_OK)
		return "network";
	if (le->type[0])
		return le->type;
	if (le->code[0])
		return le->code;
	if (q->status == 429)
		return "rate_limited";
	if (q->status >= 500)
		return "server_error";
	return fallback;
}

static int
answer(struct run *x, struct rec *r, int64_t now, struct err *e)
{
	struct http_req *q = r->req;
	struct llm_error le;
	struct llm_reply rep;
	struct err pe = { 0, "" };
	char msg[512];
	enum llm_action act;
	long ra, delay;
	int rc;

	r->req = NULL;
	x->poolfree[x->npoolfree++] = q - x->pool;
	memset(&le, 0, sizeof le);
	if (q->result == CURLE_OK && (q->status < 200 || q->status >= 300))
		llm_parse_error(q->body.s, q->body.len, &le);
	ratelimit_observe(&x->rl, now, q->rl_remaining_requests, q->rl_remaining_tokens,
	    q->rl_reset_requests, q->rl_reset_tokens);
	/* an error's type or code that echoes the key is not ours to repeat */
	if (llm_secret_in(le.type, strlen(le.type), x->o->secret))
		snprintf(le.type, sizeof le.type, "key_echoed");
	if (llm_secret_in(le.code, strlen(le.code), x->o->secret))
		snprintf(le.code, sizeof le.code, "key_echoed");
	act = llm_classify(q->status, (int)q->result, &le);
	if (act == LLM_ACCEPT && llm_secret_in(q->body.s, q->body.len, x->o->secret))
		return key_echoed(x, r, q, e);
	if (act == LLM_ACCEPT) {
		if (llm_parse_reply(q->body.s ? q->body.s : "", q->body.len, &rep, &pe) == 0) {
			rc = spend(x, r, &rep, e);
			if (rc == 0)
				rc = accept_reply(x, r, &rep, q->total_ms, e);
			llm_reply_free(&rep);
			return rc;
		}
		act = LLM_RETRY; /* a garbled 2xx: the server's fault, like a 5xx */
		snprintf(le.type, sizeof le.type, "bad_response");
		snprintf(le.message, sizeof le.message, "%.*s", (int)sizeof le.message - 1, pe.msg);
	}
	/* the message shown: never the key, whatever the server echoes */
	if (q->too_big)
		snprintf(msg, sizeof msg, "the reply is larger than %ld bytes", MAX_BODY);
	else if (q->result != CURLE_OK)
		snprintf(msg, sizeof msg, "%s", q->errbuf[0] ? q->errbuf : curl_easy_strerror(q->result));
	else if (q->status == 401 || q->status == 403)
		snprintf(msg, sizeof msg, "the endpoint refused the credentials (HTTP %ld)", q->status);
	else if (le.message[0])
		snprintf(msg, sizeof msg, "%s", le.message);
	else
		snprintf(msg, sizeof msg, "HTTP %ld", q->status);
	llm_redact(msg, x->o->secret);

	switch (act) {
	case LLM_RETRY:
		if (x->stop)
			return finish_fail(x, r, q->status, "not_sent", x->stopmsg, e);
		if (r->retries >= x->o->max_retries)
			return finish_fail(x, r, q->status, fail_type(q, &le, "http_error"), msg, e);
		r->retries++;
		x->st->retries++;
		delay = llm_backoff_ms(r->retries, x->o->backoff_base_ms, x->o->backoff_cap_ms, &x->rng);
		ra = q->result == CURLE_OK ? llm_retry_after_ms(q->retry_after, time(NULL)) : -1;
		if (ra >= 0) {
			if (ra > delay)
				delay = ra;
			if (q->status == 429 || q->status == 503)
				ratelimit_hold(&x->rl, now + ra);
		}
		r->not_before = now + delay;
		r->st = S_QUEUED;
		return 0;
	case LLM_STOP_QUOTA:
		if (finish_fail(x, r, q->status, "insufficient_quota", msg, e) != 0)
			return -1;
		return stop_run(x, EXIT_TEMPFAIL, "insufficient_quota", e);
	case LLM_STOP_UNUSABLE: {
		char why[600];

		if (finish_fail(x, r, q->status, fail_type(q, &le, "endpoint_unusable"), msg, e) != 0)
			return -1;
		snprintf(why, sizeof why, "endpoint unusable: %s", msg);
		return stop_run(x, EXIT_UNAVAIL, why, e);
	}
	default:
		if (finish_fail(x, r, q->status, fail_type(q, &le, "http_error"), msg, e) != 0)
			return -1;
		return breaker(x, q->status, fail_type(q, &le, "http_error"), e);
	}
}

/* ---- the loop ---- */

static int
setup(struct run *x, struct err *e)
{
	const struct llmbatch_opts *o = x->o;
	long i, npool = o->parallel > 0 ? o->parallel : 1;

	x->nslots = o->window > npool ? o->window : npool;
	x->slots = calloc((size_t)x->nslots, sizeof *x->slots);
	x->freestack = calloc((size_t)x->nslots, sizeof *x->freestack);
	x->pool = calloc((size_t)npool, sizeof *x->pool);
	x->poolfree = calloc((size_t)npool, sizeof *x->poolfree);
	if (!x->slots || !x->freestack || !x->pool || !x->poolfree)
		return err_nomem(e);
	for (i = 0; i < x->nslots; i++)
		x->freestack[x->nfree++] = x->nslots - 1 - i;
	for (i = 0; i < npool; i++)
		x->poolfree[x->npoolfree++] = npool - 1 - i;
	if (!o->template_all) {
		if (http_init(&x->http, npool, e) != 0)
			return -1;
		x->http_on = 1;
	}
	x->t0 = now_ms();
	ratelimit_init(&x->rl, o->rpm, o->tpm, x->t0);
	x->rng = (uint64_t)time(NULL) * 6364136223846793005ULL ^ (uint64_t)getpid() ^ (uint64_t)x->t0;
	if (o->resume != NULL) {
		if (resume_load(&x->rs, o->resume, o->resume_name, e) != 0)
			return -1;
		x->have_resume = 1;
	}
	return 0;
}

static void
teardown(struct run *x)
{
	long i, npool = x->o->parallel > 0 ? x->o->parallel : 1;

	for (i = 0; x->slots != NULL && i < x->nslots; i++) {
		if (x->slots[i].req != NULL && x->http_on)
			http_cancel(&x->http, x->slots[i].req);
		rec_clear(&x->slots[i]);
	}
	for (i = 0; x->pool != NULL && i < npool; i++)
		http_req_release(&x->pool[i]);
	if (x->http_on)
		http_free(&x->http);
	if (x->have_resume)
		resume_free(&x->rs);
	free(x->slots);
	free(x->freestack);
	free(x->pool);
	free(x->poolfree);
}

static int
loop(struct run *x, struct ndjson_reader *rd, struct err *e)
{
	const struct llmbatch_opts *o = x->o;
	int64_t now, wake, last_progress = now_ms();
	struct http_req *q;
	int eof = 0;

	for (;;) {
		if (fill(x, rd, &eof, e) != 0)
			return -1;
		now = now_ms();
		wake = now + 1000;
		if (x->http_on && send_queued(x, now, &wake, e) != 0)
			return -1;
		if (flush_done(x, e) != 0)
			return -1;
		x->st->elapsed_ms = now - x->t0;
		if (o->progress != NULL && o->progress_ms > 0 && now - last_progress >= o->progress_ms) {
			o->progress(x->st, o->progress_arg);
			last_progress = now;
		}
		if ((eof || x->bad) && x->used == 0)
			return 0;
		if (!x->http_on)
			continue; /* the offline writer never waits */
		if (http_wait(&x->http, (long)(wake > now ? wake - now : 0), e) != 0)
			return -1;
		now = now_ms();
		while ((q = http_done(&x->http)) != NULL)
			if (answer(x, q->user, now, e) != 0)
				return -1;
	}
}

void
llmbatch_summary(const struct llmbatch_stats *s, const struct llmbatch_opts *o, char *buf, size_t n)
{
	double secs = (double)s->elapsed_ms / 1000.0;
	char cost[96];

	if (o->price_in > 0 || o->price_out > 0)
		snprintf(cost, sizeof cost, "estimated cost %.4f", s->cost);
	else
		snprintf(cost, sizeof cost, "estimated cost unknown (no --price-in/--price-out)");
	snprintf(buf, n, "%ld done, %ld ok, %ld failed (%ld not sent, %ld bad input), %ld cached, "
	    "%ld resumed, %ld template; %ld requests, %ld retries, %lld tokens (%lld prompt, %lld "
	    "completion), %s, %.1f s, %.1f requests/s", s->records, s->ok, s->failed, s->not_sent,
	    s->bad_input, s->cached, s->resumed, s->templated, s->requests, s->retries, s->tokens,
	    s->prompt_tokens, s->completion_tokens, cost, secs,
	    secs > 0 ? (double)s->requests / secs : 0.0);
}

int
llmbatch_run(const struct llmbatch_opts *o, FILE *in, const char *inname, FILE *out,
    struct llmbatch_stats *st, struct err *e)
{
	struct ndjson_reader rd;
	struct run x;
	int rc;

	memset(&x, 0, sizeof x);
	memset(st, 0, sizeof *st);
	x.o = o;
	x.st = st;
	x.out = out;
	if (ndjson_init(&rd, in, inname, 0, e) != 0)
		return -1;
	rc = setup(&x, e);
	if (rc == 0)
		rc = loop(&x, &rd, e);
	st->elapsed_ms = now_ms() - x.t0;
	teardown(&x);
	ndjson_free(&rd);
	if (rc != 0)
		return -1;
	if (x.bad) {
		*e = x.baderr;
		llm_redact(e->msg, o->secret);
		return -1;
	}
	if (x.stop) {
		err_set(e, x.stop, "stopped: %s; %ld record%s not sent, rerun with --resume",
		    x.stopwhy, st->not_sent, st->not_sent == 1 ? "" : "s");
		llm_redact(e->msg, o->secret);
		return -1;
	}
	return st->failed > 0 ? 1 : 0;
}
