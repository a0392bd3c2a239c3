// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for typed caches (spanalloc/kcache.c), frees after a grace
 * period (rcu_free.c) and the pass-through kmalloc family (slab_api.c):
 * constructor once per object, no init_on_alloc zeroing with a constructor,
 * RCU-delayed page return, alignment, merged versus own spans, destroy with
 * leftovers, pass-through frees, one call_rcu() per batch.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include "sa_test.h"

#define MAGIC	0x5ca1ab1e

struct obj {
	u32 magic;
	u32 uses;
	u8 pad[88];
};

static atomic_t ctor_calls;

static void obj_ctor(void *p)
{
	struct obj *o = p;

	atomic_inc(&ctor_calls);
	o->magic = MAGIC;
	o->uses = 0;
	memset(o->pad, 0x77, sizeof(o->pad));
}

/* Constructed once per object of a new span; kept across free and reuse. */
static void ctor_once_per_object(struct kunit *test)
{
	struct spanalloc_cache *c = spanalloc_cache_create("t_ctor", sizeof(struct obj), 0, 0,
							   obj_ctor);
	struct obj *o[20];
	int i, calls;

	KUNIT_ASSERT_NOT_NULL(test, c);
	atomic_set(&ctor_calls, 0);
	for (i = 0; i < 20; i++) {
		o[i] = spanalloc_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, o[i]);
		KUNIT_EXPECT_EQ(test, o[i]->magic, MAGIC);
		/* Not zeroed by init_on_alloc: the constructor's bytes stay. */
		KUNIT_EXPECT_EQ(test, o[i]->pad[0], 0x77);
		KUNIT_EXPECT_EQ(test, o[i]->pad[sizeof(o[i]->pad) - 1], 0x77);
		o[i]->uses++;
	}
	calls = atomic_read(&ctor_calls);
	/* Whole spans were constructed: at least the 20, a span's worth each. */
	KUNIT_EXPECT_GE(test, calls, 20);
	KUNIT_EXPECT_EQ(test, calls % sa_span_of(o[0])->objs, 0);
	for (i = 0; i < 20; i++)
		spanalloc_cache_free(c, o[i]);
	/* Reuse: no constructor call, the object's state is what it was. */
	for (i = 0; i < 20; i++) {
		o[i] = spanalloc_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, o[i]);
		KUNIT_EXPECT_EQ(test, o[i]->magic, MAGIC);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&ctor_calls), calls);
	for (i = 0; i < 20; i++)
		spanalloc_cache_free(c, o[i]);
	spanalloc_cache_destroy(c);
}

/* __GFP_ZERO zeroes even with a constructor (after a WARN, here muted). */
static void gfp_zero_with_ctor_zeroes(struct kunit *test)
{
	struct spanalloc_cache *c = spanalloc_cache_create("t_ctor_zero", sizeof(struct obj), 0,
							   0, obj_ctor);
	struct obj *o;

	KUNIT_ASSERT_NOT_NULL(test, c);
	WRITE_ONCE(sa_report_bad_frees, false);
	o = spanalloc_cache_zalloc(c, GFP_KERNEL);
	WRITE_ONCE(sa_report_bad_frees, true);
	KUNIT_ASSERT_NOT_NULL(test, o);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(o, 0, sizeof(*o)));
	spanalloc_cache_free(c, o);
	spanalloc_cache_destroy(c);
}

/* Merged caches share their size class; the others get a class of their own. */
static void merged_or_own(struct kunit *test)
{
	struct spanalloc_cache *m = spanalloc_cache_create("t_merged", 96, 0, 0, NULL);
	struct spanalloc_cache *a = spanalloc_cache_create("t_aligned", 96, 0,
							   SLAB_HWCACHE_ALIGN, NULL);
	struct spanalloc_cache *r = spanalloc_cache_create("t_rcu", 96, 0,
							   SLAB_TYPESAFE_BY_RCU, NULL);
	struct spanalloc_cache *k = spanalloc_cache_create("t_ctor2", sizeof(struct obj), 0, 0,
							   obj_ctor);
	void *pm, *pa, *pr, *pk;

	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_NOT_NULL(test, k);
	pm = spanalloc_cache_alloc(m, GFP_KERNEL);
	pa = spanalloc_cache_alloc(a, GFP_KERNEL);
	pr = spanalloc_cache_alloc(r, GFP_KERNEL);
	pk = spanalloc_cache_alloc(k, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, pm && pa && pr && pk);
	/* 96 bytes: the generated 96-byte class. */
	KUNIT_EXPECT_EQ(test, sa_span_of(pm)->cls, sa_size_class(96));
	KUNIT_EXPECT_EQ(test, sa_class_size(sa_span_of(pm)->cls), 96);
	/* Cache-line alignment: 96 rounds to 128, a class of 128 bytes. */
	KUNIT_EXPECT_EQ(test, sa_class_size(sa_span_of(pa)->cls), 128);
	KUNIT_EXPECT_LT(test, sa_span_of(pa)->cls, SA_CLASS_TINY);
	KUNIT_EXPECT_GE(test, sa_span_of(pr)->cls, SA_CLASS_DYN0);
	KUNIT_EXPECT_GE(test, sa_span_of(pk)->cls, SA_CLASS_DYN0);
	KUNIT_EXPECT_NE(test, sa_span_of(pr)->cls, sa_span_of(pk)->cls);
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(pk), ALIGN(sizeof(struct obj), 8));
	spanalloc_cache_free(m, pm);
	spanalloc_cache_free(a, pa);
	spanalloc_cache_free(r, pr);
	/* kfree() of a kmem_cache object is allowed, as with SLUB. */
	spanalloc_free(pk);
	spanalloc_cache_destroy(m);
	spanalloc_cache_destroy(a);
	spanalloc_cache_destroy(r);
	spanalloc_cache_destroy(k);
}

/* align and SLAB_HWCACHE_ALIGN are honoured, merged or not. */
static void alignment_honoured(struct kunit *test)
{
	static const struct { unsigned int size, align; slab_flags_t flags; } cases[] = {
		{ 72, 64, 0 }, { 100, 128, 0 }, { 24, 256, 0 }, { 200, 0, SLAB_HWCACHE_ALIGN },
		{ 40, 32, SLAB_TYPESAFE_BY_RCU }, { 8, 512, 0 },
	};
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct spanalloc_cache *c = spanalloc_cache_create("t_align", cases[i].size,
								   cases[i].align, cases[i].flags,
								   NULL);
		unsigned long want = max(cases[i].align, 8U);
		void *p[5];

		KUNIT_ASSERT_NOT_NULL(test, c);
		if (cases[i].flags & SLAB_HWCACHE_ALIGN)
			want = cache_line_size();
		for (j = 0; j < ARRAY_SIZE(p); j++) {
			p[j] = spanalloc_cache_alloc(c, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, p[j]);
			KUNIT_EXPECT_EQ_MSG(test, (unsigned long)p[j] & (want - 1), 0,
					    "size %u align %lu: %p", cases[i].size, want, p[j]);
			memset(p[j], 0xab, cases[i].size);
		}
		for (j = 0; j < ARRAY_SIZE(p); j++)
			spanalloc_cache_free(c, p[j]);
		spanalloc_cache_destroy(c);
	}
}

/*
 * SLAB_TYPESAFE_BY_RCU: a wholly free span goes back to the page heap only
 * after a grace period; without RCU at once.
 */
static void rcu_delays_page_return(struct kunit *test)
{
	bool rcu;

	for (rcu = false; ; rcu = true) {
		struct spanalloc_cache *c = spanalloc_cache_create("t_rcu_pages", 200, 0,
								   rcu ? SLAB_TYPESAFE_BY_RCU : 0,
								   obj_ctor);
		struct sa_span *span, *found;
		unsigned int left;
		void *p;

		KUNIT_ASSERT_NOT_NULL(test, c);
		p = spanalloc_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		span = sa_span_of(p);
		spanalloc_cache_free(c, p);
		sa_cache_drain_all(NULL, NULL);	/* p back in its span, kept empty */
		rcu_read_lock();
		left = sa_central_release_class(span->cls);
		found = sa_span_of(p);
		rcu_read_unlock();
		KUNIT_EXPECT_EQ(test, left, 0);
		/* Under RCU the span still maps its pages; without, it is gone. */
		if (rcu)
			KUNIT_EXPECT_PTR_EQ(test, found, span);
		else
			KUNIT_EXPECT_NULL(test, found);
		rcu_barrier();
		KUNIT_EXPECT_NULL(test, sa_span_of(p));
		spanalloc_cache_destroy(c);
		if (rcu)
			break;
	}
}

static noinline void *kcache_leftover_alloc(struct spanalloc_cache *c)
{
	void *p = spanalloc_cache_alloc(c, GFP_KERNEL);

	barrier();	/* not a tail call: this function is the call site */
	return p;
}

/*
 * Destroying a cache with live objects reports them, with their top call
 * site (here in exact mode: the allocating function, all three), and
 * keeps their memory.
 */
static void destroy_with_leftovers(struct kunit *test)
{
	struct spanalloc_cache *c = spanalloc_cache_create("t_leftovers", sizeof(struct obj), 0,
							   0, obj_ctor);
	struct spanalloc_memstats ms;
	struct obj *o[3], *after;
	unsigned int cls, kib;
	bool exact;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	sa_sites_get(&exact, &kib);
	sa_sites_set(true, kib);
	for (i = 0; i < 3; i++) {
		o[i] = kcache_leftover_alloc(c);
		KUNIT_ASSERT_NOT_NULL(test, o[i]);
	}
	cls = sa_span_of(o[0])->cls;
	sa_test_capture(test);
	WRITE_ONCE(sa_report_bad_frees, false);
	spanalloc_cache_destroy(c);
	WRITE_ONCE(sa_report_bad_frees, true);
	sa_sites_set(exact, kib);
	KUNIT_EXPECT_TRUE_MSG(test,
			      sa_test_captured("t_leftovers destroyed with 3 live objects", NULL),
			      "report:\n%s", sa_test_lines);
	KUNIT_EXPECT_TRUE_MSG(test, sa_test_captured("3 objects, ", "kcache_leftover_alloc"),
			      "report:\n%s", sa_test_lines);
	/* The memory is still the objects': usable, and their class kept. */
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_PTR_NE(test, sa_span_of(o[i]), NULL);
		KUNIT_EXPECT_EQ(test, o[i]->magic, MAGIC);
		o[i]->uses = 7;
	}
	c = spanalloc_cache_create("t_after", sizeof(struct obj), 0, 0, obj_ctor);
	KUNIT_ASSERT_NOT_NULL(test, c);
	after = spanalloc_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, after);
	/* The destroyed cache's class is not handed to the new cache. */
	KUNIT_EXPECT_NE(test, sa_span_of(after)->cls, cls);
	ms = sa_test_stats();
	for (i = 0; i < 3; i++)
		spanalloc_free(o[i]);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, ms.bad_frees);
	KUNIT_EXPECT_EQ(test, sa_test_stats().frees, ms.frees + 3);
	spanalloc_cache_free(c, after);
	spanalloc_cache_destroy(c);
}

/* Bulk calls of a cache, and a double free refused. */
static void cache_bulk_and_double_free(struct kunit *test)
{
	struct spanalloc_cache *c = spanalloc_cache_create("t_bulk", sizeof(struct obj), 0, 0,
							   obj_ctor);
	struct spanalloc_memstats ms;
	void *p[40];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_EQ(test, spanalloc_cache_alloc_bulk(c, GFP_KERNEL, 40, p), 40);
	for (i = 0; i < 40; i++)
		KUNIT_EXPECT_EQ(test, ((struct obj *)p[i])->magic, MAGIC);
	spanalloc_cache_free(c, p[5]);
	ms = sa_test_stats();
	WRITE_ONCE(sa_report_bad_frees, false);
	spanalloc_cache_free(c, p[5]);
	WRITE_ONCE(sa_report_bad_frees, true);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, ms.bad_frees + 1);
	p[5] = spanalloc_cache_alloc(c, GFP_KERNEL);
	spanalloc_cache_free_bulk(c, 40, p);
	spanalloc_cache_destroy(c);
}

/* Frees of the kernel's own memory are handed on and counted. */
static void passthrough_frees(struct kunit *test)
{
	struct spanalloc_memstats ms = sa_test_stats();
	char *s = kstrdup("the kernel's string", GFP_KERNEL);
	void *k = kmalloc(100, GFP_KERNEL);
	void *v = vmalloc(3 * PAGE_SIZE);
	void *mine = spanalloc_alloc(100, GFP_KERNEL);

	KUNIT_ASSERT_TRUE(test, s && k && v && mine);
	KUNIT_EXPECT_GE(test, spanalloc_ksize(k), 100);
	KUNIT_EXPECT_EQ(test, spanalloc_ksize(mine), spanalloc_usable_size(mine));
	spanalloc_kfree(s);
	spanalloc_kfree(k);
	spanalloc_kvfree(v);
	spanalloc_kfree(mine);
	KUNIT_EXPECT_EQ(test, sa_test_stats().passthrough_frees, ms.passthrough_frees + 3);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, ms.bad_frees);
	KUNIT_EXPECT_EQ(test, sa_test_stats().frees, ms.frees + 1);
	/* krealloc of kernel memory moves it to spanalloc. */
	k = kmalloc(16, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, k);
	memset(k, 0x42, 16);
	mine = spanalloc_krealloc(k, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mine);
	KUNIT_EXPECT_PTR_NE(test, sa_span_of(mine), NULL);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(mine, 0x42, 16));
	spanalloc_kfree(mine);
}

/* spanalloc_free_rcu(): one call_rcu() per batch, everything freed after. */
static void rcu_frees_are_batched(struct kunit *test)
{
	struct spanalloc_memstats ms = sa_test_stats();
	struct robj { struct rcu_head rcu; u8 data[40]; } *o;
	int i;

	for (i = 0; i < 200; i++) {
		o = spanalloc_alloc(sizeof(*o), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, o);
		spanalloc_free_rcu(o, i & 1 ? &o->rcu : NULL);
	}
	sa_rcu_free_flush();
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, sa_test_stats().rcu_frees, ms.rcu_frees + 200);
	/*
	 * One callback per batch, not per object: a batch holds 500 pointers
	 * and goes after 20 ms, so the 200 take a few batches at most.
	 */
	KUNIT_EXPECT_LE(test, sa_test_stats().rcu_batches - ms.rcu_batches, 20);
	KUNIT_EXPECT_GE(test, sa_test_stats().rcu_batches - ms.rcu_batches, 1);
	KUNIT_EXPECT_EQ(test, sa_test_stats().live_objects, ms.live_objects);
	KUNIT_EXPECT_EQ(test, sa_test_stats().frees, ms.frees + 200);
}

/* spanalloc_alloc_node(): objects above a chunk come from the node asked. */
static void node_for_direct_objects(struct kunit *test)
{
	int node = first_online_node;
	void *p = spanalloc_alloc_node(4 << 20, GFP_KERNEL, node);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, page_to_nid(virt_to_page(p)), node);
	spanalloc_free(p);
	p = spanalloc_alloc_node(64, GFP_KERNEL, NUMA_NO_NODE);
	KUNIT_EXPECT_NOT_NULL(test, p);
	spanalloc_free(p);
}

static struct kunit_case kcache_cases[] = {
	KUNIT_CASE(ctor_once_per_object),
	KUNIT_CASE(gfp_zero_with_ctor_zeroes),
	KUNIT_CASE(merged_or_own),
	KUNIT_CASE(alignment_honoured),
	KUNIT_CASE(rcu_delays_page_return),
	KUNIT_CASE(destroy_with_leftovers),
	KUNIT_CASE(cache_bulk_and_double_free),
	KUNIT_CASE(passthrough_frees),
	KUNIT_CASE(rcu_frees_are_batched),
	KUNIT_CASE(node_for_direct_objects),
	{}
};

static struct kunit_suite kcache_suite = {
	.name = "spanalloc_kcache",
	.init = sa_test_case_init,
	.exit = sa_test_case_exit,
	.test_cases = kcache_cases,
};

kunit_test_suite(kcache_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for spanalloc's typed caches, RCU frees and pass-through frees");
