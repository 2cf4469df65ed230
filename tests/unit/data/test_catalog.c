/* test_catalog.c - unit tests for catalog loading and business rules (lib/data/catalog) */
#include <stdio.h>
#include <string.h>

#include "data/catalog.h"
#include "base/exitcode.h"
#include "unit.h"

static FILE *
text(const char *s)
{
	return fmemopen((void *)s, strlen(s), "r");
}

static const char good[] =
	"{\"item\":\"sku1\",\"title\":\"Blue teapot\",\"category\":\"kitchen\",\"price\":12.5,"
	"\"currency\":\"GBP\",\"in_stock\":true,\"margin\":0.31,\"url\":\"https://x/1\",\"image\":\"https://x/1.jpg\"}\n"
	"\n"
	"{\"item\":\"sku2\",\"category\":\"garden\",\"price\":40,\"in_stock\":false,\"extra\":[1]}\n"
	"{\"item\":\"sku3\",\"title\":null,\"category\":\"kitchen\"}\n";

static void
loads_every_field(void)
{
	struct catalog c;
	struct err e = { 0 };
	const struct catalog_item *it;
	FILE *f = text(good);

	catalog_init(&c);
	CHECK(catalog_read(&c, f, "cat", &e) == 0);
	fclose(f);
	CHECK_INT(c.n, 3);
	it = catalog_get(&c, "sku1", 4);
	CHECK(it != NULL);
	if (it != NULL) {
		CHECK_STR(it->title, "Blue teapot");
		CHECK_STR(it->category, "kitchen");
		CHECK_STR(it->currency, "GBP");
		CHECK_STR(it->url, "https://x/1");
		CHECK_STR(it->image, "https://x/1.jpg");
		CHECK_NEAR(it->price, 12.5, 0);
		CHECK_NEAR(it->margin, 0.31, 1e-12);
		CHECK(it->in_stock && it->has_price && it->has_margin);
	}
	it = catalog_get(&c, "sku2", 4);
	CHECK(it != NULL && !it->in_stock && !it->has_margin);
	it = catalog_get(&c, "sku3", 4);
	CHECK(it != NULL && it->title == NULL && it->in_stock && !it->has_price);
	CHECK(catalog_get(&c, "sku9", 4) == NULL);
	CHECK_INT(ids_count(&c.categories), 2);
	catalog_free(&c);
}

static void
bad_lines_name_the_line(void)
{
	static const struct { const char *in, *msg; } cases[] = {
		{ "{\"item\":\"a\"}\n{\"title\":\"x\"}\n", "cat:2: missing \"item\"" },
		{ "{\"item\":\"a\"}\n{\"item\":\"a\"}\n", "cat:2: duplicate item \"a\"" },
		{ "{\"item\":\"a\",\"price\":\"12\"}\n", "cat:1: \"price\" must be a number" },
		{ "{\"item\":\"a\",\"in_stock\":\"yes\"}\n", "cat:1: \"in_stock\" must be true or false" },
		{ "{\"item\":5}\n", "cat:1: \"item\" must be a non-empty string" },
		{ "{\"item\":\"a\",\"title\":3}\n", "cat:1: \"title\" must be a string" },
		{ "[1]\n", "cat:1: expected a JSON object" },
		{ "{\"item\":\"a\",\"currency\":\"\u20ac\"}\n",
		  "cat:1: \"currency\" must be an ISO 4217 code of three letters, not '\u20ac'" },
		{ "{\"item\":\"a\",\"currency\":\"GBPX\"}\n",
		  "cat:1: \"currency\" must be an ISO 4217 code of three letters, not 'GBPX'" },
		{ "{\"item\":\"a\",\"currency\":\"G1P\"}\n",
		  "cat:1: \"currency\" must be an ISO 4217 code of three letters, not 'G1P'" },
		{ "{\"item\":\"a\",\"price\":-1}\n", "cat:1: \"price\" must not be negative" },
		{ "{\"item\":\"a\",\"margin\":\"x\"}\n", "cat:1: \"margin\" must be a number" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct catalog c;
		struct err e = { 0 };
		FILE *f = text(cases[i].in);

		catalog_init(&c);
		CHECK(catalog_read(&c, f, "cat", &e) == -1);
		CHECK_INT(e.code, EXIT_DATA);
		CHECK_STR(e.msg, cases[i].msg);
		fclose(f);
		catalog_free(&c);
	}
}

static void
rules_make_a_view_of_an_item_table(void)
{
	static const char *const excl[] = { "garden" };
	struct catalog c;
	struct catalog_rules r = { 0 };
	struct catalog_view v;
	struct ids items;
	struct err e = { 0 };
	FILE *f = text(good);
	const char *names[] = { "sku3", "sku1", "sku2", "skuX" };

	catalog_init(&c);
	ids_init(&items);
	CHECK(catalog_read(&c, f, "cat", &e) == 0);
	fclose(f);
	for (int i = 0; i < 4; i++)
		ids_intern(&items, names[i], strlen(names[i]), &e);

	/* defaults: only out of stock goes; missing items are kept */
	CHECK(catalog_view_build(&v, &c, &r, &items, &e) == 0);
	CHECK(v.allowed[0] && v.allowed[1] && !v.allowed[2] && v.allowed[3]);
	CHECK_INT(v.nmissing, 1);
	CHECK_INT(v.cat[0], v.cat[1]);
	CHECK_INT(v.cat[3], -1);
	catalog_view_free(&v);

	/* a price bound drops items without a price; margin boost; drop missing */
	r.has_max_price = 1;
	r.max_price = 20;
	r.margin_boost = 2;
	r.drop_missing = 1;
	CHECK(catalog_view_build(&v, &c, &r, &items, &e) == 0);
	CHECK(!v.allowed[0] && v.allowed[1] && !v.allowed[2] && !v.allowed[3]);
	CHECK_NEAR(v.boost[1], 0.62, 1e-6);
	CHECK_NEAR(v.boost[0], 0, 0);
	catalog_view_free(&v);

	memset(&r, 0, sizeof r);
	r.exclude_categories = excl;
	r.nexclude_categories = 1;
	r.has_min_price = 1;
	r.min_price = 13;
	CHECK(catalog_view_build(&v, NULL, &r, &items, &e) == 0);
	CHECK_INT(v.nallowed, 4);       /* no catalog: everything is missing, and kept */
	catalog_view_free(&v);
	CHECK(catalog_view_build(&v, &c, &r, &items, &e) == 0);
	CHECK(!v.allowed[0] && !v.allowed[1] && !v.allowed[2] && v.allowed[3]);
	catalog_view_free(&v);
	ids_free(&items);
	catalog_free(&c);
}

/* One rule for a currency's case, whoever reads the catalog (topk's filters, mkprompt). */
static void
currency_is_normalised_once(void)
{
	static const char in[] = "{\"item\":\"a\",\"currency\":\"gbp\",\"price\":3}\n"
	    "{\"item\":\"b\",\"currency\":\"Eur\"}\n{\"item\":\"c\",\"currency\":\"\",\"title\":\"\"}\n";
	struct catalog c;
	struct err e = { 0 };
	char out[4];
	FILE *f = text(in);

	catalog_init(&c);
	CHECK(catalog_read(&c, f, "cat", &e) == 0);
	fclose(f);
	CHECK_STR(catalog_get(&c, "a", 1)->currency, "GBP");
	CHECK_STR(catalog_get(&c, "b", 1)->currency, "EUR");
	/* "" is absent, as null is */
	CHECK(catalog_get(&c, "c", 1)->currency == NULL && catalog_get(&c, "c", 1)->title == NULL);
	catalog_free(&c);

	CHECK_INT(catalog_currency("jpy", out), 0);
	CHECK_STR(out, "JPY");
	CHECK_INT(catalog_currency("JP", out), -1);
	CHECK_STR(out, "");
	CHECK_INT(catalog_currency("j\xc3\xa9", out), -1);
	CHECK_INT(catalog_currency(NULL, out), -1);
}

/* The same rules for a reader that keeps other fields (one line, parsed by the caller). */
static void
check_line_applies_the_rules(void)
{
	struct err e = { 0 };
	json_t *o = json_loads("{\"item\":\"a\",\"currency\":\"eur\",\"brand\":\"x\"}", 0, NULL);

	CHECK_INT(catalog_check_line(o, &e), 0);
	json_decref(o);
	o = json_loads("{\"item\":\"a\",\"currency\":\"\u20ac\"}", 0, NULL);
	CHECK_INT(catalog_check_line(o, &e), -1);
	CHECK_STR(e.msg, "\"currency\" must be an ISO 4217 code of three letters, not '\u20ac'");
	json_decref(o);
	o = json_loads("{\"title\":\"no id\"}", 0, NULL);
	CHECK_INT(catalog_check_line(o, &e), -1);
	CHECK_STR(e.msg, "missing \"item\"");
	json_decref(o);
}

/* --skip-bad: a bad line is told, counted and skipped; a good one after it is read. */
static void
bad_lines_can_be_skipped(void)
{
	static const char in[] = "{\"item\":\"a\"}\n{\"title\":\"x\"}\nnot json\n"
	    "{\"item\":\"a\"}\n{\"item\":\"c\",\"currency\":\"usd\"}\n";
	struct ndjson_skip skip = { .skip_bad = 1 };
	struct catalog c;
	struct err e = { 0 };
	FILE *f = text(in);

	catalog_init(&c);
	CHECK_INT(catalog_read_each(&c, f, "cat", &skip, &e), 2);
	fclose(f);
	CHECK_INT(skip.skipped, 3);
	CHECK_STR(e.msg, "cat:4: duplicate item \"a\"");
	CHECK_INT(c.n, 2);
	CHECK_STR(catalog_get(&c, "c", 1)->currency, "USD");
	catalog_free(&c);
}

int
main(void)
{
	RUN(loads_every_field);
	RUN(bad_lines_name_the_line);
	RUN(rules_make_a_view_of_an_item_table);
	RUN(currency_is_normalised_once);
	RUN(check_line_applies_the_rules);
	RUN(bad_lines_can_be_skipped);
	return UNIT_DONE();
}
