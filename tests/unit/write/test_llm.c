/* test_llm.c - request bodies, reply and error parsing, retry policy, fences, redaction */
#include <curl/curl.h>
#include <stdlib.h>

#include "write/llm.h"
#include "unit.h"

static json_t *
rec(const char *text)
{
	return json_loads(text, 0, NULL);
}

static void
test_record_check(void)
{
	struct err e;
	json_t *r;

	r = rec("{\"id\":\"c1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"meta\":{}}");
	CHECK_INT(llm_record_check(r, &e), 0);
	json_decref(r);
	r = rec("{\"id\":7,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
	CHECK_INT(llm_record_check(r, &e), -1);
	CHECK_STR(e.msg, "\"id\" missing or not a string");
	json_decref(r);
	r = rec("{\"id\":\"a\",\"messages\":[]}");
	CHECK_INT(llm_record_check(r, &e), -1);
	json_decref(r);
	r = rec("{\"id\":\"a\",\"messages\":[{\"role\":\"user\"}]}");
	CHECK_INT(llm_record_check(r, &e), -1);
	CHECK_STR(e.msg, "messages[0]: \"content\" missing or not a string");
	json_decref(r);
	r = rec("{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"response_format\":\"json\"}");
	CHECK_INT(llm_record_check(r, &e), -1);
	CHECK_INT(e.code, 65);
	json_decref(r);
}

static void
test_request(void)
{
	struct llm_params p = { "gpt-x", 200, "max_completion_tokens", 0.5, 1, 1 };
	json_t *msgs = rec("[{\"role\":\"user\",\"content\":\"hi\"}]");
	json_t *rf = rec("{\"type\":\"json_object\"}");
	json_t *req;
	char *s;

	req = llm_request(msgs, rf, &p);
	s = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK_STR(s, "{\"max_completion_tokens\":200,\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],"
	    "\"model\":\"gpt-x\",\"response_format\":{\"type\":\"json_object\"},\"temperature\":0.5}");
	free(s);
	json_decref(req);
	p.token_param = "max_tokens";
	p.has_temperature = 0;
	p.response_format = 0;
	req = llm_request(msgs, rf, &p);
	s = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK_STR(s, "{\"max_tokens\":200,\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],\"model\":\"gpt-x\"}");
	free(s);
	json_decref(req);
	json_decref(msgs);
	json_decref(rf);
}

static void
test_feedback(void)
{
	json_t *msgs = rec("[{\"role\":\"user\",\"content\":\"hi\"}]");
	json_t *fb = llm_feedback(msgs, "{\"subject\":\"20% off\"}", "subject mentions an offer");

	CHECK_INT(json_array_size(fb), 3);
	CHECK_INT(json_array_size(msgs), 1);
	CHECK_STR(json_string_value(json_object_get(json_array_get(fb, 1), "role")), "assistant");
	CHECK_STR(json_string_value(json_object_get(json_array_get(fb, 1), "content")), "{\"subject\":\"20% off\"}");
	CHECK(strstr(json_string_value(json_object_get(json_array_get(fb, 2), "content")),
	    "rejected: subject mentions an offer.") != NULL);
	json_decref(fb);
	json_decref(msgs);
}

static void
test_parse_reply(void)
{
	const char *ok = "{\"model\":\"m-1\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"hello\"},"
	    "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}";
	struct llm_reply r;
	struct err e;

	CHECK_INT(llm_parse_reply(ok, strlen(ok), &r, &e), 0);
	CHECK_STR(r.content, "hello");
	CHECK_STR(r.model, "m-1");
	CHECK_STR(r.finish_reason, "stop");
	CHECK_INT(r.prompt_tokens, 10);
	CHECK_INT(r.total_tokens, 15);
	llm_reply_free(&r);
	CHECK_INT(llm_parse_reply("{\"choices\":[", 12, &r, &e), -1);
	CHECK_INT(llm_parse_reply("{\"choices\":[]}", 14, &r, &e), -1);
	CHECK_STR(e.msg, "reply has no choices[0].message.content string");
	ok = "{\"choices\":[{\"message\":{\"content\":\"x\"}}]}";
	CHECK_INT(llm_parse_reply(ok, strlen(ok), &r, &e), 0);
	CHECK_INT(r.total_tokens, -1);
	llm_reply_free(&r);
}

static void
test_classify(void)
{
	struct llm_error q, none;
	const char *body = "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":\"insufficient_quota\","
	    "\"code\":\"insufficient_quota\"}}";

	llm_parse_error(body, strlen(body), &q);
	CHECK_STR(q.type, "insufficient_quota");
	CHECK_STR(q.message, "You exceeded your current quota");
	llm_parse_error("oops", 4, &none);
	CHECK_STR(none.type, "");
	CHECK_INT(llm_classify(200, 0, &none), LLM_ACCEPT);
	CHECK_INT(llm_classify(429, 0, &q), LLM_STOP_QUOTA);
	CHECK_INT(llm_classify(429, 0, &none), LLM_RETRY);
	CHECK_INT(llm_classify(408, 0, &none), LLM_RETRY);
	CHECK_INT(llm_classify(409, 0, &none), LLM_RETRY);
	CHECK_INT(llm_classify(500, 0, &none), LLM_RETRY);
	CHECK_INT(llm_classify(503, 0, &none), LLM_RETRY);
	CHECK_INT(llm_classify(400, 0, &none), LLM_FAIL);
	CHECK_INT(llm_classify(422, 0, &none), LLM_FAIL);
	CHECK_INT(llm_classify(401, 0, &none), LLM_STOP_UNUSABLE);
	CHECK_INT(llm_classify(404, 0, &none), LLM_STOP_UNUSABLE);
	CHECK_INT(llm_classify(0, CURLE_OPERATION_TIMEDOUT, &none), LLM_RETRY);
	CHECK_INT(llm_classify(0, CURLE_RECV_ERROR, &none), LLM_RETRY);
	CHECK_INT(llm_classify(0, CURLE_PARTIAL_FILE, &none), LLM_RETRY);
	CHECK_INT(llm_classify(0, CURLE_URL_MALFORMAT, &none), LLM_STOP_UNUSABLE);
}

static void
test_backoff(void)
{
	uint64_t rng = 12345;
	long v, max1 = 0, max5 = 0;
	int i;

	for (i = 0; i < 2000; i++) {
		v = llm_backoff_ms(1, 100, 10000, &rng);
		CHECK(v >= 0 && v <= 100);
		if (v > max1)
			max1 = v;
		v = llm_backoff_ms(5, 100, 10000, &rng);
		CHECK(v >= 0 && v <= 1600);
		if (v > max5)
			max5 = v;
		v = llm_backoff_ms(30, 100, 10000, &rng);
		CHECK(v >= 0 && v <= 10000);
	}
	/* full jitter spreads over the whole range */
	CHECK(max1 >= 90);
	CHECK(max5 >= 1400);
}

static void
test_retry_after(void)
{
	time_t now = 1700000000;

	CHECK_INT(llm_retry_after_ms("", now), -1);
	CHECK_INT(llm_retry_after_ms(NULL, now), -1);
	CHECK_INT(llm_retry_after_ms("3", now), 3000);
	CHECK_INT(llm_retry_after_ms("0", now), 0);
	CHECK_INT(llm_retry_after_ms("3x", now), -1);
	/* 1700000000 is Tue, 14 Nov 2023 22:13:20 GMT */
	CHECK_INT(llm_retry_after_ms("Tue, 14 Nov 2023 22:13:25 GMT", now), 5000);
	CHECK_INT(llm_retry_after_ms("Tue, 14 Nov 2023 22:13:00 GMT", now), 0);
	CHECK_INT(llm_retry_after_ms("soon", now), -1);
}

static void
test_fence(void)
{
	const char *s = "```json\n{\"a\":1}\n```\n";
	const char *t = "  {\"a\":1}  ";
	const char *u = "```\n{\"a\":1}```";
	size_t off, n;

	n = llm_unwrap_fence(s, strlen(s), &off);
	CHECK_INT(n, 7);
	CHECK(strncmp(s + off, "{\"a\":1}", n) == 0);
	n = llm_unwrap_fence(t, strlen(t), &off);
	CHECK_INT(n, 7);
	CHECK_INT(off, 2);
	n = llm_unwrap_fence(u, strlen(u), &off);
	CHECK(strncmp(u + off, "{\"a\":1}", n) == 0 && n == 7);
	n = llm_unwrap_fence("```", 3, &off);
	CHECK_INT(n, 3);
}

static void
test_estimate_redact(void)
{
	json_t *msgs = rec("[{\"role\":\"user\",\"content\":\"0123456789abcdef\"}]");
	char msg[] = "Incorrect API key provided: Bearer sk-SECRET. sk-SECRET again";

	CHECK_NEAR(llm_estimate_tokens(msgs, 100), 16 / 4.0 + 4 + 100, 1e-9);
	json_decref(msgs);
	llm_redact(msg, "sk-SECRET");
	CHECK_STR(msg, "Incorrect API key provided: Bearer *********. ********* again");
	llm_redact(msg, "");
	llm_redact(msg, NULL);
}

static void
test_secret_forms(void)
{
	const char *key = "sk-test-LEAK-123";
	char raw[] = "type Bearer sk-test-LEAK-123 here";
	char url[] = "k=sk%2Dtest%2DLEAK%2d123&x=1";
	char json[] = "{\"m\":\"\\u0073\\u006b-test-LEAK\"}";
	char piece[] = "half: test-LEAK and 123 alone";
	char clean[] = "sk-tes and LEAK-12 are short";

	CHECK(llm_secret_in(raw, strlen(raw), key));
	llm_redact(raw, key);
	CHECK_STR(raw, "type Bearer **************** here");
	CHECK(llm_secret_in(url, strlen(url), key));
	llm_redact(url, key);
	CHECK_STR(url, "k=**********************&x=1");
	CHECK(llm_secret_in(json, strlen(json), key));
	llm_redact(json, key);
	CHECK_STR(json, "{\"m\":\"**********************\"}");
	CHECK(llm_secret_in(piece, strlen(piece), key));   /* 9 characters of it */
	llm_redact(piece, key);
	CHECK_STR(piece, "half: ********* and 123 alone");
	CHECK(!llm_secret_in(clean, strlen(clean), key));
	CHECK(!llm_secret_in(clean, strlen(clean), NULL));
	/* a placeholder key shorter than a run never fails a reply ("fp_ollama"), but is hidden */
	CHECK(!llm_secret_in("\"system_fingerprint\":\"fp_ollama\"", 32, "ollama"));
	{
		char shortk[] = "key ollama here";

		llm_redact(shortk, "ollama");
		CHECK_STR(shortk, "key ****** here");
	}
}

static void
test_refusal_reasoning(void)
{
	const char *refused = "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null,"
	    "\"refusal\":\"I can't help with that.\"},\"finish_reason\":\"stop\"}],"
	    "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":7,\"total_tokens\":16}}";
	const char *both = "{\"choices\":[{\"message\":{\"content\":\"{}\",\"refusal\":null,"
	    "\"reasoning_content\":\"secret thoughts\"},\"finish_reason\":\"length\"}]}";
	const char *t1 = "  <think>a 20% discount?</think>\n{\"a\":1}";
	const char *t2 = "the template ate the tag</think>{\"a\":1}";
	const char *t3 = "<think>never closed {\"a\":1}";
	const char *t4 = "{\"a\":1}";
	struct llm_reply r;
	struct err e;
	size_t off, n;

	CHECK_INT(llm_parse_reply(refused, strlen(refused), &r, &e), 0);
	CHECK(r.content == NULL);
	CHECK_STR(r.refusal, "I can't help with that.");
	CHECK_INT(r.total_tokens, 16);
	llm_reply_free(&r);
	CHECK_INT(llm_parse_reply(both, strlen(both), &r, &e), 0);
	CHECK(r.refusal == NULL);
	CHECK_STR(r.content, "{}");
	CHECK_STR(r.finish_reason, "length");
	llm_reply_free(&r);
	n = llm_strip_reasoning(t1, strlen(t1), &off);
	CHECK(n == strlen(t1) - off && strncmp(t1 + off, "\n{\"a\":1}", n) == 0);
	n = llm_strip_reasoning(t2, strlen(t2), &off);
	CHECK(n == 7 && strncmp(t2 + off, "{\"a\":1}", n) == 0);
	CHECK_INT(llm_strip_reasoning(t3, strlen(t3), &off), 0);
	n = llm_strip_reasoning(t4, strlen(t4), &off);
	CHECK(off == 0 && n == strlen(t4));
}

int
main(void)
{
	RUN(test_record_check);
	RUN(test_request);
	RUN(test_feedback);
	RUN(test_parse_reply);
	RUN(test_classify);
	RUN(test_backoff);
	RUN(test_retry_after);
	RUN(test_fence);
	RUN(test_estimate_redact);
	RUN(test_secret_forms);
	RUN(test_refusal_reasoning);
	return UNIT_DONE();
}
