/* test_foldin.c - unit tests for folding a new user into a model (lib/foldin), solved by hand */
#include "base/exitcode.h"
#include "recommend/foldin.h"
#include "unit.h"

/* k = 1, items q = (2, 1), biases (.5, 0), mean 3. */
static void
make(struct model *m)
{
	model_alloc(m, 0, 2, 1, NULL);
	m->Q[0] = 2;
	m->Q[1] = 1;
	m->item_bias[0] = 0.5f;
	m->global_mean = 3;
}

static void
explicit_is_ridge_regression_on_residuals(void)
{
	struct model m;
	struct foldin f;
	int32_t items[] = { 0 };
	float vals[] = { 5 }, p[1];

	make(&m);
	/* (q0^2 + 1) p = q0 (5 - 3 - .5): 5 p = 3 */
	CHECK(foldin_init(&f, &m, 0, 1.0, 1.0, NULL) == 0);
	CHECK(foldin_solve(&f, items, vals, 1, p, NULL) == 0);
	CHECK_NEAR(p[0], 0.6, 1e-6);
	foldin_free(&f);
	model_free(&m);
}

static void
implicit_uses_the_gram_matrix_and_confidence(void)
{
	struct model m;
	struct foldin f;
	int32_t items[] = { 0, 1 };
	float vals[] = { 1, 3 }, p[1];

	make(&m);
	/* alpha 1, lambda 1: c = (2, 4); A = Q^T Q (5) + 1*4 + 3*1 + 1 = 13; b = 2*2 + 4*1 = 8 */
	CHECK(foldin_init(&f, &m, 1, 1.0, 1.0, NULL) == 0);
	CHECK(foldin_solve(&f, items, vals, 2, p, NULL) == 0);
	CHECK_NEAR(p[0], 8.0 / 13.0, 1e-6);
	foldin_free(&f);
	model_free(&m);
}

static void
nothing_to_fold_is_a_data_error(void)
{
	struct model m;
	struct foldin f;
	struct err e = { 0 };
	float p[1];

	make(&m);
	CHECK(foldin_init(&f, &m, 0, 1.0, 1.0, NULL) == 0);
	CHECK(foldin_solve(&f, NULL, NULL, 0, p, &e) == -1);
	CHECK_INT(e.code, EXIT_DATA);
	foldin_free(&f);
	model_free(&m);
}

static void
a_known_users_session_moves_their_factors_from_p0(void)
{
	struct model m;
	struct foldin f;
	int32_t items[] = { 0 };
	float vals[] = { 5 }, p0[] = { 0.25f }, p[1];

	make(&m);
	/* explicit, lambda 1, bu .5: (4 + 1) p = 2 (5 - 3 - .5 - .5) + 1 * .25 = 2.25 */
	CHECK(foldin_init(&f, &m, 0, 1.0, 1.0, NULL) == 0);
	CHECK(foldin_update(&f, items, vals, 1, p0, 0.5f, p, NULL) == 0);
	CHECK_NEAR(p[0], 2.25 / 5.0, 1e-6);
	foldin_free(&f);
	/* implicit, alpha 1: c = 6; A = 5 + 1 + 4 * 5 = 26; b = (5 + 1) * .25 + 6 * 2 = 13.5 */
	CHECK(foldin_init(&f, &m, 1, 1.0, 1.0, NULL) == 0);
	CHECK(foldin_update(&f, items, vals, 1, p0, 0.0f, p, NULL) == 0);
	CHECK_NEAR(p[0], 13.5 / 26.0, 1e-6);
	/* without p0 it is the new user's solve: A = 26, b = 12 */
	CHECK(foldin_update(&f, items, vals, 1, NULL, 0.0f, p, NULL) == 0);
	CHECK_NEAR(p[0], 12.0 / 26.0, 1e-6);
	foldin_free(&f);
	model_free(&m);
}

int
main(void)
{
	RUN(a_known_users_session_moves_their_factors_from_p0);
	RUN(explicit_is_ridge_regression_on_residuals);
	RUN(implicit_uses_the_gram_matrix_and_confidence);
	RUN(nothing_to_fold_is_a_data_error);
	return UNIT_DONE();
}
