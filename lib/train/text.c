/* text.c - words of product texts: utf8proc NFKC and case folding, stop words, libstemmer stems */
#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "base/exitcode.h"
#include "train/text.h"

/* Stop words, folded: the function words of product titles and descriptions. */
static const char *const stop_en[] = {
	"a", "about", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "but",
	"by", "can", "for", "from", "has", "have", "he", "her", "his", "how", "i", "if", "in",
	"into", "is", "it", "its", "just", "more", "most", "my", "no", "not", "of", "on", "one",
	"only", "or", "our", "out", "over", "she", "so", "some", "such", "than", "that", "the",
	"their", "them", "then", "there", "these", "they", "this", "those", "to", "too", "up",
	"us", "very", "was", "we", "were", "what", "when", "which", "while", "who", "will",
	"with", "you", "your", NULL,
};
static const char *const stop_de[] = {
	"aber", "alle", "als", "am", "an", "auch", "auf", "aus", "bei", "bin", "bis", "da", "das",
	"dass", "dem", "den", "der", "des", "die", "dies", "diese", "dieser", "dieses", "du",
	"durch", "ein", "eine", "einem", "einen", "einer", "eines", "er", "es", "für", "hat",
	"ich", "ihr", "im", "in", "ist", "ja", "kann", "mit", "nach", "nicht", "noch", "nur", "ob",
	"oder", "sehr", "sie", "sind", "so", "über", "um", "und", "uns", "unser", "unsere", "vom",
	"von", "vor", "war", "was", "wie", "wir", "wird", "zu", "zum", "zur", NULL,
};
static const char *const stop_fr[] = {
	"à", "au", "aux", "avec", "ce", "ces", "cet", "cette", "d", "dans", "de", "des", "du",
	"elle", "en", "est", "et", "il", "ils", "je", "l", "la", "le", "les", "leur", "lui", "ma",
	"mais", "me", "mes", "mon", "ne", "nos", "notre", "nous", "on", "ou", "par", "pas", "pour",
	"qu", "que", "qui", "sa", "se", "ses", "son", "sont", "sur", "ta", "te", "tes", "ton", "tu",
	"un", "une", "vos", "votre", "vous", "y", NULL,
};
static const char *const stop_es[] = {
	"a", "al", "como", "con", "de", "del", "el", "ella", "en", "es", "esta", "este", "esto",
	"la", "las", "le", "lo", "los", "mas", "más", "me", "mi", "mis", "muy", "no", "nos",
	"o", "para", "pero", "por", "que", "se", "sin", "su", "sus", "te", "tu", "un", "una",
	"uno", "unos", "y", "ya", "yo", NULL,
};

static const struct lang {
	const char *code, *snowball;
	const char *const *stop;
} langs[] = {
	{ "en", "english", stop_en },
	{ "de", "german", stop_de },
	{ "fr", "french", stop_fr },
	{ "es", "spanish", stop_es },
	{ "none", NULL, NULL },
};

static const struct lang *
find_lang(const char *code)
{
	for (size_t i = 0; code != NULL && i < sizeof langs / sizeof *langs; i++)
		if (strcmp(langs[i].code, code) == 0)
			return &langs[i];
	return NULL;
}

int
text_lang_known(const char *lang)
{
	return find_lang(lang) != NULL;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
text_init(struct text *t, const char *lang, struct err *e)
{
	const struct lang *l = find_lang(lang);

	memset(t, 0, sizeof *t);
	buf_init(&t->word);
	buf_init(&t->prev);
	if (l == NULL)
		return err_set(e, EXIT_USAGE, "language '%s' is not en, de, fr, es or none",
		    lang ? lang : "");
	strcpy(t->lang, l->code);
	if (l->snowball == NULL)
		return 0;
	if ((t->stem = sb_stemmer_new(l->snowball, "UTF_8")) == NULL)
		return err_nomem(e);
	for (t->nstop = 0; l->stop[t->nstop] != NULL; t->nstop++)
		;
	{
		const char **s = malloc(t->nstop * sizeof *s);

		if (s == NULL) {
			text_free(t);
			return err_nomem(e);
		}
		memcpy(s, l->stop, t->nstop * sizeof *s);
		qsort(s, t->nstop, sizeof *s, cmp_str);
		t->stop = s;
	}
	return 0;
}

void
text_free(struct text *t)
{
	if (t->stem != NULL)
		sb_stemmer_delete(t->stem);
	free((void *)t->stop);
	buf_free(&t->word);
	buf_free(&t->prev);
	memset(t, 0, sizeof *t);
}

static int
is_stop(const struct text *t, const char *w)
{
	return t->stop != NULL && bsearch(&w, t->stop, t->nstop, sizeof *t->stop, cmp_str) != NULL;
}

/* Scripts written without spaces between words: every character is a word. */
static int
is_unspaced(utf8proc_int32_t c)
{
	return (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x4dbf) ||
	    (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0x20000 && c <= 0x2fa1f);
}

static int
is_wordchar(utf8proc_int32_t c)
{
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_ND:
		return 1;
	default:
		return 0;
	}
}

/* One folded word w[0..n) of nchars characters: filters, stems and emits it. */
static int
take_word(struct text *t, const char *w, size_t n, size_t nchars, int unspaced, int pairs,
    text_emit_fn emit, void *arg, long *count, struct err *e)
{
	size_t digits = 0;
	const char *stem = w;
	size_t slen = n;

	for (size_t i = 0; i < n; i++)
		digits += w[i] >= '0' && w[i] <= '9';
	if ((nchars < 2 && !unspaced) || (digits == n && n > 6))
		return 0;
	buf_reset(&t->word);
	if (buf_add(&t->word, w, n) < 0)
		return err_nomem(e);
	if (is_stop(t, t->word.s))
		return 0;
	if (t->stem != NULL && digits < n) {
		const sb_symbol *s = sb_stemmer_stem(t->stem, (const sb_symbol *)w, (int)n);

		if (s == NULL)
			return err_nomem(e);
		stem = (const char *)s;
		slen = (size_t)sb_stemmer_length(t->stem);
		buf_reset(&t->word);
		if (buf_add(&t->word, stem, slen) < 0)
			return err_nomem(e);
	}
	(*count)++;
	if (emit(arg, t->word.s, t->word.len, w, n, e) < 0)
		return -1;
	if (pairs && t->prev.len > 0) {
		if (buf_addc(&t->prev, ' ') < 0 || buf_add(&t->prev, t->word.s, t->word.len) < 0)
			return err_nomem(e);
		if (emit(arg, t->prev.s, t->prev.len, t->prev.s, t->prev.len, e) < 0)
			return -1;
	}
	buf_reset(&t->prev);
	if (buf_add(&t->prev, t->word.s, t->word.len) < 0)
		return err_nomem(e);
	return 0;
}

long
text_words(struct text *t, const char *s, size_t len, int pairs, text_emit_fn emit, void *arg,
    struct err *e)
{
	utf8proc_uint8_t *f = NULL;
	utf8proc_ssize_t flen, pos = 0;
	long count = 0;
	size_t start = 0, nchars = 0;
	int in = 0, rc = 0;

	buf_reset(&t->prev);
	if (len == 0)
		return 0;
	/* NFKC and case folding of the whole text; a text that is not UTF-8 loses its bad bytes */
	flen = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &f,
	    UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
	    UTF8PROC_IGNORE);
	if (flen == UTF8PROC_ERROR_NOMEM)
		return err_nomem(e);
	if (flen < 0) {
		/* invalid UTF-8: keep the valid characters, one by one */
		struct buf clean;
		utf8proc_int32_t c;

		buf_init(&clean);
		for (size_t i = 0; i < len; ) {
			utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
			    (utf8proc_ssize_t)(len - i), &c);

			if (k <= 0) {
				if (buf_addc(&clean, ' ') < 0)
					break;
				i++;
				continue;
			}
			if (buf_add(&clean, s + i, (size_t)k) < 0)
				break;
			i += (size_t)k;
		}
		if (clean.s == NULL) {
			buf_free(&clean);
			return 0;
		}
		flen = utf8proc_map((const utf8proc_uint8_t *)clean.s, (utf8proc_ssize_t)clean.len,
		    &f, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
		    UTF8PROC_IGNORE);
		buf_free(&clean);
		if (flen < 0)
			return flen == UTF8PROC_ERROR_NOMEM ? err_nomem(e) : 0;
	}
	while (pos <= flen && rc == 0) {
		utf8proc_int32_t c = -1;
		utf8proc_ssize_t k = 0;
		int wc;

		if (pos < flen && (k = utf8proc_iterate(f + pos, flen - pos, &c)) <= 0)
			break;
		wc = pos < flen && is_wordchar(c);
		if (in && (!wc || is_unspaced(c))) {
			rc = take_word(t, (const char *)f + start, (size_t)pos - start, nchars, 0, pairs,
			    emit, arg, &count, e);
			in = 0;
		}
		if (rc == 0 && wc && is_unspaced(c)) {
			rc = take_word(t, (const char *)f + pos, (size_t)k, 1, 1, pairs, emit, arg,
			    &count, e);
		} else if (wc) {
			if (!in) {
				in = 1;
				start = (size_t)pos;
				nchars = 0;
			}
			/* a run longer than a word is cut into words of TEXT_MAX_WORD bytes at most */
			if ((size_t)(pos + k) - start > TEXT_MAX_WORD) {
				rc = take_word(t, (const char *)f + start, (size_t)pos - start, nchars, 0,
				    pairs, emit, arg, &count, e);
				start = (size_t)pos;
				nchars = 0;
			}
			nchars++;
		}
		if (pos == flen)
			break;
		pos += k;
	}
	free(f);
	return rc < 0 ? -1 : count;
}
