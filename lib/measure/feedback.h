/* feedback.h - campaign events turned into interactions for the next training run */
#ifndef RECMAIL_FEEDBACK_H
#define RECMAIL_FEEDBACK_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "data/ids.h"

struct feedback {
	const char *campaign;   /* keep only this campaign's events, or NULL for all */
	uint32_t keep;          /* bit per event kind (feedback_kind) written as interactions */
	const char *open_as;    /* with recs: an open becomes this event on every recommended item */
	struct ids rec_users;   /* recs: user -> index into rec_items */
	json_t *rec_items;      /* array (per user) of arrays of item strings */
	struct ids seen;        /* "user\x1fitem\x1fevent\x1fts" written, to drop repeats */
	int64_t written, other_campaign, not_kept, no_item, duplicates;
};

/*
 * Starts a converter that keeps the event kinds listed in keep ("click,purchase":
 * any of sent, delivered, open, click, purchase). Returns 0, or -1 with e set
 * (EXIT_USAGE for an unknown kind).
 */
int feedback_init(struct feedback *fb, const char *keep, const char *campaign, struct err *e);
void feedback_free(struct feedback *fb);

/*
 * Reads recommendation lines (docs/FORMATS.md 2.4) from f so that an open of
 * the email becomes an open_as interaction ("view") with each item the user
 * was shown. Returns 0, or -1 with e set ("name:N: reason", EXIT_DATA).
 */
int feedback_load_recs(struct feedback *fb, FILE *f, const char *name, const char *open_as,
    struct err *e);

/*
 * Converts one event (FORMATS 2.7) read at name:line, writing zero or more
 * interaction lines {"user","item","event","qty","ts"} (FORMATS 2.1) to out.
 * Returns 0 (written or counted as skipped), or -1 with e set: EXIT_DATA for a
 * bad event (the caller reports it and goes on), EXIT_IO or EXIT_OSERR (final).
 */
int feedback_event(struct feedback *fb, const json_t *ev, const char *name, long line, FILE *out,
    struct err *e);

#endif
