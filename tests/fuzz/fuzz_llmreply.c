/* fuzz_llmreply.c - libFuzzer harness: the LLM reply readers of lib/write/llm.c (reply body, error body, code fences, Retry-After) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "write/llm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct llm_reply r;
	struct llm_error le;
	struct err e;
	char *s;

	memset(&r, 0, sizeof r);
	if (llm_parse_reply(body, size, &r, &e) == 0) {
		size_t off = 0, n;

		if (r.content == NULL || strlen(r.content) > r.len)
			abort();
		n = llm_unwrap_fence(r.content, r.len, &off);
		if (off > r.len || n > r.len - off)
			abort(); /* the unwrapped text lies inside the content */
		if (memchr(r.model, '\0', sizeof r.model) == NULL ||
		    memchr(r.finish_reason, '\0', sizeof r.finish_reason) == NULL)
			abort();
	}
	llm_reply_free(&r);
	llm_parse_error(body, size, &le);
	if (memchr(le.type, '\0', sizeof le.type) == NULL ||
	    memchr(le.message, '\0', sizeof le.message) == NULL)
		abort();
	/* a Retry-After header value, NUL-terminated as curl hands it over */
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)llm_retry_after_ms(s, 1764000000);
	free(s);
	return 0;
}
