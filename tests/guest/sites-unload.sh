#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --ext tests/guest/workload --ext tests/guest/leak
# Allocation sites of code that went away (issue 15): a module's sites
# leave the table when it unloads, and those of its init text when that
# is freed (the module goes live), through spanalloc's module notifier;
# sites with live objects are retired ("(unloaded)", "(init freed)"
# appended), keep their figures and are found by no address, so the next
# code at that address gets sites of its own. With sites_exact=1:
#   sa_workload leaks 10 objects from its core text (leak=10): its
#   sites hold 10; rmmod: the 10 are on "(unloaded)" sites and on no
#   other; insmod again and leak=10: its sites hold 10, not 20, and the
#   retired ones still 10.
#   sa_leak leaks 14 objects from its init: after insmod they are on
#   "(init freed)" sites and on no other; a second insmod adds 14 more
#   on sites of their own.
D=/sys/kernel/debug/spanalloc
SP=/sys/module/spanalloc/parameters
INSMOD=/sbin/sa-insmod

fail() { echo "sites-unload: FAIL: $*"; exit 1; }
# live objects of MODULE's sites: MARK "" (live sites) or a retired mark
live() {
	awk -v mod="[$1]" -v mark="$2" 'NR > 1 && index($0, " " mod) {
		m = ""
		if ($0 ~ / \(unloaded\)$/)
			m = "(unloaded)"
		else if ($0 ~ / \(init freed\)$/)
			m = "(init freed)"
		if (m == mark) n += $2
	} END { print n + 0 }' $D/sites
}
text() { cat "/sys/module/$1/sections/.text" 2>/dev/null || echo "?"; }

grep -q '^sa_workload ' /proc/modules || fail "sa_workload is not loaded"
grep -q '^sa_leak ' /proc/modules || fail "sa_leak is not loaded"
rmmod sa_leak || fail "rmmod sa_leak failed"
echo 1 > $SP/sites_exact || fail "cannot set sites_exact"

# --- core text: sa_workload's leak parameter ----------------------------------
wbase=$(live sa_workload "(unloaded)")
echo 10 > /sys/module/sa_workload/parameters/leak || fail "leak=10 failed"
t1=$(text sa_workload)
n=$(live sa_workload "")
echo "sites-unload: sa_workload (.text $t1) leaked 10: $n live objects on its sites"
[ "$n" -ge 10 ] || fail "sa_workload's sites hold $n objects, expected 10 or more"
before=$n
rmmod sa_workload || fail "rmmod sa_workload failed"
n=$(live sa_workload "")
g=$(live sa_workload "(unloaded)")
echo "sites-unload: sa_workload unloaded: $n on live sites, $g on (unloaded) ones"
[ "$n" -eq 0 ] || fail "sites of the unloaded sa_workload still found by address: $(grep sa_workload $D/sites)"
[ "$g" -eq $((wbase + before)) ] || fail "(unloaded) sites hold $g objects, expected $((wbase + before))"
$INSMOD /modules/ext/workload/sa_workload.ko || fail "insmod sa_workload failed"
echo 10 > /sys/module/sa_workload/parameters/leak || fail "leak=10 after reload failed"
t2=$(text sa_workload)
where="another address"
[ "$t1" = "$t2" ] && where="the same address"
n=$(live sa_workload "")
g=$(live sa_workload "(unloaded)")
echo "sites-unload: sa_workload reloaded at $where (.text $t2), leaked 10: $n on its sites, $g on (unloaded) ones"
[ "$n" -eq 10 ] || fail "reloaded sa_workload's sites hold $n objects, expected 10 (fresh sites)"
[ "$g" -eq $((wbase + before)) ] || fail "(unloaded) sites hold $g objects after the reload"

# --- init text: sa_leak's init -------------------------------------------------
ibase=$(live sa_leak "(init freed)")
$INSMOD /modules/ext/leak/sa_leak.ko || fail "insmod sa_leak failed"
n=$(live sa_leak "")
g=$(live sa_leak "(init freed)")
echo "sites-unload: sa_leak leaked 14 from its init: $n on live sites, $((g - ibase)) more on (init freed) ones"
[ "$n" -eq 0 ] || fail "sites in sa_leak's freed init text still found by address"
[ "$g" -eq $((ibase + 14)) ] || fail "(init freed) sites hold $g objects, expected $ibase + 14"
rmmod sa_leak || fail "rmmod sa_leak failed"
$INSMOD /modules/ext/leak/sa_leak.ko || fail "second insmod sa_leak failed"
g=$(live sa_leak "(init freed)")
echo "sites-unload: second sa_leak: $((g - ibase)) objects on (init freed) sites"
[ "$g" -eq $((ibase + 28)) ] || fail "(init freed) sites hold $g objects, expected $ibase + 28"
[ "$(live sa_leak "")" -eq 0 ] || fail "a live sa_leak site after the second load"
echo "sites-unload: sites file:"
sed 's/^/sites-unload:   /' $D/sites
echo "sites-unload: ok"
