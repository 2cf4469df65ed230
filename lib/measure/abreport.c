/* abreport.c - A/B figures from per-arm counts, written as NDJSON, a table or an SVG chart */
#include <errno.h>
#include <math.h>
#include <time.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "measure/abreport.h"
#include "base/exitcode.h"
#include "base/ndjson.h"
#include "base/stats.h"
#include "base/svg.h"

static const char *const rate_names[ABR_NRATES] = { "open", "click", "conversion", "bounce",
	"unsubscribe", "complaint" };

static int64_t
rate_count(const struct abtally_arm *a, int r)
{
	const int64_t c[ABR_NRATES] = { a->opens, a->clicks, a->conversions, a->bounces,
		a->unsubscribes, a->complaints };

	return c[r];
}

/* Adds a formatted warning to the arm. Returns 0 or -1. */
__attribute__((format(printf, 2, 3)))
static int
warn(struct abreport_arm *a, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return json_array_append_new(a->warnings, json_string(buf));
}

static void
rates(struct abreport_arm *a)
{
	int64_t n = a->t->recipients;

	for (int r = 0; r < ABR_NRATES; r++) {
		struct abreport_rate *x = &a->r[r];

		x->count = rate_count(a->t, r);
		x->rate = x->lo = x->hi = NAN;
		if (n > 0) {
			x->rate = (double)x->count / (double)n;
			stats_wilson(x->count, n, STATS_Z95, &x->lo, &x->hi);
		}
	}
	a->rev_mean = a->rev_lo = a->rev_hi = NAN;
	if (n > 0) {
		double half;

		if (stats_mean_ci(n, a->t->revenue, a->t->revenue_sq, STATS_Z95, &a->rev_mean,
		    &half) == 0) {
			a->rev_lo = a->rev_mean - half;
			a->rev_hi = a->rev_mean + half;
		}
	}
}

/* Sample variance of revenue per recipient, or NAN below 2 recipients. */
static double
rev_var(const struct abtally_arm *t)
{
	double n = (double)t->recipients, m, v;

	if (t->recipients < 2)
		return NAN;
	m = t->revenue / n;
	v = (t->revenue_sq - n * m * m) / (n - 1);
	return v < 0 ? 0 : v;
}

static void
uplift(struct abreport_arm *a, const struct abreport_arm *c)
{
	int64_t n = a->t->recipients, nc = c->t->recipients;
	double va, vc, se;

	if (n == 0 || nc == 0)
		return;
	for (int r = 0; r < ABR_NRATES; r++) {
		struct abreport_rate *x = &a->r[r];
		const struct abreport_rate *y = &c->r[r];

		x->has_uplift = 1;
		x->diff = x->rate - y->rate;
		x->rel = y->rate > 0 ? x->diff / y->rate : NAN;
		x->p = stats_ztest2(x->count, n, y->count, nc, &x->z);
		x->prob_beats = stats_beta_prob_greater(1 + y->count, 1 + nc - y->count,
		    1 + x->count, 1 + n - x->count);
	}
	va = rev_var(a->t);
	vc = rev_var(c->t);
	if (isnan(va) || isnan(vc))
		return;
	a->has_rev_uplift = 1;
	a->rev_diff = a->rev_mean - c->rev_mean;
	se = sqrt(va / (double)n + vc / (double)nc);
	a->rev_diff_lo = a->rev_diff - STATS_Z95 * se;
	a->rev_diff_hi = a->rev_diff + STATS_Z95 * se;
	a->rev_p = se > 0 ? 2.0 * stats_normal_cdf(-fabs(a->rev_diff / se)) :
	    a->rev_diff == 0 ? 1.0 : 0.0;
}

/* The warnings that say an arm cannot decide anything yet. Returns 0 or -1. */
static int
too_few(struct abreport *rep, struct abreport_arm *a, int i)
{
	const struct abreport_arm *c;
	double need, pc;

	if (a->t->recipients == 0)
		return warn(a, "%s: no recipients", a->t->name);
	if (a->t->recipients < ABREPORT_MIN_RECIPIENTS &&
	    warn(a, "%s: only %lld recipients, too few for the normal approximations (fewer "
	    "than %d)", a->t->name, (long long)a->t->recipients, ABREPORT_MIN_RECIPIENTS) < 0)
		return -1;
	if (rep->control < 0 || i == rep->control)
		return 0;
	c = &rep->arm[rep->control];
	if (c->t->recipients == 0)
		return 0;
	pc = c->r[ABR_CONVERSION].rate;
	need = stats_sample_size(pc, rep->mde);
	if (need < 0)
		return warn(a, "%s: cannot size the test: the control's conversion rate is %g",
		    a->t->name, pc);
	if ((double)a->t->recipients < need || (double)c->t->recipients < need)
		return warn(a, "%s: %lld recipients against %lld in the control; about %.0f per "
		    "arm are needed to detect a %g%% relative change in conversion from %.2f%% "
		    "(two-sided 5%%, power 80%%): too few to decide", a->t->name,
		    (long long)a->t->recipients, (long long)c->t->recipients, need, rep->mde * 100,
		    pc * 100);
	return 0;
}

static void
srm(struct abreport *rep, const struct abtally *t, const struct ab_arms *arms)
{
	int64_t obs[64];
	double w[64];
	int m = 0;

	if (arms == NULL)
		return;
	for (int i = 0; i < arms->n && m < 64; i++) {
		int64_t a = ids_find(&t->arms, arms->name[i], strlen(arms->name[i]));

		if (strcmp(arms->name[i], AB_HOLDOUT) == 0 && !t->have_assignments)
			continue;
		obs[m] = a >= 0 ? rep->arm[a].t->recipients : 0;
		w[m] = arms->weight[i];
		if (t->weights_known == 1) {    /* adaptive: the weights the users were drawn with */
			w[m] = a >= 0 && a < ABTALLY_MAX_WEIGHTS ? t->arm_weight[a] : 0;
			if (!(w[m] > 0))
				continue;
		}
		m++;
	}
	rep->srm_p = stats_chi2_gof(obs, w, m, &rep->srm_chi2);
	if (rep->srm_p >= 0) {
		rep->has_srm = 1;
		rep->srm_df = m - 1;
	}
}

int
abreport_compute(struct abreport *rep, const struct abtally *t,
    const struct abtally_result *res, const struct ab_arms *arms, const char *control,
    double mde, struct err *e)
{
	memset(rep, 0, sizeof *rep);
	rep->campaign = t->campaign ? t->campaign : "";
	rep->control_name = control;
	rep->control = -1;
	rep->mde = mde;
	rep->tally = res;
	rep->weights = t->weights_known == 1 ? "assignments" : arms != NULL ? "arms" : NULL;
	rep->has_span = t->ts_count > 0;
	rep->span_first = t->ts_first;
	rep->span_last = t->ts_last;
	rep->narms = res->narms;
	if ((rep->arm = calloc((size_t)res->narms + 1, sizeof *rep->arm)) == NULL)
		return err_nomem(e);
	for (int i = 0; i < res->narms; i++) {
		struct abreport_arm *a = &rep->arm[i];
		int k = arms ? ab_arms_find(arms, res->arm[i].name) : -1;

		a->t = &res->arm[i];
		a->weight = k >= 0 ? arms->weight[k] : NAN;
		if (t->weights_known == 1) {
			int64_t x = ids_find(&t->arms, a->t->name, strlen(a->t->name));

			a->weight = x >= 0 && x < ABTALLY_MAX_WEIGHTS && t->arm_weight[x] > 0 ?
			    t->arm_weight[x] : NAN;
		}
		if ((a->warnings = json_array()) == NULL)
			goto nomem;
		rates(a);
		if (strcmp(a->t->name, control) == 0)
			rep->control = i;
	}
	for (int i = 0; i < res->narms; i++) {
		if (rep->control >= 0 && i != rep->control)
			uplift(&rep->arm[i], &rep->arm[rep->control]);
		if (too_few(rep, &rep->arm[i], i) < 0)
			goto nomem;
	}
	/* two arms whose every email came from the same writer are one treatment: their
	 * difference measures nothing (an "llm" arm written by the template writer) */
	for (int i = 0; i < res->narms; i++)
		for (int j = 0; j < res->narms; j++) {
			const char *wi = res->arm[i].writer, *wj = res->arm[j].writer;

			if (i != j && wi != NULL && wj != NULL && strcmp(wi, wj) == 0 &&
			    warn(&rep->arm[i], "%s: every email of this arm and of %s was written by "
			    "'%s': the same treatment, so their difference measures nothing",
			    res->arm[i].name, res->arm[j].name, wi) < 0)
				goto nomem;
		}
	srm(rep, t, arms);
	return 0;
nomem:
	abreport_free(rep);
	return err_nomem(e);
}

void
abreport_free(struct abreport *rep)
{
	for (int i = 0; rep->arm != NULL && i < rep->narms; i++)
		json_decref(rep->arm[i].warnings);
	free(rep->arm);
	memset(rep, 0, sizeof *rep);
}

/* A JSON number, or null for NAN. */
static json_t *
num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *
pair(double lo, double hi)
{
	if (!isfinite(lo) || !isfinite(hi))
		return json_null();
	return json_pack("[oo]", json_real(lo), json_real(hi));
}

static json_t *
rate_json(const struct abreport_rate *x, const char *control)
{
	json_t *o = json_pack("{sIsoso}", "count", (json_int_t)x->count, "rate", num(x->rate),
	    "ci", pair(x->lo, x->hi));

	if (o != NULL && x->has_uplift)
		json_object_set_new(o, "uplift", json_pack("{sosososososo}", "diff", num(x->diff),
		    "relative", num(x->rel), "z", num(x->z), "p_value", num(x->p),
		    "prob_beats_control", num(x->prob_beats), "control", json_string(control)));
	return o;
}

static json_t *
arm_json(const struct abreport *rep, const struct abreport_arm *a)
{
	json_t *o, *rev;

	rev = json_pack("{sososo}", "total", num(a->t->revenue),
	    "per_recipient", num(a->rev_mean), "ci", pair(a->rev_lo, a->rev_hi));
	if (rev != NULL && a->has_rev_uplift)
		json_object_set_new(rev, "uplift", json_pack("{sososo}", "diff", num(a->rev_diff),
		    "ci", pair(a->rev_diff_lo, a->rev_diff_hi), "p_value", num(a->rev_p)));
	o = json_pack("{sssssssbsosIsIso}", "kind", "arm", "campaign", rep->campaign,
	    "arm", a->t->name, "control", rep->control >= 0 && a == &rep->arm[rep->control],
	    "weight", num(a->weight), "recipients", (json_int_t)a->t->recipients,
	    "delivered", (json_int_t)a->t->delivered, "assigned",
	    a->t->assigned >= 0 ? json_integer(a->t->assigned) : json_null());
	if (o == NULL || rev == NULL) { /* never an arm without its revenue */
		json_decref(o);
		json_decref(rev);
		return NULL;
	}
	for (int r = 0; r < ABR_NRATES; r++) {
		json_object_set_new(o, rate_names[r], rate_json(&a->r[r], rep->control_name));
	}
	json_object_set_new(o, "revenue", rev);
	json_object_set(o, "warnings", a->warnings);
	return o;
}

/* A UTC date-time "YYYY-MM-DDTHH:MM:SSZ", or null. */
static json_t *
utc_json(int has, int64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (!has || gmtime_r(&tt, &tm) == NULL || strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ",
	    &tm) == 0)
		return json_null();
	return json_string(buf);
}

static json_t *
summary_json(const struct abreport *rep)
{
	const struct abtally_result *t = rep->tally;
	int64_t total = 0;
	json_t *srmj = json_null();

	for (int i = 0; i < rep->narms; i++)
		total += rep->arm[i].t->recipients;
	if (rep->has_srm)
		srmj = json_pack("{sosIsosb}", "chi2", json_real(rep->srm_chi2), "df",
		    (json_int_t)rep->srm_df, "p_value", json_real(rep->srm_p), "mismatch",
		    rep->srm_p < ABREPORT_SRM_ALPHA);
	return json_pack("{sssssssbsIsosIsIsIsIsososo}", "kind", "summary", "campaign", rep->campaign,
	    "control", rep->control_name, "control_found", rep->control >= 0,
	    "recipients", (json_int_t)total, "srm", srmj,
	    "orphan_events", (json_int_t)t->orphan_events,
	    "orphan_users", (json_int_t)t->orphan_users,
	    "holdout_sent", (json_int_t)t->holdout_sent,
	    "moved", (json_int_t)t->moved,
	    "events_from", utc_json(rep->has_span, rep->span_first),
	    "events_until", utc_json(rep->has_span, rep->span_last),
	    "weights", rep->weights ? json_string(rep->weights) : json_null());
}

int
abreport_write_ndjson(FILE *f, const struct abreport *rep, struct err *e)
{
	json_t *o;
	int rc;

	for (int i = 0; i <= rep->narms; i++) {
		o = i < rep->narms ? arm_json(rep, &rep->arm[i]) : summary_json(rep);
		if (o == NULL)
			return err_nomem(e);
		rc = ndjson_write(f, o, e);
		json_decref(o);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* "12.34% [10.10, 14.90]" or "-" into buf. */
static const char *
fmt_rate(char *buf, size_t sz, const struct abreport_rate *x)
{
	if (isnan(x->rate))
		snprintf(buf, sz, "-");
	else
		snprintf(buf, sz, "%6.2f%% [%.2f, %.2f]", 100 * x->rate, 100 * x->lo, 100 * x->hi);
	return buf;
}

static const char *
fmt_p(char *buf, size_t sz, double p)
{
	if (p < 0.0001)
		snprintf(buf, sz, "<0.0001");
	else
		snprintf(buf, sz, "%.4f", p);
	return buf;
}

int
abreport_write_table(FILE *f, const struct abreport *rep, struct err *e)
{
	char b[3][64];

	fprintf(f, "campaign %s, control %s%s\n\n", rep->campaign, rep->control_name,
	    rep->control < 0 ? " (absent: no uplifts)" : "");
	fprintf(f, "%-16s %10s  %-24s %-24s %-24s %s\n", "arm", "recipients", "open %",
	    "click %", "conversion %", "revenue/recipient");
	for (int i = 0; i < rep->narms; i++) {
		const struct abreport_arm *a = &rep->arm[i];

		fprintf(f, "%-16s %10lld  %-24s %-24s %-24s ", a->t->name,
		    (long long)a->t->recipients, fmt_rate(b[0], sizeof b[0], &a->r[ABR_OPEN]),
		    fmt_rate(b[1], sizeof b[1], &a->r[ABR_CLICK]),
		    fmt_rate(b[2], sizeof b[2], &a->r[ABR_CONVERSION]));
		if (isnan(a->rev_mean))
			fprintf(f, "-\n");
		else if (isnan(a->rev_lo))
			fprintf(f, "%.2f\n", a->rev_mean);
		else
			fprintf(f, "%.2f [%.2f, %.2f]\n", a->rev_mean, a->rev_lo, a->rev_hi);
	}
	fprintf(f, "\n%-16s %10s  %-24s %-24s %s\n", "safety", "", "bounce %", "unsubscribe %",
	    "complaint %");
	for (int i = 0; i < rep->narms; i++) {
		const struct abreport_arm *a = &rep->arm[i];

		fprintf(f, "%-16s %10s  %-24s %-24s %s\n", a->t->name, "",
		    fmt_rate(b[0], sizeof b[0], &a->r[ABR_BOUNCE]),
		    fmt_rate(b[1], sizeof b[1], &a->r[ABR_UNSUB]),
		    fmt_rate(b[2], sizeof b[2], &a->r[ABR_COMPLAINT]));
	}
	if (rep->control >= 0) {
		fprintf(f, "\nuplift over %s\n%-16s %11s %-9s %-9s %11s %-9s %-9s %12s %s\n",
		    rep->control_name, "arm", "open diff", "p", "P(beats)", "conv diff", "p",
		    "P(beats)", "rev diff", "p");
		for (int i = 0; i < rep->narms; i++) {
			const struct abreport_arm *a = &rep->arm[i];
			const struct abreport_rate *o = &a->r[ABR_OPEN], *c = &a->r[ABR_CONVERSION];

			if (!o->has_uplift)
				continue;
			fprintf(f, "%-16s %+9.2fpt %-9s %-9.4f %+9.2fpt %-9s %-9.4f ", a->t->name,
			    100 * o->diff, fmt_p(b[0], sizeof b[0], o->p), o->prob_beats,
			    100 * c->diff, fmt_p(b[1], sizeof b[1], c->p), c->prob_beats);
			if (a->has_rev_uplift)
				fprintf(f, "%+12.2f %s\n", a->rev_diff, fmt_p(b[2], sizeof b[2], a->rev_p));
			else
				fprintf(f, "%12s -\n", "-");
		}
	}
	if (rep->has_srm)
		fprintf(f, "\nsample ratio: chi2 %.3f, %d df, p %s%s\n", rep->srm_chi2, rep->srm_df,
		    fmt_p(b[0], sizeof b[0], rep->srm_p),
		    rep->srm_p < ABREPORT_SRM_ALPHA ? ": MISMATCH, the split is broken" : ": ok");
	if (rep->tally->orphan_events > 0)
		fprintf(f, "orphan events (users never sent): %lld\n",
		    (long long)rep->tally->orphan_events);
	for (int i = 0; i < rep->narms; i++) {
		size_t k;
		json_t *w;

		json_array_foreach(rep->arm[i].warnings, k, w)
			fprintf(f, "warning: %s\n", json_string_value(w));
	}
	if (ferror(f))
		return err_set(e, EXIT_IO, "write error: %s", strerror(errno ? errno : EIO));
	return 0;
}

static const char *const palette[] = {
	"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f",
};

int
abreport_write_svg(FILE *f, const struct abreport *rep, struct err *e)
{
	const double left = 60, top = 50, plot_h = 260, group_w = 220, legend_line = 18;
	int n = rep->narms, width = (int)(left + ABR_NCHART * group_w + 20);
	int height = (int)(top + plot_h + 50 + legend_line * (n + 1));
	double ymax = 0, bar_w = n > 0 ? (group_w - 40) / n : 0, step;
	char buf[512];

	for (int i = 0; i < n; i++)
		for (int r = 0; r < ABR_NCHART; r++)
			if (isfinite(rep->arm[i].r[r].hi) && rep->arm[i].r[r].hi > ymax)
				ymax = rep->arm[i].r[r].hi;
	/* a round axis: 1, 2 or 5 times a power of ten per tick, five ticks */
	step = pow(10, floor(log10(ymax > 0 ? ymax / 5 : 0.002)));
	if (ymax / step > 25)
		step *= 5;
	else if (ymax / step > 10)
		step *= 2;
	ymax = step * ceil(ymax / step > 0 ? ymax / step : 1);
	svg_begin(f, width, height);
	snprintf(buf, sizeof buf, "campaign %s: rates with 95%% Wilson intervals", rep->campaign);
	svg_text(f, left, 24, "start", 16, buf);
	for (double y = 0; y <= ymax + step / 2; y += step) {
		double py = top + plot_h - y / ymax * plot_h;

		svg_line(f, left, py, left + ABR_NCHART * group_w, py, "#dddddd", 1);
		snprintf(buf, sizeof buf, "%g%%", 100 * y);
		svg_text(f, left - 6, py + 4, "end", 11, buf);
	}
	for (int r = 0; r < ABR_NCHART; r++) {
		double gx = left + r * group_w + 20;

		svg_text(f, gx + (group_w - 40) / 2, top + plot_h + 20, "middle", 13, rate_names[r]);
		for (int i = 0; i < n; i++) {
			const struct abreport_rate *x = &rep->arm[i].r[r];
			double bx = gx + i * bar_w, cx = bx + bar_w / 2;

			if (isnan(x->rate))
				continue;
			svg_rect(f, bx + 2, top + plot_h - x->rate / ymax * plot_h, bar_w - 4,
			    x->rate / ymax * plot_h, palette[i % 8]);
			svg_line(f, cx, top + plot_h - x->hi / ymax * plot_h, cx,
			    top + plot_h - x->lo / ymax * plot_h, "#222222", 1.5);
			svg_line(f, cx - 5, top + plot_h - x->hi / ymax * plot_h, cx + 5,
			    top + plot_h - x->hi / ymax * plot_h, "#222222", 1.5);
			svg_line(f, cx - 5, top + plot_h - x->lo / ymax * plot_h, cx + 5,
			    top + plot_h - x->lo / ymax * plot_h, "#222222", 1.5);
		}
	}
	svg_line(f, left, top + plot_h, left + ABR_NCHART * group_w, top + plot_h, "#000000", 1);
	for (int i = 0; i < n; i++) {
		const struct abreport_arm *a = &rep->arm[i];
		double ly = top + plot_h + 40 + legend_line * i;
		int len;

		svg_rect(f, left, ly - 10, 12, 12, palette[i % 8]);
		len = snprintf(buf, sizeof buf, "%s: %lld recipients", a->t->name,
		    (long long)a->t->recipients);
		if (i == rep->control)
			snprintf(buf + len, sizeof buf - (size_t)len, " (control)");
		else if (a->r[ABR_CONVERSION].has_uplift)
			snprintf(buf + len, sizeof buf - (size_t)len, "; P(beats %s): open %.3f, "
			    "click %.3f, conversion %.3f%s", rep->control_name,
			    a->r[ABR_OPEN].prob_beats, a->r[ABR_CLICK].prob_beats,
			    a->r[ABR_CONVERSION].prob_beats,
			    json_array_size(a->warnings) > 0 ? " (too few to decide)" : "");
		svg_text(f, left + 18, ly, "start", 12, buf);
	}
	if (svg_end(f) < 0)
		return err_set(e, EXIT_IO, "write error: %s", strerror(errno ? errno : EIO));
	return 0;
}
