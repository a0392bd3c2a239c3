// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the page heap (spanalloc/page_heap.c): buddy splitting
 * and coalescing, natural alignment, chunk release, large objects with the
 * trimmed tail, direct objects, refused sizes and foreign pointers.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include "sa_test.h"

static struct sa_heap_stats heap(void)
{
	struct sa_heap_stats hs;

	sa_heap_read_stats(&hs);
	return hs;
}

static void buddy_split_and_coalesce(struct kunit *test)
{
	unsigned long chunk = PAGE_SIZE << sa_chunk_order;
	struct sa_heap_stats hs;
	struct sa_span *span;
	unsigned int o;

	hs = heap();
	KUNIT_ASSERT_EQ(test, hs.sys, 0);
	span = sa_heap_alloc_span(1, SA_SPAN_SMALL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, span);
	hs = heap();
	KUNIT_EXPECT_EQ(test, hs.chunks, 1);
	KUNIT_EXPECT_EQ(test, hs.sys, chunk);
	KUNIT_EXPECT_EQ(test, hs.idle, chunk - PAGE_SIZE);
	/* One page cut from a chunk leaves one free block of every lower order. */
	for (o = 0; o < sa_chunk_order; o++)
		KUNIT_EXPECT_EQ_MSG(test, hs.free_blocks[o], 1, "order %u", o);
	KUNIT_EXPECT_EQ(test, hs.free_blocks[sa_chunk_order], 0);
	KUNIT_EXPECT_PTR_EQ(test, sa_span_of(span->base), span);
	KUNIT_EXPECT_PTR_EQ(test, sa_span_of(span->base + PAGE_SIZE - 1), span);
	KUNIT_EXPECT_NULL(test, sa_span_of(span->base + PAGE_SIZE));

	sa_heap_free_span(span);
	hs = heap();
	/* Everything coalesced back into one chunk-sized block. */
	for (o = 0; o < sa_chunk_order; o++)
		KUNIT_EXPECT_EQ_MSG(test, hs.free_blocks[o], 0, "order %u", o);
	KUNIT_EXPECT_EQ(test, hs.free_blocks[sa_chunk_order], 1);
	KUNIT_EXPECT_EQ(test, hs.idle, chunk);
}

static void buddy_natural_alignment(struct kunit *test)
{
	struct sa_span *spans[5];
	unsigned int o;

	for (o = 0; o < ARRAY_SIZE(spans); o++) {
		spans[o] = sa_heap_alloc_span(1U << o, SA_SPAN_SMALL, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, spans[o]);
		KUNIT_EXPECT_EQ_MSG(test, (unsigned long)spans[o]->base & ((PAGE_SIZE << o) - 1),
				    0, "order %u", o);
		KUNIT_EXPECT_EQ(test, spans[o]->order, o);
	}
	for (o = 0; o < ARRAY_SIZE(spans); o++)
		sa_heap_free_span(spans[o]);
}

static void chunk_release(struct kunit *test)
{
	u64 released = heap().released;
	struct sa_span *span;

	span = sa_heap_alloc_span(2, SA_SPAN_SMALL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, span);
	/* A chunk with a live span is not released. */
	KUNIT_EXPECT_EQ(test, sa_heap_release_free(0, 0), 0);
	KUNIT_EXPECT_EQ(test, heap().chunks, 1);
	sa_heap_free_span(span);
	/* keep = 1 keeps the now free chunk, keep = 0 gives it back. */
	KUNIT_EXPECT_EQ(test, sa_heap_release_free(1, 0), 0);
	KUNIT_EXPECT_EQ(test, sa_heap_release_free(0, 0), PAGE_SIZE << sa_chunk_order);
	KUNIT_EXPECT_EQ(test, heap().chunks, 0);
	KUNIT_EXPECT_EQ(test, heap().sys, 0);
	KUNIT_EXPECT_EQ(test, heap().released - released, PAGE_SIZE << sa_chunk_order);
}

static void large_object_trims_tail(struct kunit *test)
{
	struct spanalloc_memstats ms;
	struct sa_heap_stats hs;
	char *p;

	/* 68 KiB takes 17 pages, not 32; the other 15 stay free in the heap. */
	p = spanalloc_alloc(68 * 1024, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(p), 17 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, (unsigned long)p & (PAGE_SIZE - 1), 0);
	ms = sa_test_stats();
	KUNIT_EXPECT_EQ(test, ms.heap_inuse, 17 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ms.heap_alloc, 17 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ms.large_bytes, 17 * PAGE_SIZE);
	hs = heap();
	KUNIT_EXPECT_EQ(test, hs.large, 1);
	/* 15 tail pages = 8 + 4 + 2 + 1 */
	KUNIT_EXPECT_EQ(test, hs.free_blocks[0], 1);
	KUNIT_EXPECT_EQ(test, hs.free_blocks[3], 1);
	memset(p, 0x5a, 68 * 1024);
	/* Interior pointers are refused, the object stays intact. */
	WRITE_ONCE(sa_report_bad_frees, false);
	spanalloc_free(p + PAGE_SIZE);
	WRITE_ONCE(sa_report_bad_frees, true);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, ms.bad_frees + 1);
	KUNIT_EXPECT_EQ(test, p[68 * 1024 - 1], 0x5a);
	spanalloc_free(p);
	ms = sa_test_stats();
	KUNIT_EXPECT_EQ(test, ms.heap_inuse, 0);
	KUNIT_EXPECT_EQ(test, ms.large_bytes, 0);
	KUNIT_EXPECT_EQ(test, heap().large, 0);
}

static void large_double_free_refused(struct kunit *test)
{
	void *p = spanalloc_alloc(40 * 1024, GFP_KERNEL);
	u64 bad;

	KUNIT_ASSERT_NOT_NULL(test, p);
	spanalloc_free(p);
	bad = sa_test_stats().bad_frees;
	WRITE_ONCE(sa_report_bad_frees, false);
	spanalloc_free(p);
	WRITE_ONCE(sa_report_bad_frees, true);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, bad + 1);
	KUNIT_EXPECT_EQ(test, sa_test_stats().heap_inuse, 0);
}

static void direct_objects(struct kunit *test)
{
	size_t size = (PAGE_SIZE << sa_chunk_order) + 1;
	struct spanalloc_memstats ms;
	u8 *p;

	p = spanalloc_alloc(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(p), PAGE_SIZE << get_order(size));
	KUNIT_EXPECT_EQ(test, heap().direct, 1);
	ms = sa_test_stats();
	KUNIT_EXPECT_EQ(test, ms.heap_sys, PAGE_SIZE << get_order(size));
	KUNIT_EXPECT_EQ(test, ms.heap_inuse, ms.heap_sys);
	p[size - 1] = 1;
	KUNIT_EXPECT_PTR_EQ(test, sa_span_of(p + size - 1), sa_span_of(p));
	spanalloc_free(p);
	KUNIT_EXPECT_EQ(test, heap().direct, 0);
	KUNIT_EXPECT_EQ(test, sa_test_stats().heap_sys, 0);

	/* Beyond the largest order: NULL, no warning with __GFP_NOWARN. */
	KUNIT_EXPECT_NULL(test, spanalloc_alloc(PAGE_SIZE << (MAX_PAGE_ORDER + 1),
						GFP_KERNEL | __GFP_NOWARN));
	KUNIT_EXPECT_NULL(test, spanalloc_alloc(SIZE_MAX, GFP_KERNEL | __GFP_NOWARN));
}

static void foreign_pointers(struct kunit *test)
{
	u64 bad = sa_test_stats().bad_frees;
	char *k = kmalloc(64, GFP_KERNEL);
	static char on_data[16];

	KUNIT_ASSERT_NOT_NULL(test, k);
	strscpy(k, "still here", 64);
	KUNIT_EXPECT_NULL(test, sa_span_of(k));
	KUNIT_EXPECT_NULL(test, sa_span_of(on_data));
	WRITE_ONCE(sa_report_bad_frees, false);
	spanalloc_free(k);
	spanalloc_free(on_data);
	WRITE_ONCE(sa_report_bad_frees, true);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, bad + 2);
	KUNIT_EXPECT_STREQ(test, k, "still here");
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(k), 0);
	kfree(k);
}

/*
 * The address table covers RAM, wherever the linear map puts it: not the
 * linear map from PAGE_OFFSET. arm64 maps RAM far above PAGE_OFFSET (a
 * 52-bit-VA kernel on a CPU without LPA2: 2^52 - 2^48 bytes; KASLR's
 * linear-map randomization: up to the linear region's size), where a table
 * from PAGE_OFFSET would need terabytes of entries.
 */
static void map_covers_ram_not_page_offset(struct kunit *test)
{
	unsigned long lo = ULONG_MAX, hi = 0, first;
	int nid;
	void *p;

	for_each_online_node(nid) {
		if (!node_spanned_pages(nid))
			continue;
		lo = min(lo, node_start_pfn(nid));
		hi = max(hi, node_end_pfn(nid));
	}
	KUNIT_ASSERT_LT(test, lo, hi);
	first = round_down(lo, 1UL << MAX_PAGE_ORDER);
	kunit_info(test, "RAM pfns %#lx-%#lx, %lu GiB above PAGE_OFFSET; table of %lu chunks",
		   lo, hi, ((unsigned long)__va(PFN_PHYS(lo)) - PAGE_OFFSET) >> 30, sa_map_len);
	KUNIT_EXPECT_LE(test, sa_map_len, DIV_ROUND_UP(hi - first, 1UL << sa_chunk_order));
	/* RAM's first page is in the table's first block of pages. */
	KUNIT_EXPECT_LT(test, sa_lpn(__va(PFN_PHYS(lo))), 1UL << MAX_PAGE_ORDER);
	p = spanalloc_alloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_LT(test, sa_lpn(p) >> sa_chunk_order, sa_map_len);
	KUNIT_EXPECT_PTR_EQ(test, sa_lpn_addr(sa_lpn(p)), PTR_ALIGN_DOWN(p, PAGE_SIZE));
	spanalloc_free(p);
}

static void scavenger_returns_idle_memory(struct kunit *test)
{
	struct spanalloc_memstats ms;
	unsigned int i, n = 3072;
	unsigned long t0;
	void **p;

	p = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < n; i++) {
		p[i] = spanalloc_alloc(1024, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	for (i = 0; i < n; i++)
		spanalloc_free(p[i]);
	ms = sa_test_stats();
	KUNIT_EXPECT_GE(test, ms.heap_sys, (u64)n * 1024);
	/* Quiet now: within two periods (1 s each) everything is back. */
	t0 = jiffies;
	sa_scavenger_pause(false);
	while (sa_test_stats().heap_sys && time_before(jiffies, t0 + 5 * HZ))
		msleep(50);
	sa_scavenger_pause(true);
	kunit_info(test, "scavenged in %u ms", jiffies_to_msecs(jiffies - t0));
	KUNIT_EXPECT_LE(test, jiffies_to_msecs(jiffies - t0), 2500);
	KUNIT_EXPECT_EQ(test, sa_test_stats().heap_sys, 0);
	KUNIT_EXPECT_GE(test, sa_test_stats().heap_released - ms.heap_released, (u64)n * 1024);
	KUNIT_EXPECT_EQ(test, sa_test_stats().cpu_cached_bytes, 0);
}

static struct kunit_case page_heap_cases[] = {
	KUNIT_CASE(buddy_split_and_coalesce),
	KUNIT_CASE(buddy_natural_alignment),
	KUNIT_CASE(chunk_release),
	KUNIT_CASE(large_object_trims_tail),
	KUNIT_CASE(large_double_free_refused),
	KUNIT_CASE(direct_objects),
	KUNIT_CASE(foreign_pointers),
	KUNIT_CASE(map_covers_ram_not_page_offset),
	KUNIT_CASE_SLOW(scavenger_returns_idle_memory),
	{}
};

static struct kunit_suite page_heap_suite = {
	.name = "spanalloc_page_heap",
	.init = sa_test_case_init,
	.exit = sa_test_case_exit,
	.test_cases = page_heap_cases,
};

kunit_test_suite(page_heap_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for spanalloc's buddy page heap");
