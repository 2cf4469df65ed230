/* badline.h - the --skip-bad list: one NDJSON line per bad input record, shared by the importers */
#ifndef RECMAIL_BADLINE_H
#define RECMAIL_BADLINE_H

#include <stddef.h>
#include <stdio.h>

#include "base/err.h"

/*
 * Writes {"file":FILE,"line":N,"reason":WHY,"text":RAW} to f (text left out
 * when raw is NULL; bytes of invalid UTF-8 shown as '?'). Returns 0, or -1
 * with e set (EXIT_OSERR, or EXIT_IO prefixed "--skip-bad").
 */
int badline_write(FILE *f, const char *file, long line, const char *why, const char *raw,
    size_t rawlen, struct err *e);

/*
 * Splits a reader's message "name:N: reason" (as csv_next and lines_next
 * write it for the input called name) into *line and *why; a message of
 * another shape gives line 0 and the whole message. Never fails.
 */
void badline_split(const char *msg, const char *name, long *line, const char **why);

#endif
