/* content-gen.c - bench helper for bench/content-speed.sh: a synthetic catalog, and the dense (sgemm) vs sparse-loop scoring of a content model */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "base/rng.h"
#include "data/model.h"
#include "data/ratings.h"
#include "train/content.h"

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/* A word index, roughly Zipf over n words (inverse transform of a 1/x density). */
static long
zipf(struct rng *g, long n)
{
	return (long)(exp(rng_uniform(g) * log((double)n + 1)) - 1) % n;
}

/* catalog N: N products i0.. with titles and descriptions over 20,000 words, 1,000 categories,
 * 10,000 brands and prices, as NDJSON on stdout */
static int
catalog(long n)
{
	static const char *const syl[] = { "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "be", "da",
		"fe", "go", "hu", "ji", "ko", "la", "ma", "no", "pi", "qu" };
	struct rng g;

	rng_seed(&g, 7);
	for (long i = 0; i < n; i++) {
		long cat = zipf(&g, 1000);

		printf("{\"item\":\"i%ld\",\"category\":\"c%ld\",\"brand\":\"b%ld\",\"price\":%.2f,"
		    "\"title\":\"", i, cat, zipf(&g, 10000), 1 + 100 * rng_uniform(&g));
		for (int w = 0; w < 4 + 12; w++) {
			/* title words lean to the category's own words: products of one kind share them */
			long x = w < 4 && rng_uniform(&g) < 0.6 ? (cat * 17 + w) % 20000 : zipf(&g, 20000);

			if (w == 4)
				fputs("\",\"description\":\"", stdout);
			else if (w > 0)
				putchar(' ');
			fputs(syl[x % 20], stdout);
			fputs(syl[(x / 20) % 20], stdout);
			fputs(syl[(x / 400) % 20], stdout);
			if (x >= 8000)
				fputs(syl[(x / 8000) % 20], stdout);
		}
		fputs("\"}\n", stdout);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

static int
cmp_desc(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x < y) - (x > y);
}

/* The k-th largest of v[0..n) (v is copied). */
static float
kth(const float *v, long n, int k, float *tmp)
{
	memcpy(tmp, v, (size_t)n * sizeof *tmp);
	qsort(tmp, (size_t)n, sizeof *tmp, cmp_desc);
	return tmp[k - 1];
}

/*
 * score MODEL SEEN USERS: for the first USERS users of the model, their scores against every
 * item (a) by the dense vectors and sgemm, as topk computes them, and (b) exactly, by a sparse
 * loop over an inverted index of the features (the user's sparse profile: the weighted sum of
 * the sparse vectors of their seen items). Prints both times and how many of the exact top 10
 * the dense top 10 holds.
 */
static int
score(const char *mpath, const char *spath, long nu)
{
	struct model m;
	struct ratings s;
	struct content_feat f;
	struct err e = { 0 };
	double td, ts, overlap = 0;
	long items, nf;

	ratings_init(&s);
	if (model_load(mpath, &m, &e) < 0 || ratings_load(spath, &s, &e) < 0 ||
	    content_feat_read(&f, &m.mf, m.items, &e) < 0 || !f.present) {
		fprintf(stderr, "content-gen: %s\n", e.msg[0] ? e.msg : "not a content model");
		return 1;
	}
	items = (long)m.items;
	nf = (long)f.nfeat;
	if (nu > m.users)
		nu = (long)m.users;
	{
		float *S = malloc((size_t)nu * (size_t)items * sizeof *S);
		float *X = calloc((size_t)items, sizeof *X), *tmp = malloc((size_t)items * sizeof *tmp);
		double *prof = calloc((size_t)nf, sizeof *prof);
		int64_t *cp = calloc((size_t)nf + 1, sizeof *cp), *fill;
		int32_t *ci = malloc((size_t)(f.indptr[items] + 1) * sizeof *ci);
		float *cv = malloc((size_t)(f.indptr[items] + 1) * sizeof *cv);
		int32_t *touched = malloc((size_t)nf * sizeof *touched);
		long nt;

		/* the inverted index (features x items), built once as the model is loaded */
		for (int64_t j = 0; j < f.indptr[items]; j++)
			cp[f.indices[j] + 1]++;
		for (long x = 0; x < nf; x++)
			cp[x + 1] += cp[x];
		fill = malloc(((size_t)nf + 1) * sizeof *fill);
		memcpy(fill, cp, ((size_t)nf + 1) * sizeof *fill);
		for (long i = 0; i < items; i++)
			for (int64_t j = f.indptr[i]; j < f.indptr[i + 1]; j++) {
				ci[fill[f.indices[j]]] = (int32_t)i;
				cv[fill[f.indices[j]]++] = f.values[j];
			}
		td = now();
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nu, (int)items, (int)m.k,
		    1.0f, m.P, (int)m.k, m.Q, (int)m.k, 0.0f, S, (int)items);
		td = now() - td;
		ts = 0;
		for (long u = 0; u < nu; u++) {
			size_t len;
			const char *id = ids_get(&m.user_ids, u, &len);
			int64_t r = ids_find(&s.users, id, len);
			double t0 = now(), thr;
			int hit = 0;

			nt = 0;
			for (int64_t j = r < 0 ? 0 : s.indptr[r]; r >= 0 && j < s.indptr[r + 1]; j++) {
				size_t l2;
				const char *iid = ids_get(&s.items, s.indices[j], &l2);
				int64_t i = ids_find(&m.item_ids, iid, l2);

				for (int64_t k = i < 0 ? 0 : f.indptr[i]; i >= 0 && k < f.indptr[i + 1]; k++) {
					if (prof[f.indices[k]] == 0)
						touched[nt++] = f.indices[k];
					prof[f.indices[k]] += s.values[j] * f.values[k];
				}
			}
			memset(X, 0, (size_t)items * sizeof *X);
			for (long t = 0; t < nt; t++) {
				int32_t x = touched[t];

				for (int64_t k = cp[x]; k < cp[x + 1]; k++)
					X[ci[k]] += (float)(prof[x] * cv[k]);
				prof[x] = 0;
			}
			ts += now() - t0;
			/* agreement: the dense top 10 among the exact top 10 */
			thr = kth(X, items, 10, tmp);
			{
				float dthr = kth(S + (size_t)u * (size_t)items, items, 10, tmp);

				for (long i = 0; i < items; i++)
					hit += S[(size_t)u * (size_t)items + i] >= dthr && X[i] >= thr;
			}
			overlap += hit > 10 ? 10 : hit;
		}
		printf("users %ld items %ld factors %lld features %ld\n", nu, items, (long long)m.k, nf);
		printf("dense sgemm %.4f s  sparse loop %.4f s  sparse/dense %.1fx  top-10 agreement %.3f\n",
		    td, ts, ts / td, overlap / (10.0 * (double)nu));
		free(S);
		free(X);
		free(tmp);
		free(prof);
		free(cp);
		free(fill);
		free(ci);
		free(cv);
		free(touched);
	}
	model_free(&m);
	ratings_free(&s);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "catalog") == 0)
		return catalog(atol(argv[2]));
	if (argc == 5 && strcmp(argv[1], "score") == 0)
		return score(argv[2], argv[3], atol(argv[4]));
	fprintf(stderr, "usage: content-gen catalog N | score MODEL SEEN USERS\n");
	return 64;
}
