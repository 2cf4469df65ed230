/* dkim.c - DKIM signing with OpenSSL libcrypto: relaxed canonicalization, sha256, RSA or Ed25519 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "mail/dkim.h"
#include "base/exitcode.h"
#include "mail/mime.h"

const char *const dkim_signed_headers[] = {
	"from", "reply-to", "to", "subject", "date", "message-id", "mime-version", "content-type",
	"list-unsubscribe", "list-unsubscribe-post", "x-campaign", "x-variant", NULL
};

static int
ldh_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n <= 253 && s[0] != '.' && s[0] != '-' && s[n - 1] != '.' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") == n &&
	    strstr(s, "..") == NULL;
}

/* The passphrase callback: never prompts (a cron job would hang on the terminal); notes that
 * the key wanted one. */
static int
no_passphrase(char *buf, int size, int rwflag, void *asked)
{
	*(int *)asked = 1;
	return -1;
}

int
dkim_init(struct dkim *d, const char *keyfile, const char *domain, const char *selector,
    struct err *e)
{
	FILE *f;
	EVP_PKEY *k;
	struct stat st;
	int id, asked = 0;

	memset(d, 0, sizeof *d);
	if (!ldh_ok(domain))
		return err_set(e, EXIT_DATA, "DKIM domain '%s' is not a domain name", domain ? domain : "");
	if (!ldh_ok(selector))
		return err_set(e, EXIT_DATA, "DKIM selector '%s' is not a DNS label", selector ? selector : "");
	f = fopen(keyfile, "rb");
	if (f == NULL)
		return err_set(e, EXIT_NOINPUT, "%s: %s", keyfile, strerror(errno));
	/* a device would be read without end (/dev/zero) */
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return err_set(e, EXIT_DATA, "%s: the DKIM private key must be a regular file", keyfile);
	}
	d->key_mode = (unsigned)(st.st_mode & 0777);
	k = PEM_read_PrivateKey(f, NULL, no_passphrase, &asked);
	fclose(f);
	if (k == NULL && asked)
		return err_set(e, EXIT_DATA, "%s: the DKIM private key is encrypted: give it unencrypted "
		    "(openssl pkey -in %s -out key.pem), readable by this user only", keyfile, keyfile);
	if (k == NULL)
		return err_set(e, EXIT_DATA, "%s: not a PEM private key", keyfile);
	id = EVP_PKEY_get_base_id(k);
	if (id == EVP_PKEY_ED25519) {
		d->ed25519 = 1;
	} else if (id != EVP_PKEY_RSA || EVP_PKEY_get_bits(k) < 1024) {
		EVP_PKEY_free(k);
		return err_set(e, EXIT_DATA, "%s: DKIM needs an RSA key of 1024 bits or more, or Ed25519",
		    keyfile);
	}
	d->key = k;
	d->domain = strdup(domain);
	d->selector = strdup(selector);
	d->md = EVP_MD_CTX_new();
	if (d->domain == NULL || d->selector == NULL || d->md == NULL) {
		dkim_free(d);
		return err_nomem(e);
	}
	return 0;
}

void
dkim_free(struct dkim *d)
{
	EVP_PKEY_free(d->key);
	EVP_MD_CTX_free(d->md);
	free(d->domain);
	free(d->selector);
	memset(d, 0, sizeof *d);
}

/* Appends the relaxed form of one header field (name ":" value, unfolded,
 * whitespace runs as one space, none at the ends), with CRLF when crlf. */
static int
canon_header(struct buf *out, const char *f, size_t n, int crlf)
{
	const char *colon = memchr(f, ':', n);
	size_t i, nl, start;
	int sp = 0;

	if (colon == NULL)
		return 0;
	nl = (size_t)(colon - f);
	while (nl > 0 && (f[nl - 1] == ' ' || f[nl - 1] == '\t'))
		nl--;
	for (i = 0; i < nl; i++)
		if (buf_addc(out, tolower((unsigned char)f[i])) < 0)
			return -1;
	if (buf_addc(out, ':') < 0)
		return -1;
	start = out->len;
	for (i = (size_t)(colon - f) + 1; i < n; i++) {
		char c = f[i];

		if (c == '\r' || c == '\n')
			continue;
		if (c == ' ' || c == '\t') {
			sp = 1;
			continue;
		}
		if (sp && out->len > start && buf_addc(out, ' ') < 0)
			return -1;
		sp = 0;
		if (buf_addc(out, c) < 0)
			return -1;
	}
	return crlf ? buf_add(out, "\r\n", 2) : 0;
}

/* The last field called name in head (its bytes, through the line end of its last line). */
static int
find_field(const char *head, size_t hn, const char *name, const char **f, size_t *fn)
{
	size_t i = 0, nl = strlen(name);
	int found = 0;

	while (i < hn) {
		size_t j = i;

		/* the field runs to the first line end not followed by WSP */
		for (;;) {
			const char *eol = memchr(head + j, '\n', hn - j);

			j = eol ? (size_t)(eol - head) + 1 : hn;
			if (j >= hn || (head[j] != ' ' && head[j] != '\t'))
				break;
		}
		if (j - i > nl && strncasecmp(head + i, name, nl) == 0) {
			size_t k = i + nl;

			while (k < j && (head[k] == ' ' || head[k] == '\t'))
				k++;
			if (k < j && head[k] == ':') {
				*f = head + i;
				*fn = j - i;
				found = 1;
			}
		}
		i = j;
	}
	return found;
}

/* sha256 of the relaxed body: lines with whitespace runs as one space and
 * none at the end, CRLF line ends, no empty lines at the end. */
static void
flush_empty(EVP_MD_CTX *md, size_t *empty)
{
	for (; *empty > 0; (*empty)--)
		EVP_DigestUpdate(md, "\r\n", 2);
}

static int
body_hash(EVP_MD_CTX *md, const char *b, size_t n, unsigned char out[32])
{
	size_t i = 0, empty = 0;
	unsigned int len = 0;
	char line[1024];

	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		return -1;
	while (i < n) {
		const char *nl = memchr(b + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - b) : n, k = 0, j;
		int sp = 0, started = 0;

		if (end > i && b[end - 1] == '\r')
			end--;
		for (j = i; j < end; j++) {
			char c = b[j];

			if (c == ' ' || c == '\t') {
				sp = 1;
				continue;
			}
			if (sp)
				line[k++] = ' ';
			sp = 0;
			line[k++] = c;
			if (k >= sizeof line - 4) {
				flush_empty(md, &empty);
				EVP_DigestUpdate(md, line, k);
				k = 0;
				started = 1;
			}
		}
		if (k == 0 && !started) {
			empty++;
		} else {
			flush_empty(md, &empty);
			line[k++] = '\r';
			line[k++] = '\n';
			EVP_DigestUpdate(md, line, k);
		}
		i = nl ? (size_t)(nl - b) + 1 : n;
	}
	return EVP_DigestFinal_ex(md, out, &len) == 1 && len == 32 ? 0 : -1;
}

int
dkim_sign(struct dkim *d, const char *head, size_t hn, const char *body, size_t bn,
    time_t t, struct buf *out, struct err *e)
{
	struct buf data, hdr, hlist;
	unsigned char bh[32], digest[32], sig[1024];
	size_t siglen = sizeof sig, i, start;
	EVP_MD_CTX *sc = NULL;
	int rc = -1;

	buf_init(&data);
	buf_init(&hdr);
	buf_init(&hlist);
	if (body_hash(d->md, body, bn, bh) < 0) {
		err_set(e, EXIT_SOFTWARE, "DKIM: body hash failed");
		goto done;
	}
	for (i = 0; dkim_signed_headers[i] != NULL; i++) {
		const char *f;
		size_t fn;

		if (!find_field(head, hn, dkim_signed_headers[i], &f, &fn))
			continue;
		if (canon_header(&data, f, fn, 1) < 0 ||
		    (hlist.len && buf_addc(&hlist, ':') < 0) ||
		    buf_adds(&hlist, dkim_signed_headers[i]) < 0)
			goto nomem;
	}
	if (buf_addf(&hdr, "DKIM-Signature: v=1; a=%s; c=relaxed/relaxed; d=%s; s=%s;\n"
	    "\tt=%lld; h=%s;\n\tbh=", d->ed25519 ? "ed25519-sha256" : "rsa-sha256", d->domain,
	    d->selector, (long long)t, hlist.s ? hlist.s : "from") < 0 ||
	    mime_base64(&hdr, bh, sizeof bh) < 0 || buf_adds(&hdr, ";\n\tb=") < 0)
		goto nomem;
	if (canon_header(&data, hdr.s, hdr.len, 0) < 0)
		goto nomem;
	sc = EVP_MD_CTX_new();
	if (sc == NULL)
		goto nomem;
	if (d->ed25519) {
		/* RFC 8463: the Ed25519 signature is over the sha256 of the data */
		if (EVP_Digest(data.s, data.len, digest, NULL, EVP_sha256(), NULL) != 1 ||
		    EVP_DigestSignInit(sc, NULL, NULL, NULL, d->key) != 1 ||
		    EVP_DigestSign(sc, sig, &siglen, digest, sizeof digest) != 1) {
			err_set(e, EXIT_SOFTWARE, "DKIM: Ed25519 signing failed");
			goto done;
		}
	} else if (EVP_DigestSignInit(sc, NULL, EVP_sha256(), NULL, d->key) != 1 ||
	    EVP_DigestSign(sc, NULL, &siglen, (const unsigned char *)data.s, data.len) != 1 ||
	    siglen > sizeof sig ||
	    EVP_DigestSign(sc, sig, &siglen, (const unsigned char *)data.s, data.len) != 1) {
		err_set(e, EXIT_SOFTWARE, "DKIM: RSA signing failed");
		goto done;
	}
	/* the b= value, folded every 72 characters (folding whitespace inside b= is ignored) */
	start = data.len;
	if (mime_base64(&data, sig, siglen) < 0 || buf_add(out, hdr.s, hdr.len) < 0)
		goto nomem;
	for (i = start; i < data.len; i += 72) {
		size_t k = data.len - i < 72 ? data.len - i : 72;

		if ((i > start && buf_add(out, "\n\t ", 3) < 0) || buf_add(out, data.s + i, k) < 0)
			goto nomem;
	}
	if (buf_addc(out, '\n') < 0)
		goto nomem;
	rc = 0;
	goto done;
nomem:
	err_nomem(e);
done:
	EVP_MD_CTX_free(sc);
	buf_free(&data);
	buf_free(&hdr);
	buf_free(&hlist);
	return rc;
}
