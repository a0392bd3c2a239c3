#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make check-harness: prove the harness fails when it must. Each scenario
# runs the real harness (scripts/harness/vm.sh, scripts/harness/kunit-report.py) on a fixture
# from tests/harness/ and checks the exit status and the reason on the last
# line. Exits 0 only if every failure was detected and every control passed.
# The braces make bash read the whole script before running it, so editing
# this file while it runs (other runs in progress) cannot derail them.
{
set -euo pipefail
# shellcheck source=scripts/harness/lib.sh
source "$(dirname "$0")/harness/lib.sh"

out="$SA_CACHE/logs/check-harness-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$out"
fx="$SA_ROOT/tests/harness"
pass=0 fail=0 missed=()

# expect NAME WANT-STATUS REASON-REGEX -- COMMAND...
expect() {
	local name="$1" want="$2" re="$3" st last
	shift 4
	set +e
	"$@" >"$out/$name.out" 2>&1
	st=$?
	set -e
	last="$(tail -n1 "$out/$name.out")"
	if [[ $st -eq $want ]] && grep -qE -- "$re" <<<"$last"; then
		echo "check-harness: ok: $name: exit $st: $last"
		pass=$((pass + 1))
	else
		echo "check-harness: NOT DETECTED: $name: exit $st (want $want), last line: $last"
		echo "check-harness:   (full output: $out/$name.out)"
		fail=$((fail + 1))
		missed+=("$name (exit $st: ${last:0:160})")
	fi
}

vm=("$SA_ROOT/scripts/harness/vm.sh" --quiet)

# 1. KUnit, test kernel: the fixtures of tests/harness/kunit/ load in
# Kbuild order (pass, fail, skip, crash); harness_crash_test panics in its
# second case of three, which ends the boot; harness_dropped_test.c is not
# in Kbuild. kunit-report.py counts against what the sources declare.
expect kunit-boot 125 'FAIL \(exit 125\): kernel splat .*Kernel panic - not syncing: harness_crash' -- \
	"${vm[@]}" --kernel test --no-spanalloc --ext "$fx/kunit" --timeout 300 \
	--log "$out/kunit.log"
kunit_py="$(sa_source_dir)/tools/testing/kunit/kunit.py"
report=(python3 "$SA_ROOT/scripts/harness/kunit-report.py" --kunit-py "$kunit_py" --src "$fx/kunit")
expect kunit-pass-control 0 '^kunit: 1 passed, 0 failed, 0 skipped of 1 declared' -- \
	"${report[@]}" --only harness_pass_test.ko --out "$out/kunit-pass" smp2="$out/kunit.log"
expect kunit-failing-case 1 '^kunit: 1 passed, 1 failed, 0 skipped of 2 declared' -- \
	"${report[@]}" --only harness_fail_test.ko --out "$out/kunit-fail" smp2="$out/kunit.log"
# A skipped case is counted as skipped, not passed, and fails nothing.
expect kunit-skipped-case 0 '^kunit: 1 passed, 0 failed, 1 skipped of 2 declared' -- \
	"${report[@]}" --only harness_skip_test.ko --out "$out/kunit-skip" smp2="$out/kunit.log"
# A suite crashing mid-way: plan 1..3, one result; the two cases that never
# ran are failed cases.
expect kunit-crash-midway 1 '^kunit: 1 passed, 2 failed, 0 skipped of 3 declared cases \(2 did not run' -- \
	"${report[@]}" --only harness_crash_test.ko --out "$out/kunit-crash" smp2="$out/kunit.log"
# A suite dropped from Kbuild: never built, never loaded, its declared
# cases count as failed.
expect kunit-dropped-suite 1 '^kunit: 0 passed, 2 failed, 0 skipped of 2 declared cases \(2 did not run' -- \
	"${report[@]}" --only harness_dropped_test.ko --out "$out/kunit-dropped" smp2="$out/kunit.log"
# Without --only (as make check runs it) every declared suite is expected:
# 4 passed, 1 failed + 2 + 2 not run, 1 skipped.
expect kunit-everything-declared 1 '^kunit: 4 passed, 5 failed, 1 skipped of 10 declared' -- \
	"${report[@]}" --out "$out/kunit-all" smp2="$out/kunit.log"
if grep -q 'harness_dropped_test.ko: module was not loaded' "$out/kunit-everything-declared.out"; then
	echo "check-harness: ok: kunit-dropped-named: the dropped module is named"
	pass=$((pass + 1))
else
	echo "check-harness: NOT DETECTED: kunit-dropped-named: no line naming harness_dropped_test.ko"
	fail=$((fail + 1))
	missed+=("kunit-dropped-named")
fi
# A suite that finished with a plan 1..3 and two results (hand-written log).
expect kunit-short-plan 1 '^kunit: 2 passed, 1 failed, 0 skipped of 3 declared' -- \
	"${report[@]}" --only harness_crash_test.ko --out "$out/kunit-short" smp2="$fx/ktap/short-plan.log"

# 1b. The closing line of make check (check.sh --tally on stage files).
tally=("$SA_ROOT/scripts/check.sh" --tally)
expect tally-control 0 '^156 passed, 0 failed, 6 skipped$' -- "${tally[@]}" "$fx/tally/all-ok.stages"
expect tally-stage-not-run 1 '^155 passed, 1 failed, 6 skipped$' -- "${tally[@]}" "$fx/tally/stage-missing.stages"
if grep -q '^FAILURE: guest:soak: did not run' "$out/tally-stage-not-run.out"; then
	echo "check-harness: ok: tally-stage-named: the stage that did not run is named"
	pass=$((pass + 1))
else
	echo "check-harness: NOT DETECTED: tally-stage-named: guest:soak not named"
	fail=$((fail + 1))
	missed+=("tally-stage-named")
fi
expect tally-check-skip 0 '^153 passed, 0 failed, 9 skipped; CHECK_SKIP="guest lint"$' -- \
	"${tally[@]}" "$fx/tally/check-skip.stages"
expect tally-kunit-short 1 '^152 passed, 1 failed, 0 skipped$' -- "${tally[@]}" "$fx/tally/kunit-short.stages"

# 1c. Guest scripts judged as make check judges them (stock kernel, no
# spanalloc: their "# vm.sh:" lines say so).
gs=("$SA_ROOT/scripts/check.sh" --guest-script)
expect guest-script-control 0 '^ok guest passer: passer: ok' -- "${gs[@]}" "$fx/guest/passer.sh" "$out"
expect guest-script-skipped 1 '^FAILED guest skipper: skipped itself' -- \
	"${gs[@]}" "$fx/guest/skipper.sh" "$out"
expect guest-script-silent 1 "^FAILED guest silent: exited 0 without printing 'silent: ok'" -- \
	"${gs[@]}" "$fx/guest/silent.sh" "$out"

# 2. A WARN in a module (stock kernel).
expect warn 125 'FAIL \(exit 125\): kernel splat .*WARNING: ' -- \
	"${vm[@]}" --no-spanalloc --ext "$fx/warn" --timeout 120
expect warn-allowed 0 'OK: guest command exited 0' -- \
	"${vm[@]}" --no-spanalloc --allow-splat --ext "$fx/warn" --timeout 120

# 3. A hung guest: killed at --timeout, never hangs the host.
expect hang 124 'FAIL \(exit 124\): timeout' -- \
	"${vm[@]}" --no-spanalloc --timeout 60 -- 'echo hanging on purpose; sleep 100000'

# 4. A module whose init fails: reported, and its init ran exactly once.
expect loadfail 126 'FAIL \(exit 126\): module failed to load: .*harness_loadfail.ko' -- \
	"${vm[@]}" --no-spanalloc --ext "$fx/loadfail" --timeout 120 --log "$out/loadfail.log"
inits="$(grep -c 'harness_loadfail: init called' "$out/loadfail.log" || true)"
if [[ "$inits" -eq 1 ]]; then
	echo "check-harness: ok: loadfail-init-once: init ran once"
	pass=$((pass + 1))
else
	echo "check-harness: NOT DETECTED: loadfail-init-once: init ran $inits times"
	fail=$((fail + 1))
	missed+=("loadfail-init-once")
fi

# 5. A kernel that dies before /init: named as a boot failure, booted
# once more (that is the only retry vm.sh makes), still a failure.
expect boot-death 125 'FAIL \(exit 125\): guest never reached /init.*Kernel panic' -- \
	env VM_APPEND="rdinit=/nonexistent" "${vm[@]}" --no-spanalloc --timeout 120
if grep -q 'booting once more' "$out/boot-death.out"; then
	echo "check-harness: ok: boot-death-retried: booted once more"
	pass=$((pass + 1))
else
	echo "check-harness: NOT DETECTED: boot-death-retried: no second boot"
	fail=$((fail + 1))
	missed+=("boot-death-retried")
fi

# 6. The guest command's status comes back, and a clean run passes.
expect guest-status 7 'guest command exited with status 7' -- \
	"${vm[@]}" --no-spanalloc --timeout 120 -- 'exit 7'
expect control 0 'OK: guest command exited 0' -- \
	"${vm[@]}" --no-spanalloc --timeout 120 -- 'echo WARNING: BUG: Oops in a guest echo is not a splat'

# The last line names what was missed: make check's tally shows only it.
if [[ $fail -eq 0 ]]; then
	echo "check-harness: $pass passed, 0 failed: every failure mode detected"
	exit 0
fi
echo "check-harness: $pass passed, $fail failed; not detected: $(IFS=';'; echo "${missed[*]}") (logs $out)"
exit 1
}
