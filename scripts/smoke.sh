#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make smoke: on the stock kernel, insmod spanalloc.ko, read every readable
# file in /sys/kernel/debug/spanalloc, rmmod, and fail on any splat.
# Options go to scripts/harness/vm.sh; `--kernel stock61` runs it on Debian 12's
# default 6.1 kernel instead of the backported 6.12, `--kernel stockrt` on
# the backported 6.12 built with PREEMPT_RT (a later --kernel wins).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC2016 # expanded in the guest
exec scripts/harness/vm.sh --kernel stock --timeout "${SMOKE_TIMEOUT:-180}" "$@" -- '
set -e
grep -q "^spanalloc " /proc/modules
n=0
for f in /sys/kernel/debug/spanalloc/*; do
	case "$(stat -c %a "$f")" in
	[4567]??) echo "== $f"; cat "$f" >/tmp/out; head -n 40 /tmp/out; n=$((n + 1)) ;;
	*) echo "== $f (write-only, not read)" ;;
	esac
done
[ "$n" -gt 0 ] || { echo "smoke: no readable debugfs file"; exit 1; }
grep -q "^mallocs " /sys/kernel/debug/spanalloc/memstats
rmmod spanalloc
# (a "! cmd" line never stops a set -e script: test and exit explicitly)
if grep -q "^spanalloc " /proc/modules; then
	echo "smoke: FAIL: spanalloc still in /proc/modules after rmmod"
	exit 1
fi
if [ -e /sys/kernel/debug/spanalloc ]; then
	echo "smoke: FAIL: /sys/kernel/debug/spanalloc still there after rmmod"
	exit 1
fi
echo "smoke: read $n debugfs files, unloaded cleanly"
'
