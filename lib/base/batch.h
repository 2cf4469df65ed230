/* batch.h - the batch engine: read NDJSON lines, build a batch of them on the pool, write in order */
#ifndef RECMAIL_BATCH_H
#define RECMAIL_BATCH_H

#include <stddef.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/pool.h"

/* The engine's part of a slot: the caller's slot struct begins with one. */
struct batch_slot {
	struct buf line;        /* the input line (not blank, without its newline) */
	long lineno;
	int unread;             /* the reader refused the line (over-long): e says why */
	struct err e;           /* for the caller's build and emit; the reader's error when unread */
};

struct batch_ops {
	size_t slot_size;       /* sizeof the caller's slot */
	/*
	 * Builds one slot on worker w (0 <= w < the jobs), at the same time as other slots are
	 * built and as the batch before is written: it may touch only the slot and worker w's data.
	 */
	void (*build)(void *ctx, int w, struct batch_slot *s);
	/* Writes one built slot, in input order, one at a time. Returns 0, or -1 with e set to stop
	 * the run (nothing after the slot is written). */
	int (*emit)(void *ctx, struct batch_slot *s, struct err *e);
	/* Frees what build left in a slot (NULL: nothing); called once per slot by batch_free. */
	void (*release)(void *ctx, struct batch_slot *s);
	/*
	 * 0: workers take the slots of a batch as they come (the fastest). 1: slot k of a batch is
	 * always built by worker k % jobs, so that build may free what the same worker built in
	 * that slot before (malloc keeps an arena per thread; frees from another contend).
	 */
	int pinned;
};

/*
 * Two sets of slots used in turn: while the workers build the batch just read, worker 0 first
 * writes the batch built before (and then builds too). Memory is bounded by the slots.
 */
struct batch {
	const struct batch_ops *ops;
	void *ctx;
	struct pool *pool;
	int jobs;
	char *slots;            /* 2 * nslot slots of ops->slot_size bytes */
	size_t nslot;           /* slots in a batch: per_job * jobs */
	char *cur, *prev;       /* the set being read and built, the set built before */
	size_t ncur, nprev, next;
	long batches;
	int emit_rc;            /* 0, or -1 when writing prev failed: emit_e says why */
	struct err emit_e;
};

/* The default number of jobs: the online CPUs, at most max. */
int batch_default_jobs(int max);

/*
 * Allocates the slots (per_job per worker in a batch) and starts a pool of jobs workers
 * (1 to POOL_MAX); ctx is handed to every callback. Returns 0, or -1 with e set (EXIT_OSERR);
 * batch_free it either way.
 */
int batch_init(struct batch *b, const struct batch_ops *ops, void *ctx, int jobs,
    size_t per_job, struct err *e);

/*
 * Reads the NDJSON lines of in (name for messages; maxline 0: the reader's default), builds
 * them in batches and emits every slot in input order; an over-long line is a slot with unread
 * set, in its place. What was read before a read error is still built and written, and an
 * error in it comes first in the input, so it is the one returned. Returns 0 when every line
 * was emitted, or -1 with e set (emit's error, or the reader's: EXIT_IO, EXIT_OSERR).
 */
int batch_run(struct batch *b, FILE *in, const char *name, size_t maxline, struct err *e);

/* The slot k of the set s (for tests and callers that look into a batch). */
struct batch_slot *batch_slot_at(const struct batch *b, const char *set, size_t k);

/* Stops the pool, releases and frees the slots. b may be zeroed or half-initialised. */
void batch_free(struct batch *b);

#endif
