/* llmbatch.h - a stream of prompt records through the model: window, retries, cache, resume, order */
#ifndef RECMAIL_LLMBATCH_H
#define RECMAIL_LLMBATCH_H

#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>

#include "write/cache.h"
#include "base/err.h"
#include "write/llm.h"

struct llmbatch_stats {
	long records;       /* output lines written */
	long ok, failed;    /* failed counts every ok:false line, including the two below */
	long not_sent, bad_input;
	long requests, retries;
	long cached, resumed, templated;
	long long tokens;   /* total_tokens reported by the endpoint (every attempt, failed ones too) */
	long long prompt_tokens, completion_tokens;   /* of the replies that reported both */
	double cost;        /* estimated from o->price_in and o->price_out */
	int64_t elapsed_ms;
};

struct llmbatch_opts {
	const char *url;                    /* POST target; NULL with template_all */
	const char *base_url;               /* part of the cache key */
	const struct curl_slist *headers;   /* content type and the key header */
	const char *secret;                 /* the key, only to redact it from server messages */
	struct llm_params params;
	long parallel;                      /* requests in flight */
	long window;                        /* records held at once (the reorder window) */
	int unordered;                      /* write records as they finish */
	double rpm, tpm;                    /* 0 = no limit */
	long max_retries;
	long timeout_ms;
	long backoff_base_ms, backoff_cap_ms;
	int skip_bad;                       /* report malformed lines instead of stopping */
	int template_all;                   /* --backend=template: no network at all */
	const char *const *template_variants;   /* meta.variant values for the offline writer */
	size_t ntemplate_variants;
	struct cache *cache;                /* NULL: no cache */
	FILE *resume;                       /* an earlier output, or NULL */
	const char *resume_name;
	void (*progress)(const struct llmbatch_stats *st, void *arg);
	void *progress_arg;
	long progress_ms;                   /* between progress calls; 0 = none */
	long breaker;                       /* identical non-retryable failures in a row that stop
	                                       the run (EXIT_UNAVAIL); 0 = never */
	long long max_tokens_total;         /* stop sending once this many tokens are spent; 0 = no limit */
	double price_in, price_out;         /* per 1,000 prompt and completion tokens, for the cost */
	double max_cost;                    /* stop sending once the estimated cost reaches it; 0 = no limit */
};

/* The default of o->breaker. */
#define LLMBATCH_BREAKER 5

/*
 * Reads prompt records from in and writes exactly one reply line per record to
 * out (docs/FORMATS.md 2.6), in input order unless o->unordered. Memory is
 * bounded by o->window records whatever the input length.
 *
 * Returns 0 when every record succeeded, 1 when some failed (all reported), or
 * -1 with e set: EXIT_TEMPFAIL after a 429 insufficient_quota and EXIT_UNAVAIL
 * when the endpoint cannot be used (every record is still written, the unsent
 * ones as not_sent); EXIT_DATA for a malformed line without o->skip_bad (the
 * records before it are completed and written, nothing after it is read);
 * EXIT_IO, EXIT_OSERR or EXIT_SOFTWARE for a fatal error (output incomplete).
 * st receives the counts in every case.
 */
/* The run's summary (counts, tokens, estimated cost, rate; never the key) in
 * buf, without a newline. */
void llmbatch_summary(const struct llmbatch_stats *s, const struct llmbatch_opts *o, char *buf,
    size_t n);

int llmbatch_run(const struct llmbatch_opts *o, FILE *in, const char *inname, FILE *out,
    struct llmbatch_stats *st, struct err *e);

#endif
