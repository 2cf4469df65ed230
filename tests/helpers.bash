# tests/helpers.bash - shared setup for the bats suites (load with: load helpers)
export LC_ALL=C
bats_require_minimum_version 1.5.0
RECMAIL_ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
export RECMAIL_ROOT
export PATH="${RECMAIL_BIN:-$RECMAIL_ROOT/bin}:$PATH"
SHARED_DATA="${RECMAIL_SHARED_DATA:-$RECMAIL_ROOT/../shared/data}"
export SHARED_DATA
# Debian's python3 (with python3-aiosmtpd, python3-dkim), not a pyenv shim
PY3=/usr/bin/python3
[ -x "$PY3" ] || PY3=python3
export PY3

# A fresh scratch directory per test.
setup_scratch() {
	TMP="$BATS_TEST_TMPDIR"
	cd "$TMP" || return 1
}

# wait_port FILE: waits up to 15 s for a server to write its port to FILE.
wait_port() {
	for _ in $(seq 150); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# skip_unless_data FILE: skip, saying why, when a shared data set is absent.
skip_unless_data() {
	if [ ! -r "$SHARED_DATA/$1" ]; then
		skip "shared data set $SHARED_DATA/$1 is absent"
	fi
}

# run_both: like bats' run, but keeps stdout and stderr apart in $output and $stderr.
run_both() {
	local errf="$BATS_TEST_TMPDIR/.stderr.$$"
	status=0
	output=$("$@" 2>"$errf") || status=$?
	stderr=$(cat "$errf")
	rm -f "$errf"
}

# example_campaign DIR CUSTOMERS CAMPAIGN: the make example campaign (examples/shop/campaign.conf,
# the offline writer against a holdout as examples/run-demo runs it, no SMTP) on a shopgen
# --seed 1 shop of CUSTOMERS customers in DIR; its run directory is DIR/runs/CAMPAIGN.
example_campaign() {
	mkdir -p "$1"
	shopgen --seed=1 --customers="$2" --out-dir="$1/data" 2>/dev/null || return 1
	sed -e "s|^DATA_DIR=.*|DATA_DIR=$1/data|" -e '/^INTERACTIONS=/d' -e '/^CATALOG=/d' \
		-e '/^CUSTOMERS=/d' -e "s|^RUNS_DIR=.*|RUNS_DIR=$1/runs|" \
		"$RECMAIL_ROOT/examples/shop/campaign.conf" >"$1/campaign.conf"
	env -u LLM_BASE_URL -u SMTP_URL SOURCE_DATE_EPOCH=1764000000 ARMS=template=0.9,holdout=0.1 \
		"$RECMAIL_ROOT/pipelines/campaign" -c "$1/campaign.conf" -C "$3" >/dev/null 2>&1
}
