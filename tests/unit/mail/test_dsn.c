/* test_dsn.c - reading what comes back: RFC 3464 DSNs, ARF complaints, non-standard bounces, unsubscribe mails */
#include <stdio.h>
#include <string.h>

#include "mail/dsn.h"
#include "unit.h"

static int
parse(const char *msg, struct dsn_report *r)
{
	struct dsn_parser p;
	int k;

	dsn_init(&p);
	k = dsn_parse(&p, msg, strlen(msg), r);
	dsn_free(&p);
	return k;
}

/* a multipart/report after RFC 3464's examples, with the given delivery-status groups and encoding */
static const char *
report(char *out, size_t sz, const char *groups, const char *cte, const char *orig)
{
	snprintf(out, sz,
	    "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n"
	    "To: shop@example.com\r\n"
	    "Subject: Undelivered Mail Returned to Sender\r\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	    "\tboundary=\"B1/mx\"\r\n"
	    "\r\n"
	    "--B1/mx\r\n"
	    "Content-Type: text/plain\r\n"
	    "\r\n"
	    "Final-Recipient: rfc822; decoy@example.org\r\n"
	    "Action: failed\r\n"
	    "\r\n"
	    "--B1/mx\r\n"
	    "Content-Type: message/delivery-status\r\n"
	    "%s%s%s"
	    "\r\n"
	    "%s"
	    "--B1/mx\r\n"
	    "Content-Type: text/rfc822-headers\r\n"
	    "\r\n"
	    "%s"
	    "\r\n"
	    "--B1/mx--\r\n",
	    cte ? "Content-Transfer-Encoding: " : "", cte ? cte : "", cte ? "\r\n" : "", groups, orig);
	return out;
}

static void
test_rfc3464(void)
{
	char m[4096];
	struct dsn_report r;
	const char *orig = "From: Shop <shop@example.com>\r\nMessage-ID: <a1.c1@example.com>\r\n";

	/* the first failed group; the per-message fields and a delivered group before it do not count */
	CHECK_INT(parse(report(m, sizeof m,
	    "Reporting-MTA: dns; mx.example.net\r\n\r\n"
	    "Final-Recipient: rfc822; ok@example.org\r\nAction: delivered\r\nStatus: 2.0.0\r\n\r\n"
	    "Final-Recipient: rfc822; Ann@Example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n",
	    NULL, orig), &r), DSN_BOUNCE);
	CHECK_STR(r.rcpt, "ann@example.org");
	CHECK_STR(r.status, "5.1.1");
	CHECK_STR(r.msgid, "<a1.c1@example.com>");
	CHECK_INT(r.hard, 1);
	CHECK_INT(r.standard, 1);
	/* a full mailbox is permanent by its class but comes and goes: soft */
	CHECK_INT(parse(report(m, sizeof m,
	    "Final-Recipient: rfc822; bob@example.org\r\nAction: failed\r\nStatus: 5.2.2\r\n\r\n",
	    NULL, orig), &r), DSN_BOUNCE);
	CHECK_INT(r.hard, 0);
	/* delayed is soft whatever the status says */
	CHECK_INT(parse(report(m, sizeof m,
	    "Final-Recipient: rfc822; bob@example.org\r\nAction: delayed\r\nStatus: 4.4.7\r\n\r\n",
	    NULL, orig), &r), DSN_BOUNCE);
	CHECK_INT(r.hard, 0);
	CHECK_STR(r.status, "4.4.7");
	/* only delivered: nothing to read, and the text part's lookalike fields are not read */
	CHECK_INT(parse(report(m, sizeof m,
	    "Final-Recipient: rfc822; ok@example.org\r\nAction: delivered\r\nStatus: 2.0.0\r\n\r\n",
	    NULL, orig), &r), DSN_NONE);
	CHECK_STR(r.rcpt, "");
	/* a status that is not one ("5.1" or "5.1.1x") is left empty, the bounce still read */
	CHECK_INT(parse(report(m, sizeof m,
	    "Final-Recipient: rfc822; bob@example.org\r\nAction: failed\r\nStatus: 5.1\r\n\r\n",
	    NULL, orig), &r), DSN_BOUNCE);
	CHECK_STR(r.status, "");
	/* the delivery-status part in base64 (RFC 6533 allows it for the global form) */
	CHECK_INT(parse(report(m, sizeof m,
	    /* "Final-Recipient: rfc822; Ann@Example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n" */
	    "RmluYWwtUmVjaXBpZW50OiByZmM4MjI7IEFubkBFeGFtcGxlLm9yZw0KQWN0aW9uOiBmYWlsZWQN\r\n"
	    "ClN0YXR1czogNS4xLjENCg==\r\n", "base64", orig), &r), DSN_BOUNCE);
	CHECK_STR(r.rcpt, "ann@example.org");
	CHECK_STR(r.status, "5.1.1");
	/* returned headers in quoted-printable, the long Message-ID soft-broken */
	snprintf(m, sizeof m,
	    "From: postmaster@example.org\nContent-Type: multipart/report; boundary=x\n\n"
	    "--x\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822;ivy@example.org\nAction: failed\nStatus: 5.0.0\n\n"
	    "--x\nContent-Type: text/rfc822-headers\nContent-Transfer-Encoding: Quoted-Printable\n\n"
	    "Subject: caf=C3=A9\nMessage-ID: <iiii9999.c1.0123456789abcdef0123456789abcdef0123=\n"
	    "456789@example.com>\n\n--x--\n");
	CHECK_INT(parse(m, &r), DSN_BOUNCE);
	CHECK_STR(r.msgid, "<iiii9999.c1.0123456789abcdef0123456789abcdef0123456789@example.com>");
}

static void
test_arf(void)
{
	struct dsn_report r;
	/* RFC 5965 appendix B, the message in base64 and no Original-Rcpt-To: the To is read */
	const char *m =
	    "From: <abusedesk@example.com>\n"
	    "Content-Type: multipart/report; report-type=feedback-report;\n"
	    "     boundary=\"part1_13d.2e68ed54_boundary\"\n\n"
	    "--part1_13d.2e68ed54_boundary\nContent-Type: text/plain; charset=\"US-ASCII\"\n\n"
	    "This is an email abuse report\n\n"
	    "--part1_13d.2e68ed54_boundary\nContent-Type: message/feedback-report\n\n"
	    "Feedback-Type: Abuse\nUser-Agent: SomeGenerator/1.0\nVersion: 1\n\n"
	    "--part1_13d.2e68ed54_boundary\nContent-Type: message/rfc822\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    /* "To: Cara <Cara@Example.org>\nMessage-ID: <c3.c1@example.com>\n\nSpam\n" */
	    "VG86IENhcmEgPENhcmFARXhhbXBsZS5vcmc+Ck1lc3NhZ2UtSUQ6IDxjMy5jMUBleGFtcGxlLmNv\n"
	    "bT4KClNwYW0K\n"
	    "--part1_13d.2e68ed54_boundary--\n";

	CHECK_INT(parse(m, &r), DSN_COMPLAINT);
	CHECK_STR(r.feedback, "abuse");
	CHECK_STR(r.rcpt, "cara@example.org");
	CHECK_STR(r.msgid, "<c3.c1@example.com>");
}

static void
test_nonstandard(void)
{
	struct dsn_report r;
	char m[2048];

	/* qmail: a reply code without an enhanced status, the permanent wording */
	CHECK_INT(parse("From: MAILER-DAEMON@mail.example.net\nSubject: failure notice\n\n"
	    "Hi. This is the qmail-send program.\nThis is a permanent error; I've given up.\n\n"
	    "<dan@example.org>:\nRemote host said: 550 No such user here\n\n"
	    "--- Below this line is a copy of the message.\n\nFrom: shop@example.com\n"
	    "Message-ID: <d4.c1@example.com>\n", &r), DSN_BOUNCE);
	CHECK_STR(r.rcpt, "dan@example.org");
	CHECK_STR(r.status, "550");
	CHECK_STR(r.msgid, "<d4.c1@example.com>");
	CHECK_INT(r.hard, 1);
	CHECK_INT(r.standard, 0);
	/* one text part in base64 */
	CHECK_INT(parse("From: MAILER-DAEMON@mail.example.de\nContent-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    /* "Nicht zugestellt: jo@example.org 550 5.1.1\nMessage-ID: <j0.c1@example.com>\n" */
	    "TmljaHQgenVnZXN0ZWxsdDogam9AZXhhbXBsZS5vcmcgNTUwIDUuMS4xCk1lc3NhZ2UtSUQ6IDxq\n"
	    "MC5jMUBleGFtcGxlLmNvbT4K\n", &r), DSN_BOUNCE);
	CHECK_STR(r.rcpt, "jo@example.org");
	CHECK_STR(r.status, "5.1.1");
	CHECK_STR(r.msgid, "<j0.c1@example.com>");
	/* multipart/mixed: a QP text (a Content-ID header is no recipient), the message attached */
	snprintf(m, sizeof m, "From: Postmaster <postmaster@mail.example.org>\n"
	    "Content-Type: multipart/mixed; boundary=\"==_b\"\n\n--==_b\n"
	    "Content-Type: text/plain\nContent-ID: <n.1@mail.example.org>\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n"
	    "I could not deliver your message to the following address, a temporary err=\n"
	    "or:\n<kim@example.org>: over quota (#4.2.2)\n\n--==_b\n"
	    "Content-Type: message/rfc822\n\nTo: kim@example.org\nMessage-ID: <k1.c1@example.com>\n\n"
	    "--==_b--\n");
	CHECK_INT(parse(m, &r), DSN_BOUNCE);
	CHECK_STR(r.rcpt, "kim@example.org");
	CHECK_STR(r.status, "4.2.2");
	CHECK_INT(r.hard, 0);
	CHECK_STR(r.msgid, "<k1.c1@example.com>");
	/* a bounce that names nobody but the daemon is none we can use */
	CHECK_INT(parse("From: MAILER-DAEMON@mx.example.net\n\nSee postmaster@mx.example.net\n", &r),
	    DSN_NONE);
}

static void
test_unsubscribe_mail(void)
{
	struct dsn_report r;

	CHECK_INT(parse("From: Fay <Fay@Example.org>\nTo: unsubscribe@example.com\n"
	    "Subject:  Unsubscribe me\n\nplease stop\n", &r), DSN_UNSUB);
	CHECK_STR(r.rcpt, "fay@example.org");
	/* an out-of-office answer to our mail is no request */
	CHECK_INT(parse("From: Gil <gil@example.org>\nSubject: Unsubscribe\n"
	    "Auto-Submitted: auto-replied\n\nI am away.\n", &r), DSN_NONE);
	CHECK_INT(parse("From: Gil <gil@example.org>\nSubject: Unsubscribe\n"
	    "Auto-Submitted: no\n\nstop\n", &r), DSN_UNSUB);
	CHECK_INT(parse("From: Hal <hal@example.org>\nSubject: a question\n\nhello\n", &r), DSN_NONE);
	/* the subject as a mail client may encode it (RFC 2047) */
	CHECK_INT(parse("From: =?UTF-8?Q?J=C3=B6rg?= <jorg@example.de>\n"
	    "Subject: =?UTF-8?B?VW5zdWJzY3JpYmU=?=\n\nbitte\n", &r), DSN_UNSUB);
	CHECK_STR(r.rcpt, "jorg@example.de");
	CHECK_INT(parse("From: ann@example.org\nSubject: =?iso-8859-1?Q?unsubscribe_me?=\n\n", &r),
	    DSN_UNSUB);
	CHECK_INT(parse("", &r), DSN_NONE);
}

int
main(void)
{
	RUN(test_rfc3464);
	RUN(test_arf);
	RUN(test_nonstandard);
	RUN(test_unsubscribe_mail);
	return UNIT_DONE();
}
