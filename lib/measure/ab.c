/* ab.c - arm lists and the SHA-256 hash that puts each (campaign, user) in one arm for good */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "measure/ab.h"
#include "base/exitcode.h"

#define NAME_MAX_LEN 64

void
ab_arms_free(struct ab_arms *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->name[i]);
	free(a->name);
	free(a->weight);
	free(a->cum);
	memset(a, 0, sizeof *a);
}

static int
name_ok(const char *s, size_t len)
{
	if (len == 0 || len > NAME_MAX_LEN)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

/* Parses one "name=weight" item of len bytes into arm i. Returns 0 or -1. */
static int
parse_item(struct ab_arms *a, const char *s, size_t len, struct err *e)
{
	const char *eq = memchr(s, '=', len);
	char num[64], *end;
	size_t nlen;
	double w;

	if (eq == NULL)
		return err_set(e, EXIT_USAGE, "--arms: '%.*s' is not name=weight", (int)len, s);
	nlen = (size_t)(eq - s);
	if (!name_ok(s, nlen))
		return err_set(e, EXIT_USAGE,
		    "--arms: '%.*s' is not an arm name (1 to %d of A-Z a-z 0-9 _ . -)", (int)nlen, s,
		    NAME_MAX_LEN);
	if (len - nlen - 1 == 0 || len - nlen - 1 >= sizeof num)
		return err_set(e, EXIT_USAGE, "--arms: '%.*s' has no weight", (int)len, s);
	memcpy(num, eq + 1, len - nlen - 1);
	num[len - nlen - 1] = '\0';
	w = strtod(num, &end);
	if (*end != '\0' || !isfinite(w) || !(w > 0))
		return err_set(e, EXIT_USAGE, "--arms: weight '%s' of '%.*s' is not a number above 0",
		    num, (int)nlen, s);
	for (int i = 0; i < a->n; i++)
		if (strlen(a->name[i]) == nlen && memcmp(a->name[i], s, nlen) == 0)
			return err_set(e, EXIT_USAGE, "--arms: arm '%.*s' is named twice", (int)nlen, s);
	if ((a->name[a->n] = strndup(s, nlen)) == NULL)
		return err_nomem(e);
	a->weight[a->n++] = w;
	return 0;
}

int
ab_arms_parse(struct ab_arms *a, const char *spec, struct err *e)
{
	size_t cap = 1;
	double sum = 0;
	const char *p;

	memset(a, 0, sizeof *a);
	for (p = spec; *p; p++)
		cap += *p == ',';
	a->name = calloc(cap, sizeof *a->name);
	a->weight = calloc(cap, sizeof *a->weight);
	a->cum = calloc(cap, sizeof *a->cum);
	if (a->name == NULL || a->weight == NULL || a->cum == NULL) {
		err_nomem(e);
		goto fail;
	}
	for (p = spec;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (parse_item(a, p, len, e) < 0)
			goto fail;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	for (int i = 0; i < a->n; i++)
		sum += a->weight[i];
	if (fabs(sum - 1.0) > AB_WEIGHT_TOL) {
		err_set(e, EXIT_USAGE, "--arms: weights sum to %.12g, not 1", sum);
		goto fail;
	}
	ab_arms_set_weights(a, a->weight);
	return 0;
fail:
	ab_arms_free(a);
	return -1;
}

void
ab_arms_set_weights(struct ab_arms *a, const double *w)
{
	double sum = 0;

	for (int i = 0; i < a->n; i++) {
		a->weight[i] = w[i];
		sum += w[i];
		a->cum[i] = sum;
	}
	if (a->n > 0)
		a->cum[a->n - 1] = 1.0;
}

int
ab_arms_find(const struct ab_arms *a, const char *name)
{
	for (int i = 0; i < a->n; i++)
		if (strcmp(a->name[i], name) == 0)
			return i;
	return -1;
}

double
ab_unit(const char *campaign, const char *user, size_t ulen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint64_t h = 0;
	int ok;

	if (ctx == NULL)
		return -1;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, campaign, strlen(campaign) + 1) == 1 &&    /* with its NUL */
	    EVP_DigestUpdate(ctx, user, ulen) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen >= 8;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	for (int i = 0; i < 8; i++)
		h = h << 8 | md[i];
	return (double)(h >> 11) * 0x1.0p-53;
}

int
ab_assign(const struct ab_arms *a, const char *campaign, const char *user, size_t ulen)
{
	double u = ab_unit(campaign, user, ulen);

	if (u < 0)
		return -1;
	for (int i = 0; i < a->n; i++)
		if (u < a->cum[i])
			return i;
	return a->n - 1;
}
