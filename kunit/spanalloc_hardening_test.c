// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for what a buggy caller or the kernel must not break (issue
 * 10): delayed double frees, stale bytes of tiny objects, corrupted free
 * lists and the counters after them, zone modifiers, __GFP_NOFAIL, pieces
 * smaller than a chunk, and the gfp rules for metadata. Each case failed on
 * the code before its fix (cb4716b).
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/sort.h>
#include "sa_test.h"

/* Run @stmt with refused frees and requests counted but not WARNed. */
#define QUIET(stmt)						\
	do {							\
		WRITE_ONCE(sa_report_bad_frees, false);		\
		stmt;						\
		WRITE_ONCE(sa_report_bad_frees, true);		\
	} while (0)

/* Objects of @obj's span out of it (cached or live). */
static unsigned int span_inuse(void *obj)
{
	return READ_ONCE(sa_span_of(obj)->inuse);
}

static int cmp_ptr(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/*
 * The reviewer's case: y stays live, x is freed and drained to its span,
 * then freed again. Before: accepted (x was no longer on top of the
 * stack), x linked to itself, inuse off by one and x handed out twice.
 */
static void delayed_double_free_after_drain(struct kunit *test)
{
	struct spanalloc_memstats ms;
	unsigned int i, n, inuse;
	void *x, *y, **objs;

	migrate_disable();
	y = spanalloc_alloc(64, GFP_KERNEL);
	x = spanalloc_alloc(64, GFP_KERNEL);
	migrate_enable();
	KUNIT_ASSERT_NOT_NULL(test, x);
	KUNIT_ASSERT_NOT_NULL(test, y);
	KUNIT_ASSERT_PTR_EQ(test, sa_span_of(x), sa_span_of(y));
	spanalloc_free(x);
	spanalloc_drain();
	inuse = span_inuse(y);
	KUNIT_EXPECT_EQ(test, inuse, 1);
	ms = sa_test_stats();
	QUIET(spanalloc_free(x));
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, ms.bad_frees + 1);
	KUNIT_EXPECT_EQ(test, sa_test_stats().frees, ms.frees);
	KUNIT_EXPECT_EQ(test, sa_test_stats().live_objects, ms.live_objects);
	spanalloc_drain();
	KUNIT_EXPECT_EQ(test, span_inuse(y), inuse);

	/* Every object of the span comes out once, x among them, none twice. */
	n = sa_span_of(y)->objs;
	objs = kunit_kcalloc(test, 2 * n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (i = 0; i < 2 * n; i++) {
		objs[i] = spanalloc_alloc(64, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	sort(objs, 2 * n, sizeof(void *), cmp_ptr, NULL);
	for (i = 1; i < 2 * n; i++)
		KUNIT_EXPECT_PTR_NE(test, objs[i], objs[i - 1]);
	for (i = 0; i < 2 * n; i++)
		spanalloc_free(objs[i]);
	spanalloc_free(y);
}

/* A second free while the first is still in the CPU cache, not on top. */
static void delayed_double_free_in_cache(struct kunit *test)
{
	struct spanalloc_memstats ms;
	void *x, *z, *a, *b, *c;

	migrate_disable();
	x = spanalloc_alloc(96, GFP_KERNEL);
	z = spanalloc_alloc(96, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x);
	KUNIT_ASSERT_NOT_NULL(test, z);
	spanalloc_free(x);
	spanalloc_free(z);
	ms = sa_test_stats();
	QUIET(spanalloc_free(x));
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, ms.bad_frees + 1);
	KUNIT_EXPECT_EQ(test, sa_test_stats().frees, ms.frees);
	/* The cache holds z and x once each: three allocations, three objects. */
	a = spanalloc_alloc(96, GFP_KERNEL);
	b = spanalloc_alloc(96, GFP_KERNEL);
	c = spanalloc_alloc(96, GFP_KERNEL);
	migrate_enable();
	KUNIT_EXPECT_PTR_NE(test, a, b);
	KUNIT_EXPECT_PTR_NE(test, b, c);
	KUNIT_EXPECT_PTR_NE(test, a, c);
	spanalloc_free(a);
	spanalloc_free(b);
	spanalloc_free(c);
}

/* A bulk free that names one object twice frees it once. */
static void double_free_within_bulk(struct kunit *test)
{
	struct spanalloc_memstats ms;
	void *ptrs[4], *a, *b;

	a = spanalloc_alloc(128, GFP_KERNEL);
	b = spanalloc_alloc(128, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	ptrs[0] = a;
	ptrs[1] = b;
	ptrs[2] = a;
	ptrs[3] = NULL;
	ms = sa_test_stats();
	QUIET(spanalloc_free_bulk(4, ptrs));
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, ms.bad_frees + 1);
	KUNIT_EXPECT_EQ(test, sa_test_stats().frees, ms.frees + 2);
}

/*
 * The central list's own checks, for a double free that got past the
 * free tag (the caller overwrote the freed object's first word): the
 * object is the head of its span's free list, then its span is wholly free.
 */
static void central_refuses_what_it_holds(struct kunit *test)
{
	unsigned int cls = sa_size_class(512);
	struct sa_central_stats cs;
	u64 bad = sa_test_stats().bad_frees, frees = sa_test_stats().frees;
	void *objs[2];

	KUNIT_ASSERT_EQ(test, sa_central_fetch(cls, objs, 2, GFP_KERNEL), 2);
	sa_central_return(cls, objs, 1);
	QUIET(sa_central_return(cls, objs, 1));	/* the head of the free list */
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, bad + 1);
	/* Counted in no free: the cache's count of it is taken back. */
	KUNIT_EXPECT_EQ(test, sa_test_stats().frees, frees - 1);
	sa_central_read_stats(cls, &cs);
	KUNIT_EXPECT_EQ(test, cs.inuse_objs, 1);
	KUNIT_EXPECT_EQ(test, cs.free_objs, sa_central_recount(cls));
	sa_central_return(cls, objs + 1, 1);
	/* Kept as the class's empty span (keep_empty_spans=1), not released. */
	KUNIT_ASSERT_EQ(test, sa_central_nr_spans(cls, SA_LIST_ALL_FREE), 1);
	QUIET(sa_central_return(cls, objs + 1, 1));	/* wholly free span */
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, bad + 2);
	sa_central_read_stats(cls, &cs);
	KUNIT_EXPECT_EQ(test, cs.inuse_objs, 0);
	KUNIT_EXPECT_EQ(test, cs.free_objs, sa_central_recount(cls));
	/*
	 * These objects came from the central list directly, not through a
	 * cache that counted their frees: put the per-CPU counter back as a
	 * cache's frees would have left it, and the slow-path balance so the
	 * allocations derived from both (sa_cpu_cls_mallocs()) do not move.
	 */
	this_cpu_add(sa_cpus->stats.cls_frees[cls], 2);
	this_cpu_sub(sa_cpus->stats.cls_bal[cls], 2);
}

/*
 * Defect 6: after a corrupted link, the central counters equal a recount
 * and the dropped objects are counted as lost.
 */
static void corrupted_link_counters_match_recount(struct kunit *test)
{
	unsigned int cls = sa_size_class(64);
	struct spanalloc_memstats ms = sa_test_stats();
	struct sa_central_stats cs;
	void *objs[8], *got;
	int i;

	KUNIT_ASSERT_EQ(test, sa_central_fetch(cls, objs, 8, GFP_KERNEL), 8);
	for (i = 0; i < 8; i++)
		sa_central_return(cls, objs + i, 1);
	/* objs[7] heads the list; a write after free hits its link. */
	*(unsigned long *)objs[7] ^= 0x5a5a5a5a5a5aUL;
	QUIET(KUNIT_EXPECT_EQ(test, sa_central_fetch(cls, &got, 1, GFP_KERNEL), 1));
	KUNIT_EXPECT_PTR_EQ(test, got, objs[7]);
	sa_central_read_stats(cls, &cs);
	KUNIT_EXPECT_EQ(test, cs.free_objs, sa_central_recount(cls));
	KUNIT_EXPECT_EQ(test, sa_test_stats().corruptions, ms.corruptions + 1);
	KUNIT_EXPECT_EQ(test, sa_test_stats().lost_objects, ms.lost_objects + 7);
	/* The next objects are fresh ones, never the dropped seven. */
	for (i = 0; i < 7; i++) {
		void *o;

		KUNIT_ASSERT_EQ(test, sa_central_fetch(cls, &o, 1, GFP_KERNEL), 1);
		KUNIT_EXPECT_TRUE(test, o != objs[0] && o != objs[1] && o != objs[2] &&
				  o != objs[3] && o != objs[4] && o != objs[5] && o != objs[6]);
		sa_central_return(cls, &o, 1);
	}
	sa_central_return(cls, &got, 1);
	sa_central_read_stats(cls, &cs);
	KUNIT_EXPECT_EQ(test, cs.free_objs, sa_central_recount(cls));
	KUNIT_EXPECT_EQ(test, cs.inuse_objs, 0);
}

/*
 * Defect 4: a tiny object's usable bytes and an in-place realloc never
 * show a freed neighbour's bytes, nor the block's old free-list link.
 */
static void tiny_neighbour_bytes_do_not_leak(struct kunit *test)
{
	u8 *a, *b, *r;
	size_t us, i;

	migrate_disable();
	spanalloc_drain();	/* a fresh block for a and b */
	a = spanalloc_alloc_tiny(4, GFP_KERNEL);
	b = spanalloc_alloc_tiny(4, GFP_KERNEL);
	migrate_enable();
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_PTR_EQ(test, b, a + 4);
	memset(a, 0x11, 4);
	memset(b, 0xaa, 4);
	spanalloc_free(b);
	us = spanalloc_usable_size(a);
	KUNIT_EXPECT_GE(test, us, 8);
	for (i = 4; i < us; i++)
		KUNIT_EXPECT_EQ_MSG(test, a[i], 0, "usable byte %zu of a", i);
	r = spanalloc_realloc(a, 8, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, r);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, r[i], 0x11);
	for (i = 4; i < 8; i++)
		KUNIT_EXPECT_EQ_MSG(test, r[i], 0, "realloc byte %zu", i);
	spanalloc_free(r);
}

/* Padding before an aligned tiny object holds no stale link bytes. */
static void tiny_padding_is_zero(struct kunit *test)
{
	unsigned int round, i;
	u8 *a, *b;

	for (round = 0; round < 2; round++) {
		migrate_disable();
		spanalloc_drain();
		a = spanalloc_alloc_tiny(1, GFP_KERNEL);
		b = spanalloc_alloc_tiny(8, GFP_KERNEL);
		migrate_enable();
		KUNIT_ASSERT_NOT_NULL(test, a);
		KUNIT_ASSERT_PTR_EQ(test, b, a + 8);
		KUNIT_EXPECT_EQ(test, spanalloc_usable_size(a), 8);
		for (i = 1; i < 8; i++)
			KUNIT_EXPECT_EQ_MSG(test, a[i], 0, "round %u byte %u", round, i);
		memset(a, 0xcc, spanalloc_usable_size(a));
		memset(b, 0xcc, 8);
		spanalloc_free(b);
		spanalloc_free(a);
	}
}

/* usable_size and realloc of a freed small object: 0 and NULL. */
static void freed_object_has_no_size(struct kunit *test)
{
	struct spanalloc_memstats ms;
	void *p;

	migrate_disable();
	p = spanalloc_alloc(200, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	spanalloc_free(p);
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(p), 0);
	ms = sa_test_stats();
	QUIET(KUNIT_EXPECT_NULL(test, spanalloc_realloc(p, 300, GFP_KERNEL)));
	migrate_enable();
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, ms.bad_frees + 1);
	KUNIT_EXPECT_EQ(test, sa_test_stats().mallocs, ms.mallocs);
}

/* Defect 8: zone modifiers are refused at every size, counted, NULL. */
static void zone_modifiers_refused(struct kunit *test)
{
	static const gfp_t zones[] = { __GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM };
	static const size_t sizes[] = { 4, 64, 4096, 65536, 4 << 20 };
	struct spanalloc_memstats ms = sa_test_stats();
	void *ptrs[2];
	unsigned int z, s, n = 0;

	WRITE_ONCE(sa_report_bad_frees, false);
	for (z = 0; z < ARRAY_SIZE(zones); z++) {
		for (s = 0; s < ARRAY_SIZE(sizes); s++, n++)
			KUNIT_EXPECT_NULL(test, spanalloc_alloc(sizes[s], GFP_KERNEL | zones[z]));
		KUNIT_EXPECT_NULL(test, spanalloc_alloc_tiny(3, GFP_KERNEL | zones[z]));
		KUNIT_EXPECT_EQ(test, spanalloc_alloc_bulk(64, GFP_KERNEL | zones[z], 2, ptrs), 0);
		n += 2;
	}
	WRITE_ONCE(sa_report_bad_frees, true);
	KUNIT_EXPECT_EQ(test, sa_test_stats().refused_allocs, ms.refused_allocs + n);
	KUNIT_EXPECT_EQ(test, sa_test_stats().mallocs, ms.mallocs);
}

/* gfp_t is a sparse bitwise type: compare the bits. */
#define GFP_EQ(test, got, want) \
	KUNIT_EXPECT_EQ(test, (__force unsigned long)(got), (__force unsigned long)(want))

/* Defect 8: metadata flags come from the caller's reclaim bits only. */
static void metadata_gfp_is_reclaim_bits_only(struct kunit *test)
{
	GFP_EQ(test, sa_meta_gfp(GFP_KERNEL | __GFP_ACCOUNT | __GFP_ZERO | __GFP_COMP),
	       GFP_KERNEL | __GFP_NOWARN);
	GFP_EQ(test, sa_meta_gfp(GFP_ATOMIC | __GFP_ACCOUNT), GFP_ATOMIC | __GFP_NOWARN);
	GFP_EQ(test, sa_meta_gfp(GFP_NOWAIT), GFP_NOWAIT | __GFP_NOWARN);
	GFP_EQ(test, sa_meta_gfp(GFP_KERNEL | __GFP_NOFAIL),
	       GFP_KERNEL | __GFP_NOFAIL | __GFP_NOWARN);
	GFP_EQ(test, sa_page_gfp(GFP_KERNEL | __GFP_NOFAIL | __GFP_ACCOUNT | __GFP_ZERO),
	       GFP_KERNEL | __GFP_NOFAIL);
}

/*
 * Defect 3: a caller that cannot sleep makes the heap grow by what its
 * span needs (one page), not a 2 MiB chunk; a piece is given back whole.
 */
static void nowait_grows_by_the_span_only(struct kunit *test)
{
	struct sa_heap_stats before, after;

	sa_heap_read_stats(&before);
	KUNIT_ASSERT_EQ(test, before.idle, 0);	/* drained by the case's init */
	KUNIT_ASSERT_EQ(test, sa_heap_grow(0, GFP_NOWAIT), 0);
	sa_heap_read_stats(&after);
	KUNIT_EXPECT_EQ(test, after.sys - before.sys, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, after.pieces, before.pieces + 1);
	KUNIT_EXPECT_EQ(test, after.idle, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, sa_heap_release_free(0, 0), PAGE_SIZE);
	sa_heap_read_stats(&after);
	KUNIT_EXPECT_EQ(test, after.sys, before.sys);
	KUNIT_EXPECT_EQ(test, after.pieces, before.pieces);
}

/* Atomic refills grow the heap by exactly their span's order. */
static void atomic_pieces_match_the_span(struct kunit *test)
{
	unsigned int cls;

	for (cls = 1; cls < SA_NR_CLASSES && sa_classes[cls].size <= PAGE_SIZE; cls++) {
		void *objs[2];
		struct sa_span *span;
		struct sa_chunk *ch;

		/* GFP_ATOMIC: pieces of exactly the span's order. */
		KUNIT_ASSERT_GE(test, sa_central_fetch(cls, objs, 1, GFP_ATOMIC), 1);
		span = sa_span_of(objs[0]);
		ch = sa_span_chunk(span);
		KUNIT_EXPECT_EQ_MSG(test, ch->piece_order[sa_lpn(span->base) - ch->lpn],
				    span->order, "class %u", sa_classes[cls].size);
		sa_central_return(cls, objs, 1);
	}
	spanalloc_drain();
}

/* Defect 2: __GFP_NOFAIL reaches the page allocator. */
static void nofail_allocates(struct kunit *test)
{
	static const size_t sizes[] = { 3, 64, 4096, 32768, 65536 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *p = sizes[i] <= SPANALLOC_TINY_MAX ?
			spanalloc_alloc_tiny(sizes[i], GFP_KERNEL | __GFP_NOFAIL) :
			spanalloc_alloc(sizes[i], GFP_KERNEL | __GFP_NOFAIL);

		KUNIT_EXPECT_NOT_NULL(test, p);
		spanalloc_free(p);
	}
	KUNIT_EXPECT_TRUE(test, sa_page_gfp(GFP_KERNEL | __GFP_NOFAIL) & __GFP_NOFAIL);
}

/* Defect 9: one address formula; the span of every page of a span. */
static void address_lookup_one_formula(struct kunit *test)
{
	struct sa_span *span = sa_heap_alloc_span(4, SA_SPAN_SMALL, GFP_KERNEL);
	struct sa_chunk *ch;
	unsigned int i;
	void *base;

	KUNIT_ASSERT_NOT_NULL(test, span);
	ch = sa_span_chunk(span);
	base = span->base;
	KUNIT_EXPECT_EQ(test, ch->lpn, sa_lpn(base) & ~((1UL << sa_chunk_order) - 1));
	KUNIT_EXPECT_PTR_EQ(test, sa_lpn_addr(sa_lpn(base)), base);
	KUNIT_EXPECT_PTR_EQ(test, virt_to_page(sa_lpn_addr(ch->lpn + sa_lpn(base) - ch->lpn)),
			    virt_to_page(base));
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_PTR_EQ(test, sa_span_of(base + i * PAGE_SIZE + 8), span);
	sa_heap_free_span(span);
	KUNIT_EXPECT_NULL(test, sa_span_of(base));
	KUNIT_EXPECT_NULL(test, sa_span_of(ch));
}

static struct kunit_case hardening_cases[] = {
	KUNIT_CASE(delayed_double_free_after_drain),
	KUNIT_CASE(delayed_double_free_in_cache),
	KUNIT_CASE(double_free_within_bulk),
	KUNIT_CASE(central_refuses_what_it_holds),
	KUNIT_CASE(corrupted_link_counters_match_recount),
	KUNIT_CASE(tiny_neighbour_bytes_do_not_leak),
	KUNIT_CASE(tiny_padding_is_zero),
	KUNIT_CASE(freed_object_has_no_size),
	KUNIT_CASE(zone_modifiers_refused),
	KUNIT_CASE(metadata_gfp_is_reclaim_bits_only),
	KUNIT_CASE(nowait_grows_by_the_span_only),
	KUNIT_CASE(atomic_pieces_match_the_span),
	KUNIT_CASE(nofail_allocates),
	KUNIT_CASE(address_lookup_one_formula),
	{}
};

static struct kunit_suite hardening_suite = {
	.name = "spanalloc_hardening",
	.init = sa_test_case_init,
	.exit = sa_test_case_exit,
	.test_cases = hardening_cases,
};

kunit_test_suite(hardening_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for spanalloc's hardening against caller bugs and fragmentation");
