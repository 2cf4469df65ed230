/* content.h - the content model: TF-IDF/BM25 item vectors from the catalog, hashed to a dense space */
#ifndef RECMAIL_CONTENT_H
#define RECMAIL_CONTENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/err.h"
#include "data/ids.h"
#include "data/matfile.h"
#include "data/model.h"
#include "data/ratings.h"

/*
 * How item vectors are made (docs/cbtrain.md). A feature is a word stem of the
 * title or description ("w:stem", or a pair "w:a b"), the category ("c:..."),
 * the brand ("b:...") or the price band ("p:N", powers of 2).
 */
/* Automatic dimensions: exact up to this many features, else hashed into CONTENT_HASHED_DIMS. */
#define CONTENT_EXACT_MAX 2048
#define CONTENT_EXACT_FLOATS (128LL * 1024 * 1024)     /* items x features: 512 MiB of F32 */
#define CONTENT_HASHED_DIMS 128

struct content_opts {
	int64_t k;              /* dense dimensions (the model's factors); 0: content_dims decides */
	const char *lang;       /* the catalog's language where a line has no "lang" */
	int tfidf;              /* 1: (1 + ln tf) idf; 0: BM25 */
	double k1, b;           /* BM25 */
	int pairs;              /* also the pairs of neighbouring words */
	double w_title, w_desc; /* per occurrence of a word in the title, in the description */
	double w_cat, w_brand, w_price; /* the attribute features' weights (times their idf) */
	long min_df;            /* features of fewer items are dropped (they match nothing) */
	double max_df;          /* words in more than this share of the items are dropped */
	double half_life_days;  /* profiles: weight 2^(-age / half-life); 0: no decay */
	int has_now;
	int64_t now;            /* the time ages are measured to (default: newest timestamp) */
	uint64_t seed;          /* of the hashing */
};

/* The defaults of cbtrain. */
void content_opts_default(struct content_opts *o);

/*
 * The item vectors: CSR over features, each row of unit length (a product
 * with no kept feature has an empty row), indices increasing in each row.
 */
struct content {
	struct ids items;       /* catalog order */
	struct ids feats;       /* feature keys */
	struct buf labels;      /* feature f's display text: labels.s[label_off[f] .. label_off[f+1]) */
	int64_t *label_off;
	size_t label_cap;
	uint8_t *key_bytes;     /* feats exported for the container (content_model) */
	int64_t *key_off;
	size_t key_nbytes;
	int64_t *indptr;        /* items + 1 */
	int32_t *indices;
	float *values;
	int64_t nnz;
	long lines, dups, empty; /* catalog lines, -, products with no feature kept */
	double avg_words;
};

void content_init(struct content *c);
void content_free(struct content *c);

/*
 * Reads the catalog (FORMATS 2.2, plus optional "description", "brand" and
 * "lang") from f and builds the item vectors. A duplicate item is an error.
 * Returns 0, or -1 with e set ("name:N: reason", EXIT_DATA; EXIT_IO;
 * EXIT_OSERR).
 */
int content_build(struct content *c, const struct content_opts *o, FILE *f, const char *name,
    struct err *e);

/*
 * The model's dimensions for c: o->k when set, else the number of features
 * when at most CONTENT_EXACT_MAX and items x features at most
 * CONTENT_EXACT_FLOATS (then the vectors are exact), else
 * CONTENT_HASHED_DIMS. Cannot fail.
 */
int64_t content_dims(const struct content *c, const struct content_opts *o);

/*
 * Makes m the content model: items of c, dense unit vectors (when c's
 * features fit in content_dims dimensions, each feature is one: exact;
 * else c hashed into them, two signed cells per feature), and for each user of r
 * (may be NULL) who has an item of c, the unit-length weighted mean of the
 * vectors of their items (weights: the values, decayed by o->half_life_days
 * with r's timestamps). Biases are 0, so a score is a cosine. m keeps
 * pointers to c for the feature tensors model_write adds. Returns 0, or -1
 * with e set (EXIT_DATA: decay without timestamps; EXIT_OSERR).
 */
int content_model(struct model *m, struct content *c, const struct content_opts *o,
    const struct ratings *r, struct err *e);

/* --- what a recommender reads back from a content model's container --- */

/* The feature tensors of a model container (pointing into it). */
struct content_feat {
	int present;
	int64_t items, nfeat;
	const int64_t *indptr;
	const int32_t *indices;
	const float *values;
	const int64_t *key_off, *label_off;
	const uint8_t *keys, *labels;
};

/*
 * Finds a content model's feature tensors in mf for a model of items items;
 * f->present is 0 for another model. Returns 0, or -1 with e set (EXIT_DATA:
 * tensors of the wrong type, size or range).
 */
int content_feat_read(struct content_feat *f, const struct matfile *mf, int64_t items,
    struct err *e);

/*
 * The feature items a and b share that weighs most in their cosine (price
 * bands do not count: they are no reason): *kind is "category", "brand" or
 * "word", *label its text (*len bytes, not NUL-terminated). Returns 1, or 0
 * when they share none.
 */
int content_shared(const struct content_feat *f, int32_t a, int32_t b, const char **kind,
    const char **label, size_t *len);

#endif
