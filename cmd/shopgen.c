/* shopgen - generates the example shop: catalog, customers, a year of events and ratings */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/cli.h"
#include "base/fmode.h"
#include "base/ofile.h"
#include "data/shop.h"

static const char usage_text[] =
"usage: shopgen [options] --out-dir DIR\n"
"\n"
"Generates a synthetic shop with a latent taste structure (customers prefer\n"
"products near their tastes), deterministic by seed. Writes into DIR:\n"
"  catalog.ndjson    products: item, title, category, price, currency, in_stock, margin, url, image\n"
"  customers.ndjson  user, name, first_name, email, locale, country\n"
"  events.ndjson     implicit events in time order: user, item, event (view|cart|purchase), qty, ts\n"
"  ratings.ndjson    explicit 1-5 ratings of purchases: user, item, rating, ts\n"
"\n"
"options:\n"
"  -o, --out-dir DIR         where to write the four files (created if missing)\n"
"  -s, --seed N              random seed (default 1)\n"
"  -c, --customers N         number of customers (default 3000)\n"
"  -p, --per-category N      products per category, 12 categories (default 25)\n"
"  -e, --end TS              events end at unix time TS (default 1793491200 = 2026-11-01)\n"
"  -d, --days N              length of the event history in days (default 365)\n"
"  -S, --sessions X          mean shopping sessions per customer (default 9)\n"
"  -N, --new-products N      add N products (over all categories) that nobody has\n"
"                            bought or seen yet, after the others (default 0)\n"
"  -v, --verbose             print counts on stderr\n"
"  -h, --help                show this help\n"
"  -V, --version             show the version\n"
"\n"
"example:\n"
"  shopgen --seed=1 --out-dir=examples/shop/data\n";

static int
usage(void)
{
	fputs(usage_text, stdout);
	return cli_close_out(stdout, "-");
}

static char *
join(const char *dir, const char *file)
{
	char *p;

	return asprintf(&p, "%s/%s", dir, file) < 0 ? NULL : p;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "customers", required_argument, NULL, 'c' },
		{ "days", required_argument, NULL, 'd' },
		{ "end", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ "new-products", required_argument, NULL, 'N' },
		{ "out-dir", required_argument, NULL, 'o' },
		{ "per-category", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 's' },
		{ "sessions", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const names[4] = {
		"catalog.ndjson", "customers.ndjson", "events.ndjson", "ratings.ndjson",
	};
	struct shop_params p;
	struct shop_stats st;
	struct ofile out[4];
	const char *dir = NULL;
	int c, verbose = 0, rc = EXIT_OK, opened = 0;
	struct err e = { 0 };
	long v;
	double x;

	cli_init(argv[0]);
	shop_defaults(&p);
	while ((c = getopt_long(argc, argv, "c:d:e:hN:o:p:s:S:vV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (cli_parse_long("--customers", optarg, 1, 10000000, &v) < 0)
				return EXIT_USAGE;
			p.customers = (int)v;
			break;
		case 'd':
			if (cli_parse_long("--days", optarg, 1, 3650, &v) < 0)
				return EXIT_USAGE;
			p.days = (int)v;
			break;
		case 'e':
			if (cli_parse_long("--end", optarg, 86400 * 3650L, 4102444800L, &v) < 0)
				return EXIT_USAGE;
			p.end_ts = v;
			break;
		case 'h':
			return usage();
		case 'N':
			if (cli_parse_long("--new-products", optarg, 0, 1000000, &v) < 0)
				return EXIT_USAGE;
			p.new_products = (int)v;
			break;
		case 'o':
			dir = optarg;
			break;
		case 'p':
			if (cli_parse_long("--per-category", optarg, 1, 10000, &v) < 0)
				return EXIT_USAGE;
			p.per_category = (int)v;
			break;
		case 's':
			if (cli_parse_long("--seed", optarg, 0, LONG_MAX, &v) < 0)
				return EXIT_USAGE;
			p.seed = (uint64_t)v;
			break;
		case 'S':
			if (cli_parse_double("--sessions", optarg, 0.1, 1000, &x) < 0)
				return EXIT_USAGE;
			p.sessions = x;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
			return cli_version();
		default:
			return cli_usage_error("unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (dir == NULL)
		return cli_usage_error("--out-dir is required");
	if (fmode_mkdir(dir) != 0)
		return cli_fail(EXIT_CANTCREAT, "%s: %s", dir, strerror(errno));
	for (opened = 0; opened < 4; opened++) {
		char *path = join(dir, names[opened]);

		if (path == NULL || ofile_open(&out[opened], path, &e) < 0) {
			free(path);
			rc = path ? cli_fail_err(&e) : cli_fail(EXIT_OSERR, "out of memory");
			goto fail;
		}
		free(path);
	}
	if (shop_generate(&p, out[0].fp, out[1].fp, out[2].fp, out[3].fp, &st, &e) < 0) {
		rc = cli_fail_err(&e);
		goto fail;
	}
	for (int i = 0; i < 4; i++)
		if (ofile_commit(&out[i], &e) < 0 && rc == EXIT_OK)
			rc = cli_fail_err(&e);
	if (verbose)
		cli_warn("%ld products, %ld customers, %ld events (%ld views, %ld carts, %ld purchases), "
		    "%ld ratings", st.products, st.customers, st.events, st.views, st.carts,
		    st.purchases, st.ratings);
	return rc;
fail:
	while (opened-- > 0)
		ofile_abort(&out[opened]);
	return rc;
}
