/* svdtrain - trains a matrix factorization model (sgd, als, ials, svd, ease, bpmf) from a ratings container */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cli.h"
#include "train/mf.h"
#include "base/ofile.h"

static const char usage_text[] =
"usage: svdtrain [options] [RATINGS.st]\n"
"\n"
"Reads a ratings container (stdin when RATINGS is absent or '-') and writes a\n"
"model container (user and item factors, biases, global mean, item popularity,\n"
"id tables, metadata) on stdout or to --output.\n"
"\n"
"options:\n"
"  -a, --algo NAME           sgd (default; biased MF by parallel SGD), als (explicit\n"
"                            weighted-lambda ALS with biases), ials (implicit ALS,\n"
"                            Hu-Koren-Volinsky), svd (truncated SVD of the centred matrix),\n"
"                            ease (Steck's closed-form item-item model, for ranking),\n"
"                            bpmf (Bayesian MF with biases by Gibbs sampling)\n"
"  -k, --factors N           latent factors (sgd, als: 100; ials: 64; svd, bpmf: 10)\n"
"  -e, --epochs N            sgd epochs (20), als sweeps (10), ials sweeps (15),\n"
"                            svd power iterations (4), bpmf Gibbs sweeps (200)\n"
"  -l, --lr X                sgd learning rate (0.05)\n"
"      --lr-decay X          sgd: learning rate factor after each epoch (0.88)\n"
"  -r, --reg X               factor regularization (sgd 0.06; als 0.12 x ratings of the\n"
"                            row; ials 50; ease: the lambda of X^T X + lambda I, 500)\n"
"      --reg-bias X          bias regularization (sgd 0.05 per rating; als 3, not\n"
"                            scaled by the ratings of the row); svd: damping of the\n"
"                            bias means (5)\n"
"      --alpha X             ials confidence: c = 1 + alpha * value (2); bpmf: the\n"
"                            ratings' noise precision (0, the default: sampled)\n"
"      --noise-shape A       bpmf: per-user and per-item noise precision multipliers\n"
"                            with Gamma(A, A) priors (50); 0: one precision\n"
"      --burn-in N           bpmf: sweeps discarded before averaging (50)\n"
"      --samples N           bpmf: samples kept side by side in the model, their\n"
"                            predictions averaged (50); 0: posterior-mean factors\n"
"      --solver cg|exact     als, ials: conjugate-gradient steps warm-started from the\n"
"                            last sweep (cg, the default) or an exact Cholesky solve per row\n"
"      --cg-steps N          als, ials: CG steps per row and sweep (3; 0 is --solver exact)\n"
"      --init-std X          standard deviation of the initial factors\n"
"                            (0: 0.1 / sqrt(factors), the default)\n"
"  -s, --seed N              random seed (1); the same seed and threads give the same bytes\n"
"  -t, --threads N           worker threads (default: all cores)\n"
"      --oversample N        svd: extra columns of the randomized range finder (10)\n"
"      --dense-max N         svd: dense gesdd when users x items <= N (1000000)\n"
"      --max-memory MB       ease, bpmf: refuse when their matrices need more (4096)\n"
"      --validate FILE       held-out ratings container: RMSE after each epoch\n"
"      --patience N          stop when the validation RMSE has not improved for N\n"
"                            epochs and keep the best model (needs --validate)\n"
"      --progress            show loss, validation RMSE and seconds per epoch on stderr\n"
"      --log FILE            write the same per epoch as NDJSON to FILE\n"
"  -o, --output FILE         write the model to FILE (atomically) instead of stdout\n"
"  -h, --help                show this help\n"
"  -V, --version             show the version\n"
"\n"
"example:\n"
"  ratings2mat --format=tsv --columns=user,item,rating,ts < u.data |\n"
"      svdtrain --factors=100 --epochs=20 --progress -o model.st\n";

enum {
	OPT_ALPHA = 256, OPT_DENSE_MAX, OPT_INIT_STD, OPT_LOG, OPT_LR_DECAY, OPT_OVERSAMPLE,
	OPT_PATIENCE, OPT_PROGRESS, OPT_REG_BIAS, OPT_VALIDATE, OPT_MAX_MEMORY, OPT_SOLVER,
	OPT_CG_STEPS, OPT_BURN_IN, OPT_SAMPLES, OPT_NOISE_SHAPE,
};

/* Values given on the command line; applied over the chosen algorithm's defaults. */
struct given {
	long k, epochs, seed, threads, patience, oversample, dense_max, cg_steps, burn_in, samples;
	double lr, lr_decay, reg, reg_bias, alpha, init_std, max_memory, noise_shape;
	unsigned set;
};

enum {
	G_K = 1 << 0, G_EPOCHS = 1 << 1, G_SEED = 1 << 2, G_THREADS = 1 << 3, G_PATIENCE = 1 << 4,
	G_OVERSAMPLE = 1 << 5, G_DENSE = 1 << 6, G_LR = 1 << 7, G_DECAY = 1 << 8, G_REG = 1 << 9,
	G_REGB = 1 << 10, G_ALPHA = 1 << 11, G_INIT = 1 << 12, G_MAXMEM = 1 << 13,
	G_CG = 1 << 14, G_BURN = 1 << 15, G_SAMPLES = 1 << 16,
	G_NOISE = 1 << 17,
};

struct progress {
	int show;
	FILE *log;
};

static int
usage(void)
{
	fputs(usage_text, stdout);
	return cli_close_out(stdout, "-");
}

static void
on_epoch(void *ctx, const struct mf_epoch *ep)
{
	struct progress *pr = ctx;

	if (pr->show) {
		if (isnan(ep->val_rmse))
			cli_warn("epoch %d/%d: loss %.6f, %.3f s", ep->epoch, ep->epochs, ep->loss,
			    ep->seconds);
		else
			cli_warn("epoch %d/%d: loss %.6f, validation RMSE %.6f, %.3f s", ep->epoch,
			    ep->epochs, ep->loss, ep->val_rmse, ep->seconds);
	}
	if (pr->log != NULL) {
		json_t *o = json_pack("{s:i, s:f, s:o, s:f, s:f}", "epoch", ep->epoch, "loss",
		    ep->loss, "val_rmse", isnan(ep->val_rmse) ? json_null() : json_real(ep->val_rmse),
		    "lr", ep->lr, "seconds", ep->seconds);

		/* a failed write shows in ofile_commit */
		if (o != NULL && json_dumpf(o, pr->log, JSON_COMPACT) == 0)
			fputc('\n', pr->log);
		json_decref(o);
	}
}

static void
apply(struct mf_params *p, const struct given *g)
{
	if (g->set & G_K)
		p->k = g->k;
	if (g->set & G_EPOCHS)
		p->epochs = (int)g->epochs;
	if (g->set & G_SEED)
		p->seed = (uint64_t)g->seed;
	if (g->set & G_THREADS)
		p->threads = (int)g->threads;
	if (g->set & G_PATIENCE)
		p->patience = (int)g->patience;
	if (g->set & G_OVERSAMPLE)
		p->oversample = (int)g->oversample;
	if (g->set & G_DENSE)
		p->dense_max = g->dense_max;
	if (g->set & G_LR)
		p->lr = g->lr;
	if (g->set & G_DECAY)
		p->lr_decay = g->lr_decay;
	if (g->set & G_REG)
		p->reg = g->reg;
	if (g->set & G_REGB)
		p->reg_bias = g->reg_bias;
	if (g->set & G_ALPHA)
		p->alpha = g->alpha;
	if (g->set & G_INIT)
		p->init_std = g->init_std;
	if (g->set & G_MAXMEM)
		p->max_memory_mb = g->max_memory;
	if (g->set & G_CG)
		p->cg_steps = (int)g->cg_steps;
	if (g->set & G_BURN)
		p->burn_in = (int)g->burn_in;
	if (g->set & G_SAMPLES)
		p->samples = (int)g->samples;
	if (g->set & G_NOISE)
		p->noise_shape = g->noise_shape;
}

/* Parses the options into *algo and *g; returns -1 (message printed) on a bad one. */
static int
parse_numbers(int c, struct given *g)
{
	switch (c) {
	case 'k':
		g->set |= G_K;
		return cli_parse_long("--factors", optarg, 1, 100000, &g->k);
	case 'e':
		g->set |= G_EPOCHS;
		return cli_parse_long("--epochs", optarg, 0, 100000, &g->epochs);
	case 's':
		g->set |= G_SEED;
		return cli_parse_long("--seed", optarg, 0, LONG_MAX, &g->seed);
	case 't':
		g->set |= G_THREADS;
		return cli_parse_long("--threads", optarg, 1, 256, &g->threads);
	case OPT_PATIENCE:
		g->set |= G_PATIENCE;
		return cli_parse_long("--patience", optarg, 0, 100000, &g->patience);
	case OPT_OVERSAMPLE:
		g->set |= G_OVERSAMPLE;
		return cli_parse_long("--oversample", optarg, 0, 10000, &g->oversample);
	case OPT_DENSE_MAX:
		g->set |= G_DENSE;
		return cli_parse_long("--dense-max", optarg, 0, LONG_MAX, &g->dense_max);
	case 'l':
		g->set |= G_LR;
		return cli_parse_double("--lr", optarg, 0, 1e6, &g->lr);
	case OPT_LR_DECAY:
		g->set |= G_DECAY;
		return cli_parse_double("--lr-decay", optarg, 0, 1, &g->lr_decay);
	case 'r':
		g->set |= G_REG;
		return cli_parse_double("--reg", optarg, 0, 1e6, &g->reg);
	case OPT_REG_BIAS:
		g->set |= G_REGB;
		return cli_parse_double("--reg-bias", optarg, 0, 1e6, &g->reg_bias);
	case OPT_ALPHA:
		g->set |= G_ALPHA;
		return cli_parse_double("--alpha", optarg, 0, 1e9, &g->alpha);
	case OPT_INIT_STD:
		g->set |= G_INIT;
		return cli_parse_double("--init-std", optarg, 0, 1e3, &g->init_std);
	case OPT_SOLVER:
		g->set |= G_CG;
		if (strcmp(optarg, "exact") == 0 || strcmp(optarg, "cg") == 0) {
			g->cg_steps = optarg[0] == 'e' ? 0 : MF_CG_STEPS;
			return 0;
		}
		cli_usage_error("--solver: '%s' is not cg or exact", optarg);
		return -1;
	case OPT_CG_STEPS:
		g->set |= G_CG;
		return cli_parse_long("--cg-steps", optarg, 0, 100, &g->cg_steps);
	case OPT_BURN_IN:
		g->set |= G_BURN;
		return cli_parse_long("--burn-in", optarg, 0, 100000, &g->burn_in);
	case OPT_SAMPLES:
		g->set |= G_SAMPLES;
		return cli_parse_long("--samples", optarg, 0, 100000, &g->samples);
	case OPT_NOISE_SHAPE:
		g->set |= G_NOISE;
		return cli_parse_double("--noise-shape", optarg, 0, 1e9, &g->noise_shape);
	case OPT_MAX_MEMORY:
		g->set |= G_MAXMEM;
		return cli_parse_double("--max-memory", optarg, 1, 1e9, &g->max_memory);
	}
	return -1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "algo", required_argument, NULL, 'a' },
		{ "alpha", required_argument, NULL, OPT_ALPHA },
		{ "burn-in", required_argument, NULL, OPT_BURN_IN },
		{ "cg-steps", required_argument, NULL, OPT_CG_STEPS },
		{ "dense-max", required_argument, NULL, OPT_DENSE_MAX },
		{ "epochs", required_argument, NULL, 'e' },
		{ "factors", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "init-std", required_argument, NULL, OPT_INIT_STD },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "noise-shape", required_argument, NULL, OPT_NOISE_SHAPE },
		{ "lr", required_argument, NULL, 'l' },
		{ "max-memory", required_argument, NULL, OPT_MAX_MEMORY },
		{ "lr-decay", required_argument, NULL, OPT_LR_DECAY },
		{ "output", required_argument, NULL, 'o' },
		{ "oversample", required_argument, NULL, OPT_OVERSAMPLE },
		{ "patience", required_argument, NULL, OPT_PATIENCE },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "reg", required_argument, NULL, 'r' },
		{ "reg-bias", required_argument, NULL, OPT_REG_BIAS },
		{ "samples", required_argument, NULL, OPT_SAMPLES },
		{ "seed", required_argument, NULL, 's' },
		{ "solver", required_argument, NULL, OPT_SOLVER },
		{ "threads", required_argument, NULL, 't' },
		{ "validate", required_argument, NULL, OPT_VALIDATE },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct given g = { 0 };
	struct mf_params p;
	struct ratings r, val;
	struct mf_valset vs;
	struct model m;
	struct mf_report rep;
	struct progress pr = { 0 };
	struct ofile logf;
	struct err e = { 0 };
	enum mf_algo algo = MF_SGD;
	const char *in = "-", *out = "-", *valpath = NULL, *logpath = NULL;
	int c, forced = 0, rc = EXIT_OK, have_val = 0, have_log = 0;

	cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, "a:e:hk:l:o:r:s:t:V", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (mf_algo_parse(optarg, &algo) < 0)
				return cli_usage_error("--algo: '%s' is not sgd, als, ials, svd, ease or bpmf",
				    optarg);
			break;
		case 'h':
			return usage();
		case 'o':
			out = optarg;
			break;
		case 'V':
			return cli_version();
		case OPT_LOG:
			logpath = optarg;
			break;
		case OPT_PROGRESS:
			forced = 1;
			break;
		case OPT_VALIDATE:
			valpath = optarg;
			break;
		case '?':
			return cli_usage_error("unknown option or missing value");
		default:
			if (parse_numbers(c, &g) < 0)
				return EXIT_USAGE;
			break;
		}
	}
	if (optind < argc)
		in = argv[optind++];
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	mf_defaults(&p, algo);
	apply(&p, &g);
	if (mf_check(&p, &e) < 0)
		return cli_usage_error("%s", e.msg);
	if (p.patience > 0 && valpath == NULL)
		return cli_usage_error("--patience needs --validate");
	if (valpath != NULL && (algo == MF_IALS || algo == MF_EASE))
		return cli_usage_error("--validate measures RMSE, which does not apply to %s",
		    mf_algo_name(algo));
	pr.show = cli_want_progress(forced);
	if (ratings_load(in, &r, &e) < 0)
		return cli_fail_err(&e);
	if (r.implicit && algo != MF_IALS && algo != MF_EASE)
		cli_warn("%s: the ratings are implicit feedback; --algo=ials suits them",
		    cli_name(in));
	if (valpath != NULL) {
		if (ratings_load(valpath, &val, &e) < 0) {
			rc = cli_fail_err(&e);
			goto out_r;
		}
		have_val = mf_valset_build(&vs, &r, &val, &e) == 0;
		ratings_free(&val);
		if (!have_val) {
			rc = cli_fail_err(&e);
			goto out_r;
		}
		if (pr.show)
			cli_warn("%s: %lld ratings, %lld of unknown users, %lld of unknown items",
			    valpath, (long long)vs.n, (long long)vs.unknown_users,
			    (long long)vs.unknown_items);
	}
	if (logpath != NULL) {
		if (ofile_open(&logf, logpath, &e) < 0) {
			rc = cli_fail_err(&e);
			goto out_v;
		}
		have_log = 1;
		pr.log = logf.fp;
	}
	if (mf_train(&r, &p, have_val ? &vs : NULL, on_epoch, &pr, &m, &rep, &e) < 0) {
		rc = cli_fail_err(&e);
		goto out_l;
	}
	if (pr.show)
		cli_warn("%s: %lld users, %lld items, %lld ratings, k=%lld, %d epochs in %.3f s",
		    mf_algo_name(algo), (long long)r.rows, (long long)r.cols, (long long)r.nnz,
		    (long long)p.k, rep.epochs_run, rep.seconds);
	json_object_set_new(m.meta, "created_by", json_string("svdtrain " RECMAIL_VERSION));
	json_object_set_new(m.meta, "source", json_string(cli_name(in)));
	if (model_save(out, &m, &e) < 0)
		rc = cli_fail_err(&e);
	model_free(&m);
out_l:
	/* kept even when training failed: it shows how it diverged */
	if (have_log && ofile_commit(&logf, &e) < 0 && rc == EXIT_OK)
		rc = cli_fail_err(&e);
out_v:
	if (have_val)
		mf_valset_free(&vs);
out_r:
	ratings_free(&r);
	return rc;
}
