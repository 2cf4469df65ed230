/* ids.c - string id tables: an arena of NUL-terminated strings plus an open-addressing hash */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "data/ids.h"
#include "data/matfile.h"

void
ids_init(struct ids *t)
{
	memset(t, 0, sizeof *t);
}

void
ids_free(struct ids *t)
{
	free(t->bytes);
	free(t->off);
	free(t->slots);
	memset(t, 0, sizeof *t);
}

static uint64_t
hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a, then a final mix */

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static int
rehash(struct ids *t, size_t nslots)
{
	uint32_t *slots = calloc(nslots, sizeof *slots);

	if (slots == NULL)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		size_t len = (size_t)(t->off[i + 1] - t->off[i] - 1);
		size_t h = hash(t->bytes + t->off[i], len) & (nslots - 1);

		while (slots[h] != 0)
			h = (h + 1) & (nslots - 1);
		slots[h] = (uint32_t)(i + 1);
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = nslots;
	return 0;
}

int64_t
ids_find(const struct ids *t, const char *s, size_t len)
{
	size_t h;

	if (t->nslots == 0)
		return -1;
	h = hash(s, len) & (t->nslots - 1);
	while (t->slots[h] != 0) {
		size_t i = t->slots[h] - 1;
		size_t ilen = (size_t)(t->off[i + 1] - t->off[i] - 1);

		if (ilen == len && memcmp(t->bytes + t->off[i], s, len) == 0)
			return (int64_t)i;
		h = (h + 1) & (t->nslots - 1);
	}
	return -1;
}

/* Appends s without looking it up. */
static int64_t
append(struct ids *t, const char *s, size_t len, struct err *e)
{
	if (t->n + 2 > t->ocap) {
		size_t ncap = t->ocap ? t->ocap * 2 : 1024;
		int64_t *no = realloc(t->off, ncap * sizeof *no);

		if (no == NULL)
			return err_nomem(e);
		t->off = no;
		t->ocap = ncap;
	}
	if (t->nbytes + len + 1 > t->bcap) {
		size_t ncap = t->bcap ? t->bcap * 2 : 16384;
		char *nb;

		while (ncap < t->nbytes + len + 1)
			ncap *= 2;
		nb = realloc(t->bytes, ncap);
		if (nb == NULL)
			return err_nomem(e);
		t->bytes = nb;
		t->bcap = ncap;
	}
	if (t->n == 0)
		t->off[0] = 0;
	memcpy(t->bytes + t->nbytes, s, len);
	t->bytes[t->nbytes + len] = '\0';
	t->nbytes += len + 1;
	t->off[t->n + 1] = (int64_t)t->nbytes;
	return (int64_t)t->n++;
}

int64_t
ids_intern(struct ids *t, const char *s, size_t len, struct err *e)
{
	int64_t i;
	size_t h;

	if (memchr(s, '\0', len) != NULL)
		return err_set(e, EXIT_DATA, "id contains a NUL character");
	if (t->n >= UINT32_MAX - 1)
		return err_set(e, EXIT_DATA, "more than %u ids", UINT32_MAX - 2);
	i = ids_find(t, s, len);
	if (i >= 0)
		return i;
	if ((t->n + 1) * 2 > t->nslots && rehash(t, t->nslots ? t->nslots * 2 : 1024) < 0)
		return err_nomem(e);
	i = append(t, s, len, e);
	if (i < 0)
		return -1;
	h = hash(s, len) & (t->nslots - 1);
	while (t->slots[h] != 0)
		h = (h + 1) & (t->nslots - 1);
	t->slots[h] = (uint32_t)(i + 1);
	return i;
}

const char *
ids_get(const struct ids *t, int64_t i, size_t *len)
{
	if (len != NULL)
		*len = (size_t)(t->off[i + 1] - t->off[i] - 1);
	return t->bytes + t->off[i];
}

int
utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n;
		unsigned cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1; cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2; cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3; cp = c & 0x07;
		} else {
			return 0;
		}
		if (n > len - i - 1)
			return 0; /* truncated sequence */
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

int
ids_load(struct ids *t, const uint8_t *bytes, size_t nbytes, const int64_t *off, size_t n,
    struct err *e)
{
	ids_init(t);
	if (off[0] != 0 || (size_t)off[n] != nbytes)
		return err_set(e, EXIT_DATA, "id offsets do not cover the id bytes");
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *s;

		if (off[i + 1] < off[i] || off[i + 1] > (int64_t)nbytes) {
			ids_free(t);
			return err_set(e, EXIT_DATA, "id offsets decrease or run past the bytes at %zu", i);
		}
		s = (const char *)bytes + off[i];
		len = (size_t)(off[i + 1] - off[i]);
		if (!utf8_valid(s, len)) {
			ids_free(t);
			return err_set(e, EXIT_DATA, "id %zu is not valid UTF-8", i);
		}
		int64_t got = ids_intern(t, s, len, e);

		if (got != (int64_t)i) {
			if (got >= 0)
				err_set(e, EXIT_DATA, "id '%.*s' appears twice", (int)len, s);
			ids_free(t);
			return -1;
		}
	}
	return 0;
}

int
ids_export(const struct ids *t, uint8_t **bytes, size_t *nbytes, int64_t **off, struct err *e)
{
	size_t total = t->n ? t->nbytes - t->n : 0, pos = 0;
	uint8_t *b = malloc(total ? total : 1);
	int64_t *o = malloc((t->n + 1) * sizeof *o);

	if (b == NULL || o == NULL) {
		free(b);
		free(o);
		return err_nomem(e);
	}
	o[0] = 0;
	for (size_t i = 0; i < t->n; i++) {
		size_t len;
		const char *s = ids_get(t, (int64_t)i, &len);

		memcpy(b + pos, s, len);
		pos += len;
		o[i + 1] = (int64_t)pos;
	}
	*bytes = b;
	*nbytes = total;
	*off = o;
	return 0;
}

int
ids_copy(struct ids *t, const struct ids *src, struct err *e)
{
	ids_init(t);
	for (size_t i = 0; i < src->n; i++) {
		size_t len;
		const char *s = ids_get(src, (int64_t)i, &len);

		if (ids_intern(t, s, len, e) < 0) {
			ids_free(t);
			return -1;
		}
	}
	return 0;
}

int
ids_equal(const struct ids *a, const struct ids *b)
{
	if (a->n != b->n)
		return 0;
	if (a->n == 0)
		return 1;
	return a->nbytes == b->nbytes && memcmp(a->bytes, b->bytes, a->nbytes) == 0 &&
	    memcmp(a->off, b->off, (a->n + 1) * sizeof *a->off) == 0;
}

int
ids_add_to(const struct ids *t, struct matfile *m, const char *prefix, struct ids_blob *keep,
    struct err *e)
{
	char name[256];
	int64_t shape;

	memset(keep, 0, sizeof *keep);
	if (ids_export(t, &keep->bytes, &keep->nbytes, &keep->off, e) < 0)
		return -1;
	shape = (int64_t)t->n + 1;
	snprintf(name, sizeof name, "%s.offsets", prefix);
	if (matfile_add(m, name, MAT_I64, 1, &shape, keep->off, e) < 0)
		return -1;
	shape = (int64_t)keep->nbytes;
	snprintf(name, sizeof name, "%s.bytes", prefix);
	return matfile_add(m, name, MAT_U8, 1, &shape, keep->bytes, e);
}

void
ids_blob_free(struct ids_blob *keep)
{
	free(keep->bytes);
	free(keep->off);
	memset(keep, 0, sizeof *keep);
}

int
ids_read_from(struct ids *t, const struct matfile *m, const char *prefix, int64_t n,
    struct err *e)
{
	const struct mat_tensor *off, *bytes;
	char name[256];

	ids_init(t);
	snprintf(name, sizeof name, "%s.offsets", prefix);
	if ((off = matfile_expect(m, name, MAT_I64, 1, e)) == NULL)
		return -1;
	snprintf(name, sizeof name, "%s.bytes", prefix);
	if ((bytes = matfile_expect(m, name, MAT_U8, 1, e)) == NULL)
		return -1;
	if (off->count < 1 || (n >= 0 && off->count != n + 1))
		return err_set(e, EXIT_DATA, "%s: %lld ids, expected %lld", prefix,
		    (long long)off->count - 1, (long long)n);
	if (ids_load(t, bytes->data, bytes->nbytes, off->data, (size_t)off->count - 1, e) < 0)
		return err_prefix(e, "%s", prefix);
	return 0;
}
