/* ofile.c - atomic output files */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/exitcode.h"
#include "base/fmode.h"
#include "base/ofile.h"

int
ofile_open(struct ofile *o, const char *path, struct err *e)
{
	struct stat st;
	int fd;

	memset(o, 0, sizeof *o);
	if (path == NULL || strcmp(path, "-") == 0) {
		o->fp = stdout;
		return 0;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* a device, FIFO or socket (/dev/null, a named pipe): write to it in place */
		o->fp = fopen(path, "wb");
		if (o->fp == NULL)
			return err_set(e, EXIT_CANTCREAT, "%s: %s", path, strerror(errno));
		o->path = strdup(path);
		if (o->path == NULL) {
			fclose(o->fp);
			o->fp = NULL;
			return err_nomem(e);
		}
		o->direct = 1;
		return 0;
	}
	o->path = strdup(path);
	if (o->path == NULL || asprintf(&o->tmp, "%s.tmp.XXXXXX", path) < 0) {
		free(o->path);
		o->path = NULL;
		o->tmp = NULL;
		return err_nomem(e);
	}
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		err_set(e, EXIT_CANTCREAT, "%s: %s", path, strerror(errno));
		goto fail;
	}
	/* private whatever the umask (mkstemp's 0600, or the group's bits with RECMAIL_GROUP_READ) */
	if (fchmod(fd, fmode_file()) != 0) {
		err_set(e, EXIT_CANTCREAT, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(o->tmp);
		goto fail;
	}
	o->fp = fdopen(fd, "wb");
	if (o->fp == NULL) {
		err_set(e, EXIT_CANTCREAT, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(o->tmp);
		goto fail;
	}
	return 0;
fail:
	free(o->path);
	free(o->tmp);
	o->path = o->tmp = NULL;
	return -1;
}

int
ofile_commit(struct ofile *o, struct err *e)
{
	int rc = 0;

	if (o->fp == NULL)
		return 0;
	if (fflush(o->fp) != 0 || ferror(o->fp))
		rc = err_set(e, EXIT_IO, "%s: write error: %s", ofile_name(o), strerror(errno ? errno : EIO));
	if (rc == 0 && o->tmp != NULL && fsync(fileno(o->fp)) != 0 && errno != EINVAL)
		rc = err_set(e, EXIT_IO, "%s: %s", ofile_name(o), strerror(errno));
	if (fclose(o->fp) != 0 && rc == 0)
		rc = err_set(e, EXIT_IO, "%s: write error: %s", ofile_name(o), strerror(errno));
	o->fp = NULL;
	o->direct = 0;
	if (o->tmp != NULL) {
		if (rc == 0 && rename(o->tmp, o->path) != 0)
			rc = err_set(e, EXIT_IO, "%s: %s", o->path, strerror(errno));
		if (rc != 0)
			unlink(o->tmp);
	}
	if (o->path != NULL) {
		free(o->path);
		free(o->tmp);
		o->path = o->tmp = NULL;
	}
	return rc;
}

void
ofile_abort(struct ofile *o)
{
	if (o->fp != NULL && o->fp != stdout)
		fclose(o->fp);
	o->fp = NULL;
	o->direct = 0;
	if (o->tmp != NULL)
		unlink(o->tmp);
	free(o->path);
	free(o->tmp);
	o->path = o->tmp = NULL;
}

const char *
ofile_name(const struct ofile *o)
{
	return o->path ? o->path : "-";
}
