/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every level of spanalloc shares: the span and chunk, the class
 * table (generated and dynamic classes), the free word of a free object,
 * the gfp rules. Each level has its own header (page_heap.h, central.h,
 * cpu_cache.h, tiny.h, debug.h, kcache.h, main.h, rcu_free.h, reclaim.h,
 * debugfs.h) that says what it provides and needs; spanalloc/module.c
 * draws the stack, and scripts/check-layers.py keeps it one-way. Not for
 * client modules: they use include/spanalloc.h.
 *
 * Locks, and the only nesting there is (lockdep checks it in the test
 * kernel; each lock's holder asserts it with lockdep_assert_held()):
 *
 *   lock                       kind, context             guards
 *   sa_kcache_mutex            mutex, process            the typed caches list
 *   sa_sites_mutex (sites)     mutex, process            sites parameters
 *   sa_drain_mutex             mutex, process            one drain at a time
 *   sa_scavenger_lock          mutex, process            scavenger on/off
 *   sa_cc_lock() (cpu_cache)   local lock, irqs off;     a CPU's stacks and
 *                              + preempt off on RT       counters
 *   tiny_lock (tiny)           local lock, as above      a CPU's open block
 *   sa_rcu_cpu.lock            raw spinlock, irqs off    a CPU's RCU batch
 *   sa_transfer.lock           raw spinlock, irq-safe;   a class's transfer
 *     (transfer)               one batch's memcpy        cache array
 *   sa_rec_locks[] (sites)     raw spinlock, irqs off    a bucket of the
 *                                                       sites records
 *   sa_remote.lock (main)      local lock, irqs off      a CPU's objects
 *                                                       on their way home
 *   sa_central.lock            spinlock, irq-safe        a node's class's
 *                                                       spans
 *   sa_heap_node.lock          spinlock, irq-safe        a node's buddy heap
 *     sa_chunk_xa's xa_lock    nests in a heap lock      chunks above the map
 *   sa_spare_lock (page_heap)  spinlock, irq-safe        spare chunk metadata
 *
 * The mutexes are outermost: sa_drain_mutex is held while the drain's
 * work items take the per-CPU, central and heap locks, sa_kcache_mutex and
 * sa_scavenger_lock only around their own state. No spinlock or local
 * lock nests in another but for the xa_lock above: the per-CPU locks hand
 * objects over in arrays and are dropped before the transfer caches are
 * called, the transfer caches copy at most one batch under their lock and
 * call the central lists with it dropped, and the central lists cut and
 * release spans with their lock dropped.
 */
#ifndef _SPANALLOC_INTERNAL_H
#define _SPANALLOC_INTERNAL_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/local_lock.h>
#include <linux/percpu.h>
#include <linux/atomic.h>
#include <linux/jump_label.h>
#include <linux/xarray.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/topology.h>
#include <kunit/visibility.h>
#include <spanalloc.h>
#include "compat.h"
#include "sizeclasses.h"

/*
 * Class numbers: 1..SA_NR_CLASSES-1 are the generated size classes. The tiny
 * allocator's 16-byte blocks live in spans of their own, under the pseudo
 * class SA_CLASS_TINY, so a free can tell a tiny sub-object from a plain
 * 16-byte object by its span alone. SA_NR_DYN classes from SA_CLASS_DYN0 on
 * are given to typed caches that need spans of their own (a constructor,
 * SLAB_TYPESAFE_BY_RCU, an alignment no size class has: see kcache.c); the
 * per-CPU caches and central lists treat them like any other class.
 * SA_NR_CACHED counts them all.
 */
#define SA_CLASS_TINY		SA_NR_CLASSES
#define SA_CLASS_DYN0		(SA_NR_CLASSES + 1)
#define SA_NR_DYN		48
#define SA_NR_CACHED		(SA_CLASS_DYN0 + SA_NR_DYN)
#define SA_DYN_BATCH		16
#define SA_TINY_BLOCK		16

/* Span kinds, in sa_span::kind. */
enum sa_span_kind {
	SA_SPAN_SMALL,		/* objects of one size class */
	SA_SPAN_LARGE,		/* one large object from the page heap */
	SA_SPAN_DIRECT,		/* one large object straight from alloc_pages */
};

/*
 * Which central list a small span is on, in sa_span::list_state, named for
 * its free objects (Go's "full" and "empty" mean the opposite of SLUB's).
 */
enum sa_span_list {
	SA_LIST_OFF,		/* on no list (in a CPU's hands or being cut) */
	SA_LIST_PARTIAL,	/* some objects free */
	SA_LIST_NONE_FREE,	/* every object handed out */
	SA_LIST_ALL_FREE,	/* no object handed out (kept: keep_empty_spans) */
};

struct sa_chunk;
struct seq_file;
struct spanalloc_cache;

/**
 * struct sa_span - a run of pages given to one size class or large object
 *
 * 64 bytes: fields no kind of span needs at once share their place (see
 * the unions), and the chunk is found from @base (sa_span_chunk()).
 *
 * @link: position on the class's central list (small spans) or on the
 *	page heap's list of large objects
 * @rcu: for the grace period before a SLAB_TYPESAFE_BY_RCU span is freed
 *	(it is then on no list)
 * @base: address of the first byte
 * @freelist: obfuscated singly linked list of freed objects (small spans)
 * @bytes_req: requested bytes of a large object
 * @npages: pages in the span (a large object's exact page count)
 * @order: buddy order the span was cut at (small spans; 0 for large)
 * @cls: size class (SA_SPAN_SMALL), 0 otherwise
 * @kind: enum sa_span_kind
 * @list_state: enum sa_span_list
 * @objs: objects the span holds (a class's first span may be smaller)
 * @nfree: objects on @freelist plus objects never handed out
 * @carved: objects handed out at least once (bump pointer)
 * @inuse: objects out of the span: in a CPU cache or live
 * @sites: objects of the span recorded by sites.c (their free looks for
 *	the record only when this is not 0)
 * @node: the NUMA node whose central list and transfer cache the span's
 *	objects go back to (the node they were asked for: their pages are
 *	there unless that node was out of memory); a direct span's page node
 * @tiny_state: per 16-byte block state (tiny spans): see tiny.c
 */
struct sa_span {
	union {
		struct list_head link;
		struct rcu_head rcu;
	};
	void *base;
	union {
		void *freelist;
		size_t bytes_req;
	};
	atomic_t *tiny_state;
	unsigned int npages;
	u8 order;
	u8 cls;
	u8 kind;
	u8 list_state;
	u16 objs;
	u16 nfree;
	u16 carved;
	u16 inuse;
	atomic_t sites;
	u16 node;
};

/**
 * struct sa_chunk - an aligned 2^sa_chunk_order pages of the linear map and
 *	the pieces of it the page heap holds (see page_heap.c)
 * @link: on the page heap's list of chunks (or of spare metadata)
 * @lpn: linear page number (sa_lpn()) of the chunk's first page
 * @node: the NUMA node its pages are on (whose page heap holds them)
 * @free_pages: pages of this chunk on the buddy free lists
 * @pieces: blocks of pages taken from the kernel that lie in this chunk
 * @free_since: jiffies when a piece of the chunk last became wholly free
 * @span_of: per page, the span it belongs to, or NULL
 * @piece_order: per page, order of the piece it is part of, or 0xff when
 *	the page is not the heap's (points into @free_order's allocation)
 * @free_order: per page, order of the free buddy block it heads, or 0xff
 */
struct sa_chunk {
	struct list_head link;
	unsigned long lpn;
	int node;
	unsigned int free_pages;
	unsigned int pieces;
	unsigned long free_since;
	struct sa_span **span_of;
	u8 *piece_order;
	u8 free_order[];
};

/*
 * NUMA (page_heap.c): on when there is more than one node id. Off, every
 * node lookup below is 0 and frees never look at their span's node.
 */
DECLARE_STATIC_KEY_FALSE(sa_numa_key);

static __always_inline bool sa_numa(void)
{
	return IS_ENABLED(CONFIG_NUMA) && static_branch_unlikely(&sa_numa_key);
}

/* This CPU's memory node: the node its allocations are served from. */
static __always_inline int sa_local_node(void)
{
	return sa_numa() ? numa_mem_id() : 0;
}

/*
 * A node asked for by a caller: itself if it is an online node, this
 * CPU's memory node for NUMA_NO_NODE or a node that is not (as SLUB).
 */
static inline int sa_valid_node(int node)
{
	if (!sa_numa())
		return 0;
	if (node < 0 || node >= nr_node_ids || !node_online(node))
		return numa_mem_id();
	return node;
}

/* Linear address of RAM's first page, rounded down to MAX_PAGE_ORDER (page_heap.c). */
extern unsigned long sa_lm_base;

/*
 * Linear page number: a direct-map address's page offset from sa_lm_base,
 * not from PAGE_OFFSET: arm64 may map RAM far above PAGE_OFFSET (KASLR's
 * linear-map randomization; a 52-bit-VA kernel on a CPU without LPA2 maps
 * it 2^52 - 2^48 bytes up). The one formula that maps addresses to chunks,
 * for stores and lookups alike (it is the pfn only where RAM starts at
 * physical 0, as on x86). sa_lm_base's pfn is aligned to MAX_PAGE_ORDER,
 * so a block aligned in pfns is aligned in linear page numbers too.
 */
static __always_inline unsigned long sa_lpn(const void *p)
{
	return ((unsigned long)p - sa_lm_base) >> PAGE_SHIFT;
}

static inline void *sa_lpn_addr(unsigned long lpn)
{
	return (void *)(sa_lm_base + (lpn << PAGE_SHIFT));
}

/*
 * What of a caller's gfp reaches the kernel. Zone modifiers never get here
 * (the API refuses them); __GFP_ZERO, __GFP_ACCOUNT, __GFP_COMP and the like
 * describe the caller's object, not pages shared by many callers.
 *   pages:    the reclaim behaviour (may it sleep, do I/O, enter the fs,
 *             retry, fail, use reserves), __GFP_NOWARN and __GFP_THISNODE
 *             (pages of the node asked for or none);
 *   metadata: the same reclaim behaviour, never a warning of its own.
 */
#define SA_GFP_RECLAIM	(__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HIGH |	\
			 __GFP_NORETRY | __GFP_RETRY_MAYFAIL | __GFP_NOFAIL |	\
			 __GFP_NOMEMALLOC | __GFP_MEMALLOC)

static inline gfp_t sa_page_gfp(gfp_t gfp)
{
	return gfp & (SA_GFP_RECLAIM | __GFP_NOWARN | __GFP_THISNODE);
}

static inline gfp_t sa_meta_gfp(gfp_t gfp)
{
	return (gfp & SA_GFP_RECLAIM) | __GFP_NOWARN;
}

/* Refused frees and requests WARN (once) unless off (main.c's parameter). */
extern bool sa_report_bad_frees;

/* Zone modifiers spanalloc refuses (one documented rule, see main.c). */
#define SA_GFP_ZONES	(__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM)

/**
 * struct sa_dyn_class - a class of a typed cache with spans of its own
 * @ci: size (the slot: object, free word, alignment), objects per span,
 *	span order and batch, as a generated class has them
 * @fp_off: offset of the free word (tag or link) in the slot: just past
 *	the object, so a constructed object or one read under RCU keeps its
 *	bytes while free
 * @ctor: constructor run on every object of a new span, or NULL
 * @rcu: spans go back to the page heap only after an RCU grace period
 *	(SLAB_TYPESAFE_BY_RCU)
 * @owner: the typed cache using the class (kcache.c's), NULL once destroyed
 */
struct sa_dyn_class {
	struct sa_class ci;
	unsigned int fp_off;
	void (*ctor)(void *obj);
	bool rcu;
	struct spanalloc_cache *owner;
};

extern struct sa_dyn_class sa_dyn_classes[SA_NR_DYN];

static inline struct sa_dyn_class *sa_dyn_class(unsigned int cls)
{
	return &sa_dyn_classes[cls - SA_CLASS_DYN0];
}

/* A cached class's table entry (the tiny pseudo class uses the 16-byte one). */
static __always_inline const struct sa_class *sa_class_info(unsigned int cls)
{
	if (likely(cls < SA_NR_CLASSES))
		return &sa_classes[cls];
	if (cls == SA_CLASS_TINY)
		return &sa_classes[SA_TINY_CLASS];
	return &sa_dyn_class(cls)->ci;
}

/* Where a free object of class @cls keeps its free word (tag or link). */
static __always_inline unsigned int sa_fp_off(unsigned int cls)
{
	return likely(cls < SA_CLASS_DYN0) ? 0 : sa_dyn_class(cls)->fp_off;
}

static __always_inline unsigned long *sa_free_word(const void *obj, unsigned int cls)
{
	return (unsigned long *)((unsigned long)obj + sa_fp_off(cls));
}

static inline unsigned int sa_class_size(unsigned int cls)
{
	return sa_class_info(cls)->size;
}

static inline unsigned int sa_class_batch(unsigned int cls)
{
	return sa_class_info(cls)->batch;
}

static inline unsigned int sa_class_span_order(unsigned int cls)
{
	return sa_class_info(cls)->span_order;
}

static inline unsigned int sa_class_objs(unsigned int cls)
{
	return sa_class_info(cls)->objs;
}

/**
 * sa_span_obj_start() - is @p the start of one of @span's objects?
 * @span: a small span
 * @ci: its class
 * @p: an address in or near the span
 *
 * Return: true if @p is the first byte of an object slot of @span.
 */
static __always_inline bool sa_span_obj_start(const struct sa_span *span,
					      const struct sa_class *ci, const void *p)
{
	unsigned long off = (unsigned long)p - (unsigned long)span->base;
	u32 idx;

	if (off >= (unsigned long)span->objs * ci->size)
		return false;
	idx = (u64)off * ci->div_mul >> 32;
	return (unsigned long)idx * ci->size == off;
}

/**
 * sa_span_obj_handed() - is @p the start of an object of @span that was
 * handed out at least once?
 * @span: a small span
 * @ci: its class
 * @p: an address in or near the span
 *
 * The check every free and usable_size makes before trusting @p: the
 * start of a slot, and a slot carved from the span (carved only grows
 * while the span lives, so reading it without the class lock is safe).
 * Return: true if so.
 */
static __always_inline bool sa_span_obj_handed(const struct sa_span *span,
					       const struct sa_class *ci, const void *p)
{
	unsigned long off = (unsigned long)p - (unsigned long)span->base;
	u32 idx;

	if (off >= (unsigned long)span->objs * ci->size)
		return false;
	idx = (u64)off * ci->div_mul >> 32;
	return (unsigned long)idx * ci->size == off && idx < READ_ONCE(span->carved);
}

/*
 * The first word of a free small object. On a central free list it holds
 * the link to the next free object, obfuscated like SLAB_FREELIST_HARDENED
 * (sa_link_encode()); in a CPU cache, the free tag sa_free_tag(); a live
 * object's first word is the caller's and is cleared when it is handed
 * out. A free whose object already carries a link or the tag is a double
 * free wherever the first free went (sa_obj_is_free()): caller data match
 * either by chance with probability about 2^-64.
 */
extern unsigned long sa_freelist_random, sa_free_random;
static inline void *sa_link_encode(void *next, void *slot)
{
	return (void *)((unsigned long)next ^ sa_freelist_random ^
			(unsigned long)slot);
}

static __always_inline unsigned long sa_free_tag(const void *obj)
{
	return (unsigned long)obj ^ sa_free_random;
}

/**
 * sa_obj_is_free() - does a small object carry the marks of a free one?
 * @span: its span
 * @ci: its class
 * @obj: the start of an object of @span
 *
 * Return: true if @obj's free word (its first word, or past the object for
 * typed caches with spans of their own) is its free tag or a valid
 * free-list link: the object is in a cache or on a free list, not live.
 */
static __always_inline bool sa_obj_is_free(const struct sa_span *span,
					   const struct sa_class *ci, const void *obj)
{
	unsigned long w = READ_ONCE(*sa_free_word(obj, span->cls));
	void *next;

	if (w == sa_free_tag(obj))
		return true;
	next = sa_link_encode((void *)w, (void *)obj);
	return !next || sa_span_obj_start(span, ci, next);
}

#endif /* _SPANALLOC_INTERNAL_H */
