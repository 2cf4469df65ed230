/* live.h - real-time scoring: a loaded model generation, concurrent requests batched into one matrix product, atomic swaps */
#ifndef RECMAIL_LIVE_H
#define RECMAIL_LIVE_H

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>

#include "base/err.h"
#include "data/model.h"
#include "recommend/mfrec.h"
#include "recommend/recfilter.h"

/* What a generation is loaded from: topk's options (the same files are read again on a reload). */
struct live_conf {
	const char *model;
	const struct recfilter_opts *f;
	const struct mfrec_opts *mo;
};

/* One loaded model with its filters and scorer; used by one batch at a time. */
struct live_gen {
	struct model m;
	struct recfilter f;
	struct mfrec r;
	unsigned long id;       /* 1, 2, ... in load order (set by live_start / live_swap) */
	double load_seconds;    /* wall time live_gen_load took */
};

/*
 * Loads c's model, --seen, --exclude and --catalog and prepares the scorer, as
 * topk does. Returns a new generation, or NULL with e set as model_load,
 * recfilter_load_* or mfrec_init set it (EXIT_NOINPUT, EXIT_DATA, EXIT_IO, EXIT_OSERR).
 */
struct live_gen *live_gen_load(const struct live_conf *c, struct err *e);
void live_gen_free(struct live_gen *g);

/*
 * One request: a user line as topk reads it ({"user":ID,"items":...}), answered
 * with the recommendation line (FORMATS 2.4) cut to its first n recommendations.
 * done(q, arg) is called once, from the batching thread, when status and body
 * are set: 200 and the line (body, len; malloc'd, the request's free), 400 and
 * a reason in why for a bad line, 500 (why set) when the scorer failed, 503
 * when the queue has stopped.
 */
struct live_req {
	json_t *line;           /* taken by live_submit */
	int n;                  /* 1 .. the generation's n */
	int status;
	char *body;
	size_t len;
	char why[160];
	unsigned long gen;      /* the generation that answered */
	void (*done)(struct live_req *q, void *arg);
	void *arg;
	struct live_req *next;
};

struct live_stats {
	unsigned long batches, answered, bad, failed, biggest, swaps;
};

struct live {
	pthread_mutex_t mu;
	pthread_cond_t more, swapped;
	struct live_req *head, *tail;
	size_t max_batch;
	struct live_gen *cur, *next, *old;
	unsigned long ids;
	int stop, started;
	pthread_t th;
	struct live_stats st;
};

/*
 * Starts the batching thread serving g (taken). It takes every request queued
 * (at most max_batch, at most the scorer's block) into one batch: one sgemm
 * scores them all, so concurrent requests share the product. Returns 0, or -1
 * with e set (EXIT_OSERR).
 */
int live_start(struct live *l, struct live_gen *g, size_t max_batch, struct err *e);

/* Queues q; done is called later from the batching thread (at once, 503, after live_stop). */
void live_submit(struct live *l, struct live_req *q);

/*
 * Makes g (taken) the generation the next batch uses and returns the one it
 * replaces once no batch uses it any more: a batch in flight finishes on the
 * old generation, every later one is on g. The caller frees what is returned.
 */
struct live_gen *live_swap(struct live *l, struct live_gen *g);

/* Answers what is queued, stops the thread and frees the generation. */
void live_stop(struct live *l);

#define LIVE_MAX_USER 1024      /* bytes of a request's user id */
#define LIVE_MAX_ITEMS 1000     /* items of one request's context */

/*
 * The user line of a request's parameters (each NULL when absent): user, 1 to
 * LIVE_MAX_USER bytes of UTF-8; n, 1..max_n (default max_n) into *n; items, the
 * session's context, either JSON as topk's "items" ({"I1":5} or ["I1"]) or ids
 * separated by commas (each worth 1), at most LIVE_MAX_ITEMS. Returns
 * {"user":U[,"items":...]}, or NULL with *why the reason (a bad request).
 */
json_t *live_request(const char *user, const char *n, const char *items, int max_n, int *nout,
    const char **why);

/* A copy of the counters and the current generation's id. */
void live_stats(struct live *l, struct live_stats *st, unsigned long *gen);

/* The counters as /healthz's JSON object (docs/recserve.md), in buf. */
void live_health(struct live *l, char *buf, size_t size);

#endif
