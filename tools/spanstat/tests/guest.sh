#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest test of spanstat against the real module: boots scripts/harness/vm.sh with
# the static spanstat as /bin/spanstat and tests/load/ (a known load) as an
# --ext module, runs every view in the busybox guest and checks the output
# on the host.
#
#   sh tests/guest.sh [VM.SH OPTIONS]        (make -C tools/spanstat guest-test)
#
# e.g. --kernel test, or SPANALLOC_SRC=DIR to build spanalloc from DIR.
# Checks: every view exits 0 in the guest; --json of a snapshot copied from
# debugfs round-trips every value of the copy; live --json is valid JSON;
# the known load shows up exactly (class inuse and mallocs, sizes buckets,
# tiny and large counts, top class of the summary, the two typed caches'
# live counts, kinds and order in --caches and the summary); --drain empties the CPU
# caches; --watch exits; after rmmod spanstat exits 1 with a message.

here=$(cd "$(dirname "$0")" && pwd)
bin=${SPANSTAT:-$here/../spanstat}
vm=${VM_SH:-$here/../../../scripts/harness/vm.sh}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/spanstat-guest.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tools/spanstat/tests/lib.sh
. "$here/lib.sh"
pass=0
fail=0
prefix=""

[ -x "$bin" ] || { echo "build spanstat first: make -C tools/spanstat" >&2; exit 1; }
[ -x "$vm" ] || { echo "no $vm (set VM_SH)" >&2; exit 1; }

# In the guest every line the host needs is prefixed: "S|" section text,
# "M|" section start, "R|" exit status; kernel messages cannot be mistaken
# for them.
# The console log level is left alone: vm.sh reads its verdict and any
# kernel splat from the console.
# shellcheck disable=SC2016 # expanded in the guest
gcmd='
D=/sys/kernel/debug/spanalloc
P=/sys/module/spanstat_load/parameters
sec() { echo "M|$1"; }
emit() { sed "s/^/S|/"; }
rc() { echo "R|$1 $2"; }
spanstat >/tmp/o 2>&1; rc summary $?
for v in classes cpus heap caches json; do spanstat --$v >/tmp/o 2>&1; rc $v $?; done
sec params
for f in nr_small small_bytes nr_tiny tiny_bytes large_bytes nr_ctor ctor_bytes nr_plain plain_bytes; do
	echo "$f $(cat $P/$f)"
done | emit
mkdir -p /tmp/snap
for f in memstats classes cpus pageheap sizes caches; do cat $D/$f >/tmp/snap/$f; done
for f in memstats classes cpus pageheap sizes caches; do sec snap.$f; emit </tmp/snap/$f; done
sec snapjson; spanstat --dir /tmp/snap --json | emit
sec live; spanstat --json | emit
sec summary; spanstat | emit
sec caches; spanstat --caches | emit
spanstat --watch 1 --count 2 >/dev/null; rc watch $?
spanstat --drain --json >/tmp/d; rc drain $?
sec drained; emit </tmp/d
rmmod spanstat_load && rmmod spanalloc; rc rmmod $?
spanstat >/tmp/o 2>&1; rc unloaded $?
sec unloaded; emit </tmp/o
true
'

echo "booting a guest (scripts/harness/vm.sh $*)..."
"$vm" --ext "$here/load" --file "$bin:/bin/spanstat" --quiet \
	--log "$tmp/log" "$@" -- "$gcmd"
vmrc=$?
check "vm.sh exits 0 (rc=$vmrc)" [ "$vmrc" -eq 0 ]
[ -f "$tmp/log" ] || { echo "no guest log" >&2; exit 1; }

# Split the log into $tmp/g/<section> files and $tmp/g/rc.
mkdir "$tmp/g"
awk -v d="$tmp/g" '
/^M\|/ { f = d "/" substr($0, 3); printf "" > f; next }
/^S\|/ { print substr($0, 3) > f; next }
/^R\|/ { print substr($0, 3) > (d "/rc") }' "$tmp/log"
mkdir "$tmp/snap"
for f in memstats classes cpus pageheap sizes caches; do
	cp "$tmp/g/snap.$f" "$tmp/snap/$f" 2>/dev/null
done

guest_rc() { awk -v n="$1" '$1 == n { print $2 }' "$tmp/g/rc"; }
param() { awk -v n="$1" '$1 == n { print $2 }' "$tmp/g/params"; }

for v in summary classes cpus heap caches json watch drain; do
	r=$(guest_rc $v)
	check "guest: $v exits 0 (${r:-missing})" [ "$r" = 0 ]
done

check "guest: live --json is valid JSON" python3 -m json.tool "$tmp/g/live" /dev/null
json_flat <"$tmp/g/snapjson" >"$tmp/json.flat"
fixture_flat "$tmp/snap" >"$tmp/fix.flat"
check "guest: --json of a debugfs copy round-trips every value" \
	diff -u "$tmp/fix.flat" "$tmp/json.flat"
check "guest: round-trip compared something" [ "$(wc -l <"$tmp/fix.flat")" -gt 500 ]

# jq QUERY FILE: evaluate python on d = the JSON in FILE and the params
jq() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[2]))
p = dict(l.split() for l in open(sys.argv[3]) if l.strip())
p = {k: int(v) for k, v in p.items()}
print(eval(sys.argv[1]))' "$1" "$2" "$tmp/g/params"
}

ns=$(param nr_small)
check "guest: load parameters read ($ns)" [ -n "$ns" ]
# the class of small_bytes: the smallest numbered class that fits it
cls='min((r for r in d["classes"] if r["class"] != "tiny" and r["size"] >= p["small_bytes"]), key=lambda r: r["size"])'
s=$tmp/g/snapjson
check "guest: class of small_bytes: mallocs = nr_small" \
	[ "$(jq "($cls)['mallocs'] == p['nr_small']" "$s")" = True ]
check "guest: class of small_bytes: inuse = nr_small / 2" \
	[ "$(jq "($cls)['inuse'] == p['nr_small'] // 2" "$s")" = True ]
check "guest: memstats tiny_allocs = nr_tiny" \
	[ "$(jq "d['memstats']['tiny_allocs'] == p['nr_tiny']" "$s")" = True ]
check "guest: memstats large_allocs = 1" \
	[ "$(jq "d['memstats']['large_allocs'] == 1" "$s")" = True ]
# the count of the sizes bucket holding parameter $1 (a quoted key)
bucket() {
	printf '[r["count"] for r in d["sizes"] if r["min_bytes"] <= p[%s] and (r["max_bytes"] == "max" or p[%s] <= r["max_bytes"])][0]' "$1" "$1"
}
# Objects of a merged typed cache count in the bucket of their size too
# (the histogram is derived from the classes' allocations): the plain
# cache's objects add to the small objects' bucket when they share it.
for k in small_bytes:nr_small tiny_bytes:nr_tiny large_bytes:1; do
	b=${k%%:*} n=${k#*:}
	case $n in 1) want=1 ;; *) want="p['$n']" ;; esac
	[ "$b" = small_bytes ] && want="p['nr_small'] + (p['nr_plain'] if (p['small_bytes'] - 1).bit_length() == (p['plain_bytes'] - 1).bit_length() else 0)"
	q=$(bucket "'$b'")
	check "guest: sizes bucket of $b counts $n" \
		[ "$(jq "$q == $want" "$s")" = True ]
done
# the typed caches: exact live counts, kinds, and --caches agrees with debugfs
c='[r for r in d["caches"] if r["name"] == "spanstat_ctor"][0]'
check "guest: cache spanstat_ctor has nr_ctor live objects" \
	[ "$(jq "($c)['live_objects'] == p['nr_ctor']" "$s")" = True ]
check "guest: cache spanstat_ctor has a class of its own, with spans" \
	[ "$(jq "($c)['own'] == 1 and ($c)['ctor'] == 1 and ($c)['spans'] >= 1" "$s")" = True ]
c='[r for r in d["caches"] if r["name"] == "spanstat_plain"][0]'
check "guest: cache spanstat_plain has nr_plain live objects" \
	[ "$(jq "($c)['live_objects'] == p['nr_plain']" "$s")" = True ]
check "guest: cache spanstat_plain is merged, spans shared" \
	[ "$(jq "($c)['own'] == 0 and ($c)['spans'] == 'shared'" "$s")" = True ]
want=$(jq "p['nr_ctor']" "$s")
got=$(awk '$1 == "spanstat_ctor" { print $9 }' "$tmp/g/caches")
check "guest: --caches shows spanstat_ctor live $want (got $got)" [ "$got" = "$want" ]
want=$(jq "p['nr_plain'] + p['nr_ctor']" "$s")
got=$(awk '$1 == "all" { print $2 }' "$tmp/g/caches")
check "guest: --caches total live $want (got $got)" [ "$got" = "$want" ]
want=$(jq "'spanstat_ctor' if p['nr_ctor'] * p['ctor_bytes'] > p['nr_plain'] * p['plain_bytes'] else 'spanstat_plain'" "$s")
got=$(awk 'NR == 2 { print $1 }' "$tmp/g/caches")
check "guest: --caches most live bytes first: $want (got $got)" [ "$got" = "$want" ]
check "guest: summary lists the typed caches" grep -q "^Typed caches: 2 (1 own class, 1 merged)" "$tmp/g/summary"
size=$(jq "($cls)['size']" "$s")
top=$(awk '/^Top/ { getline; getline; print $2; exit }' "$tmp/g/summary")
check "guest: summary top class has size $size (got $top)" [ "$top" = "$size" ]
check "guest: after --drain no CPU caches anything" \
	[ "$(jq "d['memstats']['cpu_cached_bytes'] == 0 and all(c['cached_objs'] == 0 for c in d['cpus'])" \
		"$tmp/g/drained")" = True ]
if [ "$(guest_rc rmmod)" = 0 ]; then
	check "guest: spanstat exits 1 once spanalloc is unloaded" [ "$(guest_rc unloaded)" = 1 ]
	check "guest: ... and says why" grep -q "spanalloc module loaded" "$tmp/g/unloaded"
else
	bad "guest: rmmod spanstat_load spanalloc failed"
fi

echo "spanstat guest tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
