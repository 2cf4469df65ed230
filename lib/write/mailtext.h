/* mailtext.h - the fixed texts of a campaign email (reasons, button, footer) in each language */
#ifndef RECMAIL_MAILTEXT_H
#define RECMAIL_MAILTEXT_H

#include "base/buf.h"

/*
 * One language's fixed texts. A text around a catalog string is split in the
 * part before and the part after it, so that the string is copied (and
 * escaped by whoever renders it), never used as a format.
 */
struct mailtext {
	const char *lang;                           /* "en", "de", "fr", "es" */
	const char *similar_pre, *similar_post;     /* "Because you liked " title "" */
	const char *also_pre, *also_post;           /* "Often bought with " title "" */
	const char *popular;                        /* "Popular with our customers" */
	const char *neighbours;                     /* "Loved by customers like you" */
	const char *view_product;                   /* the button of a product card */
	const char *footer_pre, *footer_post;       /* around the brand: why the email came */
	const char *footer_anon;                    /* the same without a brand */
	const char *unsubscribe;                    /* the link text */
	const char *unsubscribe_label;              /* before the link in text/plain: "Unsubscribe: " */
	const char *unsub_ask, *unsub_done;         /* trackd's pages: the question, the answer */
	const char *unsub_bad;                      /* trackd: a link that does not open */
};

/*
 * The texts for a locale (meta.locale: "de", "fr-CA", "es_MX", any case):
 * English, German, French or Spanish; English for anything else, NULL
 * included. Cannot fail.
 */
const struct mailtext *mailtext_for(const char *locale);

/*
 * 1 when the language of locale is lang (two lowercase letters): the first
 * two letters in any case, then the end, '-' or '_' ("fr", "fr-CA", "FR_fr";
 * not "fra" or "french"). 0 otherwise, NULL included. Every choice by locale
 * (texts, the writer's language, the decimal comma) matches this way.
 */
int mailtext_lang_is(const char *locale, const char *lang);

/*
 * Appends the footer sentence naming brand (the brandless sentence when
 * brand is NULL or empty). Returns 0, or -1 when out of memory.
 */
int mailtext_footer(struct buf *out, const struct mailtext *t, const char *brand);

#endif
