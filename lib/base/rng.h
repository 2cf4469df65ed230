/* rng.h - a small, fast, seeded pseudo-random generator (xoshiro256**, seeded by splitmix64) */
#ifndef RECMAIL_RNG_H
#define RECMAIL_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

/* Seeds the generator; the same seed gives the same sequence on every machine. */
void rng_seed(struct rng *r, uint64_t seed);

/* Next 64 random bits. */
uint64_t rng_next(struct rng *r);

/* Uniform double in [0, 1). */
double rng_uniform(struct rng *r);

/* Uniform integer in [0, n); n > 0. */
uint64_t rng_below(struct rng *r, uint64_t n);

/* Standard normal deviate (Box-Muller, no cached state). */
double rng_normal(struct rng *r);

/* Poisson deviate with mean lambda >= 0 (inversion for small, normal approximation for large). */
uint64_t rng_poisson(struct rng *r, double lambda);

/* Shuffles n elements of size sz in place (Fisher-Yates). */
void rng_shuffle(struct rng *r, void *base, uint64_t n, uint64_t sz);

#endif
