/* fuzz_linktoken.c - libFuzzer harness: link tokens and trackd's request decisions (lib/mail/linktoken, lib/measure/track) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/html.h"
#include "measure/track.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct linktoken_keys ks;
static struct track_conf conf = { &ks, 86400, 86400, 30 };

/* Splits s ("name=value&...") into the request's arguments, as an HTTP layer would. */
static void
args(char *s, struct track_req *r)
{
	char *p, *save = NULL;

	for (p = strtok_r(s, "&", &save); p != NULL; p = strtok_r(NULL, "&", &save)) {
		char *v = strchr(p, '=');

		if (v == NULL || v - p != 1)
			continue;
		*v++ = '\0';
		switch (p[0]) {
		case 't': r->t = v; break;
		case 'u': r->u = v; break;
		case 'c': r->c = v; break;
		case 'r': r->r = v; break;
		case 's': r->s = v; break;
		case 'e': r->e = v; break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *paths[] = { "/c", "/o", "/u", "/healthz", "/x", "", "/cc", "c" };
	static struct track_answer a;
	struct track_req r = { 0 };
	struct linktoken t, d;
	char *s, tok[LINKTOKEN_MAX + 1], store[LINKTOKEN_MAX];
	struct buf page;
	long n;

	if (ks.n == 0) {
		linktoken_keys_add(&ks, (const unsigned char *)"fuzz-key-0123456789", 19, NULL);
		linktoken_keys_add(&ks, (const unsigned char *)"older-fuzz-key-0123", 19, NULL);
		track_answer_init(&a);
	}
	if (size < 1)
		return 0;
	/* the raw bytes as a token: never a crash, and a success only for what we sealed */
	linktoken_decode(&ks, (const char *)data + 1, size - 1, &d, store, NULL);
	if ((s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	/* the bytes as fields: what is sealed opens to the same fields */
	t = (struct linktoken){ data[0], (int64_t)size, s, "", s, "", s, s, "" };
	n = linktoken_encode(&ks, &t, tok, sizeof tok, NULL);
	if (n > 0 && (linktoken_decode(&ks, tok, (size_t)n, &d, store, NULL) != 0 ||
	    strcmp(d.user, s) != 0 || d.kind != data[0]))
		abort();
	/* the bytes as a query string to each path, GET and POST */
	r.path = paths[data[0] & 7];
	r.post = (data[0] >> 3) & 1;
	r.body = (data[0] & 16) ? "List-Unsubscribe=One-Click" : "x";
	r.ua = (data[0] & 32) ? "GoogleImageProxy" : NULL;
	r.accept_lang = (data[0] & 64) ? s : "de";
	r.now = 1764000000;
	args(s, &r);
	if (track_decide(&conf, &r, &a) == 0) {
		if (a.page == TRACK_REDIRECT && (a.location == NULL || !html_url_ok(a.location)))
			abort();
		buf_init(&page);
		track_page_html(&page, &a);
		buf_free(&page);
	}
	free(s);
	return 0;
}
