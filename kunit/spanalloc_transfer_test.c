// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the transfer caches (spanalloc/transfer.c): a batch one
 * CPU hands over is taken whole by another without the central list
 * moving, the per-class and total bounds, the drains of the shrinker and
 * the scavenger, and a double free of an object parked there.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include "sa_test.h"
#include "transfer.h"

#define SIZE	256

static struct sa_transfer_stats xfer(unsigned int cls)
{
	struct sa_transfer_stats st;

	sa_transfer_read_stats(cls, &st);
	return st;
}

static struct sa_central_stats central(unsigned int cls)
{
	struct sa_central_stats st;

	sa_central_read_stats(cls, &st);
	return st;
}

struct on_cpu {
	void **objs;
	unsigned int n;
	int cpu;
	unsigned int count;	/* the CPU's stack afterwards */
};

/* On the producer: allocate @n objects, free them all; some overflow. */
static long produce(void *arg)
{
	struct on_cpu *oc = arg;
	unsigned int i;

	for (i = 0; i < oc->n; i++)
		oc->objs[i] = spanalloc_alloc(SIZE, GFP_KERNEL);
	for (i = 0; i < oc->n; i++)
		spanalloc_free(oc->objs[i]);
	oc->cpu = raw_smp_processor_id();
	return 0;
}

/* On the consumer: one allocation, with an empty stack: a refill. */
static long consume(void *arg)
{
	struct on_cpu *oc = arg;

	migrate_disable();
	oc->objs[0] = spanalloc_alloc(SIZE, GFP_KERNEL);
	oc->cpu = smp_processor_id();
	oc->count = sa_cache_count(oc->cpu, sa_size_class(SIZE));
	migrate_enable();
	return 0;
}

static void batch_moves_between_cpus(struct kunit *test)
{
	unsigned int cls = sa_size_class(SIZE), batch = sa_class_batch(cls);
	unsigned int i, n = 3 * sa_cache_max_cap(cls);
	struct sa_central_stats c0, c1;
	struct sa_transfer_stats t0, t1;
	struct on_cpu prod = { .n = n }, cons = { .n = 1 };
	void *got = NULL;
	int a, b;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	a = cpumask_first(cpu_online_mask);
	b = cpumask_next(a, cpu_online_mask);
	prod.objs = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	cons.objs = &got;
	KUNIT_ASSERT_NOT_NULL(test, prod.objs);

	t0 = xfer(cls);
	KUNIT_ASSERT_EQ(test, t0.objs, 0);
	work_on_cpu(a, produce, &prod);
	KUNIT_ASSERT_EQ(test, prod.cpu, a);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_NOT_NULL(test, prod.objs[i]);
	t1 = xfer(cls);
	/* The producer's flushes went to the transfer cache, whole batches. */
	KUNIT_EXPECT_GE(test, t1.objs, (u64)batch);
	KUNIT_EXPECT_EQ(test, t1.objs % batch, 0);
	KUNIT_EXPECT_EQ(test, t1.overflows, t0.overflows);
	KUNIT_EXPECT_EQ(test, t1.inserts - t0.inserts, t1.objs / batch);
	KUNIT_EXPECT_EQ(test, sa_test_stats().transfer_cached_bytes, t1.objs * SIZE);
	KUNIT_EXPECT_EQ(test, sa_cache_count(b, cls), 0);

	t0 = t1;
	c0 = central(cls);
	work_on_cpu(b, consume, &cons);
	KUNIT_ASSERT_EQ(test, cons.cpu, b);
	KUNIT_ASSERT_NOT_NULL(test, got);
	t1 = xfer(cls);
	c1 = central(cls);
	/* One whole batch: one object served, the rest on the stack. */
	KUNIT_EXPECT_EQ(test, t1.objs, t0.objs - batch);
	KUNIT_EXPECT_EQ(test, t1.hits, t0.hits + 1);
	KUNIT_EXPECT_EQ(test, t1.misses, t0.misses);
	KUNIT_EXPECT_EQ(test, cons.count, batch - 1);
	/* The central list was not even locked. */
	KUNIT_EXPECT_EQ(test, c1.lock_count, c0.lock_count);
	KUNIT_EXPECT_EQ(test, c1.free_objs, c0.free_objs);
	KUNIT_EXPECT_EQ(test, c1.inuse_objs, c0.inuse_objs);
	/* It is one of the producer's objects. */
	for (i = 0; i < n && prod.objs[i] != got; i++)
		;
	KUNIT_EXPECT_LT(test, i, n);
	spanalloc_free(got);
}

/* Take @n objects of @cls straight from the central list. */
static void fetch_central(struct kunit *test, unsigned int cls, void **objs, unsigned int n)
{
	unsigned int k = 0;
	int got;

	while (k < n) {
		got = sa_central_fetch(cls, objs + k, min(n - k, sa_class_batch(cls)), GFP_KERNEL);
		KUNIT_ASSERT_GT(test, got, 0);
		k += got;
	}
}

static void bounds_respected(struct kunit *test)
{
	unsigned int cls = sa_size_class(SIZE), batch = sa_class_batch(cls);
	unsigned int kib = READ_ONCE(sa_transfer_kib), cap, n, i;
	struct sa_central_stats c0, c1;
	struct sa_transfer_stats t0, t1;
	void **objs;

	cap = xfer(cls).cap;
	KUNIT_ASSERT_GE(test, cap, batch);
	KUNIT_EXPECT_LE(test, (u64)cap * SIZE, max(1024ULL << 10, (u64)batch * SIZE));
	n = cap + 2 * batch;
	objs = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	fetch_central(test, cls, objs, n);
	c0 = central(cls);
	t0 = xfer(cls);

	/* Per class: cap objects, the rest to the central list. */
	for (i = 0; i < n; i += batch)
		sa_transfer_return(cls, objs + i, min(batch, n - i));
	t1 = xfer(cls);
	c1 = central(cls);
	KUNIT_EXPECT_EQ(test, t1.objs, cap);
	KUNIT_EXPECT_EQ(test, t1.inserts - t0.inserts, DIV_ROUND_UP(cap, batch));
	KUNIT_EXPECT_EQ(test, t1.overflows - t0.overflows, DIV_ROUND_UP(n, batch) -
			DIV_ROUND_UP(cap, batch));
	KUNIT_EXPECT_EQ(test, c1.free_objs, sa_central_recount(cls));
	KUNIT_EXPECT_EQ(test, c1.inuse_objs, c0.inuse_objs - (n - cap));
	KUNIT_EXPECT_EQ(test, sa_transfer_bytes(), (u64)cap * SIZE);

	/* Everything back, then the total: 1 KiB holds 4 objects, not a batch. */
	KUNIT_EXPECT_EQ(test, sa_transfer_drain_class(cls), cap);
	KUNIT_EXPECT_EQ(test, central(cls).inuse_objs, c0.inuse_objs - n);
	fetch_central(test, cls, objs, batch);
	WRITE_ONCE(sa_transfer_kib, 1);
	sa_transfer_return(cls, objs, 4);
	sa_transfer_return(cls, objs + 4, batch - 4);
	WRITE_ONCE(sa_transfer_kib, kib);
	t1 = xfer(cls);
	KUNIT_EXPECT_EQ(test, t1.objs, 4);
	KUNIT_EXPECT_LE(test, sa_transfer_bytes(), 1024);
	KUNIT_EXPECT_EQ(test, sa_transfer_drain_class(cls), 4);
	KUNIT_EXPECT_EQ(test, central(cls).inuse_objs, c0.inuse_objs - n);
	KUNIT_EXPECT_EQ(test, central(cls).refused, c0.refused);
	KUNIT_EXPECT_EQ(test, central(cls).free_objs, sa_central_recount(cls));
}

/* Frees on this CPU: the stack fills to its capacity, the rest goes down. */
static void **park(struct kunit *test, unsigned int cls, unsigned int extra,
		   unsigned int *np)
{
	unsigned int n = sa_cache_max_cap(cls) + extra;
	void **objs = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, objs);
	migrate_disable();
	KUNIT_ASSERT_EQ(test, spanalloc_alloc_bulk(SIZE, GFP_KERNEL, n, objs), n);
	KUNIT_EXPECT_EQ(test, sa_cache_count(smp_processor_id(), cls), 0);
	spanalloc_free_bulk(n, objs);
	KUNIT_EXPECT_EQ(test, sa_cache_count(smp_processor_id(), cls), sa_cache_max_cap(cls));
	migrate_enable();
	*np = n;
	return objs;
}

static void shrinker_and_scavenger_empty_it(struct kunit *test)
{
	unsigned int cls = sa_size_class(SIZE), batch = sa_class_batch(cls), n;
	struct spanalloc_memstats ms;

	park(test, cls, batch, &n);
	KUNIT_EXPECT_EQ(test, xfer(cls).objs, batch);
	KUNIT_EXPECT_EQ(test, sa_test_stats().transfer_cached_bytes, (u64)batch * SIZE);

	/* The scavenger leaves a class used within its period alone... */
	KUNIT_EXPECT_EQ(test, sa_transfer_drain(60 * HZ), 0);
	KUNIT_EXPECT_EQ(test, xfer(cls).objs, batch);
	/* ...and empties one idle that long. */
	msleep(3 * 1000 / HZ + 1);
	KUNIT_EXPECT_EQ(test, sa_transfer_drain(2), batch);
	KUNIT_EXPECT_EQ(test, xfer(cls).objs, 0);
	KUNIT_EXPECT_EQ(test, sa_transfer_metadata_bytes(), 0);

	/* The shrinker's drain (sa_api_flush()) empties it, memory goes back. */
	park(test, cls, batch, &n);
	KUNIT_EXPECT_EQ(test, xfer(cls).objs, batch);
	/* The one array now held, counted as the memory kmalloc gave it. */
	KUNIT_EXPECT_EQ(test, sa_transfer_metadata_bytes(),
			kmalloc_size_roundup(xfer(cls).cap * sizeof(void *)));
	sa_api_flush();
	KUNIT_EXPECT_EQ(test, xfer(cls).objs, 0);
	spanalloc_drain();
	ms = sa_test_stats();
	KUNIT_EXPECT_EQ(test, ms.transfer_cached_bytes, 0);
	KUNIT_EXPECT_EQ(test, ms.cpu_cached_bytes, 0);
	KUNIT_EXPECT_EQ(test, ms.central_free_bytes, 0);
	KUNIT_EXPECT_EQ(test, central(cls).spans, 0);
}

static void double_free_in_transfer_refused(struct kunit *test)
{
	unsigned int cls = sa_size_class(SIZE), batch = sa_class_batch(cls), n;
	struct spanalloc_memstats ms;
	struct sa_transfer_stats t0;
	struct sa_central_stats c0;
	void **objs, *x;

	objs = park(test, cls, batch, &n);
	/* The last frees did not fit on the stack: they are parked. */
	x = objs[n - 1];
	t0 = xfer(cls);
	KUNIT_ASSERT_EQ(test, t0.objs, batch);
	ms = sa_test_stats();
	c0 = central(cls);
	WRITE_ONCE(sa_report_bad_frees, false);
	spanalloc_free(x);
	WRITE_ONCE(sa_report_bad_frees, true);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, ms.bad_frees + 1);
	KUNIT_EXPECT_EQ(test, sa_test_stats().frees, ms.frees);
	KUNIT_EXPECT_EQ(test, sa_test_stats().live_objects, ms.live_objects);
	KUNIT_EXPECT_EQ(test, xfer(cls).objs, t0.objs);
	KUNIT_EXPECT_EQ(test, xfer(cls).inserts, t0.inserts);

	/* Back at its span once, accepted, nothing refused or lost. */
	sa_api_flush();
	KUNIT_EXPECT_EQ(test, central(cls).refused, c0.refused);
	KUNIT_EXPECT_EQ(test, central(cls).free_objs, sa_central_recount(cls));
	KUNIT_EXPECT_EQ(test, central(cls).inuse_objs, 0);
	KUNIT_EXPECT_EQ(test, sa_test_stats().lost_objects, ms.lost_objects);
}

static struct kunit_case transfer_cases[] = {
	KUNIT_CASE(batch_moves_between_cpus),
	KUNIT_CASE(bounds_respected),
	KUNIT_CASE(shrinker_and_scavenger_empty_it),
	KUNIT_CASE(double_free_in_transfer_refused),
	{}
};

static struct kunit_suite transfer_suite = {
	.name = "spanalloc_transfer",
	.init = sa_test_case_init,
	.exit = sa_test_case_exit,
	.test_cases = transfer_cases,
};

kunit_test_suite(transfer_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for spanalloc's transfer caches");
