// SPDX-License-Identifier: GPL-2.0
/*
 * rcu_free.c - frees after an RCU grace period, like kfree_rcu() and
 * kvfree_rcu(), batched per CPU.
 *
 * What it does: spanalloc_free_rcu() puts the pointer in this CPU's batch,
 * a page of pointers; a full batch, or one that has waited SA_RCU_DELAY,
 * goes to call_rcu() as a whole (one callback per batch, not per object),
 * and after the grace period its objects are freed with
 * spanalloc_free_bulk(). The object's own rcu_head is not used while a
 * batch can be had; when no page can be had for a new batch, the two-
 * argument form falls back to call_rcu() on the object's rcu_head, and the
 * head-less form waits for a grace period itself (it may sleep, like
 * kvfree_rcu_mightsleep()). Memory spanalloc does not own rides in the
 * same batches and goes to the kernel's kvfree() after the grace period
 * (or, without a batch, to the kernel's kvfree_call_rcu()).
 *
 * Locking: one raw spinlock per CPU, irqs off, guards that CPU's open
 * batch (the monitor work may run on another CPU when its own went
 * offline); nothing is allocated or freed under it.
 *
 * What it asks of the levels below: spanalloc_free_bulk() and
 * spanalloc_free() (any context, so the RCU callbacks may call them).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <kunit/visibility.h>
#include "internal.h"
#include "page_heap.h"
#include "cpu_cache.h"
#include "main.h"
#include "rcu_free.h"

/* Longest a pointer waits in an open batch before the batch goes to RCU. */
#define SA_RCU_DELAY	(HZ / 50)

/**
 * struct sa_rcu_batch - pointers waiting for one grace period together
 * @rcu: the batch's callback
 * @nr: pointers in @ptrs
 * @ptrs: the objects, all spanalloc's
 */
struct sa_rcu_batch {
	struct rcu_head rcu;
	unsigned int nr;
	void *ptrs[];
};

#define SA_RCU_BATCH	((PAGE_SIZE - offsetof(struct sa_rcu_batch, ptrs)) / sizeof(void *))

/**
 * struct sa_rcu_cpu - a CPU's open batch
 * @lock: guards @cur
 * @cur: the open batch, or NULL
 * @work: sends @cur to RCU once it has waited SA_RCU_DELAY
 */
struct sa_rcu_cpu {
	raw_spinlock_t lock;
	struct sa_rcu_batch *cur;
	struct delayed_work work;
};

static DEFINE_PER_CPU(struct sa_rcu_cpu, sa_rcu_cpus);
static bool sa_rcu_running;

/* After the grace period: spanalloc's objects in one bulk free. */
static void batch_free(struct rcu_head *head)
{
	struct sa_rcu_batch *b = container_of(head, struct sa_rcu_batch, rcu);
	unsigned int i, n = 0;

	for (i = 0; i < b->nr; i++) {
		if (likely(sa_span_of(b->ptrs[i])))
			b->ptrs[n++] = b->ptrs[i];
		else
			kvfree(b->ptrs[i]);	/* the kernel's, counted when queued */
	}
	spanalloc_free_bulk(n, b->ptrs);
	free_page((unsigned long)b);
}

static void batch_submit(struct sa_rcu_batch *b)
{
	this_cpu_inc(sa_cpus->stats.rcu_batches);
	call_rcu(&b->rcu, batch_free);
}

/* Take @rc's open batch, if any, and send it to RCU. */
static void cpu_submit(struct sa_rcu_cpu *rc)
{
	struct sa_rcu_batch *b;
	unsigned long flags;

	raw_spin_lock_irqsave(&rc->lock, flags);
	b = rc->cur;
	rc->cur = NULL;
	raw_spin_unlock_irqrestore(&rc->lock, flags);
	if (b)
		batch_submit(b);
}

static void monitor(struct work_struct *work)
{
	cpu_submit(container_of(to_delayed_work(work), struct sa_rcu_cpu, work));
}

/*
 * Put @p in this CPU's open batch if it has room. Return: false when there
 * is no open batch with room.
 */
static bool batch_add(const void *p)
{
	struct sa_rcu_batch *full = NULL;
	struct sa_rcu_cpu *rc;
	unsigned long flags;
	bool added = false;

	local_irq_save(flags);
	rc = this_cpu_ptr(&sa_rcu_cpus);
	raw_spin_lock(&rc->lock);
	if (rc->cur && rc->cur->nr < SA_RCU_BATCH) {
		rc->cur->ptrs[rc->cur->nr++] = (void *)p;
		added = true;
		if (rc->cur->nr == SA_RCU_BATCH) {
			full = rc->cur;
			rc->cur = NULL;
		}
	}
	raw_spin_unlock(&rc->lock);
	local_irq_restore(flags);
	if (full)
		batch_submit(full);
	return added;
}

/* Open @nb (holding @p) as this CPU's batch; arm its monitor. */
static void batch_open(struct sa_rcu_batch *nb)
{
	struct sa_rcu_batch *old;
	struct sa_rcu_cpu *rc;
	unsigned long flags;
	int cpu;

	local_irq_save(flags);
	cpu = smp_processor_id();
	rc = this_cpu_ptr(&sa_rcu_cpus);
	raw_spin_lock(&rc->lock);
	old = rc->cur;
	rc->cur = nb;
	raw_spin_unlock(&rc->lock);
	local_irq_restore(flags);
	/* A batch opened meanwhile (an interrupt) goes now, as it is. */
	if (old)
		batch_submit(old);
	if (READ_ONCE(sa_rcu_running))
		queue_delayed_work_on(cpu, system_wq, &rc->work, SA_RCU_DELAY);
}

/* Fallback callback: the object holding @head, freed one by one. */
static void free_one(struct rcu_head *head)
{
	spanalloc_free(sa_object_start(head));
}

/**
 * spanalloc_free_rcu() - free @p after an RCU grace period, like kfree_rcu()
 * @p: the object (any spanalloc object, or memory the kernel's kvfree()
 *	takes); NULL is ignored
 * @head: an rcu_head inside the object (the two-argument kfree_rcu()), or
 *	NULL (kfree_rcu_mightsleep(), kvfree_rcu() with one argument)
 *
 * Context: any, with @head; with @head NULL, process context (it may wait
 * for a grace period when no batch page can be had).
 */
void spanalloc_free_rcu(const void *p, struct rcu_head *head)
{
	struct sa_rcu_batch *nb = NULL;

	bool owned;

	if (ZERO_OR_NULL_PTR(p))
		return;
	owned = sa_span_of(p);
	if (owned)
		this_cpu_inc(sa_cpus->stats.rcu_frees);
	else
		this_cpu_inc(sa_cpus->stats.passthrough_frees);
	if (batch_add(p))
		return;
	/* No open batch with room: a page for a new one, if this context may. */
	if (!IS_ENABLED(CONFIG_PREEMPT_RT) || preemptible())
		nb = (void *)__get_free_page(GFP_NOWAIT | __GFP_NOWARN);
	if (nb) {
		nb->nr = 1;
		nb->ptrs[0] = (void *)p;
		batch_open(nb);
		return;
	}
	this_cpu_inc(sa_cpus->stats.rcu_fallbacks);
	if (head && !owned) {
		sa_kvfree_call_rcu(head, p);	/* the kernel's memory, its own way */
	} else if (head) {
		call_rcu(head, free_one);
	} else {
		might_sleep();
		synchronize_rcu();
		if (owned)
			spanalloc_free(p);
		else
			kvfree(p);
	}
}
EXPORT_SYMBOL_GPL(spanalloc_free_rcu);

/**
 * sa_rcu_free_flush() - send every CPU's open batch to RCU now
 *
 * Context: process context.
 */
void sa_rcu_free_flush(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		cpu_submit(per_cpu_ptr(&sa_rcu_cpus, cpu));
}
EXPORT_SYMBOL_IF_KUNIT(sa_rcu_free_flush);

int sa_rcu_free_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct sa_rcu_cpu *rc = per_cpu_ptr(&sa_rcu_cpus, cpu);

		raw_spin_lock_init(&rc->lock);
		INIT_DELAYED_WORK(&rc->work, monitor);
	}
	WRITE_ONCE(sa_rcu_running, true);
	return 0;
}

/* At unload, before any level goes: every pending free is done. */
void sa_rcu_free_exit(void)
{
	int cpu;

	WRITE_ONCE(sa_rcu_running, false);
	for_each_possible_cpu(cpu)
		cancel_delayed_work_sync(&per_cpu_ptr(&sa_rcu_cpus, cpu)->work);
	sa_rcu_free_flush();
	rcu_barrier();
}
