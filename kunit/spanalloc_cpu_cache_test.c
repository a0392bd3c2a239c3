// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the per-CPU caches (spanalloc/cpu_cache.c): refill and
 * flush thresholds, the per-CPU byte budget, the immediate double-free
 * check, frees landing in the freeing CPU's cache, hotplug-free drain.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/kthread.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/log2.h>
#include "sa_test.h"
#include "transfer.h"
#include "sa_fault.h"

static u64 cpu_counter(int cpu, size_t off)
{
	u64 o, b;

	return *(const u64 *)((const char *)sa_read_cpu_stats(cpu, &o, &b) + off);
}

#define CPU_STAT(cpu, field) cpu_counter(cpu, offsetof(struct sa_cpu_stats, field))

/*
 * Refill and flush thresholds, with the capacity the misses earn. After a
 * drain the stack's capacity is 0. Each refill (slow start: 2, 4, 8, ...
 * objects up to the batch) raises it to what it fetched and keeps all but
 * the one it serves. Frees then fill the stack to its capacity (a batch);
 * the next free raises it by a batch to its maximum (twice the batch), no
 * flush; at the maximum the next free sends a batch back.
 * The class's spans are half free beforehand (every other object of
 * 8 * n is held), so every refill is filled from spans the class holds: a
 * refill cuts no span for spare objects (see the next case).
 */
static void refill_and_flush_thresholds(struct kunit *test)
{
	unsigned int cls = sa_size_class(256), batch = sa_class_batch(cls);
	unsigned int max = sa_cache_max_cap(cls), i = 0, j, want, n = 4 * batch;
	unsigned int nseed = 8 * n;
	u64 refills, flushes, grows;
	void **objs, **seed;
	int cpu;

	KUNIT_ASSERT_EQ(test, max, 2 * batch);
	KUNIT_ASSERT_GE(test, nseed / 2, n);
	objs = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	seed = kunit_kcalloc(test, nseed, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_NOT_NULL(test, seed);
	KUNIT_ASSERT_EQ(test, spanalloc_alloc_bulk(256, GFP_KERNEL, nseed, seed), nseed);
	for (i = 0; i < nseed; i += 2)
		spanalloc_free(seed[i]);
	i = 0;
	sa_cache_drain_all(NULL, NULL);

	migrate_disable();
	cpu = smp_processor_id();
	KUNIT_EXPECT_EQ(test, sa_cache_count(cpu, cls), 0);
	KUNIT_EXPECT_EQ(test, sa_cache_cap(cpu, cls), 0);
	refills = CPU_STAT(cpu, refills);
	for (want = 2, j = 1; ; want = min(2 * want, batch), j++) {
		objs[i] = spanalloc_alloc(256, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i++]);
		KUNIT_EXPECT_EQ_MSG(test, sa_cache_count(cpu, cls), want - 1, "refill %u", j);
		KUNIT_EXPECT_EQ_MSG(test, sa_cache_cap(cpu, cls), want, "refill %u", j);
		KUNIT_EXPECT_EQ(test, CPU_STAT(cpu, refills), refills + j);
		while (sa_cache_count(cpu, cls)) {
			objs[i] = spanalloc_alloc(256, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, objs[i++]);
		}
		KUNIT_EXPECT_EQ(test, CPU_STAT(cpu, refills), refills + j);
		if (want == batch)
			break;
	}
	/* At full batch now: at least max + batch objects, the cache empty. */
	while (i < max + batch || sa_cache_count(cpu, cls)) {
		objs[i] = spanalloc_alloc(256, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i++]);
	}
	n = i;
	KUNIT_EXPECT_EQ(test, sa_cache_cap(cpu, cls), batch);

	/* Frees fill the stack up to its capacity without a flush... */
	flushes = CPU_STAT(cpu, flushes);
	grows = CPU_STAT(cpu, grows);
	for (i = 0; i < batch; i++)
		spanalloc_free(objs[i]);
	KUNIT_EXPECT_EQ(test, sa_cache_count(cpu, cls), batch);
	/* ...the next one raises the capacity to the maximum... */
	spanalloc_free(objs[i++]);
	KUNIT_EXPECT_EQ(test, sa_cache_cap(cpu, cls), max);
	KUNIT_EXPECT_EQ(test, CPU_STAT(cpu, grows), grows + 1);
	for (; i < max; i++)
		spanalloc_free(objs[i]);
	KUNIT_EXPECT_EQ(test, sa_cache_count(cpu, cls), max);
	KUNIT_EXPECT_EQ(test, CPU_STAT(cpu, flushes), flushes);
	/* ...and at the maximum the next free sends a batch back. */
	spanalloc_free(objs[i++]);
	KUNIT_EXPECT_EQ(test, sa_cache_count(cpu, cls), max - batch + 1);
	KUNIT_EXPECT_EQ(test, sa_cache_cap(cpu, cls), max);
	KUNIT_EXPECT_EQ(test, CPU_STAT(cpu, flushes), flushes + 1);
	for (; i < n; i++)
		spanalloc_free(objs[i]);
	migrate_enable();
	for (i = 1; i < nseed; i += 2)
		spanalloc_free(seed[i]);
}

/*
 * A refill cuts no span for the objects it parks in the CPU cache: it
 * takes what the class's spans have free, and cuts a new span only when
 * they have none (sa_central_fetch_some()). So with every object live, the
 * class's unused slots (parked in the cache or free in its spans) are
 * fewer than one span holds. With empty spans given back at once, 31
 * allocations of 256 B on one CPU after a drain: refills of 2, 4, 8 and 16
 * objects fetched 62 before (29 parked, two spans more than needed); now
 * fewer than a span's 16 may be left unused.
 */
static void refill_cuts_no_span_for_spare_objects(struct kunit *test)
{
	unsigned int cls = sa_size_class(256), i, n = 31;
	struct sa_central_stats st0, st1;
	u64 unused, live;
	void **objs;
	int cpu;

	KUNIT_ASSERT_EQ(test, sa_set_param_for_case(test, "keep_empty_spans", 0, 1), 0);
	objs = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	spanalloc_drain();
	sa_central_read_stats(cls, &st0);
	/* No span of the class has a free slot: every new one is cut here. */
	KUNIT_ASSERT_EQ(test, st0.free_objs, 0);
	migrate_disable();
	cpu = smp_processor_id();
	for (i = 0; i < n; i++) {
		objs[i] = spanalloc_alloc(256, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	sa_central_read_stats(cls, &st1);
	live = st1.inuse_objs - st0.inuse_objs - sa_cache_count(cpu, cls);
	unused = sa_cache_count(cpu, cls) + st1.free_objs;
	migrate_enable();
	KUNIT_EXPECT_EQ(test, live, n);
	KUNIT_EXPECT_LT_MSG(test, unused, (u64)sa_class_objs(cls),
			    "%llu slots unused in %llu new spans for %u objects",
			    unused, st1.spans - st0.spans, n);
	KUNIT_EXPECT_EQ(test, (st1.spans - st0.spans) * sa_class_objs(cls), n + unused);
	for (i = 0; i < n; i++)
		spanalloc_free(objs[i]);
}

/*
 * A CPU's stacks get their slots (one block for the generated classes, one
 * for typed caches' own classes) at its first miss of one of them, not at
 * load: a CPU that never uses spanalloc holds none, and
 * sa_cache_metadata_bytes() counts only the blocks CPUs have. With this CPU's
 * slots taken away, the first allocation (a refill) brings them back, and
 * so does the first free (in any context: GFP_NOWAIT), which then lands on
 * the stack.
 */
static void slots_come_with_the_first_miss(struct kunit *test)
{
	unsigned int cls = sa_size_class(64), c;
	size_t meta, slot_bytes = 0;
	void *p;
	int cpu;

	/*
	 * The block of the generated classes (and the tiny blocks'), counted
	 * as the memory it holds: whole pages, none beyond the last slot's.
	 */
	for (c = 1; c < SA_CLASS_DYN0; c++)
		slot_bytes += sa_cache_max_cap(c) * sizeof(void *);
	slot_bytes = PAGE_ALIGN(slot_bytes);
	migrate_disable();
	cpu = smp_processor_id();
	/* This CPU has used spanalloc before: it has its slots. */
	p = spanalloc_alloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	spanalloc_free(p);
	meta = sa_cache_metadata_bytes();
	KUNIT_ASSERT_TRUE(test, sa_cache_drop_slots());
	KUNIT_EXPECT_EQ(test, sa_cache_metadata_bytes(), meta - slot_bytes);
	KUNIT_EXPECT_EQ(test, sa_cache_cap(cpu, cls), 0);

	p = spanalloc_alloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, sa_cache_metadata_bytes(), meta);
	KUNIT_EXPECT_GT(test, sa_cache_cap(cpu, cls), 0);
	KUNIT_EXPECT_EQ(test, sa_cache_count(cpu, cls), sa_cache_cap(cpu, cls) - 1);

	KUNIT_ASSERT_TRUE(test, sa_cache_drop_slots());
	KUNIT_EXPECT_EQ(test, sa_cache_metadata_bytes(), meta - slot_bytes);
	spanalloc_free(p);
	KUNIT_EXPECT_EQ(test, sa_cache_metadata_bytes(), meta);
	KUNIT_EXPECT_EQ(test, sa_cache_count(cpu, cls), 1);
	migrate_enable();
}

/*
 * The fast path counts no allocation and no cached byte (cpu_cache.h): the
 * allocations, the cached bytes and the size histogram are derived when
 * read. On one pinned CPU, 300 allocations of 96 bytes (most served by the
 * stack, some by refills) must read back as exactly 300 allocations of this
 * CPU and class and 300 requests of the (64, 128] bucket; after a drain
 * (the slow path taking every object off the stacks) and 300 frees, the
 * same, 300 frees, and no cached bytes.
 */
static void folded_counters_read_back_exactly(struct kunit *test)
{
	unsigned int cls = sa_size_class(96), b = sa_size_bucket(96), i, n = 300;
	u64 m0, f0, h0, objs, bytes;
	void **p;
	int cpu;

	p = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	migrate_disable();
	cpu = smp_processor_id();
	m0 = sa_cpu_cls_mallocs(cpu, cls);
	f0 = CPU_STAT(cpu, cls_frees[cls]);
	h0 = sa_size_count(b);
	for (i = 0; i < n; i++) {
		p[i] = spanalloc_alloc(96, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	KUNIT_EXPECT_EQ(test, sa_cpu_cls_mallocs(cpu, cls) - m0, n);
	KUNIT_EXPECT_EQ(test, sa_size_count(b) - h0, n);
	sa_read_cpu_stats(cpu, &objs, &bytes);
	KUNIT_EXPECT_EQ(test, bytes % 8, 0);
	migrate_enable();

	sa_cache_drain_all(NULL, NULL);
	migrate_disable();
	cpu = smp_processor_id();
	m0 = sa_cls_mallocs(cls);
	for (i = 0; i < n; i++)
		spanalloc_free(p[i]);
	KUNIT_EXPECT_EQ(test, sa_cls_mallocs(cls), m0);
	KUNIT_EXPECT_EQ(test, SA_CPU_SUM(cls_frees[cls]) - f0, n);
	sa_read_cpu_stats(cpu, &objs, &bytes);
	KUNIT_EXPECT_EQ(test, bytes, (u64)sa_cache_count(cpu, cls) * sa_class_size(cls));
	migrate_enable();
	sa_cache_drain_all(NULL, NULL);
	KUNIT_EXPECT_EQ(test, sa_test_stats().cpu_cached_bytes, 0);
	KUNIT_EXPECT_EQ(test, sa_cls_mallocs(cls), m0);
}

/*
 * A class that misses takes capacity from the coldest class, not from a
 * hot one. Budget 160 KiB, after a drain (every capacity 0, no misses):
 * C (2048 B) is cold: 4 frees, one miss, capacity 32 (64 KiB). B (512 B)
 * is hot: rounds of 100 allocations and frees miss many times, capacity
 * 64 (32 KiB). D (8192 B) frees 16 objects: its first miss takes the last
 * 64 KiB; its second, a batch more, finds the budget spent and must take
 * it from C (one miss, fewer than D's two): C's unused capacity first,
 * then C's objects. B keeps its capacity.
 */
static void growth_takes_from_the_coldest(struct kunit *test)
{
	unsigned int c = sa_size_class(2048), b = sa_size_class(512), d = sa_size_class(8192);
	unsigned int i, r, capb;
	void *pc[4], *pb[100], *pd[16];
	u64 ev, objs, bytes;
	int cpu;

	KUNIT_ASSERT_EQ(test, sa_class_batch(c), 32);
	KUNIT_ASSERT_EQ(test, sa_class_batch(d), 8);
	KUNIT_ASSERT_EQ(test, sa_cache_max_cap(d), 16);
	KUNIT_ASSERT_EQ(test, sa_set_param_for_case(test, "cpu_cache_kib", 160,
						    READ_ONCE(sa_cpu_cache_kib)), 0);
	sa_cache_drain_all(NULL, NULL);
	migrate_disable();
	cpu = smp_processor_id();
	KUNIT_ASSERT_EQ(test, spanalloc_alloc_bulk(2048, GFP_KERNEL, 4, pc), 4);
	KUNIT_ASSERT_EQ(test, spanalloc_alloc_bulk(8192, GFP_KERNEL, 16, pd), 16);
	for (i = 0; i < ARRAY_SIZE(pc); i++)
		spanalloc_free(pc[i]);
	KUNIT_EXPECT_EQ(test, sa_cache_cap(cpu, c), 32);
	for (r = 0; r < 5; r++) {
		for (i = 0; i < ARRAY_SIZE(pb); i++) {
			pb[i] = spanalloc_alloc(512, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, pb[i]);
		}
		for (i = 0; i < ARRAY_SIZE(pb); i++)
			spanalloc_free(pb[i]);
	}
	capb = sa_cache_cap(cpu, b);
	KUNIT_EXPECT_EQ(test, capb, 64);
	ev = CPU_STAT(cpu, evictions);
	for (i = 0; i < ARRAY_SIZE(pd); i++)
		spanalloc_free(pd[i]);
	KUNIT_EXPECT_EQ(test, sa_cache_cap(cpu, d), 16);
	KUNIT_EXPECT_EQ(test, sa_cache_count(cpu, d), 16);
	KUNIT_EXPECT_EQ(test, sa_cache_cap(cpu, b), capb);
	KUNIT_EXPECT_EQ(test, sa_cache_cap(cpu, c), 0);
	KUNIT_EXPECT_EQ(test, sa_cache_count(cpu, c), 0);
	KUNIT_EXPECT_EQ(test, CPU_STAT(cpu, evictions), ev + 1);
	sa_read_cpu_stats(cpu, &objs, &bytes);
	KUNIT_EXPECT_LE(test, bytes, 160 * 1024);
	migrate_enable();
}

/*
 * An idle class gives its unused capacity back at the end of a resize
 * interval (SA_RESIZE_MISSES misses of the CPU). E (1024 B) frees 4
 * objects, capacity a batch (32); then F (4096 B) misses until two
 * intervals have ended. E was idle for a whole interval: its capacity
 * falls to the 4 objects it holds.
 */
static void idle_class_gives_back_capacity(struct kunit *test)
{
	unsigned int e = sa_size_class(1024), i, r;
	u64 shrunk;
	void *pe[4], **pf;
	int cpu;

	pf = kunit_kcalloc(test, 200, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pf);
	sa_cache_drain_all(NULL, NULL);
	migrate_disable();
	cpu = smp_processor_id();
	KUNIT_ASSERT_EQ(test, spanalloc_alloc_bulk(1024, GFP_KERNEL, 4, pe), 4);
	for (i = 0; i < ARRAY_SIZE(pe); i++)
		spanalloc_free(pe[i]);
	KUNIT_EXPECT_EQ(test, sa_cache_cap(cpu, e), sa_class_batch(e));
	shrunk = CPU_STAT(cpu, shrunk_idle);
	/* Two interval ends at most: the first may still see E's frees. */
	for (r = 0; r < 60 && sa_cache_cap(cpu, e) > 4; r++) {
		for (i = 0; i < 200; i++) {
			pf[i] = spanalloc_alloc(4096, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, pf[i]);
		}
		for (i = 0; i < 200; i++)
			spanalloc_free(pf[i]);
	}
	KUNIT_EXPECT_GT(test, CPU_STAT(cpu, shrunk_idle), shrunk);
	KUNIT_EXPECT_EQ(test, sa_cache_cap(cpu, e), 4);
	KUNIT_EXPECT_EQ(test, sa_cache_count(cpu, e), 4);
	migrate_enable();
}

static void immediate_double_free_refused(struct kunit *test)
{
	unsigned int cls = sa_size_class(64);
	u64 bad = sa_test_stats().bad_frees, frees;
	void *p, *q;
	int cpu;

	migrate_disable();
	cpu = smp_processor_id();
	p = spanalloc_alloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	spanalloc_free(p);
	frees = sa_test_stats().frees;
	WRITE_ONCE(sa_report_bad_frees, false);
	spanalloc_free(p);
	WRITE_ONCE(sa_report_bad_frees, true);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, bad + 1);
	KUNIT_EXPECT_EQ(test, sa_test_stats().frees, frees);
	/* The cache holds p once: two allocations return two objects. */
	p = spanalloc_alloc(64, GFP_KERNEL);
	q = spanalloc_alloc(64, GFP_KERNEL);
	KUNIT_EXPECT_PTR_NE(test, p, q);
	spanalloc_free(p);
	spanalloc_free(q);
	KUNIT_EXPECT_GE(test, sa_cache_count(cpu, cls), 2);
	migrate_enable();
}

/*
 * cpu_cache_kib bounds what one CPU caches over all its classes. On one
 * pinned CPU, 16 KiB of objects of each of six classes are allocated and
 * freed: every class's stack has room for them (capacity x size is 32 KiB
 * for each), so without the budget this CPU would cache 96 KiB. With
 * cpu_cache_kib=16 (set through sysfs, as a user would) it holds at most
 * 16 KiB and the rest went back to the central lists.
 */
static void byte_budget_is_kept(struct kunit *test)
{
	static const unsigned int sizes[] = { 256, 512, 1024, 2048, 4096, 8192 };
	unsigned int old = READ_ONCE(sa_cpu_cache_kib), s, i, k = 0, n = 0;
	u64 objs, bytes, freed = 0;
	void **p;
	int cpu;

	for (s = 0; s < ARRAY_SIZE(sizes); s++)
		n += 16384 / sizes[s];
	p = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (s = 0; s < ARRAY_SIZE(sizes); s++)
		KUNIT_ASSERT_GE(test, sa_cache_max_cap(sa_size_class(sizes[s])) * sizes[s], 32768);
	KUNIT_ASSERT_EQ(test, sa_set_param("cpu_cache_kib", 16), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(sa_cpu_cache_kib), 16);

	migrate_disable();
	cpu = smp_processor_id();
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (i = 0; i < 16384 / sizes[s]; i++) {
			p[k] = spanalloc_alloc(sizes[s], GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, p[k]);
			k++;
		}
	}
	for (i = 0; i < k; i++) {
		freed += spanalloc_usable_size(p[i]);
		spanalloc_free(p[i]);
	}
	sa_read_cpu_stats(cpu, &objs, &bytes);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, freed, 6 * 16384);
	kunit_info(test, "cpu%d caches %llu bytes in %llu objects after freeing %llu bytes",
		   cpu, bytes, objs, freed);
	KUNIT_EXPECT_LE(test, bytes, 16384);
	KUNIT_EXPECT_GT(test, bytes, 0);
	KUNIT_EXPECT_EQ(test, sa_set_param("cpu_cache_kib", old), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(sa_cpu_cache_kib), old);
}

struct remote_free {
	void **objs;
	unsigned int n;
	struct completion done;
};

/*
 * A spent byte budget makes room by evicting another class, not by sending
 * each free of the current class down alone. With cpu_cache_kib=64 filled
 * by eight 8192-byte objects, eight frees of 128 bytes stay on this CPU's
 * stack and one batch of the 8192-byte class goes down instead. Before,
 * the 128-byte stack stayed empty and each of the eight frees went down by
 * itself (8 overflows, no eviction).
 */
static void spent_budget_evicts_other_class(struct kunit *test)
{
	unsigned int big = sa_size_class(8192), small = sa_size_class(128), i;
	u64 ev, objs, bytes;
	void *b[8], *s[8];
	int cpu;

	KUNIT_ASSERT_EQ(test, sa_class_batch(big), ARRAY_SIZE(b));
	KUNIT_ASSERT_EQ(test, sa_set_param_for_case(test, "cpu_cache_kib", 64,
						    READ_ONCE(sa_cpu_cache_kib)), 0);
	migrate_disable();
	cpu = smp_processor_id();
	KUNIT_ASSERT_EQ(test, spanalloc_alloc_bulk(128, GFP_KERNEL, ARRAY_SIZE(s), s),
			ARRAY_SIZE(s));
	KUNIT_ASSERT_EQ(test, spanalloc_alloc_bulk(8192, GFP_KERNEL, ARRAY_SIZE(b), b),
			ARRAY_SIZE(b));
	KUNIT_EXPECT_EQ(test, sa_cache_count(cpu, small), 0);
	for (i = 0; i < ARRAY_SIZE(b); i++)
		spanalloc_free(b[i]);
	sa_read_cpu_stats(cpu, &objs, &bytes);
	KUNIT_EXPECT_EQ(test, bytes, 65536);
	ev = CPU_STAT(cpu, evictions);
	for (i = 0; i < ARRAY_SIZE(s); i++)
		spanalloc_free(s[i]);
	KUNIT_EXPECT_EQ(test, sa_cache_count(cpu, small), ARRAY_SIZE(s));
	KUNIT_EXPECT_EQ(test, sa_cache_count(cpu, big), 0);
	KUNIT_EXPECT_EQ(test, CPU_STAT(cpu, evictions), ev + 1);
	sa_read_cpu_stats(cpu, &objs, &bytes);
	KUNIT_EXPECT_EQ(test, bytes, ARRAY_SIZE(s) * 128);
	migrate_enable();
}

static int remote_free_fn(void *arg)
{
	struct remote_free *rf = arg;
	unsigned int i;

	for (i = 0; i < rf->n; i++)
		spanalloc_free(rf->objs[i]);
	complete(&rf->done);
	return 0;
}

static void free_goes_to_freeing_cpu(struct kunit *test)
{
	unsigned int cls = sa_size_class(128), i;
	struct remote_free rf = { .n = 8 };
	struct task_struct *t;
	int cpu, other = -1, c;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	rf.objs = kunit_kcalloc(test, rf.n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rf.objs);
	init_completion(&rf.done);

	migrate_disable();
	cpu = smp_processor_id();
	/* A CPU of this CPU's node: another node's CPU sends the objects home. */
	for_each_cpu_and(c, cpumask_of_node(cpu_to_node(cpu)), cpu_online_mask) {
		if (c != cpu) {
			other = c;
			break;
		}
	}
	if (other < 0) {
		migrate_enable();
		kunit_skip(test, "needs two CPUs on one NUMA node");
	}
	for (i = 0; i < rf.n; i++) {
		rf.objs[i] = spanalloc_alloc(128, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, rf.objs[i]);
	}
	migrate_enable();
	KUNIT_EXPECT_EQ(test, sa_cache_count(other, cls), 0);

	t = kthread_create(remote_free_fn, &rf, "sa-remote-free");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	kthread_bind(t, other);
	wake_up_process(t);
	wait_for_completion(&rf.done);
	KUNIT_EXPECT_EQ(test, sa_cache_count(other, cls), rf.n);
}

static void drain_empties_every_cache(struct kunit *test)
{
	struct spanalloc_memstats ms;
	void *p[16];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = spanalloc_alloc(8 << (i % 12), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	for (i = 0; i < ARRAY_SIZE(p); i++)
		spanalloc_free(p[i]);
	ms = sa_test_stats();
	KUNIT_EXPECT_GT(test, ms.cpu_cached_bytes, 0);
	KUNIT_EXPECT_GT(test, ms.heap_sys, 0);
	spanalloc_drain();
	ms = sa_test_stats();
	KUNIT_EXPECT_EQ(test, ms.cpu_cached_bytes, 0);
	KUNIT_EXPECT_EQ(test, ms.central_free_bytes, 0);
	KUNIT_EXPECT_EQ(test, ms.heap_inuse, 0);
	KUNIT_EXPECT_EQ(test, ms.heap_idle, 0);
	KUNIT_EXPECT_EQ(test, ms.heap_sys, 0);
}

/*
 * The lock-free fast path against hardirqs on the same CPU: a pinned
 * hrtimer allocates and frees objects of the class the task is using. Each
 * owner stamps its objects and checks the stamp before freeing: an object
 * handed to both would carry the other's stamp.
 */
struct irq_race {
	struct hrtimer timer;
	u64 *held[3];
	unsigned long runs, bad, fails, busy;
	unsigned int cls;
	bool stop;
};

static bool stamp_ok(u64 *p, u64 stamp)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		if (READ_ONCE(p[i]) != stamp)
			return false;
	return true;
}

static void stamp(u64 *p, u64 stamp)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		WRITE_ONCE(p[i], stamp);
}

/*
 * Every other run allocates three objects and keeps them, the next one
 * frees them: the timer alternately shrinks and grows the stack under the
 * task, which is what an interrupted push must survive.
 */
static enum hrtimer_restart irq_race_fn(struct hrtimer *t)
{
	struct irq_race *r = container_of(t, struct irq_race, timer);
	unsigned int i;

	/*
	 * The task was cut in the middle of a push: its stack is claimed, so
	 * every allocation and free below takes the busy fallback (central).
	 */
	if (sa_ct_busy(this_cpu_read(sa_cpus->cc[r->cls].ct)))
		r->busy++;
	for (i = 0; i < ARRAY_SIZE(r->held); i++) {
		u64 *p = r->held[i];

		if (p) {
			if (!stamp_ok(p, 0x1111000000000000ULL + (unsigned long)p))
				r->bad++;
			spanalloc_free(p);
			r->held[i] = NULL;
			continue;
		}
		p = spanalloc_alloc(64, GFP_ATOMIC);
		if (!p) {
			r->fails++;
			continue;
		}
		stamp(p, 0x1111000000000000ULL + (unsigned long)p);
		r->held[i] = p;
	}
	r->runs++;
	if (READ_ONCE(r->stop))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(5 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static void fast_path_vs_hardirq(struct kunit *test)
{
	struct irq_race *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned long i, ops, t0, bad = 0, fails = 0;
	u64 *keep[16] = {};

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->cls = sa_size_class(64);
	migrate_disable();
	hrtimer_init(&r->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	r->timer.function = irq_race_fn;
	hrtimer_start(&r->timer, ns_to_ktime(5 * NSEC_PER_USEC), HRTIMER_MODE_REL_PINNED_HARD);
	/*
	 * At least 20000 operations, 2000 timer runs and 20 timer runs that
	 * found the task's push in progress (the busy fallback), at most 60 s.
	 */
	t0 = jiffies;
	for (i = 0; i < 20000 ||
	     ((READ_ONCE(r->runs) < 2000 || READ_ONCE(r->busy) < 20) &&
	      time_before(jiffies, t0 + 60 * HZ)); i++) {
		unsigned int k = i % ARRAY_SIZE(keep);

		if (keep[k]) {
			if (!stamp_ok(keep[k], 0x2222000000000000ULL + (unsigned long)keep[k]))
				bad++;
			spanalloc_free(keep[k]);
		}
		keep[k] = spanalloc_alloc(64, GFP_KERNEL);
		if (!keep[k]) {
			fails++;
			continue;
		}
		if (!(i % 1024))
			cond_resched();
		stamp(keep[k], 0x2222000000000000ULL + (unsigned long)keep[k]);
	}
	ops = i;
	WRITE_ONCE(r->stop, true);
	hrtimer_cancel(&r->timer);
	migrate_enable();
	for (i = 0; i < ARRAY_SIZE(r->held); i++) {
		if (r->held[i] &&
		    !stamp_ok(r->held[i], 0x1111000000000000ULL + (unsigned long)r->held[i]))
			r->bad++;
		spanalloc_free(r->held[i]);
	}
	for (i = 0; i < ARRAY_SIZE(keep); i++) {
		if (keep[i] && !stamp_ok(keep[i], 0x2222000000000000ULL + (unsigned long)keep[i]))
			bad++;
		spanalloc_free(keep[i]);
	}
	kunit_info(test, "%lu task operations, %lu timer runs, %lu of them in a push (busy fallback)",
		   ops, r->runs, r->busy);
	KUNIT_EXPECT_GE(test, r->runs, 2000);
	/* The loop aims at 20; one proves the fallback ran (and survived). */
	KUNIT_EXPECT_GE(test, r->busy, 1);
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, r->bad, 0);
	KUNIT_EXPECT_EQ(test, fails + r->fails, 0);
}

static void bulk_takes_cache_then_central(struct kunit *test)
{
	unsigned int cls = sa_size_class(300), cached, i, n = 200;
	void **ptrs;
	u64 direct;
	int cpu;

	ptrs = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ptrs);
	migrate_disable();
	cpu = smp_processor_id();
	for (i = 0; i < 10; i++)
		ptrs[i] = spanalloc_alloc(300, GFP_KERNEL);
	for (i = 0; i < 10; i++)
		spanalloc_free(ptrs[i]);
	cached = sa_cache_count(cpu, cls);
	KUNIT_EXPECT_GE(test, cached, 10);
	direct = CPU_STAT(cpu, bulk_fetched);
	/* Everything this CPU holds, then the rest straight from central. */
	KUNIT_ASSERT_EQ(test, spanalloc_alloc_bulk(300, GFP_KERNEL, n, ptrs), n);
	KUNIT_EXPECT_EQ(test, sa_cache_count(cpu, cls), 0);
	KUNIT_EXPECT_EQ(test, CPU_STAT(cpu, bulk_fetched), direct + n - cached);
	migrate_enable();
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_NOT_NULL(test, ptrs[i]);
		/* The generator's class for 300 bytes. */
		KUNIT_EXPECT_EQ(test, spanalloc_usable_size(ptrs[i]), 312);
		memset(ptrs[i], i, 300);
	}
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, ((u8 *)ptrs[i])[299], (u8)i);
	spanalloc_free_bulk(n, ptrs);
}

/*
 * The busy fallback, made to happen: this CPU's stack of a class is
 * claimed as by a push an interrupt cut into. Meanwhile allocations and
 * frees on this CPU, single and bulk, leave the stack alone and go to the
 * levels below (transfer cache, central list); once the claim ends, the
 * stack is as it was and the fast path hands out its top object again.
 */
static void busy_stack_goes_to_central(struct kunit *test)
{
	unsigned long step = (unsigned long)roundup_pow_of_two(nr_cpu_ids) << 16;
	unsigned int cls = sa_size_class(64), count, i;
	struct sa_central_stats c0, c1;
	struct sa_transfer_stats t0, t1;
	unsigned long ct, claimed, now;
	void *keep[4], *bulk[8], *top, *p;
	u64 refills;
	int cpu;
	bool ok;

	migrate_disable();
	cpu = smp_processor_id();
	for (i = 0; i < ARRAY_SIZE(keep); i++) {
		keep[i] = spanalloc_alloc(64, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, keep[i]);
	}
	for (i = 0; i < ARRAY_SIZE(keep); i++)
		spanalloc_free(keep[i]);
	count = sa_cache_count(cpu, cls);
	KUNIT_ASSERT_GE(test, count, ARRAY_SIZE(keep));
	top = keep[ARRAY_SIZE(keep) - 1];
	sa_central_read_stats(cls, &c0);
	sa_transfer_read_stats(cls, &t0);
	refills = CPU_STAT(cpu, refills);

	/* Claim the stack: busy, same count, tid moved on. */
	preempt_disable();
	ct = this_cpu_read(sa_cpus->cc[cls].ct);
	claimed = ct + SA_CT_BUSY + step;
	ok = !sa_ct_busy(ct) && this_cpu_cmpxchg(sa_cpus->cc[cls].ct, ct, claimed) == ct;
	preempt_enable();
	KUNIT_ASSERT_TRUE(test, ok);

	p = spanalloc_alloc(64, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, p);
	KUNIT_EXPECT_PTR_NE(test, p, top);
	KUNIT_EXPECT_EQ(test, CPU_STAT(cpu, refills), refills + 1);
	spanalloc_free(p);
	KUNIT_EXPECT_EQ(test, spanalloc_alloc_bulk(64, GFP_KERNEL, ARRAY_SIZE(bulk), bulk),
			ARRAY_SIZE(bulk));
	for (i = 0; i < ARRAY_SIZE(bulk); i++)
		KUNIT_EXPECT_PTR_NE(test, bulk[i], top);
	spanalloc_free_bulk(ARRAY_SIZE(bulk), bulk);
	/* Nothing touched the stack; what the levels below lent came back. */
	now = this_cpu_read(sa_cpus->cc[cls].ct);
	KUNIT_EXPECT_EQ(test, now, claimed);
	sa_central_read_stats(cls, &c1);
	sa_transfer_read_stats(cls, &t1);
	KUNIT_EXPECT_EQ(test, c1.free_objs + t1.objs, c0.free_objs + t0.objs);

	/*
	 * End the claim as the push would, without a new object (and clear
	 * the flag even if something changed the stack meanwhile).
	 */
	preempt_disable();
	now = this_cpu_read(sa_cpus->cc[cls].ct);
	this_cpu_write(sa_cpus->cc[cls].ct, (now & ~SA_CT_BUSY) + step);
	preempt_enable();
	KUNIT_EXPECT_EQ(test, now, claimed);
	KUNIT_EXPECT_EQ(test, sa_cache_count(cpu, cls), count);
	p = spanalloc_alloc(64, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, p, top);
	spanalloc_free(p);
	migrate_enable();
}

static struct kunit_case cpu_cache_cases[] = {
	KUNIT_CASE(refill_and_flush_thresholds),
	KUNIT_CASE(refill_cuts_no_span_for_spare_objects),
	KUNIT_CASE(slots_come_with_the_first_miss),
	KUNIT_CASE(folded_counters_read_back_exactly),
	KUNIT_CASE(growth_takes_from_the_coldest),
	KUNIT_CASE(idle_class_gives_back_capacity),
	KUNIT_CASE(immediate_double_free_refused),
	KUNIT_CASE(byte_budget_is_kept),
	KUNIT_CASE(spent_budget_evicts_other_class),
	KUNIT_CASE(free_goes_to_freeing_cpu),
	KUNIT_CASE(drain_empties_every_cache),
	KUNIT_CASE(bulk_takes_cache_then_central),
	KUNIT_CASE(busy_stack_goes_to_central),
	KUNIT_CASE_SLOW(fast_path_vs_hardirq),
	{}
};

static struct kunit_suite cpu_cache_suite = {
	.name = "spanalloc_cpu_cache",
	.init = sa_test_case_init,
	.exit = sa_test_case_exit,
	.test_cases = cpu_cache_cases,
};

kunit_test_suite(cpu_cache_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for spanalloc's per-CPU caches");
