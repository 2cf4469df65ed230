/* matfile.c - reading and writing the safetensors-layout matrix container */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "base/exitcode.h"
#include "data/matfile.h"

static const struct {
	const char *name;
	size_t size;
} dtypes[MAT_NDTYPES] = {
	[MAT_F32] = { "F32", 4 },
	[MAT_F64] = { "F64", 8 },
	[MAT_I32] = { "I32", 4 },
	[MAT_I64] = { "I64", 8 },
	[MAT_U8] = { "U8", 1 },
};

/* safetensors dtypes that are valid but that recmail never uses */
static const char *const foreign_dtypes[] = {
	"BOOL", "I8", "I16", "U16", "F16", "BF16", "U32", "U64", "F8_E4M3", "F8_E5M2", NULL
};

const char *
mat_dtype_name(enum mat_dtype dt)
{
	return dt < MAT_NDTYPES ? dtypes[dt].name : "?";
}

size_t
mat_dtype_size(enum mat_dtype dt)
{
	return dt < MAT_NDTYPES ? dtypes[dt].size : 0;
}

int
matfile_init(struct matfile *m, struct err *e)
{
	memset(m, 0, sizeof *m);
	m->meta = json_object();
	if (m->meta == NULL)
		return err_nomem(e);
	return 0;
}

void
matfile_free(struct matfile *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->t[i].name);
	free(m->t);
	if (m->map != NULL)
		munmap(m->map, m->maplen);
	else
		free(m->buf);
	json_decref(m->meta);
	memset(m, 0, sizeof *m);
}

/* Element count of a shape, or -1 on overflow past what a size_t of bytes can hold. */
static int64_t
shape_count(int ndim, const int64_t *shape, size_t elsize)
{
	int64_t count = 1;

	for (int d = 0; d < ndim; d++) {
		if (shape[d] < 0)
			return -1;
		if (shape[d] != 0 && count > (INT64_MAX / (int64_t)elsize) / shape[d])
			return -1;
		count *= shape[d];
	}
	return count;
}

static int
add_tensor(struct matfile *m, const char *name, enum mat_dtype dt, int ndim,
    const int64_t *shape, struct err *e)
{
	struct mat_tensor *t;
	int64_t count;

	if (ndim < 0 || ndim > MATFILE_MAX_DIMS)
		return err_set(e, EXIT_DATA, "tensor '%s' has %d dimensions (at most %d)", name,
		    ndim, MATFILE_MAX_DIMS);
	count = shape_count(ndim, shape, dtypes[dt].size);
	if (count < 0)
		return err_set(e, EXIT_DATA, "tensor '%s' has an invalid shape", name);
	if (matfile_find(m, name) != NULL)
		return err_set(e, EXIT_DATA, "tensor '%s' appears twice", name);
	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 8;
		struct mat_tensor *nt = realloc(m->t, ncap * sizeof *nt);

		if (nt == NULL)
			return err_nomem(e);
		m->t = nt;
		m->cap = ncap;
	}
	t = &m->t[m->n];
	memset(t, 0, sizeof *t);
	t->name = strdup(name);
	if (t->name == NULL)
		return err_nomem(e);
	t->dtype = dt;
	t->ndim = ndim;
	memcpy(t->shape, shape, (size_t)ndim * sizeof *shape);
	t->count = count;
	t->nbytes = (size_t)count * dtypes[dt].size;
	m->n++;
	return 0;
}

int
matfile_add(struct matfile *m, const char *name, enum mat_dtype dt, int ndim,
    const int64_t *shape, const void *data, struct err *e)
{
	if (dt >= MAT_NDTYPES)
		return err_set(e, EXIT_SOFTWARE, "tensor '%s': bad dtype", name);
	if (strcmp(name, "__metadata__") == 0)
		return err_set(e, EXIT_SOFTWARE, "tensor name '__metadata__' is reserved");
	if (add_tensor(m, name, dt, ndim, shape, e) < 0)
		return -1;
	m->t[m->n - 1].data = data;
	return 0;
}

int
matfile_set_meta(struct matfile *m, const char *key, const char *fmt, ...)
{
	char *val;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&val, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -1;
	rc = json_object_set_new(m->meta, key, json_string(val));
	free(val);
	return rc == 0 ? 0 : -1;
}

const char *
matfile_meta(const struct matfile *m, const char *key)
{
	return json_string_value(json_object_get(m->meta, key));
}

int
matfile_meta_agrees(const struct matfile *m, const char *key, int64_t actual, struct err *e)
{
	const char *s = matfile_meta(m, key);
	char *end;
	long long v;

	if (s == NULL)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '+' || s[0] == ' ' || v != actual)
		return err_set(e, EXIT_DATA, "metadata \"%s\" is %.40s but the tensors hold %lld", key,
		    s, (long long)actual);
	return 0;
}

const struct mat_tensor *
matfile_find(const struct matfile *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->t[i].name, name) == 0)
			return &m->t[i];
	return NULL;
}

const struct mat_tensor *
matfile_expect(const struct matfile *m, const char *name, enum mat_dtype dt, int ndim,
    struct err *e)
{
	const struct mat_tensor *t = matfile_find(m, name);

	if (t == NULL) {
		err_set(e, EXIT_DATA, "missing tensor '%s'", name);
		return NULL;
	}
	if (t->dtype != dt) {
		err_set(e, EXIT_DATA, "tensor '%s' is %s, expected %s", name,
		    mat_dtype_name(t->dtype), mat_dtype_name(dt));
		return NULL;
	}
	if (ndim >= 0 && t->ndim != ndim) {
		err_set(e, EXIT_DATA, "tensor '%s' has %d dimensions, expected %d", name, t->ndim,
		    ndim);
		return NULL;
	}
	return t;
}

/* Write order: larger elements first (natural alignment), then insertion order. */
static size_t *
write_order(const struct matfile *m)
{
	size_t *ord = malloc((m->n ? m->n : 1) * sizeof *ord), k = 0;
	static const size_t sizes[] = { 8, 4, 2, 1 };

	if (ord == NULL)
		return NULL;
	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
		for (size_t i = 0; i < m->n; i++)
			if (dtypes[m->t[i].dtype].size == sizes[s])
				ord[k++] = i;
	return ord;
}

static int
put(FILE *f, const void *p, size_t n, struct err *e)
{
	if (n > 0 && fwrite(p, 1, n, f) != n)
		return err_set(e, EXIT_IO, "write error: %s", strerror(errno ? errno : EIO));
	return 0;
}

int
matfile_write(FILE *f, const struct matfile *m, struct err *e)
{
	json_t *hdr = json_object(), *meta = NULL;
	size_t *ord = write_order(m), off = 0, len, padded;
	unsigned char lenbuf[8];
	char *text = NULL;
	int rc = -1;

	if (hdr == NULL || ord == NULL) {
		err_nomem(e);
		goto out;
	}
	meta = json_deep_copy(m->meta);
	if (meta == NULL || json_object_set_new(hdr, "__metadata__", meta) != 0) {
		err_nomem(e);
		goto out;
	}
	for (size_t k = 0; k < m->n; k++) {
		const struct mat_tensor *t = &m->t[ord[k]];
		json_t *shape = json_array(), *desc;

		for (int d = 0; d < t->ndim; d++)
			json_array_append_new(shape, json_integer(t->shape[d]));
		desc = json_pack("{s:s,s:o,s:[I,I]}", "dtype", mat_dtype_name(t->dtype), "shape",
		    shape, "data_offsets", (json_int_t)off, (json_int_t)(off + t->nbytes));
		if (desc == NULL || json_object_set_new(hdr, t->name, desc) != 0) {
			err_nomem(e);
			goto out;
		}
		off += t->nbytes;
	}
	text = json_dumps(hdr, JSON_COMPACT);
	if (text == NULL) {
		err_nomem(e);
		goto out;
	}
	len = strlen(text);
	padded = (len + 7) & ~(size_t)7;
	for (int i = 0; i < 8; i++)
		lenbuf[i] = (unsigned char)((uint64_t)padded >> (8 * i));
	if (put(f, lenbuf, 8, e) < 0 || put(f, text, len, e) < 0 ||
	    put(f, "        ", padded - len, e) < 0)
		goto out;
	for (size_t k = 0; k < m->n; k++)
		if (put(f, m->t[ord[k]].data, m->t[ord[k]].nbytes, e) < 0)
			goto out;
	if (ferror(f)) {
		err_set(e, EXIT_IO, "write error");
		goto out;
	}
	rc = 0;
out:
	free(text);
	free(ord);
	json_decref(hdr);
	return rc;
}

/* Reads exactly n bytes; returns how many were read (short at EOF). */
static size_t
get(FILE *f, void *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		size_t k = fread((char *)p + got, 1, n - got, f);

		if (k == 0)
			break;
		got += k;
	}
	return got;
}

static int
parse_dtype(const char *s, enum mat_dtype *dt)
{
	for (int i = 0; i < MAT_NDTYPES; i++)
		if (strcmp(s, dtypes[i].name) == 0) {
			*dt = (enum mat_dtype)i;
			return 0;
		}
	for (int i = 0; foreign_dtypes[i]; i++)
		if (strcmp(s, foreign_dtypes[i]) == 0)
			return 1;
	return -1;
}

/*
 * Maps the data area when f is a regular file that ends exactly after it
 * (anything else takes the reading path, which reports truncation and
 * trailing bytes). Copy-on-write, so callers may modify the arrays.
 * Returns 1 when mapped, 0 otherwise.
 */
static int
map_data(FILE *f, struct matfile *m, size_t total)
{
	struct stat st;
	off_t pos = ftello(f);
	int fd = fileno(f);
	void *p;

	if (total < 65536 || fd < 0 || pos < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != (uint64_t)pos + total || pos % 8 != 0)
		return 0;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return 0;
	m->map = p;
	m->maplen = (size_t)st.st_size;
	m->buf = (char *)p + pos;
	return 1;
}

struct span {
	size_t idx;
	int64_t begin, end;
};

static int
span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return (x->begin > y->begin) - (x->begin < y->begin);
}

/* Parses one tensor description from the header into m (data set later). */
static int
parse_tensor(struct matfile *m, const char *name, json_t *desc, int64_t *begin, int64_t *end,
    struct err *e)
{
	json_t *dtype = json_object_get(desc, "dtype"), *shape = json_object_get(desc, "shape");
	json_t *offs = json_object_get(desc, "data_offsets");
	int64_t dims[MATFILE_MAX_DIMS];
	enum mat_dtype dt;
	size_t ndim;
	int k;

	if (!json_is_object(desc) || !json_is_string(dtype) || !json_is_array(shape) ||
	    !json_is_array(offs) || json_array_size(offs) != 2)
		return err_set(e, EXIT_DATA, "tensor '%s': needs dtype, shape and data_offsets", name);
	k = parse_dtype(json_string_value(dtype), &dt);
	if (k != 0)
		return err_set(e, EXIT_DATA, "tensor '%s': %s dtype '%s'", name,
		    k > 0 ? "unsupported" : "unknown", json_string_value(dtype));
	ndim = json_array_size(shape);
	if (ndim > MATFILE_MAX_DIMS)
		return err_set(e, EXIT_DATA, "tensor '%s': %zu dimensions (at most %d)", name, ndim,
		    MATFILE_MAX_DIMS);
	for (size_t d = 0; d < ndim; d++) {
		json_t *v = json_array_get(shape, d);

		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return err_set(e, EXIT_DATA, "tensor '%s': bad shape", name);
		dims[d] = json_integer_value(v);
	}
	for (int i = 0; i < 2; i++) {
		json_t *v = json_array_get(offs, (size_t)i);

		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return err_set(e, EXIT_DATA, "tensor '%s': bad data_offsets", name);
	}
	*begin = json_integer_value(json_array_get(offs, 0));
	*end = json_integer_value(json_array_get(offs, 1));
	if (*end < *begin)
		return err_set(e, EXIT_DATA, "tensor '%s': data_offsets end before they begin", name);
	if (add_tensor(m, name, dt, (int)ndim, dims, e) < 0)
		return -1;
	if ((uint64_t)(*end - *begin) != m->t[m->n - 1].nbytes)
		return err_set(e, EXIT_DATA,
		    "tensor '%s': shape needs %zu bytes but data_offsets span %lld", name,
		    m->t[m->n - 1].nbytes, (long long)(*end - *begin));
	if (*begin % (int64_t)dtypes[dt].size != 0)
		return err_set(e, EXIT_DATA, "tensor '%s': data not aligned to its %zu-byte elements",
		    name, dtypes[dt].size);
	return 0;
}

static int
read_body(FILE *f, struct matfile *m, json_t *hdr, struct err *e)
{
	struct span *sp = NULL;
	const char *key;
	json_t *val;
	int64_t total = 0;
	size_t ns = 0, got;
	int rc = -1;

	sp = malloc((json_object_size(hdr) + 1) * sizeof *sp);
	if (sp == NULL)
		return err_nomem(e);
	json_object_foreach(hdr, key, val) {
		if (strcmp(key, "__metadata__") == 0) {
			const char *mk;
			json_t *mv;

			if (!json_is_object(val)) {
				err_set(e, EXIT_DATA, "__metadata__ is not an object");
				goto out;
			}
			json_object_foreach(val, mk, mv) {
				if (!json_is_string(mv)) {
					err_set(e, EXIT_DATA, "__metadata__ value '%s' is not a string", mk);
					goto out;
				}
			}
			json_decref(m->meta);
			m->meta = json_incref(val);
			continue;
		}
		if (parse_tensor(m, key, val, &sp[ns].begin, &sp[ns].end, e) < 0)
			goto out;
		sp[ns].idx = m->n - 1;
		ns++;
	}
	qsort(sp, ns, sizeof *sp, span_cmp);
	for (size_t i = 0; i < ns; i++) {
		if (sp[i].begin != total) {
			err_set(e, EXIT_DATA, "tensor '%s': data_offsets %s", m->t[sp[i].idx].name,
			    sp[i].begin < total ? "overlap another tensor" : "leave a hole");
			goto out;
		}
		total = sp[i].end;
	}
	if (map_data(f, m, (size_t)total)) {
		m->buflen = (size_t)total;
		goto mapped;
	}
	/*
	 * The buffer grows as the data arrives, so that a header that lies about
	 * a huge size is reported as truncated rather than as out of memory.
	 * malloc's alignment (16) covers every dtype.
	 */
	got = 0;
	for (size_t cap = 0; got < (size_t)total;) {
		size_t want = (size_t)total - got, k;
		void *nb;

		if (got == cap) {
			cap = cap ? cap * 2 : (1 << 20);
			if (cap > (size_t)total)
				cap = (size_t)total;
			if ((nb = realloc(m->buf, cap)) == NULL) {
				err_nomem(e);
				goto out;
			}
			m->buf = nb;
		}
		if (want > cap - got)
			want = cap - got;
		k = get(f, (char *)m->buf + got, want);
		got += k;
		if (k < want)
			break;
	}
	m->buflen = (size_t)total;
	if (got != (size_t)total) {
		if (ferror(f))
			err_set(e, EXIT_IO, "read error: %s", strerror(errno ? errno : EIO));
		else
			err_set(e, EXIT_DATA, "truncated: %lld bytes of tensor data expected, %zu found",
			    (long long)total, got);
		goto out;
	}
	if (fgetc(f) != EOF) {
		err_set(e, EXIT_DATA, "unexpected bytes after the tensor data");
		goto out;
	}
mapped:
	for (size_t i = 0; i < ns; i++)
		m->t[sp[i].idx].data = (char *)m->buf + sp[i].begin;
	rc = 0;
out:
	free(sp);
	return rc;
}

int
matfile_read(FILE *f, const char *name, struct matfile *m, struct err *e)
{
	unsigned char lenbuf[8];
	uint64_t hlen = 0;
	json_error_t je;
	json_t *hdr = NULL;
	char *text = NULL;
	size_t got;
	int rc = -1;

	name = name ? name : "-";
	if (matfile_init(m, e) < 0)
		return -1;
	got = get(f, lenbuf, 8);
	if (got < 8) {
		if (ferror(f))
			err_set(e, EXIT_IO, "%s: read error: %s", name, strerror(errno ? errno : EIO));
		else if (got == 0)
			err_set(e, EXIT_DATA, "%s: empty input, expected a matrix container", name);
		else
			err_set(e, EXIT_DATA, "%s: truncated: no complete header length", name);
		goto out;
	}
	for (int i = 7; i >= 0; i--)
		hlen = (hlen << 8) | lenbuf[i];
	if (hlen < 2 || hlen > MATFILE_MAX_HEADER) {
		err_set(e, EXIT_DATA, "%s: not a matrix container (header length %llu out of range)",
		    name, (unsigned long long)hlen);
		goto out;
	}
	text = malloc(hlen);
	if (text == NULL) {
		err_nomem(e);
		goto out;
	}
	got = get(f, text, hlen);
	if (got != hlen) {
		err_set(e, EXIT_DATA, "%s: truncated: header of %llu bytes, %zu found", name,
		    (unsigned long long)hlen, got);
		goto out;
	}
	hdr = json_loadb(text, hlen, JSON_REJECT_DUPLICATES, &je);
	if (hdr == NULL || !json_is_object(hdr)) {
		err_set(e, EXIT_DATA, "%s: not a matrix container (header: %s)", name,
		    hdr ? "not a JSON object" : je.text);
		goto out;
	}
	if (read_body(f, m, hdr, e) < 0) {
		err_prefix(e, "%s", name);
		goto out;
	}
	rc = 0;
out:
	free(text);
	json_decref(hdr);
	if (rc < 0)
		matfile_free(m);
	return rc;
}
