/* cbtrain - builds the content model (kind=model, algo=content) from the catalog's words and attributes */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/cli.h"
#include "base/exitcode.h"
#include "train/content.h"
#include "train/text.h"
#include "data/model.h"
#include "data/ratings.h"

static const char usage_text[] =
"usage: cbtrain --catalog FILE [--ratings FILE] [options] -o MODEL\n"
"\n"
"Builds a content model from the catalog (docs/FORMATS.md 2.2: title,\n"
"description, category, brand, price, lang): one vector per product of its\n"
"word stems (BM25 or TF-IDF), category, brand and price band, as dense\n"
"vectors (one dimension per feature, or hashed into K); with --ratings,\n"
"each user's profile is the weighted mean of the vectors of what they\n"
"interacted with. The container is a factor model (kind=model,\n"
"algo=content, docs/cbtrain.md) that topk scores by cosine; products nobody\n"
"has bought yet are in it and are recommended too.\n"
"\n"
"options:\n"
"  -c, --catalog FILE        catalog NDJSON, required (\"-\": stdin)\n"
"  -r, --ratings FILE        ratings container: the users' profiles\n"
"  -o, --output FILE         the model container (atomically; \"-\": stdout)\n"
"  -k, --factors K           dense dimensions, 8..4096 (default: one per feature,\n"
"                            exact, when at most 2048 are kept; else 128, hashed)\n"
"      --lang L              language of lines without \"lang\": en, de, fr, es,\n"
"                            none (default en)\n"
"      --weighting W         bm25 (default) or tfidf\n"
"      --bm25-k1 X           BM25 k1, 0..10 (default 1.2)\n"
"      --bm25-b X            BM25 b, 0..1 (default 0.75)\n"
"      --pairs               also the pairs of neighbouring words\n"
"      --title-weight W      weight of a title word (default 2)\n"
"      --description-weight W   weight of a description word (default 1)\n"
"      --category-weight W   of the category (default 1; 0: not a feature)\n"
"      --brand-weight W      of the brand (default 1)\n"
"      --price-weight W      of the price band (default 0.3)\n"
"      --min-df N            drop features of fewer than N products (default 2)\n"
"      --max-df F            drop words of more than share F of them (default 0.5)\n"
"      --half-life DAYS      profiles: weight interactions by 2^(-age / DAYS)\n"
"      --now TS              the time ages are measured to (default: newest)\n"
"      --seed N              of the hashing (default 1)\n"
"  -h, --help                show this help\n"
"  -V, --version             show the version\n"
"\n"
"exit status: 0 done; 64 usage; 65 bad data (a bad or duplicate catalog line);\n"
"66 cannot open an input; 71 out of memory; 74 write error.\n"
"\n"
"example:\n"
"  cbtrain --catalog=catalog.ndjson --ratings=train.st --half-life=60 -o content.st\n"
"  topk --model=content.st --seen=train.st --all -n 10 > content.ndjson\n";

struct opts {
	const char *catalog, *ratings, *output;
	struct content_opts c;
};

static int
usage(void)
{
	fputs(usage_text, stdout);
	return cli_close_out(stdout, "-");
}

enum {
	O_LANG = 256, O_WEIGHTING, O_K1, O_B, O_PAIRS, O_WTITLE, O_WDESC, O_WCAT, O_WBRAND,
	O_WPRICE, O_MINDF, O_MAXDF, O_HALF, O_NOW, O_SEED,
};

/* A weight option: 0..1000 into *out. Returns -1 to go on, else EXIT_USAGE. */
static int
weight(const char *opt, const char *arg, double *out)
{
	return cli_parse_double(opt, arg, 0, 1000, out) < 0 ? EXIT_USAGE : -1;
}

/* Parses argv into o. Returns -1 to go on, else the exit status. */
static int
parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "bm25-b", required_argument, NULL, O_B },
		{ "bm25-k1", required_argument, NULL, O_K1 },
		{ "brand-weight", required_argument, NULL, O_WBRAND },
		{ "catalog", required_argument, NULL, 'c' },
		{ "category-weight", required_argument, NULL, O_WCAT },
		{ "description-weight", required_argument, NULL, O_WDESC },
		{ "factors", required_argument, NULL, 'k' },
		{ "half-life", required_argument, NULL, O_HALF },
		{ "help", no_argument, NULL, 'h' },
		{ "lang", required_argument, NULL, O_LANG },
		{ "max-df", required_argument, NULL, O_MAXDF },
		{ "min-df", required_argument, NULL, O_MINDF },
		{ "now", required_argument, NULL, O_NOW },
		{ "output", required_argument, NULL, 'o' },
		{ "pairs", no_argument, NULL, O_PAIRS },
		{ "price-weight", required_argument, NULL, O_WPRICE },
		{ "ratings", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, O_SEED },
		{ "title-weight", required_argument, NULL, O_WTITLE },
		{ "version", no_argument, NULL, 'V' },
		{ "weighting", required_argument, NULL, O_WEIGHTING },
		{ NULL, 0, NULL, 0 },
	};
	struct content_opts *c = &o->c;
	long v;
	int ch, rc = -1;

	while (rc < 0 && (ch = getopt_long(argc, argv, "c:hk:o:r:V", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->catalog = optarg; break;
		case 'h': return usage();
		case 'k':
			if (cli_parse_long("--factors", optarg, 8, 4096, &v) < 0)
				return EXIT_USAGE;
			c->k = v;
			break;
		case 'o': o->output = optarg; break;
		case 'r': o->ratings = optarg; break;
		case 'V': return cli_version();
		case O_B: rc = cli_parse_double("--bm25-b", optarg, 0, 1, &c->b) < 0 ? EXIT_USAGE : -1;
			break;
		case O_K1: rc = cli_parse_double("--bm25-k1", optarg, 0, 10, &c->k1) < 0 ?
			    EXIT_USAGE : -1;
			break;
		case O_HALF: rc = cli_parse_double("--half-life", optarg, 1e-6, 1e6,
			    &c->half_life_days) < 0 ? EXIT_USAGE : -1;
			break;
		case O_LANG:
			if (!text_lang_known(optarg))
				return cli_usage_error("--lang: '%s' is not en, de, fr, es or none",
				    optarg);
			c->lang = optarg;
			break;
		case O_MAXDF: rc = cli_parse_double("--max-df", optarg, 1e-6, 1, &c->max_df) < 0 ?
			    EXIT_USAGE : -1;
			break;
		case O_MINDF:
			if (cli_parse_long("--min-df", optarg, 1, LONG_MAX, &c->min_df) < 0)
				return EXIT_USAGE;
			break;
		case O_NOW:
			if (cli_parse_long("--now", optarg, 0, LONG_MAX, &v) < 0)
				return EXIT_USAGE;
			c->now = v;
			c->has_now = 1;
			break;
		case O_PAIRS: c->pairs = 1; break;
		case O_SEED:
			if (cli_parse_long("--seed", optarg, 0, LONG_MAX, &v) < 0)
				return EXIT_USAGE;
			c->seed = (uint64_t)v;
			break;
		case O_WBRAND: rc = weight("--brand-weight", optarg, &c->w_brand); break;
		case O_WCAT: rc = weight("--category-weight", optarg, &c->w_cat); break;
		case O_WDESC: rc = weight("--description-weight", optarg, &c->w_desc); break;
		case O_WEIGHTING:
			if (strcmp(optarg, "bm25") != 0 && strcmp(optarg, "tfidf") != 0)
				return cli_usage_error("--weighting: '%s' is not bm25 or tfidf", optarg);
			c->tfidf = optarg[0] == 't';
			break;
		case O_WPRICE: rc = weight("--price-weight", optarg, &c->w_price); break;
		case O_WTITLE: rc = weight("--title-weight", optarg, &c->w_title); break;
		default: return EXIT_USAGE;
		}
	}
	if (rc >= 0)
		return rc;
	if (optind < argc)
		return cli_usage_error("unexpected operand '%s'", argv[optind]);
	if (o->catalog == NULL)
		return cli_usage_error("--catalog is required");
	if (o->output == NULL)
		return cli_usage_error("--output is required");
	if (c->half_life_days > 0 && o->ratings == NULL)
		return cli_usage_error("--half-life needs --ratings");
	return -1;
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct content c;
	struct ratings r;
	struct model m = { 0 };
	struct err e = { 0 };
	FILE *in = NULL;
	int rc;

	cli_init(argv[0]);
	content_opts_default(&o.c);
	content_init(&c);
	ratings_init(&r);
	if ((rc = parse(argc, argv, &o)) >= 0)
		goto done;
	if ((in = cli_open_in(o.catalog)) == NULL) {
		rc = EXIT_NOINPUT;
		goto done;
	}
	if (content_build(&c, &o.c, in, cli_name(o.catalog), &e) < 0 ||
	    (o.ratings != NULL && ratings_load(o.ratings, &r, &e) < 0))
		goto fail;
	if (content_model(&m, &c, &o.c, o.ratings ? &r : NULL, &e) < 0) {
		err_prefix(&e, "%s", o.ratings ? o.ratings : o.catalog);
		goto fail;
	}
	json_object_set_new(m.meta, "created_by", json_string("cbtrain " RECMAIL_VERSION));
	json_object_set_new(m.meta, "source", json_string(o.catalog));
	if (model_save(o.output, &m, &e) < 0)
		goto fail;
	fprintf(stderr, "%s: %zu products (%ld without a kept feature), %zu features, %lld "
	    "entries, %lld user profiles\n", cli_progname(), ids_count(&c.items), c.empty,
	    ids_count(&c.feats), (long long)c.nnz, (long long)m.users);
	rc = EXIT_OK;
	goto done;
fail:
	rc = cli_fail_err(&e);
done:
	cli_close_in(in);
	if (m.meta != NULL)
		model_free(&m);
	ratings_free(&r);
	content_free(&c);
	return rc;
}
