/* test_gp.c - unit tests of lib/measure/gp.c: interpolation, uncertainty away from data, expected improvement */
#include <math.h>

#include "measure/gp.h"
#include "unit.h"

static void
interpolates_a_smooth_function_and_is_unsure_far_away(void)
{
	double X[8], y[8], mu, sd, near_sd;
	struct gp g;
	struct err e = { 0 };

	for (int i = 0; i < 8; i++) {
		X[i] = i / 7.0 * 0.6;           /* data on [0, 0.6] only */
		y[i] = sin(6 * X[i]);
	}
	CHECK_INT(gp_fit(&g, X, y, 8, 1, &e), 0);
	for (int i = 0; i < 8; i++) {
		gp_predict(&g, &X[i], &mu, &sd);
		CHECK_NEAR(mu, y[i], 0.02);
	}
	{
		double x = 0.3;

		gp_predict(&g, &x, &mu, &near_sd);
		CHECK_NEAR(mu, sin(1.8), 0.05);
		x = 1.0;
		gp_predict(&g, &x, &mu, &sd);
		CHECK(sd > 5 * near_sd);
	}
	gp_free(&g);
}

static void
expected_improvement_grows_with_mean_and_doubt(void)
{
	CHECK_NEAR(gp_ei(1, 0, 0.5), 0.5, 1e-12);
	CHECK_NEAR(gp_ei(0.2, 0, 0.5), 0, 0);
	CHECK(gp_ei(0.5, 0.2, 0.5) > gp_ei(0.5, 0.1, 0.5));
	CHECK(gp_ei(0.6, 0.1, 0.5) > gp_ei(0.4, 0.1, 0.5));
	/* at mu = best: sd / sqrt(2 pi) */
	CHECK_NEAR(gp_ei(0.5, 0.3, 0.5), 0.3 / sqrt(2 * M_PI), 1e-12);
}

int
main(void)
{
	RUN(interpolates_a_smooth_function_and_is_unsure_far_away);
	RUN(expected_improvement_grows_with_mean_and_doubt);
	return UNIT_DONE();
}
