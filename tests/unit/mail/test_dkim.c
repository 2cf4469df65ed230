/* test_dkim.c - the DKIM-Signature field: tags, relaxed body hash, key checks */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "mail/dkim.h"
#include "mail/mime.h"
#include "unit.h"

static char keypath[] = "/tmp/test_dkim.XXXXXX";

static void
make_key(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	int fd = mkstemp(keypath);
	FILE *f = fdopen(fd, "w");

	PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	EVP_PKEY_free(k);
}

/* The bh= value of the signature in s. */
static void
bh_of(const char *s, char *out, size_t sz)
{
	const char *p = strstr(s, "bh=");
	size_t n;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += 3;
	n = strcspn(p, ";");
	if (n < sz) {
		memcpy(out, p, n);
		out[n] = '\0';
	}
}

static void
test_sign(void)
{
	const char *head = "From: A <a@example.com>\nTo: b@example.com\nSubject: hi\n"
	    "X-Other: not signed\n";
	unsigned char md[32];
	struct buf out, want;
	struct dkim d;
	struct err e;
	char bh[64];

	buf_init(&out);
	buf_init(&want);
	CHECK_INT(dkim_init(&d, keypath, "example.com", "s1", &e), 0);
	CHECK_INT(dkim_sign(&d, head, strlen(head), "", 0, 1700000000, &out, &e), 0);
	CHECK(strncmp(out.s, "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com; "
	    "s=s1;\n\tt=1700000000; h=from:to:subject;\n\tbh=", 105) == 0);
	/* RFC 6376 3.4.4: an empty body hashes as the empty string */
	bh_of(out.s, bh, sizeof bh);
	CHECK_STR(bh, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	buf_reset(&out);
	dkim_sign(&d, head, strlen(head), " \t\n\n\n", 5, 1, &out, &e);
	bh_of(out.s, bh, sizeof bh);
	CHECK_STR(bh, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	/* whitespace runs become one space, trailing whitespace and empty lines go */
	buf_reset(&out);
	dkim_sign(&d, head, strlen(head), "a  \t b \r\n\nc\n\n\n", 14, 1, &out, &e);
	SHA256((const unsigned char *)"a b\r\n\r\nc\r\n", 10, md);
	mime_base64(&want, md, 32);
	bh_of(out.s, bh, sizeof bh);
	CHECK_STR(bh, want.s);
	CHECK(strstr(out.s, "x-other") == NULL);
	dkim_free(&d);
	buf_free(&out);
	buf_free(&want);
}

static void
test_bad_setup(void)
{
	struct dkim d;
	struct err e;

	CHECK_INT(dkim_init(&d, keypath, "bad domain", "s1", &e), -1);
	CHECK_INT(dkim_init(&d, keypath, "example.com", "s;1", &e), -1);
	CHECK_INT(dkim_init(&d, "/nonexistent", "example.com", "s1", &e), -1);
	CHECK_INT(e.code, 66);
	CHECK_INT(dkim_init(&d, "/etc/hostname", "example.com", "s1", &e), -1);
}

int
main(void)
{
	make_key();
	RUN(test_sign);
	RUN(test_bad_setup);
	unlink(keypath);
	return UNIT_DONE();
}
