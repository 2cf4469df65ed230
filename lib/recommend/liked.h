/* liked.h - which of a customer's past items a reason may name, and what the customer did with it */
#ifndef RECMAIL_LIKED_H
#define RECMAIL_LIKED_H

#include <stddef.h>
#include <stdint.h>

#include "data/history.h"
#include "recommend/recs.h"

/*
 * Explicit ratings: an item is liked when its rating is at least
 * LIKED_DEFAULT_MIN and not below the user's own mean rating (docs/topk.md
 * gives the measurement behind the 4). Implicit weights: every item of the
 * history counts (the history holds the event kind the reasons name, such as
 * the campaign's purchases-only seen.st) unless a threshold is given. A
 * threshold of 0 turns the rule off (every item, the mean ignored).
 */
#define LIKED_DEFAULT_MIN 4.0

/* What the options asked for: min < 0 and action RECS_ACT_NONE mean the defaults. */
struct liked_opts {
	double min;
	enum recs_action action;
};

/* The rule for one source of history (explicit or implicit values). */
struct liked {
	double min;             /* a value below it is never named */
	int relative;           /* and none below the user's own mean (explicit data) */
	enum recs_action action;
};

/* The help lines of the two options, one wording for topk and itemknn. */
#define LIKED_USAGE \
"      --like-threshold R    a reason names only a history item valued at least R\n" \
"                            (default: ratings 4 and not below the user's mean;\n" \
"                            implicit weights: every item; 0: every item)\n" \
"      --history-action A    what reasons say the user did with it: bought, carted,\n" \
"                            viewed, clicked, rated (default: rated for ratings,\n" \
"                            bought for implicit weights)\n"

/* Which of the two options liked_option takes. */
enum liked_option { LIKED_O_THRESHOLD, LIKED_O_ACTION };

/*
 * Takes --like-threshold or --history-action (which) with its argument into
 * o. Returns -1 to go on, or EXIT_USAGE after a message on stderr.
 */
int liked_option(struct liked_opts *o, enum liked_option which, const char *arg);

/* Sets o to the defaults. Cannot fail. */
void liked_opts_init(struct liked_opts *o);

/* The rule o gives for values that are implicit weights or (implicit == 0) ratings. */
struct liked liked_rule(const struct liked_opts *o, int implicit);

/*
 * Parses an action name (bought, carted, viewed, clicked, rated) into *a.
 * Returns 0, or -1 for an unknown name.
 */
int liked_parse_action(const char *s, enum recs_action *a);

/* The mean of v[0..n), 0 when n is 0. */
double liked_mean(const float *v, size_t n);

/* 1 when a value v of a user whose values average mean may be named by a reason. */
static inline int
liked_is(const struct liked *l, float v, double mean)
{
	return v >= l->min && (!l->relative || v >= mean);
}

/*
 * Writes the items of the history's row (mapped onto the target table; -1:
 * none) that l lets a reason name into out (room for history_len entries) and
 * returns how many.
 */
size_t liked_history(const struct liked *l, const struct history *h, int64_t row, int32_t *out);

#endif
