/* mf_svd.h - truncated SVD of the bias-centred ratings over the shared train/mfstate */
#ifndef RECMAIL_MF_SVD_H
#define RECMAIL_MF_SVD_H

#include "base/err.h"
#include "train/mfstate.h"

/* Fills s->P, s->Q, s->bu, s->bi (and s->mu) from s->r with s->p, ending each epoch with
 * mf_state_epoch_end. Returns 0, or -1 with e set (EXIT_DATA, EXIT_OSERR). */
int mf_svd_train(struct mf_state *s, struct err *e);

#endif
