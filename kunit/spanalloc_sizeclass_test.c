// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for spanalloc's generated size-class tables
 * (spanalloc/sizeclasses.[ch], from scripts/gen/mksizeclasses.py). Every invariant
 * the allocator relies on is recomputed here from the tables themselves;
 * nothing is copied from the generator.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <spanalloc.h>
#include "sizeclasses.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define SC_MIN_SIZE	8
#define SC_FINE_MAX	1024	/* sa_size_to_class8 covers sizes up to here */
#define SC_COARSE_STEP	128	/* sa_size_to_class128's granularity above it */

static bool sc_pow2(unsigned long x)
{
	return x && !(x & (x - 1));
}

static unsigned long sc_span_bytes(const struct sa_class *c)
{
	return PAGE_SIZE << c->span_order;
}

/* Sizes: class 0 unused, then strictly increasing from 8 to 32768. */
static void sizeclass_sizes(struct kunit *test)
{
	unsigned int i;

	KUNIT_EXPECT_EQ(test, sa_classes[0].size, 0);
	KUNIT_EXPECT_EQ(test, sa_classes[1].size, SC_MIN_SIZE);
	KUNIT_EXPECT_EQ(test, sa_classes[SA_NR_CLASSES - 1].size, SPANALLOC_MAX_SMALL_SIZE);
	KUNIT_EXPECT_LE(test, SA_NR_CLASSES, 255);
	KUNIT_EXPECT_EQ(test, sa_classes[SA_TINY_CLASS].size, SPANALLOC_TINY_MAX);
	for (i = 1; i < SA_NR_CLASSES; i++) {
		u32 size = sa_classes[i].size;

		KUNIT_EXPECT_GT_MSG(test, size, sa_classes[i - 1].size, "class %u", i);
		KUNIT_EXPECT_EQ_MSG(test, size % SC_MIN_SIZE, 0, "class %u", i);
		/* the 128-byte lookup table cannot tell finer sizes apart */
		if (size > SC_FINE_MAX)
			KUNIT_EXPECT_EQ_MSG(test, size % SC_COARSE_STEP, 0, "class %u", i);
	}
}

/* Every power of two from 8 to 32768 is a class. */
static void sizeclass_powers_of_two(struct kunit *test)
{
	unsigned int size, i;

	for (size = SC_MIN_SIZE; size <= SPANALLOC_MAX_SMALL_SIZE; size *= 2) {
		bool found = false;

		for (i = 1; i < SA_NR_CLASSES; i++)
			found |= sa_classes[i].size == size;
		KUNIT_EXPECT_TRUE_MSG(test, found, "no class of %u bytes", size);
	}
}

/* Spans: power-of-two pages up to SA_MAX_SPAN_ORDER, objs == span / size. */
static void sizeclass_spans(struct kunit *test)
{
	unsigned int i, max_order = 0;

	for (i = 1; i < SA_NR_CLASSES; i++) {
		const struct sa_class *c = &sa_classes[i];
		unsigned long span = sc_span_bytes(c);

		KUNIT_EXPECT_LE_MSG(test, c->span_order, SA_MAX_SPAN_ORDER, "class %u", i);
		KUNIT_EXPECT_TRUE_MSG(test, sc_pow2(span / PAGE_SIZE), "class %u", i);
		KUNIT_EXPECT_EQ_MSG(test, c->objs, span / c->size, "class %u", i);
		KUNIT_EXPECT_GE_MSG(test, c->objs, 1, "class %u", i);
		/* the tail left after the objects is at most 1/8 of the span */
		KUNIT_EXPECT_LE_MSG(test, (span - (unsigned long)c->objs * c->size) * 8, span,
				    "class %u", i);
		max_order = max_t(unsigned int, max_order, c->span_order);
	}
	KUNIT_EXPECT_EQ(test, max_order, SA_MAX_SPAN_ORDER);
}

/*
 * Worst-case waste, as in Go's mksizeclasses: a request one byte above the
 * previous class in every object, plus the span's tail, at most 12.5% of the
 * span. Classes below 64 bytes that sit 8 bytes above the previous class are
 * exempt (no finer class can exist with an 8-byte minimum size): only their
 * tail is limited, which sizeclass_spans checks.
 */
static void sizeclass_worst_waste(struct kunit *test)
{
	unsigned int i;

	for (i = 1; i < SA_NR_CLASSES; i++) {
		const struct sa_class *c = &sa_classes[i];
		u32 prev = sa_classes[i - 1].size;
		unsigned long span = sc_span_bytes(c);
		unsigned long objs = span / c->size;
		unsigned long tail = span - objs * c->size;
		unsigned long waste = (c->size - prev - 1) * objs + tail;

		if (c->size - prev == SC_MIN_SIZE && c->size < 64)
			continue;
		KUNIT_EXPECT_LE_MSG(test, waste * 8, span,
				    "class %u (%u bytes): worst-case waste %lu of %lu bytes",
				    i, c->size, waste, span);
	}
}

/* sa_size_class() gives the smallest class that fits, for every size. */
static void sizeclass_size_to_class(struct kunit *test)
{
	unsigned int size, want = 1, errors = 0;

	for (size = 1; size <= SPANALLOC_MAX_SMALL_SIZE; size++) {
		unsigned int got = sa_size_class(size);

		while (want < SA_NR_CLASSES && sa_classes[want].size < size)
			want++;
		if (got != want && errors++ < 8)
			KUNIT_FAIL(test, "size %u: class %u (%u bytes), want class %u (%u bytes)",
				   size, got, got < SA_NR_CLASSES ? sa_classes[got].size : 0,
				   want, sa_classes[want].size);
	}
	KUNIT_EXPECT_EQ(test, errors, 0);
	/* both tables are indexed for sizes exactly at their edges too */
	KUNIT_EXPECT_EQ(test, sa_classes[sa_size_to_class8[SC_FINE_MAX / 8]].size, SC_FINE_MAX);
	KUNIT_EXPECT_EQ(test,
			sa_classes[sa_size_to_class128[ARRAY_SIZE(sa_size_to_class128) - 1]].size,
			SPANALLOC_MAX_SMALL_SIZE);
}

/* (off * div_mul) >> 32 == off / size for every offset of every span. */
static void sizeclass_div_mul(struct kunit *test)
{
	unsigned int i;

	for (i = 1; i < SA_NR_CLASSES; i++) {
		const u32 size = sa_classes[i].size;
		const u32 mul = sa_classes[i].div_mul;
		const u32 span = sc_span_bytes(&sa_classes[i]);
		u32 off, idx = 0, next = size, bad = 0;

		for (off = 0; off < span; off++) {
			if (off == next) {
				idx++;
				next += size;
			}
			if ((u32)(((u64)off * mul) >> 32) != idx && bad++ == 0)
				KUNIT_FAIL(test, "class %u (%u bytes): offset %u gives %u, want %u",
					   i, size, off, (u32)(((u64)off * mul) >> 32), idx);
		}
		KUNIT_EXPECT_EQ_MSG(test, bad, 0, "class %u", i);
		cond_resched();
	}
}

/* Batches moved between a CPU cache and the central list. */
static void sizeclass_batch(struct kunit *test)
{
	unsigned int i;

	for (i = 1; i < SA_NR_CLASSES; i++) {
		const struct sa_class *c = &sa_classes[i];

		KUNIT_EXPECT_GE_MSG(test, c->batch, 2, "class %u", i);
		KUNIT_EXPECT_LE_MSG(test, c->batch, 64, "class %u", i);
		/* at most four spans' worth of objects per batch */
		KUNIT_EXPECT_LE_MSG(test, c->batch, 4 * c->objs, "class %u", i);
	}
}

/*
 * Alignment: a span is a buddy block, aligned to its own size, so the object
 * at offset j * size is aligned to the lowest set bit of j * size (to the span
 * size for j == 0). Power-of-two sizes must get natural alignment (kmalloc's
 * guarantee), every other size 8 bytes.
 */
static void sizeclass_alignment(struct kunit *test)
{
	unsigned int i, j;

	for (i = 1; i < SA_NR_CLASSES; i++) {
		const struct sa_class *c = &sa_classes[i];
		unsigned long span = sc_span_bytes(c);
		unsigned long want = sc_pow2(c->size) ? c->size : SC_MIN_SIZE;

		for (j = 0; j < c->objs; j++) {
			unsigned long off = (unsigned long)j * c->size;
			unsigned long got = off ? min(span, off & -off) : span;

			if (got < want) {
				KUNIT_FAIL(test, "class %u (%u bytes): object %u %lu-byte aligned",
					   i, c->size, j, got);
				break;
			}
		}
	}
}

static struct kunit_case sizeclass_cases[] = {
	KUNIT_CASE(sizeclass_sizes),
	KUNIT_CASE(sizeclass_powers_of_two),
	KUNIT_CASE(sizeclass_spans),
	KUNIT_CASE(sizeclass_worst_waste),
	KUNIT_CASE(sizeclass_size_to_class),
	KUNIT_CASE(sizeclass_div_mul),
	KUNIT_CASE(sizeclass_batch),
	KUNIT_CASE(sizeclass_alignment),
	{}
};

static struct kunit_suite sizeclass_suite = {
	.name = "spanalloc_sizeclass",
	.test_cases = sizeclass_cases,
};

kunit_test_suite(sizeclass_suite);

MODULE_DESCRIPTION("KUnit tests for spanalloc's size-class tables");
MODULE_LICENSE("GPL");
