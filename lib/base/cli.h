/* cli.h - what every cmd/ main shares: messages, strict number parsing, opening and closing files */
#ifndef RECMAIL_CLI_H
#define RECMAIL_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "base/err.h"
#include "base/exitcode.h"

/* Records the program name used as the prefix of every message. */
void cli_init(const char *progname);
const char *cli_progname(void);

/* "prog: message" on stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "prog: message" and returns status, for "return cli_fail(EXIT_DATA, ...)". */
int cli_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "prog: <e->msg>" and returns e->code (EXIT_SOFTWARE if unset). */
int cli_fail_err(const struct err *e);

/* Prints "Try 'prog --help'." after a usage message; returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "prog (recmail) VERSION" on stdout; returns the status of closing stdout. */
int cli_version(void);

/*
 * Strict number parsing for option values: the whole string must be a number
 * within [min, max]. On failure prints "prog: --opt: 'text' is not ..." and
 * returns -1; returns 0 on success.
 */
int cli_parse_long(const char *opt, const char *s, long min, long max, long *out);
int cli_parse_double(const char *opt, const char *s, double min, double max, double *out);

/* Opens path for reading ("-" or NULL is stdin). On failure prints
 * "prog: path: strerror" and returns NULL (the caller returns EXIT_NOINPUT). */
FILE *cli_open_in(const char *path);

/* Closes an input opened by cli_open_in (never closes stdin). */
void cli_close_in(FILE *f);

/* Flushes and closes an output stream, checking every error (a full disk
 * is an error). Returns 0, or prints "prog: name: strerror" and returns
 * EXIT_IO. */
int cli_close_out(FILE *f, const char *name);

/* True when progress should be shown: forced by --progress, or stderr is a terminal. */
bool cli_want_progress(bool forced);

/* A display name for a path: "-" for stdin/stdout. */
const char *cli_name(const char *path);

#endif
