/* promptbatch.c - recommendation lines made into prompt records, in input order, on the batch engine */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "base/ndjson.h"
#include "write/promptbatch.h"

/* One input line on its way to a record: filled by a worker, written in input order. */
struct slot {
	struct batch_slot b;    /* the line, and e */
	int rc;                 /* prompt_write's result: PROMPT_OK, an outcome, or -1 with b.e */
	struct buf out;         /* the record's line */
	struct buf user;        /* the line's "user", for --rejects (empty: none) */
};

/* Writes one reject line (or a warning when there is no --rejects file). */
static int
reject(struct promptbatch *r, const char *user, long line, const char *reason, const char *error,
    struct err *e)
{
	json_t *o;
	int rc;

	r->rejected++;
	if (r->rej == NULL) {
		if (strcmp(reason, "holdout") != 0)
			r->warn("%s:%ld: user '%.64s': %s", r->in_name, line, user ? user : "?", reason);
		return 0;
	}
	o = json_pack("{s:s*,s:I,s:s,s:s*}", "user", user, "line", (json_int_t)line, "reason",
	    reason, "error", error);
	if (o == NULL)
		return err_nomem(e);
	rc = ndjson_write(r->rej, o, e);
	json_decref(o);
	return rc;
}

/* batch build: parses and builds the record of one slot on worker w. */
static void
build(void *ctx, int w, struct batch_slot *bs)
{
	const struct promptbatch *r = ctx;
	struct promptbatch_worker *wk = &r->w[w];
	struct slot *s = (struct slot *)bs;
	json_t *line;
	const char *user;

	buf_reset(&s->out);
	buf_reset(&s->user);
	if (bs->unread) {
		s->rc = -1;
		return;
	}
	if (ndjson_parse(bs->line.s, bs->line.len, r->in_name, bs->lineno, &line, &bs->e) < 0) {
		s->rc = -1;
		return;
	}
	s->rc = prompt_write(&wk->pw, r->db, r->t, r->o, line, &s->out, &wk->st, &bs->e);
	if (s->rc < 0 && bs->e.code == EXIT_DATA)
		err_prefix(&bs->e, "%s:%ld", r->in_name, bs->lineno);
	if (s->rc != PROMPT_OK && (user = ndjson_str(line, "user")) != NULL &&
	    buf_add(&s->user, user, strlen(user) + 1) < 0) {
		s->rc = -1;
		err_nomem(&bs->e);
	}
	json_decref(line);
}

/* batch emit: writes slot s's record or reject, in input order. 0, or -1 with e set to stop. */
static int
emit(void *ctx, struct batch_slot *bs, struct err *e)
{
	struct promptbatch *r = ctx;
	struct slot *s = (struct slot *)bs;
	char why[sizeof e->msg];

	if (s->rc < 0) {
		*e = bs->e;
		if (e->code != EXIT_DATA || !r->skip_bad)
			return -1;
		r->warn("%s", e->msg);
		r->skipped++;
		memcpy(why, e->msg, sizeof why);
		if (reject(r, s->user.len ? s->user.s : NULL, bs->lineno, "bad line", why, e) < 0)
			return -1;
		r->rejected--; /* counted as skipped */
	} else if (s->rc == PROMPT_OK) {
		if (fwrite(s->out.s, 1, s->out.len, r->out) != s->out.len)
			return err_set(e, EXIT_IO, "write error: %s", strerror(errno ? errno : EIO));
		r->prompts++;
	} else {
		r->by[s->rc]++;
		if (reject(r, s->user.len ? s->user.s : NULL, bs->lineno,
		    prompt_outcome_name((enum prompt_outcome)s->rc), NULL, e) < 0)
			return -1;
	}
	if (++r->lines % 16384 == 0 && r->progress != NULL)
		r->progress(r->lines);
	return 0;
}

static void
release(void *ctx, struct batch_slot *bs)
{
	struct slot *s = (struct slot *)bs;

	buf_free(&s->out);
	buf_free(&s->user);
}

static const struct batch_ops ops = { sizeof(struct slot), build, emit, release, 0 };


int
promptbatch_init(struct promptbatch *r, int jobs, struct err *e)
{
	r->nw = jobs;
	if ((r->w = calloc((size_t)jobs, sizeof *r->w)) == NULL)
		return err_nomem(e);
	for (; r->nwinit < jobs; r->nwinit++)
		if (prompt_writer_init(&r->w[r->nwinit].pw, r->o, e) < 0)
			return -1;
	return 0;
}

int
promptbatch_start(struct promptbatch *r, size_t per_job, struct err *e)
{
	return batch_init(&r->batch, &ops, r, r->nw, per_job, e);
}

int
promptbatch_run(struct promptbatch *r, FILE *in, struct err *e)
{
	if (batch_run(&r->batch, in, r->in_name, 0, e) < 0)
		return -1;
	memset(&r->st, 0, sizeof r->st);
	for (int i = 0; i < r->nw; i++) {
		r->st.missing += r->w[i].st.missing;
		r->st.out_of_stock += r->w[i].st.out_of_stock;
		r->st.untitled += r->w[i].st.untitled;
		r->st.capped += r->w[i].st.capped;
	}
	return 0;
}

void
promptbatch_free(struct promptbatch *r)
{
	batch_free(&r->batch);
	for (int i = 0; r->w != NULL && i < r->nwinit; i++)
		prompt_writer_free(&r->w[i].pw);
	free(r->w);
	r->w = NULL;
}
