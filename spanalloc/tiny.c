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
 * Locking: the open block and its cursor belong to the CPU's cache and are
 * guarded by its local lock; only that CPU sets start bits and the end. Any
 * CPU may free, so references change with atomic operations (the one place
 * spanalloc uses them per object: a tiny object is shared by design).
 *
 * What it asks of the level below (cpu_cache.c): 16-byte blocks of class
 * SA_CLASS_TINY through sa_cache_alloc()/sa_cache_free().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/bitops.h>
#include <linux/mm.h>
#include "internal.h"
#include "cpu_cache.h"

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
 * sa_tiny_span_init() - give a new tiny span its per-block state
 * @span: span of class SA_CLASS_TINY
 * @gfp: allocation flags
 *
 * Return: 0, or -ENOMEM.
 */
int sa_tiny_span_init(struct sa_span *span, gfp_t gfp)
{
	span->tiny_state = kcalloc(sa_class_objs(SA_CLASS_TINY), sizeof(atomic_t), gfp);
	return span->tiny_state ? 0 : -ENOMEM;
}

/**
 * sa_tiny_detach() - close a CPU's open tiny block
 * @c: the CPU's cache; its local lock is held or the CPU is dead
 *
 * Return: the block if no sub-object in it is live any more (the caller
 * gives it back to its class), else NULL.
 */
void *sa_tiny_detach(struct sa_cpu *c)
{
	void *block = c->tiny_block;
	unsigned int off;
	atomic_t *st;
	int delta;

	if (!block)
		return NULL;
	c->tiny_block = NULL;
	st = block_state(sa_span_of(block), block, &off);
	delta = ((SA_TINY_BLOCK - c->tiny_off) << TINY_END_SHIFT) - TINY_REF;
	if (atomic_add_return(delta, st) >> TINY_REF_SHIFT)
		return NULL;
	return block;
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
	void *block, *closed, *p;
	unsigned long flags;
	struct sa_cpu *c;
	unsigned int off, boff;
	atomic_t *st;

	sa_cc_lock(flags);
	c = this_cpu_ptr(sa_cpus);
	block = c->tiny_block;
	off = ALIGN(c->tiny_off, align);
	if (block && off + size <= SA_TINY_BLOCK) {
		st = block_state(sa_span_of(block), block, &boff);
		atomic_add(TINY_REF + BIT(off) +
			   ((off + size - c->tiny_off) << TINY_END_SHIFT), st);
		c->tiny_off = off + size;
		c->stats.tiny_allocs++;
		sa_cc_unlock(flags);
		return block + off;
	}
	sa_cc_unlock(flags);

	/* Open a new block: one reference for the CPU, one for the object. */
	block = sa_cache_alloc(SA_CLASS_TINY, SA_TINY_BLOCK, gfp);
	if (!block)
		return NULL;
	memset(block, 0, SA_TINY_BLOCK);
	st = block_state(sa_span_of(block), block, &off);
	atomic_set(st, 2 * TINY_REF + (size << TINY_END_SHIFT) + BIT(0));
	p = block;

	sa_cc_lock(flags);
	c = this_cpu_ptr(sa_cpus);
	closed = sa_tiny_detach(c);
	c->tiny_block = block;
	c->tiny_off = size;
	c->stats.tiny_allocs++;
	sa_cc_unlock(flags);
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
	this_cpu_inc(sa_cpus->stats.tiny_frees);
	if (!(new >> TINY_REF_SHIFT))
		sa_cache_free(SA_CLASS_TINY, (void *)p - off);
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
