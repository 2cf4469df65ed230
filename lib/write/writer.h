/* writer.h - the offline email writer: the template backend and A/B control arm */
#ifndef RECMAIL_WRITER_H
#define RECMAIL_WRITER_H

#include <jansson.h>

#include "base/err.h"

/*
 * Writes an email for a prompt record's meta (docs/FORMATS.md 2.5) with no
 * network: a careful, grammatical, non-generic email that names the customer
 * and each recommended product with its reason, in the language of
 * meta.locale: English, German, French or Spanish (English for any other
 * locale). Returns the reply content: a newly allocated JSON object text with
 * subject, preheader and body_text (it passes guard_check), or NULL with e set
 * (EXIT_DATA when meta lacks items).
 */
char *writer_compose(const json_t *meta, struct err *e);

#endif
