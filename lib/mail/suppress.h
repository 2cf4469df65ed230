/* suppress.h - the suppression list (docs/FORMATS.md 2.8): addresses that must never be mailed */
#ifndef RECMAIL_SUPPRESS_H
#define RECMAIL_SUPPRESS_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "base/err.h"
#include "data/ids.h"

#define SUPPRESS_KEY_ENV "RECMAIL_SUPPRESS_KEY"            /* the key itself */
#define SUPPRESS_KEY_FILE_ENV "RECMAIL_SUPPRESS_KEY_FILE"  /* a file holding it */
#define SUPPRESS_KEY_MIN 16
#define SUPPRESS_KEY_MAX 1024
#define SUPPRESS_HASH_LEN 64   /* hex digits of an HMAC-SHA256 */

/*
 * A list holds two kinds of lines: {"email_hmac":H} (today's: H is the hex
 * HMAC-SHA256 of the lowercased address under the list's key, so the list
 * itself names nobody) and {"email":A} (the plain lines of earlier versions,
 * still honoured; suppress --migrate rewrites them). Both are looked up.
 */
struct suppress {
	struct ids set;         /* lowercased plain addresses */
	struct ids hashes;      /* hex HMACs */
	unsigned char key[SUPPRESS_KEY_MAX];
	size_t keylen;          /* 0: no key yet */
};

void suppress_init(struct suppress *s);
void suppress_free(struct suppress *s);

/* Sets the key (SUPPRESS_KEY_MIN..SUPPRESS_KEY_MAX bytes). Returns 0, or -1 with e set (EXIT_USAGE). */
int suppress_set_key(struct suppress *s, const void *key, size_t len, struct err *e);

/*
 * Sets the key from the environment: RECMAIL_SUPPRESS_KEY, else the file
 * named by RECMAIL_SUPPRESS_KEY_FILE (a final newline dropped). Returns 1 when
 * a key was set, 0 when neither is set, -1 with e set (EXIT_NOINPUT for an
 * unreadable file, EXIT_USAGE for a key too short or too long).
 */
int suppress_key_from_env(struct suppress *s, struct err *e);

/*
 * Sets the key from the file at path, or from the environment when path is
 * NULL (as suppress_key_from_env). Returns 1 when a key was set, 0 when none
 * is configured, -1 with e set.
 */
int suppress_key_load(struct suppress *s, const char *path, struct err *e);

/*
 * Adds every line of the NDJSON list at path. A line that is not an object
 * with a string "email" or a 64-hex-digit "email_hmac" fails the whole load:
 * a half-read list could let a suppressed address through. When no key was
 * set, it is taken from the environment first (so suppress_append then adds
 * hashes); hashed lines need it, and without one the load fails (EXIT_USAGE)
 * rather than mail anyone on the list; a bad key in the environment fails it too. Returns
 * the number of lines read, or -1 with e set ("path:N: reason", EXIT_DATA;
 * EXIT_NOINPUT; EXIT_IO; EXIT_USAGE).
 */
long suppress_load(struct suppress *s, const char *path, struct err *e);

/* Adds one address to the set in memory (hashed when there is a key). Returns 0, or -1 with e set. */
int suppress_add(struct suppress *s, const char *email, struct err *e);

/*
 * Appends email to the list at path (created private when absent) under its
 * exclusive lock and syncs it before returning, so a caller can acknowledge
 * the request (trackd's one-click unsubscribe, bounces, mailsend
 * --suppress-refused). With a key in s the line is {"email_hmac","reason","ts"},
 * as suppress_save writes it; with s NULL or keyless it is the plain
 * {"email","reason","ts"} of earlier versions (callers warn about that once).
 * Returns 0, or -1 with e set (EXIT_DATA for an address that is empty or too
 * long, EXIT_CANTCREAT, EXIT_IO).
 */
int suppress_append(const struct suppress *s, const char *path, const char *email,
    const char *reason, long long ts, struct err *e);

/* 1 when email (compared case-insensitively) is on the list, plain or hashed, else 0. */
int suppress_has(const struct suppress *s, const char *email);

/* The same as suppress_has (the name the tracking receiver uses). */
int suppress_contains(const struct suppress *s, const char *email);

/* The hex HMAC of the lowercased email into out (SUPPRESS_HASH_LEN + 1 bytes). Returns 0, or -1
 * with e set (EXIT_USAGE without a key, EXIT_DATA for an empty or too long address). */
int suppress_hash(const struct suppress *s, const char *email, char *out, struct err *e);

/*
 * Appends {"email_hmac","reason","ts"} for email to the list at path (created
 * private when absent) under an exclusive flock, and fsyncs it, so that
 * concurrent writers (the tracking receiver, suppress --add) and a migration
 * never lose a line. Needs the key. Returns 0, or -1 with e set (EXIT_USAGE,
 * EXIT_DATA, EXIT_CANTCREAT, EXIT_IO).
 */
int suppress_save(const struct suppress *s, const char *path, const char *email,
    const char *reason, time_t ts, struct err *e);

/*
 * Rewrites the list at path with every plain line replaced by its hashed form
 * (reason, ts and other fields kept; hashed lines copied as they are), under
 * the same lock, atomically (a temporary file renamed). Needs the key. *plain
 * receives the number of lines converted. Returns the number of lines, or -1
 * with e set (the list is then unchanged).
 */
long suppress_migrate(const struct suppress *s, const char *path, long *plain, struct err *e);

/*
 * Copies to out every line of in (customers, FORMATS 2.3, read and checked by
 * customers_read, the reader mkprompt uses) whose "email" is on the list;
 * lines without one (or with "consent":false) are not copied. Returns the
 * number copied, or -1 with e set ("name:N: reason", EXIT_DATA; EXIT_IO).
 */
long suppress_match(const struct suppress *s, FILE *in, const char *name, FILE *out,
    struct err *e);

#endif
