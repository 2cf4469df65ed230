/* test_sentidx.c - whom a returned mail is about: by Message-ID, else by the address's last accepted message */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "measure/sentidx.h"
#include "unit.h"

/* Writes text to path: a new file from the template, or over the file it names already. */
static void
write_file(char *path, const char *text)
{
	FILE *f = strstr(path, "XXXXXX") ? fdopen(mkstemp(path), "w") : fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static void
test_find(void)
{
	char ev[] = "/tmp/test_sentidx_ev.XXXXXX", log[] = "/tmp/test_sentidx_log.XXXXXX";
	const char *user, *campaign, *variant, *id;
	struct sentidx x;
	struct err e;

	write_file(ev,
	    "{\"event\":\"sent\",\"user\":\"u1\",\"campaign\":\"c1\",\"variant\":\"llm\",\"message_id\":\"<a@x>\"}\n"
	    "{\"event\":\"click\",\"user\":\"u9\",\"campaign\":\"c1\",\"variant\":\"llm\",\"message_id\":\"<z@x>\"}\n"
	    "{\"event\":\"sent\",\"user\":\"u2\",\"campaign\":\"c1\",\"message_id\":\"<b@x>\"}\n"
	    "{\"event\":\"sent\",\"user\":\"u3\",\"campaign\":\"c1\",\"variant\":\"template\"}\n"
	    /* the same message sent again (a re-run): its last event counts */
	    "{\"event\":\"sent\",\"user\":\"u1\",\"campaign\":\"c2\",\"variant\":\"template\",\"message_id\":\"<a@x>\"}\n"
	    "{\"event\":\"sent\",\"user\":\"u4\",\"campaign\":\"c2\",\"variant\":\"llm\",\"message_id\":\"<d@x>\"}\n");
	write_file(log,
	    "{\"message_id\":\"<b@x>\",\"recipient\":\"Bob@Example.org\",\"status\":\"accepted\"}\n"
	    "{\"message_id\":\"<d@x>\",\"recipient\":\"bob@example.org\",\"status\":\"accepted\"}\n"
	    "{\"message_id\":\"<a@x>\",\"recipient\":\"ann@example.org\",\"status\":\"failed\"}\n"
	    "{\"message_id\":\"<unknown@x>\",\"recipient\":\"cy@example.org\",\"status\":\"accepted\"}\n");
	sentidx_init(&x);
	CHECK_INT(sentidx_load_events(&x, ev, &e), 0);
	CHECK_INT(sentidx_load_log(&x, log, &e), 0);
	CHECK_INT(sentidx_find(&x, "<a@x>", NULL, &user, &campaign, &variant, &id), 1);
	CHECK_STR(user, "u1");
	CHECK_STR(campaign, "c2");
	CHECK_STR(variant, "template");
	CHECK_STR(id, "<a@x>");
	/* no variant: "" */
	CHECK_INT(sentidx_find(&x, "<b@x>", "", &user, &campaign, &variant, &id), 1);
	CHECK_STR(variant, "");
	/* only sent events count; an event without message_id is not indexed */
	CHECK_INT(sentidx_find(&x, "<z@x>", NULL, &user, &campaign, &variant, &id), 0);
	/* by address: the last accepted message; a failed one or an unknown id is not a match */
	CHECK_INT(sentidx_find(&x, "", "bob@example.org", &user, &campaign, &variant, &id), 1);
	CHECK_STR(user, "u4");
	CHECK_STR(id, "<d@x>");
	CHECK_INT(sentidx_find(&x, "<gone@x>", "bob@example.org", &user, &campaign, &variant, &id), 1);
	CHECK_STR(user, "u4");
	CHECK_INT(sentidx_find(&x, "", "ann@example.org", &user, &campaign, &variant, &id), 0);
	CHECK_INT(sentidx_find(&x, "", "cy@example.org", &user, &campaign, &variant, &id), 0);
	CHECK_INT(sentidx_find(&x, NULL, NULL, &user, &campaign, &variant, &id), 0);
	sentidx_free(&x);

	/* a sent event that cannot name its customer is a data error at its line */
	write_file(ev, "{\"event\":\"sent\",\"message_id\":\"<x>\"}\n");
	sentidx_init(&x);
	CHECK_INT(sentidx_load_events(&x, ev, &e), -1);
	CHECK_INT(e.code, 65);
	CHECK(strstr(e.msg, ":1: ") != NULL);
	CHECK_INT(sentidx_load_events(&x, "/nonexistent/ev", &e), -1);
	CHECK_INT(e.code, 66);
	sentidx_free(&x);
	unlink(ev);
	unlink(log);
}

int
main(void)
{
	RUN(test_find);
	return UNIT_DONE();
}
