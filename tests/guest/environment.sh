#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --smp 2 --timeout 300
#
# Guest test (run by make check in a test-kernel guest with spanalloc.ko
# loaded): the test kernel offers what the other guest tests rely on:
# debugfs with spanalloc's files, tracefs, fail_page_alloc's knobs, CPU
# hotplug and KUnit's debugfs. Template for new tests/guest/*.sh: plain sh
# (busybox), exit 0 on success; a "# vm.sh: OPTIONS" line adds vm.sh options.
set -e
fail() { echo "environment: FAIL: $*"; exit 1; }

grep -q '^spanalloc ' /proc/modules || fail "spanalloc.ko not loaded"
[ -r /sys/kernel/debug/spanalloc/memstats ] || fail "no debugfs spanalloc/memstats"
grep -q '^mallocs ' /sys/kernel/debug/spanalloc/memstats || fail "memstats has no mallocs line"
[ -d /sys/kernel/tracing/events ] || fail "tracefs not mounted"
[ -w /sys/kernel/debug/fail_page_alloc/probability ] || fail "no fail_page_alloc debugfs knobs"
[ -d /sys/kernel/debug/kunit ] || fail "no KUnit debugfs"
[ -w /sys/devices/system/cpu/cpu1/online ] || fail "cpu1 cannot be hotplugged"
echo 0 > /sys/devices/system/cpu/cpu1/online
[ "$(cat /sys/devices/system/cpu/online)" = "0" ] || fail "cpu1 did not go offline"
echo 1 > /sys/devices/system/cpu/cpu1/online
[ "$(cat /sys/devices/system/cpu/online)" = "0-1" ] || fail "cpu1 did not come back"
echo "environment: ok: debugfs, tracefs, fail_page_alloc, KUnit debugfs, CPU hotplug"
