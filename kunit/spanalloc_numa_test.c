// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for spanalloc on NUMA (issue 14 item 4): one page heap,
 * central lists and transfer caches per node (spanalloc/page_heap.c,
 * central.c, transfer.c), the remote buffer and spanalloc_alloc_node()
 * (spanalloc/main.c).
 *
 * Cases that run on any machine: a span cut for a node records it and its
 * chunk's node is its pages'; a node that is not online, and
 * NUMA_NO_NODE, mean this CPU's node; __GFP_THISNODE objects of every kind
 * are on the node asked for; a batch of objects of several nodes returned
 * at once lands on each span's own node's lists; the per-node figures add
 * up to the totals. Cases that need two nodes with CPUs and memory (booted
 * with scripts/harness/vm.sh --numa 2; skipped otherwise, saying so): each
 * CPU's allocations come from its own node even when the other node freed
 * memory first; objects of the other node freed here go home through the
 * remote buffer, not into this CPU's cache, and the counters stay exact;
 * spanalloc_alloc_node() for the other node gives that node's memory.
 *
 * Before this suite the page heap was one for all nodes: on two nodes
 * the locality cases failed (a CPU of node 1 got node 0's freed memory)
 * and alloc_node() honoured the node only above 2 MiB.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/topology.h>
#include <linux/workqueue.h>
#include "sa_test.h"
#include "transfer.h"

/* Sizes of the node cases: small classes, a 2-object class, a large object. */
static const size_t numa_sizes[] = { 16, 256, 1024, 12288, 65536 };

static int obj_nid(const void *p)
{
	return page_to_nid(virt_to_page(p));
}

/* Two online nodes with memory and CPUs, or skip the case. */
static void two_nodes(struct kunit *test, int *a, int *b)
{
	int nid, n = 0;

	*a = *b = NUMA_NO_NODE;
	for_each_node_state(nid, N_MEMORY) {
		if (!cpumask_intersects(cpumask_of_node(nid), cpu_online_mask))
			continue;
		if (n++ == 0)
			*a = nid;
		else if (n == 2)
			*b = nid;
	}
	if (n < 2)
		kunit_skip(test, "needs two NUMA nodes with CPUs and memory (%d here): --numa 2",
			   n);
}

static int node_cpu(int nid)
{
	return cpumask_first_and(cpumask_of_node(nid), cpu_online_mask);
}

static void span_knows_its_node(struct kunit *test)
{
	struct sa_heap_stats hs;
	struct sa_span *span;
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		span = sa_heap_alloc_span_node(1, SA_SPAN_SMALL, GFP_KERNEL | __GFP_THISNODE, nid);
		KUNIT_ASSERT_NOT_NULL(test, span);
		KUNIT_EXPECT_EQ(test, span->node, sa_numa() ? nid : 0);
		KUNIT_EXPECT_EQ(test, sa_span_chunk(span)->node, obj_nid(span->base));
		KUNIT_EXPECT_EQ(test, obj_nid(span->base), nid);
		sa_heap_read_node_stats(sa_span_chunk(span)->node, &hs);
		KUNIT_EXPECT_EQ(test, hs.sys, PAGE_SIZE << sa_chunk_order);
		KUNIT_EXPECT_EQ(test, hs.idle, (PAGE_SIZE << sa_chunk_order) - PAGE_SIZE);
		sa_heap_free_span(span);
		sa_heap_read_node_stats(nid, &hs);
		KUNIT_EXPECT_EQ(test, hs.idle, hs.sys);
		KUNIT_EXPECT_EQ(test, sa_heap_node_release_free(nid, 0, 0),
				PAGE_SIZE << sa_chunk_order);
	}
}

static void invalid_node_is_local(struct kunit *test)
{
	int nodes[] = { NUMA_NO_NODE, -7, nr_node_ids, MAX_NUMNODES + 3 };
	unsigned int i;
	void *p;

	for (i = 0; i < ARRAY_SIZE(nodes); i++) {
		migrate_disable();
		p = spanalloc_alloc_node(256, GFP_KERNEL, nodes[i]);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ_MSG(test, obj_nid(p), numa_mem_id(), "node %d", nodes[i]);
		migrate_enable();
		spanalloc_free(p);
	}
}

static void thisnode_is_honoured(struct kunit *test)
{
	unsigned int i;
	int nid;
	void *p;

	for_each_node_state(nid, N_MEMORY) {
		for (i = 0; i < ARRAY_SIZE(numa_sizes); i++) {
			p = spanalloc_alloc_node(numa_sizes[i], GFP_KERNEL | __GFP_THISNODE, nid);
			KUNIT_ASSERT_NOT_NULL(test, p);
			KUNIT_EXPECT_EQ_MSG(test, obj_nid(p), nid, "%zu bytes", numa_sizes[i]);
			spanalloc_free(p);
		}
		/* Above a chunk: straight from the page allocator, same rule. */
		p = spanalloc_alloc_node(sa_test_chunk_bytes() + 1, GFP_KERNEL | __GFP_THISNODE,
					 nid);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, obj_nid(p), nid);
		spanalloc_free(p);
	}
}

/* Return one batch mixing every node's objects: each goes to its own lists. */
static void mixed_batch_goes_to_each_node(struct kunit *test)
{
	unsigned int cls = sa_size_class(512), per = 6, n = 0, i;
	struct sa_central_stats cs, before[8];
	void *objs[6 * 8];
	int nid, k = 0;

	for_each_node_state(nid, N_MEMORY) {
		if (k == 8)
			break;
		sa_central_read_node_stats(sa_numa() ? nid : 0, cls, &before[k++]);
	}
	k = 0;
	for_each_node_state(nid, N_MEMORY) {
		if (k++ == 8)
			break;
		KUNIT_ASSERT_EQ(test, sa_central_fetch_node(nid, cls, objs + n, per,
							    GFP_KERNEL), per);
		n += per;
	}
	/* Interleave the nodes: object i of node 0, of node 1, ... */
	for (i = 0; i + per < n; i += 2)
		swap(objs[i + 1], objs[i + per]);
	sa_central_return(cls, objs, n);
	k = 0;
	for_each_node_state(nid, N_MEMORY) {
		if (k == 8)
			break;
		sa_central_read_node_stats(sa_numa() ? nid : 0, cls, &cs);
		KUNIT_EXPECT_EQ_MSG(test, cs.inuse_objs, before[k].inuse_objs, "node %d", nid);
		KUNIT_EXPECT_EQ_MSG(test, cs.refused, before[k].refused, "node %d", nid);
		k++;
	}
	sa_central_read_stats(cls, &cs);
	/* recount WARNs on a span on another node's lists. */
	KUNIT_EXPECT_EQ(test, cs.free_objs, sa_central_recount(cls));
}

static void node_figures_add_up(struct kunit *test)
{
	struct sa_heap_stats total, hs;
	u64 sys = 0, idle = 0, chunks = 0;
	void *p[64];
	/* The first two nodes with memory (the second may be MAX_NUMNODES: local). */
	int other = next_memory_node(first_memory_node);
	unsigned int i;
	int nid;

	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = spanalloc_alloc_node(i % 2 ? 4096 : 40000, GFP_KERNEL,
					    i % 4 < 2 ? first_memory_node : other);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	sa_heap_read_stats(&total);
	for (nid = 0; nid < nr_node_ids; nid++) {
		sa_heap_read_node_stats(nid, &hs);
		sys += hs.sys;
		idle += hs.idle;
		chunks += hs.chunks;
	}
	KUNIT_EXPECT_EQ(test, sys, total.sys);
	KUNIT_EXPECT_EQ(test, idle, total.idle);
	KUNIT_EXPECT_EQ(test, chunks, total.chunks);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		spanalloc_free(p[i]);
}

struct numa_work {
	struct kunit *test;
	void **objs;
	unsigned int n;
	size_t size;
	int node;		/* for alloc_node, or NUMA_NO_NODE */
	unsigned int local;	/* objects on the running CPU's node (or @node) */
};

static long numa_alloc_fn(void *arg)
{
	struct numa_work *w = arg;
	int want = w->node == NUMA_NO_NODE ? numa_mem_id() : w->node;
	unsigned int i;

	w->local = 0;
	for (i = 0; i < w->n; i++) {
		w->objs[i] = spanalloc_alloc_node(w->size, GFP_KERNEL, w->node);
		if (w->objs[i] && obj_nid(w->objs[i]) == want)
			w->local++;
	}
	return 0;
}

static long numa_free_fn(void *arg)
{
	struct numa_work *w = arg;
	unsigned int i;

	for (i = 0; i < w->n; i++)
		spanalloc_free(w->objs[i]);
	return 0;
}

/*
 * A CPU of node @b allocates and frees first, then a CPU of node @a
 * allocates: its objects are @a's, not the memory @b left free.
 */
static void each_node_gets_its_own(struct kunit *test)
{
	struct numa_work w = { .test = test, .node = NUMA_NO_NODE };
	unsigned int i, n = 2048;
	int a, b, r;

	two_nodes(test, &a, &b);
	w.objs = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w.objs);
	for (r = 0; r < 2; r++) {
		for (i = 0; i < ARRAY_SIZE(numa_sizes); i++) {
			w.size = numa_sizes[i];
			w.n = min_t(unsigned int, n, SZ_1M / w.size + 8);
			work_on_cpu(node_cpu(r ? a : b), numa_alloc_fn, &w);
			work_on_cpu(node_cpu(r ? a : b), numa_free_fn, &w);
			work_on_cpu(node_cpu(r ? b : a), numa_alloc_fn, &w);
			KUNIT_EXPECT_EQ_MSG(test, w.local, w.n, "%zu bytes on node %d", w.size,
					    r ? b : a);
			work_on_cpu(node_cpu(r ? b : a), numa_free_fn, &w);
		}
	}
}

static long alloc_then_free_remote(void *arg)
{
	struct numa_work *w = arg;
	unsigned int cls = sa_size_class(w->size);
	int cpu, count;

	numa_alloc_fn(w);
	migrate_disable();
	cpu = smp_processor_id();
	count = sa_cache_count(cpu, cls);
	numa_free_fn(w);
	/* Not one of them in this CPU's cache; the last ones still buffered. */
	KUNIT_EXPECT_EQ(w->test, sa_cache_count(cpu, cls), count);
	KUNIT_EXPECT_EQ(w->test, sa_cache_remote_held(cpu), w->n % 32);
	migrate_enable();
	return 0;
}

/*
 * alloc_node() for the other node gives that node's memory; freed here,
 * the objects go home in batches (remote_frees_home of their node), the
 * counters stay exact, and a drain leaves nothing behind.
 */
static void remote_frees_go_home(struct kunit *test)
{
	struct numa_work w = { .test = test, .size = 256, .n = 100 };
	struct sa_transfer_stats ts0, ts1;
	unsigned int cls = sa_size_class(256);
	struct spanalloc_memstats ms0, ms;
	int a, b, cpu;

	two_nodes(test, &a, &b);
	w.objs = kunit_kcalloc(test, w.n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w.objs);
	w.node = b;
	sa_transfer_read_node_stats(b, cls, &ts0);
	ms0 = sa_test_stats();
	work_on_cpu(node_cpu(a), alloc_then_free_remote, &w);
	KUNIT_EXPECT_EQ(test, w.local, w.n);
	sa_transfer_read_node_stats(b, cls, &ts1);
	/* Three full buffers of 32 went home; 4 wait in the buffer. */
	KUNIT_EXPECT_EQ(test, ts1.remote - ts0.remote, w.n / 32 * 32);
	ms = sa_test_stats();
	KUNIT_EXPECT_EQ(test, ms.mallocs - ms0.mallocs, w.n);
	KUNIT_EXPECT_EQ(test, ms.frees - ms0.frees, w.n);
	KUNIT_EXPECT_EQ(test, ms.heap_alloc, ms0.heap_alloc);
	spanalloc_drain();
	for_each_online_cpu(cpu)
		KUNIT_EXPECT_EQ_MSG(test, sa_cache_remote_held(cpu), 0, "cpu %d", cpu);
	sa_transfer_read_node_stats(b, cls, &ts1);
	KUNIT_EXPECT_EQ(test, ts1.remote - ts0.remote, w.n);
	ms = sa_test_stats();
	KUNIT_EXPECT_EQ(test, ms.heap_sys, 0);
	KUNIT_EXPECT_EQ(test, ms.live_objects, ms0.live_objects);
}

static void numa_ctor(void *obj)
{
	memset(obj, 0x5a, 200);
}

struct cache_work {
	struct kunit *test;
	struct spanalloc_cache *c;
	int node, cpu;
	unsigned int n, on_node, in_cache;
	void *objs[64];
};

/* On a CPU of the other node: alloc_node() of @node, then free them here. */
static long cache_node_fn(void *arg)
{
	struct cache_work *w = arg;
	unsigned int i;

	w->on_node = 0;
	for (i = 0; i < w->n; i++) {
		w->objs[i] = spanalloc_cache_alloc_node(w->c, GFP_KERNEL, w->node);
		KUNIT_ASSERT_NOT_NULL(w->test, w->objs[i]);
		w->on_node += obj_nid(w->objs[i]) == w->node;
	}
	for (i = 0; i < w->n; i++)
		spanalloc_cache_free(w->c, w->objs[i]);
	migrate_disable();
	w->cpu = smp_processor_id();
	w->in_cache = sa_cache_remote_held(w->cpu);
	migrate_enable();
	return 0;
}

/*
 * kmem_cache_alloc_node() for the other node gives that node's memory, for
 * a cache merged into a size class and for one with a class of its own (a
 * constructor); freed on this node's CPU, the objects go home through the
 * remote buffer rather than into this CPU's cache.
 */
static void cache_alloc_node_is_honoured(struct kunit *test)
{
	struct cache_work *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct spanalloc_cache *caches[2];
	unsigned int k;
	int a, b;

	two_nodes(test, &a, &b);
	KUNIT_ASSERT_NOT_NULL(test, w);
	caches[0] = spanalloc_cache_create("sa_numa_merged", 192, 0, 0, NULL);
	caches[1] = spanalloc_cache_create("sa_numa_ctor", 200, 0, 0, numa_ctor);
	KUNIT_ASSERT_NOT_NULL(test, caches[0]);
	KUNIT_ASSERT_NOT_NULL(test, caches[1]);
	for (k = 0; k < ARRAY_SIZE(caches); k++) {
		spanalloc_drain();	/* remote buffers empty */
		w->test = test;
		w->c = caches[k];
		w->node = b;
		w->n = 40;
		work_on_cpu(node_cpu(a), cache_node_fn, w);
		KUNIT_EXPECT_EQ_MSG(test, w->on_node, w->n, "cache %u: objects on node %d", k, b);
		/* One full buffer of 32 went home, 8 wait (a drain sends them). */
		KUNIT_EXPECT_EQ_MSG(test, w->in_cache, w->n % 32, "cache %u", k);
		/* And the node's own CPU gets its node's memory as before. */
		w->node = a;
		work_on_cpu(node_cpu(a), cache_node_fn, w);
		KUNIT_EXPECT_EQ_MSG(test, w->on_node, w->n, "cache %u: objects on node %d", k, a);
	}
	spanalloc_drain();
	spanalloc_cache_destroy(caches[0]);
	spanalloc_cache_destroy(caches[1]);
}

static struct kunit_case numa_cases[] = {
	KUNIT_CASE(span_knows_its_node),
	KUNIT_CASE(invalid_node_is_local),
	KUNIT_CASE(thisnode_is_honoured),
	KUNIT_CASE(mixed_batch_goes_to_each_node),
	KUNIT_CASE(node_figures_add_up),
	KUNIT_CASE(each_node_gets_its_own),
	KUNIT_CASE(remote_frees_go_home),
	KUNIT_CASE(cache_alloc_node_is_honoured),
	{}
};

static struct kunit_suite numa_suite = {
	.name = "spanalloc_numa",
	.init = sa_test_case_init,
	.exit = sa_test_case_exit,
	.test_cases = numa_cases,
};

kunit_test_suite(numa_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for spanalloc's per-node heaps, lists and remote frees");
