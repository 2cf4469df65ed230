/* history.h - users' past interactions (a ratings container) mapped by id onto another item table */
#ifndef RECMAIL_HISTORY_H
#define RECMAIL_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "data/ids.h"
#include "data/ratings.h"

/*
 * The --seen matrix of a recommender. Its ids are matched to the
 * recommender's tables by string, so the two need not share an order; items
 * the target table lacks are ignored (they cannot be recommended).
 */
struct history {
	struct ratings r;
	const char *name;       /* the path, for messages */
	int32_t *item_to;       /* column of r -> index in the target item table, or -1 */
	int identity;           /* r's item table equals the target's */
	size_t items_shared, users_shared;
};

void history_init(struct history *h);
void history_free(struct history *h);

/* Reads the ratings container at path. Returns 0, or -1 with e set (EXIT_NOINPUT, EXIT_DATA). */
int history_load(struct history *h, const char *path, struct err *e);

/*
 * Maps the history onto a target item table (and checks users against a
 * target user table, which may be NULL). Incompatible tables are an error
 * (EXIT_DATA, "seen.st: no item in common with model.st"): no item in
 * common, or no user in common when both user tables are non-empty.
 * target names the target in messages. Returns 0 or -1.
 */
int history_map(struct history *h, const struct ids *users, const struct ids *items,
    const char *target, struct err *e);

/* The row of user (len bytes), or -1 when the history does not know the user. */
int64_t history_row(const struct history *h, const char *user, size_t len);

/* Number of entries of row (before mapping). */
size_t history_len(const struct history *h, int64_t row);

/* Writes the row's items that the target table has into out (room for
 * history_len entries) and returns how many. */
size_t history_items(const struct history *h, int64_t row, int32_t *out);

#endif
