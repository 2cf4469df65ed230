/* fmode.h - the modes recmail creates files and directories with: owner-only unless RECMAIL_GROUP_READ=1 */
#ifndef RECMAIL_FMODE_H
#define RECMAIL_FMODE_H

#include <sys/types.h>

/* The environment variable that lets the owner's group read what recmail writes (docs/PRIVACY.md). */
#define FMODE_GROUP_ENV "RECMAIL_GROUP_READ"

/* 0600, or 0640 when RECMAIL_GROUP_READ is "1". */
mode_t fmode_file(void);

/* 0700, or 0750 when RECMAIL_GROUP_READ is "1". */
mode_t fmode_dir(void);

/*
 * Creates the directory path with fmode_dir(), whatever the umask; a directory
 * that exists already is left as it is. Returns 0, or -1 with errno set.
 */
int fmode_mkdir(const char *path);

/* fmode_mkdir for path and every missing parent (path is modified and restored).
 * Returns 0, or -1 with errno set. */
int fmode_mkdirs(char *path);

/*
 * open(2) of path with flags (O_CREAT is added): a file it creates gets
 * fmode_file() whatever the umask; an existing file keeps its mode. Returns
 * the descriptor, or -1 with errno set.
 */
int fmode_open(const char *path, int flags);

#endif
