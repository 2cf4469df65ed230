/* runreport.h - the campaign report page: what a run did and what it is about to send, from its run directory */
#ifndef RECMAIL_RUNREPORT_H
#define RECMAIL_RUNREPORT_H

#include <jansson.h>
#include <stdio.h>

#include "base/err.h"

struct runreport_opts {
	const char *run_dir;        /* required */
	const char *catalog;        /* catalog NDJSON for coverage and titles, or NULL */
	const char *spam;           /* pipelines/spamcheck output, or NULL: RUN_DIR/spam.ndjson if any */
	double price_in, price_out; /* per 1,000 prompt / completion tokens; < 0: not configured */
	const char *currency;       /* of the prices, e.g. "USD" */
	double rate[3];             /* expected open, click, conversion rates (0 < r < 1) */
	int samples;                /* sample emails per arm, at least 1 */
	int top;                    /* most recommended products shown */
};

/*
 * Reads the run directory (campaign.log, rejects-*.ndjson, replies.ndjson,
 * recs.ndjson, assigned.ndjson, the .eml files of outbox/, the spam scores) into a model:
 * a JSON object with stages, warnings, rejects, llm, guard, recs, arms, plan,
 * deliverability, spam and samples (docs/runreport.md). Returns it, or NULL
 * with e set (EXIT_NOINPUT: no run directory or no campaign.log; EXIT_DATA: a
 * bad line, named "file:line: reason"; EXIT_OSERR).
 */
json_t *runreport_gather(const struct runreport_opts *o, struct err *e);

/*
 * The minimum detectable absolute difference between two arms of n1 and n2
 * recipients for a rate p, two-sided alpha 0.05, power 0.80:
 * (1.959964 + 0.841621) * sqrt(p (1 - p) (1/n1 + 1/n2)). Returns it, or -1
 * when n1 or n2 is 0 or p is not in (0, 1).
 */
double runreport_mde(double p, long n1, long n2);

#endif
