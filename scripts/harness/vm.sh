#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run code in a QEMU guest: the one way tests, demo, benchmarks and users'
# own modules get into a kernel.
#
# scripts/harness/vm.sh [--kernel stock|stock61|stockrt|test] [--smp N] [--mem SIZE] [--numa N]
#               [--ext DIR]... [--load FILE.ko[:"params"]]... [--kunit] [--file SRC[:DST]]...
#               [--no-spanalloc] [--allow-splat] [--timeout SECONDS]
#               [--log FILE] [--quiet] [--arch x86_64|arm64] [--] [GUEST SHELL COMMAND]
#
# Kernels: stock (Debian 12's 6.12), stock61 (its default 6.1), stockrt (its
# PREEMPT_RT 6.12), test (built from linux-source-6.12 with kunit/test.config).
# Builds spanalloc.ko for the chosen kernel in a per-kernel copy of the tree
# ($SPANALLOC_CACHE/build/<kernel>/src; on the test kernel also kunit/*.ko),
# builds each --ext DIR there too with
#     KBUILD_EXTRA_SYMBOLS=<build>/src/Module.symvers KCFLAGS=-I<build>/src/include
# packs a busybox initramfs, boots the kernel under qemu-system-x86_64,
# mounts proc, sys, devtmpfs, debugfs, tracefs and a tmpfs on /tmp, loads
# spanalloc.ko (unless --no-spanalloc), the kunit modules (--kunit), the
# --ext modules and the --load files in that order (each init runs exactly
# once: /sbin/insmod is scripts/harness/sa-insmod.c), runs the command with sh in
# /root, and prints the guest console.
#
# Exit status: the guest command's. Otherwise, with the reason on the last
# line: 124 timeout (guest killed), 125 kernel splat (oops, BUG, WARNING,
# KASAN, lockdep, scheduling while atomic or from the idle thread, RCU
# stall, panic; not with --allow-splat), 126 a module failed to load, 127
# the guest died without reporting a status, 2 a build or usage error.
#
# --load FILE.ko   a relative FILE found in the per-kernel build (for
#                  example kunit/spanalloc_api_test.ko) is taken from there
# --file SRC[:DST] copy a file into the guest (default DST /root/<name>)
# --numa N         N emulated NUMA nodes (x86_64): the vCPUs and the memory
#                  split evenly between them, node k holding CPUs
#                  k*smp/N .. (k+1)*smp/N-1, one socket each (QEMU -numa
#                  with a memory-backend-ram per node; the kernel sees them
#                  in ACPI's SRAT); --smp and --mem must divide by N
# --kunit          load every kunit/*.ko built for the test kernel
# --log FILE       also write the console log (\r stripped) to FILE
# --quiet          do not stream the console (it is still logged)
# --append ARGS    add ARGS to the kernel command line (as VM_APPEND does;
#                  a guest script's "# vm.sh:" line can say --append kmemleak=on)
# --arch arm64     the arm64 test kernel (kunit/test-arm64.config; --kernel
#                  test is implied and the only one), modules cross-built
#                  with aarch64-linux-gnu-, an arm64 busybox initramfs,
#                  booted under qemu-system-aarch64 -M virt (RAM from 1 GiB
#                  physical, console ttyAMA0, -cpu max,lpa2=off unless
#                  VM_CPU says otherwise: without LPA2 the 52-bit-VA test
#                  kernel falls back to 48 bits and maps RAM 2^52 - 2^48
#                  bytes above PAGE_OFFSET); same verdicts and exit codes
#
# Environment: ACCEL=kvm (default tcg), VM_TCG_THREAD=single|multi,
# VM_APPEND="extra kernel command line", VM_CPU (default max, host on kvm),
# VM_QEMU_EXTRA="extra qemu options" (for example "-icount shift=0,sleep=off":
# guest time then counts guest instructions, so a bench A/B is free of host
# noise; it measures instructions, not time on hardware), SPANALLOC_CACHE, SPANALLOC_SRC (build spanalloc from this tree instead of
# the repo, e.g. a known-good copy while the repo's tree is mid-change).
# The braces make bash read the whole script before running it, so editing
# this file while it runs (other runs in progress) cannot derail them.
{
set -euo pipefail
# shellcheck source=scripts/harness/lib.sh
source "$(dirname "$0")/lib.sh"
SA_LOG_TAG=vm.sh

usage() {
	sed -n '4,9p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

kernel=stock smp=2 mem=1G numa=0 timeout=300 spanalloc=1 allow_splat=0 quiet=0 kunit=0
arch=x86_64 kernel_set=0
exts=() loads=() files=() logcopy=""
while [[ $# -gt 0 ]]; do
	case "$1" in
	--kernel) kernel="$2" kernel_set=1; shift 2 ;;
	--arch) arch="$2"; shift 2 ;;
	--smp) smp="$2"; shift 2 ;;
	--mem) mem="$2"; shift 2 ;;
	--numa) numa="$2"; shift 2 ;;
	--ext) exts+=("$2"); shift 2 ;;
	--load) loads+=("$2"); shift 2 ;;
	--file) files+=("$2"); shift 2 ;;
	--kunit) kunit=1; shift ;;
	--no-spanalloc) spanalloc=0; shift ;;
	--allow-splat) allow_splat=1; shift ;;
	--timeout) timeout="$2"; shift 2 ;;
	--log) logcopy="$2"; shift 2 ;;
	--quiet) quiet=1; shift ;;
	--append) VM_APPEND="${VM_APPEND:-} $2"; shift 2 ;;
	-h|--help) usage ;;
	--) shift; break ;;
	-*) echo "vm.sh: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
cmd="${*:-true}"
[[ "$smp" =~ ^[0-9]+$ && "$timeout" =~ ^[0-9]+$ && "$numa" =~ ^[0-9]+$ ]] ||
	sa_die "--smp, --numa and --timeout take numbers"
# --numa N: one memory backend and one node per N-th of the CPUs and memory.
numa_args=()
if [[ $numa -gt 1 ]]; then
	[[ "$arch" == x86_64 ]] || sa_die "--numa is for x86_64 guests"
	[[ "$mem" =~ ^([0-9]+)([MG])$ ]] || sa_die "--numa needs --mem as <number>M or <number>G"
	mem_mib=${BASH_REMATCH[1]}
	[[ ${BASH_REMATCH[2]} == G ]] && mem_mib=$((mem_mib * 1024))
	((smp % numa == 0 && mem_mib % numa == 0)) ||
		sa_die "--numa $numa: --smp $smp and --mem $mem must divide by it"
	for ((n = 0; n < numa; n++)); do
		c0=$((n * smp / numa)) c1=$(((n + 1) * smp / numa - 1))
		numa_args+=(-object "memory-backend-ram,id=m$n,size=$((mem_mib / numa))M"
			    -numa "node,nodeid=$n,cpus=$c0-$c1,memdev=m$n")
	done
	# One socket per node: CPUs sharing a last-level cache on two nodes
	# make the kernel WARN (topology_sane(), "llc-sibling ... not on the
	# same node").
	smp="$smp,sockets=$numa,cores=$((smp / numa)),threads=1"
fi
# kmake: extra make arguments for module builds (none on x86_64)
kmake=()
case "$arch" in
x86_64) ;;
arm64)
	if [[ $kernel_set -eq 1 && "$kernel" != test ]]; then
		echo "vm.sh: --arch arm64 runs only --kernel test" >&2
		usage
	fi
	kernel=test-arm64
	kmake=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
	;;
*) echo "vm.sh: --arch must be x86_64 or arm64" >&2; usage ;;
esac

fail() { # exit-code reason
	echo "vm.sh: FAIL (exit $1): $2" >&2
	exit "$1"
}

# Setup is quick and quiet when everything is cached; its output is shown
# only when it fails.
run_setup() {
	local out
	out="$(mktemp)"
	if ! "$SA_ROOT/scripts/harness/setup.sh" "$@" >"$out" 2>&1; then
		cat "$out" >&2
		rm -f "$out"
		fail 2 "scripts/harness/setup.sh $* failed"
	fi
	rm -f "$out"
}

case "$kernel" in
stock|stock61|stockrt)
	# stock: Debian 12's backported 6.12; stock61: its default 6.1 kernel;
	# stockrt: the backported 6.12 built with PREEMPT_RT
	run_setup deps "$kernel" initramfs
	kver="$(sa_stock_version "$kernel")"
	kid="stock-$kver"
	kdir="$(sa_stock_kdir "$kernel")"
	vmlinuz="$(sa_stock_vmlinuz "$kernel")"
	;;
test)
	if [[ ! -f "$(sa_test_kernel_dir)/.built" ]]; then
		sa_log "test kernel not built yet: building it (about 8 minutes on 2 cores)"
	fi
	run_setup deps test initramfs
	kdir="$(sa_test_kernel_dir)"
	kid="test-$(basename "$kdir")"
	vmlinuz="$kdir/arch/x86/boot/bzImage"
	;;
test-arm64)
	if [[ ! -f "$(sa_test_kernel_dir arm64)/.built" ]]; then
		sa_log "arm64 test kernel not built yet: building it (about 10 minutes on 2 cores)"
	fi
	run_setup deps arm64 test-arm64
	kdir="$(sa_test_kernel_dir arm64)"
	kid="test-$(basename "$kdir")"
	vmlinuz="$kdir/arch/arm64/boot/Image"
	;;
*) fail 2 "--kernel must be stock, stock61, stockrt or test" ;;
esac

bdir="$SA_CACHE/build/$kid"
mkdir -p "$bdir" "$SA_CACHE/logs"

# Files an in-place `make` leaves in a tree: never copy them into the
# per-kernel build, they belong to another kernel.
rsync_excl=(--exclude=.git/ --exclude='*.o' --exclude='*.ko' --exclude='*.mod'
	--exclude='*.mod.c' --exclude='.*.cmd' --exclude=Module.symvers
	--exclude=modules.order --exclude='*.a' --exclude='.tmp_versions/'
	--exclude='*.d' --exclude=__pycache__/)

# Sources are copied by content (--checksum) without their times (no -t):
# a file that changed gets a new mtime, so make rebuilds it even when the
# source tree (SPANALLOC_SRC, a git export) is older than the objects left
# by the previous build from another tree.
rsync_copy=(rsync -rlpD --checksum --delete)

# One build at a time per kernel (tests may run vm.sh concurrently).
exec 9>"$bdir/.lock"
flock 9

src="$bdir/src"
if [[ $spanalloc -eq 1 ]]; then
	excl_cache=()
	case "$SA_CACHE/" in
	"$SA_ROOT"/*) excl_cache=(--exclude="/${SA_CACHE#"$SA_ROOT"/}/") ;;
	esac
	"${rsync_copy[@]}" "${rsync_excl[@]}" "${excl_cache[@]}" --exclude=/.cache/ \
		--exclude=/build/ --exclude=/bench/results/ "${SPANALLOC_SRC:-$SA_ROOT}/" "$src/"
	sa_log "building spanalloc for $kid"
	make -C "$kdir" M="$src" "${kmake[@]}" -j"$SA_JOBS" modules >"$bdir/build.log" 2>&1 || {
		cat "$bdir/build.log" >&2
		fail 2 "building spanalloc against $kid failed"
	}
	grep -E 'warning:|error:' "$bdir/build.log" >&2 || true
	[[ -f "$src/spanalloc/spanalloc.ko" ]] || fail 2 "no spanalloc/spanalloc.ko after the build"
fi

ext_kos=()
for e in "${exts[@]}"; do
	[[ -d "$e" ]] || fail 2 "--ext $e: not a directory"
	edir="$(cd "$e" && pwd)"
	name="$(basename "$edir")"
	dest="$bdir/ext/$name"
	mkdir -p "$dest"
	"${rsync_copy[@]}" "${rsync_excl[@]}" "$edir/" "$dest/"
	extra=()
	if [[ $spanalloc -eq 1 ]]; then
		extra=(KBUILD_EXTRA_SYMBOLS="$src/Module.symvers" KCFLAGS="-I$src/include")
	else
		extra=(KCFLAGS="-I$SA_ROOT/include")
	fi
	sa_log "building --ext $e for $kid"
	make -C "$kdir" M="$dest" "${extra[@]}" "${kmake[@]}" -j"$SA_JOBS" modules >"$dest/.build.log" 2>&1 || {
		cat "$dest/.build.log" >&2
		fail 2 "building --ext $e against $kid failed"
	}
	grep -E 'warning:|error:' "$dest/.build.log" >&2 || true
	# Modules in the order modules.order lists them.
	# (modules.order lists absolute paths since 6.x; older kernels relative)
	n=0
	while IFS= read -r ko; do
		ko="${ko%.o}.ko"
		[[ "$ko" == /* ]] || ko="$dest/$ko"
		if [[ -f "$ko" ]]; then
			ext_kos+=("$ko")
			n=$((n + 1))
		fi
	done < "$dest/modules.order"
	[[ $n -gt 0 ]] || fail 2 "--ext $e built no module"
done

# The initramfs: busybox base + modules + files + generated /init.
stage="$(mktemp -d "$bdir/initramfs.XXXXXX")"
initrd="$stage.cpio.gz"
# shellcheck disable=SC2317 # called by the trap
cleanup() { rm -rf "$stage" "$initrd"; }
trap cleanup EXIT
base="$SA_CACHE/initramfs/base"
[[ "$arch" == arm64 ]] && base="$SA_CACHE/initramfs/base-arm64"
cp -a "$base/." "$stage/"
rm -f "$stage/.done"
mkdir -p "$stage/modules"

loadlist=()	# guest-path<TAB>params
if [[ $spanalloc -eq 1 ]]; then
	cp "$src/spanalloc/spanalloc.ko" "$stage/modules/"
	loadlist+=("/modules/spanalloc.ko	")
fi
if [[ $kunit -eq 1 ]]; then
	[[ $spanalloc -eq 1 ]] || fail 2 "--kunit needs spanalloc"
	mkdir -p "$stage/modules/kunit"
	n=0
	if [[ -f "$src/kunit/modules.order" ]]; then
		while IFS= read -r ko; do
			ko="$(basename "${ko%.o}.ko")"
			cp "$src/kunit/$ko" "$stage/modules/kunit/"
			loadlist+=("/modules/kunit/$ko	")
			n=$((n + 1))
		done < "$src/kunit/modules.order"
	fi
	[[ $n -gt 0 ]] || fail 2 "--kunit: no kunit/*.ko built (is this the test kernel?)"
fi
for ko in "${ext_kos[@]}"; do
	rel="ext/$(basename "$(dirname "$ko")")/$(basename "$ko")"
	mkdir -p "$stage/modules/$(dirname "$rel")"
	cp "$ko" "$stage/modules/$rel"
	loadlist+=("/modules/$rel	")
done
for spec in "${loads[@]}"; do
	f="$spec" params=""
	if [[ "$spec" == *.ko:* ]]; then
		f="${spec%%.ko:*}.ko"
		params="${spec#*.ko:}"
	fi
	if [[ "$f" != /* && -f "$src/$f" ]]; then
		f="$src/$f"
	fi
	[[ -f "$f" ]] || fail 2 "--load $f: no such file"
	mkdir -p "$stage/modules/load"
	cp "$f" "$stage/modules/load/"
	loadlist+=("/modules/load/$(basename "$f")	$params")
done
for spec in "${files[@]}"; do
	s="${spec%%:*}" d="/root/$(basename "${spec%%:*}")"
	[[ "$spec" == *:* ]] && d="${spec#*:}"
	[[ -e "$s" ]] || fail 2 "--file $s: no such file"
	mkdir -p "$stage/$(dirname "$d")"
	cp -a "$s" "$stage/$d"
done

{
	# busybox sh runs its own applets before searching PATH, so a bare
	# `insmod` would be busybox's (init twice on failure): use ours.
	echo 'insmod() { /sbin/sa-insmod "$@"; }'
	printf '%s\n' "$cmd"
} > "$stage/cmd.sh"
{
	cat <<'EOF'
#!/bin/sh
# Generated by scripts/harness/vm.sh
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
# Markers go through printk so they stay in order with kernel messages.
mark() { echo "spanalloc-vm: $*" > /dev/kmsg; }
finish() {
	mark "exit status $1"
	sync
	# Let the console drain before the reset (lost tails seen with 4 vCPUs).
	sleep 1
	reboot -f
	sleep 10
}
mark "guest up: $(grep -c ^processor /proc/cpuinfo) cpus, kernel $(uname -r)"
load() {
	mark "loading $1"
	# shellcheck disable=SC2086
	/sbin/sa-insmod "$1" $2
	st=$?
	if [ $st -ne 0 ]; then
		mark "MODULE LOAD FAILED: $1 (insmod status $st)"
		finish 126
	fi
	mark "loaded $1"
}
EOF
	for l in "${loadlist[@]}"; do
		printf 'load %q %q\n' "${l%%	*}" "${l#*	}"
	done
	cat <<'EOF'
cd /root
mark "running command"
sh /cmd.sh
finish $?
EOF
} > "$stage/init"
chmod +x "$stage/init"
(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$initrd"
flock -u 9

# Boot.
accel="${ACCEL:-tcg}"
if [[ "$accel" == tcg ]]; then
	accel_opt="tcg${VM_TCG_THREAD:+,thread=$VM_TCG_THREAD}"
	cpu="${VM_CPU:-max}"
else
	accel_opt="$accel"
	cpu="${VM_CPU:-host}"
fi
# no_timer_check: on a loaded host TCG can miss the boot-time IO-APIC timer
# check ("IO-APIC + timer doesn't work!" panic, seen here); VMs skip it.
append="console=ttyS0,115200 panic=-1 printk.time=1 printk.devkmsg=on no_timer_check ${VM_APPEND:-}"
qemu=(qemu-system-x86_64)
if [[ "$arch" == arm64 ]]; then
	# QEMU's virt board: RAM at 1 GiB physical, PL011 UART, GICv3, PSCI
	# (SMP bring-up, CPU hotplug, reboot -f ends QEMU with -no-reboot).
	append="console=ttyAMA0 panic=-1 printk.time=1 printk.devkmsg=on ${VM_APPEND:-}"
	qemu=(qemu-system-aarch64 -M "virt,gic-version=3")
	[[ "$accel" == tcg ]] && cpu="${VM_CPU:-max,lpa2=off}"
fi
read -r -a qemu_extra <<< "${VM_QEMU_EXTRA:-}"
# Boot once and judge the console log: sets log, elapsed, code, reasons.
boot_and_judge() {
	attempt=$((${attempt:-0} + 1))
	log="$SA_CACHE/logs/vm-$kid-$(date +%Y%m%d-%H%M%S)-$$-$attempt.log"
	sa_log "booting $kid: smp=$smp mem=$mem${numa_args[*]:+ numa=$numa} accel=$accel_opt timeout=${timeout}s log=$log"
	start=$(date +%s)
	set +e
	timeout -k 10 "$timeout" "${qemu[@]}" -nodefaults -display none -no-reboot \
		-accel "$accel_opt" -cpu "$cpu" -smp "$smp" -m "$mem" ${numa_args[@]+"${numa_args[@]}"} \
		-kernel "$vmlinuz" -initrd "$initrd" -append "$append" \
		${qemu_extra[@]+"${qemu_extra[@]}"} -serial stdio -monitor none </dev/null 2>&1 |
		sed -u 's/\r$//' | if [[ $quiet -eq 1 ]]; then cat > "$log"; else tee "$log"; fi
	qemu_st=${PIPESTATUS[0]}
	set -e
	elapsed=$(( $(date +%s) - start ))
	[[ -n "$logcopy" ]] && cp "$log" "$logcopy"

	# Verdict.
	reasons=() code=0
	if [[ $qemu_st -eq 124 || $qemu_st -eq 137 ]]; then
		reasons+=("timeout: guest still running after ${timeout}s, killed")
		code=124
	elif [[ $qemu_st -ne 0 ]]; then
		reasons+=("qemu exited with status $qemu_st")
		code=127
	fi
	# Kernel splats: only lines printk wrote (they carry a [ time] stamp), so a
	# guest command echoing such words does not count.
	splat_re='^\[ *[0-9]+\.[0-9]+\] .*(Kernel panic|BUG: |WARNING: |kernel BUG at|Oops|general protection fault|KASAN|UBSAN: |INFO: |turning off the locking correctness validator|DEBUG_LOCKS_WARN_ON|ODEBUG: |possible circular locking|possible recursive locking|inconsistent lock state|scheduling while atomic|scheduling from the idle thread|self-detected stall|detected stalls on CPU|rcu_sched detected stall|RCU stall|soft lockup|hard LOCKUP|blocked for more than|double fault|stack-protector|list_add corruption|list_del corruption)'
	splat="$(grep -a -m1 -n -E "$splat_re" "$log" || true)"
	if [[ -n "$splat" && $allow_splat -eq 0 ]]; then
		reasons+=("kernel splat at log line ${splat%%:*}: $(sed -E 's/^\[ *[0-9.]+\] //' <<<"${splat#*:}")")
		[[ $code -eq 0 ]] && code=125
	fi
	loadfail="$(grep -a -m1 -o 'spanalloc-vm: MODULE LOAD FAILED: .*' "$log" || true)"
	if [[ -n "$loadfail" ]]; then
		reasons+=("module failed to load: ${loadfail#spanalloc-vm: MODULE LOAD FAILED: }")
		[[ $code -eq 0 ]] && code=126
	fi
	status="$(grep -a -o 'spanalloc-vm: exit status [0-9]*' "$log" | tail -n1 | awk '{print $4}' || true)"
	if [[ -z "$status" ]]; then
		[[ $code -eq 124 ]] || reasons+=("guest ended without reporting an exit status (crash or panic?)")
		[[ $code -eq 0 ]] && code=127
	elif [[ -z "$loadfail" && "$status" -ne 0 ]]; then
		reasons+=("guest command exited with status $status")
		[[ $code -eq 0 ]] && code=$status
	fi

	if [[ $code -ne 0 ]] && ! grep -aq 'spanalloc-vm: guest up' "$log"; then
		# Nothing of ours ran yet: a kernel or QEMU problem, not the test's.
		reasons=("guest never reached /init: the boot failed or hung before any spanalloc code was loaded (see README: TCG flakes)" "${reasons[@]}")
	fi
}

# A guest that dies before /init ran none of our code: that is the kernel or
# QEMU (seen under TCG: an "Oops: int3" while a static key was patched at
# boot, see README). Boot once more, saying so; never for a timeout, and
# never once /init has started. VM_BOOT_RETRY=0 disables it.
boot_and_judge
if [[ $code -ne 0 && $code -ne 124 && "${VM_BOOT_RETRY:-1}" != 0 ]] &&
	! grep -aq 'spanalloc-vm: guest up' "$log"; then
	echo "vm.sh: guest died during boot before /init (${reasons[*]}); log $log; booting once more" >&2
	boot_and_judge
fi
if [[ $code -eq 0 ]]; then
	echo "vm.sh: OK: guest command exited 0 ($kid, smp=$smp, ${elapsed}s, log $log)" >&2
	exit 0
fi
msg="$(IFS=';'; echo "${reasons[*]}")"
msg="${msg//;/; }"
echo "vm.sh: log: $log (${elapsed}s)" >&2
fail "$code" "$msg"
# shellcheck disable=SC2317 # reached when the script does not exit earlier
exit
}
