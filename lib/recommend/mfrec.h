/* mfrec.h - recommending from a factor model: users in blocks, sgemm scoring, rules, cold start, reasons */
#ifndef RECMAIL_MFREC_H
#define RECMAIL_MFREC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "data/catalog.h"
#include "base/err.h"
#include "recommend/exclude.h"
#include "recommend/foldin.h"
#include "data/history.h"
#include "data/model.h"
#include "recommend/liked.h"
#include "recommend/popularity.h"
#include "recommend/recs.h"
#include "recommend/topn.h"
#include "train/content.h"

/* The default similarity floor of a "similar" reason (recs.h, RECS_SIMILAR_FLOOR). */
#define MFREC_MIN_SIMILARITY RECS_SIMILAR_FLOOR
#define MFREC_MIN_SIMILARITY_TEXT RECS_SIMILAR_FLOOR_TEXT

struct mfrec_opts {
	int n;                  /* recommendations per user (>= 1) */
	int block;              /* users per sgemm block; 0: as many as fit MFREC_BLOCK_FLOATS */
	int max_per_category;   /* 0: no cap */
	double mmr;             /* maximal marginal relevance lambda in [0, 1]; < 0: off */
	int mmr_pool;           /* candidates MMR re-ranks; 0: max(5 n, 50) */
	double min_similarity;  /* a reason names a history item only above this cosine */
	struct liked_opts like; /* which history items a reason may name (recommend/liked.h) */
	double fold_reg;        /* fold-in lambda; < 0: the model's "reg", else 0.1 */
	double fold_alpha;      /* iALS alpha; < 0: the model's "alpha", else 1 */
	struct popularity_opts pop;     /* cold start ranking (decay needs the seen matrix) */
	void (*progress)(void *arg, size_t done, size_t total);
	void *progress_arg;
};

/*
 * Score block sizing: about MFREC_BLOCK_FLOATS scores (16 MiB, so the block
 * stays warm in cache and its pages are touched once), but at least 256 users
 * while that stays under MFREC_BLOCK_MAX_FLOATS (128 MiB), so that a wide
 * catalog still gets products big enough for sgemm to run at speed. Memory
 * is bounded by this, not by users x items.
 */
#define MFREC_BLOCK_FLOATS (4 * 1024 * 1024)
#define MFREC_BLOCK_MAX_FLOATS (32 * 1024 * 1024)

enum mfrec_source { MFREC_MF, MFREC_FOLDIN, MFREC_POPULAR };

struct mfrec_user {
	json_t *line;           /* the input line (owned), NULL for --all users */
	const char *id;
	size_t len;
	int64_t mu;             /* model row, -1 when unknown */
	enum mfrec_source src;
	int32_t *hist;          /* model items the user has (seen + the line's items) */
	size_t nhist, histcap;
	float *vals;            /* values of the line's known items (first nfold of hist) */
	size_t nfold, valcap;
	int32_t *why;           /* the items of hist a reason may name (liked ones) */
	size_t nwhy, whycap;
};

struct mfrec {
	const struct model *m;
	struct mfrec_opts o;
	struct history *seen;
	struct exclude *ex;
	const int32_t *cat;     /* per model item category, or NULL */
	uint8_t *allowed;       /* per model item: passes the catalog rules and global exclusions */
	int implicit;
	struct liked fold_rule, seen_rule;      /* for the line's items and for --seen's */
	enum recs_action action;                /* what reasons say the user did */
	struct popularity pop;
	struct foldin fold;
	struct recs_writer w;
	int64_t k, kk;          /* factors, and factors + 2 (bias columns) */
	int32_t *cand, *cpos;   /* candidate items; item -> candidate position or -1 */
	int64_t nc;
	float *Qc;              /* nc x kk: [q_i, b_i + boost_i, 1] */
	float *Qn;              /* items x k: unit-length item factors, for cosines */
	size_t bcap, bn;
	struct mfrec_user *u;
	float *Pb;              /* bcap x kk: [p_u, 1, mu + b_u] */
	float *pf;              /* bcap x k: fold-in factors */
	float *S;               /* bcap x nc scores */
	struct topn heap;
	struct recs_rec *out;   /* n */
	int32_t *chosen;        /* n */
	float *mmr_sim;         /* pool: largest similarity to a chosen item */
	uint8_t *mmr_used;
	float *H, *R, *sim;     /* reasons: history and rec factors, their cosines */
	size_t hcap;
	uint32_t *mark;         /* per item, == stamp: excluded for the current user */
	uint32_t stamp;
	size_t done, total;
	size_t count[3];        /* users answered from each source */
	size_t empty;           /* users given no recommendation at all */
	struct content_feat content;    /* a content model's features (cbtrain), for its reasons */
};

/*
 * Prepares recommending from m to out. seen, ex and view may be NULL; seen
 * and ex must already be mapped onto m's tables. Returns 0, or -1 with e
 * set (EXIT_DATA: decay without timestamps; EXIT_OSERR).
 */
int mfrec_init(struct mfrec *r, const struct model *m, const struct mfrec_opts *o,
    struct history *seen, struct exclude *ex, const struct catalog_view *view, FILE *out,
    struct err *e);
void mfrec_free(struct mfrec *r);

/*
 * Queues one input line (takes the reference); writes a block when full.
 * A bad line is not queued and gives -1 with e->code EXIT_DATA and a message
 * without position ("missing \"user\""); reading may go on. EXIT_IO and
 * EXIT_OSERR are final.
 */
int mfrec_add_line(struct mfrec *r, json_t *line, struct err *e);

/* Queues every user of the model, then every user of the seen matrix the
 * model does not know (cold start), writing as it goes. Returns 0 or -1. */
int mfrec_add_all(struct mfrec *r, struct err *e);

/* Scores and writes the queued users. Returns 0, or -1 with e set (EXIT_IO, EXIT_OSERR). */
int mfrec_flush(struct mfrec *r, struct err *e);

#endif
