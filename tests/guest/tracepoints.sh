#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --ext tests/guest/workload
# The spanalloc:* tracepoints fire with the right fields: an allocation of a
# known size shows bytes_req and its class size as bytes_alloc, its free the
# same ptr, the CPU cache refill, and a drain heap_release.
D=/sys/kernel/debug/spanalloc
P=/sys/module/sa_workload/parameters
T=/sys/kernel/tracing
SIZE=1000
LARGE=100000

fail() { echo "tracepoints: FAIL: $*"; exit 1; }

[ -d $T/events/spanalloc ] || fail "no $T/events/spanalloc"
echo "tracepoints: events: $(cd $T/events/spanalloc && echo *)"
class=$(awk -v s=$SIZE 'NR > 1 && $1 ~ /^[0-9]+$/ && $2 >= s { print $2; exit }' $D/classes)
[ -n "$class" ] || fail "no class of at least $SIZE bytes in $D/classes"
echo "tracepoints: class size for $SIZE bytes: $class"

echo 1 > $D/drain
echo 0 > $T/tracing_on
echo > $T/trace
echo 1 > $T/events/spanalloc/enable || fail "cannot enable events/spanalloc"
echo 1 > $T/tracing_on
echo $SIZE > $P/one || fail "one=$SIZE failed"
echo $LARGE > $P/one || fail "one=$LARGE failed"
echo 1 > $D/drain
echo 0 > $T/tracing_on
echo 0 > $T/events/spanalloc/enable
cat $T/trace > /tmp/trace
grep -v '^#' /tmp/trace | sed 's/^/    /'

alloc=$(grep " alloc: .*bytes_req=$SIZE " /tmp/trace | head -n1)
[ -n "$alloc" ] || fail "no spanalloc:alloc with bytes_req=$SIZE"
ptr=$(echo "$alloc" | sed -n 's/.* ptr=\([^ ]*\) .*/\1/p')
got=$(echo "$alloc" | sed -n 's/.* bytes_alloc=\([0-9]*\) .*/\1/p')
echo "tracepoints: alloc ptr=$ptr bytes_req=$SIZE bytes_alloc=$got"
[ "$got" = "$class" ] || fail "bytes_alloc=$got, expected the class size $class"
echo "$alloc" | grep -q 'call_site=wl_' || fail "call_site is not sa_workload's: $alloc"
grep -q " free: .* ptr=$ptr\$" /tmp/trace || fail "no spanalloc:free of ptr=$ptr"
echo "tracepoints: free of ptr=$ptr seen"

big=$(grep " alloc: .*bytes_req=$LARGE " /tmp/trace | head -n1)
[ -n "$big" ] || fail "no spanalloc:alloc with bytes_req=$LARGE"
bigptr=$(echo "$big" | sed -n 's/.* ptr=\([^ ]*\) .*/\1/p')
bigsz=$(echo "$big" | sed -n 's/.* bytes_alloc=\([0-9]*\) .*/\1/p')
echo "tracepoints: large alloc ptr=$bigptr bytes_req=$LARGE bytes_alloc=$bigsz"
if [ "$bigsz" -lt $LARGE ] || [ $((bigsz % 4096)) -ne 0 ] || [ "$bigsz" -ge $((LARGE + 4096)) ]; then
	fail "bytes_alloc=$bigsz for $LARGE bytes: expected whole pages, less than a page above"
fi
grep -q " free: .* ptr=$bigptr\$" /tmp/trace || fail "no spanalloc:free of ptr=$bigptr"

refill=$(grep ' refill: ' /tmp/trace | grep " size=$class " | head -n1)
[ -n "$refill" ] || fail "no spanalloc:refill of the $class-byte class"
echo "tracepoints: refill: ${refill#*refill: }"
grep -q ' heap_grow: pages=[1-9]' /tmp/trace || fail "no spanalloc:heap_grow"
rel=$(grep ' heap_release: pages=[1-9]' /tmp/trace | tail -n1)
[ -n "$rel" ] || fail "no spanalloc:heap_release after the drain"
echo "tracepoints: heap_release: ${rel#*heap_release: }"
grep -q ' flush: ' /tmp/trace || fail "no spanalloc:flush after the drain"
echo "tracepoints: ok"
