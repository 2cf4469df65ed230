/* fuzz_csv.c - libFuzzer harness: lib/csv records and delimited interactions through lib/ingest */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "data/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const delims[] = { ",", "\t", "::", ";" };

/* The reader alone: fields must lie inside the record and be NUL-terminated. */
static void
read_records(const uint8_t *data, size_t size, uint8_t mode)
{
	struct lines l;
	struct csv c;
	struct err e;
	FILE *in = fmemopen((void *)data, size, "r");
	int rc;

	if (in == NULL)
		return;
	lines_init(&l, in, "fuzz", 32 + (mode >> 4) * 32, &e);
	if (csv_init(&c, &l, delims[mode & 3], (mode >> 2) & 1, &e) == 0) {
		while ((rc = csv_next(&c, &e)) != 0) {
			size_t n;

			if (rc < 0 && e.code != 65)
				break;
			for (size_t k = 0; rc > 0 && k < c.nf; k++)
				if (c.f[k].s[c.f[k].len] != '\0')
					abort();
			if (csv_raw(&c, &n) == NULL)
				abort();
		}
	}
	csv_free(&c);
	lines_free(&l);
	fclose(in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ingest_opts o;
	struct ingest g;
	struct ratings r;
	struct err e;
	FILE *in, *skip = NULL;
	char *bad = NULL;
	size_t badlen = 0;
	uint8_t mode;

	if (size < 2)
		return 0;
	mode = data[0];
	data++;
	size--;
	read_records(data, size, mode);
	ingest_defaults(&o);
	o.format = (mode & 3) == 0 ? INGEST_CSV : (mode & 3) == 1 ? INGEST_TSV :
	    (mode & 3) == 2 ? INGEST_DAT : INGEST_AUTO;
	if (mode & 8)
		ingest_parse_columns(&o, "user,item,rating,ts", &e);
	if (mode & 0x40) {
		o.implicit = 1;
		o.names[INGEST_QTY] = "rating";
	}
	if (mode & 0x80) {
		skip = open_memstream(&bad, &badlen);
		o.skip_bad = skip;
	}
	o.max_line = 256;
	ingest_init(&g, &o);
	ratings_init(&r);
	in = fmemopen((void *)data, size, "r");
	if (in != NULL) {
		if (ingest_file(&g, in, "fuzz", &e) == 0 && ingest_finish(&g, 1, 1, &r, &e) == 0) {
			if (r.nnz <= 0 || r.indptr[r.rows] != r.nnz)
				abort();
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
