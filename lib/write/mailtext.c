/* mailtext.c - the fixed texts of a campaign email in English, German, French and Spanish */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "write/mailtext.h"

/* U+00A0: French puts a no-break space before a colon and inside guillemets. */
#define NBSP "\xc2\xa0"

static const struct mailtext texts[] = {
	{
		.lang = "en",
		.similar_pre = "Because you liked ", .similar_post = "",
		.also_pre = "Often bought with ", .also_post = "",
		.popular = "Popular with our customers",
		.neighbours = "Loved by customers like you",
		.view_product = "View product",
		.footer_pre = "You receive this email from ",
		.footer_post = " because you are a customer.",
		.footer_anon = "You receive this email because you are a customer.",
		.unsubscribe = "Unsubscribe",
		.unsubscribe_label = "Unsubscribe: ",
		.unsub_ask = "Do you want to stop receiving these emails?",
		.unsub_done = "You are unsubscribed. You will receive no more of these emails.",
		.unsub_bad = "This link is not valid.",
	},
	{
		.lang = "de",
		.similar_pre = "Weil Ihnen „", .similar_post = "“ gefallen hat",
		.also_pre = "Oft zusammen gekauft mit „", .also_post = "“",
		.popular = "Beliebt bei unseren Kundinnen und Kunden",
		.neighbours = "Beliebt bei Kundinnen und Kunden mit ähnlichem Geschmack",
		.view_product = "Zum Produkt",
		.footer_pre = "Sie erhalten diese E-Mail von ",
		.footer_post = ", weil Sie bei uns Kundin oder Kunde sind.",
		.footer_anon = "Sie erhalten diese E-Mail, weil Sie bei uns Kundin oder Kunde sind.",
		.unsubscribe = "Abmelden",
		.unsubscribe_label = "Abmelden: ",
		.unsub_ask = "Möchten Sie diese E-Mails nicht mehr erhalten?",
		.unsub_done = "Sie sind abgemeldet und erhalten diese E-Mails nicht mehr.",
		.unsub_bad = "Dieser Link ist ungültig.",
	},
	{
		.lang = "fr",
		.similar_pre = "Parce que vous avez aimé «" NBSP, .similar_post = NBSP "»",
		.also_pre = "Souvent acheté avec «" NBSP, .also_post = NBSP "»",
		.popular = "Un succès auprès de nos clients",
		.neighbours = "Les clients qui vous ressemblent l’adorent",
		.view_product = "Voir le produit",
		.footer_pre = "Vous recevez cet e-mail parce que vous avez effectué des achats chez ",
		.footer_post = ".",
		.footer_anon = "Vous recevez cet e-mail parce que vous avez effectué des achats chez nous.",
		.unsubscribe = "Se désabonner",
		.unsubscribe_label = "Se désabonner" NBSP ": ",
		.unsub_ask = "Vous ne souhaitez plus recevoir ces e-mails" NBSP "?",
		.unsub_done = "Vous êtes désabonné(e). Vous ne recevrez plus ces e-mails.",
		.unsub_bad = "Ce lien n’est pas valide.",
	},
	{
		.lang = "es",
		.similar_pre = "Porque le gustó «", .similar_post = "»",
		.also_pre = "Se suele comprar con «", .also_post = "»",
		.popular = "Popular entre nuestros clientes",
		.neighbours = "A los clientes como usted les encanta",
		.view_product = "Ver producto",
		.footer_pre = "Recibe este correo electrónico de ",
		.footer_post = " porque es usted cliente.",
		.footer_anon = "Recibe este correo electrónico porque es usted cliente.",
		.unsubscribe = "Darse de baja",
		.unsubscribe_label = "Darse de baja: ",
		.unsub_ask = "¿Desea dejar de recibir estos correos electrónicos?",
		.unsub_done = "Se ha dado de baja. No recibirá más correos electrónicos como estos.",
		.unsub_bad = "Este enlace no es válido.",
	},
};

int
mailtext_lang_is(const char *locale, const char *lang)
{
	return locale != NULL && strlen(locale) >= 2 &&
	    (locale[2] == '\0' || locale[2] == '-' || locale[2] == '_') &&
	    strncasecmp(locale, lang, 2) == 0;
}

const struct mailtext *
mailtext_for(const char *locale)
{
	size_t i;

	for (i = 1; i < sizeof texts / sizeof texts[0]; i++)
		if (mailtext_lang_is(locale, texts[i].lang))
			return &texts[i];
	return &texts[0];
}

int
mailtext_footer(struct buf *out, const struct mailtext *t, const char *brand)
{
	if (brand == NULL || brand[0] == '\0')
		return buf_adds(out, t->footer_anon);
	return buf_adds(out, t->footer_pre) < 0 || buf_adds(out, brand) < 0 ||
	    buf_adds(out, t->footer_post) < 0 ? -1 : 0;
}
