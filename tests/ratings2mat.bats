#!/usr/bin/env bats
# ratings2mat: interactions (NDJSON, CSV, TSV, '::') to the ratings container

load helpers

setup() { setup_scratch; }

# triples FILE: "user item value" lines of a container, sorted (via matinfo --dump and jq)
triples() {
	matinfo --dump "$1" | jq -r '.user as $u | .items | to_entries[] | "\($u) \(.key) \(.value)"' | sort
}

# meta FILE KEY: a field of matinfo --json
meta() {
	matinfo --json "$1" | jq -r ".$2"
}

@test "ratings2mat: reads NDJSON ratings from stdin and writes a container to stdout" {
	printf '%s\n' '{"user":"c1","item":"sku9","rating":4,"ts":1700000000}' \
		'{"user":"c2","item":"sku9","rating":5,"ts":1700000001}' \
		'{"user":"c1","item":"sku3","rating":2.5,"ts":1700000002}' > in.ndjson
	run_both sh -c 'ratings2mat < in.ndjson > out.st' || true
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(matinfo --json out.st | jq -c '[.kind,.rows,.cols,.nnz,.feedback,.timestamps]')" = '["ratings",2,2,3,"explicit",true]' ]
	[ "$(triples out.st)" = "$(printf 'c1 sku3 2.5\nc1 sku9 4\nc2 sku9 5')" ]
}

@test "ratings2mat: round trip NDJSON -> container -> matinfo --dump keeps every (user, item, value)" {
	for u in 1 2 3 4 5 6 7; do for i in 1 3 5 8 13; do
		echo "{\"user\":\"u$u\",\"item\":\"i$((u * i % 11))\",\"rating\":$(( (u + i) % 5 + 1 )).5}"
	done; done | awk '!seen[$0 ~ /./ ? substr($0, 1, index($0, "rating")) : ""]++' > in.ndjson
	ratings2mat --no-ts in.ndjson > out.st
	jq -r '"\(.user) \(.item) \(.rating)"' in.ndjson | sort > want
	triples out.st > got
	diff want got
}

@test "ratings2mat: reads headerless TSV with --columns" {
	printf '196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t302\t4\t881250950\n' > u.data
	ratings2mat --format=tsv --columns=user,item,rating,ts -o out.st u.data
	[ "$(meta out.st 'rows,.cols,.nnz' | tr '\n' ' ')" = "2 2 3 " ]
	[ "$(triples out.st)" = "$(printf '186 302 3\n196 242 3\n196 302 4')" ]
}

@test "ratings2mat: --columns can ignore a column with -" {
	printf '1\tA\t4\tjunk\n' | ratings2mat --format=tsv --columns=user,item,rating,- > out.st
	[ "$(meta out.st timestamps)" = false ]
	[ "$(triples out.st)" = "1 A 4" ]
}

@test "ratings2mat: reads '::'-separated MovieLens ratings.dat" {
	printf '1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n' > ratings.dat
	ratings2mat --preset=movielens ratings.dat > out.st
	[ "$(meta out.st 'rows,.cols,.nnz' | tr '\n' ' ')" = "2 2 3 " ]
	[ "$(triples out.st | head -1)" = "1 1193 5" ]
}

@test "ratings2mat: reads CSV with a header, RFC 4180 quotes and a quoted field across lines" {
	{
		echo 'who,what,stars,note'
		echo 'c1,"sku,9",4,"said ""great"""'
		printf 'c2,sku3,5,"two\nlines"\n'
		echo 'c3,"sku3",1,plain'
	} > in.csv
	ratings2mat --user-col=who --item-col=what --rating-col=stars in.csv > out.st
	[ "$(triples out.st)" = "$(printf 'c1 sku,9 4\nc2 sku3 5\nc3 sku3 1')" ]
}

@test "ratings2mat: header names match case-insensitively when no exact match" {
	printf 'User,Item,Rating\nc1,i1,3\n' | ratings2mat > out.st
	[ "$(triples out.st)" = "c1 i1 3" ]
}

@test "ratings2mat: --format=auto sniffs NDJSON, TSV, '::' and CSV" {
	echo '{"user":"a","item":"b","rating":1}' > a.ndjson
	printf 'user\titem\trating\na\tb\t2\n' > a.tsv
	printf 'user::item::rating\na::b::3\n' > a.dat
	printf 'user,item,rating\na,b,4\n' > a.csv
	for f in a.ndjson a.tsv a.dat a.csv; do ratings2mat "$f" > "$f.st"; done
	[ "$(triples a.ndjson.st)" = "a b 1" ]
	[ "$(triples a.tsv.st)" = "a b 2" ]
	[ "$(triples a.dat.st)" = "a b 3" ]
	[ "$(triples a.csv.st)" = "a b 4" ]
}

@test "ratings2mat: a UTF-8 byte order mark is skipped alike in NDJSON and CSV, sniffed or not" {
	printf '\xef\xbb\xbf{"user":"a","item":"b","rating":1}\n' > bom.ndjson
	printf '\xef\xbb\xbfuser,item,rating\na,b,4\n' > bom.csv
	for f in bom.ndjson bom.csv; do ratings2mat "$f" > "$f.st"; done
	[ "$(triples bom.ndjson.st)" = "a b 1" ]
	[ "$(triples bom.csv.st)" = "a b 4" ]
	ratings2mat --format=ndjson < bom.ndjson > stdin.st
	[ "$(triples stdin.st)" = "a b 1" ]
	# only at the very start: a BOM on a later line is data, and bad JSON there
	printf '{"user":"a","item":"b","rating":1}\n\xef\xbb\xbf{"user":"c","item":"b","rating":1}\n' > mid.ndjson
	run ratings2mat mid.ndjson
	[ "$status" -eq 65 ]
	[[ "$output" == *"mid.ndjson:2: invalid JSON"* ]]
}

@test "ratings2mat: reads several files and - for stdin, in order" {
	echo '{"user":"a","item":"x","rating":1}' > one.ndjson
	echo '{"user":"a","item":"x","rating":2}' > three.ndjson
	echo '{"user":"b","item":"y","rating":3}' | ratings2mat one.ndjson - three.ndjson > out.st
	[ "$(triples out.st)" = "$(printf 'a x 2\nb y 3')" ]
	[ "$(meta out.st metadata.source)" = "one.ndjson,-,three.ndjson" ]
}

@test "ratings2mat: ids are kept byte for byte (UTF-8, spaces)" {
	echo '{"user":"Zoë Müller","item":"ü  x","rating":1}' | ratings2mat > out.st
	[ "$(matinfo --dump out.st)" = '{"user":"Zoë Müller","items":{"ü  x":1.0}}' ]
}

@test "ratings2mat: duplicates keep the last rating by default" {
	printf '%s\n' '{"user":"a","item":"x","rating":1}' '{"user":"a","item":"x","rating":5}' \
		'{"user":"a","item":"x","rating":3}' > in.ndjson
	[ "$(ratings2mat in.ndjson | matinfo --dump -)" = '{"user":"a","items":{"x":3.0}}' ]
	[ "$(ratings2mat --dup=sum in.ndjson | matinfo --dump -)" = '{"user":"a","items":{"x":9.0}}' ]
	[ "$(ratings2mat --dup=max in.ndjson | matinfo --dump -)" = '{"user":"a","items":{"x":5.0}}' ]
	[ "$(ratings2mat --dup=mean in.ndjson | matinfo --dump -)" = '{"user":"a","items":{"x":3.0}}' ]
	[ "$(ratings2mat in.ndjson | matinfo --json - | jq -r .metadata.dup)" = last ]
}

@test "ratings2mat: with timestamps, last means the latest one, ties by input order" {
	printf '%s\n' '{"user":"a","item":"x","rating":1,"ts":300}' \
		'{"user":"a","item":"x","rating":2,"ts":100}' \
		'{"user":"a","item":"y","rating":3,"ts":"2020-01-01 00:00"}' \
		'{"user":"a","item":"y","rating":4,"ts":1577836800}' > in.ndjson
	[ "$(ratings2mat in.ndjson | matinfo --dump -)" = '{"user":"a","items":{"x":1.0,"y":4.0},"ts":{"x":300,"y":1577836800}}' ]
}

@test "ratings2mat: --implicit weighs events by --weights and sums duplicates by default" {
	printf '%s\n' '{"user":"a","item":"x","event":"view"}' '{"user":"a","item":"x","event":"purchase","qty":2}' \
		'{"user":"b","item":"x","event":"cart"}' > in.ndjson
	ratings2mat --implicit --weights=view=1,click=2,cart=3,purchase=5 in.ndjson > out.st
	[ "$(triples out.st)" = "$(printf 'a x 6\nb x 3')" ]
	[ "$(meta out.st feedback)" = implicit ]
	ratings2mat --implicit --weights=view=1,click=2,cart=3,purchase=5 --times-qty in.ndjson > q.st
	[ "$(triples q.st)" = "$(printf 'a x 11\nb x 3')" ]
}

@test "ratings2mat: --implicit without weights counts each event once" {
	printf '%s\n' '{"user":"a","item":"x"}' '{"user":"a","item":"x"}' '{"user":"a","item":"y"}' |
		ratings2mat --implicit > out.st
	[ "$(triples out.st)" = "$(printf 'a x 2\na y 1')" ]
}

@test "ratings2mat: an event not in --weights is a bad line unless --drop=unknown-event" {
	printf '%s\n' '{"user":"a","item":"x","event":"view"}' '{"user":"a","item":"y","event":"hover"}' > in.ndjson
	run_both ratings2mat --implicit --weights=view=1 in.ndjson || true
	[ "$status" -eq 65 ]
	[[ "$stderr" == "ratings2mat: in.ndjson:2: event not in --weights"* ]]
	run_both ratings2mat --implicit --weights=view=1 --drop=unknown-event -o out.st in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$stderr" = "ratings2mat: dropped 1 rows: 1 unknown-event" ]
	[ "$(triples out.st)" = "a x 1" ]
}

@test "ratings2mat: empty ids are dropped and counted by default, an error with --drop=none" {
	printf 'user,item,rating\nc1,i1,4\n,i2,3\nc2,,1\nc3,i3,2\n' > in.csv
	run_both ratings2mat -o out.st in.csv || true
	[ "$status" -eq 0 ]
	[ "$stderr" = "ratings2mat: dropped 2 rows: 2 empty-id" ]
	[ "$(meta out.st nnz)" = 2 ]
	run_both ratings2mat --drop=none -o out2.st in.csv || true
	[ "$status" -eq 65 ]
	[[ "$stderr" == "ratings2mat: in.csv:3: empty user"* ]]
	[ ! -e out2.st ]
}

@test "ratings2mat: cancellations and non-positive quantities are dropped and counted" {
	{
		echo 'InvoiceNo,StockCode,Quantity,InvoiceDate,CustomerID'
		echo '536365,85123A,6,2010-12-01 08:26:00,17850.0'
		echo 'C536379,D,-1,2010-12-01 09:41:00,14527.0'
		echo '536366,22633,0,2010-12-01 08:28:00,17850.0'
		echo '536367,84879,32,2010-12-01 08:34:00,'
		echo '536368,85123A,2,2010-12-01 08:35:00,17850.0'
	} > retail.csv
	run_both ratings2mat --preset=online-retail --stats -o out.st retail.csv || true
	[ "$status" -eq 0 ]
	grep -qx $'dropped_cancelled\t1' <<<"$stderr"
	grep -qx $'dropped_nonpositive-qty\t1' <<<"$stderr"
	grep -qx $'dropped_empty-id\t1' <<<"$stderr"
	[ "$(triples out.st)" = "17850.0 85123A 2" ]
	[ "$(matinfo --dump out.st | jq -c .ts)" = '{"85123A":1291192500}' ]
}

@test "ratings2mat: --drop=none makes a cancellation a bad line" {
	printf 'InvoiceNo,StockCode,Quantity,InvoiceDate,CustomerID\nC1,A,-1,2010-12-01 09:41:00,1.0\n' > r.csv
	run_both ratings2mat --preset=online-retail --drop=none r.csv || true
	[ "$status" -eq 65 ]
	[[ "$stderr" == "ratings2mat: r.csv:2: cancelled invoice"* ]]
}

@test "ratings2mat: --no-ts writes no timestamps tensor" {
	echo '{"user":"a","item":"x","rating":1,"ts":5}' | ratings2mat --no-ts > out.st
	[ "$(meta out.st 'tensors|has("timestamps")')" = false ]
	echo '{"user":"a","item":"x","rating":1,"ts":5}' | ratings2mat > ts.st
	[ "$(meta ts.st 'tensors.timestamps.dtype')" = I64 ]
}

@test "ratings2mat: timestamps on some lines only is a bad line naming the first" {
	printf '%s\n' '{"user":"a","item":"x","rating":1,"ts":5}' '{"user":"a","item":"y","rating":1}' > in.ndjson
	run_both ratings2mat in.ndjson || true
	[ "$status" -eq 65 ]
	[ "$stderr" = 'ratings2mat: in.ndjson:2: missing "ts" (in.ndjson:1 had one; --no-ts ignores timestamps)' ]
}

@test "ratings2mat: k-core filtering is iterated until stable" {
	printf '%s\n' a,x a,y b,x b,y c,x c,z d,z | sed 's/$/,1/' | sed '1i user,item,rating' > in.csv
	ratings2mat --min-user-interactions=2 --min-item-interactions=2 --stats -o out.st in.csv 2> stats
	[ "$(triples out.st)" = "$(printf 'a x 1\na y 1\nb x 1\nb y 1')" ]
	grep -q $'^kcore_removed\t2 users, 1 items, 3 non-zeros' stats
	[ "$(meta out.st metadata.kcore)" = "2,2" ]
}

@test "ratings2mat: k-core filtering that leaves nothing is an error" {
	printf 'user,item,rating\na,x,1\n' > in.csv
	run_both ratings2mat --min-user-interactions=2 in.csv || true
	[ "$status" -eq 65 ]
	[[ "$stderr" == "ratings2mat: no interactions left after k-core filtering"* ]]
	[ -z "$output" ]
}

@test "ratings2mat: --stats reports users, items, density, histogram and drops on stderr only" {
	printf 'user,item,rating\na,x,1\na,y,5\nb,x,5\n,z,2\n' > in.csv
	run_both ratings2mat --stats -o out.st in.csv || true
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	grep -qx $'users\t2' <<<"$stderr"
	grep -qx $'items\t2' <<<"$stderr"
	grep -qx $'nonzeros\t3' <<<"$stderr"
	grep -qx $'density\t0.75' <<<"$stderr"
	grep -qx $'histogram\t5\t2' <<<"$stderr"
	grep -qx $'histogram\t1\t1' <<<"$stderr"
	grep -qx $'dropped_empty-id\t1' <<<"$stderr"
}

# bad input: every case stops at the first bad line with FILE:LINE, exit 65, no output
bad_case() {
	local name=$1 want=$2; shift 2
	run_both ratings2mat -o out.st "$@" "$name" || true
	if [ "$status" -ne 65 ] || [[ "$stderr" != "ratings2mat: "*"$want"* ]] || [ -e out.st ]; then
		echo "status $status, stderr: $stderr" >&2
		return 1
	fi
	ls -A | grep -q 'out.st.tmp' && { echo "temporary file left" >&2; return 1; }
	return 0
}

@test "ratings2mat: malformed JSON stops at its line with exit 65 and no output" {
	printf '%s\n' '{"user":"a","item":"x","rating":1}' '{"user":"a","item":' > in.ndjson
	bad_case in.ndjson "in.ndjson:2: invalid JSON"
}

@test "ratings2mat: a JSON line that is not an object, or has duplicate keys, is bad" {
	echo '[1,2]' > arr.ndjson
	bad_case arr.ndjson "arr.ndjson:1: expected a JSON object"
	echo '{"user":"a","user":"b","item":"x","rating":1}' > dup.ndjson
	bad_case dup.ndjson "dup.ndjson:1: invalid JSON: duplicate object key"
}

@test "ratings2mat: a missing or non-string id is bad" {
	echo '{"item":"x","rating":1}' > nouser.ndjson
	bad_case nouser.ndjson 'nouser.ndjson:1: missing "user"'
	echo '{"user":7,"item":"x","rating":1}' > num.ndjson
	bad_case num.ndjson '"user" is a number, expected a string'
	echo '{"user":"a","item":null,"rating":1}' > null.ndjson
	bad_case null.ndjson 'missing "item"'
}

@test "ratings2mat: a non-numeric, NaN or infinite rating is bad" {
	echo '{"user":"a","item":"x","rating":"4"}' > str.ndjson
	bad_case str.ndjson 'str.ndjson:1: "rating" is not a number'
	printf 'user,item,rating\na,x,abc\n' > abc.csv
	bad_case abc.csv "abc.csv:2: \"rating\" is not a number: 'abc'"
	printf 'user,item,rating\na,x,nan\n' > nan.csv
	bad_case nan.csv '"rating" is not a number'
	printf 'user,item,rating\na,x,inf\n' > inf.csv
	bad_case inf.csv '"rating" is not a number'
	printf 'user,item,rating\na,x,1e999\n' > big.csv
	bad_case big.csv '"rating" is not a finite float'
	printf 'user,item,rating\na,x,1e39\n' > flt.csv
	bad_case flt.csv '"rating" is not a finite float'
	echo '{"user":"a","item":"x"}' > none.ndjson
	bad_case none.ndjson 'missing "rating"'
}

@test "ratings2mat: a wrong number of columns is bad" {
	printf 'user\titem\trating\na\tx\t1\nb\ty\n' > in.tsv
	bad_case in.tsv "in.tsv:3: 2 fields, expected 3"
}

@test "ratings2mat: an unterminated quote is bad at the line where it opens" {
	printf 'user,item,rating\na,x,1\nb,"y,2\nc,z,3\n' > in.csv
	bad_case in.csv "in.csv:3: unterminated quoted field"
}

@test "ratings2mat: a line longer than --max-line is bad" {
	{ echo '{"user":"a","item":"x","rating":1}'; printf '{"user":"%0200d","item":"x","rating":1}\n' 0; } > in.ndjson
	bad_case in.ndjson "in.ndjson:2: line longer than 100 bytes" --max-line=100
}

@test "ratings2mat: a bad timestamp is bad" {
	echo '{"user":"a","item":"x","rating":1,"ts":"2011-02-30 10:00"}' > in.ndjson
	bad_case in.ndjson '"ts" is not unix seconds or a YYYY-MM-DD[ T]HH:MM[:SS] date'
	echo '{"user":"a","item":"x","rating":1,"ts":1.5}' > frac.ndjson
	bad_case frac.ndjson '"ts" is not whole unix seconds'
}

@test "ratings2mat: an id that is not valid UTF-8 is bad" {
	printf 'user,item,rating\n\xff\xfe,x,1\n' > in.csv
	bad_case in.csv 'in.csv:2: "user" is not valid UTF-8 text'
}

@test "ratings2mat: a header without the needed columns is an error naming the column" {
	printf 'who,what\na,b\n' > in.csv
	run_both ratings2mat in.csv || true
	[ "$status" -eq 65 ]
	[[ "$stderr" == "ratings2mat: in.csv:1: header: no column 'user'"* ]]
	printf 'user,item\na,b\n' > nr.csv
	run_both ratings2mat nr.csv || true
	[[ "$stderr" == *"no column 'rating' (name it with --rating-col, or use --implicit)" ]]
	run_both ratings2mat --ts-col=when nr.csv --implicit || true
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"no column 'when'" ]]
}

@test "ratings2mat: --skip-bad lists every rejected line as NDJSON and keeps going" {
	printf '%s\n' '{"user":"a","item":"x","rating":1}' 'not json' '{"user":"b","item":"x","rating":"NaN"}' \
		'{"user":"c","item":"y","rating":2}' '[]' > in.ndjson
	run_both ratings2mat --skip-bad=bad.ndjson -o out.st in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$stderr" = "ratings2mat: skipped 3 bad lines (listed in bad.ndjson)" ]
	[ "$(meta out.st nnz)" = 2 ]
	[ "$(jq -c '[.file,.line]' bad.ndjson | tr '\n' ' ')" = '["in.ndjson",2] ["in.ndjson",3] ["in.ndjson",5] ' ]
	[ "$(jq -r .text bad.ndjson | sed -n 1p)" = "not json" ]
	[[ "$(jq -r .reason bad.ndjson | sed -n 2p)" == '"rating" is not a number'* ]]
}

@test "ratings2mat: --skip-bad records unterminated quotes and over-long lines too" {
	printf 'user,item,rating\n%s\na,x,1\nb,"y,2\n' "$(printf 'q,%0300d,1' 0)" > in.csv
	run_both ratings2mat --skip-bad=bad.ndjson --max-line=100 -o out.st in.csv || true
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.line,.reason]' bad.ndjson | tr '\n' ' ')" = '[2,"line longer than 100 bytes"] [4,"unterminated quoted field"] ' ]
	[ "$(meta out.st nnz)" = 1 ]
}

@test "ratings2mat: --skip-bad text of invalid UTF-8 stays valid JSON" {
	printf 'user,item,rating\na,x,1\n\xff,y,oops\n' > in.csv
	ratings2mat --skip-bad=bad.ndjson -o out.st in.csv 2>/dev/null
	[ "$(jq -r .text bad.ndjson)" = "?,y,oops" ]
}

@test "ratings2mat: empty input is an error, not an empty matrix" {
	: > empty.ndjson
	run_both ratings2mat -o out.st empty.ndjson || true
	[ "$status" -eq 65 ]
	[ "$stderr" = "ratings2mat: no interactions in the input" ]
	[ ! -e out.st ]
	printf '\n\n' > blank.ndjson
	run_both ratings2mat blank.ndjson || true
	[ "$status" -eq 65 ]
	printf 'user,item,rating\n' > header-only.csv
	run_both ratings2mat header-only.csv || true
	[ "$status" -eq 65 ]
}

@test "ratings2mat: all lines skipped as bad is still an error" {
	echo 'nope' > in.ndjson
	run_both ratings2mat --format=ndjson --skip-bad=bad.ndjson in.ndjson || true
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"every record was dropped or bad"* ]]
	[ "$(jq -c '[.line,.text]' bad.ndjson)" = '[1,"nope"]' ]
}

@test "ratings2mat: -o writes the file atomically and nothing to stdout" {
	echo '{"user":"a","item":"x","rating":1}' > in.ndjson
	run_both ratings2mat -o out.st in.ndjson || true
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(meta out.st nnz)" = 1 ]
	[ "$(ls -A | sort | tr '\n' ' ')" = "in.ndjson out.st " ]
}

@test "ratings2mat: a missing input file exits 66" {
	run_both ratings2mat no-such-file.ndjson || true
	[ "$status" -eq 66 ]
	[[ "$stderr" == "ratings2mat: no-such-file.ndjson: No such file or directory" ]]
}

@test "ratings2mat: an output that cannot be created exits 73" {
	echo '{"user":"a","item":"x","rating":1}' > in.ndjson
	run_both ratings2mat -o no/such/dir/out.st in.ndjson || true
	[ "$status" -eq 73 ]
}

@test "ratings2mat: bad options are usage errors (exit 64)" {
	for args in "--dup=first" "--format=xml" "--min-user-interactions=abc" "--max-line=0" \
		"--weights=view" "--weights=view=1" "--times-qty" "--drop=bogus" "--preset=netflix" \
		"--columns=user,,item" "--skip-bad=-" "--bogus"; do
		run_both ratings2mat $args || true
		[ "$status" -eq 64 ] || { echo "$args: $status" >&2; return 1; }
		[[ "$stderr" == ratings2mat:* ]]
	done
}

@test "ratings2mat: --help lists every option on stdout and --version names the program" {
	run_both ratings2mat --help || true
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: ratings2mat"* ]]
	for o in --output --format --delimiter --columns --user-col --item-col --rating-col --ts-col \
		--event-col --qty-col --invoice-col --cancel-prefix --preset --implicit --weights --times-qty \
		--dup --drop --no-ts --min-user-interactions --min-item-interactions --skip-bad --max-line \
		--stats --progress --version Example; do
		[[ "$output" == *"$o"* ]] || { echo "missing $o" >&2; return 1; }
	done
	run_both ratings2mat --version || true
	[ "$status" -eq 0 ]
	[[ "$output" == "ratings2mat (recmail) "* ]]
}

@test "ratings2mat: --progress writes progress to stderr only" {
	echo '{"user":"a","item":"x","rating":1}' > in.ndjson
	run_both ratings2mat --progress -o out.st in.ndjson || true
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "ratings2mat: a user-defined delimiter" {
	printf 'user;item;rating\na;x;2\n' | ratings2mat --format=csv --delimiter=';' > out.st
	[ "$(triples out.st)" = "a x 2" ]
}

@test "ratings2mat: MovieLens 100K gives 943 users, 1682 items, 100000 ratings" {
	skip_unless_data ml-100k/u.data
	ratings2mat --format=tsv --columns=user,item,rating,ts -o ml.st "$SHARED_DATA/ml-100k/u.data"
	[ "$(matinfo --json ml.st | jq -c '[.rows,.cols,.nnz,.metadata.value_min,.metadata.value_max]')" = '[943,1682,100000,"1","5"]' ]
	# the published rating counts 1:6110 2:11370 3:27145 4:34174 5:21201
	ratings2mat --preset=movielens --stats -o /dev/null "$SHARED_DATA/ml-100k/u.data" 2> stats || true
	[ "$(grep '^histogram' stats | cut -f3 | tr '\n' ' ')" = "6110 11370 27145 34174 21201 " ]
}

@test "ratings2mat: the online-retail preset drops empty customers and cancellations, as documented" {
	skip_unless_data online-retail/online_retail.csv
	run_both ratings2mat --preset=online-retail -o or.st "$SHARED_DATA/online-retail/online_retail.csv" || true
	[ "$status" -eq 0 ]
	[ "$stderr" = "ratings2mat: dropped 143985 rows: 135080 empty-id 8905 cancelled" ]
	[ "$(matinfo --json or.st | jq -c '[.rows,.cols,.nnz,.feedback,.timestamps]')" = '[4339,3665,266802,"implicit",true]' ]
}

@test "ratings2mat: numbers with more digits than a double holds are judged by jansson (fuzz regression)" {
	echo '{"user":"a","item":"x","rating":66666666666666666666}' > big.ndjson
	run_both ratings2mat big.ndjson || true
	[ "$status" -eq 65 ]
	[[ "$stderr" == "ratings2mat: big.ndjson:1: invalid JSON: too big integer"* ]]
	echo '{"user":"a","item":"x","rating":1234567890123456.5,"ts":1700000000}' > long.ndjson
	ratings2mat long.ndjson > out.st
	[ "$(matinfo --json out.st | jq -r .metadata.value_max)" = "1.23456795e+15" ]
}
