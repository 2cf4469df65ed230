/* llm.h - the OpenAI chat-completions protocol: request bodies, replies, errors and the retry policy */
#ifndef RECMAIL_LLM_H
#define RECMAIL_LLM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/err.h"

/* The largest completion budget llmcall sends. */
#define LLM_MAX_TOKENS 1000000L

struct llm_params {
	const char *model;
	long max_tokens;            /* 0: not sent */
	const char *token_param;    /* "max_completion_tokens" or "max_tokens" */
	double temperature;
	int has_temperature;
	int response_format;        /* forward a record's response_format */
};

/*
 * Checks a prompt record (docs/FORMATS.md 2.5): "id" a string, "messages" a
 * non-empty array of objects with string "role" and string (or array)
 * "content", "meta" an object when present, "response_format" an object when
 * present. Returns 0, or -1 with e set (EXIT_DATA, the reason without a position).
 */
int llm_record_check(const json_t *rec, struct err *e);

/* The request body for messages (and the record's response_format, may be
 * NULL) as a new JSON object, or NULL when out of memory. */
json_t *llm_request(const json_t *messages, const json_t *response_format, const struct llm_params *p);

/* A copy of messages followed by the rejected reply (as the assistant) and a
 * user message giving the reason, to ask once more; NULL when out of memory. */
json_t *llm_feedback(const json_t *messages, const char *reply, const char *why);

/* A chat-completions reply. */
struct llm_reply {
	char *content;              /* choices[0].message.content, malloc'ed; NULL for a refusal */
	size_t len;
	char *refusal;              /* choices[0].message.refusal when a string, malloc'ed, else NULL */
	char model[128];
	long prompt_tokens, completion_tokens, total_tokens;   /* -1 when not reported */
	char finish_reason[32];
};

/* Parses a 2xx response body. A reasoning model's message.reasoning_content
 * or message.reasoning is never copied. Returns 0, or -1 with e set (EXIT_DATA)
 * when the body is not JSON or has neither a string choices[0].message.content
 * nor a string message.refusal (OpenAI's refusal: content null). */
int llm_parse_reply(const char *body, size_t len, struct llm_reply *r, struct err *e);
void llm_reply_free(struct llm_reply *r);

/* The error object of a failed response: {"error":{"type","code","message"}}
 * (or a bare string "error"). Fields not found are empty. Never fails. */
struct llm_error {
	char type[64];
	char code[64];
	char message[256];
};
void llm_parse_error(const char *body, size_t len, struct llm_error *out);

/* What to do after an attempt. */
enum llm_action {
	LLM_ACCEPT,         /* a 2xx: look at the reply */
	LLM_RETRY,          /* 408, 409, 429, 5xx, network errors: try again later */
	LLM_FAIL,           /* this record fails (another 4xx) */
	LLM_STOP_QUOTA,     /* 429 insufficient_quota: stop the run, resumable */
	LLM_STOP_UNUSABLE,  /* 401, 403, 404, a malformed URL: the endpoint cannot be used */
};

/* Classifies an attempt: status is the HTTP status (0 when none), curlcode the
 * transfer result (0 = CURLE_OK), err the parsed error body. */
enum llm_action llm_classify(long status, int curlcode, const struct llm_error *err);

/* Full-jitter exponential backoff before retry number n (1, 2, ...): a uniform
 * random delay in [0, min(cap_ms, base_ms * 2^(n-1))]. rng is xorshift64 state. */
long llm_backoff_ms(int n, long base_ms, long cap_ms, uint64_t *rng);

/* A Retry-After value, delay-seconds or an HTTP date (relative to now), in
 * milliseconds (0 for a date in the past); -1 when absent or unparsable. */
long llm_retry_after_ms(const char *value, time_t now);

/* The part of a reply to check: the text between a leading ``` fence line
 * (```json or ```) and the closing ```, else the whole text, surrounding
 * white space removed. Sets *off and returns the length. */
size_t llm_unwrap_fence(const char *s, size_t len, size_t *off);

/* The answer after a reasoning model's thoughts: a leading <think>...</think>
 * (or <thinking>...</thinking>) block, or everything up to a </think> whose
 * opening tag the server's chat template swallowed, is dropped. An unclosed
 * <think> leaves nothing. Sets *off and returns the length that remains. */
size_t llm_strip_reasoning(const char *s, size_t len, size_t *off);

/* Estimated tokens of a request: message bytes / 4 plus 4 per message, plus
 * the completion budget max_tokens. */
double llm_estimate_tokens(const json_t *messages, long max_tokens);

/* The shortest run of the key's characters that counts as the key. */
#define LLM_SECRET_RUN 8

/* True when s (len bytes) holds a run of LLM_SECRET_RUN characters of secret,
 * raw, URL-encoded (%2D) or JSON-escaped (\u002d). Always false for a secret
 * shorter than that (a placeholder such as Ollama's "ollama"; llm_redact still
 * hides it). */
int llm_secret_in(const char *s, size_t len, const char *secret);

/* Overwrites with '*' every such run in s (all of a shorter secret), its
 * escapes included (a JSON text stays valid). Nothing when secret is NULL or empty. */
void llm_redact(char *s, const char *secret);

#endif
