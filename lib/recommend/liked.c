/* liked.c - the rule that keeps reasons to items the customer liked: a rating threshold, the user's mean */
#include <string.h>

#include "base/cli.h"
#include "base/exitcode.h"
#include "recommend/liked.h"

void
liked_opts_init(struct liked_opts *o)
{
	o->min = -1;
	o->action = RECS_ACT_NONE;
}

struct liked
liked_rule(const struct liked_opts *o, int implicit)
{
	struct liked l;

	l.min = o->min >= 0 ? o->min : implicit ? 0.0 : LIKED_DEFAULT_MIN;
	l.relative = !implicit && l.min > 0;
	l.action = o->action != RECS_ACT_NONE ? o->action : implicit ? RECS_BOUGHT : RECS_RATED;
	return l;
}

int
liked_parse_action(const char *s, enum recs_action *a)
{
	for (int i = RECS_ACT_NONE + 1; i < RECS_NACTIONS; i++)
		if (strcmp(s, recs_action_name((enum recs_action)i)) == 0) {
			*a = (enum recs_action)i;
			return 0;
		}
	return -1;
}

double
liked_mean(const float *v, size_t n)
{
	double s = 0;

	for (size_t j = 0; j < n; j++)
		s += v[j];
	return n > 0 ? s / (double)n : 0.0;
}

size_t
liked_history(const struct liked *l, const struct history *h, int64_t row, int32_t *out)
{
	int64_t a, b;
	size_t n = 0;
	double mean;

	if (h == NULL || row < 0)
		return 0;
	a = h->r.indptr[row];
	b = h->r.indptr[row + 1];
	mean = liked_mean(h->r.values + a, (size_t)(b - a));
	for (int64_t k = a; k < b; k++) {
		int32_t t = h->item_to[h->r.indices[k]];

		if (t >= 0 && liked_is(l, h->r.values[k], mean))
			out[n++] = t;
	}
	return n;
}

int
liked_option(struct liked_opts *o, enum liked_option which, const char *arg)
{
	if (which == LIKED_O_THRESHOLD)
		return cli_parse_double("--like-threshold", arg, 0, 1e9, &o->min) < 0 ? EXIT_USAGE : -1;
	if (liked_parse_action(arg, &o->action) < 0)
		return cli_usage_error("--history-action: '%s' is not bought, carted, viewed, "
		    "clicked or rated", arg);
	return -1;
}
