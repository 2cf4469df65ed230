/* badline.c - writing a bad input record to the --skip-bad list, and reading a reader's message */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "data/badline.h"
#include "base/ndjson.h"
#include "data/ids.h"

/* Text safe for a JSON string: valid UTF-8 as is, else bytes >= 0x80 as '?'. */
static json_t *
safe_string(const char *s, size_t n)
{
	json_t *j;
	char *c;

	if (utf8_valid(s, n))
		return json_stringn(s, n);
	if ((c = malloc(n + 1)) == NULL)
		return NULL;
	for (size_t k = 0; k < n; k++)
		c[k] = (unsigned char)s[k] >= 0x80 ? '?' : s[k];
	j = json_stringn(c, n);
	free(c);
	return j;
}

int
badline_write(FILE *f, const char *file, long line, const char *why, const char *raw,
    size_t rawlen, struct err *e)
{
	json_t *o;
	int rc;

	o = json_pack("{s:o,s:I,s:o}", "file", safe_string(file, strlen(file)),
	    "line", (json_int_t)line, "reason", safe_string(why, strlen(why)));
	if (o != NULL && raw != NULL && json_object_set_new(o, "text", safe_string(raw, rawlen)) != 0) {
		json_decref(o);
		o = NULL;
	}
	if (o == NULL)
		return err_nomem(e);
	rc = ndjson_write(f, o, e);
	json_decref(o);
	return rc < 0 ? err_prefix(e, "--skip-bad") : 0;
}

void
badline_split(const char *msg, const char *name, long *line, const char **why)
{
	size_t n = strlen(name);
	char *end;

	*line = 0;
	*why = msg;
	if (strncmp(msg, name, n) == 0 && msg[n] == ':') {
		long l = strtol(msg + n + 1, &end, 10);

		if (end[0] == ':' && end[1] == ' ') {
			*line = l;
			*why = end + 2;
		}
	}
}
