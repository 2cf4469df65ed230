/* topk-gen.c - bench helper: a synthetic model and seen matrix for bench/topk.sh, and an sgemm timer */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "data/model.h"
#include "data/ratings.h"
#include "base/rng.h"

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static int
fill_ids(struct ids *t, const char *prefix, long n, struct err *e)
{
	char buf[32];

	for (long i = 0; i < n; i++) {
		int len = snprintf(buf, sizeof buf, "%s%ld", prefix, i);

		if (ids_intern(t, buf, (size_t)len, e) < 0)
			return -1;
	}
	return 0;
}

/* model OUT USERS ITEMS K */
static int
gen_model(const char *out, long users, long items, long k)
{
	struct model m;
	struct err e = { 0 };
	struct rng r;

	rng_seed(&r, 1);
	if (model_alloc(&m, users, items, k, &e) < 0)
		goto fail;
	for (long i = 0; i < users * k; i++)
		m.P[i] = (float)(0.1 * rng_normal(&r));
	for (long i = 0; i < items * k; i++)
		m.Q[i] = (float)(0.1 * rng_normal(&r));
	for (long i = 0; i < users; i++)
		m.user_bias[i] = (float)(0.2 * rng_normal(&r));
	for (long i = 0; i < items; i++) {
		m.item_bias[i] = (float)(0.2 * rng_normal(&r));
		m.item_pop[i] = (float)rng_below(&r, 1000);
	}
	m.global_mean = 3.5f;
	json_object_set_new(m.meta, "algo", json_string("als"));
	json_object_set_new(m.meta, "reg", json_string("0.1"));
	if (fill_ids(&m.user_ids, "u", users, &e) < 0 || fill_ids(&m.item_ids, "i", items, &e) < 0 ||
	    model_save(out, &m, &e) < 0)
		goto fail;
	model_free(&m);
	return 0;
fail:
	fprintf(stderr, "topk-gen: %s\n", e.msg);
	return 1;
}

/* seen OUT USERS ITEMS PER_USER: PER_USER distinct random items per user */
static int
gen_seen(const char *out, long users, long items, long per)
{
	struct ratings r;
	struct err e = { 0 };
	struct rng g;
	uint8_t *used = calloc((size_t)items, 1);

	rng_seed(&g, 2);
	ratings_init(&r);
	r.rows = users;
	r.cols = items;
	r.nnz = users * per;
	r.owns_arrays = 1;
	r.indptr = malloc((size_t)(users + 1) * sizeof *r.indptr);
	r.indices = malloc((size_t)r.nnz * sizeof *r.indices);
	r.values = malloc((size_t)r.nnz * sizeof *r.values);
	r.ts = malloc((size_t)r.nnz * sizeof *r.ts);
	if (!used || !r.indptr || !r.indices || !r.values || !r.ts)
		return 1;
	r.indptr[0] = 0;
	for (long u = 0; u < users; u++) {
		long n = 0;

		while (n < per) {
			long i = (long)rng_below(&g, (uint64_t)items);

			if (!used[i]) {
				used[i] = 1;
				n++;
			}
		}
		n = r.indptr[u];
		for (long i = 0; i < items; i++)
			if (used[i]) {
				used[i] = 0;
				r.indices[n] = (int32_t)i;
				r.values[n] = (float)(1 + rng_below(&g, 5));
				r.ts[n] = 1700000000 + (int64_t)rng_below(&g, 86400 * 365);
				n++;
			}
		r.indptr[u + 1] = n;
	}
	if (fill_ids(&r.users, "u", users, &e) < 0 || fill_ids(&r.items, "i", items, &e) < 0 ||
	    ratings_save(out, &r, NULL, &e) < 0) {
		fprintf(stderr, "topk-gen: %s\n", e.msg);
		return 1;
	}
	ratings_free(&r);
	free(used);
	return 0;
}

/* sgemm USERS ITEMS K: best of 3 wall times of one users x items x K product */
static int
time_sgemm(long m, long n, long k)
{
	float *a = calloc((size_t)(m * k), sizeof *a), *b = calloc((size_t)(n * k), sizeof *b);
	float *c = malloc((size_t)(m * n) * sizeof *c);
	double best = 1e9;

	if (!a || !b || !c)
		return 1;
	for (long i = 0; i < m * k; i++)
		a[i] = (float)(i % 7) * 0.1f;
	for (long i = 0; i < n * k; i++)
		b[i] = (float)(i % 5) * 0.1f;
	for (int rep = 0; rep < 3; rep++) {
		double t = now();

		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)k, 1.0f, a,
		    (int)k, b, (int)k, 0.0f, c, (int)n);
		t = now() - t;
		if (t < best)
			best = t;
	}
	printf("%.6f\n", best);
	free(a);
	free(b);
	free(c);
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* sgemv ITEMS K: the median wall time of 101 one-user scorings (items x K by K) on one thread,
 * what topk --stream does for a line */
static int
time_sgemv(long n, long k)
{
	float *a = malloc((size_t)(n * k) * sizeof *a), *x = malloc((size_t)k * sizeof *x);
	float *y = malloc((size_t)n * sizeof *y);
	double t[101];

	if (!a || !x || !y)
		return 1;
	for (long i = 0; i < n * k; i++)
		a[i] = (float)(i % 5) * 0.1f;
	for (long i = 0; i < k; i++)
		x[i] = (float)(i % 7) * 0.1f;
	openblas_set_num_threads(1);
	for (int rep = 0; rep < 101; rep++) {
		t[rep] = now();
		cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)k, 1.0f, a, (int)k, x, 1, 0.0f,
		    y, 1);
		t[rep] = now() - t[rep];
	}
	qsort(t, 101, sizeof *t, cmp_double);
	printf("%.6f\n", t[50]);
	free(a);
	free(x);
	free(y);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "sgemv") == 0)
		return time_sgemv(atol(argv[2]), atol(argv[3]));
	if (argc == 6 && strcmp(argv[1], "model") == 0)
		return gen_model(argv[2], atol(argv[3]), atol(argv[4]), atol(argv[5]));
	if (argc == 6 && strcmp(argv[1], "seen") == 0)
		return gen_seen(argv[2], atol(argv[3]), atol(argv[4]), atol(argv[5]));
	if (argc == 5 && strcmp(argv[1], "sgemm") == 0)
		return time_sgemm(atol(argv[2]), atol(argv[3]), atol(argv[4]));
	fprintf(stderr, "usage: topk-gen model OUT USERS ITEMS K | seen OUT USERS ITEMS PER_USER |"
	    " sgemm USERS ITEMS K | sgemv ITEMS K\n");
	return 64;
}
