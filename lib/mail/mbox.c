/* mbox.c - writing and reading messages: mboxrd streams, maildirs and .eml directories */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/exitcode.h"
#include "base/fmode.h"
#include "mail/mbox.h"

void
mbox_out_stream(struct mbox_out *o, FILE *fp)
{
	memset(o, 0, sizeof *o);
	o->kind = MBOX_STREAM;
	o->fp = fp;
}

static int
make_dir(const char *path, struct err *e)
{
	if (fmode_mkdir(path) != 0)
		return err_set(e, EXIT_CANTCREAT, "%s: %s", path, strerror(errno));
	return 0;
}

int
mbox_out_dir(struct mbox_out *o, enum mbox_kind kind, const char *dir, struct err *e)
{
	static const char *const sub[] = { "tmp", "new", "cur" };
	size_t i;

	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->dir = strdup(dir);
	if (o->dir == NULL)
		return err_nomem(e);
	if (make_dir(dir, e) < 0)
		return -1;
	if (kind == MBOX_MAILDIR) {
		for (i = 0; i < 3; i++) {
			buf_reset(&o->path);
			if (buf_addf(&o->path, "%s/%s", dir, sub[i]) < 0)
				return err_nomem(e);
			if (make_dir(o->path.s, e) < 0)
				return -1;
		}
	}
	return 0;
}

int
mbox_file_name(const char *msgid, struct buf *out)
{
	size_t n = strlen(msgid), i;

	if (n >= 2 && msgid[0] == '<' && msgid[n - 1] == '>') {
		msgid++;
		n -= 2;
	}
	for (i = 0; i < n; i++) {
		char c = msgid[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("._@+=-", c) != NULL) || (i == 0 && c == '.'))
			c = '_';
		if (buf_addc(out, c) < 0)
			return -1;
	}
	return n == 0 ? buf_addc(out, '_') : 0;
}

static void
from_line(time_t when, char *out, size_t sz)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
		"Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&when, &tm);
	snprintf(out, sz, "From MAILER-DAEMON %s %s %2d %02d:%02d:%02d %04d\n", days[tm.tm_wday],
	    months[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
}

/* 1 when the line at p (n bytes left) is ">*From ". */
static int
is_from_line(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] == '>')
		i++;
	return n - i >= 5 && memcmp(p + i, "From ", 5) == 0;
}

static int
write_stream(struct mbox_out *o, time_t when, const char *msg, size_t n, struct err *e)
{
	char fl[80];
	const char *p, *hit;
	size_t span = 0;
	FILE *f = o->fp;

	from_line(when, fl, sizeof fl);
	fputs(fl, f);
	/*
	 * mboxrd: a '>' goes in before each line that is ">*From ". Such lines are
	 * found from the rare "From " rather than line by line; whole spans between
	 * them are written at once.
	 */
	for (p = msg; (hit = memmem(p, n - (size_t)(p - msg), "From ", 5)) != NULL; p = hit + 5) {
		const char *b = hit;

		while (b > msg && b[-1] == '>')
			b--;
		if (b == msg || b[-1] == '\n') {
			fwrite(msg + span, 1, (size_t)(b - msg) - span, f);
			putc('>', f);
			span = (size_t)(b - msg);
		}
	}
	fwrite(msg + span, 1, n - span, f);
	if (n > 0 && msg[n - 1] != '\n')
		putc('\n', f);
	putc('\n', f);
	if (ferror(f))
		return err_set(e, EXIT_IO, "write error: %s", strerror(errno ? errno : EIO));
	return 0;
}

/* Writes msg to tmp, syncs it when asked and renames it to path. */
static int
write_file(const char *tmp, const char *path, const char *msg, size_t n, int sync,
    struct err *e)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t off = 0;

	if (fd < 0)
		return err_set(e, EXIT_CANTCREAT, "%s: %s", tmp, strerror(errno));
	if (fchmod(fd, fmode_file()) != 0) {
		err_set(e, EXIT_CANTCREAT, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	while (off < n) {
		ssize_t w = write(fd, msg + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err_set(e, EXIT_IO, "%s: write error: %s", tmp, strerror(w < 0 ? errno : EIO));
			goto fail;
		}
		off += (size_t)w;
	}
	if (sync && fsync(fd) != 0) {
		err_set(e, EXIT_IO, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		err_set(e, EXIT_IO, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		err_set(e, EXIT_IO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

int
mbox_write(struct mbox_out *o, const char *msgid, time_t when, const char *msg, size_t n,
    struct err *e)
{
	struct buf name;
	int rc;

	if (o->kind == MBOX_STREAM)
		return write_stream(o, when, msg, n, e);
	buf_init(&name);
	buf_reset(&o->path);
	buf_reset(&o->tmp);
	if (mbox_file_name(msgid, &name) < 0)
		return err_nomem(e);
	if (o->kind == MBOX_MAILDIR)
		rc = buf_addf(&o->tmp, "%s/tmp/%s", o->dir, name.s) |
		    buf_addf(&o->path, "%s/new/%s", o->dir, name.s);
	else
		rc = buf_addf(&o->tmp, "%s/.%s.tmp", o->dir, name.s) |
		    buf_addf(&o->path, "%s/%s.eml", o->dir, name.s);
	buf_free(&name);
	if (rc < 0)
		return err_nomem(e);
	return write_file(o->tmp.s, o->path.s, msg, n, o->sync_each, e);
}

int
mbox_out_commit(struct mbox_out *o, struct err *e)
{
	int fd, rc = 0;

	if (o->kind == MBOX_STREAM)
		return 0;
	buf_reset(&o->path);
	if (buf_addf(&o->path, o->kind == MBOX_MAILDIR ? "%s/new" : "%s", o->dir) < 0)
		return err_nomem(e);
	fd = open(o->path.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, EXIT_IO, "%s: %s", o->path.s, strerror(errno));
	if ((!o->sync_each && syncfs(fd) != 0) || fsync(fd) != 0)
		rc = err_set(e, EXIT_IO, "%s: %s", o->path.s, strerror(errno));
	close(fd);
	return rc;
}

void
mbox_out_close(struct mbox_out *o)
{
	free(o->dir);
	o->dir = NULL;
	buf_free(&o->path);
	buf_free(&o->tmp);
}

/* --- reading --- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the regular files of dir (suffix: only names ending with it) to in->files. */
static int
list_dir(struct mbox_in *in, const char *dir, const char *suffix, struct err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t cap = in->nfiles, sl = suffix ? strlen(suffix) : 0;

	if (d == NULL)
		return errno == ENOENT ? 0 : err_set(e, EXIT_NOINPUT, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t nl = strlen(de->d_name);
		char *p;

		if (de->d_name[0] == '.' || (sl && (nl <= sl || strcmp(de->d_name + nl - sl, suffix) != 0)))
			continue;
		if (in->nfiles == cap) {
			char **nf = realloc(in->files, (cap ? cap * 2 : 64) * sizeof *nf);

			if (nf == NULL)
				goto nomem;
			in->files = nf;
			cap = cap ? cap * 2 : 64;
		}
		if (asprintf(&p, "%s/%s", dir, de->d_name) < 0)
			goto nomem;
		in->files[in->nfiles++] = p;
	}
	closedir(d);
	return 0;
nomem:
	closedir(d);
	return err_nomem(e);
}

int
mbox_in_open(struct mbox_in *in, const char *path, struct err *e)
{
	struct stat st;

	memset(in, 0, sizeof *in);
	in->name = path;
	if (strcmp(path, "-") == 0 || (stat(path, &st) == 0 && !S_ISDIR(st.st_mode))) {
		in->kind = MBOX_STREAM;
		in->fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
		if (in->fp == NULL)
			return err_set(e, EXIT_NOINPUT, "%s: %s", path, strerror(errno));
		return lines_init(&in->lines, in->fp, path, 0, e);
	}
	if (stat(path, &st) != 0)
		return err_set(e, EXIT_NOINPUT, "%s: %s", path, strerror(errno));
	{
		struct buf sub;
		struct stat s2;
		int rc = 0;

		buf_init(&sub);
		if (buf_addf(&sub, "%s/new", path) < 0)
			return err_nomem(e);
		in->kind = stat(sub.s, &s2) == 0 && S_ISDIR(s2.st_mode) ? MBOX_MAILDIR : MBOX_EMLDIR;
		if (in->kind == MBOX_MAILDIR) {
			rc = list_dir(in, sub.s, NULL, e);
			buf_reset(&sub);
			if (rc == 0 && buf_addf(&sub, "%s/cur", path) < 0)
				rc = err_nomem(e);
			if (rc == 0)
				rc = list_dir(in, sub.s, NULL, e);
		} else {
			rc = list_dir(in, path, ".eml", e);
		}
		buf_free(&sub);
		if (rc < 0)
			return -1;
	}
	if (in->nfiles > 1)
		qsort(in->files, in->nfiles, sizeof *in->files, cmp_str);
	return 0;
}

static int
next_file(struct mbox_in *in, const char **msg, size_t *len, struct err *e)
{
	FILE *f;
	char buf[65536];
	size_t n;
	const char *path;

	if (in->next >= in->nfiles)
		return 0;
	path = in->files[in->next++];
	buf_reset(&in->where);
	buf_reset(&in->msg);
	if (buf_adds(&in->where, path) < 0)
		return err_nomem(e);
	f = fopen(path, "rb");
	if (f == NULL)
		return err_set(e, EXIT_NOINPUT, "%s: %s", path, strerror(errno));
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		if (buf_add(&in->msg, buf, n) < 0) {
			fclose(f);
			return err_nomem(e);
		}
	if (ferror(f)) {
		fclose(f);
		return err_set(e, EXIT_IO, "%s: read error", path);
	}
	fclose(f);
	if (buf_reserve(&in->msg, 0) < 0)
		return err_nomem(e);
	*msg = in->msg.s;
	*len = in->msg.len;
	return 1;
}

int
mbox_in_next(struct mbox_in *in, const char **msg, size_t *len, struct err *e)
{
	char *line;
	size_t n;
	int rc;

	if (in->kind != MBOX_STREAM)
		return next_file(in, msg, len, e);
	buf_reset(&in->msg);
	for (;;) {
		rc = lines_next(&in->lines, &line, &n, e);
		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		if (n >= 5 && memcmp(line, "From ", 5) == 0) {
			long at = in->lines.lineno;

			if (in->pending) {
				long prev = in->start;

				in->start = at;
				buf_reset(&in->where);
				if (buf_addf(&in->where, "%s:%ld", in->name, prev) < 0)
					return err_nomem(e);
				goto out;
			}
			in->pending = 1;
			in->start = at;
			continue;
		}
		if (!in->pending) {
			if (n == 0)
				continue;
			return err_set(e, EXIT_DATA, "%s:%ld: not an mbox (no \"From \" line)", in->name,
			    in->lines.lineno);
		}
		if (n > 5 && line[0] == '>' && is_from_line(line, n)) {
			line++;
			n--;
		}
		if (buf_add(&in->msg, line, n) < 0 || buf_addc(&in->msg, '\n') < 0)
			return err_nomem(e);
	}
	if (!in->pending)
		return 0;
	in->pending = 0;
	buf_reset(&in->where);
	if (buf_addf(&in->where, "%s:%ld", in->name, in->start) < 0)
		return err_nomem(e);
out:
	/* the empty line written after each message belongs to the separator */
	if (in->msg.len >= 2 && in->msg.s[in->msg.len - 1] == '\n' && in->msg.s[in->msg.len - 2] == '\n')
		in->msg.s[--in->msg.len] = '\0';
	if (buf_reserve(&in->msg, 0) < 0)
		return err_nomem(e);
	*msg = in->msg.s;
	*len = in->msg.len;
	return 1;
}

const char *
mbox_in_where(const struct mbox_in *in)
{
	return in->where.s ? in->where.s : in->name;
}

void
mbox_in_close(struct mbox_in *in)
{
	size_t i;

	if (in->kind == MBOX_STREAM) {
		lines_free(&in->lines);
		if (in->fp != NULL && in->fp != stdin)
			fclose(in->fp);
	}
	for (i = 0; i < in->nfiles; i++)
		free(in->files[i]);
	free(in->files);
	buf_free(&in->msg);
	buf_free(&in->where);
	in->files = NULL;
	in->fp = NULL;
}
