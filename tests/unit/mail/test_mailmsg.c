/* test_mailmsg.c - message building: tokens, ids, links from meta, escaping, rejects */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mailmsg.h"
#include "unit.h"

static const char *tmpl_src = "<title>{{subject}}</title>{{{body_html}}}{{#items}}<a href=\"{{url}}\">"
    "{{title}} {{price}}</a>{{/items}}";

static void
test_tokens(void)
{
	char a[100], b[100], c[100];

	CHECK_INT(mailmsg_message_id(NULL, "c1", "u1", "example.com", a, sizeof a), 0);
	CHECK_INT(mailmsg_message_id(NULL, "c1", "u1", "example.com", b, sizeof b), 0);
	CHECK_INT(mailmsg_message_id(NULL, "c2", "u1", "example.com", c, sizeof c), 0);
	CHECK_STR(a, b);
	CHECK(strcmp(a, c) != 0);
	CHECK_INT(strlen(a), strlen("<.c1@example.com>") + 32);
	CHECK_INT(mailmsg_message_id(NULL, "c1", "u1", "example.com", a, 10), -1);
}

/* With a link key the Message-ID is keyed: stable per (key, campaign, user), and neither the
 * unkeyed digest anyone can compute from (campaign, user) nor another key's. */
static void
test_keyed_message_id(void)
{
	struct linktoken_keys k1, k2, none;
	struct err e;
	char plain[100], a[100], b[100], c[100], d[100];

	linktoken_keys_init(&k1);
	linktoken_keys_init(&k2);
	linktoken_keys_init(&none);
	CHECK_INT(linktoken_keys_add(&k1, (const unsigned char *)"0123456789abcdef0123", 20, &e), 0);
	CHECK_INT(linktoken_keys_add(&k2, (const unsigned char *)"fedcba98765432100123", 20, &e), 0);
	CHECK_INT(mailmsg_message_id(NULL, "c1", "u1", "example.com", plain, sizeof plain), 0);
	CHECK_INT(mailmsg_message_id(&k1, "c1", "u1", "example.com", a, sizeof a), 0);
	CHECK_INT(mailmsg_message_id(&k1, "c1", "u1", "example.com", b, sizeof b), 0);
	CHECK_INT(mailmsg_message_id(&k2, "c1", "u1", "example.com", c, sizeof c), 0);
	CHECK_INT(mailmsg_message_id(&k1, "c1", "u2", "example.com", d, sizeof d), 0);
	CHECK_STR(a, b);
	CHECK(strcmp(a, plain) != 0);
	CHECK(strcmp(a, c) != 0);
	CHECK(strcmp(a, d) != 0);
	CHECK_INT(strlen(a), strlen(plain));
	CHECK(strstr(a, ".c1@example.com>") != NULL);
	/* an empty key set is the unkeyed form */
	CHECK_INT(mailmsg_message_id(&none, "c1", "u1", "example.com", b, sizeof b), 0);
	CHECK_STR(b, plain);
	linktoken_keys_free(&k1);
	linktoken_keys_free(&k2);
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
		.date = 1764000000, .tmpl = &t, .no_unsub = 1 };
	json_t *meta = json_loads("{\"user\":\"u1\",\"email\":\"a@example.com\",\"name\":\"A\","
	    "\"campaign\":\"c1\",\"variant\":\"llm\",\"items\":[{\"item\":\"s1\",\"title\":\"<T>\","
	    "\"price\":3,\"currency\":\"EUR\",\"url\":\"https://x.example/p\"},"
	    "{\"item\":\"s2\",\"title\":\"U\",\"url\":\"javascript:x\"}]}", 0, NULL);
	const char *content = "{\"subject\":\"Hi\",\"preheader\":\"p\",\"body_text\":\"Hello <b>\"}";

	CHECK_INT(html_compile(&t, tmpl_src, strlen(tmpl_src), "t", &e), 0);
	CHECK_INT(mailmsg_check_opts(&o, &e), 0);
	/* marketing mail without an unsubscribe route needs saying so */
	o.no_unsub = 0;
	CHECK_INT(mailmsg_check_opts(&o, &e), -1);
	CHECK(strstr(e.msg, "no unsubscribe route") != NULL);
	o.no_unsub = 1;
	mailmsg_init(&m);
	CHECK_INT(mailmsg_build(&m, &o, meta, NULL, content, strlen(content), &e), 0);
	CHECK(strstr(m.head.s, "\nSubject: Hi\n") != NULL);
	CHECK(strstr(m.head.s, "To: A <a@example.com>\n") != NULL);
	CHECK(strstr(m.head.s, "\nX-Campaign: c1\nX-Variant: llm\n") != NULL);
	CHECK(strstr(m.head.s, "u1") == NULL);
	CHECK(strstr(m.body.s, "&lt;T&gt; =E2=82=AC3.00") != NULL);
	CHECK(strstr(m.body.s, "Hello &lt;b&gt;") != NULL);
	CHECK(strstr(m.body.s, "javascript") == NULL);
	CHECK(strstr(m.body.s, "https://x.example/p?utm_source=3Drecmail") != NULL);
	CHECK_STR(m.rcpt, "a@example.com");
	/* content that is not the three strings is rejected with a reason */
	CHECK_INT(mailmsg_build(&m, &o, meta, NULL, "{\"subject\":1}", 13, &e), -1);
	CHECK_INT(e.code, 65);
	CHECK(strstr(e.msg, "subject") != NULL);
	json_object_set_new(meta, "email", json_string("a@example.com\nBcc: x@y.z"));
	CHECK_INT(mailmsg_build(&m, &o, meta, NULL, content, strlen(content), &e), -1);
	CHECK_STR(e.msg, "meta.email is not a valid address");
	/* an https unsubscribe base, a click base and an open pixel need a key */
	o.unsub_url = "https://x.example/u";
	CHECK_INT(mailmsg_check_opts(&o, &e), -1);
	o.unsub_url = NULL;
	o.open_base = "https://x.example/o";
	CHECK_INT(mailmsg_check_opts(&o, &e), -1);
	CHECK(strstr(e.msg, "--open-pixel needs a link key") != NULL);
	mailmsg_free(&m);
	html_free(&t);
	json_decref(meta);
}

static void qp_decode(const struct buf *in, struct buf *out);

/* The token after the first "t=" following pre in s, decoded into d. */
static int
token_after(const char *s, const char *pre, const struct linktoken_keys *ks, struct linktoken *d,
    char *store)
{
	const char *p = strstr(s, pre);
	size_t n;

	if (p == NULL || (p = strstr(p, "t=")) == NULL)
		return -1;
	p += 2;
	n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
	return linktoken_decode(ks, p, n, d, store, NULL);
}

static void
test_tracked_links_are_opaque(void)
{
	static const char *src = "{{#items}}<a href=\"{{url}}\">x</a>{{/items}}"
	    "<img src=\"{{open_pixel_url}}\"><a href=\"{{unsubscribe_url}}\">u</a>";
	struct linktoken_keys ks;
	struct linktoken d;
	struct html_tmpl t;
	struct mailmsg m;
	struct err e;
	struct mailmsg_opts o = { .from_addr = "shop@example.com", .date = 1764000000, .tmpl = &t,
		.click_base = "https://t.example/c", .open_base = "https://t.example/o",
		.unsub_url = "https://t.example/u", .keys = &ks };
	json_t *meta = json_loads("{\"user\":\"cust77\",\"email\":\"zoe@example.com\","
	    "\"campaign\":\"c1\",\"variant\":\"llm\",\"items\":[{\"item\":\"s1\","
	    "\"url\":\"https://x.example/p\"}]}", 0, NULL);
	const char *content = "{\"subject\":\"Hi\",\"body_text\":\"Hello\"}";
	char store[LINKTOKEN_MAX];
	const char *at;
	struct buf body;

	buf_init(&body);
	linktoken_keys_init(&ks);
	CHECK_INT(linktoken_keys_add(&ks, (const unsigned char *)"0123456789abcdef", 16, &e), 0);
	CHECK_INT(html_compile(&t, src, strlen(src), "t", &e), 0);
	CHECK_INT(mailmsg_check_opts(&o, &e), 0);
	mailmsg_init(&m);
	CHECK_INT(mailmsg_build(&m, &o, meta, NULL, content, strlen(content), &e), 0);
	/* the customer id shows nowhere, the address only in To */
	CHECK(strstr(m.head.s, "cust77") == NULL && strstr(m.body.s, "cust77") == NULL);
	CHECK(strstr(m.body.s, "zoe") == NULL);
	at = strstr(m.head.s, "zoe@");
	CHECK(at != NULL && strstr(at + 1, "zoe@") == NULL);
	CHECK(strstr(m.head.s, "X-Recmail-User") == NULL);
	at = strstr(m.head.s, "\nX-Recmail-Ref: ");
	CHECK(at != NULL);
	if (at != NULL) {
		at += strlen("\nX-Recmail-Ref: ");
		CHECK_INT(linktoken_decode(&ks, at, strcspn(at, "\n"), &d, store, NULL), 0);
		CHECK_INT(d.kind, LINKTOKEN_REF);
		CHECK_STR(d.user, "cust77");
	}
	CHECK_INT(token_after(m.head.s, "List-Unsubscribe: <https://t.example/u?", &ks, &d, store), 0);
	CHECK_INT(d.kind, LINKTOKEN_UNSUB);
	CHECK_STR(d.email, "zoe@example.com");
	CHECK_STR(d.lang, "en");
	CHECK_STR(d.user, "cust77");
	CHECK_STR(d.campaign, "c1");
	CHECK_STR(d.variant, "llm");
	CHECK_INT(d.issued, 1764000000);
	qp_decode(&m.body, &body);
	CHECK_INT(token_after(body.s, "https://t.example/c?", &ks, &d, store), 0);
	CHECK_INT(d.kind, LINKTOKEN_CLICK);
	CHECK_STR(d.item, "s1");
	CHECK_STR(d.email, "");
	CHECK_STR(d.url, "https://x.example/p?utm_source=recmail&utm_medium=email&utm_campaign=c1"
	    "&utm_content=llm");
	CHECK_INT(token_after(body.s, "https://t.example/o?", &ks, &d, store), 0);
	CHECK_INT(d.kind, LINKTOKEN_OPEN);
	CHECK_STR(d.user, "cust77");
	buf_free(&body);
	mailmsg_free(&m);
	html_free(&t);
	json_decref(meta);
	linktoken_keys_free(&ks);
}

/* The body of m with quoted-printable undone (soft breaks and =XX; the boundary's "=_" stays). */
static void
qp_decode(const struct buf *in, struct buf *out)
{
	size_t i;

	buf_reset(out);
	for (i = 0; i < in->len; i++) {
		if (in->s[i] == '=' && i + 1 < in->len && in->s[i + 1] == '\n') {
			i++;
		} else if (in->s[i] == '=' && i + 2 < in->len && isxdigit((unsigned char)in->s[i + 1]) &&
		    isxdigit((unsigned char)in->s[i + 2])) {
			char h[3] = { in->s[i + 1], in->s[i + 2], '\0' };

			buf_addc(out, (int)strtol(h, NULL, 16));
			i += 2;
		} else {
			buf_addc(out, in->s[i]);
		}
	}
}

/* Builds the message for locale and returns its decoded body in out. */
static int
build_localised(const char *locale, struct buf *out)
{
	static const char *src = "<p>{{#items}}[{{reason}}|{{t_view_product}}]{{/items}}</p>"
	    "<p>{{t_footer}} <a>{{t_unsubscribe}}</a></p>";
	struct html_tmpl t;
	struct mailmsg m;
	struct err e;
	struct mailmsg_opts o = { .from_name = "Shop", .from_addr = "shop@example.com",
		.unsub_mailto = "unsub@example.com", .date = 1764000000, .tmpl = &t };
	json_t *meta = json_pack("{s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:s,s:s,s:{s:s,s:s,s:f,s:s}},"
	    "{s:s,s:s,s:s,s:{s:s,s:s,s:s}},{s:s,s:s,s:s,s:{s:s}},{s:s,s:s,s:s,s:{s:s}}]}",
	    "user", "u1", "email", "a@example.com", "campaign", "c1", "brand", "Thé & <Co>",
	    "locale", locale, "items",
	    "item", "s1", "title", "T1", "url", "https://x.example/1", "reason", "type", "similar",
	    "because_title", "Green cup", "similarity", 0.8, "action", "rated",
	    "item", "s2", "title", "T2", "url", "https://x.example/2", "reason", "type",
	    "also_bought", "because_title", "Oak tray", "action", "bought",
	    "item", "s3", "title", "T3", "url", "https://x.example/3", "reason", "type", "popular",
	    "item", "s4", "title", "T4", "url", "https://x.example/4", "reason", "type",
	    "neighbours");
	const char *content = "{\"subject\":\"Hi\",\"preheader\":\"p\",\"body_text\":\"Hello\"}";
	int rc;

	CHECK(meta != NULL);
	CHECK_INT(html_compile(&t, src, strlen(src), "t", &e), 0);
	mailmsg_init(&m);
	rc = mailmsg_build(&m, &o, meta, NULL, content, strlen(content), &e);
	if (rc == 0)
		qp_decode(&m.body, out);
	mailmsg_free(&m);
	html_free(&t);
	json_decref(meta);
	return rc;
}

static void
test_fixed_texts_follow_the_locale(void)
{
	struct buf b;

	buf_init(&b);
	CHECK_INT(build_localised("fr-FR", &b), 0);
	CHECK(strstr(b.s, "[Parce que vous avez apprécié «\xc2\xa0Green cup\xc2\xa0»|Voir le produit]"
	    "[Souvent acheté avec «\xc2\xa0Oak tray\xc2\xa0»|Voir le produit]"
	    "[Un succès auprès de nos clients|Voir le produit]"
	    "[Les clients qui vous ressemblent l’adorent|Voir le produit]") != NULL);
	CHECK(strstr(b.s, "<p>Vous recevez cet e-mail parce que vous avez effectué des achats chez "
	    "Thé &amp; &lt;Co&gt;. <a>Se désabonner</a></p>") != NULL);
	CHECK(strstr(b.s, "\nSe désabonner\xc2\xa0: mailto:unsub@example.com?subject=unsubscribe\n")
	    != NULL);
	CHECK(strstr(b.s, "Because") == NULL && strstr(b.s, "Unsubscribe") == NULL);

	CHECK_INT(build_localised("de", &b), 0);
	CHECK(strstr(b.s, "[Weil Sie „Green cup“ gut bewertet haben|Zum Produkt]") != NULL);
	CHECK(strstr(b.s, "Sie erhalten diese E-Mail von Thé &amp; &lt;Co&gt;, weil") != NULL);
	CHECK(strstr(b.s, "\nAbmelden: mailto:unsub@example.com") != NULL);

	CHECK_INT(build_localised("es_MX", &b), 0);
	CHECK(strstr(b.s, "[Se suele comprar con «Oak tray»|Ver producto]") != NULL);
	CHECK(strstr(b.s, "<a>Darse de baja</a>") != NULL);
	CHECK(strstr(b.s, "\nDarse de baja: mailto:unsub@example.com") != NULL);

	/* a language without texts gets the English ones */
	CHECK_INT(build_localised("it-IT", &b), 0);
	CHECK(strstr(b.s, "[Because you rated Green cup highly|View product][Often bought with Oak tray|"
	    "View product][Popular with our customers|View product][Loved by customers like you|"
	    "View product]") != NULL);
	CHECK(strstr(b.s, "<p>You receive this email from Thé &amp; &lt;Co&gt; because you are a "
	    "customer. <a>Unsubscribe</a></p>") != NULL);
	CHECK(strstr(b.s, "\nUnsubscribe: mailto:unsub@example.com?subject=unsubscribe\n") != NULL);
	buf_free(&b);
}

int
main(void)
{
	RUN(test_tokens);
	RUN(test_keyed_message_id);
	RUN(test_pct);
	RUN(test_build);
	RUN(test_tracked_links_are_opaque);
	RUN(test_fixed_texts_follow_the_locale);
	return UNIT_DONE();
}
