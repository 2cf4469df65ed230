/* test_mailmsg.c - message building: tokens, ids, links from meta, escaping, rejects */
#include <string.h>

#include <openssl/hmac.h>

#include "mailmsg.h"
#include "unit.h"

static const char *tmpl_src = "<title>{{subject}}</title>{{{body_html}}}{{#items}}<a href=\"{{url}}\">"
    "{{title}} {{price}}</a>{{/items}}";

static void
test_tokens(void)
{
	unsigned char md[32];
	unsigned int mdlen;
	char tok[65], want[65], a[100], b[100], c[100];
	size_t i;

	CHECK_INT(mailmsg_unsub_token((const unsigned char *)"k", 1, "c1", "Ann@Example.com", tok), 0);
	HMAC(EVP_sha256(), "k", 1, (const unsigned char *)"c1\nann@example.com", 18, md, &mdlen);
	for (i = 0; i < 32; i++)
		snprintf(want + 2 * i, 3, "%02x", md[i]);
	CHECK_STR(tok, want);
	CHECK_INT(mailmsg_message_id("c1", "u1", "example.com", a, sizeof a), 0);
	CHECK_INT(mailmsg_message_id("c1", "u1", "example.com", b, sizeof b), 0);
	CHECK_INT(mailmsg_message_id("c2", "u1", "example.com", c, sizeof c), 0);
	CHECK_STR(a, b);
	CHECK(strcmp(a, c) != 0);
	CHECK_INT(strlen(a), strlen("<.c1@example.com>") + 32);
	CHECK_INT(mailmsg_message_id("c1", "u1", "example.com", a, 10), -1);
}

static void
test_pct(void)
{
	struct buf b;
	char out[64];

	buf_init(&b);
	mailmsg_pct(&b, "a b/\xc3\xbc~");
	CHECK_STR(b.s, "a%20b%2F%C3%BC~");
	CHECK_INT(mailmsg_unpct(b.s, b.len, out, sizeof out), 0);
	CHECK_STR(out, "a b/\xc3\xbc~");
	CHECK_INT(mailmsg_unpct("%4", 2, out, sizeof out), -1);
	CHECK_INT(mailmsg_unpct("%zz", 3, out, sizeof out), -1);
	buf_free(&b);
}

static void
test_build(void)
{
	struct html_tmpl t;
	struct mailmsg m;
	struct err e;
	struct mailmsg_opts o = { .from_name = "Shop", .from_addr = "shop@example.com",
		.date = 1764000000, .tmpl = &t };
	json_t *meta = json_loads("{\"user\":\"u1\",\"email\":\"a@example.com\",\"name\":\"A\","
	    "\"campaign\":\"c1\",\"variant\":\"llm\",\"items\":[{\"item\":\"s1\",\"title\":\"<T>\","
	    "\"price\":3,\"currency\":\"EUR\",\"url\":\"https://x.example/p\"},"
	    "{\"item\":\"s2\",\"title\":\"U\",\"url\":\"javascript:x\"}]}", 0, NULL);
	const char *content = "{\"subject\":\"Hi\",\"preheader\":\"p\",\"body_text\":\"Hello <b>\"}";

	CHECK_INT(html_compile(&t, tmpl_src, strlen(tmpl_src), "t", &e), 0);
	CHECK_INT(mailmsg_check_opts(&o, &e), 0);
	mailmsg_init(&m);
	CHECK_INT(mailmsg_build(&m, &o, meta, content, strlen(content), &e), 0);
	CHECK(strstr(m.head.s, "\nSubject: Hi\n") != NULL);
	CHECK(strstr(m.head.s, "To: A <a@example.com>\n") != NULL);
	CHECK(strstr(m.head.s, "\nX-Campaign: c1\nX-Variant: llm\nX-Recmail-User: u1\n") != NULL);
	CHECK(strstr(m.body.s, "&lt;T&gt; =E2=82=AC3.00") != NULL);
	CHECK(strstr(m.body.s, "Hello &lt;b&gt;") != NULL);
	CHECK(strstr(m.body.s, "javascript") == NULL);
	CHECK(strstr(m.body.s, "https://x.example/p?utm_source=3Drecmail") != NULL);
	CHECK_STR(m.rcpt, "a@example.com");
	/* content that is not the three strings is rejected with a reason */
	CHECK_INT(mailmsg_build(&m, &o, meta, "{\"subject\":1}", 13, &e), -1);
	CHECK_INT(e.code, 65);
	CHECK(strstr(e.msg, "subject") != NULL);
	json_object_set_new(meta, "email", json_string("a@example.com\nBcc: x@y.z"));
	CHECK_INT(mailmsg_build(&m, &o, meta, content, strlen(content), &e), -1);
	CHECK_STR(e.msg, "meta.email is not a valid address");
	/* an https unsubscribe base needs a key */
	o.unsub_url = "https://x.example/u";
	CHECK_INT(mailmsg_check_opts(&o, &e), -1);
	mailmsg_free(&m);
	html_free(&t);
	json_decref(meta);
}

int
main(void)
{
	RUN(test_tokens);
	RUN(test_pct);
	RUN(test_build);
	return UNIT_DONE();
}
