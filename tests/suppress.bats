#!/usr/bin/env bats
# tests/suppress.bats - the suppression list program: hashed additions, migration, matching

load helpers

setup() {
	setup_scratch
	export RECMAIL_SUPPRESS_KEY=test-suppress-key-0123456789
	unset RECMAIL_SUPPRESS_KEY_FILE
	export SOURCE_DATE_EPOCH=1764000000
	cat >customers.ndjson <<-'X'
	{"user":"c1","name":"Zoë Müller","email":"zoe@example.com"}
	{"user":"c2","name":"Ann Smith","email":"ann@example.com"}
	{"user":"c3","name":"No Mail"}
	X
}

@test "suppress: --add appends the address's keyed hash, never the address" {
	run suppress --list=list.ndjson --add=Zoe@Example.COM --reason=unsubscribe
	[ "$status" -eq 0 ] && [ "$output" = "" ]
	want=$(printf 'zoe@example.com' | openssl dgst -sha256 -hmac "$RECMAIL_SUPPRESS_KEY" | awk '{print $NF}')
	[ "$(cat list.ndjson)" = "{\"email_hmac\":\"$want\",\"reason\":\"unsubscribe\",\"ts\":1764000000}" ]
	[ "$(stat -c %a list.ndjson)" = 600 ]
	run suppress --list=list.ndjson --match customers.ndjson
	[ "$status" -eq 0 ]
	[ "$output" = '{"user":"c1","name":"Zoë Müller","email":"zoe@example.com"}' ]
}

@test "suppress: --match honours plain lines of the old format and hashed lines together" {
	echo '{"email":"ANN@example.com","reason":"bounce"}' >list.ndjson
	suppress --list=list.ndjson --add=zoe@example.com
	run suppress --list=list.ndjson --match <customers.ndjson
	[ "$status" -eq 0 ]
	[ "$(jq -r .user <<<"$output" | tr '\n' ' ')" = "c1 c2 " ]
}

@test "suppress: --migrate replaces every plain address by its hash and keeps reason and ts" {
	printf '%s\n' '{"email":"ANN@example.com","reason":"bounce","ts":5}' \
		'{"email":"zoe@example.com","reason":"unsubscribe","ts":6}' >list.ndjson
	suppress --list=list.ndjson --add=new@example.com
	run suppress --list=list.ndjson --migrate
	[ "$status" -eq 0 ]
	[ "$output" = "suppress: list.ndjson: 3 lines, 2 plain addresses replaced by their hash" ]
	! grep -q @ list.ndjson
	[ "$(jq -c '[.reason, .ts]' list.ndjson | tr '\n' ' ')" = '["bounce",5] ["unsubscribe",6] ["manual",1764000000] ' ]
	run suppress --list=list.ndjson --match customers.ndjson
	[ "$(jq -r .user <<<"$output" | tr '\n' ' ')" = "c1 c2 " ]
	# migrating again changes nothing
	cp list.ndjson before
	run suppress --list=list.ndjson --migrate
	[ "$output" = "suppress: list.ndjson: 3 lines, 0 plain addresses replaced by their hash" ]
	cmp before list.ndjson
}

@test "suppress: the key can come from --key-file or RECMAIL_SUPPRESS_KEY_FILE" {
	printf '%s\n' "$RECMAIL_SUPPRESS_KEY" >key
	unset RECMAIL_SUPPRESS_KEY
	suppress --list=list.ndjson --key-file=key --add=zoe@example.com
	RECMAIL_SUPPRESS_KEY_FILE=key run suppress --list=list.ndjson --match customers.ndjson
	[ "$(jq -r .user <<<"$output")" = c1 ]
}

@test "suppress: a hashed list without its key is a usage error, not an empty list" {
	suppress --list=list.ndjson --add=zoe@example.com
	unset RECMAIL_SUPPRESS_KEY
	run suppress --list=list.ndjson --match customers.ndjson
	[ "$status" -eq 64 ]
	[[ "$output" == *"suppress: list.ndjson: holds hashed addresses: set RECMAIL_SUPPRESS_KEY or RECMAIL_SUPPRESS_KEY_FILE"* ]]
	run suppress --list=list.ndjson --add=a@example.com
	[ "$status" -eq 64 ]
	RECMAIL_SUPPRESS_KEY=short run suppress --list=list.ndjson --add=a@example.com
	[ "$status" -eq 64 ]
	[[ "$output" == *"RECMAIL_SUPPRESS_KEY: the suppression key must be 16 to 1024 bytes (it is 5)"* ]]
}

@test "suppress: a bad line of the list or of the customers names its file and line, exit 65" {
	printf '%s\n' '{"email":"a@example.com"}' '{"mail":"x"}' >list.ndjson
	run suppress --list=list.ndjson --match customers.ndjson
	[ "$status" -eq 65 ]
	[ "$output" = 'suppress: list.ndjson:2: missing "email" or "email_hmac"' ]
	echo '{"email_hmac":"xyz"}' >list.ndjson
	run suppress --list=list.ndjson --migrate
	[ "$status" -eq 65 ]
	[ "$output" = 'suppress: list.ndjson:1: "email_hmac" is not 64 lowercase hex digits' ]
	[ "$(cat list.ndjson)" = '{"email_hmac":"xyz"}' ]
	: >list.ndjson
	printf '{"user":"c1"}\nnot json\n' >bad.ndjson
	run suppress --list=list.ndjson --match bad.ndjson
	[ "$status" -eq 65 ]
	[[ "$output" == "suppress: bad.ndjson:2: "* ]]
}

@test "suppress: bad options exit 64; a missing input exits 66" {
	run suppress --add=a@example.com
	[ "$status" -eq 64 ]
	run suppress --list=l --add=a@example.com --migrate
	[ "$status" -eq 64 ]
	run suppress --list=l --add=a@example.com --reason=because
	[ "$status" -eq 64 ]
	run suppress --list=l --bogus
	[ "$status" -eq 64 ]
	run suppress --list=/nonexistent/list --match customers.ndjson
	[ "$status" -eq 66 ]
	: >l
	run suppress --list=l --match /nonexistent/customers
	[ "$status" -eq 66 ]
}

@test "suppress: --help prints usage with every option and an example; --version" {
	run suppress --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:\ suppress* ]]
	for opt in --list --add --reason --migrate --match --output --key-file --help --version Example; do
		[[ "$output" == *"$opt"* ]]
	done
	run suppress --version
	[ "$status" -eq 0 ]
	[[ "$output" == "suppress (recmail) "* ]]
}
