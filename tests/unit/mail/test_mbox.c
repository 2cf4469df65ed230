/* test_mbox.c - mboxrd quoting round trip, file names, eml directories */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail/mbox.h"
#include "unit.h"

static void
test_stream_roundtrip(void)
{
	const char *m1 = "Subject: a\n\nFrom here\n>From there\n>>From x\nFromage\n"
	    "Sent From here\n> From not\n>x>From not\nFrom \n>From\n";
	const char *m2 = "Subject: b\n\nlast line without newline";
	char path[] = "/tmp/test_mbox.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct mbox_out o;
	struct mbox_in in;
	struct err e;
	const char *msg;
	size_t n;
	char *all = NULL;
	size_t alen = 0;

	mbox_out_stream(&o, f);
	CHECK_INT(mbox_write(&o, "<1@x>", 0, m1, strlen(m1), &e), 0);
	CHECK_INT(mbox_write(&o, "<2@x>", 0, m2, strlen(m2), &e), 0);
	fclose(f);
	f = fopen(path, "r");
	all = malloc(4096);
	alen = fread(all, 1, 4095, f);
	all[alen] = '\0';
	fclose(f);
	CHECK(strstr(all, "\n>From here\n>>From there\n>>>From x\nFromage\n"
	    "Sent From here\n> From not\n>x>From not\n>From \n>From\n") != NULL);
	CHECK(strncmp(all, "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n", 44) == 0);
	free(all);
	CHECK_INT(mbox_in_open(&in, path, &e), 0);
	CHECK_INT(mbox_in_next(&in, &msg, &n, &e), 1);
	CHECK_STR(msg, m1);
	{
		char want[64];

		snprintf(want, sizeof want, "%s:1", path);
		CHECK_STR(mbox_in_where(&in), want);
	}
	CHECK_INT(mbox_in_next(&in, &msg, &n, &e), 1);
	CHECK(strncmp(msg, m2, strlen(m2)) == 0);
	CHECK_INT(mbox_in_next(&in, &msg, &n, &e), 0);
	mbox_in_close(&in);
	unlink(path);
}

static void
test_names_and_dirs(void)
{
	struct buf b;
	struct mbox_out o;
	struct mbox_in in;
	struct err e;
	char dir[] = "/tmp/test_mbox_dir.XXXXXX", path[256];
	struct stat st;
	const char *msg;
	size_t n;

	buf_init(&b);
	mbox_file_name("<a/../b c@x.example>", &b);
	CHECK_STR(b.s, "a_.._b_c@x.example");
	buf_reset(&b);
	mbox_file_name("<.hidden@x>", &b);
	CHECK_STR(b.s, "_hidden@x");
	buf_free(&b);
	CHECK(mkdtemp(dir) != NULL);
	umask(022);
	CHECK_INT(mbox_out_dir(&o, MBOX_EMLDIR, dir, &e), 0);
	CHECK_INT(mbox_write(&o, "<2@x>", 0, "S: 2\n\nb\n", 8, &e), 0);
	CHECK_INT(mbox_write(&o, "<1@x>", 0, "S: 1\n\nb\n", 8, &e), 0);
	CHECK_INT(mbox_write(&o, "<1@x>", 0, "S: 1\n\nb\n", 8, &e), 0);
	CHECK_INT(mbox_out_commit(&o, &e), 0);
	/* messages hold customer data: owner-only whatever the umask */
	snprintf(path, sizeof path, "%s/1@x.eml", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	o.sync_each = 1;
	CHECK_INT(mbox_write(&o, "<3@x>", 0, "S: 3\n\nb\n", 8, &e), 0);
	CHECK_INT(mbox_out_commit(&o, &e), 0);
	mbox_out_close(&o);
	CHECK_INT(mbox_in_open(&in, dir, &e), 0);
	CHECK_INT(in.nfiles, 3);
	CHECK_INT(mbox_in_next(&in, &msg, &n, &e), 1);
	CHECK_STR(msg, "S: 1\n\nb\n");
	mbox_in_close(&in);
	CHECK_INT(mbox_in_open(&in, "/nonexistent/mbox", &e), -1);
	CHECK_INT(e.code, 66);
	mbox_in_close(&in);
}

int
main(void)
{
	RUN(test_stream_roundtrip);
	RUN(test_names_and_dirs);
	return UNIT_DONE();
}
