/* test_eventlog.c - the event file: torn-line repair, batched and synced appends, reopen */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "measure/eventlog.h"
#include "unit.h"

static char dir[] = "/tmp/test_eventlog_XXXXXX";

static char *
slurp(const char *path)
{
	static char b[4096];
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(b, 1, sizeof b - 1, f) : 0;

	if (f)
		fclose(f);
	b[n] = '\0';
	return b;
}

static void
put(const char *path, const char *s)
{
	FILE *f = fopen(path, "wb");

	fputs(s, f);
	fclose(f);
}

static void
test_torn_line_is_cut(void)
{
	struct eventlog l;
	struct err e;
	char path[64];

	snprintf(path, sizeof path, "%s/a", dir);
	put(path, "{\"a\":1}\n{\"b\":");
	CHECK_INT(eventlog_open(&l, path, 10000, &e), 0);
	CHECK_INT(l.repaired, 5);
	CHECK_INT(eventlog_append_sync(&l, "{\"c\":3}", 7, &e), 0);
	CHECK_STR(slurp(path), "{\"a\":1}\n{\"c\":3}\n");
	CHECK_INT(eventlog_close(&l, &e), 0);
	/* a file with no newline at all is all torn */
	put(path, "{\"b\":");
	CHECK_INT(eventlog_open(&l, path, 10000, &e), 0);
	CHECK_INT(l.repaired, 5);
	CHECK_INT(eventlog_close(&l, &e), 0);
	CHECK_STR(slurp(path), "");
}

static void
test_batched_until_close_or_interval(void)
{
	struct eventlog l;
	struct err e;
	char path[64];
	int i;

	snprintf(path, sizeof path, "%s/b", dir);
	CHECK_INT(eventlog_open(&l, path, 60000, &e), 0);
	CHECK_INT(eventlog_append(&l, "x", 1, &e), 0);
	usleep(50000);
	CHECK_STR(slurp(path), "");            /* the interval has not passed */
	CHECK_INT(eventlog_close(&l, &e), 0);
	CHECK_STR(slurp(path), "x\n");
	CHECK_INT(eventlog_open(&l, path, 20, &e), 0);
	CHECK_INT(eventlog_append(&l, "y", 1, &e), 0);
	for (i = 0; i < 100 && strcmp(slurp(path), "x\ny\n") != 0; i++)
		usleep(10000);
	CHECK_STR(slurp(path), "x\ny\n");
	CHECK_INT(eventlog_close(&l, &e), 0);
}

static void
test_reopen_follows_the_path(void)
{
	struct eventlog l;
	struct err e;
	char path[64], moved[64];

	snprintf(path, sizeof path, "%s/c", dir);
	snprintf(moved, sizeof moved, "%s/c.1", dir);
	CHECK_INT(eventlog_open(&l, path, 10000, &e), 0);
	CHECK_INT(eventlog_append_sync(&l, "1", 1, &e), 0);
	CHECK_INT(rename(path, moved), 0);
	CHECK_INT(eventlog_append(&l, "2", 1, &e), 0);
	eventlog_reopen(&l);
	CHECK_INT(eventlog_append_sync(&l, "3", 1, &e), 0);
	/* the reopen is done by now; where "3" went depends on who came first, not lost either way */
	CHECK_INT(eventlog_append_sync(&l, "4", 1, &e), 0);
	CHECK_INT(eventlog_close(&l, &e), 0);
	{
		char both[64];

		snprintf(both, sizeof both, "%s", slurp(moved));
		snprintf(both + strlen(both), sizeof both - strlen(both), "%s", slurp(path));
		CHECK_STR(both, "1\n2\n3\n4\n");
		CHECK(strncmp(slurp(moved), "1\n2\n", 4) == 0);
		CHECK(strcmp(slurp(path) + strlen(slurp(path)) - 2, "4\n") == 0);
	}
}

static void
test_write_error_is_reported(void)
{
	struct eventlog l;
	struct err e;

	if (access("/dev/full", W_OK) != 0)
		return;
	CHECK_INT(eventlog_open(&l, "/dev/full", 10000, &e), 0);
	CHECK_INT(eventlog_append_sync(&l, "x", 1, &e), -1);
	CHECK(strstr(e.msg, "/dev/full: ") != NULL);
	CHECK_INT(eventlog_append(&l, "y", 1, &e), -1);
	CHECK_INT(eventlog_close(&l, &e), -1);
}

int
main(void)
{
	char cmd[80];
	int rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	RUN(test_torn_line_is_cut);
	RUN(test_batched_until_close_or_interval);
	RUN(test_reopen_follows_the_path);
	RUN(test_write_error_is_reported);
	rc = UNIT_DONE();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
