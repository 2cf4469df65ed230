/* http.h - many concurrent HTTP POSTs over one libcurl multi handle (connection reuse, HTTP/2) */
#ifndef RECMAIL_HTTP_H
#define RECMAIL_HTTP_H

#include <curl/curl.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

/* Response headers kept for the caller (longer values are cut). */
#define HTTP_HDR_MAX 64

/*
 * One request. The caller owns the struct and keeps it, the URL, the body and
 * the header list alive from http_start until the request comes back from
 * http_done (or is cancelled).
 */
struct http_req {
	void *user;                 /* the caller's pointer, untouched */
	/* results, valid after http_done returned this request */
	long status;                /* HTTP status, 0 when none was received */
	CURLcode result;            /* CURLE_OK, or the transfer error */
	char errbuf[CURL_ERROR_SIZE];
	struct buf body;            /* response body, body.len bytes; body.s may be NULL when empty */
	int too_big;                /* the body passed maxbody: the transfer was stopped there */
	long total_ms;              /* transfer time */
	char retry_after[HTTP_HDR_MAX];
	char rl_remaining_requests[HTTP_HDR_MAX];
	char rl_remaining_tokens[HTTP_HDR_MAX];
	char rl_reset_requests[HTTP_HDR_MAX];
	char rl_reset_tokens[HTTP_HDR_MAX];
	/* private */
	CURL *easy;
	size_t maxbody;
	int busy;
	struct http_req *next;      /* the done queue */
};

struct http {
	CURLM *multi;
	int running;                /* transfers libcurl reports as running */
	int inflight;               /* started and not yet returned by http_done */
	struct http_req *done, *done_tail;
};

/* Starts libcurl and a multi handle allowing maxconn connections to the host
 * (multiplexed over HTTP/2 where the server offers it). Returns 0, or -1 with e set. */
int http_init(struct http *h, long maxconn, struct err *e);

/*
 * Starts POSTing body (len bytes) to url with the given headers; the
 * transfer gives up after timeout_ms. A response body over maxbody bytes
 * fails the transfer. Returns 0, or -1 with e set (EXIT_SOFTWARE or EXIT_OSERR).
 */
int http_start(struct http *h, struct http_req *r, const char *url, const struct curl_slist *headers,
    const char *body, size_t len, long timeout_ms, size_t maxbody, struct err *e);

/* Moves transfers on, waiting up to wait_ms for network activity. Returns 0,
 * or -1 with e set when libcurl itself fails (not for a failed transfer). */
int http_wait(struct http *h, long wait_ms, struct err *e);

/* The next finished request, or NULL when none is waiting. */
struct http_req *http_done(struct http *h);

/* Stops a started request; it will not come back from http_done. */
void http_cancel(struct http *h, struct http_req *r);

/* Frees a request's easy handle and buffers (after it finished or was cancelled). */
void http_req_release(struct http_req *r);

/* Number of started transfers that have not come back yet. */
int http_pending(const struct http *h);

void http_free(struct http *h);

#endif
