// SPDX-License-Identifier: GPL-2.0
/*
 * cpu_cache.c - spanalloc's per-CPU caches (Go's mcache, TCMalloc's
 * cpu_cache). The fast path itself is inline, in cpu_cache.h.
 *
 * What it does: each CPU keeps, per size class, a bounded stack of free
 * objects. An allocation pops from the local stack and a free pushes onto
 * it, whichever CPU allocated the object; nothing else is touched on that
 * path (no atomic read-modify-write, no shared cache line: the counters are
 * per CPU too). When a stack is empty a batch of sa_classes[].batch objects
 * is fetched from the level below; when it is full, or the CPU holds more
 * than cpu_cache_kib KiB, a batch goes back.
 *
 * Locking: the fast path (cpu_cache.h) takes no lock: preemption off, a
 * this_cpu_cmpxchg() on each stack's count and transaction id. The slow
 * paths here take sa_cc_lock() (the CPU's local lock, irqs off; preemption
 * off too on PREEMPT_RT), which keeps every fast path on this CPU out, and
 * move the tid on with each change. No other lock is taken under it and it
 * is taken under none: the transfer caches are always called with it
 * dropped, objects in hand. A drain (main.c) flushes each CPU from a work
 * item on that CPU (never by IPI) with sa_cache_flush(), one stack at a
 * time, then empties the transfer caches. On !RT all of it works in
 * hardirq context; RT allows no allocator calls there.
 *
 * What it asks of the level below (transfer.c): sa_transfer_fetch() of at
 * least the objects a refill wants and at most a batch, and
 * sa_transfer_return() of up to a batch of objects at a time; whether
 * they come from another CPU's flush or from the central list is the
 * transfer cache's business.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/cpu.h>
#include <linux/mm.h>
#include <linux/log2.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include "internal.h"
#include "page_heap.h"
#include "transfer.h"
#include "cpu_cache.h"
#include <trace/events/spanalloc.h>

unsigned int sa_cpu_cache_kib = 1024;
module_param_named(cpu_cache_kib, sa_cpu_cache_kib, uint, 0644);
MODULE_PARM_DESC(cpu_cache_kib,
		 "Most KiB of free objects each CPU cache holds (default 1024)");
EXPORT_SYMBOL_IF_KUNIT(sa_cpu_cache_kib);

struct sa_cpu __percpu *sa_cpus;
EXPORT_SYMBOL_IF_KUNIT(sa_cpus);
unsigned long sa_tid_step;
static size_t sa_cpu_slot_bytes;	/* one allocation per CPU holds every stack */

/**
 * sa_cache_refill_alloc() - slow path of sa_cache_alloc(): fetch a batch,
 * keep what fits, return one
 * @cls: size class (or SA_CLASS_TINY)
 * @size: bytes requested, for the counters
 * @gfp: flags for a new span
 *
 * Return: an object, or NULL when memory ran out.
 */
void *sa_cache_refill_alloc(unsigned int cls, size_t size, gfp_t gfp)
{
	unsigned int osize = sa_class_size(cls);
	void *objs[SA_MAX_BATCH];
	unsigned long flags;
	struct sa_cpu *c;
	unsigned int count, want;
	struct sa_cc *cc;
	int n, keep, i;
	u64 room;
	void *obj;

	want = this_cpu_read(sa_cpus->cc[cls].want);
	n = sa_transfer_fetch(cls, objs, max(want, 1U), sa_class_batch(cls), gfp);
	if (!n)
		return NULL;
	obj = objs[--n];

	sa_cc_lock(flags);
	c = this_cpu_ptr(sa_cpus);
	cc = &c->cc[cls];
	room = sa_cache_limit() > c->cached_bytes ?
		div_u64(sa_cache_limit() - c->cached_bytes, osize) : 0;
	count = sa_ct_count(cc->ct);
	keep = min3((u64)n, (u64)(cc->cap - count), room);
	if (unlikely(sa_ct_busy(cc->ct))) {
		/* An interrupted push owns the stack: keep nothing. */
		keep = 0;
	} else {
		for (i = 0; i < keep; i++)
			cc->objs[count++] = objs[i];
		sa_cc_set_count(cc, count);
		cc->want = min_t(unsigned int, 2 * cc->want, sa_class_batch(cls));
	}
	c->cached_bytes += (u64)keep * osize;
	c->stats.refills++;
	c->stats.cls_underflows[cls]++;
	c->stats.cls_mallocs[cls]++;
	c->stats.cls_req[cls] += size;
	trace_refill(smp_processor_id(), cls, osize, n + 1);
	sa_cc_unlock(flags);

	if (keep < n)
		sa_transfer_return(cls, objs + keep, n - keep);
	return obj;
}

/*
 * Take @n objects off the bottom (the coldest end) of @cc into @out.
 * Caller holds the CPU's local lock.
 */
static void cc_take_bottom(struct sa_cpu *c, struct sa_cc *cc, unsigned int osize,
			   void **out, int n)
{
	unsigned int count = sa_ct_count(cc->ct);

	lockdep_assert_held(this_cpu_ptr(&sa_cpus->lock));
	memcpy(out, cc->objs, n * sizeof(void *));
	memmove(cc->objs, cc->objs + n, (count - n) * sizeof(void *));
	sa_cc_set_count(cc, count - n);
	c->cached_bytes -= (u64)n * osize;
}

/*
 * Can @cc, holding @count objects, take one more of @osize bytes within its
 * capacity and the CPU's byte budget? Local lock held.
 */
static bool cc_has_room(struct sa_cpu *c, struct sa_cc *cc, unsigned int count,
			unsigned int osize)
{
	lockdep_assert_held(this_cpu_ptr(&sa_cpus->lock));
	return count < cc->cap && c->cached_bytes + osize <= sa_cache_limit();
}

/*
 * The byte budget is spent but @cls's stack is not full: take the coldest
 * objects (the bottom, up to a batch) of another class's stack into @out,
 * so a free of @cls need not go down while other classes sit on the
 * budget. Classes are visited round robin from c->evict_next (TCMalloc's
 * per-CPU cache steals capacity the same way); @cls itself and busy or
 * empty stacks are skipped. Local lock held.
 * Return: the objects taken (0 if no other class holds any), their class
 * in @vcls.
 */
static int cc_evict(struct sa_cpu *c, unsigned int cls, void **out, unsigned int *vcls)
{
	unsigned int i, v = c->evict_next;
	struct sa_cc *vc;
	int n;

	lockdep_assert_held(this_cpu_ptr(&sa_cpus->lock));
	for (i = 1; i < SA_NR_CACHED; i++, v++) {
		if (v < 1 || v >= SA_NR_CACHED)
			v = 1;
		vc = &c->cc[v];
		if (v == cls || !sa_ct_count(vc->ct) || sa_ct_busy(vc->ct))
			continue;
		n = min(sa_ct_count(vc->ct), sa_class_batch(v));
		cc_take_bottom(c, vc, sa_class_size(v), out, n);
		c->evict_next = v + 1;
		c->stats.evictions++;
		*vcls = v;
		return n;
	}
	return 0;
}

/**
 * sa_cache_flush_free() - slow path of sa_cache_free(): the stack is full
 * or over budget, send a batch back and keep @p if it fits
 * @cls: size class (or SA_CLASS_TINY)
 * @p: the object being freed
 *
 * A stack that is not full but meets the spent byte budget first evicts a
 * batch of another class (cc_evict()); only if that leaves no room does a
 * batch of @cls itself go down.
 */
void sa_cache_flush_free(unsigned int cls, void *p)
{
	unsigned int count, vcls = 0;
	unsigned int osize = sa_class_size(cls);
	void *objs[SA_MAX_BATCH + 1];
	void *victims[SA_MAX_BATCH];
	unsigned long flags;
	struct sa_cpu *c;
	struct sa_cc *cc;
	int n, nv = 0;

	sa_cc_lock(flags);
	c = this_cpu_ptr(sa_cpus);
	cc = &c->cc[cls];
	c->stats.cls_frees[cls]++;
	c->stats.cls_overflows[cls]++;
	if (unlikely(sa_ct_busy(cc->ct))) {
		/* An interrupted push owns the stack: straight down. */
		sa_cc_unlock(flags);
		sa_transfer_return(cls, &p, 1);
		return;
	}
	count = sa_ct_count(cc->ct);
	if (count < cc->cap) {
		/* An interrupt may have made room since the fast path looked. */
		if (!cc_has_room(c, cc, count, osize))
			nv = cc_evict(c, cls, victims, &vcls);
		if (cc_has_room(c, cc, count, osize)) {
			cc->objs[count] = p;
			sa_cc_set_count(cc, count + 1);
			c->cached_bytes += osize;
			sa_cc_unlock(flags);
			if (nv)
				sa_transfer_return(vcls, victims, nv);
			return;
		}
	}
	n = min_t(int, sa_ct_count(cc->ct), sa_class_batch(cls));
	cc_take_bottom(c, cc, osize, objs, n);
	count = sa_ct_count(cc->ct);
	if (cc_has_room(c, cc, count, osize)) {
		cc->objs[count] = p;
		sa_cc_set_count(cc, count + 1);
		c->cached_bytes += osize;
	} else {
		objs[n++] = p;
	}
	c->stats.flushes++;
	trace_flush(smp_processor_id(), cls, osize, n);
	sa_cc_unlock(flags);
	if (nv)
		sa_transfer_return(vcls, victims, nv);
	sa_transfer_return(cls, objs, n);
}

/**
 * sa_cache_alloc_bulk() - take up to @nr objects of class @cls at once
 * @cls: size class
 * @size: bytes requested per object, for the counters
 * @ptrs: filled with the objects
 * @nr: objects wanted
 * @gfp: flags for new spans
 *
 * Takes what this CPU's stack holds, then fetches the rest straight from
 * the transfer cache and the central list (no detour through the stack).
 * Context: as sa_transfer_fetch().
 * Return: objects stored, @nr unless memory ran out.
 */
unsigned int sa_cache_alloc_bulk(unsigned int cls, size_t size, void **ptrs, unsigned int nr,
				 gfp_t gfp)
{
	unsigned int osize = sa_class_size(cls), count, k;
	unsigned long flags;
	struct sa_cpu *c;
	struct sa_cc *cc;
	int n;

	sa_cc_lock(flags);
	c = this_cpu_ptr(sa_cpus);
	cc = &c->cc[cls];
	count = sa_ct_count(cc->ct);
	k = sa_ct_busy(cc->ct) ? 0 : min(count, nr);
	memcpy(ptrs, cc->objs + count - k, k * sizeof(void *));
	if (k)
		sa_cc_set_count(cc, count - k);
	c->cached_bytes -= (u64)k * osize;
	c->stats.cls_mallocs[cls] += k;
	c->stats.cls_req[cls] += (u64)k * size;
	sa_cc_unlock(flags);

	while (k < nr) {
		n = sa_transfer_fetch(cls, ptrs + k, nr - k, nr - k, gfp);
		if (n <= 0)
			break;
		this_cpu_add(sa_cpus->stats.cls_mallocs[cls], n);
		this_cpu_add(sa_cpus->stats.cls_req[cls], (u64)n * size);
		this_cpu_add(sa_cpus->stats.bulk_fetched, n);
		k += n;
	}
	return k;
}

/**
 * sa_cache_free_bulk() - free @nr objects of class @cls at once
 * @cls: size class
 * @objs: the objects, each the start of a live object of @cls, checked and
 *	tagged free by the caller
 * @nr: how many
 *
 * Pushes what fits on this CPU's stack under one local lock and returns the
 * rest to the transfer cache in one go.
 * Context: any.
 */
void sa_cache_free_bulk(unsigned int cls, void **objs, unsigned int nr)
{
	unsigned int osize = sa_class_size(cls), count, i, rest = 0;
	unsigned long flags;
	bool busy;
	struct sa_cpu *c;
	struct sa_cc *cc;

	sa_cc_lock(flags);
	c = this_cpu_ptr(sa_cpus);
	cc = &c->cc[cls];
	count = sa_ct_count(cc->ct);
	busy = sa_ct_busy(cc->ct);
	for (i = 0; i < nr; i++) {
		if (!busy && cc_has_room(c, cc, count, osize)) {
			cc->objs[count++] = objs[i];
			c->cached_bytes += osize;
		} else {
			objs[rest++] = objs[i];
		}
	}
	if (!busy)
		sa_cc_set_count(cc, count);
	c->stats.cls_frees[cls] += nr;
	if (rest)
		c->stats.flushes++;
	sa_cc_unlock(flags);
	if (rest)
		sa_transfer_return(cls, objs, rest);
}

/*
 * Take every object off one stack of @c into @out (room for the stack's
 * capacity). The stack is @c's own, under sa_cc_lock(), or @c's CPU is
 * dead. Return: the number taken.
 */
static unsigned int cc_take_all(struct sa_cpu *c, unsigned int cls, void **out)
{
	struct sa_cc *cc = &c->cc[cls];
	unsigned int count = sa_ct_count(cc->ct);

	cc->want = min(2U, sa_class_batch(cls));
	/* A busy stack belongs to a push in progress: leave it. */
	if (!count || sa_ct_busy(cc->ct))
		return 0;
	memcpy(out, cc->objs, count * sizeof(void *));
	c->cached_bytes -= (u64)count * sa_class_size(cls);
	sa_cc_set_count(cc, 0);
	c->stats.flushes++;
	return count;
}

/**
 * sa_cache_flush() - return everything a CPU's cache holds
 * @cpu: the CPU: the running one (from its work item), or a dead one
 * @by: SA_FLUSH_ON_CPU (@cpu is the running CPU, migration off: take
 *	sa_cc_lock()) or SA_FLUSH_DEAD_CPU
 *
 * A class at a time: the objects leave the stack under sa_cc_lock() and go
 * to the transfer cache after it is dropped, so no other lock nests in it and
 * interrupts are off only while one stack is emptied. The order against
 * the tiny allocator's own flush is the caller's (main.c).
 * Context: process context or a CPU hotplug callback.
 */
void sa_cache_flush(int cpu, enum sa_flush_by by)
{
	bool local = by == SA_FLUSH_ON_CPU;
	void *objs[2 * SA_MAX_BATCH];
	unsigned long flags = 0;
	struct sa_cpu *c = per_cpu_ptr(sa_cpus, cpu);
	unsigned int cls, n;

	for (cls = 1; cls < SA_NR_CACHED; cls++) {
		if (!sa_ct_count(READ_ONCE(c->cc[cls].ct)))
			continue;
		if (local)
			sa_cc_lock(flags);
		n = cc_take_all(c, cls, objs);
		if (local)
			sa_cc_unlock(flags);
		if (n) {
			trace_flush(cpu, cls, sa_class_size(cls), n);
			sa_transfer_return(cls, objs, n);
		}
	}
}

static DEFINE_MUTEX(sa_drain_mutex);
static DEFINE_PER_CPU(struct work_struct, sa_drain_work);
static struct workqueue_struct *sa_drain_wq;
/* What the drain in progress runs on each CPU before its cache's flush. */
static void (*sa_drain_first)(int cpu, enum sa_flush_by by);
static bool (*sa_drain_first_holds)(int cpu);

static void drain_work_fn(struct work_struct *work)
{
	/* Runs on its CPU unless that went offline meanwhile: stay put. */
	migrate_disable();
	if (sa_drain_first)
		sa_drain_first(smp_processor_id(), SA_FLUSH_ON_CPU);
	sa_cache_flush(smp_processor_id(), SA_FLUSH_ON_CPU);
	migrate_enable();
}

/**
 * sa_cache_drain_all() - flush every online CPU's cache
 * @first: run on each CPU first, by the level above (main.c: the tiny
 *	block, so a block with no live object lands in the cache), or NULL
 * @first_holds: does a CPU hold anything for @first (racy), or NULL
 *
 * Like SLUB's flush_all(): a work item on each CPU holding something, on a
 * WQ_MEM_RECLAIM workqueue, then a wait for them; no IPI, and no CPU
 * hotplug lock (shrinkers may run under it): a CPU that goes offline
 * meanwhile is flushed by the hotplug callback. Then every transfer cache
 * goes to the central lists. Drains are serialised.
 * Context: process context, may sleep.
 */
void sa_cache_drain_all(void (*first)(int cpu, enum sa_flush_by by),
			bool (*first_holds)(int cpu))
{
	int cpu;

	might_sleep();
	mutex_lock(&sa_drain_mutex);
	sa_drain_first = first;
	sa_drain_first_holds = first_holds;
	for_each_online_cpu(cpu) {
		if (READ_ONCE(per_cpu_ptr(sa_cpus, cpu)->cached_bytes) ||
		    (first_holds && first_holds(cpu)))
			queue_work_on(cpu, sa_drain_wq, per_cpu_ptr(&sa_drain_work, cpu));
	}
	for_each_online_cpu(cpu)
		flush_work(per_cpu_ptr(&sa_drain_work, cpu));
	sa_transfer_drain(0);
	mutex_unlock(&sa_drain_mutex);
}
EXPORT_SYMBOL_IF_KUNIT(sa_cache_drain_all);

/**
 * sa_cache_count() - objects of class @cls cached by @cpu (racy unless quiet)
 * @cpu: CPU number
 * @cls: size class (or SA_CLASS_TINY)
 *
 * Return: the number of objects on that stack.
 */
unsigned int sa_cache_count(int cpu, unsigned int cls)
{
	return sa_ct_count(READ_ONCE(per_cpu_ptr(sa_cpus, cpu)->cc[cls].ct));
}
EXPORT_SYMBOL_IF_KUNIT(sa_cache_count);

/**
 * sa_cache_cap() - capacity of a class's stack in every CPU cache
 * @cls: size class (or SA_CLASS_TINY)
 *
 * Return: the capacity in objects.
 */
unsigned int sa_cache_cap(unsigned int cls)
{
	return per_cpu_ptr(sa_cpus, 0)->cc[cls].cap;
}
EXPORT_SYMBOL_IF_KUNIT(sa_cache_cap);

/**
 * sa_read_cpu_stats() - one CPU's counters and what its cache holds
 * @cpu: CPU number (any possible CPU)
 * @cached_objs: set to the objects in the CPU's cache
 * @cached_bytes: set to their bytes
 *
 * Reads another CPU's counters without stopping it: exact when quiet.
 * Return: the CPU's counters, read in place (the struct is too big to copy
 * onto the stack).
 */
const struct sa_cpu_stats *sa_read_cpu_stats(int cpu, u64 *cached_objs, u64 *cached_bytes)
{
	struct sa_cpu *c = per_cpu_ptr(sa_cpus, cpu);
	unsigned int cls;

	*cached_objs = 0;
	for (cls = 1; cls < SA_NR_CACHED; cls++)
		*cached_objs += sa_ct_count(READ_ONCE(c->cc[cls].ct));
	*cached_bytes = READ_ONCE(c->cached_bytes);
	return &c->stats;
}
EXPORT_SYMBOL_IF_KUNIT(sa_read_cpu_stats);

/**
 * sa_cpu_sum() - one counter of struct sa_cpu_stats summed over every CPU
 * @off: the counter's offset (SA_CPU_SUM(field) computes it)
 *
 * The one place per-CPU counters are added up: memstats, debugfs, the
 * unload report and the KUnit suites read their totals through it. Reads
 * the CPUs' counters without stopping them: exact when quiet.
 * Context: any.
 * Return: the sum (an s64 counter reads back as its two's complement).
 */
u64 sa_cpu_sum(size_t off)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*(u64 *)((char *)&per_cpu_ptr(sa_cpus, cpu)->stats + off));
	return sum;
}
EXPORT_SYMBOL_IF_KUNIT(sa_cpu_sum);

/**
 * sa_cpu_cached_bytes() - bytes of free objects every CPU's cache holds
 *
 * Context: any; racy unless quiet.
 * Return: the sum over the possible CPUs.
 */
u64 sa_cpu_cached_bytes(void)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(sa_cpus, cpu)->cached_bytes);
	return sum;
}

/**
 * sa_cache_metadata_bytes() - bytes of the per-CPU caches themselves
 *
 * Return: the bytes of every possible CPU's cache structures and stacks.
 */
size_t sa_cache_metadata_bytes(void)
{
	return num_possible_cpus() * (sizeof(struct sa_cpu) + sa_cpu_slot_bytes);
}

/* The stacks of a CPU all live in the block the first class points to. */
static void free_slots(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct sa_cpu *c = per_cpu_ptr(sa_cpus, cpu);

		kfree(c->cc[1].objs);
		c->cc[1].objs = NULL;
	}
}

int sa_cpu_cache_init(void)
{
	unsigned int cls, total = 0;
	int cpu;

	sa_cpus = alloc_percpu(struct sa_cpu);
	if (!sa_cpus)
		return -ENOMEM;
	for (cls = 1; cls < SA_NR_CACHED; cls++) {
		if (WARN_ON(sa_class_batch(cls) > SA_MAX_BATCH))
			return -EINVAL;
		total += 2 * sa_class_batch(cls);
	}
	sa_cpu_slot_bytes = total * sizeof(void *);
	sa_drain_wq = alloc_workqueue("spanalloc_drain", WQ_MEM_RECLAIM, 0);
	if (!sa_drain_wq) {
		free_percpu(sa_cpus);
		return -ENOMEM;
	}
	sa_tid_step = roundup_pow_of_two(nr_cpu_ids) << 16;
	for_each_possible_cpu(cpu) {
		struct sa_cpu *c = per_cpu_ptr(sa_cpus, cpu);
		void **slots;

		local_lock_init(&c->lock);
		INIT_WORK(per_cpu_ptr(&sa_drain_work, cpu), drain_work_fn);
		/* Transaction ids start at the CPU number: unique per CPU. */
		for (cls = 1; cls < SA_NR_CACHED; cls++)
			c->cc[cls].ct = (unsigned long)cpu << 16;
		slots = kmalloc_node(sa_cpu_slot_bytes, GFP_KERNEL, cpu_to_node(cpu));
		if (!slots)
			goto fail;
		for (cls = 1; cls < SA_NR_CACHED; cls++) {
			c->cc[cls].cap = 2 * sa_class_batch(cls);
			c->cc[cls].want = min(2U, sa_class_batch(cls));
			c->cc[cls].objs = slots;
			slots += c->cc[cls].cap;
		}
	}
	return 0;
fail:
	free_slots();
	destroy_workqueue(sa_drain_wq);
	free_percpu(sa_cpus);
	return -ENOMEM;
}

/* At unload, after every cache was flushed (main.c): free the stacks. */
void sa_cpu_cache_exit(void)
{
	destroy_workqueue(sa_drain_wq);
	free_slots();
}

/* Free the per-CPU structures (after the counters were last read). */
void sa_cpu_cache_destroy(void)
{
	free_percpu(sa_cpus);
}
