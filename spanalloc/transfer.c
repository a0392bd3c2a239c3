// SPDX-License-Identifier: GPL-2.0
/*
 * transfer.c - spanalloc's transfer caches (TCMalloc's transfer_cache),
 * between the per-CPU caches and the central lists.
 *
 * What it does: one bounded array of free objects per size class. A CPU
 * cache that overflows hands a batch over with sa_transfer_return(); a CPU
 * cache that is empty takes a whole batch with sa_transfer_fetch(). Both
 * are one memcpy() of object pointers: an object moving from the CPU that
 * freed it to the CPU that allocates it again touches neither its span nor
 * its own memory, so a free on one CPU and an allocation on another no
 * longer cost a central-list lock, a link write per object and a link read
 * back. Only when the array is empty (fetch) or full (return) does the
 * batch, or what did not fit, go to the central list.
 *
 * Objects keep the free word they had in the CPU cache (the free tag or a
 * free-list link, see sa_obj_is_free()): a second free of an object parked
 * here is refused by the API's check like one in a CPU cache, and the
 * central list takes it back, when drained, like any object a CPU flushed.
 *
 * Bounds: a class holds at most SA_TRANSFER_BATCHES batches and at most
 * SA_TRANSFER_CLASS_BYTES (but always one batch); all classes together at
 * most transfer_kib KiB (a return that would pass it goes to the central
 * list). A class's array is allocated at its first return and freed when a
 * drain empties it, so classes no CPU overflows cost nothing.
 *
 * NUMA: one array per class and node. A CPU cache refills from its own
 * memory node's (sa_transfer_fetch()); a batch returned goes to the node
 * of its first object's span (a CPU cache holds its own node's objects,
 * and a flush of a dead CPU's cache, run elsewhere, still goes home), and
 * objects freed on another node's CPU are sent to their own node's array
 * in batches (sa_transfer_return_node(), from main.c), counted there as
 * remote frees. sa_transfer_fetch_node() serves spanalloc_alloc_node()
 * for another node. The bounds below are per node's array; the budget
 * (transfer_kib) is shared by all.
 *
 * Giving memory back: sa_transfer_drain() empties every class (the CPU
 * cache drain ends with it: shrinker, spanalloc_drain(), unload, typed
 * cache destroy) or the classes not used for a given time (the scavenger).
 *
 * Locking: one raw spinlock per class, irq-safe (CPU caches refill and
 * flush in hardirq context on !RT). It is held only to copy at most
 * SA_MAX_BATCH pointers in or out and to update counters, so it stays a
 * spinning lock on PREEMPT_RT with a bounded section. No other spanalloc
 * lock is held when it is taken and none is taken under it: the central
 * lists are called, and the arrays allocated and freed, with it dropped.
 *
 * What it asks of the level below (central.c): sa_central_fetch() and
 * sa_central_return() of batches, with no spanalloc lock held.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/jiffies.h>
#include <linux/spinlock.h>
#include "internal.h"
#include "page_heap.h"
#include "central.h"
#include "transfer.h"

/* Per class: at most this many batches, and this many bytes (or a batch). */
#define SA_TRANSFER_BATCHES	32
#define SA_TRANSFER_CLASS_BYTES	(1024U << 10)

unsigned int sa_transfer_kib = 4096;
module_param_named(transfer_kib, sa_transfer_kib, uint, 0644);
MODULE_PARM_DESC(transfer_kib,
		 "Most KiB of free objects the transfer caches of all classes hold together (default 4096, 0 = off)");
EXPORT_SYMBOL_IF_KUNIT(sa_transfer_kib);

/**
 * struct sa_transfer - one class's transfer cache
 * @lock: guards everything below
 * @slots: the array, or NULL until the first return (and after a drain)
 * @count: objects in @slots, the most recently returned at the top
 * @cap: capacity of @slots (set when it is allocated)
 * @last_used: jiffies of the last fetch or return
 * @hits: fetches served from @slots alone
 * @misses: fetches that went to the central list for all or part
 * @inserts: returns @slots took whole
 * @overflows: returns that went to the central list for all or part
 * @drained: objects drains gave back to the central list
 * @remote: objects sent home here by CPUs of other nodes
 */
struct sa_transfer {
	raw_spinlock_t lock;	/* irq-safe; see the top of this file */
	void **slots;
	unsigned int count;
	unsigned int cap;
	unsigned long last_used;
	u64 hits, misses, inserts, overflows, drained, remote;
} ____cacheline_aligned_in_smp;

/* Per node id, an array of SA_NR_CACHED transfer caches. */
static struct sa_transfer **sa_transfers;

static inline struct sa_transfer *transfer_of(int node, unsigned int cls)
{
	return &sa_transfers[node][cls];
}

/* Bytes of objects held by all classes, and of their arrays. */
static atomic_long_t sa_transfer_held = ATOMIC_LONG_INIT(0);
static atomic_long_t sa_transfer_meta = ATOMIC_LONG_INIT(0);

/* What kmalloc holds for an array of @cap objects: its metadata_bytes. */
static size_t transfer_slots_bytes(unsigned int cap)
{
	return kmalloc_size_roundup(array_size(cap, sizeof(void *)));
}

/* Capacity of a class's array, in objects (0 for an unused dynamic class). */
static unsigned int transfer_cap(unsigned int cls)
{
	unsigned int batch = sa_class_batch(cls), size = sa_class_size(cls), cap;

	if (!size)
		return 0;
	cap = min(SA_TRANSFER_BATCHES * batch, SA_TRANSFER_CLASS_BYTES / size);
	return max(cap, batch);
}

/*
 * Give a class its array, allocated with no lock held. Failing is fine:
 * the returns go to the central list until an allocation succeeds.
 */
static void transfer_alloc_slots(struct sa_transfer *t, unsigned int cls, int node)
{
	unsigned int cap = transfer_cap(cls);
	unsigned long flags;
	void **slots;

	slots = kmalloc_array_node(cap, sizeof(void *), GFP_NOWAIT | __GFP_NOWARN,
				   node_state(node, N_MEMORY) ? node : NUMA_NO_NODE);
	if (!slots)
		return;
	raw_spin_lock_irqsave(&t->lock, flags);
	if (!t->slots) {
		t->slots = slots;
		t->cap = cap;
		slots = NULL;
		atomic_long_add(transfer_slots_bytes(cap), &sa_transfer_meta);
	}
	raw_spin_unlock_irqrestore(&t->lock, flags);
	kfree(slots);	/* another CPU got there first */
}

/**
 * sa_transfer_fetch_node() - take objects of class @cls from a node's
 * transfer cache
 * @node: the node (a valid node id, see sa_valid_node())
 * @cls: size class (or SA_CLASS_TINY)
 * @objs: where to put them (room for @need and for @take)
 * @need: objects wanted; what the array lacks is asked of the central list
 * @take: objects the caller can use (a whole batch) when the array has them
 * @gfp: flags for a new span if the central list must cut one
 *
 * Takes up to @take (at most SA_MAX_BATCH) objects off the top of the
 * array, the ones returned last; if that is fewer than @need, asks @node's
 * central list for the rest with sa_central_fetch_some(), which cuts a new
 * span only when its spans have no free object: a refill of a growing
 * class may bring fewer than @need (the rest of the last span), never a
 * span cut for spare objects.
 * Context: any, with no spanalloc lock held; sleeps only if @gfp allows.
 * Return: the number of objects stored: at least one (@need >= 1) unless
 * memory ran out.
 */
int sa_transfer_fetch_node(int node, unsigned int cls, void **objs, int need, int take,
			   gfp_t gfp)
{
	struct sa_transfer *t = transfer_of(node, cls);
	unsigned long flags;
	int got, n;

	take = min(max(take, need), SA_MAX_BATCH);
	raw_spin_lock_irqsave(&t->lock, flags);
	got = min_t(int, t->count, take);
	if (got) {
		t->count -= got;
		memcpy(objs, t->slots + t->count, got * sizeof(void *));
		t->last_used = jiffies;
		atomic_long_sub((long)got * sa_class_size(cls), &sa_transfer_held);
	}
	if (got >= need)
		t->hits++;
	else
		t->misses++;
	raw_spin_unlock_irqrestore(&t->lock, flags);
	if (got >= need)
		return got;
	n = sa_central_fetch_some(node, cls, objs + got, need - got, gfp);
	return got + max(n, 0);
}
EXPORT_SYMBOL_IF_KUNIT(sa_transfer_fetch_node);

/**
 * sa_transfer_fetch() - take objects of class @cls for a CPU cache, from
 * this CPU's memory node
 * @cls: size class (or SA_CLASS_TINY)
 * @objs: where to put them (room for @need and for @take)
 * @need: objects wanted
 * @take: objects the caller can use when the array has them
 * @gfp: flags for a new span if the central list must cut one
 *
 * Context: as sa_transfer_fetch_node().
 * Return: as sa_transfer_fetch_node().
 */
int sa_transfer_fetch(unsigned int cls, void **objs, int need, int take, gfp_t gfp)
{
	return sa_transfer_fetch_node(sa_local_node(), cls, objs, need, take, gfp);
}
EXPORT_SYMBOL_IF_KUNIT(sa_transfer_fetch);

/*
 * The array of @node takes what fits in its capacity and the global
 * budget, at most SA_MAX_BATCH objects; the rest goes to the central
 * lists. @remote: the objects come from another node's CPU.
 */
static void transfer_return(int node, unsigned int cls, void **objs, int nr, bool remote)
{
	struct sa_transfer *t = transfer_of(node, cls);
	long bytes, limit = (long)READ_ONCE(sa_transfer_kib) << 10;
	unsigned long flags;
	int n = 0;

	if (nr <= 0)
		return;
	if (unlikely(!READ_ONCE(t->slots)) && limit)
		transfer_alloc_slots(t, cls, node);
	raw_spin_lock_irqsave(&t->lock, flags);
	if (t->slots)
		n = min3(nr, (int)(t->cap - t->count), SA_MAX_BATCH);
	bytes = (long)n * sa_class_size(cls);
	if (n && atomic_long_add_return(bytes, &sa_transfer_held) > limit) {
		atomic_long_sub(bytes, &sa_transfer_held);
		n = 0;
	}
	if (n) {
		memcpy(t->slots + t->count, objs, n * sizeof(void *));
		t->count += n;
		t->last_used = jiffies;
	}
	if (n == nr)
		t->inserts++;
	else
		t->overflows++;
	if (remote)
		t->remote += nr;
	raw_spin_unlock_irqrestore(&t->lock, flags);
	if (n < nr)
		sa_central_return(cls, objs + n, nr - n);
}

/**
 * sa_transfer_return() - take back free objects of class @cls from a CPU
 * cache
 * @cls: size class (or SA_CLASS_TINY)
 * @objs: the objects, all of class @cls, carrying their free word
 * @nr: how many
 *
 * To the transfer cache of the node of the first object's span (a CPU
 * cache's objects are its node's); what does not fit goes to the central
 * lists, each object to its own node's. The objects themselves are not
 * touched.
 * Context: any, with no spanalloc lock held.
 */
void sa_transfer_return(unsigned int cls, void **objs, int nr)
{
	int node = 0;

	if (nr <= 0)
		return;
	if (sa_numa()) {
		struct sa_span *span = sa_span_of(objs[0]);

		node = span ? span->node : numa_mem_id();
	}
	transfer_return(node, cls, objs, nr, false);
}
EXPORT_SYMBOL_IF_KUNIT(sa_transfer_return);

/**
 * sa_transfer_return_node() - objects of class @cls freed on another
 * node's CPU, sent home
 * @node: their spans' node
 * @cls: size class
 * @objs: the objects, all of class @cls and of @node, carrying their free
 *	word
 * @nr: how many
 *
 * Like sa_transfer_return(), to @node's transfer cache; counted as remote
 * frees of @node.
 * Context: any, with no spanalloc lock held.
 */
void sa_transfer_return_node(int node, unsigned int cls, void **objs, int nr)
{
	transfer_return(node, cls, objs, nr, true);
}
EXPORT_SYMBOL_IF_KUNIT(sa_transfer_return_node);

/* One node's part of sa_transfer_drain_class(). */
static unsigned int drain_class_node(struct sa_transfer *t, unsigned int cls)
{
	void *objs[SA_MAX_BATCH];
	unsigned int total = 0;
	unsigned long flags;
	void **slots;
	int n;

	for (;;) {
		slots = NULL;
		raw_spin_lock_irqsave(&t->lock, flags);
		n = min_t(int, t->count, SA_MAX_BATCH);
		if (n) {
			t->count -= n;
			memcpy(objs, t->slots + t->count, n * sizeof(void *));
			t->drained += n;
			atomic_long_sub((long)n * sa_class_size(cls), &sa_transfer_held);
		}
		if (!t->count && t->slots) {
			slots = t->slots;
			t->slots = NULL;
			atomic_long_sub(transfer_slots_bytes(t->cap), &sa_transfer_meta);
		}
		raw_spin_unlock_irqrestore(&t->lock, flags);
		kfree(slots);
		if (!n)
			break;
		sa_central_return(cls, objs, n);
		total += n;
	}
	return total;
}

/**
 * sa_transfer_drain_class() - give everything a class holds to the central
 * lists and free its arrays
 * @cls: size class (or SA_CLASS_TINY)
 *
 * Every node's array, a batch at a time (the lock is held for one
 * memcpy), until it is empty; then the array goes (the next return
 * allocates it again).
 * Context: process context.
 * Return: the number of objects given back.
 */
unsigned int sa_transfer_drain_class(unsigned int cls)
{
	unsigned int total = 0;
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++)
		total += drain_class_node(transfer_of(nid, cls), cls);
	return total;
}
EXPORT_SYMBOL_IF_KUNIT(sa_transfer_drain_class);

/**
 * sa_transfer_drain() - empty the transfer caches not used lately
 * @idle: jiffies a class must have gone without a fetch or return to be
 *	emptied; 0 empties every class
 *
 * Context: process context.
 * Return: the number of objects given back to the central lists.
 */
unsigned long sa_transfer_drain(unsigned long idle)
{
	unsigned long total = 0;
	unsigned int cls;
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++) {
		for (cls = 1; cls < SA_NR_CACHED; cls++) {
			struct sa_transfer *t = transfer_of(nid, cls);

			if (!READ_ONCE(t->slots))
				continue;
			if (idle && time_before(jiffies, READ_ONCE(t->last_used) + idle))
				continue;
			total += drain_class_node(t, cls);
		}
	}
	return total;
}
EXPORT_SYMBOL_IF_KUNIT(sa_transfer_drain);

/* Add one node's transfer cache of a class to @st. */
static void transfer_add_stats(struct sa_transfer *t, struct sa_transfer_stats *st)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&t->lock, flags);
	st->objs += t->count;
	st->hits += t->hits;
	st->misses += t->misses;
	st->inserts += t->inserts;
	st->overflows += t->overflows;
	st->drained += t->drained;
	st->remote += t->remote;
	raw_spin_unlock_irqrestore(&t->lock, flags);
}

/**
 * sa_transfer_read_stats() - counters of one class's transfer caches
 * @cls: size class (or SA_CLASS_TINY)
 * @st: filled in: every node's summed, but @cap is one node's array's
 */
void sa_transfer_read_stats(unsigned int cls, struct sa_transfer_stats *st)
{
	int nid;

	memset(st, 0, sizeof(*st));
	for (nid = 0; nid < nr_node_ids; nid++)
		transfer_add_stats(transfer_of(nid, cls), st);
	st->cap = transfer_cap(cls);
}
EXPORT_SYMBOL_IF_KUNIT(sa_transfer_read_stats);

/**
 * sa_transfer_read_node_stats() - counters of one class's transfer cache
 * on one node
 * @node: the node (below nr_node_ids)
 * @cls: size class (or SA_CLASS_TINY)
 * @st: filled in
 */
void sa_transfer_read_node_stats(int node, unsigned int cls, struct sa_transfer_stats *st)
{
	memset(st, 0, sizeof(*st));
	transfer_add_stats(transfer_of(node, cls), st);
	st->cap = transfer_cap(cls);
}
EXPORT_SYMBOL_IF_KUNIT(sa_transfer_read_node_stats);

/**
 * sa_transfer_bytes() - bytes of free objects all transfer caches hold
 *
 * Return: the bytes (exact when quiet).
 */
u64 sa_transfer_bytes(void)
{
	return max(atomic_long_read(&sa_transfer_held), 0L);
}
EXPORT_SYMBOL_IF_KUNIT(sa_transfer_bytes);

/**
 * sa_transfer_metadata_bytes() - bytes of the arrays the classes hold
 *
 * Return: the bytes.
 */
size_t sa_transfer_metadata_bytes(void)
{
	return max(atomic_long_read(&sa_transfer_meta), 0L);
}
EXPORT_SYMBOL_IF_KUNIT(sa_transfer_metadata_bytes);

/* At unload, after every cache was flushed: nothing is left but arrays. */
void sa_transfer_exit(void)
{
	unsigned int cls;
	int nid;

	if (!sa_transfers)
		return;
	for (nid = 0; nid < nr_node_ids; nid++) {
		for (cls = 1; cls < SA_NR_CACHED; cls++) {
			struct sa_transfer *t = transfer_of(nid, cls);

			WARN_ON_ONCE(t->count);
			kfree(t->slots);
			t->slots = NULL;
		}
	}
	sa_per_node_free((void **)sa_transfers);
	sa_transfers = NULL;
}

/* Every node id's transfer caches, each on its own node where it has memory. */
int sa_transfer_init(void)
{
	unsigned int cls;
	int nid;

	sa_transfers = (struct sa_transfer **)
		sa_per_node_alloc(array_size(SA_NR_CACHED, sizeof(struct sa_transfer)));
	if (!sa_transfers)
		return -ENOMEM;
	for (nid = 0; nid < nr_node_ids; nid++)
		for (cls = 0; cls < SA_NR_CACHED; cls++)
			raw_spin_lock_init(&transfer_of(nid, cls)->lock);
	return 0;
}
