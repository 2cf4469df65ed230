/* matview.h - a matrix container read by the reader of its kind, shown as text, JSON, NDJSON, Matrix Market */
#ifndef RECMAIL_MATVIEW_H
#define RECMAIL_MATVIEW_H

#include <stdio.h>

#include "base/err.h"
#include "data/matfile.h"
#include "data/model.h"
#include "data/ratings.h"

/* A container read and checked by the reader of its kind. */
struct matview {
	const char *name;
	const char *kind;
	size_t file_bytes, header_bytes;
	struct matfile *mf;     /* points into r.mf, m.mf or own */
	struct matfile own;
	char *buf;              /* the bytes read (the readers copy what they keep) */
	struct ratings r;
	struct model m;
	int is_ratings, is_model;
};

/*
 * Reads all of f (named name in messages) and checks it with the container reader, then with the
 * reader of its kind (ratings, model) when there is one. want_kind (may be NULL): the kind it
 * must be. Returns 0, or -1 with e set (EXIT_DATA: not a container, no kind, another kind, a
 * reader's check; EXIT_IO, EXIT_OSERR); matview_free it either way.
 */
int matview_load(struct matview *v, FILE *f, const char *name, const char *want_kind,
    struct err *e);
void matview_free(struct matview *v);

/* The header, tensors and metadata as text (docs/matinfo.md); errors show when out is closed. */
void matview_text(const struct matview *v, FILE *out);

/* The same as one JSON object. Returns 0, or -1 with e set (EXIT_IO). */
int matview_json(const struct matview *v, FILE *out, struct err *e);

/* The contents as NDJSON: a line per ratings row; per model user and item; else per tensor row.
 * Returns 0, or -1 with e set (EXIT_IO). */
int matview_dump(const struct matview *v, FILE *out, struct err *e);

/* Matrix Market: a ratings matrix as coordinates (tensor NULL), else the named (or the first 2-D
 * float) tensor as an array. Returns 0, or -1 with e set (EXIT_USAGE: no such tensor, EXIT_IO). */
int matview_mtx(const struct matview *v, const char *tensor, FILE *out, struct err *e);

#endif
