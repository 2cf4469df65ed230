/* mailfmt - turns llmcall replies into complete RFC 5322 messages (mbox, maildir or .eml files) */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/batch.h"
#include "base/cli.h"
#include "base/ofile.h"
#include "mail/mailbatch.h"
#include "mail/mime.h"

#define JOBS_AUTO_MAX 8         /* --jobs default: the online CPUs, at most this */
#define BATCH_PER_JOB 64        /* lines read per worker before a batch is built */

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
	    "      --click-base URL      send product links through this click redirect (trackd /c)\n"
	    "      --open-pixel URL      add an open-tracking pixel (trackd /o)\n"
	    "      --unsub-mailto ADDR   List-Unsubscribe mailto: address\n"
	    "      --unsub-url URL       https one-click unsubscribe base (RFC 8058, trackd /u)\n"
	    "      --no-unsubscribe      allow messages with no unsubscribe route (not for marketing:\n"
	    "                            without it, --unsub-mailto or --unsub-url is required)\n"
	    "      --unsub-key-file FILE link keys, one a line: the first seals the links'\n"
	    "                            tokens, the others are older ones trackd still accepts\n"
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

static void
show_progress(long written)
{
	fprintf(stderr, "\rmailfmt: %ld messages", written);
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
		{ "sync", required_argument, NULL, 14 }, { "no-unsubscribe", no_argument, NULL, 15 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 }
	};
	static struct mailbatch r;
	static struct linktoken_keys keys;
	struct suppress sup;
	const char *from = NULL, *reply = NULL, *tmplpath = NULL, *keyfile = NULL, *dkimkey = NULL;
	const char *selector = NULL, *dkimdomain = NULL, *suppath = NULL, *rejpath = NULL;
	const char *maildir = NULL, *emldir = NULL, *sde;
	char *fname = NULL, *faddr = NULL, *rname = NULL, *raddr = NULL, tpath[PATH_MAX + 64];
	struct html_tmpl tmpl = { 0 };
	struct ofile rejf = { 0 };
	struct err e = { 0, "" };
	long num, maxline = LINES_DEFAULT_MAX, jobs = 0;
	int c, i, nw = 0, status = EXIT_OK, fatal = 0, sync_each = 0, progress = 0;

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
		case 12: progress = 1; break;
		case 13:
			if (cli_parse_long("--jobs", optarg, 1, POOL_MAX, &jobs) < 0)
				return EXIT_USAGE;
			break;
		case 14:
			if (strcmp(optarg, "each") != 0 && strcmp(optarg, "end") != 0)
				return cli_usage_error("--sync: '%s' is not 'each' or 'end'", optarg);
			sync_each = strcmp(optarg, "each") == 0;
			break;
		case 15: r.mo.no_unsub = 1; break;
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
	r.warn = cli_warn;
	suppress_init(&sup);
	json_object_seed(0);        /* before any thread makes an object */
	nw = jobs ? (int)jobs : batch_default_jobs(JOBS_AUTO_MAX);
	mbox_out_stream(&r.mb, stdout);
	if (mailbatch_init(&r, nw, &e) < 0 || linktoken_keys_load(&keys, keyfile, "RECMAIL_UNSUB_KEY", &e) < 0) {
		status = cli_fail_err(&e);
		goto out;
	}
	r.mo.keys = &keys;
	if (tmplpath == NULL) {
		if (mailbatch_default_template(tpath, sizeof tpath) < 0) {
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
	if (dkimkey && mailbatch_dkim(&r, dkimkey, dkimdomain ? dkimdomain :
	    strrchr(faddr, '@') + 1, selector, &e) < 0) {
		status = cli_fail_err(&e);
		goto out;
	}
	if (r.use_dkim && (r.w[0].dkim.key_mode & 077) != 0)
		cli_warn("%s: the DKIM private key is readable by group or others (mode %04o): chmod 600 %s",
		    dkimkey, r.w[0].dkim.key_mode, dkimkey);
	if (mailbatch_start(&r, BATCH_PER_JOB, &e) < 0 ||
	    (suppath && suppress_load(&sup, suppath, &e) < 0)) {
		status = cli_fail_err(&e);
		goto out;
	}
	r.sup = suppath ? &sup : NULL;
	r.progress = cli_want_progress(progress) ? show_progress : NULL;
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
		if (mailbatch_file(&r, f, cli_name(path), (size_t)maxline, &e) < 0) {
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
	linktoken_keys_free(&keys);
	mailbatch_free(&r);
	mbox_out_close(&r.mb);
	suppress_free(&sup);
	html_free(&tmpl);
	free(fname);
	free(faddr);
	free(rname);
	free(raddr);
	return status;
}
