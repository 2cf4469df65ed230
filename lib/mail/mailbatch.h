/* mailbatch.h - llmcall replies made into messages, in input order, on the batch engine */
#ifndef RECMAIL_MAILBATCH_H
#define RECMAIL_MAILBATCH_H

#include <stdio.h>

#include "base/batch.h"
#include "base/err.h"
#include "data/ids.h"
#include "mail/dkim.h"
#include "mail/mailmsg.h"
#include "mail/mbox.h"
#include "mail/suppress.h"


/* What each worker thread owns. */
struct mailbatch_worker {
	struct mailmsg msg;
	struct dkim dkim;
};

/*
 * One run of replies to messages (docs/mailfmt.md). The caller sets the first group, opens mb,
 * then calls mailbatch_init, mailbatch_dkim (optional), mailbatch_start and mailbatch_file per input.
 */
struct mailbatch {
	struct mailmsg_opts mo;
	int fallback;               /* records that are not ok: the offline writer's letter */
	const struct suppress *sup; /* addresses never mailed; NULL: none */
	FILE *rej;                  /* a rejects line per record without a message; NULL: warn */
	void (*warn)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
	void (*progress)(long written);     /* every 1000 records; NULL: none */
	struct mbox_out mb;         /* where the messages go */
	/* the run */
	struct mailbatch_worker *w;
	int nw, ndkim, use_dkim;
	struct batch batch;         /* pinned: a worker frees the records it parsed */
	struct ids seen;            /* Message-IDs written: a duplicate is reported */
	const char *name;           /* the input being read, for messages */
	long written, rejected, suppressed, fell_back;
};

/* Allocates the jobs workers. Returns 0, or -1 with e set (EXIT_OSERR); mailbatch_free it. */
int mailbatch_init(struct mailbatch *c, int jobs, struct err *e);

/* Every worker signs with the PEM key in keyfile as d=domain, s=selector. Returns 0, or -1
 * with e set as dkim_init does. */
int mailbatch_dkim(struct mailbatch *c, const char *keyfile, const char *domain, const char *selector,
    struct err *e);

/* Starts the batch engine, per_job lines per worker in a batch. Returns 0, or -1 with e set. */
int mailbatch_start(struct mailbatch *c, size_t per_job, struct err *e);

/*
 * Makes a message of every ok reply of in (name for messages), in input order, into c->mb; a
 * record without one (bad line, failed check, suppressed, duplicate) is counted and reported.
 * Returns 0, or -1 with e set ("name:N: ...") when the run must stop: a write error, no memory,
 * a signing failure, or a read error (what was read before it is still written).
 */
int mailbatch_file(struct mailbatch *c, FILE *in, const char *name, size_t maxline, struct err *e);

void mailbatch_free(struct mailbatch *c);

/* The default HTML template: $RECMAIL_SHARE/mail/email.html, else ../share/recmail/mail or
 * ../share/mail beside the program. Returns 0, or -1 when there is none. */
int mailbatch_default_template(char *out, size_t sz);

#endif
