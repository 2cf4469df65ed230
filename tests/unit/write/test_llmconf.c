/* test_llmconf.c - unit tests of the LLM endpoint resolution: backend, token parameter, URL, key */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "write/llmconf.h"
#include "unit.h"

static void
clear_env(void)
{
	unsetenv("LLM_BASE_URL");
	unsetenv("LLM_MODEL");
	unsetenv("LLM_API_KEY");
}

/* The header list as one string, lines joined by '|'. */
static void
headers(const struct curl_slist *l, char *out, size_t n)
{
	out[0] = '\0';
	for (; l != NULL; l = l->next)
		snprintf(out + strlen(out), n - strlen(out), "%s%s", out[0] ? "|" : "", l->data);
}

static void
auto_without_a_base_url_is_the_offline_writer(void)
{
	struct llmconf c;
	struct llmbatch_opts o;
	struct err e = { 0, "" };

	clear_env();
	llmconf_init(&c);
	memset(&o, 0, sizeof o);
	CHECK_INT(llmconf_resolve(&c, &o, &e), 0);
	CHECK_INT(o.template_all, 1);
	CHECK_INT(c.auto_template, 1);
	CHECK_STR(o.params.model, "template");
	CHECK(o.url == NULL && o.headers == NULL && o.secret == NULL);
	llmconf_release(&c);
}

static void
bearer_key_from_the_environment_and_the_url_without_trailing_slashes(void)
{
	struct llmconf c;
	struct llmbatch_opts o;
	struct err e = { 0, "" };
	char h[512];

	clear_env();
	setenv("LLM_BASE_URL", "http://127.0.0.1:9/v1//", 1);
	setenv("LLM_MODEL", "m1", 1);
	setenv("LLM_API_KEY", "sk-abc \n", 1);
	llmconf_init(&c);
	memset(&o, 0, sizeof o);
	CHECK_INT(llmconf_resolve(&c, &o, &e), 0);
	CHECK_INT(o.template_all, 0);
	CHECK_STR(o.url, "http://127.0.0.1:9/v1/chat/completions");
	CHECK_STR(o.params.model, "m1");
	CHECK_STR(o.params.token_param, "max_tokens");
	CHECK_STR(o.secret, "sk-abc");
	headers(o.headers, h, sizeof h);
	CHECK_STR(h, "Content-Type: application/json|Accept: application/json|Expect:|"
	    "Authorization: Bearer sk-abc");
	llmconf_release(&c);
	CHECK(c.key == NULL && c.headers == NULL);
	clear_env();
}

static void
azure_puts_the_key_in_api_key_and_the_version_in_the_url(void)
{
	struct llmconf c;
	struct llmbatch_opts o;
	struct err e = { 0, "" };
	char h[512];

	clear_env();
	setenv("LLM_API_KEY", "k", 1);
	llmconf_init(&c);
	c.base = "https://x.openai.azure.com/openai/deployments/d";
	c.model = "d";
	c.azure = 1;
	memset(&o, 0, sizeof o);
	CHECK_INT(llmconf_resolve(&c, &o, &e), 0);
	CHECK_STR(o.url, "https://x.openai.azure.com/openai/deployments/d/chat/completions"
	    "?api-version=2024-10-21");
	CHECK_STR(o.params.token_param, "max_completion_tokens");
	headers(o.headers, h, sizeof h);
	CHECK(strstr(h, "|api-key: k") != NULL);
	CHECK(strstr(h, "Authorization") == NULL);
	llmconf_release(&c);
	clear_env();
}

static void
bad_combinations_are_usage_errors_naming_the_option(void)
{
	struct llmconf c;
	struct llmbatch_opts o;
	struct err e = { 0, "" };
	char many[200] = "";

	clear_env();
	llmconf_init(&c);
	c.backend = "cloud";
	memset(&o, 0, sizeof o);
	CHECK_INT(llmconf_resolve(&c, &o, &e), -1);
	CHECK_INT(e.code, EXIT_USAGE);
	CHECK_STR(e.msg, "--backend: 'cloud' is not auto, llm or template");
	llmconf_release(&c);

	llmconf_init(&c);
	c.base = "http://h";
	memset(&o, 0, sizeof o);
	CHECK_INT(llmconf_resolve(&c, &o, &e), -1);
	CHECK_STR(e.msg, "no model: give --model or set LLM_MODEL");
	llmconf_release(&c);

	for (int k = 0; k < 33; k++)
		snprintf(many + strlen(many), sizeof many - strlen(many), "v%d,", k);
	llmconf_init(&c);
	c.backend = "template";
	c.variants = many;
	memset(&o, 0, sizeof o);
	CHECK_INT(llmconf_resolve(&c, &o, &e), -1);
	CHECK_STR(e.msg, "--template-variants: more than 32 variants");
	llmconf_release(&c);
}

static void
a_key_with_a_control_character_is_refused(void)
{
	struct llmconf c;
	struct llmbatch_opts o;
	struct err e = { 0, "" };
	char path[] = "/tmp/test_llmconf.XXXXXX";
	FILE *f;
	int fd = mkstemp(path);

	clear_env();
	CHECK(fd >= 0 && (f = fdopen(fd, "w")) != NULL && fputs("ab\033c\n", f) >= 0 && fclose(f) == 0);
	llmconf_init(&c);
	c.base = "http://h";
	c.model = "m";
	c.keyfile = path;
	memset(&o, 0, sizeof o);
	CHECK_INT(llmconf_resolve(&c, &o, &e), -1);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK_STR(e.msg, "the API key holds a control character");
	llmconf_release(&c);
	remove(path);
}

int
main(void)
{
	RUN(auto_without_a_base_url_is_the_offline_writer);
	RUN(bearer_key_from_the_environment_and_the_url_without_trailing_slashes);
	RUN(azure_puts_the_key_in_api_key_and_the_version_in_the_url);
	RUN(bad_combinations_are_usage_errors_naming_the_option);
	RUN(a_key_with_a_control_character_is_refused);
	return UNIT_DONE();
}
