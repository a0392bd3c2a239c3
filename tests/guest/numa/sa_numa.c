// SPDX-License-Identifier: GPL-2.0
/*
 * sa_numa - node locality of spanalloc's objects; driven by
 * tests/guest/numa.sh on a guest with two or more nodes that have CPUs.
 * Each action is a write to a parameter under
 * /sys/module/sa_numa/parameters/ and runs once, in the writer's context,
 * each step on one CPU with work_on_cpu():
 *
 *   run=1  1. warm-up: every CPU, node by node, allocates a set of objects
 *             (sizes 16 B to 64 KiB, about 1 MiB of each size) and frees
 *             them itself, so spanalloc's caches, transfer caches, central
 *             lists and page heap hold free memory of every node;
 *          2. locality: every CPU, node by node, allocates the set again
 *             and keeps it; an object is local when page_to_nid() of its
 *             page is the CPU's memory node (numa_mem_id());
 *          3. cross frees: each CPU's set is freed by a CPU of another
 *             node;
 *          4. alloc_node: every CPU allocates the set with
 *             spanalloc_alloc_node() for the next node (the other one of
 *             two) and checks the objects' node; a CPU of that next node
 *             frees them;
 *          5. spanalloc_drain().
 *
 * Read-only results of the last run: nodes (nodes with CPUs used), objects
 * and local (step 2), node_objects and node_local (step 4), cross_frees
 * (step 3 and 4: objects freed on a CPU of another node than the one that
 * allocated them), failures (NULLs), corrupted (a pattern written at
 * allocation changed before the free), worst_size (the size with the
 * lowest locality in step 2) and worst_local_pct. Per node and size
 * figures go to the kernel log.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <spanalloc.h>

static const unsigned int nm_sizes[] = { 16, 64, 192, 512, 1024, 4096, 12288, 65536 };
#define NM_NR_SIZES	ARRAY_SIZE(nm_sizes)
#define NM_SIZE_BYTES	SZ_1M	/* per size and CPU */
#define NM_MIN_OBJS	16

static unsigned int nm_count(unsigned int size)
{
	return max(NM_SIZE_BYTES / size, (unsigned int)NM_MIN_OBJS);
}

/* One CPU's set: every size's objects. */
struct nm_set {
	int cpu;
	int node;		/* node to allocate on (alloc_node), or NUMA_NO_NODE */
	void **objs[NM_NR_SIZES];
	unsigned long local[NM_NR_SIZES];
	unsigned long total[NM_NR_SIZES];
	unsigned long failures, corrupted;
};

static DEFINE_MUTEX(nm_mutex);	/* serialises runs; guards the results */
static unsigned long nodes, objects, local, node_objects, node_local;
static unsigned long cross_frees, failures, corrupted, worst_size, worst_local_pct;
module_param(nodes, ulong, 0444);
module_param(objects, ulong, 0444);
module_param(local, ulong, 0444);
module_param(node_objects, ulong, 0444);
module_param(node_local, ulong, 0444);
module_param(cross_frees, ulong, 0444);
module_param(failures, ulong, 0444);
module_param(corrupted, ulong, 0444);
module_param(worst_size, ulong, 0444);
module_param(worst_local_pct, ulong, 0444);

static u8 nm_pattern(const void *p)
{
	return (u8)((unsigned long)p >> 4) | 1;
}

/* On the set's CPU: allocate every size, count the local objects. */
static long nm_alloc_fn(void *arg)
{
	struct nm_set *s = arg;
	int want = s->node == NUMA_NO_NODE ? numa_mem_id() : s->node;
	unsigned int i, j;

	for (i = 0; i < NM_NR_SIZES; i++) {
		unsigned int size = nm_sizes[i];

		for (j = 0; j < nm_count(size); j++) {
			void *p;

			if (s->node == NUMA_NO_NODE)
				p = spanalloc_alloc(size, GFP_KERNEL);
			else
				p = spanalloc_alloc_node(size, GFP_KERNEL, s->node);
			s->objs[i][j] = p;
			if (!p) {
				s->failures++;
				continue;
			}
			memset(p, nm_pattern(p), size);
			s->total[i]++;
			if (page_to_nid(virt_to_page(p)) == want)
				s->local[i]++;
		}
	}
	return 0;
}

/* On whichever CPU it runs: check and free a set. */
static long nm_free_fn(void *arg)
{
	struct nm_set *s = arg;
	unsigned int i, j;

	for (i = 0; i < NM_NR_SIZES; i++) {
		for (j = 0; j < nm_count(nm_sizes[i]); j++) {
			u8 *p = s->objs[i][j];

			if (!p)
				continue;
			if (p[0] != nm_pattern(p) || p[nm_sizes[i] - 1] != nm_pattern(p))
				s->corrupted++;
			spanalloc_free(p);
			s->objs[i][j] = NULL;
		}
	}
	return 0;
}

static void nm_reset(struct nm_set *s, int node)
{
	s->node = node;
	memset(s->local, 0, sizeof(s->local));
	memset(s->total, 0, sizeof(s->total));
}

/* A CPU of the node after @cpu's (wrapping), other than @cpu's node if any. */
static int nm_other_cpu(int cpu, const int *node_of_idx, int nr_nodes)
{
	int i, nid = cpu_to_node(cpu), other = nid;

	for (i = 0; i < nr_nodes; i++)
		if (node_of_idx[i] == nid)
			other = node_of_idx[(i + 1) % nr_nodes];
	return cpumask_first_and(cpumask_of_node(other), cpu_online_mask);
}

static int nm_run(void)
{
	int *node_of_idx, nr_nodes = 0, nr_sets = 0, nid, cpu, n, i;
	unsigned long size_local[NM_NR_SIZES] = {}, size_total[NM_NR_SIZES] = {};
	struct nm_set *sets;
	unsigned int k;
	int ret = 0;

	node_of_idx = kcalloc(nr_node_ids, sizeof(*node_of_idx), GFP_KERNEL);
	if (!node_of_idx)
		return -ENOMEM;
	for_each_online_node(nid)
		if (cpumask_intersects(cpumask_of_node(nid), cpu_online_mask))
			node_of_idx[nr_nodes++] = nid;
	sets = kcalloc(num_online_cpus(), sizeof(*sets), GFP_KERNEL);
	if (!sets) {
		kfree(node_of_idx);
		return -ENOMEM;
	}
	/* Sets in node order: node 0's CPUs first, and so on. */
	for (i = 0; i < nr_nodes; i++) {
		for_each_cpu_and(cpu, cpumask_of_node(node_of_idx[i]), cpu_online_mask) {
			struct nm_set *s = &sets[nr_sets++];

			s->cpu = cpu;
			for (k = 0; k < NM_NR_SIZES; k++) {
				s->objs[k] = kvcalloc(nm_count(nm_sizes[k]), sizeof(void *),
						      GFP_KERNEL);
				if (!s->objs[k]) {
					ret = -ENOMEM;
					goto out;
				}
			}
		}
	}
	nodes = nr_nodes;
	objects = 0;
	local = 0;
	node_objects = 0;
	node_local = 0;
	cross_frees = 0;
	failures = 0;
	corrupted = 0;

	/* 1. warm-up: allocate and free on each CPU. */
	for (n = 0; n < nr_sets; n++) {
		nm_reset(&sets[n], NUMA_NO_NODE);
		work_on_cpu(sets[n].cpu, nm_alloc_fn, &sets[n]);
		work_on_cpu(sets[n].cpu, nm_free_fn, &sets[n]);
	}
	/* 2. locality: allocate and keep. */
	for (n = 0; n < nr_sets; n++) {
		struct nm_set *s = &sets[n];

		nm_reset(s, NUMA_NO_NODE);
		work_on_cpu(s->cpu, nm_alloc_fn, s);
		for (k = 0; k < NM_NR_SIZES; k++) {
			objects += s->total[k];
			local += s->local[k];
			size_local[k] += s->local[k];
			size_total[k] += s->total[k];
			pr_info("cpu %d node %d size %u: %lu of %lu local\n", s->cpu,
				cpu_to_node(s->cpu), nm_sizes[k], s->local[k], s->total[k]);
		}
	}
	worst_local_pct = 100;
	worst_size = 0;
	for (k = 0; k < NM_NR_SIZES; k++) {
		unsigned long pct = size_total[k] ? 100 * size_local[k] / size_total[k] : 0;

		if (pct < worst_local_pct || !worst_size) {
			worst_local_pct = pct;
			worst_size = nm_sizes[k];
		}
	}
	/* 3. cross frees: a CPU of the next node frees each set. */
	for (n = 0; n < nr_sets; n++) {
		struct nm_set *s = &sets[n];
		int other = nm_other_cpu(s->cpu, node_of_idx, nr_nodes);

		for (k = 0; k < NM_NR_SIZES; k++)
			cross_frees += cpu_to_node(other) != cpu_to_node(s->cpu) ? s->total[k] : 0;
		work_on_cpu(other, nm_free_fn, s);
	}
	/* 4. alloc_node for the next node; a CPU of that node frees them. */
	for (n = 0; n < nr_sets; n++) {
		struct nm_set *s = &sets[n];
		int other = nm_other_cpu(s->cpu, node_of_idx, nr_nodes);

		nm_reset(s, cpu_to_mem(other));
		work_on_cpu(s->cpu, nm_alloc_fn, s);
		for (k = 0; k < NM_NR_SIZES; k++) {
			node_objects += s->total[k];
			node_local += s->local[k];
			pr_info("cpu %d alloc_node(%d) size %u: %lu of %lu on node %d\n", s->cpu,
				s->node, nm_sizes[k], s->local[k], s->total[k], s->node);
		}
		work_on_cpu(other, nm_free_fn, s);
		for (k = 0; k < NM_NR_SIZES; k++)
			cross_frees += cpu_to_node(other) != cpu_to_node(s->cpu) ? s->total[k] : 0;
	}
	/* 5. everything back. */
	spanalloc_drain();
out:
	/* Every set was freed in steps 3 and 4 (or never allocated). */
	for (n = 0; n < nr_sets; n++) {
		failures += sets[n].failures;
		corrupted += sets[n].corrupted;
		for (k = 0; k < NM_NR_SIZES; k++)
			kvfree(sets[n].objs[k]);
	}
	kfree(sets);
	kfree(node_of_idx);
	return ret;
}

static int run_set(const char *val, const struct kernel_param *kp)
{
	int ret;

	mutex_lock(&nm_mutex);
	ret = nm_run();
	mutex_unlock(&nm_mutex);
	return ret;
}

static const struct kernel_param_ops run_ops = { .set = run_set };
module_param_cb(run, &run_ops, NULL, 0200);
MODULE_PARM_DESC(run, "Write 1: run the test (see the file's header)");

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("spanalloc NUMA locality test (tests/guest/numa.sh)");
