/* shopconf.h - the starting campaign.conf of an imported shop, every key commented */
#ifndef RECMAIL_SHOPCONF_H
#define RECMAIL_SHOPCONF_H

#include <stdio.h>

#include "base/err.h"

struct shopconf {
	const char *source;     /* the export it was made from, for the first comment */
	const char *brand;      /* the shop's name (NULL: "My Shop") */
	const char *from;       /* the sender (NULL: "<brand> <shop@example.com>", to be edited) */
	int previews;           /* the customers have placeholder addresses only */
};

/*
 * Writes the configuration pipelines/campaign reads (a shell file of KEY=value
 * lines) for the three files shopimport writes beside it. Values are single-
 * quoted for the shell. Returns 0, or -1 with e set (EXIT_IO; EXIT_USAGE for a
 * brand or sender with a newline).
 */
int shopconf_write(FILE *f, const struct shopconf *c, struct err *e);

#endif
