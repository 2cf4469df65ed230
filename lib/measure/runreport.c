/* runreport.c - gathers what a campaign run did from its run directory into the report's model */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/exitcode.h"
#include "base/ndjson.h"
#include "data/catalog.h"
#include "mail/mailread.h"
#include "measure/runreport.h"

#define GMAIL_CLIP 102400       /* Gmail clips a message whose HTML is over 102 KB */
#define REJECT_EXAMPLES 3
#define GUARD_SHOWN 20

double
runreport_mde(double p, long n1, long n2)
{
	if (n1 <= 0 || n2 <= 0 || !(p > 0 && p < 1))
		return -1;
	return (1.959964 + 0.841621) * sqrt(p * (1 - p) * (1.0 / (double)n1 + 1.0 / (double)n2));
}

static char *
path_in(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static int
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Adds by to the integer counter obj[key]. Returns 0, or -1 when out of memory. */
static int
bump(json_t *obj, const char *key, json_int_t by)
{
	json_t *v = json_object_get(obj, key);

	if (v != NULL)
		return json_integer_set(v, json_integer_value(v) + by);
	return json_object_set_new(obj, key, json_integer(by));
}

static json_int_t
geti(const json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

/* --- campaign.log: the stage lines and the warnings --- */

static int
read_log(json_t *m, const char *dir, struct err *e)
{
	char *path = path_in(dir, "campaign.log"), line[4096];
	json_t *stages = json_object(), *order = json_array(), *warn = json_array();
	FILE *f;

	if (path == NULL || stages == NULL || order == NULL || warn == NULL)
		goto nomem;
	if ((f = fopen(path, "r")) == NULL) {
		err_set(e, EXIT_NOINPUT, "%s: %s", path, strerror(errno));
		goto fail;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		char *p, *name, *colon, *tok, *save = NULL;
		json_t *st;

		line[strcspn(line, "\n")] = '\0';
		if ((p = strstr(line, "warning: ")) != NULL) {
			if (json_array_append_new(warn, json_string(p + 9)) < 0)
				goto nomem_f;
			continue;
		}
		if ((p = strstr(line, " campaign ")) != NULL && strstr(line, ": run directory ") &&
		    json_object_get(m, "campaign") == NULL) {
			name = p + 10;
			name[strcspn(name, ":")] = '\0';
			json_object_set_new(m, "campaign", json_string(name));
			continue;
		}
		if ((p = strstr(line, " stage ")) == NULL || (colon = strstr(p, ": done ")) == NULL)
			continue;
		name = p + 7;
		*colon = '\0';
		if ((st = json_object()) == NULL)
			goto nomem_f;
		for (tok = strtok_r(colon + 7, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			char *eq = strchr(tok, '='), *end;
			double v;

			if (eq == NULL)
				continue;
			*eq = '\0';
			v = strtod(eq + 1, &end);
			if (end != eq + 1 && *end == '\0')
				json_object_set_new(st, tok, json_real(v));
		}
		if (json_object_get(stages, name) == NULL)
			json_array_append_new(order, json_string(name));
		json_object_set_new(stages, name, st);   /* a re-run's line replaces the first */
	}
	fclose(f);
	free(path);
	json_object_set_new(m, "stage_order", order);
	json_object_set_new(m, "stages", stages);
	json_object_set_new(m, "warnings", warn);
	return 0;
nomem_f:
	fclose(f);
nomem:
	err_nomem(e);
fail:
	free(path);
	json_decref(stages);
	json_decref(order);
	json_decref(warn);
	return -1;
}

/* --- rejects-*.ndjson: reasons with counts and examples --- */

struct rej_ctx {
	json_t *reasons;            /* reason -> {count, examples[]} */
};

static int
add_reject(void *arg, const json_t *r, struct err *e)
{
	struct rej_ctx *c = arg;
	const char *reason = ndjson_str(r, "reason");
	json_t *slot, *ex;

	if (reason == NULL)
		reason = "(no reason)";
	if ((slot = json_object_get(c->reasons, reason)) == NULL) {
		if ((slot = json_pack("{sIs[]}", "count", (json_int_t)0, "examples")) == NULL ||
		    json_object_set_new(c->reasons, reason, slot) < 0)
			return err_nomem(e);
	}
	bump(slot, "count", 1);
	ex = json_object_get(slot, "examples");
	if (json_array_size(ex) < REJECT_EXAMPLES) {
		json_t *x = json_deep_copy(r);

		/* an example names the record, never the customer's address */
		if (x == NULL)
			return err_nomem(e);
		json_object_del(x, "email");
		json_object_del(x, "meta");
		json_array_append_new(ex, x);
	}
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in dir that start with prefix and end with suffix; NULL-terminated. */
static char **
list_dir(const char *dir, const char *prefix, const char *suffix, size_t *count, struct err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t n = 0, cap = 0, pl = strlen(prefix), sl = strlen(suffix);

	*count = 0;
	if (d == NULL) {
		if (errno == ENOENT)
			return calloc(1, sizeof *v);
		err_set(e, EXIT_NOINPUT, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l < pl + sl || strncmp(de->d_name, prefix, pl) != 0 ||
		    strcmp(de->d_name + l - sl, suffix) != 0)
			continue;
		if (n + 2 > cap) {
			char **nv = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof *v);

			if (nv == NULL)
				goto nomem;
			v = nv;
		}
		if ((v[n] = strdup(de->d_name)) == NULL)
			goto nomem;
		n++;
	}
	closedir(d);
	if (v == NULL && (v = calloc(1, sizeof *v)) == NULL) {
		err_nomem(e);
		return NULL;
	}
	qsort(v, n, sizeof *v, name_cmp);
	v[n] = NULL;
	*count = n;
	return v;
nomem:
	closedir(d);
	while (n > 0)
		free(v[--n]);
	free(v);
	err_nomem(e);
	return NULL;
}

static void
free_list(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static int
read_rejects(json_t *m, const char *dir, struct err *e)
{
	size_t n, i;
	char **names = list_dir(dir, "rejects-", ".ndjson", &n, e);
	json_t *all = json_object();

	if (names == NULL || all == NULL) {
		free_list(names);
		json_decref(all);
		return names == NULL ? -1 : err_nomem(e);
	}
	for (i = 0; i < n; i++) {
		char *path = path_in(dir, names[i]), stage[64];
		struct rej_ctx c = { json_object() };

		snprintf(stage, sizeof stage, "%.*s", (int)(strlen(names[i]) - 15), names[i] + 8);
		if (path == NULL || c.reasons == NULL ||
		    ndjson_read_file(path, add_reject, &c, e) < 0) {
			if (path == NULL || c.reasons == NULL)
				err_nomem(e);
			free(path);
			json_decref(c.reasons);
			json_decref(all);
			free_list(names);
			return -1;
		}
		free(path);
		json_object_set_new(all, stage, c.reasons);
	}
	free_list(names);
	return json_object_set_new(m, "rejects", all) < 0 ? err_nomem(e) : 0;
}

/* --- replies.ndjson: LLM use, guardrail refusals, what each address was sent --- */

struct reply_ctx {
	json_t *by_email;           /* email -> {variant, lang, preheader, reasons[]} */
	json_t *llm;                /* counters */
	json_t *guard;              /* [{user, type, message}] */
	json_t *fail_types;         /* error.type -> count */
};

static int
add_reply(void *arg, const json_t *r, struct err *e)
{
	struct reply_ctx *c = arg;
	const json_t *meta = json_object_get(r, "meta"), *usage = json_object_get(r, "usage");
	const json_t *items = json_object_get(meta, "items"), *it;
	const char *email = ndjson_str(meta, "email"), *model = ndjson_str(r, "model");
	int ok = json_is_true(json_object_get(r, "ok"));
	json_int_t attempts = geti(r, "attempts");
	json_t *info, *reasons;
	size_t i;

	if (json_is_object(usage)) {
		bump(c->llm, "prompt_tokens", geti(usage, "prompt_tokens"));
		bump(c->llm, "completion_tokens", geti(usage, "completion_tokens"));
	}
	if (!ok) {
		const json_t *er = json_object_get(r, "error");
		const char *type = ndjson_str(er, "type");

		attempts = geti(er, "attempts");
		bump(c->fail_types, type ? type : "unknown", 1);
		bump(c->llm, "failed", 1);
		if (type && (strcmp(type, "invalid_output") == 0 || strcmp(type, "refused") == 0 ||
		    strcmp(type, "key_echoed") == 0 || strcmp(type, "truncated") == 0)) {
			bump(c->llm, "guard_refusals", 1);
			if (json_array_size(c->guard) < GUARD_SHOWN &&
			    json_array_append_new(c->guard, json_pack("{ss?ssss?}", "user",
			    ndjson_str(meta, "user"), "type", type, "message", ndjson_str(er, "message"))) < 0)
				return err_nomem(e);
		}
	}
	bump(c->llm, "records", 1);
	if (model && strcmp(model, "template") != 0) {
		bump(c->llm, "llm_records", 1);
		if (attempts == 0)
			bump(c->llm, "cache_hits", 1);
	}
	bump(c->llm, "requests", attempts);
	bump(c->llm, "retries", attempts > 1 ? attempts - 1 : 0);
	if (!ok || email == NULL)
		return 0;
	if ((reasons = json_array()) == NULL)
		return err_nomem(e);
	json_array_foreach(items, i, it) {
		const char *t = ndjson_str(json_object_get(it, "reason"), "type");
		size_t k;
		json_t *x;
		int seen = 0;

		json_array_foreach(reasons, k, x)
			seen |= t && strcmp(json_string_value(x), t) == 0;
		if (t && !seen)
			json_array_append_new(reasons, json_string(t));
	}
	{
		json_t *content = NULL;
		const char *ct = ndjson_str(r, "content");
		const char *pre = NULL;

		if (ct != NULL && (content = json_loads(ct, 0, NULL)) != NULL)
			pre = ndjson_str(content, "preheader");
		info = json_pack("{ss?ss?ss?so}", "variant", ndjson_str(meta, "variant"), "lang",
		    ndjson_str(meta, "locale"), "preheader", pre, "reasons", reasons);
		json_decref(content);
	}
	if (info == NULL || json_object_set_new(c->by_email, email, info) < 0)
		return err_nomem(e);
	return 0;
}

static int
read_replies(json_t *m, const char *dir, const struct runreport_opts *o, json_t **by_email,
    struct err *e)
{
	char *path = path_in(dir, "replies.ndjson");
	struct reply_ctx c = { json_object(), json_object(), json_array(), json_object() };
	double cost = -1;

	if (path == NULL || !c.by_email || !c.llm || !c.guard || !c.fail_types)
		goto nomem;
	if (exists(path) && ndjson_read_file(path, add_reply, &c, e) < 0)
		goto fail;
	if (o->price_in >= 0 && o->price_out >= 0)
		cost = (double)geti(c.llm, "prompt_tokens") / 1000 * o->price_in +
		    (double)geti(c.llm, "completion_tokens") / 1000 * o->price_out;
	json_object_set_new(c.llm, "cost", cost >= 0 ? json_real(cost) : json_null());
	json_object_set_new(c.llm, "price_in", o->price_in >= 0 ? json_real(o->price_in) : json_null());
	json_object_set_new(c.llm, "price_out", o->price_out >= 0 ? json_real(o->price_out) :
	    json_null());
	json_object_set_new(c.llm, "currency", json_string(o->currency ? o->currency : "USD"));
	json_object_set_new(c.llm, "failures", c.fail_types);
	json_object_set_new(m, "llm", c.llm);
	json_object_set_new(m, "guard", c.guard);
	free(path);
	*by_email = c.by_email;
	return 0;
nomem:
	err_nomem(e);
fail:
	free(path);
	json_decref(c.by_email);
	json_decref(c.llm);
	json_decref(c.guard);
	json_decref(c.fail_types);
	return -1;
}

/* --- recs.ndjson and the catalog: coverage, most recommended, reasons, left out --- */

struct recs_ctx {
	json_t *items;              /* item -> customers */
	json_t *reasons;            /* reason type -> count */
	json_int_t users;
};

static int
add_recs(void *arg, const json_t *r, struct err *e)
{
	struct recs_ctx *c = arg;
	const json_t *recs = json_object_get(r, "recs"), *x;
	size_t i;

	c->users++;
	json_array_foreach(recs, i, x) {
		const char *item = ndjson_str(x, "item");
		const char *t = ndjson_str(json_object_get(x, "reason"), "type");

		if ((item && bump(c->items, item, 1) < 0) || bump(c->reasons, t ? t : "none", 1) < 0)
			return err_nomem(e);
	}
	return 0;
}

/* The catalog, read by the one catalog reader (lib/data/catalog.c, its rules), as item ->
 * {title, in_stock} in the file's order. Returns 0, or -1 with e set. */
static int
load_catalog(json_t *cat, const char *path, struct err *e)
{
	struct catalog c;
	int rc = 0;

	catalog_init(&c);
	if (catalog_load(&c, path, e) < 0) {
		catalog_free(&c);
		return -1;
	}
	for (size_t i = 0; i < c.n && rc == 0; i++) {
		const char *id = ids_get(&c.ids, (int64_t)i, NULL);

		if (json_object_set_new(cat, id, json_pack("{ss?sb}", "title", c.items[i].title,
		    "in_stock", c.items[i].in_stock)) < 0)
			rc = err_nomem(e);
	}
	catalog_free(&c);
	return rc;
}

static int
count_cmp(const void *a, const void *b)
{
	json_int_t x = geti(*(json_t *const *)a, "customers"), y = geti(*(json_t *const *)b,
	    "customers");
	int c = x < y ? 1 : x > y ? -1 : 0;

	return c ? c : strcmp(ndjson_str(*(json_t *const *)a, "item"),
	    ndjson_str(*(json_t *const *)b, "item"));
}

static int
read_recs(json_t *m, const char *dir, const struct runreport_opts *o, struct err *e)
{
	char *path = path_in(dir, "recs.ndjson");
	struct recs_ctx c = { json_object(), json_object(), 0 };
	json_t *cat = json_object(), *top = json_array(), *left = json_array(), *v, **sorted = NULL;
	const char *k;
	size_t n = 0, i, in_stock_left = 0, out_of_stock = 0;

	if (!path || !c.items || !c.reasons || !cat || !top || !left)
		goto nomem;
	if (exists(path) && ndjson_read_file(path, add_recs, &c, e) < 0)
		goto fail;
	if (o->catalog && load_catalog(cat, o->catalog, e) < 0)
		goto fail;
	if ((sorted = malloc((json_object_size(c.items) + 1) * sizeof *sorted)) == NULL)
		goto nomem;
	json_object_foreach(c.items, k, v) {
		json_t *row = json_pack("{sssIss?}", "item", k, "customers", json_integer_value(v),
		    "title", ndjson_str(json_object_get(cat, k), "title"));

		if (row == NULL)
			goto nomem;
		sorted[n++] = row;
	}
	qsort(sorted, n, sizeof *sorted, count_cmp);
	for (i = 0; i < n; i++) {
		if (i < (size_t)o->top)
			json_array_append(top, sorted[i]);
		json_decref(sorted[i]);
	}
	json_object_foreach(cat, k, v) {
		if (json_object_get(c.items, k) != NULL)
			continue;
		if (json_is_true(json_object_get(v, "in_stock")))
			in_stock_left++;
		else
			out_of_stock++;
		if (json_array_size(left) < 30)
			json_array_append_new(left, json_pack("{sss?ss}", "item", k, "title",
			    ndjson_str(v, "title"), "why", json_is_true(json_object_get(v, "in_stock")) ?
			    "in no customer's list (ranked below every customer's top N)" :
			    "out of stock (topk leaves it out)"));
	}
	free(sorted);
	free(path);
	v = json_pack("{sIsIsIsIsIsbsososo}", "customers", c.users, "distinct_items",
	    (json_int_t)json_object_size(c.items), "catalog_items", (json_int_t)json_object_size(cat),
	    "left_in_stock", (json_int_t)in_stock_left, "left_out_of_stock",
	    (json_int_t)out_of_stock, "catalog_given", o->catalog != NULL, "top", top,
	    "reasons", c.reasons, "left_out", left);
	json_decref(c.items);
	json_decref(cat);
	if (v == NULL)
		return err_nomem(e);
	return json_object_set_new(m, "recs", v);
nomem:
	err_nomem(e);
fail:
	free(sorted);
	free(path);
	json_decref(c.items);
	json_decref(c.reasons);
	json_decref(cat);
	json_decref(top);
	json_decref(left);
	return -1;
}

/* --- assigned.ndjson: who is in which arm (the holdout gets no email) --- */

static int
add_assigned(void *arg, const json_t *r, struct err *e)
{
	const char *v = ndjson_str(r, "variant");

	return bump(arg, v ? v : "(none)", 1) < 0 ? err_nomem(e) : 0;
}

/* --- outbox: deliverability checks over every message, the sample emails --- */

struct box_ctx {
	const struct runreport_opts *o;
	json_t *by_email, *arms, *checks, *samples, *cover;
	struct mailread mr;
};

static int
covers(json_t *cover, const char *arm, const char *what, const char *val)
{
	char key[300];

	snprintf(key, sizeof key, "%s\x1f%s\x1f%s", arm, what, val ? val : "");
	if (json_object_get(cover, key) != NULL)
		return 0;
	return json_object_set_new(cover, key, json_true()) < 0 ? -1 : 1;
}

static int
take_message(struct box_ctx *c, const char *name, const char *msg, size_t n, struct err *e)
{
	struct mailread *r = &c->mr;
	const json_t *info;
	const char *arm, *lang, *fromdom;
	json_t *chk = c->checks, *armrow, *sample, *rs;
	json_int_t picked;
	int add = 0;
	size_t i;

	if (mailread_parse(r, msg, n, e) < 0)
		return err_prefix(e, "%s", name);
	info = json_object_get(c->by_email, r->to);
	arm = r->variant[0] ? r->variant : "(no arm)";
	lang = r->lang[0] ? r->lang : ndjson_str(info, "lang");
	fromdom = strrchr(r->from, '@') ? strrchr(r->from, '@') + 1 : "";
	bump(chk, "messages", 1);
	bump(chk, "dkim", r->dkim_d[0] != '\0');
	bump(chk, "dkim_aligned", r->dkim_d[0] && mailread_domains_aligned(r->dkim_d, fromdom));
	bump(chk, "one_click", r->one_click);
	bump(chk, "unsubscribe", r->unsub);
	bump(chk, "text_part", r->has_text);
	bump(chk, "reply_to_consistent", r->reply_to[0] == '\0' ||
	    mailread_domains_aligned(strrchr(r->reply_to, '@') ? strrchr(r->reply_to, '@') + 1 : "",
	    fromdom));
	bump(chk, "html_under_clip", r->html_raw <= GMAIL_CLIP);
	if ((json_int_t)r->html_raw > geti(chk, "html_max"))
		json_object_set_new(chk, "html_max", json_integer((json_int_t)r->html_raw));
	if ((armrow = json_object_get(c->arms, arm)) == NULL) {
		json_object_set_new(c->arms, arm, json_pack("{sIsIs{}}", "messages", (json_int_t)0,
		    "picked", (json_int_t)0, "langs"));
		armrow = json_object_get(c->arms, arm);
	}
	if (armrow == NULL)
		return err_nomem(e);
	bump(armrow, "messages", 1);
	bump(json_object_get(armrow, "langs"), lang ? lang : "?", 1);

	/* the sample: each message that shows an arm a language or a reason type not yet shown */
	picked = geti(armrow, "picked");
	if (picked >= c->o->samples)
		return 0;
	if ((add = covers(c->cover, arm, "lang", lang)) < 0)
		return err_nomem(e);
	rs = json_object_get(info, "reasons");
	for (i = 0; i < json_array_size(rs); i++) {
		int k = covers(c->cover, arm, "reason", json_string_value(json_array_get(rs, i)));

		if (k < 0)
			return err_nomem(e);
		add |= k;
	}
	if (!add && picked >= 1)
		return 0;
	sample = json_pack("{s:s, s:s, s:s, s:s?, s:o, s:s%, s:s%, s:s%, s:b, s:b}", "arm", arm,
	    "file", name, "lang", lang ? lang : "", "preheader", ndjson_str(info, "preheader"),
	    "reasons", rs ? json_deep_copy(rs) : json_array(),
	    "subject", r->subject.len ? r->subject.s : "", r->subject.len,
	    "text", r->text.len ? r->text.s : "", r->text.len,
	    "html", r->html.len ? r->html.s : "", r->html.len,
	    "has_text", r->has_text, "has_html", r->has_html);
	if (sample == NULL || json_array_append_new(c->samples, sample) < 0)
		return err_nomem(e);
	bump(armrow, "picked", 1);
	return 0;
}

static int
read_outbox(json_t *m, const char *dir, const struct runreport_opts *o, json_t *by_email,
    struct err *e)
{
	char *box = path_in(dir, "outbox");
	size_t n = 0, i;
	char **names = box ? list_dir(box, "", ".eml", &n, e) : NULL;
	struct box_ctx c = { .o = o, .by_email = by_email, .arms = json_object(),
	    .checks = json_object(), .samples = json_array(), .cover = json_object() };
	struct buf msg;
	int rc = -1;

	buf_init(&msg);
	mailread_init(&c.mr);
	if (box == NULL || names == NULL || !c.arms || !c.checks || !c.samples || !c.cover) {
		if (names != NULL || box == NULL)
			err_nomem(e);
		goto done;
	}
	json_object_set_new(c.checks, "html_max", json_integer(0));
	json_object_set_new(c.checks, "messages", json_integer(0));
	for (i = 0; i < n; i++) {
		char *path = path_in(box, names[i]);
		FILE *f = path ? fopen(path, "rb") : NULL;
		char chunk[65536];
		size_t k;

		if (f == NULL) {
			err_set(e, path ? EXIT_NOINPUT : EXIT_OSERR, "%s: %s", path ? path : names[i],
			    strerror(errno));
			free(path);
			goto done;
		}
		buf_reset(&msg);
		while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
			if (buf_add(&msg, chunk, k) < 0) {
				fclose(f);
				free(path);
				err_nomem(e);
				goto done;
			}
		if (ferror(f)) {
			err_set(e, EXIT_IO, "%s: read error", path);
			fclose(f);
			free(path);
			goto done;
		}
		fclose(f);
		free(path);
		if (take_message(&c, names[i], msg.s ? msg.s : "", msg.len, e) < 0)
			goto done;
	}
	json_object_set(m, "arms", c.arms);
	json_object_set(m, "checks", c.checks);
	json_object_set(m, "samples", c.samples);
	rc = 0;
done:
	buf_free(&msg);
	mailread_free(&c.mr);
	free_list(names);
	free(box);
	json_decref(c.arms);
	json_decref(c.checks);
	json_decref(c.samples);
	json_decref(c.cover);
	return rc;
}

/* --- the spam scores of pipelines/spamcheck --- */

static int
add_spam(void *arg, const json_t *r, struct err *e)
{
	json_t *s = arg, *rules = json_object_get(s, "rules"), *langs = json_object_get(s, "langs");
	const json_t *x;
	const char *lang = ndjson_str(r, "lang");
	double score;
	json_t *l;
	size_t i;

	if (ndjson_num(r, "score", &score) < 0)
		return err_set(e, EXIT_DATA, "missing \"score\"");
	json_array_append_new(json_object_get(s, "scores"), json_real(score));
	if ((l = json_object_get(langs, lang ? lang : "?")) == NULL) {
		json_object_set_new(langs, lang ? lang : "?", json_array());
		l = json_object_get(langs, lang ? lang : "?");
	}
	json_array_append_new(l, json_real(score));
	json_array_foreach(json_object_get(r, "rules"), i, x)
		if (json_is_string(x) && bump(rules, json_string_value(x), 1) < 0)
			return err_nomem(e);
	return 0;
}

static int
read_spam(json_t *m, const char *dir, const struct runreport_opts *o, struct err *e)
{
	char *def = path_in(dir, "spam.ndjson");
	const char *path = o->spam ? o->spam : def;
	json_t *s;

	if (def == NULL)
		return err_nomem(e);
	if (!o->spam && !exists(def)) {
		free(def);
		return json_object_set_new(m, "spam", json_null());
	}
	s = json_pack("{s[]s{}s{}}", "scores", "rules", "langs");
	if (s == NULL || ndjson_read_file(path, add_spam, s, e) < 0) {
		if (s == NULL)
			err_nomem(e);
		free(def);
		json_decref(s);
		return -1;
	}
	free(def);
	return json_object_set_new(m, "spam", s);
}

/* --- the A/B plan --- */

static int
plan(json_t *m, const struct runreport_opts *o, json_t *assigned, struct err *e)
{
	static const char *rname[3] = { "open", "click", "conversion" };
	json_t *arms = json_object_get(m, "arms"), *rows = json_array(), *a, *b;
	const char *ka, *kb;
	int r;

	if (rows == NULL)
		return err_nomem(e);
	/* every pair of mailed arms on every rate; each mailed arm against the holdout on conversion */
	json_object_foreach(arms, ka, a) {
		json_object_foreach(arms, kb, b) {
			if (strcmp(ka, kb) >= 0)
				continue;
			for (r = 0; r < 3; r++) {
				double d = runreport_mde(o->rate[r], (long)geti(a, "messages"),
				    (long)geti(b, "messages"));

				json_array_append_new(rows, json_pack("{sssssssfsIsIsf}", "a", ka, "b", kb,
				    "rate", rname[r], "expected", o->rate[r], "n_a", geti(a, "messages"),
				    "n_b", geti(b, "messages"), "mde", d));
			}
		}
	}
	json_object_foreach(assigned, kb, b) {
		if (json_object_get(arms, kb) != NULL)
			continue;
		json_object_foreach(arms, ka, a) {
			double d = runreport_mde(o->rate[2], (long)geti(a, "messages"),
			    (long)json_integer_value(b));

			json_array_append_new(rows, json_pack("{sssssssfsIsIsf}", "a", ka, "b", kb, "rate",
			    "conversion", "expected", o->rate[2], "n_a", geti(a, "messages"), "n_b",
			    json_integer_value(b), "mde", d));
		}
	}
	json_object_set_new(m, "assigned", json_incref(assigned));
	return json_object_set_new(m, "plan", rows);
}

json_t *
runreport_gather(const struct runreport_opts *o, struct err *e)
{
	json_t *m = json_object(), *by_email = NULL, *assigned = json_object();
	char *apath = path_in(o->run_dir, "assigned.ndjson");
	struct stat st;

	if (m == NULL || assigned == NULL || apath == NULL) {
		err_nomem(e);
		goto fail;
	}
	if (stat(o->run_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		err_set(e, EXIT_NOINPUT, "%s: not a run directory", o->run_dir);
		goto fail;
	}
	if (read_log(m, o->run_dir, e) < 0 || read_rejects(m, o->run_dir, e) < 0 ||
	    read_replies(m, o->run_dir, o, &by_email, e) < 0 || read_recs(m, o->run_dir, o, e) < 0 ||
	    read_outbox(m, o->run_dir, o, by_email, e) < 0 || read_spam(m, o->run_dir, o, e) < 0)
		goto fail;
	if (exists(apath) && ndjson_read_file(apath, add_assigned, assigned, e) < 0)
		goto fail;
	if (plan(m, o, assigned, e) < 0)
		goto fail;
	if (json_object_get(m, "campaign") == NULL)
		json_object_set_new(m, "campaign", json_string(""));
	json_decref(by_email);
	json_decref(assigned);
	free(apath);
	return m;
fail:
	json_decref(by_email);
	json_decref(assigned);
	json_decref(m);
	free(apath);
	return NULL;
}
