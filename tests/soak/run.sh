#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make soak: tests/soak/run.sh [SECONDS] (default 60)
# Runs tests/guest/soak.sh for SECONDS in a 4-vCPU test-kernel guest with
# the sa_workload module and prints its summary, plus the count of kernel
# splats on the console (vm.sh fails the run on any); then the model test,
# tests/guest/model.sh, for SECONDS in a second such guest with sa_model
# (MODEL_SEED=N picks its seed; default random, printed). Extra vm.sh
# options can be given in SOAK_VM_OPTS (e.g. "--smp 8"). Exit status:
# vm.sh's for the soak, else for the model.
set -euo pipefail
# shellcheck source=scripts/harness/lib.sh
source "$(dirname "$0")/../../scripts/harness/lib.sh"
cd "$SA_ROOT"
secs="${1:-60}"
[[ "$secs" =~ ^[0-9]+$ && "$secs" -gt 0 ]] || { echo "usage: $0 [SECONDS]" >&2; exit 2; }
seed="${MODEL_SEED:-0}"
[[ "$seed" =~ ^[0-9]+$ ]] || { echo "MODEL_SEED must be a number" >&2; exit 2; }
cache="$SA_CACHE"
mkdir -p "$cache/logs"
tmp="$(mktemp "${TMPDIR:-/tmp}/soak.XXXXXX.sh")"
log="$cache/logs/soak-${secs}s-$(date +%Y%m%d-%H%M%S).log"
trap 'rm -f "$tmp"' EXIT
sed "s/^SOAK_SECONDS=.*/SOAK_SECONDS=$secs/" tests/guest/soak.sh > "$tmp"
set +e
# shellcheck disable=SC2086 # SOAK_VM_OPTS is a list of options
scripts/harness/vm.sh --kernel test --smp 4 --timeout $((secs * 6 + 300)) --quiet \
	--ext tests/guest/workload ${SOAK_VM_OPTS:-} --file "$tmp:/root/soak.sh" \
	--log "$log" -- 'sh /root/soak.sh'
st=$?
set -e
grep -a '^soak: ' "$log" | grep -v '^soak: splats' || true
splat_re='^\[ *[0-9]+\.[0-9]+\] .*(Kernel panic|BUG: |WARNING: |kernel BUG at|Oops|general protection fault|KASAN|UBSAN: |INFO: |DEBUG_LOCKS_WARN_ON|possible circular locking|possible recursive locking|inconsistent lock state|scheduling while atomic|soft lockup|hard LOCKUP|blocked for more than)'
echo "soak: splats $(grep -a -c -E "$splat_re" "$log" || true)"
echo "soak: log $log"

# The model test, as long again.
mtmp="$(mktemp "${TMPDIR:-/tmp}/model.XXXXXX.sh")"
mlog="$cache/logs/soak-model-${secs}s-$(date +%Y%m%d-%H%M%S).log"
trap 'rm -f "$tmp" "$mtmp"' EXIT
sed -e "s/^MODEL_SECONDS=.*/MODEL_SECONDS=$secs/" -e "s/^MODEL_SEED=.*/MODEL_SEED=$seed/" \
	tests/guest/model.sh > "$mtmp"
set +e
# shellcheck disable=SC2086 # SOAK_VM_OPTS is a list of options
scripts/harness/vm.sh --kernel test --smp 4 --timeout $((secs * 6 + 300)) --quiet \
	--ext tests/model ${SOAK_VM_OPTS:-} --file "$mtmp:/root/model.sh" \
	--log "$mlog" -- 'sh /root/model.sh'
mst=$?
set -e
grep -a '^model: ' "$mlog" || true
echo "model: splats $(grep -a -c -E "$splat_re" "$mlog" || true)"
echo "model: log $mlog"
[[ $st -ne 0 ]] && exit $st
exit $mst
