/* fuzz_ndjson.c - libFuzzer harness: NDJSON interactions through lib/ingest, the fast path checked against jansson */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/ingest.c"   /* to reach the static fast path */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every line the fast path accepts must parse with jansson to the same fields. */
static void
check_fast_path(const struct ingest *g, const char *line, size_t len)
{
	struct val f[INGEST_NFIELDS], j[INGEST_NFIELDS];
	json_t *obj;

	if (!fast_object(g, line, len, f))
		return;
	obj = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	if (obj == NULL || !json_is_object(obj))
		abort();        /* the fast path took a line jansson rejects */
	for (int fi = 0; fi < INGEST_NFIELDS; fi++) {
		json_val(obj, fname(g, (enum ingest_field)fi), &j[fi]);
		if (f[fi].present != j[fi].present || f[fi].isnum != j[fi].isnum ||
		    (f[fi].isnum && f[fi].num != j[fi].num) ||
		    (f[fi].s != NULL) != (j[fi].s != NULL) ||
		    (f[fi].s && (f[fi].len != j[fi].len || memcmp(f[fi].s, j[fi].s, f[fi].len) != 0)))
			abort();
	}
	json_decref(obj);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ingest_opts o;
	struct ingest g;
	struct ratings r;
	struct err e;
	char *bad = NULL;
	size_t badlen = 0;
	FILE *in, *skip;
	uint8_t mode = size ? data[0] : 0;

	if (size < 2)
		return 0;
	data++;
	size--;
	ingest_defaults(&o);
	o.format = INGEST_NDJSON;
	o.implicit = mode & 1;
	o.no_ts = (mode >> 1) & 1;
	o.dup = (enum coo_dup)((mode >> 2) & 3);
	o.max_line = 64 + (mode >> 4) * 64;
	if (o.implicit && (mode & 0x40))
		ingest_parse_weights(&o, "view=1,buy=0,cart=3", &e);
	skip = (mode & 0x80) ? open_memstream(&bad, &badlen) : NULL;
	o.skip_bad = skip;
	ingest_init(&g, &o);
	ratings_init(&r);
	{
		/* the fast path on every line, alone */
		const char *p = (const char *)data, *end = p + size;

		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

			check_fast_path(&g, p, n);
			p += n + 1;
		}
	}
	in = fmemopen((void *)data, size, "r");
	if (in != NULL) {
		if (ingest_file(&g, in, "fuzz", &e) == 0 && ingest_finish(&g, 1 + (mode & 1),
		    1 + ((mode >> 1) & 1), &r, &e) == 0) {
			char *out = NULL;
			size_t outlen = 0;
			FILE *f = open_memstream(&out, &outlen);

			if (ratings_write(f, &r, NULL, &e) < 0)
				abort();
			fclose(f);
			free(out);
		}
		ratings_free(&r);
		fclose(in);
	}
	ingest_free(&g);
	ingest_opts_free(&o);
	if (skip != NULL)
		fclose(skip);
	free(bad);
	return 0;
}
