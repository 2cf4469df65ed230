/* sentlog.h - the send log: one NDJSON line per delivery attempt, appended and synced, read back on re-runs */
#ifndef RECMAIL_SENTLOG_H
#define RECMAIL_SENTLOG_H

#include <stddef.h>
#include <time.h>

#include "base/err.h"
#include "data/ids.h"

/* What the log says of a Message-ID (the strongest outcome seen wins). */
enum sentlog_state {
	SENTLOG_NONE = 0,       /* never tried, or only deferred: send it */
	SENTLOG_SUPPRESSED,     /* skipped for the suppression list */
	SENTLOG_FAILED,         /* the server refused it for good (5xx) */
	SENTLOG_ACCEPTED        /* the server took it: never send again */
};

struct sentlog {
	int fd;
	const char *path;
	struct ids ids;                 /* Message-IDs seen in the log */
	unsigned char *state;           /* enum sentlog_state per id */
	size_t cap;
	long lines, bad;                /* lines read; unreadable ones (a torn last line) */
};

/*
 * Opens (creating) the log at path, takes an exclusive lock on it (a second
 * mailsend on the same log would send twice) and reads what earlier runs
 * wrote. Unreadable lines are counted in bad and skipped. Returns 0, or -1
 * with e set (EXIT_CANTCREAT, EXIT_TEMPFAIL when another run holds the lock,
 * EXIT_IO).
 */
int sentlog_open(struct sentlog *l, const char *path, struct err *e);

/* The state of msgid. */
enum sentlog_state sentlog_state(const struct sentlog *l, const char *msgid);

/*
 * Appends {"message_id","recipient","status","time","attempt","reply"} and
 * fsyncs, so that an accepted message is on disk before the next one goes.
 * status: "accepted", "deferred", "failed", "suppressed". Returns 0, or -1
 * with e set (EXIT_IO).
 */
int sentlog_append(struct sentlog *l, const char *msgid, const char *rcpt, const char *status,
    time_t when, int attempt, const char *reply, struct err *e);

void sentlog_close(struct sentlog *l);

#endif
