/* writer.c - the offline email writer: phrase tables per language, varied by a hash of the user */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/exitcode.h"
#include "write/guard.h"
#include "write/mailtext.h"
#include "base/ndjson.h"
#include "write/price.h"
#include "write/writer.h"

#define BODY_ITEMS 6        /* products described in the body; the rest are counted */
#define TITLE_MAX 200       /* longest title (characters) written out */
#define SUBJECT_TITLE_MAX 60
#define SUBJECT_MAX 120
#define NAME_MAX 60

/*
 * One language's phrases. Placeholders: {name} first name, {title} product
 * title, {more} further items,
 * {count} all items, {brand} brand. Each list holds alternatives chosen by the
 * hash of the user id, so that emails do not all read the same. A language
 * whose "and N more" agrees with N gives subj_many_one for exactly one more.
 */
struct lang {
	const char *greet[3], *greet_anon[3];
	const char *intro_one[3], *intro_many[3];
	const char *intro_plain_one, *intro_plain_many; /* when some item has no reason of its own */
	const char *extra_one, *extra_many;
	const char *outro_one[3], *outro_many[3];
	const char *signoff[3], *signoff_anon[2];
	const char *subj_one[2], *subj_one_anon[2], *subj_many[2], *subj_many_anon[2];
	const char *subj_many_one[2], *subj_many_one_anon[2];   /* one more; NULL: subj_many */
	const char *subj_plain[2];
	const char *pre_one[2], *pre_many[2];
	const char *pre_plain_one, *pre_plain_many;
};

static const struct lang lang_en = {
	.greet = { "Hi {name},", "Hello {name},", "Dear {name}," },
	.greet_anon = { "Hello,", "Hi there,", "Dear customer," },
	.intro_one = {
		"We have found a product we think you will like.",
		"Here is something we think you will like, and why we chose it.",
		"We picked out one product for you.",
	},
	.intro_many = {
		"We have picked a few products we think you will like, and noted why each one made "
		    "the list.",
		"Here are some products we think you will like, with the reason we chose each one.",
		"Here is a short selection we put together for you.",
	},
	.intro_plain_one = "We picked out one product for you.",
	.intro_plain_many = "Here is a short selection we put together for you.",
	.extra_one = "We also picked one more product for you.",
	.extra_many = "We also picked {more} more products for you.",
	.outro_one = {
		"You can find it in our shop.",
		"If it catches your eye, you will find it in our shop.",
		"Thank you for shopping with us.",
	},
	.outro_many = {
		"You can find all of them in our shop.",
		"If any of them catch your eye, you will find them in our shop.",
		"Thank you for shopping with us.",
	},
	.signoff = { "Best wishes,\nThe {brand} team", "Kind regards,\n{brand}",
	    "Warm regards,\nEveryone at {brand}" },
	.signoff_anon = { "Best wishes", "Kind regards" },
	.subj_one = { "{name}, we think you will like {title}", "Picked for you, {name}: {title}" },
	.subj_one_anon = { "Picked for you: {title}", "We think you will like {title}" },
	.subj_many = { "{name}, we picked {title} and {more} more for you",
	    "For you, {name}: {title} and {more} more" },
	.subj_many_anon = { "Picked for you: {title} and {more} more",
	    "{title} and {more} more, chosen for you" },
	.subj_plain = { "A few products picked for you", "Chosen for you" },
	.pre_one = { "One product chosen for you, and why we chose it.",
	    "A product we think you will like, with our reason." },
	.pre_many = { "{count} products chosen for you, each with the reason we picked it.",
	    "A short selection of {count} products, and why we chose each one." },
	.pre_plain_one = "One product chosen for you.",
	.pre_plain_many = "{count} products chosen for you.",
};

static const struct lang lang_de = {
	.greet = { "Hallo {name},", "Guten Tag {name},", "Hallo {name}," },
	.greet_anon = { "Hallo,", "Guten Tag,", "Hallo," },
	.intro_one = {
		"wir haben ein Produkt für Sie ausgewählt, das Ihnen gefallen könnte.",
		"hier ist ein Produkt, das wir für Sie ausgesucht haben – mit dem Grund für unsere Wahl.",
		"dieses Produkt könnte Ihnen gefallen.",
	},
	.intro_many = {
		"wir haben einige Produkte für Sie ausgewählt, die Ihnen gefallen könnten – jeweils mit "
		    "dem Grund für unsere Wahl.",
		"hier ist eine kleine Auswahl, die wir für Sie zusammengestellt haben.",
		"diese Produkte könnten Ihnen gefallen. Warum wir sie ausgewählt haben, steht jeweils "
		    "dabei.",
	},
	.intro_plain_one = "dieses Produkt könnte Ihnen gefallen.",
	.intro_plain_many = "hier ist eine kleine Auswahl, die wir für Sie zusammengestellt haben.",
	.extra_one = "Außerdem haben wir ein weiteres Produkt für Sie ausgewählt.",
	.extra_many = "Außerdem haben wir {more} weitere Produkte für Sie ausgewählt.",
	.outro_one = {
		"Sie finden es in unserem Shop.",
		"Wenn es Ihnen gefällt, finden Sie es in unserem Shop.",
		"Vielen Dank, dass Sie bei uns einkaufen.",
	},
	.outro_many = {
		"Sie finden alle Produkte in unserem Shop.",
		"Wenn Ihnen etwas davon gefällt, finden Sie es in unserem Shop.",
		"Vielen Dank, dass Sie bei uns einkaufen.",
	},
	.signoff = { "Viele Grüße\nIhr Team von {brand}", "Freundliche Grüße\n{brand}",
	    "Herzliche Grüße\nIhr Team von {brand}" },
	.signoff_anon = { "Viele Grüße", "Freundliche Grüße" },
	.subj_one = { "{name}, das könnte Ihnen gefallen: {title}", "Für Sie ausgewählt, {name}: {title}" },
	.subj_one_anon = { "Für Sie ausgewählt: {title}", "Das könnte Ihnen gefallen: {title}" },
	.subj_many = { "{name}, für Sie ausgewählt: {title} und {more} weitere",
	    "Für Sie, {name}: {title} und {more} weitere" },
	.subj_many_anon = { "Für Sie ausgewählt: {title} und {more} weitere",
	    "{title} und {more} weitere Empfehlungen für Sie" },
	.subj_many_one = { "{name}, für Sie ausgewählt: {title} und ein weiteres Produkt",
	    "Für Sie, {name}: {title} und ein weiteres Produkt" },
	.subj_many_one_anon = { "Für Sie ausgewählt: {title} und ein weiteres Produkt",
	    "{title} und eine weitere Empfehlung für Sie" },
	.subj_plain = { "Eine kleine Auswahl für Sie", "Für Sie ausgewählt" },
	.pre_one = { "Ein Produkt, für Sie ausgewählt – mit Begründung.",
	    "Ein Produkt, das Ihnen gefallen könnte, und warum wir es gewählt haben." },
	.pre_many = { "{count} Produkte, für Sie ausgewählt – jeweils mit Begründung.",
	    "Eine Auswahl von {count} Produkten und warum wir sie gewählt haben." },
	.pre_plain_one = "Ein Produkt, für Sie ausgewählt.",
	.pre_plain_many = "{count} Produkte, für Sie ausgewählt.",
};

/* French typography: a no-break space before a colon and inside guillemets. */
#define NBSP "\xc2\xa0"

/*
 * French, addressing the customer as "vous". Sentences name "ce produit"
 * rather than "le"/"la" so that no participle has to agree with a title
 * whose gender is unknown.
 */
static const struct lang lang_fr = {
	.greet = { "Bonjour {name},", "Bonjour {name},", "Bonjour {name}," },
	.greet_anon = { "Bonjour,", "Bonjour,", "Bonjour," },
	.intro_one = {
		"Nous avons trouvé un produit qui devrait vous plaire.",
		"Voici un produit qui devrait vous plaire, et la raison de notre choix.",
		"Nous avons sélectionné un produit pour vous.",
	},
	.intro_many = {
		"Nous avons sélectionné quelques produits qui devraient vous plaire, en indiquant "
		    "pourquoi chacun d’eux figure dans la liste.",
		"Voici quelques produits qui devraient vous plaire, avec la raison de chacun de nos "
		    "choix.",
		"Voici une petite sélection que nous avons préparée pour vous.",
	},
	.intro_plain_one = "Nous avons sélectionné un produit pour vous.",
	.intro_plain_many = "Voici une petite sélection que nous avons préparée pour vous.",
	.extra_one = "Nous avons également sélectionné un autre produit pour vous.",
	.extra_many = "Nous avons également sélectionné {more} autres produits pour vous.",
	.outro_one = {
		"Vous trouverez ce produit dans notre boutique.",
		"Si ce produit vous intéresse, vous le trouverez dans notre boutique.",
		"Merci de faire vos achats chez nous.",
	},
	.outro_many = {
		"Vous trouverez tous ces produits dans notre boutique.",
		"Si l’un d’eux vous intéresse, vous le trouverez dans notre boutique.",
		"Merci de faire vos achats chez nous.",
	},
	.signoff = { "Bien cordialement,\nL’équipe {brand}", "Cordialement,\n{brand}",
	    "Très cordialement,\nToute l’équipe {brand}" },
	.signoff_anon = { "Bien cordialement", "Cordialement" },
	.subj_one = { "{name}, ceci devrait vous plaire" NBSP ": {title}",
	    "Notre choix pour vous, {name}" NBSP ": {title}" },
	.subj_one_anon = { "Notre choix pour vous" NBSP ": {title}",
	    "Ceci devrait vous plaire" NBSP ": {title}" },
	.subj_many = { "{name}, notre sélection pour vous" NBSP ": {title} et {more} autres produits",
	    "Pour vous, {name}" NBSP ": {title} et {more} autres produits" },
	.subj_many_anon = { "Notre sélection pour vous" NBSP ": {title} et {more} autres produits",
	    "{title} et {more} autres produits choisis pour vous" },
	.subj_many_one = { "{name}, notre sélection pour vous" NBSP ": {title} et un autre produit",
	    "Pour vous, {name}" NBSP ": {title} et un autre produit" },
	.subj_many_one_anon = { "Notre sélection pour vous" NBSP ": {title} et un autre produit",
	    "{title} et un autre produit choisis pour vous" },
	.subj_plain = { "Une petite sélection pour vous", "Notre sélection pour vous" },
	.pre_one = { "Un produit choisi pour vous, et la raison de ce choix.",
	    "Un produit qui devrait vous plaire, avec la raison de notre choix." },
	.pre_many = { "{count} produits choisis pour vous, chacun avec la raison de notre choix.",
	    "Une petite sélection de {count} produits, et pourquoi nous les avons choisis." },
	.pre_plain_one = "Un produit choisi pour vous.",
	.pre_plain_many = "{count} produits choisis pour vous.",
};

/*
 * Spanish, addressing the customer as "usted"; letters greet with a colon
 * ("Hola, Ana:") and the next paragraph starts with a capital.
 */
static const struct lang lang_es = {
	.greet = { "Hola, {name}:", "Buenos días, {name}:", "Hola, {name}:" },
	.greet_anon = { "Hola:", "Buenos días:", "Hola:" },
	.intro_one = {
		"Hemos encontrado un producto que creemos que le gustará.",
		"Le presentamos un producto que creemos que le gustará, y el motivo de nuestra "
		    "elección.",
		"Hemos seleccionado un producto para usted.",
	},
	.intro_many = {
		"Hemos seleccionado algunos productos que creemos que le gustarán, e indicamos por "
		    "qué hemos elegido cada uno.",
		"Le presentamos algunos productos que creemos que le gustarán, con el motivo de cada "
		    "elección.",
		"Esta es una pequeña selección que hemos preparado para usted.",
	},
	.intro_plain_one = "Hemos seleccionado un producto para usted.",
	.intro_plain_many = "Esta es una pequeña selección que hemos preparado para usted.",
	.extra_one = "También hemos seleccionado otro producto para usted.",
	.extra_many = "También hemos seleccionado {more} productos más para usted.",
	.outro_one = {
		"Lo encontrará en nuestra tienda.",
		"Si le interesa, lo encontrará en nuestra tienda.",
		"Gracias por comprar con nosotros.",
	},
	.outro_many = {
		"Encontrará todos estos productos en nuestra tienda.",
		"Si alguno de ellos le interesa, lo encontrará en nuestra tienda.",
		"Gracias por comprar con nosotros.",
	},
	.signoff = { "Un cordial saludo,\nEl equipo de {brand}", "Atentamente,\n{brand}",
	    "Saludos cordiales,\nTodo el equipo de {brand}" },
	.signoff_anon = { "Un cordial saludo", "Atentamente" },
	.subj_one = { "{name}, creemos que le gustará: {title}", "Para usted, {name}: {title}" },
	.subj_one_anon = { "Nuestra selección para usted: {title}", "Creemos que le gustará: {title}" },
	.subj_many = { "{name}, nuestra selección para usted: {title} y {more} más",
	    "Para usted, {name}: {title} y {more} más" },
	.subj_many_anon = { "Nuestra selección para usted: {title} y {more} más",
	    "{title} y {more} más, seleccionados para usted" },
	.subj_plain = { "Una pequeña selección para usted", "Nuestra selección para usted" },
	.pre_one = { "Un producto elegido para usted, y el motivo de nuestra elección.",
	    "Un producto que creemos que le gustará, con el motivo de nuestra elección." },
	.pre_many = { "{count} productos elegidos para usted, cada uno con el motivo de nuestra "
	    "elección.", "Una pequeña selección de {count} productos, y por qué elegimos cada uno." },
	.pre_plain_one = "Un producto elegido para usted.",
	.pre_plain_many = "{count} productos elegidos para usted.",
};

/* The languages beside English, found by the first two letters of meta.locale. */
static const struct {
	const char *code;
	const struct lang *lang;
} langs[] = { { "de", &lang_de }, { "fr", &lang_fr }, { "es", &lang_es } };

/* The values of the placeholders for one phrase. */
struct vars {
	const char *name, *title, *brand;
	long more, count;
};

/*
 * Appends tmpl with its placeholders replaced; values are copied, never
 * expanded. Returns 0, or -1 when out of memory.
 */
static int
expand(struct buf *b, const char *tmpl, const struct vars *v)
{
	const char *p = tmpl, *q;
	char num[32];
	int rc;

	while ((q = strchr(p, '{')) != NULL) {
		if (buf_add(b, p, (size_t)(q - p)) < 0)
			return -1;
		if (strncmp(q, "{name}", 6) == 0) {
			rc = buf_adds(b, v->name ? v->name : "");
			p = q + 6;
		} else if (strncmp(q, "{title}", 7) == 0) {
			rc = buf_adds(b, v->title ? v->title : "");
			p = q + 7;
		} else if (strncmp(q, "{brand}", 7) == 0) {
			rc = buf_adds(b, v->brand ? v->brand : "");
			p = q + 7;
		} else if (strncmp(q, "{more}", 6) == 0 || strncmp(q, "{count}", 7) == 0) {
			snprintf(num, sizeof num, "%ld", q[1] == 'm' ? v->more : v->count);
			rc = buf_adds(b, num);
			p = q + (q[1] == 'm' ? 6 : 7);
		} else {
			rc = buf_addc(b, *q);
			p = q + 1;
		}
		if (rc < 0)
			return -1;
	}
	return buf_adds(b, p);
}

static size_t
utf8_count(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/*
 * A catalog string made fit for plain text: control characters and runs of
 * whitespace become one space, angle brackets become single guillemets (no
 * markup survives), the ends are trimmed, and mailtext's one casing rule is
 * applied. Returns NULL when nothing is left or memory runs out (*oom set).
 */
static char *
tidy(const char *s, size_t maxchars, int *oom)
{
	struct buf b;
	size_t chars = 0;
	int space = 0, rc = 0;

	if (s == NULL)
		return NULL;
	buf_init(&b);
	for (const unsigned char *p = (const unsigned char *)s; *p && rc == 0; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == ' ') {
			space = b.len > 0;
			continue;
		}
		if ((*p & 0xc0) != 0x80 && chars >= maxchars)
			break;
		if (space) {
			rc |= buf_addc(&b, ' ');
			chars++;
			space = 0;
		}
		chars += (*p & 0xc0) != 0x80;
		if (*p == '<')
			rc |= buf_adds(&b, "‹");
		else if (*p == '>')
			rc |= buf_adds(&b, "›");
		else
			rc |= buf_addc(&b, *p);
	}
	if (rc < 0) {
		*oom = 1;
		buf_free(&b);
		return NULL;
	}
	if (b.len == 0)
		return NULL;
	mailtext_title_case(b.s);
	return b.s;
}

static uint32_t
hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; s != NULL && *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	h ^= h >> 15;
	h *= 0x2c1b3c6dU;
	h ^= h >> 12;
	return h;
}

/* "fr", "fr-FR", "fr_ca" (any case) choose French; English for anything without a table. */
static const struct lang *
lang_for(const char *locale)
{
	for (size_t i = 0; i < sizeof langs / sizeof *langs; i++)
		if (mailtext_lang_is(locale, langs[i].code))
			return langs[i].lang;
	return &lang_en;
}

/*
 * Subject: the first fitting form, with name and title, then without name,
 * then plain. Returns 0, or -1 when out of memory.
 */
static int
compose_subject(struct buf *s, const struct lang *l, struct vars *v, size_t n, uint32_t h)
{
	const char *forms[3];
	int nf = 0;

	if (v->title != NULL && utf8_count(v->title) <= SUBJECT_TITLE_MAX) {
		int one_more = n == 2 && l->subj_many_one[h % 2] != NULL;

		if (v->name != NULL)
			forms[nf++] = n == 1 ? l->subj_one[h % 2] : one_more ? l->subj_many_one[h % 2] :
			    l->subj_many[h % 2];
		forms[nf++] = n == 1 ? l->subj_one_anon[h % 2] : one_more ?
		    l->subj_many_one_anon[h % 2] : l->subj_many_anon[h % 2];
	}
	forms[nf++] = l->subj_plain[h % 2];
	for (int i = 0; i < nf; i++) {
		buf_reset(s);
		if (expand(s, forms[i], v) < 0)
			return -1;
		if (utf8_count(s->s) <= SUBJECT_MAX)
			break;
	}
	return 0;
}

/*
 * The category as a customer reads it: the meta item's display name in the
 * customer's language ("category_name", FORMATS 2.5), else the catalog's
 * category in an English letter only (a raw id such as "kitchen" never
 * stands inside a German or French sentence), else none.
 */
static const char *
category_of(const json_t *it, const char *locale)
{
	const char *name = ndjson_str(it, "category_name");

	if (name != NULL)
		return name;
	return lang_for(locale) == &lang_en ? ndjson_str(it, "category") : NULL;
}

struct item_text {
	char *title, *category, *because;
};

static void
free_items(struct item_text *it, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(it[i].title);
		free(it[i].category);
		free(it[i].because);
	}
	free(it);
}

char *
writer_compose(const json_t *meta, struct err *e)
{
	struct buf subj, pre, body;
	struct item_text *txt = NULL;
	const struct lang *l;
	const struct mailtext *mt;
	const json_t *items;
	struct vars v = { 0 };
	char *name = NULL, *brand = NULL, *out = NULL, why[256];
	const char *id, *locale;
	size_t n, shown, i;
	uint32_t h;
	int oom = 0, plain = 0, rc;
	json_t *reply;

	buf_init(&subj);
	buf_init(&pre);
	buf_init(&body);
	if (!json_is_object(meta)) {
		err_set(e, EXIT_DATA, "meta is not an object");
		return NULL;
	}
	items = json_object_get(meta, "items");
	n = json_array_size(items);
	if (n == 0) {
		err_set(e, EXIT_DATA, "meta has no items");
		return NULL;
	}
	if ((txt = calloc(n, sizeof *txt)) == NULL) {
		err_nomem(e);
		return NULL;
	}
	shown = 0;
	locale = ndjson_str(meta, "locale");
	for (i = 0; i < n; i++) {
		const json_t *it = json_array_get(items, i);

		txt[i].title = tidy(ndjson_str(it, "title"), TITLE_MAX, &oom);
		txt[i].category = tidy(category_of(it, locale), TITLE_MAX, &oom);
		txt[i].because = tidy(ndjson_str(json_object_get(it, "reason"), "because_title"),
		    TITLE_MAX, &oom);
		shown += txt[i].title != NULL;
		if (txt[i].title != NULL && !mailtext_reason_given(json_object_get(it, "reason"),
		    txt[i].because))
			plain = 1;
	}
	if (shown == 0 && !oom) {
		err_set(e, EXIT_DATA, "meta items have no titles");
		goto done;
	}
	l = lang_for(locale);
	mt = mailtext_for(locale);
	name = tidy(ndjson_str(meta, "first_name"), NAME_MAX, &oom);
	brand = tidy(ndjson_str(meta, "brand"), NAME_MAX, &oom);
	if ((id = ndjson_str(meta, "user")) == NULL && (id = ndjson_str(meta, "email")) == NULL)
		id = "";
	h = hash_str(id);
	v.name = name;
	v.brand = brand;
	v.count = (long)shown;

	/* subject and preheader name the first product and count the rest */
	for (i = 0; txt[i].title == NULL; i++)
		;
	v.title = txt[i].title;
	v.more = (long)shown - 1;
	oom |= compose_subject(&subj, l, &v, shown, h);
	/* the intro and preheader promise a reason for each product only when each has one */
	if (plain)
		oom |= expand(&pre, shown == 1 ? l->pre_plain_one : l->pre_plain_many, &v);
	else
		oom |= expand(&pre, shown == 1 ? l->pre_one[(h >> 3) % 2] :
		    l->pre_many[(h >> 3) % 2], &v);

	oom |= expand(&body, name ? l->greet[(h >> 5) % 3] : l->greet_anon[(h >> 5) % 3], &v);
	oom |= buf_adds(&body, "\n\n");
	if (plain)
		oom |= expand(&body, shown == 1 ? l->intro_plain_one : l->intro_plain_many, &v);
	else
		oom |= expand(&body, shown == 1 ? l->intro_one[(h >> 8) % 3] :
		    l->intro_many[(h >> 8) % 3], &v);
	oom |= buf_adds(&body, "\n\n");
	for (i = 0, shown = 0; i < n; i++) {
		const json_t *it = json_array_get(items, i);
		char price[PRICE_MAX];

		if (txt[i].title == NULL)
			continue;
		if (++shown > BODY_ITEMS)
			continue;
		oom |= buf_adds(&body, txt[i].title);
		price_format(it, locale, price, sizeof price);
		if (txt[i].category != NULL || price[0] != '\0') {
			oom |= buf_adds(&body, " (");
			if (txt[i].category != NULL)
				oom |= buf_adds(&body, txt[i].category);
			if (txt[i].category != NULL && price[0] != '\0')
				oom |= buf_adds(&body, ", ");
			oom |= buf_adds(&body, price);
			oom |= buf_adds(&body, ")");
		}
		oom |= buf_adds(&body, "\n");
		/* mailtext's one reason text, as on the HTML card and in the list */
		oom |= mailtext_reason(&body, mt, json_object_get(it, "reason"), txt[i].because);
		oom |= buf_adds(&body, ".\n\n");
	}
	if (shown > BODY_ITEMS) {
		v.more = (long)(shown - BODY_ITEMS);
		oom |= expand(&body, v.more == 1 ? l->extra_one : l->extra_many, &v);
		oom |= buf_adds(&body, "\n\n");
	}
	oom |= expand(&body, shown == 1 ? l->outro_one[(h >> 14) % 3] :
	    l->outro_many[(h >> 14) % 3], &v);
	oom |= buf_adds(&body, "\n\n");
	oom |= expand(&body, brand ? l->signoff[(h >> 17) % 3] :
	    l->signoff_anon[(h >> 17) % 2], &v);
	if (oom) {
		err_nomem(e);
		goto done;
	}

	reply = json_pack("{s:s,s:s,s:s}", "subject", subj.s, "preheader", pre.s, "body_text",
	    body.s);
	if (reply == NULL || (out = json_dumps(reply, JSON_COMPACT)) == NULL) {
		json_decref(reply);
		err_nomem(e);
		goto done;
	}
	json_decref(reply);
	rc = guard_check(meta, out, strlen(out), why, sizeof why);
	if (rc != 0) {
		free(out);
		out = NULL;
		if (rc < 0)
			err_nomem(e);
		else
			err_set(e, EXIT_DATA, "the template email fails the guard: %s", why);
	}
done:
	buf_free(&subj);
	buf_free(&pre);
	buf_free(&body);
	free(name);
	free(brand);
	free_items(txt, n);
	return out;
}
