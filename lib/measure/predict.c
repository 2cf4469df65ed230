/* predict.c - model predictions by id string, with the bias fallback for unknown users and items */
#include <stdlib.h>
#include <string.h>

#include "measure/predict.h"

float
predict_rating(const struct model *m, int64_t u, int64_t i, int clip)
{
	float r;

	if (u >= 0 && i >= 0)
		return model_predict(m, u, i, clip);
	r = m->global_mean;
	if (u >= 0)
		r += m->user_bias[u];
	if (i >= 0)
		r += m->item_bias[i];
	if (clip && m->rating_max > m->rating_min) {
		if (r < m->rating_min)
			r = m->rating_min;
		if (r > m->rating_max)
			r = m->rating_max;
	}
	return r;
}

static int64_t *
map_table(const struct ids *from, const struct ids *to, int64_t *known)
{
	size_t n = ids_count(from);
	int64_t *map = malloc((n > 0 ? n : 1) * sizeof *map);

	*known = 0;
	if (map == NULL)
		return NULL;
	for (size_t j = 0; j < n; j++) {
		size_t len;
		const char *s = ids_get(from, (int64_t)j, &len);

		map[j] = ids_find(to, s, len);
		*known += map[j] >= 0;
	}
	return map;
}

int
predict_map_init(struct predict_map *pm, const struct model *m, const struct ids *users,
    const struct ids *items, struct err *e)
{
	memset(pm, 0, sizeof *pm);
	pm->nusers = (int64_t)ids_count(users);
	pm->nitems = (int64_t)ids_count(items);
	pm->user = map_table(users, &m->user_ids, &pm->known_users);
	pm->item = map_table(items, &m->item_ids, &pm->known_items);
	if (pm->user == NULL || pm->item == NULL) {
		predict_map_free(pm);
		return err_nomem(e);
	}
	return 0;
}

void
predict_map_free(struct predict_map *pm)
{
	free(pm->user);
	free(pm->item);
	memset(pm, 0, sizeof *pm);
}
