/* err.h - an error value that the library returns and the command prints */
#ifndef RECMAIL_ERR_H
#define RECMAIL_ERR_H

#include <stdarg.h>

/*
 * Library functions never print or exit; they fill a struct err and return -1
 * (or NULL). code is the exit status the command should use (exitcode.h);
 * msg is one line without the program name, e.g. "ratings.tsv:12: missing item".
 */
struct err {
	int code;
	char msg[1024];
};

/* Sets e (may be NULL) and returns -1, so that callers can write
 * "return err_set(e, EXIT_DATA, ...)". */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int err_vset(struct err *e, int code, const char *fmt, va_list ap);

/* Prefixes the existing message with "where: " (e.g. a file name). Returns -1. */
int err_prefix(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Sets an out-of-memory error (EXIT_OSERR). Returns -1. */
int err_nomem(struct err *e);

#endif
