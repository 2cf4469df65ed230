/* feedback.c - campaign events (clicks, purchases, opens) to FORMATS 2.1 interaction lines */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "measure/feedback.h"
#include "base/ndjson.h"

static const char *const kinds[] = { "sent", "delivered", "open", "click", "purchase",
	"unsubscribe", "bounce", "complaint" };
#define NKINDS (int)(sizeof kinds / sizeof kinds[0])
#define OPEN 2

static int
kind_of(const char *s, size_t len)
{
	for (int k = 0; k < NKINDS; k++)
		if (strlen(kinds[k]) == len && memcmp(kinds[k], s, len) == 0)
			return k;
	return -1;
}

int
feedback_init(struct feedback *fb, const char *keep, const char *campaign, struct err *e)
{
	memset(fb, 0, sizeof *fb);
	ids_init(&fb->rec_users);
	ids_init(&fb->seen);
	fb->campaign = campaign;
	for (const char *p = keep;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int k = kind_of(p, len);

		if (k < 0)
			return err_set(e, EXIT_USAGE, "--events: '%.*s' is not one of sent, delivered, "
			    "open, click, purchase, unsubscribe, bounce, complaint", (int)len, p);
		fb->keep |= 1u << k;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return 0;
}

void
feedback_free(struct feedback *fb)
{
	ids_free(&fb->rec_users);
	ids_free(&fb->seen);
	json_decref(fb->rec_items);
	memset(fb, 0, sizeof *fb);
}

int
feedback_load_recs(struct feedback *fb, FILE *f, const char *name, const char *open_as,
    struct err *e)
{
	struct ndjson_reader rd;
	json_t *obj, *recs, *rec;
	size_t i;
	int rc;

	fb->open_as = open_as;
	if (fb->rec_items == NULL && (fb->rec_items = json_array()) == NULL)
		return err_nomem(e);
	if (ndjson_init(&rd, f, name, 0, e) < 0)
		return -1;
	while ((rc = ndjson_next(&rd, &obj, NULL, e)) > 0) {
		const json_t *user = json_object_get(obj, "user");
		json_t *items;
		int64_t u;
		size_t before = ids_count(&fb->rec_users);

		recs = json_object_get(obj, "recs");
		if (!json_is_string(user) || !json_is_array(recs)) {
			rc = err_set(e, EXIT_DATA, "%s:%ld: a recommendation line needs \"user\" and "
			    "\"recs\"", name, ndjson_lineno(&rd));
			json_decref(obj);
			break;
		}
		u = ids_intern(&fb->rec_users, json_string_value(user), json_string_length(user), e);
		if (u < 0) {
			rc = err_prefix(e, "%s:%ld", name, ndjson_lineno(&rd));
			json_decref(obj);
			break;
		}
		if (ids_count(&fb->rec_users) > before)
			json_array_append_new(fb->rec_items, json_array());
		items = json_array_get(fb->rec_items, (size_t)u);
		json_array_foreach(recs, i, rec) {
			json_t *item = json_object_get(rec, "item");

			if (json_is_string(item))
				json_array_append(items, item);
		}
		json_decref(obj);
	}
	ndjson_free(&rd);
	return rc < 0 ? -1 : 0;
}

/* Writes one interaction unless the same one was written before. Returns 0 or -1. */
static int
emit(struct feedback *fb, const json_t *user, const json_t *item, const char *event, double qty,
    const json_t *ts, FILE *out, struct err *e)
{
	char *tstext = ts ? json_dumps(ts, JSON_ENCODE_ANY | JSON_COMPACT) : NULL, *key;
	size_t before = ids_count(&fb->seen);
	json_t *o;
	int n, rc;

	n = asprintf(&key, "%s\x1f%s\x1f%s\x1f%s", json_string_value(user), json_string_value(item),
	    event, tstext ? tstext : "");
	free(tstext);
	if (n < 0)
		return err_nomem(e);
	/* ids with a NUL inside cannot be keyed: written without the check */
	if (strlen(key) == (size_t)n) {
		if (ids_intern(&fb->seen, key, (size_t)n, e) < 0) {
			free(key);
			return -1;
		}
		if (ids_count(&fb->seen) == before) {
			free(key);
			fb->duplicates++;
			return 0;
		}
	}
	free(key);
	o = json_pack("{sOsOssso}", "user", user, "item", item, "event", event, "qty",
	    qty == floor(qty) && qty < 9e15 ? json_integer((json_int_t)qty) : json_real(qty));
	if (o == NULL)
		return err_nomem(e);
	if (ts != NULL)
		json_object_set(o, "ts", (json_t *)ts);
	rc = ndjson_write(out, o, e);
	json_decref(o);
	fb->written += rc == 0;
	return rc;
}

int
feedback_event(struct feedback *fb, const json_t *ev, const char *name, long line, FILE *out,
    struct err *e)
{
	const json_t *user = json_object_get(ev, "user"), *item = json_object_get(ev, "item");
	const json_t *kind = json_object_get(ev, "event"), *ts = json_object_get(ev, "ts");
	const char *campaign = ndjson_str(ev, "campaign");
	double qty = 1;
	int k;

	if (!json_is_string(kind))
		return err_set(e, EXIT_DATA, "%s:%ld: missing \"event\" string", name, line);
	if ((k = kind_of(json_string_value(kind), json_string_length(kind))) < 0)
		return err_set(e, EXIT_DATA, "%s:%ld: unknown event '%s'", name, line,
		    json_string_value(kind));
	if (!json_is_string(user) || json_string_length(user) == 0)
		return err_set(e, EXIT_DATA, "%s:%ld: missing \"user\" string", name, line);
	if (item != NULL && (!json_is_string(item) || json_string_length(item) == 0))
		return err_set(e, EXIT_DATA, "%s:%ld: \"item\" is not a string", name, line);
	if (ts != NULL && !json_is_integer(ts) && !json_is_real(ts) && !json_is_string(ts))
		return err_set(e, EXIT_DATA, "%s:%ld: \"ts\" is not a number or a date", name, line);
	if (ndjson_num(ev, "qty", &qty) < 0 || !isfinite(qty) || qty <= 0)
		return err_set(e, EXIT_DATA, "%s:%ld: \"qty\" is not a number above 0", name, line);
	if (fb->campaign != NULL && (campaign == NULL || strcmp(campaign, fb->campaign) != 0)) {
		fb->other_campaign++;
		return 0;
	}
	if (!(fb->keep & (1u << k))) {
		fb->not_kept++;
		return 0;
	}
	if (item != NULL)
		return emit(fb, user, item, kinds[k], qty, ts, out, e);
	if (k == OPEN && fb->open_as != NULL) {
		int64_t u = ids_find(&fb->rec_users, json_string_value(user), json_string_length(user));
		json_t *items = u >= 0 ? json_array_get(fb->rec_items, (size_t)u) : NULL;
		json_t *it;
		size_t i;

		if (json_array_size(items) > 0) {
			json_array_foreach(items, i, it)
				if (emit(fb, user, it, fb->open_as, 1, ts, out, e) < 0)
					return -1;
			return 0;
		}
	}
	fb->no_item++;
	return 0;
}
