/* test_buf.c - the growable byte string: growth, formatted appends, reset, the empty state */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "unit.h"

/* An untouched buffer owns nothing (callers test s for NULL); the first append allocates. */
static void
test_empty(void)
{
	struct buf b;

	buf_init(&b);
	CHECK(b.s == NULL);
	CHECK_INT(b.len, 0);
	buf_reset(&b); /* safe on an untouched buffer */
	CHECK(b.s == NULL);
	CHECK_INT(buf_add(&b, "", 0), 0);
	CHECK(b.s != NULL); /* an empty append still gives a string */
	CHECK_STR(b.s, "");
	CHECK_INT(b.len, 0);
	buf_free(&b);
	CHECK(b.s == NULL);
	CHECK_INT(b.len, 0);
	CHECK_INT(b.cap, 0);
	buf_free(&b); /* twice is harmless */

	CHECK_INT(buf_reserve(&b, 100), 0);
	CHECK(b.s != NULL);
	CHECK(b.cap >= 101);
	CHECK_INT(b.len, 0);
	CHECK_STR(b.s, ""); /* a reserved buffer holds the empty string */
	buf_free(&b);

	CHECK_INT(buf_addf(&b, "%s", ""), 0);
	CHECK(b.s != NULL);
	CHECK_STR(b.s, "");
	buf_free(&b);
}

/* Many small appends of every kind across many reallocations keep every byte in order. */
static void
test_growth(void)
{
	struct buf b;
	char *want;
	size_t n = 0, i;
	const size_t rounds = 5000;

	want = malloc(rounds * 32);
	CHECK(want != NULL);
	if (want == NULL)
		return;
	buf_init(&b);
	for (i = 0; i < rounds; i++) {
		char tmp[32];
		int k;

		switch (i % 4) {
		case 0:
			CHECK_INT(buf_addc(&b, 'a' + (int)(i % 26)), 0);
			want[n++] = (char)('a' + i % 26);
			break;
		case 1:
			CHECK_INT(buf_adds(&b, "xyz"), 0);
			memcpy(want + n, "xyz", 3);
			n += 3;
			break;
		case 2:
			CHECK_INT(buf_add(&b, "p\0q", 3), 0); /* bytes, NUL included */
			memcpy(want + n, "p\0q", 3);
			n += 3;
			break;
		default:
			CHECK_INT(buf_addf(&b, "<%zu>", i), 0);
			k = snprintf(tmp, sizeof tmp, "<%zu>", i);
			memcpy(want + n, tmp, (size_t)k);
			n += (size_t)k;
			break;
		}
	}
	CHECK_INT(b.len, n);
	CHECK(b.cap > b.len);
	CHECK(memcmp(b.s, want, n) == 0);
	CHECK_INT(b.s[b.len], '\0');
	buf_free(&b);
	free(want);
}

/* addc and adds: a byte (high bit set too) and a string, each leaving the NUL after len. */
static void
test_addc_adds(void)
{
	struct buf b;

	buf_init(&b);
	CHECK_INT(buf_adds(&b, "ab"), 0);
	CHECK_INT(buf_addc(&b, 'c'), 0);
	CHECK_INT(buf_addc(&b, 0xe2), 0);
	CHECK_INT(buf_adds(&b, ""), 0);
	CHECK_INT(b.len, 4);
	CHECK_STR(b.s, "abc\xe2");
	CHECK_INT(buf_addc(&b, '\0'), 0); /* a NUL byte counts in len */
	CHECK_INT(b.len, 5);
	CHECK_INT(b.s[5], '\0');
	buf_free(&b);
}

/* Formatted text that fits the room, fills it exactly, or overflows it. */
static void
test_addf(void)
{
	struct buf b;
	char big[1001], want[1100];
	size_t cap;

	buf_init(&b);
	CHECK_INT(buf_addf(&b, "%d-%s", 42, "x"), 0); /* first append: from NULL */
	CHECK_STR(b.s, "42-x");
	CHECK_INT(b.len, 4);
	cap = b.cap;

	/* leave room for 5 bytes and the NUL: 5 fit without growing */
	while (b.len < cap - 6)
		CHECK_INT(buf_addc(&b, '.'), 0);
	CHECK_INT(buf_addf(&b, "%05d", 7), 0);
	CHECK_INT(b.cap, cap);
	CHECK_INT(b.len, cap - 1);
	CHECK_STR(b.s + b.len - 5, "00007");

	/* no room left for one more byte and the NUL: it grows, nothing is lost */
	CHECK_INT(buf_addf(&b, "%c", 'z'), 0);
	CHECK(b.cap > cap);
	CHECK_INT(b.len, cap);
	CHECK_STR(b.s + b.len - 6, "00007z");

	/* much longer than the room there is */
	memset(big, 'w', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	buf_reset(&b);
	CHECK_INT(buf_adds(&b, "head:"), 0);
	cap = b.cap;
	CHECK_INT(buf_addf(&b, "%s|%d|%s", big, -3, "end"), 0);
	snprintf(want, sizeof want, "head:%s|%d|%s", big, -3, "end");
	CHECK(b.cap > cap);
	CHECK_INT(b.len, strlen(want));
	CHECK_STR(b.s, want);
	buf_free(&b);
}

/* reset empties the string but keeps the memory: refilling does not reallocate. */
static void
test_reset_keeps_capacity(void)
{
	struct buf b;
	char *s;
	size_t cap, i;

	buf_init(&b);
	for (i = 0; i < 3000; i++)
		CHECK_INT(buf_addc(&b, 'k'), 0);
	s = b.s;
	cap = b.cap;
	buf_reset(&b);
	CHECK_INT(b.len, 0);
	CHECK_INT(b.cap, cap);
	CHECK(b.s == s);
	CHECK_STR(b.s, "");
	for (i = 0; i < 2000; i++)
		CHECK_INT(buf_adds(&b, "m"), 0);
	CHECK(b.s == s);
	CHECK_INT(b.cap, cap);
	CHECK_INT(b.len, 2000);
	CHECK_INT(b.s[0], 'm');
	CHECK_INT(b.s[2000], '\0');
	CHECK_INT(buf_reserve(&b, cap - 2001), 0); /* exactly the room there is */
	CHECK(b.s == s);
	CHECK_INT(buf_reserve(&b, cap - 2000), 0); /* one more: grows */
	CHECK(b.cap > cap);
	CHECK_INT(b.len, 2000);
	CHECK_INT(b.s[1999], 'm');
	CHECK_INT(b.s[2000], '\0');
	buf_free(&b);
}

int
main(void)
{
	RUN(test_empty);
	RUN(test_growth);
	RUN(test_addc_adds);
	RUN(test_addf);
	RUN(test_reset_keeps_capacity);
	return UNIT_DONE();
}
