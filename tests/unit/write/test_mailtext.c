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
		const char *must[] = { t->similar_pre, t->also_pre, t->popular, t->neighbours,
			t->view_product, t->footer_pre, t->footer_anon, t->unsubscribe,
			t->unsubscribe_label };
		size_t k;

		CHECK_STR(t->lang, locales[i]);
		for (k = 0; k < sizeof must / sizeof must[0]; k++)
			CHECK(must[k] != NULL && must[k][0] != '\0');
		CHECK(t->similar_post != NULL && t->also_post != NULL && t->footer_post != NULL);
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

int
main(void)
{
	RUN(test_locale_picks_the_language);
	RUN(test_a_locale_names_its_language_in_its_first_two_letters);
	RUN(test_every_language_has_every_text);
	RUN(test_footer_names_the_brand_or_leaves_it_out);
	return UNIT_DONE();
}
