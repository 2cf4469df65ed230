/* knn.c - cosine neighbourhoods (sparse accumulator or sgemm blocks) and the itemknn/userknn recommender */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "base/exitcode.h"
#include "recommend/knn.h"

/* --- the index: A in rows, its transpose, row norms --- */

static void
csr_free(struct knn_csr *m)
{
	free(m->indptr);
	free(m->indices);
	free(m->values);
	memset(m, 0, sizeof *m);
}

static int
csr_alloc(struct knn_csr *m, int64_t rows, int64_t cols, int64_t nnz)
{
	m->rows = rows;
	m->cols = cols;
	m->nnz = nnz;
	m->indptr = calloc((size_t)rows + 1, sizeof *m->indptr);
	m->indices = malloc(((size_t)nnz + 1) * sizeof *m->indices);
	m->values = malloc(((size_t)nnz + 1) * sizeof *m->values);
	return m->indptr && m->indices && m->values ? 0 : -1;
}

/* t = m^T; rows of t come out with increasing columns since m is walked in row order. */
static int
csr_transpose(struct knn_csr *t, const struct knn_csr *m)
{
	int64_t *next;

	if (csr_alloc(t, m->cols, m->rows, m->nnz) < 0)
		return -1;
	for (int64_t k = 0; k < m->nnz; k++)
		t->indptr[m->indices[k] + 1]++;
	for (int64_t c = 0; c < m->cols; c++)
		t->indptr[c + 1] += t->indptr[c];
	if ((next = malloc(((size_t)m->cols + 1) * sizeof *next)) == NULL)
		return -1;
	memcpy(next, t->indptr, (size_t)m->cols * sizeof *next);
	for (int64_t a = 0; a < m->rows; a++)
		for (int64_t k = m->indptr[a]; k < m->indptr[a + 1]; k++) {
			int64_t p = next[m->indices[k]]++;

			t->indices[p] = (int32_t)a;
			t->values[p] = m->values[k];
		}
	free(next);
	return 0;
}

int
knn_index_build(struct knn_index *x, const struct ratings *r, int by_item, int binary,
    struct err *e)
{
	struct knn_csr R = { 0 };
	size_t n;

	memset(x, 0, sizeof *x);
	if (csr_alloc(&R, r->rows, r->cols, r->nnz) < 0)
		goto nomem;
	memcpy(R.indptr, r->indptr, ((size_t)r->rows + 1) * sizeof *R.indptr);
	memcpy(R.indices, r->indices, (size_t)r->nnz * sizeof *R.indices);
	for (int64_t k = 0; k < r->nnz; k++)
		R.values[k] = binary ? 1.0f : r->values[k];
	if (by_item) {
		x->at = R;
		if (csr_transpose(&x->a, &x->at) < 0)
			goto nomem;
	} else {
		x->a = R;
		if (csr_transpose(&x->at, &x->a) < 0)
			goto nomem;
	}
	n = (size_t)x->a.rows + 1;
	x->norm = malloc(n * sizeof *x->norm);
	x->acc = calloc(n, sizeof *x->acc);
	x->cnt = calloc(n, sizeof *x->cnt);
	x->touched = malloc(n * sizeof *x->touched);
	if (!x->norm || !x->acc || !x->cnt || !x->touched)
		goto nomem;
	for (int64_t a = 0; a < x->a.rows; a++) {
		double s = 0;

		for (int64_t k = x->a.indptr[a]; k < x->a.indptr[a + 1]; k++)
			s += (double)x->a.values[k] * x->a.values[k];
		x->norm[a] = (float)sqrt(s);
	}
	return 0;
nomem:
	if (x->a.indptr != R.indptr && x->at.indptr != R.indptr)
		csr_free(&R);
	knn_index_free(x);
	return err_nomem(e);
}

void
knn_index_free(struct knn_index *x)
{
	csr_free(&x->a);
	csr_free(&x->at);
	free(x->norm);
	free(x->acc);
	free(x->cnt);
	free(x->touched);
	memset(x, 0, sizeof *x);
}

static float
shrunk(float sim, int32_t n, double shrink)
{
	return shrink > 0 ? (float)(sim * (n / (n + shrink))) : sim;
}

void
knn_index_query(struct knn_index *x, const int32_t *qi, const float *qv, size_t nq,
    int64_t self, double shrink, struct topn *h)
{
	const struct knn_csr *t = &x->at;
	double qn = 0;
	size_t nt = 0;

	for (size_t j = 0; j < nq; j++)
		qn += (double)qv[j] * qv[j];
	qn = sqrt(qn);
	if (!(qn > 0))
		return;
	/* Only the rows sharing a column with the query are touched. */
	for (size_t j = 0; j < nq; j++) {
		int32_t f = qi[j];
		float v = qv[j];

		for (int64_t k = t->indptr[f]; k < t->indptr[f + 1]; k++) {
			int32_t b = t->indices[k];

			if (x->cnt[b]++ == 0)
				x->touched[nt++] = b;
			x->acc[b] += v * t->values[k];
		}
	}
	for (size_t j = 0; j < nt; j++) {
		int32_t b = x->touched[j];
		float d = x->acc[b], nb = x->norm[b];

		if (b != self && d > 0 && nb > 0)
			topn_push(h, shrunk((float)(d / (qn * nb)), x->cnt[b], shrink), b);
		x->acc[b] = 0;
		x->cnt[b] = 0;
	}
}

/* --- all pairs --- */

void
knn_cost(const struct knn_index *x, double shrink, int binary, double *sparse, double *dense)
{
	double s = 0;

	for (int64_t f = 0; f < x->at.rows; f++) {
		double d = (double)(x->at.indptr[f + 1] - x->at.indptr[f]);

		s += d * d;
	}
	*sparse = s;
	*dense = (double)x->a.rows * (double)x->a.rows * (double)x->a.cols *
	    (shrink > 0 && !binary ? 2 : 1);
}

static int
all_binary(const struct knn_csr *m)
{
	for (int64_t k = 0; k < m->nnz; k++)
		if (m->values[k] != 1.0f)
			return 0;
	return 1;
}

/* Appends the sorted heap as row a's neighbours. */
static int
graph_append(struct knn_graph *g, int64_t a, struct topn *h, size_t *cap)
{
	size_t n = topn_sort(h), at = (size_t)g->indptr[a];

	if (at + n > *cap) {
		size_t ncap = (at + n) * 2 + 1024;
		int32_t *nb = realloc(g->nbr, ncap * sizeof *nb);
		float *sm;

		if (nb == NULL)
			return -1;
		g->nbr = nb;
		if ((sm = realloc(g->sim, ncap * sizeof *sm)) == NULL)
			return -1;
		g->sim = sm;
		*cap = ncap;
	}
	memcpy(g->nbr + at, h->idx, n * sizeof *h->idx);
	memcpy(g->sim + at, h->score, n * sizeof *h->score);
	g->indptr[a + 1] = (int64_t)(at + n);
	topn_reset(h);
	return 0;
}

static int
graph_sparse(struct knn_graph *g, struct knn_index *x, struct topn *h, size_t *cap,
    double shrink, void (*progress)(void *, size_t, size_t), void *parg)
{
	const struct knn_csr *a = &x->a;

	for (int64_t r = 0; r < a->rows; r++) {
		int64_t b = a->indptr[r];

		knn_index_query(x, a->indices + b, a->values + b, (size_t)(a->indptr[r + 1] - b), r,
		    shrink, h);
		if (graph_append(g, r, h, cap) < 0)
			return -1;
		if (progress != NULL && ((r & 255) == 255 || r + 1 == a->rows))
			progress(parg, (size_t)r + 1, (size_t)a->rows);
	}
	return 0;
}

/* Row r of m as a dense row of m->cols floats (ones when ones is set). */
static void
densify(const struct knn_csr *m, int64_t r, float *row, int ones)
{
	memset(row, 0, (size_t)m->cols * sizeof *row);
	for (int64_t k = m->indptr[r]; k < m->indptr[r + 1]; k++)
		row[m->indices[k]] = ones ? 1.0f : m->values[k];
}

static int
graph_dense(struct knn_graph *g, struct knn_index *x, struct topn *h, size_t *cap,
    double shrink, void (*progress)(void *, size_t, size_t), void *parg)
{
	const struct knn_csr *a = &x->a;
	int64_t n = a->rows, m = a->cols, bs;
	int counts = shrink > 0 && !all_binary(a);
	float *A = NULL, *B = NULL, *G = NULL, *C = NULL;
	int rc = -1;

	/* About 4 Mi products per block, so a block of G stays within 16 MiB. */
	bs = n > 0 ? (4 * 1024 * 1024) / n : 1;
	bs = bs < 1 ? 1 : bs > n ? n : bs;
	A = malloc(((size_t)(n * m) + 1) * sizeof *A);
	G = malloc(((size_t)(bs * n) + 1) * sizeof *G);
	if (counts) {
		B = malloc(((size_t)(n * m) + 1) * sizeof *B);
		C = malloc(((size_t)(bs * n) + 1) * sizeof *C);
	}
	if (!A || !G || (counts && (!B || !C)))
		goto out;
	for (int64_t r = 0; r < n; r++) {
		densify(a, r, A + r * m, 0);
		if (counts)
			densify(a, r, B + r * m, 1);
	}
	for (int64_t r0 = 0; r0 < n && m > 0; r0 += bs) {
		int64_t nb = r0 + bs > n ? n - r0 : bs;

		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)n, (int)m, 1.0f,
		    A + r0 * m, (int)m, A, (int)m, 0.0f, G, (int)n);
		if (counts)
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)n, (int)m,
			    1.0f, B + r0 * m, (int)m, B, (int)m, 0.0f, C, (int)n);
		for (int64_t r = r0; r < r0 + nb; r++) {
			const float *gr = G + (r - r0) * n, *cr = counts ? C + (r - r0) * n : gr;
			float na = x->norm[r];

			for (int64_t b = 0; na > 0 && b < n; b++) {
				float d = gr[b];

				if (b == r || !(d > 0) || !(x->norm[b] > 0))
					continue;
				topn_push(h, shrunk((float)(d / ((double)na * x->norm[b])),
				    (int32_t)lrintf(cr[b]), shrink), (int32_t)b);
			}
			if (graph_append(g, r, h, cap) < 0)
				goto out;
		}
		if (progress != NULL)
			progress(parg, (size_t)(r0 + nb), (size_t)n);
	}
	for (int64_t r = m > 0 ? n : 0; r < n; r++)
		g->indptr[r + 1] = g->indptr[r];
	rc = 0;
out:
	free(A);
	free(B);
	free(G);
	free(C);
	return rc;
}

int
knn_graph_build(struct knn_graph *g, struct knn_index *x, int k, double shrink,
    enum knn_method method, void (*progress)(void *arg, size_t done, size_t total),
    void *progress_arg, struct err *e)
{
	struct topn h;
	size_t cap = 0;
	double sc, dc;
	int rc;

	memset(g, 0, sizeof *g);
	g->n = x->a.rows;
	if ((g->indptr = calloc((size_t)g->n + 1, sizeof *g->indptr)) == NULL)
		return err_nomem(e);
	if (topn_init(&h, k > 0 ? (size_t)k : 1, e) < 0) {
		knn_graph_free(g);
		return -1;
	}
	if (method == KNN_AUTO) {
		knn_cost(x, shrink, all_binary(&x->a), &sc, &dc);
		method = dc < KNN_DENSE_RATIO * sc &&
		    (double)x->a.rows * (double)x->a.cols <= KNN_DENSE_MAX_FLOATS ? KNN_DENSE :
		    KNN_SPARSE;
	}
	g->used = method;
	if (method == KNN_DENSE)
		rc = graph_dense(g, x, &h, &cap, shrink, progress, progress_arg);
	else
		rc = graph_sparse(g, x, &h, &cap, shrink, progress, progress_arg);
	topn_free(&h);
	if (rc < 0) {
		knn_graph_free(g);
		return err_nomem(e);
	}
	return 0;
}

void
knn_graph_free(struct knn_graph *g)
{
	free(g->indptr);
	free(g->nbr);
	free(g->sim);
	memset(g, 0, sizeof *g);
}

/* --- recommending --- */

int
knn_rec_init(struct knn_rec *k, const struct ratings *r, const struct knn_rec_opts *o,
    struct history *seen, struct exclude *ex, const struct catalog_view *view, FILE *out,
    struct err *e)
{
	struct popularity_opts po = { 0 };
	size_t items = (size_t)r->cols + 1;
	const int32_t *all;
	size_t nall;

	memset(k, 0, sizeof *k);
	k->o = *o;
	k->r = r;
	k->seen = seen;
	k->ex = ex;
	k->cat = view ? view->cat : NULL;
	if (knn_index_build(&k->x, r, !o->user_based, o->binary, e) < 0)
		return -1;
	if (!o->user_based && knn_graph_build(&k->g, &k->x, o->neighbours, o->shrink, o->method,
	    o->progress, o->progress_arg, e) < 0)
		goto fail;
	if (popularity_build(&k->pop, r, NULL, r->cols, NULL, 0, &po, e) < 0)
		goto fail;
	k->allowed = malloc(items);
	k->mark = calloc(items, sizeof *k->mark);
	k->pmark = calloc(items, sizeof *k->pmark);
	k->lmark = calloc(items, sizeof *k->lmark);
	k->bsim = calloc(items, sizeof *k->bsim);
	k->rule = liked_rule(&o->like, r->implicit);
	k->score = calloc(items, sizeof *k->score);
	k->best = calloc(items, sizeof *k->best);
	k->wsum = calloc(items, sizeof *k->wsum);
	k->because = calloc(items, sizeof *k->because);
	k->nusers = calloc(items, sizeof *k->nusers);
	k->touched = malloc(items * sizeof *k->touched);
	k->out = malloc((size_t)o->n * sizeof *k->out);
	k->chosen = malloc((size_t)o->n * sizeof *k->chosen);
	if (!k->allowed || !k->mark || !k->pmark || !k->lmark || !k->bsim || !k->score || !k->best || !k->wsum ||
	    !k->because || !k->nusers || !k->touched || !k->out || !k->chosen) {
		err_nomem(e);
		goto fail;
	}
	for (size_t i = 0; i + 1 < items; i++)
		k->allowed[i] = view ? view->allowed[i] : 1;
	if (ex != NULL)
		for (nall = exclude_all(ex, &all); nall > 0; nall--)
			k->allowed[all[nall - 1]] = 0;
	if (topn_init(&k->heap, (size_t)o->n, e) < 0 ||
	    topn_init(&k->nheap, (size_t)(o->neighbours > 0 ? o->neighbours : 1), e) < 0 ||
	    recs_writer_init(&k->w, out, &r->items, e) < 0)
		goto fail;
	return 0;
fail:
	knn_rec_free(k);
	return -1;
}

void
knn_rec_free(struct knn_rec *k)
{
	knn_index_free(&k->x);
	knn_graph_free(&k->g);
	popularity_free(&k->pop);
	free(k->allowed);
	free(k->mark);
	free(k->pmark);
	free(k->lmark);
	free(k->bsim);
	free(k->pi);
	free(k->pv);
	free(k->score);
	free(k->best);
	free(k->wsum);
	free(k->because);
	free(k->nusers);
	free(k->touched);
	free(k->hist);
	free(k->out);
	free(k->chosen);
	topn_free(&k->heap);
	topn_free(&k->nheap);
	recs_writer_free(&k->w);
	memset(k, 0, sizeof *k);
}

/* A new stamp for the next user (both stamped arrays start over when it wraps). */
static void
next_stamp(struct knn_rec *k)
{
	if (++k->stamp == 0) {
		memset(k->mark, 0, (size_t)k->r->cols * sizeof *k->mark);
		memset(k->pmark, 0, (size_t)k->r->cols * sizeof *k->pmark);
		memset(k->lmark, 0, (size_t)k->r->cols * sizeof *k->lmark);
		k->stamp = 1;
	}
}

/* Adds item i with value v to the profile unless it is there already. */
static int
profile_add(struct knn_rec *k, int32_t i, float v, struct err *e)
{
	if (k->pmark[i] == k->stamp)
		return 0;
	if (k->np == k->pcap) {
		size_t ncap = k->pcap ? k->pcap * 2 : 256;
		int32_t *pi = realloc(k->pi, ncap * sizeof *pi);
		float *pv;

		if (pi == NULL)
			return err_nomem(e);
		k->pi = pi;
		if ((pv = realloc(k->pv, ncap * sizeof *pv)) == NULL)
			return err_nomem(e);
		k->pv = pv;
		k->pcap = ncap;
	}
	k->pmark[i] = k->stamp;
	if (liked_is(&k->rule, v, k->pmean))
		k->lmark[i] = k->stamp;
	k->pi[k->np] = i;
	k->pv[k->np++] = k->o.binary ? 1.0f : v;
	return 0;
}

/* recs_user_items's add: an item of the line's "items"; unknown items are ignored. */
static int
profile_add_id(void *arg, const char *id, size_t len, float v, struct err *e)
{
	struct knn_rec *k = arg;
	int64_t i = ids_find(&k->r->items, id, len);

	return i < 0 ? 0 : profile_add(k, (int32_t)i, v, e);
}

/* Marks the profile, the seen row and the user's exclusions as not to be offered. */
static int
mark_user(struct knn_rec *k, const char *id, size_t len, struct err *e)
{
	const int32_t *ex;
	size_t n;

	for (size_t j = 0; j < k->np; j++)
		k->mark[k->pi[j]] = k->stamp;
	if (k->seen != NULL) {
		int64_t row = history_row(k->seen, id, len);
		size_t need = history_len(k->seen, row);

		if (need > k->histcap) {
			int32_t *h = realloc(k->hist, need * sizeof *h);

			if (h == NULL)
				return err_nomem(e);
			k->hist = h;
			k->histcap = need;
		}
		for (n = history_items(k->seen, row, k->hist); n > 0; n--)
			k->mark[k->hist[n - 1]] = k->stamp;
	}
	if (k->ex != NULL)
		for (n = exclude_user(k->ex, id, len, &ex); n > 0; n--)
			k->mark[ex[n - 1]] = k->stamp;
	return 0;
}

/*
 * One contribution c (similarity s) of profile item j (or a neighbour) to
 * item i; the largest from an item the user liked (liked) is the reason.
 */
static inline void
contribute(struct knn_rec *k, int32_t i, float c, float s, int32_t j, int liked)
{
	if (k->nusers[i]++ == 0) {
		k->touched[k->ntouched++] = i;
		k->because[i] = -1;
	}
	if (liked && (k->because[i] < 0 || c > k->best[i])) {
		k->best[i] = c;
		k->because[i] = j;
		k->bsim[i] = s;
	}
	k->score[i] += c;
	k->wsum[i] += fabsf(s);
}

static void
score_items(struct knn_rec *k)
{
	const struct knn_graph *g = &k->g;

	for (size_t t = 0; t < k->np; t++) {
		int32_t j = k->pi[t];
		float v = k->pv[t];
		int liked = k->lmark[j] == k->stamp;

		for (int64_t p = g->indptr[j]; p < g->indptr[j + 1]; p++) {
			int32_t i = g->nbr[p];

			if (k->allowed[i] && k->mark[i] != k->stamp)
				contribute(k, i, g->sim[p] * v, g->sim[p], j, liked);
		}
	}
}

static void
score_users(struct knn_rec *k, int64_t self)
{
	const struct knn_csr *R = &k->x.a;
	size_t nn;

	topn_reset(&k->nheap);
	knn_index_query(&k->x, k->pi, k->pv, k->np, self, k->o.shrink, &k->nheap);
	nn = topn_sort(&k->nheap);
	for (size_t t = 0; t < nn; t++) {
		int32_t v = k->nheap.idx[t];
		float s = k->nheap.score[t];

		for (int64_t p = R->indptr[v]; p < R->indptr[v + 1]; p++) {
			int32_t i = R->indices[p];

			if (k->allowed[i] && k->mark[i] != k->stamp)
				contribute(k, i, s * R->values[p], s, v, 0);
		}
	}
	topn_reset(&k->nheap);
}

/* Ranks the touched items into out; returns how many were taken. */
static int
take_scored(struct knn_rec *k, const struct topn_filter *f, size_t *got, struct err *e)
{
	size_t n;

	if (k->ntouched == 0)
		return 0;
	if (topn_resize(&k->heap, k->ntouched, e) < 0)
		return -1;
	for (size_t t = 0; t < k->ntouched; t++) {
		int32_t i = k->touched[t];
		float s = k->o.normalize && k->wsum[i] > 0 ? k->score[i] / k->wsum[i] : k->score[i];

		if (isfinite(s))
			topn_push(&k->heap, s, i);
	}
	n = topn_sort(&k->heap);
	for (size_t t = 0; t < n && *got < (size_t)k->o.n; t++) {
		int32_t i = k->heap.idx[t];
		struct recs_rec *o = &k->out[*got];

		if (!topn_filter_pass(f, i, k->chosen, *got))
			continue;
		k->chosen[(*got)++] = i;
		o->item = i;
		o->score = k->heap.score[t];
		o->similarity = 0;
		o->action = RECS_ACT_NONE;
		o->users = 0;
		o->because = -1;
		if (k->o.user_based) {
			o->reason = RECS_NEIGHBOURS;
			o->users = k->nusers[i];
		} else if (k->because[i] >= 0) {
			o->reason = RECS_ALSO_BOUGHT;
			o->because = k->because[i];
			o->similarity = k->bsim[i];
			o->action = k->rule.action;
		} else {
			/* no item the user liked leads here: no history is named */
			o->reason = RECS_MODEL;
		}
	}
	topn_reset(&k->heap);
	return 0;
}

/* Appends popular items that pass f (each with score fill, or its popularity when fill < 0). */
static void
take_popular(struct knn_rec *k, const struct topn_filter *f, size_t *got, float fill)
{
	const int32_t *order = popularity_order(&k->pop, 0);

	for (int64_t t = 0; t < k->r->cols && *got < (size_t)k->o.n; t++) {
		int32_t i = order[t];
		struct recs_rec *o = &k->out[*got];

		if (!topn_filter_pass(f, i, k->chosen, *got))
			continue;
		k->chosen[(*got)++] = i;
		o->item = i;
		o->score = fill >= 0 ? fill : (float)popularity_score(&k->pop, 0, i);
		o->reason = RECS_POPULAR;
		o->because = -1;
		o->similarity = 0;
		o->action = RECS_ACT_NONE;
		o->users = 0;
	}
}

static void
clear_scores(struct knn_rec *k)
{
	for (size_t t = 0; t < k->ntouched; t++) {
		int32_t i = k->touched[t];

		k->score[i] = k->wsum[i] = 0;
		k->nusers[i] = 0;
	}
	k->ntouched = 0;
}

/* Answers the user (row of r, or -1) whose profile is ready. */
static int
answer(struct knn_rec *k, const char *id, size_t len, int64_t row, const json_t *line,
    struct err *e)
{
	struct topn_filter f = { k->allowed, k->mark, k->stamp, k->cat, k->o.max_per_category };
	const char *source;
	size_t got = 0, nknn;

	if (mark_user(k, id, len, e) < 0)
		return -1;
	if (k->np > 0) {
		if (k->o.user_based)
			score_users(k, row);
		else
			score_items(k);
		if (take_scored(k, &f, &got, e) < 0) {
			clear_scores(k);
			return -1;
		}
		clear_scores(k);
	}
	nknn = got;
	if (got < (size_t)k->o.n && (nknn == 0 || k->o.fill)) {
		for (size_t t = 0; t < got; t++)
			k->mark[k->chosen[t]] = k->stamp;
		take_popular(k, &f, &got, nknn > 0 ? 0.0f : -1.0f);
	}
	source = nknn > 0 ? (k->o.user_based ? "userknn" : "itemknn") : got > 0 ? "popular" :
	    "none";
	k->count[nknn > 0 ? 0 : got > 0 ? 1 : 2]++;
	k->done++;
	if (k->o.progress != NULL && (k->done & 1023) == 0)
		k->o.progress(k->o.progress_arg, k->done, k->total);
	return recs_write(&k->w, id, len, k->out, got, source, line, e);
}

/* Starts the profile of a user from the row of r (or none). */
static int
profile_start(struct knn_rec *k, int64_t row, struct err *e)
{
	const struct ratings *r = k->r;

	next_stamp(k);
	k->np = 0;
	k->pmean = row >= 0 ? liked_mean(r->values + r->indptr[row],
	    (size_t)(r->indptr[row + 1] - r->indptr[row])) : 0.0;
	if (row >= 0)
		for (int64_t p = r->indptr[row]; p < r->indptr[row + 1]; p++)
			if (profile_add(k, r->indices[p], r->values[p], e) < 0)
				return -1;
	return 0;
}

int
knn_rec_add_line(struct knn_rec *k, json_t *line, struct err *e)
{
	json_t *uv = json_object_get(line, "user");
	const char *id;
	size_t len;
	int64_t row;
	int rc = -1;

	if (uv == NULL || json_is_null(uv)) {
		err_set(e, EXIT_DATA, "missing \"user\"");
		goto out;
	}
	if (!json_is_string(uv) || json_string_length(uv) == 0 ||
	    strlen(json_string_value(uv)) != json_string_length(uv)) {
		err_set(e, EXIT_DATA, "\"user\" must be a non-empty string without NUL");
		goto out;
	}
	id = json_string_value(uv);
	len = json_string_length(uv);
	row = ids_find(&k->r->users, id, len);
	if (profile_start(k, row, e) < 0 ||
	    recs_user_items(json_object_get(line, "items"), profile_add_id, k, e) < 0)
		goto out;
	json_object_del(line, "items");
	rc = answer(k, id, len, row, line, e);
out:
	json_decref(line);
	return rc;
}

int
knn_rec_add_all(struct knn_rec *k, struct err *e)
{
	const struct ratings *r = k->r;
	const char *id;
	size_t len;

	k->total = (size_t)r->rows;
	if (k->seen != NULL)
		for (int64_t row = 0; row < k->seen->r.rows; row++) {
			id = ids_get(&k->seen->r.users, row, &len);
			k->total += ids_find(&r->users, id, len) < 0;
		}
	for (int64_t u = 0; u < r->rows; u++) {
		id = ids_get(&r->users, u, &len);
		if (profile_start(k, u, e) < 0 || answer(k, id, len, u, NULL, e) < 0)
			return -1;
	}
	if (k->seen != NULL)
		for (int64_t row = 0; row < k->seen->r.rows; row++) {
			id = ids_get(&k->seen->r.users, row, &len);
			if (ids_find(&r->users, id, len) >= 0)
				continue;
			if (profile_start(k, -1, e) < 0 || answer(k, id, len, -1, NULL, e) < 0)
				return -1;
		}
	if (k->o.progress != NULL)
		k->o.progress(k->o.progress_arg, k->done, k->total);
	return 0;
}
