#!/usr/bin/env bats
# tests/spamcheck.bats - pipelines/spamcheck: SpamAssassin scores of the example campaign's emails

load helpers

setup_file() {
	export LC_ALL=C
	# the example campaign on a smaller shop, offline writer, every language
	SHOP="$BATS_FILE_TMPDIR/shop"
	example_campaign "$SHOP" 400 spam1
	export SHOP
}

setup() {
	setup_scratch
}

@test "spamcheck: usage errors and a missing outbox have their documented statuses" {
	run "$RECMAIL_ROOT/pipelines/spamcheck"
	[ "$status" -eq 64 ]
	run "$RECMAIL_ROOT/pipelines/spamcheck" --per x "$SHOP/runs/spam1/outbox"
	[ "$status" -eq 64 ]
	run "$RECMAIL_ROOT/pipelines/spamcheck" "$TMP/none"
	[ "$status" -eq 66 ]
	run "$RECMAIL_ROOT/pipelines/spamcheck" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage: pipelines/spamcheck"* ]]
}

@test "spamcheck: the example campaign scores a median of at most 0.5 and none above 2.0, in every language" {
	if ! command -v spamassassin >/dev/null; then
		skip "spamassassin is not installed (scripts/install-deps installs it)"
	fi
	run_both "$RECMAIL_ROOT/pipelines/spamcheck" --per 3 --out scores.ndjson "$SHOP/runs/spam1/outbox"
	[ "$status" -eq 0 ]
	echo "${stderr:-}"
	# every language and arm of the outbox is in the sample
	langs=$(jq -r '.lang' scores.ndjson | sort -u | tr '\n' ' ')
	[ "$langs" = "da-DK de-DE en-GB es-ES fr-FR pl-PL " ]
	[ "$(jq -r '.variant' scores.ndjson | sort -u | tr '\n' ' ')" = "template " ]
	n=$(wc -l <scores.ndjson)
	[ "$n" -ge 18 ]
	# per language: median <= 0.5 and max <= 2.0
	jq -s -e 'group_by(.lang) | all(map(.score) | sort | (.[length / 2 | floor] <= 0.5) and (max <= 2.0))' scores.ndjson
	# the two rules the hidden preheader used to hit are gone
	run ! jq -e 'select(.rules | index("HTML_FONT_LOW_CONTRAST") or index("FONT_INVIS_MSGID"))' scores.ndjson
	[[ "$stderr" == *"spamcheck: $n messages, median "* ]]
}

@test "spamcheck: the preheader style used before (color:transparent) scores higher: the check can fail" {
	if ! command -v spamassassin >/dev/null; then
		skip "spamassassin is not installed (scripts/install-deps installs it)"
	fi
	sed 's/display:none;max-height:0;max-width:0;opacity:0;overflow:hidden;mso-hide:all;/display:none;max-height:0;overflow:hidden;opacity:0;color:transparent;/' \
		"$RECMAIL_ROOT/share/mail/email.html" >old.html
	grep -q 'color:transparent;' old.html
	mkdir bad
	head -n 3 "$SHOP/runs/spam1/replies.ndjson" | RECMAIL_UNSUB_KEY=0123456789abcdef0123 mailfmt \
		--from 'Example Shop <shop@example.com>' --unsub-mailto u@example.com --template old.html \
		--eml-dir bad
	run_both "$RECMAIL_ROOT/pipelines/spamcheck" --out scores.ndjson bad
	[ "$status" -eq 0 ]
	[ "$(wc -l <scores.ndjson)" -eq 3 ]
	jq -s -e 'all(.rules | index("FONT_INVIS_MSGID")) and all(.score >= 1)' scores.ndjson
}
