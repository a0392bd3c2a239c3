#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --ext tests/guest/workload
# The background scavenger gives memory back by itself: after a burst of
# 8 MiB is freed, heap_sys falls to 0 within 5 s with scavenge_ms=1000 and
# heap_released grows by at least the burst's pages.
D=/sys/kernel/debug/spanalloc
P=/sys/module/sa_workload/parameters
BURST=8388608
LIMIT_CS=500	# 5 s in centiseconds

fail() { echo "scavenger: FAIL: $*"; exit 1; }
ms() { awk -v k="$1" '$1 == k { print $2 }' "$D/memstats"; }
now_cs() { awk '{ split($1, t, "."); print t[1] * 100 + t[2] }' /proc/uptime; }

echo 1000 > /sys/module/spanalloc/parameters/scavenge_ms || fail "cannot set scavenge_ms"
echo 0 > /sys/module/spanalloc/parameters/scavenge_reserve_kib || fail "cannot set scavenge_reserve_kib"
rel0=$(ms heap_released)
echo "scavenger: before: heap_sys $(ms heap_sys) heap_released $rel0"

echo $BURST > $P/burst || fail "burst failed"
echo "scavenger: burst: $(cat $P/live) objects, heap_alloc $(ms heap_alloc) heap_sys $(ms heap_sys)"
echo 1 > $P/free_all || fail "free_all failed"
t0=$(now_cs)
sys=$(ms heap_sys)
echo "scavenger: after free_all: heap_sys $sys live_objects $(ms live_objects) cpu_cached_bytes $(ms cpu_cached_bytes)"
[ "$sys" -gt 0 ] || fail "heap_sys is already 0 right after the free: nothing left for the scavenger to do (was it freed synchronously?)"
[ "$(cat $P/corrupted)" -eq 0 ] || fail "$(cat $P/corrupted) objects corrupted"

while :; do
	sys=$(ms heap_sys)
	el=$(( $(now_cs) - t0 ))
	[ "$sys" -eq 0 ] && break
	[ $el -le $LIMIT_CS ] || fail "heap_sys still $sys after $((el / 100)).$((el % 100 / 10)) s (scavenge_ms=1000); memstats: $(tr -s ' ' < $D/memstats | tr '\n' ' ')"
	usleep 100000
done
rel=$(( $(ms heap_released) - rel0 ))
echo "scavenger: heap_sys 0 after $((el / 100)).$(printf %02d $((el % 100))) s; heap_released grew by $rel bytes ($((rel / 4096)) pages)"
[ "$(ms live_objects)" -eq 0 ] || fail "live_objects $(ms live_objects)"
[ $rel -ge $BURST ] || fail "heap_released grew by only $rel bytes, the burst was $BURST"
echo "scavenger: ok"
