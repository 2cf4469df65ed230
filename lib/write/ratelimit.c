/* ratelimit.c - token buckets for requests and tokens per minute, and server rate-limit hints */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "write/ratelimit.h"

static void
bucket_init(struct ratelimit_bucket *b, double per_min, double burst)
{
	b->rate = per_min > 0 ? per_min / 60000.0 : 0;
	b->burst = burst < 1 ? 1 : burst;
	b->level = b->burst;
}

static int64_t
bucket_wait(const struct ratelimit_bucket *b, double cost)
{
	double need;

	if (b->rate <= 0)
		return 0;
	need = cost < b->burst ? cost : b->burst;
	if (b->level >= need)
		return 0;
	return (int64_t)ceil((need - b->level) / b->rate);
}

static void
refill(struct ratelimit *rl, int64_t now)
{
	double dt = (double)(now - rl->last_ms);

	if (dt <= 0)
		return;
	rl->last_ms = now;
	if (rl->req.rate > 0 && (rl->req.level += dt * rl->req.rate) > rl->req.burst)
		rl->req.level = rl->req.burst;
	if (rl->tok.rate > 0 && (rl->tok.level += dt * rl->tok.rate) > rl->tok.burst)
		rl->tok.level = rl->tok.burst;
}

void
ratelimit_init(struct ratelimit *rl, double rpm, double tpm, int64_t now)
{
	memset(rl, 0, sizeof *rl);
	/* one request of burst: the first goes at once, then one every 60000/rpm ms */
	bucket_init(&rl->req, rpm, 1);
	/* one second's worth of tokens */
	bucket_init(&rl->tok, tpm, tpm / 60.0);
	rl->last_ms = now;
	rl->srv_req_left = rl->srv_tok_left = -1;
	rl->hold_until = now;
}

int64_t
ratelimit_wait(struct ratelimit *rl, double tokens, int64_t now)
{
	int64_t w = 0, t;

	refill(rl, now);
	if (rl->hold_until > now)
		w = rl->hold_until - now;
	if ((t = bucket_wait(&rl->req, 1)) > w)
		w = t;
	if ((t = bucket_wait(&rl->tok, tokens)) > w)
		w = t;
	if (rl->srv_req_left >= 0) {
		if (now >= rl->srv_req_reset)
			rl->srv_req_left = -1;
		else if (rl->srv_req_left < 1 && rl->srv_req_reset - now > w)
			w = rl->srv_req_reset - now;
	}
	if (rl->srv_tok_left >= 0) {
		if (now >= rl->srv_tok_reset)
			rl->srv_tok_left = -1;
		else if (rl->srv_tok_left < tokens && rl->srv_tok_reset - now > w)
			w = rl->srv_tok_reset - now;
	}
	return w;
}

void
ratelimit_take(struct ratelimit *rl, double tokens, int64_t now)
{
	refill(rl, now);
	if (rl->req.rate > 0)
		rl->req.level -= 1;
	if (rl->tok.rate > 0)
		rl->tok.level -= tokens;
	if (rl->srv_req_left >= 0)
		rl->srv_req_left -= 1;
	if (rl->srv_tok_left >= 0)
		rl->srv_tok_left -= tokens;
}

void
ratelimit_settle(struct ratelimit *rl, double estimated, double actual)
{
	if (rl->tok.rate > 0) {
		rl->tok.level += estimated - actual;
		if (rl->tok.level > rl->tok.burst)
			rl->tok.level = rl->tok.burst;
	}
}

void
ratelimit_hold(struct ratelimit *rl, int64_t until)
{
	if (until > rl->hold_until)
		rl->hold_until = until;
}

/* A non-negative count, or -1. */
static double
parse_count(const char *s)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0')
		return -1;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || !isfinite(v) || v < 0)
		return -1;
	return v;
}

void
ratelimit_observe(struct ratelimit *rl, int64_t now, const char *left_req, const char *left_tok,
    const char *reset_req, const char *reset_tok)
{
	double n;
	int64_t ms;

	if ((n = parse_count(left_req)) >= 0 && reset_req != NULL &&
	    ratelimit_parse_duration(reset_req, &ms) == 0) {
		rl->srv_req_left = n;
		rl->srv_req_reset = now + ms;
	}
	if ((n = parse_count(left_tok)) >= 0 && reset_tok != NULL &&
	    ratelimit_parse_duration(reset_tok, &ms) == 0) {
		rl->srv_tok_left = n;
		rl->srv_tok_reset = now + ms;
	}
}

int
ratelimit_parse_duration(const char *s, int64_t *ms)
{
	double total = 0, v;
	char *end;
	int parts = 0;

	if (s == NULL || *s == '\0')
		return -1;
	while (*s != '\0') {
		v = strtod(s, &end);
		if (end == s || !isfinite(v) || v < 0)
			return -1;
		s = end;
		if (*s == '\0' && parts == 0) {
			total = v * 1000; /* a plain number of seconds */
		} else if (strncmp(s, "ms", 2) == 0) {
			total += v;
			s += 2;
		} else if (*s == 'h') {
			total += v * 3600000;
			s++;
		} else if (*s == 'm') {
			total += v * 60000;
			s++;
		} else if (*s == 's') {
			total += v * 1000;
			s++;
		} else {
			return -1;
		}
		parts++;
	}
	if (total > 86400000.0)
		total = 86400000.0;
	*ms = (int64_t)ceil(total);
	return 0;
}
