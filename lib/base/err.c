/* err.c - filling struct err values */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/exitcode.h"

int
err_vset(struct err *e, int code, const char *fmt, va_list ap)
{
	if (e == NULL)
		return -1;
	e->code = code;
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	return -1;
}

int
err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(e, code, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_prefix(struct err *e, const char *fmt, ...)
{
	char pre[512], all[sizeof pre + sizeof e->msg + 2];
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	snprintf(all, sizeof all, "%s: %s", pre, e->msg);
	all[sizeof e->msg - 1] = '\0'; /* keep what fits */
	memcpy(e->msg, all, sizeof e->msg);
	return -1;
}

int
err_nomem(struct err *e)
{
	return err_set(e, EXIT_OSERR, "out of memory");
}
