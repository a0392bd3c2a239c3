// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for spanalloc's public API (include/spanalloc.h): usable size
 * and alignment of every small size, zeroing, zero size, overflow, realloc,
 * bulk, exact memstats, GFP_ATOMIC from an hrtimer, and a multi-CPU stress
 * with cross-CPU frees and verification patterns.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/completion.h>
#include <linux/random.h>
#include <linux/delay.h>
#include "sa_test.h"
#include "sa_fault.h"

/*
 * The size classes as scripts/gen/mksizeclasses.py generates them (its table,
 * copied here on purpose): the API is checked against the generator, not
 * against the allocator's own lookup. Regenerating the classes means
 * updating this list.
 */
static const unsigned int gen_class_sizes[] = {
	8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 128, 144, 160,
	176, 184, 200, 224, 256, 288, 312, 336, 368, 408, 448, 512, 584, 624,
	680, 744, 816, 904, 1024, 1152, 1280, 1408, 1536, 1664, 1792, 2048,
	2304, 2432, 2688, 2944, 3200, 3584, 4096, 4608, 4992, 5376, 5888, 6528,
	7168, 8192, 9344, 9984, 10880, 11904, 13056, 14464, 16384, 18688,
	20096, 21760, 23680, 26112, 29056, 32768,
};

/* The generator's class for @size bytes (1..32768). */
static unsigned int gen_class_size(size_t size)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(gen_class_sizes); i++)
		if (gen_class_sizes[i] >= size)
			return gen_class_sizes[i];
	return 0;
}

/* Bytes of the buddy heap's free blocks, counted block by block. */
static u64 free_block_bytes(void)
{
	struct sa_heap_stats hs;
	u64 bytes = 0;
	unsigned int o;

	sa_heap_read_stats(&hs);
	for (o = 0; o <= MAX_PAGE_ORDER; o++)
		bytes += hs.free_blocks[o] * (PAGE_SIZE << o);
	return bytes;
}

static void usable_size_and_alignment_every_size(struct kunit *test)
{
	size_t size;

	KUNIT_ASSERT_EQ(test, ARRAY_SIZE(gen_class_sizes), SA_NR_CLASSES - 1);
	for (size = 1; size <= SPANALLOC_MAX_SMALL_SIZE; size++) {
		size_t us, align = 8, want = gen_class_size(size);
		u8 *p = spanalloc_alloc(size, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		us = spanalloc_usable_size(p);
		if (us != want) {
			KUNIT_FAIL(test, "size %zu: usable %zu, the generator's class is %zu",
				   size, us, want);
			spanalloc_free(p);
			return;
		}
		if (is_power_of_2(size) && size <= PAGE_SIZE)
			align = max_t(size_t, size, 8);
		if ((unsigned long)p & (align - 1)) {
			KUNIT_FAIL(test, "size %zu: %p not aligned to %zu", size, p, align);
			spanalloc_free(p);
			return;
		}
		p[0] = 1;
		p[us - 1] = 2;
		spanalloc_free(p);
	}
}

static void zero_size_and_overflow(struct kunit *test)
{
	struct spanalloc_memstats ms = sa_test_stats();

	KUNIT_EXPECT_PTR_EQ(test, spanalloc_alloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, spanalloc_alloc_tiny(0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, spanalloc_alloc_array(0, 8, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, sa_test_stats().mallocs, ms.mallocs);
	spanalloc_free(ZERO_SIZE_PTR);
	spanalloc_free(NULL);
	KUNIT_EXPECT_EQ(test, sa_test_stats().frees, ms.frees);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, ms.bad_frees);
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(ZERO_SIZE_PTR), 0);
	KUNIT_EXPECT_NULL(test, spanalloc_alloc_array(SIZE_MAX / 2, 3, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, spanalloc_alloc_array(2, SIZE_MAX / 2 + 1, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, sa_test_stats().mallocs, ms.mallocs);
}

/* Bytes of @p[0..n) that are not zero; *@first set to the first of them. */
static size_t nonzero_bytes(const u8 *p, size_t n, size_t *first)
{
	size_t i, bad = 0;

	*first = n;
	for (i = 0; i < n; i++) {
		if (p[i] && !bad++)
			*first = i;
	}
	return bad;
}

static void zalloc_zeroes_recycled_memory(struct kunit *test)
{
	size_t bad, first;
	u8 *p, *q;

	/* One CPU throughout: the free goes on top of its cache. */
	migrate_disable();
	p = spanalloc_alloc(200, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0xff, spanalloc_usable_size(p));
	spanalloc_free(p);
	q = spanalloc_zalloc(200, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	/* The same, dirty object came back... */
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	/* ...zeroed over its whole usable size (the generator's 200). */
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(q), 200);
	bad = nonzero_bytes(q, 200, &first);
	spanalloc_free(q);
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "first at byte %zu", first);

	/* The same for an array of 10 x 100 bytes (class 1024). */
	p = spanalloc_alloc(1000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0xff, 1024);
	spanalloc_free(p);
	q = spanalloc_alloc_array(10, 100, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(q), 1024);
	bad = nonzero_bytes(q, 1024, &first);
	spanalloc_free(q);
	migrate_enable();
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "array: first at byte %zu", first);
}

static void realloc_keeps_contents(struct kunit *test)
{
	u8 *p, *q;
	size_t i;

	p = spanalloc_realloc(NULL, 24, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < 24; i++)
		p[i] = i;
	/* Within the class: same object. */
	q = spanalloc_realloc(p, spanalloc_usable_size(p), GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	/* Growing across classes and into large objects keeps the bytes. */
	for (p = q, i = 100; i <= 100000; i *= 7) {
		q = spanalloc_realloc(p, i, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, q);
		KUNIT_EXPECT_GE(test, spanalloc_usable_size(q), i);
		KUNIT_EXPECT_EQ(test, q[0], 0);
		KUNIT_EXPECT_EQ(test, q[23], 23);
		p = q;
	}
	/* Shrinking stays in place and zeroes the spare bytes with __GFP_ZERO. */
	memset(p + 24, 0xee, 100);
	q = spanalloc_realloc(p, 24, GFP_KERNEL | __GFP_ZERO);
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_EQ(test, q[24], 0);
	KUNIT_EXPECT_EQ(test, q[23], 23);
	/* Size 0 frees. */
	KUNIT_EXPECT_PTR_EQ(test, spanalloc_realloc(q, 0, GFP_KERNEL), ZERO_SIZE_PTR);
}

static void bulk_all_or_nothing(struct kunit *test)
{
	struct spanalloc_memstats ms = sa_test_stats();
	void *ptrs[100];
	size_t i;

	KUNIT_ASSERT_EQ(test, spanalloc_alloc_bulk(300, GFP_KERNEL, ARRAY_SIZE(ptrs), ptrs),
			ARRAY_SIZE(ptrs));
	for (i = 0; i < ARRAY_SIZE(ptrs); i++) {
		KUNIT_ASSERT_NOT_NULL(test, ptrs[i]);
		KUNIT_EXPECT_GE(test, spanalloc_usable_size(ptrs[i]), 300);
		memset(ptrs[i], i, 300);
	}
	for (i = 0; i < ARRAY_SIZE(ptrs); i++)
		KUNIT_EXPECT_EQ(test, ((u8 *)ptrs[i])[299], (u8)i);
	KUNIT_EXPECT_EQ(test, sa_test_stats().mallocs, ms.mallocs + ARRAY_SIZE(ptrs));
	spanalloc_free_bulk(ARRAY_SIZE(ptrs), ptrs);
	KUNIT_EXPECT_EQ(test, sa_test_stats().frees, ms.frees + ARRAY_SIZE(ptrs));
	/* An impossible size gets nothing and holds nothing. */
	KUNIT_EXPECT_EQ(test, spanalloc_alloc_bulk(SIZE_MAX, GFP_KERNEL | __GFP_NOWARN, 4, ptrs),
			0);
	KUNIT_EXPECT_EQ(test, sa_test_stats().live_objects, ms.live_objects);
}

/*
 * A bulk call whose memory runs out in the middle: this task's page
 * allocations go through for @budget pages, then fail. The call returns 0
 * and gives back every object it had got: some were allocated (mallocs
 * grew), all were freed, nothing is live, and a drain leaves no page held.
 */
static void bulk_fails_midway(struct kunit *test, size_t size, unsigned int nr,
			      unsigned int budget)
{
	struct spanalloc_memstats before, after;
	void **ptrs = kunit_kcalloc(test, nr, sizeof(void *), GFP_KERNEL);
	u64 got;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, ptrs);
	spanalloc_drain();
	before = sa_test_stats();
	KUNIT_ASSERT_EQ(test, before.heap_sys, 0);
	sa_fail_pages_after(test, budget);
	ret = spanalloc_alloc_bulk(size, SA_GFP_FAILABLE, nr, ptrs);
	sa_fail_pages_stop();
	after = sa_test_stats();
	got = after.mallocs - before.mallocs;
	kunit_info(test, "%u x %zu bytes, pages failing after %u pages: %llu objects allocated first",
		   nr, size, budget, got);
	KUNIT_EXPECT_EQ(test, ret, 0);
	if (ret == nr)
		spanalloc_free_bulk(nr, ptrs);
	/* It failed in the middle, not on the first object... */
	KUNIT_EXPECT_GT(test, got, 0);
	KUNIT_EXPECT_LT(test, got, nr);
	/* ...and the rollback freed every object it had. */
	KUNIT_EXPECT_EQ(test, after.frees - before.frees, got);
	KUNIT_EXPECT_EQ(test, after.live_objects, before.live_objects);
	KUNIT_EXPECT_EQ(test, after.heap_alloc, before.heap_alloc);
	KUNIT_EXPECT_EQ(test, after.bad_frees, before.bad_frees);
	spanalloc_drain();
	KUNIT_EXPECT_EQ(test, sa_test_stats().heap_sys, 0);
}

/*
 * Small objects: spans of 16 pages (two 32 KiB objects), 8 pages when that
 * fails; 128 pages let about fifteen objects through.
 */
static void bulk_small_fails_midway(struct kunit *test)
{
	bulk_fails_midway(test, 32768, 200, 128);
}

/* Large objects (25 pages, from 32-page blocks): 128 pages let three through. */
static void bulk_large_fails_midway(struct kunit *test)
{
	bulk_fails_midway(test, 100000, 40, 128);
}

/*
 * Objects above a chunk (1024 pages, straight from alloc_pages): the first
 * of three goes through (and up to 64 pages of slab for its metadata).
 */
static void bulk_direct_fails_midway(struct kunit *test)
{
	size_t size = (PAGE_SIZE << sa_chunk_order) + PAGE_SIZE;

	bulk_fails_midway(test, size, 3, (1U << get_order(size)) + 64);
}

/*
 * Exact counters against figures the test knows on its own: the class
 * sizes of the generator, the pages of large objects, one 2 MiB chunk, and
 * the heap's idle bytes counted block by block on its free lists.
 */
static void memstats_exact(struct kunit *test)
{
	/* Each request and the generator's class for it. */
	static const size_t sizes[][2] = {
		{ 8, 8 }, { 100, 104 }, { 1000, 1024 }, { 5000, 5376 }, { 20000, 20096 },
	};
	/* Large objects and their pages: 10 + 17 + 25 = 52. */
	static const size_t large[][2] = { { 40960, 10 }, { 68 * 1024, 17 }, { 100000, 25 } };
	const u64 chunk = PAGE_SIZE << sa_chunk_order, lpages = 52;
	struct spanalloc_memstats before, mid, after;
	void *p[ARRAY_SIZE(sizes)][10], *l[ARRAY_SIZE(large)];
	unsigned int s, i;
	u64 bytes = 0;

	before = sa_test_stats();
	KUNIT_ASSERT_EQ(test, before.heap_sys, 0);

	/* Large objects alone, in an empty heap: one chunk, 52 pages used. */
	for (i = 0; i < ARRAY_SIZE(large); i++) {
		l[i] = spanalloc_alloc(large[i][0], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, l[i]);
		KUNIT_EXPECT_EQ(test, spanalloc_usable_size(l[i]), large[i][1] * PAGE_SIZE);
	}
	mid = sa_test_stats();
	KUNIT_EXPECT_EQ(test, mid.heap_sys, chunk);
	KUNIT_EXPECT_EQ(test, mid.heap_inuse, lpages * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, mid.heap_idle, chunk - lpages * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, free_block_bytes(), chunk - lpages * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, mid.large_bytes, lpages * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, mid.heap_alloc - before.heap_alloc, lpages * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, mid.mallocs - before.mallocs, ARRAY_SIZE(large));

	/* Small objects on top: the generator's class sizes, still one chunk. */
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (i = 0; i < 10; i++) {
			p[s][i] = spanalloc_alloc(sizes[s][0], GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, p[s][i]);
		}
		bytes += 10 * sizes[s][1];
	}
	mid = sa_test_stats();
	KUNIT_EXPECT_EQ(test, mid.mallocs - before.mallocs, 10 * ARRAY_SIZE(sizes) + 3);
	KUNIT_EXPECT_EQ(test, mid.live_objects - before.live_objects, 10 * ARRAY_SIZE(sizes) + 3);
	KUNIT_EXPECT_EQ(test, mid.heap_alloc - before.heap_alloc, bytes + lpages * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, mid.heap_sys, chunk);
	KUNIT_EXPECT_EQ(test, mid.heap_idle, free_block_bytes());
	KUNIT_EXPECT_GE(test, mid.heap_inuse, bytes + lpages * PAGE_SIZE);

	for (i = 0; i < ARRAY_SIZE(large); i++)
		spanalloc_free(l[i]);
	for (s = 0; s < ARRAY_SIZE(sizes); s++)
		for (i = 0; i < 10; i++)
			spanalloc_free(p[s][i]);
	after = sa_test_stats();
	KUNIT_EXPECT_EQ(test, after.frees - before.frees, 10 * ARRAY_SIZE(sizes) + 3);
	KUNIT_EXPECT_EQ(test, after.heap_alloc, before.heap_alloc);
	KUNIT_EXPECT_EQ(test, after.large_bytes, 0);
	KUNIT_EXPECT_LE(test, after.heap_inuse, mid.heap_inuse - lpages * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, after.heap_idle, free_block_bytes());
	spanalloc_drain();
	after = sa_test_stats();
	KUNIT_EXPECT_EQ(test, after.heap_sys, 0);
	KUNIT_EXPECT_EQ(test, after.heap_inuse, 0);
	KUNIT_EXPECT_EQ(test, after.heap_idle, 0);
	KUNIT_EXPECT_EQ(test, free_block_bytes(), 0);
	KUNIT_EXPECT_EQ(test, after.heap_released - before.heap_released, chunk);
}

static void interior_pointer_refused(struct kunit *test)
{
	u64 bad = sa_test_stats().bad_frees;
	u8 *p = spanalloc_alloc(512, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x3c, 512);
	WRITE_ONCE(sa_report_bad_frees, false);
	spanalloc_free(p + 8);
	KUNIT_EXPECT_PTR_EQ(test, spanalloc_realloc(p + 16, 4096, GFP_KERNEL), NULL);
	WRITE_ONCE(sa_report_bad_frees, true);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, bad + 2);
	KUNIT_EXPECT_EQ(test, spanalloc_usable_size(p + 8), 0);
	KUNIT_EXPECT_EQ(test, p[511], 0x3c);
	spanalloc_free(p);
}

/* GFP_ATOMIC allocations from hardirq context (an hrtimer callback). */
struct atomic_ctx {
	struct hrtimer timer;
	struct completion done;
	int runs;
	int failures;
	bool in_hardirq;
};

static enum hrtimer_restart atomic_timer_fn(struct hrtimer *t)
{
	struct atomic_ctx *ctx = container_of(t, struct atomic_ctx, timer);
	static const size_t sizes[] = { 3, 16, 72, 640, 4096, 32768, 40000 };
	unsigned int i;

	ctx->in_hardirq = in_hardirq();
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u8 *p = sizes[i] <= SPANALLOC_TINY_MAX ?
			spanalloc_alloc_tiny(sizes[i], GFP_ATOMIC) :
			spanalloc_alloc(sizes[i], GFP_ATOMIC);

		if (!p) {
			ctx->failures++;
			continue;
		}
		memset(p, 0x77, sizes[i]);
		if (p[sizes[i] - 1] != 0x77)
			ctx->failures++;
		spanalloc_free(p);
	}
	if (++ctx->runs < 20) {
		hrtimer_forward_now(t, ns_to_ktime(100 * NSEC_PER_USEC));
		return HRTIMER_RESTART;
	}
	complete(&ctx->done);
	return HRTIMER_NORESTART;
}

static void gfp_atomic_from_hrtimer(struct kunit *test)
{
	struct atomic_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	init_completion(&ctx->done);
	hrtimer_init(&ctx->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	ctx->timer.function = atomic_timer_fn;
	hrtimer_start(&ctx->timer, ns_to_ktime(100 * NSEC_PER_USEC), HRTIMER_MODE_REL_HARD);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&ctx->done, 30 * HZ), 0);
	hrtimer_cancel(&ctx->timer);
	KUNIT_EXPECT_TRUE(test, ctx->in_hardirq);
	KUNIT_EXPECT_EQ(test, ctx->runs, 20);
	KUNIT_EXPECT_EQ(test, ctx->failures, 0);
}

/*
 * Multi-CPU stress: a thread per online CPU allocates random sizes (tiny,
 * small, large), fills each object with a byte derived from its size, and
 * hands every other object to the next CPU's thread to check and free
 * (cross-CPU frees).
 */
#define STRESS_RING	256
#define STRESS_OPS	3000

struct stress_obj {
	u8 *p;
	size_t size;
};

struct stress_ring {
	spinlock_t lock;	/* guards head, tail and obj */
	unsigned int head, tail;
	struct stress_obj obj[STRESS_RING];
};

struct stress_ctx {
	struct stress_ring *rings;
	int nthreads;
	atomic_t running;
	atomic_t corrupt;
	atomic_t failed;
	struct completion done;
};

struct stress_thread {
	struct stress_ctx *ctx;
	int idx;
};

static struct stress_obj stress_alloc(struct rnd_state *rnd)
{
	u32 r = prandom_u32_state(rnd);
	struct stress_obj o;

	switch (r % 16) {
	case 0:
		o.size = 16 + (r >> 8) % (160 * 1024);	/* sometimes large */
		break;
	case 1 ... 3:
		o.size = 1 + (r >> 8) % 16;		/* tiny */
		break;
	default:
		o.size = 16 + (r >> 8) % 4096;
	}
	o.p = o.size <= SPANALLOC_TINY_MAX ? spanalloc_alloc_tiny(o.size, GFP_KERNEL) :
					     spanalloc_alloc(o.size, GFP_KERNEL);
	if (o.p)
		memset(o.p, (u8)(o.size * 7 + 1), o.size);
	return o;
}

/* Check the pattern, free; false if a byte changed. */
static bool stress_check_free(struct stress_obj o)
{
	size_t i;
	bool ok = spanalloc_usable_size(o.p) >= o.size;

	for (i = 0; ok && i < o.size; i++)
		ok = o.p[i] == (u8)(o.size * 7 + 1);
	spanalloc_free(o.p);
	return ok;
}

static bool ring_put(struct stress_ring *r, struct stress_obj o)
{
	bool ok;

	spin_lock(&r->lock);
	ok = r->head - r->tail < STRESS_RING;
	if (ok)
		r->obj[r->head++ % STRESS_RING] = o;
	spin_unlock(&r->lock);
	return ok;
}

static bool ring_get(struct stress_ring *r, struct stress_obj *o)
{
	bool ok;

	spin_lock(&r->lock);
	ok = r->head != r->tail;
	if (ok)
		*o = r->obj[r->tail++ % STRESS_RING];
	spin_unlock(&r->lock);
	return ok;
}

static int stress_fn(void *arg)
{
	struct stress_thread *th = arg;
	struct stress_ctx *ctx = th->ctx;
	struct stress_ring *mine = &ctx->rings[th->idx];
	struct stress_ring *next = &ctx->rings[(th->idx + 1) % ctx->nthreads];
	struct stress_obj keep[32] = {}, o;
	struct rnd_state rnd;
	unsigned int i;

	prandom_seed_state(&rnd, 0x5a5a + th->idx);
	for (i = 0; i < STRESS_OPS; i++) {
		unsigned int slot = i % ARRAY_SIZE(keep);

		if (keep[slot].p && !stress_check_free(keep[slot]))
			atomic_inc(&ctx->corrupt);
		keep[slot] = stress_alloc(&rnd);
		if (!keep[slot].p)
			atomic_inc(&ctx->failed);
		o = stress_alloc(&rnd);
		if (o.p && !ring_put(next, o) && !stress_check_free(o))
			atomic_inc(&ctx->corrupt);
		while (ring_get(mine, &o))
			if (!stress_check_free(o))
				atomic_inc(&ctx->corrupt);
		if (!(i % 64))
			cond_resched();
	}
	for (i = 0; i < ARRAY_SIZE(keep); i++)
		if (keep[i].p && !stress_check_free(keep[i]))
			atomic_inc(&ctx->corrupt);
	if (atomic_dec_and_test(&ctx->running))
		complete(&ctx->done);
	return 0;
}

static void multi_cpu_stress(struct kunit *test)
{
	u64 bad = sa_test_stats().bad_frees;
	struct stress_ctx ctx = {};
	struct stress_thread *th;
	struct stress_obj o;
	int cpu, i = 0;

	ctx.nthreads = num_online_cpus();
	ctx.rings = kunit_kcalloc(test, ctx.nthreads, sizeof(*ctx.rings), GFP_KERNEL);
	th = kunit_kcalloc(test, ctx.nthreads, sizeof(*th), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx.rings);
	KUNIT_ASSERT_NOT_NULL(test, th);
	atomic_set(&ctx.running, ctx.nthreads);
	init_completion(&ctx.done);
	/* Every ring is ready before any thread can put into it. */
	for (i = 0; i < ctx.nthreads; i++)
		spin_lock_init(&ctx.rings[i].lock);
	i = 0;
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		th[i].ctx = &ctx;
		th[i].idx = i;
		t = kthread_create(stress_fn, &th[i], "sa-stress/%d", cpu);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		kthread_bind(t, cpu);
		wake_up_process(t);
		i++;
	}
	wait_for_completion(&ctx.done);
	/* Objects still on the rings once every thread is done. */
	for (i = 0; i < ctx.nthreads; i++)
		while (ring_get(&ctx.rings[i], &o))
			if (!stress_check_free(o))
				atomic_inc(&ctx.corrupt);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx.corrupt), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx.failed), 0);
	KUNIT_EXPECT_EQ(test, sa_test_stats().bad_frees, bad);
	spanalloc_drain();
	KUNIT_EXPECT_EQ(test, sa_test_stats().heap_sys, 0);
}

static struct kunit_case api_cases[] = {
	KUNIT_CASE_SLOW(usable_size_and_alignment_every_size),
	KUNIT_CASE(zero_size_and_overflow),
	KUNIT_CASE(zalloc_zeroes_recycled_memory),
	KUNIT_CASE(realloc_keeps_contents),
	KUNIT_CASE(bulk_all_or_nothing),
	KUNIT_CASE(bulk_small_fails_midway),
	KUNIT_CASE(bulk_large_fails_midway),
	KUNIT_CASE(bulk_direct_fails_midway),
	KUNIT_CASE(memstats_exact),
	KUNIT_CASE(interior_pointer_refused),
	KUNIT_CASE(gfp_atomic_from_hrtimer),
	KUNIT_CASE_SLOW(multi_cpu_stress),
	{}
};

static struct kunit_suite api_suite = {
	.name = "spanalloc_api",
	.init = sa_test_case_init,
	.exit = sa_test_case_exit,
	.test_cases = api_cases,
};

kunit_test_suite(api_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for spanalloc's public API");
