#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make demo: boot Debian's stock kernel, load spanalloc.ko and the example
# client (examples/client), run a short workload, and print what a user
# came to see: the modules' kernel lines, spanstat's summary and CPU view,
# and the counters after the client is gone. The guest's boot log goes to
# a file in .cache/logs/ and is shown only if the run fails. Extra
# arguments go to scripts/harness/vm.sh (e.g. --smp 4).
set -euo pipefail
# shellcheck source=scripts/harness/lib.sh
source "$(dirname "$0")/harness/lib.sh"
cd "$SA_ROOT"
# spanstat (static C) runs in the busybox guest too.
make -s -C tools/spanstat spanstat
mkdir -p "$SA_CACHE/logs"
log="$SA_CACHE/logs/demo-$(date +%Y%m%d-%H%M%S)-$$.log"

# Every line meant for the user is printed in the guest as "D|text", so
# nothing of the boot log can be mistaken for it.
# shellcheck disable=SC2016 # expanded in the guest
guest='
say() { sed "s/^/D|/"; }
kernel_lines() { dmesg | grep -E "spanalloc" | sed "s/^\[ *[0-9.]*\] //" | say; }
ncpu=$(grep -c ^processor /proc/cpuinfo)
echo "spanalloc demo on $(uname -r), $ncpu CPUs" | say
echo | say
echo "== the modules, as the kernel logged them" | say
kernel_lines
echo | say
echo "== workload: load and unload the client 20 times, 50 rounds on every CPU in turn" | say
ko=/modules/ext/client/spanalloc_client.ko
rmmod spanalloc_client
for i in $(seq 1 20); do
	taskset -c $((i % ncpu)) insmod $ko rounds=50 keep=$((i % 64)) || exit 1
	rmmod spanalloc_client || exit 1
done
insmod $ko rounds=10 keep=64 || exit 1
dmesg | grep spanalloc_client | tail -n 3 | sed "s/^\[ *[0-9.]*\] //" | say
echo | say
echo "== spanstat: the summary (client loaded, 64 objects live)" | say
spanstat | say
echo | say
echo "== spanstat --cpus" | say
spanstat --cpus | say
rmmod spanalloc_client || exit 1
echo 1 > /sys/kernel/debug/spanalloc/drain
echo | say
echo "== after rmmod of the client and a drain: memstats" | say
cat /sys/kernel/debug/spanalloc/memstats | say
'

st=0
scripts/harness/vm.sh --kernel stock --ext examples/client --file tools/spanstat/spanstat:/bin/spanstat \
	--timeout "${DEMO_TIMEOUT:-300}" --quiet --log "$log" "$@" -- "$guest" >"$log.vm" 2>&1 || st=$?
grep -a '^D|' "$log" | cut -c3- || true
if [[ $st -ne 0 ]]; then
	echo
	echo "demo FAILED (vm.sh exit $st); the guest console:"
	tail -n 80 "$log"
	cat "$log.vm"
	echo "full log: $log"
	exit "$st"
fi
echo
echo "demo: ok (guest console: $log)"
rm -f "$log.vm"
