/* batch.c - the batch engine: read NDJSON lines, build a batch of them on the pool, write in order */
#include <stdlib.h>
#include <string.h>

#include "base/batch.h"
#include "base/exitcode.h"
#include "base/ndjson.h"

int
batch_default_jobs(int max)
{
	int n = pool_cpus();

	return n < max ? n : max;
}

struct batch_slot *
batch_slot_at(const struct batch *b, const char *set, size_t k)
{
	return (struct batch_slot *)(void *)(set + k * b->ops->slot_size);
}

int
batch_init(struct batch *b, const struct batch_ops *ops, void *ctx, int jobs,
    size_t per_job, struct err *e)
{
	memset(b, 0, sizeof *b);
	b->ops = ops;
	b->ctx = ctx;
	b->jobs = jobs;
	b->nslot = per_job * (size_t)jobs;
	if ((b->slots = calloc(2 * b->nslot, ops->slot_size)) == NULL)
		return err_nomem(e);
	b->cur = b->slots;
	if ((b->pool = pool_start(jobs, e)) == NULL)
		return -1;
	return 0;
}

/*
 * pool_fn, once on every worker: worker 0 writes the batch built before (the other workers go
 * on building meanwhile), then each takes slots of the new batch until none are left.
 */
static void
build(void *arg, size_t w, int wi)
{
	struct batch *b = arg;
	size_t i;

	(void)wi;
	if (w == 0)
		for (i = 0; i < b->nprev && b->emit_rc == 0; i++)
			b->emit_rc = b->ops->emit(b->ctx, batch_slot_at(b, b->prev, i), &b->emit_e);
	if (b->ops->pinned) {
		for (i = w; i < b->ncur; i += (size_t)b->jobs)
			b->ops->build(b->ctx, (int)w, batch_slot_at(b, b->cur, i));
		return;
	}
	while ((i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED)) < b->ncur)
		b->ops->build(b->ctx, (int)w, batch_slot_at(b, b->cur, i));
}

/* Builds the n slots read into cur while prev is written; cur is then the other set. */
static int
flush(struct batch *b, size_t n, struct err *e)
{
	b->ncur = n;
	b->next = 0;
	pool_each(b->pool, build, b);
	b->prev = b->cur;
	b->nprev = n;
	b->cur = b->slots + (size_t)(++b->batches % 2) * b->nslot * b->ops->slot_size;
	if (b->emit_rc < 0) {
		*e = b->emit_e;
		return -1;
	}
	return 0;
}

/* Writes the last batch built. */
static int
drain(struct batch *b, struct err *e)
{
	size_t i, n = b->nprev;

	b->nprev = 0;
	for (i = 0; i < n; i++)
		if (b->ops->emit(b->ctx, batch_slot_at(b, b->prev, i), e) < 0)
			return -1;
	return 0;
}

/* Keeps a copy of the line in slot s. 0, or -1 when out of memory. */
static int
keep(struct batch_slot *s, const char *line, size_t len, long lineno)
{
	buf_reset(&s->line);
	if (buf_add(&s->line, line, len) < 0)
		return -1;
	s->lineno = lineno;
	s->unread = 0;
	return 0;
}

int
batch_run(struct batch *b, FILE *in, const char *name, size_t maxline, struct err *e)
{
	struct ndjson_reader rd;
	size_t n = 0, len;
	char *line;
	int rc;

	b->emit_rc = 0;
	b->nprev = 0;
	if (ndjson_init(&rd, in, name, maxline, e) < 0)
		return -1;
	while ((rc = ndjson_next_line(&rd, &line, &len, e)) != 0) {
		struct batch_slot *s = batch_slot_at(b, b->cur, n);

		if (rc < 0 && e->code != EXIT_DATA)
			break;
		if (rc < 0) {
			/* an over-long line: reported in its place */
			s->lineno = ndjson_lineno(&rd);
			s->unread = 1;
			s->e = *e;
		} else if (keep(s, line, len, ndjson_lineno(&rd)) < 0) {
			rc = err_nomem(e);
			break;
		}
		rc = 0;
		if (++n == b->nslot) {
			rc = flush(b, n, e);
			n = 0;
			if (rc < 0)
				break;
		}
	}
	if (rc == 0 || b->emit_rc == 0) {
		struct err fe = { 0, "" };

		/* what was read before a read error is still written, as it was one at a time; an
		 * error in it comes first in the input, so it is the one reported */
		if ((n > 0 && flush(b, n, &fe) < 0) || drain(b, &fe) < 0) {
			*e = fe;
			rc = -1;
		}
	}
	ndjson_free(&rd);
	return rc < 0 ? -1 : 0;
}

void
batch_free(struct batch *b)
{
	pool_stop(b->pool);
	for (size_t k = 0; b->slots != NULL && k < 2 * b->nslot; k++) {
		struct batch_slot *s = batch_slot_at(b, b->slots, k);

		if (b->ops->release != NULL)
			b->ops->release(b->ctx, s);
		buf_free(&s->line);
	}
	free(b->slots);
	memset(b, 0, sizeof *b);
}
