#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --append init_on_alloc=1 --append init_on_free=1 --kunit --ext tests/guest/workload
# The kernel's init_on_alloc=1 and init_on_free=1 (what hardened
# distributions boot with): every KUnit suite runs under them and passes,
# and spanalloc_events' init cases, which skip on a default boot, run here
# and pass: every kind of object (tiny, small, large, above a chunk, typed
# caches) comes out zeroed even over stale bytes, realloc zeroes what it
# grows in place, a constructor's bytes are kept, freed objects are wiped.
# Then the workload's stress runs under both settings with no damage.
K=/sys/kernel/debug/kunit
P=/sys/module/sa_workload/parameters
W=/sys/kernel/debug/sa_workload/stats

fail() { echo "init-on: FAIL: $*"; exit 1; }
st() { awk -v k="$1" '$1 == k { print $2 }' "$W"; }

for a in init_on_alloc=1 init_on_free=1; do
	grep -qw "$a" /proc/cmdline || fail "kernel command line lacks $a: $(cat /proc/cmdline)"
done
echo "init-on: booted with $(grep -o 'init_on_[a-z]*=1' /proc/cmdline | tr '\n' ' ')"

suites=0
for r in "$K"/spanalloc_*/results; do
	[ -r "$r" ] || fail "no KUnit results in $K"
	s=$(basename "$(dirname "$r")")
	suites=$((suites + 1))
	if grep -q "not ok" "$r"; then
		grep "not ok" "$r"
		fail "suite $s failed under init_on_alloc=1 init_on_free=1"
	fi
	echo "init-on: suite $s: $(grep -c '^[[:space:]][[:space:]]*ok [0-9]' "$r") cases ok ($(grep -c '# SKIP' "$r") skipped)"
done
[ "$suites" -ge 10 ] || fail "only $suites spanalloc suites ran"

ev="$K/spanalloc_events/results"
[ -r "$ev" ] || fail "spanalloc_events did not run"
for c in init_on_alloc_zeroes_every_kind init_on_alloc_realloc_zeroes_what_it_adds \
	 init_on_alloc_typed_caches init_on_free_wipes_every_kind; do
	line=$(grep " $c" "$ev")
	case "$line" in
	*"# SKIP"*) fail "$c skipped with init_on_* set: $line" ;;
	*"not ok"*) fail "$c: $line" ;;
	*ok*) echo "init-on: $c ran and passed" ;;
	*) fail "$c did not run" ;;
	esac
done

bad0=$(awk '$1 == "bad_frees" { print $2 }' /sys/kernel/debug/spanalloc/memstats)
echo 5000 > $P/stress_ms || fail "cannot start the stress"
[ "$(st corrupted)" -eq 0 ] || fail "$(st corrupted) objects corrupted"
[ "$(st duplicates)" -eq 0 ] || fail "a bulk allocation returned the same object twice"
[ "$(st live)" -eq 0 ] || fail "the workload still holds $(st live) objects"
bad=$(awk '$1 == "bad_frees" { print $2 }' /sys/kernel/debug/spanalloc/memstats)
[ "$bad" -eq "$bad0" ] || fail "bad_frees went from $bad0 to $bad"
ops=$(st ops)
[ "${ops:-0}" -gt 0 ] || fail "the stress did nothing"
echo "init-on: stress 5 s: $ops operations, 0 corrupted, no new bad frees"
echo "init-on: ok"
