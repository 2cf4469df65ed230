/* fmode.c - private file and directory modes, set explicitly so that the umask cannot widen them */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fmode.h"

static int
group_read(void)
{
	const char *v = getenv(FMODE_GROUP_ENV);

	return v != NULL && strcmp(v, "1") == 0;
}

mode_t
fmode_file(void)
{
	return group_read() ? 0640 : 0600;
}

mode_t
fmode_dir(void)
{
	return group_read() ? 0750 : 0700;
}

int
fmode_mkdir(const char *path)
{
	mode_t m = fmode_dir();

	if (mkdir(path, m) != 0)
		return errno == EEXIST ? 0 : -1;
	/* mkdir's mode passes through the umask, which may remove the group's bits */
	return chmod(path, m);
}

int
fmode_mkdirs(char *path)
{
	char *p;

	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (fmode_mkdir(path) != 0) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return fmode_mkdir(path);
}

int
fmode_open(const char *path, int flags)
{
	mode_t m = fmode_file();
	int fd = open(path, flags | O_CREAT | O_EXCL, m);

	if (fd >= 0) {
		if (fchmod(fd, m) != 0) {
			int saved = errno;

			close(fd);
			errno = saved;
			return -1;
		}
		return fd;
	}
	if (errno != EEXIST || (flags & O_EXCL))
		return -1;
	return open(path, flags & ~O_CREAT);
}
