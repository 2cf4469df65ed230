/* test_matfile.c - unit tests of lib/data/matfile.c: layout, round trip and every rejected container */
#include <stdint.h>
#include <stdlib.h>

#include "base/exitcode.h"
#include "data/matfile.h"
#include "unit.h"

/* A container from a header text and n data bytes; returns its length in *len. */
static char *
craft(const char *header, const void *data, size_t n, size_t *len)
{
	size_t h = strlen(header);
	char *buf = malloc(8 + h + n + 1);

	for (int k = 0; k < 8; k++)
		buf[k] = (char)((uint64_t)h >> (8 * k));
	memcpy(buf + 8, header, h);
	if (n)
		memcpy(buf + 8 + h, data, n);
	*len = 8 + h + n;
	return buf;
}

/* Reads buf; returns the status and leaves the message in e. */
static int
try_read(const char *buf, size_t len, struct err *e)
{
	struct matfile m;
	FILE *f = fmemopen((void *)buf, len, "r");
	int rc = matfile_read(f, "t.st", &m, e);

	fclose(f);
	if (rc == 0)
		matfile_free(&m);
	return rc;
}

static void
round_trip_keeps_tensors_metadata_and_alignment(void)
{
	struct matfile m, r;
	struct err e;
	int64_t i64[3] = { 0, 5, -7 }, sh[2] = { 2, 2 }, n3 = 3, n5 = 5;
	float f32[4] = { 1.5f, -2, 0, 3e10f };
	uint8_t u8[5] = { 'h', 'e', 'l', 'l', 'o' };
	const struct mat_tensor *t;
	char *buf = NULL;
	size_t n = 0;
	uint64_t hlen = 0;
	FILE *f = open_memstream(&buf, &n);

	CHECK_INT(matfile_init(&m, &e), 0);
	CHECK_INT(matfile_add(&m, "bytes", MAT_U8, 1, &n5, u8, &e), 0);    /* added first */
	CHECK_INT(matfile_add(&m, "f", MAT_F32, 2, sh, f32, &e), 0);
	CHECK_INT(matfile_add(&m, "i", MAT_I64, 1, &n3, i64, &e), 0);
	CHECK_INT(matfile_add(&m, "i", MAT_I64, 1, &n3, i64, &e), -1);    /* duplicate */
	CHECK_INT(matfile_add(&m, "__metadata__", MAT_U8, 1, &n3, u8, &e), -1);
	CHECK_INT(matfile_set_meta(&m, "kind", "test%d", 1), 0);
	CHECK_INT(matfile_write(f, &m, &e), 0);
	fclose(f);
	matfile_free(&m);
	for (int k = 7; k >= 0; k--)
		hlen = (hlen << 8) | (unsigned char)buf[k];
	CHECK_INT(hlen % 8, 0);
	CHECK_INT(n, 8 + hlen + 24 + 16 + 5);
	f = fmemopen(buf, n, "r");
	CHECK_INT(matfile_read(f, "t", &r, &e), 0);
	fclose(f);
	CHECK_STR(matfile_meta(&r, "kind"), "test1");
	t = matfile_expect(&r, "i", MAT_I64, 1, &e);
	CHECK(t != NULL && ((const int64_t *)t->data)[2] == -7);
	CHECK(t != NULL && (const char *)t->data == (const char *)r.buf);   /* 8-byte first */
	t = matfile_expect(&r, "f", MAT_F32, 2, &e);
	CHECK(t != NULL && t->shape[0] == 2 && ((const float *)t->data)[3] == 3e10f);
	CHECK(t != NULL && ((uintptr_t)t->data) % 4 == 0);
	t = matfile_find(&r, "bytes");
	CHECK(t != NULL && t->nbytes == 5 && memcmp(t->data, "hello", 5) == 0);
	CHECK(matfile_expect(&r, "f", MAT_F64, 2, &e) == NULL);
	CHECK_STR(e.msg, "tensor 'f' is F32, expected F64");
	CHECK(matfile_expect(&r, "f", MAT_F32, 1, &e) == NULL);
	CHECK(matfile_expect(&r, "nope", MAT_F32, 1, &e) == NULL);
	CHECK_STR(e.msg, "missing tensor 'nope'");
	matfile_free(&r);
	free(buf);
}

/* Each row: a header, data bytes, and a phrase the error must contain. */
static void
rejects_every_bad_container(void)
{
	static const char data[64];
	static const struct {
		const char *header;
		size_t ndata;
		const char *why;
	} cases[] = {
		{ "[1,2]   ", 0, "not a JSON object" },
		{ "{\"a\":   ", 0, "not a matrix container" },
		{ "{\"a\":{\"dtype\":\"Q8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "unknown dtype 'Q8'" },
		{ "{\"a\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[0,2]}}", 2, "unsupported dtype 'BF16'" },
		{ "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "shape needs 12 bytes" },
		{ "{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]},"
		  "\"b\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[4,12]}}", 12, "overlap" },
		{ "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
		  "\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[8,12]}}", 12, "hole" },
		{ "{\"a\":{\"dtype\":\"U8\",\"shape\":[16],\"data_offsets\":[0,16]}}", 8, "truncated" },
		{ "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
		  "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[1,5]}}", 5, "not aligned" },
		{ "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}", 6, "after the tensor data" },
		{ "{\"a\":{\"dtype\":\"I64\",\"shape\":[1000000000000],"
		  "\"data_offsets\":[0,8000000000000]}}", 8, "truncated" },
		{ "{\"a\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,1]}}", 1, "bad shape" },
		{ "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,0]}}", 1, "end before" },
		{ "{\"a\":{\"dtype\":\"U8\",\"shape\":[1]}}", 1, "needs dtype, shape and data_offsets" },
		{ "{\"a\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1],\"data_offsets\":[0,1]}}", 1, "dimensions" },
		{ "{\"__metadata__\":{\"kind\":3}}", 0, "not a string" },
		{ "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
		  "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2, "not a matrix container" },
	};

	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		struct err e = { 0, "" };
		size_t len;
		char *buf = craft(cases[k].header, data, cases[k].ndata, &len);
		int rc = try_read(buf, len, &e);

		if (rc != -1 || e.code != EXIT_DATA || strstr(e.msg, cases[k].why) == NULL) {
			printf("#   case %zu: rc %d code %d '%s', expected '%s'\n", k, rc, e.code, e.msg,
			    cases[k].why);
			CHECK(0);
		}
		free(buf);
	}
}

static void
rejects_bad_lengths_and_truncation(void)
{
	struct err e = { 0, "" };
	char buf[16] = { 0 };
	size_t len;
	char *ok;

	CHECK_INT(try_read(buf, 0, &e), -1);                    /* empty */
	CHECK(strstr(e.msg, "empty input") != NULL);
	CHECK_INT(try_read(buf, 5, &e), -1);                    /* no full length */
	CHECK(strstr(e.msg, "truncated") != NULL);
	CHECK_INT(try_read(buf, 16, &e), -1);                   /* length 0 */
	CHECK(strstr(e.msg, "out of range") != NULL);
	memset(buf, 0xff, 8);                                   /* length 2^64-1 */
	CHECK_INT(try_read(buf, 16, &e), -1);
	CHECK(strstr(e.msg, "out of range") != NULL);
	ok = craft("{\"__metadata__\":{\"kind\":\"x\"}}", NULL, 0, &len);
	CHECK_INT(try_read(ok, len, &e), 0);
	CHECK_INT(try_read(ok, len - 3, &e), -1);                /* header cut short */
	CHECK(strstr(e.msg, "truncated: header") != NULL);
	free(ok);
}

static void
dtype_names_and_sizes(void)
{
	CHECK_STR(mat_dtype_name(MAT_F32), "F32");
	CHECK_STR(mat_dtype_name(MAT_U8), "U8");
	CHECK_INT(mat_dtype_size(MAT_I64), 8);
	CHECK_INT(mat_dtype_size(MAT_I32), 4);
	CHECK_INT(mat_dtype_size(MAT_U8), 1);
}

int
main(void)
{
	RUN(round_trip_keeps_tensors_metadata_and_alignment);
	RUN(rejects_every_bad_container);
	RUN(rejects_bad_lengths_and_truncation);
	RUN(dtype_names_and_sizes);
	return UNIT_DONE();
}
