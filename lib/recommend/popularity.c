/* popularity.c - item popularity counts, recency decay and per-group rankings */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "recommend/popularity.h"

void
popularity_free(struct popularity *p)
{
	free(p->score);
	free(p->order);
	memset(p, 0, sizeof *p);
}

struct rank_ctx {
	const double *g, *all;
};

static int
by_rank(const void *a, const void *b, void *arg)
{
	const struct rank_ctx *c = arg;
	int32_t i = *(const int32_t *)a, j = *(const int32_t *)b;

	if (c->g[i] != c->g[j])
		return c->g[i] > c->g[j] ? -1 : 1;
	if (c->all[i] != c->all[j])
		return c->all[i] > c->all[j] ? -1 : 1;
	return (i > j) - (i < j);
}

static int
alloc_groups(struct popularity *p, int64_t items, int64_t groups, struct err *e)
{
	size_t n = (size_t)(items * groups) + 1;

	memset(p, 0, sizeof *p);
	p->items = items;
	p->groups = groups;
	p->score = calloc(n, sizeof *p->score);
	p->order = malloc(n * sizeof *p->order);
	if (p->score == NULL || p->order == NULL) {
		popularity_free(p);
		return err_nomem(e);
	}
	return 0;
}

static void
rank_all(struct popularity *p)
{
	for (int64_t g = 0; g < p->groups; g++) {
		struct rank_ctx c = { p->score + g * p->items, p->score };
		int32_t *o = p->order + g * p->items;

		for (int64_t i = 0; i < p->items; i++)
			o[i] = (int32_t)i;
		qsort_r(o, (size_t)p->items, sizeof *o, by_rank, &c);
	}
}

int
popularity_build(struct popularity *p, const struct ratings *r, const int32_t *item_to,
    int64_t items, const int32_t *user_group, int64_t ngroups, const struct popularity_opts *o,
    struct err *e)
{
	double scale = 0;

	if (o->half_life_days > 0 && r->ts == NULL && r->nnz > 0)
		return err_set(e, EXIT_DATA, "the ratings have no timestamps to decay by");
	if (alloc_groups(p, items, ngroups + 1, e) < 0)
		return -1;
	if (o->half_life_days > 0) {
		p->now = o->now;
		if (!o->has_now)
			for (int64_t k = 0; k < r->nnz; k++)
				if (k == 0 || r->ts[k] > p->now)
					p->now = r->ts[k];
		scale = 1.0 / (o->half_life_days * 86400.0);
	}
	for (int64_t u = 0; u < r->rows; u++) {
		int32_t g = user_group ? user_group[u] : 0;

		for (int64_t k = r->indptr[u]; k < r->indptr[u + 1]; k++) {
			int32_t i = item_to ? item_to[r->indices[k]] : r->indices[k];
			double w = o->by_value ? r->values[k] : 1.0;

			if (i < 0)
				continue;
			if (scale > 0) {
				double age = (double)(p->now - r->ts[k]);

				w *= exp2(-(age > 0 ? age : 0) * scale);
			}
			p->score[i] += w;
			if (g > 0 && g <= ngroups)
				p->score[(int64_t)g * items + i] += w;
		}
	}
	rank_all(p);
	return 0;
}

int
popularity_from_scores(struct popularity *p, const float *v, int64_t items, struct err *e)
{
	if (alloc_groups(p, items, 1, e) < 0)
		return -1;
	for (int64_t i = 0; i < items; i++)
		p->score[i] = v[i];
	rank_all(p);
	return 0;
}

const int32_t *
popularity_order(const struct popularity *p, int64_t g)
{
	if (g < 0 || g >= p->groups)
		g = 0;
	return p->order + g * p->items;
}

double
popularity_score(const struct popularity *p, int64_t g, int32_t i)
{
	if (g < 0 || g >= p->groups)
		g = 0;
	return p->score[g * p->items + i];
}
