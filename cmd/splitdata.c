/* splitdata - splits a ratings container into train and test containers */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cli.h"
#include "data/ratings.h"
#include "data/split.h"
#include "base/tstamp.h"

static const char usage_text[] =
"usage: splitdata [options] --train FILE --test FILE [RATINGS.st]\n"
"\n"
"Splits a ratings container (stdin or RATINGS.st) into a train and a test\n"
"container, both written atomically. Both keep the input's full user and item\n"
"id tables and its timestamps. Deterministic by --seed. One split mode:\n"
"  -f, --test-fraction F     random holdout: a fraction F of all ratings is the\n"
"                            test set (the default mode, F = 0.2)\n"
"  -k, --folds K             k-fold: a seeded permutation of all ratings cut into\n"
"  -i, --fold I              K folds; fold I (0 .. K-1) is the test set\n"
"  -l, --leave-last N        each user's N latest ratings by timestamp are the\n"
"                            test set (users with N or fewer stay in train)\n"
"  -b, --before TS           train on ratings before TS, test on the rest;\n"
"                            TS is unix seconds or YYYY-MM-DD[ HH:MM[:SS]] UTC\n"
"\n"
"options:\n"
"  -r, --train FILE          where to write the train container ('-' for stdout)\n"
"  -t, --test FILE           where to write the test container ('-' for stdout)\n"
"  -s, --seed N              random seed (default 1)\n"
"  -v, --verbose             print the sizes of both parts on stderr\n"
"  -h, --help                show this help\n"
"  -V, --version             show the version\n"
"\n"
"example:\n"
"  splitdata --folds=5 --fold=0 --seed=1 --train=train.st --test=test.st < ratings.st\n";

static int
usage(void)
{
	fputs(usage_text, stdout);
	return cli_close_out(stdout, "-");
}

/* The input's metadata (its source and so on) plus what this split was. */
static json_t *
part_meta(const struct ratings *in, const char *desc, const char *part)
{
	json_t *m = in->mf.meta ? json_deep_copy(in->mf.meta) : json_object();

	if (m == NULL || json_object_set_new(m, "created_by", json_string("splitdata")) < 0 ||
	    json_object_set_new(m, "split", json_string(desc)) < 0 ||
	    json_object_set_new(m, "split_part", json_string(part)) < 0) {
		json_decref(m);
		return NULL;
	}
	return m;
}

static int
write_part(const char *path, const struct ratings *in, const unsigned char *test, int want,
    const char *desc, int64_t *nnz, struct err *e)
{
	struct ratings out;
	json_t *meta;
	int rc;

	if (split_extract(in, test, want, &out, e) < 0)
		return -1;
	*nnz = out.nnz;
	if ((meta = part_meta(in, desc, want ? "test" : "train")) == NULL) {
		ratings_free(&out);
		return err_nomem(e);
	}
	rc = ratings_save(path, &out, meta, e);
	json_decref(meta);
	ratings_free(&out);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "before", required_argument, NULL, 'b' },
		{ "fold", required_argument, NULL, 'i' },
		{ "folds", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "leave-last", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 's' },
		{ "test", required_argument, NULL, 't' },
		{ "test-fraction", required_argument, NULL, 'f' },
		{ "train", required_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct split_params p = { .mode = SPLIT_FRACTION, .fraction = 0.2, .fold = -1, .seed = 1 };
	const char *trainp = NULL, *testp = NULL, *inp = "-";
	int c, modes = 0, verbose = 0, rc;
	struct ratings r;
	unsigned char *test;
	int64_t ntrain = 0, ntest = 0;
	struct err e = { 0 };
	char desc[128];
	long v;

	cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, "b:f:hi:k:l:r:s:t:vV", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (tstamp_parse(optarg, strlen(optarg), &p.before) < 0)
				return cli_usage_error("--before: '%s' is not unix seconds or a "
				    "YYYY-MM-DD date", optarg);
			p.mode = SPLIT_BEFORE;
			modes |= 1 << p.mode;
			break;
		case 'f':
			if (cli_parse_double("--test-fraction", optarg, 0, 1, &p.fraction) < 0)
				return EXIT_USAGE;
			if (p.fraction <= 0 || p.fraction >= 1)
				return cli_usage_error("--test-fraction: must be above 0 and below 1");
			p.mode = SPLIT_FRACTION;
			modes |= 1 << p.mode;
			break;
		case 'h':
			return usage();
		case 'i':
			if (cli_parse_long("--fold", optarg, 0, INT_MAX - 1, &v) < 0)
				return EXIT_USAGE;
			p.fold = (int)v;
			break;
		case 'k':
			if (cli_parse_long("--folds", optarg, 2, INT_MAX, &v) < 0)
				return EXIT_USAGE;
			p.folds = (int)v;
			p.mode = SPLIT_KFOLD;
			modes |= 1 << p.mode;
			break;
		case 'l':
			if (cli_parse_long("--leave-last", optarg, 1, LONG_MAX, &v) < 0)
				return EXIT_USAGE;
			p.leave_last = v;
			p.mode = SPLIT_LEAVE_LAST;
			modes |= 1 << p.mode;
			break;
		case 'r':
			trainp = optarg;
			break;
		case 's':
			if (cli_parse_long("--seed", optarg, 0, LONG_MAX, &v) < 0)
				return EXIT_USAGE;
			p.seed = (uint64_t)v;
			break;
		case 't':
			testp = optarg;
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
	if (argc - optind > 1)
		return cli_usage_error("unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc)
		inp = argv[optind];
	if (trainp == NULL || testp == NULL)
		return cli_usage_error("--train and --test are both required");
	if (strcmp(trainp, "-") == 0 && strcmp(testp, "-") == 0)
		return cli_usage_error("--train and --test cannot both be stdout");
	if (strcmp(trainp, testp) == 0 && strcmp(trainp, "-") != 0)
		return cli_usage_error("--train and --test name the same file");
	if (modes & (modes - 1))
		return cli_usage_error("give one of --test-fraction, --folds, --leave-last, --before");
	if (p.mode == SPLIT_KFOLD && p.fold < 0)
		return cli_usage_error("--folds needs --fold");
	if (p.mode != SPLIT_KFOLD && p.fold >= 0)
		return cli_usage_error("--fold needs --folds");
	if (p.mode == SPLIT_KFOLD && p.fold >= p.folds)
		return cli_usage_error("--fold: %d is not below --folds %d", p.fold, p.folds);

	if (ratings_load(inp, &r, &e) < 0)
		return cli_fail_err(&e);
	if ((test = malloc((size_t)(r.nnz > 0 ? r.nnz : 1))) == NULL) {
		ratings_free(&r);
		return cli_fail(EXIT_OSERR, "out of memory");
	}
	split_describe(&p, desc, sizeof desc);
	rc = EXIT_OK;
	if (split_assign(&r, &p, test, &e) < 0) {
		err_prefix(&e, "%s", cli_name(inp));
		rc = cli_fail_err(&e);
	} else if (write_part(trainp, &r, test, 0, desc, &ntrain, &e) < 0 ||
	    write_part(testp, &r, test, 1, desc, &ntest, &e) < 0) {
		rc = cli_fail_err(&e);
	} else if (verbose) {
		cli_warn("%s: train %lld ratings, test %lld ratings (%s)", cli_name(inp),
		    (long long)ntrain, (long long)ntest, desc);
	}
	free(test);
	ratings_free(&r);
	return rc;
}
