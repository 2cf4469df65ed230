/* linktoken.h - opaque link tokens: AES-256-GCM of who, what and when, under rotating keys */
#ifndef RECMAIL_LINKTOKEN_H
#define RECMAIL_LINKTOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/*
 * A token is base64url (no padding) of
 *   version(1) | key id(2) | nonce(12) | AES-256-GCM(plaintext) | tag(16)
 * with version and key id as the additional data. The plaintext is
 *   kind(1) | issued(8, big-endian unix seconds) | 7 x (length(2) | bytes)
 * for campaign, variant, user, item, url, email and lang (docs/trackd.md). The nonce is
 * the first 12 bytes of SHA-256(nonce key | version | key id | plaintext): the
 * same link gives the same token (mailfmt's output does not depend on the run),
 * and two different links share a nonce only by a 96-bit collision.
 */
#define LINKTOKEN_KEYS_MAX 8      /* active keys: the first issues, every one verifies */
#define LINKTOKEN_SECRET_MAX 4096
#define LINKTOKEN_FIELD_MAX 2048  /* longest field (the url) */
#define LINKTOKEN_MAX 4096        /* longest token text, without the NUL */

enum linktoken_kind {
	LINKTOKEN_CLICK = 'c',    /* url: where the click goes */
	LINKTOKEN_OPEN = 'o',     /* the open pixel */
	LINKTOKEN_UNSUB = 'u',    /* email: who unsubscribes */
	LINKTOKEN_REF = 'r',      /* the X-Recmail-Ref header: campaign, variant, user */
};

struct linktoken_key {
	unsigned char id[2];      /* first bytes of an HMAC of the secret: which key a token used */
	unsigned char enc[32];    /* AES-256 key */
	unsigned char nonce[32];  /* nonce-derivation key */
	unsigned char *secret;    /* the secret itself, for the old HMAC link forms */
	size_t secretlen;
};

struct linktoken_keys {
	size_t n;
	struct linktoken_key k[LINKTOKEN_KEYS_MAX];
};

/* The fields of a link. Unused ones are "" (never NULL when encoding). */
struct linktoken {
	int kind;
	int64_t issued;
	const char *campaign, *variant, *user, *item, *url, *email;
	const char *lang;         /* meta.locale of an unsubscribe link: its page's language */
};

void linktoken_keys_init(struct linktoken_keys *ks);
void linktoken_keys_free(struct linktoken_keys *ks);

/* Adds a secret of at least 16 bytes. Returns 0, or -1 with e set (EXIT_USAGE). */
int linktoken_keys_add(struct linktoken_keys *ks, const unsigned char *secret, size_t n,
    struct err *e);

/*
 * Loads the keys: path has one secret per line, the first issues new links and
 * all of them verify (add a line on top to rotate; drop the last once its mail
 * is old enough). Without path, the environment variable env (may be NULL)
 * holds one secret. No key at all is not an error. Returns the number of keys,
 * or -1 with e set ("path: reason": EXIT_NOINPUT, EXIT_DATA, EXIT_USAGE).
 */
int linktoken_keys_load(struct linktoken_keys *ks, const char *path, const char *env,
    struct err *e);

/*
 * Writes the token of t under the first key as text into out (sz bytes with the
 * NUL). Returns its length, or -1 with e set (no key, a field too long: EXIT_DATA).
 */
long linktoken_encode(const struct linktoken_keys *ks, const struct linktoken *t, char *out,
    size_t sz, struct err *e);

/*
 * Checks and decrypts the token text s[0..n) with any key of ks. The strings of
 * t point into store (LINKTOKEN_MAX bytes). Returns 0, or -1 with e set
 * (EXIT_DATA) to "malformed token", "unknown key" or "token does not verify".
 */
int linktoken_decode(const struct linktoken_keys *ks, const char *s, size_t n,
    struct linktoken *t, char *store, struct err *e);

/*
 * The links of mail sent before tokens: a 64-digit hex HMAC-SHA256 under any
 * key's secret of data[0..n) (the target URL of a click; campaign "\n"
 * lowercase(email) of an unsubscribe). Returns 1 when it verifies, else 0.
 */
int linktoken_legacy_ok(const struct linktoken_keys *ks, const char *data, size_t n,
    const char *hexsig, size_t siglen);

/*
 * A keyed digest of data[0..n) for another use of the first key (label names the
 * use, e.g. "recmail msgid v1"): HMAC-SHA256 under a key derived from the
 * secret and label, so it reveals nothing of the tokens' keys and cannot be
 * computed without the secret. Returns 0, or -1 when ks has no key or on an
 * OpenSSL failure.
 */
int linktoken_digest(const struct linktoken_keys *ks, const char *label, const void *data,
    size_t n, unsigned char out[32]);

#endif
