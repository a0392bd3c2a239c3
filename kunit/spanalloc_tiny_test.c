// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the tiny allocator (spanalloc/tiny.c): packing and
 * alignment inside 16-byte blocks, usable size, block reuse once every
 * sub-object is freed, double and interior frees refused.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include "sa_test.h"
#include "transfer.h"

#define BLOCK(p)	((unsigned long)(p) & ~(unsigned long)(SA_TINY_BLOCK - 1))

static void packs_into_one_block(struct kunit *test)
{
	u64 tiny0 = sa_test_stats().tiny_allocs;
	u8 *p[4];
	unsigned int i;

	migrate_disable();
	/* Start a fresh block: close whatever this CPU had open. */
	spanalloc_drain();
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = spanalloc_alloc_tiny(4, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		KUNIT_EXPECT_EQ(test, (unsigned long)p[i] & 3, 0);
	}
	migrate_enable();
	/* Four 4-byte objects fill exactly one 16-byte block. */
	for (i = 1; i < ARRAY_SIZE(p); i++) {
		KUNIT_EXPECT_EQ(test, BLOCK(p[i]), BLOCK(p[0]));
		KUNIT_EXPECT_PTR_EQ(test, p[i], p[i - 1] + 4);
	}
	for (i = 0; i < ARRAY_SIZE(p); i++)
		memset(p[i], i + 1, 4);
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		KUNIT_EXPECT_EQ(test, p[i][0], i + 1);
		KUNIT_EXPECT_EQ(test, p[i][3], i + 1);
	}
	/* One object's usable size never reaches into its neighbour. */
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(p[0]), 4);
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(p[3]), 4);
	/* Exactly these four were counted as tiny allocations. */
	KUNIT_EXPECT_EQ(test, sa_test_stats().tiny_allocs - tiny0, 4);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		spanalloc_free(p[i]);
}

static void alignment_follows_size(struct kunit *test)
{
	u8 *a, *b, *c, *d;

	migrate_disable();
	spanalloc_drain();
	a = spanalloc_alloc_tiny(3, GFP_KERNEL);	/* align 1: offset 0 */
	b = spanalloc_alloc_tiny(8, GFP_KERNEL);	/* align 8: offset 8 */
	c = spanalloc_alloc_tiny(2, GFP_KERNEL);	/* no room: next block */
	d = spanalloc_alloc_tiny(6, GFP_KERNEL);	/* align 2: offset 2 */
	migrate_enable();
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_EXPECT_EQ(test, (unsigned long)a & 15, 0);
	KUNIT_EXPECT_PTR_EQ(test, b, a + 8);
	KUNIT_EXPECT_NE(test, BLOCK(c), BLOCK(a));
	KUNIT_EXPECT_PTR_EQ(test, d, c + 2);
	/* a may use the padding up to b, no more. */
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(a), 8);
	/* The first block is closed: b reaches its end. */
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(b), 8);
	/* d is the last object of the open block: exactly its size. */
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(d), 6);
	spanalloc_free(a);
	spanalloc_free(b);
	spanalloc_free(c);
	spanalloc_free(d);
}

static void block_returns_when_all_freed(struct kunit *test)
{
	u64 frees_before;
	u8 *p[8];
	unsigned int i;

	migrate_disable();
	spanalloc_drain();
	frees_before = SA_CPU_SUM(cls_frees[SA_CLASS_TINY]);
	/* Two blocks of 8-byte objects; the first is closed by the third. */
	for (i = 0; i < 3; i++) {
		p[i] = spanalloc_alloc_tiny(8, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	migrate_enable();
	KUNIT_EXPECT_EQ(test, BLOCK(p[1]), BLOCK(p[0]));
	KUNIT_EXPECT_NE(test, BLOCK(p[2]), BLOCK(p[0]));
	spanalloc_free(p[0]);
	/* One sub-object still live: the block stays. */
	KUNIT_EXPECT_EQ(test, SA_CPU_SUM(cls_frees[SA_CLASS_TINY]), frees_before);
	spanalloc_free(p[1]);
	/* Both freed and the block closed: it went back to its class. */
	KUNIT_EXPECT_EQ(test, SA_CPU_SUM(cls_frees[SA_CLASS_TINY]), frees_before + 1);
	/* The open block goes back only when its CPU closes it. */
	spanalloc_free(p[2]);
	KUNIT_EXPECT_EQ(test, SA_CPU_SUM(cls_frees[SA_CLASS_TINY]), frees_before + 1);
	spanalloc_drain();
	KUNIT_EXPECT_EQ(test, SA_CPU_SUM(cls_frees[SA_CLASS_TINY]), frees_before + 2);
	KUNIT_EXPECT_EQ(test, sa_test_stats().heap_alloc, 0);
}

static void double_and_interior_free_refused(struct kunit *test)
{
	u64 bad = sa_test_stats().bad_frees;
	u8 *p, *q;

	p = spanalloc_alloc_tiny(4, GFP_KERNEL);
	q = spanalloc_alloc_tiny(4, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	WRITE_ONCE(sa_report_bad_frees, false);
	spanalloc_free(p + 1);
	spanalloc_free(p);
	spanalloc_free(p);
	WRITE_ONCE(sa_report_bad_frees, true);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, bad + 2);
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(p), 0);
	spanalloc_free(q);
}

static void larger_requests_fall_through(struct kunit *test)
{
	u64 tiny = sa_test_stats().tiny_allocs;
	void *p = spanalloc_alloc_tiny(17, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, sa_test_stats().tiny_allocs, tiny);
	/* The generator's class for 17 bytes. */
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(p), 24);
	spanalloc_free(p);
}

static void realloc_of_tiny(struct kunit *test)
{
	u8 *p = spanalloc_alloc_tiny(5, GFP_KERNEL), *q;

	KUNIT_ASSERT_NOT_NULL(test, p);
	memcpy(p, "hello", 5);
	q = spanalloc_realloc(p, 100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, memcmp(q, "hello", 5), 0);
	spanalloc_free(q);
}

/*
 * A tiny span's block states (one atomic_t per 16-byte block, see tiny.c)
 * are spanalloc's own memory: metadata_bytes counts them, at what kmalloc
 * really holds for them, for every tiny span the class has, and the rest
 * of the figure is the page heap's, the CPU caches' and the transfer
 * caches' metadata.
 */
static void tiny_state_counts_as_metadata(struct kunit *test)
{
	size_t state = kmalloc_size_roundup(sa_class_objs(SA_CLASS_TINY) * sizeof(atomic_t));
	unsigned int n = 0, max = 3 * sa_class_objs(SA_CLASS_TINY);
	struct sa_central_stats st;
	struct sa_heap_stats hs;
	u64 spans0, other;
	void **p;

	p = kvmalloc_array(max, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	spanalloc_drain();
	sa_central_read_stats(SA_CLASS_TINY, &st);
	spans0 = st.spans;
	/* One 16-byte object per block, until the class has two more spans. */
	while (n < max && st.spans < spans0 + 2) {
		p[n] = spanalloc_alloc_tiny(16, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[n]);
		n++;
		sa_central_read_stats(SA_CLASS_TINY, &st);
	}
	KUNIT_EXPECT_GE(test, st.spans, spans0 + 2);
	sa_heap_read_stats(&hs);
	other = sa_test_stats().metadata_bytes - hs.metadata - sa_cache_metadata_bytes() -
		sa_transfer_metadata_bytes();
	KUNIT_EXPECT_EQ(test, other, st.spans * state);
	while (n--)
		spanalloc_free(p[n]);
	kvfree(p);
	spanalloc_drain();
}

static struct kunit_case tiny_cases[] = {
	KUNIT_CASE(packs_into_one_block),
	KUNIT_CASE(alignment_follows_size),
	KUNIT_CASE(block_returns_when_all_freed),
	KUNIT_CASE(double_and_interior_free_refused),
	KUNIT_CASE(larger_requests_fall_through),
	KUNIT_CASE(realloc_of_tiny),
	KUNIT_CASE(tiny_state_counts_as_metadata),
	{}
};

static struct kunit_suite tiny_suite = {
	.name = "spanalloc_tiny",
	.init = sa_test_case_init,
	.exit = sa_test_case_exit,
	.test_cases = tiny_cases,
};

kunit_test_suite(tiny_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for spanalloc's tiny allocator");
