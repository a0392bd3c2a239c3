#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Real, unmodified in-tree kernel modules on spanalloc (issue 13): fs/minix
# and fs/ext2 of linux-source-6.12, built out of tree with
# include/spanalloc_slab.h (-include), run on a loop-mounted image in a
# guest, the image checked on the host afterwards by fsck.
#
#   scripts/realmod.sh [--kernel stock|test] [--fs minix|ext2|all] check
#       build the module(s) (vm.sh --ext), make the image(s), boot, run
#       tests/realmod/fs.sh check, take the image back out through the
#       console and fsck it on the host (fsck.minix -f / e2fsck -f -n)
#   scripts/realmod.sh [--kernel ...] [--fs ...] build
#       host-only builds against the kernel: stock 6.12 headers or the
#       test kernel's O= tree, with spanalloc's Module.symvers; no boot
#   scripts/realmod.sh [--kernel stock] [--fs minix] bench [ROUNDS]
#       ROUNDS (default 4; 2 with BENCH_QUICK=1) timed runs per module in
#       one boot, interleaved (A B B A): spanalloc's build against the
#       kernel's own module (SLUB, Debian's minix.ko) and the same build
#       with an empty header (SLUB: only the allocator differs); each run is
#       mount, fsload -D -c (FILES=500 DIRS=50 MAXSIZE=16384 unless set; 200
#       files with BENCH_QUICK=1), umount; writes
#       bench/results/realmod-<fs>-<kernel>.json and prints the ratios
#
# Environment:
#   FILES=3000 DIRS=100   fsload's files and directories per tree (check)
#   MAXSIZE=131072        largest file (check)
#   IMAGE_MB=64           image size
#   REALMOD_TIMEOUT=3600  vm.sh --timeout of a check boot
#   REALMOD_SMP=2         vCPUs         REALMOD_STANDIN=1  build against an
#                                       empty stand-in header (SLUB), e.g.
#                                       before include/spanalloc_slab.h exists
#   BENCH_SPANALLOC=head|worktree   for bench (default head, as bench.sh)
#   BENCH_OUT=DIR         where bench writes its JSON (default bench/results)
#   SPANALLOC_SRC, VM_APPEND, VM_TCG_THREAD, ACCEL: as for scripts/harness/vm.sh
#
# Everything built or made goes to $SPANALLOC_CACHE/realmod/ (sources
# copied from the kernel tree, images, the decompressed stock modules, the
# static fsload); logs to $SPANALLOC_CACHE/logs/realmod-*.log.
set -euo pipefail
# shellcheck source=scripts/harness/lib.sh
source "$(dirname "$0")/harness/lib.sh"
SA_LOG_TAG=realmod

kernel=stock fslist=minix
while [[ $# -gt 0 ]]; do
	case "$1" in
	--kernel) kernel="$2"; shift 2 ;;
	--fs) fslist="$2"; shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) sa_die "unknown option $1" ;;
	*) break ;;
	esac
done
action="${1:-check}"
[[ "$fslist" == all ]] && fslist="minix ext2"
if [[ "$action" == bench ]]; then
	quick=0
	[[ -n "${BENCH_QUICK:-}" && "${BENCH_QUICK}" != 0 ]] && quick=1
	files="${FILES:-$([[ $quick == 1 ]] && echo 200 || echo 500)}" dirs="${DIRS:-50}"
	maxsize="${MAXSIZE:-16384}"
else
	files="${FILES:-3000}" dirs="${DIRS:-100}" maxsize="${MAXSIZE:-131072}"
fi
image_mb="${IMAGE_MB:-64}"
smp="${REALMOD_SMP:-2}"
rm_cache="$SA_CACHE/realmod"
mkdir -p "$rm_cache" "$SA_CACHE/logs"

case "$kernel" in
stock) "$SA_ROOT/scripts/harness/setup.sh" deps stock initramfs >/dev/null 2>&1 || sa_die "scripts/harness/setup.sh deps stock initramfs failed" ;;
test) "$SA_ROOT/scripts/harness/setup.sh" deps test initramfs >/dev/null 2>&1 || sa_die "scripts/harness/setup.sh deps test initramfs failed" ;;
*) sa_die "--kernel must be stock or test" ;;
esac
for t in mkfs.minix fsck.minix mke2fs e2fsck xz; do
	command -v "$t" >/dev/null || sa_die "$t missing (apt-get install util-linux e2fsprogs xz-utils)"
done

# The kernel tree the module sources come from: linux-source-6.12, the
# version of both the stock and the test kernel (extracted by setup).
ksrc="$(sa_source_dir)"
[[ -f "$ksrc/.extracted" ]] || sa_die "$ksrc not extracted: run scripts/harness/setup.sh"

if [[ $kernel == stock ]]; then
	kver="$(sa_stock_version stock)"
	kdir="$(sa_stock_kdir stock)"
	kid="stock-$kver"
	config="$(sa_stock_dir stock)/boot/config-$kver"
else
	kdir="$(sa_test_kernel_dir x86_64)"
	kid="test-$(basename "$kdir")"
	config="$kdir/.config"
fi

# What the kernel must have for a block file system on a loop device. The
# stock kernel has all of it (loop and the file systems as modules); the
# test kernel (allnoconfig + kunit/test.config) may not.
kernel_can() { # fs -> prints what is missing, empty if nothing
	local fs="$1" miss=()
	grep -q '^CONFIG_BLOCK=y' "$config" || miss+=(CONFIG_BLOCK=y)
	grep -q '^CONFIG_BUFFER_HEAD=y' "$config" ||
		miss+=("CONFIG_BUFFER_HEAD=y (hidden: selected by CONFIG_MINIX_FS=m or CONFIG_EXT2_FS=m, the former under CONFIG_MISC_FILESYSTEMS=y)")
	grep -qE '^CONFIG_BLK_DEV_LOOP=[ym]' "$config" || miss+=("CONFIG_BLK_DEV=y CONFIG_BLK_DEV_LOOP=y")
	[[ $fs == ext2 ]] && ! grep -q '^CONFIG_FS_IOMAP=y' "$config" && miss+=(CONFIG_FS_IOMAP=y)
	echo "${miss[*]}"
}

# A copy of the kernel's fs/<fs> with our Kbuild next to the upstream
# Makefile; its directory name is the --ext name (/modules/ext/<fs>/ in the
# guest).
prepare_src() { # fs -> dir
	local fs="$1" d="$rm_cache/src/$1"
	mkdir -p "$d"
	rsync -rlpD --checksum --delete --exclude=Kbuild "$ksrc/fs/$fs/" "$d/"
	cp "$SA_ROOT/tests/realmod/$fs/Kbuild" "$d/Kbuild"
	echo "$d"
}

# The header: include/spanalloc_slab.h of the spanalloc tree vm.sh builds
# (vm.sh puts its include/ on the path). Without it, or with
# REALMOD_STANDIN=1, an empty stand-in: the module then runs on SLUB and
# the spanalloc-specific checks are skipped by the guest script.
sa_tree="${SPANALLOC_SRC:-$SA_ROOT}"
standin=0
if [[ "${REALMOD_STANDIN:-0}" == 1 || ! -f "$sa_tree/include/spanalloc_slab.h" ]]; then
	standin=1
	mkdir -p "$rm_cache/standin"
	printf '/* empty stand-in for include/spanalloc_slab.h: the module uses SLUB */\n' \
		> "$rm_cache/standin/spanalloc_slab.h"
	export SPANALLOC_SLAB_H="$rm_cache/standin/spanalloc_slab.h"
	sa_log "WARNING: building with an empty stand-in header ($SPANALLOC_SLAB_H): the modules use SLUB, not spanalloc"
fi

fsload_bin() {
	local b="$rm_cache/tools/fsload" s="$SA_ROOT/tests/realmod/fsload.c"
	mkdir -p "$rm_cache/tools"
	if [[ ! -x "$b" || "$s" -nt "$b" ]]; then
		gcc -static -O2 -Wall -Wextra -o "$b" "$s"
		strip "$b"
	fi
	echo "$b"
}

make_image() { # fs path
	rm -f "$2"
	truncate -s "${image_mb}M" "$2"
	case "$1" in
	minix) mkfs.minix -3 "$2" >/dev/null ;;
	# 1 KiB blocks: more indirect blocks and bitmap traffic per byte.
	ext2) mke2fs -q -F -t ext2 -b 1024 "$2" >/dev/null ;;
	esac
}

fsck_image() { # fs path -> status of fsck (0 clean)
	case "$1" in
	minix) fsck.minix -f -v "$2" ;;
	ext2) e2fsck -f -n "$2" ;;
	esac
}

# The kernel's own module for the cross-check (SLUB): Debian's, from the
# stock image's /lib/modules (xz-compressed there, unpacked here); on the
# test kernel its own build, if its config has the file system as a module.
# Also the loop driver, a module on the stock kernel.
stock_mod() { # relative path under kernel/ without .ko.xz -> unpacked .ko
	local v m out
	v="$(sa_stock_version stock)"
	m="$(sa_stock_dir stock)/lib/modules/$v/kernel/$1.ko.xz"
	out="$rm_cache/stock-modules/$v/$(basename "$1").ko"
	[[ -f "$m" ]] || return 1
	mkdir -p "$(dirname "$out")"
	[[ -f "$out" && "$out" -nt "$m" ]] || xz -dc "$m" > "$out"
	echo "$out"
}
slub_modules() { # fs -> "path name.ko" lines, in load order
	local m n=0
	if [[ $kernel == stock ]]; then
		if [[ $1 == ext2 ]]; then
			# Debian builds no ext2.ko: ext4.ko serves ext2 (EXT4_USE_FOR_EXT2),
			# an independent implementation to cross-check against.
			for m in crypto/crc32c_generic lib/crc16 fs/mbcache fs/jbd2/jbd2 fs/ext4/ext4; do
				n=$((n + 1))
				echo "$(stock_mod "$m") $n-$(basename "$m").ko"
			done
		else
			m="$(stock_mod "fs/$1/$1")" && echo "$m 1-$1.ko"
		fi
	elif [[ -f "$kdir/fs/$1/$1.ko" ]]; then
		echo "$kdir/fs/$1/$1.ko 1-$1.ko"
	fi
	return 0
}

# vm.sh options shared by check and bench: the module, loop, files.
vm_opts() { # fs image
	local fs="$1" img="$2" path name
	opts=(--kernel "$kernel" --smp "$smp" --mem 1G --ext "$(prepare_src "$fs")"
		--file "$img:/root/$fs.img" --file "$(fsload_bin):/root/fsload"
		--file "$SA_ROOT/tests/realmod/fs.sh:/root/fs.sh")
	if [[ $kernel == stock ]]; then
		opts+=(--load "$(stock_mod drivers/block/loop)")
	fi
	while read -r path name; do
		opts+=(--file "$path:/root/slub/$name")
	done < <(slub_modules "$fs")
}

do_build() {
	local fs miss d symvers log st=0
	# spanalloc for this kernel, in a copy of its own (never the vm.sh one,
	# which a concurrent guest run may be using)
	local bsrc="$rm_cache/build/$kid/spanalloc"
	mkdir -p "$bsrc"
	rsync -rlpD --checksum --delete --exclude=.git/ --exclude=/.cache/ --exclude=/build/ \
		--exclude=/bench/results/ --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
		"$sa_tree/" "$bsrc/"
	sa_log "building spanalloc for $kid"
	make -C "$kdir" M="$bsrc" -j"$SA_JOBS" modules >"$bsrc/.build.log" 2>&1 ||
		{ tail -n 30 "$bsrc/.build.log"; sa_die "spanalloc does not build against $kid"; }
	symvers="$bsrc/Module.symvers"
	for fs in $fslist; do
		d="$rm_cache/build/$kid/$fs"
		mkdir -p "$d"
		rsync -rlpD --checksum --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
			"$(prepare_src "$fs")/" "$d/"
		log="$d/.build.log"
		miss="$(kernel_can "$fs")"
		sa_log "building $fs against $kid"
		if make -C "$kdir" M="$d" KBUILD_EXTRA_SYMBOLS="$symvers" KCFLAGS="-I$bsrc/include" \
			-j"$SA_JOBS" modules >"$log" 2>&1; then
			echo "realmod: build: $fs.ko against $kid: OK ($(stat -c %s "$d/$fs.ko") bytes, $(grep -c 'warning:' "$log" || true) warnings)"
			modinfo -F depends "$d/$fs.ko" | sed "s/^/realmod: build: $fs.ko depends on: /"
			local hdr=header
			[[ $standin -eq 1 ]] && hdr="stand-in header"
			echo "realmod: build: $fs.ko ($hdr) calls $(nm -u "$d/$fs.ko" | grep -c ' spanalloc_') spanalloc_* functions, $(nm -u "$d/$fs.ko" | grep -cE ' (__kmalloc|kmalloc_|kmem_cache_|kfree|kvfree|__kvmalloc|krealloc|kmemdup)') kernel slab functions: $(nm -u "$d/$fs.ko" | grep -E ' (__kmalloc|kmalloc_|kmem_cache_|kfree|kvfree|__kvmalloc|krealloc|kmemdup)' | awk '{print $2}' | paste -sd' ')"
		else
			st=1
			grep -E 'error|ERROR' "$log" | head -n 25
			echo "realmod: build: $fs.ko against $kid: FAILED (log $log)"
			[[ -n "$miss" ]] && echo "realmod: build: $kid lacks what $fs needs: $miss"
		fi
	done
	return $st
}

do_check() {
	local fs img log st out back
	local overall=0
	for fs in $fslist; do
		local miss
		miss="$(kernel_can "$fs")"
		if [[ -n "$miss" ]]; then
			echo "realmod: $fs on $kid: SKIPPED: the kernel lacks $miss"
			overall=3
			continue
		fi
		img="$rm_cache/images/$fs-$kid.img"
		mkdir -p "$rm_cache/images"
		make_image "$fs" "$img"
		vm_opts "$fs" "$img"
		log="$SA_CACHE/logs/realmod-$fs-$kid.log"
		sa_log "$fs on $kid: $files files, $dirs x2 directories per tree, ${image_mb} MiB image"
		st=0
		"$SA_ROOT/scripts/harness/vm.sh" "${opts[@]}" --timeout "${REALMOD_TIMEOUT:-3600}" \
			--quiet --log "$log" -- "FILES=$files DIRS=$dirs MAXSIZE=$maxsize EXPORT=1 sh /root/fs.sh check $fs" \
			> "$log.out" 2>&1 || st=$?
		grep -a "^realmod-$fs: \|^fsload: " "$log" || true
		tail -n 3 "$log.out"
		if [[ $st -ne 0 ]]; then
			echo "realmod: $fs on $kid: FAILED (vm.sh exit $st, log $log)"
			overall=1
			continue
		fi
		# The image, back from the guest's console.
		back="$rm_cache/images/$fs-$kid.returned.img"
		if grep -aq "^REALMOD-IMAGE-END $fs" "$log"; then
			sed -n "/^REALMOD-IMAGE-BEGIN $fs/,/^REALMOD-IMAGE-END $fs/p" "$log" |
				sed '1d;$d' | base64 -d | gunzip -c > "$back"
			local want got
			want="$(grep -a "^realmod-$fs: image md5 " "$log" | awk '{print $4}')"
			got="$(md5sum < "$back" | cut -d' ' -f1)"
			if [[ "$want" != "$got" ]]; then
				echo "realmod: $fs on $kid: FAILED: the image came back damaged (md5 $got, guest said $want)"
				overall=1
				continue
			fi
			out="$(fsck_image "$fs" "$back" 2>&1)" && st=0 || st=$?
			printf '    fsck: %s\n' "${out//$'\n'/$'\n'    fsck: }"
			if [[ $st -ne 0 ]]; then
				echo "realmod: $fs on $kid: FAILED: fsck of the returned image exits $st"
				overall=1
				continue
			fi
			echo "realmod: $fs on $kid: fsck -f of the image after the guest: clean"
		else
			echo "realmod: $fs on $kid: FAILED: the image did not come back"
			overall=1
			continue
		fi
		echo "realmod: $fs on $kid: OK ($(grep -a "^realmod-$fs: summary: " "$log" | sed "s/^realmod-$fs: summary: //"))"
	done
	return $overall
}

do_bench() {
	local rounds="${1:-$([[ $quick == 1 ]] && echo 2 || echo 4)}" fs="${fslist%% *}" img log st rev out
	[[ $kernel == stock ]] || sa_die "bench compares with Debian's own module: --kernel stock only"
	[[ $standin -eq 0 ]] || sa_die "bench with the stand-in header would compare SLUB with SLUB"
	# As bench/host/bench.sh: spanalloc as committed (a git export) unless
	# BENCH_SPANALLOC=worktree.
	if [[ "${BENCH_SPANALLOC:-head}" == worktree ]]; then
		rev="$(git -C "$SA_ROOT" rev-parse --short HEAD)+worktree"
	else
		rev="$(git -C "$SA_ROOT" rev-parse --short HEAD)"
		export SPANALLOC_SRC="$SA_CACHE/bench/src-$rev"
		if [[ ! -f "$SPANALLOC_SRC/.done" ]]; then
			rm -rf "$SPANALLOC_SRC"
			mkdir -p "$SPANALLOC_SRC"
			git -C "$SA_ROOT" archive HEAD | tar -x -C "$SPANALLOC_SRC"
			touch "$SPANALLOC_SRC/.done"
		fi
		[[ -f "$SPANALLOC_SRC/include/spanalloc_slab.h" ]] ||
			sa_die "HEAD ($rev) has no include/spanalloc_slab.h: commit it or BENCH_SPANALLOC=worktree"
	fi
	img="$rm_cache/images/$fs-$kid-bench.img"
	mkdir -p "$rm_cache/images"
	make_image "$fs" "$img"
	vm_opts "$fs" "$img"
	[[ " ${opts[*]} " == *":/root/slub/"* ]] || sa_die "no module of the kernel's own to compare with"
	# The control: the same sources and build, with the empty stand-in
	# header, i.e. on SLUB (REALMOD_BENCH_OWN=0 leaves it out).
	if [[ "${REALMOD_BENCH_OWN:-1}" == 1 ]]; then
		local own="$rm_cache/build/$kid/$fs-ownslub"
		mkdir -p "$own" "$rm_cache/standin"
		printf '/* empty stand-in for include/spanalloc_slab.h: the module uses SLUB */\n' \
			> "$rm_cache/standin/spanalloc_slab.h"
		rsync -rlpD --checksum --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
			"$(prepare_src "$fs")/" "$own/"
		make -C "$kdir" M="$own" SPANALLOC_SLAB_H="$rm_cache/standin/spanalloc_slab.h" \
			-j"$SA_JOBS" modules >"$own/.build.log" 2>&1 ||
			{ tail -n 20 "$own/.build.log"; sa_die "the SLUB build of $fs failed"; }
		opts+=(--file "$own/$fs.ko:/root/ownslub/$fs.ko")
	fi
	log="$SA_CACHE/logs/realmod-bench-$fs-$kid.log"
	sa_log "bench: $fs on $kid, spanalloc $rev, $rounds rounds, $files files per run"
	st=0
	"$SA_ROOT/scripts/harness/vm.sh" "${opts[@]}" --timeout 3000 --quiet --log "$log" -- \
		"FILES=$files DIRS=$dirs MAXSIZE=$maxsize sh /root/fs.sh bench $fs $rounds" > "$log.out" 2>&1 || st=$?
	grep -a '^REALMOD-BENCH \|^realmod-.*: \(FAIL\|memstats\|caches\|.*phases\)' "$log" || true
	if [[ $st -ne 0 ]]; then
		tail -n 3 "$log.out"
		sa_die "bench boot failed (vm.sh exit $st, log $log)"
	fi
	out="${BENCH_OUT:-$SA_ROOT/bench/results}/realmod-$fs-$kernel.json"
	mkdir -p "$(dirname "$out")"
	python3 - "$log" "$out" "$fs" "$kver" "$rev" "$smp" "$files" "$dirs" "$maxsize" <<'EOF'
import json, re, statistics, sys, datetime, subprocess, os
log, out, fs, kver, rev, smp, files, dirs, maxsize = sys.argv[1:]
runs = {}
phases = {}
cpu = {}
for line in open(log, errors="replace"):
    m = re.match(r"REALMOD-BENCH fs=(\S+) impl=(\S+) round=(\d+) ns=(\d+)", line)
    if m:
        runs.setdefault(m.group(2), []).append(int(m.group(4)) / 1e9)
    m = re.match(r"realmod-\S+: (\S+): fsload: cpu \(s\): user (\S+) sys (\S+)", line)
    if m:
        cpu.setdefault(m.group(1), []).append(float(m.group(3)))
    m = re.match(r"realmod-\S+: (\S+): fsload: phases \(s\):(.*)", line)
    if m:
        p = m.group(2).split()
        phases.setdefault(m.group(1), []).append({p[i] + "#" + str(i // 2): float(p[i + 1]) for i in range(0, len(p), 2)})
if not runs.get("spanalloc") or len(runs["spanalloc"]) != len(runs.get("slub", [])):
    sys.exit("realmod bench: incomplete runs in " + log)
med = {k: statistics.median(v) for k, v in runs.items()}
mins = {k: min(v) for k, v in runs.items()}
qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
res = {"fs": fs, "kernel": kver, "spanalloc_rev": rev, "vcpus": int(smp), "files": int(files),
       "dirs": 2 * int(dirs), "maxsize": int(maxsize), "seconds": runs, "phases": phases,
       "fsload_sys_seconds": cpu,
       "host_loadavg_after": os.getloadavg()[0],
       "median": med, "min": mins,
       "ratio_median": med["spanalloc"] / med["slub"], "ratio_min": mins["spanalloc"] / mins["slub"],
       "qemu": qemu, "date": datetime.date.today().isoformat(),
       "what": "mount + fsload -D -c (create, verify, drop caches, rename, rewrite, link, unlink, rmdir, verify, remove all) + umount, per run; spanalloc = the module built with spanalloc_slab.h, slub = the kernel's own module, ownslub = the same build with an empty header (SLUB); interleaved, odd rounds in that order, even rounds reversed"}
if "ownslub" in runs:
    res["ratio_median_vs_ownslub"] = med["spanalloc"] / med["ownslub"]
    res["ratio_min_vs_ownslub"] = mins["spanalloc"] / mins["ownslub"]
json.dump(res, open(out, "w"), indent=1)
names = {"spanalloc": "spanalloc", "slub": "SLUB (the kernel's own module)", "ownslub": "SLUB (our build, empty header)"}
print(f"realmod bench: {fs} on {kver}, {len(runs['slub'])} runs each, {smp} vCPUs, {files} files of at most {maxsize} bytes per run")
for k in runs:
    print(f"  {names.get(k, k):32s} median {med[k]:7.2f} s, min {mins[k]:7.2f} s  ({' '.join(f'{x:.2f}' for x in runs[k])})")
for k in cpu:
    print(f"  {names.get(k, k):32s} fsload's system time: median {statistics.median(cpu[k]):6.2f} s ({' '.join(f'{x:.2f}' for x in cpu[k])})")
print(f"  spanalloc/SLUB (kernel's module): {res['ratio_median']:.3f} (medians), {res['ratio_min']:.3f} (fastest runs)")
if "ownslub" in runs:
    print(f"  spanalloc/SLUB (same build):      {res['ratio_median_vs_ownslub']:.3f} (medians), {res['ratio_min_vs_ownslub']:.3f} (fastest runs)")
print(f"  {out}")
EOF
}

case "$action" in
build) do_build ;;
check) do_check ;;
bench) shift; do_bench "$@" ;;
*) sa_die "unknown action $action (check, build, bench)" ;;
esac
