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
 * finds the stack busy leaves it alone and goes to the level below. No
 * atomic read-modify-write (the cmpxchg is CPU-local, without a lock prefix
 * on x86) and no shared cache line.
 *
 * Cost per operation, the counters folded (issue 14 item 5): an allocation
 * the stack serves does one this_cpu_try_cmpxchg() on the count+tid word
 * and one per-CPU add (cls_req, the bytes requested); a free one cmpxchg
 * (the claim), one per-CPU store (the publish) and one per-CPU increment
 * (cls_frees). Each also reads its stack's slot array pointer and brackets
 * itself with preempt_disable()/preempt_enable(); a free reads the stack's
 * capacity. That is the floor of this design: the pop is the operation
 * itself, a push needs its claim and publish, and of the three numbers a
 * class's counters must give (allocations, frees, bytes requested) only
 * two can be derived. Everything else is derived when read:
 *
 *   allocations  = cls_frees + cls_bal - objects on the stack, where the
 *                  slow paths alone keep cls_bal, each change of the stack
 *                  they make and each object they hand out or take back
 *                  (sa_cpu_cls_mallocs());
 *   cached bytes = the objects on each stack times their size;
 *   the size histogram = the allocations of each class, every class lying
 *                  in one bucket, plus what tiny, large and debug-mode
 *                  requests count themselves (sa_cpu_size_count()).
 *
 * The byte budget costs the fast path nothing either: it is kept by the
 * capacities (the sum of capacity x size over a CPU's stacks never passes
 * cpu_cache_kib), so a push checks only count < capacity. Capacities,
 * underflow/overflow counters, evictions and the transfer cache are all on
 * the slow paths (cpu_cache.c).
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
#include "page_heap.h"

/* Per-CPU caches (cpu_cache.c). */
#define SA_SIZE_BUCKETS		24

/**
 * sa_size_bucket() - histogram bucket of a requested size
 * @size: bytes, at least 1
 *
 * Bucket 0 is 1..8 bytes, bucket b holds (4 << b, 8 << b]; the last one
 * everything above.
 *
 * Return: the bucket.
 */
static inline unsigned int sa_size_bucket(size_t size)
{
	unsigned int b;

	if (size <= 8)
		return 0;
	b = fls64(size - 1) - 3;
	return min(b, SA_SIZE_BUCKETS - 1U);
}

/**
 * struct sa_cpu_stats - counters kept per CPU, written only by their CPU
 * @tiny_allocs: tiny objects allocated
 * @tiny_frees: tiny objects freed
 * @large_allocs: large objects allocated
 * @large_frees: large objects freed
 * @large_bytes: change of the bytes of live large objects made on this CPU
 *	(may be negative)
 * @bad_frees: frees refused
 * @refused_allocs: requests refused for their gfp (zone modifiers)
 * @passthrough_frees: frees of the kernel's memory handed on to it
 * @rcu_frees: objects given to spanalloc_free_rcu()
 * @rcu_batches: batches of them sent to call_rcu()
 * @rcu_fallbacks: objects sent one by one (no batch page could be had)
 * @corruptions: damage found by the debug checks (poison, red zone)
 * @shrinks: times the shrinker gave memory back
 * @refills: batches fetched from the transfer caches or central lists
 *	(each also served one allocation; every other small allocation was a
 *	fast-path hit)
 * @flushes: batches returned to the transfer caches or central lists
 * @bulk_fetched: objects spanalloc_alloc_bulk() took straight from the
 *	transfer caches or central lists
 * @evictions: batches taken from another class's stack to make room in
 *	the byte budget for a free (see sa_cache_flush_free())
 * @grows: times a class's capacity was raised after a miss
 * @steals: times a class gave up capacity another class needed
 * @shrunk_idle: times an idle class gave up its unused capacity
 * @drain_irqoff_max_ns: the longest a drain kept interrupts off on this
 *	CPU (one stack emptied; see sa_drain_irqoff_max_ns())
 * @cls_bal: per class, kept by the slow paths only: + each object they
 *	put on the stack or hand out, - each they take off the stack or take
 *	back (see sa_cpu_cls_mallocs(): allocations are derived from it)
 * @cls_frees: per class, objects freed (tiny blocks for SA_CLASS_TINY)
 * @cls_req: per class, bytes requested by the callers
 * @cls_underflows: per class, allocations that found the stack empty (or
 *	busy) and went to the slow path
 * @cls_overflows: per class, frees that found the stack full or the byte
 *	budget spent and went to the slow path
 * @sizes: histogram of requested sizes, see sa_size_bucket(), for the
 *	requests no size class counts (tiny, large, debug mode); the rest
 *	is derived, see sa_cpu_size_count()
 * @sizes_adj: debug mode's allocations by the bucket of the class that
 *	served them, taken off the derived histogram (they counted their
 *	requested size in @sizes)
 *
 * Totals (mallocs, heap_alloc...) are derived from these when read, so the
 * fast path bumps only the per-class counters.
 */
struct sa_cpu_stats {
	u64 tiny_allocs, tiny_frees, large_allocs, large_frees;
	s64 large_bytes;
	u64 bad_frees, refused_allocs, corruptions, shrinks;
	u64 passthrough_frees, rcu_frees, rcu_batches, rcu_fallbacks;
	u64 refills, flushes, bulk_fetched, evictions;
	u64 grows, steals, shrunk_idle, drain_irqoff_max_ns;
	s64 cls_bal[SA_NR_CACHED];
	u64 cls_frees[SA_NR_CACHED];
	u64 cls_req[SA_NR_CACHED];
	u64 cls_underflows[SA_NR_CACHED];
	u64 cls_overflows[SA_NR_CACHED];
	u64 sizes[SA_SIZE_BUCKETS];
	u64 sizes_adj[SA_SIZE_BUCKETS];
};

/**
 * struct sa_cc - one class's stack of free objects in one CPU's cache
 * @ct: objects on the stack (bits 0..14), a busy flag (bit 15) and a
 *	transaction id above them, unique to the CPU and moved on by every
 *	change, so a fast path interrupted by another user of the stack fails
 *	its cmpxchg and retries (SLUB's tid, for a stack). Busy is set while a
 *	task writes the slot it claimed for a push: interrupts on the CPU then
 *	leave the stack alone and use the transfer cache directly.
 * @objs: the stack, top at count - 1; room for sa_cache_max_cap() objects
 * @cap: how many objects the stack may hold now: 0 after a drain, raised
 *	by misses, lowered when another class needs the bytes or the class
 *	sits idle (cpu_cache.c); at most sa_cache_max_cap()
 * @want: objects the next refill fetches: starts at 2 and doubles with each
 *	refill up to the class's batch (slow start: a class this CPU barely
 *	uses does not hold a whole batch); back to 2 when the cache is drained
 * @misses: underflows and overflows of this class in the CPU's current
 *	resize interval (the coldest class has the fewest)
 * @act: cls_frees + cls_req when the interval began: unchanged means idle
 */
struct sa_cc {
	unsigned long ct;
	void **objs;
	u16 cap;
	u16 want;
	u32 misses;
	u32 act;
};

#define SA_CT_COUNT	0x7fffUL
#define SA_CT_BUSY	0x8000UL
#define SA_CT_LOW	0xffffUL	/* count and busy: the bits below the tid */
/* Added to @ct by each change: roundup_pow_of_two(nr_cpu_ids) << 16. */
extern unsigned long sa_tid_step;

static inline unsigned int sa_ct_count(unsigned long ct)
{
	return ct & SA_CT_COUNT;
}

static inline bool sa_ct_busy(unsigned long ct)
{
	return ct & SA_CT_BUSY;
}

/*
 * Slow paths, local lock held and the stack not busy: set a stack's count
 * and move its tid on.
 */
static inline void sa_cc_set_count(struct sa_cc *cc, unsigned int n)
{
	WRITE_ONCE(cc->ct, ((cc->ct & ~SA_CT_LOW) + sa_tid_step) | n);
}

#define SA_SLOT_BLOCKS	2

/**
 * struct sa_cpu - a CPU's cache, Go's mcache
 * @lock: local lock (irq-off on !RT) taken by the slow paths and the tiny
 *	allocator; the fast path runs with preemption off and this_cpu
 *	operations (see cpu_cache.h)
 * @slots: the blocks the classes' stacks live in (@cc[].objs point into
 *	them): [0] for classes 1..SA_CLASS_TINY, [1] for the own classes,
 *	each allocated at the CPU's first miss of one of its classes (NULL
 *	before: their capacities stay 0), freed at unload
 * @slots_retry: per block, 0, or the jiffies before which a failed
 *	allocation of it is not tried again (cc_alloc_slots())
 * @cap_bytes: capacity x size summed over @cc; never above cpu_cache_kib,
 *	so the objects held never are either
 * @misses: misses of every class since the resize interval began
 * @evict_next: where the search for the coldest class starts (round robin
 *	among equals)
 * @cc: per class stacks
 * @stats: counters of this CPU
 */
struct sa_cpu {
	local_lock_t lock;
	void **slots[SA_SLOT_BLOCKS];
	unsigned long slots_retry[SA_SLOT_BLOCKS];
	u64 cap_bytes;
	unsigned int misses;
	unsigned int evict_next;
	struct sa_cc cc[SA_NR_CACHED];
	struct sa_cpu_stats stats;
};

extern struct sa_cpu __percpu *sa_cpus;
extern unsigned int sa_cpu_cache_kib;
int sa_cpu_cache_init(void);
void sa_cpu_cache_exit(void);
/*
 * Who flushes a CPU's cache (or tiny block): the CPU itself, from its
 * drain work item with migration off, so it takes its own lock; or another
 * CPU for a dead one (hotplug), whose state nobody else touches.
 */
enum sa_flush_by {
	SA_FLUSH_DEAD_CPU,
	SA_FLUSH_ON_CPU,
};

void sa_cache_flush(int cpu, enum sa_flush_by by);
void sa_cache_drain_all(void (*first)(int cpu, enum sa_flush_by by),
			bool (*first_holds)(int cpu));
unsigned int sa_cache_alloc_bulk(unsigned int cls, size_t size, void **ptrs, unsigned int nr,
				 gfp_t gfp);
void sa_cache_free_bulk(unsigned int cls, void **objs, unsigned int nr);
unsigned int sa_cache_count(int cpu, unsigned int cls);
unsigned int sa_cache_cap(int cpu, unsigned int cls);
unsigned int sa_cache_max_cap(unsigned int cls);
u64 sa_cpu_cls_mallocs(int cpu, unsigned int cls);
u64 sa_cls_mallocs(unsigned int cls);
u64 sa_size_count(unsigned int bucket);
u64 sa_drain_irqoff_max_ns(bool reset);
#if IS_ENABLED(CONFIG_KUNIT)
u64 sa_cache_flush_one_irqoff(void **out, unsigned int *n);
bool sa_cache_drop_slots(void);
#endif
size_t sa_cache_metadata_bytes(void);
void sa_cpu_cache_destroy(void);
const struct sa_cpu_stats *sa_read_cpu_stats(int cpu, u64 *cached_objs, u64 *cached_bytes);
u64 sa_cpu_sum(size_t off);
u64 sa_cpu_cached_bytes(void);

/* A counter of struct sa_cpu_stats (all are 64 bits) summed over every CPU. */
#define SA_CPU_SUM(field)	sa_cpu_sum(offsetof(struct sa_cpu_stats, field))

/*
 * A refused free: counted, and reported with a WARN (once per call site and
 * load) unless report_bad_frees is off (KUnit cases that provoke them).
 */
#define sa_bad_free(fmt, ...)						\
	do {								\
		this_cpu_inc(sa_cpus->stats.bad_frees);			\
		WARN_ONCE(READ_ONCE(sa_report_bad_frees),		\
			  "spanalloc: " fmt, ##__VA_ARGS__);		\
	} while (0)

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

/*
 * An object of class @cls handed out, or taken back, past every CPU's
 * stack (an object of another node, see NUMA in cpu_cache.c): counted as the
 * slow paths count theirs, so sa_cpu_cls_mallocs() stays exact.
 */
static inline void sa_cache_count_alloc(unsigned int cls, size_t size)
{
	this_cpu_inc(sa_cpus->stats.cls_bal[cls]);
	this_cpu_add(sa_cpus->stats.cls_req[cls], size);
}

static inline void sa_cache_count_free(unsigned int cls)
{
	this_cpu_inc(sa_cpus->stats.cls_frees[cls]);
	this_cpu_dec(sa_cpus->stats.cls_bal[cls]);
}

void *sa_cache_refill_alloc(unsigned int cls, size_t size, gfp_t gfp);
void *sa_cache_alloc_node(unsigned int cls, size_t size, gfp_t gfp, int node);
void sa_cache_free_remote(unsigned int cls, void *p);
void sa_cache_remote_flush(int cpu, enum sa_flush_by by);
unsigned int sa_cache_remote_held(int cpu);
u64 sa_cache_remote_bytes(void);

/* Is @node another node than this CPU's (NUMA_NO_NODE is not)? */
static __always_inline bool sa_node_is_remote(int node)
{
	return node != NUMA_NO_NODE && sa_numa() && sa_valid_node(node) != numa_mem_id();
}

/* Is @span another node's than this CPU's memory node? */
static __always_inline bool sa_span_is_remote(const struct sa_span *span)
{
	return sa_numa() && unlikely(span->node != numa_mem_id());
}

void sa_cache_flush_free(unsigned int cls, void *p);

static __always_inline u64 sa_cache_limit(void)
{
	return (u64)READ_ONCE(sa_cpu_cache_kib) << 10;
}

/**
 * sa_cache_pop() - the fast path alone: an object of class @cls off this
 * CPU's stack
 * @cls: size class (or SA_CLASS_TINY)
 * @size: bytes requested, for the counters
 *
 * Calls nothing, so a caller that only tail-calls its slow paths needs no
 * stack frame (main.c's sa_alloc()).
 * Context: any.
 * Return: the object, or NULL if the stack is empty or busy (the caller
 * then goes through sa_cache_alloc()'s refill).
 */
static __always_inline void *sa_cache_pop(unsigned int cls, size_t size)
{
	unsigned long ct;
	void **objs;
	void *obj;

	preempt_disable();
	ct = this_cpu_read(sa_cpus->cc[cls].ct);
	do {
		if (unlikely(!sa_ct_count(ct) || sa_ct_busy(ct))) {
			preempt_enable();
			return NULL;
		}
		objs = this_cpu_read(sa_cpus->cc[cls].objs);
		obj = READ_ONCE(objs[sa_ct_count(ct) - 1]);
	} while (unlikely(!this_cpu_try_cmpxchg(sa_cpus->cc[cls].ct, &ct,
						ct - 1 + sa_tid_step)));
	this_cpu_add(sa_cpus->stats.cls_req[cls], size);
	preempt_enable();
	return obj;
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
	void *obj = sa_cache_pop(cls, size);

	if (likely(obj))
		return obj;
	return sa_cache_refill_alloc(cls, size, gfp);
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
	unsigned int n;
	unsigned long ct;
	void **objs;

	preempt_disable();
	ct = this_cpu_read(sa_cpus->cc[cls].ct);
	do {
		n = sa_ct_count(ct);
		if (unlikely(sa_ct_busy(ct) || n >= this_cpu_read(sa_cpus->cc[cls].cap))) {
			preempt_enable();
			sa_cache_flush_free(cls, p);
			return;
		}
		/* Claim: busy, same count, tid moved on. */
	} while (unlikely(!this_cpu_try_cmpxchg(sa_cpus->cc[cls].ct, &ct,
						ct + SA_CT_BUSY + sa_tid_step)));
	/* Read once claimed: a capacity above 0 implies the slots exist. */
	objs = this_cpu_read(sa_cpus->cc[cls].objs);
	WRITE_ONCE(objs[n], p);
	barrier();
	/* Nothing else touches a busy stack: publish count + 1, not busy. */
	this_cpu_write(sa_cpus->cc[cls].ct, ct + 1 + 2 * sa_tid_step);
	this_cpu_inc(sa_cpus->stats.cls_frees[cls]);
	preempt_enable();
}

#endif /* _SPANALLOC_CPU_CACHE_H */
