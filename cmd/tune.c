/* tune - cross-validated grid, random or Bayesian search over svdtrain's and topk's options */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cli.h"
#include "base/ofile.h"
#include "measure/tune.h"
#include "measure/tunespace.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tune --space SPEC [--space SPEC ...] (--ratings FILE [--folds K | --test-fraction F]\n"
	    "            | --train FILE --test FILE) [options]\n"
	    "Searches svdtrain's and topk's options for the best held-out score: each trial runs\n"
	    "svdtrain, topk and evaluate as a user would, on every fold, and is logged as NDJSON.\n"
	    "  -S, --space SPEC         NAME=DOMAIN ... (space- or ';'-separated): NAME an option of\n"
	    "                           svdtrain (factors, reg, alpha, epochs, ...) or topk.NAME of\n"
	    "                           topk; DOMAIN v1,v2,... | lo:hi | int:lo:hi | log:lo:hi\n"
	    "  -M, --method NAME        bayes (default: a Gaussian process, expected improvement),\n"
	    "                           random or grid\n"
	    "  -n, --trials N           at most N trials (default 20; grid: the whole grid)\n"
	    "  -I, --init N             bayes: random trials before the model (default 5)\n"
	    "  -G, --grid-points N      grid: values per range (default 4)\n"
	    "  -s, --seed N             seed of the search (default 1)\n"
	    "  -r, --ratings FILE       a ratings container, split here by splitdata ...\n"
	    "  -f, --folds K            ... into K folds (k-fold cross-validation), or\n"
	    "  -F, --test-fraction F    ... into one random holdout (default 0.2)\n"
	    "  -R, --split-seed N       seed of the split (default 1)\n"
	    "  -T, --train FILE         an existing train container (with --test)\n"
	    "  -t, --test FILE          an existing test container\n"
	    "  -m, --metric NAME        ndcg (default), recall, precision, map, hit_rate (of topk's\n"
	    "                           lists), or rmse, mae (of explicit models' ratings)\n"
	    "  -k, --k N                cut-off of the ranking metrics (default 10)\n"
	    "  -x, --relevant-threshold X  test ratings >= X are relevant (evaluate's option)\n"
	    "  -a, --train-opts WORDS   fixed svdtrain options (default --algo=ials)\n"
	    "  -o, --topk-opts WORDS    fixed topk options\n"
	    "  -c, --constraint F<=X    a trial counts only if evaluate's figure F is <= X (or >=),\n"
	    "                           e.g. top_item_share<=0.25 (repeatable)\n"
	    "  -j, --jobs N             trials at once (default 1)\n"
	    "  -b, --budget SECONDS     start no trial after this long\n"
	    "  -l, --log FILE           the trial log; a re-run with the same log skips what it holds\n"
	    "  -C, --conf FILE          write the best settings as campaign.conf lines\n"
	    "  -w, --work DIR           scratch folder (default: a new one in $TMPDIR, removed)\n"
	    "  -p, --progress           a line per finished trial on stderr\n"
	    "  -h, --help               this help\n"
	    "  -V, --version            version\n"
	    "example: tune --ratings ratings.st --folds 3 --space 'factors=16,32,64 reg=log:1:100\n"
	    "             alpha=log:0.5:20' --trials 24 --log trials.ndjson --conf best.conf\n");
}

/* Appends WORDS to a space-separated spec buffer. */
static int
add_spec(char *buf, size_t size, const char *words)
{
	size_t n = strlen(buf);

	if (n + strlen(words) + 2 > size)
		return cli_usage_error("--space: too long");
	snprintf(buf + n, size - n, "%s%s", n ? " " : "", words);
	return 0;
}

/* The folder of this program, where svdtrain, topk and evaluate are built beside it. */
static char *
own_dir(void)
{
	static char dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	dir[n] = '\0';
	if ((slash = strrchr(dir, '/')) == NULL)
		return NULL;
	*slash = '\0';
	return dir;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "budget", required_argument, NULL, 'b' },
		{ "conf", required_argument, NULL, 'C' },
		{ "constraint", required_argument, NULL, 'c' },
		{ "folds", required_argument, NULL, 'f' },
		{ "grid-points", required_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ "init", required_argument, NULL, 'I' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "k", required_argument, NULL, 'k' },
		{ "log", required_argument, NULL, 'l' },
		{ "method", required_argument, NULL, 'M' },
		{ "metric", required_argument, NULL, 'm' },
		{ "progress", no_argument, NULL, 'p' },
		{ "ratings", required_argument, NULL, 'r' },
		{ "relevant-threshold", required_argument, NULL, 'x' },
		{ "seed", required_argument, NULL, 's' },
		{ "space", required_argument, NULL, 'S' },
		{ "split-seed", required_argument, NULL, 'R' },
		{ "test", required_argument, NULL, 't' },
		{ "test-fraction", required_argument, NULL, 'F' },
		{ "topk-opts", required_argument, NULL, 'o' },
		{ "train", required_argument, NULL, 'T' },
		{ "train-opts", required_argument, NULL, 'a' },
		{ "trials", required_argument, NULL, 'n' },
		{ "version", no_argument, NULL, 'V' },
		{ "work", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const metrics[] = { "ndcg", "recall", "precision", "map", "hit_rate",
		"rmse", "mae", NULL };
	struct tunespace space;
	struct tune_opts o = { .space = &space, .method = TUNE_BAYES, .trials = 20, .init = 5,
		.grid_points = 4, .seed = 1, .jobs = 1, .metric = "ndcg", .k = 10,
		.train_opts = "--algo=ials", .topk_opts = "" };
	struct tune_result res = { 0 };
	struct ofile conf = { 0 };
	struct err e = { 0 };
	const char *ratings = NULL, *train = NULL, *test = NULL, *logpath = NULL, *confpath = NULL;
	char spec[4096] = "", work[PATH_MAX] = "";
	double frac = 0.2, dv;
	long lv, folds = 0, split_seed = 1;
	int c, status = EXIT_OK, made_work = 0, ok;
	FILE *log = NULL;

	cli_init(argv[0]);
	tunespace_init(&space);
	while ((c = getopt_long(argc, argv, "a:b:C:c:F:f:G:hI:j:k:l:M:m:n:o:pR:r:S:s:T:t:Vw:x:", opts,
	    NULL)) != -1) {
		switch (c) {
		case 'a': o.train_opts = optarg; break;
		case 'b': if (cli_parse_double("--budget", optarg, 0, 1e9, &o.budget) < 0) return EXIT_USAGE; break;
		case 'C': confpath = optarg; break;
		case 'c':
			if (o.nconstraints == TUNE_MAX_CONSTRAINTS)
				return cli_usage_error("--constraint: at most %d", TUNE_MAX_CONSTRAINTS);
			if (tune_constraint_parse(&o.constraint[o.nconstraints++], optarg, &e) < 0)
				return cli_usage_error("%s", e.msg);
			break;
		case 'F': if (cli_parse_double("--test-fraction", optarg, 0.001, 0.999, &frac) < 0) return EXIT_USAGE; break;
		case 'f': if (cli_parse_long("--folds", optarg, 2, TUNE_MAX_FOLDS, &folds) < 0) return EXIT_USAGE; break;
		case 'G': if (cli_parse_long("--grid-points", optarg, 1, 64, &lv) < 0) return EXIT_USAGE; o.grid_points = (int)lv; break;
		case 'I': if (cli_parse_long("--init", optarg, 1, 1000, &lv) < 0) return EXIT_USAGE; o.init = (int)lv; break;
		case 'j': if (cli_parse_long("--jobs", optarg, 1, 64, &lv) < 0) return EXIT_USAGE; o.jobs = (int)lv; break;
		case 'k': if (cli_parse_long("--k", optarg, 1, 10000, &lv) < 0) return EXIT_USAGE; o.k = (int)lv; break;
		case 'l': logpath = optarg; break;
		case 'M':
			if (strcmp(optarg, "grid") == 0) o.method = TUNE_GRID;
			else if (strcmp(optarg, "random") == 0) o.method = TUNE_RANDOM;
			else if (strcmp(optarg, "bayes") == 0) o.method = TUNE_BAYES;
			else return cli_usage_error("--method: '%s' is not grid, random or bayes", optarg);
			break;
		case 'm':
			ok = 0;
			for (int i = 0; metrics[i]; i++)
				ok |= strcmp(optarg, metrics[i]) == 0;
			if (!ok)
				return cli_usage_error("--metric: '%s' is not one of ndcg, recall, precision, "
				    "map, hit_rate, rmse, mae", optarg);
			o.metric = optarg;
			break;
		case 'n': if (cli_parse_long("--trials", optarg, 1, 100000, &lv) < 0) return EXIT_USAGE; o.trials = (int)lv; break;
		case 'o': o.topk_opts = optarg; break;
		case 'p': o.progress = 1; break;
		case 'R': if (cli_parse_long("--split-seed", optarg, 0, LONG_MAX, &split_seed) < 0) return EXIT_USAGE; break;
		case 'r': ratings = optarg; break;
		case 'S':
			if (add_spec(spec, sizeof spec, optarg) != 0)
				return EXIT_USAGE;
			break;
		case 's': if (cli_parse_long("--seed", optarg, 0, LONG_MAX, &lv) < 0) return EXIT_USAGE; o.seed = (uint64_t)lv; break;
		case 'T': train = optarg; break;
		case 't': test = optarg; break;
		case 'w': snprintf(work, sizeof work, "%s", optarg); break;
		case 'x': if (cli_parse_double("--relevant-threshold", optarg, -1e9, 1e9, &dv) < 0) return EXIT_USAGE; o.threshold = optarg; break;
		case 'h': usage(stdout); return cli_close_out(stdout, "-");
		case 'V': return cli_version();
		default: return cli_usage_error("unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (*spec == '\0')
		return cli_usage_error("--space is required");
	if ((ratings == NULL) == (train == NULL && test == NULL) || (train == NULL) != (test == NULL))
		return cli_usage_error("give --ratings, or --train and --test");
	if (tunespace_parse(&space, spec, &e) < 0) {
		tunespace_free(&space);
		return cli_usage_error("%s", e.msg);
	}
	o.spec = spec;
	o.progress |= cli_want_progress(false);
	o.bindir = own_dir();
	if (o.method == TUNE_GRID && tunespace_grid(&space, o.grid_points, NULL, 0, &e) < 0) {
		status = cli_usage_error("%s", e.msg);
		goto out;
	}
	if (*work == '\0') {
		const char *tmp = getenv("TMPDIR");

		snprintf(work, sizeof work, "%s/tune.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (mkdtemp(work) == NULL) {
			status = cli_fail(EXIT_CANTCREAT, "%s: %s", work, strerror(errno));
			goto out;
		}
		made_work = 1;
	}
	o.workdir = work;
	if (ratings != NULL) {
		if (tune_make_folds(&o, ratings, (int)folds, frac, (uint64_t)split_seed, &e) < 0)
			goto fail;
	} else {
		o.nfolds = 1;
		o.fold_train[0] = train;
		o.fold_test[0] = test;
	}
	if (logpath == NULL) {
		static char tmplog[PATH_MAX + 32];

		snprintf(tmplog, sizeof tmplog, "%s/trials.ndjson", work);
		logpath = tmplog;
	}
	if ((log = fopen(logpath, "a+")) == NULL) {
		status = cli_fail(EXIT_CANTCREAT, "%s: %s", logpath, strerror(errno));
		goto out;
	}
	rewind(log);
	if (tune_run(&o, log, logpath, &res, &e) < 0)
		goto fail;
	if (res.resumed > 0)
		cli_warn("%d trials read back from %s (not run again)", res.resumed, logpath);
	if (res.stopped_by_budget)
		cli_warn("the --budget of %g s is spent: no more trials started", o.budget);
	if (tune_write_table(stdout, &o, &res, &e) < 0)
		goto fail;
	for (int i = 0; i < res.ntrials && res.failed > 0; i++)
		if (!res.trial[i].ok && res.trial[i].error[0]) {
			cli_warn("%d trials failed; trial %d: %s", res.failed, res.trial[i].id,
			    res.trial[i].error);
			break;
		}
	if (confpath != NULL && (ofile_open(&conf, confpath, &e) < 0 ||
	    tune_write_conf(conf.fp, &o, &res, &e) < 0 || ofile_commit(&conf, &e) < 0))
		goto fail;
	status = cli_close_out(stdout, "-");
	if (status == EXIT_OK && res.failed > 0)
		status = res.best < 0 ? EXIT_DATA : EXIT_PARTIAL;
	goto out;
fail:
	status = cli_fail_err(&e);
	ofile_abort(&conf);
out:
	if (log != NULL && fclose(log) != 0 && status == EXIT_OK)
		status = cli_fail(EXIT_IO, "%s: %s", logpath, strerror(errno));
	if (made_work) {
		char cmd[PATH_MAX + 32];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
		if (system(cmd) != 0)
			cli_warn("could not remove %s", work);
	}
	tune_result_free(&res);
	tune_folds_free(&o);
	tunespace_free(&space);
	return status;
}
