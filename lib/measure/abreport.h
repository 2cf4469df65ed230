/* abreport.h - the figures of an A/B report (rates, intervals, uplifts, SRM) and their renderings */
#ifndef RECMAIL_ABREPORT_H
#define RECMAIL_ABREPORT_H

#include <jansson.h>
#include <stdio.h>

#include "measure/ab.h"
#include "measure/abtally.h"
#include "base/err.h"

/* Below this many recipients an arm's normal approximations are not trusted. */
#define ABREPORT_MIN_RECIPIENTS 30
/* A sample-ratio-mismatch p-value below this flags a broken split. */
#define ABREPORT_SRM_ALPHA 0.001

/* The rates; the first ABR_NCHART are drawn. Bounce, unsubscribe and complaint are the
 * safety metrics (lower is better: an uplift above 0 is worse). */
enum { ABR_OPEN, ABR_CLICK, ABR_CONVERSION, ABR_BOUNCE, ABR_UNSUB, ABR_COMPLAINT, ABR_NRATES };
#define ABR_NCHART 3

struct abreport_rate {
	int64_t count;
	double rate, lo, hi;    /* NAN without recipients */
	/* against the control (has_uplift): difference of rates, relative change
	 * (NAN when the control's rate is 0), z, two-sided p, P(arm's rate > control's) */
	int has_uplift;
	double diff, rel, z, p, prob_beats;
};

struct abreport_arm {
	const struct abtally_arm *t;
	double weight;          /* configured weight, NAN when none */
	struct abreport_rate r[ABR_NRATES];
	double rev_mean, rev_lo, rev_hi;        /* per recipient; NAN when not defined */
	int has_rev_uplift;
	double rev_diff, rev_diff_lo, rev_diff_hi, rev_p;
	json_t *warnings;       /* array of strings */
};

struct abreport {
	const char *campaign, *control_name;
	int control;            /* arm index, or -1 when the control arm is absent */
	int narms;
	struct abreport_arm *arm;
	double mde;             /* relative change the sample-size warning is about */
	/* sample-ratio mismatch over the configured arms (has_srm) */
	int has_srm, srm_df;
	double srm_chi2, srm_p;
	const struct abtally_result *tally;
	const char *weights;    /* where the arms' weights came from: "assignments" (the log's
	                         * variant_weight, adaptive runs), "arms" (--arms), NULL: none */
	int has_span;           /* events had times: the first and last, unix seconds */
	int64_t span_first, span_last;
};

/*
 * Computes every figure from the tallies. arms (may be NULL) gives the
 * configured weights for the SRM test; the holdout arm takes part only when
 * t->have_assignments. control names the control arm; mde is the relative
 * change (e.g. 0.1) of the "too few recipients to decide" warning.
 * Returns 0, or -1 (out of memory); free with abreport_free.
 */
int abreport_compute(struct abreport *rep, const struct abtally *t,
    const struct abtally_result *res, const struct ab_arms *arms, const char *control,
    double mde, struct err *e);
void abreport_free(struct abreport *rep);

/* One NDJSON line per arm, then a summary line. Returns 0 or -1 (EXIT_IO). */
int abreport_write_ndjson(FILE *f, const struct abreport *rep, struct err *e);

/* A readable table of the same figures. Returns 0 or -1 (EXIT_IO). */
int abreport_write_table(FILE *f, const struct abreport *rep, struct err *e);

/* An SVG bar chart of the three rates per arm with their 95% intervals and
 * P(beats control). Returns 0 or -1 (EXIT_IO). */
int abreport_write_svg(FILE *f, const struct abreport *rep, struct err *e);

#endif
