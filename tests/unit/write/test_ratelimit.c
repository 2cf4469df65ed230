/* test_ratelimit.c - request/token buckets and the server's rate-limit hints */
#include "write/ratelimit.h"
#include "unit.h"

static void
test_rpm_spacing(void)
{
	struct ratelimit rl;
	int64_t t = 1000;
	int i;

	ratelimit_init(&rl, 120, 0, t);
	/* the first request goes at once, then one per 500 ms */
	CHECK_INT(ratelimit_wait(&rl, 10, t), 0);
	ratelimit_take(&rl, 10, t);
	CHECK_INT(ratelimit_wait(&rl, 10, t), 500);
	CHECK_INT(ratelimit_wait(&rl, 10, t + 200), 300);
	for (i = 1; i < 5; i++) {
		t += ratelimit_wait(&rl, 10, t);
		ratelimit_take(&rl, 10, t);
	}
	CHECK_INT(t, 1000 + 4 * 500);
	/* idle time does not pile up more than one request */
	t += 60000;
	CHECK_INT(ratelimit_wait(&rl, 10, t), 0);
	ratelimit_take(&rl, 10, t);
	CHECK_INT(ratelimit_wait(&rl, 10, t), 500);
}

static void
test_unlimited(void)
{
	struct ratelimit rl;
	int i;

	ratelimit_init(&rl, 0, 0, 0);
	for (i = 0; i < 1000; i++) {
		CHECK_INT(ratelimit_wait(&rl, 1e6, 0), 0);
		ratelimit_take(&rl, 1e6, 0);
	}
}

static void
test_tpm(void)
{
	struct ratelimit rl;

	/* 60000 tokens a minute: 1000 a second, 1 per ms, bucket of 1000 */
	ratelimit_init(&rl, 0, 60000, 0);
	CHECK_INT(ratelimit_wait(&rl, 600, 0), 0);
	ratelimit_take(&rl, 600, 0);
	CHECK_INT(ratelimit_wait(&rl, 600, 0), 200);
	/* an oversize request waits for a full bucket, then leaves debt */
	CHECK_INT(ratelimit_wait(&rl, 5000, 0), 600);
	ratelimit_take(&rl, 5000, 600);
	CHECK_INT(ratelimit_wait(&rl, 100, 600), 4100);
	/* usage lower than estimated gives tokens back */
	ratelimit_settle(&rl, 5000, 1000);
	CHECK_INT(ratelimit_wait(&rl, 100, 600), 100);
}

static void
test_hold_and_hints(void)
{
	struct ratelimit rl;

	ratelimit_init(&rl, 0, 0, 0);
	ratelimit_hold(&rl, 1500);
	CHECK_INT(ratelimit_wait(&rl, 1, 1000), 500);
	CHECK_INT(ratelimit_wait(&rl, 1, 1500), 0);
	ratelimit_observe(&rl, 2000, "0", "", "1s", "");
	CHECK_INT(ratelimit_wait(&rl, 1, 2000), 1000);
	CHECK_INT(ratelimit_wait(&rl, 1, 3000), 0);
	ratelimit_observe(&rl, 4000, "2", "100", "6m0s", "20ms");
	CHECK_INT(ratelimit_wait(&rl, 50, 4000), 0);
	ratelimit_take(&rl, 50, 4000);
	CHECK_INT(ratelimit_wait(&rl, 60, 4000), 20);   /* 50 tokens left < 60 */
	ratelimit_take(&rl, 10, 4030);
	CHECK_INT(ratelimit_wait(&rl, 1, 4030), 360000 - 30);  /* no requests left */
	/* garbage is ignored */
	ratelimit_init(&rl, 0, 0, 0);
	ratelimit_observe(&rl, 0, "many", "x", "soon", "later");
	CHECK_INT(ratelimit_wait(&rl, 1, 0), 0);
}

static void
test_duration(void)
{
	int64_t ms = -1;

	CHECK_INT(ratelimit_parse_duration("1s", &ms), 0);
	CHECK_INT(ms, 1000);
	CHECK_INT(ratelimit_parse_duration("6m0s", &ms), 0);
	CHECK_INT(ms, 360000);
	CHECK_INT(ratelimit_parse_duration("20ms", &ms), 0);
	CHECK_INT(ms, 20);
	CHECK_INT(ratelimit_parse_duration("1h2m3.5s", &ms), 0);
	CHECK_INT(ms, 3723500);
	CHECK_INT(ratelimit_parse_duration("30", &ms), 0);
	CHECK_INT(ms, 30000);
	CHECK_INT(ratelimit_parse_duration("0.25", &ms), 0);
	CHECK_INT(ms, 250);
	CHECK_INT(ratelimit_parse_duration("", &ms), -1);
	CHECK_INT(ratelimit_parse_duration("5x", &ms), -1);
	CHECK_INT(ratelimit_parse_duration("-1s", &ms), -1);
	CHECK_INT(ratelimit_parse_duration("1s2", &ms), -1);
}

int
main(void)
{
	RUN(test_rpm_spacing);
	RUN(test_unlimited);
	RUN(test_tpm);
	RUN(test_hold_and_hints);
	RUN(test_duration);
	return UNIT_DONE();
}
