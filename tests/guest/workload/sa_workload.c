// SPDX-License-Identifier: GPL-2.0
/*
 * sa_workload - a spanalloc client driven by the guest scripts of
 * tests/guest/. Every action is a write to a module parameter under
 * /sys/module/sa_workload/parameters/ and runs once per write, in the
 * writer's context (the write returns when the action is done):
 *
 *   burst=BYTES     allocate objects of mixed sizes (1 B .. 1 MiB) totalling
 *                   BYTES, fill them with a pattern and keep them
 *   free_all=1      check the pattern of every kept object and free it
 *   leak=N          allocate N objects and forget them (the unload test)
 *   one=SIZE        allocate one object of SIZE bytes, check it, free it
 *   stress_ms=MS    for MS milliseconds, one kthread per online CPU (not
 *                   bound: CPU hotplug moves them) allocates and frees mixed
 *                   sizes, tiny and bulk objects, hands objects to another
 *                   worker to free (cross-CPU frees), an hrtimer allocates
 *                   and frees with GFP_ATOMIC in hardirq context, worker 0
 *                   calls spanalloc_drain() every drain_ms; every object is
 *                   checked before it is freed. Everything is freed at the
 *                   end.
 *
 * Results (read-only parameters and debugfs sa_workload/stats, which can
 * be read while stress_ms runs; the parameters cannot, sysfs serialises
 * them with the running write): ops, bytes, alloc_failures, corrupted,
 * live. A failed allocation is counted, never fatal. Stress workers set
 * make_it_fail, so fail_page_alloc with task-filter=Y fails only them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>
#include <spanalloc.h>

#define WL_SLOTS	128	/* objects a stress worker holds */
#define WL_RING		64	/* objects waiting for another worker to free */
#define WL_BULK		16	/* most objects of one bulk call */
#define WL_IRQ_SLOTS	8	/* objects the hrtimer holds */
#define WL_MAX_SIZE	(1024 * 1024)

struct wl_obj {
	void *p;
	size_t size;
	u64 gen;	/* serial number of the allocation, part of the pattern */
};

struct wl_ring {
	spinlock_t lock;	/* head, tail, o */
	unsigned int head;
	unsigned int tail;
	struct wl_obj o[WL_RING];
};

struct wl_worker {
	struct task_struct *task;
	unsigned int id;
	struct rnd_state rnd;
	struct wl_ring ring;
	struct wl_obj slot[WL_SLOTS];
};

static atomic64_t wl_ops = ATOMIC64_INIT(0);
static atomic64_t wl_bytes = ATOMIC64_INIT(0);
static atomic64_t wl_failures = ATOMIC64_INIT(0);
static atomic64_t wl_corrupted = ATOMIC64_INIT(0);
static atomic64_t wl_live = ATOMIC64_INIT(0);
static atomic64_t wl_cross_frees = ATOMIC64_INIT(0);
static atomic64_t wl_irq_allocs = ATOMIC64_INIT(0);
static atomic64_t wl_bulk_calls = ATOMIC64_INIT(0);
static atomic64_t wl_tiny = ATOMIC64_INIT(0);
static atomic64_t wl_drains = ATOMIC64_INIT(0);
static atomic64_t wl_stress_runs = ATOMIC64_INIT(0);
static atomic64_t wl_workers_started = ATOMIC64_INIT(0);
static atomic64_t wl_gen = ATOMIC64_INIT(0);
static atomic64_t wl_dups = ATOMIC64_INIT(0);

static unsigned int drain_ms = 500;
module_param(drain_ms, uint, 0644);
MODULE_PARM_DESC(drain_ms, "Period of spanalloc_drain() during stress_ms, 0 = none (default 500)");

static unsigned int irq_us = 1000;
module_param(irq_us, uint, 0644);
MODULE_PARM_DESC(irq_us, "Period of the hardirq GFP_ATOMIC allocations during stress_ms, 0 = none (default 1000)");

static DEFINE_MUTEX(wl_mutex);	/* serialises the actions; guards wl_kept */
static struct wl_obj *wl_kept;
static size_t wl_nr_kept;
static size_t wl_cap_kept;

static struct wl_worker *wl_workers;
static unsigned int wl_nr_workers;

static struct hrtimer wl_timer;
static struct wl_obj wl_irq_obj[WL_IRQ_SLOTS];
static unsigned int wl_irq_next;
static struct rnd_state wl_irq_rnd;

static struct dentry *wl_debugfs;

/*
 * Pattern: a tag at both ends of objects of 16 bytes or more, a byte
 * elsewhere, both from the address, the size and the allocation's serial
 * number: an object handed out twice at once is caught by its first owner.
 */
static u64 wl_tag(const void *p, size_t size, u64 gen)
{
	return ((unsigned long)p * 0x9e3779b97f4a7c15ULL) ^ size ^
	       (gen * 0xc2b2ae3d27d4eb4fULL) ^ 0x5a5a0000a5a5ULL;
}

static u8 wl_byte(const void *p, size_t size, u64 gen)
{
	u64 t = wl_tag(p, size, gen);

	return (u8)(t ^ (t >> 13) ^ (t >> 29) ^ (t >> 47)) | 1;
}

static void wl_fill(void *p, size_t size, u64 gen)
{
	u8 b = wl_byte(p, size, gen);

	if (size < 16) {
		memset(p, b, size);
		return;
	}
	memset(p + 8, b, size - 16);
	put_unaligned(wl_tag(p, size, gen), (u64 *)p);
	put_unaligned(wl_tag(p, size, gen), (u64 *)(p + size - 8));
}

static bool wl_intact(const void *p, size_t size, u64 gen)
{
	u8 b = wl_byte(p, size, gen);

	if (size < 16)
		return !memchr_inv(p, b, size);
	return get_unaligned((const u64 *)p) == wl_tag(p, size, gen) &&
	       get_unaligned((const u64 *)(p + size - 8)) == wl_tag(p, size, gen) &&
	       !memchr_inv(p + 8, b, size - 16);
}

/* Sizes from 1 byte to 1 MiB, most of them small. */
static size_t wl_size(u32 r)
{
	u32 pick = r % 100, v = r / 100;

	if (pick < 40)
		return 1 + v % 256;
	if (pick < 70)
		return 257 + v % (4096 - 256);
	if (pick < 90)
		return 4097 + v % (SPANALLOC_MAX_SMALL_SIZE - 4096);
	if (pick < 98)
		return SPANALLOC_MAX_SMALL_SIZE + 1 +
		       v % (256 * 1024 - SPANALLOC_MAX_SMALL_SIZE);
	return 256 * 1024 + 1 + v % (WL_MAX_SIZE - 256 * 1024);
}

static u64 wl_got(void *p, size_t size)
{
	u64 gen = atomic64_inc_return(&wl_gen);

	wl_fill(p, size, gen);
	atomic64_inc(&wl_live);
	atomic64_add(size, &wl_bytes);
	return gen;
}

/* Allocate, count and fill one object into @o; NULL is a counted failure. */
static void *wl_alloc(struct wl_obj *o, size_t size, gfp_t gfp, bool tiny)
{
	void *p;

	p = tiny ? spanalloc_alloc_tiny(size, gfp) : spanalloc_alloc(size, gfp);
	atomic64_inc(&wl_ops);
	o->p = p;
	o->size = size;
	if (!p) {
		atomic64_inc(&wl_failures);
		return NULL;
	}
	if (tiny)
		atomic64_inc(&wl_tiny);
	o->gen = wl_got(p, size);
	return p;
}

static void wl_check(const void *p, size_t size, u64 gen)
{
	if (!wl_intact(p, size, gen)) {
		atomic64_inc(&wl_corrupted);
		pr_err("object %p of %zu bytes (allocation #%llu) corrupted\n", p, size, gen);
		print_hex_dump(KERN_ERR, "sa_workload: ", DUMP_PREFIX_OFFSET, 16, 1, p,
			       min_t(size_t, size, 64), false);
	}
}

/* Check the pattern, then free. */
static void wl_release(const struct wl_obj *o)
{
	void *p = o->p;

	wl_check(p, o->size, o->gen);
	spanalloc_free(p);
	atomic64_inc(&wl_ops);
	atomic64_dec(&wl_live);
}

/* Kept objects (burst, free_all); wl_mutex held. */
static int wl_keep(const struct wl_obj *o)
{
	if (wl_nr_kept == wl_cap_kept) {
		size_t cap = max_t(size_t, 1024, wl_cap_kept * 2);
		struct wl_obj *n = kvmalloc_array(cap, sizeof(*n), GFP_KERNEL);

		if (!n)
			return -ENOMEM;
		if (wl_kept)
			memcpy(n, wl_kept, wl_nr_kept * sizeof(*n));
		kvfree(wl_kept);
		wl_kept = n;
		wl_cap_kept = cap;
	}
	wl_kept[wl_nr_kept++] = *o;
	return 0;
}

static void wl_free_kept(void)
{
	while (wl_nr_kept) {
		wl_nr_kept--;
		wl_release(&wl_kept[wl_nr_kept]);
	}
	kvfree(wl_kept);
	wl_kept = NULL;
	wl_cap_kept = 0;
}

static int wl_burst(u64 total)
{
	struct rnd_state rnd;
	u64 done = 0;
	unsigned int failed = 0;

	prandom_seed_state(&rnd, get_random_u64());
	while (done < total) {
		size_t size = wl_size(prandom_u32_state(&rnd));
		struct wl_obj o;

		size = min_t(u64, size, total - done);
		if (!wl_alloc(&o, size, GFP_KERNEL, size <= SPANALLOC_TINY_MAX)) {
			/* Under pressure: count it, give up after a run of them. */
			if (++failed >= 64)
				break;
			continue;
		}
		if (wl_keep(&o)) {
			atomic64_inc(&wl_failures);
			wl_release(&o);
			if (++failed >= 64)
				break;
			continue;
		}
		done += size;
		cond_resched();
	}
	pr_info("burst: kept %llu of %llu bytes, %zu objects held\n", done, total, wl_nr_kept);
	return 0;
}

/* Objects handed to another worker to free. */
static bool wl_ring_push(struct wl_ring *r, const struct wl_obj *o)
{
	bool ok = false;

	spin_lock(&r->lock);
	if (r->head - r->tail < WL_RING) {
		r->o[r->head % WL_RING] = *o;
		r->head++;
		ok = true;
	}
	spin_unlock(&r->lock);
	return ok;
}

static bool wl_ring_pop(struct wl_ring *r, struct wl_obj *o)
{
	bool ok = false;

	spin_lock(&r->lock);
	if (r->head != r->tail) {
		*o = r->o[r->tail % WL_RING];
		r->tail++;
		ok = true;
	}
	spin_unlock(&r->lock);
	return ok;
}

static void wl_bulk(struct wl_worker *w, u32 r)
{
	void *ptrs[WL_BULK];
	u64 gens[WL_BULK];
	size_t size = 1 + (r >> 4) % 2048;
	unsigned int nr = 2 + r % (WL_BULK - 1), i, j;

	atomic64_inc(&wl_bulk_calls);
	atomic64_add(nr, &wl_ops);
	if (spanalloc_alloc_bulk(size, GFP_KERNEL, nr, ptrs) != nr) {
		atomic64_inc(&wl_failures);
		return;
	}
	for (i = 0; i < nr; i++) {
		for (j = 0; j < i; j++) {
			if (ptrs[j] == ptrs[i]) {
				atomic64_inc(&wl_dups);
				pr_err("bulk of %u x %zu bytes gave %p twice (#%u and #%u)\n",
				       nr, size, ptrs[i], j, i);
			}
		}
		gens[i] = wl_got(ptrs[i], size);
	}
	/* Half the time freed in bulk, else one by one through the slots. */
	if (r & 0x80000000) {
		for (i = 0; i < nr; i++)
			wl_check(ptrs[i], size, gens[i]);
		spanalloc_free_bulk(nr, ptrs);
		atomic64_add(nr, &wl_ops);
		atomic64_sub(nr, &wl_live);
		return;
	}
	for (i = 0; i < nr; i++) {
		struct wl_obj *o = &w->slot[(r + i * 7) % WL_SLOTS];

		if (o->p)
			wl_release(o);
		o->p = ptrs[i];
		o->size = size;
		o->gen = gens[i];
	}
}

static void wl_step(struct wl_worker *w)
{
	u32 r = prandom_u32_state(&w->rnd);
	u32 op = r % 100;
	struct wl_obj *o = &w->slot[(r >> 7) % WL_SLOTS];
	struct wl_obj x;
	unsigned int i;

	/* Free what other workers handed over. */
	for (i = 0; i < 4 && wl_ring_pop(&w->ring, &x); i++)
		wl_release(&x);

	if (o->p) {
		wl_release(o);
		o->p = NULL;
	} else if (op < 60) {
		wl_alloc(o, wl_size(prandom_u32_state(&w->rnd)), GFP_KERNEL, false);
	} else if (op < 80) {
		wl_alloc(o, 1 + (r >> 16) % SPANALLOC_TINY_MAX, GFP_KERNEL, true);
	} else if (op < 90) {
		wl_bulk(w, prandom_u32_state(&w->rnd));
	} else {
		struct wl_worker *to;

		if (!wl_alloc(&x, wl_size(prandom_u32_state(&w->rnd)), GFP_KERNEL, false))
			return;
		to = &wl_workers[(w->id + 1 + (r >> 16) % max(wl_nr_workers - 1, 1U)) %
				 wl_nr_workers];
		if (to != w && wl_ring_push(&to->ring, &x))
			atomic64_inc(&wl_cross_frees);
		else
			wl_release(&x);
	}
}

static int wl_worker_fn(void *arg)
{
	struct wl_worker *w = arg;
	unsigned long next_drain = jiffies;

#ifdef CONFIG_FAULT_INJECTION
	current->make_it_fail = 1;
#endif
	while (!kthread_should_stop()) {
		wl_step(w);
		if (w->id == 0 && READ_ONCE(drain_ms) && time_after(jiffies, next_drain)) {
			spanalloc_drain();
			atomic64_inc(&wl_drains);
			next_drain = jiffies + msecs_to_jiffies(READ_ONCE(drain_ms));
		}
		cond_resched();
	}
	return 0;
}

static enum hrtimer_restart wl_timer_fn(struct hrtimer *t)
{
	struct wl_obj *o = &wl_irq_obj[wl_irq_next++ % WL_IRQ_SLOTS];
	unsigned int us = READ_ONCE(irq_us);
	size_t size = 1 + prandom_u32_state(&wl_irq_rnd) % 4096;

	if (o->p) {
		wl_release(o);
		o->p = NULL;
	}
	if (wl_alloc(o, size, GFP_ATOMIC, size <= SPANALLOC_TINY_MAX))
		atomic64_inc(&wl_irq_allocs);
	if (!us)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime((u64)us * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static void wl_worker_cleanup(struct wl_worker *w)
{
	struct wl_obj x;
	unsigned int i;

	for (i = 0; i < WL_SLOTS; i++) {
		if (w->slot[i].p)
			wl_release(&w->slot[i]);
		w->slot[i].p = NULL;
	}
	while (wl_ring_pop(&w->ring, &x))
		wl_release(&x);
}

static int wl_stress(unsigned int ms)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(ms);
	unsigned int n = num_online_cpus(), i;
	u64 ops0 = atomic64_read(&wl_ops);

	wl_workers = kvcalloc(n, sizeof(*wl_workers), GFP_KERNEL);
	if (!wl_workers)
		return -ENOMEM;
	wl_nr_workers = n;
	for (i = 0; i < n; i++) {
		struct wl_worker *w = &wl_workers[i];

		w->id = i;
		spin_lock_init(&w->ring.lock);
		prandom_seed_state(&w->rnd, get_random_u64());
		w->task = kthread_create(wl_worker_fn, w, "sa_wl/%u", i);
		if (IS_ERR(w->task)) {
			pr_warn("stress: worker %u not started: %ld\n", i, PTR_ERR(w->task));
			w->task = NULL;
			continue;
		}
		atomic64_inc(&wl_workers_started);
	}
	for (i = 0; i < n; i++)
		if (wl_workers[i].task)
			wake_up_process(wl_workers[i].task);
	if (irq_us)
		hrtimer_start(&wl_timer, ns_to_ktime((u64)irq_us * NSEC_PER_USEC),
			      HRTIMER_MODE_REL);

	while (time_before(jiffies, deadline)) {
		unsigned long left = jiffies_to_msecs(deadline - jiffies);

		if (msleep_interruptible(min(left, 100UL) ?: 1)) {
			pr_warn("stress: interrupted by a signal\n");
			break;
		}
	}

	hrtimer_cancel(&wl_timer);
	for (i = 0; i < n; i++)
		if (wl_workers[i].task)
			kthread_stop(wl_workers[i].task);
	for (i = 0; i < n; i++)
		wl_worker_cleanup(&wl_workers[i]);
	for (i = 0; i < WL_IRQ_SLOTS; i++) {
		if (wl_irq_obj[i].p)
			wl_release(&wl_irq_obj[i]);
		wl_irq_obj[i].p = NULL;
	}
	kvfree(wl_workers);
	wl_workers = NULL;
	wl_nr_workers = 0;
	atomic64_inc(&wl_stress_runs);
	pr_info("stress: %u workers, %u ms, %llu ops, %lld failures, %lld corrupted so far\n",
		n, ms, atomic64_read(&wl_ops) - ops0, atomic64_read(&wl_failures),
		atomic64_read(&wl_corrupted));
	return 0;
}

static int wl_one(size_t size)
{
	struct wl_obj o;

	if (!wl_alloc(&o, size, GFP_KERNEL, false))
		return -ENOMEM;
	wl_release(&o);
	return 0;
}

static int wl_leak(unsigned long n)
{
	struct wl_obj o;
	unsigned long i;

	for (i = 0; i < n; i++) {
		/* Deliberately never freed: spanalloc reports them at unload. */
		if (!wl_alloc(&o, 64, GFP_KERNEL, false))
			return -ENOMEM;
	}
	pr_info("leaked %lu objects of 64 bytes\n", n);
	return 0;
}

enum wl_action { WL_BURST, WL_FREE_ALL, WL_LEAK, WL_ONE, WL_STRESS };

static int wl_act(enum wl_action action, const char *val)
{
	unsigned long long arg;
	int ret;

	ret = kstrtoull(val, 0, &arg);
	if (ret)
		return ret;
	ret = mutex_lock_interruptible(&wl_mutex);
	if (ret)
		return ret;
	switch (action) {
	case WL_BURST:
		ret = wl_burst(arg);
		break;
	case WL_FREE_ALL:
		wl_free_kept();
		break;
	case WL_LEAK:
		ret = wl_leak(arg);
		break;
	case WL_ONE:
		ret = arg && arg <= WL_MAX_SIZE ? wl_one(arg) : -EINVAL;
		break;
	case WL_STRESS:
		ret = arg && arg <= 24 * 3600 * 1000ULL ? wl_stress(arg) : -EINVAL;
		break;
	}
	mutex_unlock(&wl_mutex);
	return ret;
}

#define WL_ACTION(name, action)						\
static int wl_set_##name(const char *val, const struct kernel_param *kp)	\
{									\
	return wl_act(action, val);					\
}									\
static const struct kernel_param_ops wl_##name##_ops = {		\
	.set = wl_set_##name,						\
};									\
module_param_cb(name, &wl_##name##_ops, NULL, 0200)

WL_ACTION(burst, WL_BURST);
MODULE_PARM_DESC(burst, "Write BYTES: allocate mixed sizes totalling BYTES and keep them");
WL_ACTION(free_all, WL_FREE_ALL);
MODULE_PARM_DESC(free_all, "Write 1: check and free every kept object");
WL_ACTION(leak, WL_LEAK);
MODULE_PARM_DESC(leak, "Write N: allocate N objects of 64 bytes and never free them");
WL_ACTION(one, WL_ONE);
MODULE_PARM_DESC(one, "Write SIZE: allocate one object of SIZE bytes, check it, free it");
WL_ACTION(stress_ms, WL_STRESS);
MODULE_PARM_DESC(stress_ms, "Write MS: run the multi-CPU stress for MS milliseconds");

static int wl_get_counter(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(kp->arg));
}

static const struct kernel_param_ops wl_counter_ops = {
	.get = wl_get_counter,
};

module_param_cb(ops, &wl_counter_ops, &wl_ops, 0444);
MODULE_PARM_DESC(ops, "Allocations and frees done");
module_param_cb(bytes, &wl_counter_ops, &wl_bytes, 0444);
MODULE_PARM_DESC(bytes, "Bytes allocated");
module_param_cb(alloc_failures, &wl_counter_ops, &wl_failures, 0444);
MODULE_PARM_DESC(alloc_failures, "Allocations that returned NULL");
module_param_cb(corrupted, &wl_counter_ops, &wl_corrupted, 0444);
MODULE_PARM_DESC(corrupted, "Objects whose pattern was damaged when checked");
module_param_cb(duplicates, &wl_counter_ops, &wl_dups, 0444);
MODULE_PARM_DESC(duplicates, "Pointers a bulk allocation returned twice");
module_param_cb(live, &wl_counter_ops, &wl_live, 0444);
MODULE_PARM_DESC(live, "Objects the module holds now");

static int wl_stats_show(struct seq_file *m, void *v)
{
	static const struct {
		const char *name;
		atomic64_t *v;
	} rows[] = {
		{ "ops", &wl_ops },
		{ "bytes", &wl_bytes },
		{ "alloc_failures", &wl_failures },
		{ "corrupted", &wl_corrupted },
		{ "duplicates", &wl_dups },
		{ "live", &wl_live },
		{ "cross_frees", &wl_cross_frees },
		{ "irq_allocs", &wl_irq_allocs },
		{ "bulk_calls", &wl_bulk_calls },
		{ "tiny_allocs", &wl_tiny },
		{ "drains", &wl_drains },
		{ "stress_runs", &wl_stress_runs },
		{ "workers_started", &wl_workers_started },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++)
		seq_printf(m, "%s %lld\n", rows[i].name, atomic64_read(rows[i].v));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(wl_stats);

static int __init wl_init(void)
{
	hrtimer_init(&wl_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	wl_timer.function = wl_timer_fn;
	prandom_seed_state(&wl_irq_rnd, get_random_u64());
	wl_debugfs = debugfs_create_dir("sa_workload", NULL);
	debugfs_create_file("stats", 0444, wl_debugfs, NULL, &wl_stats_fops);
	return 0;
}

static void __exit wl_exit(void)
{
	debugfs_remove_recursive(wl_debugfs);
	mutex_lock(&wl_mutex);
	wl_free_kept();
	mutex_unlock(&wl_mutex);
}

module_init(wl_init);
module_exit(wl_exit);
MODULE_DESCRIPTION("spanalloc workload for the guest tests");
MODULE_LICENSE("GPL");
