/* test_runreport.c - the report's model: minimum detectable effects, a run directory read back */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "measure/runreport.h"
#include "unit.h"

static void
test_mde(void)
{
	/* (z.975 + z.8) sqrt(p (1 - p) (1/n1 + 1/n2)): 2.801585 sqrt(0.2 * 0.8 * 2 / 1000) */
	CHECK_NEAR(runreport_mde(0.2, 1000, 1000), 0.0501154, 1e-6);
	CHECK_NEAR(runreport_mde(0.03, 5000, 500), 2.801585 * sqrt(0.03 * 0.97 * (1 / 5000.0 + 1 / 500.0)),
	    1e-9);
	CHECK(runreport_mde(0.2, 0, 10) < 0);
	CHECK(runreport_mde(1.0, 10, 10) < 0);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void
test_gather(void)
{
	char dir[] = "/tmp/test_runreport.XXXXXX", p[256];
	struct runreport_opts o = { .price_in = -1, .price_out = -1, .rate = { 0.2, 0.03, 0.01 },
	    .samples = 2, .top = 5 };
	struct err e;
	json_t *m;

	CHECK(mkdtemp(dir) != NULL);
	o.run_dir = dir;
	/* no campaign.log: not a run */
	CHECK(runreport_gather(&o, &e) == NULL);
	CHECK_INT(e.code, 66);
	snprintf(p, sizeof p, "%s/campaign.log", dir);
	write_file(p, "t campaign c9: run directory x\nt stage prompt: done in=10 out=7 rejected=3 seconds=0.5\n"
	    "t stage prompt: done in=10 out=8 rejected=2 seconds=0.4\nt stage format: warning: no key\n");
	snprintf(p, sizeof p, "%s/rejects-prompt.ndjson", dir);
	write_file(p, "{\"user\":\"a\",\"reason\":\"holdout\"}\n{\"user\":\"b\",\"reason\":\"holdout\",\"email\":\"x@y.z\"}\n");
	snprintf(p, sizeof p, "%s/recs.ndjson", dir);
	write_file(p, "{\"user\":\"a\",\"recs\":[{\"item\":\"i1\",\"reason\":{\"type\":\"popular\"}}]}\n"
	    "{\"user\":\"b\",\"recs\":[{\"item\":\"i1\"},{\"item\":\"i2\",\"reason\":{\"type\":\"similar\"}}]}\n");
	m = runreport_gather(&o, &e);
	CHECK(m != NULL);
	if (m != NULL) {
		json_t *st = json_object_get(json_object_get(m, "stages"), "prompt");
		json_t *hold = json_object_get(json_object_get(json_object_get(m, "rejects"), "prompt"),
		    "holdout");
		json_t *top = json_object_get(json_object_get(m, "recs"), "top");

		CHECK_STR(json_string_value(json_object_get(m, "campaign")), "c9");
		/* a re-run's stage line replaces the first */
		CHECK_INT(json_number_value(json_object_get(st, "out")), 8);
		CHECK_INT(json_array_size(json_object_get(m, "warnings")), 1);
		CHECK_INT(json_integer_value(json_object_get(hold, "count")), 2);
		CHECK(json_object_get(json_array_get(json_object_get(hold, "examples"), 1), "email") == NULL);
		CHECK_STR(json_string_value(json_object_get(json_array_get(top, 0), "item")), "i1");
		CHECK_INT(json_integer_value(json_object_get(json_array_get(top, 0), "customers")), 2);
		CHECK_INT(json_integer_value(json_object_get(json_object_get(m, "checks"), "messages")), 0);
		json_decref(m);
	}
	/* a bad line is named */
	snprintf(p, sizeof p, "%s/recs.ndjson", dir);
	write_file(p, "{\"user\":\"a\"}\nnot json\n");
	CHECK(runreport_gather(&o, &e) == NULL);
	CHECK(strstr(e.msg, "recs.ndjson:2") != NULL);
	snprintf(p, sizeof p, "rm -rf '%s'", dir);
	CHECK_INT(system(p), 0);
}

int
main(void)
{
	RUN(test_mde);
	RUN(test_gather);
	return UNIT_DONE();
}
