#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make demo: boot Debian's stock kernel, load spanalloc.ko and the example
# client (examples/client), run a short workload and print every debugfs
# file in /sys/kernel/debug/spanalloc. Extra arguments go to scripts/vm.sh
# (e.g. --smp 4).
set -euo pipefail
cd "$(dirname "$0")/.."
# spanstat (static C) runs in the busybox guest too.
make -s -C tools/spanstat spanstat
# shellcheck disable=SC2016 # expanded in the guest
exec scripts/vm.sh --kernel stock --ext examples/client --file tools/spanstat/spanstat:/bin/spanstat \
	--timeout "${DEMO_TIMEOUT:-300}" "$@" -- '
show() {
	echo
	echo "######## $1"
	for f in /sys/kernel/debug/spanalloc/*; do
		case "$(stat -c %a "$f")" in
		[4567]??) echo "==== $f"; cat "$f" ;;
		esac
	done
}
echo "spanalloc demo: spanalloc.ko and spanalloc_client.ko loaded on $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs"
show "after loading the client (it keeps 16 objects live)"
echo
echo "######## workload: load/unload the client 20 times, each run 50 rounds on every CPU in turn"
ko=/modules/ext/client/spanalloc_client.ko
rmmod spanalloc_client
for i in $(seq 1 20); do
	cpu=$((i % $(grep -c ^processor /proc/cpuinfo)))
	taskset -c $cpu insmod $ko rounds=50 keep=$((i % 64)) || exit 1
	rmmod spanalloc_client || exit 1
done
insmod $ko rounds=10 keep=64
dmesg | grep spanalloc_client | tail -n 3
show "after the workload (client loaded with 64 live objects)"
echo
echo "######## spanstat (tools/spanstat): summary, then the CPU view"
spanstat
spanstat --cpus
rmmod spanalloc_client
[ -w /sys/kernel/debug/spanalloc/drain ] && echo 1 > /sys/kernel/debug/spanalloc/drain && show "after rmmod of the client and a drain"
true
'
