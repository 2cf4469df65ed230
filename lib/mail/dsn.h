/* dsn.h - what came back by mail: delivery status notifications (RFC 3464), ARF complaints (RFC 5965), unsubscribe mails */
#ifndef RECMAIL_DSN_H
#define RECMAIL_DSN_H

#include <stddef.h>

#include "base/buf.h"

enum dsn_kind {
	DSN_NONE,           /* not a report we read */
	DSN_BOUNCE,         /* a delivery failed or was delayed */
	DSN_COMPLAINT,      /* a recipient marked our mail as spam */
	DSN_UNSUB,          /* a mail to our List-Unsubscribe mailto: address */
};

struct dsn_report {
	enum dsn_kind kind;
	int hard;               /* a bounce that will not change by retrying (5.x.x but 5.2.2) */
	int standard;           /* 1: a multipart/report; 0: a common non-standard form */
	char status[16];        /* "5.1.1", or a 3-digit SMTP reply code, or "" */
	char rcpt[321];         /* the address the report is about (lowercase) */
	char msgid[512];        /* the Message-ID of our message it is about, or "" */
	char feedback[32];      /* a complaint's Feedback-Type ("abuse", ...) */
};

struct dsn_parser {
	struct buf v, w;        /* scratch */
	struct buf d;           /* a part's body decoded (base64, quoted-printable) */
	struct buf f;           /* a non-standard bounce's text parts, decoded, one after another */
};

void dsn_init(struct dsn_parser *p);
void dsn_free(struct dsn_parser *p);

/*
 * Reads one message msg[0..n) and fills r. Parts in base64 or quoted-printable
 * (common for the text and the returned message of real reports, and allowed
 * for message/global parts by RFC 6533) are decoded first. Returns its kind (DSN_NONE for a
 * message that is none of the three, or one whose recipient cannot be told),
 * or -1 when out of memory.
 */
int dsn_parse(struct dsn_parser *p, const char *msg, size_t n, struct dsn_report *r);

#endif
