/* test_sentlog.c - the send log: states read back, torn lines, the lock */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "mail/sentlog.h"
#include "unit.h"

static void
test_roundtrip(void)
{
	char path[] = "/tmp/test_sentlog.XXXXXX";
	int fd = mkstemp(path);
	struct sentlog l, l2;
	struct err e;
	FILE *f;

	close(fd);
	CHECK_INT(sentlog_open(&l, path, &e), 0);
	CHECK_INT(sentlog_state(&l, "<a@x>"), SENTLOG_NONE);
	CHECK_INT(sentlog_append(&l, "<a@x>", "a@example.com", "deferred", 1, 1, "451 later", &e), 0);
	CHECK_INT(sentlog_state(&l, "<a@x>"), SENTLOG_NONE);
	CHECK_INT(sentlog_append(&l, "<a@x>", "a@example.com", "accepted", 2, 2, "250 ok", &e), 0);
	CHECK_INT(sentlog_append(&l, "<b@x>", "b@example.com", "failed", 3, 1, "550 no", &e), 0);
	CHECK_INT(sentlog_state(&l, "<a@x>"), SENTLOG_ACCEPTED);
	/* a second open of the same log is refused while the first holds it */
	CHECK_INT(sentlog_open(&l2, path, &e), -1);
	CHECK_INT(e.code, 75);
	sentlog_close(&l);
	/* a torn last line is skipped and does not swallow the next append */
	f = fopen(path, "a");
	fputs("{\"message_id\":\"<c@x>\",\"sta", f);
	fclose(f);
	CHECK_INT(sentlog_open(&l, path, &e), 0);
	CHECK_INT(l.bad, 1);
	CHECK_INT(l.lines, 3);
	CHECK_INT(sentlog_state(&l, "<a@x>"), SENTLOG_ACCEPTED);
	CHECK_INT(sentlog_state(&l, "<b@x>"), SENTLOG_FAILED);
	CHECK_INT(sentlog_state(&l, "<c@x>"), SENTLOG_NONE);
	CHECK_INT(sentlog_append(&l, "<c@x>", "c@example.com", "accepted", 4, 1, "250", &e), 0);
	sentlog_close(&l);
	CHECK_INT(sentlog_open(&l, path, &e), 0);
	CHECK_INT(sentlog_state(&l, "<c@x>"), SENTLOG_ACCEPTED);
	CHECK_INT(l.bad, 1);
	sentlog_close(&l);
	unlink(path);
}

int
main(void)
{
	RUN(test_roundtrip);
	return UNIT_DONE();
}
