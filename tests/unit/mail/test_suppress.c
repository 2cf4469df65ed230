/* test_suppress.c - the suppression list: case-insensitive, strict about bad lines */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mail/suppress.h"
#include "unit.h"

static void
test_load(void)
{
	char path[] = "/tmp/test_suppress.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct suppress s;
	struct err e;

	fputs("{\"email\":\"Zoe@Example.COM\",\"reason\":\"unsubscribe\",\"ts\":1}\n\n"
	    "{\"email\":\"b@example.com\",\"reason\":\"bounce\"}\n", f);
	fclose(f);
	suppress_init(&s);
	CHECK_INT(suppress_load(&s, path, &e), 2);
	CHECK(suppress_has(&s, "zoe@example.com"));
	CHECK(suppress_has(&s, "ZOE@EXAMPLE.COM"));
	CHECK(suppress_has(&s, "b@example.com"));
	CHECK(!suppress_has(&s, "c@example.com"));
	suppress_free(&s);
	f = fopen(path, "w");
	fputs("{\"email\":\"a@example.com\"}\n{\"mail\":\"x\"}\n", f);
	fclose(f);
	suppress_init(&s);
	CHECK_INT(suppress_load(&s, path, &e), -1);
	CHECK(strstr(e.msg, ":2: missing \"email\" or \"email_hmac\"") != NULL);
	suppress_free(&s);
	unlink(path);
	suppress_init(&s);
	CHECK_INT(suppress_load(&s, "/nonexistent/x", &e), -1);
	CHECK_INT(e.code, 66);
	suppress_free(&s);
}

static char *
slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return buf;
}

static void
test_hashed(void)
{
	char path[] = "/tmp/test_suppress_h.XXXXXX", h[SUPPRESS_HASH_LEN + 1];
	int fd = mkstemp(path);
	struct suppress s, k;
	struct err e;
	long plain = -1;
	FILE *f = fdopen(fd, "w");

	/* a plain line of an earlier version */
	fputs("{\"email\":\"Old@Example.com\",\"reason\":\"bounce\",\"ts\":5}\n", f);
	fclose(f);
	unsetenv(SUPPRESS_KEY_ENV);
	unsetenv(SUPPRESS_KEY_FILE_ENV);
	suppress_init(&k);
	CHECK_INT(suppress_set_key(&k, "short", 5, &e), -1);
	CHECK_INT(e.code, 64);
	CHECK_INT(suppress_save(&k, path, "zoe@example.com", "unsubscribe", 7, &e), -1);
	CHECK_INT(e.code, 64);
	CHECK_INT(suppress_set_key(&k, "0123456789abcdef", 16, &e), 0);
	/* HMAC-SHA256("0123456789abcdef", "zoe@example.com"), any case of the address */
	CHECK_INT(suppress_hash(&k, "ZOE@example.com", h, &e), 0);
	CHECK_STR(h, "58644ae4ffd51c49e3faebefdb89b570dbc65d2ccc60b2d926e41ac5620355f2");
	CHECK_INT(suppress_save(&k, path, "Zoe@Example.com", "unsubscribe", 7, &e), 0);
	CHECK(strstr(slurp(path), "zoe@") == NULL && strstr(slurp(path), "Zoe@") == NULL);
	CHECK(strstr(slurp(path), "\"reason\":\"unsubscribe\",\"ts\":7") != NULL);

	/* both kinds are looked up; hashed lines need the key */
	suppress_init(&s);
	CHECK_INT(suppress_load(&s, path, &e), -1);
	CHECK_INT(e.code, 64);
	CHECK(strstr(e.msg, "holds hashed addresses") != NULL);
	suppress_free(&s);
	setenv(SUPPRESS_KEY_ENV, "0123456789abcdef", 1);
	suppress_init(&s);
	CHECK_INT(suppress_load(&s, path, &e), 2);
	CHECK(suppress_has(&s, "zoe@EXAMPLE.com"));
	CHECK(suppress_contains(&s, "old@example.com"));
	CHECK(!suppress_has(&s, "ann@example.com"));
	suppress_free(&s);
	/* the wrong key finds nobody on the hashed lines */
	setenv(SUPPRESS_KEY_ENV, "another key, 16+ bytes", 1);
	suppress_init(&s);
	CHECK_INT(suppress_load(&s, path, &e), 2);
	CHECK(!suppress_has(&s, "zoe@example.com"));
	suppress_free(&s);

	/* migration: the plain line becomes its hash, everyone stays suppressed */
	CHECK_INT(suppress_migrate(&k, path, &plain, &e), 2);
	CHECK_INT(plain, 1);
	CHECK(strstr(slurp(path), "@") == NULL);
	CHECK(strstr(slurp(path), "\"reason\":\"bounce\",\"ts\":5") != NULL);
	setenv(SUPPRESS_KEY_ENV, "0123456789abcdef", 1);
	suppress_init(&s);
	CHECK_INT(suppress_load(&s, path, &e), 2);
	CHECK(suppress_has(&s, "old@example.com"));
	CHECK(suppress_has(&s, "zoe@example.com"));
	CHECK_INT(ids_count(&s.set), 0);
	suppress_free(&s);

	/* a hash that is not 64 hex digits is a bad line */
	f = fopen(path, "a");
	fputs("{\"email_hmac\":\"ABC\"}\n", f);
	fclose(f);
	suppress_init(&s);
	CHECK_INT(suppress_load(&s, path, &e), -1);
	CHECK_INT(e.code, 65);
	CHECK(strstr(e.msg, ":3: \"email_hmac\" is not 64") != NULL);
	suppress_free(&s);
	unsetenv(SUPPRESS_KEY_ENV);
	suppress_free(&k);
	unlink(path);
}

/* suppress_append: the writers' call (trackd, bounces, mailsend): hashed with a key, plain without */
static void
test_append(void)
{
	char path[] = "/tmp/test_suppress_a.XXXXXX";
	int fd = mkstemp(path);
	struct suppress k, s;
	struct err e;
	FILE *f;

	close(fd);
	unlink(path); /* created by the append, private */
	suppress_init(&k);
	CHECK_INT(suppress_append(NULL, path, "Old@Example.com", "bounce", 3, &e), 0);
	CHECK(strstr(slurp(path), "{\"email\":\"old@example.com\",\"reason\":\"bounce\",\"ts\":3}\n") != NULL);
	CHECK_INT(suppress_append(&k, path, "keyless@example.com", "bounce", 4, &e), 0);
	CHECK(strstr(slurp(path), "keyless@example.com") != NULL);
	CHECK_INT(suppress_set_key(&k, "0123456789abcdef", 16, &e), 0);
	/* a torn last line gets a newline of its own first */
	f = fopen(path, "a");
	fputs("{\"email\":\"to", f);
	fclose(f);
	CHECK_INT(suppress_append(&k, path, "ZOE@example.com", "unsubscribe", 7, &e), 0);
	CHECK(strstr(slurp(path), "\"email\":\"to\n{\"email_hmac\":\"58644ae4ffd51c49e3faebefdb89b570dbc65d2ccc60"
	    "b2d926e41ac5620355f2\",\"reason\":\"unsubscribe\",\"ts\":7}\n") != NULL);
	CHECK(strstr(slurp(path), "zoe") == NULL && strstr(slurp(path), "ZOE") == NULL);
	CHECK_INT(suppress_append(&k, path, "", "bounce", 8, &e), -1);
	CHECK_INT(e.code, 65);
	/* the hashed line is found with the key (the torn line is cut off here) */
	f = fopen(path, "r+");
	{
		char *buf = slurp(path), *torn = strstr(buf, "{\"email\":\"to\n");

		CHECK(torn != NULL);
		if (torn != NULL)
			memmove(torn, torn + 13, strlen(torn + 13) + 1);
		fputs(buf, f);
		CHECK(ftruncate(fileno(f), (off_t)strlen(buf)) == 0);
	}
	fclose(f);
	setenv(SUPPRESS_KEY_ENV, "0123456789abcdef", 1);
	suppress_init(&s);
	CHECK_INT(suppress_load(&s, path, &e), 3);
	CHECK(suppress_has(&s, "zoe@example.com"));
	CHECK(suppress_has(&s, "old@example.com"));
	suppress_free(&s);
	unsetenv(SUPPRESS_KEY_ENV);
	/* suppress_key_load: a named file wins, a bad one names itself */
	f = fopen(path, "w");
	fputs("short\n", f);
	fclose(f);
	suppress_free(&k);
	suppress_init(&k);
	CHECK_INT(suppress_key_load(&k, path, &e), -1);
	CHECK_INT(e.code, 64);
	CHECK(strstr(e.msg, path) != NULL);
	CHECK_INT(suppress_key_load(&k, NULL, &e), 0);
	CHECK_INT(suppress_key_load(&k, "/nonexistent/key", &e), -1);
	CHECK_INT(e.code, 66);
	suppress_free(&k);
	unlink(path);
}

int
main(void)
{
	RUN(test_load);
	RUN(test_hashed);
	RUN(test_append);
	return UNIT_DONE();
}
