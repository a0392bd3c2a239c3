#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --mem 512M --ext tests/guest/fragment
# Fragmented memory: sa_fragment (test=1, one write) drains spanalloc so it
# holds no free chunk, takes the guest's free pages and gives back only the
# odd page frames, so the free memory is single pages (the zones' free
# blocks per order, what /proc/buddyinfo shows, are logged: no block of
# order >= 1, or next to none); then spanalloc must serve every size from
# 8 B to 4 KiB (all held at once) with GFP_KERNEL and with GFP_ATOMIC (under
# preempt_disable()): zero failures. The pages go back in the same write:
# while memory is fragmented the kernel cannot get two contiguous pages, so
# nothing else may run (an order-1 slab of the KASAN kernel's names_cache
# for a shell's open() OOM-killed the shell when the script ran there).
# None of it may stall the page allocator in direct compaction or reclaim
# (compact_stall, allocstall_*, counted over the two passes). Afterwards
# a drain leaves nothing behind.
D=/sys/kernel/debug/spanalloc
P=/sys/module/sa_fragment/parameters
# Free blocks of order >= 1 tolerated once fragmented (freed meanwhile).
MAX_HIGH_BLOCKS=16

fail() { echo "fragment: FAIL: $*"; exit 1; }
ms() { awk -v k="$1" '$1 == k { print $2 }' "$D/memstats"; }
p() { cat "$P/$1"; }

echo "fragment: MemFree $(awk '$1 == "MemFree:" { print $2 }' /proc/meminfo) kB; /proc/buddyinfo:"
sed 's/^/    /' /proc/buddyinfo
echo 1 > $P/run || fail "run=1 failed"
echo "fragment: control, memory not fragmented: GFP_KERNEL failures $(p failures_kernel), GFP_ATOMIC failures $(p failures_atomic); stalls: $(p stalls_compact) compaction, $(p stalls_reclaim) reclaim"
if [ "$(p failures_kernel)" -ne 0 ] || [ "$(p failures_atomic)" -ne 0 ]; then
	fail "allocations failed without fragmentation"
fi

echo 1 > $D/drain
echo "fragment: spanalloc drained: heap_sys $(ms heap_sys)"
echo 1 > $P/test || fail "test=1 failed"
echo "fragment: fragmented: held $(p held_pages) pages (even frames); free blocks per order (orders 0..10) of each zone:"
dmesg | sed -n 's/.*sa_fragment: buddyinfo: /    /p' | tail -n 4
high=$(p free_high_blocks) singles=$(p free_single_pages)
k=$(p failures_kernel) a=$(p failures_atomic) c=$(p corrupted) first=$(p first_failure) u=$(p untried)
sc=$(p stalls_compact) sr=$(p stalls_reclaim)
echo "fragment: free single pages $singles, free blocks of order >= 1: $high"
echo "fragment: sizes 8..4096 B: GFP_KERNEL failures $k, GFP_ATOMIC failures $a (of 4089 each; $u not tried: a pass stops after 32 failures), smallest failing size $first, corrupted $c"
echo 1 > $D/drain
echo "fragment: page allocator stalls while fragmented: $sc compaction, $sr reclaim"
echo "fragment: pages given back; after drain: heap_sys $(ms heap_sys) live_objects $(ms live_objects) bad_frees $(ms bad_frees); MemFree $(awk '$1 == "MemFree:" { print $2 }' /proc/meminfo) kB"
[ "$high" -le $MAX_HIGH_BLOCKS ] || fail "$high free blocks of order >= 1 once fragmented (at most $MAX_HIGH_BLOCKS)"
[ "$singles" -ge 1024 ] || fail "only $singles free single pages once fragmented"
[ "$k" -eq 0 ] || fail "$k GFP_KERNEL allocations failed under fragmentation (smallest size $first)"
[ "$a" -eq 0 ] || fail "$a GFP_ATOMIC allocations failed under fragmentation (smallest size $first)"
[ "$c" -eq 0 ] || fail "$c objects corrupted"
# What spanalloc asks for beyond a span's smallest order, whole chunks and
# CPU slot blocks are opportunistic (as SLUB's higher slab orders): no
# compaction or reclaim for them. Before, each attempt reclaimed: 13,798
# stalls, and the two passes took 413 s under TCG (now 0, and 5 s).
[ "$sc" -eq 0 ] || fail "$sc direct compaction stalls under fragmentation"
[ "$sr" -eq 0 ] || fail "$sr direct reclaim stalls under fragmentation"
[ "$(ms live_objects)" -eq 0 ] || fail "live_objects $(ms live_objects)"
[ "$(ms bad_frees)" -eq 0 ] || fail "bad_frees $(ms bad_frees)"
[ "$(ms heap_sys)" -eq 0 ] || fail "heap_sys $(ms heap_sys) after drain"
echo "fragment: ok"
