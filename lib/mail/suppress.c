/* suppress.c - the suppression list: a hashed set of lowercased addresses */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int
suppress_append(const char *path, const char *email, const char *reason, long long ts,
    struct err *e)
{
	char addr[ADDR_MAX + 1], *line;
	json_t *o;
	off_t end;
	int fd, rc = -1;

	if (lower(email, addr) <= 0)
		return err_set(e, EXIT_DATA, "address empty or longer than %d bytes", ADDR_MAX);
	if ((o = json_pack("{sssssI}", "email", addr, "reason", reason, "ts", (json_int_t)ts)) == NULL)
		return err_set(e, EXIT_DATA, "address is not UTF-8");
	line = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (line == NULL)
		return err_nomem(e);
	if ((fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		err_set(e, EXIT_CANTCREAT, "%s: %s", path, strerror(errno));
		goto done;
	}
	/* after a torn last line, start on a line of our own (the load then names the torn one) */
	if ((end = lseek(fd, 0, SEEK_END)) > 0) {
		char last;

		if (pread(fd, &last, 1, end - 1) == 1 && last != '\n' && write(fd, "\n", 1) != 1) {
			err_set(e, EXIT_IO, "%s: %s", path, strerror(errno));
			goto done;
		}
	}
	{
		size_t n = strlen(line);

		line[n] = '\n';
		if (write(fd, line, n + 1) != (ssize_t)(n + 1) || fsync(fd) != 0) {
			err_set(e, EXIT_IO, "%s: %s", path, strerror(errno));
			goto done;
		}
	}
	rc = 0;
done:
	if (fd >= 0 && close(fd) != 0 && rc == 0)
		rc = err_set(e, EXIT_IO, "%s: %s", path, strerror(errno));
	free(line);
	return rc;
}
