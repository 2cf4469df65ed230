/* mbox.h - where messages are stored: an mboxrd stream, a maildir, or a directory of .eml files */
#ifndef RECMAIL_MBOX_H
#define RECMAIL_MBOX_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/lines.h"

enum mbox_kind { MBOX_STREAM, MBOX_MAILDIR, MBOX_EMLDIR };

struct mbox_out {
	enum mbox_kind kind;
	FILE *fp;           /* MBOX_STREAM */
	char *dir;          /* the directories */
	int sync_each;      /* directories: fsync every file before its rename */
	struct buf path, tmp;
};

/* Writes an mboxrd stream to fp (not closed by mbox_out_close). */
void mbox_out_stream(struct mbox_out *o, FILE *fp);

/*
 * Writes one file per message into dir (created when missing; for a maildir
 * with tmp/, new/ and cur/). The files are durable after mbox_out_commit;
 * with o->sync_each set (after this call) each is also synced before it is
 * renamed into place, for readers that take files while they are written.
 * Returns 0, or -1 with e set (EXIT_CANTCREAT).
 */
int mbox_out_dir(struct mbox_out *o, enum mbox_kind kind, const char *dir, struct err *e);

/*
 * Writes one message (msg[0..n), LF line ends). Stream: a "From " line
 * dated when, the message with mboxrd quoting (">From " gains a '>'), and an
 * empty line. Directories: a file named from msgid (the same name on every
 * run, so a re-run replaces rather than duplicates), written to a temporary
 * name and renamed into place (maildir: tmp/ then new/). Returns 0, or -1
 * with e set (EXIT_IO).
 */
int mbox_write(struct mbox_out *o, const char *msgid, time_t when, const char *msg, size_t n,
    struct err *e);

/*
 * Makes what was written durable. Directories: one syncfs(2) of the file
 * system for all files (unless each was synced), then an fsync of the
 * directory that holds them, so that the renames last too. Streams: nothing
 * (the caller closes the stream). Returns 0, or -1 with e set (EXIT_IO).
 */
int mbox_out_commit(struct mbox_out *o, struct err *e);

void mbox_out_close(struct mbox_out *o);

/* File name for a Message-ID: "<a.b@c>" -> "a.b@c", other bytes than
 * A-Z a-z 0-9 . _ @ + = - become '_'. Returns 0, or -1 when out of memory. */
int mbox_file_name(const char *msgid, struct buf *out);

struct mbox_in {
	enum mbox_kind kind;
	const char *name;       /* the path given */
	FILE *fp;
	struct lines lines;
	int pending;            /* a "From " line was read: a message starts */
	long start;             /* line of the current message's "From " line */
	char **files;           /* directories: sorted paths */
	size_t nfiles, next;
	struct buf msg, where;
};

/*
 * Opens path for reading messages: "-" or a file is an mbox (mboxrd), a
 * directory with cur/ or new/ a maildir (both read, sorted by name), any other
 * directory holds *.eml files (sorted). Returns 0, or -1 with e set
 * (EXIT_NOINPUT, EXIT_DATA when a file is not an mbox).
 */
int mbox_in_open(struct mbox_in *in, const char *path, struct err *e);

/*
 * The next message in *msg (LF line ends, valid until the next call) and its
 * length. Returns 1, 0 at the end, or -1 with e set (EXIT_IO, EXIT_DATA).
 */
int mbox_in_next(struct mbox_in *in, const char **msg, size_t *len, struct err *e);

/* Where the last message came from, for messages: "file:line" or a path. */
const char *mbox_in_where(const struct mbox_in *in);

void mbox_in_close(struct mbox_in *in);

#endif
