/* track.c - trackd's decisions: verify a link's token, choose the answer, write the event */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "base/exitcode.h"
#include "mail/html.h"
#include "mail/mime.h"
#include "measure/track.h"

void
track_answer_init(struct track_answer *a)
{
	memset(a, 0, sizeof *a);
	buf_init(&a->event);
}

void
track_answer_free(struct track_answer *a)
{
	buf_free(&a->event);
}

int
track_machine_ua(const char *ua)
{
	static const char *const known[] = {
		"GoogleImageProxy", "YahooMailProxy", "ggpht.com", "Microsoft Office Protocol Discovery",
		"BingPreview", "Barracuda", "Mimecast", "Proofpoint", "Symantec", "Trend Micro",
		"python-requests", "curl/", "Wget", "HeadlessChrome",
	};
	size_t i;

	if (ua == NULL || ua[0] == '\0')
		return 1;
	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcasestr(ua, known[i]) != NULL)
			return 1;
	return 0;
}

/* Appends the event line for kind from the token's fields. */
static int
event(struct track_answer *a, const char *kind, const struct linktoken *t, time_t now, int machine)
{
	json_t *o = json_pack("{sssssssssI}", "event", kind, "user", t->user, "campaign", t->campaign,
	    "variant", t->variant, "ts", (json_int_t)now);
	char *s;
	int rc;

	if (o == NULL)
		return -1;
	if ((t->item[0] && json_object_set_new(o, "item", json_string(t->item)) < 0) ||
	    (machine >= 0 && json_object_set_new(o, "machine", json_boolean(machine)) < 0)) {
		json_decref(o);
		return -1;
	}
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		return -1;
	rc = buf_adds(&a->event, s);
	free(s);
	return rc;
}

static int
not_found(struct track_answer *a, const char *why)
{
	a->page = TRACK_NOT_FOUND;
	a->why = why;
	return 0;
}

/* The first language of an Accept-Language header, as a locale for mailtext_for. */
static const char *
first_lang(const char *al, char *out, size_t sz)
{
	size_t n;

	if (al == NULL)
		return NULL;
	al += strspn(al, " ");
	n = strcspn(al, ",; ");
	if (n == 0 || n >= sz)
		return NULL;
	memcpy(out, al, n);
	out[n] = '\0';
	return out;
}

/* A POST that asks to unsubscribe: RFC 8058's body, from the mail client or from our page. */
static int
one_click(const char *body)
{
	return body != NULL && strstr(body, "List-Unsubscribe=One-Click") != NULL;
}

static int
unsubscribe(struct track_answer *a, const struct track_req *r, const struct linktoken *t,
    const char *email)
{
	if (!mime_addr_valid(email) || strlen(email) >= sizeof a->addr)
		return not_found(a, "no valid address in the link");
	if (!r->post) {
		a->page = TRACK_ASK;
		return 0;
	}
	if (!one_click(r->body))
		return not_found(a, "POST without List-Unsubscribe=One-Click");
	snprintf(a->addr, sizeof a->addr, "%s", email);
	a->suppress = a->addr;
	a->page = TRACK_DONE;
	a->sync = 1;
	return event(a, "unsubscribe", t, r->now, -1);
}

/* The links of mail sent before tokens: checked with every key's secret. */
static int
legacy(const struct track_conf *c, const struct track_req *r, struct track_answer *a, char route)
{
	struct linktoken *t = &a->tok;
	char data[600];
	size_t i, n;

	memset(t, 0, sizeof *t);
	t->campaign = t->variant = t->user = t->item = t->url = t->email = t->lang = "";
	if (route == 'u' && r->c && r->e && r->t) {
		n = (size_t)snprintf(data, sizeof data, "%s\n%s", r->c, r->e);
		if (n >= sizeof data)
			return not_found(a, "link too long");
		for (i = strlen(r->c) + 1; i < n; i++)
			data[i] = (char)tolower((unsigned char)data[i]);
		if (!linktoken_legacy_ok(c->keys, data, n, r->t, strlen(r->t)))
			return not_found(a, "old unsubscribe link does not verify");
		t->campaign = r->c;
		return unsubscribe(a, r, t, r->e);
	}
	if (route == 'c' && r->u && r->s) {
		/* the old signature covers the target only: follow it, record nothing forgeable */
		if (!html_url_ok(r->u) || !linktoken_legacy_ok(c->keys, r->u, strlen(r->u), r->s,
		    strlen(r->s)))
			return not_found(a, "old click link does not verify");
		a->page = TRACK_REDIRECT;
		a->location = r->u;
		return 0;
	}
	if (route == 'o' && r->c) {
		a->page = TRACK_PIXEL;     /* the old pixel was unsigned: no event */
		return 0;
	}
	return not_found(a, "no token");
}

int
track_decide(const struct track_conf *c, const struct track_req *r, struct track_answer *a)
{
	struct linktoken *t = &a->tok;
	char lang[16];
	const char *al = first_lang(r->accept_lang, lang, sizeof lang);
	char route;
	long age;

	a->text = mailtext_for(al);
	buf_reset(&a->event);
	a->suppress = NULL;
	a->sync = 0;
	if (r->path == NULL)
		return not_found(a, "no path");
	if (strcmp(r->path, "/healthz") == 0) {
		a->page = TRACK_HEALTH;
		return 0;
	}
	if (strlen(r->path) != 2 || r->path[0] != '/' || strchr("cou", r->path[1]) == NULL)
		return not_found(a, "unknown path");
	route = r->path[1];
	if (r->post && route != 'u')
		return not_found(a, "POST to a click or open link");
	if (r->t == NULL || r->c != NULL || r->u != NULL)
		return legacy(c, r, a, route);
	if (linktoken_decode(c->keys, r->t, strlen(r->t), t, a->store, NULL) < 0)
		return not_found(a, "token does not open");
	if (t->kind != route)
		return not_found(a, "token of another kind of link");
	if (t->lang[0] != '\0')
		a->text = mailtext_for(t->lang);
	age = (long)(r->now - t->issued);
	switch (route) {
	case 'c':
		if (age > c->click_ttl)
			return not_found(a, "click link expired");
		if (!html_url_ok(t->url))
			return not_found(a, "no http(s) target");
		a->page = TRACK_REDIRECT;
		a->location = t->url;
		return event(a, "click", t, r->now, -1);
	case 'o':
		a->page = TRACK_PIXEL;
		if (age > c->open_ttl)
			return 0;       /* still an image, so the mail does not show a broken one */
		return event(a, "open", t, r->now, age < c->prefetch_s || track_machine_ua(r->ua));
	default:
		return unsubscribe(a, r, t, t->email);
	}
}

int
track_page_html(struct buf *out, const struct track_answer *a)
{
	const struct mailtext *m = a->text;
	const char *msg = a->page == TRACK_ASK ? m->unsub_ask : a->page == TRACK_DONE ? m->unsub_done :
	    m->unsub_bad;

	if (buf_addf(out, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\"><title>", m->lang) < 0 ||
	    html_escape(out, m->unsubscribe, strlen(m->unsubscribe)) < 0 ||
	    buf_adds(out, "</title></head>\n<body style=\"font-family:sans-serif;max-width:32em;"
	    "margin:3em auto;padding:0 1em\">\n<p id=\"msg\">") < 0 ||
	    html_escape(out, msg, strlen(msg)) < 0 || buf_adds(out, "</p>\n") < 0)
		return -1;
	if (a->page == TRACK_ASK &&
	    (buf_adds(out, "<form method=\"post\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
	    "<button id=\"unsubscribe\" type=\"submit\">") < 0 ||
	    html_escape(out, m->unsubscribe, strlen(m->unsubscribe)) < 0 ||
	    buf_adds(out, "</button></form>\n") < 0))
		return -1;
	return buf_adds(out, "</body></html>\n");
}
