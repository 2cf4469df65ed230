/* exclude.h - exclusion lists (docs/FORMATS.md 2.9): items never to recommend, to one user or to all */
#ifndef RECMAIL_EXCLUDE_H
#define RECMAIL_EXCLUDE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "data/ids.h"

/*
 * {"user":"c1","item":"sku3"} excludes sku3 for c1; {"item":"sku3"} for
 * everyone. After exclude_map, the lists are indices into one item table
 * (a model's or a ratings matrix's); items that table lacks are dropped,
 * since they cannot be recommended anyway.
 */
struct exclude {
	struct ids items;               /* every item named */
	struct ids users;               /* every user with a pair */
	int32_t *pair_user, *pair_item; /* pairs, by index into users and items */
	size_t npairs, paircap;
	int32_t *all;                   /* items excluded for everyone (index into items) */
	size_t nall, allcap;
	/* after exclude_map: */
	int64_t *indptr;                /* per user: map_items[indptr[u] .. indptr[u+1]) */
	int32_t *map_items;
	int32_t *map_all;
	size_t nmap_all;
};

void exclude_init(struct exclude *x);
void exclude_free(struct exclude *x);

/*
 * Reads exclusion lines from f (name for messages): objects with a string
 * "item" and an optional string "user"; other fields are ignored. Returns 0,
 * or -1 with e set ("name:N: reason", EXIT_DATA; EXIT_IO).
 */
int exclude_read(struct exclude *x, FILE *f, const char *name, struct err *e);

/* Opens path and reads it; EXIT_NOINPUT when it cannot be opened. */
int exclude_load(struct exclude *x, const char *path, struct err *e);

/* Maps the lists onto the item table items. Returns 0, or -1 (EXIT_OSERR). */
int exclude_map(struct exclude *x, const struct ids *items, struct err *e);

/* The mapped items excluded for user (len bytes); their number is returned. */
size_t exclude_user(const struct exclude *x, const char *user, size_t len, const int32_t **items);

/* The mapped items excluded for everyone; their number is returned. */
size_t exclude_all(const struct exclude *x, const int32_t **items);

#endif
