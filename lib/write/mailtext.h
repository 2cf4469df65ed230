/* mailtext.h - the fixed texts of a campaign email (reasons, button, footer) in each language */
#ifndef RECMAIL_MAILTEXT_H
#define RECMAIL_MAILTEXT_H

#include <jansson.h>

#include "base/buf.h"
#include "recommend/recs.h"

/*
 * The words around a cited item's title for one action (what the customer did
 * with it): each pair is the part before and the part after the title.
 */
struct mailtext_deed {
	const char *because[2];     /* "Because you bought " title "" */
	const char *close[2];       /* "A close match to " title ", which you bought" */
	const char *also[2];        /* "Often bought with " title "" */
};

/*
 * One language's fixed texts. A text around a catalog string is split in the
 * part before and the part after it, so that the string is copied (and
 * escaped by whoever renders it), never used as a format.
 */
struct mailtext {
	const char *lang;                           /* "en", "de", "fr", "es" */
	struct mailtext_deed deed[RECS_NACTIONS];   /* by action; [RECS_ACT_NONE]: none or unknown */
	const char *chosen;                         /* no specific reason: "Chosen for you" */
	const char *popular;                        /* "Popular with our customers" */
	const char *neighbours;                     /* "Loved by customers like you" */
	const char *shared[3][2];   /* content reasons by shared category, brand, word: around title */
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
 * Appends the one text of a recommendation's reason (a meta item's "reason",
 * FORMATS 2.5) that every part of an email shows: the HTML card, the text
 * part's list and the offline writer's letter. title is the cited item's
 * title as the caller cleaned it for its output (NULL: unknown). The wording
 * follows the reason's "action" and, for "similar", the evidence: "a close
 * match" from RECS_CLOSE_MATCH, "because you ..." above RECS_SIMILAR_FLOOR,
 * and no claim (t->chosen) at or below it; a "content" reason names what the
 * two share (the same category, the same brand, words: "much like X"); a
 * reason that names no history,
 * has no title or is of an unknown type is t->chosen too. No full stop.
 * Returns 0, or -1 when out of memory.
 */
int mailtext_reason(struct buf *out, const struct mailtext *t, const json_t *reason,
    const char *title);

/* Which of mailtext's texts a reason gets (mailtext_reason_kind). */
enum mailtext_kind {
	MAILTEXT_CHOSEN,        /* no specific reason: t->chosen */
	MAILTEXT_BECAUSE,       /* "Because you bought X": similar, above the floor */
	MAILTEXT_CLOSE,         /* "A close match to X": similar, from RECS_CLOSE_MATCH */
	MAILTEXT_ALSO,          /* "Often bought with X" */
	MAILTEXT_POPULAR,
	MAILTEXT_NEIGHBOURS,
	MAILTEXT_SHARED,        /* "In the same category as X": a content reason (shared feature) */
};

/* The kind of text mailtext_reason writes for reason and title (see there). Cannot fail. */
enum mailtext_kind mailtext_reason_kind(const json_t *reason, const char *title);

/* A content reason's "shared": 0 category, 1 brand, 2 word; -1 for anything else. */
int mailtext_shared_index(const json_t *reason);

/* The reason's "action" (RECS_ACT_NONE when absent or unknown). Cannot fail. */
enum recs_action mailtext_reason_action(const json_t *reason);

/*
 * 1 when mailtext_reason gives a reason of its own for this reason (not
 * t->chosen): what an intro that promises "why each one made the list" needs
 * from every item. title as for mailtext_reason.
 */
int mailtext_reason_given(const json_t *reason, const char *title);

/*
 * The one casing rule for catalog titles, applied in place by every part of
 * an email: an all-capitals ASCII title (three capitals or more and no small
 * letter, as in many shop exports) is put in title case, small words such as
 * "of" and "the" in lower case after the first; any other title is left as
 * it is. Cannot fail.
 */
void mailtext_title_case(char *s);

/*
 * Appends the footer sentence naming brand (the brandless sentence when
 * brand is NULL or empty). Returns 0, or -1 when out of memory.
 */
int mailtext_footer(struct buf *out, const struct mailtext *t, const char *brand);

#endif
