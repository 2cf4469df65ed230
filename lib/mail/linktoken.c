/* linktoken.c - opaque link tokens: encode, decode and the keys that seal them */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "base/exitcode.h"
#include "mail/linktoken.h"

#define VERSION 1
#define HEAD 3                  /* version, key id */
#define NONCE 12
#define TAG 16
#define NFIELDS 7
#define PT_MAX ((LINKTOKEN_MAX / 4) * 3 - HEAD - NONCE - TAG)

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void
linktoken_keys_init(struct linktoken_keys *ks)
{
	memset(ks, 0, sizeof *ks);
}

void
linktoken_keys_free(struct linktoken_keys *ks)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		OPENSSL_clear_free(ks->k[i].secret, ks->k[i].secretlen);
	OPENSSL_cleanse(ks, sizeof *ks);
	ks->n = 0;
}

static int
derive(const unsigned char *secret, size_t n, const char *label, unsigned char out[32])
{
	unsigned int len = 0;

	return HMAC(EVP_sha256(), secret, (int)n, (const unsigned char *)label, strlen(label), out,
	    &len) != NULL && len == 32 ? 0 : -1;
}

int
linktoken_keys_add(struct linktoken_keys *ks, const unsigned char *secret, size_t n,
    struct err *e)
{
	struct linktoken_key *k;
	unsigned char id[32];

	if (n < 16)
		return err_set(e, EXIT_USAGE, "a link key must be at least 16 bytes");
	if (n > LINKTOKEN_SECRET_MAX)
		return err_set(e, EXIT_USAGE, "a link key must be at most %d bytes", LINKTOKEN_SECRET_MAX);
	if (ks->n == LINKTOKEN_KEYS_MAX)
		return err_set(e, EXIT_USAGE, "more than %d link keys", LINKTOKEN_KEYS_MAX);
	k = &ks->k[ks->n];
	if (derive(secret, n, "recmail linktoken v1 id", id) < 0 ||
	    derive(secret, n, "recmail linktoken v1 enc", k->enc) < 0 ||
	    derive(secret, n, "recmail linktoken v1 nonce", k->nonce) < 0 ||
	    (k->secret = OPENSSL_memdup(secret, n)) == NULL)
		return err_set(e, EXIT_OSERR, "link key: out of memory");
	memcpy(k->id, id, 2);
	k->secretlen = n;
	ks->n++;
	return 0;
}

/* The largest key file read: LINKTOKEN_KEYS_MAX keys of LINKTOKEN_SECRET_MAX bytes and room for
 * blank lines. A larger file (or /dev/zero) is refused after reading this much. */
#define KEY_FILE_MAX ((LINKTOKEN_KEYS_MAX + 1) * (LINKTOKEN_SECRET_MAX + 2))

int
linktoken_keys_load(struct linktoken_keys *ks, const char *path, const char *env,
    struct err *e)
{
	const char *v = env ? getenv(env) : NULL;
	char *buf, *p, *end;
	FILE *f;
	size_t got;
	long lineno = 0;
	int rc = 0;

	if (path == NULL) {
		if (v == NULL || v[0] == '\0')
			return 0;
		if (linktoken_keys_add(ks, (const unsigned char *)v, strlen(v), e) < 0)
			return err_prefix(e, "%s", env);
		return (int)ks->n;
	}
	if ((f = fopen(path, "rb")) == NULL)
		return err_set(e, EXIT_NOINPUT, "%s: %s", path, strerror(errno));
	if ((buf = malloc(KEY_FILE_MAX + 1)) == NULL) {
		fclose(f);
		return err_nomem(e);
	}
	/* one bounded read: an endless or huge input costs KEY_FILE_MAX bytes, not a spin */
	got = fread(buf, 1, KEY_FILE_MAX + 1, f);
	if (ferror(f))
		rc = err_set(e, EXIT_IO, "%s: read error", path);
	else if (got > KEY_FILE_MAX)
		rc = err_set(e, EXIT_DATA, "%s: larger than %d bytes: not a key file", path,
		    KEY_FILE_MAX);
	fclose(f);
	for (p = buf, end = buf + got; rc == 0 && p < end; p++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		lineno++;
		if (memchr(p, '\0', n) != NULL) {
			rc = err_set(e, EXIT_DATA, "%s:%ld: a key holds a NUL byte", path, lineno);
			break;
		}
		if (n > LINKTOKEN_SECRET_MAX + 1) {
			rc = err_set(e, EXIT_DATA, "%s:%ld: key longer than %d bytes", path, lineno,
			    LINKTOKEN_SECRET_MAX);
			break;
		}
		while (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > 0 && linktoken_keys_add(ks, (const unsigned char *)p, n, e) < 0)
			rc = err_prefix(e, "%s:%ld", path, lineno);
		p = nl ? nl : end;
	}
	OPENSSL_cleanse(buf, KEY_FILE_MAX + 1);
	free(buf);
	if (rc < 0)
		return -1;
	if (ks->n == 0)
		return err_set(e, EXIT_DATA, "%s: no key", path);
	return (int)ks->n;
}

static long
b64_encode(const unsigned char *p, size_t n, char *out, size_t sz)
{
	size_t i, k = 0;

	if ((n * 4 + 2) / 3 + 1 > sz)
		return -1;
	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];

		out[k++] = b64[v >> 18];
		out[k++] = b64[(v >> 12) & 63];
		out[k++] = b64[(v >> 6) & 63];
		out[k++] = b64[v & 63];
	}
	if (n - i == 1) {
		out[k++] = b64[p[i] >> 2];
		out[k++] = b64[(p[i] & 3) << 4];
	} else if (n - i == 2) {
		unsigned v = (unsigned)p[i] << 8 | p[i + 1];

		out[k++] = b64[v >> 10];
		out[k++] = b64[(v >> 4) & 63];
		out[k++] = b64[(v & 15) << 2];
	}
	out[k] = '\0';
	return (long)k;
}

static int
b64_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Decodes base64url without padding; rejects stray bits so each token has one spelling. */
static long
b64_decode(const char *s, size_t n, unsigned char *out, size_t sz)
{
	size_t i, k = 0;
	unsigned acc = 0;
	int bits = 0;

	if (n % 4 == 1)
		return -1;
	for (i = 0; i < n; i++) {
		int v = b64_val((unsigned char)s[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (k == sz)
				return -1;
			out[k++] = (unsigned char)(acc >> bits);
		}
	}
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
		return -1;
	return (long)k;
}

static int
put_field(unsigned char *pt, size_t *k, const char *s)
{
	size_t n = strlen(s);

	if (n > LINKTOKEN_FIELD_MAX || *k + 2 + n > PT_MAX)
		return -1;
	pt[(*k)++] = (unsigned char)(n >> 8);
	pt[(*k)++] = (unsigned char)n;
	memcpy(pt + *k, s, n);
	*k += n;
	return 0;
}

long
linktoken_encode(const struct linktoken_keys *ks, const struct linktoken *t, char *out,
    size_t sz, struct err *e)
{
	const char *f[NFIELDS] = { t->campaign, t->variant, t->user, t->item, t->url, t->email,
	    t->lang };
	unsigned char pt[PT_MAX], tok[HEAD + NONCE + PT_MAX + TAG], md[SHA256_DIGEST_LENGTH];
	const struct linktoken_key *key = &ks->k[0];
	EVP_CIPHER_CTX *c = NULL;
	size_t k = 0, i;
	int outl = 0, fin = 0;
	long rc = -1;

	if (ks->n == 0)
		return err_set(e, EXIT_USAGE, "no link key");
	pt[k++] = (unsigned char)t->kind;
	for (i = 0; i < 8; i++)
		pt[k++] = (unsigned char)((uint64_t)t->issued >> (56 - 8 * i));
	for (i = 0; i < NFIELDS; i++)
		if (put_field(pt, &k, f[i] ? f[i] : "") < 0)
			return err_set(e, EXIT_DATA, "link too long for a token");
	tok[0] = VERSION;
	memcpy(tok + 1, key->id, 2);
	/* the nonce: a keyed hash of what is sealed (SHA256_Init is deprecated: one buffer) */
	{
		unsigned char nb[32 + HEAD + PT_MAX];

		memcpy(nb, key->nonce, 32);
		memcpy(nb + 32, tok, HEAD);
		memcpy(nb + 32 + HEAD, pt, k);
		SHA256(nb, 32 + HEAD + k, md);
		OPENSSL_cleanse(nb, 32);
	}
	memcpy(tok + HEAD, md, NONCE);
	if ((c = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE, NULL) != 1 ||
	    EVP_EncryptInit_ex(c, NULL, NULL, key->enc, tok + HEAD) != 1 ||
	    EVP_EncryptUpdate(c, NULL, &outl, tok, HEAD) != 1 ||
	    EVP_EncryptUpdate(c, tok + HEAD + NONCE, &outl, pt, (int)k) != 1 ||
	    EVP_EncryptFinal_ex(c, tok + HEAD + NONCE + outl, &fin) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG, tok + HEAD + NONCE + k) != 1) {
		err_set(e, EXIT_SOFTWARE, "AES-GCM failed");
		goto done;
	}
	if ((rc = b64_encode(tok, HEAD + NONCE + k + TAG, out, sz)) < 0)
		err_set(e, EXIT_DATA, "link too long for a token");
done:
	EVP_CIPHER_CTX_free(c);
	OPENSSL_cleanse(pt, sizeof pt);
	return rc;
}

/* Splits a decrypted plaintext into t; the strings are copied NUL-terminated into store. */
static int
parse_plain(const unsigned char *pt, size_t n, struct linktoken *t, char *store)
{
	const char **f[NFIELDS] = { &t->campaign, &t->variant, &t->user, &t->item, &t->url,
	    &t->email, &t->lang };
	size_t k = 9, s = 0, i;
	uint64_t v = 0;

	if (n < 9)
		return -1;
	t->kind = pt[0];
	for (i = 1; i < 9; i++)
		v = v << 8 | pt[i];
	t->issued = (int64_t)v;
	for (i = 0; i < NFIELDS; i++) {
		size_t len;

		if (k + 2 > n)
			return -1;
		len = (size_t)pt[k] << 8 | pt[k + 1];
		k += 2;
		if (k + len > n || memchr(pt + k, '\0', len) != NULL || s + len + 1 > LINKTOKEN_MAX)
			return -1;
		memcpy(store + s, pt + k, len);
		store[s + len] = '\0';
		*f[i] = store + s;
		s += len + 1;
		k += len;
	}
	return k == n ? 0 : -1;
}

int
linktoken_decode(const struct linktoken_keys *ks, const char *s, size_t n,
    struct linktoken *t, char *store, struct err *e)
{
	unsigned char tok[LINKTOKEN_MAX], pt[LINKTOKEN_MAX];
	long len;
	size_t i, ctlen;
	int tried = 0;

	if (n > LINKTOKEN_MAX || (len = b64_decode(s, n, tok, sizeof tok)) < 0 ||
	    len < HEAD + NONCE + TAG + 9 || tok[0] != VERSION)
		return err_set(e, EXIT_DATA, "malformed token");
	ctlen = (size_t)len - HEAD - NONCE - TAG;
	for (i = 0; i < ks->n; i++) {
		const struct linktoken_key *key = &ks->k[i];
		EVP_CIPHER_CTX *c;
		int outl = 0, fin = 0, ok;

		if (memcmp(key->id, tok + 1, 2) != 0)
			continue;
		tried = 1;
		if ((c = EVP_CIPHER_CTX_new()) == NULL)
			return err_set(e, EXIT_OSERR, "out of memory");
		ok = EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
		    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE, NULL) == 1 &&
		    EVP_DecryptInit_ex(c, NULL, NULL, key->enc, tok + HEAD) == 1 &&
		    EVP_DecryptUpdate(c, NULL, &outl, tok, HEAD) == 1 &&
		    EVP_DecryptUpdate(c, pt, &outl, tok + HEAD + NONCE, (int)ctlen) == 1 &&
		    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG,
		    tok + HEAD + NONCE + ctlen) == 1 &&
		    EVP_DecryptFinal_ex(c, pt + outl, &fin) == 1;
		EVP_CIPHER_CTX_free(c);
		if (ok) {
			int rc = parse_plain(pt, ctlen, t, store);

			OPENSSL_cleanse(pt, ctlen);
			/* sealed by us but not parseable: only a bug of ours makes one */
			return rc < 0 ? err_set(e, EXIT_DATA, "malformed token") : 0;
		}
	}
	return err_set(e, EXIT_DATA, tried ? "token does not verify" : "unknown key");
}

int
linktoken_legacy_ok(const struct linktoken_keys *ks, const char *data, size_t n,
    const char *hexsig, size_t siglen)
{
	unsigned char want[32], md[32];
	unsigned int mdlen;
	size_t i;

	if (siglen != 64)
		return 0;
	for (i = 0; i < 32; i++) {
		int hi = isxdigit((unsigned char)hexsig[2 * i]), lo = isxdigit((unsigned char)hexsig[2 * i + 1]);
		char h[3] = { hexsig[2 * i], hexsig[2 * i + 1], '\0' };

		if (!hi || !lo)
			return 0;
		want[i] = (unsigned char)strtoul(h, NULL, 16);
	}
	for (i = 0; i < ks->n; i++) {
		mdlen = 0;
		if (HMAC(EVP_sha256(), ks->k[i].secret, (int)ks->k[i].secretlen,
		    (const unsigned char *)data, n, md, &mdlen) != NULL && mdlen == 32 &&
		    CRYPTO_memcmp(md, want, 32) == 0)
			return 1;
	}
	return 0;
}

int
linktoken_digest(const struct linktoken_keys *ks, const char *label, const void *data,
    size_t n, unsigned char out[32])
{
	unsigned char k[32];
	unsigned int len = 0;
	int rc;

	if (ks == NULL || ks->n == 0 || derive(ks->k[0].secret, ks->k[0].secretlen, label, k) < 0)
		return -1;
	rc = HMAC(EVP_sha256(), k, (int)sizeof k, (const unsigned char *)data, n, out, &len) != NULL &&
	    len == 32 ? 0 : -1;
	OPENSSL_cleanse(k, sizeof k);
	return rc;
}
