/* cache.c - response cache: DIR/ab/abcdef... files named by a SHA-256, replaced atomically */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "write/cache.h"
#include "base/exitcode.h"
#include "base/fmode.h"

int
cache_open(struct cache *c, const char *dir, struct err *e)
{
	struct stat st;

	c->dir = strdup(dir);
	if (c->dir == NULL)
		return err_nomem(e);
	errno = 0;
	if (fmode_mkdirs(c->dir) != 0 || stat(c->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		err_set(e, EXIT_CANTCREAT, "%s: %s", dir, errno ? strerror(errno) : "not a directory");
		cache_close(c);
		return -1;
	}
	return 0;
}

int
cache_key(const char *const *parts, const size_t *lens, size_t n, char key[CACHE_KEY_LEN + 1],
    struct err *e)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE], lenbuf[8];
	unsigned int mdlen = 0, k;
	EVP_MD_CTX *ctx;
	size_t i;
	int ok;

	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return err_set(e, EXIT_SOFTWARE, "libcrypto: cannot create a digest context");
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (i = 0; ok && i < n; i++) {
		uint64_t l = lens[i];

		for (k = 0; k < 8; k++)
			lenbuf[k] = (unsigned char)(l >> (8 * k));
		ok = EVP_DigestUpdate(ctx, lenbuf, sizeof lenbuf) && EVP_DigestUpdate(ctx, parts[i], lens[i]);
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen * 2 == CACHE_KEY_LEN;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return err_set(e, EXIT_SOFTWARE, "libcrypto: SHA-256 failed");
	for (k = 0; k < mdlen; k++) {
		key[2 * k] = hex[md[k] >> 4];
		key[2 * k + 1] = hex[md[k] & 15];
	}
	key[CACHE_KEY_LEN] = '\0';
	return 0;
}

/* DIR/ab/<key>; NULL when out of memory. */
static char *
entry_path(const struct cache *c, const char *key)
{
	char *p;

	if (asprintf(&p, "%s/%.2s/%s", c->dir, key, key) < 0)
		return NULL;
	return p;
}

int
cache_get(const struct cache *c, const char *key, char **data, size_t *len, struct err *e)
{
	char *path, *buf = NULL;
	struct stat st;
	FILE *f;
	size_t n;

	*data = NULL;
	*len = 0;
	if ((path = entry_path(c, key)) == NULL)
		return err_nomem(e);
	f = fopen(path, "rb");
	if (f == NULL) {
		int saved = errno;

		if (saved == ENOENT || saved == ENOTDIR) {
			free(path);
			return 0;
		}
		err_set(e, EXIT_IO, "%s: %s", path, strerror(saved));
		free(path);
		return -1;
	}
	if (fstat(fileno(f), &st) != 0 || st.st_size < 0 || st.st_size > 64 * 1024 * 1024) {
		err_set(e, EXIT_IO, "%s: cannot read the cache entry", path);
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		err_nomem(e);
		goto fail;
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	if (n != (size_t)st.st_size || ferror(f)) {
		err_set(e, EXIT_IO, "%s: read error", path);
		goto fail;
	}
	buf[n] = '\0';
	fclose(f);
	free(path);
	*data = buf;
	*len = n;
	return 1;
fail:
	free(buf);
	fclose(f);
	free(path);
	return -1;
}

int
cache_put(const struct cache *c, const char *key, const char *data, size_t len, struct err *e)
{
	char *path, *tmp = NULL;
	size_t dirlen;
	ssize_t w;
	int fd = -1;

	if ((path = entry_path(c, key)) == NULL)
		return err_nomem(e);
	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
		tmp = NULL;
		err_nomem(e);
		goto fail;
	}
	dirlen = strlen(c->dir) + 3;
	path[dirlen] = '\0';
	if (fmode_mkdir(path) != 0) {
		err_set(e, EXIT_IO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	path[dirlen] = '/';
	if ((fd = mkstemp(tmp)) < 0) {
		err_set(e, EXIT_IO, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (fchmod(fd, fmode_file()) != 0) {
		err_set(e, EXIT_IO, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	while (len > 0) {
		w = write(fd, data, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err_set(e, EXIT_IO, "%s: write error: %s", tmp, strerror(w < 0 ? errno : EIO));
			goto fail;
		}
		data += w;
		len -= (size_t)w;
	}
	if (close(fd) != 0) {
		fd = -1;
		err_set(e, EXIT_IO, "%s: write error: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		err_set(e, EXIT_IO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	free(tmp);
	free(path);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL)
		unlink(tmp);
	free(tmp);
	free(path);
	return -1;
}

void
cache_close(struct cache *c)
{
	free(c->dir);
	c->dir = NULL;
}
