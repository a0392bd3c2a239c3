#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --kernel stockrt --ext tests/guest/workload --timeout 180
# PREEMPT_RT: sa_workload's stress on Debian's PREEMPT_RT 6.12 kernel
# (scripts/check.sh's PREEMPT_RT stage runs it at 2 and 4 vCPUs; it lives
# outside tests/guest/, whose scripts all run on the test kernel). One
# unbound worker per CPU allocates and frees mixed sizes, tiny and bulk
# objects, frees objects other workers allocated (cross-CPU frees); worker 0
# drains every DRAIN_MS (spanalloc_drain(): a flush on every CPU); CPUs 1..N-1
# go offline and online over and over meanwhile. Then every object must have
# been intact (corrupted 0), no bulk call may have returned an object twice
# (duplicates 0), and after a drain spanalloc counts no bad free, no live
# object and holds no page.
#
# sa_workload's "hardirq" allocations come from an hrtimer started with
# HRTIMER_MODE_REL, not HRTIMER_MODE_HARD: PREEMPT_RT expires such timers in
# softirq context (the timer softirq thread), where GFP_ATOMIC allocations
# are allowed, so irq_us keeps its default here and the module is unchanged.
# The HRTIMER softirq count shows where they ran.
#
# Environment (on vm.sh's command line): RT_STRESS_MS (default 20000),
# DRAIN_MS (default 100).
D=/sys/kernel/debug/spanalloc
P=/sys/module/sa_workload/parameters
W=/sys/kernel/debug/sa_workload/stats
STRESS_MS=${RT_STRESS_MS:-20000}
DRAIN_MS=${DRAIN_MS:-100}

fail() { echo "rt-workload: FAIL: $*"; exit 1; }
ms() { awk -v k="$1" '$1 == k { print $2 }' "$D/memstats"; }
st() { awk -v k="$1" '$1 == k { print $2 }' "$W"; }
now() { awk '{ split($1, t, "."); print t[1] }' /proc/uptime; }
hrtimer_softirqs() { awk '$1 == "HRTIMER:" { n = 0; for (i = 2; i <= NF; i++) n += $i; print n }' /proc/softirqs; }

[ "$(cat /sys/kernel/realtime 2>/dev/null)" = 1 ] || fail "not a PREEMPT_RT kernel ($(uname -v))"
ncpu=$(nproc)
echo "rt-workload: $(uname -r) $(uname -v), $ncpu CPUs, stress $STRESS_MS ms, drain every $DRAIN_MS ms, hrtimer allocations every $(cat $P/irq_us) us"
echo "$DRAIN_MS" > $P/drain_ms || fail "cannot set drain_ms"
hot=""
c=1
while [ $c -lt "$ncpu" ]; do
	[ -w "/sys/devices/system/cpu/cpu$c/online" ] && hot="$hot $c"
	c=$((c + 1))
done
echo "rt-workload: hotplug CPUs:${hot:- none (not hotpluggable)}"

hr0=$(hrtimer_softirqs)
t0=$(now)
echo "$STRESS_MS" > $P/stress_ms &
pid=$!
sleep 1
cycles=0 failed_cycles=0
while kill -0 $pid 2>/dev/null && [ $(( $(now) - t0 )) -lt $((STRESS_MS / 1000 - 2)) ]; do
	for c in $hot; do
		if echo 0 > "/sys/devices/system/cpu/cpu$c/online"; then
			usleep 200000
			echo 1 > "/sys/devices/system/cpu/cpu$c/online" || fail "cpu$c would not come back online"
			cycles=$((cycles + 1))
		else
			failed_cycles=$((failed_cycles + 1))
		fi
		usleep 200000
	done
	[ -n "$hot" ] || sleep 1
	echo "rt-workload: $(( $(now) - t0 )) s: ops $(st ops) corrupted $(st corrupted) cross_frees $(st cross_frees) irq_allocs $(st irq_allocs) drains $(st drains); $cycles hotplug cycles"
done
wait $pid
rc=$?
elapsed=$(( $(now) - t0 ))
for c in $hot; do
	echo 1 > "/sys/devices/system/cpu/cpu$c/online" 2>/dev/null
done
hr=$(( $(hrtimer_softirqs) - hr0 ))
echo "rt-workload: workload: $(tr '\n' ' ' < $W)"
echo 1 > $D/drain
echo "rt-workload: after drain: heap_sys $(ms heap_sys) live_objects $(ms live_objects) bad_frees $(ms bad_frees) corruptions $(ms corruptions)"
[ $rc -eq 0 ] || fail "stress_ms write failed (status $rc)"
[ "$(st ops)" -gt 0 ] || fail "the workload did nothing"
[ "$(st corrupted)" -eq 0 ] || fail "$(st corrupted) objects corrupted"
[ "$(st duplicates)" -eq 0 ] || fail "$(st duplicates) objects a bulk allocation returned twice"
[ "$(st live)" -eq 0 ] || fail "the workload still holds $(st live) objects"
[ "$(ms bad_frees)" -eq 0 ] || fail "bad_frees $(ms bad_frees)"
[ "$(ms live_objects)" -eq 0 ] || fail "live_objects $(ms live_objects)"
[ "$(ms heap_sys)" -eq 0 ] || fail "heap_sys $(ms heap_sys) after drain"
[ -z "$hot" ] || [ $cycles -gt 0 ] || fail "no CPU went offline and online ($failed_cycles refused)"
echo "rt-workload: summary: $ncpu CPUs, ${elapsed} s: ops $(st ops), cross-CPU frees $(st cross_frees), timer allocations $(st irq_allocs) (HRTIMER softirqs +$hr), drains $(st drains), hotplug cycles $cycles, corrupted $(st corrupted), duplicates $(st duplicates), bad_frees $(ms bad_frees)"
