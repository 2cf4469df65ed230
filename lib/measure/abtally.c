/* abtally.c - campaign events reduced to one record per user, then to counts per arm */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "measure/abtally.h"
#include "base/exitcode.h"
#include "base/ndjson.h"
#include "base/tstamp.h"

static const char *const event_names[ABT_NEVENTS] = {
	"sent", "delivered", "open", "click", "purchase", "unsubscribe", "bounce", "complaint",
};

const char *
abtally_event_name(enum abtally_event ev)
{
	return (unsigned)ev < ABT_NEVENTS ? event_names[ev] : "?";
}

int
abtally_init(struct abtally *t, const char *campaign, const struct ab_arms *arms, struct err *e)
{
	memset(t, 0, sizeof *t);
	ids_init(&t->users);
	ids_init(&t->arms);
	ids_init(&t->purchases);
	ids_init(&t->writers);
	if (campaign != NULL) {
		if ((t->campaign = strdup(campaign)) == NULL)
			return err_nomem(e);
		t->campaign_fixed = 1;
	}
	if (arms != NULL) {
		for (int i = 0; i < arms->n; i++)
			if (ids_intern(&t->arms, arms->name[i], strlen(arms->name[i]), e) < 0)
				return -1;
		t->arms_fixed = 1;
	}
	return 0;
}

void
abtally_free(struct abtally *t)
{
	ids_free(&t->users);
	ids_free(&t->arms);
	ids_free(&t->purchases);
	ids_free(&t->writers);
	free(t->arm_writer);
	free(t->writer_unknown);
	free(t->u);
	free(t->campaign);
	memset(t, 0, sizeof *t);
}

/* The record of the user named in rec, created when new; NULL with e set. */
static struct abtally_user *
user_of(struct abtally *t, const json_t *rec, const char *name, long line, struct err *e)
{
	const json_t *u = json_object_get(rec, "user");
	struct abtally_user *p;
	size_t before = ids_count(&t->users);
	int64_t i;

	if (!json_is_string(u) || json_string_length(u) == 0) {
		err_set(e, EXIT_DATA, "%s:%ld: missing \"user\" string", name, line);
		return NULL;
	}
	if ((i = ids_intern(&t->users, json_string_value(u), json_string_length(u), e)) < 0) {
		err_prefix(e, "%s:%ld", name, line);
		return NULL;
	}
	if ((size_t)i >= t->ucap) {
		size_t cap = t->ucap ? t->ucap * 2 : 1024;

		if ((p = realloc(t->u, cap * sizeof *p)) == NULL) {
			err_nomem(e);
			return NULL;
		}
		t->u = p;
		t->ucap = cap;
	}
	p = &t->u[i];
	if (ids_count(&t->users) > before) {
		memset(p, 0, sizeof *p);
		p->arm = p->assigned = -1;
		p->file = name;
		p->line = line;
	}
	return p;
}

/*
 * Checks the record's campaign: 1 when it is the one reported on (or has
 * none), 0 when it is another (skip), -1 on error.
 */
static int
campaign_ok(struct abtally *t, const json_t *rec, const char *name, long line, struct err *e)
{
	const json_t *c = json_object_get(rec, "campaign");

	if (c == NULL)
		return 1;
	if (!json_is_string(c))
		return err_set(e, EXIT_DATA, "%s:%ld: \"campaign\" is not a string", name, line);
	if (t->campaign == NULL) {
		if ((t->campaign = strdup(json_string_value(c))) == NULL)
			return err_nomem(e);
		return 1;
	}
	if (strcmp(t->campaign, json_string_value(c)) == 0)
		return 1;
	if (t->campaign_fixed)
		return 0;
	return err_set(e, EXIT_USAGE, "%s:%ld: events of campaigns '%s' and '%s': "
	    "choose one with --campaign", name, line, t->campaign, json_string_value(c));
}

/* The arm named by rec's "variant": its index, -2 when absent, -1 on error. */
static int64_t
variant_of(struct abtally *t, const json_t *rec, const char *name, long line, struct err *e)
{
	const json_t *v = json_object_get(rec, "variant");
	int64_t i;

	if (v == NULL)
		return -2;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return err_set(e, EXIT_DATA, "%s:%ld: \"variant\" is not a string", name, line);
	i = ids_find(&t->arms, json_string_value(v), json_string_length(v));
	if (i >= 0)
		return i;
	if (t->arms_fixed)
		return err_set(e, EXIT_DATA, "%s:%ld: variant '%s' is not one of --arms", name, line,
		    json_string_value(v));
	if ((i = ids_intern(&t->arms, json_string_value(v), json_string_length(v), e)) < 0)
		return err_prefix(e, "%s:%ld", name, line);
	return i;
}

/* 1 when this purchase was seen before (same user, item and ts), 0 if new or unkeyed, -1. */
static int
purchase_seen(struct abtally *t, const json_t *rec, struct err *e)
{
	const json_t *user = json_object_get(rec, "user"), *item = json_object_get(rec, "item");
	const json_t *ts = json_object_get(rec, "ts");
	char *tstext, *key;
	size_t before = ids_count(&t->purchases);
	int n;

	if (!json_is_string(item) || ts == NULL)
		return 0;
	if ((tstext = json_dumps(ts, JSON_ENCODE_ANY | JSON_COMPACT)) == NULL)
		return err_nomem(e);
	n = asprintf(&key, "%s\x1f%s\x1f%s", json_string_value(user), json_string_value(item),
	    tstext);
	free(tstext);
	if (n < 0)
		return err_nomem(e);
	/* ids with a NUL cannot be keyed: count such a purchase as new */
	if (strlen(key) != (size_t)n) {
		free(key);
		return 0;
	}
	n = ids_intern(&t->purchases, key, (size_t)n, e) < 0 ? -1 : ids_count(&t->purchases) == before;
	free(key);
	return n;
}

/* Widens the span of event times by ev's "ts" (unix seconds or a UTC date-time; others are ignored). */
static void
event_time(struct abtally *t, const json_t *ev)
{
	const json_t *ts = json_object_get(ev, "ts");
	int64_t v;

	if (json_is_integer(ts))
		v = json_integer_value(ts);
	else if (json_is_real(ts) && isfinite(json_real_value(ts)) &&
	    fabs(json_real_value(ts)) < 1e15)
		v = (int64_t)json_real_value(ts);
	else if (!json_is_string(ts) || tstamp_parse(json_string_value(ts),
	    json_string_length(ts), &v) < 0)
		return;
	if (t->ts_count++ == 0 || v < t->ts_first)
		t->ts_first = v;
	if (t->ts_count == 1 || v > t->ts_last)
		t->ts_last = v;
}


/* Notes the writer of a "sent" event of arm (its "writer", when a string). Returns 0 or -1. */
static int
note_writer(struct abtally *t, int64_t arm, const json_t *ev, struct err *e)
{
	const char *w = ndjson_str(ev, "writer");
	int64_t id;

	if ((size_t)arm >= t->wcap) {
		size_t nc = t->wcap ? t->wcap : 8, i;
		int32_t *na;
		unsigned char *nu;

		while (nc <= (size_t)arm)
			nc *= 2;
		if ((na = realloc(t->arm_writer, nc * sizeof *na)) == NULL)
			return err_nomem(e);
		t->arm_writer = na;
		if ((nu = realloc(t->writer_unknown, nc)) == NULL)
			return err_nomem(e);
		t->writer_unknown = nu;
		for (i = t->wcap; i < nc; i++) {
			na[i] = -1;
			nu[i] = 0;
		}
		t->wcap = nc;
	}
	if (w == NULL || w[0] == '\0') {
		t->writer_unknown[arm] = 1;
		return 0;
	}
	if ((id = ids_intern(&t->writers, w, strlen(w), e)) < 0)
		return -1;
	if (t->arm_writer[arm] == -1)
		t->arm_writer[arm] = (int32_t)id;
	else if (t->arm_writer[arm] != id)
		t->arm_writer[arm] = -2;
	return 0;
}

int
abtally_event(struct abtally *t, const json_t *ev, const char *name, long line, struct err *e)
{
	const char *kind = ndjson_str(ev, "event");
	struct abtally_user *u;
	int64_t arm;
	double rev = 0;
	int k, rc;

	if (kind == NULL)
		return err_set(e, EXIT_DATA, "%s:%ld: missing \"event\" string", name, line);
	for (k = 0; k < ABT_NEVENTS && strcmp(kind, event_names[k]) != 0; k++)
		;
	if (k == ABT_NEVENTS)
		return err_set(e, EXIT_DATA, "%s:%ld: unknown event '%s'", name, line, kind);
	if (!json_is_string(json_object_get(ev, "user")))
		return err_set(e, EXIT_DATA, "%s:%ld: missing \"user\" string", name, line);
	if (k == ABT_PURCHASE && (ndjson_num(ev, "revenue", &rev) < 0 || !isfinite(rev)))
		return err_set(e, EXIT_DATA, "%s:%ld: \"revenue\" is not a number", name, line);
	/* a sum of such values, or its square, would overflow to inf in the report */
	if (fabs(rev) > ABTALLY_REVENUE_MAX)
		return err_set(e, EXIT_DATA, "%s:%ld: \"revenue\" %g is out of range (at most %g "
		    "either way)", name, line, rev, ABTALLY_REVENUE_MAX);
	if ((rc = campaign_ok(t, ev, name, line, e)) <= 0) {
		t->other_campaign += rc == 0;
		return rc;
	}
	if (k == ABT_OPEN && t->human_opens && json_is_true(json_object_get(ev, "machine"))) {
		t->machine_opens++;
		return 0;
	}
	if ((arm = variant_of(t, ev, name, line, e)) == -1)
		return -1;
	if (k == ABT_SENT && arm == -2)
		return err_set(e, EXIT_DATA, "%s:%ld: a \"sent\" event needs a \"variant\"", name, line);
	if ((u = user_of(t, ev, name, line, e)) == NULL)
		return -1;
	event_time(t, ev);
	if (k == ABT_SENT && note_writer(t, arm, ev, e) < 0)
		return -1;
	if (k == ABT_SENT) {
		if (u->arm < 0)
			u->arm = (int32_t)arm;
		else if (u->arm != arm)
			t->conflicts++;
	} else {
		u->events++;
	}
	if (k == ABT_PURCHASE) {
		if ((rc = purchase_seen(t, ev, e)) < 0)
			return -1;
		if (rc == 1) {
			t->dup_purchases++;
			return 0;
		}
		u->revenue += rev;
	}
	u->seen |= 1u << k;
	return 0;
}

/* Keeps the "variant_weight" of an assignment line; one arm has one weight in a campaign. */
static int
assignment_weight(struct abtally *t, const json_t *rec, int64_t arm, const char *name, long line,
    struct err *e)
{
	double w;
	int rc = ndjson_num(rec, "variant_weight", &w);

	if (rc < 0 || (rc == 1 && (!isfinite(w) || w < 0 || w > 1)))
		return err_set(e, EXIT_DATA, "%s:%ld: \"variant_weight\" is not a number in [0, 1]",
		    name, line);
	if (rc == 0 || arm >= ABTALLY_MAX_WEIGHTS) {
		t->weights_known = -1;          /* one line without: the log's weights are not used */
		return 0;
	}
	if (t->arm_weight[arm] > 0 && t->arm_weight[arm] != w)
		return err_set(e, EXIT_DATA, "%s:%ld: \"variant_weight\" %g of arm '%s' differs from "
		    "the %g of an earlier line", name, line, w, ids_get(&t->arms, arm, NULL),
		    t->arm_weight[arm]);
	t->arm_weight[arm] = w;
	if (t->weights_known == 0)
		t->weights_known = 1;
	t->weighted_lines++;
	return 0;
}

int
abtally_assignment(struct abtally *t, const json_t *rec, const char *name, long line,
    struct err *e)
{
	struct abtally_user *u;
	int64_t arm;
	int rc;

	if (!json_is_string(json_object_get(rec, "user")))
		return err_set(e, EXIT_DATA, "%s:%ld: missing \"user\" string", name, line);
	if ((rc = campaign_ok(t, rec, name, line, e)) <= 0)
		return rc;
	if ((arm = variant_of(t, rec, name, line, e)) == -1)
		return -1;
	if (arm == -2)
		return err_set(e, EXIT_DATA, "%s:%ld: missing \"variant\"", name, line);
	if ((u = user_of(t, rec, name, line, e)) == NULL)
		return -1;
	u->assigned = (int32_t)arm;
	if (assignment_weight(t, rec, arm, name, line, e) < 0)
		return -1;
	t->have_assignments = 1;
	return 0;
}

int
abtally_finish(const struct abtally *t, struct abtally_result *r, struct err *e)
{
	int64_t holdout = ids_find(&t->arms, AB_HOLDOUT, strlen(AB_HOLDOUT));
	int *slot, *pos;

	memset(r, 0, sizeof *r);
	r->narms = (int)ids_count(&t->arms);
	if ((r->arm = calloc((size_t)r->narms + 1, sizeof *r->arm)) == NULL)
		return err_nomem(e);
	if ((slot = malloc(2 * ((size_t)r->narms + 1) * sizeof *slot)) == NULL) {
		abtally_result_free(r);
		return err_nomem(e);
	}
	pos = slot + r->narms + 1;
	for (int a = 0; a < r->narms; a++)
		slot[a] = a;
	/* arms only seen in events are reported by name, whatever order they came in */
	if (!t->arms_fixed)
		for (int a = 1; a < r->narms; a++)
			for (int b = a; b > 0 && strcmp(ids_get(&t->arms, slot[b - 1], NULL),
			    ids_get(&t->arms, slot[b], NULL)) > 0; b--) {
				int tmp = slot[b];

				slot[b] = slot[b - 1];
				slot[b - 1] = tmp;
			}
	for (int a = 0; a < r->narms; a++) {
		int s = slot[a];

		r->arm[a].name = ids_get(&t->arms, s, NULL);
		r->arm[a].assigned = t->have_assignments ? 0 : -1;
		if ((size_t)s < t->wcap && !t->writer_unknown[s] && t->arm_writer[s] >= 0)
			r->arm[a].writer = ids_get(&t->writers, t->arm_writer[s], NULL);
	}
	/* slot: position -> arm id; turn it around into arm id -> position */
	for (int a = 0; a < r->narms; a++)
		pos[slot[a]] = a;
	for (size_t i = 0; i < ids_count(&t->users); i++) {
		const struct abtally_user *u = &t->u[i];
		struct abtally_arm *a;
		int arm = u->arm;

		if (u->assigned >= 0) {
			r->arm[pos[u->assigned]].assigned++;
			if (arm >= 0 && arm != u->assigned)
				r->moved++;
			if (arm >= 0 && u->assigned == holdout)
				r->holdout_sent++;
		}
		if (arm < 0 && u->assigned >= 0 && u->assigned == holdout)
			arm = u->assigned;
		if (arm < 0) {
			if (u->events > 0 && r->orphan_users++ == 0) {
				r->orphan_user = ids_get(&t->users, (int64_t)i, NULL);
				r->orphan_file = u->file;
				r->orphan_line = u->line;
			}
			r->orphan_events += u->events;
			continue;
		}
		a = &r->arm[pos[arm]];
		a->recipients++;
		a->delivered += (u->seen >> ABT_DELIVERED) & 1;
		a->opens += (u->seen >> ABT_OPEN) & 1;
		a->clicks += (u->seen >> ABT_CLICK) & 1;
		a->conversions += (u->seen >> ABT_PURCHASE) & 1;
		a->unsubscribes += (u->seen >> ABT_UNSUB) & 1;
		a->bounces += (u->seen >> ABT_BOUNCE) & 1;
		a->complaints += (u->seen >> ABT_COMPLAINT) & 1;
		a->revenue += u->revenue;
		a->revenue_sq += u->revenue * u->revenue;
	}
	free(slot);
	return 0;
}

void
abtally_result_free(struct abtally_result *r)
{
	free(r->arm);
	memset(r, 0, sizeof *r);
}
