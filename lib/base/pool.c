/* pool.c - a fixed set of threads that run one function over a range of indexes
 *
 * One run at a time: pool_run publishes (fn, arg, n) under the mutex with a new
 * generation number, every worker takes indexes from a shared counter until
 * none are left, and the last one out wakes the caller. Items are taken one by
 * one, so uneven items (a DKIM signature, a fallback letter) balance by
 * themselves.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/exitcode.h"
#include "base/pool.h"

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	pthread_t tid[POOL_MAX];
	int n, started, busy, quit;
	unsigned long gen;
	pool_fn *fn;
	void *arg;
	size_t items, next;
};

/* items for a pool_each run */
#define EACH ((size_t)-1)

struct start {
	struct pool *p;
	int w;
};

static void
drain(struct pool *p, pool_fn *fn, void *arg, size_t items, int w)
{
	size_t i;

	if (items == EACH) {
		fn(arg, (size_t)w, w);
		return;
	}
	while ((i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED)) < items)
		fn(arg, i, w);
}

static void *
worker(void *a)
{
	struct pool *p = ((struct start *)a)->p;
	int w = ((struct start *)a)->w;
	unsigned long seen = 0;

	free(a);
	pthread_mutex_lock(&p->mu);
	for (;;) {
		pool_fn *fn;
		void *arg;
		size_t items;

		while (!p->quit && p->gen == seen)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->quit)
			break;
		seen = p->gen;
		fn = p->fn;
		arg = p->arg;
		items = p->items;
		pthread_mutex_unlock(&p->mu);
		drain(p, fn, arg, items, w);
		pthread_mutex_lock(&p->mu);
		if (--p->busy == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct pool *
pool_start(int n, struct err *e)
{
	struct pool *p;
	int i;

	if (n < 1 || n > POOL_MAX) {
		err_set(e, EXIT_USAGE, "thread count %d is not 1 to %d", n, POOL_MAX);
		return NULL;
	}
	p = calloc(1, sizeof *p);
	if (p == NULL) {
		err_nomem(e);
		return NULL;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	p->n = n;
	for (i = 1; i < n; i++) {
		struct start *s = malloc(sizeof *s);

		if (s == NULL || (s->p = p, s->w = i, pthread_create(&p->tid[i], NULL, worker, s)) != 0) {
			free(s);
			pool_stop(p);
			err_set(e, EXIT_OSERR, "cannot start thread %d of %d", i + 1, n);
			return NULL;
		}
		p->started++;
	}
	return p;
}

static void
run(struct pool *p, size_t n, pool_fn *fn, void *arg)
{
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->arg = arg;
	p->items = n;
	p->next = 0;
	p->busy = p->started;
	p->gen++;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	drain(p, fn, arg, n, 0);
	pthread_mutex_lock(&p->mu);
	while (p->busy > 0)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void
pool_run(struct pool *p, size_t n, pool_fn *fn, void *arg)
{
	size_t i;

	if (p->started > 0 && n > 1) {
		run(p, n, fn, arg);
		return;
	}
	for (i = 0; i < n; i++)
		fn(arg, i, 0);
}

void
pool_each(struct pool *p, pool_fn *fn, void *arg)
{
	if (p->started > 0)
		run(p, EACH, fn, arg);
	else
		fn(arg, 0, 0);
}

int
pool_size(const struct pool *p)
{
	return p->n;
}

void
pool_stop(struct pool *p)
{
	int i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (i = 1; i <= p->started; i++)
		pthread_join(p->tid[i], NULL);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

int
pool_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > POOL_MAX ? POOL_MAX : (int)n;
}
