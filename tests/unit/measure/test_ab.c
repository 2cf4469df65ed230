/* test_ab.c - unit tests of lib/measure/ab.c: arm lists, the hash, and the spread of assignments */
#include <stdio.h>
#include <string.h>

#include "measure/ab.h"
#include "base/exitcode.h"
#include "base/stats.h"
#include "unit.h"

static void
parses_arms_in_order(void)
{
	struct ab_arms a;
	struct err e;

	CHECK_INT(ab_arms_parse(&a, "llm=0.45,template=0.45,holdout=0.1", &e), 0);
	CHECK_INT(a.n, 3);
	CHECK_STR(a.name[0], "llm");
	CHECK_STR(a.name[2], "holdout");
	CHECK_NEAR(a.weight[1], 0.45, 0);
	CHECK_NEAR(a.cum[0], 0.45, 1e-15);
	CHECK_NEAR(a.cum[1], 0.9, 1e-15);
	CHECK(a.cum[2] == 1.0);
	CHECK_INT(ab_arms_find(&a, "template"), 1);
	CHECK_INT(ab_arms_find(&a, "nope"), -1);
	ab_arms_free(&a);
	CHECK_INT(ab_arms_parse(&a, "only=1", &e), 0);
	CHECK_INT(a.n, 1);
	ab_arms_free(&a);
	/* thirds cannot be written exactly; 1e-9 allows for it */
	CHECK_INT(ab_arms_parse(&a, "a=0.3333333333,b=0.3333333333,c=0.3333333334", &e), 0);
	ab_arms_free(&a);
}

static void
rejects_bad_arm_lists(void)
{
	static const char *bad[] = {
		"llm=0.5,template=0.5,holdout=0.1",     /* sums to 1.1 */
		"llm=0.5",                              /* sums to 0.5 */
		"llm=0.5,llm=0.5",                      /* twice */
		"llm=-0.5,b=1.5", "llm=0,b=1", "llm=nan,b=1", "llm=,b=1", "=1", "llm",
		"a b=1", "a=1,", "", "a=0.5x,b=0.5",
	};
	struct ab_arms a;
	struct err e;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		e.code = 0;
		if (ab_arms_parse(&a, bad[i], &e) != -1) {
			printf("#   accepted '%s'\n", bad[i]);
			CHECK(0);
			ab_arms_free(&a);
		}
		CHECK_INT(e.code, EXIT_USAGE);
		CHECK(strncmp(e.msg, "--arms: ", 8) == 0);
	}
}

static void
hash_is_sha256_of_campaign_nul_user(void)
{
	/* python3: h = hashlib.sha256(b"2026-11-w48\0c1").digest();
	 *          (int.from_bytes(h[:8], "big") >> 11) * 2.0**-53 */
	CHECK_NEAR(ab_unit("2026-11-w48", "c1", 2), 0.58572225633397, 1e-14);
	CHECK_NEAR(ab_unit("x", "", 0), 0.0819114266739801, 1e-14);
	/* ids are bytes: a NUL inside a user id takes part */
	CHECK(ab_unit("x", "a\0b", 3) != ab_unit("x", "a", 1));
}

static void
assignment_is_stable_and_follows_weights(void)
{
	struct ab_arms a;
	struct err e;
	int64_t obs[3] = { 0, 0, 0 };
	int moved = 0;
	char user[32];

	CHECK_INT(ab_arms_parse(&a, "llm=0.45,template=0.45,holdout=0.1", &e), 0);
	for (int i = 0; i < 100000; i++) {
		int len = snprintf(user, sizeof user, "user%d", i);
		int arm = ab_assign(&a, "spring", user, (size_t)len);

		CHECK(arm >= 0 && arm < 3);
		obs[arm]++;
		CHECK_INT(ab_assign(&a, "spring", user, (size_t)len), arm);
		moved += ab_assign(&a, "autumn", user, (size_t)len) != arm;
	}
	/* the split fits the weights: a chi-square p-value that is not tiny */
	CHECK(stats_chi2_gof(obs, a.weight, 3, NULL) > 1e-4);
	/* another campaign draws afresh: about 1 - (.45^2 + .45^2 + .1^2) = 58.5% move */
	CHECK(moved > 57500 && moved < 59500);
	ab_arms_free(&a);
}

int
main(void)
{
	RUN(parses_arms_in_order);
	RUN(rejects_bad_arm_lists);
	RUN(hash_is_sha256_of_campaign_nul_user);
	RUN(assignment_is_stable_and_follows_weights);
	return UNIT_DONE();
}
