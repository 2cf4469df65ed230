/* test_sentlog.c - the send log: states read back, torn lines, the lock */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* intent, then the result in its reserved line; an intent left without one is unresolved */
static void
test_intent_then_result(void)
{
	char path[] = "/tmp/test_sentlog.XXXXXX", reply[600], line[1024];
	int fd = mkstemp(path);
	struct sentlog l;
	struct err e;
	FILE *f;
	off_t size;
	int n = 0;

	close(fd);
	memset(reply, 'r', sizeof reply - 1);
	reply[sizeof reply - 1] = '\0';
	CHECK_INT(sentlog_open(&l, path, &e), 0);
	CHECK_INT(sentlog_intent(&l, "<a@x>", "a@example.com", 1, 1, &e), 0);
	size = l.end;
	/* a reply too long for the reserved line is cut; the file does not grow */
	CHECK_INT(sentlog_result(&l, "<a@x>", "a@example.com", "accepted", 2, 1, reply, &e), 0);
	CHECK_INT(l.end, size);
	CHECK_INT(sentlog_state(&l, "<a@x>"), SENTLOG_ACCEPTED);
	CHECK_INT(sentlog_intent(&l, "<b@x>", "b@example.com", 3, 1, &e), 0);
	CHECK_INT(sentlog_state(&l, "<b@x>"), SENTLOG_NONE);
	sentlog_close(&l); /* a crash before <b@x>'s result */
	CHECK_INT(sentlog_open(&l, path, &e), 0);
	CHECK_INT(l.bad, 0);
	CHECK_INT(l.unresolved, 1);
	CHECK_INT(sentlog_state(&l, "<a@x>"), SENTLOG_ACCEPTED);
	CHECK_INT(sentlog_state(&l, "<b@x>"), SENTLOG_NONE);
	CHECK_INT(sentlog_intent(&l, "<b@x>", "b@example.com", 4, 1, &e), 0);
	CHECK_INT(sentlog_result(&l, "<b@x>", "b@example.com", "deferred", 5, 1, "451 later", &e), 0);
	sentlog_close(&l);
	CHECK_INT(sentlog_open(&l, path, &e), 0);
	CHECK_INT(l.unresolved, 0);
	CHECK_INT(sentlog_state(&l, "<b@x>"), SENTLOG_NONE);
	sentlog_close(&l);
	/* every line is one JSON object or blank: intent, result, intent, blank, intent, result */
	f = fopen(path, "r");
	while (fgets(line, sizeof line, f) != NULL)
		n++;
	fclose(f);
	CHECK_INT(n, 6);
	unlink(path);
}

int
main(void)
{
	RUN(test_roundtrip);
	RUN(test_intent_then_result);
	return UNIT_DONE();
}
