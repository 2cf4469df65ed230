/* tune.c - the search loop: proposals (grid, random, GP expected improvement), trials as child processes, the log */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "measure/tune.h"
#include "measure/gp.h"
#include "base/exitcode.h"
#include "base/ndjson.h"

/* Candidates scored by expected improvement for each Bayesian proposal. */
#define TUNE_CANDIDATES 2000

/* What one trial runs: every fold's train, then score; $@ holds train/test pairs. */
static const char trial_script[] =
    "set -eu\n"
    "dir=$TUNE_DIR; f=0\n"
    "while [ $# -gt 1 ]; do\n"
    "  tr=$1; te=$2; shift 2\n"
    "  svdtrain $TUNE_TRAIN_OPTS -o \"$dir/model.st\" \"$tr\" 2>>\"$dir/log\"\n"
    "  if [ \"$TUNE_METRIC\" = rmse ] || [ \"$TUNE_METRIC\" = mae ]; then\n"
    "    evaluate --model=\"$dir/model.st\" --test=\"$te\" >\"$dir/fold$f.json\" 2>>\"$dir/log\"\n"
    "  else\n"
    "    topk --model=\"$dir/model.st\" --seen=\"$tr\" --all -n \"$TUNE_K\" $TUNE_TOPK_OPTS"
    " >\"$dir/recs.ndjson\" 2>>\"$dir/log\"\n"
    "    evaluate --recs=\"$dir/recs.ndjson\" --test=\"$te\" -k \"$TUNE_K\" $TUNE_EVAL_OPTS"
    " >\"$dir/fold$f.json\" 2>>\"$dir/log\"\n"
    "  fi\n"
    "  f=$((f + 1))\n"
    "done\n"
    "rm -f \"$dir/model.st\" \"$dir/recs.ndjson\"\n";

static const char *const method_names[] = { "grid", "random", "bayes" };

int
tune_lower_is_better(const char *metric)
{
	return strcmp(metric, "rmse") == 0 || strcmp(metric, "mae") == 0;
}

int
tune_constraint_parse(struct tune_constraint *c, const char *s, struct err *e)
{
	const char *op = strstr(s, "<=");
	char *end;

	memset(c, 0, sizeof *c);
	c->le = op != NULL;
	if (op == NULL)
		op = strstr(s, ">=");
	if (op == NULL || op == s || (size_t)(op - s) >= sizeof c->field)
		return err_set(e, EXIT_USAGE, "--constraint: '%s' is not FIELD<=X or FIELD>=X", s);
	memcpy(c->field, s, (size_t)(op - s));
	c->value = strtod(op + 2, &end);
	if (end == op + 2 || *end != '\0' || !isfinite(c->value))
		return err_set(e, EXIT_USAGE, "--constraint: '%s': '%s' is not a number", s, op + 2);
	return 0;
}

/* Runs argv (argv[0] looked up in bindir, then PATH) and waits. Returns its exit status, or -1. */
static int
run_program(const char *bindir, char *const argv[], struct err *e)
{
	pid_t pid;
	int status;

	fflush(NULL);
	if ((pid = fork()) < 0)
		return err_set(e, EXIT_OSERR, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (bindir != NULL) {
			char path[4200];

			snprintf(path, sizeof path, "%s/%s", bindir, argv[0]);
			execv(path, argv);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_set(e, EXIT_OSERR, "waitpid: %s", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int
tune_make_folds(struct tune_opts *o, const char *ratings, int folds, double test_fraction,
    uint64_t seed, struct err *e)
{
	int n = folds > 1 ? folds : 1;

	if (n > TUNE_MAX_FOLDS)
		return err_set(e, EXIT_USAGE, "--folds: at most %d", TUNE_MAX_FOLDS);
	for (int f = 0; f < n; f++) {
		char tr[4200], te[4200], a1[64], a2[64], a3[64], a4[4300], a5[4300];
		char *argv[10];
		int k = 0, st;

		snprintf(tr, sizeof tr, "%s/fold%d-train.st", o->workdir, f);
		snprintf(te, sizeof te, "%s/fold%d-test.st", o->workdir, f);
		argv[k++] = "splitdata";
		if (folds > 1) {
			snprintf(a1, sizeof a1, "--folds=%d", folds);
			snprintf(a2, sizeof a2, "--fold=%d", f);
			argv[k++] = a1;
			argv[k++] = a2;
		} else {
			snprintf(a1, sizeof a1, "--test-fraction=%.17g", test_fraction);
			argv[k++] = a1;
		}
		snprintf(a3, sizeof a3, "--seed=%llu", (unsigned long long)seed);
		snprintf(a4, sizeof a4, "--train=%s", tr);
		snprintf(a5, sizeof a5, "--test=%s", te);
		argv[k++] = a3;
		argv[k++] = a4;
		argv[k++] = a5;
		argv[k++] = (char *)ratings;
		argv[k] = NULL;
		if ((st = run_program(o->bindir, argv, e)) != 0)
			return st < 0 ? -1 : err_set(e, EXIT_DATA, "splitdata failed (status %d) on '%s'",
			    st, ratings);
		if ((o->fold_owned[2 * f] = strdup(tr)) == NULL ||
		    (o->fold_owned[2 * f + 1] = strdup(te)) == NULL)
			return err_nomem(e);
		o->fold_train[f] = o->fold_owned[2 * f];
		o->fold_test[f] = o->fold_owned[2 * f + 1];
		o->nfolds = f + 1;
	}
	return 0;
}

void
tune_folds_free(struct tune_opts *o)
{
	for (int i = 0; i < 2 * TUNE_MAX_FOLDS; i++) {
		free(o->fold_owned[i]);
		o->fold_owned[i] = NULL;
	}
}

void
tune_result_free(struct tune_result *r)
{
	free(r->trial);
	memset(r, 0, sizeof *r);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Higher is better, for every metric. */
static double
score(const struct tune_opts *o, double value)
{
	return tune_lower_is_better(o->metric) ? -value : value;
}

static int
add_trial(struct tune_result *r, const struct tune_trial *t, struct err *e)
{
	struct tune_trial *n = realloc(r->trial, (size_t)(r->ntrials + 1) * sizeof *n);

	if (n == NULL)
		return err_nomem(e);
	r->trial = n;
	r->trial[r->ntrials++] = *t;
	return 0;
}

static int
done(const struct tune_result *r, const char *key)
{
	for (int i = 0; i < r->ntrials; i++)
		if (strcmp(r->trial[i].key, key) == 0)
			return 1;
	return 0;
}

static int
done_id(const struct tune_result *r, int id)
{
	for (int i = 0; i < r->ntrials; i++)
		if (r->trial[i].id == id)
			return 1;
	return 0;
}

/* The setup line: what a resumed log must agree on. */
static json_t *
setup_json(const struct tune_opts *o)
{
	char key[32];
	json_t *s = json_pack("{sssssssssisIsisiss*ss*}", "kind", "setup", "space", o->spec,
	    "method", method_names[o->method], "metric", o->metric, "k", o->k,
	    "seed", (json_int_t)o->seed, "folds", o->nfolds, "init", o->init,
	    "train_opts", o->train_opts, "topk_opts", o->topk_opts);

	if (s == NULL)
		return NULL;
	snprintf(key, sizeof key, "%d", o->grid_points);
	json_object_set_new(s, "grid_points", json_string(key));
	json_object_set_new(s, "threshold", o->threshold ? json_string(o->threshold) : json_null());
	return s;
}

/* The coordinates of a logged trial's "params", by the space. Returns 0, or -1 when a value
 * is not one the space can take. */
static int
point_of(const struct tune_opts *o, const json_t *params, struct tune_trial *t)
{
	const struct tunespace *s = o->space;

	for (int d = 0; d < s->ndims; d++) {
		const char *v = ndjson_str(params, s->dim[d].name);
		char buf[64];
		int found = 0;

		if (v == NULL)
			return -1;
		/* search the coordinate whose value is written as v */
		if (s->dim[d].kind == TS_LIST) {
			for (int i = 0; i < s->dim[d].nvalues && !found; i++)
				if (strcmp(s->dim[d].values[i], v) == 0) {
					t->p.x[d] = s->dim[d].nvalues > 1 ? (double)i / (s->dim[d].nvalues - 1) : 0;
					found = 1;
				}
		} else {
			double x = strtod(v, NULL), lo = s->dim[d].lo, hi = s->dim[d].hi;

			t->p.x[d] = s->dim[d].kind == TS_LOG ? (log(x) - log(lo)) / (log(hi) - log(lo)) :
			    (x - lo) / (hi - lo);
			tunespace_snap(s, &t->p);
			tunespace_value(s, d, t->p.x[d], buf, sizeof buf);
			found = strcmp(buf, v) == 0;
		}
		if (!found)
			return -1;
	}
	return 0;
}

/* Reads a log of an earlier run: the setup must match; trials are added to r. */
static int
load_log(const struct tune_opts *o, FILE *log, const char *name, struct tune_result *r,
    struct err *e)
{
	struct ndjson_reader rd;
	json_t *rec, *want = setup_json(o);
	int rc, first = 1;

	if (want == NULL)
		return err_nomem(e);
	if (ndjson_init(&rd, log, name, 0, e) < 0) {
		json_decref(want);
		return -1;
	}
	while ((rc = ndjson_next(&rd, &rec, NULL, e)) > 0) {
		const char *kind = ndjson_str(rec, "kind");
		struct tune_trial t = { 0 };
		json_t *params = json_object_get(rec, "params");
		double v = NAN, secs = 0;

		if (first) {
			first = 0;
			if (kind == NULL || strcmp(kind, "setup") != 0 || !json_equal(rec, want)) {
				json_decref(rec);
				rc = err_set(e, EXIT_DATA, "%s:%ld: the log is of another search (its setup "
				    "line differs): give a new --log", name, ndjson_lineno(&rd));
				break;
			}
			json_decref(rec);
			continue;
		}
		if (kind == NULL || strcmp(kind, "trial") != 0 || !json_is_object(params) ||
		    !json_is_integer(json_object_get(rec, "trial")) || point_of(o, params, &t) < 0) {
			json_decref(rec);
			rc = err_set(e, EXIT_DATA, "%s:%ld: not a trial of this search", name,
			    ndjson_lineno(&rd));
			break;
		}
		t.id = (int)json_integer_value(json_object_get(rec, "trial"));
		tunespace_key(o->space, &t.p, t.key, sizeof t.key);
		t.ok = json_is_true(json_object_get(rec, "ok"));
		t.feasible = json_is_true(json_object_get(rec, "feasible"));
		if (ndjson_num(rec, "value", &v) == 1)
			t.value = v;
		else
			t.ok = 0;
		if (ndjson_num(rec, "seconds", &secs) == 1)
			t.seconds = secs;
		if (ndjson_str(rec, "error") != NULL)
			snprintf(t.error, sizeof t.error, "%s", ndjson_str(rec, "error"));
		json_decref(rec);
		if (add_trial(r, &t, e) < 0) {
			rc = -1;
			break;
		}
		r->resumed++;
	}
	ndjson_free(&rd);
	if (rc == 0 && first) {
		/* a new log: write the setup line */
		if (ndjson_write(log, want, e) < 0 || fflush(log) != 0)
			rc = err_set(e, EXIT_IO, "%s: %s", name, strerror(errno));
	}
	json_decref(want);
	return rc < 0 ? -1 : 0;
}

/* One running trial. */
struct slot {
	pid_t pid;
	struct tune_trial t;
	double start;
	char dir[4096];
};

static int
start_trial(const struct tune_opts *o, struct slot *s, struct err *e)
{
	char train[2048], topk[2048], evalopts[256], kbuf[16];
	char *argv[4 + 2 * TUNE_MAX_FOLDS + 1];
	int n = 0;
	pid_t pid;

	snprintf(s->dir, sizeof s->dir, "%s/trial-%d", o->workdir, s->t.id);
	if (mkdir(s->dir, 0700) < 0 && errno != EEXIST)
		return err_set(e, EXIT_IO, "%s: %s", s->dir, strerror(errno));
	{
		char path[4200];

		snprintf(path, sizeof path, "%s/log", s->dir);
		unlink(path);
	}
	snprintf(train, sizeof train, "%s ", o->train_opts ? o->train_opts : "");
	tunespace_opts(o->space, &s->t.p, 0, train + strlen(train), sizeof train - strlen(train));
	snprintf(topk, sizeof topk, "%s ", o->topk_opts ? o->topk_opts : "");
	tunespace_opts(o->space, &s->t.p, 1, topk + strlen(topk), sizeof topk - strlen(topk));
	snprintf(evalopts, sizeof evalopts, "%s%s", o->threshold ? "--relevant-threshold=" : "",
	    o->threshold ? o->threshold : "");
	snprintf(kbuf, sizeof kbuf, "%d", o->k);
	argv[n++] = "/bin/sh";
	argv[n++] = "-c";
	argv[n++] = (char *)trial_script;
	argv[n++] = "tune-trial";
	for (int f = 0; f < o->nfolds; f++) {
		argv[n++] = (char *)o->fold_train[f];
		argv[n++] = (char *)o->fold_test[f];
	}
	argv[n] = NULL;
	fflush(NULL);
	if ((pid = fork()) < 0)
		return err_set(e, EXIT_OSERR, "fork: %s", strerror(errno));
	if (pid == 0) {
		setenv("TUNE_DIR", s->dir, 1);
		setenv("TUNE_TRAIN_OPTS", train, 1);
		setenv("TUNE_TOPK_OPTS", topk, 1);
		setenv("TUNE_EVAL_OPTS", evalopts, 1);
		setenv("TUNE_METRIC", o->metric, 1);
		setenv("TUNE_K", kbuf, 1);
		if (o->jobs > 1)        /* the trials share the cores: no BLAS threads on top */
			setenv("OPENBLAS_NUM_THREADS", "1", 1);
		if (o->bindir != NULL) {
			const char *path = getenv("PATH");
			char *np = malloc(strlen(o->bindir) + (path ? strlen(path) : 0) + 2);

			if (np != NULL) {
				sprintf(np, "%s:%s", o->bindir, path ? path : "/usr/bin:/bin");
				setenv("PATH", np, 1);
			}
		}
		execv("/bin/sh", argv);
		_exit(127);
	}
	s->pid = pid;
	s->start = now();
	return 0;
}

/* Reads the folds' metrics of a finished trial: the metric's mean, the constraints. */
static void
finish_trial(const struct tune_opts *o, struct slot *s, int status)
{
	struct tune_trial *t = &s->t;
	double sum = 0;
	int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;

	t->seconds = now() - s->start;
	t->feasible = 1;
	for (int f = 0; f < o->nfolds && ok; f++) {
		char path[4200];
		json_error_t je;
		json_t *m;
		double v;

		snprintf(path, sizeof path, "%s/fold%d.json", s->dir, f);
		if ((m = json_load_file(path, 0, &je)) == NULL || ndjson_num(m, o->metric, &v) != 1 ||
		    !isfinite(v)) {
			ok = 0;
			json_decref(m);
			break;
		}
		sum += v;
		for (int c = 0; c < o->nconstraints; c++) {
			const struct tune_constraint *k = &o->constraint[c];
			double x;

			if (ndjson_num(m, k->field, &x) != 1 || (k->le ? x > k->value : x < k->value))
				t->feasible = 0;
		}
		json_decref(m);
	}
	t->ok = ok;
	t->value = ok ? sum / o->nfolds : NAN;
	if (!ok) {
		char path[4200], line[256];
		FILE *f;

		t->feasible = 0;
		snprintf(t->error, sizeof t->error, "exit status %d", WIFEXITED(status) ?
		    WEXITSTATUS(status) : 128 + WTERMSIG(status));
		snprintf(path, sizeof path, "%s/log", s->dir);
		if ((f = fopen(path, "r")) != NULL) {
			/* the first line a program printed: usually what went wrong */
			while (fgets(line, sizeof line, f) != NULL)
				if (line[0] != '\n') {
					snprintf(t->error, sizeof t->error, "%.*s", (int)strcspn(line, "\n"),
					    line);
					break;
				}
			fclose(f);
		}
	}
}

/* Appends the trial's line to the log and syncs it. */
static int
log_trial(const struct tune_opts *o, FILE *log, const char *name, const struct tune_trial *t,
    struct err *e)
{
	json_t *params = json_object(), *rec;
	int rc;

	if (params == NULL)
		return err_nomem(e);
	for (int d = 0; d < o->space->ndims; d++) {
		char v[64];

		tunespace_value(o->space, d, t->p.x[d], v, sizeof v);
		json_object_set_new(params, o->space->dim[d].name, json_string(v));
	}
	rec = json_pack("{sssisosbsbsoso}", "kind", "trial", "trial", t->id, "params", params,
	    "ok", t->ok, "feasible", t->feasible, "value", t->ok ? json_real(t->value) : json_null(),
	    "seconds", json_real(ndjson_round(t->seconds, 3)));
	if (rec == NULL)
		return err_nomem(e);
	if (!t->ok)
		json_object_set_new(rec, "error", json_string(t->error));
	rc = ndjson_write(log, rec, e);
	json_decref(rec);
	if (rc < 0)
		return -1;
	if (fflush(log) != 0 || fsync(fileno(log)) < 0)
		return err_set(e, EXIT_IO, "%s: %s", name, strerror(errno));
	return 0;
}

/* The value a Bayesian model learns from a trial (failed and infeasible ones: the worst seen). */
static double
learned(const struct tune_opts *o, const struct tune_result *r, const struct tune_trial *t)
{
	double worst = INFINITY;

	if (t->ok && t->feasible)
		return score(o, t->value);
	for (int i = 0; i < r->ntrials; i++)
		if (r->trial[i].ok)
			worst = fmin(worst, score(o, r->trial[i].value));
	return isfinite(worst) ? worst : 0;
}

/*
 * Proposes the next Bayesian point: fits a GP to the finished trials plus the
 * pending ones at their predicted mean (the "kriging believer"), then takes the
 * candidate of highest expected improvement among TUNE_CANDIDATES random ones
 * (seeded by the trial number) that has not been run. Returns 0 or -1.
 */
static int
propose_bayes(const struct tune_opts *o, const struct tune_result *r, const struct slot *pend,
    int npend, int id, struct tunepoint *out, struct err *e)
{
	int d = o->space->ndims, n = 0, cap = r->ntrials + npend;
	double *X = malloc((size_t)(cap ? cap : 1) * (size_t)d * sizeof *X);
	double *y = malloc((size_t)(cap ? cap : 1) * sizeof *y), best = -INFINITY, bestei = -1;
	struct gp g;
	struct rng rg;
	int rc = -1;

	if (X == NULL || y == NULL) {
		err_nomem(e);
		goto out;
	}
	for (int i = 0; i < r->ntrials; i++) {
		memcpy(X + (size_t)n * d, r->trial[i].p.x, (size_t)d * sizeof *X);
		y[n] = learned(o, r, &r->trial[i]);
		best = fmax(best, y[n]);
		n++;
	}
	if (gp_fit(&g, X, y, n, d, e) < 0)
		goto out;
	for (int j = 0; j < npend; j++) {
		double mu, sd;

		gp_predict(&g, pend[j].t.p.x, &mu, &sd);
		memcpy(X + (size_t)n * d, pend[j].t.p.x, (size_t)d * sizeof *X);
		y[n++] = mu;
	}
	if (npend > 0) {
		gp_free(&g);
		if (gp_fit(&g, X, y, n, d, e) < 0)
			goto out;
	}
	rng_seed(&rg, o->seed * 1000003u + (uint64_t)id);
	tunespace_random(o->space, &rg, out);   /* a fallback if every candidate was run */
	for (int c = 0; c < TUNE_CANDIDATES; c++) {
		struct tunepoint p;
		char key[1024];
		double mu, sd, ei;
		int taken = 0;

		tunespace_random(o->space, &rg, &p);
		tunespace_key(o->space, &p, key, sizeof key);
		if (done(r, key))
			continue;
		for (int j = 0; j < npend && !taken; j++)
			taken = strcmp(pend[j].t.key, key) == 0;
		if (taken)
			continue;
		gp_predict(&g, p.x, &mu, &sd);
		ei = gp_ei(mu, sd, best);
		if (ei > bestei) {
			bestei = ei;
			*out = p;
		}
	}
	gp_free(&g);
	rc = 0;
out:
	free(X);
	free(y);
	return rc;
}

/* The point of trial id for random search (and bayes's first trials): a draw seeded by id. */
static void
random_point(const struct tune_opts *o, int id, struct tunepoint *p)
{
	struct rng rg;

	rng_seed(&rg, o->seed * 1000003u + (uint64_t)id);
	tunespace_random(o->space, &rg, p);
}

int
tune_run(const struct tune_opts *o, FILE *log, const char *logname, struct tune_result *r,
    struct err *e)
{
	struct tunepoint *grid = NULL;
	struct slot *slot = NULL;
	long ngrid = 0;
	int running = 0, next = 0, total, rc = -1;
	double t0 = now();

	memset(r, 0, sizeof *r);
	r->best = -1;
	if (load_log(o, log, logname, r, e) < 0)
		return -1;
	total = o->trials;
	if (o->method == TUNE_GRID) {
		if ((ngrid = tunespace_grid(o->space, o->grid_points, NULL, 0, e)) < 0)
			goto out;
		if ((grid = malloc((size_t)ngrid * sizeof *grid)) == NULL) {
			err_nomem(e);
			goto out;
		}
		tunespace_grid(o->space, o->grid_points, grid, ngrid, e);
		if (total <= 0 || total > ngrid)
			total = (int)ngrid;
	}
	if ((slot = calloc((size_t)o->jobs, sizeof *slot)) == NULL) {
		err_nomem(e);
		goto out;
	}
	for (;;) {
		/* Bayesian proposals are made in batches of --jobs, each started when the last
		 * batch is over and made from the same history (the batch's earlier points count
		 * at their predicted mean), so the points never depend on which trial happens to
		 * finish first. Grid and random points depend on the trial number alone. */
		int model = o->method == TUNE_BAYES && next >= o->init;

		int batch = model && running == 0;

		while ((!model || batch) && next < total && running < o->jobs) {
			struct slot *s = NULL;

			if (o->budget > 0 && now() - t0 > o->budget) {
				r->stopped_by_budget = 1;
				break;
			}
			if (done_id(r, next)) {
				next++;
				continue;
			}
			for (int j = 0; j < o->jobs && s == NULL; j++)
				if (slot[j].pid == 0)
					s = &slot[j];
			if (s == NULL)
				break;
			memset(&s->t, 0, sizeof s->t);
			s->t.id = next;
			if (o->method == TUNE_GRID) {
				s->t.p = grid[next];
			} else if (o->method == TUNE_RANDOM || next < o->init) {
				random_point(o, next, &s->t.p);
			} else {
				struct slot pend[64];
				int np = 0;

				for (int j = 0; j < o->jobs && np < 64; j++)
					if (slot[j].pid != 0)
						pend[np++] = slot[j];
				if (propose_bayes(o, r, pend, np, next, &s->t.p, e) < 0)
					goto out;
			}
			tunespace_key(o->space, &s->t.p, s->t.key, sizeof s->t.key);
			next++;
			if (start_trial(o, s, e) < 0)
				goto out;
			running++;
			if (!model && o->method == TUNE_BAYES && next >= o->init)
				break;  /* the random start is out: the model waits for all of it */
		}
		if (running == 0)
			break;
		{
			int status;
			pid_t pid = waitpid(-1, &status, 0);

			if (pid < 0) {
				if (errno == EINTR)
					continue;
				err_set(e, EXIT_OSERR, "waitpid: %s", strerror(errno));
				goto out;
			}
			for (int j = 0; j < o->jobs; j++) {
				struct slot *s = &slot[j];

				if (s->pid != pid)
					continue;
				s->pid = 0;
				running--;
				finish_trial(o, s, status);
				r->failed += !s->t.ok;
				if (log_trial(o, log, logname, &s->t, e) < 0 || add_trial(r, &s->t, e) < 0)
					goto out;
				if (o->progress)
					fprintf(stderr, "tune: trial %d %s %s %.6g%s (%.1f s) %s\n", s->t.id,
					    s->t.ok ? "ok" : "FAILED", o->metric, s->t.value,
					    s->t.feasible ? "" : " infeasible", s->t.seconds, s->t.key);
			}
		}
	}
	for (int i = 0; i < r->ntrials; i++) {
		const struct tune_trial *t = &r->trial[i];

		if (t->ok && t->feasible && (r->best < 0 ||
		    score(o, t->value) > score(o, r->trial[r->best].value)))
			r->best = i;
	}
	rc = 0;
out:
	if (slot != NULL)
		for (int j = 0; j < o->jobs; j++)
			if (slot[j].pid > 0) {
				kill(slot[j].pid, SIGTERM);
				waitpid(slot[j].pid, NULL, 0);
			}
	free(slot);
	free(grid);
	return rc;
}

static int
cmp_score(const void *a, const void *b, void *ctx)
{
	const struct tune_opts *o = ctx;
	const struct tune_trial *x = a, *y = b;
	double sx = x->ok && x->feasible ? score(o, x->value) : -INFINITY;
	double sy = y->ok && y->feasible ? score(o, y->value) : -INFINITY;

	if (sx != sy)
		return sx > sy ? -1 : 1;
	return x->id - y->id;
}

int
tune_write_table(FILE *f, const struct tune_opts *o, const struct tune_result *r,
    struct err *e)
{
	struct tune_trial *t = malloc((size_t)(r->ntrials ? r->ntrials : 1) * sizeof *t);

	if (t == NULL)
		return err_nomem(e);
	memcpy(t, r->trial, (size_t)r->ntrials * sizeof *t);
	qsort_r(t, (size_t)r->ntrials, sizeof *t, cmp_score, (void *)o);
	fprintf(f, "%-6s %-10s %-9s %8s  %s\n", "trial", o->metric, "status", "seconds", "settings");
	for (int i = 0; i < r->ntrials; i++)
		fprintf(f, "%-6d %-10.6g %-9s %8.1f  %s\n", t[i].id, t[i].value,
		    !t[i].ok ? "failed" : t[i].feasible ? "ok" : "excluded", t[i].seconds, t[i].key);
	free(t);
	if (r->best >= 0)
		fprintf(f, "best: trial %d, %s %.6g: %s\n", r->trial[r->best].id, o->metric,
		    r->trial[r->best].value, r->trial[r->best].key);
	else
		fprintf(f, "best: none (no trial succeeded within the constraints)\n");
	if (ferror(f))
		return err_set(e, EXIT_IO, "write error: %s", strerror(errno));
	return 0;
}

int
tune_write_conf(FILE *f, const struct tune_opts *o, const struct tune_result *r,
    struct err *e)
{
	const struct tune_trial *b;
	char opts[2048];
	int has_topk = 0;

	if (r->best < 0)
		return err_set(e, EXIT_DATA, "no trial succeeded within the constraints: no settings "
		    "to write");
	b = &r->trial[r->best];
	if (tune_lower_is_better(o->metric))
		snprintf(opts, sizeof opts, "%s", o->metric);
	else
		snprintf(opts, sizeof opts, "%s@%d", o->metric, o->k);
	fprintf(f, "# tune: the best of %d %s trials on %s over %d fold%s: %.6g (trial %d)\n",
	    r->ntrials, method_names[o->method], opts, o->nfolds, o->nfolds == 1 ? "" : "s",
	    b->value, b->id);
	tunespace_opts(o->space, &b->p, 0, opts, sizeof opts);
	fprintf(f, "TRAIN_OPTS=\"%s%s%s\"\n", o->train_opts ? o->train_opts : "",
	    o->train_opts && *o->train_opts && *opts ? " " : "", opts);
	for (int d = 0; d < o->space->ndims; d++)
		has_topk |= o->space->dim[d].topk;
	if (has_topk || (o->topk_opts && *o->topk_opts)) {
		tunespace_opts(o->space, &b->p, 1, opts, sizeof opts);
		fprintf(f, "TOPK_OPTS=\"%s%s%s\"\n", o->topk_opts ? o->topk_opts : "",
		    o->topk_opts && *o->topk_opts && *opts ? " " : "", opts);
	}
	if (ferror(f))
		return err_set(e, EXIT_IO, "write error: %s", strerror(errno));
	return 0;
}
