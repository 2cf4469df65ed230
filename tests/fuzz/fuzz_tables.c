/* fuzz_tables.c - libFuzzer harness: the catalog and customer-table readers (lib/data/catalog, customers) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/catalog.h"
#include "data/customers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every kept string must be what a reader may hand on: NUL-terminated, and a currency or
 * country in capitals. */
static void
check_catalog(const struct catalog *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const char *cur = c->items[i].currency;

		if (cur != NULL && (strlen(cur) != 3 || strspn(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3))
			abort();
		if (c->items[i].has_price && !(c->items[i].price >= 0))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ndjson_skip skip = { 0 };
	struct catalog c;
	struct customers t;
	struct err e;
	FILE *in;

	if (size < 2)
		return 0;
	skip.skip_bad = data[0] & 1;
	in = fmemopen((void *)(data + 1), size - 1, "r");
	if (in == NULL)
		return 0;
	catalog_init(&c);
	if (catalog_read_each(&c, in, "fuzz", &skip, &e) >= 0)
		check_catalog(&c);
	catalog_free(&c);
	rewind(in);
	customers_init(&t);
	if (customers_read(&t, in, "fuzz", &skip, NULL, NULL, &e) >= 0) {
		for (size_t i = 0; i < customers_count(&t); i++) {
			const char *k = t.c[i].country;

			if (k != NULL && (strlen(k) != 2 || strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 2))
				abort();
			if (t.c[i].consent == 0 && t.c[i].email != NULL)
				abort();
		}
	}
	customers_free(&t);
	fclose(in);
	return 0;
}
