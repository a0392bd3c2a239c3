#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --ext tests/guest/workload
# The shrinker: with the scavenger off, freed memory stays in spanalloc
# until reclaim; echo 2 > /proc/sys/vm/drop_caches must give it all back.
# Its rate limit: it flushes the CPU caches at most every 100 ms, so one
# drop_caches taking T seconds counts at most 1 + 10 T shrinks (it counts
# 1 or 2 here: reclaim stops calling once a call gives nothing back, so
# this bound does not catch the limit removed; that needs two calls within
# 100 ms, e.g. through CONFIG_SHRINKER_DEBUG's scan file).
D=/sys/kernel/debug/spanalloc
P=/sys/module/sa_workload/parameters
BURST=8388608

fail() { echo "shrinker: FAIL: $*"; exit 1; }
ms() { awk -v k="$1" '$1 == k { print $2 }' "$D/memstats"; }
now_cs() { awk '{ split($1, t, "."); print t[1] * 100 + t[2] }' /proc/uptime; }

echo 0 > /sys/module/spanalloc/parameters/scavenge_ms || fail "cannot set scavenge_ms"
shrinks0=$(ms shrinks)
rel0=$(ms heap_released)
echo $BURST > $P/burst || fail "burst failed"
echo 1 > $P/free_all || fail "free_all failed"
[ "$(cat $P/corrupted)" -eq 0 ] || fail "$(cat $P/corrupted) objects corrupted"
sleep 2
sys=$(ms heap_sys)
echo "shrinker: burst $BURST bytes freed, scavenger off, 2 s later: heap_sys $sys cpu_cached_bytes $(ms cpu_cached_bytes) shrinks $shrinks0"
[ "$sys" -gt 0 ] || fail "heap_sys is 0 with the scavenger off: nothing for the shrinker to do"

t0=$(now_cs)
echo 2 > /proc/sys/vm/drop_caches
el=$(( $(now_cs) - t0 ))
sys=$(ms heap_sys)
shrinks=$(ms shrinks)
rel=$(( $(ms heap_released) - rel0 ))
echo "shrinker: after drop_caches ($((el / 100)).$(printf %02d $((el % 100))) s): heap_sys $sys shrinks $shrinks heap_released +$rel bytes"
[ "$sys" -eq 0 ] || fail "heap_sys $sys after drop_caches; memstats: $(tr -s ' ' < $D/memstats | tr '\n' ' ')"
[ "$shrinks" -ge $((shrinks0 + 1)) ] || fail "shrinks did not grow ($shrinks0 -> $shrinks)"
[ $((shrinks - shrinks0)) -le $((1 + el / 10)) ] ||
	fail "one drop_caches flushed $((shrinks - shrinks0)) times in $((el / 100)).$(printf %02d $((el % 100))) s: more than one flush per 100 ms"
[ "$(ms live_objects)" -eq 0 ] || fail "live_objects $(ms live_objects)"
echo "shrinker: ok"
