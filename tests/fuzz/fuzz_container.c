/* fuzz_container.c - libFuzzer harness: the container readers (matfile, ratings, model) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/matfile.h"
#include "data/model.h"
#include "data/ratings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct matfile m;
	struct ratings r;
	struct model md;
	struct err e;
	FILE *f;

	if (size == 0)
		return 0;
	if ((f = fmemopen((void *)data, size, "r")) == NULL)
		return 0;
	if (matfile_read(f, "fuzz", &m, &e) == 0) {
		for (size_t k = 0; k < m.n; k++)   /* every tensor lies inside the data */
			if (m.t[k].nbytes > 0 && ((const char *)m.t[k].data < (const char *)m.buf ||
			    (const char *)m.t[k].data + m.t[k].nbytes > (const char *)m.buf + m.buflen))
				abort();
		matfile_free(&m);
	}
	rewind(f);
	if (ratings_read(f, "fuzz", &r, &e) == 0) {
		/* a valid matrix writes and reads back */
		char *out = NULL;
		size_t n = 0;
		FILE *w = open_memstream(&out, &n);
		struct ratings back;

		if (ratings_write(w, &r, NULL, &e) < 0)
			abort();
		fclose(w);
		w = fmemopen(out, n, "r");
		if (ratings_read(w, "back", &back, &e) < 0 || back.nnz != r.nnz)
			abort();
		for (int64_t u = 0; u < r.rows; u++)
			for (int64_t k = r.indptr[u]; k < r.indptr[u + 1]; k++)
				if (ratings_find(&back, u, r.indices[k]) != k)
					abort();
		ratings_free(&back);
		fclose(w);
		free(out);
		ratings_free(&r);
	}
	rewind(f);
	if (model_read(f, "fuzz", &md, &e) == 0) {
		for (int64_t u = 0; u < md.users && u < 4; u++)
			for (int64_t i = 0; i < md.items && i < 4; i++)
				(void)model_predict(&md, u, i, 1);
		model_free(&md);
	}
	fclose(f);
	return 0;
}
