/* eventlog.c - the durable event file: a buffer, a flusher thread, fdatasync on an interval */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/exitcode.h"
#include "measure/eventlog.h"

#define EAGER (256 * 1024)
#define SPARE_MAX (4 * EAGER)

/* Opens path for appending; cuts a torn last line. Returns the fd, or -1 with e set. */
static int
open_repair(const char *path, long *repaired, struct err *e)
{
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	off_t end, pos;
	char b[4096];

	*repaired = 0;
	if (fd < 0)
		return err_set(e, EXIT_CANTCREAT, "%s: %s", path, strerror(errno));
	if ((end = lseek(fd, 0, SEEK_END)) < 0)
		goto ioerr;
	for (pos = end; pos > 0;) {
		size_t n = pos > (off_t)sizeof b ? sizeof b : (size_t)pos;
		ssize_t r = pread(fd, b, n, pos - (off_t)n);

		if (r != (ssize_t)n)
			goto ioerr;
		while (n > 0 && b[n - 1] != '\n')
			n--;
		if (n > 0) {
			pos -= (off_t)(r - (ssize_t)n);
			break;
		}
		pos -= r;
	}
	if (pos != end) {
		if (ftruncate(fd, pos) != 0 || fsync(fd) != 0)
			goto ioerr;
		*repaired = (long)(end - pos);
	}
	return fd;
ioerr:
	err_set(e, EXIT_IO, "%s: %s", path, strerror(errno));
	close(fd);
	return -1;
}

static int
write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Writes one batch outside the lock. Called with the lock held; returns with it held. */
static void
flush_locked(struct eventlog *l)
{
	struct buf b = l->pending;
	unsigned long long upto = l->queued;
	int fd = l->fd, ok;

	if (b.len == 0 || l->failed)
		return;
	/* the appenders go on in the other buffer, already grown to a batch's size: no realloc and
	 * no fresh pages under the lock (they were the click latency's tail) */
	l->pending = l->spare;
	buf_init(&l->spare);
	pthread_mutex_unlock(&l->mu);
	ok = write_all(fd, b.s, b.len) == 0 && fdatasync(fd) == 0;
	pthread_mutex_lock(&l->mu);
	if (!ok) {
		l->failed = 1;
		err_set(&l->err, EXIT_IO, "%s: %s", l->path, strerror(errno));
	} else {
		l->synced = upto;
	}
	/* kept for the next swap unless a slow disk let it grow far past a batch */
	if (b.cap <= SPARE_MAX && l->spare.s == NULL) {
		buf_reset(&b);
		l->spare = b;
	} else {
		buf_free(&b);
	}
	pthread_cond_broadcast(&l->done);
}

static void
reopen_locked(struct eventlog *l)
{
	long rep;
	int fd;

	l->reopen = 0;
	if ((fd = open_repair(l->path, &rep, &l->err)) < 0) {
		l->failed = 1;
		pthread_cond_broadcast(&l->done);
		return;
	}
	close(l->fd);
	l->fd = fd;
}

static void *
flusher(void *arg)
{
	struct eventlog *l = arg;

	pthread_mutex_lock(&l->mu);
	for (;;) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (l->interval_ms % 1000) * 1000000L;
		ts.tv_sec += l->interval_ms / 1000 + ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		while (!l->stop && !l->reopen && !l->urgent && l->pending.len < EAGER &&
		    pthread_cond_timedwait(&l->cv, &l->mu, &ts) == 0)
			;
		l->urgent = 0;
		flush_locked(l);
		if (l->reopen)
			reopen_locked(l);
		if (l->stop && l->pending.len == 0)
			break;
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

int
eventlog_open(struct eventlog *l, const char *path, long interval_ms, struct err *e)
{
	memset(l, 0, sizeof *l);
	buf_init(&l->pending);
	buf_init(&l->spare);
	l->interval_ms = interval_ms > 0 ? interval_ms : 1;
	if ((l->path = strdup(path)) == NULL)
		return err_nomem(e);
	if ((l->fd = open_repair(path, &l->repaired, e)) < 0) {
		free(l->path);
		return -1;
	}
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	pthread_cond_init(&l->done, NULL);
	if (pthread_create(&l->thread, NULL, flusher, l) != 0) {
		close(l->fd);
		free(l->path);
		return err_set(e, EXIT_OSERR, "cannot start the event flusher");
	}
	l->running = 1;
	return 0;
}

/* Queues a line; its number (1, 2, ...), or 0 with e set. Called with the lock held. */
static unsigned long long
queue_locked(struct eventlog *l, const char *s, size_t n, struct err *e)
{
	if (l->failed) {
		*e = l->err;
		return 0;
	}
	if (buf_add(&l->pending, s, n) < 0 || buf_addc(&l->pending, '\n') < 0) {
		err_nomem(e);
		return 0;
	}
	if (l->pending.len >= EAGER)
		pthread_cond_signal(&l->cv);
	return ++l->queued;
}

int
eventlog_append(struct eventlog *l, const char *s, size_t n, struct err *e)
{
	unsigned long long k;

	pthread_mutex_lock(&l->mu);
	k = queue_locked(l, s, n, e);
	pthread_mutex_unlock(&l->mu);
	return k ? 0 : -1;
}

int
eventlog_append_sync(struct eventlog *l, const char *s, size_t n, struct err *e)
{
	unsigned long long k;
	int rc = 0;

	pthread_mutex_lock(&l->mu);
	if ((k = queue_locked(l, s, n, e)) == 0)
		rc = -1;
	else
		l->urgent = 1, pthread_cond_signal(&l->cv);
	while (rc == 0 && l->synced < k && !l->failed)
		pthread_cond_wait(&l->done, &l->mu);
	if (rc == 0 && l->synced < k) {
		*e = l->err;
		rc = -1;
	}
	pthread_mutex_unlock(&l->mu);
	return rc;
}

void
eventlog_reopen(struct eventlog *l)
{
	pthread_mutex_lock(&l->mu);
	l->reopen = 1;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

int
eventlog_close(struct eventlog *l, struct err *e)
{
	int rc = 0;

	if (!l->running)
		return 0;
	pthread_mutex_lock(&l->mu);
	l->stop = 1;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->thread, NULL);
	if (l->failed) {
		*e = l->err;
		rc = -1;
	}
	if (close(l->fd) != 0 && rc == 0)
		rc = err_set(e, EXIT_IO, "%s: %s", l->path, strerror(errno));
	buf_free(&l->pending);
	buf_free(&l->spare);
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
	pthread_cond_destroy(&l->done);
	free(l->path);
	l->running = 0;
	return rc;
}
