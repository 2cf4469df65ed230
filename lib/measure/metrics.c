/* metrics.c - rating errors and top-k ranking metrics (binary relevance, log2 discount) */
#include <math.h>
#include <string.h>

#include "measure/metrics.h"

void
metrics_err_add(struct metrics_err *m, double predicted, double actual)
{
	double d = predicted - actual;

	m->n++;
	m->se += d * d;
	m->ae += fabs(d);
}

double
metrics_rmse(const struct metrics_err *m)
{
	return m->n > 0 ? sqrt(m->se / (double)m->n) : NAN;
}

double
metrics_mae(const struct metrics_err *m)
{
	return m->n > 0 ? m->ae / (double)m->n : NAN;
}

void
metrics_rank_init(struct metrics_rank *m, int k)
{
	memset(m, 0, sizeof *m);
	m->k = k > 0 ? k : 1;
}

int
metrics_rank_add(struct metrics_rank *m, const unsigned char *hit, int64_t n, int64_t nrel)
{
	int64_t k = m->k, hits = 0, ideal = nrel < k ? nrel : k;
	double dcg = 0, idcg = 0, ap = 0;

	if (nrel < 1)
		return 0;
	if (n > k)
		n = k;
	for (int64_t r = 0; r < n; r++) {
		if (!hit[r])
			continue;
		hits++;
		dcg += 1.0 / log2((double)r + 2.0);
		ap += (double)hits / (double)(r + 1);
	}
	for (int64_t r = 0; r < ideal; r++)
		idcg += 1.0 / log2((double)r + 2.0);
	m->users++;
	m->precision += (double)hits / (double)k;
	m->recall += (double)hits / (double)nrel;
	m->ndcg += dcg / idcg;
	m->ap += ap / (double)ideal;
	m->hit += hits > 0;
	return 1;
}

double
metrics_rank_mean(const struct metrics_rank *m, double sum)
{
	return m->users > 0 ? sum / (double)m->users : 0.0;
}
