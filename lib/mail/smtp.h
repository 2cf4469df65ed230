/* smtp.h - delivering one message at a time over SMTP with libcurl (smtp://, smtps://, STARTTLS, AUTH) */
#ifndef RECMAIL_SMTP_H
#define RECMAIL_SMTP_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

struct smtp_opts {
	const char *url;        /* smtp://host[:port] or smtps://host[:port] */
	int starttls;           /* require STARTTLS (CURLUSESSL_ALL) on smtp:// */
	const char *cacert;     /* CA bundle, or NULL for the system's */
	const char *user;       /* AUTH, or NULL */
	const char *password;   /* never written anywhere */
	long timeout;           /* seconds per message */
};

/* What became of one message. */
enum smtp_result {
	SMTP_ACCEPTED,          /* 2xx after DATA */
	SMTP_TEMPFAIL,          /* 4xx or a broken connection: try again later */
	SMTP_PERMFAIL,          /* 5xx: this message will not be accepted */
	SMTP_FATAL              /* no message can go (TLS verification, AUTH refused, bad URL) */
};

struct smtp {
	void *curl;
	struct smtp_opts o;
	struct buf data;        /* the message as sent, CRLF line ends */
	size_t off;
	char reply[512];        /* the server's last reply line, printable ASCII */
	char errbuf[256];
	int fresh;              /* the last transaction failed: open a new connection */
};

/*
 * Sets up a connection (made on the first send and reused). Refuses AUTH over
 * a plain smtp:// connection without --starttls to any host but loopback.
 * Returns 0, or -1 with e set (EXIT_USAGE for a bad URL, EXIT_SOFTWARE).
 */
int smtp_init(struct smtp *s, const struct smtp_opts *o, struct err *e);

/*
 * Sends msg[0..n) (LF or CRLF line ends) from the envelope sender to one
 * recipient. s->reply holds the server's last reply; on failure e->msg says
 * what failed (it never contains the password). Never returns an error of
 * its own: every outcome is an smtp_result.
 */
enum smtp_result smtp_send(struct smtp *s, const char *from, const char *rcpt, const char *msg,
    size_t n, struct err *e);

/*
 * 1 when a reply says the recipient does not exist: the enhanced status 5.1.x
 * (RFC 3463's addressing statuses), or without one 550, 551 or 553; else 0.
 */
int smtp_reply_unknown_rcpt(const char *reply);

void smtp_free(struct smtp *s);

#endif
