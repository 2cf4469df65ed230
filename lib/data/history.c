/* history.c - a ratings container used as users' history, matched by id to a model or item table */
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "data/history.h"

void
history_init(struct history *h)
{
	memset(h, 0, sizeof *h);
	ratings_init(&h->r);
}

void
history_free(struct history *h)
{
	ratings_free(&h->r);
	free(h->item_to);
	memset(h, 0, sizeof *h);
}

int
history_load(struct history *h, const char *path, struct err *e)
{
	h->name = path ? path : "-";
	return ratings_load(path, &h->r, e);
}

int
history_map(struct history *h, const struct ids *users, const struct ids *items,
    const char *target, struct err *e)
{
	int64_t cols = h->r.cols;

	free(h->item_to);
	h->item_to = malloc(((size_t)cols + 1) * sizeof *h->item_to);
	if (h->item_to == NULL)
		return err_nomem(e);
	h->identity = ids_equal(&h->r.items, items);
	h->items_shared = 0;
	for (int64_t j = 0; j < cols; j++) {
		size_t len;
		const char *s = ids_get(&h->r.items, j, &len);

		h->item_to[j] = h->identity ? (int32_t)j : (int32_t)ids_find(items, s, len);
		h->items_shared += h->item_to[j] >= 0;
	}
	if (h->items_shared == 0 && cols > 0 && ids_count(items) > 0)
		return err_set(e, EXIT_DATA, "%s: no item in common with %s (different id tables?)",
		    h->name, target);
	h->users_shared = 0;
	if (users != NULL && ids_count(users) > 0 && h->r.rows > 0) {
		for (int64_t u = 0; u < h->r.rows; u++) {
			size_t len;
			const char *s = ids_get(&h->r.users, u, &len);

			h->users_shared += ids_find(users, s, len) >= 0;
		}
		if (h->users_shared == 0)
			return err_set(e, EXIT_DATA,
			    "%s: no user in common with %s (different id tables?)", h->name, target);
	}
	return 0;
}

int64_t
history_row(const struct history *h, const char *user, size_t len)
{
	return ids_find(&h->r.users, user, len);
}

size_t
history_len(const struct history *h, int64_t row)
{
	return row < 0 ? 0 : (size_t)(h->r.indptr[row + 1] - h->r.indptr[row]);
}

size_t
history_items(const struct history *h, int64_t row, int32_t *out)
{
	size_t n = 0;

	if (row < 0)
		return 0;
	for (int64_t k = h->r.indptr[row]; k < h->r.indptr[row + 1]; k++) {
		int32_t t = h->item_to[h->r.indices[k]];

		if (t >= 0)
			out[n++] = t;
	}
	return n;
}
