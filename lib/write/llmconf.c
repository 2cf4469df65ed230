/* llmconf.c - the LLM endpoint from options and environment: backend, key, URL and headers */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "write/llmconf.h"

void
llmconf_init(struct llmconf *c)
{
	memset(c, 0, sizeof *c);
	c->apiversion = "2024-10-21";
	c->backend = "auto";
}

/* An environment variable, NULL when unset or empty. */
static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* The backend, the model, the token parameter and the template variants into o. */
static int
choose(struct llmconf *c, struct llmbatch_opts *o, struct err *e)
{
	char *tok, *save = NULL;
	size_t n = 0;

	if (c->base == NULL)
		c->base = env("LLM_BASE_URL");
	if (c->model == NULL)
		c->model = env("LLM_MODEL");
	if (strcmp(c->backend, "template") == 0) {
		o->template_all = 1;
	} else if (strcmp(c->backend, "auto") == 0 && c->base == NULL) {
		o->template_all = 1;
		c->auto_template = 1;
	} else if (strcmp(c->backend, "auto") != 0 && strcmp(c->backend, "llm") != 0) {
		return err_set(e, EXIT_USAGE, "--backend: '%s' is not auto, llm or template",
		    c->backend);
	} else if (c->base == NULL) {
		return err_set(e, EXIT_USAGE, "--backend=llm needs --base-url or LLM_BASE_URL");
	}
	if (o->max_cost > 0 && o->price_in == 0 && o->price_out == 0)
		return err_set(e, EXIT_USAGE, "--max-cost needs --price-in or --price-out");
	if (!o->template_all && c->model == NULL)
		return err_set(e, EXIT_USAGE, "no model: give --model or set LLM_MODEL");
	if (c->tokenparam != NULL && strcmp(c->tokenparam, "max_tokens") != 0 &&
	    strcmp(c->tokenparam, "max_completion_tokens") != 0)
		return err_set(e, EXIT_USAGE,
		    "--token-param: '%s' is not max_completion_tokens or max_tokens", c->tokenparam);
	if (c->tokenparam == NULL)
		c->tokenparam = c->azure || (c->base && strstr(c->base, "api.openai.com") != NULL) ?
		    "max_completion_tokens" : "max_tokens";
	o->params.token_param = c->tokenparam;
	o->params.model = c->model ? c->model : "template";
	if (c->variants == NULL)
		return 0;
	if ((c->varbuf = strdup(c->variants)) == NULL)
		return err_nomem(e);
	for (tok = strtok_r(c->varbuf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == LLMCONF_MAX_VARIANTS)
			return err_set(e, EXIT_USAGE, "--template-variants: more than %d variants",
			    LLMCONF_MAX_VARIANTS);
		c->varlist[n++] = tok;
	}
	o->template_variants = c->varlist;
	o->ntemplate_variants = n;
	return 0;
}

/* The longest first line of a key file: a key is a few hundred bytes at most. */
#define KEY_LINE_MAX 16384

/*
 * The first line of the key file f into a new *out: at most KEY_LINE_MAX bytes
 * are read (a character at a time, so that a key on stdin is taken at its
 * newline), so /dev/zero or a huge file is an error after bounded work.
 */
static int
read_key_line(FILE *f, const char *name, char **out, struct err *e)
{
	char *k = malloc(KEY_LINE_MAX + 1);
	size_t n = 0;
	int ch = EOF;

	*out = NULL;
	if (k == NULL)
		return err_nomem(e);
	while (n < KEY_LINE_MAX && (ch = getc(f)) != EOF && ch != '\n') {
		if (ch == '\0') {
			free(k);
			return err_set(e, EXIT_DATA, "%s: the API key holds a NUL byte (not a key file)",
			    name);
		}
		k[n++] = (char)ch;
	}
	if (ferror(f)) {
		free(k);
		return err_set(e, EXIT_IO, "%s: read error: %s", name, strerror(errno ? errno : EIO));
	}
	if (n == KEY_LINE_MAX && ch != '\n' && ch != EOF && (ch = getc(f)) != EOF && ch != '\n') {
		free(k);
		return err_set(e, EXIT_DATA, "%s: no end of line in the first %d bytes (not a key "
		    "file)", name, KEY_LINE_MAX);
	}
	if (n == 0 && ch == EOF) {
		free(k);
		return err_set(e, EXIT_DATA, "%s: empty key file", name);
	}
	k[n] = '\0';
	*out = k;
	return 0;
}

/* c->key from the key file or $LLM_API_KEY (stays NULL when neither is given). */
static int
read_key(struct llmconf *c, struct err *e)
{
	const char *v = env("LLM_API_KEY");
	ssize_t n;
	FILE *f;
	int rc;

	if (c->keyfile != NULL) {
		f = strcmp(c->keyfile, "-") == 0 ? stdin : fopen(c->keyfile, "rb");
		if (f == NULL)
			return err_set(e, EXIT_NOINPUT, "%s: %s", c->keyfile, strerror(errno));
		rc = read_key_line(f, c->keyfile, &c->key, e);
		if (f != stdin)
			fclose(f);
		if (rc < 0)
			return -1;
	} else if (v != NULL) {
		if ((c->key = strdup(v)) == NULL)
			return err_nomem(e);
	} else {
		return 0;
	}
	for (n = (ssize_t)strlen(c->key); n > 0 && isspace((unsigned char)c->key[n - 1]); n--)
		c->key[n - 1] = '\0';
	for (const char *p = c->key; *p != '\0'; p++)
		if (!isprint((unsigned char)*p))
			return err_set(e, EXIT_DATA, "the API key holds a control character");
	return 0;
}

/* c->url and c->headers (the key header included). */
static int
endpoint(struct llmconf *c, struct err *e)
{
	const char *hname = c->keyheader ? c->keyheader : c->azure ? "api-key" : "Authorization";
	const char *pre = c->keyheader || c->azure ? "" : "Bearer ";
	size_t bl = strlen(c->base);
	char *h = NULL;
	struct curl_slist *l = NULL, *t;

	while (bl > 0 && c->base[bl - 1] == '/')
		bl--;
	if ((c->azure ? asprintf(&c->url, "%.*s/chat/completions?api-version=%s", (int)bl,
	    c->base, c->apiversion) : asprintf(&c->url, "%.*s/chat/completions", (int)bl,
	    c->base)) < 0) {
		c->url = NULL;
		return err_nomem(e);
	}
	if (c->key != NULL && asprintf(&h, "%s: %s%s", hname, pre, c->key) < 0)
		return err_nomem(e);
	l = curl_slist_append(l, "Content-Type: application/json");
	l = (t = l ? curl_slist_append(l, "Accept: application/json") : NULL) ? t : l;
	l = (t = l ? curl_slist_append(l, "Expect:") : NULL) ? t : l;
	if (h != NULL) {
		t = l ? curl_slist_append(l, h) : NULL;
		explicit_bzero(h, strlen(h));
		free(h);
		if (t == NULL) {
			curl_slist_free_all(l);
			return err_nomem(e);
		}
	}
	c->headers = l;
	return l ? 0 : err_nomem(e);
}

int
llmconf_resolve(struct llmconf *c, struct llmbatch_opts *o, struct err *e)
{
	if (choose(c, o, e) < 0)
		return -1;
	if (!o->template_all && (read_key(c, e) < 0 || endpoint(c, e) < 0))
		return -1;
	o->url = c->url;
	o->base_url = c->base;
	o->headers = c->headers;
	o->secret = c->key;
	return 0;
}

void
llmconf_release(struct llmconf *c)
{
	if (c->key != NULL)
		explicit_bzero(c->key, strlen(c->key));
	free(c->key);
	free(c->url);
	free(c->varbuf);
	curl_slist_free_all(c->headers);
	c->key = c->url = c->varbuf = NULL;
	c->headers = NULL;
}
