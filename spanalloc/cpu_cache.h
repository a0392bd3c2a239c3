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
 *
 * A double free is not looked for here: the caller checked the object's
 * free tag (sa_obj_is_free()) and wrote it before the push.
 *
 * The slow paths (cpu_cache.c, tiny.c) change a stack only under
 * sa_cc_lock(): the CPU's local lock with interrupts off. On PREEMPT_RT the
 * local lock is a per-CPU sleeping lock that leaves preemption (and
 * interrupts) on, so another task on this CPU could run a fast path in the
 * middle of a slow path's change: there sa_cc_lock() turns preemption off
 * as well. RT runs no allocator call in hard interrupt context (SLUB does
 * not allow it either), so that is all the fast path can race with. Nothing
 * under sa_cc_lock() sleeps or takes another spanalloc lock: a spinlock_t
 * is a sleeping lock on RT.
 */
#ifndef _SPANALLOC_CPU_CACHE_H
#define _SPANALLOC_CPU_CACHE_H

#include "internal.h"

#define sa_cc_lock(flags)					\
	do {							\
		local_lock_irqsave(&sa_cpus->lock, flags);	\
		if (IS_ENABLED(CONFIG_PREEMPT_RT))		\
			preempt_disable();			\
	} while (0)

#define sa_cc_unlock(flags)					\
	do {							\
		if (IS_ENABLED(CONFIG_PREEMPT_RT))		\
			preempt_enable();			\
		local_unlock_irqrestore(&sa_cpus->lock, flags);	\
	} while (0)

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
 * @p carries its free tag already (see sa_obj_is_free()).
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
