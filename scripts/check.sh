#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make check: everything, from a fresh machine, ending in
# "N passed, N failed, N skipped".
#
#  1. setup (apt packages, stock kernel, test kernel build, busybox)
#  2. python3 scripts/gen/mksizeclasses.py --check
#  3. spanstat's host tests (make -C tools/spanstat test)
#  3b. KUnit: boot the test kernel with 2 and with 4 vCPUs, load spanalloc.ko
#     and every kunit/*.ko, unload them all; merge the KTAP of both boots and
#     parse it with the kernel's tools/testing/kunit/kunit.py
#  4. guest scripts: each tests/guest/*.sh runs in its own test-kernel guest
#     with spanalloc.ko loaded; it passes if it exits 0 with no splat and
#     printed "NAME: ok" (see the tally below). A line
#     "# vm.sh: OPTIONS" in the script adds scripts/harness/vm.sh options (e.g.
#     "# vm.sh: --smp 4 --timeout 600 --kunit").
#  5. smoke test on the stock 6.12 and the stock 6.1 kernel (scripts/smoke.sh
#     --kernel stock / stock61), one summary line each
#  5b. PREEMPT_RT: on Debian's PREEMPT_RT 6.12 kernel (--kernel stockrt) the
#     smoke test, then tests/rt/workload.sh (sa_workload's stress with
#     cross-CPU frees, drains and CPU hotplug) at 2 and at 4 vCPUs, one
#     summary line each
#  5c. arm64 (scripts/harness/vm.sh --arch arm64: the arm64 test kernel from
#     kunit/test-arm64.config under qemu-system-aarch64 -M virt, TCG):
#     arm64-setup (cross tools, busybox, kernel build), KUnit at 2 and 4
#     vCPUs counted on their own line (kunit-arm64), the example client
#     (client-arm64) and tests/guest/soak.sh (workload-arm64); CHECK_SKIP
#     "arm64" skips them all
#  6. DKMS add/build/install/remove for both stock kernels (scripts/dkms-check.sh)
#     and the style gates of make lint (scripts/lint.sh), one line each
#  7. make check-harness (scripts/check-harness.sh)
#
# The tally: every stage is declared before anything runs (the list above,
# one "guest:NAME" per tests/guest/*.sh) and ends as ok, FAILED or skipped
# (only by CHECK_SKIP); a declared stage with no result is a failure ("did
# not run"). KUnit counts each case of both boots against what kunit/*.c
# declares (scripts/harness/kunit-report.py): a suite dropped from kunit/Kbuild, a
# crash mid-suite or a plan 1..N with fewer results count as failed cases;
# skipped cases are counted as skipped. A guest script passes only if it
# exits 0 without a splat and printed "NAME: ok"; one that printed
# "NAME: SKIP" or never reached its "ok" line fails. The closing line is
# "N passed, N failed, N skipped" followed by CHECK_SKIP's value when set;
# exit status 0 only if nothing failed. Stage results are kept in
# $logs/stages (scripts/check.sh --tally FILE recomputes the closing line
# from such a file; check-harness uses it with fixtures).
# Logs: $SPANALLOC_CACHE/logs/check-<time>-<pid>/ (logs/check-latest links
# to the newest run).
# CHECK_SKIP="harness smoke rt guest dkms lint arm64" skips stages (for quick local runs only).
#
# scripts/check.sh --guest-script FILE [LOGDIR] runs one guest script as
# stage 4 does and judges it the same way (check-harness uses it).
# The braces make bash read the whole script before running it, so editing
# this file while it runs (other runs in progress) cannot derail them.
{
set -euo pipefail
# shellcheck source=scripts/harness/lib.sh
source "$(dirname "$0")/harness/lib.sh"
SA_LOG_TAG=check
# --tally FILE / --guest-script FILE [LOGDIR]: paths are the caller's.
if [[ "${1:-}" == --tally || "${1:-}" == --guest-script ]]; then
	args=("$1")
	for a in "${@:2}"; do
		args+=("$(realpath -m -- "$a")")
	done
	set -- "${args[@]}"
fi
cd "$SA_ROOT"

# --- The tally (also scripts/check.sh --tally FILE) -----------------------
# A stage file has one tab-separated line per event:
#   declare <stage>                 the stage must end with a result
#   ok|FAILED|skipped <stage> <text>
#   counts kunit|kunit-arm64 <passed failed skipped declared>   KUnit cases
#   checkskip - <CHECK_SKIP's value>
# Stages "kunit" and "kunit-arm64" stand for their cases: they add their
# counts, not one line (a skipped kunit-arm64 is one skipped line).
tally() {
	local file="$1" kind name text s p=0 f=0 k=0 checkskip=""
	local kp="" kf=0 ks=0 kd=0
	local -a order=() lines=() fails=()
	local -A res=() msg=() kcounts=()
	while IFS=$'\t' read -r kind name text; do
		case "$kind" in
		declare) order+=("$name") ;;
		ok|FAILED|skipped)
			if [[ -n "${res[$name]:-}" ]]; then
				res[$name]=FAILED
				msg[$name]="two results (${msg[$name]} / $text)"
			else
				res[$name]=$kind
				msg[$name]="$text"
			fi
			;;
		counts) kcounts[$name]="$text" ;;
		checkskip) checkskip="$text" ;;
		esac
	done < "$file"
	for name in "${!res[@]}"; do
		if [[ " ${order[*]} " != *" $name "* ]]; then
			order+=("$name")
			res[$name]=FAILED
			msg[$name]="a result for a stage that was never declared: ${msg[$name]}"
		fi
	done
	for name in "${order[@]}"; do
		s="${res[$name]:-}"
		text="${msg[$name]:-}"
		if [[ -z "$s" ]]; then
			s=FAILED
			text="did not run (declared, no result)"
		fi
		if [[ "$name" == kunit || ("$name" == kunit-arm64 && "$s" != skipped) ]]; then
			kp="" kf=0 ks=0 kd=0
			[[ -n "${kcounts[$name]:-}" ]] && read -r kp kf ks kd <<<"${kcounts[$name]}"
			if [[ -z "$kp" ]]; then
				s=FAILED
				text="no KUnit counts${text:+: $text}"
				f=$((f + 1))
			elif [[ $((kp + kf + ks)) -ne $kd || $kd -eq 0 ]]; then
				s=FAILED
				text="$kp passed + $kf failed + $ks skipped is not the $kd declared cases"
				f=$((f + 1))
			fi
			if [[ -n "$kp" ]]; then
				p=$((p + kp)) f=$((f + kf)) k=$((k + ks))
				[[ $kf -gt 0 ]] && s=FAILED
			fi
			lines+=("$(printf '%-7s %s: %s passed, %s failed, %s skipped of %s declared cases%s' \
				"$s" "$name" "${kp:-0}" "$kf" "$ks" "$kd" "${text:+; $text}")")
			[[ "$s" == FAILED ]] && fails+=("$name: ${text:-failed cases}")
			continue
		fi
		case "$s" in
		ok) p=$((p + 1)) ;;
		skipped) k=$((k + 1)) ;;
		*) s=FAILED; f=$((f + 1)); fails+=("$name: $text") ;;
		esac
		lines+=("$(printf '%-7s %s: %s' "$s" "$name" "$text")")
	done
	printf '%s\n' "${lines[@]}"
	for text in "${fails[@]}"; do
		echo "FAILURE: $text"
	done
	echo "$p passed, $f failed, $k skipped${checkskip:+; CHECK_SKIP=\"$checkskip\"}"
	[[ $f -eq 0 ]]
}

if [[ "${1:-}" == --tally ]]; then
	[[ $# -eq 2 && -f "$2" ]] || sa_die "usage: scripts/check.sh --tally STAGEFILE"
	tally "$2"
	exit
fi

# --- One guest script (stage 4; also scripts/check.sh --guest-script) -----
# guest_script SCRIPT LOGDIR [ARCH]: prints one line "ok|FAILED guest
# NAME..." last; returns 0 only if it passed. ARCH: x86_64 (default) or arm64.
guest_script() {
	local t="$1" dir="$2" arch="${3:-x86_64}" name out st=0 last
	local -a opts
	name="$(basename "$t" .sh)"
	out="$dir/guest-$name.out"
	read -r -a opts <<<"$(sed -n 's/^# vm\.sh: //p' "$t" | head -n1)"
	echo "--- $t ${opts[*]}"
	scripts/harness/vm.sh --arch "$arch" --kernel test --timeout 600 "${opts[@]}" \
		--file "$t:/root/$name.sh" --log "$dir/guest-$name.log" \
		-- "sh /root/$name.sh" >"$out" 2>&1 || st=$?
	last="$(tail -n1 "$out")"
	if [[ $st -ne 0 ]]; then
		cat "$out"
		echo "FAILED guest $name: $last"
		return 1
	fi
	if grep -aq "$name: SKIP" "$out"; then
		echo "FAILED guest $name: skipped itself ($(grep -a -m1 -o "$name: SKIP.*" "$out"))"
		return 1
	fi
	if ! grep -aq "$name: ok" "$out"; then
		cat "$out"
		echo "FAILED guest $name: exited 0 without printing '$name: ok' (its checks did not all run)"
		return 1
	fi
	echo "ok guest $name: $(grep -a -m1 -o "$name: ok.*" "$out")"
}

if [[ "${1:-}" == --guest-script ]]; then
	[[ $# -ge 2 && -f "$2" ]] || sa_die "usage: scripts/check.sh --guest-script FILE [LOGDIR]"
	dir="${3:-$SA_CACHE/logs}"
	mkdir -p "$dir"
	guest_script "$2" "$dir"
	exit
fi

# A directory per run (concurrent runs must not clobber each other's logs);
# logs/check-latest points at the newest.
logs="$SA_CACHE/logs/check-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$logs"
ln -sfn "$(basename "$logs")" "$SA_CACHE/logs/check.tmp.$$"
mv -T "$SA_CACHE/logs/check.tmp.$$" "$SA_CACHE/logs/check-latest"
start=$(date +%s)
kunit_timeout="${KUNIT_TIMEOUT:-900}"
stagefile="$logs/stages"
: > "$stagefile"

stage() { echo; echo "======== make check: $* ($(( $(date +%s) - start ))s)"; }
skip() { [[ " ${CHECK_SKIP:-} " == *" $1 "* ]]; }
event() { printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >> "$stagefile"; }
ok() { event ok "$1" "$2"; }
bad() { event FAILED "$1" "$2"; }
skipped() { event skipped "$1" "CHECK_SKIP=$2"; }
# record NAME LOG COMMAND...: run COMMAND with its output in $logs/LOG.out;
# ok or FAILED, with the output's last line (all of the output is shown on
# failure).
record() {
	local name="$1" out="$logs/$2.out"
	shift 2
	if "$@" >"$out" 2>&1; then
		ok "$name" "$(tail -n1 "$out")"
	else
		cat "$out"
		bad "$name" "$(tail -n1 "$out")"
	fi
}

# kunit_stage ARCH: boot ARCH's test kernel with 2 and with 4 vCPUs,
# spanalloc.ko + every kunit/*.ko, and judge both boots' KTAP. Stages
# kunit-boot-smpN and kunit (x86_64), kunit-arm64-boot-smpN and
# kunit-arm64 (arm64); logs $logs/kunit[-arm64]-smpN.* and kunit[-arm64]/.
# arm64 boots both linear-map layouts: 2 vCPUs without LPA2 (vm.sh's
# default: RAM mapped 2^52 - 2^48 above PAGE_OFFSET), 4 vCPUs with it
# (-cpu max: 52-bit VA, RAM at PAGE_OFFSET, physical memory from 1 GiB).
kunit_stage() {
	local arch="$1" k=kunit what="test kernel" smp log unload
	local -a boots=() cpu=()
	if [[ "$arch" == arm64 ]]; then
		k=kunit-arm64 what="arm64 test kernel"
	fi
	# Unload in reverse load order (/proc/modules lists the newest first), so
	# every module's exit path runs under KASAN and lockdep too.
	# shellcheck disable=SC2016 # expanded in the guest
	unload='for m in $(cut -d" " -f1 /proc/modules); do rmmod "$m" || exit 1; done'
	for smp in 2 4; do
		log="$logs/$k-smp$smp.log"
		echo "--- boot: $what, $smp vCPUs, spanalloc.ko + every kunit/*.ko"
		[[ "$arch" == arm64 && $smp -eq 4 ]] && cpu=(env VM_CPU="${VM_CPU:-max}")
		if "${cpu[@]}" scripts/harness/vm.sh --arch "$arch" --kernel test --smp "$smp" --kunit --timeout "$kunit_timeout" \
			--log "$log" -- "$unload" >"$logs/$k-smp$smp.out" 2>&1; then
			ok "$k-boot-smp$smp" "$what boot, $smp vCPUs: $(tail -n1 "$logs/$k-smp$smp.out")"
		else
			cat "$logs/$k-smp$smp.out"
			bad "$k-boot-smp$smp" "$what boot, $smp vCPUs: $(tail -n1 "$logs/$k-smp$smp.out")"
		fi
		grep -a 'spanalloc-vm: ' "$log" 2>/dev/null | sed 's/^/    /' || true
		boots+=("smp$smp=$log")
	done
	# What the tree declares, not what kunit/Kbuild happened to build: the
	# suites of the tree vm.sh built from.
	kunit_src="${SPANALLOC_SRC:-$SA_ROOT}/kunit"
	if python3 scripts/harness/kunit-report.py --kunit-py "$(sa_source_dir)/tools/testing/kunit/kunit.py" \
		--src "$kunit_src" --out "$logs/$k" "${boots[@]}" >"$logs/$k-report.out" 2>&1; then
		ok "$k" "every declared case of both boots ran"
	else
		bad "$k" "failed or missing cases (kunit-report above)"
	fi
	cat "$logs/$k-report.out"
	if [[ -f "$logs/$k/counts" ]]; then
		event counts "$k" "$(cat "$logs/$k/counts")"
	fi
}

# The arm64 stages (5c), also alone: scripts/check.sh --arm64 (make check-arm64).
arm64_stage_names=(arm64-setup kunit-arm64-boot-smp2 kunit-arm64-boot-smp4 kunit-arm64 client-arm64 workload-arm64)
arm64_stages() {
	local t0 client
	if skip arm64; then
		for s in "${arm64_stage_names[@]}"; do
			skipped "$s" arm64
		done
	else
		# The arm64 test kernel (kunit/test-arm64.config) cross-built, QEMU's
		# virt board under TCG: RAM from 1 GiB physical, weak memory ordering.
		t0=$(date +%s)
		record arm64-setup arm64-setup scripts/harness/setup.sh deps arm64 test-arm64
		echo "arm64-setup: $(( $(date +%s) - t0 ))s"
		kunit_stage arm64
		# The example client (what make demo loads): load/unload it on every
		# CPU in turn, each load checking its objects, then unload spanalloc.
		# shellcheck disable=SC2016 # expanded in the guest
		client='set -e
	ko=/modules/ext/client/spanalloc_client.ko
	n=$(grep -c ^processor /proc/cpuinfo)
	rmmod spanalloc_client
	for i in $(seq 1 12); do
		taskset -c $((i % n)) insmod $ko rounds=50 keep=$((i * 5))
		rmmod spanalloc_client
	done
	passed=$(dmesg | grep -c "spanalloc_client: .* rounds of .* sizes passed")
	[ "$passed" -eq 13 ] || { echo "client-arm64: FAIL: $passed of 13 loads passed"; exit 1; }
	echo 1 > /sys/kernel/debug/spanalloc/drain
	rmmod spanalloc
	echo "client-arm64: ok: 13 loads on $n CPUs passed, spanalloc unloaded"'
		if scripts/harness/vm.sh --arch arm64 --kernel test --smp 4 --timeout 600 --ext examples/client \
			--log "$logs/client-arm64.log" -- "$client" >"$logs/client-arm64.out" 2>&1; then
			ok client-arm64 "$(grep -a -m1 -o 'client-arm64: ok: .*' "$logs/client-arm64.out" |
				sed 's/^client-arm64: ok: //') ($(tail -n1 "$logs/client-arm64.out" | grep -o 'smp=[0-9]*, [0-9]*s'))"
		else
			cat "$logs/client-arm64.out"
			bad client-arm64 "$(tail -n1 "$logs/client-arm64.out")"
		fi
		# A short soak (tests/guest/soak.sh, 20 s, 4 vCPUs), judged like stage 4.
		mkdir -p "$logs/arm64"
		if guest_script tests/guest/soak.sh "$logs/arm64" arm64 >"$logs/workload-arm64.judge" 2>&1; then
			ok workload-arm64 "$(tail -n1 "$logs/workload-arm64.judge" | sed 's/^ok guest [^:]*: //')"
		else
			bad workload-arm64 "$(tail -n1 "$logs/workload-arm64.judge" | sed 's/^FAILED guest [^:]*: //')"
			cat "$logs/workload-arm64.judge"
		fi
		tail -n1 "$logs/workload-arm64.judge"
	fi
}

if [[ "${1:-}" == --arm64 ]]; then
	for s in "${arm64_stage_names[@]}"; do
		event declare "$s"
	done
	[[ -n "${CHECK_SKIP:-}" ]] && event checkskip - "$CHECK_SKIP"
	stage "arm64 only: KUnit, example client and soak on the arm64 test kernel"
	arm64_stages
	stage "summary"
	echo "logs: $logs; total $(( $(date +%s) - start ))s"
	tally "$stagefile"
	exit
fi

# Every stage, declared before anything runs.
guest_scripts=()
for t in tests/guest/*.sh; do
	[[ -f "$t" ]] && guest_scripts+=("$t")
done
for s in setup sizeclasses spanstat spanstat-guest kunit-boot-smp2 kunit-boot-smp4 kunit; do
	event declare "$s"
done
for t in "${guest_scripts[@]}"; do
	event declare "guest:$(basename "$t" .sh)"
done
for s in smoke-stock smoke-stock61 rt-smoke rt-workload-smp2 rt-workload-smp4 \
	"${arm64_stage_names[@]}" realmod dkms lint harness; do
	event declare "$s"
done
[[ -n "${CHECK_SKIP:-}" ]] && event checkskip - "$CHECK_SKIP"

stage "setup"
record setup setup scripts/harness/setup.sh
tail -n3 "$logs/setup.out"

stage "size classes: mksizeclasses.py --check"
if [[ ! -f scripts/gen/mksizeclasses.py ]]; then
	bad sizeclasses "scripts/gen/mksizeclasses.py is missing"
elif python3 scripts/gen/mksizeclasses.py --check; then
	ok sizeclasses "mksizeclasses.py --check: tables match the generator"
else
	bad sizeclasses "mksizeclasses.py --check: generated tables drifted"
fi

stage "spanstat host tests (tools/spanstat)"
record spanstat spanstat make -s -C tools/spanstat test
if skip guest; then
	skipped spanstat-guest guest
else
	# spanstat in a guest against the live module: every view, --json round
	# trip of every debugfs value, a known load counted exactly.
	record spanstat-guest spanstat-guest make -s -C tools/spanstat guest-test
fi

stage "KUnit on the test kernel"
kunit_stage x86_64

stage "guest scripts (tests/guest/*.sh)"
for t in "${guest_scripts[@]}"; do
	name="guest:$(basename "$t" .sh)"
	if skip guest; then
		skipped "$name" guest
		continue
	fi
	if guest_script "$t" "$logs" >"$logs/$name.judge" 2>&1; then
		ok "$name" "$(tail -n1 "$logs/$name.judge" | sed 's/^ok guest [^:]*: //')"
	else
		bad "$name" "$(tail -n1 "$logs/$name.judge" | sed 's/^FAILED guest [^:]*: //')"
		cat "$logs/$name.judge"
	fi
	tail -n1 "$logs/$name.judge"
done

stage "smoke tests on the stock kernels"
# Both kernels Debian 12 users run: the backported 6.12 and the default 6.1.
for sk in stock stock61; do
	if skip smoke; then
		skipped "smoke-$sk" smoke
		continue
	fi
	echo "--- smoke test on the $sk kernel"
	if scripts/smoke.sh --kernel "$sk" --log "$logs/smoke-$sk.log" >"$logs/smoke-$sk.out" 2>&1; then
		grep -a '^smoke:\|^== ' "$logs/smoke-$sk.out" || true
		ok "smoke-$sk" "$sk kernel smoke ($(sa_stock_version "$sk")): $(tail -n1 "$logs/smoke-$sk.out")"
	else
		cat "$logs/smoke-$sk.out"
		bad "smoke-$sk" "$sk kernel smoke: $(tail -n1 "$logs/smoke-$sk.out")"
	fi
done

stage "PREEMPT_RT: smoke and workload on the stockrt kernel"
if skip rt; then
	for s in rt-smoke rt-workload-smp2 rt-workload-smp4; do
		skipped "$s" rt
	done
else
	# Debian 12's PREEMPT_RT 6.12: spinlocks and local locks sleep there,
	# so the smoke test and a stress with drains (a flush on every CPU)
	# and CPU hotplug, at 2 and 4 vCPUs. tests/rt/ is not tests/guest/:
	# those run on the test kernel.
	if scripts/smoke.sh --kernel stockrt --log "$logs/smoke-stockrt.log" >"$logs/smoke-stockrt.out" 2>&1; then
		grep -a '^smoke:' "$logs/smoke-stockrt.out" || true
		ok rt-smoke "PREEMPT_RT smoke ($(sa_stock_version stockrt)): $(tail -n1 "$logs/smoke-stockrt.out")"
	else
		cat "$logs/smoke-stockrt.out"
		bad rt-smoke "PREEMPT_RT smoke: $(tail -n1 "$logs/smoke-stockrt.out")"
	fi
	read -r -a opts <<<"$(sed -n 's/^# vm\.sh: //p' tests/rt/workload.sh | head -n1)"
	for smp in 2 4; do
		out="$logs/rt-workload-smp$smp.out"
		echo "--- tests/rt/workload.sh ${opts[*]} --smp $smp"
		if scripts/harness/vm.sh "${opts[@]}" --smp "$smp" --file tests/rt/workload.sh:/root/rt-workload.sh \
			--log "$logs/rt-workload-smp$smp.log" -- "sh /root/rt-workload.sh" >"$out" 2>&1; then
			ok "rt-workload-smp$smp" "PREEMPT_RT workload, $smp vCPUs: $(grep -a '^rt-workload: summary: ' "$out" | tail -n1 | sed 's/^rt-workload: summary: //')"
		else
			cat "$out"
			bad "rt-workload-smp$smp" "PREEMPT_RT workload, $smp vCPUs: $(grep -a '^rt-workload: FAIL: ' "$out" | tail -n1 | sed 's/^rt-workload: //') $(tail -n1 "$out")"
		fi
		tail -n1 "$out"
	done
fi

stage "arm64: KUnit, example client and soak on the arm64 test kernel"
arm64_stages

stage "real modules: fs/minix on spanalloc (scripts/realmod.sh)"
if skip realmod; then
	skipped realmod realmod
else
	# Debian's fs/minix, unmodified, built with include/spanalloc_slab.h:
	# a file workload on a loop-mounted image, cross-checked with the
	# kernel's own minix.ko, the image fsck'ed on the host, no live object
	# of it left after rmmod (scripts/realmod.sh check; README section).
	record realmod realmod env FILES="${REALMOD_FILES:-1000}" DIRS=50 \
		scripts/realmod.sh --fs minix check
fi

stage "DKMS: add, build, install, remove (make dkms-check)"
if skip dkms; then
	skipped dkms dkms
else
	record dkms dkms scripts/dkms-check.sh
	grep -a '^\[dkms-check\] .*vermagic' "$logs/dkms.out" || true
fi

stage "style gates (make lint)"
if skip lint; then
	skipped lint lint
else
	record lint lint scripts/lint.sh
	grep -a '^---- ' "$logs/lint.out" || true
fi

stage "check-harness"
if skip harness; then
	skipped harness harness
else
	record harness check-harness scripts/check-harness.sh
fi

stage "summary"
echo "logs: $logs; total $(( $(date +%s) - start ))s"
tally "$stagefile"
exit
}
