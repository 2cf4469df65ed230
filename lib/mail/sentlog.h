/* sentlog.h - the send log: one NDJSON line per delivery attempt, appended and synced, read back on re-runs */
#ifndef RECMAIL_SENTLOG_H
#define RECMAIL_SENTLOG_H

#include <stddef.h>
#include <sys/types.h>
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
	unsigned char *state;           /* enum sentlog_state per id, | SENTLOG_PENDING */
	size_t cap;
	long lines, bad;                /* lines read; unreadable ones (a torn last line) */
	long unresolved;                /* ids whose last intent has no result: sent again */
	off_t end;                      /* where the next line goes */
	off_t slot;                     /* the reserved result line of the open intent, or -1 */
	size_t slot_len;
};

/*
 * Opens (creating) the log at path, takes an exclusive lock on it (a second
 * mailsend on the same log would send twice) and reads what earlier runs
 * wrote. Unreadable lines are counted in bad and skipped. Returns 0, or -1
 * with e set (EXIT_CANTCREAT, also for a path that is not a regular file,
 * EXIT_TEMPFAIL when another run holds the lock, EXIT_IO).
 */
int sentlog_open(struct sentlog *l, const char *path, struct err *e);

/* The state of msgid. */
enum sentlog_state sentlog_state(const struct sentlog *l, const char *msgid);

/*
 * The protocol that keeps delivery exactly-once when the disk fills or the
 * program dies (docs/mailsend.md): before a message is handed to the server,
 * sentlog_intent writes an "intent" line and, after it, a blank line as long
 * as any result line can be, and syncs both; the result (sentlog_result)
 * overwrites that blank line in place, so it never needs new space. If the
 * reservation cannot be written the message is not sent. An intent without a
 * result, read back on a re-run, means the run stopped between the two: the
 * message is sent again (counted in unresolved).
 */

/* Writes and syncs the intent line and the reserved line for msgid's attempt.
 * Returns 0, or -1 with e set (EXIT_IO; the log is as it was: do not send). */
int sentlog_intent(struct sentlog *l, const char *msgid, const char *rcpt, time_t when,
    int attempt, struct err *e);

/* Writes the outcome of the intent just written into its reserved line, a
 * reply too long for it cut short, and syncs. status as sentlog_append.
 * Returns 0, or -1 with e set (EXIT_IO). */
int sentlog_result(struct sentlog *l, const char *msgid, const char *rcpt, const char *status,
    time_t when, int attempt, const char *reply, struct err *e);

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
