#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --ext tests/guest/workload
# Unload with objects a client never freed: spanalloc reports them (a
# pr_warn, not a WARN) and gives everything back.
P=/sys/module/sa_workload/parameters

fail() { echo "unload: FAIL: $*"; exit 1; }

echo 10 > $P/leak || fail "leak failed"
echo "unload: sa_workload leaked $(cat $P/live) objects"
[ "$(cat $P/live)" -eq 10 ] || fail "expected 10 leaked objects"
rmmod sa_workload || fail "rmmod sa_workload failed"
rmmod spanalloc || fail "rmmod spanalloc failed"
line=$(dmesg | grep 'spanalloc: unloading with')
echo "unload: dmesg: ${line:-nothing}"
echo "$line" | grep -q 'unloading with 10 live objects' || fail "no 'unloading with 10 live objects' line in dmesg"
[ -e /sys/module/spanalloc ] && fail "spanalloc still loaded"
echo "unload: ok"
