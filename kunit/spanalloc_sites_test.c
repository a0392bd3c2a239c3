// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for allocation sites (spanalloc/sites.c): in exact mode a
 * function that allocates N objects shows exactly N at its site, whatever
 * entry point it called (the kmalloc-family wrappers pass the client's
 * call site down); in sampled mode the estimates land within a stated
 * error; a free takes back exactly what its record added.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "sa_test.h"
#include "sites.h"

struct sites_saved {
	u64 live;		/* sa_test_case_init()'s priv comes first */
	bool exact;
	unsigned int kib;
};

static int sites_case_init(struct kunit *test)
{
	struct sites_saved *s;
	int ret = sa_test_case_init(test);

	if (ret)
		return ret;
	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->live = *(u64 *)test->priv;
	sa_sites_get(&s->exact, &s->kib);
	test->priv = s;
	return 0;
}

static void sites_case_exit(struct kunit *test)
{
	struct sites_saved *s = test->priv;

	sa_sites_set(s->exact, s->kib);
	sa_test_case_exit(test);
}

/* The figures of @func's sites; @nsites is how many it has. */
static struct sa_site_counts site_of(const char *func, int *nsites)
{
	struct sa_site_counts c;

	*nsites = sa_sites_find(func, &c);
	return c;
}

static noinline void sites_exact_alloc(void **ptrs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		ptrs[i] = spanalloc_alloc(100, GFP_KERNEL);
}

/* @n objects from sites_exact_alloc(); its figures from before. */
static struct sa_site_counts alloc_at_one_site(struct kunit *test, void **ptrs,
					       unsigned int n)
{
	struct sa_site_counts before;
	unsigned int i;
	int nsites;

	before = site_of("sites_exact_alloc", &nsites);
	sites_exact_alloc(ptrs, n);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_NOT_NULL(test, ptrs[i]);
	return before;
}

/* N allocations from one function show N there; frees take them back. */
static void exact_counts(struct kunit *test)
{
	struct sa_site_counts before, c;
	void *ptrs[50];
	unsigned int i;
	int n;

	sa_sites_set(true, 0);
	before = alloc_at_one_site(test, ptrs, ARRAY_SIZE(ptrs));
	c = site_of("sites_exact_alloc", &n);
	KUNIT_EXPECT_EQ(test, n, 1);
	KUNIT_EXPECT_EQ(test, c.live_objs, 50);
	KUNIT_EXPECT_EQ(test, c.live_bytes, 5000);
	KUNIT_EXPECT_EQ(test, c.allocs - before.allocs, 50);

	for (i = 0; i < 20; i++)
		spanalloc_free(ptrs[i]);
	c = site_of("sites_exact_alloc", &n);
	KUNIT_EXPECT_EQ(test, c.live_objs, 30);
	KUNIT_EXPECT_EQ(test, c.live_bytes, 3000);
	for (; i < ARRAY_SIZE(ptrs); i++)
		spanalloc_free(ptrs[i]);
	c = site_of("sites_exact_alloc", &n);
	KUNIT_EXPECT_EQ(test, c.live_objs, 0);
	KUNIT_EXPECT_EQ(test, c.live_bytes, 0);
	KUNIT_EXPECT_EQ(test, c.allocs - before.allocs, 50);
}

/*
 * The helpers below call spanalloc from their own body, not as a tail
 * call (which would make their caller the call site): barrier() after.
 */
#define NOT_TAIL(call) ({ typeof(call) __r = (call); barrier(); __r; })

static noinline void *sites_tiny(void)
{
	return NOT_TAIL(spanalloc_alloc_tiny(5, GFP_KERNEL));
}

static noinline void *sites_large(void)
{
	return NOT_TAIL(spanalloc_alloc(100000, GFP_KERNEL));
}

static noinline int sites_bulk(void **ptrs)
{
	return NOT_TAIL(spanalloc_alloc_bulk(64, GFP_KERNEL, 8, ptrs));
}

static noinline void *sites_zalloc(void)
{
	return NOT_TAIL(spanalloc_zalloc(200, GFP_KERNEL));
}

static noinline void *sites_array(void)
{
	return NOT_TAIL(spanalloc_alloc_array(10, 30, GFP_KERNEL));
}

static noinline void *sites_realloc(void *p)
{
	return NOT_TAIL(spanalloc_realloc(p, 4000, GFP_KERNEL));
}

static noinline void *sites_kmemdup(const void *src)
{
	return NOT_TAIL(spanalloc_kmemdup(src, 48, GFP_KERNEL));
}

static noinline void *sites_kvmalloc(void)
{
	return NOT_TAIL(spanalloc_kvmalloc_node(3000, GFP_KERNEL, NUMA_NO_NODE));
}

static noinline void *sites_krealloc(void *p)
{
	return NOT_TAIL(spanalloc_krealloc(p, 5000, GFP_KERNEL));
}

static noinline void *sites_cache(struct spanalloc_cache *c)
{
	return NOT_TAIL(spanalloc_cache_alloc(c, GFP_KERNEL));
}

/* Expect @func to hold @objs live objects of @bytes bytes at one site. */
static void expect_site(struct kunit *test, const char *func, u64 objs, u64 bytes)
{
	struct sa_site_counts c;
	int n;

	c = site_of(func, &n);
	KUNIT_EXPECT_EQ_MSG(test, n, 1, "sites of %s", func);
	KUNIT_EXPECT_EQ_MSG(test, c.live_objs, objs, "live objects of %s", func);
	KUNIT_EXPECT_EQ_MSG(test, c.live_bytes, bytes, "live bytes of %s", func);
}

/*
 * Every entry point records the client's function, the wrappers of
 * slab_api.c and kcache.c included: no site is spanalloc's own.
 */
static void every_entry_point(struct kunit *test)
{
	static const char * const own[] = {
		"spanalloc_kmemdup", "spanalloc_kvmalloc_node", "spanalloc_krealloc",
		"spanalloc_realloc", "sa_alloc_at", "sa_realloc_at",
		"spanalloc_alloc_tiny", "spanalloc_alloc", "spanalloc_cache_alloc",
	};
	static const struct {
		const char *func;
		u64 objs, bytes;
	} sites[] = {
		{ "sites_tiny", 1, 5 }, { "sites_large", 1, 100000 },
		{ "sites_bulk", 8, 8 * 64 }, { "sites_zalloc", 1, 200 },
		{ "sites_array", 1, 300 }, { "sites_realloc", 1, 4000 },
		{ "sites_kmemdup", 1, 48 }, { "sites_kvmalloc", 1, 3000 },
		{ "sites_krealloc", 1, 5000 }, { "sites_cache", 1, 72 },
	};
	struct spanalloc_cache *cache;
	void *tiny, *large, *bulk[8], *z, *arr, *r, *dup, *kv, *kr, *co;
	struct sa_site_counts c;
	unsigned int i;
	int n;

	sa_sites_set(true, 0);
	cache = spanalloc_cache_create("sites_test", 72, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	tiny = sites_tiny();
	large = sites_large();
	KUNIT_ASSERT_EQ(test, sites_bulk(bulk), 8);
	z = sites_zalloc();
	arr = sites_array();
	r = sites_realloc(spanalloc_alloc(16, GFP_KERNEL));
	dup = sites_kmemdup(z);
	kv = sites_kvmalloc();
	kr = sites_krealloc(spanalloc_alloc(24, GFP_KERNEL));
	co = sites_cache(cache);
	KUNIT_ASSERT_TRUE(test, tiny && large && z && arr && r && dup && kv && kr && co);

	for (i = 0; i < ARRAY_SIZE(sites); i++)
		expect_site(test, sites[i].func, sites[i].objs, sites[i].bytes);
	/* The 16 and 24 bytes realloc moved were freed: this case's own site. */
	c = site_of("every_entry_point", &n);
	KUNIT_EXPECT_EQ(test, c.live_objs, 0);
	for (i = 0; i < ARRAY_SIZE(own); i++) {
		site_of(own[i], &n);
		KUNIT_EXPECT_EQ_MSG(test, n, 0, "a site in %s", own[i]);
	}

	spanalloc_free(tiny);
	spanalloc_free(large);
	spanalloc_free_bulk(8, bulk);
	spanalloc_free(z);
	spanalloc_free(arr);
	spanalloc_free(r);
	spanalloc_kfree(dup);
	spanalloc_kvfree(kv);
	spanalloc_kfree(kr);
	spanalloc_cache_free(cache, co);
	spanalloc_cache_destroy(cache);
	for (i = 0; i < ARRAY_SIZE(sites); i++)
		expect_site(test, sites[i].func, 0, 0);
}

#define SAMPLED_N	8192
#define SAMPLED_SIZE	512
#define SAMPLED_KIB	8
#define LARGE_N		64
#define LARGE_SIZE	40000

static noinline void sites_sampled_small(void **ptrs)
{
	unsigned int i;

	for (i = 0; i < SAMPLED_N; i++)
		ptrs[i] = spanalloc_alloc(SAMPLED_SIZE, GFP_KERNEL);
}

static noinline void sites_sampled_large(void **ptrs)
{
	unsigned int i;

	for (i = 0; i < LARGE_N; i++)
		ptrs[i] = spanalloc_alloc(LARGE_SIZE, GFP_KERNEL);
}

/*
 * Sampled mode, one sample per 8 KiB: 8192 objects of 512 bytes (4 MiB,
 * about 512 samples, so one standard deviation is about 4.4%) are
 * estimated within 20% (4.5 standard deviations); 64 objects of 40000
 * bytes, each sampled with probability 1 - e^-4.9 = 0.992, within 10%.
 * Freeing them all brings both sites back to exactly 0.
 */
static void sampled_estimate(struct kunit *test)
{
	struct sa_site_counts c;
	void **ptrs;
	unsigned int i;
	int n;

	ptrs = kvcalloc(SAMPLED_N + LARGE_N, sizeof(*ptrs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ptrs);
	sa_sites_set(false, SAMPLED_KIB);
	sites_sampled_small(ptrs);
	sites_sampled_large(ptrs + SAMPLED_N);
	for (i = 0; i < SAMPLED_N + LARGE_N; i++)
		KUNIT_ASSERT_NOT_NULL(test, ptrs[i]);

	c = site_of("sites_sampled_small", &n);
	kunit_info(test, "%u x %u B, one sample per %u KiB: estimated %llu objects, %llu bytes\n",
		   SAMPLED_N, SAMPLED_SIZE, SAMPLED_KIB, c.live_objs, c.live_bytes);
	KUNIT_EXPECT_EQ(test, n, 1);
	KUNIT_EXPECT_GE(test, c.live_objs, SAMPLED_N * 8 / 10);
	KUNIT_EXPECT_LE(test, c.live_objs, SAMPLED_N * 12 / 10);
	KUNIT_EXPECT_GE(test, c.live_bytes, SAMPLED_N * SAMPLED_SIZE / 10 * 8);
	KUNIT_EXPECT_LE(test, c.live_bytes, SAMPLED_N * SAMPLED_SIZE / 10 * 12);

	c = site_of("sites_sampled_large", &n);
	kunit_info(test, "%u x %u B: estimated %llu objects, %llu bytes\n",
		   LARGE_N, LARGE_SIZE, c.live_objs, c.live_bytes);
	KUNIT_EXPECT_EQ(test, n, 1);
	KUNIT_EXPECT_GE(test, c.live_objs, LARGE_N * 9 / 10);
	KUNIT_EXPECT_LE(test, c.live_objs, LARGE_N * 11 / 10);

	for (i = 0; i < SAMPLED_N + LARGE_N; i++)
		spanalloc_free(ptrs[i]);
	kvfree(ptrs);
	c = site_of("sites_sampled_small", &n);
	KUNIT_EXPECT_EQ(test, c.live_objs, 0);
	KUNIT_EXPECT_EQ(test, c.live_bytes, 0);
	c = site_of("sites_sampled_large", &n);
	KUNIT_EXPECT_EQ(test, c.live_objs, 0);
	KUNIT_EXPECT_EQ(test, c.live_bytes, 0);
}

/* Sampling off: nothing is recorded, and every span's count stays 0. */
static void off_records_nothing(struct kunit *test)
{
	struct sa_site_counts before, c;
	void *ptrs[50];
	unsigned int i;
	int n;

	sa_sites_set(false, 0);
	before = alloc_at_one_site(test, ptrs, ARRAY_SIZE(ptrs));
	for (i = 0; i < ARRAY_SIZE(ptrs); i++)
		KUNIT_EXPECT_EQ(test, atomic_read(&sa_span_of(ptrs[i])->sites), 0);
	c = site_of("sites_exact_alloc", &n);
	KUNIT_EXPECT_EQ(test, c.allocs, before.allocs);
	for (i = 0; i < ARRAY_SIZE(ptrs); i++)
		spanalloc_free(ptrs[i]);
}

static noinline void *sites_going_alloc(void)
{
	return NOT_TAIL(spanalloc_alloc(64, GFP_KERNEL));
}

/*
 * Defect: sites were never dropped, so a module loaded where an unloaded
 * one was showed under the old one's site. When a module goes, its sites
 * with live objects (leaks) are retired: counted on, under their old
 * name, but no longer found by address; the others are dropped. This
 * suite plays the module that goes (its sites are the ones retired) and
 * the one loaded at its address (the same functions allocating again).
 */
static void module_going_retires_sites(struct kunit *test)
{
	struct sa_site_counts c;
	void *a, *b, *x;
	int n;

	sa_sites_set(true, 0);
	a = sites_going_alloc();
	b = sites_going_alloc();
	KUNIT_ASSERT_TRUE(test, a && b);
	c = site_of("sites_going_alloc", &n);
	KUNIT_EXPECT_EQ(test, n, 1);
	KUNIT_EXPECT_EQ(test, c.live_objs, 2);

	sa_sites_module_going(THIS_MODULE);
	c = site_of("sites_going_alloc", &n);
	KUNIT_EXPECT_EQ_MSG(test, n, 1, "the retired site keeps its name");
	KUNIT_EXPECT_EQ(test, c.live_objs, 2);

	/* The next module at this address gets a fresh site. */
	x = sites_going_alloc();
	KUNIT_ASSERT_NOT_NULL(test, x);
	c = site_of("sites_going_alloc", &n);
	KUNIT_EXPECT_EQ_MSG(test, n, 2, "a fresh site next to the retired one");
	KUNIT_EXPECT_EQ(test, c.live_objs, 3);

	/* The old module's leaks freed: still taken back from the retired site. */
	spanalloc_free(a);
	spanalloc_free(b);
	spanalloc_free(x);
	c = site_of("sites_going_alloc", &n);
	KUNIT_EXPECT_EQ(test, c.live_objs, 0);
	KUNIT_EXPECT_EQ(test, c.live_bytes, 0);

	/* The next unload drops both: nothing of theirs is live. */
	sa_sites_module_going(THIS_MODULE);
	c = site_of("sites_going_alloc", &n);
	KUNIT_EXPECT_EQ(test, n, 0);
	/* And a dropped site's slot is claimed afresh. */
	x = sites_going_alloc();
	KUNIT_ASSERT_NOT_NULL(test, x);
	c = site_of("sites_going_alloc", &n);
	KUNIT_EXPECT_EQ(test, n, 1);
	KUNIT_EXPECT_EQ(test, c.live_objs, 1);
	KUNIT_EXPECT_EQ(test, c.allocs, 1);
	spanalloc_free(x);
}

static struct kunit_case sites_cases[] = {
	KUNIT_CASE(exact_counts),
	KUNIT_CASE(every_entry_point),
	KUNIT_CASE(sampled_estimate),
	KUNIT_CASE(off_records_nothing),
	KUNIT_CASE(module_going_retires_sites),
	{}
};

static struct kunit_suite sites_suite = {
	.name = "spanalloc_sites",
	.init = sites_case_init,
	.exit = sites_case_exit,
	.test_cases = sites_cases,
};

kunit_test_suite(sites_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for spanalloc's allocation sites");
