/* llm.c - chat-completions request bodies, reply and error parsing, retry and backoff policy */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "write/llm.h"

int
llm_record_check(const json_t *rec, struct err *e)
{
	const json_t *msgs, *m, *v;
	size_t i;

	if (!json_is_string(json_object_get(rec, "id")))
		return err_set(e, EXIT_DATA, "\"id\" missing or not a string");
	msgs = json_object_get(rec, "messages");
	if (!json_is_array(msgs) || json_array_size(msgs) == 0)
		return err_set(e, EXIT_DATA, "\"messages\" missing, empty or not an array");
	json_array_foreach(msgs, i, m) {
		if (!json_is_object(m) || !json_is_string(json_object_get(m, "role")))
			return err_set(e, EXIT_DATA, "messages[%zu]: \"role\" missing or not a string", i);
		v = json_object_get(m, "content");
		if (!json_is_string(v) && !json_is_array(v))
			return err_set(e, EXIT_DATA, "messages[%zu]: \"content\" missing or not a string", i);
	}
	v = json_object_get(rec, "meta");
	if (v != NULL && !json_is_object(v))
		return err_set(e, EXIT_DATA, "\"meta\" is not an object");
	v = json_object_get(rec, "response_format");
	if (v != NULL && !json_is_object(v))
		return err_set(e, EXIT_DATA, "\"response_format\" is not an object");
	return 0;
}

json_t *
llm_request(const json_t *messages, const json_t *response_format, const struct llm_params *p)
{
	json_t *req = json_object();
	int bad = 0;

	if (req == NULL)
		return NULL;
	bad |= json_object_set_new(req, "model", json_string(p->model));
	bad |= json_object_set_new(req, "messages", json_deep_copy(messages));
	if (p->max_tokens > 0)
		bad |= json_object_set_new(req, p->token_param, json_integer(p->max_tokens));
	if (p->has_temperature)
		bad |= json_object_set_new(req, "temperature", json_real(p->temperature));
	if (p->response_format && response_format != NULL)
		bad |= json_object_set_new(req, "response_format", json_deep_copy(response_format));
	if (bad) {
		json_decref(req);
		return NULL;
	}
	return req;
}

json_t *
llm_feedback(const json_t *messages, const char *reply, const char *why)
{
	json_t *out = json_deep_copy(messages);
	char *text = NULL;
	int bad;

	if (out == NULL)
		return NULL;
	if (asprintf(&text, "Your reply was rejected: %s. Write the email again as one JSON object "
	    "with the string fields subject, preheader and body_text, and nothing else.", why) < 0) {
		json_decref(out);
		return NULL;
	}
	bad = json_array_append_new(out, json_pack("{s:s, s:s}", "role", "assistant", "content", reply));
	bad |= json_array_append_new(out, json_pack("{s:s, s:s}", "role", "user", "content", text));
	free(text);
	if (bad) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static long
usage_num(const json_t *usage, const char *key)
{
	const json_t *v = json_object_get(usage, key);

	return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

/* A malloc'ed copy of the JSON string v; NULL when out of memory. */
static char *
dup_string(const json_t *v, size_t *len)
{
	size_t n = json_string_length(v);
	char *s = malloc(n + 1);

	if (s != NULL) {
		memcpy(s, json_string_value(v), n);
		s[n] = '\0';
	}
	if (len != NULL)
		*len = n;
	return s;
}

int
llm_parse_reply(const char *body, size_t len, struct llm_reply *r, struct err *e)
{
	json_t *root, *choice, *msg, *content, *refusal, *usage;
	json_error_t je;
	const char *s;

	memset(r, 0, sizeof *r);
	r->prompt_tokens = r->completion_tokens = r->total_tokens = -1;
	root = json_loadb(body, len, 0, &je);
	if (root == NULL)
		return err_set(e, EXIT_DATA, "reply is not JSON: %s", je.text);
	choice = json_array_get(json_object_get(root, "choices"), 0);
	msg = json_object_get(choice, "message");
	content = json_object_get(msg, "content");
	refusal = json_object_get(msg, "refusal");
	if (json_is_string(refusal) && json_string_length(refusal) > 0) {
		if ((r->refusal = dup_string(refusal, NULL)) == NULL) {
			json_decref(root);
			return err_nomem(e);
		}
	} else if (!json_is_string(content)) {
		json_decref(root);
		return err_set(e, EXIT_DATA, "reply has no choices[0].message.content string");
	} else if ((r->content = dup_string(content, &r->len)) == NULL) {
		json_decref(root);
		return err_nomem(e);
	}
	if ((s = json_string_value(json_object_get(root, "model"))) != NULL)
		snprintf(r->model, sizeof r->model, "%s", s);
	if ((s = json_string_value(json_object_get(choice, "finish_reason"))) != NULL)
		snprintf(r->finish_reason, sizeof r->finish_reason, "%s", s);
	usage = json_object_get(root, "usage");
	r->prompt_tokens = usage_num(usage, "prompt_tokens");
	r->completion_tokens = usage_num(usage, "completion_tokens");
	r->total_tokens = usage_num(usage, "total_tokens");
	if (r->total_tokens < 0 && r->prompt_tokens >= 0 && r->completion_tokens >= 0)
		r->total_tokens = r->prompt_tokens + r->completion_tokens;
	json_decref(root);
	return 0;
}

void
llm_reply_free(struct llm_reply *r)
{
	free(r->content);
	free(r->refusal);
	r->content = r->refusal = NULL;
}

void
llm_parse_error(const char *body, size_t len, struct llm_error *out)
{
	json_t *root, *err;
	const char *s;

	memset(out, 0, sizeof *out);
	if (body == NULL || len == 0 || (root = json_loadb(body, len, 0, NULL)) == NULL)
		return;
	err = json_object_get(root, "error");
	if (json_is_string(err)) {
		snprintf(out->message, sizeof out->message, "%s", json_string_value(err));
	} else if (json_is_object(err)) {
		if ((s = json_string_value(json_object_get(err, "type"))) != NULL)
			snprintf(out->type, sizeof out->type, "%s", s);
		if ((s = json_string_value(json_object_get(err, "code"))) != NULL)
			snprintf(out->code, sizeof out->code, "%s", s);
		if ((s = json_string_value(json_object_get(err, "message"))) != NULL)
			snprintf(out->message, sizeof out->message, "%s", s);
	}
	json_decref(root);
}

enum llm_action
llm_classify(long status, int curlcode, const struct llm_error *err)
{
	switch (curlcode) {
	case CURLE_OK:
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
		return LLM_STOP_UNUSABLE;
	case CURLE_WRITE_ERROR:
		return LLM_FAIL;       /* the body was over the limit */
	default:
		return LLM_RETRY;      /* timeouts, refused or reset connections, truncated bodies */
	}
	if (status >= 200 && status < 300)
		return LLM_ACCEPT;
	if (status == 429 && err != NULL &&
	    (strcmp(err->code, "insufficient_quota") == 0 || strcmp(err->type, "insufficient_quota") == 0))
		return LLM_STOP_QUOTA;
	if (status == 408 || status == 409 || status == 429 || status >= 500 || status == 0)
		return LLM_RETRY;
	if (status == 401 || status == 403 || status == 404)
		return LLM_STOP_UNUSABLE;
	return LLM_FAIL;
}

long
llm_backoff_ms(int n, long base_ms, long cap_ms, uint64_t *rng)
{
	double ceiling = (double)base_ms;
	uint64_t x = *rng ? *rng : 0x9e3779b97f4a7c15ULL;
	int i;

	for (i = 1; i < n && ceiling < (double)cap_ms; i++)
		ceiling *= 2;
	if (ceiling > (double)cap_ms)
		ceiling = (double)cap_ms;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*rng = x;
	return (long)((double)(x >> 11) / 9007199254740992.0 * (ceiling + 1));
}

long
llm_retry_after_ms(const char *value, time_t now)
{
	char *end;
	time_t t;
	long v;

	if (value == NULL || *value == '\0')
		return -1;
	if (*value >= '0' && *value <= '9') {
		v = strtol(value, &end, 10);
		if (*end != '\0' || v < 0)
			return -1;
		return v > 86400 ? 86400000L : v * 1000;
	}
	t = curl_getdate(value, NULL);
	if (t == -1)
		return -1;
	if (t <= now)
		return 0;
	return t - now > 86400 ? 86400000L : (long)(t - now) * 1000;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t
llm_unwrap_fence(const char *s, size_t len, size_t *off)
{
	size_t b = 0, end = len, nl;
	const char *p;

	while (b < end && is_space(s[b]))
		b++;
	while (end > b && is_space(s[end - 1]))
		end--;
	if (end - b >= 6 && memcmp(s + b, "```", 3) == 0 && memcmp(s + end - 3, "```", 3) == 0) {
		p = memchr(s + b, '\n', end - b);
		if (p != NULL && (size_t)(p - s) + 1 <= end - 3) {
			nl = (size_t)(p - s) + 1;
			b = nl;
			end -= 3;
			while (b < end && is_space(s[b]))
				b++;
			while (end > b && is_space(s[end - 1]))
				end--;
		}
	}
	*off = b;
	return end - b;
}

/* The end of the first close (one of tags) at or after s[from], or 0. */
static size_t
tag_end(const char *s, size_t len, size_t from, const char *const *tags, size_t ntags)
{
	size_t i, t, n;

	for (i = from; i < len; i++) {
		if (s[i] != '<')
			continue;
		for (t = 0; t < ntags; t++) {
			n = strlen(tags[t]);
			if (len - i >= n && strncasecmp(s + i, tags[t], n) == 0)
				return i + n;
		}
	}
	return 0;
}

size_t
llm_strip_reasoning(const char *s, size_t len, size_t *off)
{
	static const char *const open[] = { "<think>", "<thinking>" };
	static const char *const close[] = { "</think>", "</thinking>" };
	size_t b = 0, t, end;

	while (b < len && is_space(s[b]))
		b++;
	for (t = 0; t < 2; t++) {
		size_t n = strlen(open[t]);

		if (len - b >= n && strncasecmp(s + b, open[t], n) == 0) {
			end = tag_end(s, len, b + n, close, 2);
			*off = end ? end : len;
			return len - *off;
		}
	}
	end = tag_end(s, len, b, close, 1);
	*off = end ? end : 0;
	return len - *off;
}

double
llm_estimate_tokens(const json_t *messages, long max_tokens)
{
	const json_t *m, *c;
	double bytes = 0;
	size_t i;

	json_array_foreach(messages, i, m) {
		c = json_object_get(m, "content");
		if (json_is_string(c))
			bytes += (double)json_string_length(c);
		bytes += 16;  /* role and framing: about 4 tokens */
	}
	return bytes / 4 + (max_tokens > 0 ? (double)max_tokens : 0);
}

/* The value of hex digit c, or -1. */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes one character at s[i] (of len): %XX (URL encoding), \uXXXX below
 * 0x80 and \/ (JSON escapes) stand for the byte they encode. Returns the
 * number of bytes the character spans and sets *c.
 */
static size_t
decode_one(const char *s, size_t len, size_t i, unsigned char *c)
{
	int a, b, d, f;

	if (s[i] == '%' && i + 2 < len && (a = hexval(s[i + 1])) >= 0 && (b = hexval(s[i + 2])) >= 0) {
		*c = (unsigned char)(a * 16 + b);
		return 3;
	}
	if (s[i] == '\\' && i + 1 < len && s[i + 1] == '/') {
		*c = '/';
		return 2;
	}
	if (s[i] == '\\' && i + 5 < len && s[i + 1] == 'u' && (a = hexval(s[i + 2])) == 0 &&
	    (b = hexval(s[i + 3])) == 0 && (d = hexval(s[i + 4])) >= 0 && d < 8 &&
	    (f = hexval(s[i + 5])) >= 0) {
		*c = (unsigned char)(d * 16 + f);
		return 6;
	}
	*c = (unsigned char)s[i];
	return 1;
}

/*
 * Finds every run of min(8, key length) characters of secret in s (raw, URL-
 * or JSON-escaped); with redact set, overwrites each run's bytes with '*'.
 * Returns the number of runs found.
 */
static size_t
secret_scan(char *s, size_t len, const char *secret, int redact)
{
	unsigned char first[256] = { 0 }, w[LLM_SECRET_RUN];
	size_t klen, m, i, j, k, p, ps = 0, pe = 0, found = 0;

	if (s == NULL || secret == NULL || (klen = strlen(secret)) == 0)
		return 0;
	m = klen < LLM_SECRET_RUN ? klen : LLM_SECRET_RUN;
	for (j = 0; j + m <= klen; j++)
		first[(unsigned char)secret[j]] = 1;
	for (i = 0; i < len; i++) {
		p = i + decode_one(s, len, i, &w[0]);
		if (!first[w[0]])
			continue;
		for (k = 1; k < m && p < len; k++)
			p += decode_one(s, len, p, &w[k]);
		if (k < m)
			break;     /* fewer than m characters left */
		for (j = 0; j + m <= klen && memcmp(w, secret + j, m) != 0; j++)
			;
		if (j + m > klen)
			continue;
		found++;
		/* overlapping runs make one span, written once no window needs its bytes */
		if (i >= pe) {
			if (redact && pe > ps)
				memset(s + ps, '*', pe - ps);
			ps = i;
		}
		pe = p;
	}
	if (redact && pe > ps)
		memset(s + ps, '*', pe - ps);
	return found;
}

int
llm_secret_in(const char *s, size_t len, const char *secret)
{
	/* a key shorter than a run ("ollama", "none") is a placeholder that local
	 * servers ignore, and too common a word to fail replies for */
	if (secret == NULL || strlen(secret) < LLM_SECRET_RUN)
		return 0;
	return secret_scan((char *)s, len, secret, 0) > 0;
}

void
llm_redact(char *s, const char *secret)
{
	if (s != NULL)
		secret_scan(s, strlen(s), secret, 1);
}
