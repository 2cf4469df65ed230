/* predict.h - a factor model's ratings for ids of other tables, with a fallback for unknown ids */
#ifndef RECMAIL_PREDICT_H
#define RECMAIL_PREDICT_H

#include <stdint.h>

#include "base/err.h"
#include "data/ids.h"
#include "data/model.h"

/*
 * The rating predicted for model user u and model item i, where -1 means the
 * id is unknown to the model. Known pairs get model_predict(); otherwise the
 * fallback is global_mean plus the bias of whichever id is known (no factor
 * term). Clipped to [rating_min, rating_max] when clip is set and the range is
 * not empty. Never fails.
 */
float predict_rating(const struct model *m, int64_t u, int64_t i, int clip);

/* The rows of another id table (a test set's) as model indices, -1 where unknown. */
struct predict_map {
	int64_t *user, *item;
	int64_t nusers, nitems;
	int64_t known_users, known_items;
};

/*
 * Maps each id of users and items to the model's index of the same string.
 * Returns 0, or -1 with e set (EXIT_OSERR).
 */
int predict_map_init(struct predict_map *pm, const struct model *m, const struct ids *users,
    const struct ids *items, struct err *e);
void predict_map_free(struct predict_map *pm);

#endif
