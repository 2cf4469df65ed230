/* mailfmt - turns llmcall replies into complete RFC 5322 messages (mbox, maildir or .eml files) */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cli.h"
#include "mail/dkim.h"
#include "data/ids.h"
#include "mail/mailmsg.h"
#include "mail/mbox.h"
#include "mail/mime.h"
#include "base/ndjson.h"
#include "base/ofile.h"
#include "base/pool.h"
#include "mail/suppress.h"
#include "write/writer.h"

#define KEY_MAX 4096
#define JOBS_AUTO_MAX 8         /* --jobs default: the online CPUs, at most this */
#define BATCH_PER_JOB 64        /* lines read per worker before a batch is built */

/* What became of one input line. */
enum outcome {
	O_MSG,          /* a message in out (unless it turns out to be a duplicate) */
	O_REJECT,       /* reported with the reason in e */
	O_SUPPRESS,     /* the address is on the suppression list */
	O_BADLINE,      /* not a JSON object, or over-long: reported with e */
	O_FATAL         /* e ends the run (out of memory, OpenSSL failure) */
};

/* One input line on its way to a message: filled by a worker, written in input order. */
struct slot {
	struct buf line;
	long lineno;
	json_t *rec;
	enum outcome what;
	int fell_back;
	struct err e;
	struct buf out;
	char msgid[200];
};

/* What each worker thread owns. */
struct worker {
	struct mailmsg msg;
	struct dkim dkim;
};

struct run {
	struct mailmsg_opts mo;
	struct worker *w;
	struct pool *pool;
	struct slot *slot;          /* a batch of lines, built at once, written in order */
	size_t nslot, nbatch;        /* slots, and how many the batch being built fills */
	const char *name;           /* the input being read, for messages */
	int use_dkim, fallback, progress;
	struct suppress sup;
	int use_sup;
	struct ids seen;            /* Message-IDs written: a duplicate is reported */
	struct mbox_out mb;
	FILE *rej;                  /* --rejects, or NULL: reasons go to stderr */
	long written, rejected, suppressed, fell_back;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: mailfmt --from MAILBOX [options] [FILE ...]\n"
	    "Reads llmcall replies (NDJSON, FILE or stdin) and writes one RFC 5322 message per\n"
	    "ok reply: multipart/alternative (text/plain, then text/html from a template), UTF-8,\n"
	    "quoted-printable; product cards, prices and links come from meta, never from the model.\n"
	    "  -f, --from MAILBOX        sender, e.g. 'Shop <shop@example.com>' (required)\n"
	    "  -r, --reply-to MAILBOX    Reply-To\n"
	    "  -c, --campaign ID         campaign (default: meta.campaign); A-Z a-z 0-9 . _ : -\n"
	    "  -d, --date SECONDS        Date of every message, unix seconds\n"
	    "                            (default: SOURCE_DATE_EPOCH, else now)\n"
	    "  -t, --template FILE       HTML template (default: mail/email.html under RECMAIL_SHARE,\n"
	    "                            ../share/recmail or ../share beside the program)\n"
	    "      --utm-source NAME     utm_source of product links (default recmail)\n"
	    "      --click-base URL      send product links through this click-tracking redirect\n"
	    "      --open-pixel URL      add an open-tracking pixel\n"
	    "      --unsub-mailto ADDR   List-Unsubscribe mailto: address\n"
	    "      --unsub-url URL       https one-click unsubscribe base (RFC 8058); needs a key\n"
	    "      --unsub-key-file FILE secret key for unsubscribe and click tokens\n"
	    "                            (default: the RECMAIL_UNSUB_KEY environment variable)\n"
	    "      --dkim-key FILE       sign with this PEM key (RSA or Ed25519)\n"
	    "      --dkim-selector NAME  DKIM selector (required with --dkim-key)\n"
	    "      --dkim-domain NAME    DKIM d= (default: the domain of --from)\n"
	    "  -s, --suppress FILE       suppression list (NDJSON with \"email\"): never mailed\n"
	    "  -j, --rejects FILE        write rejected and suppressed records here (NDJSON)\n"
	    "      --fallback MODE       'template': write ok:false records with the offline\n"
	    "                            writer; 'none' (default): reject them\n"
	    "  -m, --maildir DIR         write a maildir instead of an mbox on stdout\n"
	    "  -e, --eml-dir DIR         write DIR/<message-id>.eml files instead\n"
	    "      --sync WHEN           directories: 'end' (default) makes every file durable\n"
	    "                            with one sync before exit; 'each' syncs each file\n"
	    "                            before it appears (for readers that do not wait)\n"
	    "      --max-line BYTES      longest input line (default 1048576)\n"
	    "      --jobs N              build messages on N threads (default: the CPUs, at most 8);\n"
	    "                            the output is the same for every N\n"
	    "      --progress            show progress on stderr\n"
	    "  -h, --help                this help\n"
	    "  -V, --version             version\n"
	    "example: mailfmt --from='Shop <shop@example.com>' --campaign=c1 \\\n"
	    "             --unsub-url=https://shop.example/unsub < replies.ndjson > out.mbox\n");
}

/* Reads the secret key: the file, else RECMAIL_UNSUB_KEY; a final newline is dropped. */
static int
load_key(const char *path, unsigned char *key, size_t *len)
{
	const char *env = getenv("RECMAIL_UNSUB_KEY");
	FILE *f;
	size_t n;

	*len = 0;
	if (path == NULL) {
		if (env == NULL || env[0] == '\0')
			return 0;
		n = strlen(env);
		if (n > KEY_MAX)
			return cli_fail(EXIT_USAGE, "RECMAIL_UNSUB_KEY: longer than %d bytes", KEY_MAX);
		memcpy(key, env, n);
		*len = n;
		return 0;
	}
	if ((f = cli_open_in(path)) == NULL)
		return EXIT_NOINPUT;
	n = fread(key, 1, KEY_MAX + 1, f);
	if (ferror(f) || n > KEY_MAX) {
		cli_close_in(f);
		return cli_fail(EXIT_DATA, "%s: %s", path, n > KEY_MAX ? "key too long" : "read error");
	}
	cli_close_in(f);
	while (n > 0 && (key[n - 1] == '\n' || key[n - 1] == '\r'))
		n--;
	*len = n;
	return 0;
}

/* The default template: RECMAIL_SHARE, then ../share/recmail and ../share beside the program. */
static int
find_template(char *out, size_t sz)
{
	const char *env = getenv("RECMAIL_SHARE");
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (env != NULL && env[0] != '\0') {
		snprintf(out, sz, "%s/mail/email.html", env);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) != NULL)
		*slash = '\0';
	snprintf(out, sz, "%s/../share/recmail/mail/email.html", exe);
	if (access(out, R_OK) == 0)
		return 0;
	snprintf(out, sz, "%s/../share/mail/email.html", exe);
	return access(out, R_OK) == 0 ? 0 : -1;
}

/* Reports a record that gives no message: a rejects line, or a line on stderr. */
static int
report(struct run *r, const char *file, long line, const json_t *rec, const char *kind,
    const char *reason, struct err *e)
{
	const json_t *meta = json_object_get(rec, "meta");
	json_t *o;
	int rc;

	if (r->rej == NULL) {
		cli_warn("%s:%ld: %s%s", file, line, strcmp(kind, "suppressed") == 0 ? "suppressed: " : "",
		    reason);
		return 0;
	}
	o = json_pack("{sssssIss}", "kind", kind, "file", file, "line", (json_int_t)line, "reason",
	    reason);
	if (o == NULL)
		return err_nomem(e);
	if (json_object_get(rec, "id"))
		json_object_set(o, "id", json_object_get(rec, "id"));
	if (json_object_get(meta, "user"))
		json_object_set(o, "user", json_object_get(meta, "user"));
	if (json_is_string(json_object_get(meta, "email")))
		json_object_set(o, "email", json_object_get(meta, "email"));
	if (json_object_get(rec, "error"))
		json_object_set(o, "error", json_object_get(rec, "error"));
	rc = ndjson_write(r->rej, o, e);
	json_decref(o);
	return rc;
}

/* Builds and signs the message for one parsed record into s->out; the outcome. */
static enum outcome
make(struct run *r, struct worker *w, struct slot *s)
{
	const json_t *rec = s->rec, *meta = json_object_get(rec, "meta");
	struct err *e = &s->e;
	char *composed;
	int rc;

	if (mailmsg_check_meta(&r->mo, meta, e) < 0)
		return O_REJECT;
	if (r->use_sup && suppress_has(&r->sup, json_string_value(json_object_get(meta, "email"))))
		return O_SUPPRESS;
	if (json_is_true(json_object_get(rec, "ok")) &&
	    json_is_string(json_object_get(rec, "content"))) {
		const json_t *c = json_object_get(rec, "content");

		rc = mailmsg_build(&w->msg, &r->mo, meta, json_string_value(c), json_string_length(c), e);
	} else {
		rc = err_set(e, EXIT_DATA, "%s", json_is_false(json_object_get(rec, "ok")) ?
		    "reply not ok" : "record has no \"ok\":true and \"content\"");
	}
	if (rc < 0 && e->code == EXIT_DATA && r->fallback) {
		struct err we = { 0, "" };

		composed = writer_compose(meta, &we);
		if (composed == NULL) {
			char first[400];
			size_t k = strlen(e->msg);

			if (k >= sizeof first)
				k = sizeof first - 1;
			memcpy(first, e->msg, k);
			first[k] = '\0';
			snprintf(e->msg, sizeof e->msg, "%s; fallback failed: %.400s", first, we.msg);
		} else {
			rc = mailmsg_build(&w->msg, &r->mo, meta, composed, strlen(composed), e);
			free(composed);
			s->fell_back = rc == 0;
		}
	}
	if (rc < 0)
		return e->code == EXIT_DATA ? O_REJECT : O_FATAL;
	buf_reset(&s->out);
	if (r->use_dkim && dkim_sign(&w->dkim, w->msg.head.s, w->msg.head.len, w->msg.body.s,
	    w->msg.body.len, r->mo.date, &s->out, e) < 0)
		return O_FATAL;
	if (buf_add(&s->out, w->msg.head.s, w->msg.head.len) < 0 ||
	    buf_addc(&s->out, '\n') < 0 ||
	    buf_add(&s->out, w->msg.body.s, w->msg.body.len) < 0) {
		err_nomem(e);
		return O_FATAL;
	}
	memcpy(s->msgid, w->msg.msgid, sizeof s->msgid);
	return O_MSG;
}

/*
 * pool_fn: worker w parses and builds slots w, w + n, w + 2n, ... of the batch.
 * The same worker did the same slots of the batch before, and frees their
 * records here: jansson's memory stays with the thread that allocated it.
 */
static void
build(void *arg, size_t w, int wi)
{
	struct run *r = arg;
	size_t i, n = (size_t)pool_size(r->pool);

	(void)wi;
	for (i = w; i < r->nslot; i += n) {
		struct slot *s = &r->slot[i];

		json_decref(s->rec);
		s->rec = NULL;
		if (i >= r->nbatch || s->what == O_BADLINE)
			continue;
		s->fell_back = 0;
		if (ndjson_parse(s->line.s, s->line.len, r->name, s->lineno, &s->rec, &s->e) < 0)
			s->what = O_BADLINE;
		else
			s->what = make(r, &r->w[w], s);
	}
}

/* A reader's error without its "name:N: " in front: reports give the position once. */
static const char *
unplaced(const struct run *r, const struct slot *s)
{
	char pos[64];
	size_t n = strlen(r->name);
	int k = snprintf(pos, sizeof pos, ":%ld: ", s->lineno);

	if (strncmp(s->e.msg, r->name, n) == 0 && k > 0 && strncmp(s->e.msg + n, pos, (size_t)k) == 0)
		return s->e.msg + n + (size_t)k;
	return s->e.msg;
}

/* Writes slot s's message or report, in input order. 0, or -1 when the run must stop. */
static int
emit(struct run *r, struct slot *s, struct err *e)
{
	json_t *none;
	int rc = 0;

	switch (s->what) {
	case O_BADLINE:
		r->rejected++;
		none = json_object();
		rc = none ? report(r, r->name, s->lineno, none, "rejected", unplaced(r, s), e) :
		    err_nomem(e);
		json_decref(none);
		break;
	case O_REJECT:
		r->rejected++;
		rc = report(r, r->name, s->lineno, s->rec, "rejected", s->e.msg, e);
		break;
	case O_SUPPRESS:
		r->suppressed++;
		rc = report(r, r->name, s->lineno, s->rec, "suppressed",
		    "address is on the suppression list", e);
		break;
	case O_MSG:
		if (ids_find(&r->seen, s->msgid, strlen(s->msgid)) >= 0) {
			r->rejected++;
			rc = report(r, r->name, s->lineno, s->rec, "rejected",
			    "duplicate (campaign, user): its message was already written", e);
			break;
		}
		if (ids_intern(&r->seen, s->msgid, strlen(s->msgid), e) < 0 ||
		    mbox_write(&r->mb, s->msgid, r->mo.date, s->out.s, s->out.len, e) < 0) {
			rc = -1;
			break;
		}
		r->written++;
		r->fell_back += s->fell_back;
		break;
	case O_FATAL:
		*e = s->e;
		rc = -1;
		break;
	}
	if (rc < 0)
		return err_prefix(e, "%s:%ld", r->name, s->lineno);
	if (r->progress && (r->written + r->rejected + r->suppressed) % 1000 == 0)
		fprintf(stderr, "\rmailfmt: %ld messages", r->written);
	return 0;
}

/* Builds slots 0..n-1 on the pool and writes them in order. 0, or -1 with e set. */
static int
flush(struct run *r, size_t n, struct err *e)
{
	size_t i;
	int rc = 0;

	r->nbatch = n;
	pool_each(r->pool, build, r);
	for (i = 0; i < n && rc == 0; i++)
		rc = emit(r, &r->slot[i], e);
	return rc;
}

/* Keeps a copy of the line in slot s. 0, or -1 when out of memory. */
static int
keep(struct slot *s, const char *line, size_t len, long lineno)
{
	buf_reset(&s->line);
	if (buf_add(&s->line, line, len) < 0)
		return -1;
	s->lineno = lineno;
	s->what = O_MSG;
	return 0;
}

static int
run_file(struct run *r, FILE *f, const char *name, size_t maxline, struct err *e)
{
	struct ndjson_reader rd;
	size_t n = 0;
	char *line;
	size_t len;
	int rc;

	if (ndjson_init(&rd, f, name, maxline, e) < 0)
		return -1;
	r->name = name;
	while ((rc = ndjson_next_line(&rd, &line, &len, e)) != 0) {
		struct slot *s = &r->slot[n];

		if (rc < 0 && e->code != EXIT_DATA)
			break;
		if (rc < 0) {
			/* an over-long line: reported in its place */
			s->lineno = ndjson_lineno(&rd);
			s->what = O_BADLINE;
			s->e = *e;
		} else if (keep(s, line, len, ndjson_lineno(&rd)) < 0) {
			rc = err_nomem(e);
			break;
		}
		if (++n == r->nslot) {
			rc = flush(r, n, e);
			n = 0;
			if (rc < 0)
				break;
		}
		rc = 0;
	}
	if (n > 0) {
		struct err fe = { 0, "" };

		/* what was read before a read error is still written */
		if (flush(r, n, &fe) < 0 && rc == 0) {
			*e = fe;
			rc = -1;
		}
	}
	ndjson_free(&rd);
	return rc < 0 ? -1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' }, { "reply-to", required_argument, NULL, 'r' },
		{ "campaign", required_argument, NULL, 'c' }, { "date", required_argument, NULL, 'd' },
		{ "template", required_argument, NULL, 't' }, { "utm-source", required_argument, NULL, 1 },
		{ "click-base", required_argument, NULL, 2 }, { "open-pixel", required_argument, NULL, 3 },
		{ "unsub-mailto", required_argument, NULL, 4 }, { "unsub-url", required_argument, NULL, 5 },
		{ "unsub-key-file", required_argument, NULL, 6 }, { "dkim-key", required_argument, NULL, 7 },
		{ "dkim-selector", required_argument, NULL, 8 }, { "dkim-domain", required_argument, NULL, 9 },
		{ "suppress", required_argument, NULL, 's' }, { "rejects", required_argument, NULL, 'j' },
		{ "fallback", required_argument, NULL, 10 }, { "maildir", required_argument, NULL, 'm' },
		{ "eml-dir", required_argument, NULL, 'e' }, { "max-line", required_argument, NULL, 11 },
		{ "progress", no_argument, NULL, 12 }, { "jobs", required_argument, NULL, 13 },
		{ "sync", required_argument, NULL, 14 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 }
	};
	static struct run r;
	static unsigned char key[KEY_MAX + 1];
	const char *from = NULL, *reply = NULL, *tmplpath = NULL, *keyfile = NULL, *dkimkey = NULL;
	const char *selector = NULL, *dkimdomain = NULL, *suppath = NULL, *rejpath = NULL;
	const char *maildir = NULL, *emldir = NULL, *sde;
	char *fname = NULL, *faddr = NULL, *rname = NULL, *raddr = NULL, tpath[PATH_MAX + 64];
	struct html_tmpl tmpl = { 0 };
	struct ofile rejf = { 0 };
	struct err e = { 0, "" };
	long num, maxline = LINES_DEFAULT_MAX, jobs = 0;
	int c, i, nw = 0, ndkim = 0, status = EXIT_OK, fatal = 0, sync_each = 0;
	size_t k;

	cli_init(argv[0]);
	r.mo.date = time(NULL);
	if ((sde = getenv("SOURCE_DATE_EPOCH")) != NULL && sde[0] != '\0') {
		if (cli_parse_long("SOURCE_DATE_EPOCH", sde, 0, 253402300799L, &num) < 0)
			return EXIT_USAGE;
		r.mo.date = (time_t)num;
	}
	while ((c = getopt_long(argc, argv, "c:d:e:f:hj:m:r:s:t:V", opts, NULL)) != -1) {
		switch (c) {
		case 'c': r.mo.campaign = optarg; break;
		case 'd':
			if (cli_parse_long("--date", optarg, 0, 253402300799L, &num) < 0)
				return EXIT_USAGE;
			r.mo.date = (time_t)num;
			break;
		case 'e': emldir = optarg; break;
		case 'f': from = optarg; break;
		case 'h': usage(stdout); return cli_close_out(stdout, "-");
		case 'j': rejpath = optarg; break;
		case 'm': maildir = optarg; break;
		case 'r': reply = optarg; break;
		case 's': suppath = optarg; break;
		case 't': tmplpath = optarg; break;
		case 'V': return cli_version();
		case 1: r.mo.utm_source = optarg; break;
		case 2: r.mo.click_base = optarg; break;
		case 3: r.mo.open_base = optarg; break;
		case 4: r.mo.unsub_mailto = optarg; break;
		case 5: r.mo.unsub_url = optarg; break;
		case 6: keyfile = optarg; break;
		case 7: dkimkey = optarg; break;
		case 8: selector = optarg; break;
		case 9: dkimdomain = optarg; break;
		case 10:
			if (strcmp(optarg, "template") != 0 && strcmp(optarg, "none") != 0)
				return cli_usage_error("--fallback: '%s' is not 'template' or 'none'", optarg);
			r.fallback = strcmp(optarg, "template") == 0;
			break;
		case 11:
			if (cli_parse_long("--max-line", optarg, 1024, 1L << 30, &maxline) < 0)
				return EXIT_USAGE;
			break;
		case 12: r.progress = 1; break;
		case 13:
			if (cli_parse_long("--jobs", optarg, 1, POOL_MAX, &jobs) < 0)
				return EXIT_USAGE;
			break;
		case 14:
			if (strcmp(optarg, "each") != 0 && strcmp(optarg, "end") != 0)
				return cli_usage_error("--sync: '%s' is not 'each' or 'end'", optarg);
			sync_each = strcmp(optarg, "each") == 0;
			break;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (from == NULL)
		return cli_usage_error("--from is required");
	if (maildir && emldir)
		return cli_usage_error("--maildir and --eml-dir exclude each other");
	if (dkimkey && !selector)
		return cli_usage_error("--dkim-key needs --dkim-selector");
	if (mime_parse_mailbox(from, &fname, &faddr, &e) < 0 ||
	    (reply && mime_parse_mailbox(reply, &rname, &raddr, &e) < 0)) {
		free(fname);
		free(faddr);
		return cli_usage_error("%s", e.msg);
	}
	r.mo.from_name = fname;
	r.mo.from_addr = faddr;
	r.mo.reply_name = rname;
	r.mo.reply_addr = raddr;
	ids_init(&r.seen);
	suppress_init(&r.sup);
	json_object_seed(0);        /* before any thread makes an object */
	nw = jobs ? (int)jobs : pool_cpus() < JOBS_AUTO_MAX ? pool_cpus() : JOBS_AUTO_MAX;
	r.nslot = BATCH_PER_JOB * (size_t)nw;
	r.w = calloc((size_t)nw, sizeof *r.w);
	r.slot = calloc(r.nslot, sizeof *r.slot);
	if (r.w == NULL || r.slot == NULL) {
		status = cli_fail(EXIT_OSERR, "out of memory");
		goto out;
	}
	for (i = 0; i < nw; i++)
		mailmsg_init(&r.w[i].msg);
	mbox_out_stream(&r.mb, stdout);
	if ((status = load_key(keyfile, key, &r.mo.keylen)) != 0)
		goto out;
	r.mo.key = r.mo.keylen ? key : NULL;
	if (tmplpath == NULL) {
		if (find_template(tpath, sizeof tpath) < 0) {
			status = cli_fail(EXIT_NOINPUT, "no default template (set RECMAIL_SHARE or --template)");
			goto out;
		}
		tmplpath = tpath;
	}
	if (html_load(&tmpl, tmplpath, &e) < 0) {
		status = cli_fail_err(&e);
		goto out;
	}
	r.mo.tmpl = &tmpl;
	if (mailmsg_check_opts(&r.mo, &e) < 0) {
		status = cli_usage_error("%s", e.msg);
		goto out;
	}
	for (; dkimkey && ndkim < nw; ndkim++) {
		if (dkim_init(&r.w[ndkim].dkim, dkimkey, dkimdomain ? dkimdomain :
		    strrchr(faddr, '@') + 1, selector, &e) < 0) {
			status = cli_fail_err(&e);
			goto out;
		}
	}
	r.use_dkim = dkimkey != NULL;
	if (r.use_dkim && (r.w[0].dkim.key_mode & 077) != 0)
		cli_warn("%s: the DKIM private key is readable by group or others (mode %04o): chmod 600 %s",
		    dkimkey, r.w[0].dkim.key_mode, dkimkey);
	if ((r.pool = pool_start(nw, &e)) == NULL) {
		status = cli_fail_err(&e);
		goto out;
	}
	if (suppath && suppress_load(&r.sup, suppath, &e) < 0) {
		status = cli_fail_err(&e);
		goto out;
	}
	r.use_sup = suppath != NULL;
	r.progress = cli_want_progress(r.progress);
	if (maildir || emldir) {
		if (mbox_out_dir(&r.mb, maildir ? MBOX_MAILDIR : MBOX_EMLDIR, maildir ? maildir : emldir,
		    &e) < 0) {
			status = cli_fail_err(&e);
			goto out;
		}
		r.mb.sync_each = sync_each;
	} else {
		static char obuf[1 << 20];   /* fewer write(2)s: messages are ~10 KiB */

		setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	}
	if (rejpath) {
		if (ofile_open(&rejf, rejpath, &e) < 0) {
			status = cli_fail_err(&e);
			goto out;
		}
		r.rej = rejf.fp;
	}
	for (i = optind; i == optind || i < argc; i++) {
		const char *path = i < argc ? argv[i] : "-";
		FILE *f = cli_open_in(path);

		if (f == NULL) {
			status = EXIT_NOINPUT;
			fatal = 1;
			break;
		}
		if (run_file(&r, f, cli_name(path), (size_t)maxline, &e) < 0) {
			status = cli_fail_err(&e);
			fatal = 1;
		}
		cli_close_in(f);
		if (fatal)
			break;
	}
	if (r.progress)
		fprintf(stderr, "\r");
	if (r.rejected || r.suppressed || r.fell_back || r.progress)
		cli_warn("%ld messages, %ld rejected, %ld suppressed, %ld from the template fallback%s%s",
		    r.written, r.rejected, r.suppressed, r.fell_back, rejpath ? "; see " : "",
		    rejpath ? rejpath : "");
	if (rejpath) {
		if (fatal)
			ofile_abort(&rejf);
		else if (ofile_commit(&rejf, &e) < 0)
			status = cli_fail_err(&e);
	}
	if (!fatal && mbox_out_commit(&r.mb, &e) < 0 && status == EXIT_OK)
		status = cli_fail_err(&e);
	if (r.mb.kind == MBOX_STREAM) {
		c = cli_close_out(stdout, "-");
		if (c != 0 && status == EXIT_OK)
			status = c;
	}
	if (status == EXIT_OK && r.rejected > 0)
		status = EXIT_PARTIAL;
out:
	memset(key, 0, sizeof key);
	pool_stop(r.pool);
	mbox_out_close(&r.mb);
	for (i = 0; r.w && i < nw; i++) {
		mailmsg_free(&r.w[i].msg);
		if (i < ndkim)
			dkim_free(&r.w[i].dkim);
	}
	for (k = 0; r.slot && k < r.nslot; k++) {
		buf_free(&r.slot[k].line);
		buf_free(&r.slot[k].out);
		json_decref(r.slot[k].rec);
	}
	free(r.w);
	free(r.slot);
	ids_free(&r.seen);
	suppress_free(&r.sup);
	html_free(&tmpl);
	free(fname);
	free(faddr);
	free(rname);
	free(raddr);
	return status;
}
