/* blend.c - recmerge's engine: streams matched by user, per-line normalisation, weighted sum, one writer */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "recommend/blend.h"
#include "recommend/liked.h"
#include "base/exitcode.h"
#include "base/ndjson.h"
#include "recommend/recs.h"

int
blend_init(struct blend *b, const struct blend_opts *o, const char *const *names,
    const double *weights, size_t ns, FILE *out, struct err *e)
{
	memset(b, 0, sizeof *b);
	b->o = *o;
	b->out = out;
	ids_init(&b->users);
	ids_init(&b->first);
	if ((b->s = calloc(ns + 1, sizeof *b->s)) == NULL)
		return err_nomem(e);
	b->ns = ns;
	for (size_t k = 0; k < ns; k++) {
		b->s[k].name = names[k];
		b->s[k].weight = weights[k];
	}
	return 0;
}

void
blend_free(struct blend *b)
{
	for (size_t k = 0; b->s != NULL && k < b->ns; k++) {
		for (size_t u = 0; u < b->s[k].cap; u++)
			free(b->s[k].line[u]);
		free(b->s[k].line);
	}
	free(b->s);
	free(b->done);
	ids_free(&b->users);
	ids_free(&b->first);
	memset(b, 0, sizeof *b);
}

/* Room for user index u in stream s's lines. */
static int
grow_lines(struct blend_stream *s, size_t u, struct err *e)
{
	size_t ncap;
	char **nl;

	if (u < s->cap)
		return 0;
	ncap = s->cap ? s->cap * 2 : 1024;
	while (ncap <= u)
		ncap *= 2;
	if ((nl = realloc(s->line, ncap * sizeof *nl)) == NULL)
		return err_nomem(e);
	memset(nl + s->cap, 0, (ncap - s->cap) * sizeof *nl);
	s->line = nl;
	s->cap = ncap;
	return 0;
}

/* Checks a parsed line against the contract; "name:N: reason" (EXIT_DATA) when it fails. */
static int
check_line(const json_t *o, const char *name, long lineno, struct err *e)
{
	char why[256];

	if (recs_check(o, why, sizeof why) != 0)
		return err_set(e, EXIT_DATA, "%s:%ld: %s", name, lineno, why);
	return 0;
}

int
blend_load(struct blend *b, size_t k, FILE *f, const char *name, struct err *e)
{
	struct blend_stream *s = &b->s[k];
	struct ndjson_reader rd;
	const char *raw;
	json_t *o;
	int rc;

	if (ndjson_init(&rd, f, name, 0, e) < 0)
		return -1;
	while ((rc = ndjson_next(&rd, &o, &raw, e)) > 0) {
		json_t *uv = json_object_get(o, "user");
		size_t before = ids_count(&b->users);
		int64_t u;

		rc = -1;
		if (check_line(o, name, ndjson_lineno(&rd), e) < 0)
			goto next;
		u = ids_intern(&b->users, json_string_value(uv), json_string_length(uv), e);
		if (u < 0) {
			err_prefix(e, "%s:%ld", name, ndjson_lineno(&rd));
			goto next;
		}
		if (grow_lines(s, (size_t)u, e) < 0)
			goto next;
		if ((size_t)u < before && s->line[u] != NULL) {
			err_set(e, EXIT_DATA, "%s:%ld: user \"%s\" has a line already", name,
			    ndjson_lineno(&rd), json_string_value(uv));
			goto next;
		}
		if ((s->line[u] = strdup(raw)) == NULL) {
			err_nomem(e);
			goto next;
		}
		rc = 1;
next:
		json_decref(o);
		if (rc < 0)
			break;
	}
	ndjson_free(&rd);
	return rc < 0 ? -1 : 0;
}

/* --- blending one user --- */

struct cand {
	double total, best;
	const json_t *reason;
};

struct order_ctx {
	const struct cand *c;
};

static int
by_total(const void *x, const void *y, void *arg)
{
	const struct order_ctx *o = arg;
	int32_t i = *(const int32_t *)x, j = *(const int32_t *)y;

	if (o->c[i].total != o->c[j].total)
		return o->c[i].total > o->c[j].total ? -1 : 1;
	return (i > j) - (i < j);
}

/* The reason object of an input rec as a recs_rec reason (items interned into it). */
static int
reason_of(const json_t *rs, struct ids *it, struct recs_rec *r, struct err *e)
{
	const char *type = json_string_value(json_object_get(rs, "type"));
	json_t *bc = json_object_get(rs, "because");
	int64_t i;

	r->because = -1;
	r->similarity = 0;
	r->users = 0;
	r->action = RECS_ACT_NONE;
	r->shared = r->value = NULL;
	r->vlen = 0;
	if (strcmp(type, "similar") == 0 || strcmp(type, "also_bought") == 0) {
		const char *act = json_string_value(json_object_get(rs, "action"));

		/* an action recmerge does not know is dropped rather than passed on unchecked */
		if (act != NULL && liked_parse_action(act, &r->action) < 0)
			r->action = RECS_ACT_NONE;
		if ((i = ids_intern(it, json_string_value(bc), json_string_length(bc), e)) < 0)
			return -1;
		r->because = (int32_t)i;
		r->reason = type[0] == 's' ? RECS_SIMILAR : RECS_ALSO_BOUGHT;
		r->similarity = (float)json_number_value(json_object_get(rs, "similarity"));
	} else if (strcmp(type, "content") == 0) {
		const char *act = json_string_value(json_object_get(rs, "action"));
		const char *sh = json_string_value(json_object_get(rs, "shared"));
		json_t *v = json_object_get(rs, "value");

		if (act != NULL && liked_parse_action(act, &r->action) < 0)
			r->action = RECS_ACT_NONE;
		if ((i = ids_intern(it, json_string_value(bc), json_string_length(bc), e)) < 0)
			return -1;
		r->because = (int32_t)i;
		r->reason = RECS_CONTENT;
		r->similarity = (float)json_number_value(json_object_get(rs, "similarity"));
		/* recs_check let only these three through */
		r->shared = strcmp(sh, "category") == 0 ? "category" : strcmp(sh, "brand") == 0 ?
		    "brand" : "word";
		r->value = json_string_value(v);
		r->vlen = json_string_length(v);
	} else if (strcmp(type, "neighbours") == 0) {
		r->reason = RECS_NEIGHBOURS;
		r->users = (int64_t)json_integer_value(json_object_get(rs, "users"));
	} else if (strcmp(type, "model") == 0) {
		r->reason = RECS_MODEL;
	} else {
		r->reason = RECS_POPULAR;
	}
	return 0;
}

/* Writes the blended line of one user from lines[k] (NULL where a stream lacks the user). */
static int
blend_user(struct blend *b, const char *user, size_t ulen, json_t *const *lines, struct err *e)
{
	struct ids it;
	struct cand *c = NULL;
	struct recs_rec *out = NULL;
	struct recs_writer w = { 0 };
	int32_t *ord = NULL;
	const json_t *carry = NULL;
	size_t total = 0, nc, n;
	int rc = -1;

	ids_init(&it);
	for (size_t k = 0; k < b->ns; k++)
		if (lines[k] != NULL) {
			total += json_array_size(json_object_get(lines[k], "recs"));
			if (carry == NULL)
				carry = lines[k];
		}
	c = malloc((total + 1) * sizeof *c);
	ord = malloc((total + 1) * sizeof *ord);
	out = malloc(((size_t)b->o.n + 1) * sizeof *out);
	if (c == NULL || ord == NULL || out == NULL) {
		err_nomem(e);
		goto out;
	}
	for (size_t k = 0; k < b->ns; k++) {
		const json_t *recs = lines[k] ? json_object_get(lines[k], "recs") : NULL;
		double lo = INFINITY, hi = -INFINITY, w8 = b->s[k].weight;
		size_t m = json_array_size(recs);

		for (size_t j = 0; j < m; j++) {
			double v = json_number_value(json_object_get(json_array_get(recs, j), "score"));

			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		for (size_t j = 0; j < m; j++) {
			const json_t *r = json_array_get(recs, j), *iv = json_object_get(r, "item");
			double v = json_number_value(json_object_get(r, "score")), norm, contrib;
			size_t before = ids_count(&it);
			int64_t i;

			if (b->o.method == BLEND_RRF)
				norm = 1.0 / (b->o.rrf_k + (double)(j + 1));
			else
				norm = hi > lo ? (v - lo) / (hi - lo) : 1.0;
			contrib = w8 * norm;
			if ((i = ids_intern(&it, json_string_value(iv), json_string_length(iv), e)) < 0)
				goto out;
			if ((size_t)i == before) {
				c[i].total = 0;
				c[i].best = -INFINITY;
				c[i].reason = NULL;
			}
			c[i].total += contrib;
			/* the stream that contributes most gives the reason; ties: the earlier one */
			if (contrib > c[i].best) {
				c[i].best = contrib;
				c[i].reason = json_object_get(r, "reason");
			}
		}
	}
	nc = ids_count(&it);
	for (size_t i = 0; i < nc; i++)
		ord[i] = (int32_t)i;
	qsort_r(ord, nc, sizeof *ord, by_total, &(struct order_ctx){ c });
	n = nc < (size_t)b->o.n ? nc : (size_t)b->o.n;
	for (size_t t = 0; t < n; t++) {
		out[t].item = ord[t];
		out[t].score = (float)c[ord[t]].total;
		if (reason_of(c[ord[t]].reason, &it, &out[t], e) < 0)
			goto out;
	}
	if (recs_writer_init(&w, b->out, &it, e) < 0)
		goto out;
	rc = recs_write(&w, user, ulen, out, n, n > 0 ? "blend" : "none", carry, e);
	b->written++;
	b->empty += n == 0;
out:
	recs_writer_free(&w);
	ids_free(&it);
	free(c);
	free(ord);
	free(out);
	return rc;
}

/* Parses the held lines of user u (index into b->users, or -1) into lines[1..]. */
static int
held_lines(struct blend *b, int64_t u, json_t **lines, struct err *e)
{
	for (size_t k = 1; k < b->ns; k++) {
		const struct blend_stream *s = &b->s[k];
		json_error_t je;

		lines[k] = NULL;
		if (u < 0 || (size_t)u >= s->cap || s->line[u] == NULL)
			continue;
		if ((lines[k] = json_loads(s->line[u], 0, &je)) == NULL)
			return err_set(e, EXIT_SOFTWARE, "a held line does not parse again: %s",
			    je.text);
	}
	return 0;
}

static void
drop_lines(json_t **lines, size_t ns)
{
	for (size_t k = 0; k < ns; k++) {
		json_decref(lines[k]);
		lines[k] = NULL;
	}
}

int
blend_run(struct blend *b, FILE *f, const char *name, struct err *e)
{
	struct ndjson_reader rd;
	json_t **lines;
	json_t *o;
	size_t nu = ids_count(&b->users);
	int rc;

	if ((b->done = calloc(nu + 1, 1)) == NULL ||
	    (lines = calloc(b->ns + 1, sizeof *lines)) == NULL)
		return err_nomem(e);
	if (ndjson_init(&rd, f, name, 0, e) < 0) {
		free(lines);
		return -1;
	}
	while ((rc = ndjson_next(&rd, &o, NULL, e)) > 0) {
		json_t *uv = json_object_get(o, "user");
		const char *id = json_string_value(uv);
		size_t len = json_string_length(uv), before = ids_count(&b->first);
		int64_t u;

		lines[0] = o;
		rc = -1;
		if (check_line(o, name, ndjson_lineno(&rd), e) < 0)
			goto next;
		if ((u = ids_intern(&b->first, id, len, e)) < 0) {
			err_prefix(e, "%s:%ld", name, ndjson_lineno(&rd));
			goto next;
		}
		if ((size_t)u < before) {
			err_set(e, EXIT_DATA, "%s:%ld: user \"%s\" has a line already", name,
			    ndjson_lineno(&rd), id);
			goto next;
		}
		u = ids_find(&b->users, id, len);
		if (held_lines(b, u, lines, e) < 0)
			goto next;
		if (u >= 0)
			b->done[u] = 1;
		rc = blend_user(b, id, len, lines, e) < 0 ? -1 : 1;
next:
		drop_lines(lines, b->ns);
		if (rc < 0)
			break;
	}
	ndjson_free(&rd);
	/* Users that only the other streams have, in their order. */
	for (size_t u = 0; rc == 0 && u < nu; u++) {
		size_t len;
		const char *id;

		if (b->done[u])
			continue;
		id = ids_get(&b->users, (int64_t)u, &len);
		lines[0] = NULL;
		if (held_lines(b, (int64_t)u, lines, e) < 0 || blend_user(b, id, len, lines, e) < 0)
			rc = -1;
		drop_lines(lines, b->ns);
	}
	free(lines);
	return rc < 0 ? -1 : 0;
}
