#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make lint: the kernel's style gates; exit status non-zero when any finds
# something. Each gate prints what it found; the last line is the verdict.
#
#   layers      scripts/check-layers.py: spanalloc/'s includes and calls go
#               down the stack only (no cycle)
#   ShellCheck  (-x) on every tracked *.sh and .ci/run
#   checkpatch  scripts/checkpatch.pl --strict --no-tree -f from the kernel
#               tree (linux-source-6.12) on every git-tracked C source and
#               header: spanalloc/, include/, kunit/, examples/,
#               tests/guest/<module>/, tests/harness/, bench/module/,
#               tools/spanstat/ (never what a build generated, e.g. *.mod.c)
#   kernel-doc  scripts/kernel-doc -none -Wall on include/spanalloc.h and the
#               tracked spanalloc/*.[ch]: no output at all
#   W=1         spanalloc.ko and the client modules (examples/client,
#               bench/module, tests/guest/workload, tests/guest/fragment,
#               tests/guest/unload-race) built with W=1 against
#               Debian's stock 6.12 headers and the test kernel (which also
#               builds kunit/*.ko), spanalloc.ko and examples/client against
#               the stock 6.1 headers: no warning
#   sparse      the same builds with C=2 (Debian's sparse) on stock 6.12 and
#               the test kernel: no warning in our files (warnings sparse
#               prints for the kernel's own headers are counted, not failed)
#
# Builds run in copies under $SPANALLOC_CACHE/build/lint-<kernel>/; logs in
# $SPANALLOC_CACHE/logs/lint/. LINT_GATES="checkpatch sparse" runs only those.
# The braces make bash read the whole script before running it.
{
set -uo pipefail
# shellcheck source=scripts/harness/lib.sh
source "$(dirname "$0")/harness/lib.sh"
SA_LOG_TAG=lint
cd "$SA_ROOT" || exit 1

# One lint at a time: the logs and build copies below are shared.
mkdir -p "$SA_CACHE/build"
exec 8>"$SA_CACHE/build/.lint.lock"
flock 8
logs="$SA_CACHE/logs/lint"
rm -rf "$logs"
mkdir -p "$logs"
failed=()
want() { [[ -z "${LINT_GATES:-}" || " $LINT_GATES " == *" $1 "* ]]; }
# gate NAME DETAILS FILE: FILE holds the gate's findings; empty means clean.
gate() {
	if [[ -s "$3" ]]; then
		echo "---- $1 ($2): FAILED"
		cat "$3"
		failed+=("$1")
	else
		echo "---- $1 ($2): clean"
	fi
}

out="$(mktemp)"
if ! scripts/harness/setup.sh deps stock stock61 test >"$out" 2>&1; then
	cat "$out"
	sa_die "scripts/harness/setup.sh failed"
fi
rm -f "$out"
if ! command -v sparse >/dev/null && want sparse; then
	sa_log "installing Debian's sparse"
	[[ $EUID -eq 0 ]] || sa_die "sparse missing and not root (apt-get install sparse)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends sparse >/dev/null
fi
ksrc="$(sa_source_dir)"

if want shellcheck; then
	mapfile -t shs < <(git ls-files '*.sh')
	shellcheck -x "${shs[@]}" .ci/run >"$logs/shellcheck" 2>&1
	gate shellcheck "$(shellcheck --version | sed -n 's/^version: //p'), ${#shs[@]} scripts + .ci/run" "$logs/shellcheck"
fi

if want layers; then
	# The levels of spanalloc/ as a one-way stack: no include or call goes
	# up or sideways (scripts/check-layers.py; its last line is the verdict).
	python3 scripts/check-layers.py >"$logs/layers.out" 2>&1 ||
		grep -v '^check-layers:' "$logs/layers.out" >"$logs/layers"
	touch "$logs/layers"
	gate layers "$(tail -n1 "$logs/layers.out")" "$logs/layers"
fi

if want checkpatch; then
	# FILE_PATH_CHANGES and SPDX_LICENSE_TAG only make sense for patches
	# against the kernel tree.
	cp_opts=(--strict --no-tree -q --ignore 'FILE_PATH_CHANGES,SPDX_LICENSE_TAG')
	# Tracked files only: an in-tree `make` leaves generated C
	# (spanalloc/spanalloc.mod.c, ...) that is not ours to style-check.
	mapfile -t cfiles < <(git ls-files -- ':(glob)spanalloc/*.[ch]' \
		':(glob)include/**/*.h' ':(glob)kunit/*.[ch]' ':(glob)examples/**/*.c' \
		':(glob)tests/guest/*/*.c' ':(glob)tests/harness/**/*.c' \
		':(glob)bench/module/*.[ch]' ':(glob)tools/spanstat/*.c')
	: >"$logs/checkpatch"
	for f in "${cfiles[@]}"; do
		[[ -f "$f" ]] || continue	# tracked, deleted in the work tree
		extra=()
		# Userspace C: <inttypes.h>'s PRIu64 and the C standard's
		# `volatile sig_atomic_t` for signal flags are not kernel style
		# mistakes; every other check applies.
		[[ "$f" == tools/* ]] && extra=(--ignore 'CAMELCASE,VOLATILE')
		# The drop-in header redefines the kernel's own macros with their
		# own shapes: KMEM_CACHE(s) names the struct type three times and
		# kfree_rcu(p, field) takes a member name, exactly as slab.h and
		# rcupdate.h do. Every other check applies to it.
		[[ "$f" == include/spanalloc_slab.h ]] &&
			extra=(--ignore 'MACRO_ARG_REUSE,MACRO_ARG_PRECEDENCE')
		"$ksrc/scripts/checkpatch.pl" "${cp_opts[@]}" "${extra[@]}" -f "$f" >"$logs/cp.tmp" 2>&1 ||
			{ echo "== $f"; cat "$logs/cp.tmp"; } >>"$logs/checkpatch"
	done
	rm -f "$logs/cp.tmp"
	gate checkpatch "--strict, ${#cfiles[@]} files; tools/: CAMELCASE,VOLATILE ignored" "$logs/checkpatch"
fi

if want kernel-doc; then
	mapfile -t kdfiles < <(git ls-files -- include/spanalloc.h ':(glob)spanalloc/*.[ch]')
	"$ksrc/scripts/kernel-doc" -none -Wall "${kdfiles[@]}" >"$logs/kernel-doc" 2>&1
	gate kernel-doc "-none -Wall include/spanalloc.h spanalloc/" "$logs/kernel-doc"
fi

# build KID KDIR C EXT...: copy the tree, build spanalloc (+ kunit where the
# kernel has KUnit) and the client modules EXT with W=1, then again with C=2
# when C=2. Findings go to $logs/w1-KID and $logs/sparse-KID.
build() {
	local kid="$1" kdir="$2" sparse="$3" b src e all
	shift 3
	local exts=("$@")
	b="$SA_CACHE/build/lint-$kid"
	src="$b/src"
	mkdir -p "$b"
	rsync -rlp --checksum --delete --exclude=.git/ --exclude=/.cache/ --exclude=/build/ \
		--exclude=/bench/results/ --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude=Module.symvers \
		--exclude=modules.order --exclude='*.a' --exclude='*.d' --exclude=__pycache__/ \
		./ "$src/"
	all="$b/w1.log"
	: >"$all"
	# From scratch, so every file is compiled (and warns) again.
	make -C "$kdir" M="$src" clean >/dev/null 2>&1
	make -C "$kdir" M="$src" W=1 -j"$SA_JOBS" modules >>"$all" 2>&1 || echo "error: build failed" >>"$all"
	for e in "${exts[@]}"; do
		make -C "$kdir" M="$src/$e" clean >/dev/null 2>&1
		make -C "$kdir" M="$src/$e" W=1 KBUILD_EXTRA_SYMBOLS="$src/Module.symvers" \
			KCFLAGS="-I$src/include" -j"$SA_JOBS" modules >>"$all" 2>&1 ||
			echo "error: building $e failed" >>"$all"
	done
	grep -E 'warning:|error:|Error ' "$all" >"$logs/w1-$kid"
	[[ "$sparse" == C=2 ]] || return 0
	all="$b/sparse.log"
	# C=2 runs sparse on every source whether or not it is recompiled.
	make -C "$kdir" M="$src" W=1 C=2 -j"$SA_JOBS" modules >"$all" 2>&1 || echo "error: C=2 build failed" >>"$all"
	for e in "${exts[@]}"; do
		make -C "$kdir" M="$src/$e" W=1 C=2 KBUILD_EXTRA_SYMBOLS="$src/Module.symvers" \
			KCFLAGS="-I$src/include" -j"$SA_JOBS" modules >>"$all" 2>&1 ||
			echo "error: C=2 build of $e failed" >>"$all"
	done
	awk -v p="$src/" '(index($0, p) == 1 && /(warning|error):/) || /^error:/ { print substr($0, length(p) + 1) }' \
		"$all" >"$logs/sparse-$kid"
	echo "$(grep -cE '(warning|error):' "$all") sparse lines in all, $(wc -l <"$logs/sparse-$kid") in spanalloc's files (log $all)" >"$logs/count-sparse-$kid"
}

if want w1 || want sparse; then
	sv="$(sparse --version 2>/dev/null)"
	# The benchmark and the guest-test workload run on 6.12 only (the
	# workload uses 6.12's <linux/unaligned.h>); on 6.1 the user-facing
	# parts: spanalloc.ko and the example client.
	build "stock-$(sa_stock_version stock)" "$(sa_stock_kdir stock)" C=2 \
		examples/client bench/module tests/guest/workload tests/guest/fragment \
		tests/guest/unload-race
	build "stock-$(sa_stock_version stock61)" "$(sa_stock_kdir stock61)" W=1 examples/client
	build "test-$(basename "$(sa_test_kernel_dir x86_64)")" "$(sa_test_kernel_dir x86_64)" C=2 \
		examples/client bench/module tests/guest/workload tests/guest/fragment \
		tests/guest/unload-race
	for f in "$logs"/w1-*; do
		want w1 && gate "W=1/${f##*/w1-}" "no warnings" "$f"
	done
	for f in "$logs"/sparse-*; do
		want sparse && gate "sparse/${f##*/sparse-}" "$sv, C=2: $(cat "$logs/count-${f##*/}")" "$f"
	done
fi

if [[ ${#failed[@]} -gt 0 ]]; then
	echo "lint: FAILED: ${failed[*]} (logs $logs)"
	exit 1
fi
echo "lint: clean (logs $logs)"
exit 0
}
