/* ingest.c - reading interaction records, applying the field mapping and the drop/bad-line policies */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "data/badline.h"
#include "base/csv.h"
#include "base/exitcode.h"
#include "data/ingest.h"
#include "base/lines.h"
#include "base/ndjson.h"
#include "base/tstamp.h"

static const char *const default_names[INGEST_NFIELDS] = {
	"user", "item", "rating", "ts", "event", "qty", "invoice"
};

static const char *const drop_names[INGEST_NDROPS] = {
	"empty-id", "cancelled", "nonpositive-qty", "unknown-event"
};

/* One field of a record: text (delimited input, JSON strings) or a JSON number. */
struct val {
	const char *s;
	size_t len;
	double num;
	int present, isnum;
	int jstring;            /* a JSON string: not a number, even when it reads like one */
	const char *type;       /* JSON: the type name when it is neither string nor number */
};

/* Where a record came from, to report it. */
struct where {
	const char *name;
	long line;
	struct csv *csv;        /* delimited input: csv_raw gives the text */
	const char *raw;        /* NDJSON: the line */
	size_t rawlen;
};

const char *
ingest_drop_name(enum ingest_drop d)
{
	return d < INGEST_NDROPS ? drop_names[d] : "?";
}

void
ingest_defaults(struct ingest_opts *o)
{
	memset(o, 0, sizeof *o);
	o->format = INGEST_AUTO;
	o->dup = COO_DUP_LAST;
	o->drop = (1u << INGEST_DROP_EMPTY_ID) | (1u << INGEST_DROP_CANCELLED) |
	    (1u << INGEST_DROP_NONPOSITIVE);
	o->cancel_prefix = "C";
}

void
ingest_opts_free(struct ingest_opts *o)
{
	for (int k = 0; k < o->nweights; k++)
		free(o->weights[k].event);
	free(o->weights);
	o->weights = NULL;
	o->nweights = 0;
	for (int k = 0; k < o->ncolumns; k++)
		free(o->columns[k]);
	o->ncolumns = 0;
}

int
ingest_parse_weights(struct ingest_opts *o, const char *spec, struct err *e)
{
	char *copy = strdup(spec), *save = NULL, *tok;
	int rc = -1;

	if (copy == NULL)
		return err_nomem(e);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), *end;
		struct ingest_weight *nw;
		double w;

		if (eq == NULL || eq == tok) {
			err_set(e, EXIT_USAGE, "--weights: '%s' is not EVENT=WEIGHT", tok);
			goto out;
		}
		*eq = '\0';
		errno = 0;
		w = strtod(eq + 1, &end);
		if (eq[1] == '\0' || *end != '\0' || errno != 0 || !isfinite(w) || w < 0 || w > 1e6) {
			err_set(e, EXIT_USAGE, "--weights: '%s' is not a weight from 0 to 1e6", eq + 1);
			goto out;
		}
		nw = realloc(o->weights, (size_t)(o->nweights + 1) * sizeof *nw);
		if (nw == NULL) {
			err_nomem(e);
			goto out;
		}
		o->weights = nw;
		if ((nw[o->nweights].event = strdup(tok)) == NULL) {
			err_nomem(e);
			goto out;
		}
		nw[o->nweights++].w = w;
	}
	if (o->nweights == 0) {
		err_set(e, EXIT_USAGE, "--weights: no EVENT=WEIGHT given");
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

int
ingest_parse_columns(struct ingest_opts *o, const char *spec, struct err *e)
{
	const char *p = spec;

	for (int k = 0; k < o->ncolumns; k++)
		free(o->columns[k]);
	o->ncolumns = 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (o->ncolumns == (int)(sizeof o->columns / sizeof *o->columns))
			return err_set(e, EXIT_USAGE, "--columns: more than %zu columns",
			    sizeof o->columns / sizeof *o->columns);
		if (n == 0)
			return err_set(e, EXIT_USAGE, "--columns: empty column name in '%s'", spec);
		if ((o->columns[o->ncolumns] = strndup(p, n)) == NULL)
			return err_nomem(e);
		o->ncolumns++;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

int
ingest_parse_drop(struct ingest_opts *o, const char *spec, struct err *e)
{
	const char *p = spec;

	o->drop = 0;
	if (strcmp(spec, "none") == 0)
		return 0;
	if (strcmp(spec, "all") == 0) {
		o->drop = (1u << INGEST_NDROPS) - 1;
		return 0;
	}
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		int k;

		for (k = 0; k < INGEST_NDROPS; k++)
			if (strlen(drop_names[k]) == n && strncmp(p, drop_names[k], n) == 0)
				break;
		if (k == INGEST_NDROPS)
			return err_set(e, EXIT_USAGE,
			    "--drop: '%.*s' is not one of empty-id, cancelled, nonpositive-qty, "
			    "unknown-event, all, none", (int)n, p);
		o->drop |= 1u << k;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

void
ingest_init(struct ingest *g, const struct ingest_opts *o)
{
	memset(g, 0, sizeof *g);
	g->o = *o;
	if (g->o.cancel_prefix == NULL)
		g->o.cancel_prefix = "C";
	ids_init(&g->users);
	ids_init(&g->items);
	coo_init(&g->coo, 0);
	g->ts_mode = o->no_ts ? 0 : -1;
}

void
ingest_free(struct ingest *g)
{
	ids_free(&g->users);
	ids_free(&g->items);
	coo_free(&g->coo);
}

static const char *
fname(const struct ingest *g, enum ingest_field f)
{
	return g->o.names[f] ? g->o.names[f] : default_names[f];
}

/* Reports a bad record: an error, or with skip_bad one NDJSON line and a count. Returns 0 or -1. */
static int
vbad(struct ingest *g, struct where *w, struct err *e, const char *fmt, va_list ap)
{
	char why[640];
	const char *raw = NULL;
	size_t rawlen = 0;

	vsnprintf(why, sizeof why, fmt, ap);
	if (g->o.skip_bad == NULL)
		return err_set(e, EXIT_DATA, "%s:%ld: %s", w->name, w->line, why);
	if (w->csv != NULL)
		raw = csv_raw(w->csv, &rawlen);
	else if (w->raw != NULL) {
		raw = w->raw;
		rawlen = w->rawlen;
	}
	if (badline_write(g->o.skip_bad, w->name, w->line, why, raw, rawlen, e) < 0)
		return -1;
	g->bad++;
	return 0;
}

static int
bad(struct ingest *g, struct where *w, struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
bad(struct ingest *g, struct where *w, struct err *e, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vbad(g, w, e, fmt, ap);
	va_end(ap);
	return rc;
}

/* A record left out for reason d: counted when d is dropped, else a bad record. */
static int
drop(struct ingest *g, struct where *w, enum ingest_drop d, const char *what, struct err *e)
{
	if (g->o.drop & (1u << d)) {
		g->dropped[d]++;
		return 0;
	}
	return bad(g, w, e, "%s (rows like this are dropped with --drop=%s)", what, drop_names[d]);
}

/* Strict number: the whole text, finite. 0 ok, -1 not a number, -2 not finite or too large. */
static int
parse_num(const struct val *v, double *out)
{
	char buf[64], *end;
	size_t i = 0;
	double d;

	if (v->isnum) {
		*out = v->num;
		return 0;
	}
	if (v->len == 0 || v->len >= sizeof buf)
		return -1;
	if (v->len <= 15) {     /* fast path: a plain integer */
		int64_t n = 0;
		int neg = v->s[0] == '-';

		for (i = (size_t)neg; i < v->len && v->s[i] >= '0' && v->s[i] <= '9'; i++)
			n = n * 10 + (v->s[i] - '0');
		if (i == v->len && i > (size_t)neg) {
			*out = neg ? -(double)n : (double)n;
			return 0;
		}
	}
	for (i = 0; i < v->len; i++)
		if (!strchr("0123456789+-.eE", v->s[i]) || v->s[i] == '\0')
			return -1;
	memcpy(buf, v->s, v->len);
	buf[v->len] = '\0';
	errno = 0;
	d = strtod(buf, &end);
	if (end != buf + v->len)
		return -1;
	if (errno == ERANGE && d != 0)
		return -2;
	*out = d;
	return isfinite(d) ? 0 : -2;
}

static int
text_ok(const struct val *v)
{
	return memchr(v->s, '\0', v->len) == NULL && utf8_valid(v->s, v->len);
}

/* The checks and policies every record goes through; then its triplet. Returns 0 or -1. */
static int
accept(struct ingest *g, struct val *f, struct where *w, struct err *e)
{
	double value = 1, qty = 1;
	int64_t ts = 0, u, i;
	int has_ts = 0, k;

	g->records++;
	for (k = INGEST_USER; k <= INGEST_ITEM; k++) {
		if (!f[k].present)
			return bad(g, w, e, "missing \"%s\"", fname(g, (enum ingest_field)k));
		if (f[k].s == NULL)
			return bad(g, w, e, "\"%s\" is %s, expected a string", fname(g, (enum ingest_field)k),
			    f[k].type ? f[k].type : "a number");
		if (!text_ok(&f[k]))
			return bad(g, w, e, "\"%s\" is not valid UTF-8 text", fname(g, (enum ingest_field)k));
	}
	if (!g->o.implicit) {
		if (!f[INGEST_RATING].present)
			return bad(g, w, e, "missing \"%s\"", fname(g, INGEST_RATING));
		if (f[INGEST_RATING].type != NULL || f[INGEST_RATING].jstring ||
		    (k = parse_num(&f[INGEST_RATING], &value)) == -1)
			return bad(g, w, e, "\"%s\" is not a number: '%.*s'", fname(g, INGEST_RATING),
			    (int)(f[INGEST_RATING].len > 40 ? 40 : f[INGEST_RATING].len),
			    f[INGEST_RATING].s ? f[INGEST_RATING].s : "");
		if (k == -2 || fabs(value) > FLT_MAX)
			return bad(g, w, e, "\"%s\" is not a finite float", fname(g, INGEST_RATING));
	} else {
		if (f[INGEST_QTY].present) {
			if (f[INGEST_QTY].type != NULL || f[INGEST_QTY].jstring ||
			    (k = parse_num(&f[INGEST_QTY], &qty)) == -1)
				return bad(g, w, e, "\"%s\" is not a number", fname(g, INGEST_QTY));
			if (k == -2)
				return bad(g, w, e, "\"%s\" is not finite", fname(g, INGEST_QTY));
		}
		if (g->o.weights != NULL) {
			if (!f[INGEST_EVENT].present)
				return bad(g, w, e, "missing \"%s\"", fname(g, INGEST_EVENT));
			if (f[INGEST_EVENT].s == NULL)
				return bad(g, w, e, "\"%s\" is not a string", fname(g, INGEST_EVENT));
		}
	}
	if (f[INGEST_TS].present && !g->o.no_ts) {
		struct val *t = &f[INGEST_TS];

		if (t->isnum) {
			if (t->num != floor(t->num) || fabs(t->num) > 1e15)
				return bad(g, w, e, "\"%s\" is not whole unix seconds", fname(g, INGEST_TS));
			ts = (int64_t)t->num;
		} else if (t->s == NULL || tstamp_parse(t->s, t->len, &ts) < 0) {
			return bad(g, w, e,
			    "\"%s\" is not unix seconds or a YYYY-MM-DD[ T]HH:MM[:SS] date: '%.*s'",
			    fname(g, INGEST_TS), (int)(t->s && t->len < 40 ? t->len : 0), t->s ? t->s : "");
		}
		has_ts = 1;
	}
	if (f[INGEST_INVOICE].present && f[INGEST_INVOICE].s == NULL)
		return bad(g, w, e, "\"%s\" is not a string", fname(g, INGEST_INVOICE));

	/* well-formed: now the policies */
	if (f[INGEST_USER].len == 0 || f[INGEST_ITEM].len == 0)
		return drop(g, w, INGEST_DROP_EMPTY_ID,
		    f[INGEST_USER].len == 0 ? "empty user" : "empty item", e);
	if (f[INGEST_INVOICE].present && g->o.cancel_prefix[0] != '\0' &&
	    f[INGEST_INVOICE].len >= strlen(g->o.cancel_prefix) &&
	    memcmp(f[INGEST_INVOICE].s, g->o.cancel_prefix, strlen(g->o.cancel_prefix)) == 0)
		return drop(g, w, INGEST_DROP_CANCELLED, "cancelled invoice", e);
	if (g->o.implicit) {
		if (qty <= 0)
			return drop(g, w, INGEST_DROP_NONPOSITIVE, "quantity is not positive", e);
		if (g->o.weights != NULL) {
			for (k = 0; k < g->o.nweights; k++)
				if (strlen(g->o.weights[k].event) == f[INGEST_EVENT].len &&
				    memcmp(g->o.weights[k].event, f[INGEST_EVENT].s, f[INGEST_EVENT].len) == 0)
					break;
			if (k == g->o.nweights || g->o.weights[k].w == 0)
				return drop(g, w, INGEST_DROP_UNKNOWN_EVENT, k == g->o.nweights ?
				    "event not in --weights" : "event of weight 0", e);
			value = g->o.weights[k].w;
		}
		if (g->o.times_qty)
			value *= qty;
		if (!isfinite((float)value))
			return bad(g, w, e, "weight times quantity overflows a float");
	}
	if (g->ts_mode < 0) {
		g->ts_mode = has_ts;
		snprintf(g->ts_where, sizeof g->ts_where, "%s:%ld", w->name, w->line);
		coo_init(&g->coo, has_ts);
	} else if (g->ts_mode != has_ts) {
		if (has_ts)
			return bad(g, w, e, "\"%s\" given, but %s had none (--no-ts ignores timestamps)",
			    fname(g, INGEST_TS), g->ts_where);
		return bad(g, w, e, "missing \"%s\" (%s had one; --no-ts ignores timestamps)",
		    fname(g, INGEST_TS), g->ts_where);
	}
	if ((u = ids_intern(&g->users, f[INGEST_USER].s, f[INGEST_USER].len, e)) < 0 ||
	    (i = ids_intern(&g->items, f[INGEST_ITEM].s, f[INGEST_ITEM].len, e)) < 0)
		return -1;
	if (coo_push(&g->coo, (uint32_t)u, (uint32_t)i, (float)value, ts, e) < 0)
		return -1;
	g->kept++;
	return 0;
}

/* Reports a reader's EXIT_DATA error ("name:N: reason") through bad(). */
static int
reader_bad(struct ingest *g, const char *name, struct err *e)
{
	struct where w = { name, 0, NULL, NULL, 0 };
	char why[sizeof e->msg];
	const char *p;

	badline_split(e->msg, name, &w.line, &p);
	snprintf(why, sizeof why, "%s", p);
	return bad(g, &w, e, "%s", why);
}

static void
json_val(json_t *obj, const char *key, struct val *v)
{
	json_t *j = json_object_get(obj, key);

	memset(v, 0, sizeof *v);
	if (j == NULL || json_is_null(j))
		return;
	v->present = 1;
	if (json_is_string(j)) {
		v->s = json_string_value(j);
		v->len = json_string_length(j);
		v->jstring = 1;
	} else if (json_is_number(j)) {
		v->isnum = 1;
		v->num = json_number_value(j);
	} else {
		v->type = json_is_object(j) ? "an object" : json_is_array(j) ? "an array" : "a boolean";
	}
}

static void
tick(struct ingest *g, const struct lines *l)
{
	if (g->o.progress != NULL && (l->lineno & 0xfffff) == 0)
		g->o.progress(g->o.progress_arg, g->lines + l->lineno);
}

static int
read_ndjson(struct ingest *g, struct lines *l, struct err *e)
{
	struct val f[INGEST_NFIELDS];
	json_error_t je;
	char *line;
	size_t len;
	int rc;

	for (;;) {
		struct where w = { l->name, 0, NULL, NULL, 0 };
		json_t *obj;
		size_t k;

		rc = lines_next(l, &line, &len, e);
		if (rc == 0)
			return 0;
		if (rc < 0) {
			if (e->code != EXIT_DATA || reader_bad(g, l->name, e) < 0)
				return -1;
			continue;
		}
		tick(g, l);
		for (k = 0; k < len && (line[k] == ' ' || line[k] == '\t'); k++)
			;
		if (k == len)
			continue;
		w.line = l->lineno;
		w.raw = line;
		w.rawlen = len;
		obj = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
		if (obj == NULL || !json_is_object(obj)) {
			g->records++;
			rc = obj ? bad(g, &w, e, "expected a JSON object") :
			    bad(g, &w, e, "invalid JSON: %s", je.text);
			json_decref(obj);
			if (rc < 0)
				return -1;
			continue;
		}
		for (int fi = 0; fi < INGEST_NFIELDS; fi++)
			json_val(obj, fname(g, (enum ingest_field)fi), &f[fi]);
		rc = accept(g, f, &w, e);
		json_decref(obj);
		if (rc < 0)
			return -1;
	}
}

/* Column of each field from a header (or the --columns list); -1 when absent. */
static int
map_columns(struct ingest *g, char **names, size_t n, int *col, const char *where, struct err *e)
{
	for (int fi = 0; fi < INGEST_NFIELDS; fi++) {
		const char *want = fname(g, (enum ingest_field)fi);

		col[fi] = -1;
		for (size_t k = 0; k < n && col[fi] < 0; k++)
			if (strcmp(names[k], want) == 0)
				col[fi] = (int)k;
		for (size_t k = 0; k < n && col[fi] < 0; k++)
			if (strcasecmp(names[k], want) == 0)
				col[fi] = (int)k;
		if (col[fi] < 0 && (g->o.named[fi] || fi <= INGEST_ITEM ||
		    (fi == INGEST_RATING && !g->o.implicit)))
			return err_set(e, EXIT_DATA, "%s: no column '%s'%s", where, want,
			    fi == INGEST_RATING ? " (name it with --rating-col, or use --implicit)" :
			    g->o.named[fi] ? "" : " (name it with --user-col/--item-col or --columns)");
	}
	if (g->o.no_ts)
		col[INGEST_TS] = -1;
	if (!g->o.implicit) {
		col[INGEST_EVENT] = col[INGEST_QTY] = -1;
	} else if (col[INGEST_RATING] >= 0 && !g->o.named[INGEST_RATING]) {
		col[INGEST_RATING] = -1;
	}
	return 0;
}

static int
read_delimited(struct ingest *g, struct lines *l, enum ingest_format fmt, struct err *e)
{
	const char *delim = g->o.delim;
	struct csv c;
	int col[INGEST_NFIELDS], ncols, rc = -1;
	char *hdr[64];
	char where[300];

	if (delim == NULL)
		delim = fmt == INGEST_CSV ? "," : fmt == INGEST_TSV ? "\t" : "::";
	if (csv_init(&c, l, delim, fmt == INGEST_CSV, e) < 0)
		return -1;
	if (g->o.ncolumns > 0) {
		snprintf(where, sizeof where, "--columns");
		if (map_columns(g, g->o.columns, (size_t)g->o.ncolumns, col, where, e) < 0)
			goto out;
		ncols = g->o.ncolumns;
	} else {
		int k = csv_next(&c, e);

		if (k < 0)
			goto out;
		if (k == 0) {
			rc = 0;
			goto out;
		}
		if (c.nf > sizeof hdr / sizeof *hdr) {
			err_set(e, EXIT_DATA, "%s:%ld: more than %zu columns in the header", l->name,
			    c.lineno, sizeof hdr / sizeof *hdr);
			goto out;
		}
		for (size_t j = 0; j < c.nf; j++)
			hdr[j] = c.f[j].s;
		snprintf(where, sizeof where, "%s:%ld: header", l->name, c.lineno);
		if (map_columns(g, hdr, c.nf, col, where, e) < 0)
			goto out;
		ncols = (int)c.nf;
	}
	for (;;) {
		struct val f[INGEST_NFIELDS];
		struct where w = { l->name, 0, &c, NULL, 0 };
		int k = csv_next(&c, e);

		if (k == 0)
			break;
		if (k < 0) {
			if (e->code != EXIT_DATA || reader_bad(g, l->name, e) < 0)
				goto out;
			continue;
		}
		tick(g, l);
		w.line = c.lineno;
		if ((int)c.nf != ncols) {
			g->records++;
			if (bad(g, &w, e, "%zu fields, expected %d", c.nf, ncols) < 0)
				goto out;
			continue;
		}
		for (int fi = 0; fi < INGEST_NFIELDS; fi++) {
			memset(&f[fi], 0, sizeof f[fi]);
			if (col[fi] >= 0) {
				f[fi].present = 1;
				f[fi].s = c.f[col[fi]].s;
				f[fi].len = c.f[col[fi]].len;
			}
		}
		if (accept(g, f, &w, e) < 0)
			goto out;
	}
	rc = 0;
out:
	csv_free(&c);
	return rc;
}

/* The format of input whose first bytes are p[0..n). */
static enum ingest_format
sniff(const char *p, size_t n)
{
	const char *nl = memchr(p, '\n', n);
	size_t k = 0;

	if (nl != NULL)
		n = (size_t)(nl - p);
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		k = 3;
	while (k < n && isspace((unsigned char)p[k]))
		k++;
	if (k < n && (p[k] == '{' || p[k] == '['))
		return INGEST_NDJSON;
	if (memchr(p, '\t', n) != NULL)
		return INGEST_TSV;
	for (size_t j = 0; j + 1 < n; j++)
		if (p[j] == ':' && p[j + 1] == ':')
			return INGEST_DAT;
	return INGEST_CSV;
}

int
ingest_file(struct ingest *g, FILE *f, const char *name, struct err *e)
{
	enum ingest_format fmt = g->o.format;
	struct lines l;
	int rc;

	if (lines_init(&l, f, name, g->o.max_line, e) < 0)
		return -1;
	if (fmt == INGEST_AUTO) {
		const char *p;
		size_t n;

		if (lines_peek(&l, &p, &n, e) < 0) {
			lines_free(&l);
			return -1;
		}
		fmt = sniff(p, n);
	}
	rc = fmt == INGEST_NDJSON ? read_ndjson(g, &l, e) : read_delimited(g, &l, fmt, e);
	g->lines += l.lineno;
	lines_free(&l);
	return rc;
}

int
ingest_finish(struct ingest *g, int64_t min_user, int64_t min_item, struct ratings *r,
    struct err *e)
{
	ratings_init(r);
	if (g->coo.n == 0)
		return err_set(e, EXIT_DATA, "no interactions in the input%s",
		    g->records > 0 ? " (every record was dropped or bad)" : "");
	if (coo_to_csr(&g->coo, (int64_t)ids_count(&g->users), (int64_t)ids_count(&g->items),
	    g->o.dup, r, &g->dups, e) < 0)
		return -1;
	r->users = g->users;
	r->items = g->items;
	ids_init(&g->users);
	ids_init(&g->items);
	r->implicit = g->o.implicit;
	if ((min_user > 1 || min_item > 1) && coo_kcore(r, min_user, min_item, &g->kcore, e) < 0)
		return -1;
	if (r->nnz == 0)
		return err_set(e, EXIT_DATA,
		    "no interactions left after k-core filtering (%lld removed in %d rounds)",
		    (long long)g->kcore.entries, g->kcore.rounds);
	return 0;
}

void
ingest_report(FILE *f, const struct ingest *g, const struct ratings *r)
{
	double density = r->rows && r->cols ? (double)r->nnz / ((double)r->rows * (double)r->cols) : 0;
	float lo, hi;

	fprintf(f, "lines\t%lld\nrecords\t%lld\nusers\t%lld\nitems\t%lld\nnonzeros\t%lld\n"
	    "density\t%.6g\nduplicates_merged\t%lld\nbad_lines\t%lld\n", (long long)g->lines,
	    (long long)g->records, (long long)r->rows, (long long)r->cols, (long long)r->nnz,
	    density, (long long)g->dups, (long long)g->bad);
	for (int d = 0; d < INGEST_NDROPS; d++)
		fprintf(f, "dropped_%s\t%lld\n", drop_names[d], (long long)g->dropped[d]);
	fprintf(f, "kcore_removed\t%lld users, %lld items, %lld non-zeros in %d rounds\n",
	    (long long)g->kcore.users, (long long)g->kcore.items, (long long)g->kcore.entries,
	    g->kcore.rounds);
	ratings_range(r, &lo, &hi);
	fprintf(f, "values\t%s from %g to %g\n", r->implicit ? "implicit weights" : "ratings", lo, hi);
	/* histogram: whole values when there are few of them, else ten equal bins */
	if (hi - lo <= 20 && lo == floorf(lo) && hi == floorf(hi)) {
		int64_t cnt[21] = { 0 }, other = 0;

		for (int64_t k = 0; k < r->nnz; k++) {
			float v = r->values[k];

			if (v == floorf(v))
				cnt[(int)(v - lo)]++;
			else
				other++;
		}
		for (int b = 0; b <= (int)(hi - lo); b++)
			if (cnt[b] > 0)
				fprintf(f, "histogram\t%g\t%lld\n", lo + b, (long long)cnt[b]);
		if (other > 0)
			fprintf(f, "histogram\tfractional\t%lld\n", (long long)other);
	} else {
		int64_t cnt[10] = { 0 };
		double width = (hi - lo) / 10;

		for (int64_t k = 0; k < r->nnz; k++) {
			int b = width > 0 ? (int)((r->values[k] - lo) / width) : 0;

			cnt[b > 9 ? 9 : b]++;
		}
		for (int b = 0; b < 10; b++)
			fprintf(f, "histogram\t[%g,%g%c\t%lld\n", lo + b * width, lo + (b + 1) * width,
			    b == 9 ? ']' : ')', (long long)cnt[b]);
	}
}
