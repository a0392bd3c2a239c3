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
 * Memory: a CPU's stacks live in two blocks of slots (twice each class's
 * batch), one for the generated classes and the tiny blocks, one for the
 * typed caches' own classes, each allocated at the CPU's first miss of one
 * of its classes with no lock held (cc_alloc_slots()): CPUs that never use
 * spanalloc hold only their struct sa_cpu, and no CPU holds slots for own
 * classes until a typed cache needs one. A block is whole pages from
 * alloc_pages_exact() (the generated classes' is 11 pages on x86_64;
 * kmalloc would round it to an order-4 block of 16), and metadata_bytes
 * counts those pages.
 *
 * What it asks of the level below (transfer.c): sa_transfer_fetch() of up
 * to the objects a refill wants (at least one; a growing class's refill
 * gets no more than its last span holds) and at most a batch, and
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
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/sched/clock.h>
#include "internal.h"
#include "page_heap.h"
#include "transfer.h"
#include "cpu_cache.h"
#include <trace/events/spanalloc.h>

unsigned int sa_cpu_cache_kib = 1024;
EXPORT_SYMBOL_IF_KUNIT(sa_cpu_cache_kib);

struct sa_cpu __percpu *sa_cpus;
EXPORT_SYMBOL_IF_KUNIT(sa_cpus);
unsigned long sa_tid_step;
/* Per CPU, block 0 holds the stacks of classes 1..SA_CLASS_TINY, block 1 the own classes'. */
static size_t sa_slot_bytes[SA_SLOT_BLOCKS];
static atomic_t sa_slot_blocks[SA_SLOT_BLOCKS];	/* blocks allocated, all CPUs */

static inline unsigned int cc_block(unsigned int cls)
{
	return cls >= SA_CLASS_DYN0;
}

static inline unsigned int cc_block_first(unsigned int b)
{
	return b ? SA_CLASS_DYN0 : 1;
}

static inline unsigned int cc_block_end(unsigned int b)
{
	return b ? SA_NR_CACHED : SA_CLASS_DYN0;
}

/* The most objects a class's stack can hold: the slots it was given. */
static unsigned int cc_max_cap(unsigned int cls)
{
	return 2 * sa_class_batch(cls);
}

/*
 * Set the capacity of @cls's stack in @c, keeping @c->cap_bytes, and move
 * the stack's tid on so a fast path interrupted after it read the old
 * capacity retries. Local lock held (or @c's CPU is dead), stack not busy.
 */
static void cc_set_cap(struct sa_cpu *c, unsigned int cls, unsigned int cap)
{
	struct sa_cc *cc = &c->cc[cls];

	c->cap_bytes -= (u64)cc->cap * sa_class_size(cls);
	c->cap_bytes += (u64)cap * sa_class_size(cls);
	cc->cap = cap;
	sa_cc_set_count(cc, sa_ct_count(cc->ct));
}

/*
 * Take @n objects off the bottom (the coldest end) of @cc into @out.
 * Caller holds the CPU's local lock.
 */
static void cc_take_bottom(struct sa_cpu *c, unsigned int cls, void **out, int n)
{
	struct sa_cc *cc = &c->cc[cls];
	unsigned int count = sa_ct_count(cc->ct);

	lockdep_assert_held(this_cpu_ptr(&sa_cpus->lock));
	memcpy(out, cc->objs, n * sizeof(void *));
	memmove(cc->objs, cc->objs + n, (count - n) * sizeof(void *));
	sa_cc_set_count(cc, count - n);
	c->stats.cls_bal[cls] -= n;
}

/*
 * The end of a resize interval (every SA_RESIZE_MISSES misses of the CPU):
 * a class nobody allocated from or freed to since the last one gives up
 * the capacity its objects do not fill, and every class's miss count is
 * halved, so coldness follows recent use. Local lock held.
 */
#define SA_RESIZE_MISSES	256

static void cc_new_interval(struct sa_cpu *c)
{
	unsigned int cls, count;
	struct sa_cc *cc;
	u32 act;

	for (cls = 1; cls < SA_NR_CACHED; cls++) {
		cc = &c->cc[cls];
		act = (u32)(c->stats.cls_frees[cls] + c->stats.cls_req[cls]);
		count = sa_ct_count(cc->ct);
		if (act == cc->act && cc->cap > count && !sa_ct_busy(cc->ct)) {
			cc_set_cap(c, cls, count);
			c->stats.shrunk_idle++;
		}
		cc->act = act;
		cc->misses /= 2;
	}
	c->misses = 0;
}

/* Count a miss of @cls (an underflow or overflow). Local lock held. */
static void cc_miss(struct sa_cpu *c, unsigned int cls)
{
	c->cc[cls].misses++;
	if (++c->misses >= SA_RESIZE_MISSES)
		cc_new_interval(c);
}

/*
 * Find @short_bytes of capacity for @cls among classes colder than it (fewer
 * misses this interval), from capacity their objects do not fill: no
 * object moves. Local lock held. Return: bytes still missing.
 */
static u64 cc_steal_unused(struct sa_cpu *c, unsigned int cls, u64 short_bytes)
{
	unsigned int v, size, count, take;
	struct sa_cc *vc;

	for (v = 1; v < SA_NR_CACHED && short_bytes; v++) {
		vc = &c->cc[v];
		count = sa_ct_count(vc->ct);
		if (v == cls || vc->cap <= count || sa_ct_busy(vc->ct) ||
		    vc->misses >= c->cc[cls].misses)
			continue;
		size = sa_class_size(v);
		take = min_t(u64, vc->cap - count, DIV_ROUND_UP_ULL(short_bytes, size));
		cc_set_cap(c, v, vc->cap - take);
		short_bytes -= min_t(u64, short_bytes, (u64)take * size);
		c->stats.steals++;
	}
	return short_bytes;
}

/*
 * Take the coldest objects (the bottom, up to a batch) of the coldest other
 * class (fewest misses this interval; among equals the first from
 * c->evict_next, round robin) into @out, and lower its capacity by as many:
 * so a class that misses need not send its objects down while colder
 * classes sit on the budget. TCMalloc's per-CPU cache steals capacity the
 * same way. @cls itself and busy or empty stacks are skipped. Local lock
 * held. Return: the objects taken (0 if no other class holds any), their
 * class in @vcls.
 */
static int cc_evict(struct sa_cpu *c, unsigned int cls, void **out, unsigned int *vcls)
{
	unsigned int i, v = c->evict_next, best = 0;
	struct sa_cc *vc;
	int n;

	lockdep_assert_held(this_cpu_ptr(&sa_cpus->lock));
	for (i = 1; i < SA_NR_CACHED; i++, v++) {
		if (v < 1 || v >= SA_NR_CACHED)
			v = 1;
		vc = &c->cc[v];
		if (v == cls || !sa_ct_count(vc->ct) || sa_ct_busy(vc->ct))
			continue;
		if (!best || vc->misses < c->cc[best].misses)
			best = v;
	}
	if (!best)
		return 0;
	vc = &c->cc[best];
	n = min(sa_ct_count(vc->ct), sa_class_batch(best));
	cc_take_bottom(c, best, out, n);
	cc_set_cap(c, best, vc->cap - n);
	c->evict_next = best + 1;
	c->stats.evictions++;
	*vcls = best;
	return n;
}

/*
 * Raise @cls's capacity towards @want objects (at most its slots) within
 * the CPU's byte budget: from budget no class holds, then from capacity
 * colder classes leave unused, then by evicting the coldest class's objects
 * into @out (returned by the caller once the lock is dropped). Grows as far
 * as the budget then allows, perhaps not at all. Local lock held, @cls's
 * stack not busy. Return: objects evicted, their class in @vcls.
 */
static int cc_grow(struct sa_cpu *c, unsigned int cls, unsigned int want, void **out,
		   unsigned int *vcls)
{
	unsigned int osize = sa_class_size(cls), cap = c->cc[cls].cap;
	u64 limit = sa_cache_limit(), need, room;
	int n = 0;

	want = min(want, cc_max_cap(cls));
	if (want <= cap || unlikely(!c->slots[cc_block(cls)]))
		return 0;
	need = (u64)(want - cap) * osize;
	if (c->cap_bytes + need > limit) {
		need = cc_steal_unused(c, cls, c->cap_bytes + need - limit);
		if (need)
			n = cc_evict(c, cls, out, vcls);
	}
	room = limit > c->cap_bytes ? div_u64(limit - c->cap_bytes, osize) : 0;
	want = min_t(u64, want, cap + room);
	if (want > cap) {
		cc_set_cap(c, cls, want);
		c->stats.grows++;
	}
	return n;
}

/* A block of slots: whole pages, not kmalloc's next power of two. */
static void free_slot_block(void **slots, unsigned int b)
{
	if (slots)
		free_pages_exact(slots, sa_slot_bytes[b]);
}

/*
 * Give this CPU block @b of slots (see "Memory" at the top) at its first
 * miss of one of the block's classes: allocated with no lock held
 * (interrupts may not be off for the page allocator on PREEMPT_RT) and installed
 * under the local lock if the CPU we run on by then still has none. Each
 * stack's pointer is set before any capacity is raised (cc_grow() raises
 * none without slots), and the free fast path reads it only once it has
 * claimed a stack with room. Failing is harmless: capacities stay 0 and
 * objects go to and come from the transfer cache one miss at a time. So
 * the block (order 4 on x86_64) is asked for without direct reclaim or
 * compaction, and after a failure not again on this CPU for a second: on
 * fragmented memory a stall per miss would cost far more than the slots
 * save.
 */
static noinline void cc_alloc_slots(unsigned int b, gfp_t gfp)
{
	unsigned long flags, retry;
	unsigned int cls;
	struct sa_cpu *c;
	void **slots, **s;

	retry = this_cpu_read(sa_cpus->slots_retry[b]);
	if (retry && time_before(jiffies, retry))
		return;
	slots = alloc_pages_exact(sa_slot_bytes[b], (sa_meta_gfp(gfp) & ~__GFP_DIRECT_RECLAIM) |
				  __GFP_NORETRY);
	if (!slots) {
		this_cpu_write(sa_cpus->slots_retry[b], (jiffies + HZ) ?: 1);
		return;
	}
	sa_cc_lock(flags);
	c = this_cpu_ptr(sa_cpus);
	if (!c->slots[b]) {
		for (cls = cc_block_first(b), s = slots; cls < cc_block_end(b); cls++) {
			WRITE_ONCE(c->cc[cls].objs, s);
			s += cc_max_cap(cls);
		}
		c->slots[b] = slots;
		slots = NULL;
		atomic_inc(&sa_slot_blocks[b]);
	}
	sa_cc_unlock(flags);
	free_slot_block(slots, b);
}

static __always_inline void cc_need_slots(unsigned int cls, gfp_t gfp)
{
	unsigned int b = cc_block(cls);

	if (unlikely(!this_cpu_read(sa_cpus->slots[b])))
		cc_alloc_slots(b, gfp);
}

/*
 * Take block @b of slots away from @c (cc_alloc_slots() undone): every
 * stack of the block at capacity 0, with no slots. The stacks are empty
 * and not busy: @c's own under sa_cc_lock(), or @c's CPU is dead or the
 * module is leaving. Return: the block, for the caller to give to
 * free_slot_block() once the lock is dropped, or NULL if @c had none.
 */
static void **cc_take_slots(struct sa_cpu *c, unsigned int b)
{
	void **slots = c->slots[b];
	unsigned int cls;

	if (!slots)
		return NULL;
	for (cls = cc_block_first(b); cls < cc_block_end(b); cls++) {
		cc_set_cap(c, cls, 0);
		WRITE_ONCE(c->cc[cls].objs, NULL);
	}
	c->slots[b] = NULL;
	atomic_dec(&sa_slot_blocks[b]);
	return slots;
}

/**
 * sa_cache_refill_alloc() - slow path of sa_cache_alloc(): fetch a batch,
 * keep what fits, return one
 * @cls: size class (or SA_CLASS_TINY)
 * @size: bytes requested, for the counters
 * @gfp: flags for a new span
 *
 * The miss raises the stack's capacity to what the refill fetched (see
 * cc_grow()), so the rest of the batch stays on this CPU.
 * Return: an object, or NULL when memory ran out.
 */
void *sa_cache_refill_alloc(unsigned int cls, size_t size, gfp_t gfp)
{
	unsigned int count, want, vcls = 0;
	void *victims[SA_MAX_BATCH];
	void *objs[SA_MAX_BATCH];
	unsigned long flags;
	struct sa_cpu *c;
	struct sa_cc *cc;
	int n, keep = 0, nv = 0, i;
	void *obj;

	cc_need_slots(cls, gfp);
	want = this_cpu_read(sa_cpus->cc[cls].want);
	n = sa_transfer_fetch(cls, objs, max(want, 1U), sa_class_batch(cls), gfp);
	if (!n)
		return NULL;
	obj = objs[--n];

	sa_cc_lock(flags);
	c = this_cpu_ptr(sa_cpus);
	cc = &c->cc[cls];
	cc_miss(c, cls);
	/* An interrupted push owns a busy stack: keep nothing. */
	if (likely(!sa_ct_busy(cc->ct))) {
		count = sa_ct_count(cc->ct);
		if (count + n > cc->cap)
			nv = cc_grow(c, cls, max(count + n, (unsigned int)cc->want), victims,
				     &vcls);
		keep = cc->cap > count ? min_t(int, n, cc->cap - count) : 0;
		for (i = 0; i < keep; i++)
			cc->objs[count++] = objs[i];
		sa_cc_set_count(cc, count);
		cc->want = min_t(unsigned int, 2 * cc->want, sa_class_batch(cls));
	}
	c->stats.refills++;
	c->stats.cls_underflows[cls]++;
	c->stats.cls_bal[cls] += keep + 1;
	c->stats.cls_req[cls] += size;
	trace_refill(smp_processor_id(), cls, sa_class_size(cls), n + 1);
	sa_cc_unlock(flags);

	if (nv)
		sa_transfer_return(vcls, victims, nv);
	if (keep < n)
		sa_transfer_return(cls, objs + keep, n - keep);
	return obj;
}

/**
 * sa_cache_flush_free() - slow path of sa_cache_free(): the stack is full,
 * raise its capacity or send a batch back, and keep @p if it fits
 * @cls: size class (or SA_CLASS_TINY)
 * @p: the object being freed
 *
 * A full stack first asks for a batch more capacity (cc_grow(): the byte
 * budget, unused capacity of colder classes, or the coldest class's
 * objects); only if none is had does a batch of @cls itself go down.
 */
void sa_cache_flush_free(unsigned int cls, void *p)
{
	unsigned int count, vcls = 0;
	void *objs[SA_MAX_BATCH + 1];
	void *victims[SA_MAX_BATCH];
	unsigned long flags;
	struct sa_cpu *c;
	struct sa_cc *cc;
	int n, nv = 0;

	cc_need_slots(cls, GFP_NOWAIT);
	sa_cc_lock(flags);
	c = this_cpu_ptr(sa_cpus);
	cc = &c->cc[cls];
	c->stats.cls_frees[cls]++;
	c->stats.cls_overflows[cls]++;
	c->stats.cls_bal[cls]--;
	cc_miss(c, cls);
	if (unlikely(sa_ct_busy(cc->ct))) {
		/* An interrupted push owns the stack: straight down. */
		sa_cc_unlock(flags);
		sa_transfer_return(cls, &p, 1);
		return;
	}
	count = sa_ct_count(cc->ct);
	if (count >= cc->cap)
		nv = cc_grow(c, cls, cc->cap + sa_class_batch(cls), victims, &vcls);
	n = 0;
	if (count >= cc->cap) {
		/* No capacity to be had: a batch of this class goes down. */
		n = min_t(int, count, sa_class_batch(cls));
		if (n) {
			cc_take_bottom(c, cls, objs, n);
			count -= n;
			c->stats.flushes++;
		}
	}
	if (count < cc->cap) {
		cc->objs[count] = p;
		sa_cc_set_count(cc, count + 1);
		c->stats.cls_bal[cls]++;
	} else {
		objs[n++] = p;
	}
	if (n)
		trace_flush(smp_processor_id(), cls, sa_class_size(cls), n);
	sa_cc_unlock(flags);
	if (nv)
		sa_transfer_return(vcls, victims, nv);
	if (n)
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
	unsigned int count, k;
	unsigned long flags;
	struct sa_cpu *c;
	struct sa_cc *cc;
	int n;

	sa_cc_lock(flags);
	c = this_cpu_ptr(sa_cpus);
	cc = &c->cc[cls];
	count = sa_ct_count(cc->ct);
	k = sa_ct_busy(cc->ct) ? 0 : min(count, nr);
	if (k) {
		memcpy(ptrs, cc->objs + count - k, k * sizeof(void *));
		sa_cc_set_count(cc, count - k);
	}
	/* Taken off the stack and handed out: cls_bal is even. */
	c->stats.cls_req[cls] += (u64)k * size;
	sa_cc_unlock(flags);

	while (k < nr) {
		n = sa_transfer_fetch(cls, ptrs + k, nr - k, nr - k, gfp);
		if (n <= 0)
			break;
		this_cpu_add(sa_cpus->stats.cls_bal[cls], n);
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
 * Pushes what fits on this CPU's stack under one local lock, the stack's
 * capacity raised once for them as a miss would (cc_grow()), and returns the
 * rest to the transfer cache in one go.
 * Context: any.
 */
void sa_cache_free_bulk(unsigned int cls, void **objs, unsigned int nr)
{
	unsigned int count, i, rest = 0, kept = 0, vcls = 0;
	void *victims[SA_MAX_BATCH];
	unsigned long flags;
	struct sa_cpu *c;
	struct sa_cc *cc;
	int nv = 0;

	cc_need_slots(cls, GFP_NOWAIT);
	sa_cc_lock(flags);
	c = this_cpu_ptr(sa_cpus);
	cc = &c->cc[cls];
	count = sa_ct_count(cc->ct);
	if (sa_ct_busy(cc->ct)) {
		rest = nr;
	} else {
		if (count + nr > cc->cap) {
			cc_miss(c, cls);
			nv = cc_grow(c, cls, count + nr, victims, &vcls);
		}
		for (i = 0; i < nr; i++) {
			if (count < cc->cap) {
				cc->objs[count++] = objs[i];
				kept++;
			} else {
				objs[rest++] = objs[i];
			}
		}
		sa_cc_set_count(cc, count);
	}
	c->stats.cls_frees[cls] += nr;
	c->stats.cls_bal[cls] += (s64)kept - nr;
	if (rest)
		c->stats.flushes++;
	sa_cc_unlock(flags);
	if (nv)
		sa_transfer_return(vcls, victims, nv);
	if (rest)
		sa_transfer_return(cls, objs, rest);
}

/*
 * NUMA: objects of other nodes. A small object whose span belongs to
 * another node than this CPU's memory node (sa_span::node) does not enter
 * this CPU's cache, where the next allocation here would hand another
 * node's memory out: it goes to this CPU's remote buffer (struct
 * sa_remote), and when that is full the buffer goes home in batches, one
 * per node and class, to the transfer caches of the objects' nodes. Every
 * flush of a CPU (drain, CPU offline, unload) flushes its remote buffer
 * too (main.c orders it). An allocation for a node other than this CPU's
 * takes its object straight from that node's transfer cache or central
 * list. With one node (the sa_numa_key static key off) neither path runs.
 * The buffer is changed under sa_cc_lock(), the CPU cache's own local
 * lock, held only to add an object or take the buffer's contents.
 */
/* Objects of other nodes a CPU holds before sending them home. */
#define SA_REMOTE_MAX	32

/**
 * struct sa_remote - a CPU's objects of other nodes on their way home
 * @n: objects in @objs
 * @bytes: their bytes (memstats counts them in cpu_cached_bytes)
 * @objs: small objects, any class and node, checked and tagged free
 *	(counted as frees already)
 */
struct sa_remote {
	unsigned int n;
	u64 bytes;
	void *objs[SA_REMOTE_MAX];
};

static DEFINE_PER_CPU(struct sa_remote, sa_remotes);

/**
 * sa_cache_alloc_node() - an object of class @cls from another node
 * @cls: size class (generated or a typed cache's own)
 * @size: bytes requested, for the counters
 * @gfp: allocation flags
 * @node: the node (a valid node id other than this CPU's memory node)
 *
 * Straight from @node's transfer cache or central list, not through this
 * CPU's cache (whose objects are this node's), as SLUB does.
 * Context: as sa_cache_alloc().
 * Return: the object, or NULL.
 */
void *sa_cache_alloc_node(unsigned int cls, size_t size, gfp_t gfp, int node)
{
	void *obj;

	if (sa_transfer_fetch_node(node, cls, &obj, 1, 1, gfp) < 1)
		return NULL;
	sa_cache_count_alloc(cls, size);
	return obj;
}

/*
 * Send a CPU's remote objects home: grouped by node and class, each group
 * one batch to its node's transfer cache. No lock held; @objs is the
 * caller's copy and is reordered.
 */
static void remote_send(void **objs, unsigned int n)
{
	while (n) {
		struct sa_span *span = sa_span_of(objs[0]);
		unsigned int cls = span->cls, i, k = 0, rest = 0;
		int node = span->node;
		void *batch[SA_REMOTE_MAX];

		for (i = 0; i < n; i++) {
			struct sa_span *s = sa_span_of(objs[i]);

			if (s->cls == cls && s->node == node)
				batch[k++] = objs[i];
			else
				objs[rest++] = objs[i];
		}
		sa_transfer_return_node(node, cls, batch, k);
		n = rest;
	}
}

/**
 * sa_cache_free_remote() - free an object of another node than this CPU's
 * @cls: its class
 * @p: the object, checked and tagged free by the caller
 *
 * Into this CPU's remote buffer rather than its cache; a full buffer goes
 * home (remote_send()).
 * Context: any.
 */
void sa_cache_free_remote(unsigned int cls, void *p)
{
	void *objs[SA_REMOTE_MAX];
	struct sa_remote *r;
	unsigned long flags;
	unsigned int n = 0;

	sa_cc_lock(flags);
	r = this_cpu_ptr(&sa_remotes);
	r->objs[r->n++] = p;
	r->bytes += sa_class_size(cls);
	if (r->n == SA_REMOTE_MAX) {
		n = r->n;
		memcpy(objs, r->objs, n * sizeof(void *));
		r->n = 0;
		r->bytes = 0;
	}
	sa_cache_count_free(cls);
	sa_cc_unlock(flags);
	if (n)
		remote_send(objs, n);
}

/**
 * sa_cache_remote_flush() - send everything a CPU's remote buffer holds home
 * @cpu: the running CPU (its drain work item, migration off) or a dead one
 * @by: SA_FLUSH_ON_CPU or SA_FLUSH_DEAD_CPU
 *
 * Context: process context or a CPU hotplug callback.
 */
void sa_cache_remote_flush(int cpu, enum sa_flush_by by)
{
	struct sa_remote *r = per_cpu_ptr(&sa_remotes, cpu);
	void *objs[SA_REMOTE_MAX];
	unsigned long flags = 0;
	unsigned int n;

	if (!READ_ONCE(r->n))
		return;
	if (by == SA_FLUSH_ON_CPU)
		sa_cc_lock(flags);
	n = r->n;
	memcpy(objs, r->objs, n * sizeof(void *));
	r->n = 0;
	r->bytes = 0;
	if (by == SA_FLUSH_ON_CPU)
		sa_cc_unlock(flags);
	remote_send(objs, n);
}

/**
 * sa_cache_remote_held() - objects a CPU holds for other nodes (racy)
 * @cpu: the CPU
 *
 * Return: the number of objects in its remote buffer.
 */
unsigned int sa_cache_remote_held(int cpu)
{
	return READ_ONCE(per_cpu_ptr(&sa_remotes, cpu)->n);
}
EXPORT_SYMBOL_IF_KUNIT(sa_cache_remote_held);

/**
 * sa_cache_remote_bytes() - bytes every CPU's remote buffer holds (racy
 * unless quiet)
 *
 * Return: the bytes, 0 with one node.
 */
u64 sa_cache_remote_bytes(void)
{
	u64 sum = 0;
	int cpu;

	if (!sa_numa())
		return 0;
	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(&sa_remotes, cpu)->bytes);
	return sum;
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
	cc->misses = 0;
	/* A busy stack belongs to a push in progress: leave it. */
	if (sa_ct_busy(cc->ct))
		return 0;
	/* Capacity is earned again by misses after a drain. */
	if (count)
		memcpy(out, cc->objs, count * sizeof(void *));
	sa_cc_set_count(cc, 0);
	cc_set_cap(c, cls, 0);
	c->stats.cls_bal[cls] -= count;
	if (count)
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
	u64 t0, dt;

	for (cls = 1; cls < SA_NR_CACHED; cls++) {
		if (!sa_ct_count(READ_ONCE(c->cc[cls].ct)) && !READ_ONCE(c->cc[cls].cap))
			continue;
		if (local) {
			sa_cc_lock(flags);
			t0 = local_clock();
		}
		n = cc_take_all(c, cls, objs);
		if (local) {
			/* The drain's interrupts-off stretch: one stack. */
			dt = local_clock() - t0;
			if (dt > c->stats.drain_irqoff_max_ns)
				c->stats.drain_irqoff_max_ns = dt;
			sa_cc_unlock(flags);
		}
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

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * sa_cache_flush_one_irqoff() - KUnit only: flush this CPU's cache in one
 * interrupts-off stretch, the way a drain by IPI did before drains moved
 * to per-CPU work items, and time it
 * @out: room for every object the cache can hold
 * @n: set to the objects taken (returned to the transfer caches after)
 *
 * Context: migration off, process context.
 * Return: nanoseconds with interrupts off.
 */
u64 sa_cache_flush_one_irqoff(void **out, unsigned int *n)
{
	unsigned int cls, cnt[SA_NR_CACHED], at = 0;
	struct sa_cpu *c;
	unsigned long flags;
	u64 t0, dt;

	sa_cc_lock(flags);
	t0 = local_clock();
	c = this_cpu_ptr(sa_cpus);
	for (cls = 1; cls < SA_NR_CACHED; cls++) {
		cnt[cls] = cc_take_all(c, cls, out + at);
		at += cnt[cls];
	}
	dt = local_clock() - t0;
	sa_cc_unlock(flags);
	*n = at;
	for (cls = 1, at = 0; cls < SA_NR_CACHED; at += cnt[cls], cls++)
		if (cnt[cls])
			sa_transfer_return(cls, out + at, cnt[cls]);
	return dt;
}
EXPORT_SYMBOL_IF_KUNIT(sa_cache_flush_one_irqoff);

/**
 * sa_cache_drop_slots() - take this CPU's stacks of the generated classes
 * and their slots away, as they were before its first miss
 *
 * Flushes the CPU's cache, then frees the block of slots if none of its
 * stacks has filled again meanwhile. For tests of cc_alloc_slots().
 * Context: migration off, process context.
 * Return: true if the slots were dropped.
 */
bool sa_cache_drop_slots(void)
{
	unsigned int cls, held = 0;
	unsigned long flags;
	struct sa_cpu *c;
	void **slots;
	bool dropped;

	sa_cache_flush(smp_processor_id(), SA_FLUSH_ON_CPU);
	sa_cc_lock(flags);
	c = this_cpu_ptr(sa_cpus);
	for (cls = 1; cls < cc_block_end(0); cls++)
		held += sa_ct_count(c->cc[cls].ct) + sa_ct_busy(c->cc[cls].ct);
	slots = held ? NULL : cc_take_slots(c, 0);
	sa_cc_unlock(flags);
	dropped = slots;
	free_slot_block(slots, 0);
	return dropped;
}
EXPORT_SYMBOL_IF_KUNIT(sa_cache_drop_slots);
#endif

/**
 * sa_drain_irqoff_max_ns() - the longest interrupts-off stretch of a drain
 * @reset: start again from 0 afterwards (KUnit)
 *
 * A drain (sa_cache_flush() on each CPU) keeps interrupts off while it
 * empties one stack; each CPU keeps its longest such stretch.
 * Context: any; racy unless quiet.
 * Return: the longest over the possible CPUs, in nanoseconds.
 */
u64 sa_drain_irqoff_max_ns(bool reset)
{
	u64 max = 0, v;
	int cpu;

	for_each_possible_cpu(cpu) {
		v = READ_ONCE(per_cpu_ptr(sa_cpus, cpu)->stats.drain_irqoff_max_ns);
		max = max(max, v);
		if (reset)
			WRITE_ONCE(per_cpu_ptr(sa_cpus, cpu)->stats.drain_irqoff_max_ns, 0);
	}
	return max;
}
EXPORT_SYMBOL_IF_KUNIT(sa_drain_irqoff_max_ns);

/* sa_cache_drain_all(), the drain mutex held. */
static void drain_all_locked(void (*first)(int cpu, enum sa_flush_by by),
			     bool (*first_holds)(int cpu))
{
	int cpu;

	lockdep_assert_held(&sa_drain_mutex);
	sa_drain_first = first;
	sa_drain_first_holds = first_holds;
	for_each_online_cpu(cpu) {
		if (READ_ONCE(per_cpu_ptr(sa_cpus, cpu)->cap_bytes) ||
		    (first_holds && first_holds(cpu)))
			queue_work_on(cpu, sa_drain_wq, per_cpu_ptr(&sa_drain_work, cpu));
	}
	for_each_online_cpu(cpu)
		flush_work(per_cpu_ptr(&sa_drain_work, cpu));
	sa_transfer_drain(0);
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
	might_sleep();
	mutex_lock(&sa_drain_mutex);
	drain_all_locked(first, first_holds);
	mutex_unlock(&sa_drain_mutex);
}
EXPORT_SYMBOL_IF_KUNIT(sa_cache_drain_all);

/*
 * cpu_cache_kib: a lower budget takes effect at once, as the old one did
 * when the fast path checked bytes itself: every CPU's cache is drained,
 * which also resets the capacities the old budget allowed. Runs with the
 * kernel's param lock held, in process context; at load (before init) it
 * only stores the value.
 */
static int cpu_cache_kib_set(const char *val, const struct kernel_param *kp)
{
	unsigned int old = READ_ONCE(sa_cpu_cache_kib);
	int err = param_set_uint(val, kp);

	if (err || READ_ONCE(sa_cpu_cache_kib) >= old)
		return err;
	mutex_lock(&sa_drain_mutex);
	if (sa_drain_wq)	/* NULL before init and after exit */
		drain_all_locked(NULL, NULL);
	mutex_unlock(&sa_drain_mutex);
	return 0;
}

static const struct kernel_param_ops cpu_cache_kib_ops = {
	.set = cpu_cache_kib_set,
	.get = param_get_uint,
};

module_param_cb(cpu_cache_kib, &cpu_cache_kib_ops, &sa_cpu_cache_kib, 0644);
MODULE_PARM_DESC(cpu_cache_kib,
		 "Most KiB of free objects each CPU cache holds (default 1024); lowering it drains every CPU cache");

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
 * sa_cache_cap() - capacity of a class's stack in a CPU's cache now
 * @cpu: CPU number
 * @cls: size class (or SA_CLASS_TINY)
 *
 * Racy unless quiet: the CPU's misses change it.
 * Return: the capacity in objects.
 */
unsigned int sa_cache_cap(int cpu, unsigned int cls)
{
	return READ_ONCE(per_cpu_ptr(sa_cpus, cpu)->cc[cls].cap);
}
EXPORT_SYMBOL_IF_KUNIT(sa_cache_cap);

/**
 * sa_cache_max_cap() - the most objects a class's stack can ever hold
 * @cls: size class (or SA_CLASS_TINY)
 *
 * Return: twice the class's batch: the slots each CPU has for it.
 */
unsigned int sa_cache_max_cap(unsigned int cls)
{
	return cc_max_cap(cls);
}
EXPORT_SYMBOL_IF_KUNIT(sa_cache_max_cap);

/* Bytes of the objects on @c's stacks. */
static u64 cc_held_bytes(struct sa_cpu *c, u64 *objs)
{
	unsigned int cls, n;
	u64 bytes = 0;

	*objs = 0;
	for (cls = 1; cls < SA_NR_CACHED; cls++) {
		n = sa_ct_count(READ_ONCE(c->cc[cls].ct));
		*objs += n;
		bytes += (u64)n * sa_class_size(cls);
	}
	return bytes;
}

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

	*cached_bytes = cc_held_bytes(c, cached_objs);
	return &c->stats;
}
EXPORT_SYMBOL_IF_KUNIT(sa_read_cpu_stats);

/**
 * sa_cpu_cls_mallocs() - objects of a class one CPU handed out
 * @cpu: CPU number (any possible CPU)
 * @cls: size class (or SA_CLASS_TINY: tiny blocks)
 *
 * The fast path counts no allocation (cpu_cache.h): every object the CPU
 * handed out was freed again (cls_frees), is out now, or came back and
 * sits on its stack, and the slow paths account for all they move in
 * cls_bal. Exact when the CPU is quiet.
 * Return: allocations of @cls served by @cpu.
 */
u64 sa_cpu_cls_mallocs(int cpu, unsigned int cls)
{
	struct sa_cpu *c = per_cpu_ptr(sa_cpus, cpu);

	return READ_ONCE(c->stats.cls_frees[cls]) + READ_ONCE(c->stats.cls_bal[cls]) -
	       sa_ct_count(READ_ONCE(c->cc[cls].ct));
}
EXPORT_SYMBOL_IF_KUNIT(sa_cpu_cls_mallocs);

/**
 * sa_cls_mallocs() - objects of a class handed out, over every CPU
 * @cls: size class (or SA_CLASS_TINY: tiny blocks)
 *
 * Context: any; exact when quiet.
 * Return: the sum of sa_cpu_cls_mallocs() over the possible CPUs.
 */
u64 sa_cls_mallocs(unsigned int cls)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += sa_cpu_cls_mallocs(cpu, cls);
	return sum;
}
EXPORT_SYMBOL_IF_KUNIT(sa_cls_mallocs);

/**
 * sa_size_count() - requests counted in one bucket of the size histogram
 * @bucket: see sa_size_bucket()
 *
 * Every generated class lies in one bucket (each power of two from 8 up is
 * a class size), so a class's allocations are its bucket's, with nothing
 * counted on the fast path. Typed caches of their own class are not in it;
 * tiny, large and debug-mode requests count their own size (@sizes), debug
 * mode also taking its class's count back (@sizes_adj).
 * Context: any; exact when quiet.
 * Return: the count.
 */
u64 sa_size_count(unsigned int bucket)
{
	u64 n = SA_CPU_SUM(sizes[bucket]) - SA_CPU_SUM(sizes_adj[bucket]);
	unsigned int cls;

	for (cls = 1; cls < SA_NR_CLASSES; cls++)
		if (sa_size_bucket(sa_classes[cls].size) == bucket)
			n += sa_cls_mallocs(cls);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(sa_size_count);

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
	u64 sum = 0, objs;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += cc_held_bytes(per_cpu_ptr(sa_cpus, cpu), &objs);
	return sum;
}

/**
 * sa_cache_metadata_bytes() - bytes of the per-CPU caches themselves
 *
 * Return: the bytes of every possible CPU's cache structure, and of the
 * blocks of slots CPUs have (those a miss of one of their classes asked
 * for).
 */
size_t sa_cache_metadata_bytes(void)
{
	return num_possible_cpus() * sizeof(struct sa_cpu) +
	       atomic_read(&sa_slot_blocks[0]) * sa_slot_bytes[0] +
	       atomic_read(&sa_slot_blocks[1]) * sa_slot_bytes[1];
}
EXPORT_SYMBOL_IF_KUNIT(sa_cache_metadata_bytes);

static void free_slots(void)
{
	unsigned int b;
	int cpu;

	for_each_possible_cpu(cpu)
		for (b = 0; b < SA_SLOT_BLOCKS; b++)
			free_slot_block(cc_take_slots(per_cpu_ptr(sa_cpus, cpu), b), b);
}

int sa_cpu_cache_init(void)
{
	unsigned int cls, b;
	int cpu;

	sa_cpus = alloc_percpu(struct sa_cpu);
	if (!sa_cpus)
		return -ENOMEM;
	for (cls = 1; cls < SA_NR_CACHED; cls++) {
		if (WARN_ON(sa_class_batch(cls) > SA_MAX_BATCH)) {
			free_percpu(sa_cpus);
			return -EINVAL;
		}
		sa_slot_bytes[cc_block(cls)] += cc_max_cap(cls) * sizeof(void *);
	}
	/* Whole pages (alloc_pages_exact()): what a block really holds. */
	for (b = 0; b < SA_SLOT_BLOCKS; b++)
		sa_slot_bytes[b] = PAGE_ALIGN(sa_slot_bytes[b]);
	sa_drain_wq = alloc_workqueue("spanalloc_drain", WQ_MEM_RECLAIM, 0);
	if (!sa_drain_wq) {
		free_percpu(sa_cpus);
		return -ENOMEM;
	}
	sa_tid_step = roundup_pow_of_two(nr_cpu_ids) << 16;
	for_each_possible_cpu(cpu) {
		struct sa_cpu *c = per_cpu_ptr(sa_cpus, cpu);

		local_lock_init(&c->lock);
		INIT_WORK(per_cpu_ptr(&sa_drain_work, cpu), drain_work_fn);
		/*
		 * Transaction ids start at the CPU number: unique per CPU.
		 * Capacity starts at 0, and no slots: misses earn both
		 * (cc_alloc_slots(), cc_grow()).
		 */
		for (cls = 1; cls < SA_NR_CACHED; cls++) {
			c->cc[cls].ct = (unsigned long)cpu << 16;
			c->cc[cls].want = min(2U, sa_class_batch(cls));
		}
	}
	return 0;
}

/* At unload, after every cache was flushed (main.c): free the stacks. */
void sa_cpu_cache_exit(void)
{
	mutex_lock(&sa_drain_mutex);
	destroy_workqueue(sa_drain_wq);
	sa_drain_wq = NULL;
	mutex_unlock(&sa_drain_mutex);
	free_slots();
}

/* Free the per-CPU structures (after the counters were last read). */
void sa_cpu_cache_destroy(void)
{
	free_percpu(sa_cpus);
}
