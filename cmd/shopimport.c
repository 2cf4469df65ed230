/* shopimport - a shop's order export to interactions, catalog, customers and campaign.conf (docs/shopimport.md) */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cli.h"
#include "base/fmode.h"
#include "base/ofile.h"
#include "data/catalog.h"
#include "data/orders.h"
#include "data/shopconf.h"

#define KEY_MAX 4096

static void
usage(FILE *f)
{
	fputs("usage: shopimport [options] -d DIR FILE...\n"
	    "Reads an order export (UCI Online Retail, Shopify's orders CSV, or any CSV by column\n"
	    "mapping; one line item a row) and writes into DIR the inputs of a campaign:\n"
	    "interactions.ndjson, catalog.ndjson, customers.ndjson (docs/FORMATS.md 2.1-2.3) and,\n"
	    "unless it exists, a campaign.conf with every key commented.\n"
	    "  -d, --out-dir DIR          where the files go (created when missing)\n"
	    "  -f, --format FMT           auto (default: from the header), online-retail, shopify, csv\n"
	    "      --delimiter STR        field separator (default ',')\n"
	    "      --order-col NAME       column of the order or invoice number\n"
	    "      --item-col NAME        ... of the product code (SKU); empty: the title is the id\n"
	    "      --title-col NAME       ... of the product title\n"
	    "      --qty-col NAME         ... of the quantity (absent: 1)\n"
	    "      --price-col NAME       ... of the unit price\n"
	    "      --line-total-col NAME  ... of the line total, when there is no unit price\n"
	    "      --date-col NAME        ... of the order date (YYYY-MM-DD[ HH:MM[:SS]][ +HHMM])\n"
	    "      --customer-col NAME    ... of the customer id\n"
	    "      --email-col NAME       ... of the email address (no customer id: a keyed hash of it)\n"
	    "      --name-col NAME        ... of the customer's name (or --first-name-col,\n"
	    "      --first-name-col NAME      --last-name-col)\n"
	    "      --last-name-col NAME\n"
	    "      --country-col NAME     ... of the country (code or English name): the locale\n"
	    "      --currency-col NAME    ... of the currency\n"
	    "      --consent-col NAME     ... of the marketing consent (yes/no): 'no' is never mailed\n"
	    "      --shipping-col NAME    ... of 'requires shipping' (false: not a product)\n"
	    "      --status-col NAME      ... of the order status (cancelled, voided, failed, refunded)\n"
	    "      --cancelled-col NAME   ... of the cancellation date (set: cancelled)\n"
	    "      --cancel-prefix STR    order numbers starting with STR are cancellations\n"
	    "                             (online-retail: C)\n"
	    "      --non-product LIST     item codes that are not products, comma-separated\n"
	    "                             (online-retail: POST,DOT,M,m,C2,D,S,B,BANK CHARGES,...)\n"
	    "      --non-product-regex RE ... and those matching this POSIX extended regex\n"
	    "      --keep-unshipped       keep lines that need no shipping\n"
	    "      --price HOW            median (default) or recent: the catalog price of a product\n"
	    "      --currency CODE        the currency of prices without one (online-retail: GBP)\n"
	    "      --title-case WHEN      auto (default: titles in capitals only), always, never\n"
	    "      --id-key-file FILE     secret key of the email hashes (default: RECMAIL_ID_KEY)\n"
	    "      --no-preview           no placeholder addresses for an export without emails\n"
	    "      --brand NAME           the shop's name, for campaign.conf\n"
	    "      --from ADDR            the sender, for campaign.conf\n"
	    "      --skip-bad FILE        write bad lines to FILE as NDJSON and go on\n"
	    "      --max-line BYTES       longest line (default 1048576)\n"
	    "  -h, --help                 this help\n"
	    "      --version              the version\n"
	    "Example: shopimport -d shop --brand='Gift Shop' online_retail.csv\n", f);
}

enum {
	OPT_DELIM = 256, OPT_COL0, OPT_COLN = OPT_COL0 + ORD_NFIELDS - 1, OPT_CANCEL, OPT_NONPROD,
	OPT_NONPROD_RE, OPT_UNSHIPPED, OPT_PRICE, OPT_CURRENCY, OPT_CASE, OPT_KEY, OPT_NOPREVIEW,
	OPT_BRAND, OPT_FROM, OPT_SKIPBAD, OPT_MAXLINE, OPT_VERSION
};

static const struct option longopts[] = {
	{ "out-dir", required_argument, NULL, 'd' },
	{ "format", required_argument, NULL, 'f' },
	{ "delimiter", required_argument, NULL, OPT_DELIM },
	{ "order-col", required_argument, NULL, OPT_COL0 + ORD_ORDER },
	{ "item-col", required_argument, NULL, OPT_COL0 + ORD_ITEM },
	{ "title-col", required_argument, NULL, OPT_COL0 + ORD_TITLE },
	{ "qty-col", required_argument, NULL, OPT_COL0 + ORD_QTY },
	{ "price-col", required_argument, NULL, OPT_COL0 + ORD_PRICE },
	{ "line-total-col", required_argument, NULL, OPT_COL0 + ORD_LINE_TOTAL },
	{ "date-col", required_argument, NULL, OPT_COL0 + ORD_DATE },
	{ "customer-col", required_argument, NULL, OPT_COL0 + ORD_CUSTOMER },
	{ "email-col", required_argument, NULL, OPT_COL0 + ORD_EMAIL },
	{ "name-col", required_argument, NULL, OPT_COL0 + ORD_NAME },
	{ "first-name-col", required_argument, NULL, OPT_COL0 + ORD_FIRST_NAME },
	{ "last-name-col", required_argument, NULL, OPT_COL0 + ORD_LAST_NAME },
	{ "country-col", required_argument, NULL, OPT_COL0 + ORD_COUNTRY },
	{ "currency-col", required_argument, NULL, OPT_COL0 + ORD_CURRENCY },
	{ "consent-col", required_argument, NULL, OPT_COL0 + ORD_CONSENT },
	{ "shipping-col", required_argument, NULL, OPT_COL0 + ORD_SHIPPING },
	{ "status-col", required_argument, NULL, OPT_COL0 + ORD_STATUS },
	{ "cancelled-col", required_argument, NULL, OPT_COL0 + ORD_CANCELLED },
	{ "cancel-prefix", required_argument, NULL, OPT_CANCEL },
	{ "non-product", required_argument, NULL, OPT_NONPROD },
	{ "non-product-regex", required_argument, NULL, OPT_NONPROD_RE },
	{ "keep-unshipped", no_argument, NULL, OPT_UNSHIPPED },
	{ "price", required_argument, NULL, OPT_PRICE },
	{ "currency", required_argument, NULL, OPT_CURRENCY },
	{ "title-case", required_argument, NULL, OPT_CASE },
	{ "id-key-file", required_argument, NULL, OPT_KEY },
	{ "no-preview", no_argument, NULL, OPT_NOPREVIEW },
	{ "brand", required_argument, NULL, OPT_BRAND },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "skip-bad", required_argument, NULL, OPT_SKIPBAD },
	{ "max-line", required_argument, NULL, OPT_MAXLINE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

struct args {
	struct orders_opts o;
	const char *dir, *key_file, *skip_bad, *brand, *from;
	unsigned char key[KEY_MAX];
	char currency[4];      /* --currency, in capitals */
};

static int
lookup(const char *opt, const char *s, const char *const *names)
{
	for (int k = 0; names[k] != NULL; k++)
		if (strcmp(s, names[k]) == 0)
			return k;
	cli_usage_error("%s: '%s' is not one of the documented values", opt, s);
	return -1;
}

/* The key of the email hashes: the file, else RECMAIL_ID_KEY; a final newline is dropped. */
static int
load_key(struct args *a)
{
	const char *env = getenv("RECMAIL_ID_KEY");
	size_t n = 0;
	FILE *f;

	if (a->key_file == NULL) {
		if (env == NULL || env[0] == '\0')
			return 0;
		if ((n = strlen(env)) > KEY_MAX)
			return cli_fail(EXIT_USAGE, "RECMAIL_ID_KEY: longer than %d bytes", KEY_MAX);
		memcpy(a->key, env, n);
	} else {
		if ((f = cli_open_in(a->key_file)) == NULL)
			return EXIT_NOINPUT;
		n = fread(a->key, 1, KEY_MAX, f);
		if (ferror(f))
			n = 0;
		cli_close_in(f);
		while (n > 0 && (a->key[n - 1] == '\n' || a->key[n - 1] == '\r'))
			n--;
	}
	if (n < 16)
		return cli_fail(EXIT_USAGE, "%s: the id key must be at least 16 bytes",
		    a->key_file != NULL ? a->key_file : "RECMAIL_ID_KEY");
	a->o.key = a->key;
	a->o.keylen = n;
	return 0;
}

/* Parses the options into a; returns -1 to go on, else the exit status. */
static int
parse_args(int argc, char **argv, struct args *a)
{
	static const char *const formats[] = { "auto", "online-retail", "shopify", "csv", NULL };
	static const char *const prices[] = { "median", "recent", NULL };
	static const char *const cases[] = { "auto", "always", "never", NULL };
	struct err e = { 0, "" };
	long n;
	int c, k;

	memset(a, 0, sizeof *a);
	orders_defaults(&a->o);
	while ((c = getopt_long(argc, argv, "d:f:h", longopts, NULL)) != -1) {
		if (c >= OPT_COL0 && c <= OPT_COLN) {
			if (optarg[0] == '\0')
				return cli_usage_error("%s: empty name", argv[optind - 1]);
			a->o.names[c - OPT_COL0] = optarg;
			continue;
		}
		switch (c) {
		case 'd':
			a->dir = optarg;
			break;
		case 'f':
			if ((k = lookup("--format", optarg, formats)) < 0)
				return EXIT_USAGE;
			a->o.format = (enum orders_format)k;
			break;
		case 'h':
			usage(stdout);
			return cli_close_out(stdout, "-");
		case OPT_DELIM:
			if (strlen(optarg) < 1 || strlen(optarg) > 7)
				return cli_usage_error("--delimiter: '%s' is not 1 to 7 bytes", optarg);
			a->o.delim = optarg;
			break;
		case OPT_CANCEL:
			a->o.cancel_prefix = optarg;
			break;
		case OPT_NONPROD:
			a->o.nonproduct = optarg;
			break;
		case OPT_NONPROD_RE:
			if (orders_set_regex(&a->o, optarg, &e) < 0)
				return cli_usage_error("%s", e.msg);
			break;
		case OPT_UNSHIPPED:
			a->o.keep_unshipped = 1;
			break;
		case OPT_PRICE:
			if ((k = lookup("--price", optarg, prices)) < 0)
				return EXIT_USAGE;
			a->o.price = (enum orders_price)k;
			break;
		case OPT_CURRENCY:
			/* the catalog's rule: three letters, written in capitals */
			if (catalog_currency(optarg, a->currency) < 0)
				return cli_usage_error("--currency: '%s' is not a 3-letter code", optarg);
			a->o.currency = a->currency;
			break;
		case OPT_CASE:
			if ((k = lookup("--title-case", optarg, cases)) < 0)
				return EXIT_USAGE;
			a->o.casing = (enum orders_case)k;
			break;
		case OPT_KEY:
			a->key_file = optarg;
			break;
		case OPT_NOPREVIEW:
			a->o.no_preview = 1;
			break;
		case OPT_BRAND:
			a->brand = optarg;
			break;
		case OPT_FROM:
			a->from = optarg;
			break;
		case OPT_SKIPBAD:
			a->skip_bad = optarg;
			break;
		case OPT_MAXLINE:
			if (cli_parse_long("--max-line", optarg, 16, 1L << 30, &n) < 0)
				return EXIT_USAGE;
			a->o.max_line = (size_t)n;
			break;
		case OPT_VERSION:
			return cli_version();
		default:
			return cli_usage_error("unknown option");
		}
	}
	if (a->dir == NULL)
		return cli_usage_error("--out-dir is required");
	if (optind == argc)
		return cli_usage_error("no export given (FILE, or '-' for stdin)");
	if ((c = load_key(a)) != 0)
		return c;
	return -1;
}

/* The outputs, opened together and committed together: nothing partial. */
enum { OUT_INTER, OUT_CATALOG, OUT_CUSTOMERS, OUT_CONF, OUT_BAD, NOUT };

static int
open_outputs(struct args *a, struct ofile *out, int *want, struct err *e)
{
	static const char *const names[] = { "interactions.ndjson", "catalog.ndjson",
		"customers.ndjson", "campaign.conf" };
	char path[4096];
	struct stat st;

	if (fmode_mkdir(a->dir) != 0)
		return cli_fail(EXIT_CANTCREAT, "%s: cannot create the directory: %s", a->dir,
		    strerror(errno));
	for (int k = 0; k < OUT_BAD; k++) {
		snprintf(path, sizeof path, "%s/%s", a->dir, names[k]);
		if (k == OUT_CONF && stat(path, &st) == 0) {
			cli_warn("%s exists: kept as it is", path);
			continue;
		}
		if (ofile_open(&out[k], path, e) < 0)
			return cli_fail_err(e);
		want[k] = 1;
	}
	if (a->skip_bad != NULL) {
		if (ofile_open(&out[OUT_BAD], a->skip_bad, e) < 0)
			return cli_fail_err(e);
		want[OUT_BAD] = 1;
		a->o.skip_bad = out[OUT_BAD].fp;
	}
	return 0;
}

static int
import(struct args *a, struct orders *g, char **files, int nfiles, struct ofile *out,
    struct orders_people *p)
{
	struct err e = { 0, "" };
	struct shopconf conf = { cli_name(files[0]), a->brand, a->from, 0 };
	int64_t n = 0;

	for (int k = 0; k < nfiles; k++) {
		FILE *f = cli_open_in(files[k]);
		int rc;

		if (f == NULL)
			return EXIT_NOINPUT;
		rc = orders_file(g, f, cli_name(files[k]), &e);
		cli_close_in(f);
		if (rc < 0)
			return cli_fail_err(&e);
	}
	if (orders_check(g, &e) < 0 || orders_write_catalog(g, out[OUT_CATALOG].fp, &n, &e) < 0 ||
	    orders_write_customers(g, out[OUT_CUSTOMERS].fp, p, &e) < 0)
		return cli_fail_err(&e);
	p->products = n;
	conf.previews = p->preview > 0;
	if (out[OUT_CONF].fp != NULL && shopconf_write(out[OUT_CONF].fp, &conf, &e) < 0)
		return cli_fail_err(&e);
	return 0;
}

static void
report(const struct orders *g, const struct orders_people *p, const char *skip_bad)
{
	int64_t ndrop = 0;

	for (int d = 0; d < ORD_NDROPS; d++)
		ndrop += g->dropped[d];
	cli_warn("%lld line items (layout %s): %lld purchases kept, %lld dropped", (long long)g->rows,
	    orders_format_name(g->format), (long long)g->kept, (long long)ndrop);
	if (ndrop > 0) {
		fprintf(stderr, "%s: dropped:", cli_progname());
		for (int d = 0; d < ORD_NDROPS; d++)
			if (g->dropped[d] > 0)
				fprintf(stderr, " %lld %s", (long long)g->dropped[d],
				    orders_drop_name((enum orders_drop)d));
		fputc('\n', stderr);
	}
	if (g->bad > 0)
		cli_warn("skipped %lld bad lines (listed in %s)", (long long)g->bad, skip_bad);
	cli_warn("%lld products, %lld customers, %lld with an email address", (long long)p->products,
	    (long long)p->customers, (long long)p->with_email);
	if (p->no_consent > 0)
		cli_warn("%lld customers did not accept marketing: written without an address, never "
		    "mailed", (long long)p->no_consent);
	if (!g->has_email)
		cli_warn("the export has no email addresses: %s", p->preview > 0 ?
		    "each customer has a placeholder at preview.invalid (never deliverable), so a "
		    "campaign writes previews, not deliveries" : "no customer can be mailed");
	if (p->unknown_country > 0)
		cli_warn("%lld customers without a known country: no locale (emails in English)",
		    (long long)p->unknown_country);
}

int
main(int argc, char **argv)
{
	struct args a;
	struct orders g;
	struct orders_people p = { 0 };
	struct ofile out[NOUT];
	int want[NOUT] = { 0 }, rc;
	struct err e = { 0, "" };

	cli_init(argv[0]);
	memset(out, 0, sizeof out);
	if ((rc = parse_args(argc, argv, &a)) >= 0)
		goto done_opts;
	if ((rc = open_outputs(&a, out, want, &e)) != 0)
		goto done;
	orders_init(&g, &a.o, out[OUT_INTER].fp);
	rc = import(&a, &g, argv + optind, argc - optind, out, &p);
	/* the list of bad lines is kept even when the run fails: it says why */
	if (want[OUT_BAD] && ofile_commit(&out[OUT_BAD], &e) < 0 && rc == 0)
		rc = cli_fail_err(&e);
	want[OUT_BAD] = 0;
	for (int k = 0; k < OUT_BAD && rc == 0; k++)
		if (want[k] && ofile_commit(&out[k], &e) < 0)
			rc = cli_fail_err(&e);
	if (rc == 0)
		report(&g, &p, a.skip_bad);
	orders_free(&g);
done:
	for (int k = 0; k < NOUT; k++)
		if (want[k])
			ofile_abort(&out[k]);
done_opts:
	orders_opts_free(&a.o);
	return rc;
}
