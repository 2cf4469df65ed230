/* test_live.c - unit tests for recserve's request lines and its batching queue (lib/recommend/live) */
#include <stdlib.h>
#include <string.h>

#include "recommend/live.h"
#include "unit.h"

/* the line's JSON text, for comparing */
static char *
text(json_t *line)
{
	char *s = json_dumps(line, JSON_COMPACT);

	json_decref(line);
	return s;
}

static void
builds_the_user_line_of_a_request(void)
{
	const char *why;
	char *s;
	int n = 0;

	s = text(live_request("c1", NULL, NULL, 10, &n, &why));
	CHECK_STR(s, "{\"user\":\"c1\"}");
	CHECK_INT(n, 10);
	free(s);
	s = text(live_request("c1", "3", "a,b", 10, &n, &why));
	CHECK_STR(s, "{\"user\":\"c1\",\"items\":[\"a\",\"b\"]}");
	CHECK_INT(n, 3);
	free(s);
	s = text(live_request("c1", NULL, "{\"a\":5}", 10, &n, &why));
	CHECK_STR(s, "{\"user\":\"c1\",\"items\":{\"a\":5}}");
	free(s);
}

static void
refuses_a_bad_request_with_a_reason(void)
{
	static const char *const bad[][3] = {
		{ NULL, NULL, NULL }, { "", NULL, NULL }, { "c1", "0", NULL }, { "c1", "11", NULL },
		{ "c1", "2x", NULL }, { "c1", "", NULL }, { "c1", NULL, "a,,b" }, { "c1", NULL, "a," },
		{ "c1", NULL, "{\"a\":1,\"a\":2}" }, { "c1", NULL, "[1" }, { "\xff", NULL, NULL },
	};
	char big[2000];
	const char *why;
	int n;

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		why = NULL;
		CHECK(live_request(bad[i][0], bad[i][1], bad[i][2], 10, &n, &why) == NULL);
		CHECK(why != NULL && *why != '\0');
	}
	memset(big, 'u', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	CHECK(live_request(big, NULL, NULL, 10, &n, &why) == NULL);
	/* 1,001 items is one too many */
	{
		char *many = malloc(LIVE_MAX_ITEMS * 2 + 2), *p = many;

		for (int i = 0; i <= LIVE_MAX_ITEMS; i++) {
			*p++ = 'a';
			*p++ = ',';
		}
		p[-1] = '\0';
		CHECK(live_request("c1", NULL, many, 10, &n, &why) == NULL);
		CHECK(strstr(why, "more than") != NULL);
		many[LIVE_MAX_ITEMS * 2 - 1] = '\0';      /* now 1,000: taken */
		json_decref(live_request("c1", NULL, many, 10, &n, &why));
		CHECK(why == NULL);
		free(many);
	}
}

int
main(void)
{
	RUN(builds_the_user_line_of_a_request);
	RUN(refuses_a_bad_request_with_a_reason);
	return UNIT_DONE();
}
