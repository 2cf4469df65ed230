/* sentlog.c - the append-only send log that makes mailsend re-runs idempotent */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/exitcode.h"
#include "base/ndjson.h"
#include "mail/sentlog.h"

static enum sentlog_state
parse_state(const char *s)
{
	if (s == NULL)
		return SENTLOG_NONE;
	if (strcmp(s, "accepted") == 0)
		return SENTLOG_ACCEPTED;
	if (strcmp(s, "failed") == 0)
		return SENTLOG_FAILED;
	if (strcmp(s, "suppressed") == 0)
		return SENTLOG_SUPPRESSED;
	return SENTLOG_NONE;
}

static int
note(struct sentlog *l, const char *msgid, enum sentlog_state st, struct err *e)
{
	int64_t i = ids_intern(&l->ids, msgid, strlen(msgid), e);

	if (i < 0)
		return -1;
	if ((size_t)i >= l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 1024;
		unsigned char *ns;

		while (nc <= (size_t)i)
			nc *= 2;
		ns = realloc(l->state, nc);
		if (ns == NULL)
			return err_nomem(e);
		memset(ns + l->cap, 0, nc - l->cap);
		l->state = ns;
		l->cap = nc;
	}
	if (st > l->state[i])
		l->state[i] = (unsigned char)st;
	return 0;
}

/* Reads the existing lines. */
static int
load(struct sentlog *l, struct err *e)
{
	struct ndjson_reader r;
	FILE *f;
	json_t *o;
	int fd = dup(l->fd), rc;

	if (fd < 0 || (f = fdopen(fd, "rb")) == NULL) {
		if (fd >= 0)
			close(fd);
		return err_set(e, EXIT_IO, "%s: %s", l->path, strerror(errno));
	}
	rewind(f);
	if (ndjson_init(&r, f, l->path, 0, e) < 0) {
		fclose(f);
		return -1;
	}
	while ((rc = ndjson_next(&r, &o, NULL, e)) != 0) {
		const char *id;

		if (rc < 0) {
			if (e->code != EXIT_DATA)
				break;
			l->bad++;
			continue;
		}
		l->lines++;
		id = ndjson_str(o, "message_id");
		if (id == NULL || id[0] == '\0')
			l->bad++;
		else if (note(l, id, parse_state(ndjson_str(o, "status")), e) < 0)
			rc = -1;
		json_decref(o);
		if (rc < 0)
			break;
	}
	ndjson_free(&r);
	fclose(f);
	return rc < 0 ? -1 : 0;
}

int
sentlog_open(struct sentlog *l, const char *path, struct err *e)
{
	off_t end;
	char last;

	memset(l, 0, sizeof *l);
	ids_init(&l->ids);
	l->path = path;
	l->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (l->fd < 0)
		return err_set(e, EXIT_CANTCREAT, "%s: %s", path, strerror(errno));
	if (flock(l->fd, LOCK_EX | LOCK_NB) != 0) {
		err_set(e, errno == EWOULDBLOCK ? EXIT_TEMPFAIL : EXIT_IO, "%s: %s", path,
		    errno == EWOULDBLOCK ? "in use by another mailsend" : strerror(errno));
		goto fail;
	}
	if (load(l, e) < 0)
		goto fail;
	/* a torn last line (a crash mid-write) must not swallow the next one */
	end = lseek(l->fd, 0, SEEK_END);
	if (end > 0 && pread(l->fd, &last, 1, end - 1) == 1 && last != '\n' &&
	    write(l->fd, "\n", 1) != 1) {
		err_set(e, EXIT_IO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	sentlog_close(l);
	return -1;
}

enum sentlog_state
sentlog_state(const struct sentlog *l, const char *msgid)
{
	int64_t i = ids_find(&l->ids, msgid, strlen(msgid));

	return i < 0 ? SENTLOG_NONE : (enum sentlog_state)l->state[i];
}

int
sentlog_append(struct sentlog *l, const char *msgid, const char *rcpt, const char *status,
    time_t when, int attempt, const char *reply, struct err *e)
{
	json_t *o = json_pack("{sssssssIsiss}", "message_id", msgid, "recipient", rcpt, "status",
	    status, "time", (json_int_t)when, "attempt", attempt, "reply", reply ? reply : "");
	char *line;
	size_t n, off = 0;

	if (o == NULL)
		return err_set(e, EXIT_DATA, "%s: cannot log a message id or address that is not UTF-8",
		    l->path);
	line = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (line == NULL)
		return err_nomem(e);
	n = strlen(line);
	line[n++] = '\n'; /* json_dumps leaves the NUL's byte: reuse it for the newline */
	while (off < n) {
		ssize_t w = write(l->fd, line + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			free(line);
			return err_set(e, EXIT_IO, "%s: %s", l->path, strerror(w < 0 ? errno : EIO));
		}
		off += (size_t)w;
	}
	free(line);
	if (fsync(l->fd) != 0)
		return err_set(e, EXIT_IO, "%s: %s", l->path, strerror(errno));
	return note(l, msgid, parse_state(status), e);
}

void
sentlog_close(struct sentlog *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	ids_free(&l->ids);
	free(l->state);
	l->state = NULL;
	l->cap = 0;
}
