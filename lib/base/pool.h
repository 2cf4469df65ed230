/* pool.h - a fixed set of threads that run one function over a range of indexes */
#ifndef RECMAIL_POOL_H
#define RECMAIL_POOL_H

#include <stddef.h>

#include "base/err.h"

/* The most threads a pool runs, the caller's included. */
#define POOL_MAX 64

struct pool;

/*
 * fn(arg, i, w) does item i on worker w (0 <= w < pool_size(p)); worker 0 is
 * the calling thread. Items of one run may be done in any order and at once
 * on different workers: fn must touch only item i's data and worker w's.
 */
typedef void pool_fn(void *arg, size_t i, int w);

/*
 * Starts a pool of n workers (1 to POOL_MAX): the caller and n - 1 threads,
 * which wait for work. Returns the pool, or NULL with e set (EXIT_OSERR) when
 * a thread or memory cannot be had.
 */
struct pool *pool_start(int n, struct err *e);

/* Runs fn over items 0..n-1 and returns when all are done. */
void pool_run(struct pool *p, size_t n, pool_fn *fn, void *arg);

/*
 * Runs fn(arg, w, w) once on every worker w and returns when all are done:
 * for work split by worker, so that what a worker allocates it also frees
 * (malloc keeps one arena per thread; frees from another thread contend).
 */
void pool_each(struct pool *p, pool_fn *fn, void *arg);

int pool_size(const struct pool *p);

/* Stops and joins the threads. p may be NULL. */
void pool_stop(struct pool *p);

/* The number of online CPUs, at least 1. */
int pool_cpus(void);

#endif
