/* suppress.h - the suppression list (docs/FORMATS.md 2.8): addresses that must never be mailed */
#ifndef RECMAIL_SUPPRESS_H
#define RECMAIL_SUPPRESS_H

#include <stddef.h>

#include "base/err.h"
#include "data/ids.h"

struct suppress {
	struct ids set;     /* lowercased addresses */
};

void suppress_init(struct suppress *s);
void suppress_free(struct suppress *s);

/*
 * Adds every "email" of the NDJSON file at path. A line that is not an object
 * with a string "email" fails the whole load: a half-read list could let a
 * suppressed address through. Returns the number of lines read, or -1 with e
 * set ("path:N: reason", EXIT_DATA; EXIT_NOINPUT; EXIT_IO).
 */
long suppress_load(struct suppress *s, const char *path, struct err *e);

/* Adds one address. Returns 0, or -1 with e set. */
int suppress_add(struct suppress *s, const char *email, struct err *e);

/*
 * Appends {"email","reason","ts"} for email to the list at path (created 0600)
 * and syncs it before returning, so a caller can acknowledge the request
 * (trackd's one-click unsubscribe, bounces). Returns 0, or -1 with e set
 * (EXIT_DATA for an address that is empty or too long, EXIT_CANTCREAT, EXIT_IO).
 */
int suppress_append(const char *path, const char *email, const char *reason, long long ts,
    struct err *e);

/* 1 when email (compared case-insensitively) is on the list, else 0. */
int suppress_has(const struct suppress *s, const char *email);

#endif
