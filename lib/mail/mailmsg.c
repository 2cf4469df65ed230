/* mailmsg.c - builds a campaign email: headers, text/plain and text/html parts, catalog links */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/sha.h>

#include "base/exitcode.h"
#include "mail/mailmsg.h"
#include "write/mailtext.h"
#include "mail/mime.h"
#include "base/ndjson.h"
#include "write/price.h"

#define MAX_ITEMS 64
#define ITEM_VARS 8
#define TOP_VARS 16

enum { T_CLEAN, T_TEXT, T_HTML, T_STORE, T_MISC, T_URL };

void
mailmsg_init(struct mailmsg *m)
{
	size_t i;

	memset(m, 0, sizeof *m);
	buf_init(&m->head);
	buf_init(&m->body);
	for (i = 0; i < sizeof m->t / sizeof m->t[0]; i++)
		buf_init(&m->t[i]);
}

void
mailmsg_free(struct mailmsg *m)
{
	size_t i;

	buf_free(&m->head);
	buf_free(&m->body);
	for (i = 0; i < sizeof m->t / sizeof m->t[0]; i++)
		buf_free(&m->t[i]);
}

static int
campaign_ok(const char *c)
{
	size_t n = c ? strlen(c) : 0;

	return n > 0 && n <= 64 &&
	    strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-") == n;
}

int
mailmsg_check_opts(const struct mailmsg_opts *o, struct err *e)
{
	if (o->from_addr == NULL || !mime_addr_valid(o->from_addr))
		return err_set(e, EXIT_USAGE, "--from: a valid address is required");
	if (o->reply_addr != NULL && !mime_addr_valid(o->reply_addr))
		return err_set(e, EXIT_USAGE, "--reply-to: invalid address");
	if (o->campaign != NULL && !campaign_ok(o->campaign))
		return err_set(e, EXIT_USAGE,
		    "--campaign: '%s' is not 1 to 64 of A-Z a-z 0-9 . _ : -", o->campaign);
	if (o->unsub_mailto != NULL && !mime_addr_valid(o->unsub_mailto))
		return err_set(e, EXIT_USAGE, "--unsub-mailto: invalid address");
	if (o->unsub_url != NULL) {
		if (strncasecmp(o->unsub_url, "https://", 8) != 0 || !html_url_ok(o->unsub_url) ||
		    strlen(o->unsub_url) > 512)
			return err_set(e, EXIT_USAGE, "--unsub-url: not an https URL of at most 512 bytes");
	}
	if ((o->unsub_url || o->click_base || o->open_base) && (o->keys == NULL || o->keys->n == 0))
		return err_set(e, EXIT_USAGE, "--%s needs a link key of at least 16 bytes "
		    "(RECMAIL_UNSUB_KEY or --unsub-key-file)", o->unsub_url ? "unsub-url" :
		    o->click_base ? "click-base" : "open-pixel");
	if (o->click_base != NULL && (!html_url_ok(o->click_base) || strlen(o->click_base) > 512))
		return err_set(e, EXIT_USAGE, "--click-base: not an http(s) URL");
	if (o->open_base != NULL && (!html_url_ok(o->open_base) || strlen(o->open_base) > 512))
		return err_set(e, EXIT_USAGE, "--open-pixel: not an http(s) URL");
	if (o->utm_source != NULL && !campaign_ok(o->utm_source))
		return err_set(e, EXIT_USAGE, "--utm-source: not 1 to 64 of A-Z a-z 0-9 . _ : -");
	if (o->unsub_mailto == NULL && o->unsub_url == NULL && !o->no_unsub)
		return err_set(e, EXIT_USAGE, "no unsubscribe route: give --unsub-mailto or --unsub-url "
		    "(marketing mail must have one), or --no-unsubscribe");
	if (o->tmpl == NULL)
		return err_set(e, EXIT_USAGE, "no HTML template");
	return 0;
}

static void
hex(const unsigned char *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int
mailmsg_message_id(const struct linktoken_keys *ks, const char *campaign, const char *user,
    const char *domain, char *out, size_t sz)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char h[2 * SHA256_DIGEST_LENGTH + 1], buf[1024];
	int n;

	n = snprintf(buf, sizeof buf, "recmail-msgid\n%s\n%s", campaign, user);
	if (n < 0 || (size_t)n >= sizeof buf)
		return -1;
	if (ks != NULL && ks->n > 0) {
		if (linktoken_digest(ks, "recmail msgid v1", buf, (size_t)n, md) < 0)
			return -1;
	} else {
		SHA256((const unsigned char *)buf, (size_t)n, md);
	}
	hex(md, 16, h);
	n = snprintf(out, sz, "<%s.%s@%s>", h, campaign, domain);
	return n < 0 || (size_t)n >= sz ? -1 : 0;
}

/*
 * Appends base, "?" or "&", "t=" and the token of t (sealed under the first
 * key: docs/trackd.md). Returns 0, or -1 with e set.
 */
static int
add_token_link(struct mailmsg *m, struct buf *st, const struct mailmsg_opts *o, const char *base,
    const struct linktoken *t, struct err *e)
{
	long n = linktoken_encode(o->keys, t, m->tok, sizeof m->tok, e);

	if (n < 0)
		return -1;
	if ((base && (buf_adds(st, base) < 0 || buf_adds(st, strchr(base, '?') ? "&t=" : "?t=") < 0)) ||
	    buf_add(st, m->tok, (size_t)n) < 0)
		return err_nomem(e);
	return 0;
}

int
mailmsg_pct(struct buf *out, const char *s)
{
	static const char d[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			if (buf_addc(out, c) < 0)
				return -1;
		} else if (buf_addc(out, '%') < 0 || buf_addc(out, d[c >> 4]) < 0 ||
		    buf_addc(out, d[c & 15]) < 0) {
			return -1;
		}
	}
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
mailmsg_unpct(const char *s, size_t n, char *out, size_t sz)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int a, b;

			if (i + 2 >= n)
				return -1;
			a = hexval((unsigned char)s[i + 1]);
			b = hexval((unsigned char)s[i + 2]);
			if (a < 0 || b < 0)
				return -1;
			c = a * 16 + b;
			i += 2;
		}
		if (k + 1 >= sz)
			return -1;
		out[k++] = (char)c;
	}
	out[k] = '\0';
	return 0;
}

/* Appends url with the UTM parameters, before any #fragment. */
static int
add_utm(struct buf *b, const char *url, const char *source, const char *campaign,
    const char *variant)
{
	const char *hash = strchr(url, '#');
	size_t n = hash ? (size_t)(hash - url) : strlen(url);

	if (buf_add(b, url, n) < 0 ||
	    buf_addc(b, memchr(url, '?', n) ? '&' : '?') < 0 ||
	    buf_adds(b, "utm_source=") < 0 || mailmsg_pct(b, source) < 0 ||
	    buf_adds(b, "&utm_medium=email&utm_campaign=") < 0 || mailmsg_pct(b, campaign) < 0)
		return -1;
	if (variant[0] != '\0' &&
	    (buf_adds(b, "&utm_content=") < 0 || mailmsg_pct(b, variant) < 0))
		return -1;
	if (hash != NULL && buf_adds(b, hash) < 0)
		return -1;
	return 0;
}

/* Header-safe copy of s into the store; returns its offset. */
static size_t
store_clean(struct buf *st, const char *s, int *bad)
{
	size_t off = st->len;

	if (mime_clean_text(st, s ? s : "", s ? strlen(s) : 0) < 0 || buf_addc(st, '\0') < 0)
		*bad = 1;
	return off;
}

static size_t
store_str(struct buf *st, const char *s, int *bad)
{
	size_t off = st->len;

	if (buf_add(st, s, strlen(s) + 1) < 0)
		*bad = 1;
	return off;
}

/* The link to put in the email for a catalog URL: UTM parameters, then the
 * click-tracking redirect when asked for. Stored; returns its offset. */
static size_t
store_link(struct mailmsg *m, const struct mailmsg_opts *o, const char *url,
    struct linktoken *t, int *bad)
{
	struct buf *st = &m->t[T_STORE], *u = &m->t[T_URL];
	size_t off = st->len;
	const char *campaign = t->campaign, *variant = t->variant;
	struct err e;

	buf_reset(u);
	if (add_utm(u, url, o->utm_source ? o->utm_source : "recmail", campaign, variant) < 0) {
		*bad = 1;
		return off;
	}
	if (o->click_base == NULL)
		return store_str(st, u->s, bad);
	t->kind = LINKTOKEN_CLICK;
	t->url = u->s;
	/* a catalog URL too long for a token is no link at all, rather than a broken one */
	if (add_token_link(m, st, o, o->click_base, t, &e) < 0) {
		st->len = off;
		if (e.code != EXIT_DATA)
			*bad = 1;
	}
	t->url = "";
	if (buf_addc(st, '\0') < 0)
		*bad = 1;
	return off;
}

/*
 * The reason of a card and of the text part's list in the language of t:
 * mailtext's one reason text around the cleaned, title-cased cited title
 * (tb is scratch room).
 */
static void
reason_text(const json_t *reason, const struct mailtext *t, struct buf *st, struct buf *tb,
    size_t *off, int *bad)
{
	const char *because = json_string_value(json_object_get(reason, "because_title"));

	buf_reset(tb);
	if (because != NULL && (mime_clean_text(tb, because, strlen(because)) < 0 ||
	    buf_addc(tb, '\0') < 0))
		*bad = 1;
	if (because != NULL && !*bad)
		mailtext_title_case(tb->s);
	*off = st->len;
	if (mailtext_reason(st, t, reason, because != NULL && !*bad ? tb->s : NULL) < 0 ||
	    buf_addc(st, '\0') < 0)
		*bad = 1;
}

struct item_off {
	size_t title, price, url, image, reason, sku;
};

/* Whether s[0..n) (valid UTF-8) holds nothing but white space, ASCII or Unicode (no-break,
 * ideographic, zero-width spaces, line and paragraph separators, the BOM): a subject or body
 * of only these would be a message with nothing in it. */
static int
blank(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		unsigned cp;

		if (*p < 0x80) {
			if (strchr(" \t\r\n\v\f", *p) == NULL || *p == '\0')
				return 0;
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0 && end - p >= 2) {
			cp = (unsigned)(*p & 0x1f) << 6 | (p[1] & 0x3f);
			p += 2;
		} else if ((*p & 0xf0) == 0xe0 && end - p >= 3) {
			cp = (unsigned)(*p & 0x0f) << 12 | (unsigned)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
			p += 3;
		} else {
			return 0;
		}
		if (!(cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200d) || cp == 0x2028 ||
		    cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x2060 || cp == 0x3000 ||
		    cp == 0xfeff))
			return 0;
	}
	return 1;
}

/* The reply content's three strings. */
static int
parse_content(const char *content, size_t len, json_t **root, const char **subj,
    const char **pre, const char **body, size_t *bodylen, struct err *e)
{
	json_error_t je;
	json_t *s, *p, *b;

	*root = json_loadb(content, len, JSON_REJECT_DUPLICATES, &je);
	if (*root == NULL || !json_is_object(*root))
		return err_set(e, EXIT_DATA, "content is not a JSON object");
	s = json_object_get(*root, "subject");
	p = json_object_get(*root, "preheader");
	b = json_object_get(*root, "body_text");
	if (!json_is_string(s) || !json_is_string(b) || (p != NULL && !json_is_string(p)))
		return err_set(e, EXIT_DATA, "content lacks string \"subject\" and \"body_text\"");
	*subj = json_string_value(s);
	*pre = p ? json_string_value(p) : "";
	*body = json_string_value(b);
	*bodylen = json_string_length(b);
	if (blank(*subj, strlen(*subj)) || blank(*body, *bodylen))
		return err_set(e, EXIT_DATA, "content has an empty subject or body_text");
	return 0;
}

static int
add_part(struct buf *body, const char *boundary, const char *type, const char *s, size_t n)
{
	return buf_addf(body, "--%s\nContent-Type: %s; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n", boundary, type) < 0 ||
	    mime_qp_encode(body, s, n) < 0 || buf_addc(body, '\n') < 0 ? -1 : 0;
}

int
mailmsg_check_meta(const struct mailmsg_opts *o, const json_t *meta, struct err *e)
{
	const char *email, *campaign;
	const json_t *items;

	if (!json_is_object(meta))
		return err_set(e, EXIT_DATA, "record has no \"meta\" object");
	email = json_string_value(json_object_get(meta, "email"));
	if (email == NULL)
		return err_set(e, EXIT_DATA, "meta has no \"email\"");
	if (!mime_addr_valid(email) || strlen(email) >= sizeof ((struct mailmsg *)0)->rcpt)
		return err_set(e, EXIT_DATA, "meta.email is not a valid address");
	campaign = o->campaign ? o->campaign : json_string_value(json_object_get(meta, "campaign"));
	if (campaign == NULL)
		return err_set(e, EXIT_DATA, "no campaign (give --campaign or meta.campaign)");
	if (!campaign_ok(campaign))
		return err_set(e, EXIT_DATA, "meta.campaign is not 1 to 64 of A-Z a-z 0-9 . _ : -");
	items = json_object_get(meta, "items");
	if (items != NULL && !json_is_array(items))
		return err_set(e, EXIT_DATA, "meta.items is not an array");
	if (json_array_size(items) > MAX_ITEMS)
		return err_set(e, EXIT_DATA, "meta.items has more than %d items", MAX_ITEMS);
	return 0;
}

int
mailmsg_build(struct mailmsg *m, const struct mailmsg_opts *o, const json_t *meta,
    const char *writer, const char *content, size_t len, struct err *e)
{
	struct html_var top[TOP_VARS], iv[MAX_ITEMS][ITEM_VARS];
	struct html_scope scopes[MAX_ITEMS];
	struct item_off io[MAX_ITEMS];
	struct html_data hd;
	struct buf *st = &m->t[T_STORE], *txt = &m->t[T_TEXT], *misc = &m->t[T_MISC];
	const char *email, *campaign, *variant, *user, *name, *first, *brand, *locale;
	const char *subj = NULL, *pre = NULL, *body = NULL, *domain;
	const struct mailtext *mt;
	size_t bodylen = 0, nitems, i, ntop = 0, unsub_off = 0, pixel_off = 0, footer_off;
	size_t ref_off = (size_t)-1;
	const json_t *items;
	json_t *root = NULL;
	struct linktoken lt;
	char date[40], boundary[64];
	int bad = 0, rc = -1;

	if (mailmsg_check_meta(o, meta, e) < 0)
		return -1;
	email = json_string_value(json_object_get(meta, "email"));
	campaign = o->campaign ? o->campaign : json_string_value(json_object_get(meta, "campaign"));
	variant = json_string_value(json_object_get(meta, "variant"));
	user = json_string_value(json_object_get(meta, "user"));
	name = json_string_value(json_object_get(meta, "name"));
	first = json_string_value(json_object_get(meta, "first_name"));
	brand = json_string_value(json_object_get(meta, "brand"));
	locale = json_string_value(json_object_get(meta, "locale"));
	mt = mailtext_for(locale);
	if (variant == NULL)
		variant = "";
	if (user == NULL || user[0] == '\0')
		user = email;
	if (brand == NULL || brand[0] == '\0')
		brand = o->from_name && o->from_name[0] ? o->from_name : "";
	items = json_object_get(meta, "items");
	nitems = json_array_size(items);
	if (parse_content(content, len, &root, &subj, &pre, &body, &bodylen, e) < 0)
		goto done;

	snprintf(m->rcpt, sizeof m->rcpt, "%s", email);
	snprintf(m->user, sizeof m->user, "%s", user);
	domain = strrchr(o->from_addr, '@') + 1;
	if (mailmsg_message_id(o->keys, campaign, user, domain, m->msgid, sizeof m->msgid) < 0) {
		err_set(e, EXIT_DATA, "Message-ID too long");
		goto done;
	}
	snprintf(boundary, sizeof boundary, "=_rm_%.24s", m->msgid + 1);
	mime_date(o->date, date, sizeof date);

	/* the stored strings: offsets now, pointers once the store stops growing */
	lt = (struct linktoken){ LINKTOKEN_CLICK, (int64_t)o->date, campaign, variant, user, "", "", "",
	    "" };
	buf_reset(st);
	for (i = 0; i < nitems; i++) {
		const json_t *it = json_array_get(items, i);
		const char *url = json_string_value(json_object_get(it, "url"));
		const char *img = json_string_value(json_object_get(it, "image"));
		const char *title = json_string_value(json_object_get(it, "title"));
		const char *sku = json_string_value(json_object_get(it, "item"));
		char price[PRICE_MAX];

		if (!json_is_object(it)) {
			err_set(e, EXIT_DATA, "meta.items[%zu] is not an object", i);
			goto done;
		}
		io[i].sku = store_clean(st, sku, &bad);
		io[i].title = store_clean(st, title && title[0] ? title : sku, &bad);
		if (!bad)
			mailtext_title_case(st->s + io[i].title);
		price_format(it, locale, price, sizeof price);
		io[i].price = store_str(st, price, &bad);
		lt.item = sku ? sku : "";
		io[i].url = html_url_ok(url) ? store_link(m, o, url, &lt, &bad) :
		    store_str(st, "", &bad);
		io[i].image = store_str(st, html_url_ok(img) ? img : "", &bad);
		reason_text(json_object_get(it, "reason"), mt, st, misc, &io[i].reason, &bad);
	}
	footer_off = st->len;
	if (mailtext_footer(st, mt, brand) < 0 || buf_addc(st, '\0') < 0)
		bad = 1;
	lt.item = "";
	if (o->unsub_url != NULL) {
		unsub_off = st->len;
		lt.kind = LINKTOKEN_UNSUB;
		lt.email = email;
		lt.lang = mt->lang;
		if (add_token_link(m, st, o, o->unsub_url, &lt, e) < 0)
			goto done;
		lt.email = lt.lang = "";
		if (buf_addc(st, '\0') < 0)
			bad = 1;
	}
	if (o->open_base != NULL) {
		pixel_off = st->len;
		lt.kind = LINKTOKEN_OPEN;
		if (add_token_link(m, st, o, o->open_base, &lt, e) < 0)
			goto done;
		if (buf_addc(st, '\0') < 0)
			bad = 1;
	}
	if (o->keys != NULL && o->keys->n > 0) {
		ref_off = st->len;
		lt.kind = LINKTOKEN_REF;
		if (add_token_link(m, st, o, NULL, &lt, e) < 0)
			goto done;
		if (buf_addc(st, '\0') < 0)
			bad = 1;
	}
	if (bad)
		goto nomem;

	/* headers */
	buf_reset(&m->head);
	buf_reset(misc);
	if (mime_header_mailbox(&m->head, "From", o->from_name, o->from_addr, e) < 0 ||
	    (o->reply_addr && mime_header_mailbox(&m->head, "Reply-To", o->reply_name, o->reply_addr,
	    e) < 0) ||
	    mime_header_mailbox(&m->head, "To", name, email, e) < 0)
		goto done;
	if (mime_header_text(&m->head, "Subject", subj) < 0)
		goto nomem;
	if (mime_header_raw(&m->head, "Date", date, e) < 0 ||
	    mime_header_raw(&m->head, "Message-ID", m->msgid, e) < 0 ||
	    mime_header_raw(&m->head, "MIME-Version", "1.0", e) < 0)
		goto done;
	if (o->unsub_mailto != NULL || o->unsub_url != NULL) {
		if (o->unsub_mailto && buf_addf(misc, "<mailto:%s?subject=unsubscribe>%s",
		    o->unsub_mailto, o->unsub_url ? ",\x1f" : "") < 0)
			goto nomem;
		if (o->unsub_url && buf_addf(misc, "<%s>", st->s + unsub_off) < 0)
			goto nomem;
		if (mime_header_raw(&m->head, "List-Unsubscribe", misc->s, e) < 0)
			goto done;
		if (o->unsub_url && mime_header_raw(&m->head, "List-Unsubscribe-Post",
		    "List-Unsubscribe=One-Click", e) < 0)
			goto done;
	}
	if (mime_header_raw(&m->head, "X-Campaign", campaign, e) < 0)
		goto done;
	buf_reset(misc);
	if (mailmsg_pct(misc, variant) < 0)
		goto nomem;
	if (variant[0] && mime_header_raw(&m->head, "X-Variant", misc->s, e) < 0)
		goto done;
	if (writer != NULL && writer[0] != '\0') {
		char w[101];

		snprintf(w, sizeof w, "%s", writer);
		buf_reset(misc);
		if (mailmsg_pct(misc, w) < 0)
			goto nomem;
		if (mime_header_raw(&m->head, "X-Recmail-Writer", misc->s, e) < 0)
			goto done;
	}
	/* who the message is for, for mailsend's events: sealed, so a forward shows nobody */
	if (ref_off != (size_t)-1 && mime_header_raw(&m->head, "X-Recmail-Ref", st->s + ref_off, e) < 0)
		goto done;
	buf_reset(misc);
	if (buf_addf(misc, "multipart/alternative;\x1f" "boundary=\"%s\"", boundary) < 0)
		goto nomem;
	if (mime_header_raw(&m->head, "Content-Type", misc->s, e) < 0)
		goto done;

	/* text/plain: the model's text, then the catalog's products and links */
	buf_reset(txt);
	if (mime_clean_body(txt, body, bodylen) < 0)
		goto nomem;
	while (txt->len > 0 && (txt->s[txt->len - 1] == '\n' || txt->s[txt->len - 1] == ' '))
		txt->s[--txt->len] = '\0';
	if (buf_addc(txt, '\n') < 0)
		goto nomem;
	if (nitems > 0 && buf_addc(txt, '\n') < 0)
		goto nomem;
	for (i = 0; i < nitems; i++) {
		const char *price = st->s + io[i].price, *url = st->s + io[i].url;

		if (buf_addf(txt, "* %s%s%s\n  %s\n", st->s + io[i].title, price[0] ? " - " : "",
		    price, st->s + io[i].reason) < 0 || (url[0] && buf_addf(txt, "  %s\n", url) < 0))
			goto nomem;
	}
	if (buf_adds(txt, "\n-- \n") < 0 || (brand[0] && buf_addf(txt, "%s\n", brand) < 0))
		goto nomem;
	if ((o->unsub_url && buf_addf(txt, "%s%s\n", mt->unsubscribe_label, st->s + unsub_off) < 0) ||
	    (!o->unsub_url && o->unsub_mailto && buf_addf(txt, "%smailto:%s?subject=unsubscribe\n",
	    mt->unsubscribe_label, o->unsub_mailto) < 0))
		goto nomem;

	/* text/html: the template */
	buf_reset(misc);
	if (html_paragraphs(misc, body, bodylen) < 0)
		goto nomem;
	for (i = 0; i < nitems; i++) {
		struct html_var *v = iv[i];

		v[0] = (struct html_var){ "title", st->s + io[i].title };
		v[1] = (struct html_var){ "price", st->s + io[i].price };
		v[2] = (struct html_var){ "url", st->s + io[i].url };
		v[3] = (struct html_var){ "image", st->s + io[i].image };
		v[4] = (struct html_var){ "reason", st->s + io[i].reason };
		v[5] = (struct html_var){ "item", st->s + io[i].sku };
		scopes[i] = (struct html_scope){ v, 6 };
	}
	top[ntop++] = (struct html_var){ "subject", subj };
	top[ntop++] = (struct html_var){ "preheader", pre };
	top[ntop++] = (struct html_var){ "body_html", misc->s };
	top[ntop++] = (struct html_var){ "brand", brand };
	top[ntop++] = (struct html_var){ "name", name ? name : "" };
	top[ntop++] = (struct html_var){ "first_name", first ? first : "" };
	top[ntop++] = (struct html_var){ "campaign", campaign };
	top[ntop++] = (struct html_var){ "unsubscribe_url", o->unsub_url ? st->s + unsub_off : "" };
	top[ntop++] = (struct html_var){ "unsubscribe_mailto", o->unsub_mailto ? o->unsub_mailto : "" };
	top[ntop++] = (struct html_var){ "open_pixel_url", o->open_base ? st->s + pixel_off : "" };
	top[ntop++] = (struct html_var){ "lang", locale && strspn(locale,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") == strlen(locale) ?
	    locale : "en" };
	top[ntop++] = (struct html_var){ "t_view_product", mt->view_product };
	top[ntop++] = (struct html_var){ "t_footer", st->s + footer_off };
	top[ntop++] = (struct html_var){ "t_unsubscribe", mt->unsubscribe };
	hd.top = (struct html_scope){ top, ntop };
	hd.list = "items";
	hd.items = scopes;
	hd.nitems = nitems;
	buf_reset(&m->t[T_HTML]);
	if (html_render(o->tmpl, &hd, &m->t[T_HTML]) < 0)
		goto nomem;

	buf_reset(&m->body);
	if (add_part(&m->body, boundary, "text/plain", txt->s, txt->len) < 0 ||
	    add_part(&m->body, boundary, "text/html", m->t[T_HTML].s, m->t[T_HTML].len) < 0 ||
	    buf_addf(&m->body, "--%s--\n", boundary) < 0)
		goto nomem;
	rc = 0;
	goto done;
nomem:
	err_nomem(e);
done:
	json_decref(root);
	return rc;
}

/* A header's value, decoded from the percent-encoding mailfmt gives X- headers; "" when absent. */
static void
xheader(const char *head, size_t hn, const char *name, struct buf *v, char *out, size_t sz)
{
	out[0] = '\0';
	if (mime_find_header(head, hn, name, v) == 1 && mailmsg_unpct(v->s, v->len, out, sz) < 0)
		out[0] = '\0';
}

int
mailmsg_read_ref(const struct linktoken_keys *ks, const char *head, size_t hn,
    struct buf *scratch, struct mailmsg_ref *ref)
{
	char store[LINKTOKEN_MAX];
	struct linktoken t;

	xheader(head, hn, "X-Campaign", scratch, ref->campaign, sizeof ref->campaign);
	xheader(head, hn, "X-Variant", scratch, ref->variant, sizeof ref->variant);
	if (mime_find_header(head, hn, "X-Recmail-Ref", scratch) != 1) {
		xheader(head, hn, "X-Recmail-User", scratch, ref->user, sizeof ref->user);
		return 0;
	}
	if (linktoken_decode(ks, scratch->s, scratch->len, &t, store, NULL) < 0 ||
	    t.kind != LINKTOKEN_REF || t.user[0] == '\0' || strlen(t.user) >= sizeof ref->user)
		return -1;
	memcpy(ref->user, t.user, strlen(t.user) + 1);
	return 0;
}
