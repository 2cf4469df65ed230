#!/usr/bin/env bats
# tests/tune.bats - the search over svdtrain's and topk's options: space syntax, grid, determinism,
# resume after a kill, constraints, failed trials, and the campaign.conf it writes

load helpers

setup() {
	setup_scratch
	# 120 users x 40 items in 4 taste groups: a user mostly takes items of their group
	"$PY3" -c '
import random
r = random.Random(5)
for u in range(120):
    g = u % 4
    for _ in range(12):
        i = g * 10 + r.randrange(10) if r.random() < 0.85 else r.randrange(40)
        print(f"u{u}\ti{i}\t1")
' >inter.tsv
	ratings2mat --format=tsv --columns=user,item,rating --implicit --dup=sum <inter.tsv >all.st 2>/dev/null
	splitdata --test-fraction=0.25 --seed=3 --train=train.st --test=test.st all.st
}

@test "tune: a grid over a list and a range runs every point once and names the best" {
	run --separate-stderr tune --train train.st --test test.st --method grid --grid-points 3 \
		--space 'factors=2,4 reg=log:0.1:10' --train-opts '--algo=ials --epochs=3'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -cE '^[0-9]+ +[0-9.]+ +ok ')" -eq 6 ]
	for p in "factors=2 reg=0.1" "factors=2 reg=1" "factors=2 reg=10" "factors=4 reg=0.1" "factors=4 reg=1" "factors=4 reg=10"; do
		[[ "$output" == *" $p"* ]]
	done
	[[ "${lines[-1]}" == "best: trial "*", ndcg "* ]]
}

@test "tune: random and Bayesian search give the same trials for the same seed" {
	for m in random bayes; do
		tune --train train.st --test test.st --method $m --trials 6 --init 3 --seed 11 \
			--space 'factors=int:2:6 reg=log:0.1:10' --train-opts '--algo=ials --epochs=3' \
			--log a-$m.ndjson >/dev/null 2>&1
		tune --train train.st --test test.st --method $m --trials 6 --init 3 --seed 11 \
			--space 'factors=int:2:6 reg=log:0.1:10' --train-opts '--algo=ials --epochs=3' \
			--log b-$m.ndjson >/dev/null 2>&1
		diff <(jq -c 'select(.kind == "trial") | [.trial, .params, .value]' a-$m.ndjson | sort) \
			<(jq -c 'select(.kind == "trial") | [.trial, .params, .value]' b-$m.ndjson | sort)
		[ "$(jq -c 'select(.kind == "trial")' a-$m.ndjson | wc -l)" -eq 6 ]
	done
	# another seed draws other points
	tune --train train.st --test test.st --method random --trials 6 --seed 12 \
		--space 'factors=int:2:6 reg=log:0.1:10' --train-opts '--algo=ials --epochs=3' \
		--log c.ndjson >/dev/null 2>&1
	! diff <(jq -c 'select(.kind == "trial") | .params' a-random.ndjson | sort) \
		<(jq -c 'select(.kind == "trial") | .params' c.ndjson | sort) >/dev/null
}

@test "tune: a run killed mid-search resumes from its log without running a finished trial again" {
	args=(--train train.st --test test.st --method random --trials 8 --seed 4
		--space 'factors=int:2:8 reg=log:0.1:10' --train-opts '--algo=ials --epochs=3' --log log.ndjson)
	tune "${args[@]}" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 1 200); do
		[ "$(grep -c '"kind":"trial"' log.ndjson 2>/dev/null)" -ge 3 ] && break
		sleep 0.05
	done
	kill -KILL "$pid"
	wait "$pid" || true
	before=$(grep -c '"kind":"trial"' log.ndjson)
	[ "$before" -ge 3 ] && [ "$before" -lt 8 ]
	run --separate-stderr tune "${args[@]}"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"$before trials read back from log.ndjson (not run again)"* ]]
	# every trial number once, 8 in all, and the resumed ones are the ones the first run logged
	[ "$(jq -r 'select(.kind == "trial") | .trial' log.ndjson | sort -n | uniq | wc -l)" -eq 8 ]
	[ "$(jq -r 'select(.kind == "trial") | .trial' log.ndjson | wc -l)" -eq 8 ]
	# the same trials as one uninterrupted run
	args2=("${args[@]}"); args2[-1]=fresh.ndjson
	tune "${args2[@]}" >/dev/null 2>&1
	diff <(jq -c 'select(.kind == "trial") | [.trial, .params, .value]' log.ndjson | sort) \
		<(jq -c 'select(.kind == "trial") | [.trial, .params, .value]' fresh.ndjson | sort)
}

@test "tune: a log of another search is refused, exit 65" {
	tune --train train.st --test test.st --method random --trials 2 --space 'factors=2,4' \
		--train-opts '--algo=ials --epochs=2' --log log.ndjson >/dev/null 2>&1
	run --separate-stderr tune --train train.st --test test.st --method random --trials 2 \
		--space 'factors=2,8' --train-opts '--algo=ials --epochs=2' --log log.ndjson
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"log.ndjson:1: the log is of another search"* ]]
}

@test "tune: --conf writes the best settings as campaign.conf lines that svdtrain and topk accept" {
	run --separate-stderr tune --ratings all.st --folds 2 --method grid \
		--space 'factors=2,4 topk.min-support=1,2' --train-opts '--algo=ials --epochs=3' \
		--topk-opts '--mmr=0' --conf best.conf
	[ "$status" -eq 0 ]
	grep -q '^# tune: the best of 4 grid trials on ndcg@10 over 2 folds' best.conf
	# pipelines/campaign reads its configuration with '.': do the same
	( . ./best.conf
	  [[ "$TRAIN_OPTS" == "--algo=ials --epochs=3 --factors="[24] ]]
	  [[ "$TOPK_OPTS" == "--mmr=0 --min-support="[12] ]]
	  # shellcheck disable=SC2086
	  svdtrain $TRAIN_OPTS -o m.st train.st 2>/dev/null
	  # shellcheck disable=SC2086
	  topk --model=m.st --seen=train.st --all -n 3 $TOPK_OPTS >/dev/null )
}

@test "tune: a constraint no trial meets leaves no best, and --conf fails with 65" {
	run --separate-stderr tune --train train.st --test test.st --method grid --space 'factors=2,4' \
		--train-opts '--algo=ials --epochs=3' --constraint 'top_item_share<=0' --conf best.conf
	[ "$status" -eq 65 ]
	[[ "$output" == *"excluded"* ]]
	[[ "$output" == *"best: none"* ]]
	[[ "$stderr" == *"no trial succeeded within the constraints"* ]]
	[ ! -e best.conf ]
}

@test "tune: trials whose programs fail are logged with the program's message" {
	run --separate-stderr tune --train train.st --test test.st --method grid --space 'factors=2,4' \
		--train-opts '--algo=ials --no-such-option' --log log.ndjson
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"2 trials failed; trial 0: svdtrain: "* ]]
	[ "$(jq -r 'select(.kind == "trial") | .ok' log.ndjson | sort -u)" = false ]
}

@test "tune: --jobs 2 runs the same grid with the same results" {
	tune --train train.st --test test.st --method grid --space 'factors=2,3,4' \
		--train-opts '--algo=ials --epochs=3 --threads=1' --log one.ndjson >/dev/null 2>&1
	tune --train train.st --test test.st --method grid --space 'factors=2,3,4' --jobs 2 \
		--train-opts '--algo=ials --epochs=3 --threads=1' --log two.ndjson >/dev/null 2>&1
	diff <(jq -c 'select(.kind == "trial") | [.trial, .params, .value]' one.ndjson | sort) \
		<(jq -c 'select(.kind == "trial") | [.trial, .params, .value]' two.ndjson | sort)
}

@test "tune: bad search spaces and options are usage errors naming the fault" {
	while IFS='|' read -r spec want; do
		run --separate-stderr tune --train train.st --test test.st --space "$spec"
		[ "$status" -eq 64 ] || { echo "$spec: $status"; false; }
		[[ "$stderr" == *"$want"* ]] || { echo "$spec: $stderr"; false; }
	done <<'EOF2'
factors|is not NAME=DOMAIN
factors=|has no values
reg=5:1|lo must be below hi
reg=log:0:1|a log range needs lo > 0
factors=int:1.5:4|an int range needs whole ends
reg=a:b|is not lo:hi, int:lo:hi or log:lo:hi
factors=2,4 factors=8|is given twice
fac$tors=2|is not an option name
factors=2;x|is not NAME=DOMAIN
factors=a b|is not NAME=DOMAIN
EOF2
	run --separate-stderr tune --train train.st --test test.st --space 'factors=2' --method anneal
	[ "$status" -eq 64 ]
	run --separate-stderr tune --train train.st --space 'factors=2'
	[ "$status" -eq 64 ]
	run --separate-stderr tune --train train.st --test test.st --space 'factors=2' --constraint 'gini=1'
	[ "$status" -eq 64 ]
}
