/* strpool.c - many small strings copied into large blocks that never move, freed all at once */
#include <stdlib.h>
#include <string.h>

#include "base/strpool.h"

#define BLOCK (64 * 1024)

struct strpool_block {
	struct strpool_block *prev;
	char data[];
};

void
strpool_init(struct strpool *p)
{
	memset(p, 0, sizeof *p);
}

void
strpool_free(struct strpool *p)
{
	struct strpool_block *b = p->head, *prev;

	for (; b != NULL; b = prev) {
		prev = b->prev;
		free(b);
	}
	memset(p, 0, sizeof *p);
}

const char *
strpool_addn(struct strpool *p, const char *s, size_t n)
{
	char *d;

	if (n >= p->left) {
		/* a string longer than a block gets a block of its own, behind the current one */
		size_t size = n + 1 > BLOCK / 4 ? n + 1 : BLOCK;
		struct strpool_block *b = malloc(sizeof *b + size);

		if (b == NULL)
			return NULL;
		if (size == BLOCK || p->head == NULL) {
			b->prev = p->head;
			p->head = b;
			p->next = b->data;
			p->left = size;
		} else {
			b->prev = p->head->prev;
			p->head->prev = b;
			memcpy(b->data, s, n);
			b->data[n] = '\0';
			return b->data;
		}
	}
	d = p->next;
	memcpy(d, s, n);
	d[n] = '\0';
	p->next += n + 1;
	p->left -= n + 1;
	return d;
}
