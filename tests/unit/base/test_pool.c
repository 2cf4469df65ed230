/* test_pool.c - a pool runs every item exactly once, and pool_each once per worker */
#include <stdlib.h>
#include <string.h>

#include "base/pool.h"
#include "unit.h"

struct count {
	int hits[1000];
	int worker[POOL_MAX];
	int seen_w[POOL_MAX];
};

static void
hit(void *arg, size_t i, int w)
{
	struct count *c = arg;

	__atomic_fetch_add(&c->hits[i], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->worker[w], 1, __ATOMIC_RELAXED);
}

static void
each(void *arg, size_t i, int w)
{
	struct count *c = arg;

	c->seen_w[i] += 1 + (w == (int)i ? 0 : 100);
}

static void
test_every_item_once_on_several_threads(void)
{
	static struct count c;
	struct err e;
	struct pool *p = pool_start(4, &e);
	int round, i, total = 0;

	CHECK(p != NULL);
	CHECK_INT(pool_size(p), 4);
	for (round = 0; round < 50; round++)
		pool_run(p, 1000, hit, &c);
	for (i = 0; i < 1000; i++)
		CHECK_INT(c.hits[i], 50);
	for (i = 0; i < 4; i++)
		total += c.worker[i];
	CHECK_INT(total, 50000);
	for (round = 0; round < 20; round++)
		pool_each(p, each, &c);
	for (i = 0; i < 4; i++)
		CHECK_INT(c.seen_w[i], 20);
	pool_run(p, 0, hit, &c);
	pool_stop(p);
}

static void
test_one_worker_runs_in_the_caller(void)
{
	static struct count c;
	struct err e;
	struct pool *p = pool_start(1, &e);
	int i;

	CHECK(p != NULL);
	pool_run(p, 10, hit, &c);
	for (i = 0; i < 10; i++)
		CHECK_INT(c.hits[i], 1);
	CHECK_INT(c.worker[0], 10);
	pool_each(p, each, &c);
	CHECK_INT(c.seen_w[0], 1);
	pool_stop(p);
	pool_stop(NULL);
}

static void
test_bad_sizes_are_refused(void)
{
	struct err e;

	CHECK(pool_start(0, &e) == NULL);
	CHECK_INT(e.code, 64);
	CHECK(pool_start(POOL_MAX + 1, &e) == NULL);
	CHECK(pool_cpus() >= 1);
}

int
main(void)
{
	RUN(test_every_item_once_on_several_threads);
	RUN(test_one_worker_runs_in_the_caller);
	RUN(test_bad_sizes_are_refused);
	return UNIT_DONE();
}
