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
	CHECK(strstr(e.msg, ":2: missing \"email\"") != NULL);
	suppress_free(&s);
	unlink(path);
	suppress_init(&s);
	CHECK_INT(suppress_load(&s, "/nonexistent/x", &e), -1);
	CHECK_INT(e.code, 66);
	suppress_free(&s);
}

int
main(void)
{
	RUN(test_load);
	return UNIT_DONE();
}
