# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Common paths and helpers for spanalloc's scripts. Source it, don't run it.
#
# Everything downloaded or built lives under $SPANALLOC_CACHE (default
# <repo>/.cache, git-ignored):
#   debs/                     .deb files from Debian's archive (apt-get download)
#   stock/<version>/          extracted stock image + headers (never installed)
#   src/linux-<srcver>/       extracted linux-source-6.12 tarball (kunit.py lives here)
#   test-kernel/<srcver>-<cfghash>/  O= build of the test kernel
#   build/<kernel-id>/        per-kernel copies of the repo for module builds
#   tools/                    host-built helpers (static module loader)
#   initramfs/                busybox base tree
#   logs/                     guest console logs

SA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SA_CACHE="${SPANALLOC_CACHE:-$SA_ROOT/.cache}"
mkdir -p "$SA_CACHE"
SA_CACHE="$(cd "$SA_CACHE" && pwd)"
# shellcheck disable=SC2034 # used by the scripts that source this
SA_JOBS="${JOBS:-$(nproc)}"

# Debian packages every script may need (installed by scripts/harness/setup.sh).
# shellcheck disable=SC2034
SA_APT_PACKAGES=(build-essential gcc-12 bc flex bison libelf-dev libssl-dev
	cpio kmod perl python3 rsync xz-utils dwarves qemu-system-x86
	busybox-static linux-source-6.12 shellcheck)

sa_log() { printf '[%s] %s\n' "${SA_LOG_TAG:-spanalloc}" "$*" >&2; }
sa_die() { printf '[%s] error: %s\n' "${SA_LOG_TAG:-spanalloc}" "$*" >&2; exit 1; }

# linux-source-6.12's package version, e.g. 6.12.117-1~deb12u1
sa_source_pkg_version() {
	dpkg-query -W -f '${Version}' linux-source-6.12 2>/dev/null
}

# Upstream version of the source tree, e.g. 6.12.117
sa_source_version() {
	local v
	v="$(sa_source_pkg_version)" || return 1
	echo "${v%%-*}"
}

# Short hash of the test config fragment plus the build recipe version.
# With argument arm64: the arm64 test kernel's (kunit/test-arm64.config);
# x86_64 (the default) keeps the key it always had.
sa_test_config_hash() {
	if [[ "${1:-x86_64}" == arm64 ]]; then
		{ cat "$SA_ROOT/kunit/test-arm64.config"; echo "recipe=1 arch=arm64"; } |
			sha256sum | cut -c1-12
		return
	fi
	{ cat "$SA_ROOT/kunit/test.config"; echo "recipe=1"; } | sha256sum | cut -c1-12
}

# test-kernel/<srcver>-<cfghash> (x86_64) or test-kernel/arm64-<srcver>-<cfghash>
sa_test_kernel_dir() {
	if [[ "${1:-x86_64}" == arm64 ]]; then
		echo "$SA_CACHE/test-kernel/arm64-$(sa_source_version)-$(sa_test_config_hash arm64)"
		return
	fi
	echo "$SA_CACHE/test-kernel/$(sa_source_version)-$(sa_test_config_hash)"
}

sa_source_dir() {
	echo "$SA_CACHE/src/linux-$(sa_source_version)"
}

# The stock kernel version chosen by setup (e.g. 6.12.117+deb12-amd64).
# With argument stock61: Debian 12's default 6.1 kernel (e.g. 6.1.0-56-amd64);
# stockrt: its PREEMPT_RT 6.12 kernel (e.g. 6.12.117+deb12-rt-amd64).
# The sa_stock_* helpers below take the same optional argument.
sa_stock_version() {
	local f="$SA_CACHE/stock/current"
	[[ "${1:-stock}" == stock ]] || f="$SA_CACHE/stock/current-$1"
	[[ -f "$f" ]] || return 1
	cat "$f"
}

sa_stock_dir() {
	echo "$SA_CACHE/stock/$(sa_stock_version "${1:-stock}")"
}

# KDIR for external module builds against the stock kernel
sa_stock_kdir() {
	local v
	v="$(sa_stock_version "${1:-stock}")" || return 1
	echo "$SA_CACHE/stock/$v/usr/src/linux-headers-$v"
}

sa_stock_vmlinuz() {
	local v
	v="$(sa_stock_version "${1:-stock}")" || return 1
	echo "$SA_CACHE/stock/$v/boot/vmlinuz-$v"
}
