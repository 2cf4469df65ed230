/* test_predict.c - unit tests of lib/measure/predict.c on a hand-built model: known pairs, fallback, map */
#include <stdio.h>
#include <string.h>

#include "measure/predict.h"
#include "unit.h"

/*
 * users u1, u2; items a, b; k = 2; global mean 3.5, rating scale 1..5
 * user_bias (0.5, -0.25), item_bias (0.1, -0.4)
 * P = [[1, 0], [0.5, 2]], Q = [[0.2, 0.3], [1, -1]]
 */
static void
build(struct model *m)
{
	static const float P[4] = { 1, 0, 0.5f, 2 }, Q[4] = { 0.2f, 0.3f, 1, -1 };
	struct err e;

	model_alloc(m, 2, 2, 2, &e);
	memcpy(m->P, P, sizeof P);
	memcpy(m->Q, Q, sizeof Q);
	m->user_bias[0] = 0.5f;
	m->user_bias[1] = -0.25f;
	m->item_bias[0] = 0.1f;
	m->item_bias[1] = -0.4f;
	m->global_mean = 3.5f;
	m->rating_min = 1;
	m->rating_max = 5;
	ids_intern(&m->user_ids, "u1", 2, &e);
	ids_intern(&m->user_ids, "u2", 2, &e);
	ids_intern(&m->item_ids, "a", 1, &e);
	ids_intern(&m->item_ids, "b", 1, &e);
}

static void
known_pairs_use_biases_and_factors(void)
{
	struct model m;

	build(&m);
	/* u1,a: 3.5 + 0.5 + 0.1 + (1*0.2 + 0*0.3) = 4.3 */
	CHECK_NEAR(predict_rating(&m, 0, 0, 1), 4.3, 1e-5);
	/* u1,b: 3.5 + 0.5 - 0.4 + (1*1 + 0*-1) = 4.6 */
	CHECK_NEAR(predict_rating(&m, 0, 1, 1), 4.6, 1e-5);
	/* u2,a: 3.5 - 0.25 + 0.1 + (0.5*0.2 + 2*0.3) = 4.05 */
	CHECK_NEAR(predict_rating(&m, 1, 0, 1), 4.05, 1e-5);
	/* u2,b: 3.5 - 0.25 - 0.4 + (0.5*1 + 2*-1) = 1.35 */
	CHECK_NEAR(predict_rating(&m, 1, 1, 1), 1.35, 1e-5);
	model_free(&m);
}

static void
unknown_ids_fall_back_to_mean_and_known_bias(void)
{
	struct model m;

	build(&m);
	CHECK_NEAR(predict_rating(&m, -1, 0, 1), 3.5 + 0.1, 1e-5);      /* item a known */
	CHECK_NEAR(predict_rating(&m, 1, -1, 1), 3.5 - 0.25, 1e-5);     /* user u2 known */
	CHECK_NEAR(predict_rating(&m, -1, -1, 1), 3.5, 1e-5);           /* nothing known */
	model_free(&m);
}

static void
predictions_are_clipped_to_the_scale(void)
{
	struct model m;

	build(&m);
	m.P[0] = 3;     /* u1,b: 3.5 + 0.5 - 0.4 + 3 = 6.6 */
	CHECK_NEAR(predict_rating(&m, 0, 1, 1), 5, 0);
	CHECK_NEAR(predict_rating(&m, 0, 1, 0), 6.6, 1e-5);
	m.global_mean = -3;     /* fallback -3 + 0.1 = -2.9, below 1 */
	CHECK_NEAR(predict_rating(&m, -1, 0, 1), 1, 0);
	m.rating_min = m.rating_max = 0;        /* no scale: no clipping */
	CHECK_NEAR(predict_rating(&m, -1, 0, 1), -2.9, 1e-5);
	model_free(&m);
}

static void
map_matches_ids_by_string(void)
{
	struct model m;
	struct ids users, items;
	struct predict_map pm;
	struct err e;

	build(&m);
	ids_init(&users);
	ids_init(&items);
	ids_intern(&users, "x", 1, &e);
	ids_intern(&users, "u2", 2, &e);
	ids_intern(&users, "u1", 2, &e);
	ids_intern(&items, "b", 1, &e);
	CHECK_INT(predict_map_init(&pm, &m, &users, &items, &e), 0);
	CHECK_INT(pm.nusers, 3);
	CHECK_INT(pm.user[0], -1);
	CHECK_INT(pm.user[1], 1);
	CHECK_INT(pm.user[2], 0);
	CHECK_INT(pm.known_users, 2);
	CHECK_INT(pm.item[0], 1);
	CHECK_INT(pm.known_items, 1);
	/* test user 2 ("u1") and test item 0 ("b") are the model's u1, b: 4.6 */
	CHECK_NEAR(predict_rating(&m, pm.user[2], pm.item[0], 1), 4.6, 1e-5);
	predict_map_free(&pm);
	ids_free(&users);
	ids_free(&items);
	model_free(&m);
}

int
main(void)
{
	RUN(known_pairs_use_biases_and_factors);
	RUN(unknown_ids_fall_back_to_mean_and_known_bias);
	RUN(predictions_are_clipped_to_the_scale);
	RUN(map_matches_ids_by_string);
	return UNIT_DONE();
}
