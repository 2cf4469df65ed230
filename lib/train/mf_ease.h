/* mf_ease.h - EASE (Steck 2019): the closed-form item-item model over the shared train/mfstate */
#ifndef RECMAIL_MF_EASE_H
#define RECMAIL_MF_EASE_H

#include "base/err.h"
#include "train/mfstate.h"

/*
 * B = I - P diag(1 / diag(P)), P = (X^T X + reg I)^-1, X the binary user x item
 * matrix of s->r, so that a user's scores are x B (diag B = 0: an item never
 * recommends itself). Stored as a factor model with k = items: P = X (each
 * user's history), Q = B^T, so topk's sgemm computes x B. Returns 0, or -1 with
 * e set: EXIT_USAGE when the dense matrices (8 items^2 + 4 items^2 + 4 users
 * items bytes) exceed s->p->max_memory_mb, EXIT_DATA when X^T X + reg I is not
 * positive definite, EXIT_OSERR.
 */
int mf_ease_train(struct mf_state *s, struct err *e);

#endif
