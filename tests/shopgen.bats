#!/usr/bin/env bats
# tests/shopgen.bats - the example shop generator: deterministic, well-formed, with a taste structure

load helpers

setup() { setup_scratch; }

@test "shopgen: the same seed gives the same bytes, another seed other data" {
	shopgen --seed=5 --customers=200 --per-category=3 --out-dir=a
	shopgen --seed=5 --customers=200 --per-category=3 --out-dir=b
	shopgen --seed=6 --customers=200 --per-category=3 --out-dir=c
	for f in catalog customers events ratings; do
		cmp "a/$f.ndjson" "b/$f.ndjson"
	done
	! cmp -s a/events.ndjson c/events.ndjson
}

@test "shopgen: writes the documented catalog, customers, events and ratings lines" {
	shopgen --seed=1 --customers=300 --per-category=5 --out-dir=s
	[ "$(wc -l <s/catalog.ndjson)" -eq 60 ]
	[ "$(wc -l <s/customers.ndjson)" -eq 300 ]
	jq -e 'select((.item|type) != "string" or (.title|type) != "string" or (.price|type) != "number"
		or (.in_stock|type) != "boolean" or (.url|startswith("https://")|not))' s/catalog.ndjson && false
	jq -e 'select((.email|test("^[a-z0-9.]+@example\\.com$")|not) or (.locale|type) != "string")' \
		s/customers.ndjson && false
	jq -e 'select((.event|IN("view","cart","purchase")|not) or .qty < 1 or (.ts|type) != "number")' \
		s/events.ndjson && false
	jq -e 'select(.rating < 1 or .rating > 5)' s/ratings.ndjson && false
	# events are in time order, and some customers have non-ASCII names
	jq -r .ts s/events.ndjson | sort -c -n
	LC_ALL=C grep -q -P '"name":"[^"]*[\x80-\xff]' s/customers.ndjson
}

@test "shopgen: collaborative filtering beats popularity on the shop (evaluate, recall@10)" {
	shopgen --seed=1 --customers=1500 --out-dir=s
	ratings2mat --implicit --weights=view=1,cart=3,purchase=5 -o all.st s/events.ndjson
	ratings2mat --implicit --weights=purchase=1 --drop=all -o buy.st s/events.ndjson 2>/dev/null
	splitdata --before=2026-09-01 --train=train.st --test=/dev/null all.st
	splitdata --before=2026-09-01 --train=/dev/null --test=test.st buy.st
	svdtrain --algo=ials --factors=16 --epochs=10 --alpha=10 -o m.st <train.st
	cf=$(topk --model=m.st --seen=train.st --all -n 10 | evaluate --test=test.st | jq .recall)
	pop=$(popular --ratings=train.st --seen=train.st --all -n 10 | evaluate --test=test.st | jq .recall)
	echo "ials recall@10 $cf, popular $pop"
	awk -v a="$cf" -v b="$pop" 'BEGIN { exit !(a > 1.4 * b) }'
}

@test "shopgen: bad options are usage errors" {
	run shopgen --customers=0 --out-dir=x
	[ "$status" -eq 64 ]
	run shopgen
	[ "$status" -eq 64 ]
	[[ "$output" == *"--out-dir is required"* ]]
	run shopgen --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"example:"* ]]
}

@test "shopgen: --new-products adds products with no history and leaves the rest byte for byte" {
	shopgen --seed 3 --customers 50 --out-dir a
	shopgen --seed 3 --customers 50 --new-products 13 --out-dir b
	cmp a/events.ndjson b/events.ndjson
	cmp a/customers.ndjson b/customers.ndjson
	[ "$(wc -l <b/catalog.ndjson)" -eq $(($(wc -l <a/catalog.ndjson) + 13)) ]
	head -n "$(wc -l <a/catalog.ndjson)" b/catalog.ndjson | cmp - a/catalog.ndjson
	tail -n 13 b/catalog.ndjson | jq -r .item >new.txt
	[ "$(head -1 new.txt)" = sku0301 ]
	[ "$(jq -r .item b/events.ndjson b/ratings.ndjson | grep -cxFf new.txt)" -eq 0 ]
	[ "$(tail -n 13 b/catalog.ndjson | jq -r .category | sort -u | wc -l)" -eq 12 ]
	run shopgen --new-products -1 --out-dir c
	[ "$status" -eq 64 ]
}
