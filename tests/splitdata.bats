#!/usr/bin/env bats
# tests/splitdata.bats - train/test splits: k-fold partitions, holdout, leave-last-N, time cut

load helpers
bats_require_minimum_version 1.5.0

setup() { setup_scratch; }

fixture() { "$PY3" "$RECMAIL_ROOT/tests/stfixture.py" "$@"; }

# 30 users x 12 items, about 60% rated, timestamps 1000*item + user (2021-01-01 is 1609459200)
mkdata() {
	awk 'BEGIN { for (u = 0; u < 30; u++) for (i = 0; i < 12; i++) if ((u * 7 + i * 3) % 5 < 3)
		printf "u%d\ti%d\t%d\t%d\n", u, i, 1 + (u + i) % 5, 1609459200 + 1000 * i + u }' |
		fixture ratings "${1:-all.st}"
}

@test "splitdata: --help prints usage with an example and exits 0" {
	run splitdata --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	[[ "$output" == *"--folds"* && "$output" == *"--leave-last"* && "$output" == *"--before"* ]]
	[[ "$output" == *"example:"* ]]
}

@test "splitdata: --version names the program" {
	run splitdata --version
	[ "$status" -eq 0 ]
	[[ "$output" == "splitdata (recmail) "* ]]
}

@test "splitdata: k folds partition the ratings exactly" {
	mkdata
	for f in 0 1 2 3 4; do
		splitdata --folds=5 --fold=$f --seed=1 --train=tr$f.st --test=te$f.st all.st
	done
	fixture dumpeach all.st tr?.st te?.st
	sort all.st.tsv >all.tsv
	for f in 0 1 2 3 4; do
		# each fold's train and test are together the input, and disjoint
		sort tr$f.st.tsv te$f.st.tsv | cmp - all.tsv
		# 216 = 5 * 43 + 1 ratings: fold 0 has 44, the others 43
		[ "$(wc -l <te$f.st.tsv)" -eq $((f == 0 ? 44 : 43)) ]
	done
	# the test folds are disjoint and together the input
	sort te?.st.tsv | cmp - all.tsv
	[ "$(sort te?.st.tsv | uniq -d | wc -l)" -eq 0 ]
}

@test "splitdata: the same seed gives byte-identical outputs, another seed another split" {
	mkdata
	splitdata --test-fraction=0.25 --seed=9 --train=a1.st --test=b1.st all.st
	splitdata --test-fraction=0.25 --seed=9 --train=a2.st --test=b2.st <all.st
	cmp a1.st a2.st
	cmp b1.st b2.st
	splitdata --test-fraction=0.25 --seed=10 --train=a3.st --test=b3.st all.st
	! cmp -s b1.st b3.st
	# round(0.25 * 216) = 54 test ratings
	[ "$(fixture dump b1.st | wc -l)" -eq 54 ]
	[ "$(fixture dump a1.st | wc -l)" -eq 162 ]
}

@test "splitdata: the default split is a random 20% holdout" {
	mkdata
	splitdata --train=a.st --test=b.st all.st
	# round(0.2 * 216) = 43
	[ "$(fixture dump b.st | wc -l)" -eq 43 ]
	[ "$(fixture meta b.st split)" = "random test-fraction=0.2 seed=1" ]
	[ "$(fixture meta b.st split_part)" = "test" ]
	[ "$(fixture meta a.st split_part)" = "train" ]
}

@test "splitdata: both outputs keep the input's full id tables and its timestamps" {
	mkdata
	splitdata --folds=3 --fold=2 --train=tr.st --test=te.st all.st
	for t in user_ids item_ids; do
		fixture ids all.st $t >in.txt
		fixture ids tr.st $t | cmp - in.txt
		fixture ids te.st $t | cmp - in.txt
	done
	# no "-" in the ts column: timestamps carried
	! fixture dump te.st | cut -f4 | grep -qx -- -
}

@test "splitdata: --leave-last N tests each user's N latest ratings by timestamp" {
	# u1 rated a, b, c with b latest then c; u2 rated only one item (stays in train)
	printf 'u1\ta\t5\t300\nu1\tb\t4\t900\nu1\tc\t3\t600\nu1\td\t2\t100\nu2\ta\t1\t50\nu3\tc\t2\t10\nu3\td\t4\t20\n' |
		fixture ratings in.st
	splitdata --leave-last=2 --train=tr.st --test=te.st in.st
	run fixture dump te.st
	[ "$output" = "$(printf 'u1\tb\t4\t900\nu1\tc\t3\t600')" ]
	run fixture dump tr.st
	[ "$output" = "$(printf 'u1\ta\t5\t300\nu1\td\t2\t100\nu2\ta\t1\t50\nu3\tc\t2\t10\nu3\td\t4\t20')" ]
	splitdata --leave-last=1 --train=tr.st --test=te.st in.st
	run fixture dump te.st
	[ "$output" = "$(printf 'u1\tb\t4\t900\nu3\td\t4\t20')" ]
}

@test "splitdata: --before cuts at a time given as a date or as unix seconds" {
	# 2021-01-01 00:00:00 UTC is 1609459200
	printf 'u1\ta\t5\t1609459199\nu1\tb\t4\t1609459200\nu2\ta\t1\t1609545600\nu2\tc\t3\t1500000000\n' |
		fixture ratings in.st
	splitdata --before=2021-01-01 --train=tr.st --test=te.st in.st
	run fixture dump te.st
	[ "$output" = "$(printf 'u1\tb\t4\t1609459200\nu2\ta\t1\t1609545600')" ]
	run fixture dump tr.st
	[ "$output" = "$(printf 'u1\ta\t5\t1609459199\nu2\tc\t3\t1500000000')" ]
	splitdata --before=1609459200 --train=tr2.st --test=te2.st in.st
	cmp te.st te2.st
}

@test "splitdata: a time-based split of data without timestamps is a data error" {
	printf 'u1\ta\t5\nu1\tb\t4\n' | fixture ratings in.st
	run -65 splitdata --leave-last=1 --train=tr.st --test=te.st in.st
	[[ "$output" == "splitdata: in.st: the matrix has no timestamps"* ]]
	[ ! -e tr.st ] && [ ! -e te.st ]
}

@test "splitdata: an empty matrix is a data error and leaves no output" {
	: | fixture ratings empty.st
	run -65 splitdata --train=tr.st --test=te.st empty.st
	[ "$output" = "splitdata: empty.st: the matrix holds no ratings" ]
	[ "$(ls)" = "empty.st" ]
}

@test "splitdata: a container of another kind is refused" {
	printf 'u1\ta\t5\n' | fixture ratings m.st model
	run -65 splitdata --train=tr.st --test=te.st m.st
	[[ "$output" == *"m.st: a 'model' container, expected 'ratings'"* ]]
}

@test "splitdata: bad options are usage errors" {
	mkdata
	run -64 splitdata --test=te.st all.st
	[[ "$output" == *"--train and --test are both required"* ]]
	run -64 splitdata --folds=5 --train=tr.st --test=te.st all.st
	[[ "$output" == *"--folds needs --fold"* ]]
	run -64 splitdata --folds=5 --fold=5 --train=tr.st --test=te.st all.st
	run -64 splitdata --folds=1 --fold=0 --train=tr.st --test=te.st all.st
	run -64 splitdata --test-fraction=1 --train=tr.st --test=te.st all.st
	run -64 splitdata --test-fraction=0.2x --train=tr.st --test=te.st all.st
	run -64 splitdata --leave-last=0 --train=tr.st --test=te.st all.st
	run -64 splitdata --before=2021-02-30 --train=tr.st --test=te.st all.st
	run -64 splitdata --leave-last=1 --folds=2 --fold=0 --train=tr.st --test=te.st all.st
	[[ "$output" == *"give one of"* ]]
	run -64 splitdata --train=x.st --test=x.st all.st
	run -66 splitdata --train=tr.st --test=te.st missing.st
}
