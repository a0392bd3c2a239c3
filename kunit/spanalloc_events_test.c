// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for what the kernel does to spanalloc, not what a caller
 * does: a CPU going offline, the shrinker calling again and again, and the
 * kernel's init_on_alloc / init_on_free settings.
 *
 *   - CPU hotplug: a CPU that goes offline holds no cached object and no
 *     open tiny block afterwards; what it held is counted back exactly;
 *     objects it handed out are freed elsewhere without complaint, and the
 *     CPU allocates again once it is back.
 *   - The shrinker's rate limit: reclaim calls scan many times per pass,
 *     and each CPU-cache flush sends work to every CPU, so a flush happens
 *     at most once per 100 ms: two scans inside 100 ms count one shrink,
 *     the next one after the interval counts again, and a scan that may not
 *     block flushes nothing.
 *   - A drain's interrupts-off stretches: a drain empties a CPU's cache one
 *     stack at a time, interrupts off only while a stack changes hands, so
 *     its longest stretch is far shorter than emptying the whole cache in
 *     one go, as the drain by IPI did before.
 *   - init_on_alloc=1: every kind of object (tiny, small, large, above a
 *     chunk, typed caches without a constructor) comes out zeroed even when
 *     it is the dirty object just freed, and realloc zeroes what it adds in
 *     place; objects of a cache with a constructor keep their bytes (SLUB's
 *     rule). init_on_free=1: a freed object's bytes are wiped at once (all
 *     but the first word, which holds the free mark), except in a cache
 *     with a constructor. These cases skip unless the kernel runs with the
 *     setting; tests/guest/init-on.sh boots with both and requires them to
 *     run and pass.
 */
#include <linux/module.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/workqueue.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kasan.h>
#include <linux/mm.h>
#include "sa_test.h"
#include "transfer.h"

#define OBJ_SIZE	256
#define NR_OBJS		48

/* --- CPU hotplug ---------------------------------------------------------- */

struct on_cpu {
	void *objs[NR_OBJS];
	void *keep;		/* handed out on the CPU, freed elsewhere */
	void *tiny;
	bool ok;
};

/* On the CPU: leave NR_OBJS freed objects and a tiny block in its caches. */
static long fill_cpu(void *arg)
{
	struct on_cpu *oc = arg;
	int i;

	oc->ok = true;
	for (i = 0; i < NR_OBJS; i++) {
		oc->objs[i] = spanalloc_alloc(OBJ_SIZE, GFP_KERNEL);
		oc->ok &= !!oc->objs[i];
	}
	oc->keep = spanalloc_alloc(OBJ_SIZE, GFP_KERNEL);
	oc->tiny = spanalloc_alloc_tiny(5, GFP_KERNEL);
	oc->ok &= oc->keep && oc->tiny;
	for (i = 0; i < NR_OBJS; i++)
		spanalloc_free(oc->objs[i]);
	return 0;
}

/* On the CPU again, once it is back: one allocation and free. */
static long use_cpu(void *arg)
{
	void *p = spanalloc_alloc(OBJ_SIZE, GFP_KERNEL);

	*(bool *)arg = !!p;
	spanalloc_free(p);
	return 0;
}

static void cpu_offline_gives_back_its_cache(struct kunit *test)
{
	struct on_cpu *oc = kunit_kzalloc(test, sizeof(*oc), GFP_KERNEL);
	u64 objs, bytes, objs_after, bytes_after, bad0;
	struct spanalloc_memstats before, after;
	int cpu = cpumask_last(cpu_online_mask);
	bool used = false;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, oc);
	if (cpu == 0 || num_online_cpus() < 2)
		kunit_skip(test, "needs a second online CPU");
	bad0 = sa_test_stats().bad_frees;
	work_on_cpu(cpu, fill_cpu, oc);
	KUNIT_ASSERT_TRUE(test, oc->ok);
	sa_read_cpu_stats(cpu, &objs, &bytes);
	KUNIT_ASSERT_GE_MSG(test, objs, 1ULL, "cpu %d cached nothing", cpu);
	KUNIT_EXPECT_TRUE(test, sa_tiny_holds_block(cpu));
	before = sa_test_stats();

	ret = remove_cpu(cpu);
	if (ret)
		kunit_skip(test, "remove_cpu(%d) = %d", cpu, ret);
	sa_read_cpu_stats(cpu, &objs_after, &bytes_after);
	after = sa_test_stats();
	/* Free on another CPU what the dead one handed out. */
	spanalloc_free(oc->keep);
	spanalloc_free(oc->tiny);
	ret = add_cpu(cpu);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "add_cpu(%d)", cpu);

	KUNIT_EXPECT_EQ(test, objs_after, 0ULL);
	KUNIT_EXPECT_EQ(test, bytes_after, 0ULL);
	KUNIT_EXPECT_FALSE(test, sa_tiny_holds_block(cpu));
	/* Exactly the dead CPU's cached bytes left the CPU caches. */
	KUNIT_EXPECT_EQ(test, before.cpu_cached_bytes - after.cpu_cached_bytes, bytes);
	KUNIT_EXPECT_EQ(test, after.live_objects, before.live_objects);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, bad0);
	work_on_cpu(cpu, use_cpu, &used);
	KUNIT_EXPECT_TRUE(test, used);
}

/* --- the shrinker's rate limit ------------------------------------------- */

static u64 shrinks(void)
{
	return sa_test_stats().shrinks;
}

static void shrinker_flushes_at_most_every_100ms(struct kunit *test)
{
	unsigned long t0, t1;
	bool timed = false;
	u64 s0, s1;
	int try;

	for (try = 0; try < 5 && !timed; try++) {
		msleep(150);		/* past the interval since any flush */
		s0 = shrinks();
		t0 = jiffies;
		sa_shrinker_scan(GFP_KERNEL);
		sa_shrinker_scan(GFP_KERNEL);
		t1 = jiffies;
		s1 = shrinks();
		/* Both scans inside the interval: the second must not flush. */
		if (time_before(t1, t0 + HZ / 10)) {
			timed = true;
			KUNIT_EXPECT_EQ_MSG(test, s1 - s0, 1ULL,
					    "two scans within %u ms", jiffies_to_msecs(t1 - t0));
		}
	}
	KUNIT_ASSERT_TRUE_MSG(test, timed, "two scans never fit in 100 ms (a slow guest?)");

	msleep(150);
	s0 = shrinks();
	sa_shrinker_scan(GFP_KERNEL);
	KUNIT_EXPECT_EQ_MSG(test, shrinks() - s0, 1ULL, "a scan after the interval flushes");

	msleep(150);
	s0 = shrinks();
	KUNIT_EXPECT_EQ(test, sa_shrinker_scan(GFP_NOWAIT), SHRINK_STOP);
	KUNIT_EXPECT_EQ_MSG(test, shrinks() - s0, 0ULL, "a scan that may not block flushed");
}

/* --- init_on_alloc / init_on_free ------------------------------------------ */

/* Offset of the first byte of @p[from..n) that is not @c, or @n. */
static size_t first_not(const void *p, size_t from, size_t n, u8 c)
{
	const u8 *b = p;
	size_t i;

	for (i = from; i < n; i++)
		if (b[i] != c)
			return i;
	return n;
}

/* Sizes of every kind: tiny (through the tiny call), small, large, direct. */
static size_t kind_size(int k)
{
	static const size_t small[] = { 5, 8, 64, 1000, 4096, 32768, 65536 };

	if (k < ARRAY_SIZE(small))
		return small[k];
	return sa_test_chunk_bytes() + 1;
}

#define NR_KINDS	8

/*
 * Fill this CPU's cache with free objects of many classes: 2 x batch of
 * each allocated, then freed here (the budget keeps it under
 * cpu_cache_kib). Migration off. Return: bytes cached.
 */
static u64 fill_cache(struct kunit *test, void **p)
{
	static const unsigned int sizes[] = {
		8, 16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536,
		2048, 3072, 4096, 8192,
	};
	unsigned int s, i, n;
	u64 objs, bytes;

	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		n = 2 * sa_class_batch(sa_size_class(sizes[s]));
		for (i = 0; i < n; i++) {
			p[i] = spanalloc_alloc(sizes[s], GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, p[i]);
		}
		for (i = 0; i < n; i++)
			spanalloc_free(p[i]);
	}
	sa_read_cpu_stats(smp_processor_id(), &objs, &bytes);
	return bytes;
}

/*
 * The drain (sa_cache_flush() from a work item on each CPU) keeps
 * interrupts off per stack; its longest stretch is recorded per CPU (shown
 * as drain_irqoff_max_ns in memstats). The same full cache emptied in one
 * interrupts-off stretch (sa_cache_flush_one_irqoff(), the shape of the
 * drain by IPI before) takes at least 4 times as long. Both times are
 * local_clock() under QEMU TCG: inflated, only their ratio counts.
 */
static void drain_keeps_irqs_off_per_stack(struct kunit *test)
{
	u64 held, per_stack = 0, whole = 0;
	unsigned int n = 0, t;
	void **p;

	p = kunit_kcalloc(test, SA_MAX_BATCH * SA_NR_CACHED * 2, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	spanalloc_drain();
	/*
	 * Up to five tries: the host may deschedule a vCPU inside any
	 * stretch, which no guest can prevent; one clean try shows the shape.
	 * The largest stack holds 128 of about 1500 objects, so a clean try
	 * gives a ratio near 10.
	 */
	for (t = 0; t < 5; t++) {
		migrate_disable();
		held = fill_cache(test, p);
		migrate_enable();
		KUNIT_ASSERT_GT(test, held, 0);
		sa_drain_irqoff_max_ns(true);
		spanalloc_drain();
		per_stack = sa_drain_irqoff_max_ns(false);
		KUNIT_EXPECT_EQ(test, sa_test_stats().cpu_cached_bytes, 0);

		migrate_disable();
		held = fill_cache(test, p);
		whole = sa_cache_flush_one_irqoff(p, &n);
		migrate_enable();
		kunit_info(test, "try %u, %llu bytes cached: drain's longest irq-off stretch %llu ns, whole cache at once %llu ns (%u objects)",
			   t + 1, held, per_stack, whole, n);
		if (per_stack && per_stack * 4 <= whole)
			break;
	}
	KUNIT_EXPECT_GT(test, per_stack, 0);
	KUNIT_EXPECT_GT(test, n, 0);
	KUNIT_EXPECT_LE(test, per_stack * 4, whole);
	spanalloc_drain();
}

static void *alloc_kind(int k, gfp_t gfp)
{
	return k == 0 ? spanalloc_alloc_tiny(kind_size(k), gfp) :
			spanalloc_alloc(kind_size(k), gfp);
}

/*
 * Bytes a freed object of kind @k holds that are not the caller's: none
 * for tiny, the free mark's word for small, the page heap's free-block
 * header (list link and order) for large.
 */
static size_t kept_on_free(int k)
{
	if (k == 0)
		return 0;
	return kind_size(k) <= SPANALLOC_MAX_SMALL_SIZE ? sizeof(void *) : 32;
}

static void init_on_alloc_zeroes_every_kind(struct kunit *test)
{
	int k;

	if (!want_init_on_alloc(GFP_KERNEL))
		kunit_skip(test, "the kernel runs without init_on_alloc=1");
	for (k = 0; k < NR_KINDS; k++) {
		size_t usable, bad;
		u8 *p, *q;

		migrate_disable();
		p = alloc_kind(k, GFP_KERNEL);
		if (p) {
			usable = spanalloc_usable_size(p);
			memset(p, 0xa5, usable);
			spanalloc_free(p);
			/*
			 * Stale bytes even if init_on_free wiped them: what
			 * init_on_free would leave to a bug elsewhere. Tiny
			 * objects are always wiped on free, and memory above a
			 * chunk is the page allocator's again.
			 */
			if (k > 0 && k < NR_KINDS - 1) {
				kasan_disable_current();
				memset(p + kept_on_free(k), 0x5a, usable - kept_on_free(k));
				kasan_enable_current();
			}
		}
		q = alloc_kind(k, GFP_KERNEL);
		migrate_enable();
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_ASSERT_NOT_NULL(test, q);
		/*
		 * Below a page the dirty object itself comes back (LIFO); the
		 * tiny allocator bumps on to the next bytes of its block.
		 */
		if (k > 0 && kind_size(k) < PAGE_SIZE)
			KUNIT_EXPECT_PTR_EQ_MSG(test, q, p, "size %zu", kind_size(k));
		usable = spanalloc_usable_size(q);
		bad = first_not(q, 0, usable, 0);
		KUNIT_EXPECT_EQ_MSG(test, bad, usable, "size %zu: byte %zu not zero",
				    kind_size(k), bad);
		spanalloc_free(q);
	}
}

static void init_on_alloc_realloc_zeroes_what_it_adds(struct kunit *test)
{
	size_t usable, bad;
	u8 *p, *q;

	if (!want_init_on_alloc(GFP_KERNEL))
		kunit_skip(test, "the kernel runs without init_on_alloc=1");
	p = spanalloc_alloc(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	usable = spanalloc_usable_size(p);
	memset(p, 0xa5, usable);
	q = spanalloc_realloc(p, 40, GFP_KERNEL);	/* in place, smaller */
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	q = spanalloc_realloc(p, usable, GFP_KERNEL);	/* in place, back up */
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_EQ(test, first_not(q, 0, 40, 0xa5), 40UL);
	bad = first_not(q, 40, usable, 0);
	KUNIT_EXPECT_EQ_MSG(test, bad, usable, "byte %zu of the grown part not zero", bad);
	spanalloc_free(q);
}

static void ctor_a5(void *p)
{
	memset(p, 0xa5, 200);
}

/* A cache without and one with a constructor, under init_on_alloc. */
static void init_on_alloc_typed_caches(struct kunit *test)
{
	struct spanalloc_cache *plain, *ctor;
	u8 *p, *q;

	if (!want_init_on_alloc(GFP_KERNEL))
		kunit_skip(test, "the kernel runs without init_on_alloc=1");
	plain = spanalloc_cache_create("sa_events_plain", 200, 0, 0, NULL);
	ctor = spanalloc_cache_create("sa_events_ctor", 200, 0, 0, ctor_a5);
	KUNIT_ASSERT_NOT_NULL(test, plain);
	KUNIT_ASSERT_NOT_NULL(test, ctor);

	migrate_disable();
	p = spanalloc_cache_alloc(plain, GFP_KERNEL);
	if (p) {
		memset(p, 0x5a, 200);
		spanalloc_cache_free(plain, p);
		kasan_disable_current();
		memset(p + sizeof(void *), 0x5a, 200 - sizeof(void *));
		kasan_enable_current();
	}
	q = spanalloc_cache_alloc(plain, GFP_KERNEL);
	migrate_enable();
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	if (q)
		KUNIT_EXPECT_EQ(test, first_not(q, 0, 200, 0), 200UL);
	spanalloc_cache_free(plain, q);

	/* A constructed object is not zeroed: its constructor's bytes stay. */
	p = spanalloc_cache_alloc(ctor, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, first_not(p, 0, 200, 0xa5), 200UL);
	spanalloc_cache_free(ctor, p);
	spanalloc_cache_destroy(plain);
	spanalloc_cache_destroy(ctor);
}

static void init_on_free_wipes_every_kind(struct kunit *test)
{
	struct spanalloc_cache *ctor;
	size_t usable, bad;
	int k;

	if (!want_init_on_free())
		kunit_skip(test, "the kernel runs without init_on_free=1");
	/*
	 * Tiny, small and large objects stay in spanalloc's memory when freed,
	 * so their bytes can be read back; memory above a chunk goes back to
	 * the page allocator (which wipes it itself) and is not read.
	 */
	for (k = 0; k < NR_KINDS - 1; k++) {
		u8 *p = alloc_kind(k, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		usable = spanalloc_usable_size(p);
		memset(p, 0xa5, usable);
		spanalloc_free(p);
		kasan_disable_current();
		bad = first_not(p, kept_on_free(k), usable, 0);
		kasan_enable_current();
		KUNIT_EXPECT_EQ_MSG(test, bad, usable, "size %zu: byte %zu kept after free",
				    kind_size(k), bad);
	}

	/* A cache with a constructor keeps its objects' bytes (SLUB's rule). */
	ctor = spanalloc_cache_create("sa_events_ctor", 200, 0, 0, ctor_a5);
	KUNIT_ASSERT_NOT_NULL(test, ctor);
	{
		u8 *p = spanalloc_cache_alloc(ctor, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		spanalloc_cache_free(ctor, p);
		kasan_disable_current();
		bad = first_not(p, 0, 200, 0xa5);
		kasan_enable_current();
		KUNIT_EXPECT_EQ(test, bad, 200UL);
	}
	spanalloc_cache_destroy(ctor);
}

static struct kunit_case sa_events_cases[] = {
	KUNIT_CASE(cpu_offline_gives_back_its_cache),
	KUNIT_CASE(shrinker_flushes_at_most_every_100ms),
	KUNIT_CASE(drain_keeps_irqs_off_per_stack),
	KUNIT_CASE(init_on_alloc_zeroes_every_kind),
	KUNIT_CASE(init_on_alloc_realloc_zeroes_what_it_adds),
	KUNIT_CASE(init_on_alloc_typed_caches),
	KUNIT_CASE(init_on_free_wipes_every_kind),
	{}
};

static struct kunit_suite sa_events_suite = {
	.name = "spanalloc_events",
	.init = sa_test_case_init,
	.exit = sa_test_case_exit,
	.test_cases = sa_events_cases,
};

kunit_test_suite(sa_events_suite);

MODULE_DESCRIPTION("KUnit tests for CPU hotplug, the shrinker's rate limit and init_on_alloc/free");
MODULE_LICENSE("GPL");
