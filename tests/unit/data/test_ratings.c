/* test_ratings.c - unit tests of lib/data/ratings.c: write/read round trip and CSR validation on read */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/exitcode.h"
#include "data/ratings.h"
#include "unit.h"

/* A 2 x 3 matrix: u0 = {i0: 4, i2: 1}, u1 = {i1: 5}, with timestamps. */
static int64_t indptr[] = { 0, 2, 3 };
static int32_t indices[] = { 0, 2, 1 };
static float values[] = { 4, 1, 5 };
static int64_t ts[] = { 100, 200, 300 };

static void
make(struct ratings *r)
{
	struct err e;

	ratings_init(r);
	r->rows = 2;
	r->cols = 3;
	r->nnz = 3;
	r->indptr = indptr;
	r->indices = indices;
	r->values = values;
	r->ts = ts;
	ids_intern(&r->users, "c1", 2, &e);
	ids_intern(&r->users, "c2", 2, &e);
	ids_intern(&r->items, "sku1", 4, &e);
	ids_intern(&r->items, "sku2", 4, &e);
	ids_intern(&r->items, "sku3", 4, &e);
}

/* Writes r to memory and reads it back into out; returns the read status. */
static int
reread(const struct ratings *r, struct ratings *out, struct err *e)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	int rc;

	ratings_write(f, r, NULL, e);
	fclose(f);
	f = fmemopen(buf, n, "r");
	rc = ratings_read(f, "m.st", out, e);
	fclose(f);
	free(buf);
	return rc;
}

static void
round_trip_keeps_everything(void)
{
	struct ratings r, b;
	struct err e;
	float lo, hi;

	make(&r);
	r.implicit = 1;
	CHECK_INT(reread(&r, &b, &e), 0);
	CHECK_INT(b.rows, 2);
	CHECK_INT(b.cols, 3);
	CHECK_INT(b.nnz, 3);
	CHECK(b.implicit);
	CHECK(b.ts != NULL && b.ts[2] == 300);
	CHECK_INT(b.indices[1], 2);
	CHECK_NEAR(b.values[2], 5, 0);
	CHECK(ids_equal(&r.users, &b.users));
	CHECK(ids_equal(&r.items, &b.items));
	CHECK_STR(matfile_meta(&b.mf, "nnz"), "3");
	CHECK_STR(matfile_meta(&b.mf, "feedback"), "implicit");
	CHECK_INT(ratings_find(&b, 0, 2), 1);
	CHECK_INT(ratings_find(&b, 0, 1), -1);
	CHECK_INT(ratings_find(&b, 1, 1), 2);
	ratings_range(&b, &lo, &hi);
	CHECK_NEAR(lo, 1, 0);
	CHECK_NEAR(hi, 5, 0);
	ratings_free(&b);
	ids_free(&r.users);
	ids_free(&r.items);
}

static void
read_rejects_broken_csr(void)
{
	struct ratings r, b;
	struct err e = { 0, "" };
	int64_t bad_ptr[] = { 0, 2, 2 }, down_ptr[] = { 0, 3, 3 };
	int32_t unsorted[] = { 2, 0, 1 }, out_of_range[] = { 0, 3, 1 };
	float nan_values[] = { 4, NAN, 5 };

	make(&r);
	r.indptr = bad_ptr;                     /* ends at 2, nnz is 3 */
	CHECK_INT(reread(&r, &b, &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK(strstr(e.msg, "m.st: indptr must run from 0 to nnz") != NULL);
	r.indptr = down_ptr;
	r.indices = unsorted;
	CHECK_INT(reread(&r, &b, &e), -1);
	CHECK(strstr(e.msg, "not strictly increasing") != NULL);
	r.indptr = indptr;
	CHECK_INT(reread(&r, &b, &e), -1);
	r.indices = out_of_range;
	CHECK_INT(reread(&r, &b, &e), -1);
	CHECK(strstr(e.msg, "out of range") != NULL);
	r.indices = indices;
	r.values = nan_values;
	CHECK_INT(reread(&r, &b, &e), -1);
	CHECK(strstr(e.msg, "not finite") != NULL);
	r.values = values;
	r.rows = 1;                             /* 2 user ids for 1 row */
	r.indptr = down_ptr;
	CHECK_INT(reread(&r, &b, &e), -1);
	CHECK(strstr(e.msg, "user_ids") != NULL);
	ids_free(&r.users);
	ids_free(&r.items);
}

static void
read_rejects_another_kind(void)
{
	struct matfile m;
	struct ratings b;
	struct err e = { 0, "" };
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	matfile_init(&m, &e);
	matfile_set_meta(&m, "kind", "model");
	matfile_write(f, &m, &e);
	fclose(f);
	matfile_free(&m);
	f = fmemopen(buf, n, "r");
	CHECK_INT(ratings_read(f, "m.st", &b, &e), -1);
	fclose(f);
	CHECK_STR(e.msg, "m.st: a 'model' container, expected 'ratings'");
	CHECK_INT(e.code, EXIT_DATA);
	free(buf);
}

static void
save_is_atomic_and_load_reports_missing_files(void)
{
	char dir[] = "/tmp/test_ratings.XXXXXX", path[64];
	struct ratings r, b;
	struct err e = { 0, "" };

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/r.st", dir);
	make(&r);
	CHECK_INT(ratings_save(path, &r, NULL, &e), 0);
	CHECK_INT(ratings_load(path, &b, &e), 0);
	CHECK_INT(b.nnz, 3);
	ratings_free(&b);
	unlink(path);
	CHECK_INT(ratings_load(path, &b, &e), -1);
	CHECK_INT(e.code, EXIT_NOINPUT);
	snprintf(path, sizeof path, "%s/no/such/dir.st", dir);
	CHECK_INT(ratings_save(path, &r, NULL, &e), -1);
	CHECK_INT(e.code, EXIT_CANTCREAT);
	rmdir(dir);
	ids_free(&r.users);
	ids_free(&r.items);
}

int
main(void)
{
	RUN(round_trip_keeps_everything);
	RUN(read_rejects_broken_csr);
	RUN(read_rejects_another_kind);
	RUN(save_is_atomic_and_load_reports_missing_files);
	return UNIT_DONE();
}
