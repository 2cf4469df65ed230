/* abtally.h - who got which arm of a campaign and what each recipient did, from campaign events */
#ifndef RECMAIL_ABTALLY_H
#define RECMAIL_ABTALLY_H

/* Largest revenue of one purchase, either sign: bigger is an input error (a sum of
 * absurd values would reach inf). */
#define ABTALLY_REVENUE_MAX 1e12

#include <jansson.h>
#include <stdint.h>

#include "measure/ab.h"
#include "base/err.h"
#include "data/ids.h"

enum abtally_event {
	ABT_SENT, ABT_DELIVERED, ABT_OPEN, ABT_CLICK, ABT_PURCHASE, ABT_UNSUB, ABT_BOUNCE, ABT_COMPLAINT,
	ABT_NEVENTS
};

struct abtally_user {
	int32_t arm;            /* arm of the user's first "sent" event, or -1 */
	int32_t assigned;       /* arm in the assignment log, or -1 */
	uint32_t seen;          /* bit (1 << abtally_event) per kind of event */
	int64_t events;         /* events other than "sent" (for the orphan count) */
	double revenue;         /* sum of the user's purchases */
	const char *file;       /* where the user's first event was, for messages */
	long line;
};

/* Arms whose assignment weights are kept (more arms: no weights from the assignments). */
#define ABTALLY_MAX_WEIGHTS 64

struct abtally {
	char *campaign;         /* the campaign reported on; NULL until an event names one */
	int campaign_fixed;     /* given by the caller: events of other campaigns are skipped */
	struct ids users;
	struct abtally_user *u;
	size_t ucap;
	struct ids arms;        /* configured arms first (in order), then arms as first seen */
	int arms_fixed;         /* arms were configured: no others are accepted */
	struct ids purchases;   /* "user\x1fitem\x1fts" of each purchase, to count duplicates once */
	int64_t other_campaign; /* events skipped as belonging to another campaign */
	int64_t dup_purchases;  /* exact duplicate purchases (same user, item, ts) not counted */
	int64_t conflicts;      /* "sent" events naming another arm than the user's first one */
	int have_assignments;
	int64_t ts_count, ts_first, ts_last;    /* counted events with a "ts", and their span */
	/* the weights the assignment log says each arm was drawn with (abassign --adapt writes
	 * "variant_weight"); weights_known when every assignment line carried one */
	double arm_weight[ABTALLY_MAX_WEIGHTS];
	int64_t weighted_lines;
	int weights_known;
	int human_opens;        /* opens flagged "machine":true (trackd) are not counted */
	int64_t machine_opens;  /* ... and this many were left out */
	/* the writer of each arm's emails (the "writer" of its "sent" events): per arm id, the
	 * writer's id in writers, -1 none seen yet, -2 several; writer_unknown: some had none */
	struct ids writers;
	int32_t *arm_writer;
	unsigned char *writer_unknown;
	size_t wcap;
};

/* Per-arm counts; "users with at least one event" for delivered ... conversions. */
struct abtally_arm {
	const char *name;
	int64_t recipients;     /* users with a "sent" event in the arm (assigned users for the holdout) */
	int64_t assigned;       /* users in the assignment log, or -1 without one */
	int64_t delivered, opens, clicks, conversions;
	int64_t unsubscribes, bounces, complaints;     /* the safety metrics: users with one */
	double revenue, revenue_sq; /* sum and sum of squares of revenue per recipient */
	const char *writer;     /* what wrote every email of the arm ("template", a model), or
	                         * NULL: several writers, or a "sent" event without one */
};

struct abtally_result {
	int narms;
	struct abtally_arm *arm;
	int64_t orphan_events;  /* events of users who are recipients of no arm */
	int64_t orphan_users;
	const char *orphan_user, *orphan_file;  /* the first orphan, for the message */
	long orphan_line;
	int64_t holdout_sent;   /* users assigned to the holdout who were sent an email anyway */
	int64_t moved;          /* users sent in another arm than the assignment log says */
};

/*
 * Starts a tally. campaign (may be NULL: taken from the first event, and events of
 * a second campaign are then an error) and arms (may be NULL: arms are the
 * variants seen) are copied. Returns 0 or -1 (out of memory).
 */
int abtally_init(struct abtally *t, const char *campaign, const struct ab_arms *arms,
    struct err *e);
void abtally_free(struct abtally *t);

/*
 * Adds one event (docs/FORMATS.md 2.7) read at name:line (name must outlive t).
 * Returns 0 when counted or skipped as another campaign's; -1 with e set:
 * EXIT_DATA for a bad record (the caller reports it and may go on),
 * EXIT_USAGE when events of two campaigns meet without a fixed campaign, or
 * EXIT_OSERR (both final).
 */
int abtally_event(struct abtally *t, const json_t *ev, const char *name, long line,
    struct err *e);

/*
 * Adds one line of an assignment log ({"user","campaign","variant"}, the
 * --assignments output of abassign). Returns as abtally_event.
 */
int abtally_assignment(struct abtally *t, const json_t *rec, const char *name, long line,
    struct err *e);

/*
 * Counts recipients and what they did per arm. A user is a recipient of the
 * arm of their first "sent" event; users assigned to the holdout arm
 * (AB_HOLDOUT) without one are its recipients. Every other event of a user
 * who is no recipient is an orphan. Returns 0, or -1 (out of memory);
 * free r with abtally_result_free.
 */
int abtally_finish(const struct abtally *t, struct abtally_result *r, struct err *e);
void abtally_result_free(struct abtally_result *r);

/* "sent", "open", ... for an event kind. */
const char *abtally_event_name(enum abtally_event ev);

#endif
