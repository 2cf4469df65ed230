/* rankeval.c - scoring topk lines against held-out ratings: relevance, hits, coverage */
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "base/ndjson.h"
#include "measure/rankeval.h"

static int
relevant(const struct rankeval *ev, int64_t pos)
{
	return pos >= 0 && (!ev->use_threshold || ev->test->values[pos] >= ev->threshold);
}

int
rankeval_init(struct rankeval *ev, const struct ratings *test, int k, int use_threshold,
    double threshold, struct err *e)
{
	size_t rows = (size_t)test->rows + 1, cols = (size_t)test->cols + 1;

	memset(ev, 0, sizeof *ev);
	if (k < 1)
		return err_set(e, EXIT_USAGE, "k must be at least 1");
	ev->test = test;
	ev->use_threshold = use_threshold;
	ev->threshold = threshold;
	metrics_rank_init(&ev->sums, k);
	ev->nrel = calloc(rows, sizeof *ev->nrel);
	ev->seen = calloc(rows, 1);
	ev->stamp = calloc(cols, sizeof *ev->stamp);
	ev->covered = calloc(cols, 1);
	ev->count = calloc(cols, sizeof *ev->count);
	ev->sorted = calloc(cols, sizeof *ev->sorted);
	ev->hitcap = k;
	ev->hit = calloc((size_t)k, 1);
	if (!ev->nrel || !ev->seen || !ev->stamp || !ev->covered || !ev->count || !ev->sorted ||
	    !ev->hit) {
		rankeval_free(ev);
		return err_nomem(e);
	}
	for (int64_t u = 0; u < test->rows; u++)
		for (int64_t p = test->indptr[u]; p < test->indptr[u + 1]; p++)
			ev->nrel[u] += relevant(ev, p);
	return 0;
}

int
rankeval_add(struct rankeval *ev, const json_t *line, struct err *e)
{
	const struct ratings *t = ev->test;
	const char *user = ndjson_str(line, "user");
	json_t *recs = json_object_get(line, "recs"), *rec;
	int64_t u, n, stamp = ++ev->lines;
	size_t j;

	if (user == NULL)
		return err_set(e, EXIT_DATA, "missing \"user\" (a string)");
	if (!json_is_array(recs))
		return err_set(e, EXIT_DATA, "missing \"recs\" (an array)");
	u = ids_find(&t->users, user, strlen(user));
	if (u >= 0 && ev->seen[u])
		return err_set(e, EXIT_DATA, "user '%s' has a second recommendation line", user);
	n = 0;
	json_array_foreach(recs, j, rec) {
		const char *item = ndjson_str(rec, "item");
		int64_t i;

		if (item == NULL)
			return err_set(e, EXIT_DATA, "recs[%zu]: missing \"item\" (a string)", j);
		if ((i = ids_find(&t->items, item, strlen(item))) < 0) {
			if (n < ev->sums.k)
				ev->hit[n++] = 0;
			continue;
		}
		if (ev->stamp[i] == stamp)
			return err_set(e, EXIT_DATA, "item '%s' is listed twice", item);
		ev->stamp[i] = stamp;
		if (n >= ev->sums.k)
			continue;
		if (!ev->covered[i]) {
			ev->covered[i] = 1;
			ev->ncovered++;
		}
		ev->count[i]++;
		ev->hit[n++] = u >= 0 && relevant(ev, ratings_find(t, u, (int32_t)i));
	}
	if (u < 0 || ev->nrel[u] == 0) {
		if (u >= 0)
			ev->seen[u] = 1;
		ev->lines_unscored++;
		return 0;
	}
	ev->seen[u] = 1;
	metrics_rank_add(&ev->sums, ev->hit, n, ev->nrel[u]);
	return 0;
}

void
rankeval_finish(struct rankeval *ev)
{
	for (int64_t u = 0; u < ev->test->rows; u++)
		if (ev->nrel[u] > 0 && !ev->seen[u]) {
			metrics_rank_add(&ev->sums, NULL, 0, ev->nrel[u]);
			ev->users_without_recs++;
		}
}

double
rankeval_coverage(const struct rankeval *ev)
{
	return ev->test->cols > 0 ? (double)ev->ncovered / (double)ev->test->cols : 0.0;
}

static int
cmp_count(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

double
rankeval_gini(struct rankeval *ev)
{
	int64_t n = ev->test->cols, *c = ev->sorted;
	double num = 0, total = 0;

	if (n == 0)
		return 0.0;
	memcpy(c, ev->count, (size_t)n * sizeof *c);
	qsort(c, (size_t)n, sizeof *c, cmp_count);
	/* G = sum_i (2i - n - 1) x_i / (n sum x), x ascending, i from 1 */
	for (int64_t i = 0; i < n; i++) {
		num += (double)(2 * (i + 1) - n - 1) * (double)c[i];
		total += (double)c[i];
	}
	return total > 0 ? num / ((double)n * total) : 0.0;
}

double
rankeval_top_share(const struct rankeval *ev, int64_t *item)
{
	int64_t best = -1;

	for (int64_t i = 0; i < ev->test->cols; i++)
		if (ev->count[i] > 0 && (best < 0 || ev->count[i] > ev->count[best]))
			best = i;
	if (item != NULL)
		*item = best;
	return best >= 0 && ev->lines > 0 ? (double)ev->count[best] / (double)ev->lines : 0.0;
}

void
rankeval_free(struct rankeval *ev)
{
	free(ev->count);
	free(ev->sorted);
	free(ev->nrel);
	free(ev->seen);
	free(ev->stamp);
	free(ev->covered);
	free(ev->hit);
	memset(ev, 0, sizeof *ev);
}
