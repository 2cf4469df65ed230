/* abpool.h - earlier campaigns' A/B reports (abreport's NDJSON) read back and pooled across campaigns */
#ifndef RECMAIL_ABPOOL_H
#define RECMAIL_ABPOOL_H

#include <stdint.h>
#include <stdio.h>

#include "base/err.h"

enum abpool_metric { ABPOOL_OPEN, ABPOOL_CLICK, ABPOOL_CONVERSION, ABPOOL_NMETRICS };

/* One arm in one campaign: recipients and the users who did the metric, per metric. */
struct abpool_cell {
	int64_t n;              /* recipients; -1 when the arm is not in that campaign's report */
	int64_t x[ABPOOL_NMETRICS];
	double weight;          /* the arm's weight in that campaign (NAN when the report has none) */
};

struct abpool {
	int ncamp, narms;
	char **campaign;        /* ncamp names */
	int64_t *generated;     /* unix seconds of each report's last event ("events_until"), -1: none */
	char **arm;             /* narms names, in order of first appearance */
	struct abpool_cell *cell;       /* ncamp x narms, row-major */
	int capcamp, caparm;
};

/* A pooled rate: standardised over campaigns (see abpool_rate). */
struct abpool_est {
	int ncamp;              /* campaigns that took part (0: no evidence) */
	int64_t n, x;           /* plain sums over those campaigns */
	double rate;            /* standardised rate; NAN when ncamp == 0 */
	double var;             /* its variance */
	double naive;           /* x / n, for comparison; NAN when n == 0 */
};

/* Parses "open", "click", "conversion". Returns 0, or -1 for another name. */
int abpool_metric_parse(const char *s, enum abpool_metric *out);
const char *abpool_metric_name(enum abpool_metric m);

void abpool_init(struct abpool *p);
void abpool_free(struct abpool *p);

/*
 * Reads one abreport NDJSON output (arm lines, then the summary line, per
 * campaign) from f (name for messages) into p. Every arm line needs
 * "campaign", "arm", whole "recipients" >= 0 and, for each metric, "count"
 * within [0, recipients]; a campaign's lines must end with its summary line
 * (a report without one is cut short) and a campaign may be read once only.
 * Returns 0, or -1 with e set: EXIT_DATA "name:N: what" for a malformed
 * report, EXIT_IO, EXIT_OSERR.
 */
int abpool_read(struct abpool *p, FILE *f, const char *name, struct err *e);

/* abpool_read for each of paths[0..n) ("-" is stdin). Returns 0, or -1 with e set
 * (EXIT_NOINPUT naming the file that cannot be opened, or as abpool_read). */
int abpool_read_paths(struct abpool *p, char *const *paths, int n, struct err *e);

/*
 * Refuses reports that must not steer a new campaign: one of the campaign
 * being assigned (current, may be NULL), and, when max_age_s > 0, one whose
 * last event (the summary's "events_until") is older than max_age_s before now,
 * or unknown.
 * Returns 0, or -1 with e set (EXIT_DATA naming the campaign).
 */
int abpool_check(const struct abpool *p, const char *current, int64_t max_age_s, int64_t now,
    struct err *e);

/* Index of an arm by name, or -1. */
int abpool_arm(const struct abpool *p, const char *name);

/*
 * The rate of metric m of arm `arm`, pooled over the campaigns in which every
 * arm of set[0..nset) had recipients, each campaign weighted by all its
 * recipients W_c: rate = sum_c W_c p_c / sum_c W_c. Because every arm
 * is weighted by the same W_c, a campaign that gave an arm a larger share
 * counts no more for it than for the others, so weights that change from
 * campaign to campaign do not bias the comparison (a plain sum x/n would:
 * Simpson's paradox). var = sum_c (W_c/W)^2 q_c (1 - q_c) / n_c, with the
 * smoothed q_c = (x_c + 0.5) / (n_c + 1) so that a zero count has a variance.
 * Fills *out; ncamp is 0 when no campaign qualifies. Never fails.
 */
void abpool_rate(const struct abpool *p, enum abpool_metric m, int arm, const int *set, int nset,
    struct abpool_est *out);

/*
 * The pooled difference of rates arm - control over the same campaigns and
 * with the same weights as abpool_rate (set must hold both); its variance in
 * *var. Returns the difference, or NAN when no campaign has both.
 */
double abpool_diff(const struct abpool *p, enum abpool_metric m, int arm, int control,
    const int *set, int nset, double *var);

/*
 * Writes the pooled figures: one "pooled_arm" line per arm (each metric's
 * standardised rate over the campaigns the arm shares with the control, its
 * 95% interval, the naive rate, and the pooled uplift over the control with its
 * interval, z and two-sided p), then a "pooled_summary" line. Returns 0 or -1
 * (EXIT_IO, EXIT_OSERR).
 */
int abpool_write_ndjson(FILE *f, const struct abpool *p, const char *control, struct err *e);

#endif
