/* test_mailtext.c - the fixed texts of a campaign email: language by locale, the footer */
#include <string.h>

#include "write/mailtext.h"
#include "unit.h"

static void
test_locale_picks_the_language(void)
{
	static const char *const cases[][2] = {
		{ "de", "de" }, { "de-DE", "de" }, { "DE_at", "de" }, { "fr", "fr" }, { "fr-CA", "fr" },
		{ "fr_FR", "fr" }, { "es", "es" }, { "es-MX", "es" }, { "ES-es", "es" }, { "en-GB", "en" },
		{ "it", "en" }, { "it-IT", "en" }, { "fra", "en" }, { "deutsch", "en" }, { "d", "en" },
		{ "", "en" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		CHECK_STR(mailtext_for(cases[i][0])->lang, cases[i][1]);
	CHECK_STR(mailtext_for(NULL)->lang, "en");
	CHECK_STR(mailtext_for("fr-FR")->view_product, "Voir le produit");
	CHECK_STR(mailtext_for("es")->unsubscribe, "Darse de baja");
	CHECK_STR(mailtext_for("de")->popular, "Beliebt bei unseren Kundinnen und Kunden");
	CHECK_STR(mailtext_for("en")->neighbours, "Loved by customers like you");
}

static void
test_a_locale_names_its_language_in_its_first_two_letters(void)
{
	CHECK(mailtext_lang_is("fr", "fr"));
	CHECK(mailtext_lang_is("fr-CA", "fr"));
	CHECK(mailtext_lang_is("FR_fr", "fr"));
	CHECK(!mailtext_lang_is("fra", "fr"));
	CHECK(!mailtext_lang_is("french", "fr"));
	CHECK(!mailtext_lang_is("f", "fr"));
	CHECK(!mailtext_lang_is("", "fr"));
	CHECK(!mailtext_lang_is(NULL, "fr"));
	CHECK(!mailtext_lang_is("de-DE", "fr"));
}

static void
test_every_language_has_every_text(void)
{
	static const char *const locales[] = { "en", "de", "fr", "es" };
	size_t i;

	for (i = 0; i < sizeof locales / sizeof locales[0]; i++) {
		const struct mailtext *t = mailtext_for(locales[i]);
		const char *must[] = { t->chosen, t->popular, t->neighbours,
			t->view_product, t->footer_pre, t->footer_anon, t->unsubscribe,
			t->unsubscribe_label };
		size_t k;

		CHECK_STR(t->lang, locales[i]);
		for (k = 0; k < sizeof must / sizeof must[0]; k++)
			CHECK(must[k] != NULL && must[k][0] != '\0');
		CHECK(t->footer_post != NULL);
		/* every action has its three wordings, each with a part before the title */
		for (k = 0; k < RECS_NACTIONS - 0u; k++) {
			const struct mailtext_deed *d = &t->deed[k];

			CHECK(d->because[0] && d->because[0][0] && d->because[1]);
			CHECK(d->close[0] && d->close[0][0] && d->close[1]);
			CHECK(d->also[0] && d->also[0][0] && d->also[1]);
		}
		/* the languages do not share their texts */
		if (i > 0) {
			CHECK(strcmp(t->view_product, mailtext_for("en")->view_product) != 0);
			CHECK(strcmp(t->footer_anon, mailtext_for("en")->footer_anon) != 0);
		}
	}
}

static void
test_footer_names_the_brand_or_leaves_it_out(void)
{
	struct buf b;

	buf_init(&b);
	CHECK_INT(mailtext_footer(&b, mailtext_for("en"), "Example <Shop>"), 0);
	CHECK_STR(b.s, "You receive this email from Example <Shop> because you are a customer.");
	buf_reset(&b);
	CHECK_INT(mailtext_footer(&b, mailtext_for("en"), ""), 0);
	CHECK_STR(b.s, "You receive this email because you are a customer.");
	buf_reset(&b);
	CHECK_INT(mailtext_footer(&b, mailtext_for("de-CH"), "Laden"), 0);
	CHECK_STR(b.s, "Sie erhalten diese E-Mail von Laden, weil Sie bei uns Kundin oder Kunde sind.");
	buf_reset(&b);
	CHECK_INT(mailtext_footer(&b, mailtext_for("fr"), "Boutique"), 0);
	CHECK_STR(b.s, "Vous recevez cet e-mail parce que vous avez effectué des achats chez Boutique.");
	buf_reset(&b);
	CHECK_INT(mailtext_footer(&b, mailtext_for("es"), NULL), 0);
	CHECK_STR(b.s, "Recibe este correo electrónico porque es usted cliente.");
	buf_free(&b);
}

/* The reason text of a reason object given as JSON, with title. */
static const char *
reason(const char *locale, const char *json, const char *title)
{
	static struct buf b;
	json_t *r = json_loads(json, 0, NULL);

	buf_free(&b);
	buf_init(&b);
	CHECK(r != NULL);
	CHECK_INT(mailtext_reason(&b, mailtext_for(locale), r, title), 0);
	json_decref(r);
	return b.s;
}

static void
test_reasons_say_what_the_customer_did(void)
{
	CHECK_STR(reason("en", "{\"type\":\"similar\",\"similarity\":0.8,\"action\":\"rated\"}",
	    "Star Wars"), "Because you rated Star Wars highly");
	CHECK_STR(reason("en", "{\"type\":\"similar\",\"similarity\":0.8,\"action\":\"bought\"}",
	    "Oak tray"), "Because you bought Oak tray");
	CHECK_STR(reason("en", "{\"type\":\"similar\",\"similarity\":0.8,\"action\":\"carted\"}",
	    "Oak tray"), "Because you put Oak tray in your basket");
	CHECK_STR(reason("en", "{\"type\":\"similar\",\"similarity\":0.8,\"action\":\"viewed\"}",
	    "Oak tray"), "Because you looked at Oak tray");
	/* no action, or one this version does not know: the neutral verb, never "bought" */
	CHECK_STR(reason("en", "{\"type\":\"similar\",\"similarity\":0.8}", "Oak tray"),
	    "Because you chose Oak tray");
	CHECK_STR(reason("en", "{\"type\":\"similar\",\"similarity\":0.8,\"action\":\"sniffed\"}",
	    "Oak tray"), "Because you chose Oak tray");
	CHECK_STR(reason("de", "{\"type\":\"similar\",\"similarity\":0.8,\"action\":\"rated\"}",
	    "Alien"), "Weil Sie „Alien“ gut bewertet haben");
	CHECK_STR(reason("fr", "{\"type\":\"also_bought\",\"action\":\"bought\"}", "Bol"),
	    "Souvent acheté avec «\xc2\xa0" "Bol\xc2\xa0»");
	CHECK_STR(reason("es", "{\"type\":\"also_bought\",\"action\":\"rated\"}", "Alien"),
	    "Gustó a quienes, como usted, valoraron bien «Alien»");
	CHECK_STR(reason("en", "{\"type\":\"popular\"}", NULL), "Popular with our customers");
	CHECK_STR(reason("en", "{\"type\":\"model\"}", NULL), "Chosen for you");
}

static void
test_a_content_reason_names_what_is_shared_in_every_language(void)
{
	static const char cat[] = "{\"type\":\"content\",\"because\":\"a\",\"similarity\":0.3,"
	    "\"shared\":\"category\",\"value\":\"candles\",\"action\":\"bought\"}";
	static const char brand[] = "{\"type\":\"content\",\"shared\":\"brand\",\"value\":\"Oak\"}";
	static const char word[] = "{\"type\":\"content\",\"shared\":\"word\",\"value\":\"candle\"}";

	CHECK_STR(reason("en", cat, "Pillar candle"), "In the same category as Pillar candle");
	CHECK_STR(reason("en", brand, "Oak tray"), "From the same brand as Oak tray");
	CHECK_STR(reason("en", word, "Pillar candle"), "Much like Pillar candle");
	CHECK_STR(reason("de", cat, "Kerze"), "Aus derselben Kategorie wie „Kerze“");
	CHECK_STR(reason("fr", brand, "Bol"), "De la même marque que «\xc2\xa0" "Bol\xc2\xa0»");
	CHECK_STR(reason("es", word, "Vela"), "En la línea de «Vela»");
	/* an unknown shared kind, or no title to name: no claim */
	CHECK_STR(reason("en", "{\"type\":\"content\",\"shared\":\"colour\",\"value\":\"x\"}",
	    "Vela"), "Chosen for you");
	CHECK_STR(reason("en", cat, NULL), "Chosen for you");
}

static void
test_a_similarity_claim_is_graded_by_its_evidence(void)
{
	/* a close match only from RECS_CLOSE_MATCH (0.9) */
	CHECK_STR(reason("en", "{\"type\":\"similar\",\"similarity\":0.9,\"action\":\"rated\"}",
	    "Alien"), "A close match to Alien, which you rated highly");
	CHECK_STR(reason("en", "{\"type\":\"similar\",\"similarity\":0.8999,\"action\":\"rated\"}",
	    "Alien"), "Because you rated Alien highly");
	/* at or below the floor (0.7): no claim at all */
	CHECK_STR(reason("en", "{\"type\":\"similar\",\"similarity\":0.7,\"action\":\"rated\"}",
	    "Alien"), "Chosen for you");
	CHECK_STR(reason("fr", "{\"type\":\"similar\",\"similarity\":0.13}", "Kite"),
	    "Choisi pour vous");
	/* nothing to name: no claim either */
	CHECK_STR(reason("en", "{\"type\":\"similar\",\"similarity\":0.95}", NULL), "Chosen for you");
	CHECK(!mailtext_reason_given(json_pack("{s:s,s:f}", "type", "similar", "similarity", 0.5),
	    "Alien"));
	CHECK(mailtext_reason_given(json_pack("{s:s}", "type", "popular"), NULL));
	CHECK(!mailtext_reason_given(json_pack("{s:s}", "type", "model"), NULL));
	CHECK(!mailtext_reason_given(NULL, NULL));
}

static void
test_one_casing_rule_for_titles(void)
{
	char a[] = "VINTAGE SNAP CARDS", b[] = "SET OF 3 CAKE TINS", c[] = "iPhone CASE",
	    d[] = "TV", e[] = "RED/WHITE SPOT-MUG";

	mailtext_title_case(a);
	mailtext_title_case(b);
	mailtext_title_case(c);
	mailtext_title_case(d);
	mailtext_title_case(e);
	CHECK_STR(a, "Vintage Snap Cards");
	CHECK_STR(b, "Set of 3 Cake Tins");
	CHECK_STR(c, "iPhone CASE");            /* has a small letter: as it is */
	CHECK_STR(d, "TV");                     /* fewer than three capitals */
	CHECK_STR(e, "Red/White Spot-Mug");
}

int
main(void)
{
	RUN(test_locale_picks_the_language);
	RUN(test_a_locale_names_its_language_in_its_first_two_letters);
	RUN(test_every_language_has_every_text);
	RUN(test_footer_names_the_brand_or_leaves_it_out);
	RUN(test_reasons_say_what_the_customer_did);
	RUN(test_a_content_reason_names_what_is_shared_in_every_language);
	RUN(test_a_similarity_claim_is_graded_by_its_evidence);
	RUN(test_one_casing_rule_for_titles);
	return UNIT_DONE();
}
