/* test_bandit.c - unit tests of lib/measure/bandit.c and abpool.c: pooled evidence, Thompson weights, floors */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "base/rng.h"
#include "measure/ab.h"
#include "measure/abpool.h"
#include "measure/bandit.h"
#include "unit.h"

/* Reads a report given as text into p. Returns abpool_read's result. */
static int
pool_text(struct abpool *p, const char *text, struct err *e)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc = abpool_read(p, f, "r.ndjson", e);

	fclose(f);
	return rc;
}

#define ARM(c, a, n, x) "{\"kind\":\"arm\",\"campaign\":\"" c "\",\"arm\":\"" a "\",\"recipients\":" \
	#n ",\"open\":{\"count\":0},\"click\":{\"count\":" #x "},\"conversion\":{\"count\":0}}\n"
#define SUMMARY(c) "{\"kind\":\"summary\",\"campaign\":\"" c "\"}\n"

static void
gamma_and_beta_deviates_have_their_means(void)
{
	struct rng g;
	double s = 0, b = 0;
	int n = 200000;

	rng_seed(&g, 42);
	for (int i = 0; i < n; i++)
		s += rng_gamma(&g, 3.5);
	CHECK_NEAR(s / n, 3.5, 0.03);
	s = 0;
	for (int i = 0; i < n; i++)
		s += rng_gamma(&g, 0.4);       /* the shape < 1 branch */
	CHECK_NEAR(s / n, 0.4, 0.01);
	for (int i = 0; i < n; i++)
		b += rng_beta(&g, 2, 8);
	CHECK_NEAR(b / n, 0.2, 0.003);
	CHECK(isnan(rng_gamma(&g, 0)));
	CHECK(isnan(rng_beta(&g, 1, -1)));
}

static void
standardised_pooling_undoes_simpsons_paradox(void)
{
	struct abpool p;
	struct err e = { 0 };
	struct abpool_est est;
	int set[2];
	double var, d;

	abpool_init(&p);
	CHECK_INT(pool_text(&p, ARM("c1", "a", 900, 90) ARM("c1", "b", 100, 10) SUMMARY("c1")
	    ARM("c2", "a", 100, 1) ARM("c2", "b", 900, 9) SUMMARY("c2"), &e), 0);
	CHECK_INT(p.ncamp, 2);
	CHECK_INT(p.narms, 2);
	set[0] = abpool_arm(&p, "a");
	set[1] = abpool_arm(&p, "b");
	abpool_rate(&p, ABPOOL_CLICK, set[0], set, 2, &est);
	CHECK_NEAR(est.naive, 0.091, 1e-12);
	CHECK_NEAR(est.rate, 0.055, 1e-12);
	CHECK_INT(est.ncamp, 2);
	CHECK_INT(est.n, 1000);
	/* var = (1/2)^2 q1(1-q1)/900 + (1/2)^2 q2(1-q2)/100, q smoothed */
	{
		double q1 = 90.5 / 901, q2 = 1.5 / 101;

		CHECK_NEAR(est.var, 0.25 * q1 * (1 - q1) / 900 + 0.25 * q2 * (1 - q2) / 100, 1e-15);
	}
	d = abpool_diff(&p, ABPOOL_CLICK, set[0], set[1], set, 2, &var);
	CHECK_NEAR(d, 0, 1e-15);
	CHECK(var > 0);
	abpool_free(&p);
}

static void
reports_that_are_cut_short_or_inconsistent_are_refused(void)
{
	struct abpool p;
	struct err e = { 0 };

	abpool_init(&p);
	CHECK_INT(pool_text(&p, ARM("c1", "a", 10, 1), &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK(strstr(e.msg, "r.ndjson:1: ends without the summary line of campaign 'c1'") != NULL);
	abpool_free(&p);
	abpool_init(&p);
	CHECK_INT(pool_text(&p, ARM("c1", "a", 10, 11) SUMMARY("c1"), &e), -1);
	CHECK(strstr(e.msg, "r.ndjson:1: arm 'a': \"click.count\"") != NULL);
	abpool_free(&p);
	abpool_init(&p);
	CHECK_INT(pool_text(&p, ARM("c1", "a", 10, 1) ARM("c2", "a", 10, 1), &e), -1);
	CHECK(strstr(e.msg, "r.ndjson:2: arm line of campaign 'c2' before the summary") != NULL);
	abpool_free(&p);
	abpool_init(&p);
	CHECK_INT(pool_text(&p, "{\"kind\":\"table\",\"campaign\":\"x\"}\n", &e), -1);
	CHECK(strstr(e.msg, "unknown kind 'table'") != NULL);
	abpool_free(&p);
	abpool_init(&p);
	CHECK_INT(pool_text(&p, "", &e), -1);
	CHECK(strstr(e.msg, "no report in it") != NULL);
	abpool_free(&p);
}

static void
stale_and_own_reports_are_refused(void)
{
	struct abpool p;
	struct err e = { 0 };
	const char *r = ARM("c1", "a", 10, 1)
	    "{\"kind\":\"summary\",\"campaign\":\"c1\",\"events_until\":\"2026-01-01T00:00:00Z\"}\n";
	int64_t jan1 = 1767225600;

	abpool_init(&p);
	CHECK_INT(pool_text(&p, r, &e), 0);
	CHECK_INT(p.generated[0], jan1);
	CHECK_INT(abpool_check(&p, "c2", 10 * 86400, jan1 + 9 * 86400, &e), 0);
	CHECK_INT(abpool_check(&p, "c2", 10 * 86400, jan1 + 11 * 86400, &e), -1);
	CHECK(strstr(e.msg, "is stale") != NULL);
	CHECK_INT(abpool_check(&p, "c2", 0, jan1 + 999 * 86400, &e), 0);
	CHECK_INT(abpool_check(&p, "c1", 0, jan1, &e), -1);
	CHECK(strstr(e.msg, "cannot steer itself") != NULL);
	abpool_free(&p);
}

static void
thompson_weights_keep_floor_and_holdout_and_sum_to_one(void)
{
	struct abpool p;
	struct ab_arms arms;
	struct bandit_opts o = { .metric = ABPOOL_CLICK, .floor = 0.1, .seed = 3 };
	struct bandit_arm info[3];
	struct err e = { 0 };
	double w[3], w2[3];

	abpool_init(&p);
	CHECK_INT(pool_text(&p, ARM("c1", "a", 2000, 300) ARM("c1", "b", 2000, 100)
	    ARM("c1", "holdout", 400, 0) SUMMARY("c1"), &e), 0);
	CHECK_INT(ab_arms_parse(&arms, "a=0.4,b=0.4,holdout=0.2", &e), 0);
	CHECK_INT(bandit_weights(&arms, &p, &o, w, info, &e), 0);
	CHECK_NEAR(w[2], 0.2, 0);
	CHECK_NEAR(w[0] + w[1] + w[2], 1, 1e-15);
	CHECK_NEAR(w[1], 0.1, 1e-12);                 /* b is surely worse: its floor */
	CHECK_NEAR(w[0], 0.7, 1e-12);
	CHECK_NEAR(info[0].p_best, 1, 0);
	CHECK(isnan(info[2].p_best));
	CHECK_NEAR(info[0].alpha, 301, 0.5);          /* Beta(1 + x, 1 + n - x) for one campaign */
	CHECK_NEAR(info[0].beta, 1701, 0.5);
	/* the same evidence and seed give the same weights */
	CHECK_INT(bandit_weights(&arms, &p, &o, w2, NULL, &e), 0);
	CHECK(memcmp(w, w2, sizeof w) == 0);
	/* floors that do not fit */
	o.floor = 0.45;
	CHECK_INT(bandit_weights(&arms, &p, &o, w, NULL, &e), -1);
	CHECK_INT(e.code, EXIT_USAGE);
	ab_arms_free(&arms);
	abpool_free(&p);
}

static void
an_even_race_splits_the_mail_about_evenly(void)
{
	struct abpool p;
	struct ab_arms arms;
	struct bandit_opts o = { .metric = ABPOOL_CLICK, .floor = 0.1, .seed = 9 };
	struct err e = { 0 };
	double w[2];

	abpool_init(&p);
	CHECK_INT(pool_text(&p, ARM("c1", "a", 1000, 30) ARM("c1", "b", 1000, 30) SUMMARY("c1"),
	    &e), 0);
	CHECK_INT(ab_arms_parse(&arms, "a=0.5,b=0.5", &e), 0);
	CHECK_INT(bandit_weights(&arms, &p, &o, w, NULL, &e), 0);
	CHECK_NEAR(w[0], 0.5, 0.02);
	ab_arms_free(&arms);
	abpool_free(&p);
}

int
main(void)
{
	RUN(gamma_and_beta_deviates_have_their_means);
	RUN(standardised_pooling_undoes_simpsons_paradox);
	RUN(reports_that_are_cut_short_or_inconsistent_are_refused);
	RUN(stale_and_own_reports_are_refused);
	RUN(thompson_weights_keep_floor_and_holdout_and_sum_to_one);
	RUN(an_even_race_splits_the_mail_about_evenly);
	return UNIT_DONE();
}
