#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --ext tests/guest/failorder
# fail_page_alloc fails every page allocation of order >= 1 (probability
# 100, min-order 1, sleeping allocations included) made by sa_failorder's
# run (task-filter: the writing task marks itself). spanalloc, drained
# first so it holds no free page, must still serve every size from 1 B to
# 4 KiB with GFP_KERNEL, GFP_ATOMIC and __GFP_NOFAIL (one-page spans cut
# from order-0 pieces), and fail cleanly with NULL above a page, as kmalloc
# would.
D=/sys/kernel/debug/spanalloc
P=/sys/module/sa_failorder/parameters
F=/sys/kernel/debug/fail_page_alloc

off() { echo 0 > $F/probability; }
fail() { off; echo "fail-order: FAIL: $*"; exit 1; }
prm() { cat "$P/$1"; }
ph() { awk -v k="$1" '$1 == k { print $2 }' "$D/pageheap"; }

[ -d $F ] || fail "no $F (CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS)"
echo 1 > $D/drain
[ "$(ph heap_sys)" = 0 ] || fail "heap_sys $(ph heap_sys) after a drain"
echo 1 > $F/interval
echo -1 > $F/times
echo 0 > $F/space
echo 0 > $F/verbose
echo Y > $F/task-filter
echo N > $F/ignore-gfp-wait
echo N > $F/ignore-gfp-highmem
echo 1 > $F/min-order
echo 100 > $F/probability
echo 1 > $P/run
off
fails=$(cat $F/times)
echo "fail-order: small ok $(prm small_ok) failed $(prm small_failed) damaged $(prm damaged); above a page: NULL $(prm large_null) ok $(prm large_ok)"
echo "fail-order: page heap under injection: pieces $(ph pieces) chunks $(ph chunks) heap_sys $(ph heap_sys) (times left $fails)"
[ "$(prm small_failed)" = 0 ] || fail "$(prm small_failed) allocations of 1 B..4 KiB returned NULL"
[ "$(prm small_ok)" -gt 0 ] || fail "no small allocation ran"
[ "$(prm damaged)" = 0 ] || fail "$(prm damaged) objects damaged"
[ "$(prm large_ok)" = 0 ] || fail "$(prm large_ok) allocations above a page succeeded with every order >= 1 failing"
[ "$(prm large_null)" -gt 0 ] || fail "no large allocation ran"
# The same run with memory to spare: everything succeeds.
echo 1 > $P/run
if [ "$(prm small_failed)" != 0 ] || [ "$(prm large_null)" != 0 ]; then
	fail "without injection: small failed $(prm small_failed), large NULL $(prm large_null)"
fi
echo 1 > $D/drain
[ "$(ph heap_sys)" = 0 ] || fail "heap_sys $(ph heap_sys) after the final drain"
echo "fail-order: ok"
