/* matfile.h - the matrix container: safetensors layout (header length, JSON header, raw LE data) */
#ifndef RECMAIL_MATFILE_H
#define RECMAIL_MATFILE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"

#define MATFILE_MAX_DIMS 4
#define MATFILE_MAX_HEADER (100 * 1000 * 1000)

enum mat_dtype { MAT_F32, MAT_F64, MAT_I32, MAT_I64, MAT_U8, MAT_NDTYPES };

struct mat_tensor {
	char *name;
	enum mat_dtype dtype;
	int ndim;
	int64_t shape[MATFILE_MAX_DIMS];
	int64_t count;          /* product of shape */
	size_t nbytes;
	const void *data;       /* points into the file buffer, or to the caller's array */
};

struct matfile {
	json_t *meta;           /* "__metadata__": an object of string values */
	struct mat_tensor *t;
	size_t n, cap;
	void *buf;              /* the data area, when read from a file */
	size_t buflen;
	void *map;              /* the whole file when it was mapped (a regular file), else NULL */
	size_t maplen;
};

/* Empty container. Returns 0, or -1 on allocation failure. */
int matfile_init(struct matfile *m, struct err *e);
void matfile_free(struct matfile *m);

/* Adds a tensor that points at data (not copied: it must live until the write).
 * Returns 0, or -1 (duplicate name, bad shape, no memory). */
int matfile_add(struct matfile *m, const char *name, enum mat_dtype dt, int ndim,
    const int64_t *shape, const void *data, struct err *e);

/* Sets a metadata string; printf-style value. Returns 0 or -1 on allocation failure. */
int matfile_set_meta(struct matfile *m, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A metadata string, or NULL when absent. */
const char *matfile_meta(const struct matfile *m, const char *key);

/*
 * Cross-checks a count the metadata states (e.g. "factors") against the one the
 * tensors hold: an absent key agrees (older writers); a present one must be
 * that decimal number. Returns 0, or -1 with e set (EXIT_DATA: metadata "KEY"
 * is V but the tensors hold N).
 */
int matfile_meta_agrees(const struct matfile *m, const char *key, int64_t actual, struct err *e);

/*
 * Writes the container to f: 8-byte LE header length, the JSON header padded
 * with spaces to a multiple of 8, then the tensors, largest element size first
 * so that every tensor is naturally aligned. Returns 0, or -1 (EXIT_IO).
 */
int matfile_write(FILE *f, const struct matfile *m, struct err *e);

/*
 * Reads a whole container from f (a file or a pipe; name for messages).
 * Rejects, with "name: reason" (EXIT_DATA): a truncated file, a header length
 * out of range, invalid JSON, unknown or unsupported dtypes, shapes that do not
 * match the offsets, offsets out of range, overlapping or leaving holes, and
 * bytes after the data. Returns 0, or -1 with e set.
 */
int matfile_read(FILE *f, const char *name, struct matfile *m, struct err *e);

/* The tensor called name, or NULL. */
const struct mat_tensor *matfile_find(const struct matfile *m, const char *name);

/*
 * The tensor called name, checked to have dtype dt and ndim dimensions
 * (ndim < 0: any); NULL with "missing tensor 'x'" or "tensor 'x' is I32, expected F32"
 * in e (EXIT_DATA) otherwise.
 */
const struct mat_tensor *matfile_expect(const struct matfile *m, const char *name,
    enum mat_dtype dt, int ndim, struct err *e);

/* "F32", "I64", ... */
const char *mat_dtype_name(enum mat_dtype dt);
size_t mat_dtype_size(enum mat_dtype dt);

#endif
