/* blend.h - weighted blending of several recommendation streams (FORMATS 2.4 lines) by user */
#ifndef RECMAIL_BLEND_H
#define RECMAIL_BLEND_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "base/err.h"
#include "data/ids.h"

enum blend_method {
	BLEND_RRF,              /* w / (rrf_k + rank) */
	BLEND_SCORE,            /* w * (score - min) / (max - min) within the line; 1 when all equal */
};

struct blend_opts {
	int n;                  /* recommendations per user (>= 1) */
	enum blend_method method;
	double rrf_k;           /* >= 0 */
};

/* One input stream: its name (for weights), its weight, and for streams after the first, every
 * line's text by user. */
struct blend_stream {
	const char *name;
	double weight;
	char **line;            /* by index into blend.users; NULL where the stream lacks the user */
	size_t cap;
};

/*
 * The first stream is read line by line; the others are held in memory as
 * text, keyed by user, so that memory is about the size of the other inputs
 * and no input need be sorted.
 */
struct blend {
	struct blend_opts o;
	struct blend_stream *s;
	size_t ns;
	struct ids users;       /* the users of streams 2..ns, in order of first appearance */
	unsigned char *done;    /* by user: already written */
	size_t donecap;
	struct ids first;       /* users of stream 1 (duplicates are errors) */
	FILE *out;
	size_t written, empty;
};

/* Prepares a blend of ns streams (names and weights copied by reference). Returns 0 or -1. */
int blend_init(struct blend *b, const struct blend_opts *o, const char *const *names,
    const double *weights, size_t ns, FILE *out, struct err *e);
void blend_free(struct blend *b);

/*
 * Reads stream k (k >= 1) from f (name for messages) into memory. Every line
 * must conform to the contract (recs_check) and name a user at most once.
 * Returns 0, or -1 with e set ("name:N: reason", EXIT_DATA; EXIT_IO; EXIT_OSERR).
 */
int blend_load(struct blend *b, size_t k, FILE *f, const char *name, struct err *e);

/*
 * Reads stream 0 from f and writes one blended line per user, in its order,
 * then one line for every user that only the other streams have, in their
 * order. Returns 0, or -1 with e set as for blend_load (lines before a bad one
 * are written).
 */
int blend_run(struct blend *b, FILE *f, const char *name, struct err *e);

#endif
