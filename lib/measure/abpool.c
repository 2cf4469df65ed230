/* abpool.c - earlier campaigns' A/B reports read back, checked, and pooled with standardised weights */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "measure/abpool.h"
#include "base/exitcode.h"
#include "base/ndjson.h"
#include "base/stats.h"
#include "base/tstamp.h"

static const char *const metric_names[ABPOOL_NMETRICS] = { "open", "click", "conversion" };

int
abpool_metric_parse(const char *s, enum abpool_metric *out)
{
	for (int m = 0; m < ABPOOL_NMETRICS; m++)
		if (strcmp(s, metric_names[m]) == 0) {
			*out = (enum abpool_metric)m;
			return 0;
		}
	return -1;
}

const char *
abpool_metric_name(enum abpool_metric m)
{
	return m >= 0 && m < ABPOOL_NMETRICS ? metric_names[m] : "?";
}

void
abpool_init(struct abpool *p)
{
	memset(p, 0, sizeof *p);
}

void
abpool_free(struct abpool *p)
{
	for (int i = 0; i < p->ncamp; i++)
		free(p->campaign[i]);
	for (int i = 0; i < p->narms; i++)
		free(p->arm[i]);
	free(p->campaign);
	free(p->generated);
	free(p->arm);
	free(p->cell);
	memset(p, 0, sizeof *p);
}

static struct abpool_cell *
cell(const struct abpool *p, int c, int a)
{
	return &p->cell[(size_t)c * (size_t)p->caparm + (size_t)a];
}

static void
cell_clear(struct abpool_cell *x)
{
	memset(x, 0, sizeof *x);
	x->n = -1;
	x->weight = NAN;
}

/* Grows the cell table to hold ncamp x narms with room to spare. Returns 0 or -1. */
static int
grow(struct abpool *p, int ncamp, int narms, struct err *e)
{
	int cc = p->capcamp, ca = p->caparm;
	struct abpool_cell *nc;

	if (ncamp <= cc && narms <= ca)
		return 0;
	while (cc < ncamp)
		cc = cc ? cc * 2 : 8;
	while (ca < narms)
		ca = ca ? ca * 2 : 4;
	if ((nc = malloc((size_t)cc * (size_t)ca * sizeof *nc)) == NULL)
		return err_nomem(e);
	for (int c = 0; c < cc; c++)
		for (int a = 0; a < ca; a++) {
			if (c < p->ncamp && a < p->narms)
				nc[(size_t)c * (size_t)ca + (size_t)a] = *cell(p, c, a);
			else
				cell_clear(&nc[(size_t)c * (size_t)ca + (size_t)a]);
		}
	if (cc > p->capcamp) {
		char **names = realloc(p->campaign, (size_t)cc * sizeof *names);
		int64_t *gen;

		if (names == NULL) {
			free(nc);
			return err_nomem(e);
		}
		p->campaign = names;
		if ((gen = realloc(p->generated, (size_t)cc * sizeof *gen)) == NULL) {
			free(nc);
			return err_nomem(e);
		}
		p->generated = gen;
	}
	if (ca > p->caparm) {
		char **names = realloc(p->arm, (size_t)ca * sizeof *names);

		if (names == NULL) {
			free(nc);
			return err_nomem(e);
		}
		p->arm = names;
	}
	free(p->cell);
	p->cell = nc;
	p->capcamp = cc;
	p->caparm = ca;
	return 0;
}

static int
find_name(char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

int
abpool_arm(const struct abpool *p, const char *name)
{
	return find_name(p->arm, p->narms, name);
}

/* A whole number member >= 0 in *out. Returns 0, or -1 when absent or of another kind. */
static int
count_member(const json_t *o, const char *key, int64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

/* Reads one arm line into campaign c. Returns 0, or -1 with e set (EXIT_DATA, no position). */
static int
add_arm(struct abpool *p, int c, const json_t *o, struct err *e)
{
	const char *name = ndjson_str(o, "arm");
	struct abpool_cell *x;
	double w;
	int a;

	if (name == NULL || *name == '\0')
		return err_set(e, EXIT_DATA, "arm line without an \"arm\" name");
	if ((a = abpool_arm(p, name)) < 0) {
		if (grow(p, p->ncamp, p->narms + 1, e) < 0)
			return -1;
		if ((p->arm[p->narms] = strdup(name)) == NULL)
			return err_nomem(e);
		a = p->narms++;
	}
	x = cell(p, c, a);
	if (x->n >= 0)
		return err_set(e, EXIT_DATA, "arm '%s' of campaign '%s' is reported twice", name,
		    p->campaign[c]);
	if (count_member(o, "recipients", &x->n) < 0)
		return err_set(e, EXIT_DATA, "arm '%s': \"recipients\" is not a whole number >= 0",
		    name);
	for (int m = 0; m < ABPOOL_NMETRICS; m++) {
		json_t *r = json_object_get(o, metric_names[m]);

		if (!json_is_object(r) || count_member(r, "count", &x->x[m]) < 0 || x->x[m] > x->n) {
			x->n = -1;
			return err_set(e, EXIT_DATA, "arm '%s': \"%s.count\" is missing or not within "
			    "0..recipients", name, metric_names[m]);
		}
	}
	switch (ndjson_num(o, "weight", &w)) {
	case 1:
		if (!isfinite(w) || w <= 0 || w > 1) {
			x->n = -1;
			return err_set(e, EXIT_DATA, "arm '%s': \"weight\" %g is not in (0, 1]", name, w);
		}
		x->weight = w;
		break;
	case 0:
		break;
	default:
		x->n = -1;
		return err_set(e, EXIT_DATA, "arm '%s': \"weight\" is not a number", name);
	}
	return 0;
}

/* Starts campaign `name` (a new one). Returns its index, or -1 with e set. */
static int
open_campaign(struct abpool *p, const char *name, struct err *e)
{
	if (find_name(p->campaign, p->ncamp, name) >= 0)
		return err_set(e, EXIT_DATA, "campaign '%s' is reported twice", name);
	if (grow(p, p->ncamp + 1, p->narms, e) < 0)
		return -1;
	if ((p->campaign[p->ncamp] = strdup(name)) == NULL)
		return err_nomem(e);
	p->generated[p->ncamp] = -1;
	return p->ncamp++;
}

/* One record of a report; *open is the campaign whose summary is still to come (-1: none). */
static int
add_record(struct abpool *p, const json_t *o, int *open, struct err *e)
{
	const char *kind = ndjson_str(o, "kind"), *camp = ndjson_str(o, "campaign");
	const char *gen;
	int64_t t;

	if (kind == NULL)
		return err_set(e, EXIT_DATA, "not an abreport line (no \"kind\")");
	if (camp == NULL || *camp == '\0')
		return err_set(e, EXIT_DATA, "%s line without a \"campaign\"", kind);
	if (strcmp(kind, "arm") == 0) {
		if (*open >= 0 && strcmp(p->campaign[*open], camp) != 0)
			return err_set(e, EXIT_DATA, "arm line of campaign '%s' before the summary "
			    "line of campaign '%s'", camp, p->campaign[*open]);
		if (*open < 0 && (*open = open_campaign(p, camp, e)) < 0)
			return -1;
		return add_arm(p, *open, o, e);
	}
	if (strcmp(kind, "summary") != 0)
		return err_set(e, EXIT_DATA, "unknown kind '%s' (a report has arm and summary lines)",
		    kind);
	if (*open < 0 || strcmp(p->campaign[*open], camp) != 0)
		return err_set(e, EXIT_DATA, "summary of campaign '%s' without its arm lines", camp);
	if ((gen = ndjson_str(o, "events_until")) != NULL) {
		if (tstamp_parse(gen, strlen(gen), &t) < 0)
			return err_set(e, EXIT_DATA, "\"events_until\" '%s' is not a UTC timestamp",
			    gen);
		p->generated[*open] = t;
	}
	*open = -1;
	return 0;
}

int
abpool_read(struct abpool *p, FILE *f, const char *name, struct err *e)
{
	struct ndjson_reader rd;
	json_t *o;
	int rc, open = -1;

	if (ndjson_init(&rd, f, name, 0, e) < 0)
		return -1;
	while ((rc = ndjson_next(&rd, &o, NULL, e)) > 0) {
		rc = add_record(p, o, &open, e);
		json_decref(o);
		if (rc < 0) {
			if (e->code == EXIT_DATA)
				err_prefix(e, "%s:%ld", name, ndjson_lineno(&rd));
			break;
		}
	}
	if (rc == 0 && open >= 0)
		rc = err_set(e, EXIT_DATA, "%s:%ld: ends without the summary line of campaign '%s' "
		    "(a report cut short?)", name, ndjson_lineno(&rd), p->campaign[open]);
	if (rc == 0 && p->ncamp == 0)
		rc = err_set(e, EXIT_DATA, "%s: no report in it", name);
	ndjson_free(&rd);
	return rc < 0 ? -1 : 0;
}

int
abpool_read_paths(struct abpool *p, char *const *paths, int n, struct err *e)
{
	for (int i = 0; i < n; i++) {
		int stdio = strcmp(paths[i], "-") == 0, rc;
		FILE *f = stdio ? stdin : fopen(paths[i], "rb");

		if (f == NULL)
			return err_set(e, EXIT_NOINPUT, "%s: %s", paths[i], strerror(errno));
		rc = abpool_read(p, f, paths[i], e);
		if (!stdio)
			fclose(f);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int
abpool_check(const struct abpool *p, const char *current, int64_t max_age_s, int64_t now,
    struct err *e)
{
	for (int c = 0; c < p->ncamp; c++) {
		if (current != NULL && strcmp(p->campaign[c], current) == 0)
			return err_set(e, EXIT_DATA, "the report of campaign '%s' is the campaign being "
			    "assigned: a campaign cannot steer itself", current);
		if (max_age_s <= 0)
			continue;
		if (p->generated[c] < 0)
			return err_set(e, EXIT_DATA, "the report of campaign '%s' has no "
			    "\"events_until\", so its age is unknown (give --max-age 0 to accept it)",
			    p->campaign[c]);
		if (now - p->generated[c] > max_age_s)
			return err_set(e, EXIT_DATA, "the report of campaign '%s' is stale: its last "
			    "event is %.1f days old, over --max-age %.1f", p->campaign[c],
			    (double)(now - p->generated[c]) / 86400, (double)max_age_s / 86400);
	}
	return 0;
}

/* Whether every arm of set has recipients in campaign c. */
static int
takes_part(const struct abpool *p, int c, const int *set, int nset)
{
	for (int i = 0; i < nset; i++)
		if (set[i] < 0 || cell(p, c, set[i])->n <= 0)
			return 0;
	return 1;
}

/* A campaign's weight in every pooled figure: all its recipients, whatever their arm. */
static double
campaign_weight(const struct abpool *p, int c, const int *set, int nset)
{
	double w = 0;

	(void)set;
	(void)nset;
	for (int a = 0; a < p->narms; a++)
		if (cell(p, c, a)->n > 0)
			w += (double)cell(p, c, a)->n;
	return w;
}

static double
smoothed_var(const struct abpool_cell *x, enum abpool_metric m)
{
	double q = ((double)x->x[m] + 0.5) / ((double)x->n + 1);

	return q * (1 - q) / (double)x->n;
}

void
abpool_rate(const struct abpool *p, enum abpool_metric m, int arm, const int *set, int nset,
    struct abpool_est *out)
{
	double wsum = 0, num = 0, var = 0;

	memset(out, 0, sizeof *out);
	out->rate = out->naive = NAN;
	if (arm < 0)
		return;
	for (int c = 0; c < p->ncamp; c++) {
		const struct abpool_cell *x = cell(p, c, arm);
		double w;

		if (!takes_part(p, c, set, nset) || x->n <= 0)
			continue;
		w = campaign_weight(p, c, set, nset);
		wsum += w;
		num += w * (double)x->x[m] / (double)x->n;
		out->n += x->n;
		out->x += x->x[m];
		out->ncamp++;
	}
	if (out->ncamp == 0)
		return;
	for (int c = 0; c < p->ncamp; c++) {
		const struct abpool_cell *x = cell(p, c, arm);
		double w;

		if (!takes_part(p, c, set, nset) || x->n <= 0)
			continue;
		w = campaign_weight(p, c, set, nset) / wsum;
		var += w * w * smoothed_var(x, m);
	}
	out->rate = num / wsum;
	out->var = var;
	out->naive = (double)out->x / (double)out->n;
}

double
abpool_diff(const struct abpool *p, enum abpool_metric m, int arm, int control, const int *set,
    int nset, double *var)
{
	double wsum = 0, num = 0, v = 0;

	*var = NAN;
	if (arm < 0 || control < 0)
		return NAN;
	for (int c = 0; c < p->ncamp; c++) {
		const struct abpool_cell *x = cell(p, c, arm), *y = cell(p, c, control);

		if (!takes_part(p, c, set, nset) || x->n <= 0 || y->n <= 0)
			continue;
		wsum += campaign_weight(p, c, set, nset);
	}
	if (wsum <= 0)
		return NAN;
	for (int c = 0; c < p->ncamp; c++) {
		const struct abpool_cell *x = cell(p, c, arm), *y = cell(p, c, control);
		double w;

		if (!takes_part(p, c, set, nset) || x->n <= 0 || y->n <= 0)
			continue;
		w = campaign_weight(p, c, set, nset) / wsum;
		num += w * ((double)x->x[m] / (double)x->n - (double)y->x[m] / (double)y->n);
		v += w * w * (smoothed_var(x, m) + smoothed_var(y, m));
	}
	*var = v;
	return num;
}

static json_t *
num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* A 95% normal interval around v, clipped to [-1, 1] for differences or [0, 1] for rates. */
static json_t *
interval(double v, double var, double lo_clip)
{
	double h;

	if (!isfinite(v) || !isfinite(var))
		return json_null();
	h = STATS_Z95 * sqrt(var);
	return json_pack("[ff]", fmax(lo_clip, v - h), fmin(1, v + h));
}

static json_t *
pooled_metric(const struct abpool *p, enum abpool_metric m, int arm, int control)
{
	int set[2] = { arm, control }, nset = control >= 0 && control != arm ? 2 : 1;
	struct abpool_est est;
	json_t *o;

	abpool_rate(p, m, arm, set, nset, &est);
	o = json_pack("{sIsososo}", "count", (json_int_t)est.x, "rate", num(est.rate),
	    "ci", interval(est.rate, est.var, 0), "naive_rate", num(est.naive));
	if (o != NULL && nset == 2) {
		double var, d = abpool_diff(p, m, arm, control, set, nset, &var);
		double z = isfinite(d) && var > 0 ? d / sqrt(var) : NAN;

		json_object_set_new(o, "uplift", json_pack("{sosososo}", "diff", num(d),
		    "ci", interval(d, var, -1), "z", num(z), "p_value",
		    num(isfinite(z) ? 2 * (1 - stats_normal_cdf(fabs(z))) : NAN)));
	}
	return o;
}

int
abpool_write_ndjson(FILE *f, const struct abpool *p, const char *control, struct err *e)
{
	int ctl = abpool_arm(p, control);
	json_t *o, *camps;

	for (int a = 0; a < p->narms; a++) {
		int set[2] = { a, ctl }, nset = ctl >= 0 && ctl != a ? 2 : 1;
		struct abpool_est est;
		int rc;

		abpool_rate(p, ABPOOL_OPEN, a, set, nset, &est);
		o = json_pack("{sssssbsisI}", "kind", "pooled_arm", "arm", p->arm[a], "control",
		    a == ctl, "campaigns", est.ncamp, "recipients", (json_int_t)est.n);
		if (o == NULL)
			return err_nomem(e);
		for (int m = 0; m < ABPOOL_NMETRICS; m++)
			json_object_set_new(o, metric_names[m], pooled_metric(p, m, a, ctl));
		rc = ndjson_write(f, o, e);
		json_decref(o);
		if (rc < 0)
			return -1;
	}
	if ((camps = json_array()) == NULL)
		return err_nomem(e);
	for (int c = 0; c < p->ncamp; c++)
		json_array_append_new(camps, json_string(p->campaign[c]));
	o = json_pack("{sssossss}", "kind", "pooled_summary", "campaigns", camps, "control", control,
	    "method", "standardised: each campaign weighted by all its recipients, the same weight "
	    "for every arm, over the campaigns an arm shares with the control, so arm weights that "
	    "changed between campaigns do not bias the pooled rates or uplifts; naive_rate is the "
	    "plain sum, for comparison");
	if (o == NULL)
		return err_nomem(e);
	if (ctl < 0)
		json_object_set_new(o, "warning", json_string("the control arm is in no report: "
		    "no uplifts"));
	{
		int rc = ndjson_write(f, o, e);

		json_decref(o);
		return rc;
	}
}
