/* runpage.c - the campaign report page: the model of runreport_gather as one static HTML page */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/exitcode.h"
#include "base/ndjson.h"
#include "mail/html.h"
#include "measure/runpage.h"

#define GMAIL_CLIP 102400

static const char page_css[] =
    "body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#1f2933;background:#fff}"
    "h1{font-size:24px}h2{font-size:19px;margin-top:32px;border-bottom:1px solid #d9e2ec}"
    "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d9e2ec;padding:4px 8px;"
    "text-align:left;vertical-align:top;font-size:14px}td.n{text-align:right}"
    ".warn{color:#9b1c1c;font-weight:bold}.ok{color:#1f6f43;font-weight:bold}"
    ".sample{display:flex;gap:12px;margin:14px 0;border:1px solid #d9e2ec;padding:8px}"
    ".inbox{font-size:14px;margin-bottom:6px}.inbox .pre{color:#52606d}"
    "iframe{width:620px;height:520px;border:1px solid #bcccdc;background:#fff}"
    "pre{white-space:pre-wrap;font-size:12px;max-width:520px;max-height:520px;overflow:auto;"
    "background:#f5f7fa;padding:8px;margin:0}code{font-size:12px}";

struct page {
	struct buf b;
	int nomem;
};

static void
put(struct page *p, const char *s)
{
	if (buf_adds(&p->b, s) < 0)
		p->nomem = 1;
}

static void
putf(struct page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
putf(struct page *p, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp)
		p->nomem = 1;
	else
		put(p, tmp);
}

/* Escaped text. */
static void
esc(struct page *p, const char *s)
{
	if (s != NULL && html_escape(&p->b, s, strlen(s)) < 0)
		p->nomem = 1;
}

static json_int_t
geti(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static double
getd(const json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

/* A figure with its name: <td class="n" data-k="NAME">V</td>. */
static void
cell_int(struct page *p, const char *name, json_int_t v)
{
	put(p, "<td class=\"n\" data-k=\"");
	esc(p, name);
	putf(p, "\">%lld</td>", (long long)v);
}

/* One row per key of counts: <tr data-ATTR="KEY"><td>KEY</td><td data-k="count">N</td></tr>. */
static void
count_rows(struct page *p, const char *attr, const json_t *counts)
{
	const char *k;
	json_t *x;

	json_object_foreach((json_t *)counts, k, x) {
		putf(p, "<tr data-%s=\"", attr);
		esc(p, k);
		put(p, "\"><td>");
		esc(p, k);
		put(p, "</td>");
		cell_int(p, "count", json_integer_value(x));
		put(p, "</tr>\n");
	}
}

/* One row per object of rows: the string fields f[0..2], escaped; cls names the rows (or NULL). */
static void
text_rows(struct page *p, const char *cls, const json_t *rows, const char *const f[3])
{
	const json_t *x;
	size_t i, k;

	json_array_foreach(rows, i, x) {
		if (cls != NULL)
			putf(p, "<tr class=\"%s\">", cls);
		else
			put(p, "<tr>");
		for (k = 0; k < 3; k++) {
			put(p, "<td>");
			esc(p, ndjson_str(x, f[k]));
			put(p, "</td>");
		}
		put(p, "</tr>\n");
	}
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median and maximum of the numbers of arr; 0 when empty. */
static void
med_max(const json_t *arr, double *med, double *max)
{
	size_t n = json_array_size(arr), i;
	double *v = n ? malloc(n * sizeof *v) : NULL;

	*med = *max = 0;
	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		v[i] = json_number_value(json_array_get(arr, i));
	qsort(v, n, sizeof *v, dbl_cmp);
	*med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	*max = v[n - 1];
	free(v);
}

static void
stages(struct page *p, const json_t *m)
{
	const json_t *order = json_object_get(m, "stage_order"), *st = json_object_get(m, "stages");
	const json_t *x;
	size_t i;

	put(p, "<h2 id=\"stages\">Stages</h2>\n<table id=\"stage-table\"><tr><th>stage</th><th>in</th>"
	    "<th>out</th><th>rejected</th><th>seconds</th></tr>\n");
	json_array_foreach(order, i, x) {
		const char *name = json_string_value(x);
		const json_t *s = json_object_get(st, name);

		put(p, "<tr data-stage=\"");
		esc(p, name);
		put(p, "\"><td>");
		esc(p, name);
		put(p, "</td>");
		cell_int(p, "in", (json_int_t)getd(s, "in"));
		cell_int(p, "out", (json_int_t)getd(s, "out"));
		cell_int(p, "rejected", (json_int_t)getd(s, "rejected"));
		putf(p, "<td class=\"n\" data-k=\"seconds\">%.2f</td></tr>\n", getd(s, "seconds"));
	}
	put(p, "</table>\n");
}

static void
rejects(struct page *p, const json_t *m)
{
	const json_t *all = json_object_get(m, "rejects"), *reasons, *r;
	const char *stage, *reason;

	put(p, "<h2 id=\"rejects\">Rejected records</h2>\n");
	if (json_object_size(all) == 0)
		put(p, "<p>No rejects file.</p>\n");
	json_object_foreach((json_t *)all, stage, reasons) {
		put(p, "<h3>rejects-");
		esc(p, stage);
		put(p, ".ndjson</h3>\n");
		if (json_object_size(reasons) == 0) {
			put(p, "<p>none</p>\n");
			continue;
		}
		put(p, "<table><tr><th>reason</th><th>records</th><th>examples</th></tr>\n");
		json_object_foreach((json_t *)reasons, reason, r) {
			const json_t *ex;
			size_t i;

			put(p, "<tr data-rejects=\"");
			esc(p, stage);
			put(p, "\" data-reason=\"");
			esc(p, reason);
			put(p, "\"><td>");
			esc(p, reason);
			put(p, "</td>");
			cell_int(p, "count", geti(r, "count"));
			put(p, "<td>");
			json_array_foreach(json_object_get(r, "examples"), i, ex) {
				char *t = json_dumps(ex, JSON_COMPACT | JSON_SORT_KEYS);

				put(p, "<code>");
				esc(p, t ? t : "");
				put(p, "</code><br>");
				free(t);
			}
			put(p, "</td></tr>\n");
		}
		put(p, "</table>\n");
	}
}

static void
samples(struct page *p, const json_t *m)
{
	const json_t *arms = json_object_get(m, "arms"), *a, *s;
	const char *arm;
	size_t i;

	put(p, "<h2 id=\"samples\">Sample emails</h2>\n<p>Each HTML part is shown in a sandboxed frame "
	    "(no script, no network: its images are not loaded), its text part beside it, and the "
	    "subject and preheader as an inbox lists them. The sample covers every language and "
	    "reason type of each arm.</p>\n");
	json_object_foreach((json_t *)arms, arm, a) {
		put(p, "<h3 data-arm=\"");
		esc(p, arm);
		put(p, "\">Arm ");
		esc(p, arm);
		putf(p, ": <span data-k=\"messages\">%lld</span> messages</h3>\n",
		    (long long)geti(a, "messages"));
		json_array_foreach(json_object_get(m, "samples"), i, s) {
			const json_t *r;
			size_t k;

			if (strcmp(json_string_value(json_object_get(s, "arm")), arm) != 0)
				continue;
			put(p, "<div class=\"sample\" data-arm=\"");
			esc(p, arm);
			put(p, "\" data-lang=\"");
			esc(p, ndjson_str(s, "lang"));
			put(p, "\" data-reasons=\"");
			json_array_foreach(json_object_get(s, "reasons"), k, r) {
				if (k)
					put(p, " ");
				esc(p, json_string_value(r));
			}
			put(p, "\" data-file=\"");
			esc(p, ndjson_str(s, "file"));
			put(p, "\"><div><div class=\"inbox\"><b class=\"subject\">");
			esc(p, ndjson_str(s, "subject"));
			put(p, "</b> <span class=\"pre\">&ndash; ");
			esc(p, ndjson_str(s, "preheader"));
			put(p, "</span> <small>(");
			esc(p, ndjson_str(s, "lang"));
			put(p, ")</small></div>\n<iframe sandbox=\"\" referrerpolicy=\"no-referrer\" title=\"");
			esc(p, ndjson_str(s, "file"));
			put(p, "\" srcdoc=\"");
			esc(p, ndjson_str(s, "html"));
			put(p, "\"></iframe></div>\n<pre class=\"text\">");
			esc(p, ndjson_str(s, "text"));
			put(p, "</pre></div>\n");
		}
	}
}

static void
guard(struct page *p, const json_t *m)
{
	const json_t *llm = json_object_get(m, "llm"), *g = json_object_get(m, "guard");

	put(p, "<h2 id=\"guard\">Guardrail refusals</h2>\n");
	putf(p, "<p><span data-k=\"guard_refusals\">%lld</span> replies failed the guardrails or were "
	    "refused by the model (not mailed)", (long long)geti(llm, "guard_refusals"));
	put(p, json_array_size(g) < (size_t)geti(llm, "guard_refusals") ? "; the first are listed.</p>\n" :
	    ".</p>\n");
	if (json_array_size(g) == 0)
		return;
	put(p, "<table><tr><th>customer</th><th>type</th><th>reason and refused text</th></tr>\n");
	text_rows(p, "refusal", g, (const char *const[3]){ "user", "type", "message" });
	put(p, "</table>\n");
}

static void
recs(struct page *p, const json_t *m)
{
	const json_t *r = json_object_get(m, "recs"), *x;
	size_t i;

	put(p, "<h2 id=\"recs\">Recommendations</h2>\n");
	putf(p, "<p><span data-k=\"customers\">%lld</span> customers were recommended "
	    "<span data-k=\"distinct_items\">%lld</span> distinct products", (long long)geti(r, "customers"),
	    (long long)geti(r, "distinct_items"));
	if (json_is_true(json_object_get(r, "catalog_given")) && geti(r, "catalog_items") > 0)
		putf(p, " of <span data-k=\"catalog_items\">%lld</span> in the catalog: coverage "
		    "<span data-k=\"coverage\">%.1f%%</span>", (long long)geti(r, "catalog_items"),
		    100.0 * (double)geti(r, "distinct_items") / (double)geti(r, "catalog_items"));
	put(p, ".</p>\n<h3>Most recommended</h3>\n<table id=\"top-items\"><tr><th>product</th><th>title</th>"
	    "<th>customers</th><th>share</th></tr>\n");
	json_array_foreach(json_object_get(r, "top"), i, x) {
		put(p, "<tr data-item=\"");
		esc(p, ndjson_str(x, "item"));
		put(p, "\"><td>");
		esc(p, ndjson_str(x, "item"));
		put(p, "</td><td>");
		esc(p, ndjson_str(x, "title"));
		put(p, "</td>");
		cell_int(p, "customers", geti(x, "customers"));
		putf(p, "<td class=\"n\">%.1f%%</td></tr>\n", geti(r, "customers") ? 100.0 *
		    (double)geti(x, "customers") / (double)geti(r, "customers") : 0.0);
	}
	put(p, "</table>\n<h3>Reason types</h3>\n<table id=\"reason-types\"><tr><th>type</th>"
	    "<th>recommendations</th></tr>\n");
	count_rows(p, "reason-type", json_object_get(r, "reasons"));
	put(p, "</table>\n");
	if (!json_is_true(json_object_get(r, "catalog_given"))) {
		put(p, "<p>No catalog given: products left out are not known.</p>\n");
		return;
	}
	putf(p, "<h3>Left out</h3>\n<p><span data-k=\"left_in_stock\">%lld</span> products in stock "
	    "were in no customer's list; <span data-k=\"left_out_of_stock\">%lld</span> are out of "
	    "stock.</p>\n", (long long)geti(r, "left_in_stock"), (long long)geti(r, "left_out_of_stock"));
	if (json_array_size(json_object_get(r, "left_out")) == 0)
		return;
	put(p, "<table><tr><th>product</th><th>title</th><th>why</th></tr>\n");
	text_rows(p, NULL, json_object_get(r, "left_out"), (const char *const[3]){ "item", "title",
	    "why" });
	put(p, "</table>\n");
}

static void
llm(struct page *p, const json_t *m)
{
	const json_t *l = json_object_get(m, "llm");

	static const char *const rows[][2] = {
		{ "replies", "records" }, { "written by the LLM (not the offline writer)", "llm_records" },
		{ "from the cache", "cache_hits" }, { "requests", "requests" }, { "retries", "retries" },
		{ "prompt tokens", "prompt_tokens" }, { "completion tokens", "completion_tokens" },
		{ "failed replies", "failed" },
	};
	size_t i;

	put(p, "<h2 id=\"llm\">LLM use</h2>\n<table id=\"llm-table\">");
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		put(p, "<tr><td>");
		esc(p, rows[i][0]);
		put(p, "</td>");
		cell_int(p, rows[i][1], geti(l, rows[i][1]));
		put(p, "</tr>");
	}
	put(p, "<tr><td>estimated cost</td>");
	if (json_is_number(json_object_get(l, "cost"))) {
		putf(p, "<td class=\"n\" data-k=\"cost\">%.4f ", getd(l, "cost"));
		esc(p, ndjson_str(l, "currency"));
		putf(p, "</td></tr></table>\n<p>At %.4g per 1,000 prompt tokens and %.4g per 1,000 "
		    "completion tokens (LLM_PRICE_IN, LLM_PRICE_OUT).</p>\n", getd(l, "price_in"),
		    getd(l, "price_out"));
	} else {
		put(p, "<td data-k=\"cost\">no prices configured (LLM_PRICE_IN, LLM_PRICE_OUT)</td></tr>"
		    "</table>\n");
	}
	if (json_object_size(json_object_get(l, "failures")) == 0)
		return;
	put(p, "<table><tr><th>failure type</th><th>replies</th></tr>\n");
	count_rows(p, "failure", json_object_get(l, "failures"));
	put(p, "</table>\n");
}

static void
plan(struct page *p, const json_t *m)
{
	const json_t *x;
	const char *k;
	size_t i;

	put(p, "<h2 id=\"plan\">A/B plan</h2>\n<table id=\"arms\"><tr><th>arm</th><th>customers "
	    "assigned</th><th>messages in the outbox</th></tr>\n");
	json_object_foreach(json_object_get(m, "assigned"), k, x) {
		put(p, "<tr data-arm=\"");
		esc(p, k);
		put(p, "\"><td>");
		esc(p, k);
		put(p, "</td>");
		cell_int(p, "assigned", json_integer_value(x));
		cell_int(p, "messages", geti(json_object_get(json_object_get(m, "arms"), k), "messages"));
		put(p, "</tr>\n");
	}
	put(p, "</table>\n<p>Minimum detectable effect (two-sided test at 5%, 80% power) for the rates "
	    "the configuration expects (EXPECT_OPEN, EXPECT_CLICK, EXPECT_CONVERSION); a holdout gets no "
	    "email, so it is compared on conversions only.</p>\n<table id=\"mde\"><tr><th>arms</th>"
	    "<th>rate</th><th>expected</th><th>n</th><th>detectable difference</th></tr>\n");
	json_array_foreach(json_object_get(m, "plan"), i, x) {
		double d = getd(x, "mde"), e = getd(x, "expected");

		put(p, "<tr data-a=\"");
		esc(p, ndjson_str(x, "a"));
		put(p, "\" data-b=\"");
		esc(p, ndjson_str(x, "b"));
		put(p, "\" data-rate=\"");
		esc(p, ndjson_str(x, "rate"));
		put(p, "\"><td>");
		esc(p, ndjson_str(x, "a"));
		put(p, " vs ");
		esc(p, ndjson_str(x, "b"));
		put(p, "</td><td>");
		esc(p, ndjson_str(x, "rate"));
		putf(p, "</td><td class=\"n\">%.2f%%</td><td class=\"n\">%lld / %lld</td>", 100 * e,
		    (long long)geti(x, "n_a"), (long long)geti(x, "n_b"));
		if (d < 0)
			put(p, "<td data-k=\"mde\">not measurable (an empty arm)</td></tr>\n");
		else
			putf(p, "<td class=\"n\" data-k=\"mde\" data-mde=\"%.6f\">%.2f points (%.0f%% "
			    "relative)</td></tr>\n", d, 100 * d, 100 * d / e);
	}
	put(p, "</table>\n");
}

/* One deliverability row: what, how many pass of n, and the verdict. */
static void
check_row(struct page *p, const char *id, const char *what, json_int_t pass, json_int_t n)
{
	put(p, "<tr data-check=\"");
	esc(p, id);
	put(p, "\"><td>");
	esc(p, what);
	put(p, "</td>");
	cell_int(p, "pass", pass);
	cell_int(p, "of", n);
	put(p, pass == n && n > 0 ? "<td class=\"ok\">ok</td></tr>\n" :
	    "<td class=\"warn\">WARNING</td></tr>\n");
}

static void
deliverability(struct page *p, const json_t *m)
{
	const json_t *c = json_object_get(m, "checks"), *s = json_object_get(m, "spam"), *x;
	json_int_t n = geti(c, "messages");
	const char *k;
	double med, max;

	put(p, "<h2 id=\"deliverability\">Deliverability</h2>\n<p>The bulk-sender rules of the large "
	    "mailbox providers, checked on every message of the outbox.</p>\n<table id=\"checks\">"
	    "<tr><th>check</th><th>messages passing</th><th>of</th><th></th></tr>\n");
	check_row(p, "dkim", "DKIM signature present", geti(c, "dkim"), n);
	check_row(p, "dkim_aligned", "DKIM d= aligned with the From domain", geti(c, "dkim_aligned"), n);
	check_row(p, "one_click", "one-click unsubscribe (RFC 8058: https List-Unsubscribe and "
	    "List-Unsubscribe-Post)", geti(c, "one_click"), n);
	check_row(p, "text_part", "a plain-text part", geti(c, "text_part"), n);
	check_row(p, "reply_to_consistent", "From and Reply-To domains consistent",
	    geti(c, "reply_to_consistent"), n);
	check_row(p, "html_under_clip", "HTML under Gmail's clipping size (102 KB)",
	    geti(c, "html_under_clip"), n);
	putf(p, "</table>\n<p>Largest HTML part: <span data-k=\"html_max\">%lld</span> bytes.</p>\n",
	    (long long)geti(c, "html_max"));
	put(p, "<h3 id=\"spam\">Spam score</h3>\n");
	if (!json_is_object(s)) {
		put(p, "<p data-k=\"spam\">Not measured (pipelines/spamcheck writes spam.ndjson when "
		    "spamassassin is installed).</p>\n");
		return;
	}
	med_max(json_object_get(s, "scores"), &med, &max);
	putf(p, "<p>SpamAssassin (local rules) on a sample of <span data-k=\"spam_messages\">%zu</span> "
	    "messages: median <span data-k=\"spam_median\">%.1f</span>, maximum "
	    "<span data-k=\"spam_max\">%.1f</span> (5.0 is spam; target: median at most 0.5, none "
	    "above 2.0).</p>\n<table id=\"spam-langs\"><tr><th>language</th><th>messages</th>"
	    "<th>median</th><th>max</th></tr>\n", json_array_size(json_object_get(s, "scores")), med,
	    max);
	json_object_foreach(json_object_get(s, "langs"), k, x) {
		med_max(x, &med, &max);
		put(p, "<tr data-lang=\"");
		esc(p, k);
		put(p, "\"><td>");
		esc(p, k);
		putf(p, "</td><td class=\"n\">%zu</td><td class=\"n\">%.1f</td><td class=\"n\">%.1f</td>"
		    "</tr>\n", json_array_size(x), med, max);
	}
	put(p, "</table>\n<table id=\"spam-rules\"><tr><th>rule hit</th><th>messages</th></tr>\n");
	count_rows(p, "rule", json_object_get(s, "rules"));
	put(p, "</table>\n");
}

int
runpage_warnings(const json_t *m, struct buf *out)
{
	const json_t *c = json_object_get(m, "checks");
	json_int_t n = geti(c, "messages");
	int k = 0;

	if (n == 0)
		return 0;
	if (geti(c, "dkim") < n && ++k &&
	    buf_addf(out, "%lld of %lld messages have no DKIM signature (large mailbox providers "
	    "require one for bulk mail)\n", (long long)(n - geti(c, "dkim")), (long long)n) < 0)
		return -1;
	if (geti(c, "dkim_aligned") < geti(c, "dkim") && ++k &&
	    buf_addf(out, "%lld DKIM signatures are not aligned with the From domain\n",
	    (long long)(geti(c, "dkim") - geti(c, "dkim_aligned"))) < 0)
		return -1;
	if (geti(c, "one_click") < n && ++k &&
	    buf_addf(out, "%lld of %lld messages have no one-click unsubscribe (RFC 8058)\n",
	    (long long)(n - geti(c, "one_click")), (long long)n) < 0)
		return -1;
	if (geti(c, "text_part") < n && ++k &&
	    buf_addf(out, "%lld messages have no plain-text part\n", (long long)(n -
	    geti(c, "text_part"))) < 0)
		return -1;
	if (geti(c, "reply_to_consistent") < n && ++k &&
	    buf_addf(out, "%lld messages have a Reply-To domain unlike the From domain\n",
	    (long long)(n - geti(c, "reply_to_consistent"))) < 0)
		return -1;
	if (geti(c, "html_under_clip") < n && ++k &&
	    buf_addf(out, "%lld messages have HTML over 102 KB (Gmail clips them)\n",
	    (long long)(n - geti(c, "html_under_clip"))) < 0)
		return -1;
	return k;
}

int
runpage_write(const json_t *m, FILE *out, struct err *e)
{
	struct page p = { .nomem = 0 };
	struct buf w;
	const json_t *x;
	size_t i;
	int nw;

	buf_init(&p.b);
	buf_init(&w);
	put(&p, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	    "style-src 'unsafe-inline'; img-src data:\">\n<meta name=\"referrer\" content=\"no-referrer\">\n"
	    "<title>Campaign ");
	esc(&p, ndjson_str(m, "campaign"));
	put(&p, ": report</title>\n<style>");
	put(&p, page_css);
	put(&p, "</style>\n</head>\n<body>\n<h1>Campaign <span id=\"campaign\">");
	esc(&p, ndjson_str(m, "campaign"));
	putf(&p, "</span></h1>\n<p><span id=\"messages\" data-k=\"messages\">%lld</span> messages are in "
	    "the outbox.</p>\n", (long long)geti(json_object_get(m, "checks"), "messages"));
	if ((nw = runpage_warnings(m, &w)) < 0)
		p.nomem = 1;
	if (nw > 0 || json_array_size(json_object_get(m, "warnings")) > 0) {
		const char *s = w.s, *nl;

		put(&p, "<h2 id=\"warnings\">Warnings</h2>\n<ul>\n");
		json_array_foreach(json_object_get(m, "warnings"), i, x) {
			put(&p, "<li class=\"warn\" data-from=\"log\">");
			esc(&p, json_string_value(x));
			put(&p, "</li>\n");
		}
		while (s && (nl = strchr(s, '\n')) != NULL) {
			put(&p, "<li class=\"warn\" data-from=\"checks\">");
			if (html_escape(&p.b, s, (size_t)(nl - s)) < 0)
				p.nomem = 1;
			put(&p, "</li>\n");
			s = nl + 1;
		}
		put(&p, "</ul>\n");
	}
	stages(&p, m);
	rejects(&p, m);
	samples(&p, m);
	guard(&p, m);
	recs(&p, m);
	llm(&p, m);
	plan(&p, m);
	deliverability(&p, m);
	put(&p, "</body>\n</html>\n");
	buf_free(&w);
	if (p.nomem) {
		buf_free(&p.b);
		return err_nomem(e);
	}
	if (fwrite(p.b.s, 1, p.b.len, out) != p.b.len || ferror(out)) {
		buf_free(&p.b);
		return err_set(e, EXIT_IO, "write error");
	}
	buf_free(&p.b);
	return 0;
}
