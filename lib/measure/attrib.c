/* attrib.c - last-touch attribution of orders to campaigns: deliveries, clicks and the holdout */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "base/ndjson.h"
#include "base/tstamp.h"
#include "measure/attrib.h"

void
attrib_init(struct attrib *a, int64_t delivery_window, int64_t click_window)
{
	memset(a, 0, sizeof *a);
	ids_init(&a->users);
	ids_init(&a->names);
	ids_init(&a->campaigns);
	a->delivery_window = delivery_window;
	a->click_window = click_window;
}

void
attrib_free(struct attrib *a)
{
	size_t i;

	for (i = 0; i < ids_count(&a->users); i++)
		free(a->t[i]);
	free(a->t);
	free(a->n);
	free(a->cap);
	free(a->first_sent);
	ids_free(&a->users);
	ids_free(&a->names);
	ids_free(&a->campaigns);
}

/* The ts field: unix seconds or a date-time text. Returns 0, or -1. */
static int
ts_of(const json_t *o, int64_t *out)
{
	const json_t *v = json_object_get(o, "ts");

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_real(v) && isfinite(json_real_value(v))) {
		*out = (int64_t)json_real_value(v);
		return 0;
	}
	return json_is_string(v) ? tstamp_parse(json_string_value(v), json_string_length(v), out) : -1;
}

static int64_t
intern(struct ids *t, const char *s, struct err *e)
{
	return ids_intern(t, s, strlen(s), e);
}

static int
add_touch(struct attrib *a, const char *user, int64_t ts, int kind, const char *campaign,
    const char *variant, struct err *e)
{
	int64_t u = intern(&a->users, user, e), c = intern(&a->names, campaign, e);
	int64_t v = intern(&a->names, variant, e);
	struct attrib_touch *t;

	if (u < 0 || c < 0 || v < 0)
		return -1;
	if ((size_t)u >= a->ucap) {
		size_t cap = a->ucap ? 2 * a->ucap : 1024;
		struct attrib_touch **pt = realloc(a->t, cap * sizeof *pt);
		size_t *pn = pt ? realloc(a->n, cap * sizeof *pn) : NULL;
		size_t *pc = pn ? realloc(a->cap, cap * sizeof *pc) : NULL;

		if (pt) a->t = pt;
		if (pn) a->n = pn;
		if (pc == NULL)
			return err_nomem(e);
		a->cap = pc;
		memset(a->t + a->ucap, 0, (cap - a->ucap) * sizeof *a->t);
		memset(a->n + a->ucap, 0, (cap - a->ucap) * sizeof *a->n);
		memset(a->cap + a->ucap, 0, (cap - a->ucap) * sizeof *a->cap);
		a->ucap = cap;
	}
	if (a->n[u] == a->cap[u]) {
		size_t cap = a->cap[u] ? 2 * a->cap[u] : 4;

		if ((t = realloc(a->t[u], cap * sizeof *t)) == NULL)
			return err_nomem(e);
		a->t[u] = t;
		a->cap[u] = cap;
	}
	a->t[u][a->n[u]++] = (struct attrib_touch){ ts, kind, (uint32_t)c, (uint32_t)v };
	return 0;
}

/* The campaign's index for the first-sent times. */
static int64_t
campaign_of(struct attrib *a, const char *campaign, struct err *e)
{
	int64_t c = intern(&a->campaigns, campaign, e);

	if (c >= 0 && (size_t)c >= a->ccap) {
		size_t cap = a->ccap ? 2 * a->ccap : 16, i;
		int64_t *p = realloc(a->first_sent, cap * sizeof *p);

		if (p == NULL)
			return err_nomem(e);
		for (i = a->ccap; i < cap; i++)
			p[i] = INT64_MAX;
		a->first_sent = p;
		a->ccap = cap;
	}
	return c;
}

int
attrib_event(struct attrib *a, const json_t *ev, struct err *e)
{
	const char *kind = ndjson_str(ev, "event"), *user = ndjson_str(ev, "user");
	const char *campaign = ndjson_str(ev, "campaign"), *variant = ndjson_str(ev, "variant");
	int64_t ts, c;
	int click;

	if (kind == NULL || (strcmp(kind, "sent") != 0 && strcmp(kind, "click") != 0))
		return 0;
	click = kind[0] == 'c';
	if (user == NULL || campaign == NULL || variant == NULL || ts_of(ev, &ts) < 0)
		return err_set(e, EXIT_DATA, "a %s event without \"user\", \"campaign\", \"variant\" "
		    "or \"ts\"", kind);
	if (!click) {
		if ((c = campaign_of(a, campaign, e)) < 0)
			return -1;
		if (ts < a->first_sent[c])
			a->first_sent[c] = ts;
	}
	return add_touch(a, user, ts, click ? ATTRIB_CLICK : ATTRIB_DELIVERY, campaign, variant, e);
}

int
attrib_assignment(struct attrib *a, const json_t *rec, struct err *e)
{
	const char *user = ndjson_str(rec, "user"), *campaign = ndjson_str(rec, "campaign");
	const char *variant = ndjson_str(rec, "variant");

	if (variant == NULL || strcmp(variant, "holdout") != 0)
		return 0;
	if (user == NULL || campaign == NULL)
		return err_set(e, EXIT_DATA, "a holdout assignment without \"user\" or \"campaign\"");
	/* its time is the campaign's first delivery, known once every event is read: INT64_MIN */
	return add_touch(a, user, INT64_MIN, ATTRIB_HOLDOUT, campaign, variant, e);
}

int
attrib_order(struct attrib *a, const json_t *order, json_t **out, struct err *e)
{
	static const char *const touch_name[] = { "delivery", "click", "holdout" };
	const char *user = ndjson_str(order, "user");
	const struct attrib_touch *best = NULL;
	int64_t ts, u, best_ts = INT64_MIN;
	double rev;
	size_t i;

	*out = NULL;
	if (user == NULL)
		return err_set(e, EXIT_DATA, "missing \"user\"");
	if (ts_of(order, &ts) < 0)
		return err_set(e, EXIT_DATA, "missing or bad \"ts\"");
	if (ndjson_num(order, "revenue", &rev) < 0 || !isfinite(rev))
		return err_set(e, EXIT_DATA, "\"revenue\" is not a number");
	if ((u = ids_find(&a->users, user, strlen(user))) < 0) {
		a->unattributed++;
		return 0;
	}
	for (i = 0; i < a->n[u]; i++) {
		const struct attrib_touch *t = &a->t[u][i];
		int64_t when = t->ts, window = t->kind == ATTRIB_CLICK ? a->click_window :
		    a->delivery_window;

		if (t->kind == ATTRIB_HOLDOUT) {
			const char *cn = ids_get(&a->names, t->campaign, NULL);
			int64_t c = ids_find(&a->campaigns, cn, strlen(cn));

			if (c < 0 || a->first_sent[c] == INT64_MAX)
				continue;
			when = a->first_sent[c];
		}
		/* the latest touch at or before the order within its window; a click wins a tie */
		if (when <= ts && ts - when <= window &&
		    (best == NULL || when > best_ts || (when == best_ts && t->kind == ATTRIB_CLICK))) {
			best = t;
			best_ts = when;
		}
	}
	if (best == NULL) {
		a->unattributed++;
		return 0;
	}
	if ((*out = json_deep_copy(order)) == NULL ||
	    json_object_set_new(*out, "event", json_string("purchase")) < 0 ||
	    json_object_set_new(*out, "campaign",
	    json_string(ids_get(&a->names, best->campaign, NULL))) < 0 ||
	    json_object_set_new(*out, "variant", json_string(ids_get(&a->names, best->variant, NULL))) < 0 ||
	    json_object_set_new(*out, "touch", json_string(touch_name[best->kind])) < 0 ||
	    json_object_set_new(*out, "ts", json_integer(ts)) < 0) {
		json_decref(*out);
		*out = NULL;
		return err_nomem(e);
	}
	a->attributed++;
	return 0;
}
