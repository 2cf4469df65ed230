/* test_liked.c - unit tests for which history items a reason may name (lib/recommend/liked) */
#include <math.h>
#include <string.h>

#include "recommend/liked.h"
#include "unit.h"

static void
explicit_needs_four_and_the_users_mean(void)
{
	struct liked_opts o;
	struct liked l;

	liked_opts_init(&o);
	l = liked_rule(&o, 0);
	CHECK(l.relative);
	CHECK_INT(l.action, RECS_RATED);
	CHECK(liked_is(&l, 4.0f, 3.5));
	CHECK(!liked_is(&l, 3.5f, 3.0));        /* below 4 */
	CHECK(!liked_is(&l, 4.0f, 4.5));        /* below the user's mean */
	CHECK(liked_is(&l, 5.0f, 5.0));
	o.min = 1;
	l = liked_rule(&o, 0);
	CHECK(liked_is(&l, 1.0f, 1.0));
	CHECK(!liked_is(&l, 2.0f, 3.5));
	o.min = 0;                              /* off: the mean too */
	l = liked_rule(&o, 0);
	CHECK(liked_is(&l, 1.0f, 3.5));
}

static void
implicit_names_every_item_unless_a_threshold_is_given(void)
{
	struct liked_opts o;
	struct liked l;

	liked_opts_init(&o);
	l = liked_rule(&o, 1);
	CHECK(!l.relative);
	CHECK_INT(l.action, RECS_BOUGHT);
	CHECK(liked_is(&l, 1.0f, 9.0));
	o.min = 5;
	o.action = RECS_VIEWED;
	l = liked_rule(&o, 1);
	CHECK(!liked_is(&l, 3.0f, 0));
	CHECK(liked_is(&l, 5.0f, 0));
	CHECK_INT(l.action, RECS_VIEWED);
}

static void
actions_parse_by_name(void)
{
	enum recs_action a = RECS_ACT_NONE;

	CHECK_INT(liked_parse_action("carted", &a), 0);
	CHECK_INT(a, RECS_CARTED);
	CHECK_INT(liked_parse_action("rated", &a), 0);
	CHECK_INT(a, RECS_RATED);
	CHECK_INT(liked_parse_action("liked", &a), -1);
	CHECK_INT(liked_parse_action("", &a), -1);
	CHECK_STR(recs_action_name(RECS_BOUGHT), "bought");
	CHECK(recs_action_name(RECS_ACT_NONE) == NULL);
	CHECK(fabs(liked_mean((const float[]){ 1, 2, 6 }, 3) - 3.0) < 1e-12);
	CHECK(liked_mean(NULL, 0) == 0.0);
}

int
main(void)
{
	RUN(explicit_needs_four_and_the_users_mean);
	RUN(implicit_names_every_item_unless_a_threshold_is_given);
	RUN(actions_parse_by_name);
	return UNIT_DONE();
}
