/* sentidx.h - our sent messages by Message-ID and by recipient: whom a bounce, complaint or unsubscribe mail is about */
#ifndef RECMAIL_SENTIDX_H
#define RECMAIL_SENTIDX_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "data/ids.h"

struct sentidx {
	struct ids msgid;           /* Message-IDs, index i */
	char **who;                 /* who[i]: "user\0campaign\0variant\0" */
	size_t cap;
	struct ids rcpt;            /* lowercase recipients of the sent-log, index j */
	int64_t *last;              /* last[j]: the Message-ID index last accepted for rcpt j */
	size_t rcap;
};

void sentidx_init(struct sentidx *x);
void sentidx_free(struct sentidx *x);

/*
 * Adds the "sent" events (FORMATS 2.7, with message_id) of the NDJSON file at
 * path; other events are skipped. Returns 0, or -1 with e set ("path:N: ...").
 */
int sentidx_load_events(struct sentidx *x, const char *path, struct err *e);

/*
 * Adds the accepted lines of a mailsend sent-log (FORMATS 2.9): which message
 * went to which address. Returns 0, or -1 with e set.
 */
int sentidx_load_log(struct sentidx *x, const char *path, struct err *e);

/*
 * The user, campaign and variant of the message msgid, else (msgid "" or
 * unknown) of the last message accepted for rcpt. Returns 1 when found, else 0.
 */
int sentidx_find(const struct sentidx *x, const char *msgid, const char *rcpt, const char **user,
    const char **campaign, const char **variant, const char **found_id);

#endif
