/* lines.c - buffered line reading with memchr, line numbers and a length limit */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "base/lines.h"

#define CHUNK (256 * 1024)
#define BOM "\xef\xbb\xbf"

int
lines_init(struct lines *r, FILE *fp, const char *name, size_t maxlen, struct err *e)
{
	memset(r, 0, sizeof *r);
	r->fp = fp;
	r->name = name ? name : "-";
	r->maxlen = maxlen ? maxlen : LINES_DEFAULT_MAX;
	r->skipmax = LINES_SKIP_MAX;
	r->cap = CHUNK;
	r->buf = malloc(r->cap + 1);
	if (r->buf == NULL)
		return err_nomem(e);
	return 0;
}

/*
 * Reads at most want bytes, stopping after a newline: fread would wait for want bytes (or the
 * end of input) even when a whole line is there. getc reads what the pipe has and no more.
 */
static size_t
read_to_newline(FILE *fp, char *p, size_t want)
{
	size_t n = 0;
	int c;

	flockfile(fp);
	while (n < want && (c = getc_unlocked(fp)) != EOF) {
		p[n++] = (char)c;
		if (c == '\n')
			break;
	}
	funlockfile(fp);
	return n;
}

/* Reads more input after the unread part; returns bytes read, 0 at EOF, -1 on error. */
static int
fill(struct lines *r, struct err *e)
{
	size_t n, want;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		size_t ncap = r->cap * 2;
		char *nb;

		if (ncap > r->maxlen + CHUNK)
			ncap = r->maxlen + CHUNK;
		if (ncap <= r->cap)
			return 1; /* full: caller handles the over-long line */
		nb = realloc(r->buf, ncap + 1);
		if (nb == NULL)
			return err_nomem(e);
		r->buf = nb;
		r->cap = ncap;
	}
	want = r->cap - r->end;
	n = r->stream ? read_to_newline(r->fp, r->buf + r->end, want) :
	    fread(r->buf + r->end, 1, want, r->fp);
	if (n == 0) {
		if (ferror(r->fp))
			return err_set(e, EXIT_IO, "%s: read error: %s", r->name, strerror(errno ? errno : EIO));
		r->eof = 1;
		return 0;
	}
	r->end += n;
	r->nread += (long long)n;
	return (int)(n > 0);
}

/* Discards input through the next newline (the rest of an over-long line). Returns 0, 1 when
 * there was none within skipmax bytes (the input is then treated as ended), -1 on error. */
static int
skip_line(struct lines *r, struct err *e)
{
	size_t skipped = 0, limit = r->skipmax > r->maxlen ? r->skipmax : r->maxlen;

	for (;;) {
		char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);

		if (nl != NULL) {
			r->start = (size_t)(nl - r->buf) + 1;
			return 0;
		}
		skipped += r->end - r->start;
		r->start = r->end = 0;
		if (r->eof)
			return 0;
		if (skipped > limit) {
			r->eof = 1;
			return 1;
		}
		if (fill(r, e) < 0)
			return -1;
	}
}

int
lines_next(struct lines *r, char **line, size_t *len, struct err *e)
{
	for (;;) {
		char *p = r->buf + r->start;
		size_t avail = r->end - r->start;
		char *nl = memchr(p, '\n', avail);
		size_t n;

		if (nl != NULL || (r->eof && avail > 0)) {
			n = nl ? (size_t)(nl - p) : avail;
			r->lineno++;
			r->off = r->nread - (long long)avail;
			r->ended = nl != NULL;
			if (n > r->maxlen) {
				r->start += n + (nl != NULL);
				return err_set(e, EXIT_DATA, "%s:%ld: line longer than %zu bytes",
				    r->name, r->lineno, r->maxlen);
			}
			r->start += n + (nl != NULL);
			if (n > 0 && p[n - 1] == '\r')
				n--;
			p[n] = '\0';
			if (r->lineno == 1 && n >= 3 && memcmp(p, BOM, 3) == 0) {
				p += 3;
				n -= 3;
				r->off += 3;
			}
			*line = p;
			*len = n;
			return 1;
		}
		if (r->eof)
			return 0;
		if (avail > r->maxlen + 1) {
			int rc;

			r->lineno++;
			if ((rc = skip_line(r, e)) < 0)
				return -1;
			if (rc > 0)
				return err_set(e, EXIT_DATA, "%s:%ld: line longer than %zu bytes and no end "
				    "in %zu bytes: stopped reading", r->name, r->lineno, r->maxlen,
				    r->skipmax > r->maxlen ? r->skipmax : r->maxlen);
			return err_set(e, EXIT_DATA, "%s:%ld: line longer than %zu bytes",
			    r->name, r->lineno, r->maxlen);
		}
		if (fill(r, e) < 0)
			return -1;
	}
}

int
lines_peek(struct lines *r, const char **p, size_t *n, struct err *e)
{
	for (;;) {
		size_t avail = r->end - r->start;

		if (r->eof || avail > r->maxlen || memchr(r->buf + r->start, '\n', avail) != NULL) {
			*p = r->buf + r->start;
			*n = avail;
			if (r->lineno == 0 && avail >= 3 && memcmp(*p, BOM, 3) == 0) {
				*p += 3;
				*n -= 3;
			}
			return 0;
		}
		if (fill(r, e) < 0)
			return -1;
	}
}

void
lines_free(struct lines *r)
{
	free(r->buf);
	r->buf = NULL;
}
