/* track.h - what trackd answers to a request for one of our links, and the event it records */
#ifndef RECMAIL_TRACK_H
#define RECMAIL_TRACK_H

#include <stddef.h>
#include <time.h>

#include "base/buf.h"
#include "mail/linktoken.h"
#include "write/mailtext.h"

struct track_conf {
	const struct linktoken_keys *keys;
	long click_ttl, open_ttl;       /* seconds a click or open token is good for; unsubscribe: always */
	long prefetch_s;                /* an open this soon after the token's issue is a machine's */
};

/* The request, as the HTTP layer decoded it. Absent values are NULL. */
struct track_req {
	const char *path;               /* "/c", "/o", "/u" */
	int post;                       /* POST (else GET or HEAD) */
	const char *body;               /* a POST's body (NUL-terminated), or NULL */
	const char *t, *u, *c, *r, *s, *e;  /* query arguments (u, c, r, s, e: the links before tokens) */
	const char *ua, *accept_lang;
	time_t now;
};

enum track_page {
	TRACK_NOT_FOUND,                /* 404, a plain page */
	TRACK_REDIRECT,                 /* 302 to location */
	TRACK_PIXEL,                    /* 200, a 1x1 GIF */
	TRACK_ASK,                      /* 200, the unsubscribe question with one POST button */
	TRACK_DONE,                     /* 200, unsubscribed */
	TRACK_HEALTH,                   /* 200 "ok" */
};

struct track_answer {
	enum track_page page;
	const char *location;           /* TRACK_REDIRECT: the URL that was signed */
	const struct mailtext *text;    /* the language of the pages */
	const char *suppress;           /* an address to add to the suppression list first, or NULL */
	struct buf event;               /* the event line to record (no newline), empty for none */
	int sync;                       /* the event must be on disk before the answer */
	const char *why;                /* TRACK_NOT_FOUND: why, for the log ("unknown key", ...) */
	struct linktoken tok;
	char store[LINKTOKEN_MAX];
	char addr[321];
};

void track_answer_init(struct track_answer *a);
void track_answer_free(struct track_answer *a);

/*
 * Decides the answer to r. Never fails for bad input (that is a 404 with why
 * set); returns -1 only when out of memory.
 */
int track_decide(const struct track_conf *c, const struct track_req *r, struct track_answer *a);

/*
 * 1 when ua is a known mail proxy or link scanner that fetches images on its
 * own (Gmail's image proxy, Yahoo's, Outlook's safe links, ...), else 0.
 */
int track_machine_ua(const char *ua);

/*
 * The HTML of an ASK, DONE or NOT_FOUND page in a's language. The ASK page's
 * one button POSTs List-Unsubscribe=One-Click to the page's own URL.
 * Returns 0, or -1 when out of memory.
 */
int track_page_html(struct buf *out, const struct track_answer *a);

#endif
