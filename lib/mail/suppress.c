/* suppress.c - the suppression list: plain and keyed-hash addresses, appended under a lock */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/exitcode.h"
#include "base/fmode.h"
#include "base/ndjson.h"
#include "base/ofile.h"
#include "data/customers.h"
#include "mail/suppress.h"

#define ADDR_MAX 320

void
suppress_init(struct suppress *s)
{
	ids_init(&s->set);
	ids_init(&s->hashes);
	s->keylen = 0;
}

void
suppress_free(struct suppress *s)
{
	ids_free(&s->set);
	ids_free(&s->hashes);
	memset(s->key, 0, sizeof s->key);
	s->keylen = 0;
}

int
suppress_set_key(struct suppress *s, const void *key, size_t len, struct err *e)
{
	if (len < SUPPRESS_KEY_MIN || len > SUPPRESS_KEY_MAX)
		return err_set(e, EXIT_USAGE, "the suppression key must be %d to %d bytes (it is %zu)",
		    SUPPRESS_KEY_MIN, SUPPRESS_KEY_MAX, len);
	memcpy(s->key, key, len);
	s->keylen = len;
	return 0;
}

/* Sets the key from the file at path (a final newline dropped). Returns 1, or -1 with e set. */
static int
key_from_file(struct suppress *s, const char *path, struct err *e)
{
	unsigned char buf[SUPPRESS_KEY_MAX + 1];
	size_t n;
	FILE *f;
	int rc;

	if ((f = fopen(path, "rb")) == NULL)
		return err_set(e, EXIT_NOINPUT, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof buf, f);
	if (ferror(f)) {
		fclose(f);
		return err_set(e, EXIT_IO, "%s: read error", path);
	}
	fclose(f);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	rc = suppress_set_key(s, buf, n, e);
	memset(buf, 0, sizeof buf);
	if (rc < 0)
		return err_prefix(e, "%s", path);
	return 1;
}

int
suppress_key_from_env(struct suppress *s, struct err *e)
{
	const char *key = getenv(SUPPRESS_KEY_ENV), *path = getenv(SUPPRESS_KEY_FILE_ENV);

	if (key != NULL && key[0] != '\0') {
		if (suppress_set_key(s, key, strlen(key), e) < 0)
			return err_prefix(e, "%s", SUPPRESS_KEY_ENV);
		return 1;
	}
	if (path == NULL || path[0] == '\0')
		return 0;
	return key_from_file(s, path, e);
}

int
suppress_key_load(struct suppress *s, const char *path, struct err *e)
{
	return path != NULL ? key_from_file(s, path, e) : suppress_key_from_env(s, e);
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

/* The hex HMAC of addr[0..n) into out; 0, or -1 when libcrypto fails. */
static int
hmac_hex(const struct suppress *s, const char *addr, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (HMAC(EVP_sha256(), s->key, (int)s->keylen, (const unsigned char *)addr, n, md,
	    &mdlen) == NULL || mdlen * 2 != SUPPRESS_HASH_LEN)
		return -1;
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[SUPPRESS_HASH_LEN] = '\0';
	return 0;
}

int
suppress_hash(const struct suppress *s, const char *email, char *out, struct err *e)
{
	char buf[ADDR_MAX + 1];
	long n = lower(email, buf);

	if (s->keylen == 0)
		return err_set(e, EXIT_USAGE, "no suppression key (set %s or %s)", SUPPRESS_KEY_ENV,
		    SUPPRESS_KEY_FILE_ENV);
	if (n <= 0)
		return err_set(e, EXIT_DATA, "address empty or longer than %d bytes", ADDR_MAX);
	if (hmac_hex(s, buf, (size_t)n, out) < 0)
		return err_set(e, EXIT_SOFTWARE, "libcrypto: HMAC-SHA256 failed");
	return 0;
}

int
suppress_add(struct suppress *s, const char *email, struct err *e)
{
	char buf[ADDR_MAX + 1], h[SUPPRESS_HASH_LEN + 1];
	long n = lower(email, buf);

	if (n <= 0)
		return err_set(e, EXIT_DATA, "address empty or longer than %d bytes", ADDR_MAX);
	if (s->keylen == 0)
		return ids_intern(&s->set, buf, (size_t)n, e) < 0 ? -1 : 0;
	if (suppress_hash(s, buf, h, e) < 0)
		return -1;
	return ids_intern(&s->hashes, h, SUPPRESS_HASH_LEN, e) < 0 ? -1 : 0;
}

static int
is_hash(const char *h)
{
	size_t i;

	for (i = 0; i < SUPPRESS_HASH_LEN; i++)
		if (!isdigit((unsigned char)h[i]) && (h[i] < 'a' || h[i] > 'f'))
			return 0;
	return h[i] == '\0';
}

/* One line of a list: added to s. Returns 0, or -1 with e set (no position). */
static int
add_line(struct suppress *s, const json_t *o, struct err *e)
{
	const char *email = ndjson_str(o, "email"), *h = ndjson_str(o, "email_hmac");

	if (h != NULL) {
		if (!is_hash(h))
			return err_set(e, EXIT_DATA, "\"email_hmac\" is not %d lowercase hex digits",
			    SUPPRESS_HASH_LEN);
		if (ids_intern(&s->hashes, h, SUPPRESS_HASH_LEN, e) < 0)
			return -1;
	}
	if (email != NULL) {
		char buf[ADDR_MAX + 1];
		long n = lower(email, buf);

		if (n <= 0)
			return err_set(e, EXIT_DATA, "address empty or longer than %d bytes", ADDR_MAX);
		return ids_intern(&s->set, buf, (size_t)n, e) < 0 ? -1 : 0;
	}
	if (h == NULL)
		return err_set(e, EXIT_DATA, "missing \"email\" or \"email_hmac\"");
	return 0;
}

long
suppress_load(struct suppress *s, const char *path, struct err *e)
{
	struct ndjson_reader r;
	FILE *f = fopen(path, "rb");
	json_t *o = NULL;
	long count = 0;
	int rc;

	/* the key first, so that a writer holding this list (mailsend --suppress-refused) adds hashes */
	if (s->keylen == 0 && suppress_key_from_env(s, e) < 0) {
		if (f != NULL)
			fclose(f);
		return -1;
	}
	if (f == NULL)
		return err_set(e, EXIT_NOINPUT, "%s: %s", path, strerror(errno));
	/* a writer appending under the exclusive lock never leaves us half a line */
	if (flock(fileno(f), LOCK_SH) != 0 && errno != ENOLCK && errno != EINVAL) {
		err_set(e, EXIT_IO, "%s: %s", path, strerror(errno));
		fclose(f);
		return -1;
	}
	if (ndjson_init(&r, f, path, 0, e) < 0) {
		fclose(f);
		return -1;
	}
	while ((rc = ndjson_next(&r, &o, NULL, e)) > 0) {
		if (add_line(s, o, e) < 0) {
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
	if (rc < 0)
		return -1;
	if (ids_count(&s->hashes) > 0 && s->keylen == 0)
		return err_set(e, EXIT_USAGE, "%s: holds hashed addresses: set %s or %s to the "
		    "list's key", path, SUPPRESS_KEY_ENV, SUPPRESS_KEY_FILE_ENV);
	return count;
}

int
suppress_has(const struct suppress *s, const char *email)
{
	char buf[ADDR_MAX + 1], h[SUPPRESS_HASH_LEN + 1];
	long n = lower(email, buf);

	if (n <= 0)
		return 0;
	if (ids_find(&s->set, buf, (size_t)n) >= 0)
		return 1;
	return s->keylen > 0 && ids_count(&s->hashes) > 0 && hmac_hex(s, buf, (size_t)n, h) == 0 &&
	    ids_find(&s->hashes, h, SUPPRESS_HASH_LEN) >= 0;
}

int
suppress_contains(const struct suppress *s, const char *email)
{
	return suppress_has(s, email);
}

/*
 * Opens the list at path for appending, holding its exclusive lock. A
 * migration may have renamed a new list into place while we waited: then the
 * lock is on the old file, so open again. Returns the descriptor, or -1 with e set.
 */
static int
open_locked(const char *path, int flags, struct err *e)
{
	struct stat a, b;
	int fd, tries;

	for (tries = 0; tries < 100; tries++) {
		if ((fd = fmode_open(path, flags | O_CLOEXEC)) < 0)
			return err_set(e, EXIT_CANTCREAT, "%s: %s", path, strerror(errno));
		if (flock(fd, LOCK_EX) != 0) {
			err_set(e, EXIT_IO, "%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev)
			return fd;
		close(fd);
	}
	return err_set(e, EXIT_TEMPFAIL, "%s: replaced again and again while waiting for its lock",
	    path);
}

/* Writes all of line[0..n) to fd in one append. Returns 0, or -1 with e set. */
static int
write_all(int fd, const char *path, const char *line, size_t n, struct err *e)
{
	while (n > 0) {
		ssize_t w = write(fd, line, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return err_set(e, EXIT_IO, "%s: write error: %s", path, strerror(w < 0 ? errno : EIO));
		line += w;
		n -= (size_t)w;
	}
	if (fsync(fd) != 0)
		return err_set(e, EXIT_IO, "%s: %s", path, strerror(errno));
	return 0;
}

/*
 * Appends o as one line to the list at path under its exclusive lock, after a
 * newline of its own when the last line is torn (a crash mid-write must not
 * swallow this one; the load then names the torn line), and syncs it.
 * Returns 0, or -1 with e set.
 */
static int
append_line(const char *path, const json_t *o, struct err *e)
{
	char *line = json_dumps(o, JSON_COMPACT);
	size_t n;
	off_t end;
	char last;
	int fd, rc = 0;

	if (line == NULL)
		return err_nomem(e);
	if ((fd = open_locked(path, O_RDWR | O_APPEND, e)) < 0) {
		free(line);
		return -1;
	}
	n = strlen(line);
	line[n++] = '\n'; /* json_dumps leaves the NUL's byte: reuse it for the newline */
	end = lseek(fd, 0, SEEK_END);
	if (end > 0 && pread(fd, &last, 1, end - 1) == 1 && last != '\n')
		rc = write_all(fd, path, "\n", 1, e);
	if (rc == 0)
		rc = write_all(fd, path, line, n, e);
	free(line);
	if (close(fd) != 0 && rc == 0)
		rc = err_set(e, EXIT_IO, "%s: %s", path, strerror(errno));
	return rc;
}

int
suppress_save(const struct suppress *s, const char *path, const char *email,
    const char *reason, time_t ts, struct err *e)
{
	char h[SUPPRESS_HASH_LEN + 1];
	json_t *o;
	int rc;

	if (suppress_hash(s, email, h, e) < 0)
		return -1;
	o = json_pack("{sssssI}", "email_hmac", h, "reason", reason ? reason : "manual", "ts",
	    (json_int_t)ts);
	if (o == NULL)
		return err_set(e, EXIT_DATA, "the reason is not UTF-8");
	rc = append_line(path, o, e);
	json_decref(o);
	return rc;
}

long
suppress_migrate(const struct suppress *s, const char *path, long *plain, struct err *e)
{
	struct ndjson_reader r;
	struct ofile out;
	json_t *o = NULL;
	FILE *f = NULL;
	long count = 0;
	int fd, rc;

	*plain = 0;
	if (s->keylen == 0)
		return err_set(e, EXIT_USAGE, "no suppression key (set %s or %s)", SUPPRESS_KEY_ENV,
		    SUPPRESS_KEY_FILE_ENV);
	if ((fd = open_locked(path, O_RDONLY, e)) < 0)
		return -1;
	if ((f = fdopen(fd, "rb")) == NULL) {
		close(fd);
		return err_set(e, EXIT_IO, "%s: %s", path, strerror(errno));
	}
	if (ndjson_init(&r, f, path, 0, e) < 0) {
		fclose(f);
		return -1;
	}
	if (ofile_open(&out, path, e) < 0) {
		ndjson_free(&r);
		fclose(f);
		return -1;
	}
	while ((rc = ndjson_next(&r, &o, NULL, e)) > 0) {
		const char *email = ndjson_str(o, "email");
		struct suppress probe;

		/* checks the line exactly as a load would */
		suppress_init(&probe);
		rc = add_line(&probe, o, e);
		suppress_free(&probe);
		if (rc == 0 && email != NULL) {
			char h[SUPPRESS_HASH_LEN + 1];
			json_t *n = json_object();

			/* the hash first, then the line's other fields in their order */
			if (n == NULL)
				rc = err_nomem(e);
			else if (suppress_hash(s, email, h, e) < 0)
				rc = -1;
			else if (json_object_set_new(n, "email_hmac", json_string(h)) != 0 ||
			    json_object_del(o, "email") != 0 || json_object_update(n, o) != 0)
				rc = err_nomem(e);
			if (rc < 0) {
				json_decref(n);
			} else {
				json_decref(o);
				o = n;
				(*plain)++;
			}
		}
		if (rc == 0)
			rc = ndjson_write(out.fp, o, e);
		if (rc < 0)
			err_prefix(e, "%s:%ld", path, ndjson_lineno(&r));
		json_decref(o);
		if (rc < 0)
			break;
		count++;
	}
	ndjson_free(&r);
	if (rc < 0) {
		ofile_abort(&out);
		fclose(f);
		return -1;
	}
	rc = ofile_commit(&out, e);
	fclose(f); /* the lock goes with it, after the new list is in place */
	return rc < 0 ? -1 : count;
}

struct matching {
	const struct suppress *s;
	FILE *out;
	long matched;
};

/* customers_read's callback: copies the line of a customer whose address is on the list. */
static int
match_one(void *arg, const struct customer *c, const json_t *line, struct err *e)
{
	struct matching *m = arg;

	if (c->email == NULL || !suppress_has(m->s, c->email))
		return 0;
	m->matched++;
	return ndjson_write(m->out, line, e);
}

long
suppress_match(const struct suppress *s, FILE *in, const char *name, FILE *out, struct err *e)
{
	struct matching m = { s, out, 0 };
	struct customers t;
	long rc;

	/* the customer table's one reader: the lines are checked as mkprompt checks them */
	customers_init(&t);
	rc = customers_read(&t, in, name, NULL, match_one, &m, e);
	customers_free(&t);
	return rc < 0 ? -1 : m.matched;
}

int
suppress_append(const struct suppress *s, const char *path, const char *email,
    const char *reason, long long ts, struct err *e)
{
	char addr[ADDR_MAX + 1];
	json_t *o;
	int rc;

	if (s != NULL && s->keylen > 0)
		return suppress_save(s, path, email, reason, (time_t)ts, e);
	if (lower(email, addr) <= 0)
		return err_set(e, EXIT_DATA, "address empty or longer than %d bytes", ADDR_MAX);
	if ((o = json_pack("{sssssI}", "email", addr, "reason", reason, "ts", (json_int_t)ts)) == NULL)
		return err_set(e, EXIT_DATA, "address is not UTF-8");
	rc = append_line(path, o, e);
	json_decref(o);
	return rc;
}
