/* ndjson.c - NDJSON reading (line by line, with positions) and writing */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "base/exitcode.h"
#include "base/ndjson.h"

int
ndjson_init(struct ndjson_reader *r, FILE *fp, const char *name, size_t maxlen, struct err *e)
{
	return lines_init(&r->lines, fp, name, maxlen, e);
}

int
ndjson_next_line(struct ndjson_reader *r, char **line, size_t *len, struct err *e)
{
	size_t i;
	int rc;

	for (;;) {
		rc = lines_next(&r->lines, line, len, e);
		if (rc <= 0)
			return rc;
		for (i = 0; i < *len && ((*line)[i] == ' ' || (*line)[i] == '\t'); i++)
			;
		if (i < *len)
			return 1;
	}
}

int
ndjson_next(struct ndjson_reader *r, json_t **out, const char **raw, struct err *e)
{
	char *line;
	size_t len;
	int rc;

	*out = NULL;
	if ((rc = ndjson_next_line(r, &line, &len, e)) <= 0)
		return rc;
	if (raw != NULL)
		*raw = line;
	return ndjson_parse(line, len, r->lines.name, r->lines.lineno, out, e);
}

int
ndjson_parse(const char *line, size_t len, const char *name, long lineno, json_t **out,
    struct err *e)
{
	json_error_t je;
	json_t *v;

	*out = NULL;
	v = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (v == NULL)
		return err_set(e, EXIT_DATA, "%s:%ld: invalid JSON: %s", name, lineno, je.text);
	if (!json_is_object(v)) {
		json_decref(v);
		return err_set(e, EXIT_DATA, "%s:%ld: expected a JSON object", name, lineno);
	}
	*out = v;
	return 1;
}

long
ndjson_lineno(const struct ndjson_reader *r)
{
	return r->lines.lineno;
}

long
ndjson_read_each(FILE *f, const char *name, struct ndjson_skip *skip,
    int (*add)(void *arg, const json_t *obj, struct err *e), void *arg, struct err *e)
{
	struct ndjson_reader rd;
	long count = 0;
	json_t *o;
	int rc;

	name = name ? name : "-";
	if (ndjson_init(&rd, f, name, 0, e) < 0)
		return -1;
	while ((rc = ndjson_next(&rd, &o, NULL, e)) != 0) {
		if (rc > 0) {
			rc = add(arg, o, e);
			json_decref(o);
			if (rc == 0) {
				count++;
				continue;
			}
			if (e != NULL && e->code == EXIT_DATA)
				err_prefix(e, "%s:%ld", name, ndjson_lineno(&rd));
		}
		if (skip == NULL || !skip->skip_bad || e == NULL || e->code != EXIT_DATA)
			break;
		if (skip->warn != NULL)
			skip->warn(e);
		skip->skipped++;
	}
	ndjson_free(&rd);
	return rc < 0 ? -1 : count;
}

int
ndjson_read(FILE *f, const char *name, int (*add)(void *arg, const json_t *obj, struct err *e),
    void *arg, struct err *e)
{
	return ndjson_read_each(f, name, NULL, add, arg, e) < 0 ? -1 : 0;
}

int
ndjson_read_file(const char *path, int (*add)(void *arg, const json_t *obj, struct err *e),
    void *arg, struct err *e)
{
	FILE *f;
	int rc;

	if (path == NULL || strcmp(path, "-") == 0)
		return ndjson_read(stdin, "-", add, arg, e);
	if ((f = fopen(path, "rb")) == NULL)
		return err_set(e, EXIT_NOINPUT, "%s: %s", path, strerror(errno));
	rc = ndjson_read(f, path, add, arg, e);
	fclose(f);
	return rc;
}

void
ndjson_free(struct ndjson_reader *r)
{
	lines_free(&r->lines);
}

int
ndjson_write(FILE *f, const json_t *obj, struct err *e)
{
	if (json_dumpf(obj, f, JSON_COMPACT | JSON_REAL_PRECISION(15)) != 0 ||
	    putc('\n', f) == EOF || ferror(f))
		return err_set(e, EXIT_IO, "write error: %s", strerror(errno ? errno : EIO));
	return 0;
}

const char *
ndjson_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

int
ndjson_num(const json_t *obj, const char *key, double *out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_number(v))
		return -1;
	*out = json_number_value(v);
	return 1;
}

double
ndjson_round(double v, int decimals)
{
	double p = pow(10.0, decimals);

	if (!isfinite(v))
		return v;
	return round(v * p) / p;
}
