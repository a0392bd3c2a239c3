#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the test kernel (KUnit, KASAN, lockdep, ...) from Debian's
# linux-source-6.12 tarball with kunit/test.config, into
# $SPANALLOC_CACHE/test-kernel/<srcver>-<cfghash>/ (an O= build directory that
# is also the KDIR for external modules). Does nothing if already built.
# --arch arm64: the arm64 test kernel from
# kunit/test-arm64.config, cross-built with aarch64-linux-gnu-gcc into
# $SPANALLOC_CACHE/test-kernel/arm64-<srcver>-<cfghash>/ (Image: arch/arm64/boot/Image).
# The braces make bash read the whole script before running it, so editing
# this file while it runs (other runs in progress) cannot derail them.
{
set -euo pipefail
# shellcheck source=scripts/harness/lib.sh
source "$(dirname "$0")/lib.sh"
SA_LOG_TAG=test-kernel

arch=x86_64
if [[ "${1:-}" == --arch ]]; then
	arch="${2:-}"
elif [[ "${1:-}" == --arch=* ]]; then
	arch="${1#--arch=}"
fi
case "$arch" in
x86_64 | x86)
	arch=x86_64 fragment="$SA_ROOT/kunit/test.config" image=bzImage
	kmake=(ARCH=x86_64)
	;;
arm64 | aarch64)
	arch=arm64 fragment="$SA_ROOT/kunit/test-arm64.config" image=Image
	kmake=(ARCH=arm64 CROSS_COMPILE="${CROSS_COMPILE:-aarch64-linux-gnu-}")
	command -v "${kmake[1]#CROSS_COMPILE=}gcc" >/dev/null ||
		sa_die "${kmake[1]#CROSS_COMPILE=}gcc missing: run scripts/harness/setup.sh --arm64 (gcc-aarch64-linux-gnu)"
	SA_LOG_TAG=test-kernel-arm64
	;;
*) sa_die "unknown --arch '$arch' (x86_64 or arm64)" ;;
esac

tarball=/usr/src/linux-source-6.12.tar.xz
[[ -f "$tarball" ]] || sa_die "$tarball missing: run scripts/harness/setup.sh (apt-get install linux-source-6.12)"
srcver="$(sa_source_version)"
src="$(sa_source_dir)"
out="$(sa_test_kernel_dir "$arch")"

if [[ -f "$out/.built" ]]; then
	sa_log "cached: $out"
	exit 0
fi

# One build of a configuration at a time: a second caller (a concurrent
# vm.sh) waits for the first and then finds it built.
mkdir -p "$(dirname "$out")"
exec 7>"$out.lock"
flock 7
if [[ -f "$out/.built" ]]; then
	sa_log "cached: $out (built while waiting)"
	exit 0
fi

if [[ ! -f "$src/.extracted" ]]; then
	sa_log "extracting $tarball ($srcver)"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -C "$src.tmp" -xf "$tarball"
	mv "$src.tmp/linux-source-6.12" "$src"
	rmdir "$src.tmp"
	touch "$src/.extracted"
fi

start=$(date +%s)
sa_log "building test kernel $srcver config $(sa_test_config_hash "$arch") in $out with -j$SA_JOBS"
rm -rf "$out"
mkdir -p "$out"
make -s -C "$src" O="$out" "${kmake[@]}" allnoconfig >/dev/null
(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
	"$fragment" >/dev/null)
make -s -C "$src" O="$out" "${kmake[@]}" olddefconfig >/dev/null

# Every option the fragment sets must survive olddefconfig.
bad=0
while IFS= read -r line; do
	[[ "$line" =~ ^CONFIG_[A-Za-z0-9_]+= ]] || continue
	if ! grep -qxF "$line" "$out/.config"; then
		sa_log "config option did not stick: $line"
		bad=1
	fi
done < "$fragment"
[[ $bad -eq 0 ]] || sa_die "kunit/${fragment##*/} has options olddefconfig dropped (missing dependency?)"

# The full make output goes to a log; VERBOSE=1 shows it.
blog="$out.build.log"
sa_log "make -j$SA_JOBS $image modules_prepare modules (log: $blog)"
build() {
	# modules_prepare leaves no Module.symvers; `make modules` writes it.
	make -C "$src" O="$out" "${kmake[@]}" -j"$SA_JOBS" "$image" modules_prepare &&
		make -C "$src" O="$out" "${kmake[@]}" -j"$SA_JOBS" modules
}
if [[ "${VERBOSE:-0}" == 1 ]]; then
	build 2>&1 | tee "$blog"
elif ! build >"$blog" 2>&1; then
	tail -n 60 "$blog" >&2
	sa_die "test kernel build failed (full log: $blog)"
fi
[[ -f "$out/Module.symvers" ]] || sa_die "no Module.symvers after make modules"
touch "$out/.built"
sa_log "built in $(( $(date +%s) - start ))s: $out/arch/${arch%_64}/boot/$image"
exit
}
