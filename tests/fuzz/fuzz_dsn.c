/* fuzz_dsn.c - libFuzzer harness: what bounces reads (lib/mail/dsn.c) and the MIME decoders under it */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "mail/dsn.h"
#include "mail/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dsn_parser p;
	static int ready;
	struct dsn_report r;
	struct buf b;
	int k;

	if (!ready) {
		dsn_init(&p);
		ready = 1;
	}
	k = dsn_parse(&p, (const char *)data, size, &r);
	if (k < DSN_NONE || k > DSN_UNSUB)
		abort();
	/* every field is a string within its array; a report names its recipient */
	if (memchr(r.rcpt, 0, sizeof r.rcpt) == NULL || memchr(r.msgid, 0, sizeof r.msgid) == NULL ||
	    memchr(r.status, 0, sizeof r.status) == NULL || memchr(r.feedback, 0, sizeof r.feedback) == NULL)
		abort();
	if (k != DSN_NONE && r.rcpt[0] == '\0')
		abort();
	/* decoding never grows: base64 by 3/4, quoted-printable not at all */
	buf_init(&b);
	if (mime_base64_decode(&b, (const char *)data, size) == 0 && b.len > size / 4 * 3 + 3)
		abort();
	buf_reset(&b);
	if (mime_qp_decode(&b, (const char *)data, size) == 0 && b.len > size)
		abort();
	buf_reset(&b);
	if (mime_decode_words(&b, (const char *)data, size) == 0 && b.len > size)
		abort();
	buf_free(&b);
	return 0;
}
