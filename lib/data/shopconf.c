/* shopconf.c - writing campaign.conf for an imported shop: values quoted for the shell that sources it */
#include <stdio.h>
#include <string.h>

#include "base/exitcode.h"
#include "data/shopconf.h"

/* s in single quotes for a shell ('\'' for a quote). */
static void
quote(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}

/* One commented key; an empty value is left commented out, so the environment may set it. */
static void
key(FILE *f, const char *comment, const char *name, const char *value)
{
	fprintf(f, "\n# %s\n%s%s=", comment, value[0] == '\0' ? "# " : "", name);
	quote(f, value);
	fputc('\n', f);
}

int
shopconf_write(FILE *f, const struct shopconf *c, struct err *e)
{
	const char *brand = c->brand != NULL ? c->brand : "My Shop";
	char from[600], src[300];

	if (strchr(brand, '\n') != NULL || (c->from != NULL && strchr(c->from, '\n') != NULL))
		return err_set(e, EXIT_USAGE, "--brand and --from are one line each");
	snprintf(src, sizeof src, "%s", c->source);
	if (c->from != NULL)
		snprintf(from, sizeof from, "%s", c->from);
	else
		snprintf(from, sizeof from, "%.500s <shop@example.com>", brand);
	/* the name is the user's, but a newline in it would end the comment: shown as '?' */
	for (char *p = src; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	fprintf(f, "# campaign.conf - written by shopimport from %s; read by pipelines/campaign\n"
	    "# (docs/CAMPAIGN.md). A shell file of KEY=value lines: relative paths are relative to\n"
	    "# this file's directory, and any key may also come from the environment. Edit it:\n"
	    "# shopimport never overwrites it.\n", src);
	if (c->previews)
		fputs("#\n# The export had no email addresses: customers.ndjson holds placeholders at\n"
		    "# preview.invalid (never deliverable), so a run writes previews into its outbox/.\n", f);
	fputs("\n# --- inputs (docs/FORMATS.md 2.1-2.3), written by shopimport beside this file ---\n", f);
	key(f, "the directory of the three inputs", "DATA_DIR", ".");
	key(f, "one purchase line per line item: user, item, event \"purchase\", qty, ts, order",
	    "INTERACTIONS", "interactions.ndjson");
	key(f, "one line per product: title (the most frequent, readable casing), price, currency",
	    "CATALOG", "catalog.ndjson");
	key(f, "one line per customer: email (absent when marketing was refused), name, country, locale",
	    "CUSTOMERS", "customers.ndjson");
	key(f, "run directories, the lock, the LLM cache, suppress.ndjson and mailed.ndjson",
	    "RUNS_DIR", "runs");
	fputs("\n# --- the stages ---\n", f);
	key(f, "ratings2mat options for training: every purchase line weighs 1, repeats add up",
	    "INGEST_OPTS", "--implicit --weights=purchase=1");
	key(f, "ratings2mat options for what customers already have (never recommended again, and the\n"
	    "# only items an email may name as \"because you bought\"); 'same' reuses the training matrix",
	    "SEEN_OPTS", "--implicit --weights=purchase=1 --drop=all");
	key(f, "svdtrain options: implicit ALS, as tuned on UCI Online Retail (bench/retail-topn.sh)",
	    "TRAIN_OPTS", "--algo=ials --factors=32 --alpha=2 --reg=10 --epochs=15 --seed=1");
	key(f, "topk options: products per email and business rules (the catalog has no categories)",
	    "TOPK_OPTS", "-n 4");
	key(f, "cf (svdtrain's model), content (the catalog's words: also recommends products nobody\n"
	    "# has bought yet, docs/cbtrain.md) or hybrid (both, blended by recmerge)", "RECOMMENDER",
	    "cf");
	key(f, "A/B arms and weights; a 'holdout' arm gets no email and measures the uplift", "ARMS",
	    "llm=0.45,template=0.45,holdout=0.1");
	fputs("\n# --- the email ---\n", f);
	key(f, "the shop's name, in the prompt and the email", "BRAND", brand);
	key(f, "the sender: use an address of your domain", "FROM", from);
	key(f, "where replies go (empty: to FROM)", "REPLY_TO", "");
	key(f, "List-Unsubscribe mailto: address", "UNSUB_MAILTO", "unsubscribe@example.com");
	key(f, "https one-click unsubscribe base (RFC 8058); needs RECMAIL_UNSUB_KEY in the environment",
	    "UNSUB_URL", "");
	key(f, "more mailfmt options (e.g. --utm-source=newsletter)", "MAILFMT_OPTS", "");
	key(f, "llmcall options; the endpoint comes from LLM_BASE_URL, LLM_MODEL and LLM_API_KEY in the\n"
	    "# environment (never here); without LLM_BASE_URL every email is written offline",
	    "LLM_OPTS", "--parallel=16 --max-retries=4");
	fputs("\n# --- delivery ---\n", f);
	key(f, "SMTP server (e.g. smtps://smtp.example.com:465); empty: messages stay in the outbox/",
	    "SMTP_URL", "");
	key(f, "more mailsend options", "MAILSEND_OPTS", "");
	key(f, "skip customers mailed by any campaign within this many hours", "FREQ_CAP_HOURS", "72");
	fputs("\n# unsubscribed and bounced addresses (FORMATS 2.8); always wins (default:\n"
	    "# $RUNS_DIR/suppress.ndjson)\n# SUPPRESS=runs/suppress.ndjson\n", f);
	if (ferror(f))
		return err_set(e, EXIT_IO, "write error");
	return 0;
}
