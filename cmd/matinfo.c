/* matinfo - shows, checks and dumps any matrix container (docs/matinfo.md) */
#include <getopt.h>
#include <string.h>

#include "base/cli.h"
#include "data/matview.h"

static void
usage(FILE *f)
{
	fputs("usage: matinfo [--json | --dump | --mtx] [--kind KIND] [--tensor NAME] [FILE]\n"
	    "Checks a matrix container (docs/FORMATS.md 1) and shows its header, tensors and\n"
	    "metadata; reads stdin when FILE is absent or '-'.\n"
	    "      --json          one JSON object: kind, rows, cols, nnz (models: users, items,\n"
	    "                      factors), tensors, metadata\n"
	    "      --dump          the contents as NDJSON: a ratings row per line\n"
	    "                      {\"user\":..,\"items\":{..}}; for a model a line per user and per\n"
	    "                      item with bias and factors; else a line per tensor row\n"
	    "      --mtx           Matrix Market: a ratings matrix as coordinates, another\n"
	    "                      container's 2-D tensor (--tensor) as an array\n"
	    "      --kind KIND     fail (exit 65) unless the container is of kind KIND\n"
	    "      --tensor NAME   the tensor for --mtx of a non-ratings container\n"
	    "  -h, --help          this help\n"
	    "      --version       the version\n"
	    "Example: matinfo --json ratings.st\n", f);
}

enum { OPT_JSON = 256, OPT_DUMP, OPT_MTX, OPT_KIND, OPT_TENSOR, OPT_VERSION };

static const struct option longopts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "dump", no_argument, NULL, OPT_DUMP },
	{ "mtx", no_argument, NULL, OPT_MTX },
	{ "kind", required_argument, NULL, OPT_KIND },
	{ "tensor", required_argument, NULL, OPT_TENSOR },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char **argv)
{
	const char *path = "-", *want_kind = NULL, *tname = NULL;
	int c, mode = 0, rc;
	struct err e = { 0, "" };
	struct matview in;
	FILE *f;

	cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON: case OPT_DUMP: case OPT_MTX:
			if (mode != 0 && mode != c)
				return cli_usage_error("--json, --dump and --mtx exclude each other");
			mode = c;
			break;
		case OPT_KIND:
			want_kind = optarg;
			break;
		case OPT_TENSOR:
			tname = optarg;
			break;
		case 'h':
			usage(stdout);
			return cli_close_out(stdout, "-");
		case OPT_VERSION:
			return cli_version();
		default:
			return cli_usage_error("unknown option");
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("one FILE at most");
	if (optind < argc)
		path = argv[optind];
	if ((f = cli_open_in(path)) == NULL)
		return EXIT_NOINPUT;
	rc = matview_load(&in, f, cli_name(path), want_kind, &e);
	cli_close_in(f);
	if (rc < 0) {
		rc = cli_fail_err(&e);
		goto out;
	}
	if (mode == OPT_JSON)
		rc = matview_json(&in, stdout, &e);
	else if (mode == OPT_DUMP)
		rc = matview_dump(&in, stdout, &e);
	else if (mode == OPT_MTX)
		rc = matview_mtx(&in, tname, stdout, &e);
	else
		matview_text(&in, stdout);
	rc = rc < 0 ? cli_fail_err(&e) : cli_close_out(stdout, "-");
out:
	matview_free(&in);
	return rc;
}
