#!/usr/bin/env bats
# tests/layout.bats - the source tree shows the pipeline: lib/ folders in one order, includes that
# only point down, tests that mirror the folders, and mains that fit a screen

load helpers

# The layer order, read from the one place it is written (docs/ARCHITECTURE.md).
layers() {
	sed -n 's/^Layers: //p' "$RECMAIL_ROOT/docs/ARCHITECTURE.md" | tr -d '<' | tr -s ' '
}

@test "layout: docs/ARCHITECTURE.md names every lib/ folder, once, in its Layers line" {
	read -r -a order <<<"$(layers)"
	[ "${#order[@]}" -ge 5 ]
	got=$(printf '%s\n' "${order[@]}" | sort)
	want=$(cd "$RECMAIL_ROOT/lib" && ls -d */ | tr -d / | sort)
	[ "$got" = "$want" ]
}

# check_includes: reads "file:line:#include ..." lines on stdin; prints each include that points up
# or does not name its folder, and fails if there was one.
check_includes() {
	local order file inc target dir tdir bad=0 i
	read -r -a order <<<"$(layers)"
	declare -A rank
	for i in "${!order[@]}"; do rank[${order[$i]}]=$i; done
	while IFS=: read -r file _ inc; do
		dir=${file#lib/}; dir=${dir%%/*}
		target=$(sed -n 's/^#include "\([^"]*\)".*/\1/p' <<<"$inc")
		case $target in
		*/*) tdir=${target%%/*} ;;
		*) echo "$file: include \"$target\" does not name its folder"; bad=1; continue ;;
		esac
		if [ -z "${rank[$tdir]:-}" ]; then
			echo "$file: include \"$target\" is in no lib/ folder"; bad=1
		elif [ "${rank[$tdir]}" -gt "${rank[$dir]}" ]; then
			echo "$file: $dir/ includes $target from the higher folder $tdir/"; bad=1
		fi
	done
	[ "$bad" -eq 0 ]
}

@test "layout: no lib/ file includes a header from a higher folder, and every include names its folder" {
	cd "$RECMAIL_ROOT"
	run check_includes < <(grep -Hn '^#include "' lib/*/*.[ch])
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "layout: the include check catches an include that points up or names no folder" {
	cd "$RECMAIL_ROOT"
	run check_includes < <(grep -Hn '^#include "' lib/*/*.[ch]; echo 'lib/base/buf.c:3:#include "mail/mime.h"')
	[ "$status" -ne 0 ]
	[[ "$output" == *"lib/base/buf.c: base/ includes mail/mime.h from the higher folder mail/"* ]]
	run check_includes <<<'lib/data/ids.c:4:#include "buf.h"'
	[ "$status" -ne 0 ]
	[[ "$output" == *'does not name its folder'* ]]
}

@test "layout: every lib/ file starts with a one-line comment naming itself" {
	cd "$RECMAIL_ROOT"
	bad=0
	for f in lib/*/*.[ch]; do
		head -1 "$f" | grep -q "^/\* $(basename "$f") - " || { echo "$f: no '/* NAME - what it is for' first line"; bad=1; }
	done
	[ "$bad" -eq 0 ]
}

@test "layout: tests/unit mirrors lib/: each unit test sits in the folder of the module it tests" {
	cd "$RECMAIL_ROOT"
	bad=0
	for t in tests/unit/*/test_*.c; do
		dir=$(basename "$(dirname "$t")")
		mod=$(basename "$t" .c); mod=${mod#test_}
		[ -f "lib/$dir/$mod.c" ] || [ -f "lib/$dir/$mod.h" ] || { echo "$t: no lib/$dir/$mod.c"; bad=1; }
	done
	[ "$bad" -eq 0 ]
}

@test "layout: cmd/ has no subfolders and every main is under 400 lines" {
	cd "$RECMAIL_ROOT"
	[ -z "$(find cmd -mindepth 1 -type d)" ]
	bad=0
	for f in cmd/*.c; do
		n=$(wc -l <"$f")
		[ "$n" -lt 400 ] || { echo "$f: $n lines"; bad=1; }
	done
	[ "$bad" -eq 0 ]
}
