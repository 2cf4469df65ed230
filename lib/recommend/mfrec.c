/* mfrec.c - the topk engine: blocks of users scored with one sgemm, bounded-heap selection, rules */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "base/exitcode.h"
#include "recommend/mfrec.h"

static const char *const source_name[] = { "mf", "fold-in", "popular" };

static double
meta_num(const struct model *m, const char *key, double dflt)
{
	const char *s = json_string_value(json_object_get(m->meta, key));
	char *end;
	double v;

	if (s == NULL)
		return dflt;
	v = strtod(s, &end);
	return (*s != '\0' && *end == '\0' && isfinite(v) && v > 0) ? v : dflt;
}

static int
meta_is(const struct model *m, const char *key, const char *val)
{
	const char *s = json_string_value(json_object_get(m->meta, key));

	return s != NULL && strcmp(s, val) == 0;
}

/* The cold-start ranking: decayed seen interactions, the model's item_popularity,
 * seen counts, or (for a foreign model with neither) the item biases. */
static int
build_popularity(struct mfrec *r, struct err *e)
{
	const struct model *m = r->m;

	if (r->o.pop.half_life_days > 0) {
		if (r->seen == NULL)
			return err_set(e, EXIT_USAGE, "recency decay needs the seen matrix");
		if (popularity_build(&r->pop, &r->seen->r, r->seen->item_to, m->items, NULL, 0,
		    &r->o.pop, e) < 0)
			return err_prefix(e, "%s", r->seen->name);
		return 0;
	}
	if (m->item_pop != NULL)
		return popularity_from_scores(&r->pop, m->item_pop, m->items, e);
	if (r->seen != NULL)
		return popularity_build(&r->pop, &r->seen->r, r->seen->item_to, m->items, NULL, 0,
		    &r->o.pop, e);
	return popularity_from_scores(&r->pop, m->item_bias, m->items, e);
}

/* Candidates (items passing the global rules) with their augmented factors. */
static int
build_items(struct mfrec *r, const struct catalog_view *view, struct err *e)
{
	const struct model *m = r->m;
	int64_t k = r->k, kk = r->kk;
	const int32_t *all;
	size_t nall;

	r->allowed = malloc((size_t)m->items + 1);
	r->cpos = malloc(((size_t)m->items + 1) * sizeof *r->cpos);
	r->cand = malloc(((size_t)m->items + 1) * sizeof *r->cand);
	r->Qn = malloc(((size_t)(m->items * k) + 1) * sizeof *r->Qn);
	r->mark = calloc((size_t)m->items + 1, sizeof *r->mark);
	if (!r->allowed || !r->cpos || !r->cand || !r->Qn || !r->mark)
		return err_nomem(e);
	for (int64_t i = 0; i < m->items; i++)
		r->allowed[i] = view ? view->allowed[i] : 1;
	if (r->ex != NULL)
		for (nall = exclude_all(r->ex, &all); nall > 0; nall--)
			r->allowed[all[nall - 1]] = 0;
	r->nc = 0;
	for (int64_t i = 0; i < m->items; i++) {
		r->cpos[i] = r->allowed[i] ? (int32_t)r->nc : -1;
		if (r->allowed[i])
			r->cand[r->nc++] = (int32_t)i;
	}
	r->Qc = malloc(((size_t)(r->nc * kk) + 1) * sizeof *r->Qc);
	if (r->Qc == NULL)
		return err_nomem(e);
	for (int64_t c = 0; c < r->nc; c++) {
		int32_t i = r->cand[c];
		float *q = r->Qc + c * kk;

		memcpy(q, m->Q + (int64_t)i * k, (size_t)k * sizeof *q);
		q[k] = m->item_bias[i] + (view ? view->boost[i] : 0.0f);
		q[k + 1] = 1.0f;
	}
	for (int64_t i = 0; i < m->items; i++) {
		const float *q = m->Q + i * k;
		float nrm = k > 0 ? cblas_snrm2((int)k, q, 1) : 0.0f;

		for (int64_t d = 0; d < k; d++)
			r->Qn[i * k + d] = nrm > 0 ? q[d] / nrm : 0.0f;
	}
	return 0;
}

int
mfrec_init(struct mfrec *r, const struct model *m, const struct mfrec_opts *o,
    struct history *seen, struct exclude *ex, const struct catalog_view *view, FILE *out,
    struct err *e)
{
	size_t nc;

	memset(r, 0, sizeof *r);
	r->m = m;
	r->o = *o;
	r->seen = seen;
	r->ex = ex;
	r->cat = view ? view->cat : NULL;
	r->k = m->k;
	r->kk = m->k + 2;
	r->implicit = meta_is(m, "feedback", "implicit") || meta_is(m, "algo", "ials");
	if (r->o.fold_reg < 0)
		r->o.fold_reg = meta_num(m, "reg", 0.1);
	if (r->o.fold_alpha < 0)
		r->o.fold_alpha = meta_num(m, "alpha", 1.0);
	r->fold_rule = liked_rule(&o->like, r->implicit);
	r->seen_rule = liked_rule(&o->like, seen != NULL ? seen->r.implicit : r->implicit);
	r->action = seen != NULL ? r->seen_rule.action : r->fold_rule.action;
	if (r->o.mmr_pool <= 0)
		r->o.mmr_pool = r->o.n * 5 > 50 ? r->o.n * 5 : 50;
	if (r->o.mmr_pool < r->o.n)
		r->o.mmr_pool = r->o.n;
	if (build_items(r, view, e) < 0 || build_popularity(r, e) < 0)
		goto fail;
	if (m->mf.n > 0 && content_feat_read(&r->content, &m->mf, m->items, e) < 0)
		goto fail;
	if (foldin_init(&r->fold, m, r->implicit, r->o.fold_reg, r->o.fold_alpha, e) < 0)
		goto fail;
	nc = r->nc > 0 ? (size_t)r->nc : 1;
	if (o->block > 0) {
		r->bcap = (size_t)o->block;
	} else {
		size_t lo = MFREC_BLOCK_MAX_FLOATS / nc;

		r->bcap = MFREC_BLOCK_FLOATS / nc;
		if (r->bcap < (lo < 256 ? lo : 256))
			r->bcap = lo < 256 ? lo : 256;
		if (r->bcap > 4096)
			r->bcap = 4096;
		if (r->bcap < 1)
			r->bcap = 1;
	}
	r->u = calloc(r->bcap, sizeof *r->u);
	r->Pb = malloc(r->bcap * (size_t)r->kk * sizeof *r->Pb);
	r->pf = malloc((r->bcap * (size_t)r->k + 1) * sizeof *r->pf);
	r->S = malloc(r->bcap * nc * sizeof *r->S);
	r->out = malloc((size_t)r->o.n * sizeof *r->out);
	r->chosen = malloc((size_t)r->o.n * sizeof *r->chosen);
	if (!r->u || !r->Pb || !r->pf || !r->S || !r->out || !r->chosen) {
		err_nomem(e);
		goto fail;
	}
	if (topn_init(&r->heap, (size_t)r->o.n, e) < 0 ||
	    recs_writer_init(&r->w, out, &m->item_ids, e) < 0)
		goto fail;
	return 0;
fail:
	mfrec_free(r);
	return -1;
}

void
mfrec_free(struct mfrec *r)
{
	if (r->u != NULL)
		for (size_t b = 0; b < r->bcap; b++) {
			json_decref(r->u[b].line);
			free(r->u[b].hist);
			free(r->u[b].vals);
			free(r->u[b].why);
		}
	free(r->u);
	free(r->allowed);
	free(r->cpos);
	free(r->cand);
	free(r->Qc);
	free(r->Qn);
	free(r->mark);
	free(r->Pb);
	free(r->pf);
	free(r->S);
	free(r->out);
	free(r->chosen);
	free(r->mmr_sim);
	free(r->mmr_used);
	free(r->H);
	free(r->R);
	free(r->sim);
	popularity_free(&r->pop);
	foldin_free(&r->fold);
	topn_free(&r->heap);
	recs_writer_free(&r->w);
	memset(r, 0, sizeof *r);
}

/*
 * Grows the array whose pointer is at ptrp (elements of size sz, capacity *cap)
 * to hold need; the pointer is read and written with memcpy, so any object
 * pointer type may be passed. Returns 0 or -1 (EXIT_OSERR).
 */
static int
grow_array(void *ptrp, size_t *cap, size_t need, size_t sz, struct err *e)
{
	void *arr, *a;

	if (need <= *cap)
		return 0;
	memcpy(&arr, ptrp, sizeof arr);
	if ((a = realloc(arr, (need < 64 ? 64 : need * 2) * sz)) == NULL)
		return err_nomem(e);
	memcpy(ptrp, &a, sizeof a);
	*cap = need < 64 ? 64 : need * 2;
	return 0;
}

static int
grow_hist(struct mfrec_user *s, size_t need, struct err *e)
{
	return grow_array(&s->hist, &s->histcap, need, sizeof *s->hist, e);
}

static int
grow_vals(struct mfrec_user *s, size_t need, struct err *e)
{
	return grow_array(&s->vals, &s->valcap, need, sizeof *s->vals, e);
}

/* The items of s's history a reason may name: the liked ones of the line's and of --seen's. */
static int
find_liked(struct mfrec *r, struct mfrec_user *s, int64_t row, struct err *e)
{
	double mean = liked_mean(s->vals, s->nfold);

	if (s->nhist > s->whycap) {
		size_t ncap = s->nhist < 64 ? 64 : s->nhist * 2;
		int32_t *w = realloc(s->why, ncap * sizeof *w);

		if (w == NULL)
			return err_nomem(e);
		s->why = w;
		s->whycap = ncap;
	}
	s->nwhy = 0;
	for (size_t j = 0; j < s->nfold; j++)
		if (liked_is(&r->fold_rule, s->vals[j], mean))
			s->why[s->nwhy++] = s->hist[j];
	s->nwhy += liked_history(&r->seen_rule, r->seen, row, s->why + s->nwhy);
	return 0;
}

/* The slot a line's "items" go to, for add_item. */
struct fold_slot {
	struct mfrec *r;
	struct mfrec_user *s;
};

/* recs_user_items's add: appends a fold-in item (key, value) when the model knows it. */
static int
add_item(void *arg, const char *key, size_t len, float v, struct err *e)
{
	struct fold_slot *fs = arg;
	struct mfrec_user *s = fs->s;
	int64_t i = ids_find(&fs->r->m->item_ids, key, len);

	if (i < 0)
		return 0;
	if (grow_hist(s, s->nfold + 1, e) < 0 || grow_vals(s, s->nfold + 1, e) < 0)
		return -1;
	s->hist[s->nfold] = (int32_t)i;
	s->vals[s->nfold++] = v;
	return 0;
}

/* Completes the slot at r->bn (its fold-in items already read) and queues it. */
static int
queue(struct mfrec *r, json_t *line, const char *id, size_t len, int64_t mu, struct err *e)
{
	struct mfrec_user *s = &r->u[r->bn];
	int64_t row = r->seen ? history_row(r->seen, id, len) : -1;

	if (grow_hist(s, s->nfold + history_len(r->seen, row), e) < 0)
		return -1;
	s->nhist = s->nfold + (r->seen ? history_items(r->seen, row, s->hist + s->nfold) : 0);
	if (find_liked(r, s, row, e) < 0)
		return -1;
	s->id = id;
	s->len = len;
	s->mu = mu;
	if (s->nfold > 0) {
		struct err fe = { 0 };
		const struct model *m = r->m;

		/* a known user's line items are the session's context: their factors move toward them */
		s->src = MFREC_FOLDIN;
		if (foldin_update(&r->fold, s->hist, s->vals, s->nfold, mu >= 0 ? m->P + mu * r->k : NULL,
		    mu >= 0 ? m->user_bias[mu] : 0.0f, r->pf + r->bn * r->k, &fe) < 0) {
			if (fe.code != EXIT_DATA) {
				if (e != NULL)
					*e = fe;
				return -1;
			}
			s->src = mu >= 0 ? MFREC_MF : MFREC_POPULAR;
		}
	} else if (mu >= 0) {
		s->src = MFREC_MF;
	} else {
		s->src = MFREC_POPULAR;
	}
	s->line = line;
	if (++r->bn == r->bcap)
		return mfrec_flush(r, e);
	return 0;
}

int
mfrec_add_line(struct mfrec *r, json_t *line, struct err *e)
{
	struct mfrec_user *s = &r->u[r->bn];
	struct fold_slot slot = { r, s };
	json_t *uv = json_object_get(line, "user");
	const char *id;
	size_t len;

	s->nfold = s->nhist = 0;
	if (uv == NULL || json_is_null(uv)) {
		err_set(e, EXIT_DATA, "missing \"user\"");
		goto bad;
	}
	if (!json_is_string(uv) || json_string_length(uv) == 0 ||
	    strlen(json_string_value(uv)) != json_string_length(uv)) {
		err_set(e, EXIT_DATA, "\"user\" must be a non-empty string without NUL");
		goto bad;
	}
	if (recs_user_items(json_object_get(line, "items"), add_item, &slot, e) < 0)
		goto bad;
	json_object_del(line, "items");
	id = json_string_value(uv);
	len = json_string_length(uv);
	return queue(r, line, id, len, ids_find(&r->m->user_ids, id, len), e);
bad:
	json_decref(line);
	return -1;
}

int
mfrec_add_all(struct mfrec *r, struct err *e)
{
	const struct model *m = r->m;
	size_t len;
	const char *id;

	r->total = (size_t)m->users;
	if (r->seen != NULL)
		r->total += (size_t)r->seen->r.rows - r->seen->users_shared;
	for (int64_t u = 0; u < m->users; u++) {
		id = ids_get(&m->user_ids, u, &len);
		r->u[r->bn].nfold = 0;
		if (queue(r, NULL, id, len, u, e) < 0)
			return -1;
	}
	if (r->seen != NULL)
		for (int64_t row = 0; row < r->seen->r.rows; row++) {
			id = ids_get(&r->seen->r.users, row, &len);
			if (ids_find(&m->user_ids, id, len) >= 0)
				continue;
			r->u[r->bn].nfold = 0;
			if (queue(r, NULL, id, len, -1, e) < 0)
				return -1;
		}
	return mfrec_flush(r, e);
}

/* Marks the user's own items and personal exclusions with a fresh stamp. */
static void
mark_user(struct mfrec *r, const struct mfrec_user *s)
{
	const int32_t *ex;
	size_t nex;

	if (++r->stamp == 0) {
		memset(r->mark, 0, (size_t)r->m->items * sizeof *r->mark);
		r->stamp = 1;
	}
	for (size_t j = 0; j < s->nhist; j++)
		r->mark[s->hist[j]] = r->stamp;
	if (r->ex != NULL)
		for (nex = exclude_user(r->ex, s->id, s->len, &ex); nex > 0; nex--)
			r->mark[ex[nex - 1]] = r->stamp;
}

/* MMR over the sorted pool in the heap; returns how many were chosen. */
static size_t
pick_mmr(struct mfrec *r, size_t got, const struct topn_filter *f, struct err *e)
{
	const struct topn *h = &r->heap;
	double lam = r->o.mmr, lo = h->score[got - 1], hi = h->score[0];
	size_t n = 0, want = (size_t)r->o.n;
	int k = (int)r->k;

	if (r->heap.alloc > 0 && (r->mmr_sim == NULL || r->mmr_used == NULL ||
	    r->hcap < r->heap.alloc)) {
		float *ms = realloc(r->mmr_sim, r->heap.alloc * sizeof *ms);
		uint8_t *mu;

		if (ms == NULL)
			return (size_t)err_nomem(e);
		r->mmr_sim = ms;
		if ((mu = realloc(r->mmr_used, r->heap.alloc)) == NULL)
			return (size_t)err_nomem(e);
		r->mmr_used = mu;
		r->hcap = r->heap.alloc;
	}
	for (size_t j = 0; j < got; j++) {
		r->mmr_sim[j] = 0;
		r->mmr_used[j] = 0;
	}
	while (n < want) {
		size_t best = got;
		double bestv = -INFINITY;
		const float *qb;

		for (size_t j = 0; j < got; j++) {
			double rel = hi > lo ? (h->score[j] - lo) / (hi - lo) : 1.0;
			double v = lam * rel - (1 - lam) * r->mmr_sim[j];

			if (r->mmr_used[j] || !topn_filter_pass(f, h->idx[j], r->chosen, n))
				continue;
			if (v > bestv) {
				bestv = v;
				best = j;
			}
		}
		if (best == got)
			break;
		r->mmr_used[best] = 1;
		r->chosen[n] = h->idx[best];
		r->out[n].score = h->score[best];
		n++;
		qb = r->Qn + (int64_t)h->idx[best] * k;
		for (size_t j = 0; j < got; j++) {
			float c;

			if (r->mmr_used[j])
				continue;
			c = cblas_sdot(k, r->Qn + (int64_t)h->idx[j] * k, 1, qb, 1);
			if (c > r->mmr_sim[j])
				r->mmr_sim[j] = c;
		}
	}
	return n;
}

/* Chooses a scored user's items from their score row; returns how many, or (size_t)-1. */
static size_t
pick_scored(struct mfrec *r, const struct mfrec_user *s, float *row, struct err *e)
{
	struct topn_filter f = { NULL, NULL, 0, r->cat, r->o.max_per_category };
	size_t want = (size_t)r->o.n, pool, got, n;
	const int32_t *ex;
	size_t nex;

	for (size_t j = 0; j < s->nhist; j++)
		if (r->cpos[s->hist[j]] >= 0)
			row[r->cpos[s->hist[j]]] = -INFINITY;
	if (r->ex != NULL)
		for (nex = exclude_user(r->ex, s->id, s->len, &ex); nex > 0; nex--)
			if (r->cpos[ex[nex - 1]] >= 0)
				row[r->cpos[ex[nex - 1]]] = -INFINITY;
	pool = r->o.mmr >= 0 ? (size_t)r->o.mmr_pool : f.cap > 0 ? 2 * want : want;
	for (;;) {
		if (pool > (size_t)r->nc)
			pool = (size_t)r->nc;
		if (topn_resize(&r->heap, pool, e) < 0)
			return (size_t)-1;
		topn_push_row(&r->heap, row, (size_t)r->nc, r->cand);
		got = topn_sort(&r->heap);
		if (got == 0)
			return 0;
		if (r->o.mmr >= 0) {
			if ((n = pick_mmr(r, got, &f, e)) == (size_t)-1)
				return n;
		} else {
			n = 0;
			for (size_t j = 0; j < got && n < want; j++)
				if (topn_filter_pass(&f, r->heap.idx[j], r->chosen, n)) {
					r->chosen[n] = r->heap.idx[j];
					r->out[n++].score = r->heap.score[j];
				}
		}
		if (n == want || got < pool || pool >= (size_t)r->nc)
			return n;
		pool *= 2;
	}
}

/*
 * Recomputes the scores of the n chosen items one by one, in a fixed order and
 * in double precision, and (without MMR, whose order is its own) sorts them
 * best first, ties by item index. The sgemm only selects: its rounding depends
 * on where a user sits in a block (OpenBLAS's kernels round rows differently),
 * and a line must not depend on how the input was split into blocks, shards or
 * runs.
 */
static void
rescore(struct mfrec *r, const float *pu, size_t n)
{
	size_t kk = (size_t)r->kk;

	for (size_t t = 0; t < n; t++) {
		const float *q = r->Qc + (size_t)r->cpos[r->chosen[t]] * kk;
		double acc = 0;

		for (size_t x = 0; x < kk; x++)
			acc += (double)pu[x] * q[x];
		r->out[t].score = (float)acc;
	}
	if (r->o.mmr >= 0)
		return;
	for (size_t t = 1; t < n; t++) {
		int32_t c = r->chosen[t];
		float sc = r->out[t].score;
		size_t j = t;

		for (; j > 0 && (r->out[j - 1].score < sc ||
		    (r->out[j - 1].score == sc && r->chosen[j - 1] > c)); j--) {
			r->chosen[j] = r->chosen[j - 1];
			r->out[j].score = r->out[j - 1].score;
		}
		r->chosen[j] = c;
		r->out[j].score = sc;
	}
}

/*
 * A content model's reasons: for each chosen item, the most similar liked
 * history item that shares a feature with it (the one weighing most in their
 * cosine: a category, a brand, a word), named with that feature; the model's
 * own reason when none shares one. The shared feature is the evidence, so no
 * similarity floor applies. r->sim holds the cosines.
 */
static int
content_reasons(struct mfrec *r, const struct mfrec_user *s, size_t n)
{
	size_t nh = s->nwhy;

	for (size_t t = 0; t < n; t++) {
		const float *row = r->sim + t * nh;
		struct recs_rec *o = &r->out[t];
		float best = -INFINITY;

		for (size_t j = 0; j < nh; j++) {
			const char *kind, *label;
			size_t len;

			if (row[j] <= best || s->why[j] == r->chosen[t] ||
			    !content_shared(&r->content, r->chosen[t], s->why[j], &kind, &label, &len))
				continue;
			best = row[j];
			o->reason = RECS_CONTENT;
			o->because = s->why[j];
			o->similarity = row[j];
			o->action = r->action;
			o->shared = kind;
			o->value = label;
			o->vlen = len;
		}
	}
	return 0;
}

/*
 * Names, for each chosen item, the most similar item of the user's history
 * that the user liked, when that similarity is above the floor; the model's
 * own reason otherwise.
 */
static int
add_reasons(struct mfrec *r, const struct mfrec_user *s, size_t n, struct err *e)
{
	size_t nh = s->nwhy, k = (size_t)r->k;

	for (size_t t = 0; t < n; t++) {
		r->out[t].item = r->chosen[t];
		r->out[t].reason = RECS_MODEL;
		r->out[t].because = -1;
		r->out[t].action = RECS_ACT_NONE;
	}
	if (nh == 0 || n == 0 || k == 0)
		return 0;
	{
		float *H = realloc(r->H, nh * k * sizeof *H), *R, *sim;

		if (H == NULL)
			return err_nomem(e);
		r->H = H;
		if ((R = realloc(r->R, n * k * sizeof *R)) == NULL)
			return err_nomem(e);
		r->R = R;
		if ((sim = realloc(r->sim, n * nh * sizeof *sim)) == NULL)
			return err_nomem(e);
		r->sim = sim;
	}
	for (size_t j = 0; j < nh; j++)
		memcpy(r->H + j * k, r->Qn + (size_t)s->why[j] * k, k * sizeof *r->H);
	for (size_t t = 0; t < n; t++)
		memcpy(r->R + t * k, r->Qn + (size_t)r->chosen[t] * k, k * sizeof *r->R);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)nh, (int)k, 1.0f, r->R,
	    (int)k, r->H, (int)k, 0.0f, r->sim, (int)nh);
	if (r->content.present)
		return content_reasons(r, s, n);
	for (size_t t = 0; t < n; t++) {
		const float *row = r->sim + t * nh;
		size_t best = 0;

		for (size_t j = 1; j < nh; j++)
			if (row[j] > row[best])
				best = j;
		if (row[best] > r->o.min_similarity) {
			r->out[t].reason = RECS_SIMILAR;
			r->out[t].because = s->why[best];
			r->out[t].similarity = row[best];
			r->out[t].action = r->action;
		}
	}
	return 0;
}

/* The cold-start answer: the most popular items the rules and the user allow. */
static size_t
pick_popular(struct mfrec *r, const struct mfrec_user *s)
{
	struct topn_filter f = { r->allowed, r->mark, 0, r->cat, r->o.max_per_category };
	size_t n;

	mark_user(r, s);
	f.stamp = r->stamp;
	n = topn_take(popularity_order(&r->pop, 0), (size_t)r->m->items, &f, r->chosen,
	    (size_t)r->o.n);
	for (size_t t = 0; t < n; t++) {
		r->out[t].item = r->chosen[t];
		r->out[t].score = (float)popularity_score(&r->pop, 0, r->chosen[t]);
		r->out[t].reason = RECS_POPULAR;
		r->out[t].because = -1;
		r->out[t].action = RECS_ACT_NONE;
	}
	return n;
}

int
mfrec_flush(struct mfrec *r, struct err *e)
{
	const struct model *m = r->m;
	int64_t k = r->k, kk = r->kk;
	size_t nb = 0, *rowof = NULL;
	int rc = -1;

	if (r->bn == 0)
		return 0;
	if ((rowof = malloc(r->bn * sizeof *rowof)) == NULL)
		return err_nomem(e);
	for (size_t b = 0; b < r->bn; b++) {
		const struct mfrec_user *s = &r->u[b];
		float *p = r->Pb + nb * kk;

		if (s->src == MFREC_POPULAR)
			continue;
		rowof[b] = nb++;
		memcpy(p, s->src == MFREC_MF ? m->P + s->mu * k : r->pf + b * k,
		    (size_t)k * sizeof *p);
		p[k] = 1.0f;
		p[k + 1] = m->global_mean + (s->mu >= 0 ? m->user_bias[s->mu] : 0.0f);
	}
	/*
	 * One matrix product scores the whole block: S = Pb Qc^T (biases ride in columns k, k+1).
	 * A block of one user (line mode, an idle recserve) is a matrix-vector product: sgemm
	 * would pack all of Qc for one row (bench/realtime.sh: 1 x 50,000 x 66, 0.76 ms by sgemv
	 * against 4.4 ms by sgemm, one thread).
	 */
	if (nb == 1 && r->nc > 0)
		cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)r->nc, (int)kk, 1.0f, r->Qc, (int)kk,
		    r->Pb, 1, 0.0f, r->S, 1);
	else if (nb > 0 && r->nc > 0)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)r->nc, (int)kk,
		    1.0f, r->Pb, (int)kk, r->Qc, (int)kk, 0.0f, r->S, (int)r->nc);
	for (size_t b = 0; b < r->bn; b++) {
		struct mfrec_user *s = &r->u[b];
		const char *src = source_name[s->src];
		size_t n;

		if (s->src == MFREC_POPULAR) {
			n = pick_popular(r, s);
		} else {
			n = r->nc > 0 ? pick_scored(r, s, r->S + rowof[b] * (size_t)r->nc, e) : 0;
			if (n == (size_t)-1)
				goto out;
			rescore(r, r->Pb + rowof[b] * (size_t)kk, n);
			if (add_reasons(r, s, n, e) < 0)
				goto out;
		}
		if (n == 0) {
			src = "none";
			r->empty++;
		}
		r->count[s->src]++;
		if (recs_write(&r->w, s->id, s->len, r->out, n, src, s->line, e) < 0)
			goto out;
		json_decref(s->line);
		s->line = NULL;
	}
	r->done += r->bn;
	r->bn = 0;
	if (r->o.progress != NULL)
		r->o.progress(r->o.progress_arg, r->done, r->total);
	rc = 0;
out:
	free(rowof);
	return rc;
}
