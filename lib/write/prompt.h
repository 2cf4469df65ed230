/* prompt.h - prompt records for the email writer: templates, and the join with catalog and customers */
#ifndef RECMAIL_PROMPT_H
#define RECMAIL_PROMPT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/err.h"
#include "data/catalog.h"
#include "data/customers.h"
#include "data/ids.h"

/* Maximum products per prompt (-n). */
#define PROMPT_MAX_ITEMS 50

/*
 * A prompt template: a system and a user message with {{placeholders}}
 * (docs/mkprompt.md). {{brand}}, {{voice}}, {{language}}, {{locale}} and
 * {{item_count}} expand to plain text; {{first_name}}, {{products}} and
 * {{data}} expand to JSON (the untrusted customer data, escaped so that it
 * cannot close its delimiters).
 */
struct prompt_tmpl {
	char *system, *user;
	unsigned uses;          /* bit i: placeholder i appears (only those are rendered) */
};

/* Reads a template file (sections "=== system ===" and "=== user ==="). Returns 0,
 * or -1 with e set: EXIT_NOINPUT when it cannot be read, EXIT_DATA ("path:N: ...")
 * for an unknown placeholder, a missing section or a user section without data. */
int prompt_tmpl_load(struct prompt_tmpl *t, const char *path, struct err *e);

/* The same from text in memory; name is used in messages. Returns 0 or -1. */
int prompt_tmpl_parse(struct prompt_tmpl *t, const char *text, size_t len, const char *name,
    struct err *e);
void prompt_tmpl_free(struct prompt_tmpl *t);

/*
 * Finds the default template prompts/email.txt: under $RECMAIL_SHARE when set,
 * else beside the running program in ../share/recmail or ../share (exe is the
 * program's path, e.g. from /proc/self/exe). Writes the path to out. Returns 0,
 * or -1 with e set (EXIT_NOINPUT, naming the places looked in).
 */
int prompt_default_path(const char *exe, char *out, size_t outsz, struct err *e);

/*
 * The tables a prompt is made from, each read by its one reader
 * (catalog_read_each, customers_read) and so validated by the same rules as in
 * every other program.
 */
struct prompt_db {
	const struct catalog *cat;
	const struct customers *cust;
};

/* What becomes of one recommendations line. */
enum prompt_outcome {
	PROMPT_OK,
	PROMPT_HOLDOUT,         /* "variant":"holdout": no email by design */
	PROMPT_NO_RECS,         /* "recs" is empty */
	PROMPT_NO_PROFILE,      /* user not in the customer table */
	PROMPT_NO_EMAIL,
	PROMPT_BAD_EMAIL,
	PROMPT_NO_ITEMS,        /* no recommended item is in the catalog with a title, in stock */
	PROMPT_NOUTCOMES
};

/* The reason written to --rejects: "holdout", "no profile", ... */
const char *prompt_outcome_name(enum prompt_outcome o);

struct prompt_opts {
	const char *brand;      /* NULL or "": not named */
	const char *voice;      /* NULL: the default voice */
	const char *campaign;   /* NULL: not in meta */
	long max_items;         /* 1..PROMPT_MAX_ITEMS */
	json_t *response_format; /* NULL, or put in every record (prompt_response_format()) */
	int no_first_name;      /* the prompt's first_name is null (meta keeps it): no name leaves */
};

/* Per-item counts over a run. */
struct prompt_stats {
	long missing, out_of_stock, untitled, capped;
};

/*
 * Builds the prompt record (docs/FORMATS.md 2.5) for one recommendations line
 * (2.4). Returns PROMPT_OK with *out a new record, another outcome when the
 * user gets no prompt (*out NULL), or -1 with e set: EXIT_DATA for a malformed
 * line (the reason without a position), EXIT_OSERR without memory.
 */
int prompt_build(const struct prompt_db *db, const struct prompt_tmpl *t,
    const struct prompt_opts *o, const json_t *line, json_t **out, struct prompt_stats *st,
    struct err *e);

/* System messages already escaped, by their text: few differ (one per language). */
#define PROMPT_SYS_CACHE 16

/*
 * One thread's state for prompt_write: scratch buffers reused from record to
 * record, the JSON text of response_format, and the JSON text of the system
 * messages seen last (escaping them again for every record was a third of the
 * output work). Not shared between threads; the fields are private.
 */
struct prompt_writer {
	struct buf sys, usr, fj, pj, dj;
	char *rf;               /* response_format as JSON text, or NULL */
	size_t rflen;
	struct {
		char *text, *json;  /* the message, and it as a JSON string */
		size_t len, jlen;
	} cache[PROMPT_SYS_CACHE];
	unsigned ncache, next;
};

/*
 * Makes w ready for records with options o (response_format is written to
 * JSON text here, once). Returns 0, or -1 with e set (EXIT_OSERR).
 */
int prompt_writer_init(struct prompt_writer *w, const struct prompt_opts *o, struct err *e);
void prompt_writer_free(struct prompt_writer *w);

/*
 * The same as prompt_build, but appends the record as one line of JSON text
 * (what ndjson_write writes for prompt_build's record, byte for byte, and a
 * newline) to out instead of making a tree. w must have been made with the
 * same o. Returns PROMPT_OK, another outcome (out unchanged), or -1 with e set
 * as prompt_build (out unchanged).
 */
int prompt_write(struct prompt_writer *w, const struct prompt_db *db,
    const struct prompt_tmpl *t, const struct prompt_opts *o, const json_t *line,
    struct buf *out, struct prompt_stats *st, struct err *e);

/* The JSON-schema response_format object put in records; NULL without memory. */
json_t *prompt_response_format(void);

#endif
