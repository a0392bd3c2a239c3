#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --ext tests/guest/workload --ext tests/guest/leak
# Unload with objects clients never freed. sa_workload leaks 10 objects of
# 64 bytes; sa_leak (tests/guest/leak, loaded at boot) leaked 5 tiny, 5
# small, 3 large and 1 direct (3 MiB) object at load. While a client is
# loaded, rmmod spanalloc is refused and spanalloc keeps working. Once the
# clients are gone, rmmod spanalloc reports the 24 leaked objects (a
# pr_warn, not a WARN), 5 tiny and 4 large among them, and gives every
# page back: MemFree grows by at least the heap_sys it held.
D=/sys/kernel/debug/spanalloc
P=/sys/module/sa_workload/parameters
MARGIN_KB=1024

fail() { echo "unload: FAIL: $*"; exit 1; }
ms() { awk -v k="$1" '$1 == k { print $2 }' "$D/memstats"; }
memfree() { sync; awk '$1 == "MemFree:" { print $2 }' /proc/meminfo; }

grep -q '^sa_leak ' /proc/modules || fail "sa_leak is not loaded"
dmesg | grep -q 'sa_leak: leaked 5 tiny, 5 small, 3 large and 1 direct objects' ||
	fail "sa_leak did not leak what it should: $(dmesg | grep sa_leak)"
echo 10 > $P/leak || fail "leak failed"
echo "unload: sa_workload leaked $(cat $P/live) objects"
[ "$(cat $P/live)" -eq 10 ] || fail "expected 10 leaked objects"
live=$(ms live_objects)
echo "unload: spanalloc: live_objects $live tiny_allocs $(ms tiny_allocs) heap_sys $(ms heap_sys)"
[ "$live" -eq 24 ] || fail "live_objects $live, expected 10 + 5 + 5 + 3 + 1 = 24"

# A client is loaded: spanalloc cannot go, and still works.
if rmmod spanalloc 2>/tmp/rmmod.err; then
	fail "rmmod spanalloc succeeded while sa_workload and sa_leak use it"
fi
echo "unload: rmmod spanalloc with clients loaded refused: $(cat /tmp/rmmod.err)"
grep -q '^spanalloc ' /proc/modules || fail "spanalloc gone after a refused rmmod"
echo 1000 > $P/one || fail "spanalloc does not work after the refused rmmod"
[ "$(ms live_objects)" -eq 24 ] || fail "live_objects $(ms live_objects) after one=1000, expected 24"

rmmod sa_workload || fail "rmmod sa_workload failed"
rmmod sa_leak || fail "rmmod sa_leak failed"
held=$(ms heap_sys)
free0=$(memfree)
echo "unload: before rmmod spanalloc: heap_sys $held bytes ($((held / 1024)) kB), MemFree $free0 kB"
[ "$held" -gt 0 ] || fail "heap_sys is 0 with 24 live objects"
rmmod spanalloc || fail "rmmod spanalloc failed"
free1=$(memfree)
echo "unload: after: MemFree $free1 kB (+$((free1 - free0)) kB; spanalloc held $((held / 1024)) kB, margin $MARGIN_KB kB)"
[ -e /sys/module/spanalloc ] && fail "spanalloc still loaded"
line=$(dmesg | grep 'spanalloc: unloading with')
echo "unload: dmesg: ${line:-nothing}"
echo "$line" | grep -q 'unloading with 24 live objects' || fail "no 'unloading with 24 live objects' line in dmesg"
kinds=$(dmesg | grep 'spanalloc:.*leaked tiny and')
echo "unload: dmesg: ${kinds:-nothing}"
echo "$kinds" | grep -q '5 leaked tiny and 4 leaked large objects' || fail "no '5 leaked tiny and 4 leaked large objects' line"
[ $((free1 - free0)) -ge $((held / 1024 - MARGIN_KB)) ] ||
	fail "MemFree grew by $((free1 - free0)) kB, spanalloc held $((held / 1024)) kB: pages did not come back"
echo "unload: ok"
