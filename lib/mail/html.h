/* html.h - HTML escaping, safe URLs and the email template ({{var}}, {{{raw}}}, {{#list}}) */
#ifndef RECMAIL_HTML_H
#define RECMAIL_HTML_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

/* Appends s[0..n) with & < > " ' escaped (safe in text and quoted attributes).
 * Returns 0, or -1 when out of memory. */
int html_escape(struct buf *out, const char *s, size_t n);

/*
 * Appends plain text as HTML paragraphs: blank lines separate <p> elements,
 * single line breaks become <br>, everything escaped. Returns 0, or -1 when
 * out of memory.
 */
int html_paragraphs(struct buf *out, const char *s, size_t n);

/*
 * 1 when url may be put in a link or an image: http:// or https:// (any
 * case), a host, at most 2048 bytes, no spaces, control characters, quotes,
 * angle brackets, backslashes or non-ASCII bytes; else 0.
 */
int html_url_ok(const char *url);

/* A name and its value; NULL or "" is false in a section. */
struct html_var {
	const char *name;
	const char *value;
};

struct html_scope {
	const struct html_var *v;
	size_t n;
};

/* What a template is rendered with: top-level variables and one list (the
 * product cards) whose items are scopes looked at before the top level. */
struct html_data {
	struct html_scope top;
	const char *list;               /* the section name that iterates items */
	const struct html_scope *items;
	size_t nitems;
};

struct html_node;

/*
 * A compiled template. Syntax: {{name}} (escaped), {{{name}}} (as is: only
 * for values the program builds as HTML), {{#name}}...{{/name}} (the list, or
 * once when the value is non-empty), {{^name}}...{{/name}} (when empty).
 */
struct html_tmpl {
	char *text;
	struct html_node *nodes;
	size_t n;
};

/* Compiles text (copied). Returns 0, or -1 with e set (EXIT_DATA: "line N:
 * unclosed section 'x'", ...). name is used in messages. */
int html_compile(struct html_tmpl *t, const char *text, size_t len, const char *name,
    struct err *e);

/* Reads and compiles a template file. Returns 0, or -1 (EXIT_NOINPUT, EXIT_DATA). */
int html_load(struct html_tmpl *t, const char *path, struct err *e);

void html_free(struct html_tmpl *t);

/* Appends the rendered template. Returns 0, or -1 when out of memory. */
int html_render(const struct html_tmpl *t, const struct html_data *d, struct buf *out);

#endif
