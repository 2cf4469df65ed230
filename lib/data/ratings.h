/* ratings.h - the sparse ratings matrix (CSR, users x items) and its container */
#ifndef RECMAIL_RATINGS_H
#define RECMAIL_RATINGS_H

#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "data/ids.h"
#include "data/matfile.h"

/*
 * Row u (a user) holds items indices[indptr[u] .. indptr[u+1]) in increasing
 * order with their values (and timestamps, when known, else ts is NULL).
 * Container tensors: indptr I64[rows+1], indices I32[nnz], values F32[nnz],
 * optional timestamps I64[nnz], user_ids.*, item_ids.*; metadata kind=ratings.
 */
struct ratings {
	int64_t rows, cols, nnz;
	int64_t *indptr;
	int32_t *indices;
	float *values;
	int64_t *ts;            /* unix seconds, or NULL */
	struct ids users, items;
	int implicit;           /* values are implicit-feedback weights, not ratings */
	struct matfile mf;      /* the container the arrays point into, when read */
	int owns_arrays;        /* arrays were malloc'd (built, not read) */
};

/* An empty matrix with no users or items. */
void ratings_init(struct ratings *r);
void ratings_free(struct ratings *r);

/*
 * Reads a ratings container and checks it: kind "ratings", the CSR structure
 * (indptr from 0 to nnz, non-decreasing; indices in range and strictly
 * increasing in each row), finite values, id tables of the right sizes.
 * Returns 0, or -1 with e set ("name: reason"; EXIT_DATA, EXIT_IO).
 */
int ratings_read(FILE *f, const char *name, struct ratings *r, struct err *e);

/* Opens path ("-" = stdin) and reads it; EXIT_NOINPUT when it cannot be opened. */
int ratings_load(const char *path, struct ratings *r, struct err *e);

/*
 * Writes r as a container. extra_meta (may be NULL) adds string metadata.
 * Returns 0 or -1 (EXIT_IO).
 */
int ratings_write(FILE *f, const struct ratings *r, const json_t *extra_meta, struct err *e);

/* Writes r atomically to path ("-" = stdout). Returns 0 or -1. */
int ratings_save(const char *path, const struct ratings *r, const json_t *extra_meta,
    struct err *e);

/* Position of (u, i) in the arrays, or -1 when the user has not rated the item. */
int64_t ratings_find(const struct ratings *r, int64_t u, int32_t i);

/* Smallest and largest value (0, 0 for an empty matrix). */
void ratings_range(const struct ratings *r, float *lo, float *hi);

#endif
