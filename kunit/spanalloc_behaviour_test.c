// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for documented behaviour that had no test: realloc across
 * tiny, small, large and direct objects (above a chunk) in both
 * directions, in place and moving, and the original left intact when the
 * new allocation fails; bulk free of a mixed array; usable_size and
 * realloc of freed objects; module parameters at non-default values
 * (keep_empty_spans, cpu_cache_kib, scavenge_ms, scavenge_reserve_kib, set
 * through sysfs as a user would); objects above a chunk under concurrency.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/kthread.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/random.h>
#include "sa_test.h"
#include "sa_fault.h"

#define QUIETLY(stmt)						\
	do {							\
		WRITE_ONCE(sa_report_bad_frees, false);		\
		stmt;						\
		WRITE_ONCE(sa_report_bad_frees, true);		\
	} while (0)

/* A pattern from the address an object started at and the byte's offset. */
static u8 pat(const void *origin, size_t i)
{
	return (u8)(((unsigned long)origin >> 4) + i * 7 + 1);
}

static void fill(u8 *p, size_t n, const void *origin)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = pat(origin, i);
}

/* Index of the first byte of @p[0..n) that is not the pattern, or @n. */
static size_t check(const u8 *p, size_t n, const void *origin)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != pat(origin, i))
			return i;
	return n;
}

/* Kinds of objects, by the size that makes them. */
enum kind { TINY, SMALL, LARGE, DIRECT };

static const char * const kind_name[] = { "tiny", "small", "large", "direct" };

static enum kind kind_of(const void *p)
{
	struct sa_span *span = sa_span_of(p);

	if (span->kind == SA_SPAN_DIRECT)
		return DIRECT;
	if (span->kind == SA_SPAN_LARGE)
		return LARGE;
	return span->cls == SA_CLASS_TINY ? TINY : SMALL;
}

/*
 * realloc through every kind, growing then shrinking: each step that needs
 * more than the usable size moves the object and keeps the bytes, each that
 * fits stays in place. The caller's bytes survive every step.
 */
static void realloc_across_kinds(struct kunit *test)
{
	const size_t direct = sa_test_chunk_bytes() + sa_test_chunk_bytes() / 2;	/* 3 MiB */
	static const struct {
		size_t size;
		enum kind kind;
		bool moves;
	} steps[] = {
		{ 100, SMALL, true },		/* tiny 5 B -> small */
		{ 104, SMALL, false },		/* the generator's class of 100 */
		{ 40000, LARGE, true },		/* 10 pages */
		{ 40960, LARGE, false },	/* still 10 pages */
		{ 0, DIRECT, true },		/* 3 MiB: order 10 */
		{ 1, DIRECT, false },		/* 2 MiB + 1: shrinks in place */
		{ 100000, DIRECT, false },	/* shrinking never moves */
		{ 8, DIRECT, false },
	};
	struct spanalloc_memstats ms = sa_test_stats();
	size_t keep = 5, i, want;
	u8 *p, *q;
	void *origin;

	p = spanalloc_alloc_tiny(5, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, kind_of(p), TINY);
	origin = p;
	fill(p, keep, origin);
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		want = steps[i].size;
		if (steps[i].kind == DIRECT && want == 0)
			want = direct;
		else if (steps[i].kind == DIRECT && want == 1)
			want = sa_test_chunk_bytes() + 1;
		q = spanalloc_realloc(p, want, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL_MSG(test, q, "step %zu: %zu bytes", i, want);
		KUNIT_EXPECT_EQ_MSG(test, kind_of(q), steps[i].kind, "step %zu: %zu bytes is %s",
				    i, want, kind_name[kind_of(q)]);
		if (steps[i].moves)
			KUNIT_EXPECT_PTR_NE_MSG(test, q, p, "step %zu: %zu bytes did not move", i,
						want);
		else
			KUNIT_EXPECT_PTR_EQ_MSG(test, q, p, "step %zu: %zu bytes moved", i, want);
		KUNIT_EXPECT_GE(test, spanalloc_usable_size(q), want);
		KUNIT_EXPECT_EQ_MSG(test, check(q, min(keep, want), origin), min(keep, want),
				    "step %zu: bytes lost", i);
		/* Every byte now the caller's gets the pattern. */
		keep = want;
		fill(q, keep, origin);
		p = q;
		/* One object alive, whatever moved. */
		KUNIT_EXPECT_EQ(test, sa_test_stats().live_objects, ms.live_objects + 1);
	}
	/* And back down by moving: a new small object, the bytes copied by hand. */
	q = spanalloc_alloc(8, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	memcpy(q, p, 8);
	spanalloc_free(p);
	KUNIT_EXPECT_EQ(test, check(q, 8, origin), 8);
	KUNIT_EXPECT_PTR_EQ(test, spanalloc_realloc(q, 0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, ms.bad_frees);
	KUNIT_EXPECT_EQ(test, sa_test_stats().large_bytes, 0);
}

/* An object of each kind, filled with the pattern. */
static void *make(struct kunit *test, enum kind k, size_t *size)
{
	static const size_t sizes[] = { 5, 300, 50000, 0 };
	u8 *p;

	*size = k == DIRECT ? sa_test_chunk_bytes() + PAGE_SIZE : sizes[k];
	p = k == TINY ? spanalloc_alloc_tiny(*size, GFP_KERNEL) :
			spanalloc_alloc(*size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, kind_of(p), k);
	fill(p, *size, p);
	return p;
}

/*
 * A realloc whose new allocation fails leaves the original untouched, of
 * every kind: a size beyond the largest page order, a zone modifier
 * (refused, counted), and the page allocation itself failing.
 */
static void realloc_failure_keeps_original(struct kunit *test)
{
	/* Above a chunk: one order-10 page allocation. */
	const size_t big = sa_test_chunk_bytes() + PAGE_SIZE;
	enum kind k;

	for (k = TINY; k <= DIRECT; k++) {
		struct spanalloc_memstats ms;
		size_t size, us;
		u8 *p, *q;

		p = make(test, k, &size);
		us = spanalloc_usable_size(p);
		ms = sa_test_stats();

		q = spanalloc_realloc(p, PAGE_SIZE << (MAX_PAGE_ORDER + 1),
				      GFP_KERNEL | __GFP_NOWARN);
		KUNIT_EXPECT_NULL_MSG(test, q, "%s: beyond the largest order", kind_name[k]);
		q = spanalloc_realloc(p, SIZE_MAX, GFP_KERNEL | __GFP_NOWARN);
		KUNIT_EXPECT_NULL_MSG(test, q, "%s: beyond the largest order", kind_name[k]);

		QUIETLY(q = spanalloc_realloc(p, big, GFP_KERNEL | __GFP_DMA32));
		KUNIT_EXPECT_NULL_MSG(test, q, "%s: zone modifier", kind_name[k]);
		KUNIT_EXPECT_EQ(test, sa_test_stats().refused_allocs, ms.refused_allocs + 1);

		/*
		 * The page allocation fails. (A direct object already has the
		 * largest order: it cannot grow to one that would need pages.)
		 */
		if (k != DIRECT) {
			sa_fail_pages_after(test, 0);
			q = spanalloc_realloc(p, big, SA_GFP_FAILABLE);
			sa_fail_pages_stop();
			KUNIT_EXPECT_NULL_MSG(test, q, "%s: page allocation failed", kind_name[k]);
			if (q)
				p = q;
		}

		/* The original: same size, same bytes, still live, still freeable. */
		KUNIT_EXPECT_EQ_MSG(test, spanalloc_usable_size(p), us, "%s", kind_name[k]);
		KUNIT_EXPECT_EQ_MSG(test, check(p, size, p), size, "%s: bytes changed",
				    kind_name[k]);
		KUNIT_EXPECT_EQ(test, sa_test_stats().live_objects, ms.live_objects);
		KUNIT_EXPECT_EQ(test, sa_test_stats().mallocs, ms.mallocs);
		KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, ms.bad_frees);
		spanalloc_free(p);
		KUNIT_EXPECT_EQ(test, sa_test_stats().frees, ms.frees + 1);
	}
}

/*
 * spanalloc_free_bulk() of a mixed array: NULL, ZERO_SIZE_PTR, a tiny, two
 * small (one given twice), a large and a direct object, kmalloc() memory
 * and a pointer into another live object. Exactly the three bad ones are
 * refused (bad_frees + 3), the five objects are freed, kmalloc's memory
 * and the object pointed into are untouched.
 */
static void free_bulk_mixed_array(struct kunit *test)
{
	struct spanalloc_memstats ms;
	size_t ts, ss, ls, ds, os;
	u8 *tiny, *small, *small2, *large, *direct, *other;
	char *foreign;
	void *arr[11];

	tiny = make(test, TINY, &ts);
	small = make(test, SMALL, &ss);
	small2 = make(test, SMALL, &ss);
	large = make(test, LARGE, &ls);
	direct = make(test, DIRECT, &ds);
	other = make(test, SMALL, &os);
	foreign = kmalloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, foreign);
	strscpy(foreign, "kmalloc's own", 64);
	ms = sa_test_stats();

	arr[0] = NULL;
	arr[1] = small;
	arr[2] = tiny;
	arr[3] = small2;
	arr[4] = ZERO_SIZE_PTR;
	arr[5] = foreign;		/* bad: not spanalloc's */
	arr[6] = large;
	arr[7] = small;			/* bad: given twice */
	arr[8] = other + 8;		/* bad: inside a live object */
	arr[9] = direct;
	arr[10] = NULL;
	QUIETLY(spanalloc_free_bulk(ARRAY_SIZE(arr), arr));

	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, ms.bad_frees + 3);
	KUNIT_EXPECT_EQ(test, sa_test_stats().frees, ms.frees + 5);
	KUNIT_EXPECT_EQ(test, sa_test_stats().live_objects, ms.live_objects - 5);
	KUNIT_EXPECT_EQ(test, sa_test_stats().large_bytes, 0);
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(small), 0);
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(tiny), 0);
	KUNIT_EXPECT_STREQ(test, foreign, "kmalloc's own");
	KUNIT_EXPECT_EQ(test, check(other, os, other), os);
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(other), 312);
	kfree(foreign);
	spanalloc_free(other);
}

/*
 * A freed object of every kind has no size and cannot be resized: usable
 * size 0, realloc NULL and counted as a bad free (one per realloc).
 */
static void freed_objects_have_no_size(struct kunit *test)
{
	enum kind k;

	for (k = TINY; k <= DIRECT; k++) {
		struct spanalloc_memstats ms;
		size_t size;
		void *p;

		/* One CPU: a freed small object stays in this CPU's cache. */
		migrate_disable();
		p = make(test, k, &size);
		spanalloc_free(p);
		ms = sa_test_stats();
		KUNIT_EXPECT_EQ_MSG(test, spanalloc_usable_size(p), 0, "%s", kind_name[k]);
		QUIETLY(KUNIT_EXPECT_NULL_MSG(test, spanalloc_realloc(p, size + 1, GFP_KERNEL),
					      "%s", kind_name[k]));
		QUIETLY(KUNIT_EXPECT_NULL_MSG(test, spanalloc_realloc(p, 1, GFP_KERNEL),
					      "%s", kind_name[k]));
		migrate_enable();
		KUNIT_EXPECT_EQ_MSG(test, sa_test_stats().bad_frees, ms.bad_frees + 2, "%s",
				    kind_name[k]);
		KUNIT_EXPECT_EQ(test, sa_test_stats().mallocs, ms.mallocs);
		KUNIT_EXPECT_EQ(test, sa_test_stats().frees, ms.frees);
	}
}

/* Take all @n objects of one new span of @cls; returns the span. */
static struct sa_span *take_span(struct kunit *test, unsigned int cls, void **objs,
				 unsigned int *n)
{
	struct sa_span *span;

	KUNIT_ASSERT_EQ(test, sa_central_fetch(cls, objs, 1, GFP_KERNEL), 1);
	span = sa_span_of(objs[0]);
	KUNIT_ASSERT_NOT_NULL(test, span);
	*n = span->objs;
	KUNIT_ASSERT_EQ(test, sa_central_fetch(cls, objs + 1, *n - 1, GFP_KERNEL), *n - 1);
	return span;
}

/*
 * keep_empty_spans at 0 and 3: wholly free spans beyond it go back to the
 * page heap at once. Four spans of one class are filled and returned.
 */
static void keep_empty_spans_param(struct kunit *test)
{
	static const unsigned int keeps[] = { 0, 3, 1 };
	unsigned int cls = sa_size_class(2048), k, s, n[4], total;
	struct spanalloc_memstats ms;
	struct sa_span *span[4];
	unsigned long pages;
	void **objs;

	objs = kunit_kcalloc(test, 4 * sa_class_objs(cls), sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (k = 0; k < ARRAY_SIZE(keeps); k++) {
		KUNIT_ASSERT_EQ(test, sa_set_param_for_case(test, "keep_empty_spans", keeps[k], 1),
				0);
		total = 0;
		pages = 0;
		for (s = 0; s < ARRAY_SIZE(span); s++) {
			span[s] = take_span(test, cls, objs + total, &n[s]);
			total += n[s];
		}
		KUNIT_EXPECT_EQ(test, sa_central_nr_spans(cls, SA_LIST_NONE_FREE), 4);
		/* Back in span order: the first keeps[k] to empty are kept. */
		for (s = 0, total = 0; s < ARRAY_SIZE(span); s++) {
			if (s < keeps[k])
				pages += span[s]->npages;
			sa_central_return(cls, objs + total, n[s]);
			total += n[s];
		}
		ms = sa_test_stats();
		KUNIT_EXPECT_EQ_MSG(test, sa_central_nr_spans(cls, SA_LIST_ALL_FREE), keeps[k],
				    "keep_empty_spans=%u", keeps[k]);
		KUNIT_EXPECT_EQ_MSG(test, ms.heap_inuse, (u64)pages * PAGE_SIZE,
				    "keep_empty_spans=%u", keeps[k]);
		sa_central_release_empty();
		KUNIT_EXPECT_EQ(test, sa_central_nr_spans(cls, SA_LIST_ALL_FREE), 0);
		KUNIT_EXPECT_EQ(test, sa_test_stats().heap_inuse, 0);
	}
}

/* cpu_cache_kib=0: a CPU caches nothing, every free goes to central. */
static void cpu_cache_kib_zero(struct kunit *test)
{
	unsigned int old = READ_ONCE(sa_cpu_cache_kib), i;
	u64 objs, bytes;
	void *p[32];
	int cpu;

	KUNIT_ASSERT_EQ(test, sa_set_param_for_case(test, "cpu_cache_kib", 0, old), 0);
	migrate_disable();
	cpu = smp_processor_id();
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = spanalloc_alloc(64 << (i % 6), GFP_KERNEL);
		KUNIT_EXPECT_NOT_NULL(test, p[i]);
	}
	sa_read_cpu_stats(cpu, &objs, &bytes);
	KUNIT_EXPECT_EQ(test, bytes, 0);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		spanalloc_free(p[i]);
	sa_read_cpu_stats(cpu, &objs, &bytes);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, objs, 0);
	KUNIT_EXPECT_EQ(test, bytes, 0);
}

/* Fill the heap with @n chunks' worth of 1 KiB objects, then free them all. */
static void churn(struct kunit *test, unsigned int chunks)
{
	unsigned int i, n = chunks * (sa_test_chunk_bytes() / 1024);
	void **p = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < n; i++) {
		p[i] = spanalloc_alloc(1024, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	for (i = 0; i < n; i++)
		spanalloc_free(p[i]);
	kunit_kfree(test, p);
}

/* Wait up to @ms for heap_sys to reach @want; return the last value. */
static u64 wait_heap_sys(u64 want, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	u64 sys;

	while ((sys = sa_test_stats().heap_sys) != want && time_before(jiffies, end))
		msleep(50);
	return sys;
}

/*
 * The scavenger's parameters changed at run time: scavenge_ms=0 turns it
 * off (idle memory stays), scavenge_reserve_kib=2048 makes it keep one
 * chunk, scavenge_ms=200 turns it back on at once, and the reserve back at
 * 0 lets the last chunk go.
 */
static void scavenger_params_at_run_time(struct kunit *test)
{
	u64 sys;
	int ret;

	churn(test, 3);
	KUNIT_ASSERT_GE(test, sa_test_stats().heap_sys, 3 * sa_test_chunk_bytes());
	KUNIT_ASSERT_EQ(test, sa_set_param_for_case(test, "scavenge_ms", 0, 1000), 0);
	sa_scavenger_pause(false);
	/* Off: three seconds later everything is still held. */
	msleep(3000);
	sys = sa_test_stats().heap_sys;
	KUNIT_EXPECT_GE(test, sys, 3 * sa_test_chunk_bytes());

	ret = sa_set_param_for_case(test, "scavenge_reserve_kib", sa_test_chunk_bytes() >> 10, 0);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_EQ(test, sa_set_param("scavenge_ms", 200), 0);
	/* On again: down to the one chunk of the reserve, and no lower. */
	sys = wait_heap_sys(sa_test_chunk_bytes(), 5000);
	KUNIT_EXPECT_EQ(test, sys, sa_test_chunk_bytes());
	msleep(1000);
	KUNIT_EXPECT_EQ(test, sa_test_stats().heap_sys, sa_test_chunk_bytes());

	KUNIT_ASSERT_EQ(test, sa_set_param("scavenge_reserve_kib", 0), 0);
	KUNIT_EXPECT_EQ(test, wait_heap_sys(0, 5000), 0);
	sa_scavenger_pause(true);
}

/*
 * Objects above a chunk under concurrency: a thread per online CPU
 * allocates objects of 2 MiB + 1 byte to 4 MiB - 8 KiB (all of order 10),
 * marks both ends and the middle, grows every third by a page with realloc
 * (in place), and hands every other one to the next thread to check and
 * free.
 */
#define DIRECT_OPS	60

struct direct_ctx {
	int nthreads;
	spinlock_t lock;	/* slot */
	u8 **slot;		/* one object in transit per thread */
	size_t *slot_size;
	atomic_t running, corrupt, failed, done_ops;
	struct completion done;
};

struct direct_thread {
	struct direct_ctx *ctx;
	int idx;
};

static void direct_mark(u8 *p, size_t size)
{
	p[0] = pat(p, 0);
	p[size / 2] = pat(p, size / 2);
	p[size - 1] = pat(p, size - 1);
}

static bool direct_ok(const u8 *p, size_t size)
{
	return spanalloc_usable_size(p) >= size && p[0] == pat(p, 0) &&
	       p[size / 2] == pat(p, size / 2) && p[size - 1] == pat(p, size - 1);
}

static int direct_fn(void *arg)
{
	struct direct_thread *th = arg;
	struct direct_ctx *ctx = th->ctx;
	int next = (th->idx + 1) % ctx->nthreads;
	struct rnd_state rnd;
	unsigned int i;

	prandom_seed_state(&rnd, 0xd1 + th->idx);
	for (i = 0; i < DIRECT_OPS; i++) {
		size_t size = sa_test_chunk_bytes() + 1 +
			      prandom_u32_state(&rnd) % (sa_test_chunk_bytes() - 2 * PAGE_SIZE);
		u8 *p = spanalloc_alloc(size, GFP_KERNEL), *q;
		size_t qsize = 0;

		if (!p) {
			atomic_inc(&ctx->failed);
			continue;
		}
		direct_mark(p, size);
		if (i % 3 == 1) {
			/* In place: its order-10 block holds the page more. */
			q = spanalloc_realloc(p, size + PAGE_SIZE, GFP_KERNEL);
			if (!q) {
				atomic_inc(&ctx->failed);
			} else {
				if (q != p || q[0] != pat(p, 0) || q[size - 1] != pat(p, size - 1))
					atomic_inc(&ctx->corrupt);
				p = q;
				size += PAGE_SIZE;
				direct_mark(p, size);
			}
		}
		if (i % 2) {
			/* Hand it over; free what was waiting in the next slot. */
			spin_lock(&ctx->lock);
			q = ctx->slot[next];
			qsize = ctx->slot_size[next];
			ctx->slot[next] = p;
			ctx->slot_size[next] = size;
			spin_unlock(&ctx->lock);
			p = q;
			size = qsize;
		}
		if (p) {
			if (!direct_ok(p, size))
				atomic_inc(&ctx->corrupt);
			spanalloc_free(p);
		}
		atomic_inc(&ctx->done_ops);
		cond_resched();
	}
	if (atomic_dec_and_test(&ctx->running))
		complete(&ctx->done);
	return 0;
}

static void direct_objects_concurrently(struct kunit *test)
{
	struct spanalloc_memstats ms = sa_test_stats();
	struct direct_ctx ctx = {};
	struct direct_thread *th;
	int cpu, i = 0;

	ctx.nthreads = num_online_cpus();
	ctx.slot = kunit_kcalloc(test, ctx.nthreads, sizeof(*ctx.slot), GFP_KERNEL);
	ctx.slot_size = kunit_kcalloc(test, ctx.nthreads, sizeof(*ctx.slot_size), GFP_KERNEL);
	th = kunit_kcalloc(test, ctx.nthreads, sizeof(*th), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx.slot);
	KUNIT_ASSERT_NOT_NULL(test, ctx.slot_size);
	KUNIT_ASSERT_NOT_NULL(test, th);
	spin_lock_init(&ctx.lock);
	atomic_set(&ctx.running, ctx.nthreads);
	init_completion(&ctx.done);
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		th[i].ctx = &ctx;
		th[i].idx = i;
		t = kthread_create(direct_fn, &th[i], "sa-direct/%d", cpu);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		kthread_bind(t, cpu);
		wake_up_process(t);
		i++;
	}
	wait_for_completion(&ctx.done);
	for (i = 0; i < ctx.nthreads; i++) {
		if (!ctx.slot[i])
			continue;
		if (!direct_ok(ctx.slot[i], ctx.slot_size[i]))
			atomic_inc(&ctx.corrupt);
		spanalloc_free(ctx.slot[i]);
	}
	kunit_info(test, "%d threads, %d operations on objects of 2..4 MiB",
		   ctx.nthreads, atomic_read(&ctx.done_ops));
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx.done_ops), ctx.nthreads * DIRECT_OPS);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx.corrupt), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx.failed), 0);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, ms.bad_frees);
	KUNIT_EXPECT_EQ(test, sa_test_stats().large_bytes, 0);
	KUNIT_EXPECT_EQ(test, sa_test_stats().heap_sys, 0);
}

static struct kunit_case behaviour_cases[] = {
	KUNIT_CASE(realloc_across_kinds),
	KUNIT_CASE(realloc_failure_keeps_original),
	KUNIT_CASE(free_bulk_mixed_array),
	KUNIT_CASE(freed_objects_have_no_size),
	KUNIT_CASE(keep_empty_spans_param),
	KUNIT_CASE(cpu_cache_kib_zero),
	KUNIT_CASE_SLOW(scavenger_params_at_run_time),
	KUNIT_CASE_SLOW(direct_objects_concurrently),
	{}
};

static struct kunit_suite behaviour_suite = {
	.name = "spanalloc_behaviour",
	.init = sa_test_case_init,
	.exit = sa_test_case_exit,
	.test_cases = behaviour_cases,
};

kunit_test_suite(behaviour_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for spanalloc's documented behaviour");
