/* segment - clusters customers with k-means on their model factors or on RFM features */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "base/cli.h"
#include "train/kmeans.h"
#include "data/model.h"
#include "base/ndjson.h"
#include "base/ofile.h"
#include "data/ratings.h"
#include "train/rfm.h"

#define TOP_ITEMS 5

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: segment (--model FILE | --ratings FILE) [--k N] [--iters N] [--restarts N]\n"
	    "               [--seed N] [--threads N] [--summary FILE] [--now TS]\n"
	    "               [--features | --no-features]\n"
	    "               [--progress]\n"
	    "Clusters customers with k-means (k-means++ start) and writes one line per customer:\n"
	    "{\"user\",\"segment\",\"features\"}; segment \"0\" is the largest.\n"
	    "  -m, --model FILE      cluster the user factors of a model container\n"
	    "  -r, --ratings FILE    cluster RFM features of a ratings container with timestamps:\n"
	    "                        days since the last interaction, log1p(distinct times),\n"
	    "                        log1p(sum of values), each standardised\n"
	    "  -k, --k N             number of segments (default 8, from 1 to 10000)\n"
	    "  -i, --iters N         most Lloyd iterations per restart (default 20)\n"
	    "  -R, --restarts N      k-means++ starts, the best kept (default 3)\n"
	    "  -s, --seed N          random seed (default 1)\n"
	    "  -t, --threads N       OpenBLAS threads (default: OpenBLAS's own choice)\n"
	    "  -S, --summary FILE    one NDJSON line per segment: size, share and the segment\n"
	    "                        in readable terms (RFM medians; model: centroid, top items)\n"
	    "  -n, --now TS          RFM reference time, unix seconds (default: the latest ts)\n"
	    "  -f, --features        write \"features\" (default with --ratings: the RFM values)\n"
	    "  -F, --no-features     leave them out (default with --model: the factors are in\n"
	    "                        the model, and writing millions of vectors is slow)\n"
	    "  -p, --progress        show each iteration on stderr\n"
	    "  -h, --help            this help\n"
	    "  -V, --version         version\n"
	    "example: segment --ratings shop.st --k 6 --summary segments.ndjson > customers-seg.ndjson\n");
}

static void
show(void *arg, int restart, int iter, double inertia, int64_t moved)
{
	cli_warn("restart %d, iteration %d: inertia %.6g, %lld moved", restart + 1, iter,
	    inertia, (long long)moved);
}

/* One output line; feats is a new reference or NULL. Returns 0 or -1. */
static int
put_line(const char *user, int segment, json_t *feats, struct err *e)
{
	char label[16];
	json_t *o;
	int rc;

	snprintf(label, sizeof label, "%d", segment);
	o = json_pack("{ssssso*}", "user", user, "segment", label, "features", feats);
	if (o == NULL)
		return err_nomem(e);
	rc = ndjson_write(stdout, o, e);
	json_decref(o);
	return rc;
}

/*
 * A line with d factors: jansson encodes the id, printf the numbers (6
 * significant digits), which is ten times faster than building a json_t of
 * d reals for each of a million customers. Returns 0 or -1.
 */
static int
put_factors(const char *user, int segment, const float *v, int64_t d, struct err *e)
{
	json_t *s = json_string(user);
	char *uj = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;

	json_decref(s);
	if (uj == NULL)
		return err_nomem(e);
	printf("{\"user\":%s,\"segment\":\"%d\",\"features\":[", uj, segment);
	free(uj);
	for (int64_t j = 0; j < d; j++)
		printf(j ? ",%.6g" : "%.6g", v[j]);
	if (fputs("]}\n", stdout) == EOF || ferror(stdout))
		return err_set(e, EXIT_IO, "write error: %s", strerror(errno ? errno : EIO));
	return 0;
}

static json_t *
floats(const float *v, int64_t n)
{
	json_t *a = json_array();

	for (int64_t j = 0; a != NULL && j < n; j++)
		json_array_append_new(a, json_real(ndjson_round(v[j], 6)));
	return a;
}

/* Model segments: centroid and the items with the highest centroid . item factor. */
static json_t *
model_summary(const struct model *m, const struct kmeans *km, struct err *e)
{
	float *S = malloc((size_t)(km->k * m->items + 1) * sizeof *S);
	json_t *all = json_array();

	if (S == NULL || all == NULL)
		goto nomem;
	/* S = C Q^T: k x items */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, km->k, (int)m->items, (int)m->k, 1.0f,
	    km->centroids, (int)m->k, m->Q, (int)m->k, 0.0f, S, (int)m->items);
	for (int c = 0; c < km->k; c++) {
		const float *s = S + (int64_t)c * m->items;
		int64_t best[TOP_ITEMS];
		int nb = 0;
		char label[16];
		json_t *o, *top = json_array();

		/* a small insertion list: TOP_ITEMS is tiny */
		for (int64_t i = 0; i < m->items; i++) {
			int p = nb < TOP_ITEMS ? nb++ : TOP_ITEMS;

			if (p == TOP_ITEMS && s[i] <= s[best[TOP_ITEMS - 1]])
				continue;
			if (p == TOP_ITEMS)
				p = TOP_ITEMS - 1;
			for (; p > 0 && s[best[p - 1]] < s[i]; p--)
				best[p] = best[p - 1];
			best[p] = i;
		}
		for (int j = 0; top != NULL && j < nb; j++)
			json_array_append_new(top, json_string(ids_get(&m->item_ids, best[j], NULL)));
		snprintf(label, sizeof label, "%d", c);
		o = json_pack("{sssIsfsoso}", "segment", label, "size", (json_int_t)km->size[c],
		    "share", (double)km->size[c] / (double)km->n, "centroid",
		    floats(km->centroids + (int64_t)c * m->k, m->k), "top_items", top);
		if (o == NULL || json_array_append_new(all, o) < 0)
			goto nomem;
	}
	free(S);
	return all;
nomem:
	free(S);
	json_decref(all);
	err_nomem(e);
	return NULL;
}

/* The customer lines: from the model (m) or the RFM features (r, f). Returns 0 or -1. */
static int
write_lines(const struct model *m, const struct ratings *r, const struct rfm *f,
    const struct kmeans *km, int nofeat, struct err *e)
{
	for (int64_t i = 0; i < km->n; i++) {
		json_t *feats = NULL;

		if (m != NULL) {
			if (!nofeat) {
				if (put_factors(ids_get(&m->user_ids, i, NULL), km->assign[i],
				    m->P + i * m->k, m->k, e) < 0)
					return -1;
				continue;
			}
			if (put_line(ids_get(&m->user_ids, i, NULL), km->assign[i], NULL, e) < 0)
				return -1;
			continue;
		}
		if (!nofeat)
			feats = json_pack("{sfsfsf}", "recency_days", ndjson_round(f->recency[i], 4),
			    "frequency", f->frequency[i], "monetary", ndjson_round(f->monetary[i], 4));
		if (put_line(ids_get(&r->users, f->row[i], NULL), km->assign[i], feats, e) < 0)
			return -1;
	}
	return 0;
}

static int
write_summary(const char *path, json_t *lines, struct err *e)
{
	struct ofile o;
	size_t i;
	json_t *v;

	if (ofile_open(&o, path, e) < 0)
		return -1;
	json_array_foreach(lines, i, v)
		if (ndjson_write(o.fp, v, e) < 0) {
			err_prefix(e, "%s", path);
			ofile_abort(&o);
			return -1;
		}
	return ofile_commit(&o, e);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "features", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "iters", required_argument, NULL, 'i' },
		{ "k", required_argument, NULL, 'k' },
		{ "model", required_argument, NULL, 'm' },
		{ "no-features", no_argument, NULL, 'F' },
		{ "now", required_argument, NULL, 'n' },
		{ "progress", no_argument, NULL, 'p' },
		{ "ratings", required_argument, NULL, 'r' },
		{ "restarts", required_argument, NULL, 'R' },
		{ "seed", required_argument, NULL, 's' },
		{ "summary", required_argument, NULL, 'S' },
		{ "threads", required_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *modelpath = NULL, *ratpath = NULL, *sumpath = NULL;
	long k = 8, iters = 20, restarts = 3, seed = 1, threads = 0, now = -1;
	int c, nofeat = -1, progress = 0, status = EXIT_OK;
	struct model m = { 0 };
	struct ratings r = { 0 };
	struct rfm f = { 0 };
	struct kmeans km = { 0 };
	struct kmeans_opts ko = { 0 };
	struct err e = { 0 };
	struct timespec t0, t1;
	float *X = NULL;
	json_t *summary = NULL;
	int64_t n, d;

	cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, "Ffhi:k:m:n:pR:r:S:s:t:V", opts, NULL)) != -1) {
		switch (c) {
		case 'F': nofeat = 1; break;
		case 'f': nofeat = 0; break;
		case 'i': if (cli_parse_long("--iters", optarg, 0, 100000, &iters) < 0) return EXIT_USAGE; break;
		case 'k': if (cli_parse_long("--k", optarg, 1, 10000, &k) < 0) return EXIT_USAGE; break;
		case 'm': modelpath = optarg; break;
		case 'n': if (cli_parse_long("--now", optarg, 0, 32503680000L, &now) < 0) return EXIT_USAGE; break;
		case 'p': progress = 1; break;
		case 'R': if (cli_parse_long("--restarts", optarg, 1, 1000, &restarts) < 0) return EXIT_USAGE; break;
		case 'r': ratpath = optarg; break;
		case 'S': sumpath = optarg; break;
		case 's': if (cli_parse_long("--seed", optarg, 0, LONG_MAX, &seed) < 0) return EXIT_USAGE; break;
		case 't': if (cli_parse_long("--threads", optarg, 1, 256, &threads) < 0) return EXIT_USAGE; break;
		case 'h': usage(stdout); return cli_close_out(stdout, "-");
		case 'V': return cli_version();
		default: return cli_usage_error("unknown option");
		}
	}
	if ((modelpath == NULL) == (ratpath == NULL))
		return cli_usage_error("give exactly one of --model and --ratings");
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (nofeat < 0)
		nofeat = modelpath != NULL;
	if (sumpath != NULL && strcmp(sumpath, "-") == 0)
		return cli_usage_error("--summary: give a file name (stdout holds the customers)");
	if (threads > 0)
		openblas_set_num_threads((int)threads);
	if (modelpath != NULL) {
		if (model_load(modelpath, &m, &e) < 0)
			return cli_fail_err(&e);
		n = m.users;
		d = m.k;
	} else {
		if (ratings_load(ratpath, &r, &e) < 0)
			return cli_fail_err(&e);
		if (rfm_compute(&f, &r, now, &e) < 0 || (X = rfm_standardise(&f, &e)) == NULL)
			goto fail;
		if (f.empty > 0)
			cli_warn("%s: %lld users without interactions left out", ratpath,
			    (long long)f.empty);
		n = f.n;
		d = RFM_NFEATURES;
	}
	if (k > n) {
		status = cli_usage_error("--k %ld is more than the %lld customers", k, (long long)n);
		goto out;
	}
	ko = (struct kmeans_opts){ .k = (int)k, .iters = (int)iters, .restarts = (int)restarts,
	    .seed = (uint64_t)seed, .progress = cli_want_progress(progress) ? show : NULL };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (kmeans_fit(&km, X ? X : m.P, n, d, d, &ko, &e) < 0)
		goto fail;
	kmeans_sort_by_size(&km);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (ko.progress != NULL)
		cli_warn("%lld customers x %lld features into %ld segments: %.3f s, %d iterations, "
		    "restart %d of %ld won, inertia %.6g", (long long)n, (long long)d, k,
		    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9,
		    km.iters_run, km.restart + 1, restarts, km.inertia);
	if (write_lines(X ? NULL : &m, X ? &r : NULL, &f, &km, nofeat, &e) < 0)
		goto fail;
	if (sumpath != NULL) {
		summary = X ? rfm_summary(&f, km.assign, km.k, &e) : model_summary(&m, &km, &e);
		if (summary == NULL || write_summary(sumpath, summary, &e) < 0)
			goto fail;
	}
	status = cli_close_out(stdout, "-");
	goto out;
fail:
	status = cli_fail_err(&e);
out:
	json_decref(summary);
	kmeans_free(&km);
	free(X);
	rfm_free(&f);
	if (modelpath != NULL)
		model_free(&m);
	else
		ratings_free(&r);
	return status;
}
