/* fuzz_mbox.c - libFuzzer harness: the mbox reader (lib/mail/mbox.c) and the MIME header readers mailsend uses on each message */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/lines.h"
#include "mail/mbox.h"
#include "mail/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What mailsend reads of a message: the headers it looks up and the addresses in them. */
static void
headers(const char *msg, size_t n, struct buf *v)
{
	static const char *const names[] = { "Message-ID", "To", "From", "Subject", "X-Campaign" };
	size_t hn = mime_head_len(msg, n);
	char addr[320];

	if (hn > n)
		abort();
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (mime_find_header(msg, hn, names[i], v) != 1)
			continue;
		if (strlen(v->s) > v->len)
			abort();
		if (mime_value_addr(v->s, v->len, addr, sizeof addr) == 0) {
			char *display = NULL, *a = NULL;
			struct err e;

			(void)mime_addr_valid(addr);
			if (mime_parse_mailbox(v->s, &display, &a, &e) == 0)
				(void)mime_addr_valid(a);
			free(display);
			free(a);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mbox_in in;
	struct err e;
	struct buf v;
	const char *msg;
	size_t n;
	long count = 0;

	/* an mbox stream as mbox_in_open makes one for a file, over the input bytes */
	memset(&in, 0, sizeof in);
	in.kind = MBOX_STREAM;
	in.name = "fuzz";
	if (size == 0 || (in.fp = fmemopen((void *)data, size, "rb")) == NULL)
		return 0;
	buf_init(&v);
	if (lines_init(&in.lines, in.fp, "fuzz", 512, &e) == 0) {
		int rc;

		in.lines.skipmax = 4096;
		while ((rc = mbox_in_next(&in, &msg, &n, &e)) > 0) {
			if (msg[n] != '\0' || ++count > (long)size + 1)
				abort(); /* NUL-terminated; never more messages than bytes */
			headers(msg, n, &v);
			if (mbox_in_where(&in) == NULL)
				abort();
		}
	}
	buf_free(&v);
	mbox_in_close(&in);
	return 0;
}
