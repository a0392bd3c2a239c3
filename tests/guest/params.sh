#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --ext tests/guest/workload --timeout 300
# spanalloc's load-time parameters at non-default values (the run-time
# ones, keep_empty_spans, cpu_cache_kib, scavenge_ms and
# scavenge_reserve_kib, are set through sysfs by KUnit's
# spanalloc_behaviour suite). chunk_order out of range is refused (EINVAL,
# named in dmesg); chunk_order=10 gives 4 MiB chunks; loaded together with
# keep_empty_spans=0, cpu_cache_kib=0, transfer_kib=0 and scavenge_ms=0, a
# freed object is neither cached (in a CPU cache or a transfer cache) nor
# kept in an empty span, and the heap keeps its idle chunk until a drain.
D=/sys/kernel/debug/spanalloc
M=/sys/module/spanalloc/parameters
P=/sys/module/sa_workload/parameters

fail() { echo "params: FAIL: $*"; exit 1; }
ms() { awk -v k="$1" '$1 == k { print $2 }' "$D/memstats"; }
# busybox sh would run its own insmod applet: the harness's loader, whose
# status is the errno.
load() { /sbin/sa-insmod "$@"; }

rmmod sa_workload || fail "rmmod sa_workload"
rmmod spanalloc || fail "rmmod spanalloc"
for bad in 5 11; do
	load /modules/spanalloc.ko chunk_order=$bad
	st=$?
	echo "params: insmod spanalloc.ko chunk_order=$bad: status $st"
	[ $st -eq 22 ] || fail "chunk_order=$bad: status $st, expected 22 (EINVAL)"
	dmesg | grep -q "chunk_order=$bad must be in" || fail "no 'chunk_order=$bad must be in' in dmesg"
	grep -q '^spanalloc ' /proc/modules && fail "spanalloc loaded with chunk_order=$bad"
done

load /modules/spanalloc.ko chunk_order=10 keep_empty_spans=0 cpu_cache_kib=0 transfer_kib=0 \
	scavenge_ms=0 || fail "insmod with chunk_order=10 ... failed"
for p in chunk_order=10 keep_empty_spans=0 cpu_cache_kib=0 transfer_kib=0 scavenge_ms=0; do
	[ "$(cat $M/${p%=*})" = "${p#*=}" ] || fail "$M/${p%=*} is $(cat $M/${p%=*}), not ${p#*=}"
done
dmesg | grep -q 'spanalloc: .* 4096 KiB chunks, 0 KiB per CPU cache' ||
	fail "no '4096 KiB chunks, 0 KiB per CPU cache' line: $(dmesg | grep 'spanalloc: .*chunks')"
load /modules/ext/workload/sa_workload.ko || fail "insmod sa_workload"

echo 1000 > $P/one || fail "one=1000 failed"
echo "params: after one=1000: heap_sys $(ms heap_sys) heap_inuse $(ms heap_inuse) cpu_cached_bytes $(ms cpu_cached_bytes) transfer_cached_bytes $(ms transfer_cached_bytes) central_free_bytes $(ms central_free_bytes) live_objects $(ms live_objects)"
[ "$(ms heap_sys)" -eq 4194304 ] || fail "heap_sys $(ms heap_sys), expected one 4 MiB chunk"
[ "$(ms cpu_cached_bytes)" -eq 0 ] || fail "cpu_cache_kib=0 but $(ms cpu_cached_bytes) bytes cached"
[ "$(ms transfer_cached_bytes)" -eq 0 ] ||
	fail "transfer_kib=0 but $(ms transfer_cached_bytes) bytes in transfer caches"
[ "$(ms central_free_bytes)" -eq 0 ] || fail "keep_empty_spans=0 but an empty span is kept"
[ "$(ms heap_inuse)" -eq 0 ] || fail "heap_inuse $(ms heap_inuse) with nothing live or kept"
# transfer_kib at run time: the freed object, and the rest of the batch
# the allocation fetched (no CPU cache may keep them), now wait in their
# class's transfer cache until a drain.
echo 4096 > $M/transfer_kib || fail "cannot set transfer_kib"
echo 1000 > $P/one || fail "one=1000 failed"
t=$(ms transfer_cached_bytes)
echo "params: transfer_kib=4096, one=1000: transfer_cached_bytes $t cpu_cached_bytes $(ms cpu_cached_bytes)"
if [ "$t" -lt 1024 ] || [ $((t % 1024)) -ne 0 ]; then
	fail "transfer_cached_bytes $t, expected whole 1024-byte slots, at least the freed one"
fi
[ "$(ms cpu_cached_bytes)" -eq 0 ] || fail "cpu_cache_kib=0 but $(ms cpu_cached_bytes) bytes cached"
echo 1 > $D/drain
[ "$(ms transfer_cached_bytes)" -eq 0 ] || fail "transfer_cached_bytes $(ms transfer_cached_bytes) after a drain"
[ "$(ms heap_inuse)" -eq 0 ] || fail "heap_inuse $(ms heap_inuse) after a drain"
echo 0 > $M/transfer_kib || fail "cannot set transfer_kib back to 0"
echo $((3 * 1024 * 1024)) > $P/burst || fail "burst failed"
echo 1 > $P/free_all || fail "free_all failed"
[ "$(cat $P/corrupted)" -eq 0 ] || fail "$(cat $P/corrupted) objects corrupted"
sleep 2
sys=$(ms heap_sys)
echo "params: 3 MiB burst freed, 2 s later with scavenge_ms=0: heap_sys $sys"
[ "$sys" -gt 0 ] || fail "heap_sys 0 with the scavenger off"
[ $((sys % 4194304)) -eq 0 ] || fail "heap_sys $sys is not whole 4 MiB chunks"
echo 1 > $D/drain
[ "$(ms heap_sys)" -eq 0 ] || fail "heap_sys $(ms heap_sys) after a drain"
rmmod sa_workload || fail "rmmod sa_workload"
rmmod spanalloc || fail "rmmod spanalloc"
echo "params: ok"
