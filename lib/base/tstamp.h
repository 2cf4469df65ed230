/* tstamp.h - timestamps in interaction data: unix seconds or "YYYY-MM-DD[ T]HH:MM[:SS]" in UTC */
#ifndef RECMAIL_TSTAMP_H
#define RECMAIL_TSTAMP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses s[0..len) as a whole: an optionally signed integer of unix seconds,
 * or a UTC date-time "YYYY-MM-DD", "YYYY-MM-DD HH:MM", "YYYY-MM-DDTHH:MM:SS"
 * (an optional fraction of seconds is dropped, an optional trailing "Z" is
 * accepted). Returns 0 with the unix seconds in *out, or -1 when the text is
 * not such a timestamp or names an impossible date (2011-02-30, 25:00).
 */
int tstamp_parse(const char *s, size_t len, int64_t *out);

/* Unix seconds of a UTC civil date-time (no range checks). */
int64_t tstamp_from_civil(int64_t y, int mon, int day, int h, int min, int sec);

#endif
