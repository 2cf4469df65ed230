/* promptbatch.h - recommendation lines made into prompt records, in input order, on the batch engine */
#ifndef RECMAIL_PROMPTBATCH_H
#define RECMAIL_PROMPTBATCH_H

#include <stdio.h>

#include "base/batch.h"
#include "base/err.h"
#include "write/prompt.h"

/* What each worker thread owns. */
struct promptbatch_worker {
	struct prompt_writer pw;
	struct prompt_stats st;
};

/*
 * One run of mkprompt (docs/mkprompt.md). The caller sets the first group, then calls
 * promptbatch_init, promptbatch_start and promptbatch_run.
 */
struct promptbatch {
	const char *in_name;        /* the input, for messages */
	FILE *out;                  /* the records */
	FILE *rej;                  /* a rejects line per user without a record; NULL: warn */
	int skip_bad;               /* a bad line is reported and skipped, not the end */
	void (*warn)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
	void (*progress)(long lines);       /* every 16384 lines; NULL: none */
	const struct prompt_db *db;
	const struct prompt_tmpl *t;
	const struct prompt_opts *o;
	/* the run */
	long lines, prompts, rejected, skipped, by[PROMPT_NOUTCOMES];
	struct prompt_stats st;     /* the workers' counts, summed by promptbatch_run */
	struct promptbatch_worker *w;
	int nw, nwinit;
	struct batch batch;         /* a worker frees the parsed line before it takes another slot */
};

/* Allocates the jobs workers and their prompt writers (for r->o). Returns 0, or -1 with e set
 * (EXIT_OSERR); promptbatch_free it either way. */
int promptbatch_init(struct promptbatch *r, int jobs, struct err *e);

/* Starts the batch engine, per_job lines per worker in a batch. Returns 0, or -1 with e set. */
int promptbatch_start(struct promptbatch *r, size_t per_job, struct err *e);

/*
 * Writes a prompt record (docs/FORMATS.md 2.5) for every recommendation line of in that gets
 * one, in input order, and a reject for the others; counts every outcome. Returns 0, or -1
 * with e set when the run must stop: a bad line without skip_bad (EXIT_DATA, "name:N: ..."),
 * a write or read error (EXIT_IO), no memory.
 */
int promptbatch_run(struct promptbatch *r, FILE *in, struct err *e);

void promptbatch_free(struct promptbatch *r);

#endif
