/* test_customers.c - unit tests for the customer table's one reader and its rules (lib/data/customers) */
#include <stdio.h>
#include <string.h>

#include "base/exitcode.h"
#include "data/customers.h"
#include "unit.h"

static FILE *
text(const char *s)
{
	return fmemopen((void *)s, strlen(s), "r");
}

static const char good[] =
	"{\"user\":\"c1\",\"name\":\"Zoë Müller\",\"first_name\":\"Zoë\",\"email\":\"zoe@example.com\","
	"\"locale\":\"de-DE\",\"country\":\"de\",\"segment\":3,\"consent\":true}\n"
	"\n"
	"{\"user\":\"c2\",\"name\":\"\",\"email\":\"ann@example.com\",\"locale\":\"x!\",\"segment\":\"vip\","
	"\"extra\":[1]}\n"
	"{\"user\":\"c3\",\"email\":\"no@example.com\",\"consent\":false,\"country\":null}\n"
	"{\"user\":\"c4\",\"email\":\"customer-4@preview.invalid\",\"preview\":true}\n";

static void
reads_every_field(void)
{
	struct customers t;
	struct err e = { 0 };
	const struct customer *c;
	FILE *f = text(good);

	customers_init(&t);
	CHECK_INT(customers_read(&t, f, "cust", NULL, NULL, NULL, &e), 4);
	fclose(f);
	CHECK_INT(customers_count(&t), 4);
	c = customers_get(&t, "c1", 2);
	CHECK(c != NULL);
	if (c != NULL) {
		CHECK_STR(c->name, "Zoë Müller");
		CHECK_STR(c->first_name, "Zoë");
		CHECK_STR(c->email, "zoe@example.com");
		CHECK_STR(c->locale, "de-DE");
		CHECK_STR(c->country, "DE");    /* two letters in any case, kept in capitals */
		CHECK_STR(c->segment, "3");     /* an integer segment is its decimal text */
		CHECK_INT(c->consent, 1);
		CHECK_INT(c->preview, 0);
	}
	c = customers_get(&t, "c2", 2);
	CHECK(c != NULL && c->name == NULL && c->locale == NULL && c->consent == -1);
	CHECK(c != NULL && c->segment != NULL && strcmp(c->segment, "vip") == 0);
	/* declined marketing: no address to mail, whatever the line says */
	c = customers_get(&t, "c3", 2);
	CHECK(c != NULL && c->email == NULL && c->consent == 0 && c->country == NULL);
	c = customers_get(&t, "c4", 2);
	CHECK(c != NULL && c->preview == 1);
	CHECK(customers_get(&t, "c9", 2) == NULL);
	customers_free(&t);
}

static void
bad_lines_name_the_line(void)
{
	static const struct { const char *in, *msg; } cases[] = {
		{ "{\"user\":\"a\"}\n{\"name\":\"x\"}\n", "cust:2: missing \"user\"" },
		{ "{\"user\":\"a\"}\n{\"user\":\"a\"}\n", "cust:2: duplicate user \"a\"" },
		{ "{\"user\":5}\n", "cust:1: \"user\" must be a non-empty string" },
		{ "{\"user\":\"\"}\n", "cust:1: \"user\" must be a non-empty string" },
		{ "{\"user\":\"a\",\"email\":[\"x\"]}\n", "cust:1: \"email\" must be a string" },
		{ "{\"user\":\"a\",\"first_name\":1}\n", "cust:1: \"first_name\" must be a string" },
		{ "{\"user\":\"a\",\"segment\":1.5}\n",
		  "cust:1: \"segment\" must be a string or an integer" },
		{ "{\"user\":\"a\",\"consent\":\"no\"}\n", "cust:1: \"consent\" must be true or false" },
		{ "{\"user\":\"a\",\"preview\":1}\n", "cust:1: \"preview\" must be true or false" },
		{ "{\"user\":\"a\",\"country\":\"Germany\"}\n",
		  "cust:1: \"country\" must be an ISO 3166-1 code of two letters, not 'Germany'" },
		{ "{\"user\":\"a\",\"country\":\"D1\"}\n",
		  "cust:1: \"country\" must be an ISO 3166-1 code of two letters, not 'D1'" },
		{ "[1]\n", "cust:1: expected a JSON object" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct customers t;
		struct err e = { 0 };
		FILE *f = text(cases[i].in);

		customers_init(&t);
		CHECK_INT(customers_read(&t, f, "cust", NULL, NULL, NULL, &e), -1);
		CHECK_INT(e.code, EXIT_DATA);
		CHECK_STR(e.msg, cases[i].msg);
		fclose(f);
		customers_free(&t);
	}
}

static int
count_each(void *arg, const struct customer *c, const json_t *line, struct err *e)
{
	long *n = arg;

	(*n)++;
	CHECK(c != NULL && json_is_object(line));
	return 0;
}

/* --skip-bad: a bad line is told, counted and skipped; each good one reaches the callback. */
static void
bad_lines_can_be_skipped(void)
{
	static const char in[] = "{\"user\":\"a\"}\n{\"user\":\"a\"}\nnot json\n"
	    "{\"user\":\"b\",\"consent\":0}\n{\"user\":\"c\"}\n";
	struct ndjson_skip skip = { .skip_bad = 1 };
	struct customers t;
	struct err e = { 0 };
	long n = 0;
	FILE *f = text(in);

	customers_init(&t);
	CHECK_INT(customers_read(&t, f, "cust", &skip, count_each, &n, &e), 2);
	fclose(f);
	CHECK_INT(skip.skipped, 3);
	CHECK_INT(n, 2);
	CHECK_STR(e.msg, "cust:4: \"consent\" must be true or false");
	CHECK(customers_get(&t, "c", 1) != NULL && customers_get(&t, "b", 1) == NULL);
	customers_free(&t);
}

static void
email_validation(void)
{
	static const struct { const char *s; int ok; } cases[] = {
		{ "zoe@example.com", 1 }, { "a.b+tag@mail.example.co.uk", 1 }, { "x@a-b.de", 1 },
		{ "", 0 }, { "zoe", 0 }, { "zoe@", 0 }, { "@example.com", 0 }, { "zoe@example", 0 },
		{ "zo e@example.com", 0 }, { "a@@example.com", 0 }, { "a@b@example.com", 0 },
		{ "a@-x.com", 0 }, { "a@x..com", 0 }, { ".a@x.com", 0 }, { "a.@x.com", 0 },
		{ "a<b>@x.com", 0 }, { "zoë@example.com", 0 }, { "a@x.com\n", 0 },
		{ "a@exa_mple.com", 0 }, { NULL, 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		if (customers_email_valid(cases[i].s) != cases[i].ok)
			printf("#   '%s'\n", cases[i].s ? cases[i].s : "(null)");
		CHECK_INT(customers_email_valid(cases[i].s), cases[i].ok);
	}
}

static void
locale_validation(void)
{
	static const struct { const char *s; int ok; } cases[] = {
		{ "de", 1 }, { "de-DE", 1 }, { "pt_BR", 1 }, { "zh-Hant-TW", 1 }, { "fil-PH", 1 },
		{ "x!", 0 }, { "d", 0 }, { "de-", 0 }, { "deutsch", 0 }, { "", 0 }, { NULL, 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		CHECK_INT(customers_locale_valid(cases[i].s), cases[i].ok);
}

int
main(void)
{
	RUN(reads_every_field);
	RUN(bad_lines_name_the_line);
	RUN(bad_lines_can_be_skipped);
	RUN(email_validation);
	RUN(locale_validation);
	return UNIT_DONE();
}
