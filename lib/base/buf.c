/* buf.c - a growable byte string: the one append buffer the library builds text in */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

void
buf_init(struct buf *b)
{
	b->s = NULL;
	b->len = b->cap = 0;
}

void
buf_free(struct buf *b)
{
	free(b->s);
	buf_init(b);
}

int
buf_reserve(struct buf *b, size_t n)
{
	size_t need = b->len + n + 1, ncap;
	char *ns;

	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap *= 2;
	ns = realloc(b->s, ncap);
	if (ns == NULL)
		return -1;
	if (b->s == NULL)
		ns[0] = '\0'; /* a first allocation holds the empty string, not garbage */
	b->s = ns;
	b->cap = ncap;
	return 0;
}

int
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	/* one formatting pass when it fits the room there is, a second when not */
	va_start(ap, fmt);
	n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		if (b->s)
			b->s[b->len] = '\0';
		return -1;
	}
	if (b->s == NULL || (size_t)n >= b->cap - b->len) {
		if (buf_reserve(b, (size_t)n) < 0) {
			if (b->s)
				b->s[b->len] = '\0';
			return -1;
		}
		va_start(ap, fmt);
		vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
	return 0;
}
