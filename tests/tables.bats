#!/usr/bin/env bats
# tests/tables.bats - one catalog reader and one customer-table reader, the same rules in every
# program: a lowercase currency reaches the email, a bad one is refused alike by topk, popular and
# mkprompt; customers are checked alike by mkprompt, popular and suppress --match (issue 12).

load helpers

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	"$PY3" "$RECMAIL_ROOT/tests/mkst.py" r.st <<-'JSON'
	{"kind":"ratings","users":["c1","c2"],"items":["sku9","sku3"],
	 "entries":[["c1","sku9",5,1000],["c2","sku3",4,1000],["c2","sku9",1,1000]]}
	JSON
}

setup() {
	setup_scratch
	export RECMAIL_SHARE="$RECMAIL_ROOT/share"
	cp "$BATS_FILE_TMPDIR"/r.st .
	cat >catalog.ndjson <<-'X'
	{"item":"sku9","title":"Blue teapot","category":"kitchen","price":12.5,"currency":"gbp"}
	{"item":"sku3","title":"Green teacup","category":"kitchen","price":4,"currency":"Gbp"}
	X
	cat >customers.ndjson <<-'X'
	{"user":"c1","name":"Ann Smith","email":"ann@example.com","locale":"en-GB","country":"gb"}
	{"user":"c2","name":"Bo Berg","email":"bo@example.com","locale":"en-GB","country":"GB","consent":false}
	X
	echo '{"user":"c1","recs":[{"item":"sku9","score":1,"rank":1,"reason":{"type":"popular"}},{"item":"sku3","score":0.5,"rank":2,"reason":{"type":"popular"}}]}' >recs.ndjson
}

@test "tables: a lowercase currency is read as its code and written in the email (was dropped)" {
	mkprompt --catalog=catalog.ndjson --customers=customers.ndjson recs.ndjson >p.ndjson
	[ "$(jq -c '[.meta.items[].currency]' p.ndjson)" = '["GBP","GBP"]' ]
	llmcall --backend=template <p.ndjson >r.ndjson 2>/dev/null
	mailfmt --from="Shop <shop@example.com>" --unsub-mailto=unsubscribe@example.com --campaign=c \
		--eml-dir=out <r.ndjson
	# the pound sign in the quoted-printable text part and in the HTML: "£12.50", not "12.50"
	grep -q '^Blue teapot (kitchen, =C2=A312.50)' out/*.eml
	! grep -q '[ (]12\.50' out/*.eml
}

@test "tables: a currency that is no code is refused alike by mkprompt, topk, popular, runreport and cbtrain" {
	printf '%s\n' '{"item":"sku9","title":"Blue teapot"}' '{"item":"sku3","currency":"£"}' >bad.ndjson
	want="bad.ndjson:2: \"currency\" must be an ISO 4217 code of three letters, not '£'"
	run --separate-stderr mkprompt --catalog=bad.ndjson --customers=customers.ndjson recs.ndjson
	[ "$status" -eq 65 ]
	[ "$stderr" = "mkprompt: $want" ]
	run --separate-stderr popular --ratings=r.st --catalog=bad.ndjson --all
	[ "$status" -eq 65 ]
	[ "$stderr" = "popular: $want" ]
	svdtrain --factors=2 r.st >m.st 2>/dev/null
	run --separate-stderr topk --model=m.st --catalog=bad.ndjson --all -n 1
	[ "$status" -eq 65 ]
	[ "$stderr" = "topk: $want" ]
	mkdir run && : >run/campaign.log
	run --separate-stderr runreport --catalog=bad.ndjson -o rep.html run
	[ "$status" -eq 65 ]
	[ "$stderr" = "runreport: $want" ]
	run --separate-stderr cbtrain --catalog=bad.ndjson --ratings=r.st -o content.st
	[ "$status" -eq 65 ]
	[ "$stderr" = "cbtrain: $want" ]
	# --skip-bad skips the line, as for any bad line
	run --separate-stderr mkprompt --catalog=bad.ndjson --customers=customers.ndjson --skip-bad recs.ndjson
	[ "$status" -eq 1 ]
	[ "$(jq -c '[.meta.items[].item]' <<<"$output")" = '["sku9"]' ]
}

@test "tables: a customer line is checked alike by mkprompt, popular and suppress --match" {
	printf '%s\n' '{"user":"c1","email":"ann@example.com"}' '{"user":"c2","country":"Sweden"}' >bad.ndjson
	want="bad.ndjson:2: \"country\" must be an ISO 3166-1 code of two letters, not 'Sweden'"
	run --separate-stderr mkprompt --catalog=catalog.ndjson --customers=bad.ndjson recs.ndjson
	[ "$status" -eq 65 ]
	[ "$stderr" = "mkprompt: $want" ]
	run --separate-stderr popular --ratings=r.st --group-by=country --customers=bad.ndjson --all
	[ "$status" -eq 65 ]
	[ "$stderr" = "popular: $want" ]
	export RECMAIL_SUPPRESS_KEY=test-suppress-key-0123456789
	: >list.ndjson
	run --separate-stderr suppress --list=list.ndjson --match bad.ndjson
	[ "$status" -eq 65 ]
	[ "$stderr" = "suppress: $want" ]
	printf '%s\n' '{"user":"c1"}' '{"user":"c1"}' >dup.ndjson
	run --separate-stderr suppress --list=list.ndjson --match dup.ndjson
	[ "$status" -eq 65 ]
	[ "$stderr" = 'suppress: dup.ndjson:2: duplicate user "c1"' ]
}

@test "tables: a country in any case is one group; consent:false is never mailed" {
	printf '%s\n' '{"user":"c1","country":"gb"}' '{"user":"c2","country":"GB"}' >cc.ndjson
	popular --ratings=r.st --group-by=country --customers=cc.ndjson --all -n 1 >pop.ndjson
	# both customers are in group GB: one ranking, the same item for both
	[ "$(jq -r '.recs[0].item' pop.ndjson | sort -u | wc -l)" -eq 1 ]
	echo '{"user":"c2","recs":[{"item":"sku9","score":1,"rank":1}]}' >r2.ndjson
	run --separate-stderr mkprompt --catalog=catalog.ndjson --customers=customers.ndjson --rejects=rej.ndjson r2.ndjson
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(jq -r .reason rej.ndjson)" = "no email" ]
}

@test "tables: shopimport writes the catalog's currency rule: 'eur' becomes EUR, '€' is a bad line" {
	cat >o.csv <<-'X'
	order_number,order_date,order_currency,billing_email,billing_country,item_name,item_sku,item_quantity,item_total
	1007,2026-02-01 10:00:00,eur,zoe@example.com,DE,Sencha Green Tea,TEA-GREEN,2,17.00
	1008,2026-02-02 10:00:00,€,ana@example.com,ES,Glass Teapot,POT-GLASS,1,29.00
	X
	cols=(--order-col=order_number --date-col=order_date --email-col=billing_email
		--country-col=billing_country --currency-col=order_currency --item-col=item_sku
		--title-col=item_name --qty-col=item_quantity --line-total-col=item_total)
	export RECMAIL_ID_KEY=test-key-0123456789abcdef
	run --separate-stderr shopimport -d out "${cols[@]}" o.csv
	[ "$status" -eq 65 ]
	[ "$stderr" = "shopimport: o.csv:3: \"order_currency\" is not an ISO 4217 code of three letters: '€'" ]
	run --separate-stderr shopimport -d out2 "${cols[@]}" --skip-bad=bad.ndjson o.csv
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.item, .currency]' out2/catalog.ndjson)" = '["TEA-GREEN","EUR"]' ]
	# what shopimport writes, every catalog reader takes
	mkprompt --catalog=out2/catalog.ndjson --customers=out2/customers.ndjson </dev/null
	# --currency, for an export without a currency column: in capitals too
	run --separate-stderr shopimport -d out3 --currency=usd "${cols[@]/--currency-col=*/--country-col=billing_country}" o.csv
	[ "$status" -eq 0 ]
	[ "$(jq -r .currency out3/catalog.ndjson | sort -u)" = USD ]
	run --separate-stderr shopimport -d out4 --currency=u5d "${cols[@]}" o.csv
	[ "$status" -eq 64 ]
}
