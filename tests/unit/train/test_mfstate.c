/* test_mfstate.c - unit tests of the shared training state: layout, validation RMSE, early stopping */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "train/mfstate.h"
#include "unit.h"

/* A state over a 3 x 2 matrix (only its shape is used), k factors in rows of ld floats. */
static void
make(struct mf_state *s, struct ratings *r, struct mf_params *p, int64_t k, int64_t ld)
{
	struct err e = { 0 };

	ratings_init(r);
	r->rows = 3;
	r->cols = 2;
	memset(p, 0, sizeof *p);
	p->algo = MF_ALS;
	p->k = k;
	p->epochs = 5;
	p->init_std = 0.5;
	memset(s, 0, sizeof *s);
	s->r = r;
	s->p = p;
	s->k = k;
	CHECK_INT(mf_state_alloc(s, ld, &e), 0);
}

static void
alloc_lays_out_one_zeroed_block_with_padded_rows(void)
{
	struct mf_state s;
	struct ratings r;
	struct mf_params p;

	make(&s, &r, &p, 3, 4);
	CHECK_INT(mf_state_floats(&s), (3 + 2) * 4 + 3 + 2);
	CHECK(s.Q == s.P + 3 * 4);
	CHECK(s.bu == s.Q + 2 * 4);
	CHECK(s.bi == s.bu + 3);
	for (size_t x = 0; x < mf_state_floats(&s); x++)
		CHECK(s.P[x] == 0);
	/* the normal init fills the first k columns only: the padding stays zero */
	mf_state_init_normal(&s, 7);
	CHECK(s.P[0] != 0 && s.P[2] != 0);
	CHECK(s.P[3] == 0 && s.Q[3] == 0 && s.Q[7] == 0);
	mf_state_release(&s);
	CHECK(s.P == NULL && s.best == NULL);
}

static void
init_normal_is_reproducible_by_seed(void)
{
	struct mf_state a, b;
	struct ratings ra, rb;
	struct mf_params pa, pb;

	make(&a, &ra, &pa, 2, 2);
	make(&b, &rb, &pb, 2, 2);
	mf_state_init_normal(&a, 11);
	mf_state_init_normal(&b, 11);
	CHECK(memcmp(a.P, b.P, mf_state_floats(&a) * sizeof(float)) == 0);
	mf_state_init_normal(&b, 12);
	CHECK(memcmp(a.P, b.P, 10 * sizeof(float)) != 0);
	mf_state_release(&a);
	mf_state_release(&b);
}

static void
valset_rmse_uses_the_stride_the_biases_and_the_clip(void)
{
	/* P: 1 x 2 used of ld 3; Q likewise; the padding holds junk that must not count */
	float P[3] = { 1, 2, 99 }, Q[3] = { 3, 1, 99 }, bu[1] = { 0.5f }, bi[1] = { -0.5f };
	int32_t u[3] = { 0, -1, 0 }, i[3] = { 0, 0, -1 };
	float r[3] = { 8, 2, 5 };
	struct mf_valset v = { 3, u, i, r, 1, 1 };

	/* predictions: 1 + 0.5 - 0.5 + (3 + 2) = 6; 1 - 0.5 = 0.5; 1 + 0.5 = 1.5 */
	CHECK_NEAR(mf_valset_rmse(&v, P, Q, 2, 3, bu, bi, 1, 0, 0),
	    sqrt((4 + 2.25 + 12.25) / 3.0), 1e-6);
	/* clipped to 1..5: 5, 1, 1.5 */
	CHECK_NEAR(mf_valset_rmse(&v, P, Q, 2, 3, bu, bi, 1, 1, 5),
	    sqrt((9 + 1 + 12.25) / 3.0), 1e-6);
	v.n = 0;
	CHECK_NEAR(mf_valset_rmse(&v, P, Q, 2, 3, bu, bi, 1, 1, 5), 0, 0);
}

/* Zeroes the state but for user 0's bias, x: the prediction for user 0 is mu + x = x. */
static void
fill(struct mf_state *s, float x)
{
	memset(s->P, 0, mf_state_floats(s) * sizeof(float));
	s->bu[0] = x;
}

static void
epoch_end_stops_after_patience_and_keeps_the_best(void)
{
	struct mf_state s;
	struct ratings r;
	struct mf_params p;
	struct err e = { 0 };
	int32_t u[1] = { 0 }, i[1] = { 0 };
	float truth[1] = { 1 };
	struct mf_valset v = { 1, u, i, truth, 0, 0 };

	make(&s, &r, &p, 1, 1);
	p.patience = 2;
	s.val = &v;
	/* the truth is 1: the error of an epoch is |x - 1| */
	fill(&s, 3);
	CHECK_INT(mf_state_epoch_end(&s, 1, 1.0, 0, 0, &e), 0);     /* 2, the best so far */
	fill(&s, 1.25f);
	CHECK_INT(mf_state_epoch_end(&s, 2, 1.0, 0, 0, &e), 0);     /* 0.25, better */
	CHECK_INT(s.best_epoch, 2);
	fill(&s, 2);
	CHECK_INT(mf_state_epoch_end(&s, 3, 1.0, 0, 0, &e), 0);     /* worse: one epoch of patience */
	CHECK_INT(mf_state_epoch_end(&s, 4, 1.0, 0, 0, &e), 1);     /* two: stop */
	CHECK_INT(s.epochs_run, 4);
	mf_state_keep_best(&s);
	CHECK_NEAR(s.bu[0], 1.25, 0);
	CHECK_NEAR(s.best_rmse, 0.25, 1e-7);
	CHECK_NEAR(mf_state_rmse(&s, &v), 0.25, 1e-7);
	mf_state_release(&s);
}

static void
epoch_end_refuses_a_loss_that_is_not_finite(void)
{
	struct mf_state s;
	struct ratings r;
	struct mf_params p;
	struct err e = { 0 };

	make(&s, &r, &p, 1, 1);
	CHECK_INT(mf_state_epoch_end(&s, 3, NAN, 0, 0, &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK(strstr(e.msg, "epoch 3: training diverged (the loss is NaN)") != NULL);
	CHECK(strstr(e.msg, "--reg") != NULL);
	p.algo = MF_SGD;
	p.lr = 0.5;
	CHECK_INT(mf_state_epoch_end(&s, 1, INFINITY, 0, 0, &e), -1);
	CHECK(strstr(e.msg, "infinite") != NULL && strstr(e.msg, "smaller --lr than 0.5") != NULL);
	mf_state_release(&s);
}

int
main(void)
{
	RUN(alloc_lays_out_one_zeroed_block_with_padded_rows);
	RUN(init_normal_is_reproducible_by_seed);
	RUN(valset_rmse_uses_the_stride_the_biases_and_the_clip);
	RUN(epoch_end_stops_after_patience_and_keeps_the_best);
	RUN(epoch_end_refuses_a_loss_that_is_not_finite);
	return UNIT_DONE();
}
