// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for include/spanalloc_slab.h, the drop-in header: this file
 * is built with "-include spanalloc_slab.h" (kunit/Kbuild) and calls the
 * kernel's names only. Each case checks the call landed in spanalloc (its
 * counters move, the memory is spanalloc's) and behaves as kmalloc's does.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <linux/cleanup.h>
#include "sa_test.h"

static bool ours(const void *p)
{
	return sa_span_of(p);
}

static void kmalloc_family_is_spanalloc(struct kunit *test)
{
	struct spanalloc_memstats ms = sa_test_stats();
	char *a = kmalloc(100, GFP_KERNEL);
	u32 *z = kzalloc(64, GFP_KERNEL);
	u64 *arr = kcalloc(10, sizeof(u64), GFP_KERNEL);
	void *n = kzalloc_node(300, GFP_KERNEL, NUMA_NO_NODE);
	char *d, *r;
	int i;

	KUNIT_ASSERT_TRUE(test, a && z && arr && n);
	KUNIT_EXPECT_TRUE(test, ours(a) && ours(z) && ours(arr) && ours(n));
	for (i = 0; i < 16; i++)
		KUNIT_EXPECT_EQ(test, z[i], 0);
	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_EQ(test, arr[i], 0);
	KUNIT_EXPECT_EQ(test, ksize(a), spanalloc_usable_size(a));
	strscpy(a, "spanalloc", 100);
	d = kmemdup(a, 10, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_EXPECT_TRUE(test, ours(d));
	KUNIT_EXPECT_STREQ(test, d, "spanalloc");
	r = krealloc(a, 5000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	a = r;
	KUNIT_EXPECT_STREQ(test, a, "spanalloc");
	KUNIT_EXPECT_NULL(test, kmalloc_array(SIZE_MAX / 2, 4, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, sa_test_stats().mallocs, ms.mallocs + 6);
	kfree(a);
	kfree(z);
	kfree(arr);
	kfree(n);
	kfree_sensitive(d);
	KUNIT_EXPECT_EQ(test, sa_test_stats().live_objects, ms.live_objects);
}

static void kvmalloc_and_passthrough(struct kunit *test)
{
	struct spanalloc_memstats ms = sa_test_stats();
	void *big = kvmalloc(1 << 20, GFP_KERNEL);
	char *s = kstrdup("from the kernel", GFP_KERNEL);	/* the kernel's kmalloc */

	KUNIT_ASSERT_TRUE(test, big && s);
	KUNIT_EXPECT_TRUE(test, ours(big));
	KUNIT_EXPECT_FALSE(test, ours(s));
	kvfree(big);
	kfree(s);
	KUNIT_EXPECT_EQ(test, sa_test_stats().passthrough_frees, ms.passthrough_frees + 1);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, ms.bad_frees);
}

static int cleanup_scope(struct kunit *test)
{
	char *buf __free(kfree) = kmalloc(256, GFP_KERNEL);

	KUNIT_EXPECT_TRUE(test, ours(buf));
	return buf ? 0 : -ENOMEM;
}

static void free_cleanup_class(struct kunit *test)
{
	struct spanalloc_memstats ms = sa_test_stats();

	KUNIT_EXPECT_EQ(test, cleanup_scope(test), 0);
	KUNIT_EXPECT_EQ(test, sa_test_stats().frees, ms.frees + 1);
	KUNIT_EXPECT_EQ(test, sa_test_stats().live_objects, ms.live_objects);
}

struct item {
	int key;
	struct rcu_head rcu;
	char name[20];
};

static atomic_t item_ctors;

static void item_ctor(void *p)
{
	atomic_inc(&item_ctors);
	((struct item *)p)->key = -1;
}

static void kmem_cache_and_kfree_rcu(struct kunit *test)
{
	struct spanalloc_memstats ms = sa_test_stats();
	struct kmem_cache *c = kmem_cache_create("dropin_item", sizeof(struct item), 0,
						 SLAB_HWCACHE_ALIGN, item_ctor);
	struct kmem_cache *k = KMEM_CACHE(item, 0);
	struct item *a, *b, *e;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, k);
	a = kmem_cache_alloc(c, GFP_KERNEL);
	b = kmem_cache_zalloc(k, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, a && b);
	KUNIT_EXPECT_TRUE(test, ours(a) && ours(b));
	KUNIT_EXPECT_EQ(test, a->key, -1);
	KUNIT_EXPECT_GT(test, atomic_read(&item_ctors), 0);
	KUNIT_EXPECT_EQ(test, b->key, 0);
	KUNIT_EXPECT_EQ(test, kmem_cache_size(c), sizeof(struct item));
	kmem_cache_free(c, a);
	e = kmalloc(sizeof(*e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	kfree_rcu(b, rcu);	/* a KMEM_CACHE object through kfree_rcu */
	kfree_rcu(e, rcu);
	kvfree_rcu(kmalloc(40, GFP_KERNEL));
	kfree_rcu_mightsleep(kmalloc(24, GFP_KERNEL));
	sa_rcu_free_flush();
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, sa_test_stats().rcu_frees, ms.rcu_frees + 4);
	KUNIT_EXPECT_EQ(test, sa_test_stats().live_objects, ms.live_objects);
	kmem_cache_destroy(c);
	kmem_cache_destroy(k);
}

static struct kunit_case dropin_cases[] = {
	KUNIT_CASE(kmalloc_family_is_spanalloc),
	KUNIT_CASE(kvmalloc_and_passthrough),
	KUNIT_CASE(free_cleanup_class),
	KUNIT_CASE(kmem_cache_and_kfree_rcu),
	{}
};

static struct kunit_suite dropin_suite = {
	.name = "spanalloc_dropin",
	.init = sa_test_case_init,
	.exit = sa_test_case_exit,
	.test_cases = dropin_cases,
};

kunit_test_suite(dropin_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for spanalloc_slab.h, the drop-in header");
