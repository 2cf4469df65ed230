/* test_linktoken.c - link tokens: round trip, tampering, key rotation, no clear text, legacy HMAC */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/hmac.h>

#include "mail/linktoken.h"
#include "unit.h"

static const char *k1 = "0123456789abcdef-first", *k2 = "fedcba9876543210-second";

static struct linktoken
sample(void)
{
	struct linktoken t = { LINKTOKEN_CLICK, 1764000000, "2026-11-w48", "llm", "c1042", "sku9",
	    "https://shop.example/p/sku9?utm_source=recmail", "ann@example.com", "de" };

	return t;
}

static void
keys(struct linktoken_keys *ks, const char *a, const char *b)
{
	linktoken_keys_init(ks);
	CHECK_INT(linktoken_keys_add(ks, (const unsigned char *)a, strlen(a), NULL), 0);
	if (b != NULL)
		CHECK_INT(linktoken_keys_add(ks, (const unsigned char *)b, strlen(b), NULL), 0);
}

static void
test_round_trip(void)
{
	struct linktoken_keys ks;
	struct linktoken t = sample(), d;
	char tok[LINKTOKEN_MAX + 1], again[LINKTOKEN_MAX + 1], store[LINKTOKEN_MAX];
	long n;

	keys(&ks, k1, NULL);
	n = linktoken_encode(&ks, &t, tok, sizeof tok, NULL);
	CHECK(n > 0);
	CHECK_INT(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), n);
	CHECK_INT(linktoken_decode(&ks, tok, (size_t)n, &d, store, NULL), 0);
	CHECK_INT(d.kind, LINKTOKEN_CLICK);
	CHECK_INT(d.issued, 1764000000);
	CHECK_STR(d.campaign, "2026-11-w48");
	CHECK_STR(d.variant, "llm");
	CHECK_STR(d.user, "c1042");
	CHECK_STR(d.item, "sku9");
	CHECK_STR(d.url, "https://shop.example/p/sku9?utm_source=recmail");
	CHECK_STR(d.email, "ann@example.com");
	CHECK_STR(d.lang, "de");
	/* the same link gives the same token; another user another one */
	CHECK_INT(linktoken_encode(&ks, &t, again, sizeof again, NULL), n);
	CHECK_STR(again, tok);
	t.user = "c1043";
	CHECK(linktoken_encode(&ks, &t, again, sizeof again, NULL) > 0);
	CHECK(strcmp(again, tok) != 0);
	/* nothing of the fields shows in the token */
	CHECK(strstr(tok, "c1042") == NULL && strstr(tok, "ann") == NULL && strstr(tok, "sku9") == NULL);
	linktoken_keys_free(&ks);
}

static void
test_tampering_fails(void)
{
	struct linktoken_keys ks;
	struct linktoken t = sample(), d;
	char tok[LINKTOKEN_MAX + 1], store[LINKTOKEN_MAX];
	struct err e;
	long n, i, bad = 0;

	keys(&ks, k1, NULL);
	n = linktoken_encode(&ks, &t, tok, sizeof tok, NULL);
	for (i = 0; i < n; i++) {
		char save = tok[i];

		tok[i] = save == 'A' ? 'B' : 'A';
		bad += linktoken_decode(&ks, tok, (size_t)n, &d, store, &e) < 0;
		tok[i] = save;
	}
	CHECK_INT(bad, n);
	CHECK_INT(linktoken_decode(&ks, tok, (size_t)n - 1, &d, store, &e), -1);
	CHECK_INT(linktoken_decode(&ks, tok, 10, &d, store, &e), -1);
	CHECK_STR(e.msg, "malformed token");
	CHECK_INT(linktoken_decode(&ks, "", 0, &d, store, &e), -1);
	CHECK_INT(linktoken_decode(&ks, "a+b/", 4, &d, store, &e), -1);
	linktoken_keys_free(&ks);
}

static void
test_rotation(void)
{
	struct linktoken_keys old, both, other;
	struct linktoken t = sample(), d;
	char tok[LINKTOKEN_MAX + 1], store[LINKTOKEN_MAX];
	struct err e;
	long n;

	keys(&old, k1, NULL);
	keys(&both, k2, k1);    /* k2 now issues, k1 still verifies */
	keys(&other, k2, NULL);
	n = linktoken_encode(&old, &t, tok, sizeof tok, NULL);
	CHECK_INT(linktoken_decode(&both, tok, (size_t)n, &d, store, NULL), 0);
	CHECK_STR(d.user, "c1042");
	CHECK_INT(linktoken_decode(&other, tok, (size_t)n, &d, store, &e), -1);
	CHECK_STR(e.msg, "unknown key");
	n = linktoken_encode(&both, &t, tok, sizeof tok, NULL);
	CHECK_INT(linktoken_decode(&other, tok, (size_t)n, &d, store, NULL), 0);
	CHECK_INT(linktoken_decode(&old, tok, (size_t)n, &d, store, &e), -1);
	linktoken_keys_free(&old);
	linktoken_keys_free(&both);
	linktoken_keys_free(&other);
}

static void
test_limits(void)
{
	struct linktoken_keys ks;
	struct linktoken t = sample();
	char tok[LINKTOKEN_MAX + 1], *url = malloc(LINKTOKEN_FIELD_MAX + 2);
	struct err e;

	linktoken_keys_init(&ks);
	CHECK_INT(linktoken_encode(&ks, &t, tok, sizeof tok, &e), -1);
	CHECK_STR(e.msg, "no link key");
	CHECK_INT(linktoken_keys_add(&ks, (const unsigned char *)"short", 5, &e), -1);
	keys(&ks, k1, NULL);
	memset(url, 'a', LINKTOKEN_FIELD_MAX + 1);
	url[LINKTOKEN_FIELD_MAX + 1] = '\0';
	t.url = url;
	CHECK_INT(linktoken_encode(&ks, &t, tok, sizeof tok, &e), -1);
	CHECK_INT(e.code, 65);
	url[LINKTOKEN_FIELD_MAX] = '\0';
	CHECK(linktoken_encode(&ks, &t, tok, sizeof tok, &e) > 0);
	CHECK_INT(linktoken_encode(&ks, &t, tok, 100, &e), -1);
	free(url);
	linktoken_keys_free(&ks);
}

static void
test_keys_file(void)
{
	struct linktoken_keys ks;
	char path[] = "/tmp/test_linktoken_XXXXXX";
	struct err e;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fprintf(f, "%s\n\n%s\r\n", k2, k1);
	fclose(f);
	linktoken_keys_init(&ks);
	CHECK_INT(linktoken_keys_load(&ks, path, NULL, &e), 2);
	CHECK_INT(ks.k[0].secretlen, strlen(k2));
	CHECK_INT(ks.k[1].secretlen, strlen(k1));
	linktoken_keys_free(&ks);
	f = fopen(path, "w");
	fprintf(f, "%s\nshort\n", k1);
	fclose(f);
	CHECK_INT(linktoken_keys_load(&ks, path, NULL, &e), -1);
	CHECK(strstr(e.msg, ":2: a link key must be at least 16 bytes") != NULL);
	linktoken_keys_free(&ks);
	unlink(path);
	CHECK_INT(linktoken_keys_load(&ks, path, NULL, &e), -1);
	CHECK_INT(e.code, 66);
	setenv("TEST_LINKTOKEN_KEY", k1, 1);
	CHECK_INT(linktoken_keys_load(&ks, NULL, "TEST_LINKTOKEN_KEY", &e), 1);
	linktoken_keys_free(&ks);
	CHECK_INT(linktoken_keys_load(&ks, NULL, "TEST_LINKTOKEN_UNSET", &e), 0);

	/* an endless input is refused after a bounded read (it spun at 100% CPU: fgets gave
	 * empty strings of NULs forever); so are a huge file of blank lines and a NUL in a key */
	CHECK_INT(linktoken_keys_load(&ks, "/dev/zero", NULL, &e), -1);
	CHECK_INT(e.code, 65);
	CHECK(strstr(e.msg, "/dev/zero: larger than") != NULL);
	linktoken_keys_free(&ks);
	f = fopen(path, "w");
	for (int i = 0; i < 100000; i++)
		fputc('\n', f);
	fclose(f);
	CHECK_INT(linktoken_keys_load(&ks, path, NULL, &e), -1);
	CHECK(strstr(e.msg, ": not a key file") != NULL);
	linktoken_keys_free(&ks);
	f = fopen(path, "w");
	fprintf(f, "%s\n%s", k1, k2);
	fputc('\0', f);
	fputc('\n', f);
	fclose(f);
	CHECK_INT(linktoken_keys_load(&ks, path, NULL, &e), -1);
	CHECK(strstr(e.msg, ":2: a key holds a NUL byte") != NULL);
	linktoken_keys_free(&ks);
	f = fopen(path, "w");
	for (int i = 0; i < 5000; i++)
		fputc('k', f);
	fclose(f);
	CHECK_INT(linktoken_keys_load(&ks, path, NULL, &e), -1);
	CHECK(strstr(e.msg, ":1: key longer than 4096 bytes") != NULL);
	linktoken_keys_free(&ks);
	unlink(path);
}

static void
test_legacy_hmac(void)
{
	struct linktoken_keys ks;
	unsigned char md[32];
	unsigned int mdlen;
	char hex[65];
	int i;

	keys(&ks, k2, k1);
	HMAC(EVP_sha256(), k1, (int)strlen(k1), (const unsigned char *)"c1\nann@example.com", 18, md,
	    &mdlen);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	CHECK_INT(linktoken_legacy_ok(&ks, "c1\nann@example.com", 18, hex, 64), 1);
	CHECK_INT(linktoken_legacy_ok(&ks, "c1\nbob@example.com", 18, hex, 64), 0);
	CHECK_INT(linktoken_legacy_ok(&ks, "c1\nann@example.com", 18, hex, 63), 0);
	hex[0] = 'z';
	CHECK_INT(linktoken_legacy_ok(&ks, "c1\nann@example.com", 18, hex, 64), 0);
	linktoken_keys_free(&ks);
}

int
main(void)
{
	RUN(test_round_trip);
	RUN(test_tampering_fails);
	RUN(test_rotation);
	RUN(test_limits);
	RUN(test_keys_file);
	RUN(test_legacy_hmac);
	return UNIT_DONE();
}
