/* prompt.c - prompt templates, and the join of recommendations, catalog and customers into prompt records */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/exitcode.h"
#include "base/ndjson.h"
#include "write/mailtext.h"
#include "write/prompt.h"

#define TEMPLATE_MAX (1024 * 1024)
#define DEFAULT_VOICE "warm, clear and concise; plain words, no hype, no exclamation marks"
#define DEFAULT_BRAND "the shop"

static const char *const placeholders[] = { "brand", "voice", "language", "locale",
	"item_count", "first_name", "products", "data" };
#define USES(i) (1u << (i))

/* ---- templates ---- */

/* Checks every {{...}} of a section; line is the section's first line number. */
static int
check_placeholders(const char *s, const char *name, long line, unsigned *uses, struct err *e)
{
	const char *p = s, *q, *close;

	while ((q = strstr(p, "{{")) != NULL) {
		size_t n, i;

		for (const char *r = p; r < q; r++)
			line += *r == '\n';
		close = strstr(q + 2, "}}");
		if (close == NULL || memchr(q + 2, '\n', (size_t)(close - q - 2)) != NULL)
			return err_set(e, EXIT_DATA, "%s:%ld: '{{' without '}}'", name, line);
		n = (size_t)(close - q - 2);
		for (i = 0; i < sizeof placeholders / sizeof *placeholders; i++)
			if (strlen(placeholders[i]) == n && strncmp(q + 2, placeholders[i], n) == 0)
				break;
		if (i == sizeof placeholders / sizeof *placeholders)
			return err_set(e, EXIT_DATA, "%s:%ld: unknown placeholder {{%.*s}}", name, line,
			    (int)(n < 40 ? n : 40), q + 2);
		*uses |= USES(i);
		p = close + 2;
	}
	return 0;
}

/* A copy of [s, end) without leading and trailing blank lines. */
static char *
section_text(const char *s, const char *end)
{
	const char *a = s, *b = end;
	char *out;

	for (const char *p = s; p < end; p++) {
		if (*p == '\n')
			a = p + 1;
		else if (!isspace((unsigned char)*p))
			break;
	}
	while (b > a && isspace((unsigned char)b[-1]))
		b--;
	if ((out = malloc((size_t)(b - a) + 1)) == NULL)
		return NULL;
	memcpy(out, a, (size_t)(b - a));
	out[b - a] = '\0';
	return out;
}

int
prompt_tmpl_parse(struct prompt_tmpl *t, const char *text, size_t len, const char *name,
    struct err *e)
{
	const char *p = text, *end = text + len, *body = NULL;
	char **cur = NULL;
	long lineno = 0, body_line = 0;

	memset(t, 0, sizeof *t);
	if (memchr(text, '\0', len) != NULL)
		return err_set(e, EXIT_DATA, "%s: contains a NUL byte", name);
	if (!utf8_valid(text, len))
		return err_set(e, EXIT_DATA, "%s: not valid UTF-8", name);
	for (;;) {
		const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		const char *lend = nl ? nl : end;
		size_t n = (size_t)(lend - p);
		char **next = NULL;
		int header = 0;

		lineno++;
		while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' '))
			n--;
		if (p >= end) {
			header = 1;
		} else if (n >= 6 && strncmp(p, "===", 3) == 0 && strncmp(p + n - 3, "===", 3) == 0) {
			header = 1;
			if (n == 14 && strncmp(p, "=== system ===", 14) == 0)
				next = &t->system;
			else if (n == 12 && strncmp(p, "=== user ===", 12) == 0)
				next = &t->user;
			else {
				prompt_tmpl_free(t);
				return err_set(e, EXIT_DATA, "%s:%ld: unknown section '%.*s'", name, lineno,
				    (int)(n < 40 ? n : 40), p);
			}
			if (*next != NULL) {
				prompt_tmpl_free(t);
				return err_set(e, EXIT_DATA, "%s:%ld: second '%.*s' section", name, lineno,
				    (int)n, p);
			}
		} else if (cur == NULL && n > 0 && p[0] != '#') {
			prompt_tmpl_free(t);
			return err_set(e, EXIT_DATA, "%s:%ld: text before the first section "
			    "(expected '=== system ===')", name, lineno);
		}
		if (header) {
			if (cur != NULL) {
				if ((*cur = section_text(body, p < end ? p : end)) == NULL) {
					prompt_tmpl_free(t);
					return err_nomem(e);
				}
				if (check_placeholders(*cur, name, body_line, &t->uses, e) < 0) {
					prompt_tmpl_free(t);
					return -1;
				}
			}
			if (p >= end)
				break;
			cur = next;
			body = nl ? nl + 1 : end;
			body_line = lineno + 1;
		}
		p = nl ? nl + 1 : end;
	}
	if (t->system == NULL || t->user == NULL || t->system[0] == '\0' || t->user[0] == '\0') {
		prompt_tmpl_free(t);
		return err_set(e, EXIT_DATA, "%s: needs a non-empty '=== system ===' and "
		    "'=== user ===' section", name);
	}
	if (strstr(t->user, "{{data}}") == NULL && strstr(t->user, "{{products}}") == NULL) {
		prompt_tmpl_free(t);
		return err_set(e, EXIT_DATA, "%s: the user section has neither {{data}} nor "
		    "{{products}}", name);
	}
	return 0;
}

int
prompt_tmpl_load(struct prompt_tmpl *t, const char *path, struct err *e)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	int rc;

	memset(t, 0, sizeof *t);
	if (f == NULL)
		return err_set(e, EXIT_NOINPUT, "%s: %s", path, strerror(errno));
	if ((buf = malloc(TEMPLATE_MAX + 1)) == NULL) {
		fclose(f);
		return err_nomem(e);
	}
	n = fread(buf, 1, TEMPLATE_MAX + 1, f);
	if (ferror(f)) {
		rc = err_set(e, EXIT_IO, "%s: read error: %s", path, strerror(errno ? errno : EIO));
	} else if (n > TEMPLATE_MAX) {
		rc = err_set(e, EXIT_DATA, "%s: template larger than %d bytes", path, TEMPLATE_MAX);
	} else {
		rc = prompt_tmpl_parse(t, buf, n, path, e);
	}
	free(buf);
	fclose(f);
	return rc;
}

void
prompt_tmpl_free(struct prompt_tmpl *t)
{
	free(t->system);
	free(t->user);
	t->system = t->user = NULL;
}

static int
readable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int
prompt_default_path(const char *exe, char *out, size_t outsz, struct err *e)
{
	static const char *const rel[] = { "../share/recmail/prompts/email.txt",
		"../share/prompts/email.txt" };
	const char *env = getenv("RECMAIL_SHARE");
	char dir[PATH_MAX];
	const char *slash;

	if (env != NULL && *env != '\0') {
		snprintf(out, outsz, "%s/prompts/email.txt", env);
		if (readable(out))
			return 0;
		return err_set(e, EXIT_NOINPUT, "no default template: %s is missing "
		    "(RECMAIL_SHARE=%s); give --template=FILE", out, env);
	}
	slash = exe ? strrchr(exe, '/') : NULL;
	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - exe), exe);
	for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
		snprintf(out, outsz, "%s/%s", dir, rel[i]);
		if (readable(out))
			return 0;
	}
	return err_set(e, EXIT_NOINPUT, "no default template: looked for %s/%s and %s/%s; "
	    "set RECMAIL_SHARE or give --template=FILE", dir, rel[0], dir, rel[1]);
}

/* ---- records ---- */

const char *
prompt_outcome_name(enum prompt_outcome o)
{
	static const char *const names[] = { "ok", "holdout", "no recommendations", "no profile",
		"no email", "invalid email", "no recommended item in the catalog" };

	return (unsigned)o < PROMPT_NOUTCOMES ? names[o] : "unknown";
}

static const char *
language_name(const char *locale)
{
	static const struct { const char *code, *name; } langs[] = {
		{ "en", "English" }, { "de", "German" }, { "fr", "French" }, { "es", "Spanish" },
		{ "it", "Italian" }, { "nl", "Dutch" }, { "pt", "Portuguese" }, { "sv", "Swedish" },
		{ "da", "Danish" }, { "nb", "Norwegian" }, { "no", "Norwegian" }, { "fi", "Finnish" },
		{ "pl", "Polish" }, { "cs", "Czech" }, { "el", "Greek" }, { "tr", "Turkish" },
		{ "ja", "Japanese" }, { "zh", "Chinese" }, { "ko", "Korean" }, { "ru", "Russian" },
	};

	for (size_t i = 0; i < sizeof langs / sizeof *langs; i++)
		if (strncasecmp(locale, langs[i].code, 2) == 0 && !isalpha((unsigned char)locale[2]))
			return langs[i].name;
	return NULL;
}

/* The first name: the profile's, else the first word of the name unless it is a title. */
static char *
first_name_of(const char *first, const char *name)
{
	static const char *const titles[] = { "mr", "mrs", "ms", "miss", "mx", "dr", "prof",
		"herr", "frau", "mme", "mlle", "m", "sr", "sra", "srta", "dott", "sir", "dame" };
	size_t n;

	while (first != NULL && isspace((unsigned char)*first))
		first++;
	if (first != NULL && *first != '\0') {
		n = strlen(first);
		while (n > 0 && isspace((unsigned char)first[n - 1]))
			n--;
		return strndup(first, n);
	}
	if (name == NULL)
		return NULL;
	while (isspace((unsigned char)*name))
		name++;
	n = strcspn(name, " \t");
	if (n == 0 || name[n] == '\0')
		return NULL; /* a single word may be a surname or a company */
	for (size_t i = 0; i < sizeof titles / sizeof *titles; i++) {
		size_t tn = strlen(titles[i]);

		if (strncasecmp(name, titles[i], tn) == 0 && (n == tn || (n == tn + 1 &&
		    name[tn] == '.')))
			return NULL;
	}
	return strndup(name, n);
}

struct render_vars {
	const char *v[sizeof placeholders / sizeof *placeholders];
};

/* Expands a checked template section into b. Returns 0, or -1 when out of memory. */
static int
render(struct buf *b, const char *tmpl, const struct render_vars *rv)
{
	const char *p = tmpl, *q, *close;

	while ((q = strstr(p, "{{")) != NULL && (close = strstr(q + 2, "}}")) != NULL) {
		size_t n = (size_t)(close - q - 2), i;

		if (buf_add(b, p, (size_t)(q - p)) < 0)
			return -1;
		for (i = 0; i < sizeof placeholders / sizeof *placeholders; i++)
			if (strlen(placeholders[i]) == n && strncmp(q + 2, placeholders[i], n) == 0)
				break;
		if (i < sizeof placeholders / sizeof *placeholders && rv->v[i] != NULL &&
		    buf_adds(b, rv->v[i]) < 0)
			return -1;
		p = close + 2;
	}
	return buf_adds(b, p);
}

/* Flags of the record's JSON text (as ndjson_write), and of untrusted data in a prompt. */
#define REC_FLAGS (JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15))
#define DATA_FLAGS (REC_FLAGS | JSON_ESCAPE_SLASH)

/* json_dump_callback's sink: jansson calls it for every token and escape. */
static int
add_json_cb(const char *s, size_t n, void *arg)
{
	return buf_add(arg, s, n);
}

/* Appends v as JSON text to b; 0, or -1 without memory. */
static int
add_json(struct buf *b, const json_t *v, size_t flags)
{
	return json_dump_callback(v, add_json_cb, b, flags);
}

/* Appends s[0..n) as a JSON string (jansson's escaping); 0, or -1 without memory or
 * when s is not UTF-8. */
static int
add_json_str(struct buf *b, const char *s, size_t n, size_t flags)
{
	json_t *v = json_stringn(s, n);
	int rc;

	if (v == NULL)
		return -1;
	rc = add_json(b, v, flags);
	json_decref(v);
	return rc;
}

/*
 * The reason as the model is told it: graded as mailtext words it for the
 * cards (a close match, related, or no specific reason) and naming what the
 * customer did, so that the letter and the cards agree. NULL without memory.
 */
static json_t *
reason_text(const json_t *reason, const char *btitle)
{
	static const char *const deed[RECS_NACTIONS] = {
		[RECS_ACT_NONE] = "chose", [RECS_BOUGHT] = "bought",
		[RECS_CARTED] = "put in their basket", [RECS_VIEWED] = "looked at",
		[RECS_CLICKED] = "clicked on", [RECS_RATED] = "rated highly",
	};
	const char *d = deed[mailtext_reason_action(reason)];

	switch (mailtext_reason_kind(reason, btitle)) {
	case MAILTEXT_CLOSE:
		return json_sprintf("a close match to an item the customer %s (because_title)", d);
	case MAILTEXT_BECAUSE:
		return json_sprintf("related to an item the customer %s (because_title); not a close "
		    "match: do not say it is", d);
	case MAILTEXT_ALSO:
		return json_sprintf("often chosen together with an item the customer %s "
		    "(because_title)", d);
	case MAILTEXT_SHARED: {
		static const char *const what[3] = { "category", "brand", "words" };
		const char *v = ndjson_str(reason, "value");

		return json_sprintf("shares its %s (%s) with an item the customer %s "
		    "(because_title)", what[mailtext_shared_index(reason)], v ? v : "", d);
	}
	case MAILTEXT_POPULAR:
		return json_string("popular with other customers");
	case MAILTEXT_NEIGHBOURS:
		return json_string("liked by customers with tastes like this customer's");
	case MAILTEXT_CHOSEN:
	default:
		return json_string("chosen for this customer, with no specific reason: name no "
		    "other item as the reason");
	}
}

static int
set_str(json_t *o, const char *key, const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	return json_object_set_new(o, key, json_string(s));
}

/*
 * A table string as a JSON string, or NULL when absent (*bad set when out of
 * memory). The tables' strings were read by jansson, so they are UTF-8.
 */
static json_t *
str_json(const char *s, int *bad)
{
	json_t *v;

	if (s == NULL)
		return NULL;
	if ((v = json_string_nocheck(s)) == NULL)
		*bad = 1;
	return v;
}

/* Sets key to v (when not NULL) without taking the reference. */
static int
put(json_t *o, const char *key, json_t *v)
{
	return v == NULL ? 0 : json_object_set(o, key, v);
}

/* The meta item and the prompt's product entry for catalog item ci and rec. */
static int
add_product(const struct prompt_db *db, int64_t ci, const json_t *rec, json_t *items,
    json_t *products)
{
	const struct catalog_item *it = &db->cat->items[ci];
	const json_t *reason = json_object_get(rec, "reason");
	const char *because = ndjson_str(reason, "because"), *id;
	json_t *m = json_object(), *p = json_object(), *r;
	json_t *title, *cat, *cur, *price = NULL, *btitle = NULL;
	size_t idlen;
	int bad = 0;

	title = str_json(it->title, &bad);
	cat = str_json(it->category, &bad);
	cur = str_json(it->currency, &bad);
	if (it->has_price && (price = json_real(it->price)) == NULL)
		bad = 1;
	if (because != NULL) {
		const struct catalog_item *b = catalog_get(db->cat, because, strlen(because));

		if (b != NULL)
			btitle = str_json(b->title, &bad);
	}
	if (m == NULL || p == NULL || bad)
		goto out;
	id = ids_get(&db->cat->ids, ci, &idlen);
	bad |= json_object_set_new(m, "item", json_stringn(id, idlen));
	bad |= put(m, "title", title);
	bad |= put(m, "category", cat);
	bad |= put(m, "price", price);
	bad |= put(m, "currency", cur);
	if (it->url != NULL)
		bad |= json_object_set_new(m, "url", json_string_nocheck(it->url));
	if (it->image != NULL)
		bad |= json_object_set_new(m, "image", json_string_nocheck(it->image));
	if (json_is_object(reason)) {
		/* a shallow copy: only a key of its own is added */
		r = json_copy((json_t *)reason);
		bad |= r == NULL;
		if (btitle != NULL)
			bad |= json_object_set(r, "because_title", btitle);
		bad |= json_object_set_new(m, "reason", r);
	}

	bad |= put(p, "title", title);
	bad |= put(p, "category", cat);
	if (price != NULL && cur != NULL) {
		bad |= put(p, "price", price);
		bad |= put(p, "currency", cur);
	}
	bad |= json_object_set_new(p, "reason", reason_text(reason, json_string_value(btitle)));
	if (mailtext_reason_kind(reason, json_string_value(btitle)) != MAILTEXT_CHOSEN)
		bad |= put(p, "because_title", btitle);
	bad |= json_array_append(items, m);
	bad |= json_array_append(products, p);
out:
	json_decref(m);
	json_decref(p);
	json_decref(title);
	json_decref(cat);
	json_decref(cur);
	json_decref(price);
	json_decref(btitle);
	return bad || m == NULL || p == NULL ? -1 : 0;
}

/* Checks the shape of a recommendations line (docs/FORMATS.md 2.4). */
static int
check_line(const json_t *line, struct err *e)
{
	json_t *u = json_object_get(line, "user"), *recs = json_object_get(line, "recs"), *r, *v;
	size_t i;

	if (u == NULL)
		return err_set(e, EXIT_DATA, "missing \"user\"");
	if (!json_is_string(u) || json_string_length(u) == 0)
		return err_set(e, EXIT_DATA, "\"user\" is not a non-empty string");
	if (!json_is_array(recs))
		return err_set(e, EXIT_DATA, "missing \"recs\" array");
	v = json_object_get(line, "variant");
	if (v != NULL && !json_is_string(v) && !json_is_null(v))
		return err_set(e, EXIT_DATA, "\"variant\" is not a string");
	json_array_foreach(recs, i, r) {
		if (!json_is_object(r) || !json_is_string(json_object_get(r, "item")))
			return err_set(e, EXIT_DATA, "recs[%zu]: missing \"item\"", i);
		v = json_object_get(r, "reason");
		if (v != NULL && !json_is_object(v) && !json_is_null(v))
			return err_set(e, EXIT_DATA, "recs[%zu]: \"reason\" is not an object", i);
	}
	return 0;
}

/*
 * The parts of one record: the system and user messages in w->sys and w->usr,
 * and *metap, a new meta object. Returns PROMPT_OK, another outcome, or -1 with
 * e set.
 */
static int
compose(struct prompt_writer *w, const struct prompt_db *db, const struct prompt_tmpl *t,
    const struct prompt_opts *o, const json_t *line, json_t **metap, struct prompt_stats *st,
    struct err *e)
{
	const json_t *recs = json_object_get(line, "recs"), *r;
	const char *user, *variant, *email, *locale, *name, *brand, *segment, *lang;
	const struct customer *c;
	json_t *meta = NULL, *items = NULL, *products = NULL;
	char *first = NULL, count[32], langbuf[64];
	struct render_vars rv = { { 0 } };
	int64_t ci;
	int64_t chosen[PROMPT_MAX_ITEMS];
	size_t from[PROMPT_MAX_ITEMS], i, n = 0;
	int bad = 0, rc = -1;

	*metap = NULL;
	if (check_line(line, e) < 0)
		return -1;
	user = ndjson_str(line, "user");
	variant = ndjson_str(line, "variant");
	if (variant != NULL && strcmp(variant, "holdout") == 0)
		return PROMPT_HOLDOUT;
	if (json_array_size(recs) == 0)
		return PROMPT_NO_RECS;
	if ((c = customers_get(db->cust, user, strlen(user))) == NULL)
		return PROMPT_NO_PROFILE;
	email = c->email;
	if (email == NULL)
		return PROMPT_NO_EMAIL;
	if (!customers_email_valid(email))
		return PROMPT_BAD_EMAIL;

	json_array_foreach(recs, i, r) {
		const json_t *idv = json_object_get(r, "item");
		size_t k;

		ci = ids_find(&db->cat->ids, json_string_value(idv), json_string_length(idv));
		if (ci < 0) {
			st->missing++;
			continue;
		}
		if (!db->cat->items[ci].in_stock) {
			st->out_of_stock++;
			continue;
		}
		if (db->cat->items[ci].title == NULL) {
			st->untitled++;
			continue;
		}
		for (k = 0; k < n && chosen[k] != ci; k++)
			;
		if (k < n)
			continue; /* the same item twice in one line */
		if ((long)n >= o->max_items || n == PROMPT_MAX_ITEMS) {
			st->capped++;
			continue;
		}
		from[n] = i;
		chosen[n++] = ci;
	}
	if (n == 0)
		return PROMPT_NO_ITEMS;

	locale = c->locale;        /* valid or NULL (customers_read) */
	name = c->name;
	brand = o->brand != NULL && *o->brand != '\0' ? o->brand : NULL;
	segment = ndjson_str(line, "segment");
	if (segment == NULL)
		segment = c->segment;
	first = first_name_of(c->first_name, name);

	meta = json_object();
	items = json_array();
	products = json_array();
	if (meta == NULL || items == NULL || products == NULL)
		goto nomem;
	for (i = 0; i < n; i++)
		if (add_product(db, chosen[i], json_array_get(recs, from[i]), items, products) < 0)
			goto nomem;
	bad |= set_str(meta, "user", user);
	bad |= set_str(meta, "email", email);
	bad |= set_str(meta, "name", name);
	bad |= set_str(meta, "first_name", first);
	bad |= set_str(meta, "locale", locale);
	bad |= set_str(meta, "campaign", o->campaign);
	bad |= set_str(meta, "variant", variant);
	bad |= set_str(meta, "segment", segment);
	bad |= set_str(meta, "brand", brand);
	bad |= json_object_set(meta, "items", items);
	if (bad)
		goto nomem;

	/*
	 * JSON text only for the placeholders the template uses; {{data}} is
	 * {"customer":{"first_name":F},"products":P}, written from the other two
	 * rather than from a third tree dumped again.
	 */
	buf_reset(&w->fj);
	buf_reset(&w->pj);
	buf_reset(&w->dj);
	if (t->uses & (USES(5) | USES(7))) {
		/* --no-first-name: the writer greets without a name; the template arm still has meta's */
		if (first != NULL && !o->no_first_name ? add_json_str(&w->fj, first, strlen(first), DATA_FLAGS) < 0 :
		    buf_adds(&w->fj, "null") < 0)
			goto nomem;
	}
	if ((t->uses & (USES(6) | USES(7))) && add_json(&w->pj, products, DATA_FLAGS) < 0)
		goto nomem;
	if ((t->uses & USES(7)) && (buf_adds(&w->dj, "{\"customer\":{\"first_name\":") < 0 ||
	    buf_add(&w->dj, w->fj.s, w->fj.len) < 0 || buf_adds(&w->dj, "},\"products\":") < 0 ||
	    buf_add(&w->dj, w->pj.s, w->pj.len) < 0 || buf_addc(&w->dj, '}') < 0))
		goto nomem;
	lang = language_name(locale ? locale : "en");
	if (lang == NULL) {
		snprintf(langbuf, sizeof langbuf, "the language of locale %s", locale);
		lang = langbuf;
	}
	snprintf(count, sizeof count, "%zu", n);
	rv.v[0] = brand ? brand : DEFAULT_BRAND;
	rv.v[1] = o->voice ? o->voice : DEFAULT_VOICE;
	rv.v[2] = lang;
	rv.v[3] = locale ? locale : "en";
	rv.v[4] = count;
	rv.v[5] = w->fj.s;
	rv.v[6] = w->pj.s;
	rv.v[7] = w->dj.s;
	buf_reset(&w->sys);
	buf_reset(&w->usr);
	if (render(&w->sys, t->system, &rv) < 0 || render(&w->usr, t->user, &rv) < 0 ||
	    w->sys.s == NULL || w->usr.s == NULL)
		goto nomem;
	*metap = meta;
	meta = NULL;
	rc = PROMPT_OK;
	goto done;
nomem:
	err_nomem(e);
	rc = -1;
done:
	json_decref(meta);
	json_decref(items);
	json_decref(products);
	free(first);
	return rc;
}

int
prompt_writer_init(struct prompt_writer *w, const struct prompt_opts *o, struct err *e)
{
	struct buf rf;

	memset(w, 0, sizeof *w);
	buf_init(&w->sys);
	buf_init(&w->usr);
	buf_init(&w->fj);
	buf_init(&w->pj);
	buf_init(&w->dj);
	if (o != NULL && o->response_format != NULL) {
		buf_init(&rf);
		if (add_json(&rf, o->response_format, REC_FLAGS) < 0 || rf.s == NULL) {
			buf_free(&rf);
			return err_nomem(e);
		}
		w->rf = rf.s;
		w->rflen = rf.len;
	}
	return 0;
}

void
prompt_writer_free(struct prompt_writer *w)
{
	buf_free(&w->sys);
	buf_free(&w->usr);
	buf_free(&w->fj);
	buf_free(&w->pj);
	buf_free(&w->dj);
	free(w->rf);
	for (unsigned i = 0; i < w->ncache; i++) {
		free(w->cache[i].text);
		free(w->cache[i].json);
	}
	memset(w, 0, sizeof *w);
}

/* Appends the system message in w->sys as a JSON string, from the cache when it was seen. */
static int
add_system(struct prompt_writer *w, struct buf *out)
{
	struct buf j;
	char *text;
	unsigned i;

	for (i = 0; i < w->ncache; i++)
		if (w->cache[i].len == w->sys.len && memcmp(w->cache[i].text, w->sys.s,
		    w->sys.len) == 0)
			return buf_add(out, w->cache[i].json, w->cache[i].jlen);
	buf_init(&j);
	if (add_json_str(&j, w->sys.s, w->sys.len, REC_FLAGS) < 0 || j.s == NULL ||
	    (text = malloc(w->sys.len + 1)) == NULL) {
		buf_free(&j);
		return -1;
	}
	memcpy(text, w->sys.s, w->sys.len + 1);
	if (w->ncache < PROMPT_SYS_CACHE) {
		i = w->ncache++;
	} else {
		i = w->next;
		w->next = (w->next + 1) % PROMPT_SYS_CACHE;
		free(w->cache[i].text);
		free(w->cache[i].json);
	}
	w->cache[i].text = text;
	w->cache[i].len = w->sys.len;
	w->cache[i].json = j.s;
	w->cache[i].jlen = j.len;
	return buf_add(out, j.s, j.len);
}

int
prompt_write(struct prompt_writer *w, const struct prompt_db *db,
    const struct prompt_tmpl *t, const struct prompt_opts *o, const json_t *line,
    struct buf *out, struct prompt_stats *st, struct err *e)
{
	size_t start = out->len;
	json_t *meta;
	int rc;

	if ((rc = compose(w, db, t, o, line, &meta, st, e)) != PROMPT_OK)
		return rc;
	/* the keys in the order prompt_build's record has them */
	if (buf_adds(out, "{\"id\":") < 0 ||
	    add_json(out, json_object_get(line, "user"), REC_FLAGS) < 0 ||
	    buf_adds(out, ",\"messages\":[{\"role\":\"system\",\"content\":") < 0 ||
	    add_system(w, out) < 0 ||
	    buf_adds(out, "},{\"role\":\"user\",\"content\":") < 0 ||
	    add_json_str(out, w->usr.s, w->usr.len, REC_FLAGS) < 0 ||
	    buf_adds(out, "}],\"meta\":") < 0 ||
	    add_json(out, meta, REC_FLAGS) < 0 ||
	    (w->rf != NULL && (buf_adds(out, ",\"response_format\":") < 0 ||
	    buf_add(out, w->rf, w->rflen) < 0)) ||
	    buf_adds(out, "}\n") < 0) {
		json_decref(meta);
		if (out->s != NULL) {
			out->len = start;
			out->s[start] = '\0';
		}
		return err_nomem(e);
	}
	json_decref(meta);
	return PROMPT_OK;
}

int
prompt_build(const struct prompt_db *db, const struct prompt_tmpl *t,
    const struct prompt_opts *o, const json_t *line, json_t **out, struct prompt_stats *st,
    struct err *e)
{
	struct prompt_writer w;
	json_t *meta, *rec;
	int rc;

	*out = NULL;
	if (prompt_writer_init(&w, NULL, e) < 0)
		return -1;
	if ((rc = compose(&w, db, t, o, line, &meta, st, e)) != PROMPT_OK) {
		prompt_writer_free(&w);
		return rc;
	}
	rec = json_pack("{s:s,s:[{s:s,s:s},{s:s,s:s}],s:O}", "id", ndjson_str(line, "user"),
	    "messages", "role", "system", "content", w.sys.s, "role", "user", "content", w.usr.s,
	    "meta", meta);
	json_decref(meta);
	prompt_writer_free(&w);
	if (rec == NULL || (o->response_format != NULL &&
	    json_object_set(rec, "response_format", o->response_format) != 0)) {
		json_decref(rec);
		return err_nomem(e);
	}
	*out = rec;
	return PROMPT_OK;
}

json_t *
prompt_response_format(void)
{
	return json_pack("{s:s,s:{s:s,s:b,s:{s:s,s:{s:{s:s,s:s},s:{s:s,s:s},s:{s:s,s:s}},"
	    "s:[s,s,s],s:b}}}",
	    "type", "json_schema",
	    "json_schema", "name", "recommendation_email", "strict", 1,
	    "schema", "type", "object", "properties",
	    "subject", "type", "string", "description",
	    "the email subject: 1 to 120 characters, names the first product",
	    "preheader", "type", "string", "description",
	    "a one-line summary shown after the subject: at most 200 characters",
	    "body_text", "type", "string", "description",
	    "the whole email as plain text with line breaks: 1 to 5000 characters",
	    "required", "subject", "preheader", "body_text",
	    "additionalProperties", 0);
}
