/* mailbatch.c - llmcall replies made into messages, in input order, on the batch engine */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/exitcode.h"
#include "base/ndjson.h"
#include "mail/mailbatch.h"
#include "write/writer.h"

/* What became of one input line. */
enum outcome {
	O_MSG,          /* a message in out (unless it turns out to be a duplicate) */
	O_REJECT,       /* reported with the reason in e */
	O_SUPPRESS,     /* the address is on the suppression list */
	O_BADLINE,      /* not a JSON object, or over-long: reported with e */
	O_FATAL         /* e ends the run (out of memory, OpenSSL failure) */
};


/* One input line on its way to a message: filled by a worker, written in input order. */
struct slot {
	struct batch_slot b;    /* the line, and e */
	json_t *rec;
	enum outcome what;
	int fell_back;
	struct buf out;
	char msgid[200];
};


int
mailbatch_default_template(char *out, size_t sz)
{
	const char *env = getenv("RECMAIL_SHARE");
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (env != NULL && env[0] != '\0') {
		snprintf(out, sz, "%s/mail/email.html", env);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) != NULL)
		*slash = '\0';
	snprintf(out, sz, "%s/../share/recmail/mail/email.html", exe);
	if (access(out, R_OK) == 0)
		return 0;
	snprintf(out, sz, "%s/../share/mail/email.html", exe);
	return access(out, R_OK) == 0 ? 0 : -1;
}


/* Reports a record that gives no message: a rejects line, or a warning. */
static int
report(struct mailbatch *r, const char *file, long line, const json_t *rec, const char *kind,
    const char *reason, struct err *e)
{
	const json_t *meta = json_object_get(rec, "meta");
	json_t *o;
	int rc;

	if (r->rej == NULL) {
		r->warn("%s:%ld: %s%s", file, line, strcmp(kind, "suppressed") == 0 ? "suppressed: " : "",
		    reason);
		return 0;
	}
	o = json_pack("{sssssIss}", "kind", kind, "file", file, "line", (json_int_t)line, "reason",
	    reason);
	if (o == NULL)
		return err_nomem(e);
	if (json_object_get(rec, "id"))
		json_object_set(o, "id", json_object_get(rec, "id"));
	if (json_object_get(meta, "user"))
		json_object_set(o, "user", json_object_get(meta, "user"));
	if (json_is_string(json_object_get(meta, "email")))
		json_object_set(o, "email", json_object_get(meta, "email"));
	if (json_object_get(rec, "error"))
		json_object_set(o, "error", json_object_get(rec, "error"));
	rc = ndjson_write(r->rej, o, e);
	json_decref(o);
	return rc;
}


/* Builds and signs the message for one parsed record into s->out; the outcome. */
static enum outcome
make(const struct mailbatch *r, struct mailbatch_worker *w, struct slot *s)
{
	const json_t *rec = s->rec, *meta = json_object_get(rec, "meta");
	struct err *e = &s->b.e;
	char *composed;
	int rc;

	if (mailmsg_check_meta(&r->mo, meta, e) < 0)
		return O_REJECT;
	if (r->sup != NULL && suppress_has(r->sup, json_string_value(json_object_get(meta, "email"))))
		return O_SUPPRESS;
	if (json_is_true(json_object_get(rec, "ok")) &&
	    json_is_string(json_object_get(rec, "content"))) {
		const json_t *c = json_object_get(rec, "content");
		const char *model = json_string_value(json_object_get(rec, "model"));

		rc = mailmsg_build(&w->msg, &r->mo, meta, model ? model : "unknown",
		    json_string_value(c), json_string_length(c), e);
	} else {
		rc = err_set(e, EXIT_DATA, "%s", json_is_false(json_object_get(rec, "ok")) ?
		    "reply not ok" : "record has no \"ok\":true and \"content\"");
	}
	if (rc < 0 && e->code == EXIT_DATA && r->fallback) {
		struct err we = { 0, "" };

		composed = writer_compose(meta, &we);
		if (composed == NULL) {
			char first[400];
			size_t k = strlen(e->msg);

			if (k >= sizeof first)
				k = sizeof first - 1;
			memcpy(first, e->msg, k);
			first[k] = '\0';
			snprintf(e->msg, sizeof e->msg, "%s; fallback failed: %.400s", first, we.msg);
		} else {
			rc = mailmsg_build(&w->msg, &r->mo, meta, "template", composed, strlen(composed), e);
			free(composed);
			s->fell_back = rc == 0;
		}
	}
	if (rc < 0)
		return e->code == EXIT_DATA ? O_REJECT : O_FATAL;
	buf_reset(&s->out);
	if (r->use_dkim && dkim_sign(&w->dkim, w->msg.head.s, w->msg.head.len, w->msg.body.s,
	    w->msg.body.len, r->mo.date, &s->out, e) < 0)
		return O_FATAL;
	if (buf_add(&s->out, w->msg.head.s, w->msg.head.len) < 0 ||
	    buf_addc(&s->out, '\n') < 0 ||
	    buf_add(&s->out, w->msg.body.s, w->msg.body.len) < 0) {
		err_nomem(e);
		return O_FATAL;
	}
	memcpy(s->msgid, w->msg.msgid, sizeof s->msgid);
	return O_MSG;
}

/*
 * batch build: parses and builds one slot on worker w. The same worker built the same slot two
 * batches before, and frees its record here: jansson's memory stays with the thread that
 * allocated it.
 */
static void
build(void *ctx, int w, struct batch_slot *bs)
{
	const struct mailbatch *r = ctx;
	struct slot *s = (struct slot *)bs;

	json_decref(s->rec);
	s->rec = NULL;
	s->fell_back = 0;
	if (bs->unread)
		s->what = O_BADLINE;
	else if (ndjson_parse(bs->line.s, bs->line.len, r->name, bs->lineno, &s->rec, &bs->e) < 0)
		s->what = O_BADLINE;
	else
		s->what = make(r, &r->w[w], s);
}

static void
release(void *ctx, struct batch_slot *bs)
{
	struct slot *s = (struct slot *)bs;

	buf_free(&s->out);
	json_decref(s->rec);
}

/* A reader's error without its "name:N: " in front: reports give the position once. */
static const char *
unplaced(const struct mailbatch *r, const struct slot *s)
{
	char pos[64];
	size_t n = strlen(r->name);
	int k = snprintf(pos, sizeof pos, ":%ld: ", s->b.lineno);

	if (strncmp(s->b.e.msg, r->name, n) == 0 && k > 0 &&
	    strncmp(s->b.e.msg + n, pos, (size_t)k) == 0)
		return s->b.e.msg + n + (size_t)k;
	return s->b.e.msg;
}

/* batch emit: writes slot s's message or report, in input order. 0, or -1 to stop the run. */
static int
emit(void *ctx, struct batch_slot *bs, struct err *e)
{
	struct mailbatch *r = ctx;
	struct slot *s = (struct slot *)bs;
	long line = bs->lineno;
	json_t *none;
	int rc = 0;

	switch (s->what) {
	case O_BADLINE:
		r->rejected++;
		none = json_object();
		rc = none ? report(r, r->name, line, none, "rejected", unplaced(r, s), e) :
		    err_nomem(e);
		json_decref(none);
		break;
	case O_REJECT:
		r->rejected++;
		rc = report(r, r->name, line, s->rec, "rejected", bs->e.msg, e);
		break;
	case O_SUPPRESS:
		r->suppressed++;
		rc = report(r, r->name, line, s->rec, "suppressed",
		    "address is on the suppression list", e);
		break;
	case O_MSG:
		if (ids_find(&r->seen, s->msgid, strlen(s->msgid)) >= 0) {
			r->rejected++;
			rc = report(r, r->name, line, s->rec, "rejected",
			    "duplicate (campaign, user): its message was already written", e);
			break;
		}
		if (ids_intern(&r->seen, s->msgid, strlen(s->msgid), e) < 0 ||
		    mbox_write(&r->mb, s->msgid, r->mo.date, s->out.s, s->out.len, e) < 0) {
			rc = -1;
			break;
		}
		r->written++;
		r->fell_back += s->fell_back;
		break;
	case O_FATAL:
		*e = bs->e;
		rc = -1;
		break;
	}
	if (rc < 0)
		return err_prefix(e, "%s:%ld", r->name, line);
	if (r->progress != NULL && (r->written + r->rejected + r->suppressed) % 1000 == 0)
		r->progress(r->written);
	return 0;
}

static const struct batch_ops ops = { sizeof(struct slot), build, emit, release, 1 };

int
mailbatch_init(struct mailbatch *c, int jobs, struct err *e)
{
	c->nw = jobs;
	ids_init(&c->seen);
	if ((c->w = calloc((size_t)jobs, sizeof *c->w)) == NULL)
		return err_nomem(e);
	for (int i = 0; i < jobs; i++)
		mailmsg_init(&c->w[i].msg);
	return 0;
}

int
mailbatch_dkim(struct mailbatch *c, const char *keyfile, const char *domain, const char *selector,
    struct err *e)
{
	for (; c->ndkim < c->nw; c->ndkim++)
		if (dkim_init(&c->w[c->ndkim].dkim, keyfile, domain, selector, e) < 0)
			return -1;
	c->use_dkim = 1;
	return 0;
}

int
mailbatch_start(struct mailbatch *c, size_t per_job, struct err *e)
{
	return batch_init(&c->batch, &ops, c, c->nw, per_job, e);
}

int
mailbatch_file(struct mailbatch *c, FILE *in, const char *name, size_t maxline, struct err *e)
{
	c->name = name;
	return batch_run(&c->batch, in, name, maxline, e);
}

void
mailbatch_free(struct mailbatch *c)
{
	batch_free(&c->batch);
	for (int i = 0; c->w != NULL && i < c->nw; i++) {
		mailmsg_free(&c->w[i].msg);
		if (i < c->ndkim)
			dkim_free(&c->w[i].dkim);
	}
	free(c->w);
	c->w = NULL;
	ids_free(&c->seen);
}
