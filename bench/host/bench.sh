#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make bench: spanalloc against kmalloc/kfree (SLUB), same boot, on the stock
# kernel, for 1, 2 and 4 vCPUs, with init_on_alloc=1 (Debian's default) and
# init_on_alloc=0. One boot per (vCPUs, init_on_alloc); the module
# bench/module/spanalloc_bench.ko runs every group inside it; the host parses
# the console into bench/results/<kernel>-<vcpus>[-ioa0].json and prints the
# table (bench/host/bench.py table).
#
# Environment:
#   BENCH_QUICK=1        one boot (2 vCPUs, init_on_alloc=1), 3 rounds, fewer
#                        sizes in the all-CPU group: a few seconds of guest time
#   BENCH_SMP="1 2 4"    vCPU counts          BENCH_IOA="1 0"  init_on_alloc values
#   BENCH_ROUNDS=11      timed rounds per row (median)
#   BENCH_GROUPS="memory memsmall single allcpu remote prodcons bulk large probe"
#   BENCH_HIST=FILE      histogram for the memory group (default
#                        ../shared/data/kmalloc-boot-6.12.hist; lines
#                        "bytes_req bytes_alloc count", # comments)
#   BENCH_SPANALLOC=head  spanalloc as committed (default) or "worktree"
#   BENCH_KERNEL=stock   kernel flavour for scripts/harness/vm.sh (stock|test)
#   BENCH_ARCH=arm64     the arm64 test kernel (scripts/harness/vm.sh --arch arm64;
#                        implies BENCH_KERNEL=test: no stock arm64 kernel is
#                        set up). A KASAN + lockdep kernel: compare its ratios
#                        with BENCH_KERNEL=test on x86, not with the stock table
#   BENCH_NUMA=N         N emulated NUMA nodes (scripts/harness/vm.sh --numa N,
#                        x86 only): each vCPU count must divide by N; BENCH_SMP
#                        defaults to 4 (two nodes of 2 vCPUs for N=2); results
#                        are named <kernel>-<vcpus>-numaN[-ioa0]
#   BENCH_OUT=DIR        where the JSON goes (default bench/results)
#   ACCEL, VM_TCG_THREAD are passed to scripts/harness/vm.sh (ACCEL=kvm where KVM works).
#   VM_QEMU_EXTRA="-icount shift=0,sleep=off" (also read by vm.sh): guest time
#                        counts guest instructions, so each figure is
#                        instructions per operation and an A/B has no host
#                        noise (1 vCPU; recorded as accel "tcg,icount")
# The braces make bash read the whole script before running it, so editing
# this file while a run is in progress cannot derail that run.
{
set -euo pipefail
# shellcheck source=scripts/harness/lib.sh
source "$(dirname "$0")/../../scripts/harness/lib.sh"
SA_LOG_TAG=bench

quick="${BENCH_QUICK:-0}"
[[ "$quick" == 0 ]] && quick=""
numa="${BENCH_NUMA:-0}"
[[ "$numa" =~ ^[0-9]+$ ]] || sa_die "BENCH_NUMA must be a number of nodes"
numa_opt=()
if [[ $numa -gt 1 ]]; then
	numa_opt=(--numa "$numa")
	BENCH_SMP="${BENCH_SMP:-4}"
fi
if [[ -n "$quick" ]]; then
	smps="${BENCH_SMP:-2}" ioas="${BENCH_IOA:-1}" rounds="${BENCH_ROUNDS:-3}" qopt="quick=1"
else
	smps="${BENCH_SMP:-1 2 4}" ioas="${BENCH_IOA:-1 0}" rounds="${BENCH_ROUNDS:-11}" qopt="quick=0"
fi
groups="${BENCH_GROUPS:-memory memsmall single allcpu remote prodcons bulk large probe}"
hist="${BENCH_HIST:-$SA_ROOT/../shared/data/kmalloc-boot-6.12.hist}"
kernel="${BENCH_KERNEL:-stock}"
arch="${BENCH_ARCH:-x86_64}"
[[ "$arch" == arm64 ]] && kernel="test"
out="${BENCH_OUT:-$SA_ROOT/bench/results}"
accel="${ACCEL:-tcg}"
[[ "$accel" == tcg && -n "${VM_TCG_THREAD:-}" ]] && accel="tcg,thread=$VM_TCG_THREAD"
# Recorded, not passed on: vm.sh takes VM_QEMU_EXTRA itself. With -icount
# guest time counts guest instructions: the figures are instructions per
# operation, free of host noise (see scripts/harness/vm.sh).
[[ "${VM_QEMU_EXTRA:-}" == *icount* ]] && accel="$accel,icount"
[[ -f "$hist" ]] || sa_die "histogram $hist not found (set BENCH_HIST=FILE)"

# What is measured: spanalloc as committed at HEAD (an export under the cache,
# handed to vm.sh as SPANALLOC_SRC), so a tree mid-edit neither breaks nor
# silently colours the figures; BENCH_SPANALLOC=worktree measures the working
# tree as it is.
if [[ "${BENCH_SPANALLOC:-head}" == worktree ]]; then
	rev="$(git -C "$SA_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	if ! git -C "$SA_ROOT" diff --quiet HEAD -- spanalloc include 2>/dev/null ||
		[[ -n "$(git -C "$SA_ROOT" status --porcelain -- spanalloc include 2>/dev/null)" ]]; then
		rev="$rev+working-tree-changes"
	fi
else
	rev="$(git -C "$SA_ROOT" rev-parse --short HEAD)" || sa_die "not a git tree: use BENCH_SPANALLOC=worktree"
	export SPANALLOC_SRC="$SA_CACHE/bench/src-$rev"
	if [[ ! -f "$SPANALLOC_SRC/.done" ]]; then
		rm -rf "$SPANALLOC_SRC"
		mkdir -p "$SPANALLOC_SRC"
		git -C "$SA_ROOT" archive HEAD | tar -x -C "$SPANALLOC_SRC"
		touch "$SPANALLOC_SRC/.done"
	fi
fi
echo "spanalloc measured: $rev"

# The module, staged with the histogram compiled in (bench_hist.h), in a
# directory of this run's own: two benches at once (two worktrees sharing a
# cache) must not build each other's module.
mkdir -p "$SA_CACHE/bench" "$out" "$SA_CACHE/logs"
stage="$(mktemp -d "$SA_CACHE/bench/spanalloc_bench.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
cp "$SA_ROOT/bench/module/Kbuild" "$SA_ROOT/bench/module/spanalloc_bench.c" "$stage/"
python3 "$SA_ROOT/bench/host/bench.py" hist2h "$hist" "$stage/bench_hist.h"

# Guest: shrink every slab cache and drop caches so the memory group starts
# quiet, then one write per group; each write runs its group once and the
# results file holds that group's rows.
guest_cmd="D=/sys/kernel/debug/spanalloc_bench
for f in /sys/kernel/slab/*/shrink; do echo 1 > \$f; done 2>/dev/null
echo 3 > /proc/sys/vm/drop_caches
st=0
for g in $groups; do
	echo \"rounds=$rounds $qopt \$g\" > \$D/run || { echo \"bench: group \$g failed\"; st=1; }
	cat \$D/results
	sleep 1	# let the console drain before the next group
done
# which level served what, for reading the figures (console log only)
for f in memstats cpus classes; do echo \"== spanalloc/\$f\"; cat /sys/kernel/debug/spanalloc/\$f; done
exit \$st"

echo "NOTE: guests run under ${accel}; under TCG every absolute cycle figure is inflated and uneven:"
echo "      only the ratio spanalloc/SLUB of figures from the same boot counts."
files=() failed=0
start=$(date +%s)
for smp in $smps; do
	for ioa in $ioas; do
		name="$kernel-$smp"
		[[ "$arch" == arm64 ]] && name="$kernel-arm64-$smp"
		[[ $numa -gt 1 ]] && name="$name-numa$numa"
		append=""
		if [[ "$ioa" == 0 ]]; then
			name="$name-ioa0"
			append="init_on_alloc=0"
		fi
		log="$SA_CACHE/logs/bench-$name.log"
		sa_log "boot: $name (smp=$smp, ${append:-init_on_alloc default}, rounds=$rounds)"
		t0=$(date +%s)
		for try in 1 2; do
			st=0
			VM_APPEND="${VM_APPEND:-} $append" "$SA_ROOT/scripts/harness/vm.sh" --arch "$arch" --kernel "$kernel" \
				--smp "$smp" ${numa_opt[@]+"${numa_opt[@]}"} --mem 2G --ext "$stage" \
				--timeout 900 --quiet --log "$log" \
				-- "$guest_cmd" || st=$?
			# Retry once, and say so, only when the benchmark command never
			# started (seen: an int3 Oops in static-key text patching at
			# boot under multi-threaded TCG, before any module was loaded;
			# and vm.sh itself failing while being edited); a failure
			# during the benchmark is kept as it is.
			if [[ $st -ne 0 && $try -eq 1 ]] &&
				! grep -aq 'spanalloc-vm: running command' "$log"; then
				cp "$log" "$log.boot-failure"
				echo "bench: $name: the benchmark command never started (boot failure or harness error, exit $st):" >&2
				grep -a -m3 -E 'Oops|BUG|panic|RIP' "$log" >&2 || true
				echo "bench: $name: retrying this boot once (log kept in $log.boot-failure)" >&2
				continue
			fi
			break
		done
		sa_log "boot $name: exit $st in $(( $(date +%s) - t0 ))s, console log $log"
		if [[ $st -ne 0 ]]; then
			failed=1
			echo "bench: the $name boot failed (exit $st); last console lines:" >&2
			grep -a -v '^BENCH ' "$log" | tail -n 40 >&2 || true
		fi
		if grep -aq '^BENCH {"seq":[0-9]*,"group":"meta"' "$log"; then
			python3 "$SA_ROOT/bench/host/bench.py" parse "$log" "$out/$name.json" \
				--accel "$accel" --vcpus "$smp" --kernel "$kernel" --append "$append" \
				--rev "$rev" --boot_tries "$try"
			files+=("$out/$name.json")
		fi
	done
done
sa_log "all boots done in $(( $(date +%s) - start ))s"
[[ ${#files[@]} -gt 0 ]] || sa_die "no results"
python3 "$SA_ROOT/bench/host/bench.py" table "${files[@]}" | tee "$out/table.txt"
# A full run into bench/results also refreshes the summary in bench/README.md.
if [[ -z "$quick" && "$out" -ef "$SA_ROOT/bench/results" && $failed -eq 0 ]]; then
	python3 "$SA_ROOT/bench/host/bench.py" readme "${files[@]}"
fi
exit $failed
}
