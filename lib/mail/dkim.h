/* dkim.h - DKIM signatures (RFC 6376, relaxed/relaxed): rsa-sha256 and ed25519-sha256 (RFC 8463) */
#ifndef RECMAIL_DKIM_H
#define RECMAIL_DKIM_H

#include <stddef.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"

struct dkim {
	void *key;          /* EVP_PKEY */
	int ed25519;        /* else RSA */
	char *domain, *selector;
	void *md;           /* EVP_MD_CTX for the body hash, reused */
	unsigned key_mode;  /* the key file's permission bits: the caller warns when group or others
	                       may read it (key_mode & 077) */
};

/*
 * Loads a PEM private key (RSA of at least 1024 bits, or Ed25519) for signing
 * as d=domain, s=selector. Never asks for a passphrase: an encrypted key is an
 * error. Returns 0, or -1 with e set (EXIT_NOINPUT when the file cannot be
 * read, EXIT_DATA for a key of another kind, an encrypted key, a file that is
 * not a regular file, or a bad domain or selector). The key's bytes never
 * appear in a message.
 */
int dkim_init(struct dkim *d, const char *keyfile, const char *domain, const char *selector,
    struct err *e);
void dkim_free(struct dkim *d);

/* The header fields signed when present, in h= order. */
extern const char *const dkim_signed_headers[];

/*
 * Signs a message: head[0..hn) is its header block (fields ending LF or CRLF,
 * without the empty line), body[0..bn) its body (LF or CRLF lines). The
 * message is canonicalized as it travels (every line end as CRLF). Appends a
 * folded "DKIM-Signature: ...\n" field, to be put before the other fields.
 * t is the signing time (t=). Returns 0, or -1 with e set (EXIT_SOFTWARE when
 * OpenSSL fails, EXIT_OSERR when out of memory).
 */
int dkim_sign(struct dkim *d, const char *head, size_t hn, const char *body, size_t bn,
    time_t t, struct buf *out, struct err *e);

#endif
