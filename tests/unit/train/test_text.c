/* test_text.c - unit tests of lib/train/text.c: folding, stop words, stems in four languages, scripts */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/exitcode.h"
#include "train/text.h"
#include "unit.h"

static int
collect(void *arg, const char *term, size_t len, const char *surface, size_t slen,
    struct err *e)
{
	struct buf *b = arg;
	char pair[256];

	(void)surface;
	(void)slen;
	if (b->len > 0)
		buf_addc(b, '|');
	if (len >= sizeof pair)
		return err_set(e, EXIT_SOFTWARE, "term too long");
	memcpy(pair, term, len);
	pair[len] = '\0';
	return buf_adds(b, pair);
}

/* The terms of s in lang, separated by '|'. */
static const char *
words(const char *lang, const char *s, int pairs)
{
	static struct buf out;
	struct text t;
	struct err e = { 0 };

	buf_reset(&out);
	if (text_init(&t, lang, &e) < 0)
		return "(init failed)";
	if (text_words(&t, s, strlen(s), pairs, collect, &out, &e) < 0)
		buf_adds(&out, "(failed)");
	text_free(&t);
	return out.s ? out.s : "";
}

static void
folds_case_and_compatibility_forms(void)
{
	/* ﬁ (U+FB01) is NFKC "fi"; full-width letters fold to ASCII; ß case-folds to "ss" */
	CHECK_STR(words("none", "The ﬁne ＢＬＵＥ Teapot", 0), "the|fine|blue|teapot");
	CHECK_STR(words("none", "STRASSE Straße", 0), "strasse|strasse");
}

static void
drops_stop_words_and_single_letters(void)
{
	CHECK_STR(words("en", "A set of the blue mugs for you", 0), "set|blue|mug");
	CHECK_STR(words("de", "Die Kerze und der Halter", 0), "kerz|halt");
	CHECK_STR(words("fr", "La bougie et les verres", 0), "boug|verr");
	CHECK_STR(words("es", "Las velas y el jarrón", 0), "vel|jarron");
}

static void
stems_in_each_language(void)
{
	CHECK_STR(words("en", "candles candle running", 0), "candl|candl|run");
	CHECK_STR(words("de", "Häuser Haus", 0), "haus|haus");
	CHECK_STR(words("fr", "chaussures chaussure", 0), "chaussur|chaussur");
	CHECK_STR(words("es", "cocinas cocina", 0), "cocin|cocin");
}

static void
splits_scripts_without_spaces_and_keeps_others(void)
{
	/* Greek and Cyrillic are words of letters; each ideograph and kana is a word */
	CHECK_STR(words("en", "Κερί свеча", 0), "κερί|свеча");
	CHECK_STR(words("en", "蝋燭セット", 0), "蝋|燭|セ|ッ|ト");
}

static void
cuts_long_runs_and_skips_bad_bytes(void)
{
	char run[200], bad[] = "blue\xff\xfeteapot";
	const char *w;

	memset(run, 'x', sizeof run - 1);
	run[sizeof run - 1] = '\0';
	w = words("none", run, 0);
	/* 199 letters: words of at most TEXT_MAX_WORD bytes */
	CHECK(strlen(w) == 199 + 3);
	CHECK(strchr(w, '|') - w == TEXT_MAX_WORD);
	CHECK_STR(words("none", bad, 0), "blue|teapot");
	CHECK_STR(words("none", "12345678 sku 42", 0), "sku|42");
}

static void
pairs_join_neighbouring_kept_words(void)
{
	CHECK_STR(words("en", "scented soy candles", 1), "scent|soy|scent soy|candl|soy candl");
}

static void
refuses_an_unknown_language(void)
{
	struct text t;
	struct err e = { 0 };

	CHECK(text_init(&t, "it", &e) < 0);
	CHECK_INT(e.code, EXIT_USAGE);
	CHECK(text_lang_known("es") && !text_lang_known("english"));
}

int
main(void)
{
	RUN(folds_case_and_compatibility_forms);
	RUN(drops_stop_words_and_single_letters);
	RUN(stems_in_each_language);
	RUN(splits_scripts_without_spaces_and_keeps_others);
	RUN(cuts_long_runs_and_skips_bad_bytes);
	RUN(pairs_join_neighbouring_kept_words);
	RUN(refuses_an_unknown_language);
	return UNIT_DONE();
}
