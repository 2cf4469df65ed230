/* test_track.c - trackd's decisions: routes, kinds, expiry, the old links, pages, machine opens */
#include <stdio.h>
#include <string.h>

#include "measure/track.h"
#include "unit.h"

static struct linktoken_keys ks;
static struct track_conf conf = { &ks, 86400, 86400, 30 };

static const char *
seal(int kind, long long issued, char *out)
{
	struct linktoken t = { kind, issued, "c1", "llm", "u1", "sku9", "https://shop.example/p",
	    kind == LINKTOKEN_UNSUB ? "ann@example.com" : "", kind == LINKTOKEN_UNSUB ? "fr" : "" };

	return linktoken_encode(&ks, &t, out, LINKTOKEN_MAX + 1, NULL) > 0 ? out : "";
}

static void
test_click_open_unsubscribe(void)
{
	struct track_answer a;
	struct track_req r = { .path = "/c", .now = 1000000 };
	char tok[LINKTOKEN_MAX + 1];

	track_answer_init(&a);
	r.t = seal(LINKTOKEN_CLICK, 999000, tok);
	CHECK_INT(track_decide(&conf, &r, &a), 0);
	CHECK_INT(a.page, TRACK_REDIRECT);
	CHECK_STR(a.location, "https://shop.example/p");
	CHECK_STR(a.event.s, "{\"event\":\"click\",\"user\":\"u1\",\"campaign\":\"c1\",\"variant\":\"llm\","
	    "\"ts\":1000000,\"item\":\"sku9\"}");
	CHECK_INT(a.sync, 0);
	r.path = "/o";                          /* a click token at the open path */
	CHECK_INT(track_decide(&conf, &r, &a), 0);
	CHECK_INT(a.page, TRACK_NOT_FOUND);
	CHECK_INT(a.event.len, 0);
	r.t = seal(LINKTOKEN_OPEN, 999990, tok);
	r.ua = "Mozilla/5.0 Firefox";
	CHECK_INT(track_decide(&conf, &r, &a), 0);
	CHECK_INT(a.page, TRACK_PIXEL);
	CHECK(strstr(a.event.s, "\"machine\":true") != NULL);       /* 10 s after sending */
	r.t = seal(LINKTOKEN_OPEN, 990000, tok);
	CHECK_INT(track_decide(&conf, &r, &a), 0);
	CHECK(strstr(a.event.s, "\"machine\":false") != NULL);
	r.path = "/u";
	r.t = seal(LINKTOKEN_UNSUB, 1, tok);    /* never expires */
	CHECK_INT(track_decide(&conf, &r, &a), 0);
	CHECK_INT(a.page, TRACK_ASK);
	CHECK(a.suppress == NULL && a.event.len == 0);
	CHECK_STR(a.text->lang, "fr");
	r.post = 1;
	r.body = "List-Unsubscribe=One-Click";
	CHECK_INT(track_decide(&conf, &r, &a), 0);
	CHECK_INT(a.page, TRACK_DONE);
	CHECK_STR(a.suppress, "ann@example.com");
	CHECK_INT(a.sync, 1);
	CHECK(strstr(a.event.s, "\"event\":\"unsubscribe\"") != NULL);
	CHECK(strstr(a.event.s, "ann") == NULL);
	track_answer_free(&a);
}

static void
test_expired_and_bad(void)
{
	struct track_answer a;
	struct track_req r = { .path = "/c", .now = 1000000 };
	char tok[LINKTOKEN_MAX + 1];

	track_answer_init(&a);
	r.t = seal(LINKTOKEN_CLICK, 1000000 - 86401, tok);
	CHECK_INT(track_decide(&conf, &r, &a), 0);
	CHECK_INT(a.page, TRACK_NOT_FOUND);
	CHECK_STR(a.why, "click link expired");
	r.t = "AAAA";
	CHECK_INT(track_decide(&conf, &r, &a), 0);
	CHECK_STR(a.why, "token does not open");
	r.path = "/x";
	CHECK_INT(track_decide(&conf, &r, &a), 0);
	CHECK_STR(a.why, "unknown path");
	r.path = "/c";
	r.t = NULL;
	r.u = "https://evil.example/";
	CHECK_INT(track_decide(&conf, &r, &a), 0);
	CHECK_INT(a.page, TRACK_NOT_FOUND);
	track_answer_free(&a);
}

static void
test_pages_escape_and_ask_once(void)
{
	struct track_answer a;
	struct buf b;

	track_answer_init(&a);
	buf_init(&b);
	a.text = mailtext_for("de");
	a.page = TRACK_ASK;
	CHECK_INT(track_page_html(&b, &a), 0);
	CHECK(strstr(b.s, "<html lang=\"de\">") != NULL);
	CHECK(strstr(b.s, "<form method=\"post\"><input type=\"hidden\" name=\"List-Unsubscribe\" "
	    "value=\"One-Click\">") != NULL);
	CHECK(strstr(strstr(b.s, "<form") + 1, "<form") == NULL);
	buf_reset(&b);
	a.page = TRACK_DONE;
	CHECK_INT(track_page_html(&b, &a), 0);
	CHECK(strstr(b.s, "<form") == NULL);
	buf_free(&b);
	track_answer_free(&a);
	CHECK_INT(track_machine_ua("Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"), 1);
	CHECK_INT(track_machine_ua(NULL), 1);
	CHECK_INT(track_machine_ua("Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Mobile/15E148"), 0);
}

int
main(void)
{
	linktoken_keys_init(&ks);
	linktoken_keys_add(&ks, (const unsigned char *)"0123456789abcdef", 16, NULL);
	RUN(test_click_open_unsubscribe);
	RUN(test_expired_and_bad);
	RUN(test_pages_escape_and_ask_once);
	linktoken_keys_free(&ks);
	return UNIT_DONE();
}
