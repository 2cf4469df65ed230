/* tune.h - cross-validated search over svdtrain's and topk's options: trials run as the real programs, logged and resumable */
#ifndef RECMAIL_TUNE_H
#define RECMAIL_TUNE_H

#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "measure/tunespace.h"

enum tune_method { TUNE_GRID, TUNE_RANDOM, TUNE_BAYES };

#define TUNE_MAX_FOLDS 20
#define TUNE_MAX_CONSTRAINTS 8

/* A bound on one of evaluate's figures, e.g. top_item_share <= 0.25. */
struct tune_constraint {
	char field[64];
	int le;                 /* 1: field <= value, 0: field >= value */
	double value;
};

struct tune_opts {
	struct tunespace *space;
	const char *spec;               /* the space as given, for the log */
	enum tune_method method;
	int trials;                     /* at most this many trials (grid: 0 = the whole grid) */
	int init;                       /* bayes: random trials before the model is used */
	int grid_points;                /* values per range in a grid */
	uint64_t seed;
	int jobs;                       /* trials at once */
	double budget;                  /* seconds after which no trial starts; 0: none */
	const char *metric;             /* evaluate's field: ndcg, recall, precision, map, hit_rate, rmse, mae */
	int k;
	const char *threshold;          /* evaluate --relevant-threshold, or NULL */
	const char *train_opts, *topk_opts;     /* fixed options (words, no quoting) */
	int nfolds;
	const char *fold_train[TUNE_MAX_FOLDS], *fold_test[TUNE_MAX_FOLDS];
	char *fold_owned[2 * TUNE_MAX_FOLDS];   /* paths made by tune_make_folds */
	int nconstraints;
	struct tune_constraint constraint[TUNE_MAX_CONSTRAINTS];
	const char *workdir;            /* scratch: one folder per running trial */
	const char *bindir;             /* where svdtrain, topk and evaluate are; NULL: PATH */
	int progress;                   /* a line on stderr per finished trial */
};

struct tune_trial {
	int id;
	struct tunepoint p;
	char key[1024];
	int ok, feasible;
	double value;                   /* the metric, averaged over the folds */
	double seconds;
	char error[256];                /* a failed trial: the last line its programs printed */
};

struct tune_result {
	int ntrials;
	struct tune_trial *trial;       /* in the order they finished or were read from the log */
	int resumed;                    /* trials read back from the log */
	int best;                       /* index of the best feasible trial, or -1 */
	int stopped_by_budget;
	int failed;                     /* trials run now whose programs failed */
};

/*
 * Makes the folds of ratings (a ratings container) in o->workdir with splitdata:
 * folds > 1: k-fold (fold i is the test set of split i); folds <= 1: one random
 * holdout of test_fraction. Fills o->nfolds, o->fold_train and o->fold_test
 * (strings owned by o: tune_folds_free). Returns 0, or -1 with e set
 * (EXIT_DATA when splitdata fails, naming its status; EXIT_OSERR).
 */
int tune_make_folds(struct tune_opts *o, const char *ratings, int folds, double test_fraction,
    uint64_t seed, struct err *e);
void tune_folds_free(struct tune_opts *o);

/* Parses "FIELD<=X" or "FIELD>=X". Returns 0, or -1 with e set (EXIT_USAGE). */
int tune_constraint_parse(struct tune_constraint *c, const char *s, struct err *e);

/* Whether lower values of metric are better (rmse, mae). */
int tune_lower_is_better(const char *metric);

/*
 * Runs the search, appending one NDJSON line per finished trial to log (opened
 * for reading and appending; a log from an earlier run of the same search is
 * read first and its trials are not run again; a log of another search is
 * refused). Returns 0, or -1 with e set: EXIT_DATA (a log of another search, a
 * malformed log line "name:N: ..."), EXIT_IO, EXIT_OSERR, EXIT_SOFTWARE (a
 * program could not be started). A trial whose programs fail is logged as
 * failed and the search goes on.
 */
int tune_run(const struct tune_opts *o, FILE *log, const char *logname, struct tune_result *r,
    struct err *e);
void tune_result_free(struct tune_result *r);

/* The trials as a table, best first, then the best settings. Returns 0 or -1 (EXIT_IO). */
int tune_write_table(FILE *f, const struct tune_opts *o, const struct tune_result *r,
    struct err *e);

/* The best settings as campaign.conf lines (TRAIN_OPTS=..., TOPK_OPTS=...). Returns 0, or -1
 * (EXIT_IO; EXIT_DATA when no trial was feasible). */
int tune_write_conf(FILE *f, const struct tune_opts *o, const struct tune_result *r,
    struct err *e);

#endif
