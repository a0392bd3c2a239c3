// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for spanalloc's debug mode (spanalloc/debug.c): each check is
 * shown to catch the fault it is for. The suite switches poison and red
 * zones on for its cases (on a drained, empty heap) and off afterwards.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include "sa_test.h"

static int debug_case_init(struct kunit *test)
{
	int ret = sa_test_case_init(test);

	if (ret)
		return ret;
	return sa_api_debug_set(SA_DEBUG_POISON | SA_DEBUG_REDZONE);
}

static void debug_case_exit(struct kunit *test)
{
	WRITE_ONCE(sa_report_bad_frees, true);
	KUNIT_EXPECT_EQ(test, sa_api_debug_set(0), 0);
	sa_test_case_exit(test);
}

static void usable_size_is_the_request(struct kunit *test)
{
	u8 *p = spanalloc_alloc(100, GFP_KERNEL);
	struct sa_span *span;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(p), 100);
	span = sa_span_of(p);
	KUNIT_ASSERT_NOT_NULL(test, span);
	/* 100 bytes plus red zone and trailer come from the 120-byte class or up. */
	KUNIT_EXPECT_GE(test, sa_class_size(span->cls), 100 + SA_DEBUG_EXTRA);
	KUNIT_EXPECT_EQ(test, p[100], SA_REDZONE);
	spanalloc_free(p);
}

static void overflow_into_red_zone(struct kunit *test)
{
	u64 corrupt = sa_test_stats().corruptions;
	u8 *p = spanalloc_alloc(100, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 1, 100);
	spanalloc_free(p);
	KUNIT_EXPECT_EQ(test, sa_test_stats().corruptions, corrupt);

	p = spanalloc_alloc(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	WRITE_ONCE(sa_report_bad_frees, false);
	p[101] = 0;			/* one byte past the end, plus one */
	spanalloc_free(p);
	WRITE_ONCE(sa_report_bad_frees, true);
	KUNIT_EXPECT_EQ(test, sa_test_stats().corruptions, corrupt + 1);
}

static void write_after_free(struct kunit *test)
{
	u64 corrupt = sa_test_stats().corruptions;
	u8 *p, *q;

	migrate_disable();
	p = spanalloc_alloc(200, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	spanalloc_free(p);
	/* Freed objects are poisoned past the first word. */
	KUNIT_EXPECT_EQ(test, p[8], SA_POISON_FREE);
	KUNIT_EXPECT_EQ(test, p[150], SA_POISON_FREE);
	WRITE_ONCE(sa_report_bad_frees, false);
	p[50] = 0x42;			/* use after free */
	q = spanalloc_alloc(200, GFP_KERNEL);	/* the same object, from the top */
	WRITE_ONCE(sa_report_bad_frees, true);
	migrate_enable();
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_EQ(test, sa_test_stats().corruptions, corrupt + 1);
	spanalloc_free(q);
}

/* Tiny requests get a size class in debug mode: red zone and trailer. */
static void tiny_is_checked(struct kunit *test)
{
	u64 corrupt = sa_test_stats().corruptions, bad = sa_test_stats().bad_frees;
	struct sa_span *span;
	u8 *p = spanalloc_alloc_tiny(5, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	span = sa_span_of(p);
	KUNIT_ASSERT_NOT_NULL(test, span);
	KUNIT_EXPECT_NE(test, span->cls, SA_CLASS_TINY);
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(p), 5);
	KUNIT_EXPECT_EQ(test, p[5], SA_REDZONE);
	WRITE_ONCE(sa_report_bad_frees, false);
	p[6] = 0;			/* past the 5 bytes */
	spanalloc_free(p);
	KUNIT_EXPECT_EQ(test, sa_test_stats().corruptions, corrupt + 1);
	spanalloc_free(p);		/* and a second free */
	WRITE_ONCE(sa_report_bad_frees, true);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, bad + 1);
}

/*
 * Large objects get a red zone from the request to the end of their pages,
 * at least SA_DEBUG_EXTRA bytes even for a whole number of pages.
 */
static void large_red_zone(struct kunit *test)
{
	static const size_t sizes[] = { 100000, 65536, 3 << 20 };
	u64 corrupt = sa_test_stats().corruptions;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t size = sizes[i];
		u8 *p = spanalloc_alloc(size, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, spanalloc_usable_size(p), size);
		memset(p, 0x33, size);	/* all of it is the caller's */
		spanalloc_free(p);
		KUNIT_EXPECT_EQ_MSG(test, sa_test_stats().corruptions, corrupt, "size %zu", size);

		p = spanalloc_alloc(size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, p[size], SA_REDZONE);
		WRITE_ONCE(sa_report_bad_frees, false);
		p[size + SA_DEBUG_EXTRA - 1] = 0;
		spanalloc_free(p);
		WRITE_ONCE(sa_report_bad_frees, true);
		KUNIT_EXPECT_EQ_MSG(test, sa_test_stats().corruptions, ++corrupt, "size %zu", size);
	}
}

static void double_free_tagged(struct kunit *test)
{
	u64 bad = sa_test_stats().bad_frees;
	void *p, *q, *a, *b;

	p = spanalloc_alloc(64, GFP_KERNEL);
	q = spanalloc_alloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	spanalloc_free(p);
	spanalloc_free(q);
	/* p is not on top of the cache: only the trailer tag can catch this. */
	WRITE_ONCE(sa_report_bad_frees, false);
	spanalloc_free(p);
	WRITE_ONCE(sa_report_bad_frees, true);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, bad + 1);
	a = spanalloc_alloc(64, GFP_KERNEL);
	b = spanalloc_alloc(64, GFP_KERNEL);
	KUNIT_EXPECT_PTR_NE(test, a, b);
	spanalloc_free(a);
	spanalloc_free(b);
}

/*
 * Defect 5: requests with no room for a red zone in the largest class
 * (32753..32768 bytes) keep usable_size and a clean free.
 */
static void no_room_for_red_zone(struct kunit *test)
{
	struct spanalloc_memstats before = sa_test_stats();
	size_t size;

	for (size = SPANALLOC_MAX_SMALL_SIZE - SA_DEBUG_EXTRA - 1;
	     size <= SPANALLOC_MAX_SMALL_SIZE; size++) {
		u8 *p = spanalloc_alloc(size, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_GE_MSG(test, spanalloc_usable_size(p), size, "size %zu", size);
		memset(p, 0x5e, size);
		spanalloc_free(p);
	}
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, before.bad_frees);
	KUNIT_EXPECT_EQ(test, sa_test_stats().corruptions, before.corruptions);
	KUNIT_EXPECT_EQ(test, sa_test_stats().live_objects, before.live_objects);
}

/* Defect 5: power-of-two sizes keep their natural alignment, as in normal mode. */
static void power_of_two_alignment_kept(struct kunit *test)
{
	size_t size;
	int i;

	for (size = 8; size <= PAGE_SIZE; size *= 2) {
		void *p[3];

		for (i = 0; i < 3; i++) {
			p[i] = spanalloc_alloc(size, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, p[i]);
			KUNIT_EXPECT_EQ_MSG(test, (unsigned long)p[i] & (size - 1), 0,
					    "size %zu at %p", size, p[i]);
			KUNIT_EXPECT_EQ(test, spanalloc_usable_size(p[i]), size);
		}
		for (i = 0; i < 3; i++)
			spanalloc_free(p[i]);
	}
}

/*
 * Defect 1 in debug mode: poison alone (no trailer) catches a delayed
 * double free whose first free went to the span.
 */
static void poison_only_delayed_double_free(struct kunit *test)
{
	u64 bad;
	void *x, *y;

	KUNIT_ASSERT_EQ(test, sa_api_debug_set(SA_DEBUG_POISON), 0);
	y = spanalloc_alloc(64, GFP_KERNEL);
	x = spanalloc_alloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x);
	spanalloc_free(x);
	spanalloc_drain();
	bad = sa_test_stats().bad_frees;
	WRITE_ONCE(sa_report_bad_frees, false);
	spanalloc_free(x);
	WRITE_ONCE(sa_report_bad_frees, true);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, bad + 1);
	spanalloc_free(y);
}

static void clean_use_reports_nothing(struct kunit *test)
{
	struct spanalloc_memstats before = sa_test_stats();
	size_t size;

	for (size = 1; size <= SPANALLOC_MAX_SMALL_SIZE; size = size * 3 / 2 + 1) {
		u8 *p = spanalloc_alloc(size, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, spanalloc_usable_size(p), size);
		memset(p, 0x11, size);
		spanalloc_free(p);
	}
	KUNIT_EXPECT_EQ(test, sa_test_stats().corruptions, before.corruptions);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, before.bad_frees);
}

#define DMAGIC	0xdeb0c7ed

struct dobj {
	u32 magic;
	u8 body[60];
};

static void dobj_ctor(void *p)
{
	struct dobj *o = p;

	o->magic = DMAGIC;
	memset(o->body, 0x77, sizeof(o->body));
}

/*
 * Defect: objects of typed caches were not checked in debug mode. A merged
 * cache (no constructor) gets what a kmalloc object gets: a red zone
 * right after the object, poison on free checked on reuse, the trailer.
 */
static void kcache_merged_checked(struct kunit *test)
{
	struct spanalloc_cache *c = spanalloc_cache_create("t_dbg_merged", 100, 0, 0, NULL);
	u64 corrupt = sa_test_stats().corruptions, bad;
	u8 *p, *q;

	KUNIT_ASSERT_NOT_NULL(test, c);
	p = spanalloc_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, p[100], SA_REDZONE);
	memset(p, 1, 100);			/* all of it is the caller's */
	spanalloc_cache_free(c, p);
	KUNIT_EXPECT_EQ(test, sa_test_stats().corruptions, corrupt);

	migrate_disable();
	p = spanalloc_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	spanalloc_cache_free(c, p);
	KUNIT_EXPECT_EQ(test, p[50], SA_POISON_FREE);
	WRITE_ONCE(sa_report_bad_frees, false);
	p[50] = 0x42;				/* write after free */
	q = spanalloc_cache_alloc(c, GFP_KERNEL);
	migrate_enable();
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_EQ(test, sa_test_stats().corruptions, corrupt + 1);
	q[101] = 0;				/* overflow */
	spanalloc_cache_free(c, q);
	KUNIT_EXPECT_EQ(test, sa_test_stats().corruptions, corrupt + 2);
	bad = sa_test_stats().bad_frees;
	spanalloc_cache_free(c, q);		/* double free */
	WRITE_ONCE(sa_report_bad_frees, true);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, bad + 1);
	spanalloc_cache_destroy(c);
}

/*
 * A cache with a constructor (a class of its own): red zone and trailer,
 * but no poison, as SLUB: a free object keeps its constructed state.
 * kfree() of its object is checked the same way.
 */
static void kcache_ctor_checked(struct kunit *test)
{
	struct spanalloc_cache *c = spanalloc_cache_create("t_dbg_ctor", sizeof(struct dobj), 0,
							   0, dobj_ctor);
	u64 corrupt = sa_test_stats().corruptions, bad;
	struct dobj *o, *o2;
	u8 *b;

	KUNIT_ASSERT_NOT_NULL(test, c);
	migrate_disable();
	o = spanalloc_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, o);
	b = (u8 *)o;
	KUNIT_EXPECT_EQ(test, o->magic, DMAGIC);
	KUNIT_EXPECT_EQ(test, o->body[59], 0x77);
	KUNIT_EXPECT_EQ(test, b[sizeof(*o)], SA_REDZONE);
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(o), sizeof(*o));
	spanalloc_cache_free(c, o);
	/* Not poisoned: the constructor's state stays while free. */
	KUNIT_EXPECT_EQ(test, o->magic, DMAGIC);
	KUNIT_EXPECT_EQ(test, o->body[30], 0x77);
	o2 = spanalloc_cache_alloc(c, GFP_KERNEL);
	migrate_enable();
	KUNIT_EXPECT_PTR_EQ(test, o2, o);
	KUNIT_EXPECT_EQ(test, o2->magic, DMAGIC);
	KUNIT_EXPECT_EQ(test, sa_test_stats().corruptions, corrupt);
	WRITE_ONCE(sa_report_bad_frees, false);
	b[sizeof(*o) + 2] = 0;			/* overflow */
	spanalloc_free(o2);			/* kfree() of a cache object */
	KUNIT_EXPECT_EQ(test, sa_test_stats().corruptions, corrupt + 1);
	bad = sa_test_stats().bad_frees;
	spanalloc_cache_free(c, o2);		/* double free */
	WRITE_ONCE(sa_report_bad_frees, true);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, bad + 1);
	spanalloc_cache_destroy(c);
}

/* SLAB_TYPESAFE_BY_RCU without a constructor: red zone, no poison (SLUB). */
static void kcache_rcu_not_poisoned(struct kunit *test)
{
	struct spanalloc_cache *c = spanalloc_cache_create("t_dbg_rcu", 40, 0,
							   SLAB_TYPESAFE_BY_RCU, NULL);
	u64 corrupt = sa_test_stats().corruptions;
	u8 *p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	p = spanalloc_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, p[40], SA_REDZONE);
	memset(p, 0x5a, 40);
	rcu_read_lock();
	spanalloc_cache_free(c, p);
	/* A reader under RCU still sees the object's bytes. */
	KUNIT_EXPECT_EQ(test, p[0], 0x5a);
	KUNIT_EXPECT_EQ(test, p[39], 0x5a);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, sa_test_stats().corruptions, corrupt);
	spanalloc_cache_destroy(c);
}

#define NOT_TAIL(call) ({ typeof(call) __r = (call); barrier(); __r; })

static noinline void *track_alloc(void)
{
	return NOT_TAIL(spanalloc_alloc(64, GFP_KERNEL));
}

static noinline void track_free(void *p)
{
	spanalloc_free(p);
	barrier();
}

static noinline void *track_cache_alloc(struct spanalloc_cache *c)
{
	return NOT_TAIL(spanalloc_cache_alloc(c, GFP_KERNEL));
}

static noinline void track_cache_free(struct spanalloc_cache *c, void *p)
{
	spanalloc_cache_free(c, p);
	barrier();
}

/*
 * debug=4 (with red zones) records each object's allocating and freeing
 * call sites, as slub_debug=U: a double free and a write after free name
 * both, a small object's and a typed cache's alike.
 */
static void report_names_both_sites(struct kunit *test)
{
	struct spanalloc_cache *c;
	u8 *p, *q;

	KUNIT_ASSERT_EQ(test, sa_api_debug_set(SA_DEBUG_POISON | SA_DEBUG_TRACK), 0);
	p = track_alloc();
	q = spanalloc_alloc(64, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, p && q);
	KUNIT_EXPECT_EQ_MSG(test, p[64], SA_REDZONE, "debug=4 implies red zones");
	track_free(p);
	spanalloc_free(q);
	sa_test_capture(test);
	WRITE_ONCE(sa_report_bad_frees, false);
	spanalloc_free(p);			/* double free */
	KUNIT_EXPECT_TRUE_MSG(test, sa_test_captured("allocated by track_alloc", NULL),
			      "report:\n%s", sa_test_lines);
	KUNIT_EXPECT_TRUE_MSG(test, sa_test_captured("freed by track_free", NULL),
			      "report:\n%s", sa_test_lines);
	KUNIT_EXPECT_TRUE_MSG(test, sa_test_captured("report_names_both_sites", NULL),
			      "the second free's site:\n%s", sa_test_lines);

	migrate_disable();
	p = track_alloc();
	KUNIT_ASSERT_NOT_NULL(test, p);
	track_free(p);
	p[20] = 1;				/* write after free */
	sa_test_capture(test);
	q = spanalloc_alloc(64, GFP_KERNEL);
	migrate_enable();
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_TRUE_MSG(test, sa_test_captured("write after free", NULL),
			      "report:\n%s", sa_test_lines);
	KUNIT_EXPECT_TRUE_MSG(test, sa_test_captured("allocated by track_alloc", NULL),
			      "report:\n%s", sa_test_lines);
	KUNIT_EXPECT_TRUE_MSG(test, sa_test_captured("freed by track_free", NULL),
			      "report:\n%s", sa_test_lines);
	spanalloc_free(q);

	c = spanalloc_cache_create("t_dbg_track", sizeof(struct dobj), 0, 0, dobj_ctor);
	KUNIT_ASSERT_NOT_NULL(test, c);
	p = track_cache_alloc(c);
	KUNIT_ASSERT_NOT_NULL(test, p);
	p[sizeof(struct dobj)] = 0;		/* overflow */
	sa_test_capture(test);
	track_cache_free(c, p);
	KUNIT_EXPECT_TRUE_MSG(test, sa_test_captured("allocated by track_cache_alloc", NULL),
			      "report:\n%s", sa_test_lines);
	sa_test_capture(test);
	spanalloc_cache_free(c, p);		/* double free */
	WRITE_ONCE(sa_report_bad_frees, true);
	KUNIT_EXPECT_TRUE_MSG(test, sa_test_captured("freed by track_cache_free", NULL),
			      "report:\n%s", sa_test_lines);
	spanalloc_cache_destroy(c);
}

static struct kunit_case debug_cases[] = {
	KUNIT_CASE(usable_size_is_the_request),
	KUNIT_CASE(overflow_into_red_zone),
	KUNIT_CASE(write_after_free),
	KUNIT_CASE(double_free_tagged),
	KUNIT_CASE(tiny_is_checked),
	KUNIT_CASE(large_red_zone),
	KUNIT_CASE(clean_use_reports_nothing),
	KUNIT_CASE(no_room_for_red_zone),
	KUNIT_CASE(power_of_two_alignment_kept),
	KUNIT_CASE(poison_only_delayed_double_free),
	KUNIT_CASE(kcache_merged_checked),
	KUNIT_CASE(kcache_ctor_checked),
	KUNIT_CASE(kcache_rcu_not_poisoned),
	KUNIT_CASE(report_names_both_sites),
	{}
};

static struct kunit_suite debug_suite = {
	.name = "spanalloc_debug",
	.init = debug_case_init,
	.exit = debug_case_exit,
	.test_cases = debug_cases,
};

kunit_test_suite(debug_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for spanalloc's debug mode");
