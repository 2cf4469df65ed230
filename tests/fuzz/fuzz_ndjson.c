/* fuzz_ndjson.c - libFuzzer harness: NDJSON interactions through lib/ingest (jansson) into a ratings container */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/data/ingest.c"   /* the static helpers too */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
