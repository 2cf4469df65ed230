#!/usr/bin/env bash
# bench/adaptive-arms.sh - adaptive arms against a fixed split, simulated with the real programs:
# each of CAMPAIGNS campaigns assigns USERS customers with abassign (--adapt on every earlier
# campaign's abreport output, or fixed weights), draws each recipient's click from the arm's known
# true rate, and reports with abreport. Prints the cumulative clicks of both policies and how often
# the better arm ends with the larger share, over REPS replications with seeds SEED, SEED+1, ...
# Not a test: it never fails on the figures.
set -euo pipefail
export LC_ALL=C
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$root/bin:$PATH"
CAMPAIGNS=${CAMPAIGNS:-30}
USERS=${USERS:-10000}
REPS=${REPS:-10}
SEED=${SEED:-1}
RATES=${RATES:-llm=0.026,template=0.020}     # the true click rates per arm
ARMS=${ARMS:-llm=0.45,template=0.45,holdout=0.1}
FLOOR=${FLOOR:-0.1}
py=/usr/bin/python3
[ -x "$py" ] || py=python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# simulate CAMPAIGN SEED < assigned lines > events: a sent event per recipient, a click with the
# arm's true rate (a hash of seed, campaign and user decides, so both policies see the same luck)
simulate() {
	"$py" -c '
import hashlib, json, sys
campaign, seed, spec = sys.argv[1], sys.argv[2], sys.argv[3]
rates = {a.split("=")[0]: float(a.split("=")[1]) for a in spec.split(",")}
ts = 1764000000
for line in sys.stdin:
    r = json.loads(line)
    arm, user = r["variant"], r["user"]
    if arm == "holdout":
        continue
    print(json.dumps({"event": "sent", "user": user, "campaign": campaign, "variant": arm, "ts": ts}))
    h = hashlib.sha256(f"{seed}\0{campaign}\0{user}".encode()).digest()
    if int.from_bytes(h[:8], "big") / 2**64 < rates[arm]:
        print(json.dumps({"event": "click", "user": user, "campaign": campaign, "variant": arm, "ts": ts + 60}))
' "$@"
}

seq 1 "$USERS" | sed 's/^/{"user":"c/; s/$/"}/' >"$work/users.ndjson"
better=$(tr ',' '\n' <<<"$RATES" | sort -t= -k2 -g | tail -1 | cut -d= -f1)
echo "adaptive-arms bench: $CAMPAIGNS campaigns x $USERS customers, arms $ARMS, floor $FLOOR,"
echo "  true click rates $RATES (better arm: $better), $REPS replications, seeds $SEED..$((SEED + REPS - 1))"
t0=$(date +%s.%N)
tot_fixed=0 tot_adapt=0 wins=0
for ((rep = 0; rep < REPS; rep++)); do
	s=$((SEED + rep))
	for policy in fixed adapt; do
		dir="$work/$policy-$s"
		mkdir -p "$dir"
		reports=()
		clicks=0
		for ((c = 1; c <= CAMPAIGNS; c++)); do
			name="sim$s-c$c"
			adapt=()
			if [ "$policy" = adapt ]; then
				for r in "${reports[@]}"; do adapt+=(--adapt "$r"); done
			fi
			abassign -c "$name" -a "$ARMS" --floor "$FLOOR" --max-age 0 --seed "$((s * 1000 + c))" \
				"${adapt[@]}" "$work/users.ndjson" 2>"$dir/assign$c.log" >"$dir/assigned$c.ndjson"
			simulate "$name" "$s" "$RATES" <"$dir/assigned$c.ndjson" >"$dir/events$c.ndjson"
			abreport -c "$name" -a "$ARMS" -o "$dir/assigned$c.ndjson" "$dir/events$c.ndjson" \
				>"$dir/report$c.ndjson" 2>/dev/null || true
			reports+=("$dir/report$c.ndjson")
			clicks=$((clicks + $(grep -c '"event": "click"' "$dir/events$c.ndjson" || true)))
		done
		if [ "$policy" = fixed ]; then
			fixed_clicks=$clicks
			tot_fixed=$((tot_fixed + clicks))
		else
			tot_adapt=$((tot_adapt + clicks))
			# the weights of the last campaign, from its assignment output
			share=$(jq -rn --arg b "$better" 'first(inputs | select(.variant == $b) |
				.variant_weight)' "$dir/assigned$CAMPAIGNS.ndjson")
			other=$(jq -rn --arg b "$better" '[inputs | select(.variant != $b and
				.variant != "holdout") | .variant_weight] | max' "$dir/assigned$CAMPAIGNS.ndjson")
			if awk -v a="$share" -v b="$other" 'BEGIN { exit !(a > b) }'; then
				wins=$((wins + 1))
			fi
			printf '  seed %d: adaptive %d clicks, fixed %d; last campaign: %s %.3f, other %.3f\n' \
				"$s" "$clicks" "$fixed_clicks" "$better" "$share" "$other"
		fi
	done
done
t1=$(date +%s.%N)
awk -v f="$tot_fixed" -v a="$tot_adapt" -v w="$wins" -v r="$REPS" -v c="$CAMPAIGNS" -v t="$(echo "$t1 - $t0" | bc)" 'BEGIN {
	printf "cumulative clicks over %d campaigns, mean of %d replications: adaptive %.1f, fixed split %.1f (%+.2f%%)\n",
		c, r, a / r, f / r, (a - f) * 100 / f
	printf "the better arm ends with the larger share in %d of %d replications\n", w, r
	printf "wall %.1f s\n", t
}'
