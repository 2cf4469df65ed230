/* test_tstamp.c - unit tests of lib/base/tstamp.c against known unix times and impossible dates */
#include "base/tstamp.h"
#include "unit.h"

static int64_t
ts(const char *s)
{
	int64_t v = -12345;

	if (tstamp_parse(s, strlen(s), &v) < 0)
		return -999999;
	return v;
}

static void
parses_unix_seconds(void)
{
	CHECK_INT(ts("881250949"), 881250949);
	CHECK_INT(ts("0"), 0);
	CHECK_INT(ts("-86400"), -86400);
	CHECK_INT(ts("1700000000"), 1700000000);
}

static void
parses_dates_as_utc(void)
{
	/* values from `date -u -d ... +%s` */
	CHECK_INT(ts("2010-12-01 08:26:00"), 1291191960);
	CHECK_INT(ts("2010-12-01T08:26"), 1291191960);
	CHECK_INT(ts("2011-12-09 12:50:00Z"), 1323435000);
	CHECK_INT(ts("1970-01-01"), 0);
	CHECK_INT(ts("2000-02-29 23:59:59"), 951868799);
	CHECK_INT(ts("1969-12-31 23:59:59"), -1);
	CHECK_INT(ts("2023-11-14T22:13:20.125"), 1700000000);
}

static void
rejects_what_is_not_a_timestamp(void)
{
	const char *bad[] = {
		"", "-", "12a", "1e9", " 881250949", "2011-02-30 00:00", "2011-13-01", "2011-00-10",
		"2100-02-29", "2010-12-01 24:00", "2010-12-01 08:60", "2010-12-01 8:26", "12/1/2010 8:26",
		"2010-12-01 08:26:00 extra", "2010-12-01T", "2010-12-01 08:26:00.", "1234567890123456",
	};

	for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
		int64_t v;

		if (tstamp_parse(bad[k], strlen(bad[k]), &v) != -1) {
			printf("#   accepted '%s'\n", bad[k]);
			CHECK(0);
		}
	}
}

static void
length_bounds_the_text(void)
{
	int64_t v;

	CHECK_INT(tstamp_parse("2010-12-01 08:26:00garbage", 19, &v), 0);
	CHECK_INT(v, 1291191960);
}

int
main(void)
{
	RUN(parses_unix_seconds);
	RUN(parses_dates_as_utc);
	RUN(rejects_what_is_not_a_timestamp);
	RUN(length_bounds_the_text);
	return UNIT_DONE();
}
