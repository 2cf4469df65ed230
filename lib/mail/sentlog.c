/* sentlog.c - the append-only send log that makes mailsend re-runs idempotent */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/exitcode.h"
#include "base/fmode.h"
#include "base/ndjson.h"
#include "mail/sentlog.h"

/* An intent's state bit: set by an intent line, cleared by any result after it. */
#define PENDING 0x80
/* Room in a reserved line beyond its intent's length: the longer status and the reply. */
#define SLOT_EXTRA 200

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

/* A status that settles an intent: every one but "intent" itself. */
static int
is_intent(const char *s)
{
	return s != NULL && strcmp(s, "intent") == 0;
}

static int
note(struct sentlog *l, const char *msgid, const char *status, struct err *e)
{
	enum sentlog_state st = parse_state(status);
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
	if (is_intent(status))
		l->state[i] |= PENDING;
	else
		l->state[i] &= ~PENDING;
	if (st > (l->state[i] & ~PENDING))
		l->state[i] = (unsigned char)(st | (l->state[i] & PENDING));
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
		else if (note(l, id, ndjson_str(o, "status"), e) < 0)
			rc = -1;
		json_decref(o);
		if (rc < 0)
			break;
	}
	ndjson_free(&r);
	fclose(f);
	for (size_t i = 0; rc >= 0 && i < l->ids.n; i++)
		l->unresolved += (l->state[i] & PENDING) != 0;
	return rc < 0 ? -1 : 0;
}

/* Writes p[0..n) at off. Returns 0, or -1 with e set (EXIT_IO). */
static int
put(struct sentlog *l, off_t off, const char *p, size_t n, struct err *e)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = pwrite(l->fd, p + done, n - done, off + (off_t)done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return err_set(e, EXIT_IO, "%s: %s", l->path, strerror(w < 0 ? errno : EIO));
		done += (size_t)w;
	}
	return 0;
}

/* Appends p[0..n) and syncs; on failure cuts the file back to where it ended, so no torn
 * line is left behind. Returns 0, or -1 with e set (EXIT_IO). */
static int
append(struct sentlog *l, const char *p, size_t n, struct err *e)
{
	if (put(l, l->end, p, n, e) < 0 || (fsync(l->fd) != 0 &&
	    err_set(e, EXIT_IO, "%s: %s", l->path, strerror(errno)) < 0)) {
		if (ftruncate(l->fd, l->end) == 0)
			(void)fsync(l->fd);
		return -1;
	}
	l->end += (off_t)n;
	return 0;
}

/* The log line for one record, with its newline; NULL with e set. */
static char *
record(struct sentlog *l, const char *msgid, const char *rcpt, const char *status, time_t when,
    int attempt, const char *reply, size_t *len, struct err *e)
{
	json_t *o = json_pack("{sssssssIsi}", "message_id", msgid, "recipient", rcpt, "status",
	    status, "time", (json_int_t)when, "attempt", attempt);
	char *line;

	if (o != NULL && reply != NULL && json_object_set_new(o, "reply", json_string(reply)) != 0) {
		json_decref(o);
		o = NULL;
	}
	if (o == NULL) {
		err_set(e, EXIT_DATA, "%s: cannot log a message id, address or reply that is not UTF-8",
		    l->path);
		return NULL;
	}
	line = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (line == NULL) {
		err_nomem(e);
		return NULL;
	}
	*len = strlen(line);
	line[(*len)++] = '\n'; /* json_dumps leaves the NUL's byte: reuse it for the newline */
	return line;
}

int
sentlog_open(struct sentlog *l, const char *path, struct err *e)
{
	struct stat st;
	char last;

	memset(l, 0, sizeof *l);
	ids_init(&l->ids);
	l->path = path;
	l->slot = -1;
	/* not O_APPEND: a result overwrites its reserved line in place (pwrite) */
	l->fd = fmode_open(path, O_RDWR | O_CLOEXEC);
	if (l->fd < 0)
		return err_set(e, EXIT_CANTCREAT, "%s: %s", path, strerror(errno));
	/* a device would never end (/dev/zero) or never sync (/dev/full) */
	if (fstat(l->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		err_set(e, EXIT_CANTCREAT, "%s: the sent log must be a regular file", path);
		goto fail;
	}
	if (flock(l->fd, LOCK_EX | LOCK_NB) != 0) {
		err_set(e, errno == EWOULDBLOCK ? EXIT_TEMPFAIL : EXIT_IO, "%s: %s", path,
		    errno == EWOULDBLOCK ? "in use by another mailsend" : strerror(errno));
		goto fail;
	}
	if (load(l, e) < 0)
		goto fail;
	if ((l->end = lseek(l->fd, 0, SEEK_END)) < 0) {
		err_set(e, EXIT_IO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	/* a torn last line (a crash mid-write) must not swallow the next one */
	if (l->end > 0 && pread(l->fd, &last, 1, l->end - 1) == 1 && last != '\n' &&
	    append(l, "\n", 1, e) < 0)
		goto fail;
	return 0;
fail:
	sentlog_close(l);
	return -1;
}

enum sentlog_state
sentlog_state(const struct sentlog *l, const char *msgid)
{
	int64_t i = ids_find(&l->ids, msgid, strlen(msgid));

	return i < 0 ? SENTLOG_NONE : (enum sentlog_state)(l->state[i] & ~PENDING);
}

int
sentlog_append(struct sentlog *l, const char *msgid, const char *rcpt, const char *status,
    time_t when, int attempt, const char *reply, struct err *e)
{
	size_t n;
	char *line = record(l, msgid, rcpt, status, when, attempt, reply ? reply : "", &n, e);
	int rc;

	if (line == NULL)
		return -1;
	rc = append(l, line, n, e);
	free(line);
	return rc < 0 ? -1 : note(l, msgid, status, e);
}

int
sentlog_intent(struct sentlog *l, const char *msgid, const char *rcpt, time_t when,
    int attempt, struct err *e)
{
	size_t n, slot;
	char *line = record(l, msgid, rcpt, "intent", when, attempt, NULL, &n, e), *p;
	int rc;

	if (line == NULL)
		return -1;
	slot = n + SLOT_EXTRA;
	if ((p = realloc(line, n + slot)) == NULL) {
		free(line);
		return err_nomem(e);
	}
	memset(p + n, ' ', slot - 1);
	p[n + slot - 1] = '\n';
	rc = append(l, p, n + slot, e);
	free(p);
	if (rc < 0)
		return -1;
	l->slot = l->end - (off_t)slot;
	l->slot_len = slot;
	return note(l, msgid, "intent", e);
}

int
sentlog_result(struct sentlog *l, const char *msgid, const char *rcpt, const char *status,
    time_t when, int attempt, const char *reply, struct err *e)
{
	char cut[512], *line, *p;
	size_t n = 0, keep;
	int rc;

	if (l->slot < 0)
		return err_set(e, EXIT_SOFTWARE, "%s: a result without an intent", l->path);
	snprintf(cut, sizeof cut, "%s", reply ? reply : "");
	for (keep = strlen(cut);; keep = keep > 16 ? keep - 16 : 0) {
		cut[keep] = '\0';
		if ((line = record(l, msgid, rcpt, status, when, attempt, cut, &n, e)) == NULL)
			return -1;
		if (n <= l->slot_len || keep == 0)
			break;
		free(line);
	}
	if (n > l->slot_len || (p = realloc(line, l->slot_len)) == NULL) {
		free(line);
		return n > l->slot_len ? err_set(e, EXIT_SOFTWARE, "%s: a result longer than its "
		    "reserved line", l->path) : err_nomem(e);
	}
	/* the record, spaces (JSON allows them after it), the reserved line's own newline */
	memset(p + n - 1, ' ', l->slot_len - n + 1);
	p[l->slot_len - 1] = '\n';
	rc = put(l, l->slot, p, l->slot_len, e);
	free(p);
	if (rc == 0 && fsync(l->fd) != 0)
		rc = err_set(e, EXIT_IO, "%s: %s", l->path, strerror(errno));
	l->slot = -1;
	return rc < 0 ? -1 : note(l, msgid, status, e);
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
