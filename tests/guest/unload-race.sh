#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --kernel stock --ext tests/guest/unload-race --timeout 600
# Unloading spanalloc while its scavenge_ms parameter is written: a write
# that saw the scavenger on and queues its work after rmmod cancelled it
# leaves the work to run in freed module memory. ROUNDS times: insmod
# spanalloc, start WRITERS loops writing scavenge_ms (1-20 ms, so a stray
# work re-arms and fires quickly), rmmod spanalloc, stop the loops, wait a
# little; rmmod must succeed every time and the kernel must not splat
# (vm.sh fails the run on any; panic_on_oops ends a wedged guest at once).
# It runs on Debian's stock kernel (the vm.sh line), which has kprobes:
# sa_race_widen holds every scavenge_ms write 20 ms inside the window (after
# the "is it on?" check, before the queueing), so the old code oopsed in a
# kworker running freed module text in the first round. The test kernel
# has no kprobes: there the window is a few instructions wide and is hit
# by chance only (HOGS busy loops per CPU make a writer preempted inside it
# wait long), so it runs fewer rounds (UNLOAD_RACE_ROUNDS overrides both).
ROUNDS=${UNLOAD_RACE_ROUNDS:-100}
WRITERS=4
HOGS=1
WRITE_US=100000
KO=/modules/spanalloc.ko
# sa-insmod: one finit_module(), exit status the errno (vm.sh); a plain
# `insmod` in a script run with sh may be busybox's applet.
INSMOD=/sbin/sa-insmod
F=/sys/module/spanalloc/parameters/scavenge_ms
R=/sys/module/sa_race_widen/parameters

pids=""
stop() {
	# shellcheck disable=SC2086 # a list of pids
	[ -z "$pids" ] || { kill $pids; wait $pids 2>/dev/null; }
	pids=""
}
fail() { stop; echo "unload-race: FAIL: $*"; exit 1; }

[ -f $KO ] || fail "no $KO"
# A stray work oopses in a kworker and wedges the guest: end it at once.
echo 1 > /proc/sys/kernel/panic_on_oops
armed=N
[ -r $R/armed ] && armed=$(cat $R/armed)
if [ "$armed" = Y ]; then
	how="kprobe on mod_delayed_work_on: $(cat $R/delay_ms) ms inside the window"
	HOGS=0
else
	how="no kprobes: natural race, $HOGS CPU hogs per CPU"
	ROUNDS=${UNLOAD_RACE_ROUNDS:-10}
fi
echo "unload-race: $ROUNDS rounds, $WRITERS writers, $(nproc) CPUs; $how"
rmmod spanalloc || fail "first rmmod spanalloc failed"

hogs=""
n=$((HOGS * $(nproc)))
while [ "$n" -gt 0 ]; do
	(while :; do :; done) &
	hogs="$hogs $!"
	n=$((n - 1))
done

r=0
t0=$(awk '{ print int($1) }' /proc/uptime)
while [ $r -lt "$ROUNDS" ]; do
	r=$((r + 1))
	$INSMOD $KO || fail "round $r: insmod spanalloc failed (status $?)"
	w=0
	while [ $w -lt $WRITERS ]; do
		(while :; do
			for v in 1 7 20 3; do
				echo $v > $F
			done
		done) 2>/dev/null &
		pids="$pids $!"
		w=$((w + 1))
	done
	usleep $WRITE_US
	rmmod spanalloc || fail "round $r: rmmod spanalloc failed (status $?)"
	[ -e /sys/module/spanalloc ] && fail "round $r: spanalloc still loaded after rmmod"
	stop
	# A work queued after the cancel fires within its 1-20 ms period.
	usleep 100000
	if [ $((r % 10)) -eq 0 ]; then
		hits=""
		[ "$armed" = Y ] && hits=", writes delayed in the window so far $(cat $R/hits)"
		echo "unload-race: $r rounds, $(( $(awk '{ print int($1) }' /proc/uptime) - t0 )) s$hits"
	fi
done
# shellcheck disable=SC2086 # a list of pids
[ -z "$hogs" ] || { kill $hogs; wait $hogs 2>/dev/null; }
# Anything left queued would run by now.
sleep 1
if [ "$armed" = Y ]; then
	[ "$(cat $R/hits)" -gt 0 ] || fail "the kprobe never delayed a scavenge_ms write"
fi
$INSMOD $KO || fail "insmod spanalloc after the rounds failed"
echo "unload-race: ok: $ROUNDS insmod/rmmod rounds under scavenge_ms writes, every rmmod succeeded"
