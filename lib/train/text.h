/* text.h - words of product texts: Unicode normalisation, case folding, stop words, Snowball stems */
#ifndef RECMAIL_TEXT_H
#define RECMAIL_TEXT_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

/* Longest word kept, in bytes after folding (longer runs are cut: a URL or a hash is not a word). */
#define TEXT_MAX_WORD 64

/*
 * One language's tokeniser: "en", "de", "fr", "es" (stop words and the
 * Snowball stemmer of that language) or "none" (folding only). Not shared
 * between threads (the stemmer keeps state).
 */
struct text {
	char lang[8];
	struct sb_stemmer *stem;        /* NULL for "none" */
	const char *const *stop;        /* sorted, folded; NULL for "none" */
	size_t nstop;
	struct buf word, prev;          /* scratch: the current stem, the previous one (pairs) */
};

/* Called for each term: the stem (or "stem1 stem2" for a pair) and the folded surface word. */
typedef int (*text_emit_fn)(void *arg, const char *term, size_t len, const char *surface,
    size_t slen, struct err *e);

/*
 * Prepares a tokeniser for lang. Returns 0, or -1 with e set (EXIT_USAGE: a
 * language other than en, de, fr, es, none; EXIT_OSERR: no memory).
 */
int text_init(struct text *t, const char *lang, struct err *e);
void text_free(struct text *t);

/* 1 when lang is a language text_init takes, else 0. */
int text_lang_known(const char *lang);

/*
 * Splits s[0..len) (UTF-8) into words: NFKC, Unicode case folding, runs of
 * letters, marks and digits (each CJK ideograph or kana is a word of its own,
 * those scripts have no spaces), words of one character other than those and
 * numbers longer than 6 digits dropped, stop words dropped, then stemmed.
 * With pairs, each two neighbouring kept words are emitted as one more term
 * "a b". Invalid UTF-8 is not an error: the bytes are skipped. Returns the
 * number of words (pairs not counted), or -1 with e set (EXIT_OSERR, or what
 * emit set).
 */
long text_words(struct text *t, const char *s, size_t len, int pairs, text_emit_fn emit,
    void *arg, struct err *e);

#endif
