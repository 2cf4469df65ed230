/* mime.c - header-safe text, RFC 2047 encoded-words, folding, quoted-printable, addresses */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "base/exitcode.h"
#include "mail/mime.h"

/* Bytes of UTF-8 per encoded-word: 39 bytes are 52 base64 characters, so that
 * "Subject: =?UTF-8?B?...?=" stays within 78 columns. */
#define EW_BYTES 39
/* A plain word longer than this cannot be folded: the value is encoded instead. */
#define WORD_MAX 72

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0 when invalid. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

static const char replacement[] = "\xef\xbf\xbd";

int
mime_clean_text(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = out->len;
	int space = 1; /* drop leading spaces */

	if (buf_reserve(out, n + n / 2 + 4) < 0)
		return -1;
	while (i < n) {
		size_t k = utf8_seq(p + i, n - i);
		int ctl = k == 1 && (p[i] < 0x20 || p[i] == 0x7f);

		if (k == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)
			ctl = 1; /* C1 controls */
		if (ctl || (k == 1 && p[i] == ' ')) {
			if (!space && buf_addc(out, ' ') < 0)
				return -1;
			space = 1;
			i += k;
			continue;
		}
		space = 0;
		if (k == 0) {
			if (buf_add(out, replacement, 3) < 0)
				return -1;
			i++;
		} else {
			if (buf_add(out, p + i, k) < 0)
				return -1;
			i += k;
		}
	}
	if (out->len > start && out->s[out->len - 1] == ' ')
		out->s[--out->len] = '\0';
	return 0;
}

int
mime_clean_body(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	if (buf_reserve(out, n + 4) < 0)
		return -1;
	while (i < n) {
		size_t k = utf8_seq(p + i, n - i);

		if (k == 1) {
			unsigned c = p[i];

			if (c == '\r') {
				if (buf_addc(out, '\n') < 0)
					return -1;
				i += (i + 1 < n && p[i + 1] == '\n') ? 2 : 1;
				continue;
			}
			if ((c >= 0x20 && c != 0x7f) || c == '\n' || c == '\t') {
				if (buf_addc(out, (int)c) < 0)
					return -1;
			}
			i++;
		} else if (k == 0) {
			if (buf_add(out, replacement, 3) < 0)
				return -1;
			i++;
		} else {
			if (!(k == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0) &&
			    buf_add(out, p + i, k) < 0)
				return -1;
			i += k;
		}
	}
	return 0;
}

/* --- folding: a header line filled word by word --- */

struct fold {
	struct buf *out;
	size_t col;     /* characters on the current line */
	int words;      /* words written after the field name */
};

static int
fold_start(struct fold *f, struct buf *out, const char *name)
{
	f->out = out;
	f->col = strlen(name) + 1;
	f->words = 0;
	if (buf_adds(out, name) < 0 || buf_addc(out, ':') < 0)
		return -1;
	return 0;
}

/* Writes one word preceded by a space, or by a line break and a space when
 * the line would pass MIME_LINE_SOFT; never breaks before the first word. */
static int
fold_word(struct fold *f, const char *w, size_t n)
{
	if (f->words > 0 && f->col + 1 + n > MIME_LINE_SOFT) {
		if (buf_add(f->out, "\n ", 2) < 0)
			return -1;
		f->col = 1;
	} else {
		if (buf_addc(f->out, ' ') < 0)
			return -1;
		f->col++;
	}
	if (buf_add(f->out, w, n) < 0)
		return -1;
	f->col += n;
	f->words++;
	return 0;
}

static int
fold_end(struct fold *f)
{
	return buf_addc(f->out, '\n');
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
mime_base64(struct buf *out, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t i;
	char *o;

	if (buf_reserve(out, (n + 2) / 3 * 4) < 0)
		return -1;
	o = out->s + out->len;
	for (i = 0; i + 2 < n; i += 3) {
		*o++ = b64chars[p[i] >> 2];
		*o++ = b64chars[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = b64chars[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*o++ = b64chars[p[i + 2] & 63];
	}
	if (i < n) {
		*o++ = b64chars[p[i] >> 2];
		if (i + 1 < n) {
			*o++ = b64chars[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
			*o++ = b64chars[(p[i + 1] & 15) << 2];
		} else {
			*o++ = b64chars[(p[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	out->len = (size_t)(o - out->s);
	out->s[out->len] = '\0';
	return 0;
}

/* Writes s[0..n) (valid UTF-8) as encoded-words of at most EW_BYTES bytes,
 * cut between characters. Adjacent encoded-words decode without the space
 * between them, so the text comes back exactly. */
static int
fold_encoded(struct fold *f, const char *s, size_t n)
{
	char word[96];
	struct buf tmp;
	size_t i = 0;
	int rc = 0;

	buf_init(&tmp);
	while (i < n && rc == 0) {
		size_t j = i;

		while (j < n) {
			size_t k = utf8_seq((const unsigned char *)s + j, n - j);

			if (k == 0)
				k = 1;
			if (j + k - i > EW_BYTES)
				break;
			j += k;
		}
		buf_reset(&tmp);
		if (buf_adds(&tmp, "=?UTF-8?B?") < 0 || mime_base64(&tmp, s + i, j - i) < 0 ||
		    buf_adds(&tmp, "?=") < 0 || tmp.len >= sizeof word) {
			rc = -1;
			break;
		}
		memcpy(word, tmp.s, tmp.len);
		rc = fold_word(f, word, tmp.len);
		i = j;
	}
	buf_free(&tmp);
	return rc;
}

/* True when s needs encoded-words: non-ASCII, "=?" (would be decoded), or a
 * word too long to fold. */
static int
needs_encoding(const char *s, size_t n)
{
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80)
			return 1;
		if (c == '=' && i + 1 < n && s[i + 1] == '?')
			return 1;
		run = c == ' ' ? 0 : run + 1;
		if (run > WORD_MAX)
			return 1;
	}
	return 0;
}

/* Writes the words of s (single spaces between them, as mime_clean_text leaves it). */
static int
fold_words(struct fold *f, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const char *sp = memchr(s + i, ' ', n - i);
		size_t j = sp ? (size_t)(sp - s) : n;

		if (j > i && fold_word(f, s + i, j - i) < 0)
			return -1;
		i = j + 1;
	}
	return 0;
}

int
mime_header_text(struct buf *out, const char *name, const char *value)
{
	struct buf clean;
	struct fold f;
	int rc;

	buf_init(&clean);
	if (mime_clean_text(&clean, value ? value : "", value ? strlen(value) : 0) < 0 ||
	    fold_start(&f, out, name) < 0) {
		buf_free(&clean);
		return -1;
	}
	if (needs_encoding(clean.s ? clean.s : "", clean.len))
		rc = fold_encoded(&f, clean.s, clean.len);
	else
		rc = fold_words(&f, clean.s ? clean.s : "", clean.len);
	if (rc == 0)
		rc = fold_end(&f);
	buf_free(&clean);
	return rc;
}

static int
is_atext(int c)
{
	return isalnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

int
mime_header_mailbox(struct buf *out, const char *name, const char *display,
    const char *addr, struct err *e)
{
	struct buf clean, tmp;
	struct fold f;
	size_t i;
	int rc = -1, atoms = 1;

	if (!mime_addr_valid(addr))
		return err_set(e, EXIT_DATA, "invalid address for %s", name);
	buf_init(&clean);
	buf_init(&tmp);
	if (mime_clean_text(&clean, display ? display : "", display ? strlen(display) : 0) < 0 ||
	    fold_start(&f, out, name) < 0)
		goto nomem;
	for (i = 0; i < clean.len; i++)
		if (clean.s[i] != ' ' && !is_atext((unsigned char)clean.s[i]))
			atoms = 0;
	if (clean.len == 0)
		;
	else if (needs_encoding(clean.s, clean.len) || clean.len > WORD_MAX) {
		if (fold_encoded(&f, clean.s, clean.len) < 0)
			goto nomem;
	} else if (atoms) {
		if (fold_words(&f, clean.s, clean.len) < 0)
			goto nomem;
	} else {
		if (buf_addc(&tmp, '"') < 0)
			goto nomem;
		for (i = 0; i < clean.len; i++) {
			if ((clean.s[i] == '"' || clean.s[i] == '\\') && buf_addc(&tmp, '\\') < 0)
				goto nomem;
			if (buf_addc(&tmp, clean.s[i]) < 0)
				goto nomem;
		}
		if (buf_addc(&tmp, '"') < 0 || fold_word(&f, tmp.s, tmp.len) < 0)
			goto nomem;
	}
	buf_reset(&tmp);
	if (buf_addf(&tmp, "<%s>", addr) < 0 || fold_word(&f, tmp.s, tmp.len) < 0 ||
	    fold_end(&f) < 0)
		goto nomem;
	rc = 0;
	goto done;
nomem:
	err_nomem(e);
done:
	buf_free(&clean);
	buf_free(&tmp);
	return rc;
}

int
mime_header_raw(struct buf *out, const char *name, const char *value, struct err *e)
{
	struct fold f;
	const char *p = value, *q;

	for (q = value; *q; q++)
		if (((unsigned char)*q < 0x20 && *q != '\x1f') || (unsigned char)*q >= 0x7f)
			return err_set(e, EXIT_SOFTWARE, "unsafe character in %s header", name);
	if (fold_start(&f, out, name) < 0)
		return err_nomem(e);
	for (;;) {
		q = strchr(p, '\x1f');
		if (fold_word(&f, p, q ? (size_t)(q - p) : strlen(p)) < 0)
			return err_nomem(e);
		if (q == NULL)
			break;
		p = q + 1;
	}
	if (fold_end(&f) < 0)
		return err_nomem(e);
	return 0;
}

int
mime_addr_valid(const char *addr)
{
	const char *at, *p, *label;
	size_t n;

	if (addr == NULL || (at = strrchr(addr, '@')) == NULL)
		return 0;
	n = (size_t)(at - addr);
	if (n == 0 || n > 64 || addr[0] == '.' || at[-1] == '.')
		return 0;
	for (p = addr; p < at; p++) {
		if (*p == '.' ? p[1] == '.' : !is_atext((unsigned char)*p))
			return 0;
	}
	p = at + 1;
	n = strlen(p);
	if (n == 0 || n > 253)
		return 0;
	if (p[0] == '[') {
		unsigned a, b, c, d;
		char end;

		return sscanf(p, "[%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &end) == 5 && end == ']' &&
		    p[n - 1] == ']' && a < 256 && b < 256 && c < 256 && d < 256 &&
		    strchr(p + 1, ']') == p + n - 1;
	}
	label = p;
	for (;; p++) {
		if (*p == '.' || *p == '\0') {
			size_t ln = (size_t)(p - label);

			if (ln == 0 || ln > 63 || label[0] == '-' || p[-1] == '-')
				return 0;
			if (*p == '\0')
				return 1;
			label = p + 1;
		} else if (!isalnum((unsigned char)*p) && *p != '-') {
			return 0;
		}
	}
}

static char *
dup_trim(const char *s, size_t n)
{
	char *r;

	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	r = malloc(n + 1);
	if (r != NULL) {
		memcpy(r, s, n);
		r[n] = '\0';
	}
	return r;
}

int
mime_parse_mailbox(const char *s, char **display, char **addr, struct err *e)
{
	const char *lt = strrchr(s, '<'), *gt;
	char *d = NULL, *a = NULL;

	*display = *addr = NULL;
	if (lt != NULL) {
		gt = strchr(lt, '>');
		if (gt == NULL || gt[1 + strspn(gt + 1, " \t")] != '\0')
			return err_set(e, EXIT_DATA, "'%s' is not a mailbox (Name <addr>)", s);
		d = dup_trim(s, (size_t)(lt - s));
		a = dup_trim(lt + 1, (size_t)(gt - lt - 1));
	} else {
		d = strdup("");
		a = dup_trim(s, strlen(s));
	}
	if (d == NULL || a == NULL) {
		free(d);
		free(a);
		return err_nomem(e);
	}
	/* an outer quoted-string: unquote */
	if (d[0] == '"' && strlen(d) >= 2 && d[strlen(d) - 1] == '"') {
		char *r = d, *w = d;

		for (r = d + 1; r[1] != '\0'; r++) {
			if (*r == '\\' && r[1] != '\0' && r[2] != '\0')
				r++;
			*w++ = *r;
		}
		*w = '\0';
	}
	if (!mime_addr_valid(a)) {
		err_set(e, EXIT_DATA, "'%s' is not a valid address", a);
		free(d);
		free(a);
		return -1;
	}
	*display = d;
	*addr = a;
	return 0;
}

int
mime_value_addr(const char *v, size_t n, char *out, size_t sz)
{
	size_t i, lt = (size_t)-1, gt = 0, b, len;
	int depth = 0, quoted = 0;

	for (i = 0; i < n; i++) {
		char c = v[i];

		if (quoted) {
			if (c == '\\')
				i++;
			else if (c == '"')
				quoted = 0;
		} else if (depth > 0) {
			if (c == '\\')
				i++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
		} else if (c == '"') {
			quoted = 1;
		} else if (c == '(') {
			depth = 1;
		} else if (c == '<') {
			lt = i;
		} else if (c == '>' && lt != (size_t)-1 && gt <= lt) {
			gt = i;
		}
	}
	if (lt != (size_t)-1) {
		if (gt <= lt)
			return -1;
		b = lt + 1;
		len = gt - b;
	} else {
		b = 0;
		len = n;
	}
	while (len > 0 && isspace((unsigned char)v[b])) {
		b++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)v[b + len - 1]))
		len--;
	if (len == 0 || len >= sz)
		return -1;
	memcpy(out, v + b, len);
	out[len] = '\0';
	return 0;
}

static const char hexdig[] = "0123456789ABCDEF";

/* Writes one byte of a QP line as "=XX". */
static char *
qp_hex(char *o, unsigned c)
{
	*o++ = '=';
	*o++ = hexdig[c >> 4];
	*o++ = hexdig[c & 15];
	return o;
}

/* A byte a QP line may carry as itself (RFC 2045 6.7 rules 2 and 3): 33-126 but '=', SP, TAB. */
static inline int
qp_plain(unsigned c)
{
	return (c - 32u < 95u && c != '=') || c == '\t';
}

int
mime_qp_encode(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, col;
	char *o;

	/* worst case: every byte 3 characters, plus a soft break every 25 bytes */
	if (buf_reserve(out, n * 3 + n / 8 + 8) < 0)
		return -1;
	o = out->s + out->len;
	while (i < n) {
		const unsigned char *nl = memchr(p + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - p) : n;

		col = 0;
		while (i < end) {
			size_t lim = end - i < 75 - col ? end : i + (75 - col), j = i;
			unsigned c;
			int lit, w;

			/*
			 * The common case: a run of plain bytes that fits on the line, copied
			 * whole. A space or TAB ending the line and an "F" opening one ("From ")
			 * take the careful path below.
			 */
			if (col != 0 || p[i] != 'F')
				while (j < lim && qp_plain(p[j]))
					j++;
			if (j == end && (p[j - 1] == ' ' || p[j - 1] == '\t'))
				j--;
			if (j > i) {
				memcpy(o, p + i, j - i);
				o += j - i;
				col += j - i;
				i = j;
				continue;
			}
			c = p[i];
			if (c == ' ' || c == '\t')
				lit = i + 1 < end;
			else
				lit = c >= 33 && c <= 126 && c != '=';
			if (c == 'F' && col == 0 && n - i >= 5 && memcmp(p + i, "From ", 5) == 0)
				lit = 0;
			w = lit ? 1 : 3;
			/* keep room for the "=" of a soft break: at most 76 characters a line */
			if (col + (size_t)w > (i + 1 == end ? 76u : 75u)) {
				*o++ = '=';
				*o++ = '\n';
				col = 0;
				if (c == 'F' && n - i >= 5 && memcmp(p + i, "From ", 5) == 0)
					lit = 0, w = 3;
			}
			if (lit)
				*o++ = (char)c;
			else
				o = qp_hex(o, c);
			col += (size_t)w;
			i++;
		}
		if (nl != NULL) {
			*o++ = '\n';
			i++;
		}
	}
	out->len = (size_t)(o - out->s);
	out->s[out->len] = '\0';
	return 0;
}

void
mime_date(time_t t, char *out, size_t sz)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
		"Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, sz, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
	    months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

size_t
mime_head_len(const char *msg, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const char *nl = memchr(msg + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - msg) + 1 : n;
		size_t linelen = end - i - (nl != NULL);

		if (linelen == 0 || (linelen == 1 && msg[i] == '\r'))
			return end;
		i = end;
	}
	return n;
}

int
mime_find_header(const char *head, size_t n, const char *name, struct buf *out)
{
	size_t nl = strlen(name), i = 0;

	buf_reset(out);
	if (buf_reserve(out, 64) < 0)
		return -1;
	while (i < n) {
		const char *eol = memchr(head + i, '\n', n - i);
		size_t end = eol ? (size_t)(eol - head) : n;

		if (end == i || (end == i + 1 && head[i] == '\r'))
			return 0; /* end of the header block */
		if (end - i > nl && head[i + nl] == ':' && strncasecmp(head + i, name, nl) == 0) {
			size_t j = i + nl + 1;

			for (;;) {
				size_t e2 = end;

				if (e2 > j && head[e2 - 1] == '\r')
					e2--;
				if (buf_add(out, head + j, e2 - j) < 0)
					return -1;
				if (end >= n || end + 1 >= n || (head[end + 1] != ' ' && head[end + 1] != '\t'))
					break;
				j = end + 1;
				eol = memchr(head + j, '\n', n - j);
				end = eol ? (size_t)(eol - head) : n;
			}
			/* trim */
			{
				size_t a = 0, z = out->len;

				while (a < z && (out->s[a] == ' ' || out->s[a] == '\t'))
					a++;
				while (z > a && (out->s[z - 1] == ' ' || out->s[z - 1] == '\t'))
					z--;
				memmove(out->s, out->s + a, z - a);
				out->len = z - a;
				out->s[out->len] = '\0';
			}
			return 1;
		}
		i = end + 1;
	}
	return 0;
}

int
mime_base64_decode(struct buf *out, const char *s, size_t n)
{
	EVP_ENCODE_CTX *ctx;
	size_t start = out->len, done = 0;
	int ol = 0, rc = -1;

	/* OpenSSL skips the line breaks and spaces of a MIME body; it takes an int length */
	if (buf_reserve(out, n / 4 * 3 + 80) < 0)
		return -1;
	if ((ctx = EVP_ENCODE_CTX_new()) == NULL)
		return -1;
	EVP_DecodeInit(ctx);
	while (done < n) {
		int chunk = n - done > 65536 ? 65536 : (int)(n - done);

		if (EVP_DecodeUpdate(ctx, (unsigned char *)out->s + out->len, &ol,
		    (const unsigned char *)s + done, chunk) < 0)
			goto out;
		out->len += (size_t)ol;
		done += (size_t)chunk;
	}
	if (EVP_DecodeFinal(ctx, (unsigned char *)out->s + out->len, &ol) < 0)
		goto out;
	out->len += (size_t)ol;
	rc = 0;
out:
	EVP_ENCODE_CTX_free(ctx);
	if (rc < 0)
		out->len = start;
	out->s[out->len] = '\0';
	return rc;
}

static int
hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 :
	    c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int
mime_qp_decode(struct buf *out, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t le = nl ? (size_t)(nl - s) : n, e = le;
		int soft = 0;

		/* trailing white space is transport padding (RFC 2045 6.7 rule 3) */
		if (e > i && s[e - 1] == '\r')
			e--;
		while (e > i && (s[e - 1] == ' ' || s[e - 1] == '\t'))
			e--;
		if (e > i && s[e - 1] == '=')
			soft = 1, e--;
		while (i < e) {
			int hi, lo;

			if (s[i] == '=' && i + 2 < e && (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
			    (lo = hexval((unsigned char)s[i + 2])) >= 0) {
				if (buf_addc(out, hi * 16 + lo) < 0)
					return -1;
				i += 3;
				continue;
			}
			/* a stray '=' is kept as it is (RFC 2045 6.7 note 1: robust decoding) */
			if (buf_addc(out, s[i]) < 0)
				return -1;
			i++;
		}
		if (nl != NULL && !soft && buf_addc(out, '\n') < 0)
			return -1;
		i = nl ? le + 1 : n;
	}
	return 0;
}

int
mime_decode_body(struct buf *out, const char *cte, const char *s, size_t n)
{
	size_t k;

	if (cte != NULL) {
		cte += strspn(cte, " \t");
		k = strcspn(cte, " \t;(");
		if (k == 6 && strncasecmp(cte, "base64", 6) == 0 && mime_base64_decode(out, s, n) == 0)
			return 1;
		if (k == 16 && strncasecmp(cte, "quoted-printable", 16) == 0)
			return mime_qp_decode(out, s, n) < 0 ? -1 : 1;
	}
	return buf_add(out, s, n) < 0 ? -1 : 0;
}

/*
 * The encoded-word "=?charset?E?text?=" (RFC 2047) at s[0..n): its length, with its encoding
 * letter and text; 0 when there is none (no white space inside, B or Q only).
 */
static size_t
word_at(const char *s, size_t n, char *enc, const char **text, size_t *tl)
{
	const char *q, *end = s + n, *t;

	if (n < 8 || s[0] != '=' || s[1] != '?')
		return 0;
	for (q = s + 2; q < end && *q != '?'; q++)
		if (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
			return 0;
	if (q == s + 2 || q + 3 >= end || q[2] != '?' || strchr("BbQq", q[1]) == NULL)
		return 0;
	for (t = q + 3; t + 1 < end && !(t[0] == '?' && t[1] == '='); t++)
		if (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r')
			return 0;
	if (t + 1 >= end)
		return 0;
	*enc = (char)(q[1] | 0x20);
	*text = q + 3;
	*tl = (size_t)(t - (q + 3));
	return (size_t)(t + 2 - s);
}

int
mime_decode_words(struct buf *out, const char *s, size_t n)
{
	const char *text;
	size_t i = 0, w, tl, k, j;
	char enc;

	while (i < n) {
		if ((w = word_at(s + i, n - i, &enc, &text, &tl)) == 0) {
			if (buf_addc(out, s[i++]) < 0)
				return -1;
			continue;
		}
		if (enc == 'b') {
			if (mime_base64_decode(out, text, tl) < 0 && buf_add(out, s + i, w) < 0)
				return -1;
		} else {
			for (k = 0; k < tl; k++) {
				int c = (unsigned char)text[k], hi, lo;

				if (c == '=' && k + 2 < tl && (hi = hexval((unsigned char)text[k + 1])) >= 0 &&
				    (lo = hexval((unsigned char)text[k + 2])) >= 0)
					c = hi * 16 + lo, k += 2;
				else if (c == '_')
					c = ' ';
				if (buf_addc(out, c) < 0)
					return -1;
			}
		}
		i += w;
		/* white space between two encoded-words is dropped (RFC 2047 6.2) */
		for (j = i; j < n && (s[j] == ' ' || s[j] == '\t'); j++)
			;
		if (j > i && j < n && word_at(s + j, n - j, &enc, &text, &tl) > 0)
			i = j;
	}
	return 0;
}
