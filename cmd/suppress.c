/* suppress - the suppression list: add an address (as a keyed hash), migrate a plain list, match customers */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cli.h"
#include "base/ofile.h"
#include "mail/suppress.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: suppress --list=FILE --add=ADDRESS [--reason=REASON]\n"
	    "       suppress --list=FILE --migrate\n"
	    "       suppress --list=FILE --match [-o FILE] [CUSTOMERS|-]\n"
	    "\n"
	    "The suppression list (docs/FORMATS.md 2.8) keeps a keyed hash of each address\n"
	    "(HMAC-SHA256 under the key in RECMAIL_SUPPRESS_KEY, or in the file named by\n"
	    "RECMAIL_SUPPRESS_KEY_FILE, or --key-file), so that the list names nobody. Plain\n"
	    "lines of earlier versions are still honoured everywhere.\n"
	    "\n"
	    "  -l, --list=FILE       the list (created owner-only when absent)\n"
	    "  -a, --add=ADDRESS     append the address's hash, under the list's lock\n"
	    "  -r, --reason=REASON   with --add: unsubscribe, bounce, complaint, manual (default),\n"
	    "                        erased\n"
	    "  --migrate             rewrite every plain line as its hash (reason and ts kept),\n"
	    "                        atomically and under the lock\n"
	    "  --match               copy the customer lines (FORMATS 2.3) whose email is on the\n"
	    "                        list from CUSTOMERS or stdin to stdout\n"
	    "  -o, --output=FILE     with --match: write to FILE (default stdout)\n"
	    "  -k, --key-file=FILE   the key (default: the environment, see above)\n"
	    "  -h, --help            show this help\n"
	    "  --version             show the version\n"
	    "\n"
	    "Exit status: 0 done, 64 usage or no key, 65 a bad list or input line, 66 an input\n"
	    "cannot be read, 73/74 the list cannot be written.\n"
	    "\n"
	    "Example:\n"
	    "  RECMAIL_SUPPRESS_KEY_FILE=/etc/recmail/suppress.key \\\n"
	    "      suppress --list=runs/suppress.ndjson --add=zoe@example.com --reason=unsubscribe\n");
}

static int
reason_ok(const char *r)
{
	static const char *const known[] = { "unsubscribe", "bounce", "complaint", "manual", "erased" };
	size_t i;

	for (i = 0; i < sizeof known / sizeof *known; i++)
		if (strcmp(r, known[i]) == 0)
			return 1;
	return 0;
}

/* --match: the customers of path that are on the list, to opath. */
static int
match(const struct suppress *s, const char *path, const char *opath)
{
	struct ofile out;
	struct err e = { 0 };
	FILE *in;
	long n;

	if ((in = cli_open_in(path)) == NULL)
		return EXIT_NOINPUT;
	if (ofile_open(&out, opath, &e) < 0) {
		cli_close_in(in);
		return cli_fail_err(&e);
	}
	n = suppress_match(s, in, cli_name(path), out.fp, &e);
	cli_close_in(in);
	if (n < 0) {
		ofile_abort(&out);
		return cli_fail_err(&e);
	}
	if (ofile_commit(&out, &e) < 0)
		return cli_fail_err(&e);
	return EXIT_OK;
}

int
main(int argc, char **argv)
{
	enum { O_MIGRATE = 256, O_MATCH, O_VERSION };
	static const struct option longopts[] = {
		{ "add", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "list", required_argument, NULL, 'l' },
		{ "match", no_argument, NULL, O_MATCH },
		{ "migrate", no_argument, NULL, O_MIGRATE },
		{ "output", required_argument, NULL, 'o' },
		{ "reason", required_argument, NULL, 'r' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const char *list = NULL, *add = NULL, *reason = "manual", *keyfile = NULL, *opath = "-";
	struct suppress s;
	struct err e = { 0 };
	int c, migrate = 0, domatch = 0, status = EXIT_OK;
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	long n, plain, ts = (long)time(NULL);

	cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, "a:hk:l:o:r:", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': add = optarg; break;
		case 'h': usage(stdout); return cli_close_out(stdout, "-");
		case 'k': keyfile = optarg; break;
		case 'l': list = optarg; break;
		case O_MATCH: domatch = 1; break;
		case O_MIGRATE: migrate = 1; break;
		case 'o': opath = optarg; break;
		case 'r': reason = optarg; break;
		case O_VERSION: return cli_version();
		default: return cli_usage_error("unknown option");
		}
	}
	if (list == NULL)
		return cli_usage_error("--list is required");
	if ((add != NULL) + migrate + domatch != 1)
		return cli_usage_error("give one of --add, --migrate and --match");
	if (optind < argc && !(domatch && optind + 1 == argc))
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (sde != NULL && sde[0] != '\0' &&
	    cli_parse_long("SOURCE_DATE_EPOCH", sde, 0, 253402300799L, &ts) < 0)
		return cli_usage_error("bad SOURCE_DATE_EPOCH");
	if (!reason_ok(reason))
		return cli_usage_error("--reason: '%s' is not unsubscribe, bounce, complaint, manual "
		    "or erased", reason);
	suppress_init(&s);
	if (keyfile != NULL && setenv(SUPPRESS_KEY_FILE_ENV, keyfile, 1) == 0)
		unsetenv(SUPPRESS_KEY_ENV);
	if (suppress_key_from_env(&s, &e) < 0)
		goto fail;
	if (add != NULL) {
		if (suppress_save(&s, list, add, reason, (time_t)ts, &e) < 0)
			goto fail;
	} else if (migrate) {
		if ((n = suppress_migrate(&s, list, &plain, &e)) < 0)
			goto fail;
		cli_warn("%s: %ld lines, %ld plain addresses replaced by their hash", list, n, plain);
	} else {
		if (suppress_load(&s, list, &e) < 0)
			goto fail;
		status = match(&s, optind < argc ? argv[optind] : "-", opath);
	}
	suppress_free(&s);
	return status;
fail:
	suppress_free(&s);
	return e.code == EXIT_USAGE ? cli_usage_error("%s", e.msg) : cli_fail_err(&e);
}
