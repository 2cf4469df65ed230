/* ratelimit.h - request and token buckets (--rpm, --tpm) plus the server's own x-ratelimit hints */
#ifndef RECMAIL_RATELIMIT_H
#define RECMAIL_RATELIMIT_H

#include <stdint.h>

/*
 * Times are milliseconds on a monotonic clock chosen by the caller. A bucket
 * holds at most one second's worth of its rate (at least one request, so the
 * first request goes at once and the next one 60000/rpm ms later); a request
 * larger than the bucket may go when the bucket is full and leaves it in debt.
 */
struct ratelimit_bucket {
	double rate;        /* per ms; 0 = unlimited */
	double burst;       /* capacity */
	double level;       /* may go negative (debt) */
};

struct ratelimit {
	struct ratelimit_bucket req, tok;
	int64_t last_ms;
	/* what the server said (x-ratelimit-remaining-*, -reset-*), -1 = unknown */
	double srv_req_left, srv_tok_left;
	int64_t srv_req_reset, srv_tok_reset;
	int64_t hold_until;  /* nothing is sent before this (Retry-After on a 429) */
};

/* rpm and tpm are per minute, 0 for no limit. */
void ratelimit_init(struct ratelimit *rl, double rpm, double tpm, int64_t now);

/* Milliseconds to wait before a request of the given estimated tokens may be
 * sent (0 = now). Never fails. */
int64_t ratelimit_wait(struct ratelimit *rl, double tokens, int64_t now);

/* Records that a request of the given estimated tokens was sent. */
void ratelimit_take(struct ratelimit *rl, double tokens, int64_t now);

/* Corrects the token bucket once a request's real usage is known. */
void ratelimit_settle(struct ratelimit *rl, double estimated, double actual);

/* Holds every request until the given time (a 429's Retry-After). */
void ratelimit_hold(struct ratelimit *rl, int64_t until);

/*
 * Takes the server's x-ratelimit-remaining-requests/-tokens and
 * x-ratelimit-reset-requests/-tokens header values (NULL or "" when absent):
 * once the server's remaining count is used up, requests wait for its reset.
 * Unparsable values are ignored.
 */
void ratelimit_observe(struct ratelimit *rl, int64_t now, const char *left_req, const char *left_tok,
    const char *reset_req, const char *reset_tok);

/*
 * Parses a reset duration as servers send it: "1s", "6m0s", "20ms", "1h2m3.5s"
 * or a plain number of seconds ("30", "0.5"). Returns 0 with *ms set, or -1
 * when s is not such a duration.
 */
int ratelimit_parse_duration(const char *s, int64_t *ms);

#endif
