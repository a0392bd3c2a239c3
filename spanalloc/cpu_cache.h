/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpu_cache.h - the per-CPU fast path, inlined into its callers (main.c,
 * tiny.c). The slow paths, refill and flush, live in cpu_cache.c, whose
 * header comment describes the level and its locking.
 *
 * Each operation takes this CPU's local lock (irq-off on !RT), touches one
 * class's stack and this CPU's counters, and drops it: no atomic
 * read-modify-write, no shared cache line.
 */
#ifndef _SPANALLOC_CPU_CACHE_H
#define _SPANALLOC_CPU_CACHE_H

#include "internal.h"

void *sa_cache_refill_alloc(unsigned int cls, size_t size, gfp_t gfp);
void sa_cache_flush_free(unsigned int cls, void *p);

/* Object size of a cached class (the tiny pseudo class is 16 bytes). */
static __always_inline unsigned int sa_cached_size(unsigned int cls)
{
	return sa_classes[cls == SA_CLASS_TINY ? SA_TINY_CLASS : cls].size;
}

static __always_inline u64 sa_cache_limit(void)
{
	return (u64)READ_ONCE(sa_cpu_cache_kib) << 10;
}

static __always_inline void sa_account_alloc(struct sa_cpu *c, unsigned int cls,
					     size_t size)
{
	c->stats.cls_mallocs[cls]++;
	c->stats.cls_req[cls] += size;
}

/**
 * sa_cache_alloc() - allocate an object of class @cls from this CPU's cache
 * @cls: size class (or SA_CLASS_TINY)
 * @size: bytes requested, for the counters
 * @gfp: flags for the slow path
 *
 * Context: any (hardirq with GFP_ATOMIC). Return: the object or NULL.
 */
static __always_inline void *sa_cache_alloc(unsigned int cls, size_t size, gfp_t gfp)
{
	unsigned long flags;
	struct sa_cpu *c;
	struct sa_cc *cc;
	void *obj;

	local_lock_irqsave(&sa_cpus->lock, flags);
	c = this_cpu_ptr(sa_cpus);
	cc = &c->cc[cls];
	if (likely(cc->count)) {
		obj = cc->objs[--cc->count];
		c->cached_bytes -= sa_cached_size(cls);
		sa_account_alloc(c, cls, size);
		local_unlock_irqrestore(&sa_cpus->lock, flags);
		return obj;
	}
	local_unlock_irqrestore(&sa_cpus->lock, flags);
	return sa_cache_refill_alloc(cls, size, gfp);
}

/**
 * sa_cache_free() - free an object of class @cls into this CPU's cache
 * @cls: size class (or SA_CLASS_TINY)
 * @p: the object
 *
 * Refuses (and counts) a free of the object already on top of the stack:
 * an immediate double free.
 * Context: any.
 */
static __always_inline void sa_cache_free(unsigned int cls, void *p)
{
	unsigned int osize = sa_cached_size(cls);
	unsigned long flags;
	struct sa_cpu *c;
	struct sa_cc *cc;

	local_lock_irqsave(&sa_cpus->lock, flags);
	c = this_cpu_ptr(sa_cpus);
	cc = &c->cc[cls];
	if (unlikely(cc->count && cc->objs[cc->count - 1] == p)) {
		local_unlock_irqrestore(&sa_cpus->lock, flags);
		sa_bad_free("double free of %p (%u-byte class)\n", p, osize);
		return;
	}
	c->stats.cls_frees[cls]++;
	if (likely(cc->count < cc->cap && c->cached_bytes + osize <= sa_cache_limit())) {
		cc->objs[cc->count++] = p;
		c->cached_bytes += osize;
		local_unlock_irqrestore(&sa_cpus->lock, flags);
		return;
	}
	local_unlock_irqrestore(&sa_cpus->lock, flags);
	sa_cache_flush_free(cls, p);
}

#endif /* _SPANALLOC_CPU_CACHE_H */
