/* test_mailread.c - reading back messages: encoded-words, parts, the headers the checks read */
#include <string.h>

#include "mail/mailread.h"
#include "unit.h"

static void
test_decode_words(void)
{
	struct buf b;

	buf_init(&b);
	CHECK_INT(mailread_decode_words(&b, "=?UTF-8?B?Wm/DqyBNw7xsbGVy?=", 28), 0);
	CHECK_STR(b.s, "Zo\xc3\xab M\xc3\xbcller");
	buf_reset(&b);
	/* the space between two encoded-words is not shown; a plain word keeps its space */
	CHECK_INT(mailread_decode_words(&b, "=?UTF-8?B?SGk=?= =?UTF-8?Q?_th=C3=A9re?= now", 44), 0);
	CHECK_STR(b.s, "Hi th\xc3\xa9re now");
	buf_reset(&b);
	/* another charset and a broken word are left as they are */
	CHECK_INT(mailread_decode_words(&b, "=?KOI8-R?B?8NLJ?= =?UTF-8?X?a?=", 31), 0);
	CHECK_STR(b.s, "=?KOI8-R?B?8NLJ?= =?UTF-8?X?a?=");
	buf_free(&b);
}

static void
test_parse(void)
{
	static const char msg[] =
	    "From: Shop <shop@mail.example.com>\n"
	    "Reply-To: Care <care@example.com>\n"
	    "To: =?UTF-8?B?Wm/Dqw==?= <zoe@example.com>\n"
	    "Subject: =?UTF-8?B?SMOpIHRoZXJl?=\n"
	    "Message-ID: <abc.c1@example.com>\n"
	    "List-Unsubscribe: <mailto:u@example.com?subject=unsubscribe>,\n <https://t.example.com/u?t=x>\n"
	    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
	    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com; s=s1;\n h=from; bh=x; b=y\n"
	    "X-Variant: llm%20b\n"
	    "Content-Type: multipart/alternative;\n boundary=\"=_rm_1\"\n"
	    "\n"
	    "--=_rm_1\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n"
	    "\n"
	    "Hi Zo=C3=AB\n"
	    "--=_rm_1\n"
	    "Content-Type: text/html; charset=utf-8\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "PGh0bWwgbGFuZz0iZGUtREUiPjxwPkhpPC9wPjwvaHRtbD4=\n"
	    "--=_rm_1--\n";
	struct mailread r;
	struct err e;

	mailread_init(&r);
	CHECK_INT(mailread_parse(&r, msg, sizeof msg - 1, &e), 0);
	CHECK_STR(r.from, "shop@mail.example.com");
	CHECK_STR(r.reply_to, "care@example.com");
	CHECK_STR(r.to, "zoe@example.com");
	CHECK_STR(r.subject.s, "H\xc3\xa9 there");
	CHECK_STR(r.variant, "llm b");
	CHECK_STR(r.dkim_d, "example.com");
	CHECK_INT(r.one_click, 1);
	CHECK_INT(r.has_text, 1);
	CHECK_INT(r.has_html, 1);
	CHECK_STR(r.text.s, "Hi Zo\xc3\xab");
	CHECK_STR(r.html.s, "<html lang=\"de-DE\"><p>Hi</p></html>");
	CHECK_STR(r.lang, "de-DE");
	/* a mailto-only List-Unsubscribe is not one-click; no From is an error */
	CHECK_INT(mailread_parse(&r, "To: a@example.com\nList-Unsubscribe: <mailto:u@example.com>\n\nx", 61,
	    &e), -1);
	CHECK_INT(mailread_parse(&r, "From: a@example.com\nList-Unsubscribe: <mailto:u@example.com>\n\nx",
	    63, &e), 0);
	CHECK_INT(r.unsub, 1);
	CHECK_INT(r.one_click, 0);
	CHECK_INT(r.has_text, 1);
	CHECK_INT(r.has_html, 0);
	mailread_free(&r);
}

static void
test_aligned(void)
{
	CHECK_INT(mailread_domains_aligned("example.com", "mail.example.com"), 1);
	CHECK_INT(mailread_domains_aligned("a.Example.COM", "b.example.com"), 1);
	CHECK_INT(mailread_domains_aligned("esp.example.net", "example.com"), 0);
	CHECK_INT(mailread_domains_aligned("", "example.com"), 0);
}

int
main(void)
{
	RUN(test_decode_words);
	RUN(test_parse);
	RUN(test_aligned);
	return UNIT_DONE();
}
