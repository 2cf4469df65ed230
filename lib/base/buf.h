/* buf.h - a growable byte string, NUL-terminated after len bytes once allocated */
#ifndef RECMAIL_BUF_H
#define RECMAIL_BUF_H

#include <stddef.h>
#include <string.h>

/*
 * s is NULL until the first append or reserve (callers test for that: an
 * untouched buffer holds nothing); after that s[len] is always '\0' and cap,
 * which counts the NUL, only grows until buf_free.
 */
struct buf {
	char *s;
	size_t len, cap;
};

/* Makes b an empty buffer that owns no memory. Cannot fail. */
void buf_init(struct buf *b);

/* Frees what b holds and leaves it as buf_init does. Cannot fail. */
void buf_free(struct buf *b);

/* Empties b, keeping its memory for reuse. Cannot fail. */
static inline void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

/* Makes room for n more bytes (and the NUL). Returns 0, or -1 when out of memory (b unchanged). */
int buf_reserve(struct buf *b, size_t n);

/*
 * Appends p[0..n) (may hold NULs). Returns 0, or -1 when out of memory (b
 * unchanged). Inline: callers append a token at a time (jansson's dump
 * callback, QP runs), and with room enough an append is a copy, no call.
 */
static inline int
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap && buf_reserve(b, n) < 0)
		return -1;
	if (n > 0)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

/* Appends the string s. Returns 0, or -1 when out of memory (b unchanged). */
int buf_adds(struct buf *b, const char *s);

/* Appends the byte c. Returns 0, or -1 when out of memory (b unchanged). */
static inline int
buf_addc(struct buf *b, int c)
{
	if (b->len + 2 > b->cap && buf_reserve(b, 1) < 0)
		return -1;
	b->s[b->len++] = (char)c;
	b->s[b->len] = '\0';
	return 0;
}

/*
 * Appends printf-formatted text. Returns 0, or -1 when out of memory or on a
 * formatting error (b keeps its length and its NUL).
 */
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
