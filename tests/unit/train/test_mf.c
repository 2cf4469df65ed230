/* test_mf.c - unit tests of lib/mf*.c: planted low-rank recovery, iALS ranking, SVD against LAPACKE */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "train/mf.h"
#include "base/rng.h"
#include "unit.h"

/* A dense matrix with NaN for a missing entry, turned into CSR with ids "u<n>" and "i<n>". */
static int
build(struct ratings *r, int64_t rows, int64_t cols, const float *dense, int implicit)
{
	struct err e;
	char buf[32];
	int64_t nnz = 0;

	ratings_init(r);
	for (int64_t x = 0; x < rows * cols; x++)
		nnz += !isnan(dense[x]);
	r->rows = rows;
	r->cols = cols;
	r->nnz = nnz;
	r->implicit = implicit;
	r->owns_arrays = 1;
	r->indptr = calloc((size_t)rows + 1, sizeof *r->indptr);
	r->indices = malloc((size_t)nnz * sizeof *r->indices + 1);
	r->values = malloc((size_t)nnz * sizeof *r->values + 1);
	if (!r->indptr || !r->indices || !r->values)
		return -1;
	nnz = 0;
	for (int64_t u = 0; u < rows; u++) {
		for (int64_t i = 0; i < cols; i++)
			if (!isnan(dense[u * cols + i])) {
				r->indices[nnz] = (int32_t)i;
				r->values[nnz++] = dense[u * cols + i];
			}
		r->indptr[u + 1] = nnz;
		snprintf(buf, sizeof buf, "u%lld", (long long)u);
		if (ids_intern(&r->users, buf, strlen(buf), &e) < 0)
			return -1;
	}
	for (int64_t i = 0; i < cols; i++) {
		snprintf(buf, sizeof buf, "i%lld", (long long)i);
		if (ids_intern(&r->items, buf, strlen(buf), &e) < 0)
			return -1;
	}
	return 0;
}

/*
 * A planted rank-3 matrix 3 + U V' + N(0, noise^2), a fraction of it observed;
 * observed entries go to train, or to test with probability 0.1.
 */
static void
planted(struct ratings *train, struct ratings *test, int64_t rows, int64_t cols, double density,
    double noise, uint64_t seed)
{
	float *a = malloc((size_t)(rows * cols) * sizeof *a), *b = malloc((size_t)(rows * cols) * sizeof *b);
	float Uf[400][3], Vf[400][3];
	struct rng g;

	rng_seed(&g, seed);
	for (int64_t u = 0; u < rows; u++)
		for (int f = 0; f < 3; f++)
			Uf[u][f] = (float)(0.7 * rng_normal(&g));
	for (int64_t i = 0; i < cols; i++)
		for (int f = 0; f < 3; f++)
			Vf[i][f] = (float)(0.7 * rng_normal(&g));
	for (int64_t u = 0; u < rows; u++)
		for (int64_t i = 0; i < cols; i++) {
			float v = 3 + Uf[u][0] * Vf[i][0] + Uf[u][1] * Vf[i][1] + Uf[u][2] * Vf[i][2] +
			    (float)(noise * rng_normal(&g));

			a[u * cols + i] = b[u * cols + i] = NAN;
			if (rng_uniform(&g) < density) {
				if (rng_uniform(&g) < 0.1)
					b[u * cols + i] = v;
				else
					a[u * cols + i] = v;
			}
		}
	CHECK_INT(build(train, rows, cols, a, 0), 0);
	CHECK_INT(build(test, rows, cols, b, 0), 0);
	free(a);
	free(b);
}

static double
test_rmse(const struct model *m, const struct ratings *train, const struct ratings *test)
{
	struct mf_valset v;
	struct err e;
	double x;

	if (mf_valset_build(&v, train, test, &e) < 0)
		return INFINITY;
	x = mf_rmse(m, &v);
	mf_valset_free(&v);
	return x;
}

static void
sgd_recovers_planted_low_rank(void)
{
	struct ratings tr, te;
	struct mf_params p;
	struct model m;
	struct mf_report rep;
	struct err e = { 0 };

	planted(&tr, &te, 300, 200, 0.3, 0.1, 7);
	mf_defaults(&p, MF_SGD);
	p.k = 8;
	p.epochs = 60;
	p.lr = 0.02;
	p.lr_decay = 0.97;
	p.reg = 0.01;
	p.init_std = 0.1;
	p.threads = 2;
	CHECK_INT(mf_train(&tr, &p, NULL, NULL, NULL, &m, &rep, &e), 0);
	if (m.P != NULL) {
		double x = test_rmse(&m, &tr, &te);

		/* the noise is 0.1; predicting the mean alone would be about 1.2 */
		printf("# sgd test rmse %g\n", x);
		CHECK(x < 0.16);
		CHECK_INT(rep.epochs_run, 60);
		CHECK_INT(m.k, 8);
		CHECK_NEAR(m.global_mean, 3, 0.15);
		CHECK_STR(json_string_value(json_object_get(m.meta, "algo")), "sgd");
		CHECK_STR(json_string_value(json_object_get(m.meta, "epochs_run")), "60");
		model_free(&m);
	} else
		printf("# %s\n", e.msg);
	ratings_free(&tr);
	ratings_free(&te);
}

static void
als_recovers_planted_low_rank(void)
{
	struct ratings tr, te;
	struct mf_params p;
	struct model m;
	struct err e = { 0 };

	planted(&tr, &te, 300, 200, 0.3, 0.1, 8);
	mf_defaults(&p, MF_ALS);
	p.k = 5;
	p.epochs = 10;
	p.reg = 0.01;
	p.threads = 2;
	CHECK_INT(p.cg_steps, 3);       /* conjugate gradient by default */
	for (int exact = 0; exact < 2; exact++) {
		p.cg_steps = exact ? 0 : 3;
		CHECK_INT(mf_train(&tr, &p, NULL, NULL, NULL, &m, NULL, &e), 0);
		if (m.P != NULL) {
			double x = test_rmse(&m, &tr, &te);

			printf("# als %s test rmse %g\n", exact ? "exact" : "cg", x);
			CHECK(x < 0.14);
			CHECK_STR(json_string_value(json_object_get(m.meta, "solver")),
			    exact ? "exact" : "cg");
			model_free(&m);
		} else
			printf("# %s\n", e.msg);
	}
	ratings_free(&tr);
	ratings_free(&te);
}

/*
 * 40 users rate items 0..4; item 0 gets a 5 from 36 of them and a 4 from the
 * rest, item 5 a single 5. ALS's bias penalty is a fixed reg_bias * b^2 (not
 * times the item's ratings), so item 5's bias is shrunk far below its one
 * residual and below item 0's; without the penalty it is not.
 */
static void
als_shrinks_the_bias_of_a_rarely_rated_item(void)
{
	enum { NU = 40, NI = 6 };
	float a[NU * NI];
	struct ratings r;
	struct mf_params p;
	struct model m;
	struct rng g;
	struct err e = { 0 };

	rng_seed(&g, 5);
	for (int u = 0; u < NU; u++)
		for (int i = 0; i < NI; i++)
			a[u * NI + i] = i == 0 ? (u < 36 ? 5 : 4) : i < 5 ? (float)(1 + rng_below(&g, 5)) :
			    u == 0 ? 5 : NAN;
	CHECK_INT(build(&r, NU, NI, a, 0), 0);
	mf_defaults(&p, MF_ALS);
	CHECK_NEAR(p.reg_bias, 3, 0);
	p.k = 2;
	p.threads = 1;
	CHECK_INT(mf_train(&r, &p, NULL, NULL, NULL, &m, NULL, &e), 0);
	if (m.P != NULL) {
		printf("# mean %g, bias of item 0 %g, of the item rated once %g\n", m.global_mean,
		    m.item_bias[0], m.item_bias[5]);
		CHECK(m.item_bias[5] < 0.5f * (5 - m.global_mean));
		CHECK(m.item_bias[5] < m.item_bias[0]);
		CHECK(model_predict(&m, 1, 5, 0) < model_predict(&m, 1, 0, 0));
		model_free(&m);
	} else
		printf("# %s\n", e.msg);
	p.reg_bias = 0;
	CHECK_INT(mf_train(&r, &p, NULL, NULL, NULL, &m, NULL, &e), 0);
	if (m.P != NULL) {
		CHECK(m.item_bias[5] > m.item_bias[0]);
		model_free(&m);
	}
	ratings_free(&r);
}

/*
 * 4 groups of 25 users and 30 items; each user has interacted with 12 random
 * items of its own group, held out 3 more. The held-out items of the group
 * must outscore every item of the other groups for nearly all users.
 */
static void
ials_ranks_planted_positives_first(void)
{
	enum { NU = 100, NI = 120, NG = 4 };
	float *a = malloc(NU * NI * sizeof *a);
	unsigned char held[NU][NI];
	struct ratings r;
	struct mf_params p;
	struct model m;
	struct rng g;
	struct err e = { 0 };
	int good = 0, total = 0;

	memset(held, 0, sizeof held);
	rng_seed(&g, 3);
	for (int u = 0; u < NU; u++) {
		int grp = u % NG, perm[30];

		for (int i = 0; i < NI; i++)
			a[u * NI + i] = NAN;
		for (int j = 0; j < 30; j++)
			perm[j] = j;
		rng_shuffle(&g, perm, 30, sizeof perm[0]);
		for (int j = 0; j < 15; j++) {
			int item = grp * 30 + perm[j];

			if (j < 12)
				a[u * NI + item] = (float)(1 + rng_below(&g, 3));
			else
				held[u][item] = 1;
		}
	}
	CHECK_INT(build(&r, NU, NI, a, 1), 0);
	mf_defaults(&p, MF_IALS);
	p.k = 4;                /* the planted rank */
	p.epochs = 10;
	p.reg = 0.1;            /* the defaults are tuned for data sets of MovieLens' size */
	p.alpha = 10;
	p.threads = 2;
	CHECK_INT(mf_train(&r, &p, NULL, NULL, NULL, &m, NULL, &e), 0);
	if (m.P != NULL) {
		CHECK(m.global_mean == 0 && m.user_bias[0] == 0 && m.item_bias[0] == 0);
		CHECK(m.rating_min == 0 && m.rating_max == 0);
		CHECK_STR(json_string_value(json_object_get(m.meta, "feedback")), "implicit");
		for (int u = 0; u < NU; u++) {
			float worst_held = INFINITY, best_other = -INFINITY;

			for (int i = 0; i < NI; i++) {
				float s = model_predict(&m, u, i, 0);

				if (held[u][i] && s < worst_held)
					worst_held = s;
				if (i / 30 != u % NG && s > best_other)
					best_other = s;
			}
			good += worst_held > best_other;
			total++;
		}
		printf("# %d of %d users rank every held-out positive first\n", good, total);
		CHECK(good >= total * 98 / 100);
		model_free(&m);
	} else
		printf("# %s\n", e.msg);
	ratings_free(&r);
	free(a);
}

/* The singular values of the centred matrix that the model was fitted to, by LAPACKE directly. */
static void
reference_values(const struct model *m, const float *dense, int rows, int cols, float *sv)
{
	float *A = malloc((size_t)(rows * cols) * sizeof *A), *U = malloc((size_t)(rows * rows) * sizeof *U);
	float *VT = malloc((size_t)(cols * cols) * sizeof *VT);

	for (int u = 0; u < rows; u++)
		for (int i = 0; i < cols; i++)
			A[u * cols + i] = dense[u * cols + i] - m->global_mean - m->user_bias[u] -
			    m->item_bias[i];
	CHECK_INT(LAPACKE_sgesdd(LAPACK_ROW_MAJOR, 'N', rows, cols, A, cols, sv, U, rows, VT, cols),
	    0);
	free(A);
	free(U);
	free(VT);
}

static void
svd_singular_values_match_lapacke(void)
{
	enum { R = 40, C = 30, K = 5 };
	float dense[R * C], sv[C];
	struct rng g;
	struct ratings r;
	struct mf_params p;
	struct model m;
	struct err e = { 0 };

	/* rank 6 plus noise: a clear gap after the 6th value, none between the first 5 */
	rng_seed(&g, 11);
	for (int x = 0; x < R * C; x++)
		dense[x] = 3 + 0.1f * (float)rng_normal(&g);
	for (int f = 0; f < 6; f++) {
		float a[R], b[C];

		for (int u = 0; u < R; u++)
			a[u] = (float)rng_normal(&g);
		for (int i = 0; i < C; i++)
			b[i] = (float)rng_normal(&g) * (float)(6 - f) * 0.3f;
		for (int u = 0; u < R; u++)
			for (int i = 0; i < C; i++)
				dense[u * C + i] += a[u] * b[i];
	}
	CHECK_INT(build(&r, R, C, dense, 0), 0);
	for (int method = 0; method < 2; method++) {
		mf_defaults(&p, MF_SVD);
		p.k = K;
		p.dense_max = method == 0 ? R * C : 0;  /* dense gesdd, then the randomized finder */
		p.epochs = 3;
		CHECK_INT(mf_train(&r, &p, NULL, NULL, NULL, &m, NULL, &e), 0);
		if (m.P == NULL) {
			printf("# %s\n", e.msg);
			continue;
		}
		CHECK_STR(json_string_value(json_object_get(m.meta, "svd_method")),
		    method == 0 ? "dense gesdd" : "randomized range finder + gesdd");
		reference_values(&m, dense, R, C, sv);
		for (int j = 0; j < K; j++) {
			/* P = U sqrt(S) with orthonormal U: column j of P has squared norm s_j */
			double pn = cblas_snrm2(R, m.P + j, K), qn = cblas_snrm2(C, m.Q + j, K);

			CHECK_NEAR(pn * pn, sv[j], 1e-3 * sv[0]);
			CHECK_NEAR(qn * qn, sv[j], 1e-3 * sv[0]);
		}
		model_free(&m);
	}
	ratings_free(&r);
}

static void
svd_pads_factors_beyond_the_rank_with_zeros(void)
{
	float dense[6 * 4];
	struct ratings r;
	struct mf_params p;
	struct model m;
	struct err e = { 0 };

	for (int x = 0; x < 24; x++)
		dense[x] = (float)(1 + (x * 7) % 5);
	CHECK_INT(build(&r, 6, 4, dense, 0), 0);
	mf_defaults(&p, MF_SVD);
	p.k = 6;
	CHECK_INT(mf_train(&r, &p, NULL, NULL, NULL, &m, NULL, &e), 0);
	if (m.P != NULL) {
		CHECK_INT(m.k, 6);
		for (int u = 0; u < 6; u++)
			CHECK(m.P[u * 6 + 4] == 0 && m.P[u * 6 + 5] == 0);
		model_free(&m);
	}
	ratings_free(&r);
}

static void
same_seed_gives_the_same_model(void)
{
	struct ratings tr, te;
	struct mf_params p;
	struct model a, b;
	struct err e = { 0 };

	planted(&tr, &te, 200, 150, 0.3, 0.3, 9);
	mf_defaults(&p, MF_SGD);
	p.k = 16;
	p.epochs = 5;
	p.threads = 2;
	CHECK_INT(mf_train(&tr, &p, NULL, NULL, NULL, &a, NULL, &e), 0);
	CHECK_INT(mf_train(&tr, &p, NULL, NULL, NULL, &b, NULL, &e), 0);
	if (a.P && b.P) {
		CHECK(memcmp(a.P, b.P, (size_t)(a.users * a.k) * sizeof(float)) == 0);
		CHECK(memcmp(a.Q, b.Q, (size_t)(a.items * a.k) * sizeof(float)) == 0);
		CHECK(memcmp(a.user_bias, b.user_bias, (size_t)a.users * sizeof(float)) == 0);
		model_free(&b);
		p.seed = 2;
		CHECK_INT(mf_train(&tr, &p, NULL, NULL, NULL, &b, NULL, &e), 0);
		if (b.P != NULL)
			CHECK(memcmp(a.P, b.P, (size_t)(a.users * a.k) * sizeof(float)) != 0);
	}
	model_free(&a);
	model_free(&b);
	ratings_free(&tr);
	ratings_free(&te);
}

static void
divergence_names_the_epoch_and_writes_nothing(void)
{
	struct ratings tr, te;
	struct mf_params p;
	struct model m;
	struct err e = { 0 };

	planted(&tr, &te, 100, 80, 0.3, 0.3, 10);
	mf_defaults(&p, MF_SGD);
	p.k = 8;
	p.lr = 50;
	CHECK_INT(mf_train(&tr, &p, NULL, NULL, NULL, &m, NULL, &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK(strstr(e.msg, "epoch 1: training diverged") != NULL);
	CHECK(strstr(e.msg, "smaller --lr") != NULL);
	CHECK(m.P == NULL);
	ratings_free(&tr);
	ratings_free(&te);
}

static void
empty_matrix_and_bad_params_are_refused(void)
{
	struct ratings r;
	struct mf_params p;
	struct model m;
	struct err e = { 0 };
	float none[4] = { NAN, NAN, NAN, NAN };

	CHECK_INT(build(&r, 2, 2, none, 0), 0);
	mf_defaults(&p, MF_SGD);
	CHECK_INT(mf_train(&r, &p, NULL, NULL, NULL, &m, NULL, &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK(strstr(e.msg, "empty") != NULL);
	p.k = 0;
	CHECK_INT(mf_check(&p, &e), -1);
	CHECK_INT(e.code, EXIT_USAGE);
	mf_defaults(&p, MF_SGD);
	p.lr = 0;
	CHECK_INT(mf_check(&p, &e), -1);
	CHECK(strstr(e.msg, "--lr") != NULL);
	mf_defaults(&p, MF_ALS);
	p.reg = 0;
	CHECK_INT(mf_check(&p, &e), -1);
	mf_defaults(&p, MF_IALS);
	CHECK_INT(mf_check(&p, &e), 0);
	ratings_free(&r);
}

struct curve {
	double rmse[64];
	int n;
};

static void
record(void *ctx, const struct mf_epoch *ep)
{
	struct curve *c = ctx;

	if (c->n < 64)
		c->rmse[c->n++] = ep->val_rmse;
}

static void
early_stopping_keeps_the_best_epoch(void)
{
	struct ratings tr, te;
	struct mf_params p;
	struct mf_valset v;
	struct mf_report rep;
	struct model m;
	struct curve c = { { 0 }, 0 };
	struct err e = { 0 };
	double best = INFINITY;

	/* no regularization, many factors, few ratings: it overfits after a few epochs */
	planted(&tr, &te, 120, 100, 0.15, 0.5, 12);
	CHECK_INT(mf_valset_build(&v, &tr, &te, &e), 0);
	mf_defaults(&p, MF_SGD);
	p.k = 32;
	p.epochs = 60;
	p.lr = 0.03;
	p.lr_decay = 1;
	p.reg = 0;
	p.init_std = 0.3;
	p.patience = 3;
	CHECK_INT(mf_train(&tr, &p, &v, record, &c, &m, &rep, &e), 0);
	CHECK(rep.epochs_run < 60);
	CHECK_INT(c.n, rep.epochs_run);
	CHECK_INT(rep.epochs_run - rep.best_epoch, 3);
	for (int i = 0; i < c.n; i++)
		best = c.rmse[i] < best ? c.rmse[i] : best;
	CHECK_NEAR(c.rmse[rep.best_epoch - 1], best, 0);
	if (m.P != NULL) {
		CHECK_NEAR(mf_rmse(&m, &v), best, 1e-4);
		model_free(&m);
	}
	mf_valset_free(&v);
	ratings_free(&tr);
	ratings_free(&te);
}

static void
validation_maps_ids_by_string(void)
{
	float a[4] = { 5, NAN, 1, 3 }, b[6] = { 4, 4, 4, 2, 2, 2 };
	struct ratings tr, va;
	struct mf_valset v;
	struct err e;
	struct model m;

	CHECK_INT(build(&tr, 2, 2, a, 0), 0);
	CHECK_INT(build(&va, 3, 2, b, 0), 0);      /* u2 is unknown to train */
	CHECK_INT(mf_valset_build(&v, &tr, &va, &e), 0);
	CHECK_INT(v.n, 6);
	CHECK_INT(v.unknown_users, 2);
	CHECK_INT(v.unknown_items, 0);
	CHECK_INT(v.u[4], -1);
	CHECK_INT(v.i[3], 1);
	/* an unknown user gets the mean plus the item bias */
	CHECK_INT(model_alloc(&m, 2, 2, 1, &e), 0);
	m.global_mean = 3;
	m.item_bias[0] = 1;
	m.rating_min = 1;
	m.rating_max = 5;
	{
		struct mf_valset one = { 1, &v.u[4], &v.i[4], &v.r[4], 1, 0 };

		CHECK_NEAR(mf_rmse(&m, &one), 2, 1e-6);     /* predicted 3 + 1 - 0 = 4, truth 2 */
	}
	model_free(&m);
	mf_valset_free(&v);
	ratings_free(&tr);
	ratings_free(&va);
}

/* Bayesian MF: the planted rank-3 matrix, its factors sampled side by side in the model. */
static void
bpmf_recovers_planted_low_rank(void)
{
	struct ratings tr, te;
	struct mf_params p;
	struct model m;
	struct mf_report rep;
	struct err e = { 0 };

	planted(&tr, &te, 300, 200, 0.3, 0.1, 7);
	mf_defaults(&p, MF_BPMF);
	p.k = 5;
	p.epochs = 60;
	p.burn_in = 20;
	p.samples = 8;
	p.threads = 2;
	CHECK_INT(mf_train(&tr, &p, NULL, NULL, NULL, &m, &rep, &e), 0);
	if (m.P != NULL) {
		double x = test_rmse(&m, &tr, &te);

		/* the noise is 0.1; predicting the mean alone would be about 1.2 */
		printf("# bpmf test rmse %g, train rmse %g\n", x, rep.train_loss);
		CHECK(x < 0.14);
		CHECK_INT(rep.epochs_run, 60);
		CHECK_INT(m.k, 5 * 8);
		CHECK_STR(json_string_value(json_object_get(m.meta, "algo")), "bpmf");
		CHECK_STR(json_string_value(json_object_get(m.meta, "samples")), "8");
		CHECK_STR(json_string_value(json_object_get(m.meta, "factors_per_sample")), "5");
		CHECK_STR(json_string_value(json_object_get(m.meta, "alpha")), "sampled");
		model_free(&m);
	} else
		printf("# %s\n", e.msg);
	ratings_free(&tr);
	ratings_free(&te);
}

/*
 * With every sample after the burn-in kept, the model's prediction (the samples' factors side
 * by side, scaled by 1/sqrt(S), biases averaged) is the running average of the samples'
 * predictions that the last epoch reported; the posterior-mean factors (samples = 0) are not.
 */
static void
bpmf_model_predicts_the_average_of_its_samples(void)
{
	struct ratings tr, te;
	struct mf_params p;
	struct mf_valset v;
	struct mf_report rep;
	struct model m;
	struct curve c = { { 0 }, 0 };
	struct err e = { 0 };

	planted(&tr, &te, 120, 100, 0.3, 0.5, 13);
	CHECK_INT(mf_valset_build(&v, &tr, &te, &e), 0);
	mf_defaults(&p, MF_BPMF);
	p.k = 4;
	p.epochs = 30;
	p.burn_in = 10;
	p.samples = 20;
	p.threads = 1;
	CHECK_INT(mf_train(&tr, &p, &v, record, &c, &m, &rep, &e), 0);
	CHECK_INT(c.n, 30);
	if (m.P != NULL) {
		printf("# averaged predictions %.6f, the model %.6f\n", c.rmse[29], mf_rmse(&m, &v));
		CHECK_NEAR(mf_rmse(&m, &v), c.rmse[29], 2e-5);
		CHECK_NEAR(rep.val_rmse, c.rmse[29], 2e-5);
		CHECK_INT(m.k, 4 * 20);
		model_free(&m);
	}
	c.n = 0;
	p.samples = 0;
	CHECK_INT(mf_train(&tr, &p, &v, record, &c, &m, &rep, &e), 0);
	if (m.P != NULL) {
		printf("# posterior-mean factors %.6f\n", mf_rmse(&m, &v));
		CHECK_INT(m.k, 4);
		CHECK(fabs(mf_rmse(&m, &v) - c.rmse[29]) > 1e-4);
		model_free(&m);
	}
	mf_valset_free(&v);
	ratings_free(&tr);
	ratings_free(&te);
}

/* Every row's draw is seeded by (seed, sweep, side, row): the thread count changes nothing. */
static void
bpmf_same_model_whatever_the_threads(void)
{
	struct ratings tr, te;
	struct mf_params p;
	struct model a, b;
	struct err e = { 0 };

	planted(&tr, &te, 200, 150, 0.3, 0.3, 9);
	mf_defaults(&p, MF_BPMF);
	p.k = 6;
	p.epochs = 12;
	p.burn_in = 4;
	p.samples = 4;
	p.threads = 1;
	CHECK_INT(mf_train(&tr, &p, NULL, NULL, NULL, &a, NULL, &e), 0);
	p.threads = 3;
	CHECK_INT(mf_train(&tr, &p, NULL, NULL, NULL, &b, NULL, &e), 0);
	if (a.P && b.P) {
		CHECK(memcmp(a.P, b.P, (size_t)(a.users * a.k) * sizeof(float)) == 0);
		CHECK(memcmp(a.Q, b.Q, (size_t)(a.items * a.k) * sizeof(float)) == 0);
		CHECK(memcmp(a.user_bias, b.user_bias, (size_t)a.users * sizeof(float)) == 0);
		CHECK(memcmp(a.item_bias, b.item_bias, (size_t)a.items * sizeof(float)) == 0);
		model_free(&b);
		p.seed = 2;
		CHECK_INT(mf_train(&tr, &p, NULL, NULL, NULL, &b, NULL, &e), 0);
		if (b.P != NULL)
			CHECK(memcmp(a.P, b.P, (size_t)(a.users * a.k) * sizeof(float)) != 0);
	}
	model_free(&a);
	model_free(&b);
	p.seed = 1;
	p.burn_in = 12;
	CHECK_INT(mf_train(&tr, &p, NULL, NULL, NULL, &a, NULL, &e), -1);
	CHECK_INT(e.code, EXIT_USAGE);
	p.burn_in = 4;
	p.samples = 9;
	CHECK_INT(mf_train(&tr, &p, NULL, NULL, NULL, &a, NULL, &e), -1);
	p.samples = 4;
	p.patience = 2;
	CHECK_INT(mf_train(&tr, &p, NULL, NULL, NULL, &a, NULL, &e), -1);
	ratings_free(&tr);
	ratings_free(&te);
}

/*
 * Heteroscedastic noise: a rank-2 matrix where users 0..59 rate with noise 0.05 and users
 * 60..119 with noise 1.5. With per-user precision multipliers the noisy users' ratings weigh
 * less in the item rows, so the quiet users' held-out ratings are predicted better than with
 * one precision for all.
 */
static void
bpmf_noise_multipliers_discount_noisy_users(void)
{
	enum { NU = 120, NI = 80 };
	float *a = malloc(NU * NI * sizeof *a), *b = malloc(NU * NI * sizeof *b);
	double U[NU][2], V[NI][2], rm[2];
	struct ratings tr, te;
	struct mf_params p;
	struct mf_valset v;
	struct model m;
	struct rng g;
	struct err e = { 0 };

	rng_seed(&g, 21);
	for (int u = 0; u < NU; u++)
		U[u][0] = rng_normal(&g), U[u][1] = rng_normal(&g);
	for (int i = 0; i < NI; i++)
		V[i][0] = rng_normal(&g), V[i][1] = rng_normal(&g);
	for (int u = 0; u < NU; u++)
		for (int i = 0; i < NI; i++) {
			double x = 3 + U[u][0] * V[i][0] + U[u][1] * V[i][1] +
			    (u < NU / 2 ? 0.05 : 1.5) * rng_normal(&g);

			a[u * NI + i] = b[u * NI + i] = NAN;
			if (rng_uniform(&g) < 0.25)
				*(u < NU / 2 && rng_uniform(&g) < 0.2 ? &b[u * NI + i] :
				    &a[u * NI + i]) = (float)x;
		}
	CHECK_INT(build(&tr, NU, NI, a, 0), 0);
	CHECK_INT(build(&te, NU, NI, b, 0), 0);
	CHECK_INT(mf_valset_build(&v, &tr, &te, &e), 0);
	mf_defaults(&p, MF_BPMF);
	CHECK_NEAR(p.noise_shape, 50, 0);
	p.k = 2;
	p.epochs = 80;
	p.burn_in = 30;
	p.samples = 10;
	p.threads = 2;
	for (int run = 0; run < 2; run++) {
		p.noise_shape = run == 0 ? 0 : 2;
		rm[run] = INFINITY;
		CHECK_INT(mf_train(&tr, &p, NULL, NULL, NULL, &m, NULL, &e), 0);
		if (m.P != NULL) {
			rm[run] = mf_rmse(&m, &v);
			CHECK_STR(json_string_value(json_object_get(m.meta, "noise")), run == 0 ?
			    "one precision" : "per-user and per-item precision multipliers");
			model_free(&m);
		}
	}
	printf("# quiet users' held-out RMSE: one precision %g, per-user multipliers %g\n", rm[0],
	    rm[1]);
	CHECK(rm[1] < 0.5 * rm[0]);
	free(a);
	free(b);
	mf_valset_free(&v);
	ratings_free(&tr);
	ratings_free(&te);
}

int
main(void)
{
	RUN(sgd_recovers_planted_low_rank);
	RUN(als_recovers_planted_low_rank);
	RUN(als_shrinks_the_bias_of_a_rarely_rated_item);
	RUN(ials_ranks_planted_positives_first);
	RUN(svd_singular_values_match_lapacke);
	RUN(svd_pads_factors_beyond_the_rank_with_zeros);
	RUN(same_seed_gives_the_same_model);
	RUN(divergence_names_the_epoch_and_writes_nothing);
	RUN(empty_matrix_and_bad_params_are_refused);
	RUN(early_stopping_keeps_the_best_epoch);
	RUN(validation_maps_ids_by_string);
	RUN(bpmf_recovers_planted_low_rank);
	RUN(bpmf_model_predicts_the_average_of_its_samples);
	RUN(bpmf_same_model_whatever_the_threads);
	RUN(bpmf_noise_multipliers_discount_noisy_users);
	return UNIT_DONE();
}
