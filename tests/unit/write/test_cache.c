/* test_cache.c - SHA-256 keys and atomic entries */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "write/cache.h"
#include "unit.h"

static void
test_key(void)
{
	const char *p1[2] = { "ab", "c" }, *p2[2] = { "a", "bc" }, *p3[1] = { "abc" };
	size_t l1[2] = { 2, 1 }, l2[2] = { 1, 2 }, l3[1] = { 3 };
	char k1[65], k2[65], k3[65], k1b[65];
	struct err e;

	CHECK_INT(cache_key(p1, l1, 2, k1, &e), 0);
	CHECK_INT(cache_key(p2, l2, 2, k2, &e), 0);
	CHECK_INT(cache_key(p1, l1, 2, k1b, &e), 0);
	CHECK_INT(cache_key(p3, l3, 1, k3, &e), 0);
	CHECK_INT(strlen(k1), 64);
	CHECK_STR(k1, k1b);
	CHECK(strcmp(k1, k2) != 0);
	/* sha256 of 03 00 00 00 00 00 00 00 'a' 'b' 'c' (length-prefixed), checked with sha256sum */
	CHECK_STR(k3, "ce91dc5eec0139adf091900d225971d6ad246a845bad791b5693a9d0d55dd391");
}

static void
test_put_get(void)
{
	char dir[] = "/tmp/test_cache.XXXXXX", sub[128], *data = NULL;
	const char *key = "ab0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd";
	struct cache c;
	struct stat st;
	struct err e;
	size_t len = 0;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(sub, sizeof sub, "%s/new/deeper", dir);
	CHECK_INT(cache_open(&c, sub, &e), 0);
	CHECK_INT(cache_get(&c, key, &data, &len, &e), 0);
	CHECK(data == NULL);
	umask(022);
	CHECK_INT(cache_put(&c, key, "{\"content\":\"x\"}", 15, &e), 0);
	/* entries hold customer data: owner-only whatever the umask (docs/PRIVACY.md) */
	snprintf(sub, sizeof sub, "%s/new/deeper/ab/%s", dir, key);
	CHECK(stat(sub, &st) == 0 && (st.st_mode & 0777) == 0600);
	snprintf(sub, sizeof sub, "%s/new/deeper/ab", dir);
	CHECK(stat(sub, &st) == 0 && (st.st_mode & 0777) == 0700);
	snprintf(sub, sizeof sub, "%s/new", dir);
	CHECK(stat(sub, &st) == 0 && (st.st_mode & 0777) == 0700);
	CHECK_INT(cache_get(&c, key, &data, &len, &e), 1);
	CHECK_INT(len, 15);
	CHECK_STR(data, "{\"content\":\"x\"}");
	free(data);
	CHECK_INT(cache_put(&c, key, "{}", 2, &e), 0);
	CHECK_INT(cache_get(&c, key, &data, &len, &e), 1);
	CHECK_STR(data, "{}");
	free(data);
	cache_close(&c);
	/* a file where the directory should be */
	snprintf(sub, sizeof sub, "%s/new/deeper/ab/%s", dir, key);
	CHECK_INT(cache_open(&c, sub, &e), -1);
	CHECK_INT(e.code, 73);
	snprintf(sub, sizeof sub, "rm -rf '%s'", dir);
	CHECK_INT(system(sub), 0);
}

int
main(void)
{
	RUN(test_key);
	RUN(test_put_get);
	return UNIT_DONE();
}
