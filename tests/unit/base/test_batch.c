/* test_batch.c - unit tests of the batch engine: input order for every job count, pinning, errors */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/batch.h"
#include "base/exitcode.h"
#include "unit.h"

struct tslot {
	struct batch_slot b;
	struct buf out;
	int worker;             /* who built it */
	long index;             /* its place in its batch */
};

struct tctx {
	struct batch *b;
	struct buf got;         /* what emit wrote, one line per slot */
	long emitted, released, stop_at;        /* stop_at: emit fails on this line number */
	int bad_pin;
};

/* Builds "LINENO:LINE" (or "LINENO:unread:MSG"), and checks the pinning when it is asked for. */
static void
tbuild(void *ctx, int w, struct batch_slot *bs)
{
	struct tctx *c = ctx;
	struct tslot *s = (struct tslot *)bs;
	char head[64];
	size_t k = (size_t)(((char *)s - c->b->cur) / (long)sizeof *s);

	s->worker = w;
	s->index = (long)k;
	if (c->b->ops->pinned && (size_t)w != k % (size_t)c->b->jobs)
		c->bad_pin = 1;
	buf_reset(&s->out);
	snprintf(head, sizeof head, "%ld:", bs->lineno);
	buf_adds(&s->out, head);
	if (bs->unread) {
		buf_adds(&s->out, "unread:");
		buf_adds(&s->out, bs->e.msg);
	} else {
		buf_add(&s->out, bs->line.s, bs->line.len);
	}
}

static int
temit(void *ctx, struct batch_slot *bs, struct err *e)
{
	struct tctx *c = ctx;
	struct tslot *s = (struct tslot *)bs;

	if (bs->lineno == c->stop_at)
		return err_set(e, EXIT_IO, "stop at %ld", bs->lineno);
	buf_add(&c->got, s->out.s, s->out.len);
	buf_addc(&c->got, '\n');
	c->emitted++;
	return 0;
}

static void
trelease(void *ctx, struct batch_slot *bs)
{
	struct tctx *c = ctx;

	buf_free(&((struct tslot *)bs)->out);
	c->released++;
}

/* Runs the engine over text with jobs workers, per_job slots each; returns batch_run's result. */
static int
run(const char *text, int jobs, size_t per_job, int pinned, size_t maxline, struct tctx *c,
    struct err *e)
{
	struct batch_ops ops = { sizeof(struct tslot), tbuild, temit, trelease, pinned };
	struct batch b;
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	c->released = 0;
	CHECK(f != NULL);
	CHECK_INT(batch_init(&b, &ops, c, jobs, per_job, e), 0);
	c->b = &b;
	rc = batch_run(&b, f, "in", maxline, e);
	fclose(f);
	batch_free(&b);
	CHECK_INT(c->released, 2 * (long)per_job * jobs);
	return rc;
}

/* n lines "{"n":K}", with a blank line after every seventh. */
static char *
lines_text(int n, struct buf *want)
{
	struct buf t = { 0 };
	char line[64];
	long no = 0;

	for (int k = 1; k <= n; k++) {
		snprintf(line, sizeof line, "{\"n\":%d}\n", k);
		buf_adds(&t, line);
		snprintf(line, sizeof line, "%ld:{\"n\":%d}\n", ++no, k);
		buf_adds(want, line);
		if (k % 7 == 0) {
			buf_adds(&t, "  \n");
			no++;
		}
	}
	buf_addc(&t, '\0');
	return t.s;
}

static void
every_line_is_emitted_in_input_order_for_every_job_count(void)
{
	struct buf want = { 0 };
	char *text = lines_text(103, &want);

	for (int pinned = 0; pinned <= 1; pinned++)
		for (int jobs = 1; jobs <= 5; jobs += 2)
			for (size_t per = 1; per <= 4; per += 3) {
				struct tctx c = { 0 };
				struct err e = { 0, "" };

				CHECK_INT(run(text, jobs, per, pinned, 0, &c, &e), 0);
				CHECK_INT(c.emitted, 103);
				CHECK_INT(c.got.len, want.len);
				CHECK(c.got.len == want.len && memcmp(c.got.s, want.s, want.len) == 0);
				CHECK_INT(c.bad_pin, 0);
				buf_free(&c.got);
			}
	free(text);
	buf_free(&want);
}

static void
an_over_long_line_is_a_slot_in_its_place(void)
{
	struct tctx c = { 0 };
	struct err e = { 0, "" };
	char text[2600];

	memset(text, 'x', sizeof text);
	memcpy(text, "{\"a\":1}\n{\"b\":\"", 14);
	memcpy(text + sizeof text - 12, "\"}\n{\"c\":3}\n", 12);
	text[sizeof text - 1] = '\0';
	CHECK_INT(run(text, 2, 1, 0, 1024, &c, &e), 0);
	buf_addc(&c.got, '\0');
	CHECK_STR(c.got.s, "1:{\"a\":1}\n2:unread:in:2: line longer than 1024 bytes\n3:{\"c\":3}\n");
	buf_free(&c.got);
}

static void
an_emit_error_stops_the_run_and_nothing_after_it_is_written(void)
{
	struct buf want = { 0 };
	char *text = lines_text(40, &want);

	for (int jobs = 1; jobs <= 3; jobs++) {
		struct tctx c = { 0 };
		struct err e = { 0, "" };

		c.stop_at = 20;         /* the 18th record: lines 8 and 16 are blank */
		CHECK_INT(run(text, jobs, 2, jobs == 2, 0, &c, &e), -1);
		CHECK_INT(e.code, EXIT_IO);
		CHECK_STR(e.msg, "stop at 20");
		CHECK_INT(c.emitted, 17);
		buf_free(&c.got);
	}
	free(text);
	buf_free(&want);
}

static void
an_empty_input_emits_nothing(void)
{
	struct tctx c = { 0 };
	struct err e = { 0, "" };

	CHECK_INT(run("", 2, 4, 0, 0, &c, &e), 0);
	CHECK_INT(c.emitted, 0);
	CHECK_INT(run("\n  \n", 1, 1, 1, 0, &c, &e), 0);
	CHECK_INT(c.emitted, 0);
}

int
main(void)
{
	RUN(every_line_is_emitted_in_input_order_for_every_job_count);
	RUN(an_over_long_line_is_a_slot_in_its_place);
	RUN(an_emit_error_stops_the_run_and_nothing_after_it_is_written);
	RUN(an_empty_input_emits_nothing);
	return UNIT_DONE();
}
