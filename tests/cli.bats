#!/usr/bin/env bats
# tests/cli.bats - the conventions every program shares: --help, --version, usage errors

load helpers

setup() { setup_scratch; }

programs() {
	local p
	for p in "$RECMAIL_ROOT"/cmd/*.c; do
		basename "$p" .c
	done
}

@test "cli: every program has --help with a usage line, its options and an example, on stdout" {
	for p in $(programs); do
		run -0 --separate-stderr "$p" --help
		[[ "${output,,}" == usage:* ]] || { echo "$p: --help does not start with usage:"; false; }
		[[ "${output,,}" == *example* ]] || { echo "$p: --help has no example"; false; }
		[[ "$output" == *--version* ]] || { echo "$p: --help does not list --version"; false; }
		[ -z "$stderr" ]
	done
}

@test "cli: every program prints 'NAME (recmail) VERSION' for --version" {
	for p in $(programs); do
		run -0 "$p" --version
		[[ "$output" =~ ^$p\ \(recmail\)\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "$p: '$output'"; false; }
	done
}

@test "cli: every program rejects an unknown option with exit 64, a message on stderr and nothing on stdout" {
	for p in $(programs); do
		run --separate-stderr "$p" --no-such-option
		[ "$status" -eq 64 ] || { echo "$p: status $status"; false; }
		[ -z "$output" ] || { echo "$p: wrote to stdout: $output"; false; }
		[[ "$stderr" == *"$p"* ]] || { echo "$p: stderr does not name the program: $stderr"; false; }
	done
}

@test "cli: --help fails with exit 74 when stdout cannot be written (a full disk is an error)" {
	[ -w /dev/full ] || skip "/dev/full is not available"
	for p in $(programs); do
		st=0
		"$p" --help >/dev/full 2>/dev/null || st=$?
		[ "$st" -eq 74 ] || { echo "$p: status $st writing --help to /dev/full"; false; }
		st=0
		"$p" --version >/dev/full 2>/dev/null || st=$?
		[ "$st" -eq 74 ] || { echo "$p: status $st writing --version to /dev/full"; false; }
	done
}
