/* attrib.h - purchase attribution: an order is a conversion of the campaign and arm that last reached the customer */
#ifndef RECMAIL_ATTRIB_H
#define RECMAIL_ATTRIB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "data/ids.h"

enum attrib_kind { ATTRIB_DELIVERY, ATTRIB_CLICK, ATTRIB_HOLDOUT };

struct attrib_touch {
	int64_t ts;
	int kind;               /* enum attrib_kind */
	uint32_t campaign, variant;   /* indexes into names */
};

struct attrib {
	struct ids users, names;
	struct attrib_touch **t;    /* t[u]: the user's touches */
	size_t *n, *cap, ucap;
	int64_t delivery_window, click_window;   /* seconds */
	/* holdout users are touched when their campaign was first sent: */
	struct ids campaigns;       /* campaign -> index c */
	int64_t *first_sent;        /* first_sent[c], INT64_MAX while none */
	size_t ccap;
	int64_t attributed, unattributed;
};

void attrib_init(struct attrib *a, int64_t delivery_window, int64_t click_window);
void attrib_free(struct attrib *a);

/*
 * Adds an event (FORMATS 2.7): "sent" and "click" are touches; others are
 * skipped. Returns 0, or -1 with e set (EXIT_DATA: a sent or click without
 * user, campaign, variant or ts).
 */
int attrib_event(struct attrib *a, const json_t *ev, struct err *e);

/* Adds an assignment line ({"user","campaign","variant"}); only the holdout's count. */
int attrib_assignment(struct attrib *a, const json_t *rec, struct err *e);

/*
 * Labels one order ({"user","ts","revenue",...}) as the purchase event of the
 * last touch within its window before it: *out is a new object (the order's
 * fields, then event, campaign, variant, touch, ts in unix seconds), or NULL when no touch is
 * within the window. Returns 0, or -1 with e set (EXIT_DATA for a bad order).
 */
int attrib_order(struct attrib *a, const json_t *order, json_t **out, struct err *e);

#endif
