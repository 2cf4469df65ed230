#!/usr/bin/env bash
# bench/spamscore.sh - SpamAssassin scores of the example campaign's emails (target: median at most
# 0.5, no message above 2.0, in every language), against the baseline of the same messages
# formatted with the preheader style used before issue 20 (color:transparent), in the same run.
# Usage: bench/spamscore.sh [PER]   (messages per language and arm, default 25; 0: all).
# Needs spamassassin (Debian package; skipped, saying so, without it); no shared data.
set -eu
export LC_ALL=C
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${RECMAIL_BIN:-$here/bin}
export PATH="$bin:$PATH"
per=${1:-25}
if ! command -v spamassassin >/dev/null; then
	echo "bench/spamscore: skipped: spamassassin is not installed (scripts/install-deps installs it)"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "# SpamAssassin score of the example campaign"
echo "protocol: shopgen --seed 1, examples/shop/campaign.conf as make example runs it (offline writer, ARMS=template=0.9,holdout=0.1);"
echo "spamassassin $(spamassassin --version | sed -n 's/.*version \([0-9.]*\).*/\1/p;q') -L (no network tests), $per messages per (language, arm);"
echo "baseline: the same replies formatted with the old hidden preheader (color:transparent)"
shopgen --seed=1 --out-dir="$work/data" 2>/dev/null
sed -e "s|^DATA_DIR=.*|DATA_DIR=$work/data|" -e '/^INTERACTIONS=/d' -e '/^CATALOG=/d' \
	-e '/^CUSTOMERS=/d' -e "s|^RUNS_DIR=.*|RUNS_DIR=$work/runs|" \
	"$here/examples/shop/campaign.conf" >"$work/campaign.conf"
env -u LLM_BASE_URL -u SMTP_URL ARMS=template=0.9,holdout=0.1 "$here/pipelines/campaign" \
	-c "$work/campaign.conf" -C bench \
	>/dev/null 2>&1
run=$work/runs/bench
echo "outbox: $(find "$run/outbox" -name '*.eml' | wc -l) messages"

sed 's/display:none;max-height:0;max-width:0;opacity:0;overflow:hidden;mso-hide:all;/display:none;max-height:0;overflow:hidden;opacity:0;color:transparent;/' \
	"$here/share/mail/email.html" >"$work/old.html"
mkdir "$work/old"
mailfmt --from 'Example Shop <shop@example.com>' --reply-to 'Example Shop Care <care@example.com>' \
	--campaign bench --unsub-mailto unsubscribe@example.com --unsub-key-file "$work/runs/link-keys" \
	--template "$work/old.html" --eml-dir "$work/old" <"$run/replies.ndjson" 2>/dev/null || true

summary() { # NAME FILE: the distribution of the scores in FILE
	jq -s -r --arg name "$1" 'def q(p): sort | .[((length - 1) * p) | floor];
		"\($name): \(length) messages: median \(map(.score) | q(0.5)), p90 \(map(.score) | q(0.9)), max \(map(.score) | max), mean \(map(.score) | add / length * 100 | round / 100)",
		(group_by(.lang)[] | "  \(.[0].lang): \(length), median \(map(.score) | q(0.5)), max \(map(.score) | max)"),
		"  rules hit: \([.[].rules[]] | group_by(.) | map("\(.[0]) \(length)") | join(", "))"' "$2"
}
for what in old new; do
	dir=$run/outbox
	[ "$what" = old ] && dir=$work/old
	/usr/bin/time -o "$work/time" -f '%e %U %S' "$here/pipelines/spamcheck" --per "$per" \
		--out "$work/$what.ndjson" "$dir" 2>/dev/null
	t=$(tail -n 1 "$work/time")
	name="baseline (old preheader)"
	[ "$what" = new ] && name="recmail now"
	summary "$name" "$work/$what.ndjson"
	awk -v t="$t" -v n="$(wc -l <"$work/$what.ndjson")" 'BEGIN { split(t, a, " ");
		printf "  spamassassin: %.1f s wall, %.1f CPU s (%.3f CPU s per message)\n", a[1], a[2] + a[3], (a[2] + a[3]) / n }'
done
jq -s -r --slurpfile old "$work/old.ndjson" 'def med: sort | .[(length - 1) / 2 | floor];
	(map(.score) | med) as $m | ($old | map(.score) | med) as $b | (map(.score) | max) as $x |
	([group_by(.lang)[] | map(.score) | med] | max) as $lm |
	"median \($m) vs baseline \($b) (\($m - $b | . * 100 | round / 100) points); target median <= 0.5 in every language (worst \($lm)): \(if $lm <= 0.5 then "met" else "NOT met" end); max \($x) <= 2.0: \(if $x <= 2.0 then "met" else "NOT met" end)"' \
	"$work/new.ndjson"
