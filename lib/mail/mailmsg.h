/* mailmsg.h - one campaign email built from a reply and its meta: headers, text and HTML parts, links */
#ifndef RECMAIL_MAILMSG_H
#define RECMAIL_MAILMSG_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "mail/html.h"
#include "mail/linktoken.h"

/* What every message of a run shares (the options of mailfmt). */
struct mailmsg_opts {
	const char *from_name, *from_addr;          /* required */
	const char *reply_name, *reply_addr;        /* Reply-To, or NULL */
	const char *campaign;                       /* overrides meta.campaign; NULL: use meta */
	const char *utm_source;                     /* utm_source value */
	const char *click_base;                     /* click-tracking redirect (trackd /c), or NULL */
	const char *open_base;                      /* open-tracking pixel (trackd /o), or NULL */
	const char *unsub_mailto;                   /* address for mailto: unsubscribe, or NULL */
	const char *unsub_url;                      /* https one-click base (trackd /u), or NULL */
	int no_unsub;                               /* neither is required (not marketing) */
	const struct linktoken_keys *keys;          /* seal the links' tokens and X-Recmail-Ref;
	                                               needed with any of the three bases */
	time_t date;                                /* the Date of every message */
	const struct html_tmpl *tmpl;               /* the HTML part */
};

/*
 * A built message and the scratch space reused from one message to the next.
 * One per thread: threads may build at once with the same opts.
 */
struct mailmsg {
	struct buf head;            /* the header block, each field ending "\n", no empty line */
	struct buf body;            /* everything after the empty line */
	char msgid[200];            /* "<...@domain>" */
	char rcpt[256];             /* the To address */
	char user[256];             /* meta.user (or the address), for reports */
	struct buf t[6];            /* scratch */
	char tok[LINKTOKEN_MAX + 1];
};

void mailmsg_init(struct mailmsg *m);
void mailmsg_free(struct mailmsg *m);

/*
 * Checks what a run needs from o: valid addresses, a campaign that is a token
 * ([A-Za-z0-9._:-], 1..64), an https unsubscribe base, http(s) tracking bases,
 * a link key when any base is given, and an unsubscribe route (mailto or URL)
 * unless no_unsub. Returns 0, or -1 with e set (EXIT_USAGE).
 */
int mailmsg_check_opts(const struct mailmsg_opts *o, struct err *e);

/*
 * Checks what a message needs from meta: an object with a valid "email", a
 * campaign (o->campaign or meta.campaign) that is a token, items an array of
 * at most 64. Returns 0, or -1 with e set (EXIT_DATA) and a reason fit for a
 * rejects report.
 */
int mailmsg_check_meta(const struct mailmsg_opts *o, const json_t *meta, struct err *e);

/*
 * Builds the message for meta (docs/FORMATS.md 2.5) and a reply content (a
 * JSON object text with string subject, preheader and body_text); writer, when
 * not NULL, is what wrote the content (the reply's model, "template"), sent as
 * X-Recmail-Writer (percent-encoded, at most 100 bytes of it). Returns 0,
 * or -1 with e set: EXIT_DATA with a reason fit for a rejects report (bad
 * content, missing or invalid email, bad campaign), EXIT_OSERR when out of memory.
 */
int mailmsg_build(struct mailmsg *m, const struct mailmsg_opts *o, const json_t *meta,
    const char *writer, const char *content, size_t len, struct err *e);

/*
 * The Message-ID for (campaign, user): "<32 hex digits.CAMPAIGN@domain>", the
 * same on every run (mailsend's exactly-once keys on it). With a link key (ks
 * not NULL and not empty) the digits are an HMAC under the first key, so no
 * one without the key can tell from a Message-ID whom it was for or forge the
 * next one; without a key, an unkeyed SHA-256 (guessable: docs/mailfmt.md).
 * Writes at most sz bytes. Returns 0, or -1 when it does not fit.
 */
int mailmsg_message_id(const struct linktoken_keys *ks, const char *campaign, const char *user,
    const char *domain, char *out, size_t sz);

/* Whom and what a message is for, as mailfmt wrote it into the headers. */
struct mailmsg_ref {
	char user[256], campaign[128], variant[128];
};

/*
 * Reads ref from the header block head[0..hn): user from X-Recmail-Ref opened
 * with ks, else from the X-Recmail-User of a message formatted before it, else
 * ""; campaign and variant from X-Campaign and X-Variant (percent-decoded).
 * scratch is reused. Returns 0, or -1 when X-Recmail-Ref does not open with ks.
 */
int mailmsg_read_ref(const struct linktoken_keys *ks, const char *head, size_t hn,
    struct buf *scratch, struct mailmsg_ref *ref);

/* Appends s percent-encoded (everything but A-Z a-z 0-9 - . _ ~). Returns 0 or -1. */
int mailmsg_pct(struct buf *out, const char *s);

/* Decodes %XX escapes of s[0..n) into out (sz bytes with the NUL). Returns 0, or -1. */
int mailmsg_unpct(const char *s, size_t n, char *out, size_t sz);

#endif
