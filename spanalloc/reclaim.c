// SPDX-License-Identifier: GPL-2.0
/*
 * reclaim.c - giving memory back: a shrinker for memory pressure and a
 * background scavenger for idle memory (Go's scavenger, the kernel's way).
 *
 * What it does:
 *   - the shrinker counts the pages spanalloc holds without a live object
 *     (CPU caches, transfer caches, free objects and empty spans of the
 *     central lists, free pages of the page heap) and, asked to scan,
 *     flushes every CPU cache and transfer cache, returns empty spans to
 *     the page heap and wholly free chunks to the kernel;
 *   - the scavenger, a delayed work item every scavenge_ms, gives back the
 *     chunks that stayed wholly free for a whole period, keeping
 *     scavenge_reserve_kib of them; and when nothing was allocated or freed
 *     for a whole period it flushes the CPU caches and gives back every
 *     free chunk beyond the reserve, so memory freed after a burst is back
 *     with the kernel within two periods; a class's transfer cache that
 *     saw no fetch or return for a whole period goes back to the central
 *     list on every pass, busy or not.
 *
 * Locking: it calls the levels' own drain functions from process context
 * (a workqueue, or the reclaiming task). sa_scavenger_lock orders every
 * "is the scavenger on? then queue it" (the scavenge_ms parameter's "run
 * now", the pass re-arming itself) against the unload turning it off: sysfs
 * lets a write of the parameter run until the module's files are removed,
 * which is after the module's exit function returned, so a write that saw
 * the scavenger on must have queued the work before sa_reclaim_exit()
 * cancels it, and no later one may queue it.
 *
 * The work runs on its own ordered workqueue, not system_wq: on 6.12 a
 * self-re-arming delayed work that others also mod_delayed_work() on a
 * per-CPU workqueue was seen running on two CPUs at once (a standalone
 * module shows it too), and cancel_delayed_work_sync() waits for one of
 * them only. An ordered workqueue runs one item at a time, and
 * destroy_workqueue() waits for everything on it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/jiffies.h>
#include "internal.h"
#include "page_heap.h"
#include "transfer.h"
#include "cpu_cache.h"
#include "main.h"
#include "reclaim.h"

static unsigned int scavenge_ms = 1000;
static unsigned int scavenge_reserve_kib;
static struct shrinker *sa_shrinker;
static DEFINE_MUTEX(sa_scavenger_lock);
static bool sa_scavenger_on;	/* sa_scavenger_lock */
static bool sa_scavenger_paused;
static struct delayed_work sa_scavenge_work;
static struct workqueue_struct *sa_scavenge_wq;
static u64 sa_last_ops;
static unsigned long sa_last_flush = INITIAL_JIFFIES;

/* Shortest time between two cache flushes by the shrinker. */
#define SA_FLUSH_INTERVAL	(HZ / 10)

static int scavenge_ms_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_uint(val, kp);

	if (ret)
		return ret;
	/*
	 * Apply a new period now (the work re-arms itself with it); never
	 * once sa_reclaim_exit() has turned the scavenger off.
	 */
	mutex_lock(&sa_scavenger_lock);
	if (sa_scavenger_on)
		mod_delayed_work(sa_scavenge_wq, &sa_scavenge_work, 0);
	mutex_unlock(&sa_scavenger_lock);
	return 0;
}

static const struct kernel_param_ops scavenge_ms_ops = {
	.set = scavenge_ms_set,
	.get = param_get_uint,
};

module_param_cb(scavenge_ms, &scavenge_ms_ops, &scavenge_ms, 0644);
MODULE_PARM_DESC(scavenge_ms,
		 "Period of the scavenger; memory idle that long goes back to the kernel; 0 = off (default 1000)");
module_param(scavenge_reserve_kib, uint, 0644);
MODULE_PARM_DESC(scavenge_reserve_kib,
		 "KiB of wholly free chunks the scavenger keeps (default 0)");

static unsigned long sa_reclaimable_pages(void)
{
	struct spanalloc_memstats ms;

	spanalloc_read_memstats(&ms);
	return (ms.heap_idle + ms.cpu_cached_bytes + ms.transfer_cached_bytes +
		ms.central_free_bytes) >> PAGE_SHIFT;
}

static unsigned long sa_count(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long n = sa_reclaimable_pages();

	return n ? n : SHRINK_EMPTY;
}

static unsigned long sa_scan(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long last = READ_ONCE(sa_last_flush), released;

	/* Flushing CPU caches sends IPIs: only from a context that may wait. */
	if (!gfpflags_allow_blocking(sc->gfp_mask) || irqs_disabled())
		return SHRINK_STOP;
	/*
	 * Reclaim calls in batches of 128 objects, many times per pass: flush
	 * the caches (IPIs to every CPU) at most every SA_FLUSH_INTERVAL and
	 * tell reclaim to stop once a call gives nothing back.
	 */
	if (time_after(jiffies, last + SA_FLUSH_INTERVAL) &&
	    try_cmpxchg(&sa_last_flush, &last, jiffies)) {
		sa_api_flush();
		this_cpu_inc(sa_cpus->stats.shrinks);
	}
	released = sa_heap_release_free(0, 0) >> PAGE_SHIFT;
	return released ? released : SHRINK_STOP;
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * sa_shrinker_scan() - one scan call, as reclaim makes it (KUnit)
 * @gfp: the reclaiming allocation's flags
 *
 * Lets a test call the shrinker twice within its flush interval.
 * Context: process context.
 * Return: what the scan returned (pages given back, or SHRINK_STOP).
 */
unsigned long sa_shrinker_scan(gfp_t gfp)
{
	struct shrink_control sc = { .gfp_mask = gfp, .nr_to_scan = 128 };

	return sa_scan(sa_shrinker, &sc);
}
EXPORT_SYMBOL_IF_KUNIT(sa_shrinker_scan);
#endif

/* Allocations plus frees so far, to tell whether spanalloc was idle. */
static u64 sa_ops(void)
{
	struct spanalloc_memstats ms;

	spanalloc_read_memstats(&ms);
	return ms.mallocs + ms.frees;
}

static void sa_scavenge(struct work_struct *work)
{
	unsigned int period = READ_ONCE(scavenge_ms);
	unsigned int keep;
	u64 ops;

	if (!period)
		return;
	if (READ_ONCE(sa_scavenger_paused))
		goto again;
	ops = sa_ops();
	keep = (READ_ONCE(scavenge_reserve_kib) << 10) >> (PAGE_SHIFT + sa_chunk_order);
	if (ops == sa_last_ops) {
		/*
		 * Quiet for a whole period: what the caches and free chunks
		 * hold has been idle that long too.
		 */
		sa_api_flush();
		sa_heap_release_free(keep, 0);
	} else {
		sa_transfer_drain(msecs_to_jiffies(period));
		sa_heap_release_free(keep, msecs_to_jiffies(period));
	}
	sa_last_ops = ops;
again:
	mutex_lock(&sa_scavenger_lock);
	if (sa_scavenger_on)
		queue_delayed_work(sa_scavenge_wq, &sa_scavenge_work, msecs_to_jiffies(period));
	mutex_unlock(&sa_scavenger_lock);
}

/**
 * sa_scavenger_pause() - hold the scavenger off (KUnit cases that count
 * what the caches and the heap hold)
 * @pause: true to hold it off, false to let it run again
 *
 * Context: process context; waits for a running pass to finish. It queues
 * no new pass (flush_delayed_work() only runs a pending one now), and its
 * callers hold a reference on the module, so it cannot race with the unload.
 */
void sa_scavenger_pause(bool pause)
{
	WRITE_ONCE(sa_scavenger_paused, pause);
	if (pause)
		flush_delayed_work(&sa_scavenge_work);
}
EXPORT_SYMBOL_IF_KUNIT(sa_scavenger_pause);

int sa_reclaim_init(void)
{
	INIT_DELAYED_WORK(&sa_scavenge_work, sa_scavenge);
	sa_scavenge_wq = alloc_ordered_workqueue("spanalloc_scavenge", 0);
	if (!sa_scavenge_wq)
		return -ENOMEM;
	sa_shrinker = sa_shrinker_create(sa_count, sa_scan);
	if (!sa_shrinker) {
		destroy_workqueue(sa_scavenge_wq);
		return -ENOMEM;
	}
	mutex_lock(&sa_scavenger_lock);
	sa_scavenger_on = true;
	queue_delayed_work(sa_scavenge_wq, &sa_scavenge_work,
			   msecs_to_jiffies(scavenge_ms ?: 1000));
	mutex_unlock(&sa_scavenger_lock);
	return 0;
}

void sa_reclaim_exit(void)
{
	/*
	 * Off under the lock: a scavenge_ms write or a pass that got in first
	 * has queued the work (cancelled below); no later one queues it.
	 */
	mutex_lock(&sa_scavenger_lock);
	sa_scavenger_on = false;
	mutex_unlock(&sa_scavenger_lock);
	sa_shrinker_destroy(sa_shrinker);
	cancel_delayed_work_sync(&sa_scavenge_work);
	destroy_workqueue(sa_scavenge_wq);
}
