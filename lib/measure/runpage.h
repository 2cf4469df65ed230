/* runpage.h - writes the campaign report's model (runreport_gather) as one static, self-contained HTML page */
#ifndef RECMAIL_RUNPAGE_H
#define RECMAIL_RUNPAGE_H

#include <jansson.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/err.h"

/*
 * Writes model as one HTML page to out: no script, no external resource (a
 * Content-Security-Policy forbids every fetch, so the sample emails' images
 * are not loaded), every text escaped by html_escape, the sample emails' HTML
 * in sandboxed iframes (srcdoc) beside their text parts. Every figure carries
 * a data- attribute naming it, for tests and scripts. Returns 0, or -1 with e
 * set (EXIT_IO when out reports an error, EXIT_OSERR).
 */
int runpage_write(const json_t *model, FILE *out, struct err *e);

/*
 * The warnings a run's mail deserves (no DKIM signature, no one-click
 * unsubscribe, HTML over Gmail's clipping size, ...), one line each into out.
 * Returns their number, or -1 when out of memory.
 */
int runpage_warnings(const json_t *model, struct buf *out);

#endif
