/* suppress.c - the suppression list: a hashed set of lowercased addresses */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/exitcode.h"
#include "base/ndjson.h"
#include "mail/suppress.h"

#define ADDR_MAX 320

void
suppress_init(struct suppress *s)
{
	ids_init(&s->set);
}

void
suppress_free(struct suppress *s)
{
	ids_free(&s->set);
}

/* Lowercase copy into out (ADDR_MAX+1 bytes); its length, or -1 when too long. */
static long
lower(const char *email, char *out)
{
	size_t n = strlen(email), i;

	if (n > ADDR_MAX)
		return -1;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)email[i]);
	out[n] = '\0';
	return (long)n;
}

int
suppress_add(struct suppress *s, const char *email, struct err *e)
{
	char buf[ADDR_MAX + 1];
	long n = lower(email, buf);

	if (n <= 0)
		return err_set(e, EXIT_DATA, "address empty or longer than %d bytes", ADDR_MAX);
	return ids_intern(&s->set, buf, (size_t)n, e) < 0 ? -1 : 0;
}

long
suppress_load(struct suppress *s, const char *path, struct err *e)
{
	struct ndjson_reader r;
	FILE *f = fopen(path, "rb");
	json_t *o = NULL;
	long count = 0;
	int rc;

	if (f == NULL)
		return err_set(e, EXIT_NOINPUT, "%s: %s", path, strerror(errno));
	if (ndjson_init(&r, f, path, 0, e) < 0) {
		fclose(f);
		return -1;
	}
	while ((rc = ndjson_next(&r, &o, NULL, e)) > 0) {
		const char *email = ndjson_str(o, "email");

		if (email == NULL) {
			err_set(e, EXIT_DATA, "%s:%ld: missing \"email\"", path, ndjson_lineno(&r));
			rc = -1;
		} else if (suppress_add(s, email, e) < 0) {
			err_prefix(e, "%s:%ld", path, ndjson_lineno(&r));
			rc = -1;
		}
		json_decref(o);
		if (rc < 0)
			break;
		count++;
	}
	ndjson_free(&r);
	fclose(f);
	return rc < 0 ? -1 : count;
}

int
suppress_has(const struct suppress *s, const char *email)
{
	char buf[ADDR_MAX + 1];
	long n = lower(email, buf);

	return n > 0 && ids_find(&s->set, buf, (size_t)n) >= 0;
}
