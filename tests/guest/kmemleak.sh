#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --append kmemleak=on --ext tests/guest/kmemleak --timeout 900
# kmemleak sees spanalloc's objects (the test kernel has
# CONFIG_DEBUG_KMEMLEAK, off unless booted with kmemleak=on). sa_kmemleak
# (tests/guest/kmemleak, loaded at boot) churned objects of every kind
# through spanalloc and keeps a chain of 64 objects rooted in its data,
# 8 tiny ones and a large one holding the only pointer to a small one.
# With sites_exact=1 it leaks one 200-byte object from
# sa_kmemleak_leak_one() and drops the pointer. Two scans later kmemleak
# must report exactly one object whose allocation went through spanalloc:
# that one, 200 bytes, with sa_kmemleak_leak_one in its backtrace (no
# report from spanalloc's free lists, caches, tiny blocks or metadata, and
# objects reachable only through other spanalloc objects are found). The
# sites file shows the leak at sa_kmemleak_leak_one; rmmod spanalloc names
# it in the leak report, and a scan afterwards no longer lists the object
# (spanalloc told kmemleak before its pages went back).
K=/sys/kernel/debug/kmemleak
D=/sys/kernel/debug/spanalloc
SP=/sys/module/spanalloc/parameters

fail() { echo "kmemleak: FAIL: $*"; exit 1; }
scan() { echo scan > $K || fail "echo scan > $K failed (kmemleak off?)"; }
# Reports whose backtrace went through spanalloc, one line each:
# "ADDR SIZE frame [module] frame ..." (a frame is "    func+off/len [mod]",
# or "    [<addr>] func+off/len" on kernels that print addresses).
reports() {
	awk '/^unreferenced object/ { if (e != "") print e; e = $3 " " $5; bt = 0; next }
	     /^  backtrace/ { bt = 1; next }
	     bt && /^    / { e = e " " (NF > 1 ? $(NF - 1) " " $NF : $1) }
	     END { if (e != "") print e }' "$1" | tr -d '():' | grep -E 'spanalloc|sa_kmemleak' || true
}

[ -e $K ] || fail "no $K: kernel without CONFIG_DEBUG_KMEMLEAK"
grep -q '^sa_kmemleak ' /proc/modules || fail "sa_kmemleak is not loaded"
dmesg | grep -q 'sa_kmemleak: churned' || fail "sa_kmemleak did not set up: $(dmesg | grep sa_kmemleak)"
# A stale copy of the pointer on a task's stack (the shell that wrote
# leak=1) would hide the leak: stacks are not scanned.
echo stack=off > $K || fail "echo stack=off > $K failed"
# Whatever the boot left unreferenced is not this test's: scan, then clear.
scan
echo clear > $K

echo 1 > $SP/sites_exact || fail "cannot set sites_exact"
echo 1 > /sys/module/sa_kmemleak/parameters/leak || fail "leak=1 failed"
addr=$(dmesg | sed -n 's/.*sa_kmemleak: leaked 200 bytes at 0x\([0-9a-f]*\).*/\1/p' | tail -n1)
[ -n "$addr" ] || fail "no 'leaked 200 bytes at' line"
echo "kmemleak: sa_kmemleak leaked 200 bytes at 0x$addr"
site=$(grep 'sa_kmemleak_leak_one' $D/sites)
echo "kmemleak: sites: $site"
echo "$site" | grep -q '^200 1 1 sa_kmemleak_leak_one+' ||
	fail "sites does not show '200 1 1 sa_kmemleak_leak_one+...'"

# kmemleak reports objects older than 5 s, unchanged since the previous scan.
sleep 6
scan
scan
cat $K > /tmp/report
reports /tmp/report > /tmp/ours
n=$(wc -l < /tmp/ours)
echo "kmemleak: $(grep -c '^unreferenced object' /tmp/report) reports, $n through spanalloc:"
sed 's/^/kmemleak:   /' /tmp/ours
[ "$n" -eq 1 ] || { cat /tmp/report; fail "$n reports through spanalloc, expected exactly 1"; }
read -r raddr rsize frames < /tmp/ours
[ "$raddr" = "0x$addr" ] || fail "reported 0x${raddr#0x}, leaked 0x$addr"
[ "$rsize" = 200 ] || fail "reported size $rsize, expected 200"
echo "$frames" | grep -q 'sa_kmemleak_leak_one' || fail "sa_kmemleak_leak_one not in the backtrace"
awk -v a="0x$addr" '$3 == a { p = 1 } p && /^unreferenced/ && $3 != a { p = 0 } p' /tmp/report |
	sed 's/^/kmemleak: report: /'

# Unload: the leak report names the site; kmemleak forgets the object.
rmmod sa_kmemleak || fail "rmmod sa_kmemleak failed"
rmmod spanalloc || fail "rmmod spanalloc failed"
dmesg | grep -A8 'spanalloc: unloading with' | sed 's/^/kmemleak: dmesg: /'
dmesg | grep -q 'spanalloc: unloading with 1 live objects' || fail "no 'unloading with 1 live objects'"
dmesg | grep -q 'spanalloc:   1 objects, 200 bytes from sa_kmemleak_leak_one+' ||
	fail "the leak report does not name sa_kmemleak_leak_one"
scan
if grep -q "unreferenced object 0x$addr " $K; then
	fail "kmemleak still lists 0x$addr after spanalloc gave its pages back"
fi
echo "kmemleak: after rmmod spanalloc, 0x$addr is no longer listed"
echo "kmemleak: ok"
