/* orders.h - a shop's order export (Online Retail, Shopify, any CSV) to interactions, catalog, customers */
#ifndef RECMAIL_ORDERS_H
#define RECMAIL_ORDERS_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "data/ids.h"

/* The layouts a header is read as; ORDERS_AUTO picks one from the header. */
enum orders_format { ORDERS_AUTO, ORDERS_ONLINE_RETAIL, ORDERS_SHOPIFY, ORDERS_CSV };

/* The columns an export may have. */
enum orders_field {
	ORD_ORDER, ORD_ITEM, ORD_TITLE, ORD_QTY, ORD_PRICE, ORD_LINE_TOTAL, ORD_DATE,
	ORD_CUSTOMER, ORD_EMAIL, ORD_NAME, ORD_FIRST_NAME, ORD_LAST_NAME, ORD_COUNTRY,
	ORD_CURRENCY, ORD_CONSENT, ORD_SHIPPING, ORD_STATUS, ORD_CANCELLED, ORD_NFIELDS
};

/* Why a well-formed line is left out of the interactions, in the order they are checked. */
enum orders_drop {
	ORD_DROP_CANCELLED,     /* cancellation invoice, "Cancelled at" set, status cancelled/voided/failed */
	ORD_DROP_REFUNDED,      /* status refunded: the order came back */
	ORD_DROP_NONPRODUCT,    /* the item is in the non-product code list or matches the regex */
	ORD_DROP_NOT_SHIPPED,   /* the shop says the line needs no shipping (gift cards, tips) */
	ORD_DROP_NONPOSITIVE,   /* quantity <= 0 (a return or a correction) */
	ORD_DROP_NO_CUSTOMER,   /* neither a customer id nor an email address */
	ORD_NDROPS
};

enum orders_price { ORDERS_PRICE_MEDIAN, ORDERS_PRICE_RECENT };
enum orders_case { ORDERS_CASE_AUTO, ORDERS_CASE_ALWAYS, ORDERS_CASE_NEVER };

struct orders_opts {
	enum orders_format format;
	const char *names[ORD_NFIELDS];         /* column names set by options (NULL: the preset's) */
	const char *delim;                      /* NULL: "," */
	const char *cancel_prefix;              /* NULL: the preset's ("C" for Online Retail) */
	const char *currency;                   /* when the export has none (NULL: the preset's) */
	char *nonproduct;                       /* comma list of item codes (NULL: the preset's) */
	regex_t nonproduct_re;
	int has_re;
	int keep_unshipped;                     /* do not drop "requires shipping = false" lines */
	enum orders_price price;
	enum orders_case casing;
	const unsigned char *key;               /* for the ids of customers known by email only */
	size_t keylen;
	int no_preview;                         /* no placeholder addresses for exports without email */
	size_t max_line;
	FILE *skip_bad;                         /* NULL: the first bad line is an error */
};

struct orders_title { char *s; int64_t n; };

struct orders_item {
	struct orders_title *titles;
	size_t ntitles, tcap;
	double *prices;
	size_t nprices, pcap;
	double recent;                          /* the price of the latest line */
	int64_t recent_ts;
	char *currency;                         /* of the latest line with one */
};

struct orders_customer {
	char *email, *name, *country;
	int consent;                            /* -1 not in the export, 0 no, 1 yes */
	int seen;
	int64_t ts;                             /* the latest order: its fields win */
};

struct orders {
	struct orders_opts o;
	enum orders_format format;              /* of the last file read */
	const char *currency;                   /* of prices without one: the option's, the layout's */
	struct ids items, customers;
	struct orders_item *item;
	size_t icap;
	struct orders_customer *cust;
	size_t ccap;
	int has_email, has_consent;             /* some file had an email / consent column */
	int64_t lines, rows, kept, bad;
	int64_t dropped[ORD_NDROPS];
	FILE *out;                              /* interactions */
};

/* Default options: auto layout, median prices, readable casing of all-capital titles. */
void orders_defaults(struct orders_opts *o);

/* Compiles re into o (POSIX extended, matched against item codes). Returns 0 or -1 (EXIT_USAGE). */
int orders_set_regex(struct orders_opts *o, const char *re, struct err *e);
void orders_opts_free(struct orders_opts *o);

/* Starts an import that writes interaction lines to out. */
void orders_init(struct orders *g, const struct orders_opts *o, FILE *out);
void orders_free(struct orders *g);

/*
 * Reads one export from f (name for messages): the header, then one line item
 * a row. A bad row is an error ("name:N: reason", EXIT_DATA) unless
 * opts.skip_bad is set, where it is listed and counted. A header without the
 * needed columns is EXIT_DATA; ids that need a key when none was given,
 * EXIT_USAGE. Returns 0 or -1 with e set (also EXIT_IO, EXIT_OSERR).
 */
int orders_file(struct orders *g, FILE *f, const char *name, struct err *e);

/* Fails with EXIT_DATA when no line item was kept. Returns 0 or -1. */
int orders_check(const struct orders *g, struct err *e);

/* One catalog line per product (docs/FORMATS.md 2.2), their number in *n. Returns 0 or -1
 * (EXIT_IO, EXIT_OSERR). */
int orders_write_catalog(const struct orders *g, FILE *f, int64_t *n, struct err *e);

/* Counts from writing the customers. */
struct orders_people {
	int64_t products;                       /* catalog lines */
	int64_t customers, with_email, no_consent, unknown_country, preview;
};

/* One customer line per customer (2.3). Returns 0 or -1 (EXIT_IO, EXIT_OSERR). */
int orders_write_customers(const struct orders *g, FILE *f, struct orders_people *p,
    struct err *e);

/* The name of a drop reason ("cancelled", ...) and of a layout ("shopify", ...). */
const char *orders_drop_name(enum orders_drop d);
const char *orders_format_name(enum orders_format f);

/*
 * The readable form of a product title into out (at least len+1 bytes): with
 * ORDERS_CASE_AUTO, a title without a lower-case letter ("WHITE METAL LANTERN")
 * becomes "White Metal Lantern" (each word capitalised, a few short words such
 * as "of" and "and" in lower case inside the title, a letter after an apostrophe
 * in lower case, a word with a digit such as "3D" kept); other titles are kept. ALWAYS applies it to every
 * title, NEVER to none. Bytes of non-ASCII letters are kept. Never fails.
 */
void orders_title_case(const char *s, size_t len, enum orders_case how, char *out);

/* The email address normalised for hashing into out (len+1 bytes): blanks trimmed, ASCII
 * letters in lower case. Returns the length. */
size_t orders_email_norm(const char *s, size_t len, char *out);

#endif
