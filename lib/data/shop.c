/* shop.c - the example shop generator: products and customers share latent taste vectors */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "base/ndjson.h"
#include "base/rng.h"
#include "data/shop.h"

#define NCAT 12
#define DIM 6
#define NADJ 32

static const struct category {
	const char *name;
	double price_lo, price_hi;
	const char *nouns[8];
} cats[NCAT] = {
	{ "kitchen", 6, 45, { "Teapot", "Mug Set", "Chopping Board", "Mixing Bowl", "Colander",
	    "Salt Mill", "Cake Tin", "Fish & Chips Plate" } },
	{ "tea & coffee", 4, 60, { "Loose Leaf Tea", "Coffee Beans", "Cafetière", "Tea Caddy",
	    "Milk Frother", "Espresso Cups", "Pour-Over Kit", "Chai Blend" } },
	{ "garden", 5, 40, { "Trowel", "Watering Can", "Seed Tray", "Bird Feeder", "Plant Pot",
	    "Pruning Shears", "Kneeler", "Herb Planter" } },
	{ "lighting", 9, 90, { "Table Lamp", "String Lights", "Lantern", "Desk Lamp",
	    "Pendant Shade", "Night Light", "Floor Lamp", "Wall Sconce" } },
	{ "textiles", 7, 70, { "Cushion Cover", "Throw Blanket", "Table Runner", "Tea Towel Set",
	    "Apron", "Linen Napkins", "Bath Mat", "Doorstop" } },
	{ "stationery", 2, 35, { "Notebook", "Fountain Pen", "Desk Planner", "Greeting Cards",
	    "Washi Tape", "Pencil Case", "Letter Set", "Sketchbook" } },
	{ "toys", 5, 50, { "Wooden Train", "Jigsaw Puzzle", "Building Blocks", "Plush Bear", "Kite",
	    "Spinning Top", "Marble Run", "Skipping Rope" } },
	{ "bath", 3, 40, { "Bath Towel", "Soap Dish", "Bath Salts", "Loofah", "Shower Caddy",
	    "Hand Soap", "Body Brush", "Flannel Set" } },
	{ "candles", 3, 38, { "Pillar Candle", "Scented Candle", "Tealight Set", "Candle Holder",
	    "Reed Diffuser", "Wax Melts", "Candle Snuffer", "Hurricane Vase" } },
	{ "pets", 4, 55, { "Dog Bowl", "Cat Toy", "Pet Bed", "Dog Lead", "Treat Jar", "Cat Scratcher",
	    "Pet Blanket", "Grooming Brush" } },
	{ "books", 6, 30, { "Cookbook", "Gardening Guide", "Travel Journal", "Poetry Anthology",
	    "Field Guide", "Puzzle Book", "Recipe Cards", "Atlas" } },
	{ "outdoor", 8, 80, { "Picnic Blanket", "Enamel Mug", "Camping Stool", "Thermos Flask",
	    "Hammock", "Cool Bag", "Folding Chair", "Head Torch" } },
};

static const char *const adjectives[NADJ] = {
	"Blue", "Sage", "Ochre", "Charcoal", "Rose", "Oak", "Speckled", "Linen", "Ceramic", "Copper",
	"Vintage", "Nordic", "Striped", "Terracotta", "Ivory", "Walnut", "Marbled", "Indigo", "Mustard",
	"Forest", "Coral", "Slate", "Honey", "Pebble", "Moss", "Plum", "Sandstone", "Cobalt", "Birch",
	"Meadow", "Harbour", "Heather",
};

static const struct locale {
	const char *tag, *country;
	double share;
	const char *first[8], *last[8];
} locales[] = {
	{ "en-GB", "GB", 0.50, { "Oliver", "Amelia", "George", "Isla", "Harry", "Zoë", "Jack", "Grace" },
	    { "Smith", "Jones", "Taylor", "Brown", "O'Neill", "Wilson", "Evans", "Walker" } },
	{ "de-DE", "DE", 0.20, { "Jürgen", "Lena", "Jonas", "Sophie", "Lukas", "Käthe", "Björn", "Anna" },
	    { "Müller", "Schäfer", "Groß", "Köhler", "Weiß", "Becker", "Hoffmann", "Krüger" } },
	{ "fr-FR", "FR", 0.12, { "François", "Chloé", "Léa", "Hélène", "Mathéo", "Camille", "Élodie", "Noël" },
	    { "Dubois", "Lefèvre", "Martin", "Durand", "Moreau", "Girard", "Rousseau", "Bénard" } },
	{ "es-ES", "ES", 0.08, { "José", "María", "Lucía", "Álvaro", "Sofía", "Íñigo", "Pablo", "Elena" },
	    { "García", "Fernández", "Núñez", "López", "Martínez", "Sánchez", "Pérez", "Gómez" } },
	{ "da-DK", "DK", 0.05, { "Søren", "Åse", "Mads", "Freja", "Ida", "Magnus", "Astrid", "Emil" },
	    { "Jørgensen", "Nielsen", "Hansen", "Pedersen", "Sørensen", "Larsen", "Møller", "Holm" } },
	{ "pl-PL", "PL", 0.05, { "Łukasz", "Zofia", "Paweł", "Małgorzata", "Jan", "Agnieszka", "Piotr", "Ewa" },
	    { "Kowalski", "Wiśniewska", "Nowak", "Wójcik", "Kamińska", "Lewandowski", "Zając", "Dąbrowska" } },
};
#define NLOC (sizeof locales / sizeof *locales)

/* ASCII folding for the e-mail local part: the letters our name lists use. */
static const char *const fold[][2] = {
	{ "ä", "ae" }, { "ö", "oe" }, { "ü", "ue" }, { "ß", "ss" }, { "é", "e" }, { "è", "e" },
	{ "ë", "e" }, { "É", "e" }, { "ç", "c" }, { "ï", "i" }, { "í", "i" }, { "Í", "i" },
	{ "á", "a" }, { "Á", "a" }, { "ñ", "n" }, { "ú", "u" }, { "ó", "o" }, { "ø", "o" },
	{ "å", "a" }, { "Å", "a" }, { "æ", "ae" }, { "ł", "l" }, { "Ł", "l" }, { "ś", "s" },
	{ "ń", "n" }, { "ą", "a" }, { "ę", "e" }, { "ć", "c" }, { "ż", "z" }, { "ź", "z" },
	{ "ô", "o" }, { "â", "a" },
};

static void
ascii_fold(const char *in, char *out, size_t outsz)
{
	size_t o = 0;

	while (*in && o + 3 < outsz) {
		size_t k, n = sizeof fold / sizeof *fold;

		for (k = 0; k < n; k++) {
			size_t l = strlen(fold[k][0]);

			if (strncmp(in, fold[k][0], l) == 0) {
				for (const char *r = fold[k][1]; *r && o + 1 < outsz; r++)
					out[o++] = *r;
				in += l;
				break;
			}
		}
		if (k < n)
			continue;
		if ((*in >= 'a' && *in <= 'z') || (*in >= '0' && *in <= '9'))
			out[o++] = *in;
		else if (*in >= 'A' && *in <= 'Z')
			out[o++] = (char)(*in - 'A' + 'a');
		in++;
	}
	out[o] = '\0';
}

void
shop_defaults(struct shop_params *p)
{
	p->seed = 1;
	p->customers = 3000;
	p->per_category = 25;
	p->end_ts = 1793491200; /* 2026-11-01T00:00:00Z */
	p->days = 365;
	p->sessions = 9.0;
	p->new_products = 0;
}

struct product {
	int cat;
	double price, margin, bias, q[DIM];
	int in_stock;
};

struct event {
	int64_t ts;
	int32_t user, item;
	int8_t kind;            /* 0 view, 1 cart, 2 purchase */
	int8_t qty;
	int8_t rating;          /* 0: none */
};

static int
event_cmp(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->user != y->user)
		return x->user < y->user ? -1 : 1;
	return x->kind - y->kind;
}

static int
emit(FILE *f, json_t *o, struct err *e)
{
	int rc;

	if (o == NULL)
		return err_nomem(e);
	rc = ndjson_write(f, o, e);
	json_decref(o);
	return rc;
}

static void
make_products(const struct shop_params *p, struct rng *r, double cq[NCAT][DIM],
    struct product *pr)
{
	for (int c = 0; c < NCAT; c++)
		for (int d = 0; d < DIM; d++)
			cq[c][d] = rng_normal(r);
	for (int c = 0, n = 0; c < NCAT; c++)
		for (int j = 0; j < p->per_category; j++, n++) {
			struct product *x = &pr[n];
			double u = rng_uniform(r);

			x->cat = c;
			x->price = round((cats[c].price_lo * pow(cats[c].price_hi / cats[c].price_lo, u)) * 2) / 2 - 0.01;
			if (x->price < 0.99)
				x->price = 0.99;
			x->margin = round((0.15 + 0.45 * rng_uniform(r)) * 100) / 100;
			x->bias = 0.35 * rng_normal(r);
			x->in_stock = rng_uniform(r) < 0.93;
			for (int d = 0; d < DIM; d++)
				x->q[d] = cq[c][d] + 0.55 * rng_normal(r);
		}
}

static int
write_catalog(FILE *f, const struct shop_params *p, const struct product *pr, int np,
    struct err *e)
{
	char sku[32], title[128], url[96], img[96];

	for (int n = 0; n < np; n++) {
		int c = pr[n].cat, j = n % p->per_category;
		const char *noun = cats[c].nouns[j % 8];
		const char *adj = adjectives[(j / 8 * 7 + c * 5 + j) % NADJ];

		snprintf(sku, sizeof sku, "sku%04d", n + 1);
		if (j < 8)
			snprintf(title, sizeof title, "%s %s", adj, noun);
		else
			snprintf(title, sizeof title, "%s %s No. %d", adj, noun, j / 8 + 1);
		snprintf(url, sizeof url, "https://shop.example.com/p/%s", sku);
		snprintf(img, sizeof img, "https://shop.example.com/img/%s.jpg", sku);
		if (emit(f, json_pack("{s:s,s:s,s:s,s:f,s:s,s:b,s:f,s:s,s:s}", "item", sku,
		    "title", title, "category", cats[c].name, "price", pr[n].price, "currency", "GBP",
		    "in_stock", pr[n].in_stock, "margin", pr[n].margin, "url", url, "image", img),
		    e) < 0)
			return -1;
	}
	return 0;
}

/*
 * The products nobody has bought yet: new_products more after the np others
 * (sku numbers go on), round the categories, named as theirs are ("New" in
 * front), priced in their category's range. Their own generator, so that the
 * rest of the shop is the same bytes with and without them.
 */
static int
write_new(FILE *f, const struct shop_params *p, int np, struct err *e)
{
	char sku[32], title[128], url[96], img[96];
	struct rng r;

	rng_seed(&r, p->seed ^ 0x6e65772070726f64ULL);
	for (int n = 0; n < p->new_products; n++) {
		int c = n % NCAT, j = n / NCAT;
		const char *noun = cats[c].nouns[(j * 3 + c) % 8];
		const char *adj = adjectives[(j * 13 + c * 7 + 5) % NADJ];
		double price = round((cats[c].price_lo * pow(cats[c].price_hi / cats[c].price_lo,
		    rng_uniform(&r))) * 2) / 2 - 0.01;
		double margin = round((0.15 + 0.45 * rng_uniform(&r)) * 100) / 100;

		snprintf(sku, sizeof sku, "sku%04d", np + n + 1);
		snprintf(title, sizeof title, "New %s %s", adj, noun);
		snprintf(url, sizeof url, "https://shop.example.com/p/%s", sku);
		snprintf(img, sizeof img, "https://shop.example.com/img/%s.jpg", sku);
		if (emit(f, json_pack("{s:s,s:s,s:s,s:f,s:s,s:b,s:f,s:s,s:s}", "item", sku,
		    "title", title, "category", cats[c].name, "price", price < 0.99 ? 0.99 : price,
		    "currency", "GBP", "in_stock", 1, "margin", margin, "url", url, "image", img),
		    e) < 0)
			return -1;
	}
	return 0;
}

/* Draws from a cumulative weight table by binary search. */
static int
draw(struct rng *r, const double *cum, int n)
{
	double x = rng_uniform(r) * cum[n - 1];
	int lo = 0, hi = n - 1;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (cum[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
shop_generate(const struct shop_params *p, FILE *catalog, FILE *customers, FILE *events,
    FILE *ratings, struct shop_stats *st, struct err *e)
{
	int np = NCAT * p->per_category, rc = -1;
	struct product *pr = calloc((size_t)np, sizeof *pr);
	double *cum = calloc((size_t)np, sizeof *cum), *aff = calloc((size_t)np, sizeof *aff);
	double cq[NCAT][DIM];
	struct event *ev = NULL;
	size_t nev = 0, evcap = 0;
	struct rng r;

	memset(st, 0, sizeof *st);
	if (pr == NULL || cum == NULL || aff == NULL) {
		err_nomem(e);
		goto out;
	}
	rng_seed(&r, p->seed);
	make_products(p, &r, cq, pr);
	if (write_catalog(catalog, p, pr, np, e) < 0 || write_new(catalog, p, np, e) < 0)
		goto out;
	st->products = np + p->new_products;
	for (int u = 0; u < p->customers; u++) {
		double pu[DIM] = { 0 }, x = rng_uniform(&r), acc = 0, activity;
		int li = 0, fav1 = (int)rng_below(&r, NCAT), fav2 = (int)rng_below(&r, NCAT);
		char id[32], name[160], email[200], fl[64], ll[64];
		const struct locale *L;
		int fi, la;
		uint64_t nsess;

		for (li = 0; li < (int)NLOC - 1; li++) {
			acc += locales[li].share;
			if (x < acc)
				break;
		}
		L = &locales[li];
		fi = (int)rng_below(&r, 8);
		la = (int)rng_below(&r, 8);
		snprintf(id, sizeof id, "c%05d", u + 1);
		snprintf(name, sizeof name, "%s %s", L->first[fi], L->last[la]);
		ascii_fold(L->first[fi], fl, sizeof fl);
		ascii_fold(L->last[la], ll, sizeof ll);
		snprintf(email, sizeof email, "%s.%s.%d@example.com", fl, ll, u + 1);
		if (emit(customers, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "user", id, "name", name,
		    "first_name", L->first[fi], "email", email, "locale", L->tag, "country",
		    L->country), e) < 0)
			goto out;
		/* taste: one or two favourite categories plus personal noise */
		for (int d = 0; d < DIM; d++)
			pu[d] = (rng_uniform(&r) < 0.5 ? cq[fav1][d] : 0.6 * cq[fav1][d] + 0.4 * cq[fav2][d]) +
			    0.45 * rng_normal(&r);
		for (int i = 0; i < np; i++) {
			double s = pr[i].bias;

			for (int d = 0; d < DIM; d++)
				s += pu[d] * pr[i].q[d] / sqrt((double)DIM);
			aff[i] = s;
			cum[i] = exp(1.6 * s) + (i ? cum[i - 1] : 0);
		}
		activity = p->sessions * exp(0.8 * rng_normal(&r) - 0.32);
		nsess = 1 + rng_poisson(&r, activity);
		for (uint64_t s = 0; s < nsess; s++) {
			int64_t ts = p->end_ts - (int64_t)p->days * 86400 +
			    (int64_t)rng_below(&r, (uint64_t)p->days * 86400 - 3600);
			int views = 1 + (int)rng_below(&r, 4);

			for (int v = 0; v < views; v++) {
				int i = draw(&r, cum, np);
				double pc = 1 / (1 + exp(-(aff[i] - 0.2)));
				struct event x0 = { ts + v * 60, u, i, 0, 1, 0 };

				if (nev + 3 > evcap) {
					size_t ncap = evcap ? evcap * 2 : 65536;
					struct event *ne = realloc(ev, ncap * sizeof *ne);

					if (ne == NULL) {
						err_nomem(e);
						goto out;
					}
					ev = ne;
					evcap = ncap;
				}
				ev[nev++] = x0;
				if (!pr[i].in_stock || rng_uniform(&r) >= 0.55 * pc)
					continue;
				x0.kind = 1;
				x0.ts += 30;
				ev[nev++] = x0;
				if (rng_uniform(&r) >= 0.65)
					continue;
				x0.kind = 2;
				x0.ts += 120;
				x0.qty = (int8_t)(1 + rng_poisson(&r, 0.3));
				if (rng_uniform(&r) < 0.45) {
					double rt = 3.2 + 0.9 * aff[i] + 0.7 * rng_normal(&r);

					x0.rating = (int8_t)(rt < 1 ? 1 : rt > 5 ? 5 : lround(rt));
				}
				ev[nev++] = x0;
			}
		}
	}
	st->customers = p->customers;
	qsort(ev, nev, sizeof *ev, event_cmp);
	for (size_t k = 0; k < nev; k++) {
		static const char *const kinds[] = { "view", "cart", "purchase" };
		char uid[32], sku[32];

		snprintf(uid, sizeof uid, "c%05d", ev[k].user + 1);
		snprintf(sku, sizeof sku, "sku%04d", ev[k].item + 1);
		if (emit(events, json_pack("{s:s,s:s,s:s,s:i,s:I}", "user", uid, "item", sku, "event",
		    kinds[ev[k].kind], "qty", ev[k].qty, "ts", (json_int_t)ev[k].ts), e) < 0)
			goto out;
		st->events++;
		st->views += ev[k].kind == 0;
		st->carts += ev[k].kind == 1;
		st->purchases += ev[k].kind == 2;
		if (ev[k].rating > 0) {
			if (emit(ratings, json_pack("{s:s,s:s,s:i,s:I}", "user", uid, "item", sku,
			    "rating", ev[k].rating, "ts", (json_int_t)(ev[k].ts + 86400 * 3)), e) < 0)
				goto out;
			st->ratings++;
		}
	}
	rc = 0;
out:
	free(pr);
	free(cum);
	free(aff);
	free(ev);
	return rc;
}
