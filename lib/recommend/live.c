/* live.c - the batching thread of recserve: queued requests scored together, generations swapped between batches */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/exitcode.h"
#include "recommend/live.h"

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

struct live_gen *
live_gen_load(const struct live_conf *c, struct err *e)
{
	struct live_gen *g = calloc(1, sizeof *g);
	double t0 = now_s();

	if (g == NULL) {
		err_nomem(e);
		return NULL;
	}
	recfilter_init(&g->f);
	if (model_load(c->model, &g->m, e) < 0)
		goto fail;
	if (recfilter_load_lists(&g->f, c->f, &g->m.user_ids, &g->m.item_ids, c->model, e) < 0 ||
	    recfilter_load_catalog(&g->f, c->f, &g->m.item_ids, e) < 0)
		goto fail;
	/* the output stream is set per batch (an in-memory stream) */
	if (mfrec_init(&g->r, &g->m, c->mo, g->f.seen, g->f.ex, g->f.view, NULL, e) < 0)
		goto fail;
	g->load_seconds = now_s() - t0;
	return g;
fail:
	live_gen_free(g);
	return NULL;
}

void
live_gen_free(struct live_gen *g)
{
	if (g == NULL)
		return;
	mfrec_free(&g->r);
	recfilter_free(&g->f);
	if (g->m.meta != NULL || g->m.P != NULL)
		model_free(&g->m);
	free(g);
}

static void
answer(struct live_req *q, int status, const char *why)
{
	q->status = status;
	if (why != NULL)
		snprintf(q->why, sizeof q->why, "%s", why);
	json_decref(q->line);
	q->line = NULL;
	q->done(q, q->arg);
}

/* The first n recommendations of one written line (len bytes, no newline) as q's body. */
static int
take_line(struct live_req *q, const char *s, size_t len, int max_n)
{
	json_t *o, *recs;

	if (q->n >= max_n) {
		if ((q->body = malloc(len + 1)) == NULL)
			return -1;
		memcpy(q->body, s, len);
		q->body[len] = '\0';
		q->len = len;
		return 0;
	}
	if ((o = json_loadb(s, len, 0, NULL)) == NULL)
		return -1;
	recs = json_object_get(o, "recs");
	while (json_array_size(recs) > (size_t)q->n)
		json_array_remove(recs, json_array_size(recs) - 1);
	q->body = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(o);
	if (q->body == NULL)
		return -1;
	q->len = strlen(q->body);
	return 0;
}

/*
 * Scores one batch on g: every good line is queued in g's scorer (one block), one
 * flush writes their lines to an in-memory stream in order, and each request gets
 * its line.
 */
static void
score_batch(struct live *l, struct live_gen *g, struct live_req *batch)
{
	struct live_req *q, *nx, *ok = NULL, **okt = &ok;
	struct err e = { 0 };
	char *buf = NULL, *p, *end;
	size_t len = 0, nok = 0, nbad = 0, nfail = 0, nans = 0;
	FILE *ms = open_memstream(&buf, &len);
	int failed = ms == NULL;

	g->r.w.f = ms;
	for (q = batch; q != NULL; q = nx) {
		nx = q->next;
		q->gen = g->id;
		if (failed) {
			answer(q, 500, "out of memory");
			nfail++;
			continue;
		}
		/* mfrec takes the line's reference; keep one for the answer's bookkeeping */
		if (mfrec_add_line(&g->r, json_incref(q->line), &e) < 0) {
			if (e.code != EXIT_DATA)
				failed = 1;
			if (e.code == EXIT_DATA)
				nbad++;
			else
				nfail++;
			answer(q, e.code == EXIT_DATA ? 400 : 500, e.msg);
			continue;
		}
		q->next = NULL;
		*okt = q;
		okt = &q->next;
		nok++;
	}
	if (!failed && mfrec_flush(&g->r, &e) < 0)
		failed = 1;
	if (ms != NULL && fclose(ms) != 0)
		failed = 1;
	g->r.w.f = NULL;
	if (failed) {
		/* the lines a failed flush left queued are dropped, with their answers */
		for (size_t b = 0; b < g->r.bn; b++) {
			json_decref(g->r.u[b].line);
			g->r.u[b].line = NULL;
		}
		g->r.bn = 0;
	}
	p = buf;
	end = buf + (buf ? len : 0);
	for (q = ok; q != NULL; q = nx) {
		char *nl = failed ? NULL : memchr(p, '\n', (size_t)(end - p));

		nx = q->next;
		if (nl == NULL || take_line(q, p, (size_t)(nl - p), g->r.o.n) < 0) {
			answer(q, 500, failed ? (e.code ? e.msg : "scoring failed") : "answer lost");
			nfail++;
			continue;
		}
		p = nl + 1;
		answer(q, 200, NULL);
		nans++;
	}
	free(buf);
	pthread_mutex_lock(&l->mu);
	l->st.batches++;
	l->st.answered += nans;
	l->st.bad += nbad;
	l->st.failed += nfail;
	if (nok + nbad > l->st.biggest)
		l->st.biggest = nok + nbad;
	pthread_mutex_unlock(&l->mu);
}

static void *
run(void *arg)
{
	struct live *l = arg;

	pthread_mutex_lock(&l->mu);
	for (;;) {
		struct live_req *batch, **t;
		struct live_gen *g;
		size_t n = 0;

		while (l->head == NULL && l->next == NULL && !l->stop)
			pthread_cond_wait(&l->more, &l->mu);
		if (l->next != NULL) {
			/* between batches: nothing uses cur now */
			l->old = l->cur;
			l->cur = l->next;
			l->next = NULL;
			l->st.swaps++;
			pthread_cond_broadcast(&l->swapped);
		}
		if (l->head == NULL) {
			if (l->stop)
				break;
			continue;
		}
		batch = l->head;
		for (t = &l->head; *t != NULL && n < l->max_batch; t = &(*t)->next)
			n++;
		l->head = *t;
		*t = NULL;
		if (l->head == NULL)
			l->tail = NULL;
		g = l->cur;
		pthread_mutex_unlock(&l->mu);
		score_batch(l, g, batch);
		pthread_mutex_lock(&l->mu);
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

int
live_start(struct live *l, struct live_gen *g, size_t max_batch, struct err *e)
{
	memset(l, 0, sizeof *l);
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->more, NULL);
	pthread_cond_init(&l->swapped, NULL);
	l->cur = g;
	g->id = ++l->ids;
	l->max_batch = max_batch < 1 ? 1 : max_batch;
	if (l->max_batch > g->r.bcap)
		l->max_batch = g->r.bcap;
	if (pthread_create(&l->th, NULL, run, l) != 0)
		return err_set(e, EXIT_OSERR, "cannot start the batching thread");
	l->started = 1;
	return 0;
}

void
live_submit(struct live *l, struct live_req *q)
{
	q->next = NULL;
	pthread_mutex_lock(&l->mu);
	if (l->stop) {
		pthread_mutex_unlock(&l->mu);
		answer(q, 503, "shutting down");
		return;
	}
	if (l->tail != NULL)
		l->tail->next = q;
	else
		l->head = q;
	l->tail = q;
	pthread_cond_signal(&l->more);
	pthread_mutex_unlock(&l->mu);
}

struct live_gen *
live_swap(struct live *l, struct live_gen *g)
{
	struct live_gen *old;

	pthread_mutex_lock(&l->mu);
	g->id = ++l->ids;
	l->next = g;
	pthread_cond_signal(&l->more);
	while (l->next == g)
		pthread_cond_wait(&l->swapped, &l->mu);
	old = l->old;
	l->old = NULL;
	pthread_mutex_unlock(&l->mu);
	return old;
}

void
live_stop(struct live *l)
{
	if (!l->started)
		return;
	pthread_mutex_lock(&l->mu);
	l->stop = 1;
	pthread_cond_signal(&l->more);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->th, NULL);
	live_gen_free(l->cur);
	live_gen_free(l->old);
	l->cur = l->old = NULL;
	l->started = 0;         /* the lock stays: a late live_submit answers 503 */
}

void
live_stats(struct live *l, struct live_stats *st, unsigned long *gen)
{
	pthread_mutex_lock(&l->mu);
	*st = l->st;
	*gen = l->cur != NULL ? l->cur->id : 0;
	pthread_mutex_unlock(&l->mu);
}

/* The session's items: JSON as topk's "items" ({"I":v} or ["I"]), or ids separated by commas. */
static json_t *
parse_items(const char *v, const char **why)
{
	json_t *a;
	const char *p = v, *comma;

	if (*v == '{' || *v == '[') {
		if ((a = json_loads(v, JSON_REJECT_DUPLICATES, NULL)) == NULL)
			*why = "items: not valid JSON";
		else if (json_is_object(a) ? json_object_size(a) > LIVE_MAX_ITEMS : json_array_size(a) > LIVE_MAX_ITEMS)
			*why = "items: more than 1000";
		return a;
	}
	if ((a = json_array()) == NULL)
		return NULL;
	for (;;) {
		json_t *id;

		comma = strchr(p, ',');
		if ((comma ? (size_t)(comma - p) : strlen(p)) == 0) {
			*why = "items: an empty item id";
			break;
		}
		if (json_array_size(a) == LIVE_MAX_ITEMS) {
			*why = "items: more than 1000";
			break;
		}
		if ((id = json_stringn(p, comma ? (size_t)(comma - p) : strlen(p))) == NULL) {
			*why = "items: an item id is not UTF-8";
			break;
		}
		json_array_append_new(a, id);
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return a;
}

json_t *
live_request(const char *user, const char *ns, const char *items, int max_n, int *n,
    const char **why)
{
	json_t *line, *uv, *iv = NULL;
	char *end;
	long v;

	*why = NULL;
	if (user == NULL || *user == '\0')
		return *why = "user is required", NULL;
	if (strlen(user) > LIVE_MAX_USER)
		return *why = "user: longer than 1024 bytes", NULL;
	*n = max_n;
	if (ns != NULL) {
		errno = 0;
		v = strtol(ns, &end, 10);
		if (*ns == '\0' || *end != '\0' || errno != 0 || v < 1 || v > max_n)
			return *why = "n must be a whole number from 1 to the server's --count", NULL;
		*n = (int)v;
	}
	if ((uv = json_string(user)) == NULL)
		return *why = "user: not UTF-8", NULL;
	if (items != NULL && *items != '\0' && ((iv = parse_items(items, why)) == NULL || *why)) {
		json_decref(uv);
		json_decref(iv);
		if (*why == NULL)
			*why = "out of memory";
		return NULL;
	}
	line = json_object();
	if (line == NULL || json_object_set_new(line, "user", uv) < 0 ||
	    (iv != NULL && json_object_set_new(line, "items", iv) < 0)) {
		json_decref(line);
		return *why = "out of memory", NULL;
	}
	return line;
}

void
live_health(struct live *l, char *buf, size_t size)
{
	struct live_stats st;
	unsigned long gen;

	live_stats(l, &st, &gen);
	snprintf(buf, size, "{\"ok\":true,\"generation\":%lu,\"swaps\":%lu,\"batches\":%lu,"
	    "\"answered\":%lu,\"bad\":%lu,\"failed\":%lu,\"biggest_batch\":%lu}", gen, st.swaps,
	    st.batches, st.answered, st.bad, st.failed, st.biggest);
}
