/* mailfmt - turns llmcall replies into complete RFC 5322 messages (mbox, maildir or .eml files) */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dkim.h"
#include "ids.h"
#include "mailmsg.h"
#include "mbox.h"
#include "ndjson.h"
#include "ofile.h"
#include "suppress.h"
#include "writer.h"

#define KEY_MAX 4096

struct run {
	struct mailmsg_opts mo;
	struct mailmsg msg;
	struct mime_buf out, sig;
	struct dkim dkim;
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
	    "      --max-line BYTES      longest input line (default 1048576)\n"
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

/* Builds, signs and writes the message for one record. 0 written, 1 reported, -1 fatal. */
static int
one(struct run *r, const char *file, long line, const json_t *rec, struct err *e)
{
	const json_t *meta = json_object_get(rec, "meta");
	const char *content = NULL, *email;
	char *composed = NULL;
	size_t clen = 0;
	int rc;

	if (mailmsg_check_meta(&r->mo, meta, e) < 0)
		return report(r, file, line, rec, "rejected", e->msg, e) < 0 ? -1 : 1;
	email = json_string_value(json_object_get(meta, "email"));
	if (r->use_sup && suppress_has(&r->sup, email)) {
		r->suppressed++;
		return report(r, file, line, rec, "suppressed", "address is on the suppression list", e) < 0 ?
		    -1 : 2;
	}
	if (json_is_true(json_object_get(rec, "ok")) &&
	    json_is_string(json_object_get(rec, "content"))) {
		content = json_string_value(json_object_get(rec, "content"));
		clen = json_string_length(json_object_get(rec, "content"));
		rc = mailmsg_build(&r->msg, &r->mo, meta, content, clen, e);
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
			rc = mailmsg_build(&r->msg, &r->mo, meta, composed, strlen(composed), e);
			free(composed);
			if (rc == 0)
				r->fell_back++;
		}
	}
	if (rc < 0) {
		if (e->code != EXIT_DATA)
			return -1;
		return report(r, file, line, rec, "rejected", e->msg, e) < 0 ? -1 : 1;
	}
	if (ids_find(&r->seen, r->msg.msgid, strlen(r->msg.msgid)) >= 0)
		return report(r, file, line, rec, "rejected",
		    "duplicate (campaign, user): its message was already written", e) < 0 ? -1 : 1;
	if (ids_intern(&r->seen, r->msg.msgid, strlen(r->msg.msgid), e) < 0)
		return -1;
	mime_buf_reset(&r->out);
	if (r->use_dkim && dkim_sign(&r->dkim, r->msg.head.s, r->msg.head.len, r->msg.body.s,
	    r->msg.body.len, r->mo.date, &r->out, e) < 0)
		return -1;
	if (mime_buf_add(&r->out, r->msg.head.s, r->msg.head.len) < 0 ||
	    mime_buf_addc(&r->out, '\n') < 0 ||
	    mime_buf_add(&r->out, r->msg.body.s, r->msg.body.len) < 0)
		return err_nomem(e);
	if (mbox_write(&r->mb, r->msg.msgid, r->mo.date, r->out.s, r->out.len, e) < 0)
		return -1;
	r->written++;
	return 0;
}

static int
run_file(struct run *r, FILE *f, const char *name, size_t maxline, struct err *e)
{
	struct ndjson_reader rd;
	json_t *rec;
	int rc;

	if (ndjson_init(&rd, f, name, maxline, e) < 0)
		return -1;
	while ((rc = ndjson_next(&rd, &rec, NULL, e)) != 0) {
		if (rc < 0) {
			json_t *none;

			if (e->code != EXIT_DATA)
				break;
			r->rejected++;
			none = json_object();
			rc = none ? report(r, name, ndjson_lineno(&rd), none, "rejected", e->msg, e) :
			    err_nomem(e);
			json_decref(none);
			if (rc < 0)
				break;
			continue;
		}
		rc = one(r, name, ndjson_lineno(&rd), rec, e);
		json_decref(rec);
		if (rc < 0) {
			err_prefix(e, "%s:%ld", name, ndjson_lineno(&rd));
			break;
		}
		r->rejected += rc == 1;
		if (r->progress && (r->written + r->rejected) % 1000 == 0)
			fprintf(stderr, "\rmailfmt: %ld messages", r->written);
		rc = 0;
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
		{ "progress", no_argument, NULL, 12 }, { "help", no_argument, NULL, 'h' },
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
	long num, maxline = LINES_DEFAULT_MAX;
	int c, i, status = EXIT_OK, fatal = 0;

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
	mailmsg_init(&r.msg);
	suppress_init(&r.sup);
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
	if (dkimkey && dkim_init(&r.dkim, dkimkey, dkimdomain ? dkimdomain : strrchr(faddr, '@') + 1,
	    selector, &e) < 0) {
		status = cli_fail_err(&e);
		goto out;
	}
	r.use_dkim = dkimkey != NULL;
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
	if (r.mb.kind == MBOX_STREAM) {
		c = cli_close_out(stdout, "-");
		if (c != 0 && status == EXIT_OK)
			status = c;
	}
	if (status == EXIT_OK && r.rejected > 0)
		status = EXIT_PARTIAL;
out:
	memset(key, 0, sizeof key);
	mbox_out_close(&r.mb);
	mailmsg_free(&r.msg);
	mime_buf_free(&r.out);
	ids_free(&r.seen);
	suppress_free(&r.sup);
	if (r.use_dkim)
		dkim_free(&r.dkim);
	html_free(&tmpl);
	free(fname);
	free(faddr);
	free(rname);
	free(raddr);
	return status;
}
