/* recs.c - writing and checking recommendation lines (the topk contract) */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "base/ndjson.h"
#include "recommend/recs.h"

const char *
recs_action_name(enum recs_action a)
{
	static const char *const names[RECS_NACTIONS] = {
		NULL, "bought", "carted", "viewed", "clicked", "rated",
	};

	return a > RECS_ACT_NONE && a < RECS_NACTIONS ? names[a] : NULL;
}

/* Writes ",\"action\":NAME" when r names one. */
static void
write_action(FILE *f, const struct recs_rec *r)
{
	const char *a = recs_action_name(r->action);

	if (a != NULL)
		fprintf(f, ",\"action\":\"%s\"", a);
}

int
recs_writer_init(struct recs_writer *w, FILE *f, const struct ids *items, struct err *e)
{
	w->f = f;
	w->items = items;
	w->esc = calloc(ids_count(items) + 1, sizeof *w->esc);
	return w->esc == NULL ? err_nomem(e) : 0;
}

void
recs_writer_free(struct recs_writer *w)
{
	if (w->esc != NULL)
		for (size_t i = 0; i < ids_count(w->items); i++)
			free(w->esc[i]);
	free(w->esc);
	w->esc = NULL;
}

/* s as a JSON string text (jansson escapes it), newly allocated; NULL without memory. */
static char *
json_text(const char *s, size_t len)
{
	json_t *v = json_stringn(s, len);
	char *t;

	if (v == NULL)
		return NULL;
	t = json_dumps(v, JSON_ENCODE_ANY);
	json_decref(v);
	return t;
}

static const char *
item_text(struct recs_writer *w, int32_t i)
{
	if (w->esc[i] == NULL) {
		size_t len;
		const char *s = ids_get(w->items, i, &len);

		w->esc[i] = json_text(s, len);
	}
	return w->esc[i];
}

static int
is_reserved(const char *key)
{
	return strcmp(key, "user") == 0 || strcmp(key, "recs") == 0 || strcmp(key, "source") == 0;
}

/* Writes ",k:v,..." for carry's unreserved fields. Returns 0 or -1 (no memory). */
static int
write_carry(FILE *f, const json_t *carry)
{
	const char *key;
	json_t *val, *rest;
	char *t;
	size_t len;
	int any = 0;

	json_object_foreach((json_t *)carry, key, val)
		if (!is_reserved(key))
			any = 1;
	if (!any)
		return 0;
	if ((rest = json_object()) == NULL)
		return -1;
	json_object_foreach((json_t *)carry, key, val)
		if (!is_reserved(key) && json_object_set(rest, key, val) < 0) {
			json_decref(rest);
			return -1;
		}
	t = json_dumps(rest, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(rest);
	if (t == NULL)
		return -1;
	/* "{...}" without its braces, after a comma. */
	len = strlen(t);
	if (len > 2) {
		t[len - 1] = '\0';
		fputc(',', f);
		fputs(t + 1, f);
	}
	free(t);
	return 0;
}

/* Whether a rec's reason names an item of the user's history. */
static int
has_because(const struct recs_rec *r)
{
	return r->reason == RECS_SIMILAR || r->reason == RECS_ALSO_BOUGHT ||
	    r->reason == RECS_CONTENT;
}

int
recs_write(struct recs_writer *w, const char *user, size_t ulen, const struct recs_rec *r,
    size_t n, const char *source, const json_t *carry, struct err *e)
{
	FILE *f = w->f;
	char *ut;
	int64_t nitems = (int64_t)ids_count(w->items);

	for (size_t j = 0; j < n; j++)
		if (!isfinite(r[j].score) || r[j].item < 0 || r[j].item >= nitems ||
		    (has_because(&r[j]) && (r[j].because < 0 || r[j].because >= nitems)) ||
		    (r[j].reason == RECS_CONTENT && (r[j].shared == NULL || r[j].value == NULL)))
			return err_set(e, EXIT_SOFTWARE, "bad recommendation %zu for a user", j);
	if ((ut = json_text(user, ulen)) == NULL)
		return err_nomem(e);
	fprintf(f, "{\"user\":%s,\"recs\":[", ut);
	free(ut);
	for (size_t j = 0; j < n; j++) {
		const char *it = item_text(w, r[j].item), *bc = NULL;
		char *vt;

		if (it == NULL)
			return err_nomem(e);
		if (has_because(&r[j]) && (bc = item_text(w, r[j].because)) == NULL)
			return err_nomem(e);
		fprintf(f, "%s{\"item\":%s,\"score\":%.6g,\"rank\":%zu,\"reason\":", j ? "," : "", it,
		    (double)r[j].score, j + 1);
		switch (r[j].reason) {
		case RECS_SIMILAR:
			fprintf(f, "{\"type\":\"similar\",\"because\":%s,\"similarity\":%.6g", bc,
			    ndjson_round(r[j].similarity, 4));
			write_action(f, &r[j]);
			fputs("}}", f);
			break;
		case RECS_ALSO_BOUGHT:
			fprintf(f, "{\"type\":\"also_bought\",\"because\":%s", bc);
			if (r[j].similarity > 0)
				fprintf(f, ",\"similarity\":%.6g", ndjson_round(r[j].similarity, 4));
			write_action(f, &r[j]);
			fputs("}}", f);
			break;
		case RECS_CONTENT:
			if ((vt = json_text(r[j].value, r[j].vlen)) == NULL)
				return err_nomem(e);
			fprintf(f, "{\"type\":\"content\",\"because\":%s,\"similarity\":%.6g,"
			    "\"shared\":\"%s\",\"value\":%s", bc, ndjson_round(r[j].similarity, 4),
			    r[j].shared, vt);
			free(vt);
			write_action(f, &r[j]);
			fputs("}}", f);
			break;
		case RECS_NEIGHBOURS:
			fprintf(f, "{\"type\":\"neighbours\",\"users\":%lld}}", (long long)r[j].users);
			break;
		case RECS_MODEL:
			fputs("{\"type\":\"model\"}}", f);
			break;
		case RECS_POPULAR:
		default:
			fputs("{\"type\":\"popular\"}}", f);
			break;
		}
	}
	fprintf(f, "],\"source\":\"%s\"", source);
	if (carry != NULL && write_carry(f, carry) < 0)
		return err_nomem(e);
	if (fputs("}\n", f) == EOF || ferror(f))
		return err_set(e, EXIT_IO, "write error: %s", strerror(errno ? errno : EIO));
	return 0;
}

/* --- reading user lines --- */

static int
report_bad(struct recs_input *in, long line, const char *msg, const char *raw, struct err *e)
{
	json_t *o;
	int rc;

	in->skipped++;
	if (in->bad == NULL) {
		if (in->warn != NULL)
			in->warn(msg);
		return 0;
	}
	o = json_pack("{s:s, s:I, s:s}", "file", in->name, "line", (json_int_t)line, "error", msg);
	if (o == NULL)
		return err_nomem(e);
	if (raw != NULL && utf8_valid(raw, strlen(raw)))
		json_object_set_new(o, "input", json_string(raw));
	rc = ndjson_write(in->bad, o, e);
	json_decref(o);
	return rc;
}

int
recs_user_items(json_t *items, int (*add)(void *arg, const char *id, size_t len, float v,
    struct err *e), void *arg, struct err *e)
{
	const char *key;
	json_t *v;
	size_t j;

	if (items == NULL || json_is_null(items))
		return 0;
	if (json_is_object(items)) {
		json_object_foreach(items, key, v) {
			if (!json_is_number(v) || !isfinite(json_number_value(v)))
				return err_set(e, EXIT_DATA,
				    "\"items\": the value of \"%s\" must be a number", key);
			if (add(arg, key, strlen(key), (float)json_number_value(v), e) < 0)
				return -1;
		}
		return 0;
	}
	if (json_is_array(items)) {
		json_array_foreach(items, j, v) {
			if (!json_is_string(v))
				return err_set(e, EXIT_DATA, "\"items\"[%zu] must be an item id string", j);
			if (add(arg, json_string_value(v), json_string_length(v), 1.0f, e) < 0)
				return -1;
		}
		return 0;
	}
	return err_set(e, EXIT_DATA, "\"items\" must be an object of numbers or an array of ids");
}

/* Line mode: a bad line's answer on in->answers (flushed), then its report as report_bad's. */
static int
answer_bad(struct recs_input *in, long line, const char *msg, const char *raw, const json_t *user,
    struct err *e)
{
	json_t *o = json_pack("{s:s, s:I}", "error", msg, "line", (json_int_t)line);
	int rc;

	if (o == NULL)
		return err_nomem(e);
	if (json_is_string(user))
		json_object_set(o, "user", (json_t *)user);
	rc = ndjson_write(in->answers, o, e);
	json_decref(o);
	if (rc < 0)
		return -1;
	if (fflush(in->answers) != 0)
		return err_set(e, EXIT_IO, "write error: %s", strerror(errno ? errno : EIO));
	return report_bad(in, line, msg, raw, e);
}

int
recs_read_users(struct recs_input *in, FILE *f, int (*add)(void *arg, json_t *line,
    struct err *e), int (*flush)(void *arg, struct err *e), void *arg, struct err *e)
{
	struct ndjson_reader rd;
	const char *raw;
	json_t *line;
	int rc;

	if (ndjson_init(&rd, f, in->name, 0, e) < 0)
		return -1;
	rd.lines.stream = in->answers != NULL;
	for (;;) {
		json_t *user = NULL;

		raw = NULL;
		rc = ndjson_next(&rd, &line, &raw, e);
		if (rc == 0)
			break;
		if (rc > 0 && in->answers != NULL)
			user = json_incref(json_object_get(line, "user"));
		if (rc > 0 && add(arg, line, e) == 0) {
			json_decref(user);
			if (in->answers != NULL && flush != NULL && flush(arg, e) < 0)
				goto fail;
			continue;
		}
		if (e != NULL && e->code != EXIT_DATA) {
			json_decref(user);
			goto fail;
		}
		if (rc > 0)
			err_prefix(e, "%s:%ld", in->name, ndjson_lineno(&rd));
		if (in->answers != NULL) {
			rc = answer_bad(in, ndjson_lineno(&rd), e ? e->msg : "bad line", raw, user, e);
			json_decref(user);
			if (rc < 0)
				goto fail;
			continue;
		}
		if (!in->skip_bad) {
			struct err fe = { 0 };

			/* The lines before the bad one are answered first. */
			if (flush != NULL && flush(arg, &fe) < 0 && e != NULL)
				*e = fe;
			goto fail;
		}
		if (report_bad(in, ndjson_lineno(&rd), e ? e->msg : "bad line", raw, e) < 0)
			goto fail;
	}
	ndjson_free(&rd);
	return flush != NULL ? flush(arg, e) : 0;
fail:
	ndjson_free(&rd);
	return -1;
}

/* --- checking --- */

static int
bad(char *why, size_t sz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sz, fmt, ap);
	va_end(ap);
	return 1;
}

static int
check_reason(const json_t *rs, size_t j, char *why, size_t sz)
{
	const char *type = json_string_value(json_object_get(rs, "type"));
	json_t *bc = json_object_get(rs, "because"), *act;

	if (!json_is_object(rs) || type == NULL)
		return bad(why, sz, "recs[%zu].reason must be an object with a string type", j);
	if (strcmp(type, "similar") == 0) {
		if (!json_is_string(bc) || !json_is_number(json_object_get(rs, "similarity")))
			return bad(why, sz, "recs[%zu].reason similar needs because and similarity", j);
	} else if (strcmp(type, "also_bought") == 0) {
		if (!json_is_string(bc))
			return bad(why, sz, "recs[%zu].reason also_bought needs because", j);
	} else if (strcmp(type, "content") == 0) {
		const char *sh = json_string_value(json_object_get(rs, "shared"));

		if (!json_is_string(bc) || !json_is_number(json_object_get(rs, "similarity")) ||
		    sh == NULL || !json_is_string(json_object_get(rs, "value")))
			return bad(why, sz, "recs[%zu].reason content needs because, similarity, "
			    "shared and value", j);
		if (strcmp(sh, "category") != 0 && strcmp(sh, "brand") != 0 &&
		    strcmp(sh, "word") != 0)
			return bad(why, sz, "recs[%zu].reason content shared is not category, brand "
			    "or word", j);
	} else if (strcmp(type, "neighbours") == 0) {
		if (!json_is_integer(json_object_get(rs, "users")))
			return bad(why, sz, "recs[%zu].reason neighbours needs users", j);
	} else if (strcmp(type, "popular") != 0 && strcmp(type, "model") != 0) {
		return bad(why, sz, "recs[%zu].reason has unknown type \"%s\"", j, type);
	}
	act = json_object_get(rs, "action");
	if (act != NULL && (!json_is_string(act) || json_string_length(act) == 0))
		return bad(why, sz, "recs[%zu].reason action must be a non-empty string", j);
	return 0;
}

int
recs_check(const json_t *line, char *why, size_t sz)
{
	static const char *const sources[] = {
		"mf", "fold-in", "popular", "itemknn", "userknn", "blend", "none",
	};
	const json_t *recs = json_object_get(line, "recs");
	const char *src = json_string_value(json_object_get(line, "source"));
	size_t k;

	if (!json_is_object(line))
		return bad(why, sz, "not an object");
	if (!json_is_string(json_object_get(line, "user")))
		return bad(why, sz, "user must be a string");
	if (!json_is_array(recs))
		return bad(why, sz, "recs must be an array");
	if (src == NULL)
		return bad(why, sz, "source must be a string");
	for (k = 0; k < sizeof sources / sizeof *sources; k++)
		if (strcmp(src, sources[k]) == 0)
			break;
	if (k == sizeof sources / sizeof *sources)
		return bad(why, sz, "unknown source \"%s\"", src);
	if (json_array_size(recs) == 0 && strcmp(src, "none") != 0)
		return bad(why, sz, "recs is empty but source is not \"none\"");
	for (size_t j = 0; j < json_array_size(recs); j++) {
		const json_t *r = json_array_get(recs, j), *rank;
		const char *item = json_string_value(json_object_get(r, "item"));

		if (!json_is_object(r) || item == NULL)
			return bad(why, sz, "recs[%zu].item must be a string", j);
		if (!json_is_number(json_object_get(r, "score")))
			return bad(why, sz, "recs[%zu].score must be a number", j);
		rank = json_object_get(r, "rank");
		if (!json_is_integer(rank) || json_integer_value(rank) != (json_int_t)j + 1)
			return bad(why, sz, "recs[%zu].rank must be %zu", j, j + 1);
		if (check_reason(json_object_get(r, "reason"), j, why, sz))
			return 1;
		for (size_t i = 0; i < j; i++)
			if (strcmp(item, json_string_value(json_object_get(json_array_get(recs, i),
			    "item"))) == 0)
				return bad(why, sz, "recs[%zu].item \"%s\" repeats", j, item);
	}
	return 0;
}
