#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Idempotent setup for spanalloc's build and QEMU test harness.
#
#   scripts/harness/setup.sh [deps] [stock] [stock61] [stockrt] [test] [initramfs]
#                                                          (default: all)
#
#   deps       apt packages (apt-get update + install, skipped when present)
#   stock      Debian 12's newest linux-image-6.12.*+deb12-amd64-unsigned and
#              its headers, fetched with `apt-get download` and extracted
#              into the cache (not installed); set STOCK_KERNEL=6.12.N+deb12
#              to pin a version
#   stock61    the same for Debian 12's default kernel: the newest
#              linux-image-6.1.0-N-amd64-unsigned, linux-headers-6.1.0-N-amd64,
#              linux-headers-6.1.0-N-common and linux-kbuild-6.1 of the same
#              version; STOCK61_KERNEL=6.1.0-N pins one
#   stockrt    the same for Debian 12's PREEMPT_RT 6.12 kernel: the newest
#              linux-image-6.12.N+deb12-rt-amd64-unsigned,
#              linux-headers-6.12.N+deb12-rt-amd64,
#              linux-headers-6.12.N+deb12-common-rt and
#              linux-kbuild-6.12.N+deb12; STOCKRT_KERNEL=6.12.N+deb12 pins one
#   test       the test kernel from linux-source-6.12 + kunit/test.config
#              (scripts/harness/build-test-kernel.sh, about 8 minutes the first time)
#   initramfs  busybox-static base tree and the host-built static module loader
#   arm64      (not in the default list) what arm64 guests need: the cross
#              compiler, qemu-system-aarch64 (qemu-system-arm), Debian's
#              busybox-static:arm64 (dpkg --add-architecture arm64, then
#              apt-get download, extracted, not installed) and sa-insmod
#              cross-compiled, as initramfs/base-arm64
#   test-arm64 (not in the default list) the arm64 test kernel from
#              linux-source-6.12 + kunit/test-arm64.config
#              (scripts/harness/build-test-kernel.sh --arch arm64, about 10 minutes)
#
# Everything goes under $SPANALLOC_CACHE (default <repo>/.cache). Nothing is
# downloaded except Debian packages through apt.
# The braces make bash read the whole script before running it, so editing
# this file while it runs (other runs in progress) cannot derail them.
{
set -euo pipefail
# shellcheck source=scripts/harness/lib.sh
source "$(dirname "$0")/lib.sh"
SA_LOG_TAG=setup

want_deps=0 want_stock=0 want_stock61=0 want_stockrt=0 want_test=0 want_initramfs=0
want_arm64=0 want_test_arm64=0
if [[ $# -eq 0 ]]; then
	set -- deps stock stock61 stockrt test initramfs
fi
for arg in "$@"; do
	case "$arg" in
	deps) want_deps=1 ;;
	stock) want_stock=1 ;;
	stock61) want_stock61=1 ;;
	stockrt) want_stockrt=1 ;;
	test) want_test=1 ;;
	initramfs) want_initramfs=1 ;;
	arm64) want_arm64=1 ;;
	test-arm64) want_test_arm64=1 ;;
	*) sa_die "unknown setup step '$arg' (deps, stock, stock61, stockrt, test, initramfs, arm64, test-arm64)" ;;
	esac
done

as_root() {
	if [[ $EUID -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		sa_die "need root for: $*"
	fi
}

# install_missing PKG...: apt-get install those not installed yet.
install_missing() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	if [[ ${#missing[@]} -eq 0 ]]; then
		sa_log "apt packages: all present"
		return
	fi
	sa_log "installing apt packages: ${missing[*]}"
	as_root apt-get update -q
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "${missing[@]}"
}

setup_deps() {
	install_missing "${SA_APT_PACKAGES[@]}"
}

# Newest ABI name whose linux-image-<ABI>-<FLAVOUR>-unsigned the apt index
# offers, e.g. 6.12.117+deb12 for '6\.12\.[0-9]+\+deb12' amd64, 6.1.0-56
# for '6\.1\.0-[0-9]+' amd64.
newest_stock() { # abi-regex flavour
	apt-cache search --names-only "^linux-image-$1-$2-unsigned\$" |
		awk '{print $1}' | sed -e 's/^linux-image-//' -e "s/-$2-unsigned\$//" |
		sort -V | tail -n1
}

# setup_stock NAME ABI-REGEX PINNED-ABI [FLAVOUR]: fetch and extract one
# stock kernel into stock/<kver>/ and record its version in stock/current
# (NAME stock) or stock/current-NAME. FLAVOUR is amd64 (default) or rt-amd64
# (PREEMPT_RT: its common headers are linux-headers-<ABI>-common-rt, its
# kbuild package the same as amd64's). 6.12 packages its kbuild per ABI
# (linux-kbuild-6.12.117+deb12), 6.1 as linux-kbuild-6.1 (same version).
setup_stock() {
	local name="$1" re="$2" abi="$3" flavour="${4:-amd64}" kver dir debs p pkgver kbuild common
	if [[ -z "$abi" ]]; then
		abi="$(newest_stock "$re" "$flavour")"
		if [[ -z "$abi" ]]; then
			sa_log "no linux-image-$re-$flavour-unsigned in the apt index; running apt-get update"
			as_root apt-get update -q
			abi="$(newest_stock "$re" "$flavour")"
		fi
		[[ -n "$abi" ]] || sa_die "apt offers no linux-image-$re-$flavour-unsigned (bookworm-security in sources?)"
	fi
	kver="$abi-$flavour"
	common="linux-headers-$abi-common"
	[[ "$flavour" == rt-* ]] && common="linux-headers-$abi-common-rt"
	dir="$SA_CACHE/stock/$kver"
	if [[ ! -f "$dir/.extracted" ]]; then
		debs="$SA_CACHE/debs"
		mkdir -p "$debs"
		kbuild="linux-kbuild-$abi"
		if [[ "$abi" == 6.1.0-* ]]; then
			pkgver="$(apt-cache show "linux-image-$kver-unsigned" | sed -n 's/^Version: //p' | sort -V | tail -n1)"
			[[ -n "$pkgver" ]] || sa_die "apt knows no linux-image-$kver-unsigned"
			kbuild="linux-kbuild-6.1=$pkgver"
		fi
		local pkgs=("linux-image-$kver-unsigned" "linux-headers-$kver"
			"$common" "$kbuild")
		for p in "${pkgs[@]}"; do
			# NAME=VERSION: the .deb is NAME_VERSION_ARCH.deb
			if ! compgen -G "$debs/${p/=/_}_*.deb" >/dev/null; then
				sa_log "apt-get download $p"
				# _apt cannot write into root-owned cache dirs: download via a
				# world-writable temp dir, then move.
				local tmp
				tmp="$(mktemp -d)"
				chmod 0777 "$tmp"
				(cd "$tmp" && apt-get download -q "$p" >/dev/null)
				mv "$tmp"/*.deb "$debs/"
				rm -rf "$tmp"
			fi
		done
		sa_log "extracting stock kernel $kver"
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$dir.tmp"
		for p in "${pkgs[@]}"; do
			dpkg-deb -x "$(compgen -G "$debs/${p/=/_}_*.deb" | sort -V | tail -n1)" "$dir.tmp"
		done
		# The headers' Makefile includes the -common one by absolute path;
		# make it relative so the tree works where it is. (The scripts and
		# tools symlinks in the packages are already relative.)
		sed -i "s|^include /usr/src/$common/Makefile|include \$(dir \$(lastword \$(MAKEFILE_LIST)))../$common/Makefile|" \
			"$dir.tmp/usr/src/linux-headers-$kver/Makefile"
		grep -q "^include \\\$(dir .*\.\./$common/Makefile" "$dir.tmp/usr/src/linux-headers-$kver/Makefile" ||
			sa_die "linux-headers-$kver/Makefile does not include /usr/src/$common/Makefile"
		# build/source symlinks point at /usr/src; point them into the cache.
		ln -sfn "../../../usr/src/linux-headers-$kver" "$dir.tmp/lib/modules/$kver/build"
		ln -sfn "../../../usr/src/$common" "$dir.tmp/lib/modules/$kver/source"
		[[ -f "$dir.tmp/boot/vmlinuz-$kver" ]] || sa_die "no boot/vmlinuz-$kver in the image package"
		mv "$dir.tmp" "$dir"
		touch "$dir/.extracted"
	fi
	if [[ "$name" == stock ]]; then
		echo "$kver" > "$SA_CACHE/stock/current"
	else
		echo "$kver" > "$SA_CACHE/stock/current-$name"
	fi
	sa_log "$name kernel: $kver (package $(dpkg-deb -f "$(compgen -G "$SA_CACHE/debs/linux-image-$kver-unsigned_*.deb" | sort -V | tail -n1)" Version))"
}

setup_test() {
	"$SA_ROOT/scripts/harness/build-test-kernel.sh"
	sa_log "test kernel: $(sa_source_version) from linux-source-6.12 $(sa_source_pkg_version), config $(sa_test_config_hash)"
}

setup_initramfs() {
	local base="$SA_CACHE/initramfs/base" tools="$SA_CACHE/tools" bb=/bin/busybox
	[[ -x "$bb" ]] || sa_die "$bb missing (apt-get install busybox-static)"
	mkdir -p "$tools"
	if [[ ! -x "$tools/sa-insmod" || "$SA_ROOT/scripts/harness/sa-insmod.c" -nt "$tools/sa-insmod" ]]; then
		sa_log "building static module loader"
		gcc -static -Os -Wall -Wextra -o "$tools/sa-insmod" "$SA_ROOT/scripts/harness/sa-insmod.c"
		strip "$tools/sa-insmod"
	fi
	if [[ ! -f "$base/.done" || "$bb" -nt "$base/.done" || "$tools/sa-insmod" -nt "$base/.done" ]]; then
		sa_log "making busybox initramfs base"
		rm -rf "$base"
		mkdir -p "$base"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,root,modules,mnt}
		cp "$bb" "$base/bin/busybox"
		local applet
		for applet in $("$bb" --list-full); do
			[[ -e "$base/$applet" ]] || ln -s /bin/busybox "$base/$applet"
		done
		# One finit_module() per load, never an init_module() retry.
		rm -f "$base/sbin/insmod"
		cp "$tools/sa-insmod" "$base/sbin/sa-insmod"
		ln -s sa-insmod "$base/sbin/insmod"
		touch "$base/.done"
	fi
	sa_log "busybox: $("$bb" 2>&1 | head -n1 | awk '{print $2}') (busybox-static $(dpkg-query -W -f '${Version}' busybox-static))"
}

# arm64 guests: cross compiler, qemu-system-aarch64, busybox-static:arm64
# (downloaded, not installed) and the cross-compiled module loader, in
# initramfs/base-arm64 (the same layout as base/).
setup_arm64() {
	local base="$SA_CACHE/initramfs/base-arm64" tools="$SA_CACHE/tools" debs="$SA_CACHE/debs"
	local bbver deb tmp
	install_missing gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm
	# The host's busybox version if the archive has it for arm64 (the
	# host's applet list is used), else the newest.
	bbver="$(dpkg-query -W -f '${Version}' busybox-static)"
	deb="$(compgen -G "$debs/busybox-static_*_arm64.deb" | sort -V | tail -n1 || true)"
	if [[ -z "$deb" ]]; then
		if ! dpkg --print-foreign-architectures | grep -qx arm64; then
			sa_log "dpkg --add-architecture arm64 (for apt-get download busybox-static:arm64)"
			as_root dpkg --add-architecture arm64
			as_root apt-get update -q
		fi
		sa_log "apt-get download busybox-static:arm64=$bbver"
		mkdir -p "$debs"
		tmp="$(mktemp -d)"
		chmod 0777 "$tmp"
		if ! (cd "$tmp" && apt-get download -q "busybox-static:arm64=$bbver" >/dev/null 2>&1); then
			(cd "$tmp" && apt-get download -q busybox-static:arm64 >/dev/null)
		fi
		mv "$tmp"/*.deb "$debs/"
		rm -rf "$tmp"
		deb="$(compgen -G "$debs/busybox-static_*_arm64.deb" | sort -V | tail -n1)"
	fi
	mkdir -p "$tools"
	if [[ ! -x "$tools/sa-insmod-arm64" || "$SA_ROOT/scripts/harness/sa-insmod.c" -nt "$tools/sa-insmod-arm64" ]]; then
		sa_log "building static module loader for arm64"
		aarch64-linux-gnu-gcc -static -Os -Wall -Wextra -o "$tools/sa-insmod-arm64" "$SA_ROOT/scripts/harness/sa-insmod.c"
		aarch64-linux-gnu-strip "$tools/sa-insmod-arm64"
	fi
	if [[ ! -f "$base/.done" || "$deb" -nt "$base/.done" || "$tools/sa-insmod-arm64" -nt "$base/.done" ]]; then
		sa_log "making arm64 busybox initramfs base"
		rm -rf "$base" "$base.deb"
		mkdir -p "$base"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,root,modules,mnt}
		dpkg-deb -x "$deb" "$base.deb"
		cp "$base.deb/bin/busybox" "$base/bin/busybox"
		rm -rf "$base.deb"
		local applet
		for applet in $(/bin/busybox --list-full); do
			[[ -e "$base/$applet" ]] || ln -s /bin/busybox "$base/$applet"
		done
		rm -f "$base/sbin/insmod"
		cp "$tools/sa-insmod-arm64" "$base/sbin/sa-insmod"
		ln -s sa-insmod "$base/sbin/insmod"
		touch "$base/.done"
	fi
	sa_log "arm64: $(aarch64-linux-gnu-gcc --version | head -n1), $(qemu-system-aarch64 --version | head -n1), busybox-static:arm64 $(dpkg-deb -f "$deb" Version)"
}

setup_test_arm64() {
	"$SA_ROOT/scripts/harness/build-test-kernel.sh" --arch arm64
	sa_log "arm64 test kernel: $(sa_source_version) from linux-source-6.12 $(sa_source_pkg_version), config $(sa_test_config_hash arm64)"
}

[[ $want_deps -eq 1 ]] && setup_deps
[[ $want_stock -eq 1 ]] && setup_stock stock '6\.12\.[0-9]+\+deb12' "${STOCK_KERNEL:-}"
[[ $want_stock61 -eq 1 ]] && setup_stock stock61 '6\.1\.0-[0-9]+' "${STOCK61_KERNEL:-}"
[[ $want_stockrt -eq 1 ]] && setup_stock stockrt '6\.12\.[0-9]+\+deb12' "${STOCKRT_KERNEL:-}" rt-amd64
[[ $want_initramfs -eq 1 ]] && setup_initramfs
[[ $want_test -eq 1 ]] && setup_test
[[ $want_arm64 -eq 1 ]] && setup_arm64
[[ $want_test_arm64 -eq 1 ]] && setup_test_arm64
sa_log "qemu: $(qemu-system-x86_64 --version | head -n1)"
exit 0
# shellcheck disable=SC2317 # reached when the script does not exit earlier
exit
}
