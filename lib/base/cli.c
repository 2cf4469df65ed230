/* cli.c - messages, strict option parsing and checked file handling for cmd/ mains */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cli.h"

/* The one piece of process state: the name messages start with (like getprogname()). */
static const char *progname = "recmail";

void
cli_init(const char *name)
{
	const char *slash = strrchr(name, '/');

	progname = slash ? slash + 1 : name;
}

const char *
cli_progname(void)
{
	return progname;
}

static void
vwarn(const char *fmt, va_list ap)
{
	char buf[2048];

	vsnprintf(buf, sizeof buf, fmt, ap);
	fprintf(stderr, "%s: %s\n", progname, buf);
}

void
cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

int
cli_fail(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	return status;
}

int
cli_fail_err(const struct err *e)
{
	fprintf(stderr, "%s: %s\n", progname, e->msg[0] ? e->msg : "unknown error");
	return e->code ? e->code : EXIT_SOFTWARE;
}

int
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	return EXIT_USAGE;
}

int
cli_version(void)
{
	printf("%s (recmail) %s\n", progname, RECMAIL_VERSION);
	return cli_close_out(stdout, "-");
}

int
cli_parse_long(const char *opt, const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno == ERANGE || v < min || v > max) {
		cli_warn("%s: '%s' is not a whole number from %ld to %ld", opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int
cli_parse_double(const char *opt, const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno == ERANGE || !isfinite(v) || v < min || v > max) {
		cli_warn("%s: '%s' is not a number from %g to %g", opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

FILE *
cli_open_in(const char *path)
{
	FILE *f;

	if (path == NULL || strcmp(path, "-") == 0)
		return stdin;
	f = fopen(path, "rb");
	if (f == NULL)
		cli_warn("%s: %s", path, strerror(errno));
	return f;
}

void
cli_close_in(FILE *f)
{
	if (f != NULL && f != stdin)
		fclose(f);
}

int
cli_close_out(FILE *f, const char *name)
{
	int bad = 0, saved = 0;

	if (fflush(f) != 0 || ferror(f)) {
		bad = 1;
		saved = errno;
	}
	if (fclose(f) != 0 && !bad) {
		bad = 1;
		saved = errno;
	}
	if (bad) {
		cli_warn("%s: write error: %s", cli_name(name), saved ? strerror(saved) : "I/O error");
		return EXIT_IO;
	}
	return 0;
}

bool
cli_want_progress(bool forced)
{
	return forced || isatty(STDERR_FILENO);
}

const char *
cli_name(const char *path)
{
	return path == NULL ? "-" : path;
}
