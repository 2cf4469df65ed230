/* guard.c - guardrails for model-written emails: fields, lengths, prices, offers, URLs, markup */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "write/guard.h"
#include "base/ndjson.h"
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

/* Currency words and codes that make a figure a price (ASCII, case-insensitive). */
static const char *const currency_words[] = {
	"usd", "eur", "gbp", "chf", "jpy", "sek", "nok", "dkk", "pln", "czk", "aud", "cad", "nzd",
	"inr", "euro", "euros", "pound", "pounds", "dollar", "dollars", "pence", "cents", "gbp",
	"fr", "kr", "zl",
};

/* Currency symbols (UTF-8); "A$" and "C$" for "12,50 A$" as price_format writes it. */
static const char *const currency_symbols[] = { "£", "$", "€", "¥", "₹", "₩", "₽", "₺", "zł",
	"A$", "C$" };

static const char *const percent_words[] = { "percent", "per cent", "prozent", "pour cent",
	"por ciento", "pct" };

/* Bracketed placeholders a model leaves behind: "[First Name]", "[link]". */
static const char *const bracket_words[] = { "name", "link", "url", "product", "brand",
	"company", "email", "date", "insert", "placeholder", "address", "title" };

struct allowed {
	double prices[MAX_ALLOWED];
	size_t nprices;
	const char *urls[MAX_ALLOWED];
	size_t nurls;
	const char *masks[MAX_MASKS];
	size_t nmasks;
	int offer;
};

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
		    a->nurls < MAX_ALLOWED)
			a->urls[a->nurls++] = s;
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
add_mask(struct allowed *a, const char *s)
{
	if (s != NULL && *s != '\0' && a->nmasks < MAX_MASKS)
		a->masks[a->nmasks++] = s;
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
	add_mask(a, ndjson_str(meta, "brand"));
	add_mask(a, ndjson_str(meta, "name"));
	add_mask(a, ndjson_str(meta, "first_name"));
	offer = json_object_get(meta, "offer");
	if (offer != NULL && !json_is_null(offer) && !json_is_false(offer)) {
		a->offer = 1;
		collect_numbers(offer, a);
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
		add_mask(a, ndjson_str(it, "title"));
		add_mask(a, ndjson_str(it, "category"));
		add_mask(a, ndjson_str(reason, "because_title"));
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

/* Blanks every occurrence of the meta strings in m (a copy of the text). */
static void
mask(char *m, const struct allowed *a)
{
	for (size_t j = 0; j < a->nmasks; j++) {
		const char *needle = a->masks[j];
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
				memset(p, ' ', k);
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

/* Every check of one field; returns 0, 1 (invalid, why set) or -1 (no memory). */
static int
check_field(const char *field, const char *s, size_t min, size_t max, int multiline,
    const struct allowed *a, char *why, size_t whysz)
{
	size_t n = utf8_chars(s), len = strlen(s);
	char *m;
	int rc;

	if (n < min)
		return fail(why, whysz, "%s is empty", field);
	if (n > max)
		return fail(why, whysz, "%s is longer than %zu characters (%zu)", field, max, n);
	if ((rc = check_chars(field, s, multiline, why, whysz)) != 0 ||
	    (rc = check_markup(field, s, why, whysz)) != 0)
		return rc;
	if ((m = malloc(len + 1)) == NULL)
		return -1;
	memcpy(m, s, len + 1);
	mask(m, a);
	if ((rc = check_placeholders(field, m, why, whysz)) == 0 &&
	    (rc = check_urls(field, m, a, why, whysz)) == 0 &&
	    (rc = check_figures(field, m, a, why, whysz)) == 0 && !a->offer) {
		for (char *p = m; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		rc = check_offers(field, m, why, whysz);
	}
	free(m);
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
	for (size_t i = 0; i < sizeof fields / sizeof *fields && rc == 0; i++)
		rc = check_field(fields[i].name, json_string_value(json_object_get(reply,
		    fields[i].name)), fields[i].min, fields[i].max, fields[i].multiline, a, why, whysz);
	free(a);
	json_decref(reply);
	return rc;
}
