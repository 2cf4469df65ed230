/* test_strpool.c - unit tests for the string pool (lib/base/strpool) */
#include <stdlib.h>
#include <string.h>

#include "base/strpool.h"
#include "unit.h"

/* Pointers stay valid while the pool grows by many blocks, long strings included. */
static void
strings_never_move(void)
{
	struct strpool p;
	const char *kept[3000];
	char s[64], *big = malloc(100000);

	strpool_init(&p);
	CHECK(big != NULL);
	if (big == NULL)
		return;
	memset(big, 'x', 99999);
	big[99999] = '\0';
	for (int i = 0; i < 3000; i++) {
		int n = snprintf(s, sizeof s, "string number %d of the pool", i);

		kept[i] = strpool_addn(&p, i == 1500 ? big : s, i == 1500 ? 99999 : (size_t)n);
		CHECK(kept[i] != NULL);
	}
	for (int i = 0; i < 3000; i += 7) {
		snprintf(s, sizeof s, "string number %d of the pool", i);
		if (i != 1500)
			CHECK_STR(kept[i], s);
	}
	CHECK_INT(strlen(kept[1500]), 99999);
	CHECK_STR(strpool_addn(&p, "abcdef", 3), "abc");
	CHECK_STR(strpool_addn(&p, "", 0), "");
	strpool_free(&p);
	CHECK(p.head == NULL);
	strpool_free(&p);       /* twice is harmless */
	free(big);
}

int
main(void)
{
	RUN(strings_never_move);
	return UNIT_DONE();
}
