#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --smp 4 --timeout 600 --ext tests/guest/workload
# Soak: the multi-CPU stress (sizes 1 B .. 1 MiB, tiny and bulk calls,
# cross-CPU frees, hardirq GFP_ATOMIC allocations, verified patterns) for
# SOAK_SECONDS, with a drain and a shrink (drop_caches) every few seconds;
# then cleanup and the summary. tests/soak/run.sh SECONDS runs a copy of
# this script with SOAK_SECONDS replaced (make soak).
SOAK_SECONDS=20
D=/sys/kernel/debug/spanalloc
P=/sys/module/sa_workload/parameters
W=/sys/kernel/debug/sa_workload/stats
PERIOD=5

fail() { echo "soak: FAIL: $*"; exit 1; }
ms() { awk -v k="$1" '$1 == k { print $2 }' "$D/memstats"; }
st() { awk -v k="$1" '$1 == k { print $2 }' "$W"; }
now() { awk '{ split($1, t, "."); print t[1] }' /proc/uptime; }
now_cs() { awk '{ split($1, t, "."); print t[1] * 100 + t[2] }' /proc/uptime; }
secs() { echo "$(($1 / 100)).$(printf %02d $(($1 % 100)))"; }

echo "soak: $SOAK_SECONDS s on $(nproc) CPUs, drain and drop_caches every $PERIOD s"
shrinks0=$(ms shrinks)
t0=$(now)
echo $((SOAK_SECONDS * 1000)) > $P/stress_ms &
pid=$!
drains=0
worst=0
while [ $(( $(now) - t0 )) -lt "$SOAK_SECONDS" ]; do
	sleep $PERIOD
	# drop_caches first, while the caches are full: a shrink each time.
	a=$(now_cs)
	s0=$(ms shrinks)
	echo 2 > /proc/sys/vm/drop_caches
	b=$(now_cs)
	echo 1 > $D/drain
	c=$(now_cs)
	drains=$((drains + 1))
	[ $((b - a)) -gt $worst ] && worst=$((b - a))
	echo "soak: $(( $(now) - t0 )) s: ops $(st ops) failures $(st alloc_failures) corrupted $(st corrupted) heap_sys $(ms heap_sys) live_objects $(ms live_objects); drop_caches took $(secs $((b - a))) s ($(( $(ms shrinks) - s0 )) shrinks), drain $(secs $((c - b))) s"
done
wait $pid
rc=$?
[ $rc -eq 0 ] || echo "soak: stress_ms write failed (status $rc)"
echo 1 > $D/drain
echo "soak: workload: $(tr '\n' ' ' < $W)"
echo "soak: operations done $(st ops)"
echo "soak: bytes moved $(st bytes)"
echo "soak: allocation failures $(st alloc_failures)"
echo "soak: cross-CPU frees $(st cross_frees), hardirq allocations $(st irq_allocs), bulk calls $(st bulk_calls), tiny allocations $(st tiny_allocs)"
echo "soak: drains $(( $(st drains) + drains )) ($(st drains) by the workload, $drains by this script), shrinks $(( $(ms shrinks) - shrinks0 ))"
echo "soak: longest drop_caches $(secs $worst) s"
echo "soak: bad frees $(ms bad_frees)"
echo "soak: corrupted objects $(st corrupted) (debug checks: $(ms corruptions); objects a bulk call gave twice: $(st duplicates))"
echo "soak: live objects after cleanup $(ms live_objects)"
echo "soak: pages held after drain $(( $(ms heap_sys) / 4096 ))"
echo "soak: splats: checked on the console by vm.sh"
[ $rc -eq 0 ] || fail "the stress did not complete"
[ "$(st ops)" -gt 0 ] || fail "no operations"
# Every kind of traffic the soak is for happened.
[ "$(st cross_frees)" -gt 0 ] || fail "no cross-CPU frees"
[ "$(st irq_allocs)" -gt 0 ] || fail "no hardirq allocations"
[ "$(st bulk_calls)" -gt 0 ] || fail "no bulk calls"
[ "$(st tiny_allocs)" -gt 0 ] || fail "no tiny allocations"
[ "$(st drains)" -gt 0 ] || fail "the workload never drained"
[ "$drains" -gt 0 ] || fail "the script never drained"
[ $(( $(ms shrinks) - shrinks0 )) -gt 0 ] || fail "drop_caches never made the shrinker give memory back"
[ "$(ms bad_frees)" -eq 0 ] || fail "bad frees"
[ "$(st corrupted)" -eq 0 ] || fail "corrupted objects"
[ "$(st duplicates)" -eq 0 ] || fail "a bulk allocation returned the same object twice"
[ "$(ms corruptions)" -eq 0 ] || fail "corruptions found by spanalloc's debug checks"
[ "$(st live)" -eq 0 ] || fail "the workload still holds objects"
[ "$(ms live_objects)" -eq 0 ] || fail "live objects after cleanup"
[ "$(ms heap_sys)" -eq 0 ] || fail "pages held after drain"
[ "$(st alloc_failures)" -eq 0 ] || fail "allocations failed without fault injection or pressure"
echo "soak: ok"
