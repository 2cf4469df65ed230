/* llmconf.h - the LLM endpoint as the options name it: backend choice, key, URL and headers */
#ifndef RECMAIL_LLMCONF_H
#define RECMAIL_LLMCONF_H

#include <curl/curl.h>

#include "base/err.h"
#include "write/llmbatch.h"

#define LLMCONF_MAX_VARIANTS 32

/*
 * What the user asked for (set the first group from options; llmconf_init gives the defaults),
 * and what llmconf_resolve made of it (the second group, owned here: llmconf_release frees it).
 */
struct llmconf {
	const char *base;           /* base URL; NULL: $LLM_BASE_URL */
	const char *model;          /* NULL: $LLM_MODEL */
	const char *keyfile;        /* the key's file; NULL: $LLM_API_KEY */
	const char *keyheader;      /* send the key as "NAME: key" */
	const char *apiversion;     /* Azure's api-version (default 2024-10-21) */
	const char *backend;        /* auto (default), llm, template */
	const char *variants;       /* comma list of meta.variant values for the offline writer */
	const char *tokenparam;     /* NULL: by the endpoint */
	int azure;
	/* resolved */
	int auto_template;          /* backend auto found no base URL: the offline writer */
	char *key, *url, *varbuf;
	struct curl_slist *headers;
	const char *varlist[LLMCONF_MAX_VARIANTS];
};

/* Zeroes c and sets the defaults. */
void llmconf_init(struct llmconf *c);

/*
 * Reads the environment for what the options left unset, checks the combination, reads the
 * key (not with the offline writer) and fills o's endpoint: template_all and the template
 * variants, params.model and params.token_param, url, base_url, headers and secret (pointing
 * into c: keep c until o is done). Returns 0, or -1 with e set: EXIT_USAGE (a bad combination,
 * the message naming the option; --max-cost without a price), EXIT_NOINPUT (the key file),
 * EXIT_DATA (an empty key file, a control character in the key), EXIT_OSERR.
 */
int llmconf_resolve(struct llmconf *c, struct llmbatch_opts *o, struct err *e);

/* Wipes the key and frees what llmconf_resolve allocated. */
void llmconf_release(struct llmconf *c);

#endif
