// SPDX-License-Identifier: GPL-2.0
/*
 * module.c - load and unload: the one file that calls every level, top to
 * bottom on the way up and the reverse on the way down.
 *
 * The stack, top to bottom (scripts/check-layers.py keeps it one-way):
 *
 *   module.c                     load and unload
 *   debugfs.c, reclaim.c         read the levels' stats; the shrinker and
 *                                scavenger
 *   rcu_free.c, slab_api.c       built on the API
 *   main.c                       the API; the drain order
 *   tiny.c, kcache.c             objects: tiny blocks, typed caches
 *   debug.c                      debug checks of objects (kmalloc's and
 *                                typed caches')
 *   cpu_cache.c, sites.c         per-CPU stacks; allocation sites and
 *                                kmemleak registration
 *   transfer.c                   per-class arrays of batches between CPUs
 *   central.c                    per-class span lists
 *   page_heap.c                  pieces of pages, spans, lookup
 *
 * Locking: none.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/rcupdate.h>
#include "internal.h"
#include "page_heap.h"
#include "central.h"
#include "transfer.h"
#include "cpu_cache.h"
#include "sites.h"
#include "tiny.h"
#include "debug.h"
#include "kcache.h"
#include "main.h"
#include "rcu_free.h"
#include "reclaim.h"
#include "debugfs.h"

#define CREATE_TRACE_POINTS
#include <trace/events/spanalloc.h>

static unsigned int chunk_order = 9;
module_param(chunk_order, uint, 0444);
MODULE_PARM_DESC(chunk_order,
		 "Page order of the chunks the page heap takes from the kernel (default 9 = 2 MiB)");

static int __init spanalloc_init(void)
{
	int ret;

	if (chunk_order < SA_MAX_SPAN_ORDER || chunk_order > MAX_PAGE_ORDER) {
		pr_err("chunk_order=%u must be in %u..%u\n", chunk_order,
		       SA_MAX_SPAN_ORDER, MAX_PAGE_ORDER);
		return -EINVAL;
	}
	sa_chunk_order = chunk_order;
	ret = sa_heap_init();
	if (ret)
		return ret;
	ret = sa_central_init();
	if (ret)
		goto out_heap;
	ret = sa_transfer_init();
	if (ret)
		goto out_central;
	ret = sa_cpu_cache_init();
	if (ret)
		goto out_transfer;
	sa_tiny_init();
	sa_debug_init();
	ret = sa_sites_init();
	if (ret)
		goto out_cache;
	ret = sa_api_init();
	if (ret)
		goto out_sites;
	sa_rcu_free_init();
	ret = sa_reclaim_init();
	if (ret)
		goto out_api;
	sa_debugfs_init();
	pr_info("%u size classes up to %u bytes, %lu KiB chunks, %u KiB per CPU cache\n",
		SA_NR_CLASSES - 1, SPANALLOC_MAX_SMALL_SIZE,
		(PAGE_SIZE << sa_chunk_order) >> 10, sa_cpu_cache_kib);
	return 0;

out_api:
	sa_rcu_free_exit();
	sa_api_exit();
out_sites:
	sa_sites_exit();
out_cache:
	sa_cpu_cache_exit();
	sa_cpu_cache_destroy();
out_transfer:
	sa_transfer_exit();
out_central:
	sa_central_exit();
out_heap:
	sa_heap_exit();
	return ret;
}

static void __exit spanalloc_exit(void)
{
	sa_debugfs_exit();
	sa_rcu_free_exit();
	sa_reclaim_exit();
	sa_kcache_exit();
	sa_api_exit();
	sa_cpu_cache_exit();
	rcu_barrier();	/* spans of SLAB_TYPESAFE_BY_RCU classes the flush released */
	sa_api_report_leaks();
	sa_heap_free_all_large(sa_api_free_large);
	sa_sites_exit();
	sa_transfer_exit();
	sa_central_exit();
	sa_heap_exit();
	sa_cpu_cache_destroy();
}

module_init(spanalloc_init);
module_exit(spanalloc_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("spanalloc developers");
MODULE_DESCRIPTION("Go/TCMalloc-style allocator: per-CPU caches, central lists, buddy page heap");
MODULE_VERSION(SPANALLOC_VERSION);
