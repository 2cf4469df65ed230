/* unit.h - a tiny TAP-producing harness for the C unit tests (one file per lib module) */
#ifndef RECMAIL_UNIT_H
#define RECMAIL_UNIT_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int unit_failed, unit_count, unit_case_failed;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stdout, "#   %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		unit_case_failed = 1; \
	} \
} while (0)

#define CHECK_INT(a, b) do { \
	long long unit_a = (long long)(a), unit_b = (long long)(b); \
	if (unit_a != unit_b) { \
		fprintf(stdout, "#   %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, \
		    unit_a, unit_b); \
		unit_case_failed = 1; \
	} \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *unit_a = (a), *unit_b = (b); \
	if (unit_a == NULL || unit_b == NULL || strcmp(unit_a, unit_b) != 0) { \
		fprintf(stdout, "#   %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
		    #a, unit_a ? unit_a : "(null)", unit_b ? unit_b : "(null)"); \
		unit_case_failed = 1; \
	} \
} while (0)

#define CHECK_NEAR(a, b, tol) do { \
	double unit_a = (a), unit_b = (b); \
	if (!(fabs(unit_a - unit_b) <= (tol))) { \
		fprintf(stdout, "#   %s:%d: %s == %.9g, expected %.9g (+-%g)\n", __FILE__, __LINE__, \
		    #a, unit_a, unit_b, (double)(tol)); \
		unit_case_failed = 1; \
	} \
} while (0)

/* Runs one test function and prints its TAP line. */
#define RUN(fn) do { \
	unit_case_failed = 0; \
	fn(); \
	unit_count++; \
	printf("%s %d - %s\n", unit_case_failed ? "not ok" : "ok", unit_count, #fn); \
	unit_failed += unit_case_failed; \
} while (0)

/* Ends main(): the TAP plan, and a non-zero status when a test failed. */
#define UNIT_DONE() (printf("1..%d\n", unit_count), unit_failed ? 1 : 0)

#endif
