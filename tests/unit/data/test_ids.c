/* test_ids.c - unit tests of lib/data/ids.c: interning, lookup, export/load round trip, validation */
#include <stdio.h>
#include <stdlib.h>

#include "base/exitcode.h"
#include "data/ids.h"
#include "data/matfile.h"
#include "unit.h"

static void
interns_each_string_once_in_order(void)
{
	struct ids t;
	struct err e;
	size_t len;

	ids_init(&t);
	CHECK_INT(ids_intern(&t, "c1", 2, &e), 0);
	CHECK_INT(ids_intern(&t, "sku9", 4, &e), 1);
	CHECK_INT(ids_intern(&t, "c1", 2, &e), 0);
	CHECK_INT(ids_intern(&t, "", 0, &e), 2);
	CHECK_INT(ids_count(&t), 3);
	CHECK_STR(ids_get(&t, 1, &len), "sku9");
	CHECK_INT(len, 4);
	CHECK_INT(ids_find(&t, "sku9", 4), 1);
	CHECK_INT(ids_find(&t, "sku", 3), -1);
	CHECK_INT(ids_find(&t, "c1x", 2), 0);     /* length decides, not the NUL */
	ids_free(&t);
}

static void
rejects_a_nul_inside_an_id(void)
{
	struct ids t;
	struct err e = { 0, "" };

	ids_init(&t);
	CHECK_INT(ids_intern(&t, "a\0b", 3, &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK_INT(ids_count(&t), 0);
	ids_free(&t);
}

static void
many_ids_survive_rehashing(void)
{
	struct ids t;
	struct err e;
	char buf[32];
	int ok = 1;

	ids_init(&t);
	for (int k = 0; k < 100000; k++) {
		int n = snprintf(buf, sizeof buf, "user-%d", k);

		if (ids_intern(&t, buf, (size_t)n, &e) != k)
			ok = 0;
	}
	CHECK(ok);
	for (int k = 0; k < 100000; k += 997) {
		int n = snprintf(buf, sizeof buf, "user-%d", k);

		CHECK_INT(ids_find(&t, buf, (size_t)n), k);
	}
	ids_free(&t);
}

static void
export_then_load_gives_an_equal_table(void)
{
	struct ids t, back, copy;
	struct err e;
	uint8_t *bytes;
	int64_t *off;
	size_t nbytes;

	ids_init(&t);
	ids_intern(&t, "Zoë", strlen("Zoë"), &e);
	ids_intern(&t, "b", 1, &e);
	ids_intern(&t, "", 0, &e);
	CHECK_INT(ids_export(&t, &bytes, &nbytes, &off, &e), 0);
	CHECK_INT(nbytes, strlen("Zoë") + 1);
	CHECK_INT(off[0], 0);
	CHECK_INT(off[3], (int64_t)nbytes);
	CHECK_INT(ids_load(&back, bytes, nbytes, off, 3, &e), 0);
	CHECK(ids_equal(&t, &back));
	CHECK_INT(ids_copy(&copy, &t, &e), 0);
	CHECK(ids_equal(&copy, &t));
	ids_intern(&copy, "new", 3, &e);
	CHECK(!ids_equal(&copy, &t));
	free(bytes);
	free(off);
	ids_free(&t);
	ids_free(&back);
	ids_free(&copy);
}

static void
load_rejects_bad_tables(void)
{
	const uint8_t bytes[] = "abab\xff";
	struct ids t;
	struct err e = { 0, "" };
	int64_t dup[] = { 0, 2, 4 }, past[] = { 0, 100, 4 }, down[] = { 0, 3, 2, 4 };
	int64_t bad_utf8[] = { 0, 4, 5 }, short_cover[] = { 0, 2 };

	CHECK_INT(ids_load(&t, bytes, 4, dup, 2, &e), -1);          /* "ab" twice */
	CHECK_INT(e.code, EXIT_DATA);
	CHECK(strstr(e.msg, "twice") != NULL);
	CHECK_INT(ids_load(&t, bytes, 4, past, 2, &e), -1);         /* offset past the bytes */
	CHECK_INT(ids_load(&t, bytes, 4, down, 3, &e), -1);         /* decreasing */
	CHECK_INT(ids_load(&t, bytes, 5, bad_utf8, 2, &e), -1);     /* invalid UTF-8 */
	CHECK(strstr(e.msg, "UTF-8") != NULL);
	CHECK_INT(ids_load(&t, bytes, 4, short_cover, 1, &e), -1);  /* bytes not covered */
}

static void
utf8_validation(void)
{
	CHECK(utf8_valid("plain", 5));
	CHECK(utf8_valid("Zo\xc3\xab", 4));
	CHECK(utf8_valid("\xf0\x9f\x98\x80", 4));          /* emoji */
	CHECK(!utf8_valid("\xc3", 1));                      /* truncated */
	CHECK(!utf8_valid("\xc0\xaf", 2));                  /* overlong */
	CHECK(!utf8_valid("\xed\xa0\x80", 3));              /* surrogate */
	CHECK(!utf8_valid("\xe0\x80\xaf", 3));              /* overlong 3-byte */
	CHECK(!utf8_valid("\xf4\x90\x80\x80", 4));          /* above U+10FFFF */
}

static void
tables_travel_through_a_container(void)
{
	struct ids t, back;
	struct ids_blob keep;
	struct matfile m, r;
	struct err e;
	char *buf = NULL;
	size_t n = 0;
	FILE *f;

	ids_init(&t);
	ids_intern(&t, "u1", 2, &e);
	ids_intern(&t, "u2", 2, &e);
	CHECK_INT(matfile_init(&m, &e), 0);
	CHECK_INT(ids_add_to(&t, &m, "user_ids", &keep, &e), 0);
	matfile_set_meta(&m, "kind", "test");
	f = open_memstream(&buf, &n);
	CHECK_INT(matfile_write(f, &m, &e), 0);
	fclose(f);
	ids_blob_free(&keep);
	matfile_free(&m);
	f = fmemopen(buf, n, "r");
	CHECK_INT(matfile_read(f, "t", &r, &e), 0);
	fclose(f);
	CHECK_INT(ids_read_from(&back, &r, "user_ids", 2, &e), 0);
	CHECK(ids_equal(&t, &back));
	ids_free(&back);
	CHECK_INT(ids_read_from(&back, &r, "user_ids", 3, &e), -1);   /* wrong count */
	CHECK_INT(ids_read_from(&back, &r, "item_ids", -1, &e), -1);  /* absent */
	CHECK(strstr(e.msg, "missing tensor 'item_ids.offsets'") != NULL);
	matfile_free(&r);
	ids_free(&t);
	free(buf);
}

int
main(void)
{
	RUN(interns_each_string_once_in_order);
	RUN(rejects_a_nul_inside_an_id);
	RUN(many_ids_survive_rehashing);
	RUN(export_then_load_gives_an_equal_table);
	RUN(load_rejects_bad_tables);
	RUN(utf8_validation);
	RUN(tables_travel_through_a_container);
	return UNIT_DONE();
}
