/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpu_cache.h - the per-CPU fast path, inlined into its callers (main.c,
 * tiny.c). The slow paths, refill and flush, live in cpu_cache.c, whose
 * header comment describes the level.
 *
 * Locking: none, and interrupts stay on. Preemption is off, so only an
 * interrupt on this CPU can use the stack in the middle of an operation.
 * A pop reads the count and tid, reads the top slot, and commits with
 * this_cpu_cmpxchg() on the count+tid word: an interrupt that changed the
 * stack moved the tid on, so the commit fails and the pop retries. A push
 * must write a slot, which an interrupt could be using, so it first claims
 * the stack with the same cmpxchg (busy flag set, count unchanged), writes
 * the slot, then publishes count + 1 and clears busy. An interrupt that
 * finds the stack busy leaves it alone and goes to the central list. No
 * atomic read-modify-write (the cmpxchg is CPU-local, without a lock prefix
 * on x86) and no shared cache line.
 */
#ifndef _SPANALLOC_CPU_CACHE_H
#define _SPANALLOC_CPU_CACHE_H

#include "internal.h"

void *sa_cache_refill_alloc(unsigned int cls, size_t size, gfp_t gfp);
void sa_cache_flush_free(unsigned int cls, void *p);

static __always_inline u64 sa_cache_limit(void)
{
	return (u64)READ_ONCE(sa_cpu_cache_kib) << 10;
}

/**
 * sa_cache_alloc() - allocate an object of class @cls from this CPU's cache
 * @cls: size class (or SA_CLASS_TINY)
 * @size: bytes requested, for the counters
 * @gfp: flags for the slow path
 *
 * Context: any (hardirq with GFP_ATOMIC).
 * Return: the object or NULL.
 */
static __always_inline void *sa_cache_alloc(unsigned int cls, size_t size, gfp_t gfp)
{
	unsigned long ct;
	void **objs;
	void *obj;

	preempt_disable();
	ct = this_cpu_read(sa_cpus->cc[cls].ct);
	do {
		if (unlikely(!sa_ct_count(ct) || sa_ct_busy(ct))) {
			preempt_enable();
			return sa_cache_refill_alloc(cls, size, gfp);
		}
		objs = this_cpu_read(sa_cpus->cc[cls].objs);
		obj = READ_ONCE(objs[sa_ct_count(ct) - 1]);
	} while (unlikely(!this_cpu_try_cmpxchg(sa_cpus->cc[cls].ct, &ct,
						ct - 1 + sa_tid_step)));
	this_cpu_sub(sa_cpus->cached_bytes, sa_class_size(cls));
	this_cpu_inc(sa_cpus->stats.cls_mallocs[cls]);
	this_cpu_add(sa_cpus->stats.cls_req[cls], size);
	preempt_enable();
	return obj;
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
	unsigned int osize = sa_class_size(cls), n;
	unsigned long ct;
	void **objs;

	preempt_disable();
	ct = this_cpu_read(sa_cpus->cc[cls].ct);
	objs = this_cpu_read(sa_cpus->cc[cls].objs);
	do {
		n = sa_ct_count(ct);
		if (unlikely(sa_ct_busy(ct) || n >= this_cpu_read(sa_cpus->cc[cls].cap) ||
			     this_cpu_read(sa_cpus->cached_bytes) + osize > sa_cache_limit())) {
			preempt_enable();
			sa_cache_flush_free(cls, p);
			return;
		}
		if (unlikely(n && READ_ONCE(objs[n - 1]) == p)) {
			preempt_enable();
			sa_bad_free("double free of %p (%u-byte class)\n", p, osize);
			return;
		}
		/* Claim: busy, same count, tid moved on. */
	} while (unlikely(!this_cpu_try_cmpxchg(sa_cpus->cc[cls].ct, &ct,
						ct + SA_CT_BUSY + sa_tid_step)));
	WRITE_ONCE(objs[n], p);
	barrier();
	/* Nothing else touches a busy stack: publish count + 1, not busy. */
	this_cpu_write(sa_cpus->cc[cls].ct, ct + 1 + 2 * sa_tid_step);
	this_cpu_add(sa_cpus->cached_bytes, osize);
	this_cpu_inc(sa_cpus->stats.cls_frees[cls]);
	preempt_enable();
}

#endif /* _SPANALLOC_CPU_CACHE_H */
