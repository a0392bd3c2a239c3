#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --mem 256M --ext tests/guest/workload
# Memory pressure in a 256 MiB guest. With the scavenger off, spanalloc
# holds the pages of a freed 48 MiB burst idle; a memory hog (a tmpfs
# file, not reclaimable without swap) then needs more than MemAvailable, so
# it only fits if the shrinker gives the idle memory back. Under the hog the
# workload's bursts complete or fail cleanly with NULLs (counted); nothing
# may be OOM-killed. After the hog is removed a drain leaves heap_sys 0.
D=/sys/kernel/debug/spanalloc
P=/sys/module/sa_workload/parameters
MB=1048576
BURST_MB=48
HEADROOM_MB=40
ROUND_MB=16
ROUNDS=3

fail() { rm -f /tmp/hog; echo "pressure: FAIL: $*"; exit 1; }
ms() { awk -v k="$1" '$1 == k { print $2 }' "$D/memstats"; }
mem() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
ooms() { dmesg | grep -i -E 'killed process|out of memory|oom-kill'; }

echo 0 > /sys/module/spanalloc/parameters/scavenge_ms || fail "cannot set scavenge_ms"
mount -o remount,size=95% /tmp || fail "cannot resize /tmp"
echo "pressure: MemTotal $(mem MemTotal) kB MemAvailable $(mem MemAvailable) kB"

echo $((BURST_MB * MB)) > $P/burst || fail "burst failed"
echo 1 > $P/free_all || fail "free_all failed"
held=$(ms heap_sys)
shrinks0=$(ms shrinks)
avail=$(mem MemAvailable)
echo "pressure: ${BURST_MB} MiB burst freed: spanalloc holds $((held / MB)) MiB idle (heap_sys $held), MemAvailable $avail kB"
[ "$held" -ge $((BURST_MB * MB)) ] || fail "spanalloc holds only $held bytes after the burst: nothing idle to give back"

hog=$(( (avail * 1024 + held) / MB - HEADROOM_MB ))
echo "pressure: hog: $hog MiB into tmpfs ($((hog - avail / 1024)) MiB more than MemAvailable)"
[ $((hog * 1024)) -gt "$avail" ] || fail "the hog ($hog MiB) would fit without reclaim: adjust BURST_MB/HEADROOM_MB"
dd if=/dev/zero of=/tmp/hog bs=1M count=$hog 2>/tmp/dd.err || { cat /tmp/dd.err; fail "dd of the hog failed"; }
echo "pressure: hog written: $(du -m /tmp/hog | cut -f1) MiB; heap_sys now $(ms heap_sys), shrinks +$(( $(ms shrinks) - shrinks0 )), MemAvailable $(mem MemAvailable) kB, MemFree $(mem MemFree) kB"
[ -z "$(ooms)" ] || fail "OOM kill while spanalloc held idle memory: $(ooms)"
# The hog fit because the shrinker gave the idle memory back.
[ $(( $(ms shrinks) - shrinks0 )) -gt 0 ] || fail "the hog fit but the shrinker never ran (shrinks did not grow)"
[ "$(ms heap_sys)" -lt "$held" ] || fail "heap_sys $(ms heap_sys) under the hog: nothing of the $held idle bytes was given back"

f0=$(cat $P/alloc_failures)
r=0
while [ $r -lt $ROUNDS ]; do
	r=$((r + 1))
	echo $((ROUND_MB * MB)) > $P/burst || fail "burst $r failed"
	echo "pressure: round $r: ${ROUND_MB} MiB burst under the hog: $(cat $P/live) objects held, heap_sys $(ms heap_sys), failures so far $(( $(cat $P/alloc_failures) - f0 ))"
	echo 1 > $P/free_all || fail "free_all $r failed"
	[ "$(cat $P/corrupted)" -eq 0 ] || fail "$(cat $P/corrupted) objects corrupted"
done
echo "pressure: $ROUNDS bursts under pressure done: allocation failures (NULL, counted) $(( $(cat $P/alloc_failures) - f0 ))"
[ -z "$(ooms)" ] || fail "OOM kill under pressure: $(ooms)"

rm -f /tmp/hog
echo 1 > $D/drain
echo "pressure: after cleanup and drain: heap_sys $(ms heap_sys) live_objects $(ms live_objects) shrinks +$(( $(ms shrinks) - shrinks0 )) MemAvailable $(mem MemAvailable) kB"
echo "pressure: OOM kills: $(ooms | wc -l)"
[ "$(ms live_objects)" -eq 0 ] || fail "live_objects $(ms live_objects)"
[ "$(ms heap_sys)" -eq 0 ] || fail "heap_sys $(ms heap_sys) after drain"
[ "$(cat $P/live)" -eq 0 ] || fail "the workload still holds $(cat $P/live) objects"
echo "pressure: ok"
