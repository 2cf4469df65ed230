/* test_guard.c - unit tests for the reply guardrails (lib/write/guard.c) */
#include <stdlib.h>
#include <string.h>

#include "write/guard.h"
#include "write/price.h"
#include "write/writer.h"
#include "unit.h"

static json_t *
meta_fixture(int offer)
{
	json_t *m = json_pack("{s:s,s:s,s:s,s:s,s:[{s:s,s:s,s:s,s:f,s:s,s:s,s:{s:s,s:s,s:s}},"
	    "{s:s,s:s,s:s,s:f,s:s,s:s,s:{s:s}}]}",
	    "user", "c1", "first_name", "Zoë", "brand", "Example Shop", "locale", "en-GB", "items",
	    "item", "sku9", "title", "Blue teapot", "category", "kitchen", "price", 12.5,
	    "currency", "GBP", "url", "https://shop.example/p/sku9",
	    "reason", "type", "similar", "because", "sku3", "because_title", "Green teacup",
	    "item", "sku4", "title", "100% Cotton Sale Apron", "category", "Summer Sale", "price",
	    1299.0, "currency", "EUR", "url", "https://shop.example/p/sku4",
	    "reason", "type", "popular");

	if (offer)
		json_object_set_new(m, "offer", json_pack("{s:s,s:i}", "code", "TEA", "percent", 10));
	return m;
}

/* guard_check on a reply built from three fields. */
static int
check3(const json_t *meta, const char *subject, const char *pre, const char *body, char *why,
    size_t whysz)
{
	json_t *r = json_pack("{s:s,s:s,s:s}", "subject", subject, "preheader", pre, "body_text",
	    body);
	char *s = json_dumps(r, 0);
	int rc = guard_check(meta, s, strlen(s), why, whysz);

	free(s);
	json_decref(r);
	return rc;
}

static int
body(const char *text, char *why)
{
	json_t *m = meta_fixture(0);
	int rc = check3(m, "Picked for you", "Two products", text, why, 256);

	json_decref(m);
	return rc;
}

static void
test_valid_reply_passes(void)
{
	char why[256] = "unset";

	CHECK_INT(body("Hi Zoë,\n\nBlue teapot (kitchen, £12.50): because you bought Green "
	    "teacup.\nSee https://shop.example/p/sku9 or https://shop.example/p/sku4/.\n\n"
	    "The Example Shop team", why), 0);
	CHECK_STR(why, "");
}

/* MovieLens user 127: "Contact (1997)" is recommended and "Star Trek: First Contact (1996)" cited;
 * the short title used to blank part of the long one, leaving "Star Trek" as an unknown product. */
static void
test_a_title_inside_another_title_is_not_cut(void)
{
	json_t *m = json_pack("{s:s,s:[{s:s,s:s,s:s},{s:s,s:s,s:s,s:{s:s,s:s,s:f,s:s}}]}",
	    "locale", "en-US", "items",
	    "item", "258", "title", "Contact (1997)", "category", "film",
	    "item", "222", "title", "Return of the Jedi (1983)", "category", "film",
	    "reason", "type", "similar", "because_title", "Star Trek: First Contact (1996)",
	    "similarity", 0.8651, "action", "rated");
	char why[256] = "unset";

	CHECK_INT(check3(m, "Two films for you", "Picked from your ratings",
	    "Hello,\n\nContact (1997).\nReturn of the Jedi (1983). Because you rated Star Trek: "
	    "First Contact (1996) highly.\n", why, sizeof why), 0);
	CHECK_STR(why, "");
	json_decref(m);
}

static void
test_prices_in_meta_pass_in_any_notation(void)
{
	char why[256];

	CHECK_INT(body("It costs £12.50.", why), 0);
	CHECK_INT(body("It costs 12,50 £.", why), 0);
	CHECK_INT(body("It costs 12.5 GBP or £12.", why), 1); /* £12 is not 12.50 */
	CHECK_INT(body("The apron is 1,299.00 € or 1.299,00 € or EUR 1299.", why), 0);
	CHECK_INT(body("Only 1250p.", why), 0);
	CHECK_INT(body("Set of 3, 24/7 support, since 2011.", why), 0);
}

static void
test_price_not_in_meta_is_rejected(void)
{
	char why[256];

	CHECK_INT(body("Now only £9.99!", why), 1);
	CHECK_STR(why, "body_text mentions price 9.99 that is not in the catalog");
	CHECK_INT(body("Just $5 today.", why), 1);
	CHECK_STR(why, "body_text mentions price 5 that is not in the catalog");
	CHECK_INT(body("Nur 12,49 € heute.", why), 1);
	CHECK_INT(body("Only 99p.", why), 1);
	CHECK_INT(body("Ten dollars: 10 dollars.", why), 1);
}

static void
test_percentage_is_an_offer(void)
{
	char why[256];
	json_t *m = meta_fixture(1);

	CHECK_INT(body("Save 30% this week.", why), 1);
	CHECK_STR(why, "body_text mentions a percentage (30%) that reads as an offer");
	CHECK_INT(body("20 percent of it.", why), 1);
	CHECK_INT(check3(m, "s", "", "Save 10% with code TEA.", why, sizeof why), 0);
	json_decref(m);
}

static void
test_offer_words_are_rejected(void)
{
	static const char *const bad[] = {
		"Use our discount.", "A coupon inside.", "Enter the promo code.", "Free shipping!",
		"Your voucher.", "Use code TEA.", "Now on sale.", "Big SALE today.", "Mit Rabatt.",
		"Ihr Gutscheincode.", "Versandkostenfrei!", "Utilisez le code promo.",
		"Un descuento.", "Livraison gratuite.", "Get 20 off your order",
	};
	char why[256];

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK_INT(body(bad[i], why), 1);
		if (strstr(why, "offer") == NULL)
			printf("#   '%s' gave '%s'\n", bad[i], why);
		CHECK(strstr(why, "offer") != NULL);
	}
	CHECK_INT(body("Use our discount.", why), 1);
	CHECK_STR(why, "body_text mentions an offer ('discount') but there is none");
}

static void
test_offer_words_inside_meta_strings_or_other_words_pass(void)
{
	char why[256];

	CHECK_INT(body("The 100% cotton sale apron (Summer Sale) is here.", why), 0);
	CHECK_INT(body("Our wholesale barcode salesman.", why), 0);
}

static void
test_offer_words_pass_when_meta_has_an_offer(void)
{
	char why[256];
	json_t *m = meta_fixture(1);

	CHECK_INT(check3(m, "A discount for you", "", "Use the code TEA.", why, sizeof why), 0);
	json_decref(m);
}

static void
test_unknown_url_is_rejected(void)
{
	char why[256];

	CHECK_INT(body("See https://evil.example/x now.", why), 1);
	CHECK_STR(why, "body_text contains a URL that is not in meta: https://evil.example/x");
	CHECK_INT(body("See www.evil.example.", why), 1);
	CHECK_INT(body("See https://shop.example/p/sku9/extra.", why), 1);
}

static void
test_placeholders_are_rejected(void)
{
	char why[256];

	CHECK_INT(body("Hi {{first_name}},", why), 1);
	CHECK_STR(why, "body_text contains template placeholder syntax '{{'");
	CHECK_INT(body("Hi [First Name],", why), 1);
	CHECK_STR(why, "body_text contains a placeholder [First Name]");
	CHECK_INT(body("Sizes [S, M, L] only.", why), 0);
}

static void
test_html_is_rejected(void)
{
	char why[256];

	CHECK_INT(body("A <b>bold</b> choice.", why), 1);
	CHECK_STR(why, "body_text contains an HTML tag");
	CHECK_INT(body("Tea &amp; cups.", why), 1);
	CHECK_STR(why, "body_text contains an HTML entity");
	CHECK_INT(body("Tea & cups, 3 < 4.", why), 0);
}

static void
test_lengths_and_fields(void)
{
	char why[256], big[6000];
	json_t *m = meta_fixture(0);
	char subj[256] = "";

	for (int i = 0; i < 120; i++)
		strcat(subj, "é");
	CHECK_INT(check3(m, subj, "", "x", why, sizeof why), 0);
	strcat(subj, "e");
	CHECK_INT(check3(m, subj, "", "x", why, sizeof why), 1);
	CHECK_STR(why, "subject is longer than 120 characters (121)");
	CHECK_INT(check3(m, "", "", "x", why, sizeof why), 1);
	CHECK_STR(why, "subject is empty");
	CHECK_INT(check3(m, "   ", "", "x", why, sizeof why), 1);
	CHECK_STR(why, "subject is blank");
	CHECK_INT(check3(m, "two\nlines", "", "x", why, sizeof why), 1);
	CHECK_STR(why, "subject contains a line break or tab");
	memset(big, 'a', 201);
	big[201] = '\0';
	CHECK_INT(check3(m, "s", big, "x", why, sizeof why), 1);
	CHECK_STR(why, "preheader is longer than 200 characters (201)");
	memset(big, 'a', 5000);
	big[5000] = '\0';
	CHECK_INT(check3(m, "s", "", big, why, sizeof why), 0);
	big[5000] = 'a';
	big[5001] = '\0';
	CHECK_INT(check3(m, "s", "", big, why, sizeof why), 1);
	CHECK_INT(check3(m, "s", "", "", why, sizeof why), 1);
	CHECK_STR(why, "body_text is empty");
	CHECK_INT(check3(m, "s", "", "bell\a", why, sizeof why), 1);
	CHECK_STR(why, "body_text contains a control character");
	json_decref(m);
}

static void
test_non_json_and_missing_fields(void)
{
	char why[256];
	json_t *m = meta_fixture(0);
	const char *r;

	r = "Dear Zoë, here is your email";
	CHECK_INT(guard_check(m, r, strlen(r), why, sizeof why), 1);
	CHECK(strncmp(why, "reply is not valid JSON", 23) == 0);
	r = "[\"subject\"]";
	CHECK_INT(guard_check(m, r, strlen(r), why, sizeof why), 1);
	CHECK_STR(why, "reply is not a JSON object");
	r = "{\"subject\":\"s\",\"body_text\":\"b\"}";
	CHECK_INT(guard_check(m, r, strlen(r), why, sizeof why), 1);
	CHECK_STR(why, "reply lacks a string preheader");
	r = "{\"subject\":\"s\",\"preheader\":\"\",\"body_text\":5}";
	CHECK_INT(guard_check(m, r, strlen(r), why, sizeof why), 1);
	CHECK_STR(why, "reply lacks a string body_text");
	r = "{\"subject\":\"s\",\"subject\":\"t\",\"preheader\":\"\",\"body_text\":\"b\"}";
	CHECK_INT(guard_check(m, r, strlen(r), why, sizeof why), 1);
	r = "{\"subject\":\"s\",\"preheader\":\"\",\"body_text\":\"b\"}";
	CHECK_INT(guard_check(m, r, strlen(r) - 1, why, sizeof why), 1); /* truncated */
	CHECK_INT(guard_check(m, r, strlen(r), why, sizeof why), 0);
	CHECK_INT(guard_check(NULL, r, strlen(r), why, sizeof why), 0);
	json_decref(m);
}

static void
test_prices_are_checked_in_subject_too(void)
{
	char why[256];
	json_t *m = meta_fixture(0);

	CHECK_INT(check3(m, "Only £3", "", "x", why, sizeof why), 1);
	CHECK_STR(why, "subject mentions price 3 that is not in the catalog");
	CHECK_INT(check3(m, "s", "Free gift inside", "x", why, sizeof why), 1);
	CHECK_STR(why, "preheader mentions an offer ('free gift') but there is none");
	json_decref(m);
}

/* Every form price_format writes, in every kind of locale, is a known price to the guard. */
static void
test_prices_as_price_format_writes_them_pass(void)
{
	static const char *const locales[] = { "en-GB", "de-DE", "fr-FR", "es-ES", "it-IT", "xx" };
	static const char *const curs[] = { "GBP", "EUR", "USD", "JPY", "CHF", "AUD", "CAD", "SEK",
		"NZD", "eur", NULL };
	static const double prices[] = { 12.5, 1234.5, 1711.4, 0.99, 1711.6 };
	char why[256], price[PRICE_MAX], text[256];

	for (size_t c = 0; c < sizeof curs / sizeof *curs; c++)
		for (size_t k = 0; k < sizeof prices / sizeof *prices; k++) {
			json_t *m = json_pack("{s:s,s:[{s:s,s:s,s:f,s:s}]}", "user", "c1", "items",
			    "item", "sku1", "title", "Blue teapot", "price", prices[k], "url",
			    "https://shop.example/p/sku1");
			json_t *it = json_array_get(json_object_get(m, "items"), 0);

			if (curs[c] != NULL)
				json_object_set_new(it, "currency", json_string(curs[c]));
			for (size_t l = 0; l < sizeof locales / sizeof *locales; l++) {
				CHECK(price_format(it, locales[l], price, sizeof price) > 0);
				snprintf(text, sizeof text, "Blue teapot (%s)\nFor %s only.", price, price);
				if (check3(m, "Picked for you", "One product", text, why, sizeof why) != 0) {
					printf("#   %s: %s\n", text, why);
					CHECK(0);
				}
			}
			json_decref(m);
		}
}

static void
test_separators_and_rounding_of_written_prices(void)
{
	char why[256];
	json_t *m = json_pack("{s:s,s:[{s:s,s:f,s:s},{s:s,s:f,s:s},{s:s,s:f,s:s}]}", "user", "c1",
	    "items", "title", "Teapot", "price", 1234.5, "currency", "EUR",
	    "title", "Tray", "price", 1711.4, "currency", "JPY",
	    "title", "Mug", "price", 12.5, "currency", "AUD");

	CHECK_INT(check3(m, "Hi", "Hi", "Teapot: 1.234,50\xc2\xa0€, 1.234,50 € or €1,234.50.", why,
	    sizeof why), 0);
	CHECK_INT(check3(m, "Hi", "Hi", "Teapot: 1234,50\xc2\xa0" "EUR.", why, sizeof why), 0);
	CHECK_INT(check3(m, "Hi", "Hi", "Tray: ¥1711, 1711\xc2\xa0¥ or 1711.40 JPY.", why,
	    sizeof why), 0);
	/* only the yen price is shown rounded: ¥1712 and €1234 are not prices of the catalog */
	CHECK_INT(check3(m, "Hi", "Hi", "Tray: ¥1712.", why, sizeof why), 1);
	CHECK_STR(why, "body_text mentions price 1712 that is not in the catalog");
	CHECK_INT(check3(m, "Hi", "Hi", "Teapot: €1234.", why, sizeof why), 1);
	/* A$ after the figure marks a price too */
	CHECK_INT(check3(m, "Hi", "Hi", "Mug: 12,50\xc2\xa0" "A$ or A$12.50.", why, sizeof why), 0);
	CHECK_INT(check3(m, "Hi", "Hi", "Mug: 99,00\xc2\xa0" "A$.", why, sizeof why), 1);
	CHECK_INT(check3(m, "Hi", "Hi", "Mug: 99,00 C$.", why, sizeof why), 1);
	json_decref(m);
}

/* Every example of issue 14 that came back ok:true, and their kin: each must be refused. */
static void
test_hostile_examples_are_refused(void)
{
	static const struct { const char *text, *reason; } bad[] = {
		{ "Free  shipping on this one.", "offer" },
		{ "Free\u00a0shipping on this one.", "offer" },
		{ "Costs only \uff044.99 today.", "price" },
		{ "RÉDUCTION de 30 sur tout.", "offer" },
		{ "Take twenty percent off today with SPRING20.", "offer" },
		{ "Take twenty percent off today.", "offer" },
		{ "Enter WELCOME10 at checkout for ten percent less.", "offer" },
		{ "Just mention WELCOME10 when you order.", "code" },
		{ "Everything is 2-for-1 this week.", "offer" },
		{ "Everything is two for one this week.", "offer" },
		{ "Alles 3 für 2 diese Woche.", "offer" },
		{ "Prices from nineteen pounds ninety-nine.", "price" },
		{ "Desde diez euros.", "price" },
		{ "Reply to this email with your card number to claim your reward.", "credentials" },
		{ "Please confirm your password here.", "credentials" },
		{ "Our new Golden Toaster 3000 is here for you.", "product" },
		{ "You will also love our new Golden Toaster.", "product" },
		{ "Visit evil.example/login to see more.", "domain" },
		{ "Visit shop-deals.com today.", "domain" },
		{ "See hxxps://evil.example/login now.", "defanged" },
		{ "See evil[.]example now.", "defanged" },
		{ "Write to help@evil.example for more.", "domain" },
	};
	char why[256], text[300];
	size_t refused = 0;

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int rc;

		snprintf(text, sizeof text, "Hi Zoë,\n\n%s\n\nThe Example Shop team", bad[i].text);
		rc = body(text, why);
		refused += rc == 1;
		if (rc != 1 || strstr(why, bad[i].reason) == NULL)
			printf("#   '%s' gave %d '%s' (wanted '%s')\n", bad[i].text, rc, why, bad[i].reason);
		CHECK_INT(rc, 1);
		CHECK(strstr(why, bad[i].reason) != NULL);
	}
	printf("# guard: hostile examples: %zu of %zu refused\n", refused, sizeof bad / sizeof *bad);
}

/*
 * The false-refusal count: honest emails must all pass. The corpus is
 * tests/fixtures/guard/honest.ndjson (make-honest.py there writes it: LLM-style
 * emails in four languages that say nothing meta lacks), and the offline
 * writer's own email for each of its metas in en, de, fr and es.
 */
static void
test_honest_emails_pass(void)
{
	static const char *const locales[] = { "en-GB", "de-DE", "fr-FR", "es-ES" };
	char path[512], why[512];
	const char *slash = strrchr(__FILE__, '/');
	size_t lines = 0, refused = 0, written = 0, wrefused = 0;
	json_error_t je;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;

	snprintf(path, sizeof path, "%.*s/../../fixtures/guard/honest.ndjson",
	    slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
	f = fopen(path, "r");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	while (getline(&line, &cap, f) > 0) {
		json_t *rec = json_loads(line, 0, &je), *meta = json_object_get(rec, "meta");
		char *reply = json_dumps(json_object_get(rec, "reply"), 0);

		lines++;
		if (guard_check(meta, reply, strlen(reply), why, sizeof why) != 0) {
			refused++;
			printf("#   honest %zu refused: %s\n", lines, why);
		}
		free(reply);
		for (size_t i = 0; i < sizeof locales / sizeof *locales; i++) {
			struct err e = { 0, "" };
			char *text;

			json_object_set_new(meta, "locale", json_string(locales[i]));
			text = writer_compose(meta, &e);
			CHECK(text != NULL);
			if (text == NULL)
				continue;
			written++;
			if (guard_check(meta, text, strlen(text), why, sizeof why) != 0) {
				wrefused++;
				printf("#   writer %s %zu refused: %s\n", locales[i], lines, why);
			}
			free(text);
		}
		json_decref(rec);
	}
	free(line);
	fclose(f);
	printf("# guard: honest LLM-style emails: %zu, falsely refused %zu; offline writer (en, de, fr, "
	    "es): %zu, falsely refused %zu\n", lines, refused, written, wrefused);
	CHECK(lines >= 200);
	CHECK_INT(refused, 0);
	CHECK_INT(wrefused, 0);
}

int
main(void)
{
	RUN(test_valid_reply_passes);
	RUN(test_a_title_inside_another_title_is_not_cut);
	RUN(test_prices_in_meta_pass_in_any_notation);
	RUN(test_price_not_in_meta_is_rejected);
	RUN(test_percentage_is_an_offer);
	RUN(test_offer_words_are_rejected);
	RUN(test_offer_words_inside_meta_strings_or_other_words_pass);
	RUN(test_offer_words_pass_when_meta_has_an_offer);
	RUN(test_unknown_url_is_rejected);
	RUN(test_placeholders_are_rejected);
	RUN(test_html_is_rejected);
	RUN(test_lengths_and_fields);
	RUN(test_non_json_and_missing_fields);
	RUN(test_prices_are_checked_in_subject_too);
	RUN(test_prices_as_price_format_writes_them_pass);
	RUN(test_separators_and_rounding_of_written_prices);
	RUN(test_hostile_examples_are_refused);
	RUN(test_honest_emails_pass);
	return UNIT_DONE();
}
