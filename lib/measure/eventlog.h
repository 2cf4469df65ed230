/* eventlog.h - a durable NDJSON event file: batched appends synced on an interval, reopen, torn-line repair */
#ifndef RECMAIL_EVENTLOG_H
#define RECMAIL_EVENTLOG_H

#include <pthread.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

/*
 * Lines are appended to a buffer under a lock; a flusher thread writes the
 * buffer and fdatasyncs the file every interval_ms (and sooner when the
 * buffer passes 256 KiB). eventlog_append_sync waits until its line is on
 * disk. A crash loses at most the lines of the last interval_ms.
 */
struct eventlog {
	pthread_mutex_t mu;
	pthread_cond_t cv, done;
	pthread_t thread;
	struct buf pending;         /* lines not yet written */
	struct buf spare;           /* the batch written last, emptied: the next pending (no regrowth) */
	unsigned long long queued;  /* lines ever queued; synced: lines on disk */
	unsigned long long synced;
	char *path;
	int fd, stop, reopen, urgent, running, failed;
	long interval_ms;
	long repaired;              /* bytes of a torn last line dropped at open */
	struct err err;             /* the flusher's first failure */
};

/*
 * Opens path for appending (created 0600; a torn last line, from a crash in
 * the middle of a write, is cut off) and starts the flusher. Returns 0, or -1
 * with e set (EXIT_CANTCREAT, EXIT_IO, EXIT_OSERR).
 */
int eventlog_open(struct eventlog *l, const char *path, long interval_ms, struct err *e);

/* Queues one line (s[0..n), without its newline). Returns 0, or -1 with e set
 * when the file failed earlier (the line is not taken). */
int eventlog_append(struct eventlog *l, const char *s, size_t n, struct err *e);

/* Queues one line and waits until it is synced. Returns 0, or -1 with e set. */
int eventlog_append_sync(struct eventlog *l, const char *s, size_t n, struct err *e);

/* Asks the flusher to reopen the file by its path (logrotate; safe from a signal handler's
 * caller, not from the handler itself). */
void eventlog_reopen(struct eventlog *l);

/* Writes and syncs what is queued, stops the flusher and closes. Returns 0, or -1 with e set. */
int eventlog_close(struct eventlog *l, struct err *e);

#endif
