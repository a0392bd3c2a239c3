// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c - spanalloc's counters in /sys/kernel/debug/spanalloc/.
 *
 * What it does: formats the per-CPU, per-class and page-heap counters into
 * text files whose first line (or, for memstats, each line) names what it
 * shows; see Documentation/spanalloc.rst for the formats:
 *   memstats  one "name value" line per field of struct spanalloc_memstats
 *             plus lock counts of the central lists and the page heap
 *   classes   one row per size class
 *   cpus      one row per possible CPU
 *   pageheap  chunks, free blocks per buddy order, large objects
 *   nodes     one row per NUMA node: its page heap, central lists and
 *             transfer caches, and the objects other nodes' CPUs sent home
 *   sizes     histogram of requested sizes
 *   drain     write 1 to call spanalloc_drain()
 *   sites     live objects and bytes per allocation call site (sites.c)
 *
 * Locking: reads each level's counters with that level's own accessors; it
 * holds no lock across levels, so a file is exact only when the system is
 * quiet.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/cpumask.h>
#include <linux/kstrtox.h>
#include "internal.h"
#include "page_heap.h"
#include "central.h"
#include "transfer.h"
#include "cpu_cache.h"
#include "kcache.h"
#include "sites.h"
#include "debugfs.h"

static struct dentry *sa_dir;

static int memstats_show(struct seq_file *m, void *v)
{
	struct spanalloc_memstats ms;
	struct sa_heap_stats hs;
	u64 central_locks = 0;
	unsigned int cls;

	spanalloc_read_memstats(&ms);
	for (cls = 1; cls < SA_NR_CACHED; cls++) {
		struct sa_central_stats cs;

		sa_central_read_stats(cls, &cs);
		central_locks += cs.lock_count;
	}
	sa_heap_read_stats(&hs);
#define SHOW(field) seq_printf(m, "%-20s %llu\n", #field, (u64)ms.field)
	SHOW(heap_alloc);
	SHOW(heap_inuse);
	SHOW(heap_idle);
	SHOW(heap_sys);
	SHOW(heap_released);
	SHOW(mallocs);
	SHOW(frees);
	SHOW(tiny_allocs);
	SHOW(large_allocs);
	SHOW(bad_frees);
	SHOW(live_objects);
	SHOW(cpu_cached_bytes);
	SHOW(central_free_bytes);
	SHOW(large_bytes);
	SHOW(metadata_bytes);
	SHOW(corruptions);
	SHOW(shrinks);
	SHOW(refused_allocs);
	SHOW(lost_objects);
	SHOW(passthrough_frees);
	SHOW(rcu_frees);
	SHOW(rcu_batches);
	SHOW(transfer_cached_bytes);
#undef SHOW
	seq_printf(m, "%-20s %llu\n", "central_lock_count", central_locks);
	seq_printf(m, "%-20s %llu\n", "heap_lock_count", hs.lock_count);
	seq_printf(m, "%-20s %llu\n", "drain_irqoff_max_ns", sa_drain_irqoff_max_ns(false));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(memstats);

static int classes_show(struct seq_file *m, void *v)
{
	unsigned int cls;
	int cpu;

	seq_puts(m, "class size span_pages objs_per_span spans inuse free_in_spans cpu_cached mallocs frees bytes_req bytes_given xfer_objs xfer_hits xfer_misses underflows overflows cpu_cap\n");
	/* Typed caches' own classes are in the caches file. */
	for (cls = 1; cls < SA_CLASS_DYN0; cls++) {
		u64 mallocs = sa_cls_mallocs(cls), frees = SA_CPU_SUM(cls_frees[cls]);
		unsigned int size = sa_class_size(cls);
		struct sa_central_stats cs;
		struct sa_transfer_stats ts;
		u64 cached = 0, cap = 0;

		for_each_possible_cpu(cpu) {
			cached += sa_cache_count(cpu, cls);
			cap += sa_cache_cap(cpu, cls);
		}
		sa_central_read_stats(cls, &cs);
		sa_transfer_read_stats(cls, &ts);
		if (cls == SA_CLASS_TINY)
			seq_puts(m, "tiny");
		else
			seq_printf(m, "%u", cls);
		seq_printf(m, " %u %u %u %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu\n",
			   size, 1U << sa_class_span_order(cls), sa_class_objs(cls),
			   cs.spans, mallocs - frees, cs.free_objs, cached, mallocs, frees,
			   SA_CPU_SUM(cls_req[cls]), mallocs * size, ts.objs, ts.hits, ts.misses,
			   SA_CPU_SUM(cls_underflows[cls]), SA_CPU_SUM(cls_overflows[cls]), cap);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(classes);

static int cpus_show(struct seq_file *m, void *v)
{
	const struct sa_cpu_stats *st;
	unsigned int cls;
	int cpu;

	seq_puts(m, "cpu online cached_objs cached_bytes small_allocs fast_hits refills flushes frees underflows overflows evictions cap_bytes grows steals shrunk_idle\n");
	for_each_possible_cpu(cpu) {
		u64 objs, bytes, allocs = 0, frees = 0, under = 0, over = 0, cap = 0;

		st = sa_read_cpu_stats(cpu, &objs, &bytes);
		for (cls = 1; cls < SA_NR_CACHED; cls++) {
			allocs += sa_cpu_cls_mallocs(cpu, cls);
			frees += st->cls_frees[cls];
			under += st->cls_underflows[cls];
			over += st->cls_overflows[cls];
			cap += (u64)sa_cache_cap(cpu, cls) * sa_class_size(cls);
		}
		seq_printf(m, "%d %d %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu\n",
			   cpu, cpu_online(cpu), objs, bytes, allocs,
			   allocs - st->refills - st->bulk_fetched, st->refills,
			   st->flushes, frees, under, over, st->evictions, cap, st->grows,
			   st->steals, st->shrunk_idle);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(cpus);

static int pageheap_show(struct seq_file *m, void *v)
{
	struct sa_heap_stats hs;
	unsigned int o;

	sa_heap_read_stats(&hs);
	seq_printf(m, "chunk_order %u\n", sa_chunk_order);
	seq_printf(m, "chunks %llu\n", hs.chunks);
	seq_printf(m, "pieces %llu\n", hs.pieces);
	seq_printf(m, "heap_sys %llu\n", hs.sys);
	seq_printf(m, "heap_idle %llu\n", hs.idle);
	seq_printf(m, "large_objects %llu\n", hs.large);
	seq_printf(m, "direct_objects %llu\n", hs.direct);
	seq_printf(m, "released_bytes %llu\n", hs.released);
	seq_printf(m, "lock_count %llu\n", hs.lock_count);
	seq_puts(m, "\norder free_blocks free_bytes\n");
	for (o = 0; o <= sa_chunk_order; o++)
		seq_printf(m, "%u %llu %llu\n", o, hs.free_blocks[o],
			   hs.free_blocks[o] * (PAGE_SIZE << o));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pageheap);

static int nodes_show(struct seq_file *m, void *v)
{
	int nid;

	seq_puts(m, "node cpus chunks heap_sys heap_inuse heap_idle large_objects direct_objects central_free_bytes transfer_bytes remote_frees_home\n");
	for (nid = 0; nid < nr_node_ids; nid++) {
		u64 central = 0, transfer = 0, remote = 0;
		struct sa_heap_stats hs;
		unsigned int cls;

		if (!node_possible(nid))
			continue;
		sa_heap_read_node_stats(nid, &hs);
		for (cls = 1; cls < SA_NR_CACHED; cls++) {
			struct sa_central_stats cs;
			struct sa_transfer_stats ts;

			if (!sa_class_size(cls))
				continue;	/* a dynamic class no typed cache uses */
			sa_central_read_node_stats(nid, cls, &cs);
			sa_transfer_read_node_stats(nid, cls, &ts);
			central += cs.free_objs * sa_class_size(cls);
			transfer += ts.objs * sa_class_size(cls);
			remote += ts.remote;
		}
		seq_printf(m, "%d %u %llu %llu %llu %llu %llu %llu %llu %llu %llu\n", nid,
			   cpumask_weight(cpumask_of_node(nid)), hs.chunks, hs.sys,
			   hs.sys - hs.idle, hs.idle, hs.large, hs.direct, central, transfer,
			   remote);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nodes);

static int sizes_show(struct seq_file *m, void *v)
{
	unsigned int b;

	seq_puts(m, "min_bytes max_bytes count\n");
	for (b = 0; b < SA_SIZE_BUCKETS; b++) {
		u64 lo = b ? (4ULL << b) + 1 : 1, n = sa_size_count(b);

		if (b == SA_SIZE_BUCKETS - 1)
			seq_printf(m, "%llu max %llu\n", lo, n);
		else
			seq_printf(m, "%llu %llu %llu\n", lo, 8ULL << b, n);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sizes);

static int caches_show(struct seq_file *m, void *v)
{
	sa_kcache_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(caches);

static int sites_show(struct seq_file *m, void *v)
{
	sa_sites_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sites);

static ssize_t drain_write(struct file *file, const char __user *buf,
			   size_t count, loff_t *ppos)
{
	bool v;
	int ret = kstrtobool_from_user(buf, count, &v);

	if (ret)
		return ret;
	if (v)
		spanalloc_drain();
	return count;
}

static const struct file_operations drain_fops = {
	.owner = THIS_MODULE,
	.write = drain_write,
	.llseek = noop_llseek,
};

void sa_debugfs_init(void)
{
	sa_dir = debugfs_create_dir("spanalloc", NULL);
	debugfs_create_file("memstats", 0444, sa_dir, NULL, &memstats_fops);
	debugfs_create_file("classes", 0444, sa_dir, NULL, &classes_fops);
	debugfs_create_file("cpus", 0444, sa_dir, NULL, &cpus_fops);
	debugfs_create_file("pageheap", 0444, sa_dir, NULL, &pageheap_fops);
	debugfs_create_file("sizes", 0444, sa_dir, NULL, &sizes_fops);
	debugfs_create_file("nodes", 0444, sa_dir, NULL, &nodes_fops);
	debugfs_create_file("drain", 0200, sa_dir, NULL, &drain_fops);
	debugfs_create_file("caches", 0444, sa_dir, NULL, &caches_fops);
	debugfs_create_file("sites", 0444, sa_dir, NULL, &sites_fops);
}

void sa_debugfs_exit(void)
{
	debugfs_remove_recursive(sa_dir);
}
