#!/usr/bin/env bats
# shopimport: an order export (Online Retail, Shopify, any CSV) to interactions, catalog, customers, campaign.conf

load helpers

setup() {
	setup_scratch
	export RECMAIL_ID_KEY=test-key-0123456789abcdef
}

# A few Online Retail rows: a product under two spellings and three prices, a cancellation, postage,
# a gift voucher, a negative quantity, a line without a customer, a quoted description.
retail() {
	cat <<'EOF'
InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom
536365,POST,POSTAGE,1,2010-12-01 08:26:00,18.00,17850.0,United Kingdom
536366,85123A,WHITE HANGING HEART T-LIGHT HOLDER,2,2010-12-02 09:00:00,2.95,12583.0,France
536367,85123A,CREAM HANGING HEART T-LIGHT HOLDER,1,2010-12-03 10:00:00,3.25,12583.0,France
C536368,85123A,WHITE HANGING HEART T-LIGHT HOLDER,-1,2010-12-04 10:00:00,2.55,12583.0,France
536369,22423,"REGENCY CAKESTAND 3 TIER, PINK",1,2010-12-05 11:00:00,12.75,,United Kingdom
536370,22423,"REGENCY CAKESTAND 3 TIER, PINK",-2,2010-12-06 11:00:00,12.75,12347.0,EIRE
536371,gift_0001_20,Dotcomgiftshop Gift Voucher £20.00,1,2010-12-07 11:00:00,17.02,12347.0,EIRE
536372,21730,GLASS STAR FROSTED T-LIGHT HOLDER,4,2010-12-08 12:00:00,4.25,12347.0,Unspecified
EOF
}

# A Shopify orders export (the columns of Admin > Orders > Export, some left out): order-level
# fields on the first line of each order only, as Shopify writes them.
shopify() {
	cat <<'EOF'
Name,Email,Financial Status,Paid at,Accepts Marketing,Currency,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Lineitem requires shipping,Billing Name,Billing Country,Cancelled at,Vendor
#1001,Zoe@Example.com ,paid,2026-01-05 17:00:00 +0100,yes,EUR,2026-01-05 17:00:00 +0100,2,"Sencha Green Tea, 100 g",8.50,TEA-GREEN,true,Zoë Müller,DE,,Tea House
#1001,,,,,,,1,Gift Card,25.00,GIFT-25,false,,,,Tea House
#1001,,,,,,,1,Glass Teapot,29.00,POT-GLASS,true,,,,Tea House
#1002,ana@example.com,paid,2026-01-06 02:00:00 -0500,no,EUR,2026-01-06 02:00:00 -0500,1,Glass Teapot,27.00,POT-GLASS,true,Ana García,ES,,Tea House
#1003,zoe@example.com,refunded,2026-01-07 10:00:00 +0100,yes,EUR,2026-01-07 10:00:00 +0100,3,Glass Teapot,29.00,POT-GLASS,true,Zoë Müller,DE,,Tea House
#1004,leo@example.com,voided,,yes,EUR,2026-01-08 10:00:00 +0100,1,"Sencha Green Tea, 100 g",8.50,TEA-GREEN,true,Léo Martin,FR,2026-01-08 11:00:00 +0100,Tea House
#1005,leo@example.com,paid,2026-01-09 10:00:00 +0100,yes,EUR,2026-01-09 10:00:00 +0100,1,Glass Teapot,31.00,POT-GLASS,true,Léo Martin,FR,,Tea House
EOF
}

@test "shopimport: Online Retail rows give purchases, a catalog and customers, drops counted by reason" {
	retail >in.csv
	run_both shopimport -d out in.csv
	[ "$status" -eq 0 ]
	[ "$(cat out/interactions.ndjson)" = '{"user":"17850.0","item":"85123A","event":"purchase","qty":6,"ts":1291191960,"order":"536365"}
{"user":"12583.0","item":"85123A","event":"purchase","qty":2,"ts":1291280400,"order":"536366"}
{"user":"12583.0","item":"85123A","event":"purchase","qty":1,"ts":1291370400,"order":"536367"}
{"user":"12347.0","item":"21730","event":"purchase","qty":4,"ts":1291809600,"order":"536372"}' ]
	# the most frequent description, made readable; the median of the unit prices; sterling
	[ "$(cat out/catalog.ndjson)" = '{"item":"85123A","title":"White Hanging Heart T-Light Holder","price":2.95,"currency":"GBP"}
{"item":"22423","title":"Regency Cakestand 3 Tier, Pink","price":12.75,"currency":"GBP"}
{"item":"21730","title":"Glass Star Frosted T-Light Holder","price":4.25,"currency":"GBP"}' ]
	# no emails in this layout: placeholders that can never be delivered; the locale from the country
	[ "$(cat out/customers.ndjson)" = '{"user":"17850.0","email":"customer-17850-0@preview.invalid","preview":true,"country":"GB","locale":"en-GB"}
{"user":"12583.0","email":"customer-12583-0@preview.invalid","preview":true,"country":"FR","locale":"fr-FR"}
{"user":"12347.0","email":"customer-12347-0@preview.invalid","preview":true}' ]
	[[ "$stderr" == *"9 line items (layout online-retail): 4 purchases kept, 5 dropped"* ]]
	[[ "$stderr" == *"dropped: 1 cancelled 2 non-product 1 nonpositive-qty 1 no-customer"* ]]
	[[ "$stderr" == *"the export has no email addresses"*"previews, not deliveries"* ]]
	[[ "$stderr" == *"1 customers without a known country"* ]]
}

@test "shopimport: --price=recent takes the latest unit price, --title-case=never keeps the text" {
	retail >in.csv
	shopimport -d out --price=recent --title-case=never in.csv 2>/dev/null
	[ "$(jq -c 'select(.item == "85123A") | [.title, .price]' out/catalog.ndjson)" = '["WHITE HANGING HEART T-LIGHT HOLDER",3.25]' ]
}

@test "shopimport: --no-preview writes customers without any address" {
	retail >in.csv
	shopimport -d out --no-preview in.csv 2>err
	! grep -q email out/customers.ndjson
	grep -q "no customer can be mailed" err
}

@test "shopimport: a Shopify export: order fields from the first line, consent, shipping, refunds" {
	shopify >orders.csv
	run_both shopimport -d out orders.csv
	[ "$status" -eq 0 ]
	# the gift card needs no shipping; #1003 was refunded and #1004 voided and cancelled
	[[ "$stderr" == *"7 line items (layout shopify): 4 purchases kept, 3 dropped"* ]]
	[[ "$stderr" == *"dropped: 1 cancelled 1 refunded 1 not-shipped"* ]]
	[[ "$stderr" == *"1 customers did not accept marketing"* ]]
	[ "$(jq -r '[.item, .qty, .ts, .order] | @tsv' out/interactions.ndjson)" = "$(printf '%s\n' \
		'TEA-GREEN	2	1767628800	#1001' 'POT-GLASS	1	1767628800	#1001' \
		'POT-GLASS	1	1767682800	#1002' 'POT-GLASS	1	1767949200	#1005')" ]
	# the customer who said no has no address in the file at all
	[ "$(jq -c '[.email, .consent, .name, .country, .locale]' out/customers.ndjson)" = '["zoe@example.com",true,"Zoë Müller","DE","de-DE"]
[null,false,"Ana García","ES","es-ES"]
["leo@example.com",true,"Léo Martin","FR","fr-FR"]' ]
	! grep -q ana@ out/*.ndjson
	# mixed-case titles are kept; the median of 29, 27 and 31 (the refunded line does not count)
	[ "$(cat out/catalog.ndjson)" = '{"item":"TEA-GREEN","title":"Sencha Green Tea, 100 g","price":8.5,"currency":"EUR"}
{"item":"POT-GLASS","title":"Glass Teapot","price":29.0,"currency":"EUR"}' ]
}

@test "shopimport: a Shopify export with the order fields on every line gives the same files" {
	shopify >first.csv
	# the follow-up lines of #1001 with the order's fields repeated
	{ sed -n 1,2p first.csv
	  echo '#1001,Zoe@Example.com ,paid,2026-01-05 17:00:00 +0100,yes,EUR,2026-01-05 17:00:00 +0100,1,Gift Card,25.00,GIFT-25,false,Zoë Müller,DE,,Tea House'
	  echo '#1001,Zoe@Example.com ,paid,2026-01-05 17:00:00 +0100,yes,EUR,2026-01-05 17:00:00 +0100,1,Glass Teapot,29.00,POT-GLASS,true,Zoë Müller,DE,,Tea House'
	  sed -n '5,$p' first.csv; } >every.csv
	[ "$(grep -c 'Zoe@Example.com' every.csv)" -eq 3 ]
	[ "$(wc -l <every.csv)" -eq "$(wc -l <first.csv)" ]
	shopimport -d a first.csv 2>/dev/null
	shopimport -d b every.csv 2>/dev/null
	for f in interactions catalog customers; do
		cmp "a/$f.ndjson" "b/$f.ndjson"
	done
}

@test "shopimport: a customer known by email only gets a keyed hash of the normalised address" {
	shopify >orders.csv
	shopimport -d a orders.csv 2>/dev/null
	# Zoe@Example.com and zoe@example.com are one customer, whose id does not hold the address
	[ "$(jq -r .user a/customers.ndjson | wc -l)" -eq 3 ]
	id=$(jq -r 'select(.name == "Zoë Müller") | .user' a/customers.ndjson)
	[[ "$id" =~ ^c[0-9a-f]{20}$ ]]
	! grep -qi zoe a/interactions.ndjson
	# the same key gives the same ids on the next import; another key, others
	shopimport -d b orders.csv 2>/dev/null
	cmp a/customers.ndjson b/customers.ndjson
	RECMAIL_ID_KEY=another-key-0123456789 shopimport -d c orders.csv 2>/dev/null
	[ "$(jq -r 'select(.name == "Zoë Müller") | .user' c/customers.ndjson)" != "$id" ]
	printf 'file-key-0123456789abcdef\n' >key
	env -u RECMAIL_ID_KEY shopimport -d d --id-key-file=key orders.csv 2>/dev/null
	[ -s d/customers.ndjson ]
}

@test "shopimport: an export without customer ids needs the key, and says so" {
	shopify >orders.csv
	run_both env -u RECMAIL_ID_KEY shopimport -d out orders.csv
	[ "$status" -eq 64 ]
	[[ "$stderr" == *"orders.csv:1: header: the export has no customer id"*"RECMAIL_ID_KEY"* ]]
	[ ! -e out/customers.ndjson ]
	RECMAIL_ID_KEY=short run shopimport -d out orders.csv
	[ "$status" -eq 64 ]
	[[ "$output" == *"at least 16 bytes"* ]]
}

@test "shopimport: any CSV by column mapping (the WooCommerce export of docs/shopimport.md)" {
	cat >woo.csv <<'EOF'
order_id,order_number,order_date,status,order_currency,billing_first_name,billing_last_name,billing_email,billing_country,item_name,item_sku,item_quantity,item_total
7,1007,2026-02-01 10:00:00,completed,EUR,Zoë,Müller,zoe@example.com,DE,Sencha Green Tea,TEA-GREEN,2,17.00
7,1007,2026-02-01 10:00:00,completed,EUR,Zoë,Müller,zoe@example.com,DE,Tea Sieve,,1,4.50
8,1008,2026-02-02 10:00:00,cancelled,EUR,Ana,García,ana@example.com,ES,Glass Teapot,POT-GLASS,1,29.00
9,1009,2026-02-03 10:00:00,processing,EUR,Ana,García,ana@example.com,ES,Glass Teapot,POT-GLASS,2,58.00
EOF
	run_both shopimport -d out --order-col=order_number --date-col=order_date --status-col=status \
		--email-col=billing_email --first-name-col=billing_first_name \
		--last-name-col=billing_last_name --country-col=billing_country \
		--currency-col=order_currency --item-col=item_sku --title-col=item_name \
		--qty-col=item_quantity --line-total-col=item_total woo.csv
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"(layout csv): 3 purchases kept, 1 dropped"* ]]
	# an empty SKU: the title is the id; the unit price is the line total over the quantity
	[ "$(cat out/catalog.ndjson)" = '{"item":"TEA-GREEN","title":"Sencha Green Tea","price":8.5,"currency":"EUR"}
{"item":"Tea Sieve","title":"Tea Sieve","price":4.5,"currency":"EUR"}
{"item":"POT-GLASS","title":"Glass Teapot","price":29.0,"currency":"EUR"}' ]
	[ "$(jq -c '[.email, .name, .locale]' out/customers.ndjson)" = '["zoe@example.com","Zoë Müller","de-DE"]
["ana@example.com","Ana García","es-ES"]' ]
}

@test "shopimport: a bad line is an error naming file and line, and nothing is written" {
	retail >in.csv
	sed -i '4s/,2,2010-12-02/,two,2010-12-02/' in.csv
	run_both shopimport -d out in.csv
	[ "$status" -eq 65 ]
	[ "$stderr" = "shopimport: in.csv:4: \"Quantity\" is not a number: 'two'" ]
	[ -z "$(ls -A out)" ]
	retail | sed '3s/2010-12-01 08:26:00/yesterday/' >d.csv
	run shopimport -d out d.csv
	[ "$status" -eq 65 ]
	[[ "$output" == *"d.csv:3: \"InvoiceDate\" is not a date"*"'yesterday'"* ]]
	retail | sed '5s/$/,extra/' >f.csv
	run shopimport -d out f.csv
	[ "$status" -eq 65 ]
	[[ "$output" == *"f.csv:5: 9 fields, expected 8"* ]]
	{ retail | head -2; echo '536399,22423,"REGENCY CAKESTAND,1,2010-12-05 11:00:00,12.75,1.0,EIRE'; } >q.csv
	run shopimport -d out q.csv
	[ "$status" -eq 65 ]
	[[ "$output" == *"q.csv:3: unterminated quoted field"* ]]
	[ -z "$(ls -A out)" ]
}

@test "shopimport: --skip-bad lists bad lines as NDJSON and keeps the rest" {
	retail >in.csv
	sed -i '4s/,2,2010-12-02/,two,2010-12-02/' in.csv
	run_both shopimport -d out --skip-bad=bad.ndjson in.csv
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.file, .line, .reason]' bad.ndjson)" = "[\"in.csv\",4,\"\\\"Quantity\\\" is not a number: 'two'\"]" ]
	[ "$(wc -l <out/interactions.ndjson)" -eq 3 ]
	[[ "$stderr" == *"skipped 1 bad lines (listed in bad.ndjson)"* ]]
}

@test "shopimport: a header without the needed columns, and an export with no purchase, are errors" {
	printf 'a,b\n1,2\n' >x.csv
	run shopimport -d out x.csv
	[ "$status" -eq 65 ]
	[[ "$output" == *"x.csv:1: header: no item column"* ]]
	retail | head -1 >empty.csv
	run shopimport -d out empty.csv
	[ "$status" -eq 65 ]
	[[ "$output" == *"no purchases in the input"* ]]
	retail >in.csv
	run shopimport -d out --item-col=SKU in.csv
	[ "$status" -eq 65 ]
	[[ "$output" == *"no column 'SKU' (named by --item-col)"* ]]
}

@test "shopimport: non-product lines by a code list and a regex" {
	retail >in.csv
	shopimport -d out --non-product=21730 --non-product-regex='^85' in.csv 2>err || true
	# the options replace the layout's list: POST and the voucher are products now
	[ "$(jq -r .item out/interactions.ndjson | sort -u | paste -sd,)" = "POST,gift_0001_20" ]
	grep -q "4 non-product" err
	run shopimport -d out --non-product-regex='(' in.csv
	[ "$status" -eq 64 ]
}

@test "shopimport: campaign.conf comments every key, quotes values, and is never overwritten" {
	retail >in.csv
	shopimport -d out --brand="Bob's Gifts" in.csv 2>/dev/null
	# every KEY= line (set or commented out) follows a comment line
	awk '/^(# )?[A-Z_]+=/ { if (prev !~ /^#/) { print "uncommented: " $0; bad = 1 } } { prev = $0 }
		END { exit bad }' out/campaign.conf
	[ "$(bash -c '. out/campaign.conf; printf %s "$BRAND|$FROM"')" = "Bob's Gifts|Bob's Gifts <shop@example.com>" ]
	echo '# mine' >out/campaign.conf
	run_both shopimport -d out in.csv
	[ "$status" -eq 0 ]
	[ "$(cat out/campaign.conf)" = '# mine' ]
	[[ "$stderr" == *"out/campaign.conf exists: kept as it is"* ]]
}

@test "shopimport: usage errors, --help and --version" {
	run shopimport in.csv
	[ "$status" -eq 64 ]
	[[ "$output" == *"--out-dir is required"* ]]
	run shopimport -d out
	[ "$status" -eq 64 ]
	run shopimport -d out --price=mean x.csv
	[ "$status" -eq 64 ]
	run shopimport -d out missing.csv
	[ "$status" -eq 66 ]
	run shopimport --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Example: shopimport"* ]]
	run shopimport --version
	[ "$status" -eq 0 ]
}

@test "shopimport: the first 20000 lines of UCI Online Retail import as documented" {
	skip_unless_data online-retail/online_retail.csv
	head -20000 "$SHARED_DATA/online-retail/online_retail.csv" >sample.csv
	run_both shopimport -d out sample.csv
	[ "$status" -eq 0 ]
	echo "$stderr"
	# every kept line is a purchase of a product with a title and a price, by a known customer
	jq -e -s 'length > 10000 and all(.[]; .qty > 0 and (.user | length) > 0)' out/interactions.ndjson
	! jq -e 'select(.item | test("^(POST|DOT|M|C2|BANK CHARGES|AMAZONFEE)$"))' out/interactions.ndjson
	jq -e -s 'all(.[]; (.title | test("^[A-Z0-9]")) and (.price == null or .currency == "GBP"))' out/catalog.ndjson
	! grep -q '"title":"[^"a-z]*[A-Z]\{4\}' out/catalog.ndjson
	[ "$(jq -r .user out/customers.ndjson | sort | uniq -d | wc -l)" -eq 0 ]
}

@test "shopimport: the files and the directory are the owner's only, whatever the umask" {
	retail >in.csv
	(umask 022; shopimport -d out in.csv 2>/dev/null)
	[ "$(stat -c %a out)" = 700 ]
	for f in interactions.ndjson catalog.ndjson customers.ndjson campaign.conf; do
		[ "$(stat -c %a "out/$f")" = 600 ]
	done
}

# The sh blocks of docs/CAMPAIGN.md's "Your own shop" section, in order.
walkthrough() {
	awk '/<!-- your-own-shop: begin/ { on = 1 } /<!-- your-own-shop: end/ { on = 0 }
		on && /^```sh$/ { sh = 1; next } sh && /^```$/ { sh = 0; next } sh' "$RECMAIL_ROOT/docs/CAMPAIGN.md"
}

@test "shopimport: the 'your own shop' walkthrough of docs/CAMPAIGN.md runs and writes emails" {
	walkthrough >walk.sh
	# the page has the walkthrough, with the import and the campaign
	grep -q '^shopimport ' walk.sh
	grep -q 'pipelines/campaign -c myshop/campaign.conf' walk.sh
	ln -s "$RECMAIL_ROOT/examples" examples
	ln -s "$RECMAIL_ROOT/pipelines" pipelines
	run_both bash -euo pipefail walk.sh
	echo "$stderr" | tail -5
	[ "$status" -eq 0 ]
	[ -s shop.key ]
	n=$(find myshop/runs/first/outbox -name '*.eml' | wc -l)
	[ "$n" -gt 20 ]
	# the customers who refused marketing (there are some) have no message; the titles are the
	# catalog's
	jq -r 'select(.consent == false) | "<" + .email + ">"' myshop/customers.ndjson >refused
	[ "$(wc -l <refused)" -ge 3 ]
	grep -q -r -F 'X-Recmail-Ref: ' myshop/runs/first/outbox
	# the addresses are written as <addr> in To:, so the check below can see a refused one
	[[ "$(grep -h -r '^To: ' myshop/runs/first/outbox | head -1)" == *'<'*'@'*'>' ]]
	! grep -l -r -F -f refused myshop/runs/first/outbox
	grep -q '"title":"Masala Chai Blend"' myshop/catalog.ndjson
	grep -q -r 'Masala Chai Blend' myshop/runs/first/outbox
	[[ "$output" == *'"item":'* ]]
}

@test "shopimport: examples/retail/run evaluates and mails the Shopify-format example" {
	OUT=$PWD/ex run_both "$RECMAIL_ROOT/examples/retail/run" "$RECMAIL_ROOT/examples/retail/shopify-orders.csv"
	echo "$output"
	[ "$status" -eq 0 ]
	for a in ials itemknn popular; do
		[[ "$output" =~ $a\ +0\.[0-9]{4}\ +0\.[0-9]{4} ]]
	done
	[ "$(find ex/data/runs/retail-demo/outbox -name '*.eml' | wc -l)" -gt 20 ]
	[[ "$output" == *"emails in $PWD/ex/data/runs/retail-demo/outbox"* ]]
}

@test "shopimport: examples/retail/run on a sample of UCI Online Retail makes previews only" {
	skip_unless_data online-retail/online_retail.csv
	head -15000 "$SHARED_DATA/online-retail/online_retail.csv" >sample.csv
	OUT=$PWD/ex run_both "$RECMAIL_ROOT/examples/retail/run" sample.csv
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ials\ +0\.[0-9]{4}\ +0\.[0-9]{4} ]]
	[[ "$output" =~ popular\ +0\.[0-9]{4}\ +0\.[0-9]{4} ]]
	[[ "$stderr" == *"previews, not deliveries"* ]]
	outbox=ex/data/runs/retail-demo/outbox
	[ "$(find "$outbox" -name '*.eml' | wc -l)" -gt 100 ]
	# every message goes to a placeholder that cannot be delivered
	! grep -h '^To:' "$outbox"/*.eml | grep -v '@preview\.invalid>$'
}

@test "shopimport: examples/retail/run skips, saying so, when the data set is absent" {
	run "$RECMAIL_ROOT/examples/retail/run" "$PWD/none.csv"
	[ "$status" -eq 0 ]
	[[ "$output" == *"none.csv is absent: skipping"* ]]
}

@test "shopimport: an export whose name holds a newline cannot put a command into campaign.conf" {
	retail >"$(printf 'x\ntouch pwned\n.csv')"
	shopimport -d out "$(printf 'x\ntouch pwned\n.csv')" 2>/dev/null
	grep -q '^# campaign.conf - written by shopimport from x?touch pwned?.csv;' out/campaign.conf
	bash -c '. out/campaign.conf'
	[ ! -e pwned ]
}
