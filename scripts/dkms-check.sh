#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make dkms-check: build and install spanalloc through DKMS for real, with
# the repo's dkms.conf, against Debian 12's stock kernels (6.12 and 6.1)
# whose headers scripts/harness/setup.sh unpacked into the cache.
#
# The host does not run a Debian kernel and nothing may be installed into
# its /lib/modules, /usr/src or /var/lib/dkms, so every DKMS tree lives under
# $SPANALLOC_CACHE/dkms/:
#   tree/   --dkmstree        (instead of /var/lib/dkms)
#   src/    --sourcetree      (instead of /usr/src; `dkms add` copies here)
#   root/lib/modules/<kver>/  --installtree (instead of /lib/modules)
#   mok/    signing key and certificate (instead of /var/lib/dkms/mok.*)
# `dkms install` runs with --no-depmod (dkms's depmod would look at
# /lib/modules); `depmod -b root` runs instead, and `modinfo -b root -k KVER
# spanalloc` must find the installed module with the right vermagic, version
# and DKMS signature. Then `dkms remove --all` and the check is repeatable.
# Installs Debian's dkms package first if it is missing (needs root: dkms
# itself refuses to add/build/install otherwise).
{
set -euo pipefail
# shellcheck source=scripts/harness/lib.sh
source "$(dirname "$0")/harness/lib.sh"
SA_LOG_TAG=dkms-check
cd "$SA_ROOT"

if ! command -v dkms >/dev/null; then
	sa_log "installing Debian's dkms package"
	[[ $EUID -eq 0 ]] || sa_die "need root to install dkms and to run it"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dkms
fi
[[ $EUID -eq 0 ]] || sa_die "dkms add/build/install need root"
sa_log "$(dkms --version) ($(dpkg-query -W -f '${Version}' dkms 2>/dev/null || echo not from apt))"
scripts/harness/setup.sh deps stock stock61

ver="$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)"
name="$(sed -n 's/^PACKAGE_NAME="\(.*\)"$/\1/p' dkms.conf)"
[[ -n "$ver" && "$name" == spanalloc ]] || sa_die "dkms.conf: no PACKAGE_NAME=spanalloc / PACKAGE_VERSION"

top="$SA_CACHE/dkms"
rm -rf "$top/tree" "$top/src" "$top/root" "$top/export"
mkdir -p "$top/tree" "$top/src" "$top/root/lib/modules" "$top/export" "$top/mok"
opts=(--dkmstree "$top/tree" --sourcetree "$top/src" --installtree "$top/root/lib/modules")

# What `dkms add .` would copy from a checkout: the working tree without
# build outputs, caches and git metadata.
rsync -rlp --delete --exclude=.git/ --exclude=/.cache/ --exclude=/build/ \
	--exclude=/bench/results/ --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
	--exclude='*.mod.c' --exclude='.*.cmd' --exclude=Module.symvers \
	--exclude=modules.order --exclude='*.a' --exclude='*.d' --exclude=__pycache__/ \
	./ "$top/export/"

fail=0
sa_log "dkms add"
dkms add "${opts[@]}" "$top/export"
for k in stock stock61; do
	kver="$(sa_stock_version "$k")"
	kdir="$(sa_stock_kdir "$k")"
	mkdir -p "$top/root/lib/modules/$kver"
	# depmod -b wants the kernel's own lists next to the installed module.
	cp "$(sa_stock_dir "$k")/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} \
		"$top/root/lib/modules/$kver/"
	# Sign as DKMS does on Debian, with a key kept in the cache.
	export sign_file="$kdir/scripts/sign-file"
	export mok_signing_key="$top/mok/mok.key" mok_certificate="$top/mok/mok.pub"
	sa_log "dkms build + install for $kver (headers $kdir)"
	if ! dkms build "${opts[@]}" -m "$name" -v "$ver" -k "$kver" --kernelsourcedir "$kdir" ||
		! dkms install "${opts[@]}" -m "$name" -v "$ver" -k "$kver" --kernelsourcedir "$kdir" --no-depmod; then
		cat "$top/tree/$name/$ver/build/make.log" 2>/dev/null || true
		sa_log "FAIL: dkms build/install for $kver"
		fail=1
		continue
	fi
	depmod -b "$top/root" "$kver"
	info="$(modinfo -b "$top/root" -k "$kver" "$name")" || { sa_log "FAIL: modinfo finds no $name for $kver"; fail=1; continue; }
	file="$(sed -n 's/^filename: *//p' <<<"$info")"
	vermagic="$(sed -n 's/^vermagic: *//p' <<<"$info" | awk '{print $1}')"
	modver="$(sed -n 's/^version: *//p' <<<"$info")"
	signer="$(sed -n 's/^signer: *//p' <<<"$info")"
	sa_log "$kver: $file vermagic $vermagic version $modver signer ${signer:-none}"
	[[ "$file" == "$top/root/lib/modules/$kver/updates/dkms/$name.ko"* ]] ||
		{ sa_log "FAIL: installed as $file, not under updates/dkms"; fail=1; }
	[[ "$vermagic" == "$kver" ]] || { sa_log "FAIL: vermagic $vermagic, kernel $kver"; fail=1; }
	[[ "$modver" == "$ver" ]] || { sa_log "FAIL: modinfo version $modver, dkms.conf $ver"; fail=1; }
	grep -q "updates/dkms/$name.ko" "$top/root/lib/modules/$kver/modules.dep" ||
		{ sa_log "FAIL: depmod did not list it"; fail=1; }
done
dkms status "${opts[@]}" -m "$name"
sa_log "dkms remove --all"
dkms remove "${opts[@]}" -m "$name" -v "$ver" --all --no-depmod
if [[ -n "$(dkms status "${opts[@]}" -m "$name")" ]] ||
	compgen -G "$top/root/lib/modules/*/updates/dkms/$name.ko*" >/dev/null; then
	sa_log "FAIL: still registered or installed after dkms remove"
	fail=1
fi
if [[ $fail -ne 0 ]]; then
	echo "dkms-check: FAILED"
	exit 1
fi
echo "dkms-check: add, build, install, remove OK for $(sa_stock_version stock) and $(sa_stock_version stock61)"
exit 0
}
