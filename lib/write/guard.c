/* guard.c - guardrails for model-written emails: fields, lengths, prices, offers, URLs, markup */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "write/guard.h"
#include "base/ndjson.h"
#include "write/mailtext.h"
#include "write/price.h"

#define SUBJECT_MAX 120
#define PREHEADER_MAX 200
#define BODY_MAX 5000
#define MAX_ALLOWED 256 /* prices and URLs collected from meta */
#define MAX_MASKS 256   /* meta strings blanked before the content checks */

/*
 * Words and phrases that make an offer. A leading '*' lets the word end a
 * longer one and a trailing '*' lets it start one (German compounds such as
 * "Gutscheincode"); otherwise the match is a whole word. Matched
 * case-insensitively (ASCII) on text from which the meta's own strings
 * (titles, categories, brand, name) have been blanked.
 */
static const char *const offer_words[] = {
	/* en */
	"discount*", "coupon*", "promo*", "% off", "sale", "sales event", "on sale",
	"free shipping", "free delivery", "free postage", "free gift", "for free",
	"voucher*", "code", "codes", "clearance", "half price", "half-price",
	"special offer*", "limited time", "limited-time", "bargain*", "buy one get one",
	"cashback", "cash back", "money off", "off your order", "off everything",
	/* de */
	"*rabatt*", "*gutschein*", "aktionscode*", "sonderangebot*", "*schnäppchen*",
	"versandkostenfrei", "kostenloser versand", "kostenlose lieferung", "gratis*",
	"preisnachlass*", "reduziert*", "ausverkauf*", "angebotscode*",
	/* fr */
	"réduction*", "remise*", "code promo", "soldes", "livraison gratuite",
	"livraison offerte", "bon d'achat", "bons d'achat", "offre spéciale", "gratuit*",
	/* es */
	"descuento*", "cupón", "cupones", "código*", "rebajas", "envío gratis",
	"envío gratuito", "oferta*", "promoción*",
};

/* Numbers written as words (casefolded), for "twenty percent", "nineteen pounds", "two for one". */
static const char *const number_words[] = {
	"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
	"twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
	"twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred",
	"eins", "ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn",
	"elf", "zwölf", "fünfzehn", "zwanzig", "dreissig", "vierzig", "fünfzig",
	"un", "une", "deux", "trois", "quatre", "cinq", "sept", "huit", "neuf", "dix", "onze",
	"douze", "quinze", "vingt", "trente", "quarante", "cinquante",
	"uno", "una", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez",
	"once", "doce", "quince", "veinte", "treinta", "cuarenta", "cincuenta",
};

/* "N for M" in four languages. */
static const char *const for_words[] = { "for", "für", "pour", "por" };

/* Requests for credentials or payment data (casefolded, whole words). */
static const char *const credential_words[] = {
	"card number", "credit card", "debit card", "card details", "cvv", "cvc", "security code",
	"password", "passcode", "pin code", "pin number", "your pin", "bank details",
	"bank account", "account number", "sort code", "iban", "login details", "log-in details",
	"verify your account", "confirm your account", "social security",
	"kartennummer", "kreditkarte", "passwort", "kennwort", "bankdaten", "bankverbindung",
	"zugangsdaten", "mot de passe", "numéro de carte", "carte bancaire", "coordonnées bancaires",
	"identifiants", "contraseña", "número de tarjeta", "tarjeta de crédito", "datos bancarios",
};

/* Defanged URLs and domains. */
static const char *const defanged[] = { "hxxp", "hxxps", "[.]", "(.)", "{.}", "[dot]", "(dot)",
	"[:]", "[://]" };

/* Top-level domains that make "word.tld" a domain even without a path. */
static const char *const tlds[] = { "com", "net", "org", "io", "co", "uk", "de", "fr", "es", "it",
	"nl", "eu", "info", "biz", "shop", "store", "online", "site", "xyz", "app", "dev", "me",
	"us", "ca", "au", "example", "test", "ly", "gl", "link", "click" };

/* Capitalised words that are no product's name: pronouns, greetings, days and months. */
static const char *const plain_caps[] = { "I", "I'm", "I've", "I'd", "I'll", "We", "You", "Your",
	"Our", "Hi", "Hello", "Dear", "Hey", "Thanks", "Thank", "Best", "Kind", "Warm", "Regards",
	"Cheers", "Team", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	"Sunday", "January", "February", "March", "April", "May", "June", "July", "August",
	"September", "October", "November", "December", "Sie", "Ihnen", "Ihr", "Ihre", "Ihrem",
	"Ihren", "Ihrer", "Ihres", "Usted", "Ustedes", "Vous", "OK", "For", "From", "Only", "Just",
	"Under", "Over", "At", "In", "On", "By", "To", "Up", "Top", "Save", "Now", "Was", "Is",
	"Size", "No", "Nr", "Item", "Order", "Page", "Room", "Chapter", "Part", "Vol", "Volume",
	"Episode", "Season", "Ab", "Bis", "Für", "Nur", "Pour", "Por", "Desde", "Dès", "Sur", "Avec",
	"Mit", "Es", "Il", "Et", "Y", "Und", "And", "Or", "The", "A", "An", "All", "Pack", "Set",
	"EUR", "USD", "GBP", "CHF", "JPY", "SEK", "NOK", "DKK", "PLN", "CZK", "AUD", "CAD", "NZD",
	"INR" };

/* Currency words and codes that make a figure a price (ASCII, case-insensitive). */
static const char *const currency_words[] = {
	"usd", "eur", "gbp", "chf", "jpy", "sek", "nok", "dkk", "pln", "czk", "aud", "cad", "nzd",
	"inr", "euro", "euros", "pound", "pounds", "dollar", "dollars", "pence", "cents", "gbp",
	"fr", "kr", "zl",
};

/* Currency symbols (UTF-8, casefolded); "a$" and "c$" for "12,50 A$" as price_format writes it. */
static const char *const currency_symbols[] = { "£", "$", "€", "¥", "₹", "₩", "₽", "₺", "zł",
	"a$", "c$" };

static const char *const percent_words[] = { "percent", "per cent", "prozent", "pour cent",
	"por ciento", "pct" };

/* Bracketed placeholders a model leaves behind: "[First Name]", "[link]". */
static const char *const bracket_words[] = { "name", "link", "url", "product", "brand",
	"company", "email", "date", "insert", "placeholder", "address", "title" };

struct allowed {
	double prices[MAX_ALLOWED];
	size_t nprices;
	char *urls[MAX_ALLOWED];            /* casefolded */
	size_t nurls;
	char *maskf[MAX_MASKS];             /* meta strings, normalised and casefolded */
	char *maskn[MAX_MASKS];             /* the same, normalised, case kept */
	size_t nmasks;
	int offer;
	const char *ids[MAX_ALLOWED];       /* item ids: a code-like id is not a coupon */
	size_t nids;
	int german;                         /* nouns are capitalised: no name-run rule */
	int nomem;
};

/*
 * A malloc'ed copy of s in NFKC (fold: and case-folded), with every run of
 * white space made one space, or one newline when it holds one; NULL when out
 * of memory or s is not UTF-8.
 */
static char *
normalize(const char *s, int fold)
{
	utf8proc_uint8_t *out = NULL;
	char *p, *q;
	int nl;

	if (utf8proc_map((const utf8proc_uint8_t *)s, 0, &out, UTF8PROC_NULLTERM | UTF8PROC_STABLE |
	    UTF8PROC_COMPOSE | UTF8PROC_COMPAT | (fold ? UTF8PROC_CASEFOLD : 0)) < 0)
		return NULL;
	for (p = q = (char *)out; *p != '\0';) {
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
			*q++ = *p++;
			continue;
		}
		for (nl = 0; *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'; p++)
			nl |= *p == '\n';
		*q++ = nl ? '\n' : ' ';
	}
	*q = '\0';
	return (char *)out;
}

static void
allowed_free(struct allowed *a)
{
	for (size_t i = 0; i < a->nurls; i++)
		free(a->urls[i]);
	for (size_t i = 0; i < a->nmasks; i++) {
		free(a->maskf[i]);
		free(a->maskn[i]);
	}
}

static int
fail(char *why, size_t whysz, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whysz > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whysz, fmt, ap);
		va_end(ap);
	}
	return 1;
}

static int
is_word_byte(unsigned char c)
{
	return isalnum(c) || c >= 0x80 || c == '_';
}

/* True for a code point that is part of a word: not space, punctuation or a symbol. */
static int
is_word_cp(unsigned cp)
{
	if (cp < 0x80)
		return isalnum((int)cp) || cp == '_';
	if (cp < 0xc0)
		return cp != 0xa0 && cp != 0xab && cp != 0xbb && cp != 0xa3 && cp != 0xa7;
	return !(cp >= 0x2000 && cp <= 0x206f) && !(cp >= 0x20a0 && cp <= 0x20cf) &&
	    !(cp >= 0x3000 && cp <= 0x303f);
}

static unsigned
decode(const unsigned char *p)
{
	if (p[0] < 0x80)
		return p[0];
	if (p[0] < 0xe0 && p[1])
		return ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu);
	if (p[0] < 0xf0 && p[1] && p[2])
		return ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
	return 0x10000; /* astral plane: count as a word character */
}

/* True when the character at p is a word character (false at the end). */
static int
word_at(const char *p)
{
	return *p != '\0' && is_word_cp(decode((const unsigned char *)p));
}

/* True when the character before p (within text) is a word character. */
static int
word_before(const char *text, const char *p)
{
	if (p <= text)
		return 0;
	p--;
	while (p > text && ((unsigned char)*p & 0xc0) == 0x80)
		p--;
	return word_at(p);
}

static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Collects prices and URLs from meta (recursively, for URLs) and the strings to blank. */
static void
collect_urls(const json_t *v, struct allowed *a)
{
	const char *key, *s;
	json_t *x;
	size_t i;

	if (json_is_string(v)) {
		s = json_string_value(v);
		if ((strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0) &&
		    a->nurls < MAX_ALLOWED) {
			if ((a->urls[a->nurls] = normalize(s, 1)) != NULL)
				a->nurls++;
			else
				a->nomem = 1;
		}
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, x)
			collect_urls(x, a);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			collect_urls(x, a);
	}
}

static void
collect_numbers(const json_t *v, struct allowed *a)
{
	const char *key;
	json_t *x;
	size_t i;

	if (json_is_number(v) && a->nprices < MAX_ALLOWED) {
		a->prices[a->nprices++] = json_number_value(v);
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, x)
			collect_numbers(x, a);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			collect_numbers(x, a);
	}
}

static void
add_mask_len(struct allowed *a, const char *s, size_t n)
{
	char *c;

	if (s == NULL || n == 0 || a->nmasks >= MAX_MASKS)
		return;
	if ((c = strndup(s, n)) == NULL) {
		a->nomem = 1;
		return;
	}
	a->maskf[a->nmasks] = normalize(c, 1);
	a->maskn[a->nmasks] = normalize(c, 0);
	free(c);
	if (a->maskf[a->nmasks] == NULL || a->maskn[a->nmasks] == NULL) {
		free(a->maskf[a->nmasks]);
		free(a->maskn[a->nmasks]);
		return; /* not UTF-8: jansson never gives one, so only out of memory */
	}
	a->nmasks++;
}

static void
add_mask(struct allowed *a, const char *s)
{
	if (s != NULL)
		add_mask_len(a, s, strlen(s));
}

/*
 * A title and the forms a writer puts it in: without a trailing " (1995)",
 * and with a trailing ", The" moved to the front ("The Godfather (1972)").
 */
static void
add_title(struct allowed *a, const char *t)
{
	static const char *const articles[] = { "The", "A", "An", "Le", "La", "Les", "L'", "Der",
		"Die", "Das", "El", "Los", "Las", "Il" };
	size_t n, base;
	char buf[512];

	if (t == NULL || (n = strlen(t)) == 0 || n >= 256)
		return add_mask(a, t);
	add_mask(a, t);
	base = n;
	if (n > 7 && t[n - 1] == ')' && t[n - 6] == '(' && t[n - 7] == ' ' &&
	    isdigit((unsigned char)t[n - 2]) && isdigit((unsigned char)t[n - 5]))
		base = n - 7;
	if (base < n)
		add_mask_len(a, t, base);
	for (size_t i = 0; i < sizeof articles / sizeof *articles; i++) {
		size_t k = strlen(articles[i]);

		if (base > k + 2 && t[base - k - 2] == ',' && t[base - k - 1] == ' ' &&
		    strncmp(t + base - k, articles[i], k) == 0) {
			snprintf(buf, sizeof buf, "%s%s%.*s%s", articles[i],
			    articles[i][k - 1] == '\'' ? "" : " ", (int)(base - k - 2), t, t + base);
			add_mask(a, buf);
			snprintf(buf, sizeof buf, "%s%s%.*s", articles[i],
			    articles[i][k - 1] == '\'' ? "" : " ", (int)(base - k - 2), t);
			add_mask(a, buf);
		}
	}
}

/* Every string in v (the offer: its code may be written). */
static void
add_strings(struct allowed *a, const json_t *v)
{
	const char *key;
	json_t *x;
	size_t i;

	if (json_is_string(v)) {
		add_mask(a, json_string_value(v));
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, x)
			add_strings(a, x);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			add_strings(a, x);
	}
}

static void
collect(const json_t *meta, struct allowed *a)
{
	const json_t *items, *it, *offer;
	double p;
	size_t i;

	memset(a, 0, sizeof *a);
	if (!json_is_object(meta))
		return;
	collect_urls(meta, a);
	a->german = mailtext_lang_is(ndjson_str(meta, "locale"), "de");
	add_mask(a, ndjson_str(meta, "brand"));
	add_mask(a, ndjson_str(meta, "name"));
	add_mask(a, ndjson_str(meta, "first_name"));
	offer = json_object_get(meta, "offer");
	if (offer != NULL && !json_is_null(offer) && !json_is_false(offer)) {
		a->offer = 1;
		collect_numbers(offer, a);
		add_strings(a, offer);
	}
	items = json_object_get(meta, "items");
	json_array_foreach(items, i, it) {
		const json_t *reason = json_object_get(it, "reason");

		if (json_is_number(json_object_get(it, "price")) && a->nprices < MAX_ALLOWED) {
			p = json_number_value(json_object_get(it, "price"));
			a->prices[a->nprices++] = p;
			/* "¥1711" for 1711.4 JPY, as price_format writes it */
			if (price_decimals(ndjson_str(it, "currency")) == 0 &&
			    a->nprices < MAX_ALLOWED)
				a->prices[a->nprices++] = nearbyint(p);
		}
		add_title(a, ndjson_str(it, "title"));
		add_mask(a, ndjson_str(it, "category"));
		if (ndjson_str(it, "item") != NULL && a->nids < MAX_ALLOWED)
			a->ids[a->nids++] = ndjson_str(it, "item");
		add_title(a, ndjson_str(reason, "because_title"));
	}
}

/* A whitespace separator: space, tab, newline, no-break space, narrow no-break space. */
static size_t
space_len(const char *s)
{
	if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		return 1;
	if ((unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xa0)
		return 2;
	if ((unsigned char)s[0] == 0xe2 && (unsigned char)s[1] == 0x80 &&
	    (unsigned char)s[2] == 0xaf)
		return 3;
	return 0;
}

/*
 * Length of the match of needle at hay, or 0: ASCII case-insensitive, and a
 * run of whitespace in needle matches any run of whitespace in hay (writers
 * tidy the double spaces of catalog titles).
 */
static size_t
loose_match(const char *hay, const char *needle)
{
	const char *h = hay, *n = needle;
	size_t k;

	while (*n != '\0') {
		if (space_len(n) > 0) {
			while (space_len(n) > 0)
				n += space_len(n);
			if (*n == '\0')
				break;
			if (space_len(h) == 0)
				return 0;
			while ((k = space_len(h)) > 0)
				h += k;
			continue;
		}
		if ((*n == '<' && strncmp(h, "\u2039", 3) == 0) ||
		    (*n == '>' && strncmp(h, "\u203a", 3) == 0)) {
			h += 3; /* the writer shows angle brackets as single guillemets */
			n++;
			continue;
		}
		if (tolower((unsigned char)*h) != tolower((unsigned char)*n))
			return 0;
		h++;
		n++;
	}
	return (size_t)(h - hay);
}

static int
longer_first(const void *a, const void *b)
{
	size_t x = strlen(*(char *const *)a), y = strlen(*(char *const *)b);

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * Overwrites with fill every occurrence of the masks in m (a copy of the text),
 * longest first: a short mask ("Contact") must not cut a longer one that holds it
 * ("Star Trek: First Contact") before the longer one is matched.
 */
static void
mask(char *m, char *const *masks, size_t nmasks, char fill)
{
	char *order[MAX_MASKS];

	if (nmasks > MAX_MASKS)
		nmasks = MAX_MASKS;
	memcpy(order, masks, nmasks * sizeof *order);
	qsort(order, nmasks, sizeof *order, longer_first);
	for (size_t j = 0; j < nmasks; j++) {
		const char *needle = order[j];
		size_t k;

		while (space_len(needle) > 0)
			needle += space_len(needle);
		if (*needle == '\0')
			continue;
		for (char *p = m; *p != '\0'; p++) {
			if (tolower((unsigned char)*p) != tolower((unsigned char)*needle) &&
			    *needle != '<' && *needle != '>')
				continue;
			if (word_before(m, p) && word_at(needle))
				continue;
			if ((k = loose_match(p, needle)) > 0 &&
			    (!word_at(p + k) || !word_before(m, p + k))) {
				memset(p, fill, k);
				p += k - 1;
			}
		}
	}
}

/* True when text ends at end with the ASCII word w (case-insensitive, word boundary before). */
static int
ends_with_word(const char *text, const char *end, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(end - text) < n || strncasecmp(end - n, w, n) != 0)
		return 0;
	return end - n == text || !isalpha((unsigned char)end[-(ptrdiff_t)n - 1]);
}

static int
starts_with_word(const char *p, const char *w)
{
	size_t n = strlen(w);

	return strncasecmp(p, w, n) == 0 && !word_at(p + n);
}

static int
currency_before(const char *text, const char *p)
{
	size_t i;

	for (i = 0; i < sizeof currency_symbols / sizeof *currency_symbols; i++) {
		size_t n = strlen(currency_symbols[i]);

		if ((size_t)(p - text) >= n && memcmp(p - n, currency_symbols[i], n) == 0)
			return 1;
	}
	for (i = 0; i < sizeof currency_words / sizeof *currency_words; i++)
		if (ends_with_word(text, p, currency_words[i]))
			return 1;
	return 0;
}

static int
currency_after(const char *p)
{
	size_t i;

	for (i = 0; i < sizeof currency_symbols / sizeof *currency_symbols; i++)
		if (strncmp(p, currency_symbols[i], strlen(currency_symbols[i])) == 0)
			return 1;
	for (i = 0; i < sizeof currency_words / sizeof *currency_words; i++)
		if (starts_with_word(p, currency_words[i]))
			return 1;
	return 0;
}

static int
percent_after(const char *p)
{
	if (*p == '%' || strncmp(p, "\xef\xbc\x85", 3) == 0)
		return 1;
	for (size_t i = 0; i < sizeof percent_words / sizeof *percent_words; i++)
		if (starts_with_word(p, percent_words[i]))
			return 1;
	return 0;
}

/* Whitespace before p (one run), stepping back over UTF-8 spaces. */
static const char *
skip_space_back(const char *text, const char *p)
{
	for (;;) {
		if (p > text && (p[-1] == ' ' || p[-1] == '\t'))
			p--;
		else if (p - text >= 2 && (unsigned char)p[-2] == 0xc2 && (unsigned char)p[-1] == 0xa0)
			p -= 2;
		else if (p - text >= 3 && (unsigned char)p[-3] == 0xe2 &&
		    (unsigned char)p[-2] == 0x80 && (unsigned char)p[-1] == 0xaf)
			p -= 3;
		else
			return p;
	}
}

static const char *
skip_space(const char *p)
{
	size_t k;

	while ((k = space_len(p)) > 0 && *p != '\n')
		p += k;
	return p;
}

/*
 * Parses the figure at p (digits with '.', ',' or '\'' separators) into *v and
 * returns its end. The last separator is the decimal point when one or two
 * digits follow it; every other separator groups thousands.
 */
static const char *
parse_figure(const char *p, double *v)
{
	char digits[64];
	const char *q = p, *lastsep = NULL;
	size_t nd = 0, after;

	while (isdigit((unsigned char)*q) ||
	    ((*q == '.' || *q == ',' || *q == '\'') && isdigit((unsigned char)q[1]))) {
		if (!isdigit((unsigned char)*q))
			lastsep = q;
		q++;
	}
	after = lastsep ? (size_t)(q - lastsep - 1) : 0;
	for (const char *r = p; r < q && nd < sizeof digits - 2; r++) {
		if (isdigit((unsigned char)*r))
			digits[nd++] = *r;
		else if (r == lastsep && after <= 2)
			digits[nd++] = '.';
	}
	digits[nd] = '\0';
	*v = strtod(digits, NULL);
	return q;
}

static int
price_known(const struct allowed *a, double v)
{
	for (size_t i = 0; i < a->nprices; i++)
		if (fabs(a->prices[i] - v) <= 0.005 + 1e-9 * fabs(v))
			return 1;
	return 0;
}

static int
check_figures(const char *field, const char *m, const struct allowed *a, char *why, size_t whysz)
{
	const char *p = m, *end;
	double v;

	while (*p != '\0') {
		if (!isdigit((unsigned char)*p) ||
		    (p > m && (isalnum((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == ','))) {
			p++;
			continue;
		}
		end = parse_figure(p, &v);
		if (percent_after(skip_space(end))) {
			if (!a->offer)
				return fail(why, whysz, "%s mentions a percentage (%.*s%%) that reads as an "
				    "offer", field, (int)(end - p < 20 ? end - p : 20), p);
		} else if (currency_before(m, skip_space_back(m, p)) ||
		    currency_after(skip_space(end))) {
			if (!price_known(a, v))
				return fail(why, whysz, "%s mentions price %.*s that is not in the catalog",
				    field, (int)(end - p < 20 ? end - p : 20), p);
		} else if (*end == 'p' && !word_at(end + 1)) {
			if (!price_known(a, v / 100))
				return fail(why, whysz, "%s mentions price %.*sp that is not in the "
				    "catalog", field, (int)(end - p < 20 ? end - p : 20), p);
		}
		p = end;
	}
	return 0;
}

/* m is the lowercased masked text. */
static int
check_offers(const char *field, const char *m, char *why, size_t whysz)
{
	for (size_t i = 0; i < sizeof offer_words / sizeof *offer_words; i++) {
		const char *w = offer_words[i], *hit;
		int open_start = w[0] == '*', open_end;
		char word[64];
		size_t n;

		if (open_start)
			w++;
		n = strlen(w);
		open_end = w[n - 1] == '*';
		if (open_end)
			n--;
		snprintf(word, sizeof word, "%.*s", (int)n, w);
		for (hit = strstr(m, word); hit != NULL; hit = strstr(hit + 1, word)) {
			if (!open_start && is_word_byte((unsigned char)word[0]) && word_before(m, hit))
				continue;
			if (!open_end && is_word_byte((unsigned char)word[n - 1]) &&
			    word_at(hit + n))
				continue;
			return fail(why, whysz, "%s mentions an offer ('%s') but there is none", field,
			    word);
		}
	}
	return 0;
}

static int
url_known(const struct allowed *a, const char *u, size_t n)
{
	for (size_t i = 0; i < a->nurls; i++) {
		const char *k = a->urls[i];
		size_t kn = strlen(k);

		if (strncasecmp(u, "www.", 4) == 0 && strstr(k, "://") != NULL) {
			k = strstr(k, "://") + 3; /* compare without the scheme */
			kn = strlen(k);
		}
		while (kn > 0 && k[kn - 1] == '/')
			kn--;
		if (n == kn && strncmp(u, k, n) == 0)
			return 1;
	}
	return 0;
}

static int
check_urls(const char *field, const char *m, const struct allowed *a, char *why, size_t whysz)
{
	for (const char *p = m; *p != '\0'; p++) {
		size_t n;

		if (word_before(m, p))
			continue;
		if (strncasecmp(p, "http://", 7) != 0 && strncasecmp(p, "https://", 8) != 0 &&
		    strncasecmp(p, "www.", 4) != 0)
			continue;
		n = strcspn(p, " \t\r\n\"'<>()[]{}");
		while (n > 0 && strchr(".,;:!?/", p[n - 1]) != NULL)
			n--;
		if (!url_known(a, p, n))
			return fail(why, whysz, "%s contains a URL that is not in meta: %.*s", field,
			    (int)(n < 80 ? n : 80), p);
		p += n ? n - 1 : 0;
	}
	return 0;
}

static int
check_placeholders(const char *field, const char *m, char *why, size_t whysz)
{
	static const char *const syntax[] = { "{{", "}}", "{%", "%}", "${", "<%" };
	const char *p, *q;

	for (size_t i = 0; i < sizeof syntax / sizeof *syntax; i++)
		if (strstr(m, syntax[i]) != NULL)
			return fail(why, whysz, "%s contains template placeholder syntax '%s'", field,
			    syntax[i]);
	for (p = strchr(m, '['); p != NULL; p = strchr(p + 1, '[')) {
		for (q = p + 1; *q && q - p <= 40 && (isalpha((unsigned char)*q) || *q == ' ' ||
		    *q == '_' || *q == '-' || *q == '\''); q++)
			;
		if (*q != ']' || q == p + 1)
			continue;
		for (size_t i = 0; i < sizeof bracket_words / sizeof *bracket_words; i++) {
			size_t n = strlen(bracket_words[i]);

			for (const char *r = p + 1; r + n <= q; r++)
				if (strncasecmp(r, bracket_words[i], n) == 0)
					return fail(why, whysz, "%s contains a placeholder %.*s", field,
					    (int)(q - p + 1), p);
		}
	}
	return 0;
}

static int
check_markup(const char *field, const char *s, char *why, size_t whysz)
{
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '<' && (isalpha((unsigned char)p[1]) || p[1] == '/' || p[1] == '!' ||
		    p[1] == '?'))
			return fail(why, whysz, "%s contains an HTML tag", field);
		if (*p == '&') {
			const char *q = p + 1;

			if (*q == '#') {
				q++;
				if (*q == 'x' || *q == 'X')
					q++;
				while (isxdigit((unsigned char)*q))
					q++;
			} else {
				while (isalpha((unsigned char)*q))
					q++;
			}
			if (*q == ';' && q - p >= 3)
				return fail(why, whysz, "%s contains an HTML entity", field);
		}
	}
	return 0;
}

static int
check_chars(const char *field, const char *s, int multiline, char *why, size_t whysz)
{
	int blank = 1;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t') {
			if (!multiline)
				return fail(why, whysz, "%s contains a line break or tab", field);
		} else if (*p < 0x20 || *p == 0x7f) {
			return fail(why, whysz, "%s contains a control character", field);
		} else if (*p != ' ') {
			blank = 0;
		}
	}
	if (blank && *s != '\0')
		return fail(why, whysz, "%s is blank", field);
	return 0;
}

/* Length of the list word that starts at p as a whole word (casefolded text), or 0. */
static size_t
word_in(const char *text, const char *p, const char *const *list, size_t n)
{
	if (word_before(text, p))
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(list[i]);

		if (strncmp(p, list[i], k) == 0 && (!word_at(p + k) || !word_at(list[i] + k - 1)))
			return k;
	}
	return 0;
}

#define NWORDS(l) (sizeof l / sizeof *l)

/* A number at p: digits (at most two with two_digits), or a number word; its length or 0. */
static size_t
number_at(const char *text, const char *p, int two_digits)
{
	size_t k = 0;

	if (isdigit((unsigned char)*p) && !word_before(text, p)) {
		while (isdigit((unsigned char)p[k]))
			k++;
		return word_at(p + k) || (two_digits && k > 2) ? 0 : k;
	}
	return word_in(text, p, number_words, NWORDS(number_words));
}

/* Offers in words: "twenty percent", "nineteen pounds", "2-for-1", "two for one". */
static int
check_offer_words(const char *field, const char *m, const struct allowed *a, char *why, size_t whysz)
{
	for (const char *p = m; *p != '\0'; p++) {
		size_t k, j;
		const char *q;

		if ((k = number_at(m, p, 1)) == 0)
			continue;
		q = p + k;
		if (*q == ' ' || *q == '-')
			q++;
		if (!isdigit((unsigned char)*p) && (percent_after(q) || *q == '%'))
			return fail(why, whysz, "%s mentions an offer in words ('%.*s')", field,
			    (int)(q - p + 8 < 40 ? q - p + 8 : 40), p);
		if (!isdigit((unsigned char)*p) && currency_after(q) && !a->offer)
			return fail(why, whysz, "%s mentions a price in words ('%.*s') that is not in the "
			    "catalog", field, (int)(q - p + 6 < 40 ? q - p + 6 : 40), p);
		if ((j = word_in(m, q, for_words, NWORDS(for_words))) > 0) {
			q += j;
			if (*q == ' ' || *q == '-')
				q++;
			if (number_at(m, q, 1) > 0)
				return fail(why, whysz, "%s mentions an offer ('%.*s')", field,
				    (int)(q - p + number_at(m, q, 1)), p);
		}
		p += k - 1;
	}
	return 0;
}

/* A phrase of list at a word boundary anywhere in m; its index + 1, or 0. */
static size_t
find_phrase(const char *m, const char *const *list, size_t n, int whole)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(list[i]);

		for (const char *hit = strstr(m, list[i]); hit != NULL; hit = strstr(hit + 1, list[i]))
			if (!whole || ((!word_before(m, hit) || !word_at(list[i])) &&
			    (!word_at(hit + k) || !word_at(list[i] + k - 1))))
				return i + 1;
	}
	return 0;
}

static int
check_requests(const char *field, const char *m, char *why, size_t whysz)
{
	size_t i;

	if ((i = find_phrase(m, credential_words, NWORDS(credential_words), 1)) > 0)
		return fail(why, whysz, "%s asks for credentials or payment data ('%s')", field,
		    credential_words[i - 1]);
	if ((i = find_phrase(m, defanged, NWORDS(defanged), 1)) > 0)
		return fail(why, whysz, "%s contains a defanged URL ('%s')", field, defanged[i - 1]);
	return 0;
}

static int
is_host_byte(int c)
{
	return isalnum(c) || c == '-' || c == '.';
}

/* True when host (n bytes) is the host of a meta URL. */
static int
host_known(const struct allowed *a, const char *host, size_t n)
{
	for (size_t i = 0; i < a->nurls; i++) {
		const char *h = strstr(a->urls[i], "://");
		size_t hn;

		h = h ? h + 3 : a->urls[i];
		if (strncmp(h, "www.", 4) == 0 && strncmp(host, "www.", 4) != 0)
			h += 4;
		hn = strcspn(h, "/:?#");
		if (hn == n && strncmp(h, host, n) == 0)
			return 1;
	}
	return 0;
}

/* Bare domains ("evil.example/login", "shop-deals.com", "help@evil.example"). */
static int
check_domains(const char *field, const char *m, const struct allowed *a, char *why, size_t whysz)
{
	for (const char *p = m; *p != '\0'; p++) {
		const char *q = p, *dot = NULL;
		size_t n, tl;

		if (!isalnum((unsigned char)*p) || (p > m && (is_host_byte((unsigned char)p[-1]) ||
		    ((unsigned char)p[-1] & 0x80))))
			continue;
		while (is_host_byte((unsigned char)*q))
			q++;
		n = (size_t)(q - p);
		while (n > 0 && (p[n - 1] == '.' || p[n - 1] == '-'))
			n--;
		for (size_t i = 0; i < n; i++)
			if (p[i] == '.')
				dot = p + i;
		if (dot == NULL || (unsigned char)p[n] >= 0x80 || strstr(p, "..") == p) {
			p = q - 1 > p ? q - 1 : p;
			continue;
		}
		tl = (size_t)(p + n - dot - 1);
		int alpha = tl >= 2;

		for (size_t i = 1; i <= tl && alpha; i++)
			alpha = isalpha((unsigned char)dot[i]);
		if (alpha && dot[-1] != '.') {
			int listed = 0;

			for (size_t i = 0; i < NWORDS(tlds) && !listed; i++)
				listed = strlen(tlds[i]) == tl && strncmp(dot + 1, tlds[i], tl) == 0;
			if ((listed || p[n] == '/') && !host_known(a, p, n))
				return fail(why, whysz, "%s mentions a domain that is not in meta: %.*s",
				    field, (int)(n < 80 ? n : 80), p);
		}
		p = q - 1 > p ? q - 1 : p;
	}
	return 0;
}

/* An ASCII token of capitals and digits at p: its length, and its letter and digit counts. */
static size_t
caps_token(const char *p, size_t *letters, size_t *digits, int *lower)
{
	size_t k = 0;

	*letters = *digits = 0;
	*lower = 0;
	for (; isalnum((unsigned char)p[k]); k++) {
		if (isdigit((unsigned char)p[k]))
			(*digits)++;
		else
			(*letters)++;
		*lower |= islower((unsigned char)p[k]) != 0;
	}
	if ((unsigned char)p[k] >= 0x80)
		*lower = 1;   /* a word going on in another script: not a code */
	return k;
}

/* Coupon-like codes (WELCOME10, SAVE20) that meta does not hold; m keeps its case. */
static int
check_codes(const char *field, const char *m, const struct allowed *a, char *why, size_t whysz)
{
	for (const char *p = m; *p != '\0'; p++) {
		size_t k, l, d;
		int lower;

		if (!isalnum((unsigned char)*p) || (p > m && (isalnum((unsigned char)p[-1]) ||
		    ((unsigned char)p[-1] & 0x80) || p[-1] == '-')))
			continue;
		k = caps_token(p, &l, &d, &lower);
		for (size_t i = 0; i < a->nids && !lower; i++)
			lower = strlen(a->ids[i]) == k && strncasecmp(a->ids[i], p, k) == 0;
		if (!lower && k >= 4 && l >= 2 && d >= 1 && (d >= 2 || l >= 4) && p[k] != '-')
			return fail(why, whysz, "%s contains a coupon-like code '%.*s' that is not in the "
			    "catalog", field, (int)(k < 30 ? k : 30), p);
		p += k ? k - 1 : 0;
	}
	return 0;
}

/* A capitalised word at p (not a pronoun, greeting, day or month): its length, or 0. */
static size_t
cap_word(const char *m, const char *p)
{
	size_t k = 0;

	if (!isupper((unsigned char)*p) || word_before(m, p))
		return 0;
	while (word_at(p + k) || ((p[k] == '-' || p[k] == '\'') && word_at(p + k + 1)))
		k += ((unsigned char)p[k] & 0x80) ? 1 + ((unsigned char)p[k] >= 0xe0) +
		    ((unsigned char)p[k] >= 0xf0) + 1 : 1;
	for (size_t i = 0; i < NWORDS(plain_caps); i++)
		if (strlen(plain_caps[i]) == k && strncmp(p, plain_caps[i], k) == 0)
			return 0;
	return k;
}

/* A model number after a name: "3000", "X200" (not a year 1900-2099). */
static size_t
model_number(const char *p)
{
	size_t k, l, d;
	int lower;

	k = caps_token(p, &l, &d, &lower);
	if (k == 0 || lower || d == 0 || word_at(p + k) ||
	    ((p[k] == '.' || p[k] == ',') && isdigit((unsigned char)p[k + 1])) ||
	    currency_after(skip_space(p + k)) || percent_after(skip_space(p + k)))
		return 0;   /* a figure, a price or a percentage: the other rules see those */
	if (l == 0 && (k < 3 || (k == 4 && (strncmp(p, "19", 2) == 0 || strncmp(p, "20", 2) == 0))))
		return 0;
	return k;
}

/*
 * Product-like names that are not a recommended title, a cited title, a
 * category or the brand (m keeps its case, those are blanked): capitalised
 * words before a model number ("Golden Toaster 3000"), and, where nouns are
 * not capitalised anyway, two or more capitalised words in mid-sentence.
 */
static int
check_names(const char *field, const char *m, const struct allowed *a, char *why, size_t whysz)
{
	for (const char *p = m; *p != '\0'; p++) {
		const char *q = p, *b;
		size_t k, words = 0, num;

		if ((k = cap_word(m, p)) == 0)
			continue;
		while ((k = cap_word(m, q)) > 0) {
			words++;
			q += k;
			if (*q != ' ' || cap_word(m, q + 1) == 0)
				break;
			q++;
		}
		if (*q == ' ' && (num = model_number(q + 1)) > 0)
			return fail(why, whysz, "%s mentions a product that is not among the "
			    "recommendations ('%.*s')", field, (int)(q + 1 + num - p), p);
		for (b = p; b > m && b[-1] == ' '; b--)
			;
		if (!a->german && words >= 2 && b > m && (islower((unsigned char)b[-1]) ||
		    isdigit((unsigned char)b[-1]) || ((unsigned char)b[-1] & 0x80)))
			return fail(why, whysz, "%s mentions a product that is not among the "
			    "recommendations ('%.*s')", field, (int)(q - p), p);
		p = q > p ? q - 1 : p;
	}
	return 0;
}

/* Every check of one field; returns 0, 1 (invalid, why set) or -1 (no memory). */
static int
check_field(const char *field, const char *s, size_t min, size_t max, int multiline,
    const struct allowed *a, char *why, size_t whysz)
{
	size_t nc = utf8_chars(s), len = strlen(s);
	char *f, *n;
	int rc;

	if (nc < min)
		return fail(why, whysz, "%s is empty", field);
	if (nc > max)
		return fail(why, whysz, "%s is longer than %zu characters (%zu)", field, max, nc);
	if ((rc = check_chars(field, s, multiline, why, whysz)) != 0 ||
	    (rc = check_markup(field, s, why, whysz)) != 0)
		return rc;
	(void)len;
	/* every rule sees the text in NFKC, case-folded, its white space collapsed */
	f = normalize(s, 1);
	n = normalize(s, 0);
	if (f == NULL || n == NULL) {
		free(f);
		free(n);
		return -1;
	}
	if ((rc = check_markup(field, n, why, whysz)) == 0) {
		mask(f, a->maskf, a->nmasks, ' ');
		mask(n, a->maskn, a->nmasks, '\x1f');
		if ((rc = check_placeholders(field, n, why, whysz)) == 0 &&
		    (rc = check_urls(field, f, a, why, whysz)) == 0 &&
		    (rc = check_figures(field, f, a, why, whysz)) == 0 &&
		    (a->offer || (rc = check_offers(field, f, why, whysz)) == 0) &&
		    (rc = check_offer_words(field, f, a, why, whysz)) == 0 &&
		    (rc = check_requests(field, f, why, whysz)) == 0 &&
		    (rc = check_domains(field, f, a, why, whysz)) == 0 &&
		    (rc = check_codes(field, n, a, why, whysz)) == 0)
			rc = check_names(field, n, a, why, whysz);
	}
	free(f);
	free(n);
	return rc;
}

int
guard_check(const json_t *meta, const char *content, size_t len, char *why, size_t whysz)
{
	static const struct { const char *name; size_t min, max; int multiline; } fields[] = {
		{ "subject", 1, SUBJECT_MAX, 0 },
		{ "preheader", 0, PREHEADER_MAX, 0 },
		{ "body_text", 1, BODY_MAX, 1 },
	};
	struct allowed *a;
	json_error_t je;
	json_t *reply;
	int rc = 0;

	if (why != NULL && whysz > 0)
		why[0] = '\0';
	reply = json_loadb(content, len, JSON_REJECT_DUPLICATES, &je);
	if (reply == NULL)
		return fail(why, whysz, "reply is not valid JSON: %s", je.text);
	if (!json_is_object(reply)) {
		json_decref(reply);
		return fail(why, whysz, "reply is not a JSON object");
	}
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
		json_t *v = json_object_get(reply, fields[i].name);

		if (!json_is_string(v)) {
			json_decref(reply);
			return fail(why, whysz, "reply lacks a string %s", fields[i].name);
		}
		if (strlen(json_string_value(v)) != json_string_length(v)) {
			json_decref(reply);
			return fail(why, whysz, "%s contains a NUL character", fields[i].name);
		}
	}
	if ((a = malloc(sizeof *a)) == NULL) {
		json_decref(reply);
		return -1;
	}
	collect(meta, a);
	if (a->nomem)
		rc = -1;
	for (size_t i = 0; i < sizeof fields / sizeof *fields && rc == 0; i++)
		rc = check_field(fields[i].name, json_string_value(json_object_get(reply,
		    fields[i].name)), fields[i].min, fields[i].max, fields[i].multiline, a, why, whysz);
	allowed_free(a);
	free(a);
	json_decref(reply);
	return rc;
}
