/* ids.h - a table of string ids (users, items): index <-> exact UTF-8 string, hashed lookup */
#ifndef RECMAIL_IDS_H
#define RECMAIL_IDS_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct ids {
	char *bytes;        /* the strings, each followed by a NUL */
	size_t nbytes, bcap;
	int64_t *off;       /* n+1 offsets into bytes */
	size_t n, ocap;
	uint32_t *slots;    /* open addressing: index+1, 0 = empty */
	size_t nslots;
};

void ids_init(struct ids *t);
void ids_free(struct ids *t);

/* Index of s (len bytes, no NUL inside), adding it when new. Returns the
 * index, or -1 on allocation failure or a NUL byte in s (e set, EXIT_DATA). */
int64_t ids_intern(struct ids *t, const char *s, size_t len, struct err *e);

/* Index of s, or -1 when absent. */
int64_t ids_find(const struct ids *t, const char *s, size_t len);

/* The NUL-terminated string at index i; its length in *len when not NULL. */
const char *ids_get(const struct ids *t, int64_t i, size_t *len);

/* Number of ids. */
static inline size_t ids_count(const struct ids *t) { return t->n; }

/*
 * Builds a table from the container layout: n strings as concatenated bytes
 * with n+1 offsets (no NULs). Checks the offsets and that ids are distinct and
 * valid UTF-8. Returns 0, or -1 with e set (EXIT_DATA).
 */
int ids_load(struct ids *t, const uint8_t *bytes, size_t nbytes, const int64_t *off, size_t n,
    struct err *e);

/* Writes the container layout: *bytes (concatenated, no NULs) and *off (n+1).
 * Both newly allocated. Returns 0 or -1. */
int ids_export(const struct ids *t, uint8_t **bytes, size_t *nbytes, int64_t **off, struct err *e);

/* Makes t a copy of src. Returns 0 or -1. */
int ids_copy(struct ids *t, const struct ids *src, struct err *e);

/* True when both tables hold the same strings in the same order. */
int ids_equal(const struct ids *a, const struct ids *b);

/* 1 when s[0..len) is valid UTF-8, else 0. */
int utf8_valid(const char *s, size_t len);



/* --- the id tables inside a container (tensors "<prefix>.offsets" I64, "<prefix>.bytes" U8) --- */
struct matfile;

/* The exported arrays of a table added to a container; freed by ids_blob_free after the write. */
struct ids_blob {
	uint8_t *bytes;
	int64_t *off;
	size_t nbytes;
};

/* Adds t to m as two tensors named prefix.offsets and prefix.bytes. Returns 0 or -1. */
int ids_add_to(const struct ids *t, struct matfile *m, const char *prefix, struct ids_blob *keep,
    struct err *e);
void ids_blob_free(struct ids_blob *keep);

/* Loads the table stored under prefix in m; it must hold exactly n ids
 * (n < 0: any number). Returns 0, or -1 with e set (EXIT_DATA). */
int ids_read_from(struct ids *t, const struct matfile *m, const char *prefix, int64_t n,
    struct err *e);
#endif
