/* guard.h - guardrails for model-written emails: fields, lengths, no invented products or offers */
#ifndef RECMAIL_GUARD_H
#define RECMAIL_GUARD_H

#include <jansson.h>
#include <stddef.h>

/*
 * Checks a reply text (content, len bytes) against the prompt's meta (see
 * docs/FORMATS.md 2.5): it must be a JSON object with string fields subject,
 * preheader and body_text within their length limits, mention no product
 * that is not in meta.items, and make no discount, coupon, free-shipping or
 * price claim that meta does not contain.
 * Returns 0 when valid; 1 when invalid, with a one-line reason in why (fit to
 * be fed back to the model); -1 on allocation failure.
 */
int guard_check(const json_t *meta, const char *content, size_t len, char *why, size_t whysz);

#endif
