/* mailtext.c - the fixed texts of a campaign email in English, German, French and Spanish */
#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "recommend/liked.h"
#include "write/mailtext.h"

/* U+00A0: French puts a no-break space before a colon and inside guillemets. */
#define NBSP "\xc2\xa0"

static const struct mailtext texts[] = {
	{
		.lang = "en",
		.deed = {
			[RECS_ACT_NONE] = { { "Because you chose ", "" },
			    { "A close match to ", ", which you chose" }, { "Often chosen with ", "" } },
			[RECS_BOUGHT] = { { "Because you bought ", "" },
			    { "A close match to ", ", which you bought" }, { "Often bought with ", "" } },
			[RECS_CARTED] = { { "Because you put ", " in your basket" },
			    { "A close match to ", ", which you put in your basket" },
			    { "Often chosen with ", "" } },
			[RECS_VIEWED] = { { "Because you looked at ", "" },
			    { "A close match to ", ", which you looked at" },
			    { "Often viewed with ", "" } },
			[RECS_CLICKED] = { { "Because you clicked on ", "" },
			    { "A close match to ", ", which you clicked on" },
			    { "Often chosen with ", "" } },
			[RECS_RATED] = { { "Because you rated ", " highly" },
			    { "A close match to ", ", which you rated highly" },
			    { "Liked by customers who, like you, liked ", "" } },
		},
		.chosen = "Chosen for you",
		.popular = "Popular with our customers",
		.neighbours = "Loved by customers like you",
		.shared = { { "In the same category as ", "" }, { "From the same brand as ", "" },
		    { "Much like ", "" } },
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
		.deed = {
			[RECS_ACT_NONE] = { { "Weil Sie „", "“ gewählt haben" },
			    { "Sehr ähnlich wie „", "“ (von Ihnen gewählt)" },
			    { "Oft zusammen gewählt mit „", "“" } },
			[RECS_BOUGHT] = { { "Weil Sie „", "“ gekauft haben" },
			    { "Sehr ähnlich wie „", "“ (von Ihnen gekauft)" },
			    { "Oft zusammen gekauft mit „", "“" } },
			[RECS_CARTED] = { { "Weil Sie „", "“ in den Warenkorb gelegt haben" },
			    { "Sehr ähnlich wie „", "“ (in Ihrem Warenkorb)" },
			    { "Oft zusammen gewählt mit „", "“" } },
			[RECS_VIEWED] = { { "Weil Sie sich „", "“ angesehen haben" },
			    { "Sehr ähnlich wie „", "“ (von Ihnen angesehen)" },
			    { "Oft zusammen angesehen mit „", "“" } },
			[RECS_CLICKED] = { { "Weil Sie „", "“ angeklickt haben" },
			    { "Sehr ähnlich wie „", "“ (von Ihnen angeklickt)" },
			    { "Oft zusammen gewählt mit „", "“" } },
			[RECS_RATED] = { { "Weil Sie „", "“ gut bewertet haben" },
			    { "Sehr ähnlich wie „", "“ (von Ihnen gut bewertet)" },
			    { "Beliebt bei allen, die wie Sie „", "“ mochten" } },
		},
		.chosen = "Für Sie ausgewählt",
		.popular = "Beliebt bei unseren Kundinnen und Kunden",
		.neighbours = "Beliebt bei Kundinnen und Kunden mit ähnlichem Geschmack",
		.shared = { { "Aus derselben Kategorie wie „", "“" },
		    { "Von derselben Marke wie „", "“" }, { "Ganz ähnlich wie „", "“" } },
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
		/* the title follows the verb or sits in a noun phrase: no participle agrees with it */
		.deed = {
			[RECS_ACT_NONE] = { { "Parce que vous avez choisi «" NBSP, NBSP "»" },
			    { "Très proche de «" NBSP, NBSP "» (l’un de vos choix)" },
			    { "Souvent choisi avec «" NBSP, NBSP "»" } },
			[RECS_BOUGHT] = { { "Parce que vous avez acheté «" NBSP, NBSP "»" },
			    { "Très proche de «" NBSP, NBSP "» (l’un de vos achats)" },
			    { "Souvent acheté avec «" NBSP, NBSP "»" } },
			[RECS_CARTED] = { { "Parce que vous avez ajouté «" NBSP, NBSP "» à votre panier" },
			    { "Très proche de «" NBSP, NBSP "» (dans votre panier)" },
			    { "Souvent choisi avec «" NBSP, NBSP "»" } },
			[RECS_VIEWED] = { { "Parce que vous avez consulté «" NBSP, NBSP "»" },
			    { "Très proche de «" NBSP, NBSP "» (parmi vos consultations)" },
			    { "Souvent consulté avec «" NBSP, NBSP "»" } },
			[RECS_CLICKED] = { { "Parce que vous avez cliqué sur «" NBSP, NBSP "»" },
			    { "Très proche de «" NBSP, NBSP "» (parmi vos clics)" },
			    { "Souvent choisi avec «" NBSP, NBSP "»" } },
			[RECS_RATED] = { { "Parce que vous avez apprécié «" NBSP, NBSP "»" },
			    { "Très proche de «" NBSP, NBSP "» (l’un de vos coups de cœur)" },
			    { "Apprécié par ceux qui, comme vous, ont aimé «" NBSP, NBSP "»" } },
		},
		.chosen = "Choisi pour vous",
		.popular = "Un succès auprès de nos clients",
		.neighbours = "Les clients qui vous ressemblent l’adorent",
		.shared = { { "Dans la même catégorie que «" NBSP, NBSP "»" },
		    { "De la même marque que «" NBSP, NBSP "»" },
		    { "Dans l’esprit de «" NBSP, NBSP "»" } },
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
		.deed = {
			[RECS_ACT_NONE] = { { "Porque eligió «", "»" },
			    { "Muy parecido a «", "» (una de sus elecciones)" },
			    { "Se suele elegir con «", "»" } },
			[RECS_BOUGHT] = { { "Porque compró «", "»" },
			    { "Muy parecido a «", "» (una de sus compras)" },
			    { "Se suele comprar con «", "»" } },
			[RECS_CARTED] = { { "Porque añadió «", "» a su cesta" },
			    { "Muy parecido a «", "» (en su cesta)" },
			    { "Se suele elegir con «", "»" } },
			[RECS_VIEWED] = { { "Porque vio «", "»" },
			    { "Muy parecido a «", "» (que usted vio)" },
			    { "Se suele ver con «", "»" } },
			[RECS_CLICKED] = { { "Porque hizo clic en «", "»" },
			    { "Muy parecido a «", "» (que usted consultó)" },
			    { "Se suele elegir con «", "»" } },
			[RECS_RATED] = { { "Porque valoró bien «", "»" },
			    { "Muy parecido a «", "» (uno de sus favoritos)" },
			    { "Gustó a quienes, como usted, valoraron bien «", "»" } },
		},
		.chosen = "Elegido para usted",
		.popular = "Popular entre nuestros clientes",
		.neighbours = "A los clientes como usted les encanta",
		.shared = { { "De la misma categoría que «", "»" }, { "De la misma marca que «", "»" },
		    { "En la línea de «", "»" } },
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
mailtext_shared_index(const json_t *reason)
{
	static const char *const kinds[3] = { "category", "brand", "word" };
	const char *sh = json_string_value(json_object_get(reason, "shared"));

	for (int i = 0; sh != NULL && i < 3; i++)
		if (strcmp(sh, kinds[i]) == 0)
			return i;
	return -1;
}

enum mailtext_kind
mailtext_reason_kind(const json_t *reason, const char *title)
{
	const char *type = json_string_value(json_object_get(reason, "type"));
	const json_t *sim;

	if (type == NULL)
		return MAILTEXT_CHOSEN;
	if (strcmp(type, "popular") == 0)
		return MAILTEXT_POPULAR;
	if (strcmp(type, "neighbours") == 0)
		return MAILTEXT_NEIGHBOURS;
	if (title == NULL || title[0] == '\0')
		return MAILTEXT_CHOSEN;
	if (strcmp(type, "also_bought") == 0)
		return MAILTEXT_ALSO;
	if (strcmp(type, "content") == 0)
		return mailtext_shared_index(reason) >= 0 ? MAILTEXT_SHARED : MAILTEXT_CHOSEN;
	if (strcmp(type, "similar") != 0)
		return MAILTEXT_CHOSEN;
	/* a line without the (required) similarity is taken at its word, but never as close */
	if (!json_is_number(sim = json_object_get(reason, "similarity")))
		return MAILTEXT_BECAUSE;
	if (json_number_value(sim) >= RECS_CLOSE_MATCH)
		return MAILTEXT_CLOSE;
	return json_number_value(sim) > RECS_SIMILAR_FLOOR ? MAILTEXT_BECAUSE : MAILTEXT_CHOSEN;
}

enum recs_action
mailtext_reason_action(const json_t *reason)
{
	const char *act = json_string_value(json_object_get(reason, "action"));
	enum recs_action a = RECS_ACT_NONE;

	if (act != NULL && liked_parse_action(act, &a) < 0)
		a = RECS_ACT_NONE;
	return a;
}

int
mailtext_reason_given(const json_t *reason, const char *title)
{
	return mailtext_reason_kind(reason, title) != MAILTEXT_CHOSEN;
}

int
mailtext_reason(struct buf *out, const struct mailtext *t, const json_t *reason,
    const char *title)
{
	const struct mailtext_deed *d = &t->deed[mailtext_reason_action(reason)];
	const char *const *pair;

	switch (mailtext_reason_kind(reason, title)) {
	case MAILTEXT_POPULAR: return buf_adds(out, t->popular);
	case MAILTEXT_NEIGHBOURS: return buf_adds(out, t->neighbours);
	case MAILTEXT_CHOSEN: return buf_adds(out, t->chosen);
	case MAILTEXT_BECAUSE: pair = d->because; break;
	case MAILTEXT_CLOSE: pair = d->close; break;
	case MAILTEXT_SHARED: pair = t->shared[mailtext_shared_index(reason)]; break;
	case MAILTEXT_ALSO:
	default: pair = d->also; break;
	}
	return buf_adds(out, pair[0]) < 0 || buf_adds(out, title) < 0 ||
	    buf_adds(out, pair[1]) < 0 ? -1 : 0;
}

static int
is_small_word(const char *w, size_t n)
{
	static const char *const small[] = { "a", "an", "and", "as", "at", "by", "for", "in", "of",
		"on", "or", "the", "to", "with" };

	for (size_t i = 0; i < sizeof small / sizeof *small; i++)
		if (strlen(small[i]) == n && strncasecmp(small[i], w, n) == 0)
			return 1;
	return 0;
}

void
mailtext_title_case(char *s)
{
	size_t upper = 0, lower = 0;
	char *w = s;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		upper += isupper(*p) != 0;
		lower += islower(*p) != 0;
	}
	if (lower != 0 || upper < 3)
		return;
	while (*w != '\0') {
		size_t n = 0;

		while (w[n] != '\0' && w[n] != ' ' && w[n] != '-' && w[n] != '/')
			n++;
		for (size_t k = 1; k < n; k++)
			w[k] = (char)tolower((unsigned char)w[k]);
		if (w != s && w[-1] == ' ' && is_small_word(w, n))
			w[0] = (char)tolower((unsigned char)w[0]);
		w += n;
		if (*w != '\0')
			w++;
	}
}

int
mailtext_footer(struct buf *out, const struct mailtext *t, const char *brand)
{
	if (brand == NULL || brand[0] == '\0')
		return buf_adds(out, t->footer_anon);
	return buf_adds(out, t->footer_pre) < 0 || buf_adds(out, brand) < 0 ||
	    buf_adds(out, t->footer_post) < 0 ? -1 : 0;
}
