/* tunespace.c - parsing a search space, its grid, random points and the option strings of a point */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/tunespace.h"
#include "base/exitcode.h"

#define GRID_MAX 1000000L

void
tunespace_init(struct tunespace *s)
{
	memset(s, 0, sizeof *s);
}

void
tunespace_free(struct tunespace *s)
{
	for (int d = 0; d < s->ndims; d++) {
		free(s->dim[d].name);
		for (int i = 0; i < s->dim[d].nvalues; i++)
			free(s->dim[d].values[i]);
	}
	memset(s, 0, sizeof *s);
}

static int
word_ok(const char *w, size_t n, int option)
{
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = w[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || (!option && (c == '.' || c == '_' || c == '+'))))
			return 0;
	}
	return 1;
}

/* Parses a whole number text of n bytes as a finite double. Returns 0 or -1. */
static int
number(const char *t, size_t n, double *out)
{
	char buf[64], *end;

	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, t, n);
	buf[n] = '\0';
	*out = strtod(buf, &end);
	return *end == '\0' && isfinite(*out) ? 0 : -1;
}

/* One "NAME=DOMAIN" item of n bytes. */
static int
parse_dim(struct tunespace *s, const char *t, size_t n, struct err *e)
{
	const char *eq = memchr(t, '=', n), *dom, *c1, *c2;
	struct tunespace_dim *d;
	size_t nlen, dlen;
	const char *name;

	if (eq == NULL)
		return err_set(e, EXIT_USAGE, "--space: '%.*s' is not NAME=DOMAIN", (int)n, t);
	if (s->ndims == TUNESPACE_MAX_DIMS)
		return err_set(e, EXIT_USAGE, "--space: more than %d dimensions", TUNESPACE_MAX_DIMS);
	name = t;
	nlen = (size_t)(eq - t);
	dom = eq + 1;
	dlen = n - nlen - 1;
	d = &s->dim[s->ndims];
	memset(d, 0, sizeof *d);
	d->topk = nlen > 5 && memcmp(name, "topk.", 5) == 0;
	if (!word_ok(name + 5 * d->topk, nlen - 5 * (size_t)d->topk, 1))
		return err_set(e, EXIT_USAGE, "--space: '%.*s' is not an option name (svdtrain's, or "
		    "topk.NAME)", (int)nlen, name);
	for (int i = 0; i < s->ndims; i++)
		if (strlen(s->dim[i].name) == nlen && memcmp(s->dim[i].name, name, nlen) == 0)
			return err_set(e, EXIT_USAGE, "--space: '%.*s' is given twice", (int)nlen, name);
	c1 = memchr(dom, ':', dlen);
	if (c1 != NULL) {
		const char *a = dom;
		size_t alen;

		d->kind = TS_REAL;
		if ((size_t)(c1 - dom) == 3 && memcmp(dom, "int", 3) == 0) {
			d->kind = TS_INT;
			a = c1 + 1;
		} else if ((size_t)(c1 - dom) == 3 && memcmp(dom, "log", 3) == 0) {
			d->kind = TS_LOG;
			a = c1 + 1;
		}
		c2 = memchr(a, ':', dlen - (size_t)(a - dom));
		alen = dlen - (size_t)(a - dom);
		if (c2 == NULL || number(a, (size_t)(c2 - a), &d->lo) < 0 ||
		    number(c2 + 1, alen - (size_t)(c2 - a) - 1, &d->hi) < 0)
			return err_set(e, EXIT_USAGE, "--space: '%.*s' is not lo:hi, int:lo:hi or "
			    "log:lo:hi with numbers", (int)n, t);
		if (!(d->lo < d->hi))
			return err_set(e, EXIT_USAGE, "--space: '%.*s': lo must be below hi", (int)n, t);
		if (d->kind == TS_LOG && !(d->lo > 0))
			return err_set(e, EXIT_USAGE, "--space: '%.*s': a log range needs lo > 0",
			    (int)n, t);
		if (d->kind == TS_INT && (d->lo != floor(d->lo) || d->hi != floor(d->hi)))
			return err_set(e, EXIT_USAGE, "--space: '%.*s': an int range needs whole ends",
			    (int)n, t);
	} else {
		d->kind = TS_LIST;
		for (const char *p = dom; p < dom + dlen;) {
			const char *comma = memchr(p, ',', (size_t)(dom + dlen - p));
			size_t vlen = comma ? (size_t)(comma - p) : (size_t)(dom + dlen - p);

			if (!word_ok(p, vlen, 0))
				return err_set(e, EXIT_USAGE, "--space: '%.*s': value '%.*s' is not a "
				    "number or word", (int)nlen, name, (int)vlen, p);
			if (d->nvalues == TUNESPACE_MAX_VALUES)
				return err_set(e, EXIT_USAGE, "--space: '%.*s': more than %d values",
				    (int)nlen, name, TUNESPACE_MAX_VALUES);
			if ((d->values[d->nvalues] = strndup(p, vlen)) == NULL)
				return err_nomem(e);
			d->nvalues++;
			p += vlen + 1;
		}
		if (d->nvalues == 0)
			return err_set(e, EXIT_USAGE, "--space: '%.*s' has no values", (int)nlen, name);
	}
	if ((d->name = strndup(name, nlen)) == NULL)
		return err_nomem(e);
	s->ndims++;
	return 0;
}

int
tunespace_parse(struct tunespace *s, const char *spec, struct err *e)
{
	const char *p = spec;
	int before = s->ndims;

	while (*p) {
		size_t n = strcspn(p, " \t;");

		if (n > 0 && parse_dim(s, p, n, e) < 0) {
			/* free the half-made dimension's values */
			struct tunespace_dim *d = &s->dim[s->ndims];

			for (int i = 0; i < d->nvalues; i++)
				free(d->values[i]);
			d->nvalues = 0;
			return -1;
		}
		p += n;
		p += strspn(p, " \t;");
	}
	if (s->ndims == before)
		return err_set(e, EXIT_USAGE, "--space: '%s' names no dimension", spec);
	return 0;
}

/* The number a coordinate stands for, for ranges. */
static double
range_value(const struct tunespace_dim *d, double x)
{
	double v;

	if (d->kind == TS_LOG)
		return exp(log(d->lo) + x * (log(d->hi) - log(d->lo)));
	v = d->lo + x * (d->hi - d->lo);
	return d->kind == TS_INT ? round(v) : v;
}

/* The coordinate of value v of a range (the inverse of range_value). */
static double
range_coord(const struct tunespace_dim *d, double v)
{
	if (d->kind == TS_LOG)
		return (log(v) - log(d->lo)) / (log(d->hi) - log(d->lo));
	return (v - d->lo) / (d->hi - d->lo);
}

void
tunespace_value(const struct tunespace *s, int d, double x, char *buf, size_t size)
{
	const struct tunespace_dim *t = &s->dim[d];

	if (t->kind == TS_LIST) {
		int i = t->nvalues > 1 ? (int)lround(x * (t->nvalues - 1)) : 0;

		snprintf(buf, size, "%s", t->values[i < 0 ? 0 : i >= t->nvalues ? t->nvalues - 1 : i]);
		return;
	}
	snprintf(buf, size, t->kind == TS_INT ? "%.0f" : "%.4g", range_value(t, x));
}

void
tunespace_snap(const struct tunespace *s, struct tunepoint *p)
{
	for (int d = 0; d < s->ndims; d++) {
		const struct tunespace_dim *t = &s->dim[d];
		double x = fmin(1, fmax(0, p->x[d]));
		char buf[64];

		if (t->kind == TS_LIST) {
			x = t->nvalues > 1 ? round(x * (t->nvalues - 1)) / (t->nvalues - 1) : 0;
		} else {
			/* the value as written (4 significant digits), back to its coordinate */
			tunespace_value(s, d, x, buf, sizeof buf);
			x = fmin(1, fmax(0, range_coord(t, strtod(buf, NULL))));
		}
		p->x[d] = x;
	}
}

void
tunespace_random(const struct tunespace *s, struct rng *g, struct tunepoint *p)
{
	memset(p, 0, sizeof *p);
	for (int d = 0; d < s->ndims; d++) {
		const struct tunespace_dim *t = &s->dim[d];

		if (t->kind == TS_LIST)
			p->x[d] = t->nvalues > 1 ?
			    (double)rng_below(g, (uint64_t)t->nvalues) / (t->nvalues - 1) : 0;
		else
			p->x[d] = rng_uniform(g);
	}
	tunespace_snap(s, p);
}

/* The coordinates dimension d takes in the grid. Returns their number. */
static int
grid_axis(const struct tunespace_dim *t, int points, double *out)
{
	int n = 0;

	if (t->kind == TS_LIST) {
		for (int i = 0; i < t->nvalues; i++)
			out[n++] = t->nvalues > 1 ? (double)i / (t->nvalues - 1) : 0;
		return n;
	}
	for (int i = 0; i < points; i++) {
		double x = points > 1 ? (double)i / (points - 1) : 0.5;

		if (t->kind == TS_INT) {
			x = range_coord(t, range_value(t, x));
			if (n > 0 && fabs(out[n - 1] - x) < 1e-12)
				continue;
		}
		out[n++] = x;
	}
	return n;
}

long
tunespace_grid(const struct tunespace *s, int points, struct tunepoint *out, long cap,
    struct err *e)
{
	double axis[TUNESPACE_MAX_DIMS][TUNESPACE_MAX_VALUES > 64 ? TUNESPACE_MAX_VALUES : 64];
	int len[TUNESPACE_MAX_DIMS], idx[TUNESPACE_MAX_DIMS] = { 0 };
	long total = 1, k = 0;

	if (points > 64)
		points = 64;
	for (int d = 0; d < s->ndims; d++) {
		len[d] = grid_axis(&s->dim[d], points, axis[d]);
		total *= len[d];
		if (total > GRID_MAX)
			return err_set(e, EXIT_USAGE, "--space: the grid has over %ld points", GRID_MAX);
	}
	if (out == NULL)
		return total;
	for (k = 0; k < total && k < cap; k++) {
		for (int d = 0; d < s->ndims; d++)
			out[k].x[d] = axis[d][idx[d]];
		tunespace_snap(s, &out[k]);
		/* the next index, the last dimension fastest */
		for (int d = s->ndims - 1; d >= 0; d--) {
			if (++idx[d] < len[d])
				break;
			idx[d] = 0;
		}
	}
	return total;
}

/* Appends "--name=value" (or "name=value" for keys) of the dimensions of one program. */
static void
join(const struct tunespace *s, const struct tunepoint *p, int which, int as_key, char *buf,
    size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int d = 0; d < s->ndims; d++) {
		const struct tunespace_dim *t = &s->dim[d];
		char v[64];
		int n;

		if (which >= 0 && t->topk != which)
			continue;
		tunespace_value(s, d, p->x[d], v, sizeof v);
		n = snprintf(buf + used, size - used, "%s%s%s=%s", used ? " " : "",
		    as_key ? "" : "--", t->name + (as_key ? 0 : 5 * t->topk), v);
		if (n < 0 || (size_t)n >= size - used)
			return;
		used += (size_t)n;
	}
}

void
tunespace_key(const struct tunespace *s, const struct tunepoint *p, char *buf, size_t size)
{
	join(s, p, -1, 1, buf, size);
}

void
tunespace_opts(const struct tunespace *s, const struct tunepoint *p, int topk, char *buf,
    size_t size)
{
	join(s, p, topk, 0, buf, size);
}
