// SPDX-License-Identifier: GPL-2.0
/*
 * central.c - spanalloc's central lists (Go's mcentral, TCMalloc's
 * central_freelist).
 *
 * What it does: one central list per size class (and one for the tiny
 * allocator's 16-byte blocks) holds that class's spans on three lists:
 * partial (some objects free), none-free (every object handed out) and
 * all-free (kept to avoid thrashing the page heap; at most
 * keep_empty_spans per class).
 * It hands objects to the per-CPU caches and takes them back in batches.
 * Free objects of a span are linked through their first word, the link
 * obfuscated like SLAB_FREELIST_HARDENED and checked when used; objects
 * never handed out are carved from the span with a bump index.
 *
 * NUMA: one set of central lists per node (a class's lists of node N hold
 * spans asked for on node N, sa_span::node). A fetch takes from the
 * node it is given (this CPU's memory node for sa_central_fetch()); a
 * return puts each object back on its own span's node's lists, whichever
 * node the caller runs on.
 *
 * Locking: one spinlock per class and node, irq-safe (refills and flushes happen
 * from hardirq context). No other spanalloc lock is held when it is taken,
 * and none is taken under it: new spans are got from the page heap and
 * wholly free spans given back to it with the class lock dropped.
 *
 * Memory: a span holds the objects of a power-of-two block of pages and
 * takes only the whole pages those objects need (span_pages()); a class's
 * first spans are small and grow with it (span_order_for()); and a refill
 * cuts a new span only when the class's spans have no free object
 * (sa_central_fetch_some()). So with every object live a class's unused
 * memory is its last span's free slots and under a page per span.
 *
 * What it asks of the level below (page_heap.c): spans of any number of
 * pages up to a chunk, starting on a block aligned to the next power of
 * two (so power-of-two objects are naturally aligned), and sa_span_of()
 * to find the span of a freed object.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/cache.h>
#include <linux/random.h>
#include <linux/log2.h>
#include "internal.h"
#include "page_heap.h"
#include "central.h"

static unsigned int keep_empty_spans = 1;
module_param(keep_empty_spans, uint, 0644);
MODULE_PARM_DESC(keep_empty_spans,
		 "Wholly free spans each class keeps instead of returning them to the page heap (default 1)");

unsigned long sa_freelist_random __read_mostly;
unsigned long sa_free_random __read_mostly;

/* Dynamic classes (typed caches with spans of their own: kcache.c). */
struct sa_dyn_class sa_dyn_classes[SA_NR_DYN] = {
	[0 ... SA_NR_DYN - 1] = { .ci = { .batch = SA_DYN_BATCH } },
};
EXPORT_SYMBOL_IF_KUNIT(sa_dyn_classes);

/**
 * struct sa_central - one class's central list
 * @lock: guards everything here and the spans on the lists
 * @lists: spans by enum sa_span_list (NONE unused)
 * @nr: spans on each list
 * @free_objs: free objects in this class's spans
 * @inuse_objs: objects out of the spans
 * @lost_objs: objects dropped with a corrupted free list (not handed out
 *	again while their span lives)
 * @corruptions: corrupted links found
 * @refused: objects refused by span_may_take() (double frees caught here)
 * @lock_count: times @lock was taken
 */
struct sa_central {
	spinlock_t lock;	/* irq-safe; see the top of this file */
	struct list_head lists[SA_LIST_ALL_FREE + 1];
	unsigned int nr[SA_LIST_ALL_FREE + 1];
	u64 free_objs;
	u64 inuse_objs;
	u64 lost_objs;
	u64 corruptions;
	u64 refused;
	u64 lock_count;
} ____cacheline_aligned_in_smp;

/* Per node id, an array of SA_NR_CACHED central lists. */
static struct sa_central **sa_centrals;

static inline struct sa_central *central_of(int node, unsigned int cls)
{
	return &sa_centrals[node][cls];
}

static void central_lock(struct sa_central *c, unsigned long *flags)
	__acquires(&c->lock)
{
	spin_lock_irqsave(&c->lock, *flags);
	c->lock_count++;
}

static void span_move(struct sa_central *c, struct sa_span *span, int to)
{
	lockdep_assert_held(&c->lock);
	if (span->list_state != SA_LIST_OFF) {
		list_del(&span->link);
		c->nr[span->list_state]--;
	}
	span->list_state = to;
	if (to != SA_LIST_OFF) {
		list_add(&span->link, &c->lists[to]);
		c->nr[to]++;
	}
}

/*
 * Take a wholly free span off the class's lists onto @release, to go back
 * to the page heap once the class lock is dropped. Under the class lock.
 */
static void span_detach(struct sa_central *c, struct sa_span *span,
			struct list_head *release)
{
	lockdep_assert_held(&c->lock);
	span_move(c, span, SA_LIST_OFF);
	c->free_objs -= span->nfree;
	list_add(&span->link, release);
}

/* What the levels above registered for each class's spans. */
static const struct sa_span_ops *sa_span_ops[SA_NR_CACHED];

/**
 * sa_central_set_ops() - register what a level above needs of a class's spans
 * @cls: the class
 * @ops: the hooks, or NULL
 *
 * Set before the class has a span (at load, when debug mode changes on an
 * empty heap, when a typed cache takes a dynamic class).
 */
void sa_central_set_ops(unsigned int cls, const struct sa_span_ops *ops)
{
	WRITE_ONCE(sa_span_ops[cls], ops);
}

static void span_free_rcu(struct rcu_head *head)
{
	sa_heap_free_span(container_of(head, struct sa_span, rcu));
}

/*
 * Give one span back to the page heap: its class's fini hook first; after
 * an RCU grace period when the class asks for it (SLAB_TYPESAFE_BY_RCU: a
 * reader that found an object under rcu_read_lock() may still look at it).
 * No spanalloc lock held.
 */
static void span_release(struct sa_span *span)
{
	const struct sa_span_ops *ops = READ_ONCE(sa_span_ops[span->cls]);

	if (ops && ops->fini)
		ops->fini(span);
	if (ops && ops->rcu)
		call_rcu(&span->rcu, span_free_rcu);
	else
		sa_heap_free_span(span);
}

static void release_spans(struct list_head *release)
{
	struct sa_span *span, *tmp;

	list_for_each_entry_safe(span, tmp, release, link)
		span_release(span);
}

/*
 * Take one object from a span with nfree > 0. Under the class lock.
 *
 * A link that does not point at an object of the span means a write after
 * free hit it: the rest of the list is dropped (those objects are not
 * handed out again; the span goes back to the page heap whole once its
 * other objects are back) and the counters forget them, so they equal a
 * recount.
 * Objects carved fresh get the free tag (sa_free_tag()), like every other
 * object waiting in a cache.
 */
static void *span_pop(struct sa_central *c, struct sa_span *span, const struct sa_class *ci)
{
	void *obj = span->freelist;

	lockdep_assert_held(&c->lock);
	if (obj) {
		void *next = sa_link_encode(*(void **)sa_free_word(obj, span->cls), obj);

		if (unlikely(next && !sa_span_obj_start(span, ci, next))) {
			unsigned int lost = span->nfree - 1 - (span->objs - span->carved);

			pr_err("corrupted free list in class %u span %p: link %p at %p, %u objects dropped\n",
			       ci->size, span->base, next, obj, lost);
			WARN_ON_ONCE(READ_ONCE(sa_report_bad_frees));
			span->nfree -= lost;
			c->free_objs -= lost;
			c->lost_objs += lost;
			c->corruptions++;
			next = NULL;
		}
		span->freelist = next;
	} else {
		obj = span->base + (size_t)span->carved * ci->size;
		*sa_free_word(obj, span->cls) = sa_free_tag(obj);
		span->carved++;
	}
	span->nfree--;
	span->inuse++;
	return obj;
}

/*
 * Pages of a span cut at @order: the objects a block of that order holds,
 * in whole pages. The page heap gives the rest of the block back to its
 * free lists, so a span's tail is under a page: a 9344-byte class's
 * order-3 span of three objects takes 7 pages, not 8. Power-of-two classes
 * fill their block exactly, so their spans stay naturally aligned.
 */
static unsigned int span_pages(const struct sa_class *ci, unsigned int order)
{
	return DIV_ROUND_UP((PAGE_SIZE << order) / ci->size * ci->size, PAGE_SIZE);
}

/*
 * Order of a new span for a class that holds @nspans spans: a class starts
 * with spans of the smallest order whose objects, in whole pages (see
 * span_pages()), leave at most a quarter of those pages unused; one object
 * may be enough (a 6528-byte class starts with two-page spans of one
 * object, a 2688-byte class with two-page spans of three). The span size
 * doubles each time the number of spans does past four (four spans of
 * that order, then eight twice as big, sixteen four times as big...), up
 * to the class's own order (whose tail waste the generator bounds). A
 * class used by a handful of objects then does not pin spans of up to
 * 256 KiB that it will never fill.
 */
static unsigned int span_order_for(const struct sa_class *ci, unsigned int nspans)
{
	unsigned int o, objs;
	size_t used, bytes;

	for (o = 0; o < ci->span_order; o++) {
		objs = (PAGE_SIZE << o) / ci->size;
		used = (size_t)objs * ci->size;
		bytes = (size_t)span_pages(ci, o) << PAGE_SHIFT;
		if (objs && (bytes - used) * 4 <= bytes)
			break;
	}
	return min(o + ilog2(nspans / 4 + 1), (unsigned int)ci->span_order);
}

/* Smallest order whose span holds one object of the class. */
static unsigned int span_min_order(const struct sa_class *ci)
{
	return get_order(ci->size);
}

/*
 * A new span for @cls. The order span_order_for() picks is tried cheaply
 * (sa_heap_try_span_node(): no reclaim, compaction or reserves, no
 * warning, never __GFP_NOFAIL, as SLUB tries its higher slab orders: on
 * fragmented memory a sleeping order-1..3 request would otherwise stall
 * in compaction, or reclaim and OOM-kill, rather than fail); then, with
 * the caller's own flags, the smallest order that holds an object: a
 * one-page span for every class up to PAGE_SIZE.
 */
static struct sa_span *new_span(unsigned int cls, unsigned int nspans, gfp_t gfp, int node)
{
	const struct sa_class *ci = sa_class_info(cls);
	unsigned int order = cls == SA_CLASS_TINY ? ci->span_order : span_order_for(ci, nspans);
	const struct sa_span_ops *ops;
	struct sa_span *span;

	if (order > span_min_order(ci)) {
		span = sa_heap_try_span_node(span_pages(ci, order), SA_SPAN_SMALL, gfp, node);
		if (!span) {
			order = span_min_order(ci);
			span = sa_heap_alloc_span_node(span_pages(ci, order), SA_SPAN_SMALL, gfp,
						       node);
		}
	} else {
		span = sa_heap_alloc_span_node(span_pages(ci, order), SA_SPAN_SMALL, gfp, node);
	}
	if (!span)
		return NULL;
	span->cls = cls;
	span->objs = (PAGE_SIZE << order) / ci->size;
	span->nfree = span->objs;
	/* Tiny state, debug poison, constructors: the class's init hook. */
	ops = READ_ONCE(sa_span_ops[cls]);
	if (ops && ops->init && ops->init(span, sa_meta_gfp(gfp))) {
		sa_heap_free_span(span);
		return NULL;
	}
	return span;
}

/*
 * Take up to @nr objects of @node's list of @cls, cutting new spans while
 * fewer than @need are in hand (@need <= @nr).
 */
static int central_fetch(int node, unsigned int cls, void **objs, int need, int nr, gfp_t gfp)
{
	const struct sa_class *ci = sa_class_info(cls);
	struct sa_central *c = central_of(node, cls);
	struct sa_span *span, *fresh = NULL;
	unsigned long flags;
	int got = 0;

	central_lock(c, &flags);
	while (got < nr) {
		span = list_first_entry_or_null(&c->lists[SA_LIST_PARTIAL],
						struct sa_span, link);
		if (!span)
			span = list_first_entry_or_null(&c->lists[SA_LIST_ALL_FREE],
							struct sa_span, link);
		if (!span && fresh) {
			span = fresh;
			fresh = NULL;
			c->free_objs += span->nfree;
		}
		if (!span) {
			unsigned int nspans = c->nr[SA_LIST_PARTIAL] + c->nr[SA_LIST_NONE_FREE];

			if (got >= need)
				break;
			/* Cut a new span, lock dropped. */
			spin_unlock_irqrestore(&c->lock, flags);
			fresh = new_span(cls, nspans, gfp, node);
			central_lock(c, &flags);
			if (!fresh)
				break;
			continue;
		}
		while (got < nr && span->nfree)
			objs[got++] = span_pop(c, span, ci);
		span_move(c, span, span->nfree ? SA_LIST_PARTIAL : SA_LIST_NONE_FREE);
	}
	c->free_objs -= got;
	c->inuse_objs += got;
	if (fresh) {
		/* Another CPU filled the list meanwhile: keep the span. */
		c->free_objs += fresh->nfree;
		span_move(c, fresh, SA_LIST_ALL_FREE);
	}
	spin_unlock_irqrestore(&c->lock, flags);
	return got;
}

/**
 * sa_central_fetch_node() - take @nr objects of class @cls from a node's
 * central list
 * @node: the node (a valid node id, see sa_valid_node())
 * @cls: size class (or SA_CLASS_TINY)
 * @objs: where to put them
 * @nr: how many are wanted
 * @gfp: flags for new spans if the class has too few free objects on
 *	@node (their pages from @node; from another node only if @node has
 *	none and @gfp has no __GFP_THISNODE)
 *
 * Cuts as many new spans as it takes to fill @nr.
 * Context: any, with no spanalloc lock held; sleeps only if @gfp allows.
 * Return: the number of objects stored: @nr, or fewer (maybe 0) if memory
 * ran out.
 */
int sa_central_fetch_node(int node, unsigned int cls, void **objs, int nr, gfp_t gfp)
{
	return central_fetch(node, cls, objs, nr, nr, gfp);
}
EXPORT_SYMBOL_IF_KUNIT(sa_central_fetch_node);

/**
 * sa_central_fetch() - sa_central_fetch_node() on this CPU's memory node
 * @cls: size class (or SA_CLASS_TINY)
 * @objs: where to put them
 * @nr: how many are wanted
 * @gfp: flags for a new span if the class has no free object
 *
 * Context: any, with no spanalloc lock held; sleeps only if @gfp allows.
 * Return: the number of objects stored.
 */
int sa_central_fetch(unsigned int cls, void **objs, int nr, gfp_t gfp)
{
	return sa_central_fetch_node(sa_local_node(), cls, objs, nr, gfp);
}
EXPORT_SYMBOL_IF_KUNIT(sa_central_fetch);

/**
 * sa_central_fetch_some() - take up to @nr objects of class @cls for a
 * refill, cutting no span that only the refill's spare objects would need
 * @node: the node (a valid node id, see sa_valid_node())
 * @cls: size class (or SA_CLASS_TINY)
 * @objs: where to put them
 * @nr: how many are wanted at most
 * @gfp: flags for a new span if the class has no free object on @node
 *
 * Takes what the node's spans have free, up to @nr; a new span is cut only
 * when they have none, and then at most one, whose objects end the batch.
 * So the objects a refill parks in a CPU cache beyond the one it needs
 * never make the class hold a span it would not hold anyway: with all
 * objects live, each class's unused slots lie in its last span.
 * Context: any, with no spanalloc lock held; sleeps only if @gfp allows.
 * Return: the number of objects stored: at least 1 (if @nr is) unless
 * memory ran out.
 */
int sa_central_fetch_some(int node, unsigned int cls, void **objs, int nr, gfp_t gfp)
{
	return central_fetch(node, cls, objs, min(nr, 1), nr, gfp);
}
EXPORT_SYMBOL_IF_KUNIT(sa_central_fetch_some);

/*
 * Can @obj go back to @span? Not if the span has nothing out (wholly
 * free), the object was never carved from it, or it is the head of the
 * span's free list: each is a double free (or a free of a pointer that was
 * never handed out) that got past the checks above this level. Under the
 * class lock; cheap enough for every object.
 */
static bool span_may_take(struct sa_span *span, const struct sa_class *ci, void *obj)
{
	u32 idx = (u64)((unsigned long)obj - (unsigned long)span->base) * ci->div_mul >> 32;

	return span->inuse && idx < span->carved && obj != span->freelist;
}

/**
 * sa_central_return() - give @nr objects of class @cls back to their spans
 * @cls: size class (or SA_CLASS_TINY)
 * @objs: the objects, all of class @cls
 * @nr: how many
 *
 * Each object goes to the central list of its span's node (sa_span::node),
 * whichever node this CPU is on: a batch is normally of one node, and the
 * lock is switched when the node changes. Spans that become wholly free
 * beyond keep_empty_spans go back to the page heap. An object its span
 * cannot take (span_may_take()) is refused:
 * counted in the class's refused counter (memstats moves it from frees to
 * bad_frees), WARNed once, left alone. Context: any, with no spanalloc
 * lock held.
 */
void sa_central_return(unsigned int cls, void **objs, int nr)
{
	const struct sa_class *ci = sa_class_info(cls);
	struct sa_central *c;
	struct sa_span *span;
	LIST_HEAD(release);
	unsigned long flags;
	int i = 0, bad = 0;

	/* A run of objects of one node at a time, under that node's lock. */
	while (i < nr) {
		span = sa_span_of(objs[i]);
		if (WARN_ON_ONCE(!span || span->cls != cls)) {
			i++;
			continue;
		}
		c = central_of(span->node, cls);
		central_lock(c, &flags);
		for (; i < nr; i++) {
			void *obj = objs[i];

			span = sa_span_of(obj);
			if (!span || span->cls != cls)
				break;	/* WARNed at the top of the loop */
			if (unlikely(central_of(span->node, cls) != c))
				break;
			if (unlikely(!span_may_take(span, ci, obj))) {
				c->refused++;
				bad++;
				continue;
			}
			*(void **)sa_free_word(obj, cls) = sa_link_encode(span->freelist, obj);
			span->freelist = obj;
			span->nfree++;
			span->inuse--;
			c->free_objs++;
			c->inuse_objs--;
			if (span->inuse) {
				if (span->list_state != SA_LIST_PARTIAL)
					span_move(c, span, SA_LIST_PARTIAL);
			} else if (c->nr[SA_LIST_ALL_FREE] < READ_ONCE(keep_empty_spans)) {
				span_move(c, span, SA_LIST_ALL_FREE);
			} else {
				span_detach(c, span, &release);
			}
		}
		spin_unlock_irqrestore(&c->lock, flags);
	}
	release_spans(&release);
	WARN_ONCE(bad && READ_ONCE(sa_report_bad_frees),
		  "spanalloc: %d double free(s) of %u-byte objects caught at their span\n",
		  bad, ci->size);
}
EXPORT_SYMBOL_IF_KUNIT(sa_central_return);

/* Give every class's empty spans back to the page heap (drain, unload). */
void sa_central_release_empty(void)
{
	unsigned int cls;

	for (cls = 1; cls < SA_NR_CACHED; cls++)
		sa_central_release_class(cls);
}
EXPORT_SYMBOL_IF_KUNIT(sa_central_release_empty);

/* One node's part of sa_central_release_class(). */
static unsigned int release_class_node(struct sa_central *c)
{
	struct sa_span *span, *tmp;
	unsigned long flags;
	LIST_HEAD(release);
	unsigned int left;

	central_lock(c, &flags);
	list_for_each_entry_safe(span, tmp, &c->lists[SA_LIST_ALL_FREE], link)
		span_detach(c, span, &release);
	left = c->nr[SA_LIST_PARTIAL] + c->nr[SA_LIST_NONE_FREE];
	spin_unlock_irqrestore(&c->lock, flags);
	release_spans(&release);
	return left;
}

/**
 * sa_central_release_class() - give one class's empty spans to the page heap
 * @cls: the class (a typed cache's, when it is destroyed)
 *
 * Every node's lists.
 * Return: spans the class still holds (partial or full) afterwards.
 */
unsigned int sa_central_release_class(unsigned int cls)
{
	unsigned int left = 0;
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++)
		left += release_class_node(central_of(nid, cls));
	return left;
}
EXPORT_SYMBOL_IF_KUNIT(sa_central_release_class);

/**
 * sa_central_nr_spans() - spans of class @cls on central list @list
 * @cls: size class (or SA_CLASS_TINY)
 * @list: enum sa_span_list
 *
 * Return: the number of spans on that list, every node's.
 */
unsigned int sa_central_nr_spans(unsigned int cls, int list)
{
	unsigned long flags;
	unsigned int n = 0;
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++) {
		struct sa_central *c = central_of(nid, cls);

		spin_lock_irqsave(&c->lock, flags);
		n += c->nr[list];
		spin_unlock_irqrestore(&c->lock, flags);
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(sa_central_nr_spans);

/* Add one node's central list of a class to @st. */
static void central_add_stats(struct sa_central *c, struct sa_central_stats *st)
{
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	st->spans += c->nr[SA_LIST_PARTIAL] + c->nr[SA_LIST_NONE_FREE] + c->nr[SA_LIST_ALL_FREE];
	st->free_objs += c->free_objs;
	st->inuse_objs += c->inuse_objs;
	st->lost_objs += c->lost_objs;
	st->corruptions += c->corruptions;
	st->refused += c->refused;
	st->lock_count += c->lock_count;
	spin_unlock_irqrestore(&c->lock, flags);
}

/**
 * sa_central_read_stats() - counters of one class's central lists
 * @cls: size class (or SA_CLASS_TINY)
 * @st: filled in: every node's summed
 */
void sa_central_read_stats(unsigned int cls, struct sa_central_stats *st)
{
	int nid;

	memset(st, 0, sizeof(*st));
	for (nid = 0; nid < nr_node_ids; nid++)
		central_add_stats(central_of(nid, cls), st);
}
EXPORT_SYMBOL_IF_KUNIT(sa_central_read_stats);

/**
 * sa_central_read_node_stats() - counters of one class's central list on
 * one node
 * @node: the node (below nr_node_ids)
 * @cls: size class (or SA_CLASS_TINY)
 * @st: filled in
 */
void sa_central_read_node_stats(int node, unsigned int cls, struct sa_central_stats *st)
{
	memset(st, 0, sizeof(*st));
	central_add_stats(central_of(node, cls), st);
}
EXPORT_SYMBOL_IF_KUNIT(sa_central_read_node_stats);

/**
 * sa_central_recount() - count a class's free objects span by span
 * @cls: size class (or SA_CLASS_TINY)
 *
 * For tests: what the free_objs counter must equal (every node's), and
 * every span is on its own node's lists (WARN otherwise).
 * Return: the sum of nfree over the class's spans.
 */
u64 sa_central_recount(unsigned int cls)
{
	struct sa_span *span;
	unsigned long flags;
	int l, nid;
	u64 n = 0;

	for (nid = 0; nid < nr_node_ids; nid++) {
		struct sa_central *c = central_of(nid, cls);

		spin_lock_irqsave(&c->lock, flags);
		for (l = SA_LIST_PARTIAL; l <= SA_LIST_ALL_FREE; l++)
			list_for_each_entry(span, &c->lists[l], link) {
				n += span->nfree;
				WARN_ON_ONCE(span->node != nid);
			}
		spin_unlock_irqrestore(&c->lock, flags);
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(sa_central_recount);

/* At unload, after every cache was flushed: free every span, leaked or not. */
static void centrals_free(void)
{
	sa_per_node_free((void **)sa_centrals);
	sa_centrals = NULL;
}

void sa_central_exit(void)
{
	struct sa_span *span, *tmp;
	unsigned int cls;
	int l, nid;

	for (nid = 0; nid < nr_node_ids; nid++) {
		for (cls = 1; cls < SA_NR_CACHED; cls++) {
			struct sa_central *c = central_of(nid, cls);

			for (l = SA_LIST_PARTIAL; l <= SA_LIST_ALL_FREE; l++) {
				list_for_each_entry_safe(span, tmp, &c->lists[l], link) {
					list_del(&span->link);
					span_release(span);
				}
			}
		}
	}
	/* RCU spans (typed caches) still hold their span until their grace period. */
	rcu_barrier();
	centrals_free();
}

/* Every node id's central lists, each on its own node where it has memory. */
int sa_central_init(void)
{
	unsigned int cls;
	int l, nid;

	sa_freelist_random = get_random_long();
	sa_free_random = get_random_long();
	sa_centrals = (struct sa_central **)
		sa_per_node_alloc(array_size(SA_NR_CACHED, sizeof(struct sa_central)));
	if (!sa_centrals)
		return -ENOMEM;
	for (nid = 0; nid < nr_node_ids; nid++) {
		for (cls = 0; cls < SA_NR_CACHED; cls++) {
			struct sa_central *c = central_of(nid, cls);

			spin_lock_init(&c->lock);
			for (l = 0; l <= SA_LIST_ALL_FREE; l++)
				INIT_LIST_HEAD(&c->lists[l]);
		}
	}
	return 0;
}
