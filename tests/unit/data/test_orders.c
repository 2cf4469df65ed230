/* test_orders.c - unit tests for reading order exports (lib/data/orders) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcode.h"
#include "data/orders.h"
#include "unit.h"

static const char *
titled(const char *s, enum orders_case how)
{
	static char out[256];

	orders_title_case(s, strlen(s), how, out);
	return out;
}

static void
title_case_of_capitals(void)
{
	CHECK_STR(titled("WHITE HANGING HEART T-LIGHT HOLDER", ORDERS_CASE_AUTO),
	    "White Hanging Heart T-Light Holder");
	CHECK_STR(titled("SET OF 3 CAKE TINS PANTRY DESIGN", ORDERS_CASE_AUTO),
	    "Set of 3 Cake Tins Pantry Design");
	CHECK_STR(titled("CHILDREN'S APRON (PINK)", ORDERS_CASE_AUTO), "Children's Apron (Pink)");
	CHECK_STR(titled("THE 3D SHEET & STICKERS", ORDERS_CASE_AUTO), "The 3D Sheet & Stickers");
	CHECK_STR(titled("DOTCOMGIFTSHOP GIFT VOUCHER £20.00", ORDERS_CASE_AUTO),
	    "Dotcomgiftshop Gift Voucher £20.00");
	/* a title with lower case is the shop's own spelling */
	CHECK_STR(titled("Sencha Green Tea, 100 g", ORDERS_CASE_AUTO), "Sencha Green Tea, 100 g");
	CHECK_STR(titled("iPhone CASE", ORDERS_CASE_ALWAYS), "Iphone Case");
	CHECK_STR(titled("RED MUG", ORDERS_CASE_NEVER), "RED MUG");
	CHECK_STR(titled("", ORDERS_CASE_AUTO), "");
}

static void
email_normalised(void)
{
	char out[64];

	CHECK_INT(orders_email_norm("  Zoe@Example.COM \t", 19, out), 15);
	CHECK_STR(out, "zoe@example.com");
	CHECK_INT(orders_email_norm("   ", 3, out), 0);
}

/* Imports text with opts; the interactions in *inter (caller frees), g kept for inspection. */
static int
import(struct orders *g, struct orders_opts *o, const char *text, char **inter, struct err *e)
{
	size_t len = 0;
	FILE *out = open_memstream(inter, &len);
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	int rc;

	orders_init(g, o, out);
	rc = orders_file(g, in, "t.csv", e);
	fclose(in);
	fclose(out);
	return rc;
}

static void
carries_order_fields_and_hashes_emails(void)
{
	static const unsigned char key[] = "0123456789abcdef";
	struct orders_opts o;
	struct orders g;
	struct err e = { 0, "" };
	char *inter = NULL, *cust = NULL;
	size_t len = 0;
	struct orders_people p;
	FILE *f;

	orders_defaults(&o);
	o.key = key;
	o.keylen = 16;
	CHECK(import(&g, &o, "Name,Email,Created at,Lineitem quantity,Lineitem name,Lineitem sku,"
	    "Accepts Marketing\n"
	    "#1,A@x.org,2026-01-01 10:00:00 +0200,1,Tea,T1,yes\n"
	    "#1,,,2,Pot,P1,\n"
	    "#2,a@x.org,2026-01-02 10:00:00,1,Tea,T1,no\n", &inter, &e) == 0);
	CHECK_INT(g.format, ORDERS_SHOPIFY);
	CHECK_INT(g.kept, 3);
	CHECK_INT(ids_count(&g.customers), 1);
	CHECK(inter != NULL && strstr(inter, "\"ts\":1767254400") != NULL);     /* 08:00 UTC */
	CHECK(inter != NULL && strstr(inter, "x.org") == NULL);
	f = open_memstream(&cust, &len);
	CHECK(orders_write_customers(&g, f, &p, &e) == 0);
	fclose(f);
	/* the latest order said no: no address */
	CHECK_INT(p.no_consent, 1);
	CHECK(cust != NULL && strstr(cust, "\"consent\":false") != NULL && strstr(cust, "@") == NULL);
	orders_free(&g);
	free(inter);
	free(cust);
}

static void
bad_rows_name_the_line(void)
{
	struct orders_opts o;
	struct orders g;
	struct err e = { 0, "" };
	char *inter = NULL;

	orders_defaults(&o);
	CHECK(import(&g, &o, "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,"
	    "CustomerID,Country\n1,A,X,1,2011-01-01,1.5,7,UK\n2,A,X,1,2011-02-30,1.5,7,UK\n",
	    &inter, &e) < 0);
	CHECK_INT(e.code, EXIT_DATA);
	CHECK(strncmp(e.msg, "t.csv:3: \"InvoiceDate\" is not a date", 36) == 0);
	orders_free(&g);
	free(inter);
}

int
main(void)
{
	RUN(title_case_of_capitals);
	RUN(email_normalised);
	RUN(carries_order_fields_and_hashes_emails);
	RUN(bad_rows_name_the_line);
	return UNIT_DONE();
}
