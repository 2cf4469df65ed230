/* test_html.c - escaping, URL checks, paragraphs and the template */
#include <string.h>

#include "mail/html.h"
#include "unit.h"

static void
test_escape(void)
{
	struct buf b;

	buf_init(&b);
	html_escape(&b, "<a href=\"x\">'&'</a>", 19);
	CHECK_STR(b.s, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
	buf_reset(&b);
	html_paragraphs(&b, "Hi <b>,\n\nline one\nline two\n\n\n", 29);
	CHECK_STR(b.s, "<p>Hi &lt;b&gt;,</p>\n<p>line one<br>\nline two</p>\n");
	buf_free(&b);
}

static void
test_url(void)
{
	CHECK(html_url_ok("https://shop.example/p/1?a=b&c=d#x"));
	CHECK(html_url_ok("HTTP://shop.example/"));
	CHECK(!html_url_ok("javascript:alert(1)"));
	CHECK(!html_url_ok("https://x.example/\"onmouseover=\"x"));
	CHECK(!html_url_ok("https://x.example/ a"));
	CHECK(!html_url_ok("https:///path"));
	CHECK(!html_url_ok("data:text/html,hi"));
	CHECK(!html_url_ok("//x.example/"));
	CHECK(!html_url_ok(NULL));
}

static void
test_template(void)
{
	const char *src = "<h1>{{title}}</h1>{{{raw}}}{{#items}}[{{name}}:{{title}}{{#url}} {{url}}{{/url}}]"
	    "{{/items}}{{^empty}}none{{/empty}}{{#empty}}x{{/empty}}";
	struct html_var top[] = { { "title", "A&B" }, { "raw", "<br>" }, { "empty", "" } };
	struct html_var i1[] = { { "name", "<1>" }, { "url", "https://x.example/?a=1&b=2" } };
	struct html_var i2[] = { { "name", "2" }, { "url", "" } };
	struct html_scope items[] = { { i1, 2 }, { i2, 2 } };
	struct html_data d = { { top, 3 }, "items", items, 2 };
	struct html_tmpl t;
	struct buf b;
	struct err e;

	buf_init(&b);
	CHECK_INT(html_compile(&t, src, strlen(src), "t", &e), 0);
	CHECK_INT(html_render(&t, &d, &b), 0);
	CHECK_STR(b.s, "<h1>A&amp;B</h1><br>[&lt;1&gt;:A&amp;B https://x.example/?a=1&amp;b=2][2:A&amp;B]none");
	html_free(&t);
	buf_free(&b);
	CHECK_INT(html_compile(&t, "{{#a}}x", 7, "t", &e), -1);
	CHECK(strstr(e.msg, "unclosed section 'a'") != NULL);
	CHECK_INT(html_compile(&t, "x\n{{/a}}", 8, "t", &e), -1);
	CHECK(strstr(e.msg, "t:2:") != NULL);
	CHECK_INT(html_compile(&t, "{{a", 3, "t", &e), -1);
	CHECK_INT(html_compile(&t, "{{a b}}", 7, "t", &e), -1);
}

int
main(void)
{
	RUN(test_escape);
	RUN(test_url);
	RUN(test_template);
	return UNIT_DONE();
}
