/* rng.c - xoshiro256** (Blackman & Vigna) with splitmix64 seeding */
#include <math.h>

#include "base/rng.h"

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double
rng_uniform(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t
rng_below(struct rng *r, uint64_t n)
{
	/* Lemire's nearly divisionless method would be faster; rejection keeps it unbiased and simple. */
	uint64_t lim = UINT64_MAX - UINT64_MAX % n, x;

	do
		x = rng_next(r);
	while (x >= lim);
	return x % n;
}

double
rng_normal(struct rng *r)
{
	double u = 1.0 - rng_uniform(r), v = rng_uniform(r);

	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

double
rng_gamma(struct rng *r, double shape)
{
	double d, c, x, v, u;

	if (!(shape > 0) || !isfinite(shape))
		return NAN;
	if (shape < 1) {
		/* Gamma(a) = Gamma(a + 1) * U^(1/a) */
		u = 1.0 - rng_uniform(r);
		return rng_gamma(r, shape + 1) * pow(u, 1.0 / shape);
	}
	d = shape - 1.0 / 3;
	c = 1.0 / sqrt(9 * d);
	for (;;) {
		do {
			x = rng_normal(r);
			v = 1 + c * x;
		} while (v <= 0);
		v = v * v * v;
		u = 1.0 - rng_uniform(r);
		if (u < 1 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1 - v + log(v)))
			return d * v;
	}
}

double
rng_beta(struct rng *r, double a, double b)
{
	double x = rng_gamma(r, a), y;

	if (isnan(x))
		return NAN;
	y = rng_gamma(r, b);
	if (isnan(y))
		return NAN;
	return x + y > 0 ? x / (x + y) : 0.5;
}

uint64_t
rng_poisson(struct rng *r, double lambda)
{
	if (lambda <= 0)
		return 0;
	if (lambda < 30) {
		double l = exp(-lambda), p = 1.0;
		uint64_t k = 0;

		do {
			k++;
			p *= rng_uniform(r);
		} while (p > l);
		return k - 1;
	}
	double x = round(lambda + sqrt(lambda) * rng_normal(r));

	return x < 0 ? 0 : (uint64_t)x;
}

void
rng_shuffle(struct rng *r, void *base, uint64_t n, uint64_t sz)
{
	unsigned char *b = base;

	for (uint64_t i = n; i > 1; i--) {
		unsigned char *x = b + (i - 1) * sz, *y = b + rng_below(r, i) * sz;

		for (uint64_t k = 0; k < sz && x != y; k++) {
			unsigned char t = x[k];

			x[k] = y[k];
			y[k] = t;
		}
	}
}
