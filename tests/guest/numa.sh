#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --smp 4 --numa 2 --mem 1G --ext tests/guest/numa --load kunit/spanalloc_numa_test.ko --timeout 600
# NUMA: two emulated nodes, CPUs 0-1 on node 0 and 2-3 on node 1 (vm.sh
# --numa 2). sa_numa (tests/guest/numa, loaded at boot; run=1, see its
# header) warms every CPU up (each allocates and frees about 8 MiB of
# objects from 16 B to 64 KiB, so spanalloc holds free memory of both
# nodes), then each CPU allocates the set again: at least 99% of the
# objects must be on the CPU's own node (page_to_nid()). Each set is then
# freed by a CPU of the other node; spanalloc_alloc_node() for the other
# node must give that node's memory (at least 99%), and those objects are
# freed on that node too. After a drain, rmmod of the client, another
# drain and rmmod of spanalloc: nothing live, heap_sys 0, no leak report.
# The per-node figures: the nodes file in debugfs. The KUnit suite
# spanalloc_numa ran at boot (--load), here with two nodes: every case,
# the node cases included, must pass, none skipped.
D=/sys/kernel/debug/spanalloc
P=/sys/module/sa_numa/parameters
MIN_PCT=99

fail() { echo "numa: FAIL: $*"; exit 1; }
ms() { awk -v k="$1" '$1 == k { print $2 }' "$D/memstats"; }
p() { cat "$P/$1"; }
# "a of b" as a percentage with two decimals.
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? 100 * a / b : 0 }'; }

n=$(find /sys/devices/system/node -maxdepth 1 -name 'node[0-9]*' 2>/dev/null | wc -l)
echo "numa: $n nodes: $(for d in /sys/devices/system/node/node*; do printf '%s cpus %s; ' "${d##*/}" "$(cat "$d/cpulist")"; done)"
[ "$n" -ge 2 ] || fail "$n NUMA node(s): boot with vm.sh --numa 2 (CONFIG_NUMA, ACPI SRAT)"
grep -q '^sa_numa ' /proc/modules || fail "sa_numa is not loaded"

# The KUnit suite's totals line, after its "# Subtest: spanalloc_numa".
totals=$(dmesg | awk '/# Subtest: spanalloc_numa$/ { s = 1 } s && /# Totals:/ { sub(/.*# Totals: /, ""); print; exit }')
echo "numa: KUnit spanalloc_numa on $n nodes: ${totals:-no totals line}"
echo "$totals" | grep -Eq '^pass:[1-9][0-9]* fail:0 skip:0 ' ||
	{ dmesg | grep -E 'not ok|# (SKIP|spanalloc_numa)' | sed 's/^/numa: dmesg: /'; fail "KUnit spanalloc_numa: ${totals:-did not run}"; }

echo 1 > $P/run || fail "run=1 failed"
o=$(p objects) l=$(p local) no=$(p node_objects) nl=$(p node_local)
lp=$(pct "$l" "$o") np=$(pct "$nl" "$no")
echo "numa: $(p nodes) nodes used; per-CPU allocations after the warm-up: $l of $o objects node-local ($lp%); lowest size: $(p worst_size) B at $(p worst_local_pct)%"
echo "numa: alloc_node() for the other node: $nl of $no objects on that node ($np%)"
echo "numa: cross-node frees $(p cross_frees), failures $(p failures), corrupted $(p corrupted)"
if [ -r $D/nodes ]; then
	echo "numa: $D/nodes after the run's drain:"
	sed 's/^/numa:   /' $D/nodes
fi
[ "$(p nodes)" -ge 2 ] || fail "sa_numa used $(p nodes) node(s) with CPUs"
[ "$(p failures)" -eq 0 ] || fail "$(p failures) allocations failed"
[ "$(p corrupted)" -eq 0 ] || fail "$(p corrupted) objects corrupted"
[ "$(p cross_frees)" -gt 0 ] || fail "no cross-node frees"
awk -v p="$lp" -v m=$MIN_PCT 'BEGIN { exit !(p >= m) }' ||
	fail "only $lp% of the objects on their CPU's node (at least $MIN_PCT%)"
awk -v p="$np" -v m=$MIN_PCT 'BEGIN { exit !(p >= m) }' ||
	fail "only $np% of alloc_node()'s objects on the node asked for (at least $MIN_PCT%)"

rmmod sa_numa || fail "rmmod sa_numa failed"
rmmod spanalloc_numa_test || fail "rmmod spanalloc_numa_test failed"
echo 1 > $D/drain
echo "numa: client unloaded, drained: live_objects $(ms live_objects) heap_alloc $(ms heap_alloc) heap_sys $(ms heap_sys) bad_frees $(ms bad_frees) transfer_cached_bytes $(ms transfer_cached_bytes) cpu_cached_bytes $(ms cpu_cached_bytes)"
[ "$(ms live_objects)" -eq 0 ] || fail "live_objects $(ms live_objects) after the client's rmmod"
[ "$(ms heap_alloc)" -eq 0 ] || fail "heap_alloc $(ms heap_alloc) after the client's rmmod"
[ "$(ms bad_frees)" -eq 0 ] || fail "bad_frees $(ms bad_frees)"
[ "$(ms heap_sys)" -eq 0 ] || fail "heap_sys $(ms heap_sys) after drain"
rmmod spanalloc || fail "rmmod spanalloc failed"
if dmesg | grep -q 'spanalloc: unloading with'; then
	dmesg | grep -A4 'spanalloc: unloading with' | sed 's/^/numa: dmesg: /'
	fail "spanalloc reported leaks at unload"
fi
echo "numa: spanalloc unloaded with no leak report"
echo "numa: ok"
