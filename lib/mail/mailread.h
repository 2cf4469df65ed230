/* mailread.h - reads back a message mailfmt wrote: decoded subject, text and HTML parts, the headers deliverability checks look at */
#ifndef RECMAIL_MAILREAD_H
#define RECMAIL_MAILREAD_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

struct mailread {
	struct buf subject;         /* decoded (RFC 2047), UTF-8 */
	struct buf text;            /* the text/plain part, decoded; empty when absent */
	struct buf html;            /* the text/html part, decoded; empty when absent */
	size_t html_raw;            /* bytes of the HTML part as sent (encoded) */
	size_t size;                /* bytes of the whole message */
	char from[256];             /* addresses ("" when absent) */
	char reply_to[256];
	char to[256];
	char msgid[256];
	char variant[128];          /* X-Variant, percent-decoded */
	char lang[36];              /* the HTML part's <html lang>, "" when absent */
	char dkim_d[256];           /* d= of the first DKIM-Signature, "" when unsigned */
	int has_text, has_html;
	int one_click;              /* an https List-Unsubscribe and List-Unsubscribe-Post: One-Click */
	int unsub;                  /* any List-Unsubscribe */
	struct buf t;               /* scratch */
};

void mailread_init(struct mailread *r);
void mailread_free(struct mailread *r);

/*
 * Reads msg[0..n): a single part or a multipart/alternative (or mixed) of
 * text/plain and text/html parts in 7bit, 8bit, quoted-printable or base64.
 * Returns 0, or -1 with e set (EXIT_DATA: no header block, no From; EXIT_OSERR).
 */
int mailread_parse(struct mailread *r, const char *msg, size_t n, struct err *e);

/*
 * Decodes RFC 2047 encoded-words (B and Q, UTF-8 or US-ASCII charsets; others
 * are left as they are) of the unfolded header value s[0..n) into out.
 * Returns 0, or -1 when out of memory.
 */
int mailread_decode_words(struct buf *out, const char *s, size_t n);

/*
 * 1 when the domains a and b (any case) are aligned in DMARC's relaxed sense,
 * approximated without the public suffix list: equal, or one a subdomain of
 * the other's last two labels; else 0.
 */
int mailread_domains_aligned(const char *a, const char *b);

#endif
