/* dsn.c - reads bounces (RFC 3464 and the common non-standard forms), ARF complaints and unsubscribe mails */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mail/dsn.h"
#include "mail/mime.h"

void
dsn_init(struct dsn_parser *p)
{
	buf_init(&p->v);
	buf_init(&p->w);
	buf_init(&p->d);
	buf_init(&p->f);
}

void
dsn_free(struct dsn_parser *p)
{
	buf_free(&p->v);
	buf_free(&p->w);
	buf_free(&p->d);
	buf_free(&p->f);
}

/* Copies s[0..n) trimmed (and lowercased) into out (sz bytes); "" when it does not fit. */
static void
copy_trim(char *out, size_t sz, const char *s, size_t n, int lower)
{
	size_t i;

	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= sz) {
		out[0] = '\0';
		return;
	}
	for (i = 0; i < n; i++)
		out[i] = lower ? (char)tolower((unsigned char)s[i]) : s[i];
	out[n] = '\0';
}

static void
copy_lower(char *out, size_t sz, const char *s, size_t n)
{
	copy_trim(out, sz, s, n, 1);
}

/* The first needle (lowercase) in s[0..n), any case; NULL when absent. */
static const char *
find_ci(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (strncasecmp(s + i, needle, k) == 0)
			return s + i;
	return NULL;
}

/* The address in a header value ("rfc822; a@b", "Name <a@b>", "<a@b>"), lowercased. */
static int
addr_of(const char *v, size_t n, char *out, size_t sz)
{
	const char *semi = memchr(v, ';', n);
	char tmp[400];

	if (semi != NULL) {
		n -= (size_t)(semi + 1 - v);
		v = semi + 1;
	}
	if (mime_value_addr(v, n, tmp, sizeof tmp) < 0 || !mime_addr_valid(tmp))
		return -1;
	copy_lower(out, sz, tmp, strlen(tmp));
	return out[0] ? 0 : -1;
}

/* The value of parameter name in a Content-Type value, into out; 0, or -1 when absent. */
static int
param(const char *v, const char *name, char *out, size_t sz)
{
	size_t nl = strlen(name);
	const char *p = v;

	while ((p = strcasestr(p, name)) != NULL) {
		const char *q = p + nl;
		size_t n;

		if ((p == v || p[-1] == ';' || isspace((unsigned char)p[-1])) && *q == '=') {
			q++;
			if (*q == '"') {
				q++;
				n = strcspn(q, "\"");
			} else {
				n = strcspn(q, "; \t");
			}
			if (n == 0 || n >= sz)
				return -1;
			memcpy(out, q, n);
			out[n] = '\0';
			return 0;
		}
		p = q;
	}
	return -1;
}

/* The standard fields of a status code: "5.1.1" at s, copied; its class digit, or 0. */
static int
status_at(const char *s, char *out, size_t sz)
{
	size_t n;

	if ((s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.' || !isdigit((unsigned char)s[2]))
		return 0;
	n = 2 + strspn(s + 2, "0123456789");
	if (s[n] != '.' || !isdigit((unsigned char)s[n + 1]))
		return 0;
	n += 1 + strspn(s + n + 1, "0123456789");
	if (n >= sz || isdigit((unsigned char)s[n]))
		return 0;
	memcpy(out, s, n);
	out[n] = '\0';
	return s[0] - '0';
}

static int
is_hard(const char *status)
{
	/* 5.2.2, mailbox full, comes and goes: a soft bounce although permanent by its class */
	return status[0] == '5' && strcmp(status, "5.2.2") != 0;
}

/* The fields of the per-recipient groups of a message/delivery-status body. */
static int
delivery_status(struct dsn_parser *p, const char *s, size_t n, struct dsn_report *r)
{
	const char *end = s + n;

	while (s < end) {
		size_t gl = mime_head_len(s, (size_t)(end - s));
		int action_failed = 0, action_delayed = 0, rc;

		if (gl == 0)
			break;
		if ((rc = mime_find_header(s, gl, "Action", &p->v)) < 0)
			return -1;
		if (rc == 1) {
			action_failed = strncasecmp(p->v.s, "failed", 6) == 0;
			action_delayed = strncasecmp(p->v.s, "delayed", 7) == 0;
		}
		if ((action_failed || action_delayed) &&
		    mime_find_header(s, gl, "Final-Recipient", &p->v) == 1 &&
		    addr_of(p->v.s, p->v.len, r->rcpt, sizeof r->rcpt) == 0) {
			if (mime_find_header(s, gl, "Status", &p->v) == 1)
				status_at(p->v.s + strspn(p->v.s, " "), r->status, sizeof r->status);
			r->hard = action_failed && is_hard(r->status);
			r->kind = DSN_BOUNCE;
			return 0;
		}
		s += gl;
	}
	return 0;
}

/* The Message-ID (and, for a complaint without Original-Rcpt-To, the To) of our message. */
static int
original(struct dsn_parser *p, const char *s, size_t n, struct dsn_report *r)
{
	size_t hl = mime_head_len(s, n);
	int rc;

	if ((rc = mime_find_header(s, hl, "Message-ID", &p->v)) < 0)
		return -1;
	if (rc == 1 && p->v.len < sizeof r->msgid)
		memcpy(r->msgid, p->v.s, p->v.len + 1);
	if (r->rcpt[0] == '\0' && r->kind == DSN_COMPLAINT &&
	    (rc = mime_find_header(s, hl, "To", &p->v)) == 1)
		addr_of(p->v.s, p->v.len, r->rcpt, sizeof r->rcpt);
	return rc < 0 ? -1 : 0;
}

#define PARTS_MAX 64
#define NEST_MAX 4

struct part {
	const char *head, *body;
	size_t hl, bl;
};

/*
 * The parts of a multipart body between "--boundary" lines, at most max of
 * them (a report has three or four). Returns how many.
 */
static size_t
split_parts(const char *body, size_t n, const char *boundary, struct part *parts, size_t max)
{
	char delim[200];
	const char *s = body, *end = body + n, *part = NULL;
	size_t dl = (size_t)snprintf(delim, sizeof delim, "--%s", boundary), k = 0;

	while (s < end && k < max) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *le = nl ? nl : end;

		if ((size_t)(le - s) >= dl && memcmp(s, delim, dl) == 0) {
			if (part != NULL) {
				size_t pl = (size_t)(s - part);

				parts[k].head = part;
				parts[k].hl = mime_head_len(part, pl);
				parts[k].body = part + parts[k].hl;
				parts[k].bl = pl - parts[k].hl;
				k++;
			}
			if ((size_t)(le - s) >= dl + 2 && memcmp(s + dl, "--", 2) == 0)
				break;
			part = nl ? nl + 1 : end;
		}
		s = nl ? nl + 1 : end;
	}
	return k;
}

/* Appends the body of a part (head[0..hl), body[0..bl)) to out, decoded by its
 * Content-Transfer-Encoding. Returns 0, or -1 when out of memory. */
static int
decode_part(struct dsn_parser *p, const char *head, size_t hl, const char *body, size_t bl,
    struct buf *out)
{
	int rc = mime_find_header(head, hl, "Content-Transfer-Encoding", &p->v);

	if (rc < 0 || mime_decode_body(out, rc == 1 ? p->v.s : NULL, body, bl) < 0)
		return -1;
	return 0;
}

/* Each part of a multipart/report, decoded, read by its type. Returns 1 when one was a
 * machine-readable report (delivery status or feedback), 0 when none, -1 when out of memory. */
static int
report_parts(struct dsn_parser *p, const char *body, size_t n, const char *boundary,
    struct dsn_report *r)
{
	struct part parts[PARTS_MAX];
	size_t k = split_parts(body, n, boundary, parts, PARTS_MAX), i;
	int seen = 0;

	for (i = 0; i < k; i++) {
		const struct part *q = &parts[i];
		const char *ct, *s;
		size_t sl;
		int rc = mime_find_header(q->head, q->hl, "Content-Type", &p->w);

		if (rc < 0)
			return -1;
		ct = rc == 1 ? p->w.s : "text/plain";
		if (strncasecmp(ct, "text/plain", 10) == 0 || strncasecmp(ct, "multipart/", 10) == 0)
			continue; /* the human-readable part: nothing in it is read here */
		buf_reset(&p->d);
		if (decode_part(p, q->head, q->hl, q->body, q->bl, &p->d) < 0)
			return -1;
		s = p->d.s ? p->d.s : "", sl = p->d.len;
		if (strncasecmp(ct, "message/delivery-status", 23) == 0 ||
		    strncasecmp(ct, "message/global-delivery-status", 30) == 0) {
			seen = 1;
			if (delivery_status(p, s, sl, r) < 0)
				return -1;
		} else if (strncasecmp(ct, "message/feedback-report", 23) == 0) {
			seen = 1;
			r->kind = DSN_COMPLAINT;
			if (mime_find_header(s, sl, "Feedback-Type", &p->v) == 1)
				copy_lower(r->feedback, sizeof r->feedback, p->v.s, p->v.len);
			if (mime_find_header(s, sl, "Original-Rcpt-To", &p->v) == 1)
				addr_of(p->v.s, p->v.len, r->rcpt, sizeof r->rcpt);
		} else if (strncasecmp(ct, "message/rfc822", 14) == 0 ||
		    strncasecmp(ct, "text/rfc822-headers", 19) == 0 ||
		    strncasecmp(ct, "message/global", 14) == 0) {
			if (original(p, s, sl, r) < 0)
				return -1;
		}
	}
	return seen;
}

/*
 * The text of a non-standard bounce into p->f: a single part decoded, or each
 * leaf part of a multipart (nested up to NEST_MAX) decoded after a newline, so
 * that the returned message's headers still start a line. Part headers are
 * left out (a Content-ID would look like an address). Returns 0, or -1.
 */
static int
flatten(struct dsn_parser *p, const char *head, size_t hl, const char *body, size_t bl, int depth)
{
	struct part parts[PARTS_MAX];
	char boundary[160];
	size_t k, i;
	int rc = mime_find_header(head, hl, "Content-Type", &p->w);

	if (rc < 0)
		return -1;
	if (rc == 0 || depth >= NEST_MAX || strncasecmp(p->w.s, "multipart/", 10) != 0 ||
	    param(p->w.s, "boundary", boundary, sizeof boundary) < 0)
		return buf_addc(&p->f, '\n') < 0 ? -1 : decode_part(p, head, hl, body, bl, &p->f);
	k = split_parts(body, bl, boundary, parts, PARTS_MAX);
	for (i = 0; i < k; i++)
		if (flatten(p, parts[i].head, parts[i].hl, parts[i].body, parts[i].bl, depth + 1) < 0)
			return -1;
	return 0;
}

/* The common non-standard bounces (qmail, old Exim, Postfix without a report part). */
static int
plain_bounce(struct dsn_parser *p, const char *body, size_t n, struct dsn_report *r)
{
	const char *s, *end = body + n, *orig;
	char cand[400];
	int cls = 0;

	/* the original message starts at its first quoted header; the report is what comes before */
	orig = find_ci(body, n, "\nmessage-id:");
	if (orig != NULL) {
		const char *v = orig + 12, *le = memchr(v, '\n', (size_t)(end - v));

		copy_trim(r->msgid, sizeof r->msgid, v, (size_t)((le ? le : end) - v), 0);
		end = orig;
	}
	for (s = body; s < end && r->rcpt[0] == '\0'; s++) {
		const char *at;
		size_t a, b;

		if (*s != '@')
			continue;
		at = s;
		for (a = (size_t)(at - body); a > 0 && !strchr(" \t\r\n<>:;\"'(", body[a - 1]); a--)
			;
		for (b = (size_t)(at - body) + 1; body + b < end && !strchr(" \t\r\n<>:;\"'()", body[b]); b++)
			;
		if (b - a < sizeof cand) {
			memcpy(cand, body + a, b - a);
			cand[b - a] = '\0';
			if (mime_addr_valid(cand) && strncasecmp(cand, "mailer-daemon@", 14) != 0 &&
			    strncasecmp(cand, "postmaster@", 11) != 0)
				copy_lower(r->rcpt, sizeof r->rcpt, cand, strlen(cand));
		}
	}
	for (s = body; s < end && cls == 0; s++)
		if (isdigit((unsigned char)*s) && (s == body || !isalnum((unsigned char)s[-1])))
			cls = status_at(s, r->status, sizeof r->status);
	if (cls == 0)
		for (s = body; s + 3 < end && cls == 0; s++)
			if ((*s == '4' || *s == '5') && isdigit((unsigned char)s[1]) &&
			    isdigit((unsigned char)s[2]) && s[3] == ' ' &&
			    (s == body || s[-1] == ' ' || s[-1] == '\n')) {
				memcpy(r->status, s, 3);
				r->status[3] = '\0';
				cls = *s - '0';
			}
	if (r->rcpt[0] == '\0')
		return 0;
	r->kind = DSN_BOUNCE;
	r->hard = cls == 5 ? is_hard(r->status) :
	    cls == 0 && find_ci(body, (size_t)(end - body), "permanent") != NULL;
	(void)p;
	return 0;
}

int
dsn_parse(struct dsn_parser *p, const char *msg, size_t n, struct dsn_report *r)
{
	size_t hl = mime_head_len(msg, n);
	char boundary[160];
	int rc;

	memset(r, 0, sizeof *r);
	if ((rc = mime_find_header(msg, hl, "Content-Type", &p->w)) < 0)
		return -1;
	if (rc == 1 && strncasecmp(p->w.s, "multipart/report", 16) == 0 &&
	    param(p->w.s, "boundary", boundary, sizeof boundary) == 0) {
		r->standard = 1;
		if ((rc = report_parts(p, msg + hl, n - hl, boundary, r)) < 0)
			return -1;
		if (r->kind != DSN_NONE && r->rcpt[0] != '\0')
			return (int)r->kind;
		memset(r, 0, sizeof *r);
		/* a report of deliveries that went through (NOTIFY=SUCCESS) is no bounce: its text
		 * names the recipient too, so it must not go on to the non-standard reading */
		if (rc == 1)
			return DSN_NONE;
	}
	if ((rc = mime_find_header(msg, hl, "From", &p->v)) < 0)
		return -1;
	if (rc == 1 && (strcasestr(p->v.s, "mailer-daemon") || strcasestr(p->v.s, "postmaster"))) {
		buf_reset(&p->f);
		if (flatten(p, msg, hl, msg + hl, n - hl, 0) < 0 ||
		    plain_bounce(p, p->f.s ? p->f.s : "", p->f.len, r) < 0)
			return -1;
		return (int)r->kind;
	}
	/* a mail to the List-Unsubscribe mailto: address, by a person (not an auto-reply) */
	if (rc == 1 && addr_of(p->v.s, p->v.len, r->rcpt, sizeof r->rcpt) == 0 &&
	    mime_find_header(msg, hl, "Subject", &p->w) == 1 &&
	    (buf_reset(&p->d), mime_decode_words(&p->d, p->w.s, p->w.len) == 0) && p->d.s != NULL &&
	    strncasecmp(p->d.s + strspn(p->d.s, " "), "unsubscribe", 11) == 0 &&
	    (mime_find_header(msg, hl, "Auto-Submitted", &p->w) != 1 ||
	    strncasecmp(p->w.s, "no", 2) == 0)) {
		r->kind = DSN_UNSUB;
		return (int)r->kind;
	}
	memset(r, 0, sizeof *r);
	return DSN_NONE;
}
