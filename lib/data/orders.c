/* orders.c - reading an order export line by line: layouts, policies, and what the catalog and customers keep */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/csv.h"
#include "base/exitcode.h"
#include "base/lines.h"
#include "base/ndjson.h"
#include "base/tstamp.h"
#include "data/badline.h"
#include "data/catalog.h"
#include "data/country.h"
#include "data/orders.h"

static const char *const drop_names[ORD_NDROPS] = {
	"cancelled", "refunded", "non-product", "not-shipped", "nonpositive-qty", "no-customer"
};

static const char *const format_names[] = { "auto", "online-retail", "shopify", "csv" };

/* The option that names each field's column, for messages. */
static const char *const field_opts[ORD_NFIELDS] = {
	"--order-col", "--item-col", "--title-col", "--qty-col", "--price-col", "--line-total-col",
	"--date-col", "--customer-col", "--email-col", "--name-col", "--first-name-col",
	"--last-name-col", "--country-col", "--currency-col", "--consent-col", "--shipping-col",
	"--status-col", "--cancelled-col"
};

/* The columns of each layout (README of the data set; Shopify's orders export). */
static const char *const retail_cols[ORD_NFIELDS] = {
	[ORD_ORDER] = "InvoiceNo", [ORD_ITEM] = "StockCode", [ORD_TITLE] = "Description",
	[ORD_QTY] = "Quantity", [ORD_PRICE] = "UnitPrice", [ORD_DATE] = "InvoiceDate",
	[ORD_CUSTOMER] = "CustomerID", [ORD_COUNTRY] = "Country"
};
static const char *const shopify_cols[ORD_NFIELDS] = {
	[ORD_ORDER] = "Name", [ORD_ITEM] = "Lineitem sku", [ORD_TITLE] = "Lineitem name",
	[ORD_QTY] = "Lineitem quantity", [ORD_PRICE] = "Lineitem price", [ORD_DATE] = "Created at",
	[ORD_EMAIL] = "Email", [ORD_NAME] = "Billing Name", [ORD_COUNTRY] = "Billing Country",
	[ORD_CURRENCY] = "Currency", [ORD_CONSENT] = "Accepts Marketing",
	[ORD_SHIPPING] = "Lineitem requires shipping", [ORD_STATUS] = "Financial Status",
	[ORD_CANCELLED] = "Cancelled at"
};

/* The fields of an order that an export may fill on its first line only. */
static const int order_level[] = {
	ORD_DATE, ORD_CUSTOMER, ORD_EMAIL, ORD_NAME, ORD_FIRST_NAME, ORD_LAST_NAME, ORD_COUNTRY,
	ORD_CURRENCY, ORD_CONSENT, ORD_STATUS, ORD_CANCELLED
};

/* Online Retail's codes that are postage, fees, discounts and adjustments, not products. */
static const char retail_nonproduct[] =
	"POST,DOT,M,m,C2,D,S,B,BANK CHARGES,AMAZONFEE,CRUK,PADS";
static const char retail_nonproduct_re[] = "^gift_0001_";

/* Order statuses (Shopify "Financial Status", WooCommerce "status") that mean no sale. */
static const char *const cancel_status[] = { "cancelled", "canceled", "voided", "failed", NULL };
static const char *const refund_status[] = { "refunded", NULL };

/* Short words kept in lower case inside a title made readable. */
static const char *const small_words[] = {
	"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with", NULL
};

const char *
orders_drop_name(enum orders_drop d)
{
	return d < ORD_NDROPS ? drop_names[d] : "?";
}

const char *
orders_format_name(enum orders_format f)
{
	return (unsigned)f < sizeof format_names / sizeof *format_names ? format_names[f] : "?";
}

void
orders_defaults(struct orders_opts *o)
{
	memset(o, 0, sizeof *o);
	o->format = ORDERS_AUTO;
	o->price = ORDERS_PRICE_MEDIAN;
	o->casing = ORDERS_CASE_AUTO;
}

int
orders_set_regex(struct orders_opts *o, const char *re, struct err *e)
{
	char msg[200];
	int rc;

	if (o->has_re)
		regfree(&o->nonproduct_re);
	o->has_re = 0;
	if ((rc = regcomp(&o->nonproduct_re, re, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, &o->nonproduct_re, msg, sizeof msg);
		return err_set(e, EXIT_USAGE, "--non-product-regex: '%s': %s", re, msg);
	}
	o->has_re = 1;
	return 0;
}

void
orders_opts_free(struct orders_opts *o)
{
	if (o->has_re)
		regfree(&o->nonproduct_re);
	o->has_re = 0;
}

void
orders_init(struct orders *g, const struct orders_opts *o, FILE *out)
{
	memset(g, 0, sizeof *g);
	g->o = *o;
	g->out = out;
	ids_init(&g->items);
	ids_init(&g->customers);
}

void
orders_free(struct orders *g)
{
	for (size_t i = 0; i < ids_count(&g->items); i++) {
		for (size_t t = 0; t < g->item[i].ntitles; t++)
			free(g->item[i].titles[t].s);
		free(g->item[i].titles);
		free(g->item[i].prices);
		free(g->item[i].currency);
	}
	for (size_t c = 0; c < ids_count(&g->customers); c++) {
		free(g->cust[c].email);
		free(g->cust[c].name);
		free(g->cust[c].country);
	}
	free(g->item);
	free(g->cust);
	ids_free(&g->items);
	ids_free(&g->customers);
}

/* --- text helpers --- */

static int
small_word(const char *s, size_t n)
{
	for (int k = 0; small_words[k] != NULL; k++)
		if (strlen(small_words[k]) == n && strncasecmp(s, small_words[k], n) == 0)
			return 1;
	return 0;
}

void
orders_title_case(const char *s, size_t len, enum orders_case how, char *out)
{
	int lower = 0;

	memcpy(out, s, len);
	out[len] = '\0';
	for (size_t k = 0; k < len; k++)
		lower |= islower((unsigned char)s[k]) != 0;
	if (how == ORDERS_CASE_NEVER || (how == ORDERS_CASE_AUTO && lower))
		return;
	for (size_t k = 0; k < len;) {
		size_t w = k;

		while (w < len && s[w] != ' ')
			w++;
		/* a word: its first letter up (unless a small word inside), the rest down; a word
		 * with a digit (3D, A4, 50CM) is a code or a size and stays as it is */
		int first = 1, keep_small = k > 0 && small_word(s + k, w - k), digit = 0;

		for (size_t j = k; j < w; j++)
			digit |= isdigit((unsigned char)s[j]) != 0;
		for (size_t j = k; j < w && !digit; j++) {
			unsigned char c = (unsigned char)s[j];

			if (isalpha(c)) {
				out[j] = (char)(first && !keep_small ? toupper(c) : tolower(c));
				first = 0;
			} else if (c == '-' || c == '/' || c == '(' || c == '&' || c == '+') {
				first = 1;      /* T-LIGHT -> T-Light, (PINK) -> (Pink) */
			} else {
				first = 0;      /* CHILDREN'S -> Children's */
			}
		}
		k = w + 1;
	}
}

size_t
orders_email_norm(const char *s, size_t len, char *out)
{
	size_t n = 0;

	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	for (size_t k = 0; k < len; k++)
		out[n++] = (char)tolower((unsigned char)s[k]);
	out[n] = '\0';
	return n;
}

static char *
dupn(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* Replaces *slot with a copy of s[0..n). Returns 0 or -1. */
static int
set_str(char **slot, const char *s, size_t n, struct err *e)
{
	char *p = dupn(s, n);

	if (p == NULL)
		return err_nomem(e);
	free(*slot);
	*slot = p;
	return 0;
}

static int
in_list(const char *s, size_t n, const char *const *list)
{
	for (int k = 0; list[k] != NULL; k++)
		if (strlen(list[k]) == n && strncasecmp(s, list[k], n) == 0)
			return 1;
	return 0;
}

/* 1 yes, 0 no, -1 neither (for consent and shipping flags). */
static int
yes_no(const char *s, size_t n)
{
	static const char *const yes[] = { "yes", "y", "true", "1", "subscribed", "opt-in", NULL };
	static const char *const no[] = { "no", "n", "false", "0", "unsubscribed", "opt-out", NULL };

	return in_list(s, n, yes) ? 1 : in_list(s, n, no) ? 0 : -1;
}

/* Strict decimal number of the whole text; 0 or -1. */
static int
parse_num(const char *s, size_t n, double *out)
{
	char buf[64], *end;

	if (n == 0 || n >= sizeof buf)
		return -1;
	for (size_t k = 0; k < n; k++)
		if (!strchr("0123456789+-.eE", s[k]) || s[k] == '\0')
			return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	*out = strtod(buf, &end);
	return end == buf + n && errno == 0 && isfinite(*out) ? 0 : -1;
}

/* A date as tstamp_parse takes it, or with Shopify's " -0500" UTC offset. 0 or -1. */
static int
parse_date(const char *s, size_t n, int64_t *ts)
{
	if (n > 6 && s[n - 6] == ' ' && (s[n - 5] == '+' || s[n - 5] == '-') &&
	    isdigit((unsigned char)s[n - 4]) && isdigit((unsigned char)s[n - 3]) &&
	    isdigit((unsigned char)s[n - 2]) && isdigit((unsigned char)s[n - 1])) {
		int off = ((s[n - 4] - '0') * 10 + (s[n - 3] - '0')) * 3600 +
		    ((s[n - 2] - '0') * 10 + (s[n - 1] - '0')) * 60;

		if (tstamp_parse(s, n - 6, ts) < 0)
			return -1;
		*ts += s[n - 5] == '+' ? -off : off;
		return 0;
	}
	return tstamp_parse(s, n, ts);
}

/* --- one import --- */

struct field { const char *s; size_t len; };

/* What one file is being read with. */
struct reader {
	struct orders *g;
	const char *name;
	struct csv csv;
	int col[ORD_NFIELDS];
	const char *cols[ORD_NFIELDS];          /* the column names looked for */
	int ncols;
	const char *cancel_prefix;
	char *nonproduct;                       /* a copy, split at commas */
	const char **codes;
	size_t ncodes;
	int use_preset_re;
	regex_t preset_re;
	char *carry[ORD_NFIELDS];               /* the current order's fields, from its first line */
	char *carry_order;
	char *tmp;                              /* scratch for normalised text */
	size_t tmpcap;
};

static int
vbad(struct reader *r, struct err *e, const char *fmt, va_list ap)
{
	char why[640];
	const char *raw;
	size_t rawlen;

	vsnprintf(why, sizeof why, fmt, ap);
	if (r->g->o.skip_bad == NULL)
		return err_set(e, EXIT_DATA, "%s:%ld: %s", r->name, r->csv.lineno, why);
	raw = csv_raw(&r->csv, &rawlen);
	if (badline_write(r->g->o.skip_bad, r->name, r->csv.lineno, why, raw, rawlen, e) < 0)
		return -1;
	r->g->bad++;
	return 0;
}

static int bad(struct reader *r, struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
bad(struct reader *r, struct err *e, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vbad(r, e, fmt, ap);
	va_end(ap);
	return rc;
}

static void
reader_free(struct reader *r)
{
	csv_free(&r->csv);
	free(r->nonproduct);
	free(r->codes);
	if (r->use_preset_re)
		regfree(&r->preset_re);
	for (int f = 0; f < ORD_NFIELDS; f++)
		free(r->carry[f]);
	free(r->carry_order);
	free(r->tmp);
}

static enum orders_format
sniff(char **hdr, size_t n)
{
	int sku = 0, qty = 0, stock = 0, inv = 0;

	for (size_t k = 0; k < n; k++) {
		sku |= strcmp(hdr[k], "Lineitem sku") == 0 || strcmp(hdr[k], "Lineitem name") == 0;
		qty |= strcmp(hdr[k], "Lineitem quantity") == 0;
		stock |= strcmp(hdr[k], "StockCode") == 0;
		inv |= strcmp(hdr[k], "InvoiceNo") == 0;
	}
	return sku && qty ? ORDERS_SHOPIFY : stock && inv ? ORDERS_ONLINE_RETAIL : ORDERS_CSV;
}

/* Splits the non-product code list. Returns 0 or -1. */
static int
split_codes(struct reader *r, const char *list, struct err *e)
{
	char *p;

	if (list == NULL || list[0] == '\0')
		return 0;
	if ((r->nonproduct = strdup(list)) == NULL)
		return err_nomem(e);
	r->ncodes = 1;
	for (p = r->nonproduct; *p; p++)
		r->ncodes += *p == ',';
	if ((r->codes = calloc(r->ncodes, sizeof *r->codes)) == NULL)
		return err_nomem(e);
	r->ncodes = 0;
	for (p = r->nonproduct;;) {
		char *comma = strchr(p, ',');

		if (comma != NULL)
			*comma = '\0';
		if (*p != '\0')
			r->codes[r->ncodes++] = p;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

/* The layout's columns, the options' names over them, and where each is in the header. */
static int
map_header(struct reader *r, char **hdr, size_t n, struct err *e)
{
	const struct orders_opts *o = &r->g->o;
	enum orders_format fmt = o->format == ORDERS_AUTO ? sniff(hdr, n) : o->format;
	const char *const *preset = fmt == ORDERS_SHOPIFY ? shopify_cols :
	    fmt == ORDERS_ONLINE_RETAIL ? retail_cols : NULL;
	char where[300];

	r->g->format = fmt;
	snprintf(where, sizeof where, "%s:%ld: header", r->name, r->csv.lineno);
	for (int f = 0; f < ORD_NFIELDS; f++) {
		r->cols[f] = o->names[f] != NULL ? o->names[f] : preset != NULL ? preset[f] : NULL;
		r->col[f] = -1;
		if (r->cols[f] == NULL)
			continue;
		for (size_t k = 0; k < n && r->col[f] < 0; k++)
			if (strcmp(hdr[k], r->cols[f]) == 0)
				r->col[f] = (int)k;
		for (size_t k = 0; k < n && r->col[f] < 0; k++)
			if (strcasecmp(hdr[k], r->cols[f]) == 0)
				r->col[f] = (int)k;
		if (r->col[f] < 0 && o->names[f] != NULL)
			return err_set(e, EXIT_DATA, "%s: no column '%s' (named by %s)", where,
			    r->cols[f], field_opts[f]);
	}
	if (r->col[ORD_ITEM] < 0 && r->col[ORD_TITLE] < 0)
		return err_set(e, EXIT_DATA, "%s: no item column%s (name it with --item-col)", where,
		    fmt == ORDERS_CSV ? " in a layout shopimport does not know" : "");
	if (r->col[ORD_DATE] < 0)
		return err_set(e, EXIT_DATA, "%s: no date column (name it with --date-col)", where);
	if (r->col[ORD_CUSTOMER] < 0 && r->col[ORD_EMAIL] < 0)
		return err_set(e, EXIT_DATA,
		    "%s: no customer column (name it with --customer-col or --email-col)", where);
	if (r->col[ORD_CUSTOMER] < 0 && r->g->o.keylen == 0)
		return err_set(e, EXIT_USAGE, "%s: the export has no customer id, so ids are keyed "
		    "hashes of the email address: give the key with --id-key-file or RECMAIL_ID_KEY",
		    where);
	r->g->has_email |= r->col[ORD_EMAIL] >= 0;
	r->g->has_consent |= r->col[ORD_CONSENT] >= 0;
	r->cancel_prefix = o->cancel_prefix != NULL ? o->cancel_prefix :
	    fmt == ORDERS_ONLINE_RETAIL ? "C" : "";
	/* Online Retail's prices are in sterling (a UK shop) */
	r->g->currency = o->currency != NULL ? o->currency : fmt == ORDERS_ONLINE_RETAIL ? "GBP" : NULL;
	if (split_codes(r, o->nonproduct != NULL ? o->nonproduct :
	    fmt == ORDERS_ONLINE_RETAIL ? retail_nonproduct : NULL, e) < 0)
		return -1;
	if (!o->has_re && o->nonproduct == NULL && fmt == ORDERS_ONLINE_RETAIL) {
		if (regcomp(&r->preset_re, retail_nonproduct_re, REG_EXTENDED | REG_NOSUB) != 0)
			return err_set(e, EXIT_SOFTWARE, "the Online Retail regex does not compile");
		r->use_preset_re = 1;
	}
	r->ncols = (int)n;
	return 0;
}

/* The value of field f in the current row (an empty field when it has no column). */
static struct field
get(const struct reader *r, int f)
{
	struct field v = { "", 0 };

	if (r->col[f] >= 0) {
		v.s = r->csv.f[r->col[f]].s;
		v.len = r->csv.f[r->col[f]].len;
	}
	return v;
}

/* Order-level fields left empty on an order's later lines take the first line's values. */
static int
carry(struct reader *r, struct field *v, struct err *e)
{
	struct field ord = v[ORD_ORDER];
	int same = r->col[ORD_ORDER] >= 0 && ord.len > 0 && r->carry_order != NULL &&
	    strlen(r->carry_order) == ord.len && memcmp(r->carry_order, ord.s, ord.len) == 0;

	if (!same && set_str(&r->carry_order, ord.s, ord.len, e) < 0)
		return -1;
	for (size_t k = 0; k < sizeof order_level / sizeof *order_level; k++) {
		int f = order_level[k];

		if (same && v[f].len == 0 && r->carry[f] != NULL) {
			v[f].s = r->carry[f];
			v[f].len = strlen(r->carry[f]);
		} else if (!same && set_str(&r->carry[f], v[f].s, v[f].len, e) < 0) {
			return -1;
		}
	}
	return 0;
}

static int
nonproduct(const struct reader *r, const char *id, size_t n)
{
	for (size_t k = 0; k < r->ncodes; k++)
		if (strlen(r->codes[k]) == n && memcmp(r->codes[k], id, n) == 0)
			return 1;
	if (r->g->o.has_re && regexec(&r->g->o.nonproduct_re, id, 0, NULL, 0) == 0)
		return 1;
	return r->use_preset_re && regexec(&r->preset_re, id, 0, NULL, 0) == 0;
}

static int
drop(struct reader *r, enum orders_drop d)
{
	r->g->dropped[d]++;
	return 0;
}

/* Room for n+1 bytes of scratch. Returns 0 or -1. */
static int
scratch(struct reader *r, size_t n, struct err *e)
{
	if (n + 1 > r->tmpcap) {
		char *p = realloc(r->tmp, n + 1);

		if (p == NULL)
			return err_nomem(e);
		r->tmp = p;
		r->tmpcap = n + 1;
	}
	return 0;
}

/* The customer id of a line into the scratch: the id column, else the keyed hash of the email. */
static int
customer_id(struct reader *r, const struct field *v, size_t *len, struct err *e)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t n;

	*len = 0;
	if (r->col[ORD_CUSTOMER] >= 0) {
		if (scratch(r, v[ORD_CUSTOMER].len, e) < 0)
			return -1;
		memcpy(r->tmp, v[ORD_CUSTOMER].s, v[ORD_CUSTOMER].len);
		*len = v[ORD_CUSTOMER].len;
		return 0;
	}
	if (scratch(r, v[ORD_EMAIL].len > 40 ? v[ORD_EMAIL].len : 40, e) < 0)
		return -1;
	if ((n = orders_email_norm(v[ORD_EMAIL].s, v[ORD_EMAIL].len, r->tmp)) == 0)
		return 0;
	if (HMAC(EVP_sha256(), r->g->o.key, (int)r->g->o.keylen, (unsigned char *)r->tmp, n, md,
	    &mdlen) == NULL)
		return err_set(e, EXIT_SOFTWARE, "HMAC-SHA256 failed");
	/* "c" and 80 bits of the HMAC in hex: no address can be read back from it */
	r->tmp[0] = 'c';
	for (unsigned k = 0; k < 10; k++)
		snprintf(r->tmp + 1 + 2 * k, 3, "%02x", md[k]);
	*len = 21;
	return 0;
}

/* Grows the per-item and per-customer arrays to the id tables. Returns 0 or -1. */
static int
grow(void **arr, size_t *cap, size_t need, size_t elem, struct err *e)
{
	if (need > *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		char *p;

		while (ncap < need)
			ncap *= 2;
		if ((p = realloc(*arr, ncap * elem)) == NULL)
			return err_nomem(e);
		memset(p + *cap * elem, 0, (ncap - *cap) * elem);
		*arr = p;
		*cap = ncap;
	}
	return 0;
}

/* What a product line tells the catalog: its title, its price, its currency. */
static int
learn_item(struct reader *r, int64_t i, const struct field *v, int has_price, double price,
    int64_t ts, struct err *e)
{
	struct orders_item *it = &r->g->item[i];
	struct field t = v[ORD_TITLE], cur = v[ORD_CURRENCY];
	size_t k;

	while (t.len > 0 && (t.s[0] == ' ' || t.s[0] == '\t')) {
		t.s++;
		t.len--;
	}
	while (t.len > 0 && (t.s[t.len - 1] == ' ' || t.s[t.len - 1] == '\t'))
		t.len--;
	if (t.len > 0) {
		for (k = 0; k < it->ntitles; k++)
			if (strlen(it->titles[k].s) == t.len && memcmp(it->titles[k].s, t.s, t.len) == 0)
				break;
		if (k == it->ntitles) {
			if (grow((void **)&it->titles, &it->tcap, k + 1, sizeof *it->titles, e) < 0)
				return -1;
			if ((it->titles[k].s = dupn(t.s, t.len)) == NULL)
				return err_nomem(e);
			it->ntitles++;
		}
		it->titles[k].n++;
	}
	if (has_price && price > 0) {
		if (grow((void **)&it->prices, &it->pcap, it->nprices + 1, sizeof *it->prices, e) < 0)
			return -1;
		it->prices[it->nprices++] = price;
		if (it->nprices == 1 || ts >= it->recent_ts) {
			it->recent = price;
			it->recent_ts = ts;
		}
	}
	if (cur.len > 0) {
		/* checked as three letters on parsing; kept in capitals, as the catalog reader keeps it */
		if (set_str(&it->currency, cur.s, cur.len, e) < 0)
			return -1;
		for (char *p = it->currency; *p != '\0'; p++)
			*p = (char)toupper((unsigned char)*p);
	}
	return 0;
}

/* What a line tells about its customer: the latest order's name, email, country and consent. */
static int
learn_customer(struct reader *r, int64_t c, const struct field *v, int consent, int64_t ts,
    struct err *e)
{
	struct orders_customer *p = &r->g->cust[c];
	struct field fn = v[ORD_FIRST_NAME], ln = v[ORD_LAST_NAME];

	if (!p->seen) {
		p->seen = 1;
		p->consent = -1;
	} else if (ts < p->ts) {
		return 0;
	}
	p->ts = ts;
	if (v[ORD_EMAIL].len > 0) {
		if (scratch(r, v[ORD_EMAIL].len, e) < 0)
			return -1;
		if (set_str(&p->email, r->tmp, orders_email_norm(v[ORD_EMAIL].s, v[ORD_EMAIL].len,
		    r->tmp), e) < 0)
			return -1;
	}
	if (v[ORD_NAME].len > 0) {
		if (set_str(&p->name, v[ORD_NAME].s, v[ORD_NAME].len, e) < 0)
			return -1;
	} else if (fn.len > 0 || ln.len > 0) {
		if (scratch(r, fn.len + ln.len + 1, e) < 0)
			return -1;
		snprintf(r->tmp, fn.len + ln.len + 2, "%.*s%s%.*s", (int)fn.len, fn.s,
		    fn.len > 0 && ln.len > 0 ? " " : "", (int)ln.len, ln.s);
		if (set_str(&p->name, r->tmp, strlen(r->tmp), e) < 0)
			return -1;
	}
	if (v[ORD_COUNTRY].len > 0 && set_str(&p->country, v[ORD_COUNTRY].s, v[ORD_COUNTRY].len, e) < 0)
		return -1;
	if (consent >= 0)
		p->consent = consent;
	else if (r->col[ORD_CONSENT] >= 0)
		p->consent = 0;
	return 0;
}

/* Writes o as one line and drops it; o NULL means it could not be made. Returns 0 or -1. */
static int
put(FILE *f, json_t *o, struct err *e)
{
	int rc;

	if (o == NULL)
		return err_nomem(e);
	rc = ndjson_write(f, o, e);
	json_decref(o);
	return rc;
}

/* Writes one interaction line. Returns 0 or -1. */
static int
emit(struct reader *r, const char *user, size_t ulen, const char *item, size_t ilen, double qty,
    int64_t ts, const struct field *ord, struct err *e)
{
	json_t *o = json_pack("{s:s%,s:s%,s:s,s:f,s:I}", "user", user, ulen, "item", item, ilen,
	    "event", "purchase", "qty", qty, "ts", (json_int_t)ts);

	if (o != NULL && qty == floor(qty) && fabs(qty) < 1e15)
		json_object_set_new(o, "qty", json_integer((json_int_t)qty));
	if (o != NULL && ord->len > 0 && json_object_set_new(o, "order", json_stringn(ord->s,
	    ord->len)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return put(r->g->out, o, e);
}

/* One line item: checks, then the policies, then what it adds. Returns 0 or -1. */
static int
row(struct reader *r, struct err *e)
{
	struct orders *g = r->g;
	struct field v[ORD_NFIELDS], id;
	double qty = 1, price = 0;
	int64_t ts, i, c;
	int has_price = 0, consent = -1, ship = -1;
	size_t ulen;
	char *user;

	g->rows++;
	if ((int)r->csv.nf != r->ncols)
		return bad(r, e, "%zu fields, expected %d", r->csv.nf, r->ncols);
	for (int f = 0; f < ORD_NFIELDS; f++) {
		v[f] = get(r, f);
		if (memchr(v[f].s, '\0', v[f].len) != NULL || !utf8_valid(v[f].s, v[f].len))
			return bad(r, e, "\"%s\" is not valid UTF-8 text", r->cols[f]);
	}
	if (carry(r, v, e) < 0)
		return -1;
	id = v[ORD_ITEM].len > 0 ? v[ORD_ITEM] : v[ORD_TITLE];
	if (id.len == 0)
		return bad(r, e, "no item: \"%s\" is empty", r->cols[r->col[ORD_ITEM] >= 0 ? ORD_ITEM :
		    ORD_TITLE]);
	if (v[ORD_QTY].len > 0 && parse_num(v[ORD_QTY].s, v[ORD_QTY].len, &qty) < 0)
		return bad(r, e, "\"%s\" is not a number: '%.*s'", r->cols[ORD_QTY],
		    (int)(v[ORD_QTY].len > 40 ? 40 : v[ORD_QTY].len), v[ORD_QTY].s);
	if (v[ORD_PRICE].len > 0) {
		if (parse_num(v[ORD_PRICE].s, v[ORD_PRICE].len, &price) < 0)
			return bad(r, e, "\"%s\" is not a number: '%.*s'", r->cols[ORD_PRICE],
			    (int)(v[ORD_PRICE].len > 40 ? 40 : v[ORD_PRICE].len), v[ORD_PRICE].s);
		has_price = 1;
	} else if (v[ORD_LINE_TOTAL].len > 0) {
		if (parse_num(v[ORD_LINE_TOTAL].s, v[ORD_LINE_TOTAL].len, &price) < 0)
			return bad(r, e, "\"%s\" is not a number", r->cols[ORD_LINE_TOTAL]);
		has_price = qty > 0;
		price = qty > 0 ? price / qty : 0;
	}
	if (v[ORD_DATE].len == 0 || parse_date(v[ORD_DATE].s, v[ORD_DATE].len, &ts) < 0)
		return bad(r, e, "\"%s\" is not a date (YYYY-MM-DD[ HH:MM[:SS]][ +HHMM]): '%.*s'",
		    r->cols[ORD_DATE], (int)(v[ORD_DATE].len > 40 ? 40 : v[ORD_DATE].len), v[ORD_DATE].s);
	if (v[ORD_CONSENT].len > 0 && (consent = yes_no(v[ORD_CONSENT].s, v[ORD_CONSENT].len)) < 0)
		return bad(r, e, "\"%s\" is not yes or no: '%.*s'", r->cols[ORD_CONSENT],
		    (int)(v[ORD_CONSENT].len > 40 ? 40 : v[ORD_CONSENT].len), v[ORD_CONSENT].s);
	if (v[ORD_SHIPPING].len > 0 && (ship = yes_no(v[ORD_SHIPPING].s, v[ORD_SHIPPING].len)) < 0)
		return bad(r, e, "\"%s\" is not true or false", r->cols[ORD_SHIPPING]);
	if (v[ORD_CURRENCY].len > 0) {
		/* the catalog's rule (catalog_currency): three letters, written in capitals */
		char code[8], cur[4];

		snprintf(code, sizeof code, "%.*s", (int)(v[ORD_CURRENCY].len < 7 ? v[ORD_CURRENCY].len :
		    7), v[ORD_CURRENCY].s);
		if (v[ORD_CURRENCY].len != 3 || catalog_currency(code, cur) < 0)
			return bad(r, e, "\"%s\" is not an ISO 4217 code of three letters: '%.*s'",
			    r->cols[ORD_CURRENCY], (int)(v[ORD_CURRENCY].len > 40 ? 40 :
			    v[ORD_CURRENCY].len), v[ORD_CURRENCY].s);
	}

	/* well-formed: now the policies, in the documented order */
	if ((r->cancel_prefix[0] != '\0' && strncmp(v[ORD_ORDER].s, r->cancel_prefix,
	    strlen(r->cancel_prefix)) == 0) || v[ORD_CANCELLED].len > 0 ||
	    in_list(v[ORD_STATUS].s, v[ORD_STATUS].len, cancel_status))
		return drop(r, ORD_DROP_CANCELLED);
	if (in_list(v[ORD_STATUS].s, v[ORD_STATUS].len, refund_status))
		return drop(r, ORD_DROP_REFUNDED);
	if ((i = ids_intern(&g->items, id.s, id.len, e)) < 0)
		return -1;
	if (grow((void **)&g->item, &g->icap, (size_t)i + 1, sizeof *g->item, e) < 0)
		return -1;
	if (nonproduct(r, ids_get(&g->items, i, NULL), id.len))
		return drop(r, ORD_DROP_NONPRODUCT);
	if (ship == 0 && !g->o.keep_unshipped)
		return drop(r, ORD_DROP_NOT_SHIPPED);
	if (qty <= 0)
		return drop(r, ORD_DROP_NONPOSITIVE);
	/* a product sold: the catalog learns from it even without a customer */
	if (learn_item(r, i, v, has_price, price, ts, e) < 0)
		return -1;
	if (customer_id(r, v, &ulen, e) < 0)
		return -1;
	if (ulen == 0)
		return drop(r, ORD_DROP_NO_CUSTOMER);
	if ((c = ids_intern(&g->customers, r->tmp, ulen, e)) < 0)
		return -1;
	if (grow((void **)&g->cust, &g->ccap, (size_t)c + 1, sizeof *g->cust, e) < 0)
		return -1;
	user = (char *)ids_get(&g->customers, c, NULL);
	if (learn_customer(r, c, v, consent, ts, e) < 0)
		return -1;
	if (emit(r, user, ulen, ids_get(&g->items, i, NULL), id.len, qty, ts, &v[ORD_ORDER], e) < 0)
		return -1;
	g->kept++;
	return 0;
}

int
orders_file(struct orders *g, FILE *f, const char *name, struct err *e)
{
	struct reader r;
	struct lines l;
	char *hdr[256];
	int k, rc = -1;

	memset(&r, 0, sizeof r);
	r.g = g;
	r.name = name;
	if (lines_init(&l, f, name, g->o.max_line, e) < 0)
		return -1;
	if (csv_init(&r.csv, &l, g->o.delim != NULL ? g->o.delim : ",", 1, e) < 0)
		goto out;
	if ((k = csv_next(&r.csv, e)) <= 0) {
		if (k == 0)
			err_set(e, EXIT_DATA, "%s: empty: no header line", name);
		goto out;
	}
	if (r.csv.nf > sizeof hdr / sizeof *hdr) {
		err_set(e, EXIT_DATA, "%s:%ld: more than %zu columns in the header", name,
		    r.csv.lineno, sizeof hdr / sizeof *hdr);
		goto out;
	}
	for (size_t j = 0; j < r.csv.nf; j++)
		hdr[j] = r.csv.f[j].s;
	if (map_header(&r, hdr, r.csv.nf, e) < 0)
		goto out;
	while ((k = csv_next(&r.csv, e)) != 0) {
		if (k < 0) {
			long line;
			const char *why;
			char msg[sizeof e->msg];

			if (e->code != EXIT_DATA)
				goto out;
			g->rows++;
			badline_split(e->msg, name, &line, &why);
			snprintf(msg, sizeof msg, "%s", why);
			if (bad(&r, e, "%s", msg) < 0)
				goto out;
			continue;
		}
		if (row(&r, e) < 0)
			goto out;
	}
	rc = 0;
out:
	g->lines += l.lineno;
	reader_free(&r);
	lines_free(&l);
	return rc;
}

int
orders_check(const struct orders *g, struct err *e)
{
	if (g->kept == 0)
		return err_set(e, EXIT_DATA, "no purchases in the input%s",
		    g->rows > 0 ? " (every line item was dropped or bad)" : "");
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
orders_write_catalog(const struct orders *g, FILE *f, int64_t *n, struct err *e)
{
	*n = 0;
	for (size_t i = 0; i < ids_count(&g->items); i++) {
		const struct orders_item *it = &g->item[i];
		size_t len, best = 0;
		const char *id = ids_get(&g->items, (int64_t)i, &len);
		json_t *o;

		if (it->ntitles == 0 && it->nprices == 0)
			continue;       /* only ever in dropped lines: not a product on sale */
		o = json_pack("{s:s%}", "item", id, len);
		/* the most frequent title, the first seen among equals */
		for (size_t t = 1; t < it->ntitles; t++)
			if (it->titles[t].n > it->titles[best].n)
				best = t;
		if (o != NULL && it->ntitles > 0) {
			size_t tl = strlen(it->titles[best].s);
			char *title = malloc(tl + 1);

			if (title != NULL)
				orders_title_case(it->titles[best].s, tl, g->o.casing, title);
			if (title == NULL || json_object_set_new(o, "title", json_string(title)) != 0) {
				json_decref(o);
				o = NULL;
			}
			free(title);
		}
		if (o != NULL && it->nprices > 0) {
			double p = it->recent;

			if (g->o.price == ORDERS_PRICE_MEDIAN) {
				qsort(it->prices, it->nprices, sizeof *it->prices, cmp_double);
				p = it->nprices % 2 ? it->prices[it->nprices / 2] :
				    (it->prices[it->nprices / 2 - 1] + it->prices[it->nprices / 2]) / 2;
			}
			json_object_set_new(o, "price", json_real(ndjson_round(p, 2)));
			if (it->currency != NULL || g->currency != NULL)
				json_object_set_new(o, "currency", json_string(it->currency != NULL ?
				    it->currency : g->currency));
		}
		if (put(f, o, e) < 0)
			return -1;
		(*n)++;
	}
	return 0;
}

/* A placeholder address for an export without any: never deliverable (RFC 6761 .invalid). */
static json_t *
preview_address(const char *id)
{
	char buf[160];
	size_t n = (size_t)snprintf(buf, sizeof buf, "customer-");

	for (const char *p = id; *p && n < 100; p++)
		buf[n++] = isalnum((unsigned char)*p) || *p == '-' || *p == '_' ? *p : '-';
	snprintf(buf + n, sizeof buf - n, "@preview.invalid");
	return json_string(buf);
}

int
orders_write_customers(const struct orders *g, FILE *f, struct orders_people *p, struct err *e)
{
	memset(p, 0, sizeof *p);
	for (size_t c = 0; c < ids_count(&g->customers); c++) {
		const struct orders_customer *cu = &g->cust[c];
		const struct country *k = cu->country != NULL ?
		    country_find(cu->country, strlen(cu->country)) : NULL;
		size_t len;
		const char *id = ids_get(&g->customers, (int64_t)c, &len);
		json_t *o = json_pack("{s:s%}", "user", id, len);
		int bad = o == NULL;
		char loc[32];

		p->customers++;
		if (!bad && cu->consent == 0) {
			/* not mailed: the address is left out, so no later stage can use it */
			bad |= json_object_set_new(o, "consent", json_false());
			p->no_consent++;
		} else if (!bad && cu->email != NULL) {
			bad |= json_object_set_new(o, "email", json_string(cu->email));
			if (cu->consent == 1)
				bad |= json_object_set_new(o, "consent", json_true());
			p->with_email++;
		} else if (!bad && !g->has_email && !g->o.no_preview) {
			bad |= json_object_set_new(o, "email", preview_address(id));
			bad |= json_object_set_new(o, "preview", json_true());
			p->preview++;
		}
		if (!bad && cu->name != NULL)
			bad |= json_object_set_new(o, "name", json_string(cu->name));
		if (!bad && k != NULL) {
			if (k->code != NULL)
				bad |= json_object_set_new(o, "country", json_string(k->code));
			bad |= json_object_set_new(o, "locale", json_string(country_locale(k, loc,
			    sizeof loc)));
		} else if (!bad) {
			p->unknown_country++;
		}
		if (bad) {
			json_decref(o);
			o = NULL;
		}
		if (put(f, o, e) < 0)
			return -1;
	}
	return 0;
}
