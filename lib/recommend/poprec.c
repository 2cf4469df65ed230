/* poprec.c - popular items per user: group lookup, exclusions, catalog rules, the shared writer */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "base/ndjson.h"
#include "data/customers.h"
#include "recommend/poprec.h"
#include "recommend/topn.h"

void
poprec_groups_init(struct poprec_groups *g, const char *field)
{
	memset(g, 0, sizeof *g);
	g->field = field;
	ids_init(&g->names);
	ids_init(&g->users);
}

void
poprec_groups_free(struct poprec_groups *g)
{
	ids_free(&g->names);
	ids_free(&g->users);
	free(g->of);
	memset(g, 0, sizeof *g);
}

/* The group value of a line's field as text in buf: 1, 0 when absent, -1 for another type. */
static int
field_text(const json_t *o, const char *field, char *buf, size_t sz, const char **out)
{
	json_t *v = json_object_get(o, field);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		*out = json_string_value(v);
		return 1;
	}
	if (json_is_integer(v)) {
		snprintf(buf, sz, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		*out = buf;
		return 1;
	}
	return -1;
}

/* customers_read's callback: the customer's group, when it has one. */
static int
add_customer(void *arg, const struct customer *c, const json_t *o, struct err *e)
{
	struct poprec_groups *g = arg;
	json_t *uv = json_object_get(o, "user");
	const char *val;
	char buf[32];
	int64_t u, gi;
	int rc;

	/* the fields the customer table checks and normalises are taken from it ("de" is "DE") */
	if (strcmp(g->field, "country") == 0)
		rc = (val = c->country) != NULL;
	else if (strcmp(g->field, "segment") == 0)
		rc = (val = c->segment) != NULL;
	else if (strcmp(g->field, "locale") == 0)
		rc = (val = c->locale) != NULL;
	else if ((rc = field_text(o, g->field, buf, sizeof buf, &val)) < 0)
		return err_set(e, EXIT_DATA, "\"%s\" must be a string or an integer", g->field);
	if (rc == 0)
		return 0;
	/* customers_read has refused a duplicate user already */
	if ((u = ids_intern(&g->users, json_string_value(uv), json_string_length(uv), e)) < 0 ||
	    (gi = ids_intern(&g->names, val, strlen(val), e)) < 0)
		return -1;
	if ((size_t)u >= g->cap) {
		size_t ncap = g->cap ? g->cap * 2 : 1024;
		int32_t *no = realloc(g->of, ncap * sizeof *no);

		if (no == NULL)
			return err_nomem(e);
		g->of = no;
		g->cap = ncap;
	}
	g->of[u] = (int32_t)gi + 1;
	return 0;
}

int
poprec_groups_load(struct poprec_groups *g, const char *path, struct err *e)
{
	struct customers t;
	FILE *f = stdin;
	long rc;

	if (path != NULL && strcmp(path, "-") != 0 && (f = fopen(path, "rb")) == NULL)
		return err_set(e, EXIT_NOINPUT, "%s: %s", path, strerror(errno));
	/* the customer table's one reader: its lines are checked as mkprompt checks them */
	customers_init(&t);
	rc = customers_read(&t, f, path != NULL ? path : "-", NULL, add_customer, g, e);
	customers_free(&t);
	if (f != stdin)
		fclose(f);
	return rc < 0 ? -1 : 0;
}

/* The group (1-based) of a user id, 0 for none. */
static int32_t
group_of(const struct poprec_groups *g, const char *user, size_t len)
{
	int64_t u = ids_find(&g->users, user, len);

	return u < 0 ? 0 : g->of[u];
}

int
poprec_init(struct poprec *p, const struct ratings *r, const struct poprec_opts *o,
    struct poprec_groups *groups, struct history *seen, struct exclude *ex,
    const struct catalog_view *view, FILE *out, struct err *e)
{
	int32_t *ug = NULL;
	const int32_t *all;
	size_t items = (size_t)r->cols, nall;
	int rc;

	memset(p, 0, sizeof *p);
	p->o = *o;
	p->r = r;
	p->groups = groups;
	p->seen = seen;
	p->ex = ex;
	p->cat = view ? view->cat : NULL;
	if (groups != NULL) {
		if ((ug = malloc(((size_t)r->rows + 1) * sizeof *ug)) == NULL)
			return err_nomem(e);
		for (int64_t u = 0; u < r->rows; u++) {
			size_t len;
			const char *id = ids_get(&r->users, u, &len);

			ug[u] = group_of(groups, id, len);
		}
	}
	rc = popularity_build(&p->pop, r, NULL, r->cols, ug,
	    groups ? (int64_t)ids_count(&groups->names) : 0, &o->pop, e);
	free(ug);
	if (rc < 0)
		return -1;
	p->allowed = malloc(items + 1);
	p->mark = calloc(items + 1, sizeof *p->mark);
	p->chosen = malloc((size_t)o->n * sizeof *p->chosen);
	p->out = malloc((size_t)o->n * sizeof *p->out);
	if (!p->allowed || !p->mark || !p->chosen || !p->out)
		goto nomem;
	for (size_t i = 0; i < items; i++)
		p->allowed[i] = view ? view->allowed[i] : 1;
	if (ex != NULL)
		for (nall = exclude_all(ex, &all); nall > 0; nall--)
			p->allowed[all[nall - 1]] = 0;
	if (recs_writer_init(&p->w, out, &r->items, e) < 0) {
		poprec_free(p);
		return -1;
	}
	return 0;
nomem:
	poprec_free(p);
	return err_nomem(e);
}

void
poprec_free(struct poprec *p)
{
	popularity_free(&p->pop);
	free(p->allowed);
	free(p->mark);
	free(p->chosen);
	free(p->hist);
	free(p->out);
	recs_writer_free(&p->w);
	memset(p, 0, sizeof *p);
}

/* Answers one user of group g (0: overall). */
static int
answer(struct poprec *p, const char *id, size_t len, int32_t g, const json_t *line,
    struct err *e)
{
	struct topn_filter f = { p->allowed, p->mark, 0, p->cat, p->o.max_per_category };
	const int32_t *ex;
	size_t n, nex;

	if (++p->stamp == 0) {
		memset(p->mark, 0, (size_t)p->r->cols * sizeof *p->mark);
		p->stamp = 1;
	}
	if (p->seen != NULL) {
		int64_t row = history_row(p->seen, id, len);
		size_t need = history_len(p->seen, row);

		if (need > p->histcap) {
			int32_t *h = realloc(p->hist, need * sizeof *h);

			if (h == NULL)
				return err_nomem(e);
			p->hist = h;
			p->histcap = need;
		}
		for (n = history_items(p->seen, row, p->hist); n > 0; n--)
			p->mark[p->hist[n - 1]] = p->stamp;
	}
	if (p->ex != NULL)
		for (nex = exclude_user(p->ex, id, len, &ex); nex > 0; nex--)
			p->mark[ex[nex - 1]] = p->stamp;
	f.stamp = p->stamp;
	n = topn_take(popularity_order(&p->pop, g), (size_t)p->r->cols, &f, p->chosen,
	    (size_t)p->o.n);
	for (size_t t = 0; t < n; t++) {
		p->out[t].item = p->chosen[t];
		p->out[t].score = (float)popularity_score(&p->pop, g, p->chosen[t]);
		p->out[t].reason = RECS_POPULAR;
		p->out[t].because = -1;
		p->out[t].action = RECS_ACT_NONE;
	}
	p->empty += n == 0;
	return recs_write(&p->w, id, len, p->out, n, n ? "popular" : "none", line, e);
}

int
poprec_add_line(struct poprec *p, json_t *line, struct err *e)
{
	json_t *uv = json_object_get(line, "user");
	const char *val;
	char buf[32];
	int32_t g = 0;
	int rc;

	if (uv == NULL || json_is_null(uv)) {
		rc = err_set(e, EXIT_DATA, "missing \"user\"");
		goto out;
	}
	if (!json_is_string(uv) || json_string_length(uv) == 0 ||
	    strlen(json_string_value(uv)) != json_string_length(uv)) {
		rc = err_set(e, EXIT_DATA, "\"user\" must be a non-empty string without NUL");
		goto out;
	}
	if (p->groups != NULL) {
		if ((rc = field_text(line, p->groups->field, buf, sizeof buf, &val)) < 0) {
			rc = err_set(e, EXIT_DATA, "\"%s\" must be a string or an integer",
			    p->groups->field);
			goto out;
		}
		if (rc > 0) {
			int64_t gi = ids_find(&p->groups->names, val, strlen(val));

			g = gi < 0 ? 0 : (int32_t)gi + 1;
		} else {
			g = group_of(p->groups, json_string_value(uv), json_string_length(uv));
		}
	}
	rc = answer(p, json_string_value(uv), json_string_length(uv), g, line, e);
out:
	json_decref(line);
	return rc;
}

int
poprec_add_all(struct poprec *p, struct err *e)
{
	for (int64_t u = 0; u < p->r->rows; u++) {
		size_t len;
		const char *id = ids_get(&p->r->users, u, &len);
		int32_t g = p->groups ? group_of(p->groups, id, len) : 0;

		if (answer(p, id, len, g, NULL, e) < 0)
			return -1;
	}
	return 0;
}
