#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make check-harness: prove the harness fails when it must. Each scenario
# runs the real harness (scripts/vm.sh, scripts/kunit-report.py) on a fixture
# from tests/harness/ and checks the exit status and the reason on the last
# line. Exits 0 only if every failure was detected and every control passed.
# The braces make bash read the whole script before running it, so editing
# this file while it runs (other runs in progress) cannot derail them.
{
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

out="$SA_CACHE/logs/check-harness-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$out"
fx="$SA_ROOT/tests/harness"
pass=0 fail=0

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
	fi
}

vm=("$SA_ROOT/scripts/vm.sh" --quiet)

# 1. A failing KUnit case (and a passing suite as the control), test kernel.
expect kunit-boot 0 'OK: guest command exited 0' -- \
	"${vm[@]}" --kernel test --no-spanalloc --ext "$fx/kunit" --timeout 300 \
	--log "$out/kunit.log"
kunit_py="$(sa_source_dir)/tools/testing/kunit/kunit.py"
expect kunit-pass-control 0 '^kunit: 1 passed, 0 failed' -- \
	python3 "$SA_ROOT/scripts/kunit-report.py" --kunit-py "$kunit_py" \
	--expect harness_pass_test.ko --out "$out/kunit-pass" smp2="$out/kunit.log"
expect kunit-failing-case 1 '^kunit: 1 passed, 1 failed' -- \
	python3 "$SA_ROOT/scripts/kunit-report.py" --kunit-py "$kunit_py" \
	--expect harness_fail_test.ko --out "$out/kunit-fail" smp2="$out/kunit.log"
# A suite that was expected but never ran.
expect kunit-missing-suite 1 '^kunit: 0 passed, 1 failed' -- \
	python3 "$SA_ROOT/scripts/kunit-report.py" --kunit-py "$kunit_py" \
	--expect harness_missing_test.ko --out "$out/kunit-missing" smp2="$out/kunit.log"

# 2. A WARN in a module (stock kernel).
expect warn 125 'FAIL \(exit 125\): kernel splat .*WARNING: ' -- \
	"${vm[@]}" --no-spanalloc --ext "$fx/warn" --timeout 120
expect warn-allowed 0 'OK: guest command exited 0' -- \
	"${vm[@]}" --no-spanalloc --allow-splat --ext "$fx/warn" --timeout 120

# 3. A hung guest: killed at --timeout, never hangs the host.
expect hang 124 'FAIL \(exit 124\): timeout' -- \
	"${vm[@]}" --no-spanalloc --timeout 25 -- 'echo hanging on purpose; sleep 100000'

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
fi

# 6. The guest command's status comes back, and a clean run passes.
expect guest-status 7 'guest command exited with status 7' -- \
	"${vm[@]}" --no-spanalloc --timeout 120 -- 'exit 7'
expect control 0 'OK: guest command exited 0' -- \
	"${vm[@]}" --no-spanalloc --timeout 120 -- 'echo WARNING: BUG: Oops in a guest echo is not a splat'

echo "check-harness: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
exit
}
