/* test_attrib.c - last-touch attribution: windows after delivery and after a click, the holdout, ties */
#include <string.h>

#include <jansson.h>

#include "measure/attrib.h"
#include "unit.h"

#define DAY 86400

static void
event(struct attrib *a, const char *kind, const char *user, const char *campaign,
    const char *variant, long long ts)
{
	json_t *o = json_pack("{sssssssssI}", "event", kind, "user", user, "campaign", campaign,
	    "variant", variant, "ts", (json_int_t)ts);
	struct err e;

	CHECK_INT(attrib_event(a, o, &e), 0);
	json_decref(o);
}

/* The order's label: "campaign/variant/touch", or "" when not attributed. */
static const char *
label(struct attrib *a, const char *user, long long ts, char *out, size_t sz)
{
	json_t *o = json_pack("{sssIsfss}", "user", user, "ts", (json_int_t)ts, "revenue", 12.5,
	    "item", "sku9"), *p = NULL;
	struct err e;

	out[0] = '\0';
	CHECK_INT(attrib_order(a, o, &p, &e), 0);
	if (p != NULL) {
		snprintf(out, sz, "%s/%s/%s", json_string_value(json_object_get(p, "campaign")),
		    json_string_value(json_object_get(p, "variant")),
		    json_string_value(json_object_get(p, "touch")));
		/* the order's own fields are kept */
		CHECK_STR(json_string_value(json_object_get(p, "item")), "sku9");
		CHECK_STR(json_string_value(json_object_get(p, "event")), "purchase");
	}
	json_decref(o);
	json_decref(p);
	return out;
}

static void
test_last_touch(void)
{
	struct attrib a;
	char b[128];
	const long long t0 = 1764000000;

	attrib_init(&a, 7 * DAY, 2 * DAY);
	event(&a, "sent", "u1", "c1", "llm", t0);
	event(&a, "sent", "u1", "c2", "template", t0 + 3 * DAY);
	event(&a, "open", "u1", "c1", "llm", t0 + 4 * DAY);     /* not a touch */
	/* before any delivery: nothing; right at delivery: it */
	CHECK_STR(label(&a, "u1", t0 - 1, b, sizeof b), "");
	CHECK_STR(label(&a, "u1", t0, b, sizeof b), "c1/llm/delivery");
	/* the later delivery wins once it happened */
	CHECK_STR(label(&a, "u1", t0 + 3 * DAY + 1, b, sizeof b), "c2/template/delivery");
	/* the window ends 7 days after the last delivery (inclusive) */
	CHECK_STR(label(&a, "u1", t0 + 10 * DAY, b, sizeof b), "c2/template/delivery");
	CHECK_STR(label(&a, "u1", t0 + 10 * DAY + 1, b, sizeof b), "");
	/* a click is a touch of its own, with its own (shorter) window */
	event(&a, "click", "u1", "c1", "llm", t0 + 5 * DAY);
	CHECK_STR(label(&a, "u1", t0 + 6 * DAY, b, sizeof b), "c1/llm/click");
	/* 2 days after the click it is still the latest touch within its window */
	CHECK_STR(label(&a, "u1", t0 + 7 * DAY, b, sizeof b), "c1/llm/click");
	/* past the click's window, the c2 delivery (still within 7 days) takes it */
	CHECK_STR(label(&a, "u1", t0 + 7 * DAY + 1, b, sizeof b), "c2/template/delivery");
	/* a click at the same second as a delivery wins the tie */
	event(&a, "sent", "u2", "c1", "template", t0);
	event(&a, "click", "u2", "c3", "llm", t0);
	CHECK_STR(label(&a, "u2", t0 + 1, b, sizeof b), "c3/llm/click");
	/* a user never touched */
	CHECK_STR(label(&a, "nobody", t0, b, sizeof b), "");
	CHECK_INT(a.attributed, 7);
	CHECK_INT(a.unattributed, 3);
	attrib_free(&a);
}

static void
test_holdout(void)
{
	struct attrib a;
	struct err e;
	char b[128];
	const long long t0 = 1764000000;
	json_t *h = json_pack("{ssssss}", "user", "h1", "campaign", "c1", "variant", "holdout");
	json_t *x = json_pack("{ssssss}", "user", "h2", "campaign", "c9", "variant", "holdout");
	json_t *l = json_pack("{ssssss}", "user", "u1", "campaign", "c1", "variant", "llm");

	attrib_init(&a, 7 * DAY, 2 * DAY);
	CHECK_INT(attrib_assignment(&a, h, &e), 0);
	CHECK_INT(attrib_assignment(&a, x, &e), 0);
	CHECK_INT(attrib_assignment(&a, l, &e), 0);   /* a mailed arm: its sent event is the touch */
	/* the holdout is touched when its campaign was first sent, to anyone */
	event(&a, "sent", "u1", "c1", "llm", t0 + 60);
	event(&a, "sent", "u9", "c1", "llm", t0);
	CHECK_STR(label(&a, "h1", t0 + DAY, b, sizeof b), "c1/holdout/holdout");
	CHECK_STR(label(&a, "h1", t0 - 1, b, sizeof b), "");
	CHECK_STR(label(&a, "h1", t0 + 8 * DAY, b, sizeof b), "");
	/* a campaign never sent touches its holdout never */
	CHECK_STR(label(&a, "h2", t0 + DAY, b, sizeof b), "");
	/* the llm arm's customer is touched by their own delivery only */
	CHECK_STR(label(&a, "u1", t0 + 30, b, sizeof b), "");
	CHECK_STR(label(&a, "u1", t0 + 60, b, sizeof b), "c1/llm/delivery");
	json_decref(h);
	json_decref(x);
	json_decref(l);
	attrib_free(&a);
}

static void
test_bad_input(void)
{
	struct attrib a;
	struct err e;
	json_t *o, *p = NULL;

	attrib_init(&a, 7 * DAY, 2 * DAY);
	o = json_pack("{ssss}", "event", "sent", "user", "u1");
	CHECK_INT(attrib_event(&a, o, &e), -1);
	CHECK_INT(e.code, 65);
	json_decref(o);
	/* other events are skipped whatever they hold */
	o = json_pack("{ss}", "event", "bounce");
	CHECK_INT(attrib_event(&a, o, &e), 0);
	json_decref(o);
	/* a date-time text is a time too */
	o = json_pack("{ssssssssss}", "event", "sent", "user", "u1", "campaign", "c1", "variant", "llm",
	    "ts", "2025-11-24T16:00:00Z");
	CHECK_INT(attrib_event(&a, o, &e), 0);
	json_decref(o);
	o = json_pack("{sssIsf}", "user", "u1", "ts", (json_int_t)1764000001, "revenue", 3.0);
	CHECK_INT(attrib_order(&a, o, &p, &e), 0);
	CHECK(p != NULL);
	CHECK_INT(json_integer_value(json_object_get(p, "ts")), 1764000001);
	json_decref(p);
	json_decref(o);
	o = json_pack("{sssIss}", "user", "u1", "ts", (json_int_t)1764000001, "revenue", "lots");
	CHECK_INT(attrib_order(&a, o, &p, &e), -1);
	CHECK(strstr(e.msg, "revenue") != NULL);
	json_decref(o);
	o = json_pack("{sssf}", "user", "u1", "revenue", 1.0);
	CHECK_INT(attrib_order(&a, o, &p, &e), -1);
	CHECK(strstr(e.msg, "ts") != NULL);
	json_decref(o);
	o = json_pack("{sIsf}", "ts", (json_int_t)1, "revenue", 1.0);
	CHECK_INT(attrib_order(&a, o, &p, &e), -1);
	CHECK(p == NULL);
	json_decref(o);
	attrib_free(&a);
}

int
main(void)
{
	RUN(test_last_touch);
	RUN(test_holdout);
	RUN(test_bad_input);
	return UNIT_DONE();
}
