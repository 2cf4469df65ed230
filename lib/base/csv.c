/* csv.c - delimited-text records: in-place splitting for plain lines, RFC 4180 quotes when present */
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/exitcode.h"

int
csv_init(struct csv *c, struct lines *in, const char *delim, int quoting, struct err *e)
{
	memset(c, 0, sizeof *c);
	buf_init(&c->raw);
	c->in = in;
	c->dlen = strlen(delim);
	if (c->dlen == 0 || c->dlen >= sizeof c->delim)
		return err_set(e, EXIT_USAGE, "a delimiter is 1 to %zu bytes", sizeof c->delim - 1);
	if (quoting && memchr(delim, '"', c->dlen) != NULL)
		return err_set(e, EXIT_USAGE, "a quoted format cannot use '\"' as a delimiter");
	memcpy(c->delim, delim, c->dlen);
	c->quoting = quoting;
	return 0;
}

void
csv_free(struct csv *c)
{
	free(c->f);
	free(c->rec);
	buf_free(&c->raw);
	memset(c, 0, sizeof *c);
}

static int
add_field(struct csv *c, char *s, size_t len, struct err *e)
{
	if (c->nf == c->fcap) {
		size_t ncap = c->fcap ? c->fcap * 2 : 16;
		struct csv_field *nf = realloc(c->f, ncap * sizeof *nf);

		if (nf == NULL)
			return err_nomem(e);
		c->f = nf;
		c->fcap = ncap;
	}
	c->f[c->nf].s = s;
	c->f[c->nf].len = len;
	c->nf++;
	return 0;
}

/* Next delimiter in p[0..n), or NULL. */
static char *
find_delim(const struct csv *c, char *p, size_t n)
{
	if (c->dlen == 1)
		return memchr(p, c->delim[0], n);
	while (n >= c->dlen) {
		char *q = memchr(p, c->delim[0], n - c->dlen + 1);

		if (q == NULL)
			return NULL;
		if (memcmp(q, c->delim, c->dlen) == 0)
			return q;
		n -= (size_t)(q - p) + 1;
		p = q + 1;
	}
	return NULL;
}

/* Splits an unquoted line in place: each delimiter's first byte becomes a NUL. */
static int
split_line(struct csv *c, char *line, size_t len, struct err *e)
{
	char *p = line, *end = line + len;

	c->split = 1;
	c->line = line;
	c->linelen = len;
	for (;;) {
		char *d = find_delim(c, p, (size_t)(end - p));

		if (d == NULL)
			return add_field(c, p, (size_t)(end - p), e);
		*d = '\0';
		if (add_field(c, p, (size_t)(d - p), e) < 0)
			return -1;
		p = d + c->dlen;
	}
}

/*
 * Parses the quoted record collected in c->raw into c->rec. Returns 1 when
 * complete, 0 when a quoted field is still open at the end, -1 on a bad record.
 */
static int
parse_quoted(struct csv *c, struct err *e)
{
	size_t i = 0, n = c->raw.len, w = 0, start;
	const char *s = c->raw.s;

	if (n + 1 > c->rcap) {
		char *nr = realloc(c->rec, c->raw.cap);

		if (nr == NULL)
			return err_nomem(e);
		c->rec = nr;
		c->rcap = c->raw.cap;
	}
	c->nf = 0;
	for (;;) {
		start = w;
		if (i < n && s[i] == '"') {
			i++;
			for (;;) {
				if (i >= n)
					return 0;
				if (s[i] == '"') {
					if (i + 1 < n && s[i + 1] == '"') {
						c->rec[w++] = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				c->rec[w++] = s[i++];
			}
			if (i < n && !(n - i >= c->dlen && memcmp(s + i, c->delim, c->dlen) == 0))
				return err_set(e, EXIT_DATA, "%s:%ld: unexpected '%c' after a closing quote",
				    c->in->name, c->lineno, s[i]);
		} else {
			while (i < n && !(n - i >= c->dlen && memcmp(s + i, c->delim, c->dlen) == 0))
				c->rec[w++] = s[i++];
		}
		c->rec[w++] = '\0';
		/* rec holds raw.cap >= n + 1 bytes, enough for every field and its NUL: it does not move */
		if (add_field(c, c->rec + start, w - 1 - start, e) < 0)
			return -1;
		if (i >= n)
			break;
		i += c->dlen;
	}
	return 1;
}

int
csv_next(struct csv *c, struct err *e)
{
	char *line;
	size_t len;
	int rc;

	c->nf = 0;
	buf_reset(&c->raw);
	c->split = 0;
	c->line = NULL;
	for (;;) {
		rc = lines_next(c->in, &line, &len, e);
		if (rc <= 0)
			return rc;
		if (len > 0)
			break;
	}
	c->lineno = c->in->lineno;
	if (!c->quoting || memchr(line, '"', len) == NULL)
		return split_line(c, line, len, e) < 0 ? -1 : 1;
	if (buf_add(&c->raw, line, len) < 0)
		return err_nomem(e);
	for (;;) {
		rc = parse_quoted(c, e);
		if (rc != 0)
			return rc;
		/* a quoted field goes on to the next line */
		rc = lines_next(c->in, &line, &len, e);
		if (rc < 0) {
			if (e != NULL && e->code == EXIT_DATA)
				err_set(e, EXIT_DATA, "%s:%ld: line %ld of a quoted field is longer than %zu bytes",
				    c->in->name, c->lineno, c->in->lineno, c->in->maxlen);
			return -1;
		}
		if (rc == 0)
			return err_set(e, EXIT_DATA, "%s:%ld: unterminated quoted field", c->in->name,
			    c->lineno);
		if (c->raw.len + 1 + len > c->in->maxlen)
			return err_set(e, EXIT_DATA, "%s:%ld: quoted record longer than %zu bytes",
			    c->in->name, c->lineno, c->in->maxlen);
		if (buf_addc(&c->raw, '\n') < 0 || buf_add(&c->raw, line, len) < 0)
			return err_nomem(e);
	}
}

const char *
csv_raw(struct csv *c, size_t *len)
{
	if (c->split && c->line != NULL) {
		/* put the delimiters back */
		for (size_t k = 0; k + 1 < c->nf; k++)
			c->f[k].s[c->f[k].len] = c->delim[0];
		c->split = 0;
		*len = c->linelen;
		return c->line;
	}
	if (c->line != NULL) {
		*len = c->linelen;
		return c->line;
	}
	*len = c->raw.len;
	return c->raw.s ? c->raw.s : "";
}
