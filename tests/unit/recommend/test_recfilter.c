/* test_recfilter.c - unit tests for the recommenders' shared options and filters (lib/recfilter) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cli.h"
#include "base/exitcode.h"
#include "recommend/recfilter.h"
#include "unit.h"

static char dir[] = "/tmp/test_recfilter.XXXXXX";

static const char *
path(const char *name)
{
	static char buf[4][128];
	static int next;
	char *p = buf[next++ % 4];

	snprintf(p, sizeof buf[0], "%s/%s", dir, name);
	return p;
}

static void
write_file(const char *name, const char *text)
{
	FILE *f = fopen(path(name), "w");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

/* seen.st: c1 = {sku1: 4, sku3: 1}, c2 = {sku2: 5}. */
static void
write_seen(void)
{
	static int64_t indptr[] = { 0, 2, 3 };
	static int32_t indices[] = { 0, 2, 1 };
	static float values[] = { 4, 1, 5 };
	struct ratings r;
	struct err e = { 0 };

	ratings_init(&r);
	r.rows = 2;
	r.cols = 3;
	r.nnz = 3;
	r.indptr = indptr;
	r.indices = indices;
	r.values = values;
	ids_intern(&r.users, "c1", 2, &e);
	ids_intern(&r.users, "c2", 2, &e);
	ids_intern(&r.items, "sku1", 4, &e);
	ids_intern(&r.items, "sku2", 4, &e);
	ids_intern(&r.items, "sku3", 4, &e);
	CHECK_INT(ratings_save(path("seen.st"), &r, NULL, &e), 0);
	ids_free(&r.users);
	ids_free(&r.items);
}

static void
table(struct ids *t, const char *const *names, size_t n)
{
	struct err e = { 0 };

	ids_init(t);
	for (size_t i = 0; i < n; i++)
		ids_intern(t, names[i], strlen(names[i]), &e);
}

/* Both loads, in the order every recommender makes them. */
static int
load(struct recfilter *f, const struct recfilter_opts *o, const struct ids *users,
    const struct ids *items, struct err *e)
{
	if (recfilter_load_lists(f, o, users, items, "model.st", e) < 0)
		return -1;
	return recfilter_load_catalog(f, o, items, e);
}

static void
longopts_merge_in_name_order(void)
{
	static const struct option own[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "model", required_argument, NULL, 'm' },
		{ "zebra", no_argument, NULL, RECFILTER_O_END },
		{ NULL, 0, NULL, 0 },
	};
	struct option out[RECFILTER_NLONGOPTS + sizeof own / sizeof *own];
	size_t n = 0;
	int seen_model = 0, seen_seen = 0, seen_zebra = 0;

	memset(out, 0xff, sizeof out);
	recfilter_longopts(own, out);
	while (n < sizeof out / sizeof *out && out[n].name != NULL)
		n++;
	CHECK_INT(n, RECFILTER_NLONGOPTS + 3);
	CHECK(n < sizeof out / sizeof *out && out[n].name == NULL && out[n].val == 0);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			CHECK(strcmp(out[i - 1].name, out[i].name) < 0);
		if (strcmp(out[i].name, "model") == 0)
			seen_model = out[i].val == 'm' && out[i].has_arg == required_argument;
		if (strcmp(out[i].name, "seen") == 0)
			seen_seen = out[i].val == 's' && out[i].has_arg == required_argument;
		if (strcmp(out[i].name, "zebra") == 0)
			seen_zebra = i == n - 1;
	}
	CHECK(seen_model && seen_seen && seen_zebra);
	CHECK_STR(out[0].name, "all");
}

static void
options_fill_the_shared_fields(void)
{
	struct recfilter_opts o = { .n = 10 };

	CHECK_INT(recfilter_option(&o, 'n', "25"), -1);
	CHECK_INT(o.n, 25);
	CHECK_INT(recfilter_option(&o, 'n', "0"), EXIT_USAGE);
	CHECK_INT(recfilter_option(&o, 'n', "12x"), EXIT_USAGE);
	CHECK_INT(o.n, 25);
	CHECK_INT(recfilter_option(&o, 'a', NULL), -1);
	CHECK_INT(recfilter_option(&o, 's', "seen.st"), -1);
	CHECK_INT(recfilter_option(&o, 'x', "ex.ndjson"), -1);
	CHECK_INT(recfilter_option(&o, 'c', "cat.ndjson"), -1);
	CHECK_INT(recfilter_option(&o, 'o', "out.ndjson"), -1);
	CHECK(o.all);
	CHECK_STR(o.seen, "seen.st");
	CHECK_STR(o.exclude, "ex.ndjson");
	CHECK_STR(o.catalog, "cat.ndjson");
	CHECK_STR(o.output, "out.ndjson");
	CHECK_INT(recfilter_option(&o, RECFILTER_O_MISSING, "drop"), -1);
	CHECK_INT(o.rules.drop_missing, 1);
	CHECK_INT(recfilter_option(&o, RECFILTER_O_MISSING, "keep"), -1);
	CHECK_INT(o.rules.drop_missing, 0);
	CHECK_INT(recfilter_option(&o, RECFILTER_O_MISSING, "maybe"), EXIT_USAGE);
	CHECK_INT(recfilter_option(&o, RECFILTER_O_EXCAT, "garden"), -1);
	CHECK_INT(recfilter_option(&o, RECFILTER_O_EXCAT, "toys"), -1);
	CHECK_INT(o.rules.nexclude_categories, 2);
	CHECK(o.rules.exclude_categories == o.cats);
	CHECK_STR(o.rules.exclude_categories[1], "toys");
	CHECK_INT(recfilter_option(&o, RECFILTER_O_MINP, "2.5"), -1);
	CHECK_INT(recfilter_option(&o, RECFILTER_O_MAXP, "nan"), EXIT_USAGE);
	CHECK(o.rules.has_min_price && !o.rules.has_max_price);
	CHECK_NEAR(o.rules.min_price, 2.5, 0);
	CHECK_INT(recfilter_option(&o, RECFILTER_O_MAXCAT, "3"), -1);
	CHECK_INT(o.max_per_category, 3);
	CHECK_INT(recfilter_option(&o, RECFILTER_O_MAXCAT, "10001"), EXIT_USAGE);
	CHECK_INT(recfilter_option(&o, RECFILTER_O_BAD, "bad.ndjson"), -1);
	CHECK(o.skip_bad);
	CHECK_STR(o.bad, "bad.ndjson");
	CHECK_INT(recfilter_option(&o, '?', NULL), EXIT_USAGE);
	CHECK_INT(recfilter_option(&o, RECFILTER_O_END, "x"), EXIT_USAGE);
	recfilter_opts_free(&o);
	CHECK(o.cats == NULL && o.rules.nexclude_categories == 0);
}

static void
operands_take_one_users_file(void)
{
	char *one[] = { "topk", "users.ndjson", NULL };
	char *two[] = { "topk", "a", "b", NULL };
	char *none[] = { "topk", NULL };
	struct recfilter_opts o = { 0 };

	optind = 1;
	CHECK_INT(recfilter_operands(&o, 2, one), -1);
	CHECK_STR(o.input, "users.ndjson");
	optind = 1;
	CHECK_INT(recfilter_operands(&o, 1, none), -1);
	CHECK_STR(o.input, "-");
	optind = 1;
	CHECK_INT(recfilter_operands(&o, 3, two), EXIT_USAGE);
	o.all = 1;
	optind = 1;
	CHECK_INT(recfilter_operands(&o, 2, one), EXIT_USAGE);
	optind = 1;
	CHECK_INT(recfilter_operands(&o, 1, none), -1);
}

static void
catalog_rules_need_a_catalog(void)
{
	struct recfilter_opts o = { 0 };

	CHECK_INT(recfilter_check(&o), -1);
	o.max_per_category = 2;
	CHECK_INT(recfilter_check(&o), EXIT_USAGE);
	o.max_per_category = 0;
	o.rules.margin_boost = 0.5;
	CHECK_INT(recfilter_check(&o), EXIT_USAGE);
	o.rules.margin_boost = 0;
	o.rules.drop_missing = 1;
	CHECK_INT(recfilter_check(&o), EXIT_USAGE);
	o.catalog = "cat.ndjson";
	CHECK_INT(recfilter_check(&o), -1);
}

static void
load_maps_every_filter_onto_the_item_table(void)
{
	static const char *const users[] = { "c2", "c1" };
	static const char *const items[] = { "sku3", "sku1", "sku5" };
	struct recfilter_opts o = { 0 };
	struct recfilter f;
	struct ids ut, it;
	struct err e = { 0 };
	const int32_t *ex;
	int32_t hist[2];
	int64_t row;

	write_file("ex.ndjson", "{\"item\":\"sku5\"}\n{\"user\":\"c1\",\"item\":\"sku3\"}\n"
	    "{\"item\":\"sku404\"}\n");
	write_file("cat.ndjson", "{\"item\":\"sku1\",\"category\":\"tea\"}\n"
	    "{\"item\":\"sku3\",\"category\":\"tea\",\"in_stock\":false}\n");
	table(&ut, users, 2);
	table(&it, items, 3);
	o.seen = path("seen.st");
	o.exclude = path("ex.ndjson");
	o.catalog = path("cat.ndjson");
	o.rules.drop_missing = 1;
	recfilter_init(&f);
	CHECK_INT(load(&f, &o, &ut, &it, &e), 0);
	CHECK(f.seen == &f.hist && f.ex == &f.excl && f.view == &f.rules);
	row = history_row(f.seen, "c1", 2);
	CHECK(row >= 0);
	CHECK_INT(history_len(f.seen, row), 2);
	if (row >= 0 && history_len(f.seen, row) == 2) {
		CHECK_INT(history_items(f.seen, row, hist), 2);
		CHECK_INT(hist[0] + hist[1], 1);       /* sku1 -> 1, sku3 -> 0 */
		CHECK(hist[0] != hist[1]);
	}
	CHECK_INT(exclude_all(f.ex, &ex), 1);
	CHECK_INT(ex[0], 2);
	CHECK_INT(exclude_user(f.ex, "c1", 2, &ex), 1);
	CHECK_INT(ex[0], 0);
	CHECK_INT(exclude_user(f.ex, "c2", 2, &ex), 0);
	CHECK_INT(f.view->n, 3);
	CHECK_INT(f.view->allowed[0], 0);       /* out of stock */
	CHECK_INT(f.view->allowed[1], 1);
	CHECK_INT(f.view->allowed[2], 0);       /* missing, dropped */
	CHECK_INT(f.view->nmissing, 1);
	recfilter_free(&f);

	o = (struct recfilter_opts){ 0 };
	recfilter_init(&f);
	CHECK_INT(load(&f, &o, &ut, &it, &e), 0);
	CHECK(f.seen == NULL && f.ex == NULL && f.view == NULL);
	recfilter_free(&f);
	ids_free(&ut);
	ids_free(&it);
}

/* --min-support against seen2.st: c1 = {sku1, sku3}, c2 = {sku1}: entries sku1 2, sku3 1, sku2 0. */
static void
min_support_disallows_rarely_seen_items(void)
{
	static const char *const users[] = { "c1", "c2" };
	static const char *const items[] = { "sku3", "sku1", "sku2", "sku9" };
	static int64_t indptr[] = { 0, 2, 3 };
	static int32_t indices[] = { 0, 2, 0 };
	static float values[] = { 4, 1, 5 };
	struct recfilter_opts o = { 0 };
	struct recfilter f;
	struct ratings r;
	struct ids ut, it;
	struct err e = { 0 };

	ratings_init(&r);
	r.rows = 2;
	r.cols = 3;
	r.nnz = 3;
	r.indptr = indptr;
	r.indices = indices;
	r.values = values;
	ids_intern(&r.users, "c1", 2, &e);
	ids_intern(&r.users, "c2", 2, &e);
	ids_intern(&r.items, "sku1", 4, &e);
	ids_intern(&r.items, "sku2", 4, &e);
	ids_intern(&r.items, "sku3", 4, &e);
	CHECK_INT(ratings_save(path("seen2.st"), &r, NULL, &e), 0);
	ids_free(&r.users);
	ids_free(&r.items);

	CHECK_INT(recfilter_option(&o, RECFILTER_O_MINSUP, "0"), EXIT_USAGE);
	CHECK_INT(recfilter_option(&o, RECFILTER_O_MINSUP, "2x"), EXIT_USAGE);
	CHECK_INT(recfilter_option(&o, RECFILTER_O_MINSUP, "2"), -1);
	CHECK_INT(o.min_support, 2);
	CHECK_INT(recfilter_check(&o), EXIT_USAGE);       /* no --seen to count */
	o.seen = path("seen2.st");
	CHECK_INT(recfilter_check(&o), -1);

	table(&ut, users, 2);
	table(&it, items, 4);
	recfilter_init(&f);
	CHECK_INT(load(&f, &o, &ut, &it, &e), 0);
	CHECK(f.view == &f.rules);
	if (f.view != NULL) {
		CHECK_INT(f.view->n, 4);
		CHECK_INT(f.view->allowed[0], 0);       /* sku3: 1 entry */
		CHECK_INT(f.view->allowed[1], 1);       /* sku1: 2 */
		CHECK_INT(f.view->allowed[2], 0);       /* sku2: none */
		CHECK_INT(f.view->allowed[3], 0);       /* sku9: not in --seen */
		CHECK_INT(f.view->nallowed, 1);
		CHECK(f.view->cat[1] == -1 && f.view->boost[1] == 0);
	}
	recfilter_free(&f);

	/* 1 is off: no view without a catalog */
	o.min_support = 1;
	recfilter_init(&f);
	CHECK_INT(load(&f, &o, &ut, &it, &e), 0);
	CHECK(f.view == NULL);
	recfilter_free(&f);

	/* with a catalog both rules hold: sku1 is out of stock, sku3 has one entry */
	write_file("cat2.ndjson", "{\"item\":\"sku1\",\"in_stock\":false}\n{\"item\":\"sku3\"}\n");
	o.catalog = path("cat2.ndjson");
	o.min_support = 1;
	recfilter_init(&f);
	CHECK_INT(load(&f, &o, &ut, &it, &e), 0);
	CHECK(f.view != NULL && f.view->nallowed == 3);
	recfilter_free(&f);
	o.min_support = 2;
	recfilter_init(&f);
	CHECK_INT(load(&f, &o, &ut, &it, &e), 0);
	CHECK(f.view != NULL && f.view->nallowed == 0);
	recfilter_free(&f);
	ids_free(&ut);
	ids_free(&it);
	unlink(path("seen2.st"));
	unlink(path("cat2.ndjson"));
}

static void
load_stops_at_the_first_bad_input(void)
{
	static const char *const users[] = { "c1" };
	static const char *const other[] = { "x1", "x2" };
	struct recfilter_opts o = { 0 };
	struct recfilter f;
	struct ids ut, it;
	struct err e = { 0 };

	table(&ut, users, 1);
	table(&it, other, 2);
	o.seen = path("seen.st");
	recfilter_init(&f);
	CHECK_INT(load(&f, &o, &ut, &it, &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK(strstr(e.msg, "no item in common with model.st") != NULL);
	recfilter_free(&f);

	o.seen = NULL;
	o.exclude = path("no-such.ndjson");
	o.catalog = path("no-such-either.ndjson");
	recfilter_init(&f);
	CHECK_INT(load(&f, &o, &ut, &it, &e), -1);
	CHECK_INT(e.code, EXIT_NOINPUT);
	CHECK(strstr(e.msg, "no-such.ndjson") != NULL);
	recfilter_free(&f);

	write_file("badcat.ndjson", "{\"item\":\"x1\"}\n{\"title\":\"no item\"}\n");
	o.exclude = NULL;
	o.catalog = path("badcat.ndjson");
	recfilter_init(&f);
	CHECK_INT(load(&f, &o, &ut, &it, &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK(strstr(e.msg, "badcat.ndjson:2: missing \"item\"") != NULL);
	recfilter_free(&f);
	ids_free(&ut);
	ids_free(&it);
}

static int
count_line(void *arg, json_t *line, struct err *e)
{
	int has_user = json_is_string(json_object_get(line, "user"));

	json_decref(line);
	if (!has_user)
		return err_set(e, EXIT_DATA, "missing \"user\"");
	++*(int *)arg;
	return 0;
}

static int
no_flush(void *arg, struct err *e)
{
	return 0;
}

static void
read_users_skips_or_stops_at_a_bad_line(void)
{
	static const char text[] = "{\"user\":\"a\"}\nnot json\n{\"item\":\"x\"}\n{\"user\":\"b\"}\n";
	struct recfilter_opts o = { .input = "users.ndjson" };
	struct err e = { 0 };
	int n = 0;
	FILE *in = fmemopen((void *)text, strlen(text), "r");

	o.skip_bad = 1;
	CHECK_INT(recfilter_read_users(&o, in, NULL, count_line, no_flush, &n, &e), 2);
	CHECK_INT(n, 2);
	fclose(in);
	n = 0;
	o.skip_bad = 0;
	in = fmemopen((void *)text, strlen(text), "r");
	CHECK_INT(recfilter_read_users(&o, in, NULL, count_line, NULL, &n, &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK(strncmp(e.msg, "users.ndjson:2: ", 16) == 0);
	CHECK_INT(n, 1);
	fclose(in);
	CHECK_INT(recfilter_skipped(0), EXIT_OK);
	CHECK_INT(recfilter_skipped(2), EXIT_PARTIAL);
}

int
main(void)
{
	int rc;

	cli_init("test_recfilter");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	write_seen();
	RUN(longopts_merge_in_name_order);
	RUN(options_fill_the_shared_fields);
	RUN(operands_take_one_users_file);
	RUN(catalog_rules_need_a_catalog);
	RUN(load_maps_every_filter_onto_the_item_table);
	RUN(min_support_disallows_rarely_seen_items);
	RUN(load_stops_at_the_first_bad_input);
	RUN(read_users_skips_or_stops_at_a_bad_line);
	rc = UNIT_DONE();
	unlink(path("seen.st"));
	unlink(path("ex.ndjson"));
	unlink(path("cat.ndjson"));
	unlink(path("badcat.ndjson"));
	rmdir(dir);
	return rc;
}
