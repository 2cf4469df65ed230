/* html.c - escaping, URL checks and a small logic-less template for the HTML part */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/exitcode.h"
#include "mail/html.h"

#define TMPL_MAX (4 * 1024 * 1024)

enum node_kind { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED, N_END };

struct html_node {
	enum node_kind kind;
	const char *s;      /* text, or the name (NUL-terminated inside html_tmpl.text) */
	size_t len;
	size_t end;         /* for sections: index of the matching N_END */
};

/* The replacement for a byte HTML gives a meaning to, or NULL. */
static const char *const html_entity[256] = {
	['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;",
};

int
html_escape(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, j;
	char *o;

	if (buf_reserve(out, n * 6) < 0)
		return -1;
	o = out->s + out->len;
	while (i < n) {
		const char *r;

		for (j = i; j < n && html_entity[p[j]] == NULL; j++)
			;
		memcpy(o, p + i, j - i);
		o += j - i;
		if (j == n)
			break;
		r = html_entity[p[j]];
		while (*r)
			*o++ = *r++;
		i = j + 1;
	}
	out->len = (size_t)(o - out->s);
	out->s[out->len] = '\0';
	return 0;
}

int
html_paragraphs(struct buf *out, const char *s, size_t n)
{
	size_t i = 0;
	int open = 0;

	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - s) : n, a = i, z = end;

		while (a < z && (s[a] == ' ' || s[a] == '\t'))
			a++;
		while (z > a && (s[z - 1] == ' ' || s[z - 1] == '\t'))
			z--;
		if (a == z) {
			if (open && buf_adds(out, "</p>\n") < 0)
				return -1;
			open = 0;
		} else {
			if (buf_adds(out, open ? "<br>\n" : "<p>") < 0 || html_escape(out, s + a, z - a) < 0)
				return -1;
			open = 1;
		}
		i = end + 1;
	}
	if (open && buf_adds(out, "</p>\n") < 0)
		return -1;
	return 0;
}

int
html_url_ok(const char *url)
{
	const unsigned char *p;
	size_t skip;

	if (url == NULL)
		return 0;
	if (strncasecmp(url, "https://", 8) == 0)
		skip = 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		skip = 7;
	else
		return 0;
	if (strlen(url) > 2048 || url[skip] == '\0' || url[skip] == '/')
		return 0;
	for (p = (const unsigned char *)url; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || strchr("\"'<>\\`", *p) != NULL)
			return 0;
	return 1;
}

void
html_free(struct html_tmpl *t)
{
	free(t->text);
	free(t->nodes);
	t->text = NULL;
	t->nodes = NULL;
	t->n = 0;
}

static long
line_of(const char *text, const char *p)
{
	long n = 1;

	for (; text < p; text++)
		n += *text == '\n';
	return n;
}

static int
push(struct html_tmpl *t, size_t *cap, enum node_kind k, const char *s, size_t len)
{
	if (t->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct html_node *nn = realloc(t->nodes, nc * sizeof *nn);

		if (nn == NULL)
			return -1;
		t->nodes = nn;
		*cap = nc;
	}
	t->nodes[t->n].kind = k;
	t->nodes[t->n].s = s;
	t->nodes[t->n].len = len;
	t->nodes[t->n].end = 0;
	t->n++;
	return 0;
}

int
html_compile(struct html_tmpl *t, const char *src, size_t len, const char *name, struct err *e)
{
	size_t cap = 0, stack[32], depth = 0;
	char *p, *end;

	memset(t, 0, sizeof *t);
	t->text = malloc(len + 1);
	if (t->text == NULL)
		return err_nomem(e);
	memcpy(t->text, src, len);
	t->text[len] = '\0';
	p = t->text;
	end = t->text + len;
	while (p < end) {
		char *open = strstr(p, "{{"), *close, *nm;
		enum node_kind k = N_VAR;
		size_t skip = 2;

		if (open == NULL)
			open = end;
		if (open > p && push(t, &cap, N_TEXT, p, (size_t)(open - p)) < 0)
			goto nomem;
		if (open == end)
			break;
		nm = open + 2;
		if (*nm == '{') {
			k = N_RAW;
			nm++;
			skip = 3;
		} else if (*nm == '#' || *nm == '^' || *nm == '/') {
			k = *nm == '#' ? N_SECTION : *nm == '^' ? N_INVERTED : N_END;
			nm++;
		}
		close = strstr(nm, skip == 3 ? "}}}" : "}}");
		if (close == NULL) {
			err_set(e, EXIT_DATA, "%s:%ld: unclosed '{{'", name, line_of(t->text, open));
			goto fail;
		}
		while (nm < close && *nm == ' ')
			nm++;
		{
			char *z = close;

			while (z > nm && z[-1] == ' ')
				z--;
			if (z == nm || strspn(nm, "abcdefghijklmnopqrstuvwxyz0123456789_") < (size_t)(z - nm)) {
				err_set(e, EXIT_DATA, "%s:%ld: bad tag name", name, line_of(t->text, open));
				goto fail;
			}
			*z = '\0';
			if (push(t, &cap, k, nm, (size_t)(z - nm)) < 0)
				goto nomem;
		}
		if (k == N_SECTION || k == N_INVERTED) {
			if (depth == sizeof stack / sizeof stack[0]) {
				err_set(e, EXIT_DATA, "%s:%ld: sections nested too deep", name,
				    line_of(t->text, open));
				goto fail;
			}
			stack[depth++] = t->n - 1;
		} else if (k == N_END) {
			if (depth == 0 || strcmp(t->nodes[stack[depth - 1]].s, nm) != 0) {
				err_set(e, EXIT_DATA, "%s:%ld: '{{/%s}}' closes no open section", name,
				    line_of(t->text, open), nm);
				goto fail;
			}
			t->nodes[stack[--depth]].end = t->n - 1;
		}
		p = close + skip;
	}
	if (depth > 0) {
		err_set(e, EXIT_DATA, "%s: unclosed section '%s'", name, t->nodes[stack[depth - 1]].s);
		goto fail;
	}
	return 0;
nomem:
	err_nomem(e);
fail:
	html_free(t);
	return -1;
}

int
html_load(struct html_tmpl *t, const char *path, struct err *e)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	int rc;

	if (f == NULL)
		return err_set(e, EXIT_NOINPUT, "%s: %s", path, strerror(errno));
	buf = malloc(TMPL_MAX + 1);
	if (buf == NULL) {
		fclose(f);
		return err_nomem(e);
	}
	n = fread(buf, 1, TMPL_MAX + 1, f);
	if (ferror(f) || n > TMPL_MAX) {
		rc = err_set(e, n > TMPL_MAX ? EXIT_DATA : EXIT_IO, "%s: %s", path,
		    n > TMPL_MAX ? "template larger than 4 MiB" : "read error");
	} else {
		rc = html_compile(t, buf, n, path, e);
	}
	free(buf);
	fclose(f);
	return rc;
}

static const char *
lookup(const struct html_data *d, const struct html_scope *item, const char *name)
{
	size_t i;

	if (item != NULL)
		for (i = 0; i < item->n; i++)
			if (strcmp(item->v[i].name, name) == 0)
				return item->v[i].value;
	for (i = 0; i < d->top.n; i++)
		if (strcmp(d->top.v[i].name, name) == 0)
			return d->top.v[i].value;
	return NULL;
}

static int
render(const struct html_tmpl *t, size_t a, size_t z, const struct html_data *d,
    const struct html_scope *item, struct buf *out)
{
	size_t i, j;

	for (i = a; i < z; i++) {
		const struct html_node *nd = &t->nodes[i];
		const char *v;
		int truth;

		switch (nd->kind) {
		case N_TEXT:
			if (buf_add(out, nd->s, nd->len) < 0)
				return -1;
			break;
		case N_VAR:
		case N_RAW:
			v = lookup(d, item, nd->s);
			if (v != NULL && (nd->kind == N_RAW ? buf_adds(out, v) :
			    html_escape(out, v, strlen(v))) < 0)
				return -1;
			break;
		case N_SECTION:
		case N_INVERTED:
			if (d->list != NULL && strcmp(nd->s, d->list) == 0) {
				truth = d->nitems > 0;
				if (nd->kind == N_SECTION) {
					for (j = 0; j < d->nitems; j++)
						if (render(t, i + 1, nd->end, d, &d->items[j], out) < 0)
							return -1;
				} else if (!truth && render(t, i + 1, nd->end, d, item, out) < 0) {
					return -1;
				}
			} else {
				v = lookup(d, item, nd->s);
				truth = v != NULL && v[0] != '\0';
				if (truth == (nd->kind == N_SECTION) &&
				    render(t, i + 1, nd->end, d, item, out) < 0)
					return -1;
			}
			i = nd->end;
			break;
		case N_END:
			break;
		}
	}
	return 0;
}

int
html_render(const struct html_tmpl *t, const struct html_data *d, struct buf *out)
{
	return render(t, 0, t->n, d, NULL, out);
}
