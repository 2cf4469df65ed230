/* exclude.c - reading exclusion lists and mapping them onto an item table */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "recommend/exclude.h"
#include "base/exitcode.h"
#include "base/ndjson.h"

void
exclude_init(struct exclude *x)
{
	memset(x, 0, sizeof *x);
	ids_init(&x->items);
	ids_init(&x->users);
}

void
exclude_free(struct exclude *x)
{
	ids_free(&x->items);
	ids_free(&x->users);
	free(x->pair_user);
	free(x->pair_item);
	free(x->all);
	free(x->indptr);
	free(x->map_items);
	free(x->map_all);
	memset(x, 0, sizeof *x);
}

static int
add_line(struct exclude *x, const json_t *o, struct err *e)
{
	json_t *iv = json_object_get(o, "item"), *uv = json_object_get(o, "user");
	int64_t ii, ui;

	if (iv == NULL || json_is_null(iv))
		return err_set(e, EXIT_DATA, "missing \"item\"");
	if (!json_is_string(iv))
		return err_set(e, EXIT_DATA, "\"item\" must be a string");
	if (uv != NULL && !json_is_null(uv) && !json_is_string(uv))
		return err_set(e, EXIT_DATA, "\"user\" must be a string");
	if ((ii = ids_intern(&x->items, json_string_value(iv), json_string_length(iv), e)) < 0)
		return -1;
	if (uv == NULL || json_is_null(uv)) {
		if (x->nall == x->allcap) {
			size_t ncap = x->allcap ? x->allcap * 2 : 64;
			int32_t *na = realloc(x->all, ncap * sizeof *na);

			if (na == NULL)
				return err_nomem(e);
			x->all = na;
			x->allcap = ncap;
		}
		x->all[x->nall++] = (int32_t)ii;
		return 0;
	}
	if ((ui = ids_intern(&x->users, json_string_value(uv), json_string_length(uv), e)) < 0)
		return -1;
	if (x->npairs == x->paircap) {
		size_t ncap = x->paircap ? x->paircap * 2 : 256;
		int32_t *nu = realloc(x->pair_user, ncap * sizeof *nu), *ni;

		if (nu == NULL)
			return err_nomem(e);
		x->pair_user = nu;
		if ((ni = realloc(x->pair_item, ncap * sizeof *ni)) == NULL)
			return err_nomem(e);
		x->pair_item = ni;
		x->paircap = ncap;
	}
	x->pair_user[x->npairs] = (int32_t)ui;
	x->pair_item[x->npairs] = (int32_t)ii;
	x->npairs++;
	return 0;
}

/* add_line with the signature ndjson_read wants */
static int
add_record(void *arg, const json_t *o, struct err *e)
{
	return add_line(arg, o, e);
}

int
exclude_read(struct exclude *x, FILE *f, const char *name, struct err *e)
{
	return ndjson_read(f, name, add_record, x, e);
}

int
exclude_load(struct exclude *x, const char *path, struct err *e)
{
	return ndjson_read_file(path, add_record, x, e);
}

int
exclude_map(struct exclude *x, const struct ids *items, struct err *e)
{
	size_t nu = ids_count(&x->users), ni = ids_count(&x->items);
	int32_t *to = malloc((ni + 1) * sizeof *to);
	int64_t *fill = NULL;

	free(x->indptr);
	free(x->map_items);
	free(x->map_all);
	x->indptr = calloc(nu + 2, sizeof *x->indptr);
	x->map_items = malloc((x->npairs + 1) * sizeof *x->map_items);
	x->map_all = malloc((x->nall + 1) * sizeof *x->map_all);
	fill = malloc((nu + 1) * sizeof *fill);
	if (to == NULL || x->indptr == NULL || x->map_items == NULL || x->map_all == NULL ||
	    fill == NULL) {
		free(to);
		free(fill);
		return err_nomem(e);
	}
	for (size_t i = 0; i < ni; i++) {
		size_t len;
		const char *s = ids_get(&x->items, (int64_t)i, &len);

		to[i] = (int32_t)ids_find(items, s, len);
	}
	x->nmap_all = 0;
	for (size_t k = 0; k < x->nall; k++)
		if (to[x->all[k]] >= 0)
			x->map_all[x->nmap_all++] = to[x->all[k]];
	/* Counting sort of the pairs by user into CSR form. */
	for (size_t k = 0; k < x->npairs; k++)
		if (to[x->pair_item[k]] >= 0)
			x->indptr[x->pair_user[k] + 1]++;
	for (size_t u = 0; u < nu; u++)
		x->indptr[u + 1] += x->indptr[u];
	memcpy(fill, x->indptr, nu * sizeof *fill);
	for (size_t k = 0; k < x->npairs; k++)
		if (to[x->pair_item[k]] >= 0)
			x->map_items[fill[x->pair_user[k]]++] = to[x->pair_item[k]];
	free(to);
	free(fill);
	return 0;
}

size_t
exclude_user(const struct exclude *x, const char *user, size_t len, const int32_t **items)
{
	int64_t u;

	*items = NULL;
	if (x->indptr == NULL || (u = ids_find(&x->users, user, len)) < 0)
		return 0;
	*items = x->map_items + x->indptr[u];
	return (size_t)(x->indptr[u + 1] - x->indptr[u]);
}

size_t
exclude_all(const struct exclude *x, const int32_t **items)
{
	*items = x->map_all;
	return x->map_all ? x->nmap_all : 0;
}
