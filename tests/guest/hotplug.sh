#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --smp 4 --ext tests/guest/workload
# CPU hotplug under load: CPUs 1-3 go offline and online while the stress
# workers (not bound to CPUs) allocate and free. An offline CPU holds no
# cached object; afterwards nothing is lost or damaged and a drain gives
# every page back.
D=/sys/kernel/debug/spanalloc
P=/sys/module/sa_workload/parameters
W=/sys/kernel/debug/sa_workload/stats
STRESS_MS=30000
ROUNDS=3

fail() { echo "hotplug: FAIL: $*"; exit 1; }
ms() { awk -v k="$1" '$1 == k { print $2 }' "$D/memstats"; }
st() { awk -v k="$1" '$1 == k { print $2 }' "$W"; }
# cpus columns: cpu online cached_objs ...
cpucol() { awk -v c="$1" -v k="$2" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	$1 == c { print $col[k] }' "$D/cpus"; }

[ "$(nproc)" -ge 4 ] || fail "needs 4 CPUs, has $(nproc)"
echo $STRESS_MS > $P/stress_ms &
pid=$!
sleep 2
cycles=0
r=0
while [ $r -lt $ROUNDS ]; do
	r=$((r + 1))
	for c in 1 2 3; do
		before=$(cpucol $c cached_objs)
		echo 0 > /sys/devices/system/cpu/cpu$c/online || fail "cpu$c would not go offline"
		sleep 1
		on=$(cpucol $c online)
		cached=$(cpucol $c cached_objs)
		echo "hotplug: round $r: cpu$c offline: online $on cached_objs $cached (had $before just before); ops so far $(st ops)"
		[ "$on" = 0 ] || fail "cpus shows cpu$c online=$on while it is offline"
		[ "$cached" = 0 ] || fail "offline cpu$c still caches $cached objects"
		echo 1 > /sys/devices/system/cpu/cpu$c/online || fail "cpu$c would not come back online"
		cycles=$((cycles + 1))
		sleep 1
	done
	# Two at once, then both back.
	echo 0 > /sys/devices/system/cpu/cpu2/online || fail "cpu2 would not go offline"
	echo 0 > /sys/devices/system/cpu/cpu3/online || fail "cpu3 would not go offline"
	sleep 1
	if [ "$(cpucol 2 cached_objs)" != 0 ] || [ "$(cpucol 3 cached_objs)" != 0 ]; then
		fail "offline cpu2/cpu3 cache $(cpucol 2 cached_objs)/$(cpucol 3 cached_objs) objects"
	fi
	echo 1 > /sys/devices/system/cpu/cpu2/online || fail "cpu2 would not come back online"
	echo 1 > /sys/devices/system/cpu/cpu3/online || fail "cpu3 would not come back online"
	cycles=$((cycles + 2))
done
echo "hotplug: $cycles offline/online cycles done; waiting for the workload"
wait $pid || fail "stress_ms write failed"
echo "hotplug: workload: $(tr '\n' ' ' < $W)"
[ "$(st corrupted)" -eq 0 ] || fail "$(st corrupted) objects corrupted"
[ "$(st live)" -eq 0 ] || fail "the workload still holds $(st live) objects"
[ "$(st duplicates)" -eq 0 ] || fail "a bulk allocation returned the same object twice"
[ "$(st ops)" -gt 0 ] || fail "the workload did nothing"
echo 1 > $D/drain
echo "hotplug: after drain: heap_sys $(ms heap_sys) live_objects $(ms live_objects) cpu_cached_bytes $(ms cpu_cached_bytes) bad_frees $(ms bad_frees)"
[ "$(ms live_objects)" -eq 0 ] || fail "live_objects $(ms live_objects)"
[ "$(ms heap_sys)" -eq 0 ] || fail "heap_sys $(ms heap_sys) after drain"
[ "$(ms bad_frees)" -eq 0 ] || fail "bad_frees $(ms bad_frees)"
echo "hotplug: ok"
