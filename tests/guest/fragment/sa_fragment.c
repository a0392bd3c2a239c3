// SPDX-License-Identifier: GPL-2.0
/*
 * sa_fragment - spanalloc in a guest whose free memory is single pages;
 * driven by tests/guest/fragment.sh. Each action is a write to a parameter
 * under /sys/module/sa_fragment/parameters/ and runs once, in the writer's
 * context:
 *
 *   run=1   allocate every size from 8 B to 4 KiB (one object each, all held
 *           at once) with GFP_KERNEL, fill and check them, free them; then
 *           the same with GFP_ATOMIC, each call with preemption disabled. A
 *           NULL is counted, never fatal; a pass stops after 32 of them.
 *           The page allocator's stalls during the two passes (direct
 *           compaction, direct reclaim: /proc/vmstat's compact_stall and
 *           allocstall_*) are counted. (kmalloc is not run the same way:
 *           on the KASAN test kernel its objects from 2 KiB up need order-1
 *           slabs, and under fragmentation its GFP_KERNEL pass OOM-kills
 *           the guest's shell.)
 *   test=1  spanalloc_drain() (so spanalloc holds no free chunk), then
 *           fragment: take free pages without reclaim down to floor_kib
 *           free, give back every page whose frame number is odd (its buddy,
 *           the even frame, is held, so no two free pages can merge), and
 *           take every free block of order >= 1 left (split into pages:
 *           even ones kept, odd ones given back). Then record the free
 *           blocks per order of every zone (what /proc/buddyinfo shows, in
 *           the kernel log and free_high_blocks), do run=1, and give every
 *           page back. All in one write: while memory is fragmented the
 *           kernel itself cannot get two contiguous pages (slabs of KASAN's
 *           bigger objects, fork's stacks), so user space must not run.
 *
 * Read-only results of the last action: held_pages, free_single_pages,
 * free_high_blocks, failures_kernel, failures_atomic, untried (sizes a
 * stopped pass skipped), corrupted, first_failure (the smallest size that
 * failed, 0 if none), stalls_compact and stalls_reclaim.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/delay.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/vmstat.h>
#include <spanalloc.h>

#define FR_MIN_SIZE	8
#define FR_MAX_SIZE	4096
#define FR_NR_SIZES	(FR_MAX_SIZE - FR_MIN_SIZE + 1)
/*
 * A pass stops after this many NULLs: a GFP_KERNEL allocation that fails
 * under fragmentation has gone through reclaim first (about 0.1 s each in
 * a TCG guest), and the answer is known by then.
 */
#define FR_GIVE_UP	32
/* Take free memory without waking kswapd, reclaiming or compacting. */
#define FR_GFP		(__GFP_NOWARN | __GFP_NORETRY | __GFP_NOMEMALLOC)

static unsigned int floor_kib = 32768;
module_param(floor_kib, uint, 0644);
MODULE_PARM_DESC(floor_kib, "test=1 takes single pages until this much is free (default 32768)");

static DEFINE_MUTEX(fr_mutex);	/* serialises the actions; guards what follows */
static LIST_HEAD(fr_held);	/* pages we hold, linked by page->lru */
static unsigned long fr_held_pages;
static unsigned long fr_freed_pages;
static unsigned long fr_free_singles;
static unsigned long fr_free_high;
static unsigned long fr_failures_kernel;
static unsigned long fr_failures_atomic;
static unsigned long fr_corrupted;
static unsigned long fr_first_failure;
static unsigned long fr_untried;
static unsigned long fr_stalls_compact;
static unsigned long fr_stalls_reclaim;
static void *fr_objs[FR_NR_SIZES];

/* Keep the even frames of a block of 1 << order pages, free the odd ones. */
static void fr_take(struct page *page, unsigned int order)
{
	unsigned long i;

	if (order)
		split_page(page, order);
	for (i = 0; i < (1UL << order); i++) {
		struct page *p = page + i;

		if (page_to_pfn(p) & 1) {
			__free_page(p);
			fr_freed_pages++;
		} else {
			list_add(&p->lru, &fr_held);
			fr_held_pages++;
		}
	}
}

/* Every free block of order >= 1 the allocator gives without reclaim. */
static unsigned long fr_take_blocks(void)
{
	unsigned long n = 0;
	int order;

	for (order = MAX_PAGE_ORDER; order >= 1; order--) {
		struct page *page;

		while ((page = alloc_pages(FR_GFP, order))) {
			fr_take(page, order);
			n++;
			cond_resched();
		}
	}
	return n;
}

static void fr_fragment(void)
{
	unsigned long floor = (unsigned long)floor_kib >> (PAGE_SHIFT - 10);
	unsigned long taken = 0, blocks;
	struct page *page, *tmp;
	LIST_HEAD(odd);

	/* Single pages (the smallest free blocks go first) down to the floor. */
	while (global_zone_page_state(NR_FREE_PAGES) > floor && (page = alloc_page(FR_GFP))) {
		if (page_to_pfn(page) & 1) {
			list_add(&page->lru, &odd);
		} else {
			list_add(&page->lru, &fr_held);
			fr_held_pages++;
		}
		if (!(++taken % 1024))
			cond_resched();
	}
	/* Free the odd frames: none of them has a free buddy. */
	list_for_each_entry_safe(page, tmp, &odd, lru) {
		list_del(&page->lru);
		__free_page(page);
		fr_freed_pages++;
	}
	/*
	 * What the floor left is in blocks; with half the memory free again
	 * the watermarks let us take every one of them.
	 */
	blocks = fr_take_blocks();
	pr_info("fragment: %lu single pages then %lu blocks of order >= 1 taken; holding %lu pages (even frames), gave back %lu (odd frames); NR_FREE_PAGES %lu\n",
		taken, blocks, fr_held_pages, fr_freed_pages,
		global_zone_page_state(NR_FREE_PAGES));
}

/* Free blocks per order of every zone, as /proc/buddyinfo shows them. */
static void fr_buddyinfo(void)
{
	struct pglist_data *pgdat = NODE_DATA(0);
	int i, order;

	fr_free_singles = 0;
	fr_free_high = 0;
	for (i = 0; i < MAX_NR_ZONES; i++) {
		struct zone *zone = &pgdat->node_zones[i];
		char line[NR_PAGE_ORDERS * 8];
		int len = 0;

		if (!populated_zone(zone))
			continue;
		for (order = 0; order < NR_PAGE_ORDERS; order++) {
			unsigned long n = READ_ONCE(zone->free_area[order].nr_free);

			if (order)
				fr_free_high += n;
			else
				fr_free_singles += n;
			len += scnprintf(line + len, sizeof(line) - len, " %6lu", n);
		}
		pr_info("buddyinfo: Node 0, zone %8s%s\n", zone->name, line);
	}
}

static void fr_release(void)
{
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, &fr_held, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
	pr_info("release: %lu pages given back\n", fr_held_pages);
}

static u8 fr_byte(const void *p, size_t size)
{
	return (u8)(((unsigned long)p >> 4) ^ size ^ (size >> 8)) | 1;
}

/* Times allocating tasks stalled in direct compaction and direct reclaim. */
static void fr_stalls(unsigned long *compact, unsigned long *reclaim)
{
	static unsigned long ev[NR_VM_EVENT_ITEMS];
	int zid;

	all_vm_events(ev);
	*compact = 0;
#ifdef CONFIG_COMPACTION	/* not in the test kernel; Debian's kernels have it */
	*compact = ev[COMPACTSTALL];
#endif
	*reclaim = 0;
	for (zid = 0; zid < MAX_NR_ZONES; zid++)
		*reclaim += ev[ALLOCSTALL_NORMAL - ZONE_NORMAL + zid];
}

/* Allocate all sizes with @gfp, check, free; returns the failures. */
static unsigned long fr_pass(gfp_t gfp, bool atomic)
{
	unsigned long failed = 0;
	size_t size;
	int i;

	for (i = 0; i < FR_NR_SIZES; i++) {
		size = FR_MIN_SIZE + i;
		if (failed >= FR_GIVE_UP) {
			fr_objs[i] = NULL;
			fr_untried++;
			continue;
		}
		if (atomic)
			preempt_disable();
		fr_objs[i] = spanalloc_alloc(size, gfp);
		if (atomic)
			preempt_enable();
		if (!fr_objs[i]) {
			if (!fr_first_failure || size < fr_first_failure)
				fr_first_failure = size;
			failed++;
			continue;
		}
		memset(fr_objs[i], fr_byte(fr_objs[i], size), size);
		if (!(i % 256))
			cond_resched();
	}
	for (i = 0; i < FR_NR_SIZES; i++) {
		size = FR_MIN_SIZE + i;
		if (!fr_objs[i])
			continue;
		if (memchr_inv(fr_objs[i], fr_byte(fr_objs[i], size), size)) {
			fr_corrupted++;
			pr_err("object %p of %zu bytes corrupted\n", fr_objs[i], size);
		}
		spanalloc_free(fr_objs[i]);
		fr_objs[i] = NULL;
	}
	return failed;
}

static void fr_run(void)
{
	unsigned long c0, r0, c1, r1;

	fr_stalls(&c0, &r0);
	fr_failures_kernel = fr_pass(GFP_KERNEL, false);
	fr_failures_atomic = fr_pass(GFP_ATOMIC, true);
	fr_stalls(&c1, &r1);
	fr_stalls_compact = c1 - c0;
	fr_stalls_reclaim = r1 - r0;
	pr_info("run: sizes %u..%u: %lu GFP_KERNEL and %lu GFP_ATOMIC allocations failed (of %u each; %lu not tried after %u failures), smallest failing size %lu, %lu corrupted; page allocator stalls: %lu compaction, %lu reclaim\n",
		FR_MIN_SIZE, FR_MAX_SIZE, fr_failures_kernel, fr_failures_atomic,
		FR_NR_SIZES, fr_untried, FR_GIVE_UP, fr_first_failure, fr_corrupted,
		fr_stalls_compact, fr_stalls_reclaim);
}

static void fr_reset(void)
{
	fr_held_pages = 0;
	fr_freed_pages = 0;
	fr_free_singles = 0;
	fr_free_high = 0;
	fr_failures_kernel = 0;
	fr_failures_atomic = 0;
	fr_corrupted = 0;
	fr_first_failure = 0;
	fr_untried = 0;
	fr_stalls_compact = 0;
	fr_stalls_reclaim = 0;
}

enum fr_action { FR_RUN, FR_TEST };

static int fr_act(enum fr_action action, const char *val)
{
	unsigned long arg;
	int ret;

	ret = kstrtoul(val, 0, &arg);
	if (ret)
		return ret;
	if (arg != 1)
		return -EINVAL;
	ret = mutex_lock_interruptible(&fr_mutex);
	if (ret)
		return ret;
	fr_reset();
	switch (action) {
	case FR_RUN:
		fr_run();
		break;
	case FR_TEST:
		spanalloc_drain();
		/*
		 * The drain ran a work item on every CPU; a pool left without
		 * an idle worker creates one (kthreadd: order-1 slabs on the
		 * KASAN kernel). Let that happen before memory is fragmented,
		 * or the OOM killer takes the shell that wrote here.
		 */
		msleep(1000);
		fr_fragment();
		fr_buddyinfo();
		fr_run();
		fr_release();
		break;
	}
	mutex_unlock(&fr_mutex);
	return ret;
}

#define FR_ACTION(name, action)						\
static int fr_set_##name(const char *val, const struct kernel_param *kp)	\
{									\
	return fr_act(action, val);					\
}									\
static const struct kernel_param_ops fr_##name##_ops = {		\
	.set = fr_set_##name,						\
};									\
module_param_cb(name, &fr_##name##_ops, NULL, 0200)

FR_ACTION(run, FR_RUN);
MODULE_PARM_DESC(run, "Write 1: allocate every size 8..4096 with GFP_KERNEL, then GFP_ATOMIC");
FR_ACTION(test, FR_TEST);
MODULE_PARM_DESC(test, "Write 1: drain spanalloc, fragment, run=1, give the pages back");

module_param_named(held_pages, fr_held_pages, ulong, 0444);
MODULE_PARM_DESC(held_pages, "Pages test=1 held (even frames)");
module_param_named(free_single_pages, fr_free_singles, ulong, 0444);
MODULE_PARM_DESC(free_single_pages, "Free blocks of order 0 once fragmented");
module_param_named(free_high_blocks, fr_free_high, ulong, 0444);
MODULE_PARM_DESC(free_high_blocks, "Free blocks of order >= 1 once fragmented");
module_param_named(failures_kernel, fr_failures_kernel, ulong, 0444);
MODULE_PARM_DESC(failures_kernel, "GFP_KERNEL allocations of run=1 that returned NULL");
module_param_named(failures_atomic, fr_failures_atomic, ulong, 0444);
MODULE_PARM_DESC(failures_atomic, "GFP_ATOMIC allocations of run=1 that returned NULL");
module_param_named(corrupted, fr_corrupted, ulong, 0444);
MODULE_PARM_DESC(corrupted, "Objects whose pattern was damaged when checked");
module_param_named(untried, fr_untried, ulong, 0444);
MODULE_PARM_DESC(untried, "Sizes not tried: a pass stops after 32 failures");
module_param_named(first_failure, fr_first_failure, ulong, 0444);
MODULE_PARM_DESC(first_failure, "Smallest size that failed, 0 if none");

module_param_named(stalls_compact, fr_stalls_compact, ulong, 0444);
MODULE_PARM_DESC(stalls_compact, "Direct compaction stalls during run=1's spanalloc passes");
module_param_named(stalls_reclaim, fr_stalls_reclaim, ulong, 0444);
MODULE_PARM_DESC(stalls_reclaim, "Direct reclaim stalls during run=1's spanalloc passes");

static int __init fr_init(void)
{
	return 0;
}

static void __exit fr_exit(void)
{
}

module_init(fr_init);
module_exit(fr_exit);
MODULE_DESCRIPTION("spanalloc under fragmented memory, for the guest tests");
MODULE_LICENSE("GPL");
