/* test_tunespace.c - unit tests of lib/measure/tunespace.c: the syntax, grids, snapping and option strings */
#include <string.h>

#include "base/exitcode.h"
#include "base/rng.h"
#include "measure/tunespace.h"
#include "unit.h"

static void
parses_lists_and_ranges(void)
{
	struct tunespace s;
	struct err e = { 0 };

	tunespace_init(&s);
	CHECK_INT(tunespace_parse(&s, "factors=16,32,64 reg=log:1:100;alpha=0.5:4", &e), 0);
	CHECK_INT(tunespace_parse(&s, "topk.min-support=int:1:20", &e), 0);
	CHECK_INT(s.ndims, 4);
	CHECK_INT(s.dim[0].kind, TS_LIST);
	CHECK_INT(s.dim[0].nvalues, 3);
	CHECK_STR(s.dim[0].values[2], "64");
	CHECK_INT(s.dim[1].kind, TS_LOG);
	CHECK_INT(s.dim[2].kind, TS_REAL);
	CHECK_INT(s.dim[3].kind, TS_INT);
	CHECK_INT(s.dim[3].topk, 1);
	CHECK_INT(tunespace_parse(&s, "reg=1,2", &e), -1);
	CHECK_INT(e.code, EXIT_USAGE);
	CHECK(strstr(e.msg, "given twice") != NULL);
	tunespace_free(&s);
}

static void
grid_points_are_even_in_their_scale(void)
{
	struct tunespace s;
	struct tunepoint p[16];
	struct err e = { 0 };
	char key[256];

	tunespace_init(&s);
	CHECK_INT(tunespace_parse(&s, "factors=8,16 reg=log:1:100", &e), 0);
	CHECK_INT(tunespace_grid(&s, 3, NULL, 0, &e), 6);
	CHECK_INT(tunespace_grid(&s, 3, p, 16, &e), 6);
	tunespace_key(&s, &p[0], key, sizeof key);
	CHECK_STR(key, "factors=8 reg=1");
	tunespace_key(&s, &p[1], key, sizeof key);
	CHECK_STR(key, "factors=8 reg=10");
	tunespace_key(&s, &p[5], key, sizeof key);
	CHECK_STR(key, "factors=16 reg=100");
	tunespace_free(&s);
	/* whole numbers do not repeat in a grid */
	tunespace_init(&s);
	CHECK_INT(tunespace_parse(&s, "epochs=int:1:3", &e), 0);
	CHECK_INT(tunespace_grid(&s, 10, NULL, 0, &e), 3);
	CHECK_INT(tunespace_grid(&s, 10, p, 16, &e), 3);
	tunespace_free(&s);
}

static void
options_go_to_their_program(void)
{
	struct tunespace s;
	struct tunepoint p = { { 0 } };
	struct err e = { 0 };
	char buf[256];

	tunespace_init(&s);
	CHECK_INT(tunespace_parse(&s, "factors=8,16 topk.mmr=0:1 alpha=log:1:100", &e), 0);
	p.x[0] = 1;
	p.x[1] = 0.25;
	p.x[2] = 0.5;
	tunespace_opts(&s, &p, 0, buf, sizeof buf);
	CHECK_STR(buf, "--factors=16 --alpha=10");
	tunespace_opts(&s, &p, 1, buf, sizeof buf);
	CHECK_STR(buf, "--mmr=0.25");
	tunespace_free(&s);
}

static void
random_points_are_snapped_and_seeded(void)
{
	struct tunespace s;
	struct tunepoint a, b;
	struct err e = { 0 };
	struct rng g1, g2;
	char k1[256], k2[256];

	tunespace_init(&s);
	CHECK_INT(tunespace_parse(&s, "factors=int:2:9 reg=log:0.01:100", &e), 0);
	rng_seed(&g1, 7);
	rng_seed(&g2, 7);
	for (int i = 0; i < 50; i++) {
		struct tunepoint c;

		tunespace_random(&s, &g1, &a);
		tunespace_random(&s, &g2, &b);
		CHECK(memcmp(&a, &b, sizeof a) == 0);
		c = a;
		tunespace_snap(&s, &c);         /* snapping twice changes nothing */
		tunespace_key(&s, &a, k1, sizeof k1);
		tunespace_key(&s, &c, k2, sizeof k2);
		CHECK_STR(k1, k2);
		CHECK(a.x[0] >= 0 && a.x[0] <= 1 && a.x[1] >= 0 && a.x[1] <= 1);
	}
	tunespace_free(&s);
}

int
main(void)
{
	RUN(parses_lists_and_ranges);
	RUN(grid_points_are_even_in_their_scale);
	RUN(options_go_to_their_program);
	RUN(random_points_are_snapped_and_seeded);
	return UNIT_DONE();
}
