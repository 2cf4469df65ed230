/* fuzz_sentlog.c - libFuzzer harness: mailsend's sent log read back (lib/mail/sentlog.c), then one intent and its result written after it */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mail/sentlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct sentlog l;
	struct err e;
	size_t off = 0;

	/* a regular file in memory: the log must be one (a device is refused) */
	if (fd < 0) {
		if ((fd = memfd_create("sentlog", 0)) < 0)
			abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0)
		abort();
	while (off < size) {
		ssize_t w = pwrite(fd, data + off, size - off, (off_t)off);

		if (w <= 0)
			abort();
		off += (size_t)w;
	}
	if (sentlog_open(&l, path, &e) < 0)
		return 0;
	if (l.bad < 0 || l.unresolved < 0 || l.unresolved > l.lines)
		abort();
	if (sentlog_state(&l, "<fuzz@x>") == SENTLOG_NONE) {
		if (sentlog_intent(&l, "<fuzz@x>", "f@example.com", 1, 1, &e) < 0 ||
		    sentlog_result(&l, "<fuzz@x>", "f@example.com", "accepted", 2, 1, "250 ok", &e) < 0)
			abort();
		if (sentlog_state(&l, "<fuzz@x>") != SENTLOG_ACCEPTED)
			abort();
	}
	sentlog_close(&l);
	return 0;
}
