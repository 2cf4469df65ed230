/* test_fmode.c - private modes whatever the umask: fmode_* and the atomic output files */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "base/fmode.h"
#include "base/ofile.h"
#include "unit.h"

static long
mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)(st.st_mode & 07777) : -1;
}

static void
test_modes(void)
{
	char dir[] = "/tmp/test_fmode.XXXXXX", path[256], cmd[300];
	struct ofile o;
	struct err e;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	umask(022);
	unsetenv(FMODE_GROUP_ENV);
	CHECK_INT(fmode_file(), 0600);
	CHECK_INT(fmode_dir(), 0700);
	snprintf(path, sizeof path, "%s/a/b/c", dir);
	CHECK_INT(fmode_mkdirs(path), 0);
	CHECK_INT(mode_of(path), 0700);
	snprintf(path, sizeof path, "%s/a", dir);
	CHECK_INT(mode_of(path), 0700);
	snprintf(path, sizeof path, "%s/out.ndjson", dir);
	CHECK_INT(ofile_open(&o, path, &e), 0);
	fputs("{}\n", o.fp);
	CHECK_INT(ofile_commit(&o, &e), 0);
	CHECK_INT(mode_of(path), 0600);
	snprintf(path, sizeof path, "%s/log", dir);
	fd = fmode_open(path, O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	close(fd);
	CHECK_INT(mode_of(path), 0600);
	/* an existing file keeps the mode its owner gave it */
	CHECK_INT(chmod(path, 0644), 0);
	fd = fmode_open(path, O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	close(fd);
	CHECK_INT(mode_of(path), 0644);

	/* the group may read when asked, even under a umask that would forbid it */
	setenv(FMODE_GROUP_ENV, "1", 1);
	umask(077);
	snprintf(path, sizeof path, "%s/g", dir);
	CHECK_INT(fmode_mkdir(path), 0);
	CHECK_INT(mode_of(path), 0750);
	snprintf(path, sizeof path, "%s/g/out.ndjson", dir);
	CHECK_INT(ofile_open(&o, path, &e), 0);
	CHECK_INT(ofile_commit(&o, &e), 0);
	CHECK_INT(mode_of(path), 0640);
	setenv(FMODE_GROUP_ENV, "yes", 1);
	CHECK_INT(fmode_file(), 0600);
	unsetenv(FMODE_GROUP_ENV);
	umask(022);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK_INT(system(cmd), 0);
}

int
main(void)
{
	RUN(test_modes);
	return UNIT_DONE();
}
