/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spanalloc internals shared by the levels: per-CPU caches (cpu_cache.c),
 * central lists (central.c), the buddy page heap (page_heap.c), the tiny
 * allocator (tiny.c), the API and module glue (main.c) and debugfs
 * (debugfs.c). Not for client modules: they use include/spanalloc.h.
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

/* Which central list a small span is on, in sa_span::list_state. */
enum sa_span_list {
	SA_LIST_NONE,
	SA_LIST_PARTIAL,
	SA_LIST_FULL,
	SA_LIST_EMPTY,
};

struct sa_chunk;
struct seq_file;
struct spanalloc_cache;

/**
 * struct sa_span - a run of pages given to one size class or large object
 * @link: position on the class's central list (small spans)
 * @base: address of the first byte
 * @chunk: chunk the pages come from (NULL for SA_SPAN_DIRECT)
 * @freelist: obfuscated singly linked list of freed objects
 * @npages: pages in the span (a large object's exact page count)
 * @order: buddy order the span was cut at (small spans; 0 for large)
 * @cls: size class (SA_SPAN_SMALL), 0 otherwise
 * @kind: enum sa_span_kind
 * @list_state: enum sa_span_list
 * @objs: objects the span holds (a class's first span may be smaller)
 * @nfree: objects on @freelist plus objects never handed out
 * @carved: objects handed out at least once (bump pointer)
 * @inuse: objects out of the span: in a CPU cache or live
 * @tiny_state: per 16-byte block state (tiny spans): see tiny.c
 * @bytes_req: requested bytes of a large object
 * @rcu: for the grace period before a SLAB_TYPESAFE_BY_RCU span is freed
 */
struct sa_span {
	struct list_head link;
	void *base;
	struct sa_chunk *chunk;
	void *freelist;
	unsigned int npages;
	u8 order;
	u8 cls;
	u8 kind;
	u8 list_state;
	u16 objs;
	u16 nfree;
	u16 carved;
	u16 inuse;
	atomic_t *tiny_state;
	size_t bytes_req;
	struct rcu_head rcu;
};

/**
 * struct sa_chunk - an aligned 2^sa_chunk_order pages of the linear map and
 *	the pieces of it the page heap holds (see page_heap.c)
 * @link: on the page heap's list of chunks (or of spare metadata)
 * @lpn: linear page number (sa_lpn()) of the chunk's first page
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
	unsigned int free_pages;
	unsigned int pieces;
	unsigned long free_since;
	struct sa_span **span_of;
	u8 *piece_order;
	u8 free_order[];
};

/*
 * Linear page number: a direct-map address's page offset from PAGE_OFFSET.
 * The one formula that maps addresses to chunks, for stores and lookups
 * alike (it equals the pfn only where RAM starts at physical 0).
 */
static __always_inline unsigned long sa_lpn(const void *p)
{
	return ((unsigned long)p - PAGE_OFFSET) >> PAGE_SHIFT;
}

static inline void *sa_lpn_addr(unsigned long lpn)
{
	return (void *)(PAGE_OFFSET + (lpn << PAGE_SHIFT));
}

/*
 * What of a caller's gfp reaches the kernel. Zone modifiers never get here
 * (the API refuses them); __GFP_ZERO, __GFP_ACCOUNT, __GFP_COMP and the like
 * describe the caller's object, not pages shared by many callers.
 *   pages:    the reclaim behaviour (may it sleep, do I/O, enter the fs,
 *             retry, fail, use reserves) and __GFP_NOWARN;
 *   metadata: the same reclaim behaviour, never a warning of its own.
 */
#define SA_GFP_RECLAIM	(__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HIGH |	\
			 __GFP_NORETRY | __GFP_RETRY_MAYFAIL | __GFP_NOFAIL |	\
			 __GFP_NOMEMALLOC | __GFP_MEMALLOC)

static inline gfp_t sa_page_gfp(gfp_t gfp)
{
	return gfp & (SA_GFP_RECLAIM | __GFP_NOWARN);
}

static inline gfp_t sa_meta_gfp(gfp_t gfp)
{
	return (gfp & SA_GFP_RECLAIM) | __GFP_NOWARN;
}

/* Zone modifiers spanalloc refuses (one documented rule, see main.c). */
#define SA_GFP_ZONES	(__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM)

/* Page heap (page_heap.c). */
extern unsigned int sa_chunk_order;
int sa_heap_init(void);
void sa_heap_exit(void);
int sa_heap_grow(unsigned int need, gfp_t gfp);
struct sa_span *sa_heap_alloc_span(unsigned int npages, enum sa_span_kind kind, gfp_t gfp);
void sa_heap_free_span(struct sa_span *span);
struct sa_span *sa_heap_alloc_direct(size_t size, gfp_t gfp, int node);
void sa_heap_free_direct(struct sa_span *span);
struct sa_span *sa_span_of_slow(const void *p);

/* Chunk number -> chunk, or a direct span tagged SA_XA_DIRECT. */
#define SA_XA_DIRECT	1
extern void **sa_chunk_map;
extern unsigned long sa_map_len;

/* The span of linear page @lpn given its chunk table entry. */
static inline struct sa_span *sa_entry_span(void *entry, unsigned long lpn)
{
	struct sa_chunk *ch;

	if (!entry)
		return NULL;
	if (xa_pointer_tag(entry) == SA_XA_DIRECT)
		return xa_untag_pointer(entry);
	ch = entry;
	return READ_ONCE(ch->span_of[lpn - ch->lpn]);
}

/**
 * sa_span_of() - the span owning an address, or NULL if spanalloc does not
 * own it
 * @p: any address
 *
 * O(1) and lock-free: addresses in the direct map as it was at load index a
 * flat table; anything else goes through sa_span_of_slow().
 * Context: any.
 * Return: the span, or NULL.
 */
static __always_inline struct sa_span *sa_span_of(const void *p)
{
	unsigned long lpn = sa_lpn(p);

	if (likely((lpn >> sa_chunk_order) < sa_map_len))
		return sa_entry_span(READ_ONCE(sa_chunk_map[lpn >> sa_chunk_order]), lpn);
	return sa_span_of_slow(p);
}

unsigned long sa_heap_release_free(unsigned int keep, unsigned long idle);

/**
 * struct sa_heap_stats - page heap counters, read under the heap lock
 * @sys: bytes held from the page allocator (chunks and direct objects)
 * @idle: bytes on the buddy free lists
 * @released: bytes given back to the page allocator since load
 * @chunks: chunks with at least one piece held
 * @pieces: blocks of pages held from the page allocator (a whole chunk, or
 *	smaller when memory is fragmented or the caller could not sleep)
 * @direct: large objects served straight by alloc_pages
 * @large: large objects served by the buddy heap
 * @lock_count: times the heap lock was taken
 * @free_blocks: free blocks per buddy order
 * @metadata: bytes of chunk and span bookkeeping
 */
struct sa_heap_stats {
	u64 sys, idle, released;
	u64 chunks, pieces, direct, large, lock_count;
	u64 free_blocks[MAX_PAGE_ORDER + 1];
	u64 metadata;
};

void sa_heap_read_stats(struct sa_heap_stats *st);

/* Central lists (central.c). */
int sa_central_init(void);
void sa_central_exit(void);
int sa_central_fetch(unsigned int cls, void **objs, int nr, gfp_t gfp);
void sa_central_return(unsigned int cls, void **objs, int nr);
void sa_central_release_empty(void);

/**
 * struct sa_central_stats - one class's central list, read under its lock
 * @spans: spans the class holds
 * @free_objs: free objects in those spans
 * @inuse_objs: objects out of the spans (cached or live)
 * @lost_objs: objects dropped with a corrupted free list
 * @corruptions: corrupted free-list links found
 * @lock_count: times the class lock was taken
 */
struct sa_central_stats {
	u64 spans, free_objs, inuse_objs, lost_objs, corruptions, lock_count;
};

void sa_central_read_stats(unsigned int cls, struct sa_central_stats *st);
unsigned int sa_central_nr_spans(unsigned int cls, int list);
unsigned int sa_central_release_class(unsigned int cls);
u64 sa_central_recount(unsigned int cls);
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

/* Per-CPU caches (cpu_cache.c). */
#define SA_SIZE_BUCKETS		24

/**
 * sa_size_bucket() - histogram bucket of a requested size
 * @size: bytes, at least 1
 *
 * Bucket 0 is 1..8 bytes, bucket b holds (4 << b, 8 << b]; the last one
 * everything above.
 *
 * Return: the bucket.
 */
static inline unsigned int sa_size_bucket(size_t size)
{
	unsigned int b;

	if (size <= 8)
		return 0;
	b = fls64(size - 1) - 3;
	return min(b, SA_SIZE_BUCKETS - 1U);
}

/**
 * struct sa_cpu_stats - counters kept per CPU, written only by their CPU
 * @tiny_allocs: tiny objects allocated
 * @tiny_frees: tiny objects freed
 * @large_allocs: large objects allocated
 * @large_frees: large objects freed
 * @large_bytes: change of the bytes of live large objects made on this CPU
 *	(may be negative)
 * @bad_frees: frees refused
 * @refused_allocs: requests refused for their gfp (zone modifiers)
 * @passthrough_frees: frees of the kernel's memory handed on to it
 * @rcu_frees: objects given to spanalloc_free_rcu()
 * @rcu_batches: batches of them sent to call_rcu()
 * @rcu_fallbacks: objects sent one by one (no batch page could be had)
 * @corruptions: damage found by the debug checks (poison, red zone)
 * @shrinks: times the shrinker gave memory back
 * @refills: batches fetched from central lists (each also served one
 *	allocation; every other small allocation was a fast-path hit)
 * @flushes: batches returned to central lists
 * @bulk_fetched: objects spanalloc_alloc_bulk() took straight from central
 *	lists
 * @cls_mallocs: per class, objects allocated (tiny blocks for SA_CLASS_TINY)
 * @cls_frees: per class, objects freed
 * @cls_req: per class, bytes requested by the callers
 * @sizes: histogram of requested sizes, see sa_size_bucket()
 *
 * Totals (mallocs, heap_alloc...) are derived from these when read, so the
 * fast path bumps only the per-class counters.
 */
struct sa_cpu_stats {
	u64 tiny_allocs, tiny_frees, large_allocs, large_frees;
	s64 large_bytes;
	u64 bad_frees, refused_allocs, corruptions, shrinks;
	u64 passthrough_frees, rcu_frees, rcu_batches, rcu_fallbacks;
	u64 refills, flushes, bulk_fetched;
	u64 cls_mallocs[SA_NR_CACHED];
	u64 cls_frees[SA_NR_CACHED];
	u64 cls_req[SA_NR_CACHED];
	u64 sizes[SA_SIZE_BUCKETS];
};

/**
 * struct sa_cc - one class's stack of free objects in one CPU's cache
 * @ct: objects on the stack (bits 0..14), a busy flag (bit 15) and a
 *	transaction id above them, unique to the CPU and moved on by every
 *	change, so a fast path interrupted by another user of the stack fails
 *	its cmpxchg and retries (SLUB's tid, for a stack). Busy is set while a
 *	task writes the slot it claimed for a push: interrupts on the CPU then
 *	leave the stack alone and use the central list directly.
 * @objs: the stack, top at count - 1
 * @cap: capacity of @objs
 * @want: objects the next refill fetches: starts at 2 and doubles with each
 *	refill up to the class's batch (slow start: a class this CPU barely
 *	uses does not hold a whole batch); back to 2 when the cache is drained
 */
struct sa_cc {
	unsigned long ct;
	void **objs;
	u16 cap;
	u16 want;
};

#define SA_CT_COUNT	0x7fffUL
#define SA_CT_BUSY	0x8000UL
#define SA_CT_LOW	0xffffUL	/* count and busy: the bits below the tid */
/* Added to @ct by each change: roundup_pow_of_two(nr_cpu_ids) << 16. */
extern unsigned long sa_tid_step;

static inline unsigned int sa_ct_count(unsigned long ct)
{
	return ct & SA_CT_COUNT;
}

static inline bool sa_ct_busy(unsigned long ct)
{
	return ct & SA_CT_BUSY;
}

/*
 * Slow paths, local lock held and the stack not busy: set a stack's count
 * and move its tid on.
 */
static inline void sa_cc_set_count(struct sa_cc *cc, unsigned int n)
{
	WRITE_ONCE(cc->ct, ((cc->ct & ~SA_CT_LOW) + sa_tid_step) | n);
}

/**
 * struct sa_cpu - a CPU's cache, Go's mcache
 * @lock: local lock (irq-off on !RT) taken by the slow paths and the tiny
 *	allocator; the fast path runs with preemption off and this_cpu
 *	operations (see cpu_cache.h)
 * @cached_bytes: bytes of objects held in @cc
 * @tiny_block: current tiny block, or NULL
 * @tiny_off: next free byte offset in @tiny_block
 * @cc: per class stacks
 * @stats: counters of this CPU
 */
struct sa_cpu {
	local_lock_t lock;
	u64 cached_bytes;
	void *tiny_block;
	unsigned int tiny_off;
	struct sa_cc cc[SA_NR_CACHED];
	struct sa_cpu_stats stats;
};

extern struct sa_cpu __percpu *sa_cpus;
extern unsigned int sa_cpu_cache_kib;
int sa_cpu_cache_init(void);
void sa_cpu_cache_exit(void);
void sa_cache_drain_all(void);
unsigned int sa_cache_alloc_bulk(unsigned int cls, size_t size, void **ptrs, unsigned int nr,
				 gfp_t gfp);
void sa_cache_free_bulk(unsigned int cls, void **objs, unsigned int nr);
unsigned int sa_cache_count(int cpu, unsigned int cls);
unsigned int sa_cache_cap(unsigned int cls);
size_t sa_cache_metadata_bytes(void);
void sa_cpu_cache_free(void);
const struct sa_cpu_stats *sa_read_cpu_stats(int cpu, u64 *cached_objs, u64 *cached_bytes);

/* Tiny allocator (tiny.c). */
void *sa_tiny_alloc(size_t size, gfp_t gfp);
void sa_tiny_free(struct sa_span *span, const void *p);
size_t sa_tiny_usable(struct sa_span *span, const void *p);
void *sa_tiny_detach(struct sa_cpu *c);
int sa_tiny_span_init(struct sa_span *span, gfp_t gfp);

/*
 * A refused free: counted, and reported with a WARN (once per call site and
 * load) unless report_bad_frees is off (KUnit cases that provoke them).
 */
extern bool sa_report_bad_frees;
#define sa_bad_free(fmt, ...)						\
	do {								\
		this_cpu_inc(sa_cpus->stats.bad_frees);			\
		WARN_ONCE(READ_ONCE(sa_report_bad_frees),		\
			  "spanalloc: " fmt, ##__VA_ARGS__);		\
	} while (0)

/*
 * A free refused where its object reached its span (central.c): it was
 * counted as a free when it went into a CPU cache, so it is taken off the
 * frees again.
 */
#define sa_bad_free_late(cls, n, fmt, ...)				\
	do {								\
		unsigned int __sa_n = (n);				\
									\
		this_cpu_sub(sa_cpus->stats.cls_frees[cls], __sa_n);	\
		this_cpu_add(sa_cpus->stats.bad_frees, __sa_n);		\
		WARN_ONCE(READ_ONCE(sa_report_bad_frees),		\
			  "spanalloc: " fmt, ##__VA_ARGS__);		\
	} while (0)

/* Large objects (main.c) and the heap's list of them (page_heap.c). */
void sa_heap_free_all_large(void (*fn)(struct sa_span *span));

/* The API (main.c), for the levels that work on whole objects. */
void *sa_object_start(const void *p);

/* Typed caches (kcache.c). */
void sa_kcache_free_own(struct sa_span *span, void *p);
size_t sa_kcache_usable(struct sa_span *span, const void *p);
void sa_kcache_show(struct seq_file *m);
void sa_kcache_exit(void);

/* Frees after a grace period (rcu_free.c). */
int sa_rcu_free_init(void);
void sa_rcu_free_exit(void);
void sa_rcu_free_flush(void);

/* Shrinker and background scavenger (reclaim.c). */
int sa_reclaim_init(void);
void sa_reclaim_exit(void);
void sa_scavenger_pause(bool pause);

/* Debug mode (debug.c). */
#define SA_DEBUG_POISON		BIT(0)
#define SA_DEBUG_REDZONE	BIT(1)
#define SA_POISON_FREE		0x6b
#define SA_REDZONE		0xbb
#define SA_DEBUG_EXTRA		16	/* red zone (at least 8) + trailer */
DECLARE_STATIC_KEY_FALSE(sa_debug_key);
extern unsigned int sa_debug_flags;
void sa_debug_init(void);
unsigned int sa_debug_class(size_t size);
void sa_debug_on_alloc(void *p, unsigned int cls, size_t size, gfp_t gfp);
bool sa_debug_on_free(void *p, unsigned int cls);
size_t sa_debug_usable(const void *p, unsigned int cls);
int sa_debug_set(unsigned int flags);

/* debugfs (debugfs.c). */
void sa_debugfs_init(void);
void sa_debugfs_exit(void);

#endif /* _SPANALLOC_INTERNAL_H */
