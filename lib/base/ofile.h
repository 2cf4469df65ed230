/* ofile.h - output files written atomically: a temporary name, renamed into place on success */
#ifndef RECMAIL_OFILE_H
#define RECMAIL_OFILE_H

#include <stdio.h>

#include "base/err.h"

struct ofile {
	FILE *fp;       /* write here */
	char *path;     /* final name, NULL for stdout */
	char *tmp;      /* temporary name in the same directory */
	int direct;     /* writing in place: the path is a device or a FIFO */
};

/*
 * Opens path for writing ("-" or NULL is stdout). A named file is created as
 * a temporary file beside it; a path that exists and is not a regular file
 * (/dev/null, a FIFO) is written in place. Returns 0, or -1 with e set
 * (EXIT_CANTCREAT).
 */
int ofile_open(struct ofile *o, const char *path, struct err *e);

/*
 * Flushes, syncs and closes the stream, then renames the temporary file to its
 * final name. On any write error the temporary file is removed. Returns 0, or
 * -1 with e set (EXIT_IO). For stdout, only flushes and closes.
 */
int ofile_commit(struct ofile *o, struct err *e);

/* Closes and removes the temporary file (nothing is left behind). Safe after commit. */
void ofile_abort(struct ofile *o);

/* The name to show in messages: the path, or "-" for stdout. */
const char *ofile_name(const struct ofile *o);

#endif
