// SPDX-License-Identifier: GPL-2.0
/*
 * tiny.c - spanalloc's tiny allocator (Go's tiny allocator, adapted to
 * explicit frees).
 *
 * What it does: spanalloc_alloc_tiny() packs requests of 1..16 bytes into
 * 16-byte blocks, one open block per CPU, each sub-object aligned to the
 * largest power of two dividing its size (at most 8). Blocks are objects of
 * the pseudo class SA_CLASS_TINY, whose spans carry one atomic word of
 * state per block:
 *
 *   bits  0..15  a sub-object starts at this byte offset (live objects only)
 *   bits 16..20  end of the last sub-object placed (16 once the block is
 *                closed: no CPU will place more in it)
 *   bits 24..31  references: live sub-objects, plus one while a CPU has
 *                the block open
 *
 * The block goes back to its class when the references drop to zero. A free
 * clears the start bit, so a second free of the same pointer, or a pointer
 * into the middle of a sub-object, is refused.
 *
 * No stale byte reaches a caller: a block is zeroed when a CPU opens it,
 * and a sub-object's bytes (up to the next live start, or the end of what
 * was placed: what spanalloc_usable_size() reports) are zeroed when it is
 * freed. Bytes a live object may grow into through usable_size() or an
 * in-place realloc are therefore zero, whatever init_on_alloc says, and
 * init_on_free holds for tiny objects.
 *
 * Locking: each CPU's open block and cursor (struct sa_tiny_cpu) are
 * guarded by that CPU's tiny_lock, a local lock taken like sa_cc_lock()
 * (irqs off; preemption off too on PREEMPT_RT); only that CPU sets start
 * bits and the end. Nothing else is taken under it. Any CPU may free, so
 * references change with atomic operations (the one place spanalloc uses
 * them per object: a tiny object is shared by design).
 *
 * What it asks of the level below (cpu_cache.c, central.c): 16-byte blocks
 * of class SA_CLASS_TINY through sa_cache_alloc()/sa_cache_free(), and the
 * span hooks (sa_central_set_ops()) that give each tiny span its state.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/bitops.h>
#include <linux/mm.h>
#include "internal.h"
#include "page_heap.h"
#include "cpu_cache.h"
#include "central.h"
#include "sites.h"
#include "tiny.h"

#define TINY_END_SHIFT	16
#define TINY_REF_SHIFT	24
#define TINY_REF	BIT(TINY_REF_SHIFT)
#define TINY_STARTS	0xffffU

/* End (block offset) of the bytes the sub-object at @off may use, in state @s. */
static unsigned int tiny_end(int s, unsigned int off)
{
	unsigned int next = (s & TINY_STARTS) >> (off + 1);

	if (next)
		return off + __ffs(next) + 1;
	return (s >> TINY_END_SHIFT) & 0x1f;
}

static atomic_t *block_state(struct sa_span *span, const void *p, unsigned int *off)
{
	size_t rel = (unsigned long)p - (unsigned long)span->base;

	*off = rel & (SA_TINY_BLOCK - 1);
	return &span->tiny_state[rel / SA_TINY_BLOCK];
}

/**
 * struct sa_tiny_cpu - a CPU's open tiny block
 * @lock: local lock, see the top of the file
 * @block: the open block, or NULL
 * @off: next free byte offset in @block
 */
struct sa_tiny_cpu {
	local_lock_t lock;
	void *block;
	unsigned int off;
};

static DEFINE_PER_CPU(struct sa_tiny_cpu, sa_tiny_cpus) = {
	.lock = INIT_LOCAL_LOCK(lock),
};

#define tiny_lock(flags)					\
	do {							\
		local_lock_irqsave(&sa_tiny_cpus.lock, flags);	\
		if (IS_ENABLED(CONFIG_PREEMPT_RT))		\
			preempt_disable();			\
	} while (0)

#define tiny_unlock(flags)					\
	do {							\
		if (IS_ENABLED(CONFIG_PREEMPT_RT))		\
			preempt_enable();			\
		local_unlock_irqrestore(&sa_tiny_cpus.lock, flags); \
	} while (0)

/* Bytes kmalloc holds for the state arrays of every tiny span. */
static atomic_long_t sa_tiny_meta = ATOMIC_LONG_INIT(0);

static size_t tiny_state_bytes(void)
{
	return kmalloc_size_roundup(array_size(sa_class_objs(SA_CLASS_TINY), sizeof(atomic_t)));
}

/* A new tiny span gets its per-block state; it goes with the span. */
static int tiny_span_init(struct sa_span *span, gfp_t gfp)
{
	span->tiny_state = kcalloc(sa_class_objs(SA_CLASS_TINY), sizeof(atomic_t), gfp);
	if (!span->tiny_state)
		return -ENOMEM;
	atomic_long_add(tiny_state_bytes(), &sa_tiny_meta);
	return 0;
}

static void tiny_span_fini(struct sa_span *span)
{
	if (span->tiny_state)
		atomic_long_sub(tiny_state_bytes(), &sa_tiny_meta);
	kfree(span->tiny_state);
	span->tiny_state = NULL;
}

/**
 * sa_tiny_metadata_bytes() - bytes of the tiny spans' block states
 *
 * Return: what kmalloc holds for them (part of metadata_bytes).
 */
size_t sa_tiny_metadata_bytes(void)
{
	return max(atomic_long_read(&sa_tiny_meta), 0L);
}
EXPORT_SYMBOL_IF_KUNIT(sa_tiny_metadata_bytes);

static const struct sa_span_ops tiny_span_ops = {
	.init = tiny_span_init,
	.fini = tiny_span_fini,
};

/*
 * Close @tc's open block. tiny_lock held, or @tc's CPU is dead.
 * Return: the block if no sub-object in it is live any more (the caller
 * gives it back to its class), else NULL.
 */
static void *tiny_detach(struct sa_tiny_cpu *tc)
{
	void *block = tc->block;
	unsigned int off;
	atomic_t *st;
	int delta;

	if (!block)
		return NULL;
	tc->block = NULL;
	st = block_state(sa_span_of(block), block, &off);
	delta = ((SA_TINY_BLOCK - tc->off) << TINY_END_SHIFT) - TINY_REF;
	if (atomic_add_return(delta, st) >> TINY_REF_SHIFT)
		return NULL;
	return block;
}

/**
 * sa_tiny_flush() - close a CPU's open tiny block
 * @cpu: the CPU: the running one (its work item), or a dead one
 * @by: SA_FLUSH_ON_CPU (@cpu is the running CPU: take its tiny_lock) or
 *	SA_FLUSH_DEAD_CPU
 *
 * A block with no live sub-object goes back to its class through this
 * CPU's cache (so a cache flush that follows returns it too).
 * Context: process context or a CPU hotplug callback.
 */
void sa_tiny_flush(int cpu, enum sa_flush_by by)
{
	bool local = by == SA_FLUSH_ON_CPU;
	unsigned long flags = 0;
	void *block;

	if (local)
		tiny_lock(flags);
	block = tiny_detach(per_cpu_ptr(&sa_tiny_cpus, cpu));
	if (local)
		tiny_unlock(flags);
	if (block)
		sa_cache_free(SA_CLASS_TINY, block);
}

/**
 * sa_tiny_holds_block() - does @cpu have an open tiny block? (racy)
 * @cpu: the CPU
 *
 * Return: true if it has one.
 */
bool sa_tiny_holds_block(int cpu)
{
	return READ_ONCE(per_cpu_ptr(&sa_tiny_cpus, cpu)->block);
}
EXPORT_SYMBOL_IF_KUNIT(sa_tiny_holds_block);

/**
 * sa_tiny_init() - register the tiny spans' hooks
 */
void sa_tiny_init(void)
{
	sa_central_set_ops(SA_CLASS_TINY, &tiny_span_ops);
}

/**
 * sa_tiny_alloc() - allocate 1..SPANALLOC_TINY_MAX bytes packed in a block
 * @size: bytes
 * @gfp: allocation flags
 *
 * Context: any (hardirq with GFP_ATOMIC).
 * Return: the object or NULL.
 */
void *sa_tiny_alloc(size_t size, gfp_t gfp)
{
	unsigned int align = min(size & -size, (size_t)8);
	struct sa_tiny_cpu *tc;
	void *block, *closed, *p;
	unsigned long flags;
	unsigned int off, boff;
	atomic_t *st;

	tiny_lock(flags);
	tc = this_cpu_ptr(&sa_tiny_cpus);
	block = tc->block;
	off = ALIGN(tc->off, align);
	if (block && off + size <= SA_TINY_BLOCK) {
		st = block_state(sa_span_of(block), block, &boff);
		atomic_add(TINY_REF + BIT(off) +
			   ((off + size - tc->off) << TINY_END_SHIFT), st);
		tc->off = off + size;
		tiny_unlock(flags);
		this_cpu_inc(sa_cpus->stats.tiny_allocs);
		return block + off;
	}
	tiny_unlock(flags);

	/* Open a new block: one reference for the CPU, one for the object. */
	block = sa_cache_alloc(SA_CLASS_TINY, SA_TINY_BLOCK, gfp);
	if (!block)
		return NULL;
	memset(block, 0, SA_TINY_BLOCK);
	st = block_state(sa_span_of(block), block, &off);
	atomic_set(st, 2 * TINY_REF + (size << TINY_END_SHIFT) + BIT(0));
	p = block;

	tiny_lock(flags);
	tc = this_cpu_ptr(&sa_tiny_cpus);
	closed = tiny_detach(tc);
	tc->block = block;
	tc->off = size;
	tiny_unlock(flags);
	this_cpu_inc(sa_cpus->stats.tiny_allocs);
	if (closed)
		sa_cache_free(SA_CLASS_TINY, closed);
	return p;
}

/**
 * sa_tiny_free() - free a tiny sub-object
 * @span: its span (class SA_CLASS_TINY)
 * @p: the sub-object
 *
 * Context: any.
 */
void sa_tiny_free(struct sa_span *span, const void *p)
{
	unsigned int off;
	atomic_t *st = block_state(span, p, &off);
	int old = atomic_read(st), new;

	do {
		if (!(old & BIT(off))) {
			sa_bad_free("free of %p: not a live tiny object (double free?)\n", p);
			return;
		}
		/* Before the block can change hands: see the top of the file. */
		memset((void *)p, 0, tiny_end(old, off) - off);
		new = old - TINY_REF - BIT(off);
	} while (!atomic_try_cmpxchg(st, &old, new));
	sa_sites_free(span, p);
	this_cpu_inc(sa_cpus->stats.tiny_frees);
	if (!(new >> TINY_REF_SHIFT))
		sa_cache_free(SA_CLASS_TINY, (void *)p - off);
}

/**
 * sa_tiny_walk_live() - call @fn on every live sub-object of a span
 * @span: a span of the tiny class
 * @fn: called with each live sub-object
 *
 * For unload (the kmemleak pass in main.c), when nothing else runs.
 */
void sa_tiny_walk_live(struct sa_span *span, void (*fn)(const void *p))
{
	unsigned int b, off;

	for (b = 0; b < span->carved; b++) {
		unsigned long starts = atomic_read(&span->tiny_state[b]) & TINY_STARTS;

		for_each_set_bit(off, &starts, SA_TINY_BLOCK)
			fn(span->base + b * SA_TINY_BLOCK + off);
	}
}

/**
 * sa_tiny_usable() - bytes of a tiny sub-object one may use
 * @span: its span (class SA_CLASS_TINY)
 * @p: the sub-object
 *
 * Return: bytes from @p to the next live sub-object of its block, or to the
 * end of the bytes placed so far: at least the size requested, never
 * overlapping another live object; what lies beyond the request is zero or
 * the caller's own. 0 if @p is not a live sub-object.
 */
size_t sa_tiny_usable(struct sa_span *span, const void *p)
{
	unsigned int off;
	int s = atomic_read(block_state(span, p, &off));

	if (!(s & BIT(off)))
		return 0;
	return tiny_end(s, off) - off;
}
