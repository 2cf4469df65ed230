/* http.c - concurrent POSTs with libcurl's multi interface: one thread, many connections */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "base/exitcode.h"
#include "write/http.h"

int
http_init(struct http *h, long maxconn, struct err *e)
{
	memset(h, 0, sizeof *h);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return err_set(e, EXIT_SOFTWARE, "cannot initialise libcurl");
	h->multi = curl_multi_init();
	if (h->multi == NULL) {
		curl_global_cleanup();
		return err_set(e, EXIT_OSERR, "cannot create a libcurl multi handle");
	}
	/* Several streams on one HTTP/2 connection where offered; otherwise up to
	 * maxconn kept-alive HTTP/1.1 connections (reused from the multi's cache). */
	curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, maxconn);
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, maxconn);
	return 0;
}

/* Copies the value of a wanted header into dst. */
static void
keep_header(char *dst, const char *v, size_t n)
{
	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	if (n >= HTTP_HDR_MAX)
		n = HTTP_HDR_MAX - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static size_t
on_header(char *buf, size_t size, size_t nitems, void *arg)
{
	static const struct {
		const char *name;
		size_t off;
	} wanted[] = {
		{ "retry-after", offsetof(struct http_req, retry_after) },
		{ "x-ratelimit-remaining-requests", offsetof(struct http_req, rl_remaining_requests) },
		{ "x-ratelimit-remaining-tokens", offsetof(struct http_req, rl_remaining_tokens) },
		{ "x-ratelimit-reset-requests", offsetof(struct http_req, rl_reset_requests) },
		{ "x-ratelimit-reset-tokens", offsetof(struct http_req, rl_reset_tokens) },
	};
	struct http_req *r = arg;
	size_t n = size * nitems, i, namelen;
	const char *colon;

	if (n >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
		/* a new response (after a 100 Continue or a redirect): forget the last one's */
		for (i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
			((char *)r + wanted[i].off)[0] = '\0';
		return n;
	}
	colon = memchr(buf, ':', n);
	if (colon == NULL)
		return n;
	namelen = (size_t)(colon - buf);
	for (i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
		if (strlen(wanted[i].name) == namelen && strncasecmp(buf, wanted[i].name, namelen) == 0)
			keep_header((char *)r + wanted[i].off, colon + 1, n - namelen - 1);
	return n;
}

static size_t
on_body(char *buf, size_t size, size_t nitems, void *arg)
{
	struct http_req *r = arg;
	size_t n = size * nitems;

	if (r->body.len + n > r->maxbody) {
		r->too_big = 1;
		return 0; /* libcurl fails the transfer with CURLE_WRITE_ERROR */
	}
	if (buf_add(&r->body, buf, n) < 0)
		return 0;
	return n;
}

int
http_start(struct http *h, struct http_req *r, const char *url, const struct curl_slist *headers,
    const char *body, size_t len, long timeout_ms, size_t maxbody, struct err *e)
{
	CURL *c;
	CURLMcode mc;

	if (r->easy == NULL) {
		r->easy = curl_easy_init();
		if (r->easy == NULL)
			return err_set(e, EXIT_OSERR, "cannot create a libcurl handle");
	} else {
		curl_easy_reset(r->easy);
	}
	c = r->easy;
	r->status = 0;
	r->result = CURLE_OK;
	r->errbuf[0] = '\0';
	r->too_big = 0;
	buf_reset(&r->body);
	r->total_ms = 0;
	r->retry_after[0] = r->rl_remaining_requests[0] = r->rl_remaining_tokens[0] = '\0';
	r->rl_reset_requests[0] = r->rl_reset_tokens[0] = '\0';
	r->maxbody = maxbody;
	r->next = NULL;

	/* never CURLOPT_VERBOSE: it would print the key header */
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	/* Over TLS, ALPN tells at the handshake whether HTTP/2 streams can share the
	 * connection, so waiting for it is cheap; over cleartext HTTP/1.1 curl only
	 * knows after a response, and one stalled answer would hold the others back. */
	if (strncasecmp(url, "https:", 6) == 0)
		curl_easy_setopt(c, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 10000 ? timeout_ms : 10000L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_PRIVATE, r);
	/* redirects would resend the key to wherever they point: not followed */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);

	mc = curl_multi_add_handle(h->multi, c);
	if (mc != CURLM_OK)
		return err_set(e, EXIT_SOFTWARE, "libcurl: %s", curl_multi_strerror(mc));
	r->busy = 1;
	h->inflight++;
	return 0;
}

/* Moves finished transfers to the done queue. */
static void
collect(struct http *h)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
		struct http_req *r = NULL;
		curl_off_t us = 0;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		r->result = m->data.result;
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &r->status);
		curl_easy_getinfo(m->easy_handle, CURLINFO_TOTAL_TIME_T, &us);
		r->total_ms = (long)(us / 1000);
		curl_multi_remove_handle(h->multi, m->easy_handle);
		r->busy = 0;
		if (h->done_tail != NULL)
			h->done_tail->next = r;
		else
			h->done = r;
		h->done_tail = r;
	}
}

int
http_wait(struct http *h, long wait_ms, struct err *e)
{
	CURLMcode mc;
	int n;

	mc = curl_multi_perform(h->multi, &h->running);
	if (mc == CURLM_OK) {
		collect(h);
		if (h->done == NULL)
			mc = curl_multi_poll(h->multi, NULL, 0, (int)(wait_ms < 0 ? 0 : wait_ms), &n);
	}
	if (mc == CURLM_OK)
		mc = curl_multi_perform(h->multi, &h->running);
	if (mc != CURLM_OK)
		return err_set(e, EXIT_SOFTWARE, "libcurl: %s", curl_multi_strerror(mc));
	collect(h);
	return 0;
}

struct http_req *
http_done(struct http *h)
{
	struct http_req *r = h->done;

	if (r != NULL) {
		h->done = r->next;
		if (h->done == NULL)
			h->done_tail = NULL;
		r->next = NULL;
		h->inflight--;
	}
	return r;
}

void
http_cancel(struct http *h, struct http_req *r)
{
	struct http_req **p;

	if (r->busy) {
		curl_multi_remove_handle(h->multi, r->easy);
		r->busy = 0;
		h->inflight--;
		return;
	}
	for (p = &h->done; *p != NULL; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			h->inflight--;
			break;
		}
	}
	for (h->done_tail = h->done; h->done_tail != NULL && h->done_tail->next != NULL;)
		h->done_tail = h->done_tail->next;
	r->next = NULL;
}

void
http_req_release(struct http_req *r)
{
	if (r->easy != NULL)
		curl_easy_cleanup(r->easy);
	buf_free(&r->body);
	r->easy = NULL;
}

int
http_pending(const struct http *h)
{
	return h->inflight;
}

void
http_free(struct http *h)
{
	if (h->multi != NULL) {
		curl_multi_cleanup(h->multi);
		curl_global_cleanup();
	}
	h->multi = NULL;
}
