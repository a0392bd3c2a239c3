#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of scripts/realmod.sh: a real in-tree file system module
# (fs/minix or fs/ext2, built unmodified with include/spanalloc_slab.h and
# loaded at boot from /modules/ext/<fs>/) on a loop-mounted image.
#
#   sh fs.sh check FS     the workload with checks (below)
#   sh fs.sh bench FS N   N interleaved timed runs per module, spanalloc's
#                         build against the kernel's own module (SLUB) and,
#                         with /root/ownslub/FS.ko, our build on SLUB
#
# Files (scripts/realmod.sh puts them there with vm.sh --file):
#   /root/FS.img          the image, made on the host (mkfs.minix / mke2fs)
#   /root/fsload          tests/realmod/fsload.c, static
#   /root/slub/N-NAME.ko  the kernel's own driver (SLUB), optional: loaded in
#                         the order of N; the last is the file system (for
#                         ext2 on Debian: crc32c_generic, crc16, mbcache,
#                         jbd2, then ext4, which serves ext2 there)
# Environment: FILES (3000), DIRS (100), MAXSIZE (131072: largest file);
# EXPORT=1 prints the image at the end, gzip + base64 between marker lines,
# for the host's fsck.
#
# check: mount with spanalloc's module, run fsload (create, verify, drop
# caches, rename, truncate + rewrite, link, unlink, rmdir, verify), md5sum
# every file; unmount: the typed cache must drop to 0 live objects; then
# (with /root/slub/*.ko) the kernel's own driver verifies every md5sum and
# writes a second tree, which spanalloc's module verifies after switching
# back; rmmod: the cache is gone and spanalloc's live objects are back where
# they were before the first mount. Prints "realmod-FS: FAIL: ..." and exits
# 1 on the first failure.
set -u
mode="${1:-check}"
fs="${2:-minix}"
rounds="${3:-3}"
FILES="${FILES:-3000}"
DIRS="${DIRS:-100}"
MAXSIZE="${MAXSIZE:-131072}"
SA=/sys/kernel/debug/spanalloc
img="/root/$fs.img"
mnt="/mnt/$fs"
sa_ko="/modules/ext/$fs/$fs.ko"
slub_kos="" slub_name=""
for k in /root/slub/*.ko; do	# the glob sorts them
	[ -f "$k" ] || continue
	slub_kos="$slub_kos $k"
	slub_name="$(basename "$k" .ko | sed 's/^[0-9]*-//')"
done
fsload=/root/fsload
case "$fs" in
minix) cache=minix_inode_cache ;;
ext2) cache=ext2_inode_cache ;;
*) echo "realmod: unknown file system $fs"; exit 2 ;;
esac
tag="realmod-$fs"

say() { echo "$tag: $*"; }
fail() {
	echo "$tag: FAIL: $*"
	exit 1
}
# memstats FIELD
ms() { awk -v k="$1" '$1 == k { print $2 }' "$SA/memstats"; }
# cache_field NAME COLUMN: a column of the caches file (by its header), empty
# when the cache does not exist (or the caches file does not)
cache_field() {
	[ -r "$SA/caches" ] || return 0
	awk -v n="$1" -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
		$1 == n && h[col] { print $h[col] }' "$SA/caches"
}
loaded() { grep -q "^$1 " /proc/modules; }
unload_fs() {
	if loaded "$fs"; then rmmod "$fs" || fail "rmmod $fs"; fi
	if [ -n "$slub_name" ] && loaded "$slub_name"; then
		rmmod "$slub_name" || fail "rmmod $slub_name"
	fi
}
load_sa() {
	unload_fs
	/sbin/sa-insmod "$sa_ko" || fail "insmod $sa_ko"
}
load_slub() {
	unload_fs
	for k in $slub_kos; do
		loaded "$(basename "$k" .ko | sed 's/^[0-9]*-//')" && continue
		/sbin/sa-insmod "$k" || fail "insmod $k"
	done
}
# Which build is loaded: spanalloc's is listed among spanalloc's users
# (the fourth column of /proc/modules).
which_fs() {
	if awk '$1 == "spanalloc" { print $4 }' /proc/modules | tr , '\n' | grep -qx "$fs"; then
		echo spanalloc
	elif [ -n "$slub_name" ] && loaded "$slub_name"; then
		echo "slub ($slub_name.ko)"
	else
		echo none
	fi
}
do_mount() { mount -t "$fs" /dev/loop0 "$mnt" || fail "mount -t $fs (module $(which_fs))"; }
do_umount() { umount "$mnt" || fail "umount $mnt"; }
# Wait (up to 10 s) for RCU-freed inodes: the cache's live objects to reach $1.
wait_live() {
	n=0
	while [ "$(cache_field "$cache" live_objects)" != "$1" ] && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ "$(cache_field "$cache" live_objects)" = "$1" ]
}
show_counters() {
	say "memstats: mallocs $(ms mallocs) frees $(ms frees) live_objects $(ms live_objects) passthrough_frees $(ms passthrough_frees) rcu_frees $(ms rcu_frees) bad_frees $(ms bad_frees) corruptions $(ms corruptions)"
	if [ -r "$SA/caches" ]; then
		say "caches: $(head -n1 "$SA/caches")"
		grep "^$cache " "$SA/caches" | sed "s/^/$tag: caches: /"
	fi
}

[ -f "$img" ] || fail "no $img"
[ -x "$fsload" ] || fail "no $fsload"
[ -e /dev/loop0 ] || fail "no /dev/loop0 (loop driver missing)"
mkdir -p "$mnt"
losetup /dev/loop0 "$img" || fail "losetup /dev/loop0 $img"
loaded "$fs" || fail "$fs.ko is not loaded (vm.sh --ext)"
[ "$(which_fs)" = spanalloc ] || fail "the loaded $fs.ko does not use spanalloc"

if [ "$mode" = bench ]; then
	[ -n "$slub_kos" ] || fail "bench needs the kernel's own module in /root/slub"
	# spanalloc = our build with the header, slub = the kernel's own module,
	# ownslub (if /root/ownslub/FS.ko is there) = our build with an empty
	# header: the same build on SLUB, so the allocator is the only change.
	impls="spanalloc slub"
	[ -f "/root/ownslub/$fs.ko" ] && impls="spanalloc slub ownslub"
	# Odd rounds in that order, even rounds reversed: A B B A ...
	rev_impls=""
	for impl in $impls; do rev_impls="$impl $rev_impls"; done
	r=1
	while [ $r -le "$rounds" ]; do
		if [ $((r % 2)) -eq 1 ]; then order="$impls"; else order="$rev_impls"; fi
		for impl in $order; do
			case "$impl" in
			spanalloc) load_sa ;;
			slub) load_slub ;;
			ownslub)
				unload_fs
				/sbin/sa-insmod "/root/ownslub/$fs.ko" || fail "insmod /root/ownslub/$fs.ko"
				;;
			esac
			sync
			echo 3 > /proc/sys/vm/drop_caches
			t0=$($fsload -T)
			do_mount
			out=$($fsload -q -v -D -c -f "$FILES" -d "$DIRS" -m "$MAXSIZE" -s "$r" "$mnt/b") ||
				fail "fsload ($impl, round $r): $out"
			do_umount
			t1=$($fsload -T)
			echo "REALMOD-BENCH fs=$fs impl=$impl round=$r ns=$((t1 - t0))"
			echo "$out" | sed "s/^/$tag: $impl: /"
		done
		r=$((r + 1))
	done
	load_sa
	show_counters
	losetup -d /dev/loop0
	say "bench done"
	exit 0
fi

[ "$mode" = check ] || fail "unknown mode $mode"
say "files $FILES, directories $((2 * DIRS)) per tree; image $(wc -c < "$img") bytes"
[ -r "$SA/caches" ] || say "note: spanalloc has no caches file (older spanalloc): cache checks skipped"
live0=$(ms live_objects)
mallocs0=$(ms mallocs)
frees0=$(ms frees)
pass0=$(ms passthrough_frees)
show_counters
if [ -r "$SA/caches" ]; then
	[ -n "$(cache_field "$cache" live_objects)" ] || fail "no $cache in $SA/caches after loading $fs.ko"
fi

# 1. spanalloc's module: the workload, then md5sums of the tree it leaves.
do_mount
$fsload -D -f "$FILES" -d "$DIRS" -m "$MAXSIZE" -s 1 "$mnt/sa" || fail "fsload on spanalloc's $fs"
live_mounted=$(cache_field "$cache" live_objects)
say "mounted, after the workload: $cache live_objects ${live_mounted:-?}"
(cd "$mnt" && find sa -type f | sort | xargs md5sum) > /tmp/sa.md5 || fail "md5sum"
say "md5sum of $(wc -l < /tmp/sa.md5) files written by spanalloc's $fs"
show_counters
do_umount
if [ -r "$SA/caches" ]; then
	wait_live 0 || fail "$cache: $(cache_field "$cache" live_objects) live objects after umount"
	say "after umount: $cache live_objects 0"
fi
d_mallocs=$(( $(ms mallocs) - mallocs0 ))
d_frees=$(( $(ms frees) - frees0 ))
say "workload traffic through spanalloc: $d_mallocs allocations, $d_frees frees, passthrough_frees +$(( $(ms passthrough_frees) - pass0 ))"
[ "$d_mallocs" -ge "$FILES" ] || fail "only $d_mallocs allocations through spanalloc for $FILES files"

# 2. Cross-check with the kernel's own module, both ways.
if [ -n "$slub_kos" ]; then
	load_slub
	case "$(which_fs)" in slub*) ;; *) fail "the kernel's $slub_name.ko is not loaded ($(which_fs))" ;; esac
	do_mount
	(cd "$mnt" && md5sum -c -s /tmp/sa.md5) || fail "the kernel's $slub_name finds different content in spanalloc's tree"
	say "the kernel's own $slub_name.ko (SLUB) verified all $(wc -l < /tmp/sa.md5) md5sums"
	$fsload -q -D -f "$FILES" -d "$DIRS" -m "$MAXSIZE" -s 2 "$mnt/slub" || fail "fsload on the kernel's $slub_name"
	(cd "$mnt" && find slub -type f | sort | xargs md5sum) > /tmp/slub.md5 || fail "md5sum"
	do_umount
	load_sa
	do_mount
	(cd "$mnt" && md5sum -c -s /tmp/slub.md5) || fail "spanalloc's $fs finds different content in the kernel's tree"
	(cd "$mnt" && md5sum -c -s /tmp/sa.md5) || fail "spanalloc's $fs: its own tree changed"
	say "spanalloc's $fs.ko verified the $(wc -l < /tmp/slub.md5) md5sums of the kernel's tree and its own again"
	do_umount
else
	say "no /root/slub/*.ko: no cross-check with the kernel's own module"
	do_mount
	(cd "$mnt" && md5sum -c -s /tmp/sa.md5) || fail "spanalloc's $fs: content changed across umount/mount"
	say "remounted: all $(wc -l < /tmp/sa.md5) md5sums verified"
	do_umount
fi
if [ -r "$SA/caches" ]; then
	wait_live 0 || fail "$cache: $(cache_field "$cache" live_objects) live objects after the last umount"
fi
show_counters

# 3. rmmod: the cache goes, spanalloc holds what it held before the mounts.
unload_fs
if [ -r "$SA/caches" ] && grep -q "^$cache " "$SA/caches"; then
	fail "$cache still listed after rmmod $fs"
fi
live1=$(ms live_objects)
say "after rmmod $fs: spanalloc live_objects $live1 (before the first mount $live0)"
[ "$live1" -le "$live0" ] || fail "$((live1 - live0)) more live objects than before the mounts"
[ "$(ms bad_frees)" = 0 ] || fail "bad_frees $(ms bad_frees)"
[ "$(ms corruptions)" = 0 ] || fail "corruptions $(ms corruptions)"
if dmesg | grep -E 'spanalloc.*(never destroyed|unloading with|leak)'; then
	fail "spanalloc reported leftovers of $fs (above)"
fi
losetup -d /dev/loop0
show_counters

if [ "${EXPORT:-0}" = 1 ]; then
	sync
	t0=$($fsload -T)
	say "image md5 $(md5sum < "$img" | cut -d' ' -f1)"
	echo "REALMOD-IMAGE-BEGIN $fs"
	gzip -1 -c "$img" | base64
	echo "REALMOD-IMAGE-END $fs"
	say "image sent through the console in $(( ($($fsload -T) - t0) / 1000000 )) ms"
fi
say "summary: OK: $FILES files x2 trees, $d_mallocs allocations / $d_frees frees through spanalloc in the first workload, $cache back to 0 live objects, unloaded clean"
exit 0
