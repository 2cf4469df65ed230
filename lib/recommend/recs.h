/* recs.h - recommendation lines (docs/FORMATS.md 2.4): the one writer and checker every recommender shares */
#ifndef RECMAIL_RECS_H
#define RECMAIL_RECS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "data/ids.h"

/* The reason objects of FORMATS 2.4 (RECS_MODEL: see docs/topk.md, no history to point to). */
enum recs_reason {
	RECS_SIMILAR,           /* {"type":"similar","because":ITEM,"similarity":S} */
	RECS_POPULAR,           /* {"type":"popular"} */
	RECS_ALSO_BOUGHT,       /* {"type":"also_bought","because":ITEM} */
	RECS_NEIGHBOURS,        /* {"type":"neighbours","users":N} */
	RECS_MODEL,             /* {"type":"model"} */
	RECS_CONTENT,           /* {"type":"content","because":ITEM,"similarity":S,
	                         *  "shared":"category"|"brand"|"word","value":TEXT} */
};

/*
 * What the customer did with the item a reason names (the reason's "action";
 * RECS_ACT_NONE writes none, as lines before the field did).
 */
enum recs_action {
	RECS_ACT_NONE, RECS_BOUGHT, RECS_CARTED, RECS_VIEWED, RECS_CLICKED, RECS_RATED,
	RECS_NACTIONS,
};

/* "bought", "carted", "viewed", "clicked", "rated"; NULL for RECS_ACT_NONE. */
const char *recs_action_name(enum recs_action a);

/*
 * How much a "similar" reason's cosine supports (bench/ml100k-reasons.sh,
 * docs/topk.md): at or below the floor no similarity is claimed (topk's
 * default --min-similarity; the writers treat such a reason as none); from
 * RECS_CLOSE_MATCH on the writers may say "a close match"; in between they
 * use a weaker wording.
 */
#define RECS_SIMILAR_FLOOR 0.7
#define RECS_SIMILAR_FLOOR_TEXT "0.7"
#define RECS_CLOSE_MATCH 0.9

/* One recommendation; items are indices into the writer's item table. */
struct recs_rec {
	int32_t item;
	float score;
	enum recs_reason reason;
	int32_t because;        /* SIMILAR, ALSO_BOUGHT: an item index */
	float similarity;       /* SIMILAR: cosine, written with 4 decimals; ALSO_BOUGHT: > 0 written */
	int64_t users;          /* NEIGHBOURS */
	enum recs_action action;        /* SIMILAR, ALSO_BOUGHT: what the user did with because */
	const char *shared;     /* CONTENT: "category", "brand" or "word" */
	const char *value;      /* CONTENT: the shared category, brand or word (vlen bytes) */
	size_t vlen;
};

struct recs_writer {
	FILE *f;
	const struct ids *items;
	char **esc;             /* each item id as JSON text, made on first use */
};

/* Writes lines to f naming items from the table items. Returns 0 or -1 (EXIT_OSERR). */
int recs_writer_init(struct recs_writer *w, FILE *f, const struct ids *items, struct err *e);
void recs_writer_free(struct recs_writer *w);

/*
 * Writes {"user":USER,"recs":[...],"source":SOURCE,...} with rank 1..n in the
 * order given and the fields of carry (may be NULL) other than user, recs and
 * source appended unchanged. Scores are written with 6 significant digits.
 * Returns 0, or -1 with e set (EXIT_IO on a write error; EXIT_SOFTWARE for a
 * score that is not finite or an item out of range).
 */
int recs_write(struct recs_writer *w, const char *user, size_t ulen, const struct recs_rec *r,
    size_t n, const char *source, const json_t *carry, struct err *e);

/*
 * How a recommender reads its user lines (NDJSON, {"user":...}): a bad line
 * stops the run unless skip_bad is set; then it is reported, as NDJSON
 * {"file","line","error","input"} to bad when bad is not NULL, else through
 * warn (a message "name:N: reason"), and counted in skipped.
 */
struct recs_input {
	const char *name;
	int skip_bad;
	FILE *bad;
	void (*warn)(const char *msg);
	long skipped;
	/*
	 * Line mode (topk --stream): when answers is not NULL, each line is answered as
	 * soon as it is read (flush after every line, then answers is flushed), and a
	 * bad line is answered on answers by {"error":REASON,"line":N[,"user":U]}
	 * (FORMATS 2.4.1), reported as above and counted, whatever skip_bad says:
	 * every input line gets exactly one output line.
	 */
	FILE *answers;
};

/*
 * Reads lines from f and gives each parsed object to add(arg, line, e), which
 * takes the reference and fails with EXIT_DATA (a message without position)
 * for a bad line; flush(arg, e) (may be NULL) is called before stopping at a
 * bad line and at the end, so every line before is answered. Returns 0 at the
 * end of input, or -1 with e set: the first bad line ("name:N: reason",
 * EXIT_DATA) without skip_bad, or a final error (EXIT_IO, EXIT_OSERR).
 */
int recs_read_users(struct recs_input *in, FILE *f, int (*add)(void *arg, json_t *line,
    struct err *e), int (*flush)(void *arg, struct err *e), void *arg, struct err *e);

/*
 * Walks the "items" field of a user line (the recent interactions of a user
 * the recommender folds in): an object of numbers, {"sku3":2}, or an array of
 * ids, ["sku3"] (each worth 1); absent or null means none. Calls
 * add(arg, id, len, value, e) for each item in order. Returns 0, or -1 with e
 * set: EXIT_DATA for another shape or a value that is not a finite number (a
 * message without position), or what add set.
 */
int recs_user_items(json_t *items, int (*add)(void *arg, const char *id, size_t len, float v,
    struct err *e), void *arg, struct err *e);

/*
 * Checks one parsed line against the contract: user a string; recs an array
 * of objects with item (string, distinct), score (number), rank (1, 2, ...)
 * and a reason of a known type with its fields; recs empty only with source
 * "none"; source one of mf, fold-in, popular, itemknn, userknn, blend, none.
 * Returns 0 when the line conforms, else 1 with the first problem in why.
 */
int recs_check(const json_t *line, char *why, size_t whysz);

#endif
