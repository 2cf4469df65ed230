/* test_mime.c - header-safe text, encoded-words, folding, QP, addresses, header lookup */
#include <stdlib.h>
#include <string.h>

#include "mail/mime.h"
#include "unit.h"

/* The longest line of s. */
static size_t
longest(const char *s)
{
	size_t m = 0, cur = 0;

	for (; *s; s++) {
		cur = *s == '\n' ? 0 : cur + 1;
		if (cur > m)
			m = cur;
	}
	return m;
}

static void
test_clean_text(void)
{
	const char *in = "  a\r\nBcc: x\t\x01 b \x7f";
	struct buf b;

	buf_init(&b);
	CHECK_INT(mime_clean_text(&b, in, strlen(in)), 0);
	CHECK_STR(b.s, "a Bcc: x b");
	buf_reset(&b);
	mime_clean_text(&b, "x\xc2\x85y\xffz", 6); /* C1 NEL is a control; 0xff is not UTF-8 */
	CHECK_STR(b.s, "x y\xef\xbf\xbdz");
	buf_reset(&b);
	mime_clean_text(&b, "Zo\xc3\xab", 4);
	CHECK_STR(b.s, "Zo\xc3\xab");
	buf_free(&b);
}

static void
test_clean_body(void)
{
	struct buf b;

	buf_init(&b);
	mime_clean_body(&b, "a\r\nb\rc\n\td\x01\x1b", 12);
	CHECK_STR(b.s, "a\nb\nc\n\td");
	buf_free(&b);
}

static void
test_header_text(void)
{
	struct buf b;
	char longsubj[400];

	buf_init(&b);
	mime_header_text(&b, "Subject", "Hello world");
	CHECK_STR(b.s, "Subject: Hello world\n");
	buf_reset(&b);
	mime_header_text(&b, "Subject", "Hi\r\nBcc: evil@x");
	CHECK_STR(b.s, "Subject: Hi Bcc: evil@x\n");
	buf_reset(&b);
	mime_header_text(&b, "Subject", "Gr\xc3\xbc\xc3\x9f" "e");
	CHECK_STR(b.s, "Subject: =?UTF-8?B?R3LDvMOfZQ==?=\n");
	buf_reset(&b);
	mime_header_text(&b, "Subject", "=?UTF-8?B?eA==?=");
	CHECK(strncmp(b.s, "Subject: =?UTF-8?B?", 19) == 0);
	CHECK(strstr(b.s, "=?UTF-8?B?PT9VVEYtOD9CP2VBPT0/PQ==?=") != NULL);
	/* folding: many words, every line within 78 */
	memset(longsubj, 0, sizeof longsubj);
	for (int i = 0; i < 60; i++)
		strcat(longsubj, "word ");
	buf_reset(&b);
	mime_header_text(&b, "Subject", longsubj);
	CHECK(longest(b.s) <= 78);
	CHECK(strstr(b.s, "\n word") != NULL);
	/* non-ASCII: encoded-words never split a character and stay within 78 */
	longsubj[0] = '\0';
	for (int i = 0; i < 50; i++)
		strcat(longsubj, "\xe8\x8c\xb6\xc3\xa9");
	buf_reset(&b);
	mime_header_text(&b, "Subject", longsubj);
	CHECK(longest(b.s) <= 78);
	CHECK(strstr(b.s, "\n =?UTF-8?B?") != NULL);
	buf_free(&b);
}

static void
test_header_mailbox(void)
{
	struct buf b;
	struct err e;

	buf_init(&b);
	CHECK_INT(mime_header_mailbox(&b, "To", "Ann Lee", "ann@example.com", &e), 0);
	CHECK_STR(b.s, "To: Ann Lee <ann@example.com>\n");
	buf_reset(&b);
	mime_header_mailbox(&b, "To", "Lee, \"Ann\" J.", "ann@example.com", &e);
	CHECK_STR(b.s, "To: \"Lee, \\\"Ann\\\" J.\" <ann@example.com>\n");
	buf_reset(&b);
	mime_header_mailbox(&b, "To", NULL, "ann@example.com", &e);
	CHECK_STR(b.s, "To: <ann@example.com>\n");
	buf_reset(&b);
	mime_header_mailbox(&b, "To", "Zo\xc3\xab", "z@example.com", &e);
	CHECK_STR(b.s, "To: =?UTF-8?B?Wm/Dqw==?= <z@example.com>\n");
	CHECK_INT(mime_header_mailbox(&b, "To", "x", "a@b@c", &e), -1);
	buf_free(&b);
}

static void
test_header_raw(void)
{
	struct buf b;
	struct err e;

	buf_init(&b);
	CHECK_INT(mime_header_raw(&b, "X-A", "one,\x1ftwo", &e), 0);
	CHECK_STR(b.s, "X-A: one, two\n");
	CHECK_INT(mime_header_raw(&b, "X-A", "a\nb", &e), -1);
	CHECK_INT(mime_header_raw(&b, "X-A", "\xc3\xa9", &e), -1);
	buf_free(&b);
}

static void
test_addr(void)
{
	CHECK(mime_addr_valid("a@example.com"));
	CHECK(mime_addr_valid("first.last+tag@sub.example.co.uk"));
	CHECK(mime_addr_valid("x@[192.0.2.1]"));
	CHECK(!mime_addr_valid("a@example.com>"));
	CHECK(!mime_addr_valid("a b@example.com"));
	CHECK(!mime_addr_valid(".a@example.com"));
	CHECK(!mime_addr_valid("a..b@example.com"));
	CHECK(!mime_addr_valid("a@-example.com"));
	CHECK(!mime_addr_valid("a@exa_mple.com"));
	CHECK(!mime_addr_valid("a@example.com\r\nBcc: x@y"));
	CHECK(!mime_addr_valid("@example.com"));
	CHECK(!mime_addr_valid("a@"));
	CHECK(!mime_addr_valid("z\xc3\xab@example.com"));
	CHECK(!mime_addr_valid(NULL));
}

static void
test_parse_mailbox(void)
{
	char *d, *a;
	struct err e;

	CHECK_INT(mime_parse_mailbox("Shop <shop@example.com>", &d, &a, &e), 0);
	CHECK_STR(d, "Shop");
	CHECK_STR(a, "shop@example.com");
	free(d);
	free(a);
	CHECK_INT(mime_parse_mailbox("\"Shop, Ltd\" <s@example.com>", &d, &a, &e), 0);
	CHECK_STR(d, "Shop, Ltd");
	free(d);
	free(a);
	CHECK_INT(mime_parse_mailbox(" s@example.com ", &d, &a, &e), 0);
	CHECK_STR(d, "");
	CHECK_STR(a, "s@example.com");
	free(d);
	free(a);
	CHECK_INT(mime_parse_mailbox("Shop <shop@example.com", &d, &a, &e), -1);
	CHECK_INT(mime_parse_mailbox("Shop <not an address>", &d, &a, &e), -1);
}

static void
test_value_addr(void)
{
	char out[64];
	const char *v = "\"a <x@y>\" (c <z@w>) <real@example.com>";

	CHECK_INT(mime_value_addr(v, strlen(v), out, sizeof out), 0);
	CHECK_STR(out, "real@example.com");
	CHECK_INT(mime_value_addr(" b@example.com ", 15, out, sizeof out), 0);
	CHECK_STR(out, "b@example.com");
	CHECK_INT(mime_value_addr("<broken", 7, out, sizeof out), -1);
}

static void
test_qp(void)
{
	struct buf b;
	char in[300];

	buf_init(&b);
	mime_qp_encode(&b, "a=b \xc3\xa9 \nFrom x\nend ", strlen("a=b \xc3\xa9 \nFrom x\nend "));
	CHECK_STR(b.s, "a=3Db =C3=A9=20\n=46rom x\nend=20");
	/* long lines get soft breaks at most 76 wide */
	memset(in, 'x', 200);
	in[200] = '\0';
	buf_reset(&b);
	mime_qp_encode(&b, in, 200);
	CHECK(longest(b.s) <= 76);
	CHECK(strstr(b.s, "=\n") != NULL);
	/* a "From " after a soft break is protected too */
	memset(in, 'y', 75);
	memcpy(in + 75, "From here", 10);
	buf_reset(&b);
	mime_qp_encode(&b, in, 84);
	CHECK(strstr(b.s, "\nFrom ") == NULL);
	buf_free(&b);
}

static void
test_date_base64(void)
{
	char d[40];
	struct buf b;

	mime_date(1764000000, d, sizeof d);
	CHECK_STR(d, "Mon, 24 Nov 2025 16:00:00 +0000");
	buf_init(&b);
	mime_base64(&b, "abcd", 4);
	CHECK_STR(b.s, "YWJjZA==");
	buf_free(&b);
}

/* decoding what real reports carry: base64 with line breaks, QP with soft breaks and padding */
static void
test_decode(void)
{
	struct buf b;
	const char *qp = "caf=C3=A9 =3D ok=\r\nsame line  \r\nnext=\n\nstray = and =zz and =4\n"
	    "lower =c3=a9\n";

	buf_init(&b);
	CHECK_INT(mime_base64_decode(&b, "YWJj\r\nZA==\r\n", 12), 0);
	CHECK_STR(b.s, "abcd");
	CHECK_INT(b.len, 4);
	buf_reset(&b);
	/* binary survives, NULs included */
	CHECK_INT(mime_base64_decode(&b, "AAEC/w==", 8), 0);
	CHECK_INT(b.len, 4);
	CHECK(memcmp(b.s, "\0\1\2\xff", 4) == 0);
	buf_reset(&b);
	CHECK_INT(mime_base64_decode(&b, "YW*j", 4), -1);
	CHECK_INT(b.len, 0);
	buf_reset(&b);
	CHECK_INT(mime_qp_decode(&b, qp, strlen(qp)), 0);
	CHECK_STR(b.s, "caf\xc3\xa9 = oksame line\nnext\nstray = and =zz and =4\nlower \xc3\xa9\n");
	buf_reset(&b);
	/* a round trip through our own encoder */
	mime_qp_encode(&b, "a=b \xc3\xa9 \nFrom x\nend ", strlen("a=b \xc3\xa9 \nFrom x\nend "));
	{
		struct buf d;

		buf_init(&d);
		CHECK_INT(mime_qp_decode(&d, b.s, b.len), 0);
		CHECK_STR(d.s, "a=b \xc3\xa9 \nFrom x\nend ");
		buf_free(&d);
	}
	buf_reset(&b);
	CHECK_INT(mime_decode_body(&b, " Base64 (a comment)", "aGk=", 4), 1);
	CHECK_INT(mime_decode_body(&b, "QUOTED-PRINTABLE", "=21", 3), 1);
	CHECK_INT(mime_decode_body(&b, "7bit", "=21", 3), 0);
	CHECK_INT(mime_decode_body(&b, NULL, "x", 1), 0);
	/* base64 that does not decode is kept as it came */
	CHECK_INT(mime_decode_body(&b, "base64", "not base64!", 11), 0);
	CHECK_STR(b.s, "hi!=21xnot base64!");
	buf_reset(&b);
	/* RFC 2047 encoded-words: B and Q, the space between two words dropped, not between text */
	CHECK_INT(mime_decode_words(&b, "=?UTF-8?Q?unsub?= =?utf-8?b?c2NyaWJl?= now =?x?Q?a_=3Db?=",
	    strlen("=?UTF-8?Q?unsub?= =?utf-8?b?c2NyaWJl?= now =?x?Q?a_=3Db?=")), 0);
	CHECK_STR(b.s, "unsubscribe now a =b");
	buf_reset(&b);
	/* what only looks like one is copied */
	CHECK_INT(mime_decode_words(&b, "=?UTF-8?X?abc?= =? a ?= =?UTF-8?Q?open", 38), 0);
	CHECK_STR(b.s, "=?UTF-8?X?abc?= =? a ?= =?UTF-8?Q?open");
	buf_free(&b);
}

static void
test_find_header(void)
{
	const char *m = "From: a@b.c\r\nSubject: one\r\n two\r\nTo: x@y.z\r\n\r\nSubject: body\r\n";
	struct buf b;

	buf_init(&b);
	CHECK_INT(mime_find_header(m, strlen(m), "subject", &b), 1);
	CHECK_STR(b.s, "one two");
	CHECK_INT(mime_find_header(m, strlen(m), "To", &b), 1);
	CHECK_STR(b.s, "x@y.z");
	CHECK_INT(mime_find_header(m, strlen(m), "Cc", &b), 0);
	CHECK_INT(mime_head_len(m, strlen(m)), strstr(m, "\r\n\r\n") - m + 4);
	buf_free(&b);
}

int
main(void)
{
	RUN(test_clean_text);
	RUN(test_clean_body);
	RUN(test_header_text);
	RUN(test_header_mailbox);
	RUN(test_header_raw);
	RUN(test_addr);
	RUN(test_parse_mailbox);
	RUN(test_value_addr);
	RUN(test_qp);
	RUN(test_date_base64);
	RUN(test_find_header);
	RUN(test_decode);
	return UNIT_DONE();
}
