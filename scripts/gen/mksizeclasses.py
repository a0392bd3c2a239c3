#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate spanalloc's size-class tables, in the spirit of Go's mksizeclasses.go.

Writes spanalloc/sizeclasses.h and spanalloc/sizeclasses.c (relative to the
repository root, found from this script's location).

  mksizeclasses.py                 regenerate both files
  mksizeclasses.py --check         compare with the checked-in files, exit 1 on drift
  mksizeclasses.py --report [HIST] the real waste bounds (below), then rounding
                                   waste on a kmalloc size histogram
                                   (default ../shared/data/kmalloc-boot-6.12.hist)

Rules the classes obey (each one is asserted before anything is written):

- Class 0 is unused (size 0). Classes 1..N-1 go from 8 to 32768 bytes; sizes
  are multiples of 8 up to 1024 and multiples of 128 above (the granularity of
  the two size-to-class lookup tables). Every power of two from 8 to 32768 is
  a class, so power-of-two requests get natural alignment: spans come from a
  buddy allocator and are naturally aligned to their own size.
- A span is PAGE_SIZE << span_order bytes (a power of two pages, so the buddy
  serves it exactly), holds objs = span bytes / size objects and leaves a tail
  of at most 1/8 of the span. Sizes up to PAGE_SIZE get at least 8 objects per
  span, up to 16 KiB at least 4, above that at least 2.
- Worst-case waste, computed like Go: with p the previous class size,
  ((size - p - 1) * objs + tail) / span bytes <= 12.5%. The only exception is
  a class 8 bytes above its predecessor below 64 bytes (8..56): with an 8-byte
  minimum size and alignment no finer class can exist there (a 9-byte request
  always takes 16 bytes), so only the tail limit applies to them.

How they are chosen: among all chains of legal sizes from 8 to 32768 that
visit every power of two and the HOT_SIZES below, a dynamic program picks the
one with the lowest cost, where every class costs 1, every span order above
the smallest that gives the minimum objects per span costs 1 more, order 5
costs 10 more and order 6 costs 1000 more; ties go to the lower total
worst-case waste. Go's merge of classes with the same span and objects per
span is thereby implied (the smaller one would only cost a class), and
verified.

Span order 6 (256 KiB) is needed by exactly three classes between 16 and 32
KiB: with power-of-two spans of order <= 5 and tails <= 1/8, the possible
objects-per-span leave requests of about 18.7-19.1, 21.8-22.9 and 26.2-28.7
KiB with no class whose worst-case waste stays under 12.5% (MAX_ORDER = 5
fails generation). Go does not hit this because its spans need not be powers
of two.

Per class the tables also carry:
- batch: objects moved between a per-CPU cache and the central list at once
  (TCMalloc's num_objects_to_move, with its 64 KiB transfer size):
  clamp(65536 / size, 2, 64), and at most 4 * objs. At 16 KiB (before),
  every class from 1 KiB up took the transfer cache's lock for each 16 KiB
  of a batch alloc/free loop: 1.2-1.3x SLUB's instructions for 4-8 KiB
  objects, counted under QEMU -icount; at 64 KiB, 0.94-0.98x;
- div_mul: ceil(2^32 / size), checked exhaustively so that for every offset
  off in [0, span bytes), (u32)((u64)off * div_mul >> 32) == off / size.
  The chooser only takes a size at a span order where that holds: in a 256
  KiB span it does not for every size (23808 fails at offset 238079).

The generated files do not depend on any trace: --report only prints.

--report first prints the bounds that hold, next to the 12.5% rule above:
rounding alone per class (a request one byte above the previous class), up
to 87.5% below 64 bytes; the tail of the spans a class starts with at run
time (central.c: the smallest order whose objects leave at most a quarter
of their whole pages unused, in pages cut to fit the objects, growing with
the class up to the generated order), above 12.5% for some classes until
their spans grow; large objects (whole pages, under one page of rounding)
and objects above a chunk (a power-of-two page order, up to 50%).
"""

import argparse
import bisect
import difflib
import os
import sys

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
MAX_SMALL = 32768           # SPANALLOC_MAX_SMALL_SIZE
MIN_SIZE = 8                # minimum object size and alignment
FINE_MAX = 1024             # sa_size_to_class8 covers 0..FINE_MAX
FINE_STEP = 8
COARSE_STEP = 128           # sa_size_to_class128 covers FINE_MAX+1..MAX_SMALL
MAX_WASTE_DIV = 8           # worst-case and tail waste <= 1 / MAX_WASTE_DIV
MAX_ORDER = 6               # see the module docstring: order 6 only where needed
ORDER_COST = {5: 10, 6: 1000}
TINY_SIZE = 16              # the tiny allocator's block class

# Sizes forced to be classes because real kernels ask for them a lot
# (kmem:kmalloc during a Debian 6.12 boot, ../shared/data/kmalloc-boot-6.12.hist):
# 2688 takes the 771 requests of 2592 bytes, the largest byte total among small
# requests (2592 itself is not a multiple of 128; 2688 is the closest size
# above it). Other hot sizes were left alone where a class of their own would
# have the same span and objects per span as the next class up (768 and 816,
# 416 and 448, 216 and 224): Go merges such classes, as the span memory per
# object is the same, and so does the verification below.
HOT_SIZES = (2688,)

BATCH_BYTES = 65536
BATCH_MIN = 2
BATCH_MAX = 64
BATCH_SPANS = 4

DEFAULT_HIST = os.path.join('..', 'shared', 'data', 'kmalloc-boot-6.12.hist')
HEADER = os.path.join('spanalloc', 'sizeclasses.h')
SOURCE = os.path.join('spanalloc', 'sizeclasses.c')


class GenError(Exception):
    pass


def step_at(size):
    """Granularity of class sizes at @size."""
    return FINE_STEP if size <= FINE_MAX else COARSE_STEP


def legal_sizes():
    return list(range(FINE_STEP, FINE_MAX + 1, FINE_STEP)) + \
        list(range(FINE_MAX + COARSE_STEP, MAX_SMALL + 1, COARSE_STEP))


def is_pow2(x):
    return x > 0 and x & (x - 1) == 0


def min_objs(size):
    if size <= PAGE_SIZE:
        return 8
    if size <= 16384:
        return 4
    return 2


def min_order(size):
    order = 0
    while (PAGE_SIZE << order) // size < min_objs(size):
        order += 1
    return order


def exempt(size, prev):
    """Rounding waste forced by the 8-byte minimum size: see the docstring."""
    return size - prev == MIN_SIZE and size < 64


def span_figures(size, order):
    span = PAGE_SIZE << order
    objs = span // size
    return span, objs, span - objs * size


def worst_waste(size, prev, order):
    """Go's worst case: a request of prev + 1 bytes in every object, plus the tail."""
    span, objs, tail = span_figures(size, order)
    return (size - prev - 1) * objs + tail, span


def div_exact(size, span):
    """Does div_magic(size) divide every offset in [0, span) exactly?"""
    mul = div_magic(size)
    if (span - 1) * (mul * size - (1 << 32)) < 1 << 32:
        return True     # the error term stays below 1 / size
    # floor(off * mul >> 32) is monotonic: checking both ends of every
    # object (and of the tail) covers the offsets in between.
    return all(((k * size) * mul) >> 32 == k and
               (min((k + 1) * size, span) - 1) * mul >> 32 == k
               for k in range(span // size + 1) if k * size < span)


def order_ok(size, prev, order):
    span, objs, tail = span_figures(size, order)
    if objs < min_objs(size) or tail * MAX_WASTE_DIV > span:
        return False
    if not div_exact(size, span):
        return False
    if exempt(size, prev):
        return True
    waste, span = worst_waste(size, prev, order)
    return waste * MAX_WASTE_DIV <= span


def scaled_waste(size, prev, order):
    """Worst-case waste as an exact integer fraction of 2^24."""
    waste, span = worst_waste(size, prev, order)
    return waste << (24 - (span.bit_length() - 1))


def choose_classes():
    """Return [(size, order), ...] for classes 1..N-1."""
    forced = {1 << k for k in range(3, 16)} | set(HOT_SIZES)
    nodes = [0] + legal_sizes()
    best = {0: ((0, 0), None)}
    for i in range(1, len(nodes)):
        size = nodes[i]
        cand = None
        for j in range(i - 1, -1, -1):
            prev = nodes[j]
            if prev in best:
                base = best[prev][0]
                for order in range(min_order(size), MAX_ORDER + 1):
                    if not order_ok(size, prev, order):
                        continue
                    cost = 1 + order - min_order(size) + ORDER_COST.get(order, 0)
                    key = (base[0] + cost, base[1] + scaled_waste(size, prev, order))
                    if cand is None or key < cand[0]:
                        cand = (key, (prev, order))
            if prev in forced:
                break       # a chain cannot jump over a forced size
        if cand is not None:
            best[size] = cand
    if MAX_SMALL not in best:
        raise GenError('no legal chain of classes reaches %d' % MAX_SMALL)
    chain = []
    size = MAX_SMALL
    while size:
        prev, order = best[size][1]
        chain.append((size, order))
        size = prev
    return chain[::-1]


def div_magic(size):
    return -(-(1 << 32) // size)


def batch_for(size, objs):
    return min(max(BATCH_BYTES // size, BATCH_MIN), BATCH_MAX, objs * BATCH_SPANS)


def build():
    """Compute and verify the classes; return a list of dicts, class 0 first."""
    classes = [dict(size=0, order=0, objs=0, span=0, tail=0, div_mul=0, batch=0,
                    waste=0, exempt=False)]
    prev = 0
    for size, order in choose_classes():
        span, objs, tail = span_figures(size, order)
        waste, _ = worst_waste(size, prev, order)
        classes.append(dict(size=size, order=order, objs=objs, span=span, tail=tail,
                            div_mul=div_magic(size), batch=batch_for(size, objs),
                            waste=waste, exempt=exempt(size, prev)))
        prev = size
    verify(classes)
    return classes


def check(cond, msg):
    if not cond:
        raise GenError(msg)


def verify(classes):
    sizes = [c['size'] for c in classes]
    check(classes[0]['size'] == 0, 'class 0 must be unused')
    check(sizes[1] == MIN_SIZE and sizes[-1] == MAX_SMALL, 'classes must span 8..32768')
    check(len(classes) <= 255, 'class numbers must fit in a u8')
    for k in range(3, 16):
        check((1 << k) in sizes, 'power of two %d is not a class' % (1 << k))
    for size in HOT_SIZES:
        check(size in sizes, 'hot size %d is not a class' % size)
    check(TINY_SIZE in sizes, 'no %d-byte class for the tiny allocator' % TINY_SIZE)
    for i in range(1, len(classes)):
        c = classes[i]
        size, prev = c['size'], sizes[i - 1]
        name = 'class %d (%d bytes)' % (i, size)
        check(size > prev, name + ': sizes must increase')
        check(size % step_at(size) == 0, name + ': not a multiple of %d' % step_at(size))
        check(0 <= c['order'] <= MAX_ORDER, name + ': span order out of range')
        span = PAGE_SIZE << c['order']
        check(c['span'] == span and is_pow2(span // PAGE_SIZE), name + ': bad span')
        check(c['objs'] == span // size and c['objs'] >= 1, name + ': bad objs')
        check(c['objs'] < 1 << 16, name + ': objs must fit in a u16')
        check(c['objs'] >= min_objs(size), name + ': too few objects per span')
        check(c['tail'] == span - c['objs'] * size, name + ': bad tail')
        check(c['tail'] * MAX_WASTE_DIV <= span, name + ': tail waste above 12.5%')
        waste = (size - prev - 1) * c['objs'] + c['tail']
        check(c['waste'] == waste, name + ': bad worst-case waste')
        if not exempt(size, prev):
            check(waste * MAX_WASTE_DIV <= span,
                  name + ': worst-case waste %.2f%% above 12.5%%' % (100.0 * waste / span))
        check(BATCH_MIN <= c['batch'] <= BATCH_MAX and c['batch'] <= BATCH_SPANS * c['objs'],
              name + ': batch out of range')
        if is_pow2(size):
            check(span % size == 0, name + ': power of two not naturally aligned')
        if i > 1:
            check(c['order'] != classes[i - 1]['order'] or c['objs'] != classes[i - 1]['objs'],
                  name + ': same span and objects per span as the class below (merge them)')
        verify_div(name, size, span, c['div_mul'])


def verify_div(name, size, span, mul):
    check(0 < mul < 1 << 32, name + ': div_mul does not fit in a u32')
    # Every offset in the span, object by object.
    for k in range(span // size + 1):
        lo = k * size
        for off in range(lo, min(lo + size, span)):
            if (off * mul) >> 32 != k:
                raise GenError('%s: div_mul %#x wrong at offset %d' % (name, mul, off))


def size_tables(classes):
    sizes = [c['size'] for c in classes]

    def lookup(req):
        return bisect.bisect_left(sizes, max(req, 1), 1)

    t8 = [lookup(i * FINE_STEP) for i in range(FINE_MAX // FINE_STEP + 1)]
    t128 = [lookup(FINE_MAX + i * COARSE_STEP)
            for i in range((MAX_SMALL - FINE_MAX) // COARSE_STEP + 1)]
    # Cross-check the index formulas of sa_size_class() for every size.
    for req in range(1, MAX_SMALL + 1):
        if req <= FINE_MAX:
            got = t8[(req + 7) >> 3]
        else:
            got = t128[(req - FINE_MAX + 127) >> 7]
        want = lookup(req)
        check(got == want and sizes[got] >= req and sizes[got - 1] < req,
              'size-to-class table wrong for %d bytes' % req)
    return t8, t128


# ---------------------------------------------------------------- output

def c_table(values, per_line=16):
    lines = []
    for i in range(0, len(values), per_line):
        lines.append('\t' + ', '.join('%d' % v for v in values[i:i + per_line]) + ',')
    return '\n'.join(lines)


def render_header(classes):
    n = len(classes)
    tiny = [i for i, c in enumerate(classes) if c['size'] == TINY_SIZE][0]
    max_order = max(c['order'] for c in classes)
    rows = []
    for i, c in enumerate(classes[1:], 1):
        pct = 100.0 * c['waste'] / c['span']
        rows.append(' * %5d %9d %10d %5d %7d %10d %8.2f%%%s' % (
            i, c['size'], c['span'], c['span'] // PAGE_SIZE, c['objs'], c['tail'], pct,
            ' *' if c['exempt'] else ''))
    return '''/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spanalloc size classes.
 * Generated by scripts/gen/mksizeclasses.py; DO NOT EDIT.
 * Regenerate with scripts/gen/mksizeclasses.py; make check fails on drift.
 *
 * A span of class c is PAGE_SIZE << span_order bytes cut into objs objects of
 * size bytes; the tail is what is left after them. Max waste is the worst case
 * of Go's mksizeclasses: a request of one byte more than the previous class in
 * every object, plus the tail, as a share of the span. It is at most 12.5%%
 * except where marked *: there the class is 8 bytes above the previous one and
 * the waste is forced by the 8-byte minimum size and alignment.
 *
 * Every power of two from 8 to 32768 is a class; spans are naturally aligned
 * buddy blocks, so power-of-two objects are naturally aligned.
 *
 * class bytes/obj bytes/span pages objects tail waste max waste
%s
 */
#ifndef _SPANALLOC_SIZECLASSES_H
#define _SPANALLOC_SIZECLASSES_H

#include <linux/types.h>
#include <asm/page.h>

#if PAGE_SHIFT != %d
#error "spanalloc size classes are generated for 4 KiB pages"
#endif

#define SA_NR_CLASSES %d /* including unused class 0 */
#define SA_TINY_CLASS %d /* the %d-byte class */
#define SA_MAX_SPAN_ORDER %d

struct sa_class {
	u32 size;	/* object size in bytes */
	u32 div_mul;	/* off / size == (off * div_mul) >> 32 within a span */
	u16 objs;	/* objects per span */
	u8 span_order;	/* span = PAGE_SIZE << span_order bytes */
	u8 batch;	/* objects moved between CPU cache and central list */
};

extern const struct sa_class sa_classes[SA_NR_CLASSES];
extern const u8 sa_size_to_class8[%d / 8 + 1];
extern const u8 sa_size_to_class128[(%d - %d) / 128 + 1];

/*
 * Smallest class whose size is at least @size, for @size in
 * 1..SPANALLOC_MAX_SMALL_SIZE (0 gives class 1).
 */
static inline unsigned int sa_size_class(size_t size)
{
	if (size <= %d)
		return sa_size_to_class8[(size + 7) >> 3];
	return sa_size_to_class128[(size - %d + 127) >> 7];
}

#endif /* _SPANALLOC_SIZECLASSES_H */
''' % ('\n'.join(rows), PAGE_SHIFT, n, tiny, TINY_SIZE, max_order,
       FINE_MAX, MAX_SMALL, FINE_MAX, FINE_MAX, FINE_MAX)


def render_source(classes, t8, t128):
    entries = ['\t[0] = { 0 },']
    for i, c in enumerate(classes[1:], 1):
        entries.append('\t[%d] = { .size = %d, .div_mul = %#x, .objs = %d, .span_order = %d, '
                       '.batch = %d },' % (i, c['size'], c['div_mul'], c['objs'],
                                           c['order'], c['batch']))
    return '''// SPDX-License-Identifier: GPL-2.0
/*
 * spanalloc size classes and size-to-class lookup tables.
 * Generated by scripts/gen/mksizeclasses.py; DO NOT EDIT.
 */
#include <linux/export.h>
#include <kunit/visibility.h>
#include "sizeclasses.h"

const struct sa_class sa_classes[SA_NR_CLASSES] = {
%s
};
EXPORT_SYMBOL_IF_KUNIT(sa_classes);

/* Class of a request of 0..%d bytes, indexed by (size + 7) >> 3. */
const u8 sa_size_to_class8[%d / 8 + 1] = {
%s
};
EXPORT_SYMBOL_IF_KUNIT(sa_size_to_class8);

/* Class of a request of %d..%d bytes, indexed by (size - %d + 127) >> 7. */
const u8 sa_size_to_class128[(%d - %d) / 128 + 1] = {
%s
};
EXPORT_SYMBOL_IF_KUNIT(sa_size_to_class128);
''' % ('\n'.join(entries), FINE_MAX, FINE_MAX, c_table(t8), FINE_MAX + 1, MAX_SMALL,
       FINE_MAX, MAX_SMALL, FINE_MAX, c_table(t128))


def generate():
    classes = build()
    t8, t128 = size_tables(classes)
    return classes, {HEADER: render_header(classes), SOURCE: render_source(classes, t8, t128)}


# ---------------------------------------------------------------- report

def read_hist(path):
    rows = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            fields = line.split()
            if len(fields) != 3:
                raise GenError('%s:%d: expected "bytes_req bytes_alloc count"' % (path, lineno))
            rows.append(tuple(int(x) for x in fields))
    return rows


def first_span_order(size, order):
    """Order of a class's first span at run time (central.c span_order_for()):
    the smallest whose objects, in whole pages, leave at most a quarter unused."""
    o = 0
    while o < order:
        objs = (PAGE_SIZE << o) // size
        used = objs * size
        pages = -(-used // PAGE_SIZE) * PAGE_SIZE
        if objs and (pages - used) * 4 <= pages:
            break
        o += 1
    return o


def run_span_figures(size, order):
    """A span at run time (central.c span_pages()): whole pages for its objects."""
    objs = (PAGE_SIZE << order) // size
    span = -(-objs * size // PAGE_SIZE) * PAGE_SIZE
    return span, objs, span - objs * size


def bounds(classes, chunk_order=9):
    """Print the waste bounds that hold (see the module docstring)."""
    rule = 100.0 / MAX_WASTE_DIV
    print('waste bounds (rule: worst case %.1f%% of a span from 64 bytes up, '
          'generated span orders):' % rule)
    worst_round, over_rule = (0, 0, 0.0), []
    runtime = []
    prev = 0
    for c in classes[1:]:
        size, order = c['size'], c['order']
        r = 100.0 * (size - prev - 1) / size
        if r > worst_round[2]:
            worst_round = (prev + 1, size, r)
        if r > rule:
            over_rule.append('%d (%.1f%%)' % (size, r))
        fo = first_span_order(size, order)
        span, objs, tail = run_span_figures(size, fo)
        t = 100.0 * tail / span
        w = 100.0 * ((size - prev - 1) * objs + tail) / span
        if fo < order and (t > rule or w > rule):
            runtime.append((w, t, size, fo, objs, span))
        prev = size
    print('  rounding alone (a request 1 byte above the previous class): up to %.1f%% '
          '(%d bytes in the %d-byte class)' % (worst_round[2], worst_round[0], worst_round[1]))
    print('  classes whose rounding alone exceeds %.1f%%: %s' % (rule, ', '.join(over_rule)))
    print('  first spans at run time (smallest order whose objects leave at most 1/4 of '
          'their whole pages unused, grown up to the generated order): %d classes exceed '
          '%.1f%% worst-case waste until their spans grow'
          % (len(runtime), rule))
    for w, t, size, fo, objs, span in sorted(runtime, reverse=True)[:8]:
        print('    %5d bytes: %d objects in a %d KiB first span, tail %.1f%%, worst case %.1f%%'
              % (size, objs, span >> 10, t, w))
    chunk = PAGE_SIZE << chunk_order
    print('  large objects (%d B .. %d KiB): whole pages, at most %.1f%% (%d bytes in %d pages)'
          % (MAX_SMALL + 1, chunk >> 10, 100.0 * (PAGE_SIZE - 1) / (MAX_SMALL + PAGE_SIZE),
             MAX_SMALL + 1, MAX_SMALL // PAGE_SIZE + 1))
    print('  objects above a chunk (%d KiB): a power-of-two page order, up to %.1f%% '
          '(%d bytes take %d KiB)' % (chunk >> 10, 100.0 * (chunk - PAGE_SIZE) / (2 * chunk),
                                       chunk + PAGE_SIZE, 2 * chunk >> 10))


def report(classes, path):
    sizes = [c['size'] for c in classes]
    rows = read_hist(path)
    tot = {'all': [0, 0, 0, 0], 'small': [0, 0, 0, 0]}    # requests, req, slub, spanalloc
    waste_by_size = []
    for req, slub, count in rows:
        if req <= 0:
            continue
        if req <= MAX_SMALL:
            ours = sizes[bisect.bisect_left(sizes, req, 1)]
            kinds = ('all', 'small')
            waste_by_size.append(((ours - req) * count, req, ours, slub, count))
        else:
            ours = -(-req // PAGE_SIZE) * PAGE_SIZE
            kinds = ('all',)
        for k in kinds:
            t = tot[k]
            t[0] += count
            t[1] += req * count
            t[2] += slub * count
            t[3] += ours * count

    def pct(alloc, req):
        return 100.0 * (alloc - req) / alloc if alloc else 0.0

    print('size classes: %d (including unused class 0), max span order %d'
          % (len(classes), max(c['order'] for c in classes)))
    print('trace: %s' % path)
    for k, label in (('all', 'all requests'), ('small', 'requests <= %d' % MAX_SMALL)):
        n, req, slub, ours = tot[k]
        print('%s (%d):' % (label, n))
        print('  requested bytes      %12d' % req)
        print('  SLUB bytes           %12d  rounding waste %6.2f%%' % (slub, pct(slub, req)))
        print('  spanalloc bytes      %12d  rounding waste %6.2f%%' % (ours, pct(ours, req)))
        if slub:
            print('  spanalloc / SLUB     %12.4f' % (ours / slub))
    print('largest spanalloc rounding waste by request size (small requests):')
    for waste, req, ours, slub, count in sorted(waste_by_size, reverse=True)[:10]:
        print('  %6d bytes x %5d -> class %5d (SLUB %5d): %8d bytes wasted'
              % (req, count, ours, slub, waste))


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--check', action='store_true',
                    help='compare with the checked-in files; exit 1 on drift')
    ap.add_argument('--report', nargs='?', const='', metavar='FILE',
                    help='print rounding waste on a kmalloc histogram (default %s, '
                    'relative to the repository)' % DEFAULT_HIST)
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

    try:
        classes, files = generate()
        if args.report is not None:
            path = args.report or os.path.join(root, DEFAULT_HIST)
            bounds(classes)
            report(classes, path)
            return 0
    except (GenError, OSError) as e:
        print('mksizeclasses: %s' % e, file=sys.stderr)
        return 1

    if args.check:
        drift = False
        for rel, text in files.items():
            path = os.path.join(root, rel)
            try:
                with open(path) as f:
                    old = f.read()
            except OSError as e:
                old = ''
                print('mksizeclasses: cannot read %s: %s' % (rel, e), file=sys.stderr)
            if old != text:
                drift = True
                sys.stdout.writelines(difflib.unified_diff(
                    old.splitlines(True), text.splitlines(True),
                    'a/' + rel, 'b/' + rel))
        if drift:
            print('mksizeclasses: checked-in size classes differ from the generator; '
                  'run scripts/gen/mksizeclasses.py and commit the result', file=sys.stderr)
            return 1
        return 0

    for rel, text in files.items():
        path = os.path.join(root, rel)
        tmp = path + '.tmp'
        with open(tmp, 'w') as f:
            f.write(text)
        os.replace(tmp, path)
    return 0


if __name__ == '__main__':
    sys.exit(main())
