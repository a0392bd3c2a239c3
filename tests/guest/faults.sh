#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --smp 4 --ext tests/guest/workload
# fail_page_alloc fails 40% of the page allocations of the stress workers
# (task-filter: the workers set make_it_fail) while they run on every CPU:
# allocations return NULL (counted, more than none), no object is damaged.
# Then 50% of every order >= 9 allocation (all contexts): only the heap's
# 2 MiB chunks ask for that order (the workload's objects are at most
# 1 MiB), and a chunk that cannot be had falls back to the span's own
# order, so no allocation returns NULL. After injection stops and
# everything is freed and drained, nothing leaked: live_objects 0,
# heap_sys 0, MemFree back to its baseline.
D=/sys/kernel/debug/spanalloc
P=/sys/module/sa_workload/parameters
W=/sys/kernel/debug/sa_workload/stats
F=/sys/kernel/debug/fail_page_alloc
STRESS_MS=15000
PROBABILITY=40
TIMES=100000000
MARGIN_KB=4096

fail() { echo 0 > $F/probability; echo "faults: FAIL: $*"; exit 1; }
ms() { awk -v k="$1" '$1 == k { print $2 }' "$D/memstats"; }
st() { awk -v k="$1" '$1 == k { print $2 }' "$W"; }
# MemFree once the system is quiet: spanalloc drained, page cache and slab
# caches dropped, and KASAN's quarantine of freed slab objects emptied
# (shrinking a slab cache flushes its quarantined objects).
memfree() {
	echo 1 > $D/drain
	sync
	echo 3 > /proc/sys/vm/drop_caches
	for f in /sys/kernel/slab/*/shrink; do
		echo 1 > "$f" 2>/dev/null
	done
	sleep 1
	awk '$1 == "MemFree:" { print $2 }' /proc/meminfo
}
meminfo() { grep -E '^(MemFree|Slab|SUnreclaim|KernelStack|PageTables|Percpu|VmallocUsed):' /proc/meminfo | tr -s ' ' | tr '\n' ' '; }

[ -d $F ] || fail "no $F (CONFIG_FAULT_INJECTION_DEBUG_FS)"
# Warm up (kthread stacks, tracing, the first chunks), then take the baseline.
echo 1000 > $P/stress_ms || fail "warm-up stress failed"
free0=$(memfree)
echo "faults: baseline MemFree $free0 kB, heap_sys $(ms heap_sys); $(meminfo)"

echo 0 > $F/probability
echo 1 > $F/interval
echo $TIMES > $F/times
echo 0 > $F/verbose
echo 0 > $F/space
echo N > $F/ignore-gfp-wait
echo N > $F/ignore-gfp-highmem
echo 0 > $F/min-order
echo Y > $F/task-filter

fails0=$(st alloc_failures)
echo $STRESS_MS > $P/stress_ms &
pid=$!
sleep 1
echo $PROBABILITY > $F/probability
echo "faults: injecting: probability $PROBABILITY%, $(nproc) CPUs, stress ${STRESS_MS} ms"
sleep 3
echo "faults: meanwhile: $(tr '\n' ' ' < $W)"
wait $pid
st=$?
echo 0 > $F/probability
echo N > $F/task-filter
injected=$((TIMES - $(cat $F/times)))
[ $st -eq 0 ] || fail "stress_ms write failed (status $st)"
fails=$(( $(st alloc_failures) - fails0 ))
echo "faults: page allocations failed by injection: $injected; workload allocations that returned NULL: $fails"
echo "faults: workload: $(tr '\n' ' ' < $W)"
[ $injected -gt 0 ] || fail "fail_page_alloc injected nothing"
[ $fails -gt 0 ] || fail "no allocation returned NULL under $PROBABILITY% page allocation failures"
[ "$(st corrupted)" -eq 0 ] || fail "$(st corrupted) objects corrupted"
[ "$(st live)" -eq 0 ] || fail "the workload still holds $(st live) objects"
[ "$(st duplicates)" -eq 0 ] || fail "a bulk allocation returned the same object twice"

# Phase 2, every task and hardirq context: fail 50% of the allocations of
# order 9 and above (spanalloc's chunks; nothing else in the guest asks for
# that order, and GFP_ATOMIC refills never ask for a whole chunk).
echo N > $F/task-filter
echo 9 > $F/min-order
echo $TIMES > $F/times
fails0=$(st alloc_failures)
echo $((STRESS_MS / 2)) > $P/stress_ms &
pid=$!
sleep 1
echo 50 > $F/probability
wait $pid
st=$?
echo 0 > $F/probability
echo 0 > $F/min-order
injected2=$((TIMES - $(cat $F/times)))
fails=$(( $(st alloc_failures) - fails0 ))
echo "faults: phase 2 (order >= 9, all contexts, 50%): page allocations failed by injection: $injected2; NULLs: $fails"
[ $st -eq 0 ] || fail "phase 2 stress_ms write failed (status $st)"
[ "$injected2" -gt 0 ] || fail "phase 2 injected nothing"
[ "$fails" -eq 0 ] || fail "phase 2: $fails allocations returned NULL although only chunks (order >= 9) failed: no fallback to the span's own order"
[ "$(st corrupted)" -eq 0 ] || fail "$(st corrupted) objects corrupted"
[ "$(st live)" -eq 0 ] || fail "the workload still holds $(st live) objects"

# Still works once injection stops.
echo 2000 > $P/stress_ms || fail "stress after injection failed"
[ "$(st corrupted)" -eq 0 ] || fail "$(st corrupted) objects corrupted after injection"
free1=$(memfree)
echo "faults: after drain: heap_sys $(ms heap_sys) live_objects $(ms live_objects) bad_frees $(ms bad_frees) corruptions $(ms corruptions)"
echo "faults: $(meminfo)"
echo "faults: MemFree baseline $free0 kB, now $free1 kB (difference $((free0 - free1)) kB, margin $MARGIN_KB kB)"
[ "$(ms live_objects)" -eq 0 ] || fail "live_objects $(ms live_objects)"
[ "$(ms heap_sys)" -eq 0 ] || fail "heap_sys $(ms heap_sys) after drain"
[ "$(ms bad_frees)" -eq 0 ] || fail "bad_frees $(ms bad_frees)"
[ $((free0 - free1)) -le $MARGIN_KB ] || fail "MemFree is $((free0 - free1)) kB below its baseline"
echo "faults: ok"
