/* test_smtp.c - the SMTP client's reply rules (the sending itself is tested against a real server in mailsend.bats) */
#include "mail/smtp.h"
#include "unit.h"

static void
test_unknown_recipient_replies(void)
{
	CHECK_INT(smtp_reply_unknown_rcpt("550 5.1.1 <a@b.c>: Recipient address rejected"), 1);
	CHECK_INT(smtp_reply_unknown_rcpt("552 5.1.1 <a@b.c> refused"), 1);
	CHECK_INT(smtp_reply_unknown_rcpt("553 sorry, that domain isn't in my list"), 1);
	CHECK_INT(smtp_reply_unknown_rcpt("550 5.7.1 message rejected as spam"), 0);
	CHECK_INT(smtp_reply_unknown_rcpt("554 5.3.0 try again later"), 0);
	CHECK_INT(smtp_reply_unknown_rcpt("552 message too big"), 0);
	CHECK_INT(smtp_reply_unknown_rcpt("450 4.1.1 mailbox busy"), 0);
	CHECK_INT(smtp_reply_unknown_rcpt("221 Bye"), 0);
	CHECK_INT(smtp_reply_unknown_rcpt(""), 0);
}

int
main(void)
{
	RUN(test_unknown_recipient_replies);
	return UNIT_DONE();
}
