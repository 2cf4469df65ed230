/* strpool.h - many small strings copied into large blocks that never move, freed all at once */
#ifndef RECMAIL_STRPOOL_H
#define RECMAIL_STRPOOL_H

#include <stddef.h>

/*
 * The tables read from NDJSON (the catalog, the customers) keep every string
 * here: one malloc per 64 KB block instead of one per string, and a pointer
 * handed out stays valid until strpool_free (blocks are never reallocated).
 */
struct strpool {
	struct strpool_block *head;
	char *next;             /* free space in head */
	size_t left;
};

/* Makes p an empty pool that owns no memory. Cannot fail. */
void strpool_init(struct strpool *p);

/* Frees every string of p and leaves it as strpool_init does. */
void strpool_free(struct strpool *p);

/* A NUL-terminated copy of s[0..n) kept in p, or NULL without memory. */
const char *strpool_addn(struct strpool *p, const char *s, size_t n);

#endif
