/* mailread.c - reads back a message mailfmt wrote: headers, decoded subject, text and HTML parts */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/exitcode.h"
#include "mail/mailmsg.h"
#include "mail/mailread.h"
#include "mail/mime.h"

void
mailread_init(struct mailread *r)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->subject);
	buf_init(&r->text);
	buf_init(&r->html);
	buf_init(&r->t);
}

void
mailread_free(struct mailread *r)
{
	buf_free(&r->subject);
	buf_free(&r->text);
	buf_free(&r->html);
	buf_free(&r->t);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One encoded-word =?charset?B|Q?text?= at s[0..n); 1 decoded into out, 0 when it is not one. */
static int
one_word(struct buf *out, const char *s, size_t n, size_t *used)
{
	const char *cs, *q1, *q2, *end;
	size_t i;
	int enc;

	if (n < 8 || s[0] != '=' || s[1] != '?')
		return 0;
	cs = s + 2;
	if ((q1 = memchr(cs, '?', n - 2)) == NULL || q1 + 3 > s + n || q1[2] != '?')
		return 0;
	enc = toupper((unsigned char)q1[1]);
	q2 = q1 + 3;
	for (end = q2; end + 1 < s + n && !(end[0] == '?' && end[1] == '='); end++)
		if (*end == ' ')
			return 0;
	if (end + 1 >= s + n || (enc != 'B' && enc != 'Q'))
		return 0;
	if (!((q1 - cs == 5 && strncasecmp(cs, "utf-8", 5) == 0) ||
	    (q1 - cs == 8 && strncasecmp(cs, "us-ascii", 8) == 0)))
		return 0;
	if (enc == 'B') {
		if (mime_base64_decode(out, q2, (size_t)(end - q2)) < 0)
			return 0;
	} else {
		for (i = 0; q2 + i < end; i++) {
			int c = q2[i];

			if (c == '_')
				c = ' ';
			else if (c == '=' && q2 + i + 2 < end + 1 && hexval(q2[i + 1]) >= 0 &&
			    hexval(q2[i + 2]) >= 0) {
				c = hexval(q2[i + 1]) * 16 + hexval(q2[i + 2]);
				i += 2;
			}
			if (buf_addc(out, c) < 0)
				return -1;
		}
	}
	*used = (size_t)(end + 2 - s);
	return 1;
}

int
mailread_decode_words(struct buf *out, const char *s, size_t n)
{
	struct buf probe;
	size_t i = 0, used, gap;
	int rc = 0, w;

	buf_init(&probe);
	while (i < n) {
		if ((w = one_word(out, s + i, n - i, &used)) < 0) {
			rc = -1;
			break;
		}
		if (w == 1) {
			i += used;
			/* white space between two encoded-words is not shown (RFC 2047 6.2) */
			for (gap = 0; i + gap < n && (s[i + gap] == ' ' || s[i + gap] == '\t'); gap++)
				;
			buf_reset(&probe);
			if (gap > 0 && i + gap < n && one_word(&probe, s + i + gap, n - i - gap, &used) == 1)
				i += gap;
			continue;
		}
		if (buf_addc(out, s[i]) < 0) {
			rc = -1;
			break;
		}
		i++;
	}
	buf_free(&probe);
	return rc;
}

static void
header_addr(const char *head, size_t hn, const char *name, struct buf *v, char *out, size_t sz)
{
	out[0] = '\0';
	if (mime_find_header(head, hn, name, v) == 1 && mime_value_addr(v->s, v->len, out, sz) < 0)
		out[0] = '\0';
}

/* The value of parameter name (e.g. boundary) in a Content-Type value, or 0 when absent. */
static int
param(const char *v, const char *name, char *out, size_t sz)
{
	const char *p = v;
	size_t nl = strlen(name), k = 0;

	while ((p = strcasestr(p, name)) != NULL) {
		if ((p == v || p[-1] == ';' || p[-1] == ' ' || p[-1] == '\t') && p[nl] == '=')
			break;
		p += nl;
	}
	if (p == NULL)
		return 0;
	p += nl + 1;
	if (*p == '"') {
		for (p++; *p && *p != '"' && k + 1 < sz; p++)
			out[k++] = *p;
	} else {
		for (; *p && *p != ';' && !isspace((unsigned char)*p) && k + 1 < sz; p++)
			out[k++] = *p;
	}
	out[k] = '\0';
	return k > 0;
}

/* Decodes one part (its own header block and body) into the text or HTML buffer. */
static int
take_part(struct mailread *r, const char *p, size_t n)
{
	size_t hn = mime_head_len(p, n);
	char ctype[64] = "text/plain", cte[32] = "7bit";
	struct buf *dst;
	const char *body = p + hn;
	size_t bn = n - hn;

	if (mime_find_header(p, hn, "Content-Type", &r->t) == 1) {
		size_t k = strcspn(r->t.s, "; \t");

		snprintf(ctype, sizeof ctype, "%.*s", (int)(k < 63 ? k : 63), r->t.s);
	}
	if (mime_find_header(p, hn, "Content-Transfer-Encoding", &r->t) == 1)
		snprintf(cte, sizeof cte, "%s", r->t.s);
	if (strcasecmp(ctype, "text/plain") == 0 && !r->has_text) {
		dst = &r->text;
		r->has_text = 1;
	} else if (strcasecmp(ctype, "text/html") == 0 && !r->has_html) {
		dst = &r->html;
		r->has_html = 1;
		r->html_raw = bn;
	} else {
		return 0;
	}
	buf_reset(dst);
	return mime_decode_body(dst, cte, body, bn) < 0 ? -1 : 0;
}

/* The parts of a multipart body between "--boundary" lines. */
static int
take_parts(struct mailread *r, const char *body, size_t n, const char *boundary)
{
	char delim[200];
	size_t dl;
	const char *p = body, *end = body + n, *start = NULL;

	dl = (size_t)snprintf(delim, sizeof delim, "--%s", boundary);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl + 1 : end;

		if ((size_t)(le - p) >= dl && memcmp(p, delim, dl) == 0) {
			if (start != NULL) {
				size_t len = (size_t)(p - start);

				if (len > 0 && start[len - 1] == '\n')
					len--;
				if (len > 0 && start[len - 1] == '\r')
					len--;
				if (take_part(r, start, len) < 0)
					return -1;
			}
			if ((size_t)(le - p) >= dl + 2 && p[dl] == '-' && p[dl + 1] == '-')
				return 0;
			start = le;
		}
		p = le;
	}
	return 0;
}

static void
html_lang(struct mailread *r)
{
	const char *p = r->html.len ? strcasestr(r->html.s, "<html") : NULL;
	const char *gt = p ? strchr(p, '>') : NULL, *l;
	size_t k = 0;

	r->lang[0] = '\0';
	if (p == NULL || gt == NULL || (l = strcasestr(p, " lang=\"")) == NULL || l > gt)
		return;
	for (l += 7; *l && *l != '"' && k + 1 < sizeof r->lang; l++)
		if (isalnum((unsigned char)*l) || *l == '-')
			r->lang[k++] = *l;
	r->lang[k] = '\0';
}

int
mailread_parse(struct mailread *r, const char *msg, size_t n, struct err *e)
{
	size_t hn = mime_head_len(msg, n);
	char boundary[160];
	int rc;

	buf_reset(&r->subject);
	buf_reset(&r->text);
	buf_reset(&r->html);
	r->has_text = r->has_html = r->one_click = r->unsub = 0;
	r->html_raw = 0;
	r->size = n;
	r->variant[0] = r->lang[0] = r->dkim_d[0] = r->msgid[0] = '\0';
	if (hn == 0 || hn == n)
		return err_set(e, EXIT_DATA, "no header block");
	header_addr(msg, hn, "From", &r->t, r->from, sizeof r->from);
	if (r->from[0] == '\0')
		return err_set(e, EXIT_DATA, "no From address");
	header_addr(msg, hn, "Reply-To", &r->t, r->reply_to, sizeof r->reply_to);
	header_addr(msg, hn, "To", &r->t, r->to, sizeof r->to);
	if (mime_find_header(msg, hn, "Message-ID", &r->t) == 1)
		snprintf(r->msgid, sizeof r->msgid, "%s", r->t.s);
	if ((rc = mime_find_header(msg, hn, "Subject", &r->t)) < 0 ||
	    (rc == 1 && mailread_decode_words(&r->subject, r->t.s, r->t.len) < 0))
		return err_nomem(e);
	if (mime_find_header(msg, hn, "X-Variant", &r->t) == 1 &&
	    mailmsg_unpct(r->t.s, r->t.len, r->variant, sizeof r->variant) < 0)
		r->variant[0] = '\0';
	if (mime_find_header(msg, hn, "DKIM-Signature", &r->t) == 1) {
		const char *d = r->t.s;
		size_t k = 0;

		while ((d = strstr(d, "d=")) != NULL && d != r->t.s && d[-1] != ';' && d[-1] != ' ' &&
		    d[-1] != '\t')
			d += 2;
		if (d != NULL)
			for (d += 2; *d && *d != ';' && !isspace((unsigned char)*d) &&
			    k + 1 < sizeof r->dkim_d; d++)
				r->dkim_d[k++] = *d;
		r->dkim_d[k] = '\0';
		if (k == 0)
			snprintf(r->dkim_d, sizeof r->dkim_d, "?");
	}
	if (mime_find_header(msg, hn, "List-Unsubscribe", &r->t) == 1) {
		r->unsub = 1;
		r->one_click = strcasestr(r->t.s, "<https://") != NULL;
	}
	if (r->one_click && (mime_find_header(msg, hn, "List-Unsubscribe-Post", &r->t) != 1 ||
	    strcmp(r->t.s, "List-Unsubscribe=One-Click") != 0))
		r->one_click = 0;
	if (mime_find_header(msg, hn, "Content-Type", &r->t) == 1 &&
	    strncasecmp(r->t.s, "multipart/", 10) == 0) {
		if (!param(r->t.s, "boundary", boundary, sizeof boundary))
			return err_set(e, EXIT_DATA, "multipart without a boundary");
		if (take_parts(r, msg + hn, n - hn, boundary) < 0)
			return err_nomem(e);
	} else if (take_part(r, msg, n) < 0) {
		return err_nomem(e);
	}
	html_lang(r);
	return 0;
}

/* The last two labels of d (all of it with fewer). */
static const char *
org(const char *d)
{
	const char *p = d + strlen(d);
	int dots = 0;

	while (p > d) {
		if (p[-1] == '.' && ++dots == 2)
			return p;
		p--;
	}
	return d;
}

int
mailread_domains_aligned(const char *a, const char *b)
{
	if (a[0] == '\0' || b[0] == '\0')
		return 0;
	return strcasecmp(org(a), org(b)) == 0;
}
