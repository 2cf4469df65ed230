/* sentidx.c - the index of sent messages: Message-ID -> user, campaign, variant; address -> last Message-ID */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/exitcode.h"
#include "base/ndjson.h"
#include "measure/sentidx.h"

void
sentidx_init(struct sentidx *x)
{
	memset(x, 0, sizeof *x);
	ids_init(&x->msgid);
	ids_init(&x->rcpt);
}

void
sentidx_free(struct sentidx *x)
{
	size_t i;

	for (i = 0; i < ids_count(&x->msgid); i++)
		free(x->who[i]);
	free(x->who);
	free(x->last);
	ids_free(&x->msgid);
	ids_free(&x->rcpt);
}

static int
add_event(void *arg, const json_t *o, struct err *e)
{
	struct sentidx *x = arg;
	const char *ev = ndjson_str(o, "event"), *id = ndjson_str(o, "message_id");
	const char *f[3] = { ndjson_str(o, "user"), ndjson_str(o, "campaign"), ndjson_str(o, "variant") };
	size_t len[3], i;
	int64_t k;
	char *w;

	if (ev == NULL || strcmp(ev, "sent") != 0 || id == NULL || id[0] == '\0')
		return 0;
	if (f[0] == NULL || f[1] == NULL)
		return err_set(e, EXIT_DATA, "a sent event without \"user\" or \"campaign\"");
	for (i = 0; i < 3; i++)
		len[i] = f[i] ? strlen(f[i]) : 0;
	if ((k = ids_intern(&x->msgid, id, strlen(id), e)) < 0)
		return -1;
	if ((size_t)k >= x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 1024;
		char **p = realloc(x->who, cap * sizeof *p);

		if (p == NULL)
			return err_nomem(e);
		memset(p + x->cap, 0, (cap - x->cap) * sizeof *p);
		x->who = p;
		x->cap = cap;
	}
	if ((w = malloc(len[0] + len[1] + len[2] + 3)) == NULL)
		return err_nomem(e);
	memcpy(w, f[0], len[0] + 1);
	memcpy(w + len[0] + 1, f[1], len[1] + 1);
	memcpy(w + len[0] + len[1] + 2, f[2] ? f[2] : "", len[2] + 1);
	free(x->who[k]);            /* a message sent twice: its last event */
	x->who[k] = w;
	return 0;
}

int
sentidx_load_events(struct sentidx *x, const char *path, struct err *e)
{
	return ndjson_read_file(path, add_event, x, e);
}

static int
add_log(void *arg, const json_t *o, struct err *e)
{
	struct sentidx *x = arg;
	const char *st = ndjson_str(o, "status"), *id = ndjson_str(o, "message_id");
	const char *to = ndjson_str(o, "recipient");
	char low[400];
	int64_t k, j;
	size_t i, n;

	if (st == NULL || strcmp(st, "accepted") != 0 || id == NULL || to == NULL ||
	    (n = strlen(to)) >= sizeof low || (k = ids_find(&x->msgid, id, strlen(id))) < 0)
		return 0;
	for (i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)to[i]);
	if ((j = ids_intern(&x->rcpt, low, n, e)) < 0)
		return -1;
	if ((size_t)j >= x->rcap) {
		size_t cap = x->rcap ? 2 * x->rcap : 1024;
		int64_t *p = realloc(x->last, cap * sizeof *p);

		if (p == NULL)
			return err_nomem(e);
		x->last = p;
		x->rcap = cap;
	}
	x->last[j] = k;
	return 0;
}

int
sentidx_load_log(struct sentidx *x, const char *path, struct err *e)
{
	return ndjson_read_file(path, add_log, x, e);
}

int
sentidx_find(const struct sentidx *x, const char *msgid, const char *rcpt, const char **user,
    const char **campaign, const char **variant, const char **found_id)
{
	int64_t k = msgid && msgid[0] ? ids_find(&x->msgid, msgid, strlen(msgid)) : -1;
	const char *w;

	if (k < 0 && rcpt != NULL && rcpt[0] != '\0') {
		int64_t j = ids_find(&x->rcpt, rcpt, strlen(rcpt));

		k = j >= 0 ? x->last[j] : -1;
	}
	if (k < 0 || (w = x->who[k]) == NULL)
		return 0;
	*user = w;
	*campaign = w + strlen(w) + 1;
	*variant = *campaign + strlen(*campaign) + 1;
	*found_id = ids_get(&x->msgid, k, NULL);
	return 1;
}
