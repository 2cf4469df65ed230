/* cache.h - a directory of responses keyed by SHA-256, written atomically (llmcall --cache) */
#ifndef RECMAIL_CACHE_H
#define RECMAIL_CACHE_H

#include <stddef.h>

#include "base/err.h"

#define CACHE_KEY_LEN 64   /* hex digits of a SHA-256 */

struct cache {
	char *dir;
};

/* Opens (creating when absent, with its parents) the cache directory. Returns
 * 0, or -1 with e set (EXIT_CANTCREAT). */
int cache_open(struct cache *c, const char *dir, struct err *e);

/*
 * The key of n byte strings: hex SHA-256 (libcrypto EVP) over each part
 * preceded by its length, so that ("ab","c") and ("a","bc") differ. key
 * receives CACHE_KEY_LEN digits and a NUL. Returns 0, or -1 with e set
 * (EXIT_SOFTWARE) when libcrypto fails.
 */
int cache_key(const char *const *parts, const size_t *lens, size_t n, char key[CACHE_KEY_LEN + 1],
    struct err *e);

/* Reads the entry for key into *data (NUL-terminated, free() it) and *len.
 * Returns 1 when found, 0 when absent, -1 with e set on a read error. */
int cache_get(const struct cache *c, const char *key, char **data, size_t *len, struct err *e);

/* Stores data under key: written to a temporary file in the same directory and
 * renamed, so readers see the old entry or the whole new one. Returns 0, or -1
 * with e set (EXIT_IO). */
int cache_put(const struct cache *c, const char *key, const char *data, size_t len, struct err *e);

void cache_close(struct cache *c);

#endif
