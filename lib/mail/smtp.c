/* smtp.c - SMTP delivery with libcurl: one easy handle, its connection reused from message to message */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "base/exitcode.h"
#include "mail/smtp.h"

static size_t
read_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct smtp *s = arg;
	size_t want = size * nmemb, left = s->data.len - s->off;

	if (want > left)
		want = left;
	memcpy(buf, s->data.s + s->off, want);
	s->off += want;
	return want;
}

/* Keeps the server's last reply line. Only what the server sent (CURLINFO_HEADER_IN)
 * is looked at: what we send, AUTH included, is never kept. */
static int
debug_cb(CURL *h, curl_infotype type, char *data, size_t n, void *arg)
{
	struct smtp *s = arg;
	size_t i, k = 0;

	(void)h;
	if (type != CURLINFO_HEADER_IN)
		return 0;
	while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
		n--;
	/* the goodbye after a refusal must not hide the refusal (the sent-log said "221 Bye") */
	if (n >= 3 && memcmp(data, "221", 3) == 0 && (s->reply[0] == '4' || s->reply[0] == '5'))
		return 0;
	for (i = 0; i < n && k + 1 < sizeof s->reply; i++)
		s->reply[k++] = isprint((unsigned char)data[i]) ? data[i] : ' ';
	s->reply[k] = '\0';
	return 0;
}

static int
loopback(const char *host)
{
	return strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
	    strcmp(host, "[::1]") == 0 || strcmp(host, "::1") == 0;
}

int
smtp_init(struct smtp *s, const struct smtp_opts *o, struct err *e)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL;
	int bad = 0, rc = 0;

	memset(s, 0, sizeof *s);
	s->o = *o;
	buf_init(&s->data);
	u = curl_url();
	if (u == NULL)
		return err_nomem(e);
	if (curl_url_set(u, CURLUPART_URL, o->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		bad = 1;
	if (!bad && strcasecmp(scheme, "smtp") != 0 && strcasecmp(scheme, "smtps") != 0)
		bad = 1;
	if (bad) {
		rc = err_set(e, EXIT_USAGE, "--url: '%s' is not an smtp:// or smtps:// URL", o->url);
	} else if (o->user != NULL && strcasecmp(scheme, "smtp") == 0 && !o->starttls &&
	    !loopback(host)) {
		rc = err_set(e, EXIT_USAGE, "refusing to send a password over plain smtp:// to %s: "
		    "use smtps:// or --starttls", host);
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	if (rc < 0)
		return -1;
	s->curl = curl_easy_init();
	if (s->curl == NULL)
		return err_set(e, EXIT_SOFTWARE, "curl_easy_init failed");
	curl_easy_setopt(s->curl, CURLOPT_URL, o->url);
	curl_easy_setopt(s->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(s->curl, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(s->curl, CURLOPT_READDATA, s);
	curl_easy_setopt(s->curl, CURLOPT_VERBOSE, 1L);    /* for debug_cb only; it prints nothing */
	curl_easy_setopt(s->curl, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(s->curl, CURLOPT_DEBUGDATA, s);
	curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, o->timeout > 0 ? o->timeout : 120L);
	if (o->starttls)
		curl_easy_setopt(s->curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (o->cacert != NULL)
		curl_easy_setopt(s->curl, CURLOPT_CAINFO, o->cacert);
	if (o->user != NULL) {
		curl_easy_setopt(s->curl, CURLOPT_USERNAME, o->user);
		curl_easy_setopt(s->curl, CURLOPT_PASSWORD, o->password ? o->password : "");
	}
	return 0;
}

/* The message with CRLF line ends and a final CRLF. */
static int
to_crlf(struct buf *out, const char *m, size_t n)
{
	size_t i;

	buf_reset(out);
	if (buf_reserve(out, n + n / 16 + 4) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (m[i] == '\n' && (i == 0 || m[i - 1] != '\r') && buf_addc(out, '\r') < 0)
			return -1;
		if (buf_addc(out, m[i]) < 0)
			return -1;
	}
	if ((out->len < 2 || out->s[out->len - 1] != '\n') && buf_add(out, "\r\n", 2) < 0)
		return -1;
	return 0;
}

enum smtp_result
smtp_send(struct smtp *s, const char *from, const char *rcpt, const char *msg, size_t n,
    struct err *e)
{
	struct curl_slist *rcpts = NULL;
	char addr[512];
	long code = 0;
	CURLcode cc;

	s->reply[0] = '\0';
	s->errbuf[0] = '\0';
	if (to_crlf(&s->data, msg, n) < 0) {
		err_nomem(e);
		return SMTP_TEMPFAIL;
	}
	s->off = 0;
	snprintf(addr, sizeof addr, "<%s>", rcpt);
	rcpts = curl_slist_append(NULL, addr);
	if (rcpts == NULL) {
		err_nomem(e);
		return SMTP_TEMPFAIL;
	}
	snprintf(addr, sizeof addr, "<%s>", from);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, addr);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)s->data.len);
	/* after a failure (a 421 closes the channel, a dropped connection) never reuse it */
	curl_easy_setopt(s->curl, CURLOPT_FRESH_CONNECT, s->fresh ? 1L : 0L);
	cc = curl_easy_perform(s->curl);
	s->fresh = cc != CURLE_OK;
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpts);
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	if (cc == CURLE_OK)
		return SMTP_ACCEPTED;
	if (s->reply[0] != '\0' && code >= 400)
		err_set(e, EXIT_TEMPFAIL, "server replied %s", s->reply);
	else
		err_set(e, EXIT_TEMPFAIL, "%s", s->errbuf[0] ? s->errbuf : curl_easy_strerror(cc));
	switch (cc) {
	case CURLE_LOGIN_DENIED:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_USE_SSL_FAILED:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		e->code = EXIT_UNAVAIL;
		return SMTP_FATAL;
	default:
		break;
	}
	if (code >= 500 && code <= 599) {
		e->code = EXIT_UNAVAIL;
		return SMTP_PERMFAIL;
	}
	return SMTP_TEMPFAIL;
}

void
smtp_free(struct smtp *s)
{
	if (s->curl != NULL)
		curl_easy_cleanup(s->curl);
	s->curl = NULL;
	buf_free(&s->data);
}

int
smtp_reply_unknown_rcpt(const char *rp)
{
	int enhanced = strlen(rp) >= 6 && rp[3] == ' ' && rp[4] >= '2' && rp[4] <= '5' && rp[5] == '.';

	if (enhanced)
		return strncmp(rp + 4, "5.1.", 4) == 0;
	return strncmp(rp, "550", 3) == 0 || strncmp(rp, "551", 3) == 0 || strncmp(rp, "553", 3) == 0;
}
