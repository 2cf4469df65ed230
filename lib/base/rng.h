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

/* Gamma(shape, 1) deviate for shape > 0 (Marsaglia and Tsang 2000; shape < 1 by the boost
 * u^(1/shape)). Returns NAN for a shape that is not positive and finite. */
double rng_gamma(struct rng *r, double shape);

/* Beta(a, b) deviate for a, b > 0, as X / (X + Y) of two gamma deviates. NAN for bad parameters. */
double rng_beta(struct rng *r, double a, double b);

/* Poisson deviate with mean lambda >= 0 (inversion for small, normal approximation for large). */
uint64_t rng_poisson(struct rng *r, double lambda);

/* Shuffles n elements of size sz in place (Fisher-Yates). */
void rng_shuffle(struct rng *r, void *base, uint64_t n, uint64_t sz);

#endif
