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
 */
struct sa_transfer {
	raw_spinlock_t lock;	/* irq-safe; see the top of this file */
	void **slots;
	unsigned int count;
	unsigned int cap;
	unsigned long last_used;
	u64 hits, misses, inserts, overflows, drained;
} ____cacheline_aligned_in_smp;

static struct sa_transfer sa_transfers[SA_NR_CACHED];
/* Bytes of objects held by all classes, and of their arrays. */
static atomic_long_t sa_transfer_held = ATOMIC_LONG_INIT(0);
static atomic_long_t sa_transfer_meta = ATOMIC_LONG_INIT(0);

/* Capacity of a class's array, in objects. */
static unsigned int transfer_cap(unsigned int cls)
{
	unsigned int batch = sa_class_batch(cls);
	unsigned int cap = min(SA_TRANSFER_BATCHES * batch,
			       SA_TRANSFER_CLASS_BYTES / sa_class_size(cls));

	return max(cap, batch);
}

/*
 * Give a class its array, allocated with no lock held. Failing is fine:
 * the returns go to the central list until an allocation succeeds.
 */
static void transfer_alloc_slots(struct sa_transfer *t, unsigned int cls)
{
	unsigned int cap = transfer_cap(cls);
	unsigned long flags;
	void **slots;

	slots = kmalloc_array(cap, sizeof(void *), GFP_NOWAIT | __GFP_NOWARN);
	if (!slots)
		return;
	raw_spin_lock_irqsave(&t->lock, flags);
	if (!t->slots) {
		t->slots = slots;
		t->cap = cap;
		slots = NULL;
		atomic_long_add(cap * sizeof(void *), &sa_transfer_meta);
	}
	raw_spin_unlock_irqrestore(&t->lock, flags);
	kfree(slots);	/* another CPU got there first */
}

/**
 * sa_transfer_fetch() - take objects of class @cls for a CPU cache
 * @cls: size class (or SA_CLASS_TINY)
 * @objs: where to put them (room for @need and for @take)
 * @need: objects needed; what the array lacks comes from the central list
 * @take: objects the caller can use (a whole batch) when the array has them
 * @gfp: flags for a new span if the central list must cut one
 *
 * Takes up to @take (at most SA_MAX_BATCH) objects off the top of the
 * array, the ones returned last; if that is fewer than @need, fetches the
 * rest from the central list.
 * Context: any, with no spanalloc lock held; sleeps only if @gfp allows.
 * Return: the number of objects stored, at least @need unless memory ran
 * out.
 */
int sa_transfer_fetch(unsigned int cls, void **objs, int need, int take, gfp_t gfp)
{
	struct sa_transfer *t = &sa_transfers[cls];
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
	n = sa_central_fetch(cls, objs + got, need - got, gfp);
	return got + max(n, 0);
}
EXPORT_SYMBOL_IF_KUNIT(sa_transfer_fetch);

/**
 * sa_transfer_return() - take back free objects of class @cls from a CPU
 * cache
 * @cls: size class (or SA_CLASS_TINY)
 * @objs: the objects, all of class @cls, carrying their free word
 * @nr: how many
 *
 * The array takes what fits in its capacity and the global budget, at most
 * SA_MAX_BATCH objects; the rest goes to the central list. The objects
 * themselves are not touched.
 * Context: any, with no spanalloc lock held.
 */
void sa_transfer_return(unsigned int cls, void **objs, int nr)
{
	struct sa_transfer *t = &sa_transfers[cls];
	long bytes, limit = (long)READ_ONCE(sa_transfer_kib) << 10;
	unsigned long flags;
	int n = 0;

	if (nr <= 0)
		return;
	if (unlikely(!READ_ONCE(t->slots)) && limit)
		transfer_alloc_slots(t, cls);
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
	raw_spin_unlock_irqrestore(&t->lock, flags);
	if (n < nr)
		sa_central_return(cls, objs + n, nr - n);
}
EXPORT_SYMBOL_IF_KUNIT(sa_transfer_return);

/**
 * sa_transfer_drain_class() - give everything a class holds to the central
 * list and free its array
 * @cls: size class (or SA_CLASS_TINY)
 *
 * A batch at a time (the lock is held for one memcpy), until the array is
 * empty; then the array goes (the next return allocates it again).
 * Context: process context.
 * Return: the number of objects given back.
 */
unsigned int sa_transfer_drain_class(unsigned int cls)
{
	struct sa_transfer *t = &sa_transfers[cls];
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
			atomic_long_sub(t->cap * sizeof(void *), &sa_transfer_meta);
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

	for (cls = 1; cls < SA_NR_CACHED; cls++) {
		struct sa_transfer *t = &sa_transfers[cls];

		if (!READ_ONCE(t->slots))
			continue;
		if (idle && time_before(jiffies, READ_ONCE(t->last_used) + idle))
			continue;
		total += sa_transfer_drain_class(cls);
	}
	return total;
}
EXPORT_SYMBOL_IF_KUNIT(sa_transfer_drain);

/**
 * sa_transfer_read_stats() - counters of one class's transfer cache
 * @cls: size class (or SA_CLASS_TINY)
 * @st: filled in
 */
void sa_transfer_read_stats(unsigned int cls, struct sa_transfer_stats *st)
{
	struct sa_transfer *t = &sa_transfers[cls];
	unsigned long flags;

	raw_spin_lock_irqsave(&t->lock, flags);
	st->objs = t->count;
	st->cap = t->slots ? t->cap : transfer_cap(cls);
	st->hits = t->hits;
	st->misses = t->misses;
	st->inserts = t->inserts;
	st->overflows = t->overflows;
	st->drained = t->drained;
	raw_spin_unlock_irqrestore(&t->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(sa_transfer_read_stats);

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

int sa_transfer_init(void)
{
	unsigned int cls;

	for (cls = 0; cls < SA_NR_CACHED; cls++)
		raw_spin_lock_init(&sa_transfers[cls].lock);
	return 0;
}

/* At unload, after every cache was flushed: nothing is left but arrays. */
void sa_transfer_exit(void)
{
	unsigned int cls;

	for (cls = 1; cls < SA_NR_CACHED; cls++) {
		WARN_ON_ONCE(sa_transfers[cls].count);
		kfree(sa_transfers[cls].slots);
		sa_transfers[cls].slots = NULL;
	}
}
