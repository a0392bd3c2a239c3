#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make check: everything, from a fresh machine, ending in "N passed, N failed".
#
#  1. setup (apt packages, stock kernel, test kernel build, busybox)
#  2. python3 scripts/mksizeclasses.py --check (when the script exists)
#  3. spanstat's host tests (make -C tools/spanstat test)
#  3b. KUnit: boot the test kernel with 2 and with 4 vCPUs, load spanalloc.ko
#     and every kunit/*.ko, unload them all; merge the KTAP of both boots and
#     parse it with the kernel's tools/testing/kunit/kunit.py
#  4. guest scripts: each tests/guest/*.sh runs in its own test-kernel guest
#     with spanalloc.ko loaded; it passes if it exits 0 with no splat. A line
#     "# vm.sh: OPTIONS" in the script adds scripts/vm.sh options (e.g.
#     "# vm.sh: --smp 4 --timeout 600 --kunit").
#  5. smoke test on the stock 6.12 and the stock 6.1 kernel (scripts/smoke.sh
#     --kernel stock / stock61), one summary line each
#  5b. PREEMPT_RT: on Debian's PREEMPT_RT 6.12 kernel (--kernel stockrt) the
#     smoke test, then tests/rt/workload.sh (sa_workload's stress with
#     cross-CPU frees, drains and CPU hotplug) at 2 and at 4 vCPUs, one
#     summary line each
#  6. DKMS add/build/install/remove for both stock kernels (scripts/dkms-check.sh)
#     and the style gates of make lint (scripts/lint.sh), one line each
#  7. make check-harness (scripts/check-harness.sh)
#
# The last line counts every KUnit case of both boots plus one per guest
# script, smoke test, RT workload, harness self-test, size-class check and
# boot; exit
# status 0 only if nothing failed. Logs: $SPANALLOC_CACHE/logs/check-<time>-<pid>/
# (logs/check-latest links to the newest run).
# CHECK_SKIP="harness smoke rt guest dkms lint" skips stages (for quick local runs only).
# The braces make bash read the whole script before running it, so editing
# this file while it runs (other runs in progress) cannot derail them.
{
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
SA_LOG_TAG=check
cd "$SA_ROOT"

# A directory per run (concurrent runs must not clobber each other's logs);
# logs/check-latest points at the newest.
logs="$SA_CACHE/logs/check-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$logs"
ln -sfn "$(basename "$logs")" "$SA_CACHE/logs/check.tmp.$$"
mv -T "$SA_CACHE/logs/check.tmp.$$" "$SA_CACHE/logs/check-latest"
start=$(date +%s)
kunit_timeout="${KUNIT_TIMEOUT:-900}"
extra_pass=0 extra_fail=0 failures=()
summary=()

stage() { echo; echo "======== make check: $* ($(( $(date +%s) - start ))s)"; }
skip() { [[ " ${CHECK_SKIP:-} " == *" $1 "* ]]; }
ok() { extra_pass=$((extra_pass + 1)); summary+=("ok      $1"); }
bad() { extra_fail=$((extra_fail + 1)); failures+=("$1"); summary+=("FAILED  $1"); }
# record NAME LOG COMMAND...: run COMMAND with its output in $logs/LOG.out;
# one summary line, ok or FAILED, ending with the output's last line (all
# of the output is shown on failure).
record() {
	local name="$1" out="$logs/$2.out"
	shift 2
	if "$@" >"$out" 2>&1; then
		ok "$name: $(tail -n1 "$out")"
	else
		cat "$out"
		bad "$name: $(tail -n1 "$out")"
	fi
}

stage "setup"
scripts/setup.sh

if [[ -f scripts/mksizeclasses.py ]]; then
	stage "size classes: mksizeclasses.py --check"
	if python3 scripts/mksizeclasses.py --check; then
		ok "mksizeclasses.py --check"
	else
		bad "mksizeclasses.py --check: generated tables drifted"
	fi
fi

stage "spanstat host tests (tools/spanstat)"
record "spanstat" spanstat make -s -C tools/spanstat test
if ! skip guest; then
	# spanstat in a guest against the live module: every view, --json round
	# trip of every debugfs value, a known load counted exactly.
	record "spanstat in a guest" spanstat-guest make -s -C tools/spanstat guest-test
fi

stage "KUnit on the test kernel"
kdir="$(sa_test_kernel_dir)"
ksrc="$SA_CACHE/build/test-$(basename "$kdir")/src"
# Unload in reverse load order (/proc/modules lists the newest first), so
# every module's exit path runs under KASAN and lockdep too.
# shellcheck disable=SC2016 # expanded in the guest
unload='for m in $(cut -d" " -f1 /proc/modules); do rmmod "$m" || exit 1; done'
boots=()
for smp in 2 4; do
	log="$logs/kunit-smp$smp.log"
	echo "--- boot: test kernel, $smp vCPUs, spanalloc.ko + every kunit/*.ko"
	if scripts/vm.sh --kernel test --smp "$smp" --kunit --timeout "$kunit_timeout" \
		--log "$log" -- "$unload" >"$logs/kunit-smp$smp.out" 2>&1; then
		ok "test kernel boot, $smp vCPUs: $(tail -n1 "$logs/kunit-smp$smp.out")"
	else
		cat "$logs/kunit-smp$smp.out"
		bad "test kernel boot, $smp vCPUs: $(tail -n1 "$logs/kunit-smp$smp.out")"
	fi
	grep -a 'spanalloc-vm: ' "$log" 2>/dev/null | sed 's/^/    /' || true
	boots+=("smp$smp=$log")
done
expect=""
if [[ -f "$ksrc/kunit/modules.order" ]]; then
	expect="$(xargs -n1 basename < "$ksrc/kunit/modules.order" | sed 's/\.o$/.ko/' | paste -sd,)"
fi
echo "--- expected kunit modules: ${expect:-none}"
kunit_counts=(0 0 0)
if [[ -z "$expect" ]]; then
	bad "no kunit/*.ko was built"
else
	if python3 scripts/kunit-report.py --kunit-py "$(sa_source_dir)/tools/testing/kunit/kunit.py" \
		--expect "$expect" --out "$logs/kunit" "${boots[@]}"; then
		:
	else
		failures+=("KUnit: failed cases or missing suites (see above)")
	fi
	read -r -a kunit_counts < "$logs/kunit/counts"
fi
summary+=("kunit   ${kunit_counts[0]} passed, ${kunit_counts[1]} failed, ${kunit_counts[2]} skipped (every case of every kunit/*.ko, 2 and 4 vCPUs)")

guest_pass=0 guest_fail=0
if ! skip guest && compgen -G "tests/guest/*.sh" >/dev/null; then
	stage "guest scripts (tests/guest/*.sh)"
	for t in tests/guest/*.sh; do
		name="$(basename "$t" .sh)"
		read -r -a opts <<<"$(sed -n 's/^# vm\.sh: //p' "$t" | head -n1)"
		echo "--- $t ${opts[*]}"
		if scripts/vm.sh --kernel test --timeout 600 "${opts[@]}" \
			--file "$t:/root/$name.sh" --log "$logs/guest-$name.log" \
			-- "sh /root/$name.sh" >"$logs/guest-$name.out" 2>&1; then
			guest_pass=$((guest_pass + 1))
			summary+=("ok      guest $name")
		else
			cat "$logs/guest-$name.out"
			guest_fail=$((guest_fail + 1))
			failures+=("guest script $t: $(tail -n1 "$logs/guest-$name.out")")
			summary+=("FAILED  guest $name: $(tail -n1 "$logs/guest-$name.out")")
		fi
		tail -n1 "$logs/guest-$name.out"
	done
fi

if ! skip smoke; then
	# Both kernels Debian 12 users run: the backported 6.12 and the default 6.1.
	for sk in stock stock61; do
		stage "smoke test on the $sk kernel"
		if scripts/smoke.sh --kernel "$sk" --log "$logs/smoke-$sk.log" >"$logs/smoke-$sk.out" 2>&1; then
			grep -a '^smoke:\|^== ' "$logs/smoke-$sk.out" || true
			ok "$sk kernel smoke ($(sa_stock_version "$sk")): $(tail -n1 "$logs/smoke-$sk.out")"
		else
			cat "$logs/smoke-$sk.out"
			bad "$sk kernel smoke: $(tail -n1 "$logs/smoke-$sk.out")"
		fi
	done
fi

if ! skip rt; then
	# Debian 12's PREEMPT_RT 6.12: spinlocks and local locks sleep there,
	# so the smoke test and a stress with drains (a flush on every CPU)
	# and CPU hotplug, at 2 and 4 vCPUs. tests/rt/ is not tests/guest/:
	# those run on the test kernel.
	stage "PREEMPT_RT: smoke and workload on the stockrt kernel"
	if scripts/smoke.sh --kernel stockrt --log "$logs/smoke-stockrt.log" >"$logs/smoke-stockrt.out" 2>&1; then
		grep -a '^smoke:' "$logs/smoke-stockrt.out" || true
		ok "PREEMPT_RT smoke ($(sa_stock_version stockrt)): $(tail -n1 "$logs/smoke-stockrt.out")"
	else
		cat "$logs/smoke-stockrt.out"
		bad "PREEMPT_RT smoke: $(tail -n1 "$logs/smoke-stockrt.out")"
	fi
	read -r -a opts <<<"$(sed -n 's/^# vm\.sh: //p' tests/rt/workload.sh | head -n1)"
	for smp in 2 4; do
		out="$logs/rt-workload-smp$smp.out"
		echo "--- tests/rt/workload.sh ${opts[*]} --smp $smp"
		if scripts/vm.sh "${opts[@]}" --smp "$smp" --file tests/rt/workload.sh:/root/rt-workload.sh \
			--log "$logs/rt-workload-smp$smp.log" -- "sh /root/rt-workload.sh" >"$out" 2>&1; then
			ok "PREEMPT_RT workload, $smp vCPUs: $(grep -a '^rt-workload: summary: ' "$out" | tail -n1 | sed 's/^rt-workload: summary: //')"
		else
			cat "$out"
			bad "PREEMPT_RT workload, $smp vCPUs: $(grep -a '^rt-workload: FAIL: ' "$out" | tail -n1 | sed 's/^rt-workload: //') $(tail -n1 "$out")"
		fi
		tail -n1 "$out"
	done
fi

if ! skip dkms; then
	stage "DKMS: add, build, install, remove (make dkms-check)"
	record "dkms" dkms scripts/dkms-check.sh
	grep -a '^\[dkms-check\] .*vermagic' "$logs/dkms.out" || true
fi

if ! skip lint; then
	stage "style gates (make lint)"
	record "lint" lint scripts/lint.sh
	grep -a '^---- ' "$logs/lint.out" || true
fi

if ! skip harness; then
	stage "check-harness"
	if scripts/check-harness.sh; then
		ok "check-harness: every failure mode detected"
	else
		bad "check-harness: the harness missed a failure"
	fi
fi

stage "summary"
printf '%s\n' "${summary[@]}"
for f in "${failures[@]}"; do
	echo "FAILURE: $f"
done
echo "logs: $logs; total $(( $(date +%s) - start ))s"
passed=$((kunit_counts[0] + guest_pass + extra_pass))
failed=$((kunit_counts[1] + guest_fail + extra_fail))
# A failure that is not a counted case (e.g. KTAP errors) still fails.
if [[ ${#failures[@]} -gt 0 && $failed -eq 0 ]]; then
	failed=${#failures[@]}
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 && ${#failures[@]} -eq 0 ]]
exit
}
