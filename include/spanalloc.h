/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spanalloc - a Go/TCMalloc-style memory allocator for kernel modules.
 *
 * Public API. A client module includes this header, builds with
 * ccflags-y += -I<spanalloc>/include and KBUILD_EXTRA_SYMBOLS pointing at
 * spanalloc's Module.symvers, and calls these functions instead of
 * kmalloc()/kfree(). Semantics follow kmalloc's unless stated otherwise.
 */
#ifndef _SPANALLOC_H
#define _SPANALLOC_H

#include <linux/types.h>
#include <linux/gfp.h>

/* Largest request served from a size class; larger ones are whole pages. */
#define SPANALLOC_MAX_SMALL_SIZE	(32 * 1024)
/* Largest request spanalloc_alloc_tiny() packs into shared 16-byte blocks. */
#define SPANALLOC_TINY_MAX		16

/**
 * struct spanalloc_memstats - counters of the whole heap (Go's MemStats)
 * @heap_alloc: bytes in live objects, at their size-class (or page) size;
 *	tiny objects count as the whole 16-byte blocks that hold them, and a
 *	CPU's open tiny block counts until a drain closes it
 * @heap_inuse: bytes in spans given to a size class or a large object
 * @heap_idle: bytes held in the page heap's free lists
 * @heap_sys: bytes currently held from the page allocator (inuse + idle)
 * @heap_released: total bytes given back to the page allocator since load
 * @mallocs: objects allocated since load (tiny, small and large)
 * @frees: objects freed since load
 * @tiny_allocs: objects served by the tiny allocator since load
 * @large_allocs: objects above %SPANALLOC_MAX_SMALL_SIZE since load
 * @bad_frees: frees refused since load: foreign, interior or double
 * @live_objects: objects allocated and not yet freed (mallocs - frees)
 * @cpu_cached_bytes: bytes of free objects held in per-CPU caches (and in
 *	a CPU's remote buffer: objects of another NUMA node on their way home)
 * @central_free_bytes: bytes of free objects in spans on the central lists
 * @transfer_cached_bytes: bytes of free objects held in the transfer caches
 *	(batches on their way from one CPU cache to another)
 * @large_bytes: bytes of large objects (page heap and direct pages)
 * @metadata_bytes: bytes of spanalloc's own bookkeeping, as the kernel
 *	holds them for it (kmalloc sizes, whole pages): span structs, chunk
 *	tables, per-CPU caches and their slots, transfer cache arrays, tiny
 *	block states; not part of @heap_sys
 * @corruptions: damage found: corrupted free-list links (any mode) and, with
 *	the module parameter debug=, writes after free and red-zone overflows
 * @shrinks: times the kernel's shrinker made spanalloc give memory back
 * @refused_allocs: requests refused for their gfp flags (zone modifiers
 *	__GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM: spanalloc does not serve them)
 * @lost_objects: free objects dropped since load because their free list
 *	was found corrupted (never handed out again while their span lives)
 * @passthrough_frees: frees (spanalloc_kfree(), spanalloc_kvfree(),
 *	spanalloc_free_rcu()) of memory spanalloc does not own, handed on to
 *	the kernel's own kfree()/kvfree()
 * @rcu_frees: objects given to spanalloc_free_rcu()
 * @rcu_batches: batches of those sent to call_rcu() (one callback each)
 *
 * The values are sums of per-CPU counters, exact when the system is quiet.
 * At quiescence heap_sys == heap_inuse + heap_idle.
 */
struct spanalloc_memstats {
	u64 heap_alloc;
	u64 heap_inuse;
	u64 heap_idle;
	u64 heap_sys;
	u64 heap_released;
	u64 mallocs;
	u64 frees;
	u64 tiny_allocs;
	u64 large_allocs;
	u64 bad_frees;
	u64 live_objects;
	u64 cpu_cached_bytes;
	u64 central_free_bytes;
	u64 large_bytes;
	u64 metadata_bytes;
	u64 corruptions;
	u64 shrinks;
	u64 refused_allocs;
	u64 lost_objects;
	u64 passthrough_frees;
	u64 rcu_frees;
	u64 rcu_batches;
	u64 transfer_cached_bytes;
};

void *spanalloc_alloc(size_t size, gfp_t gfp);
void *spanalloc_zalloc(size_t size, gfp_t gfp);
void *spanalloc_alloc_array(size_t n, size_t size, gfp_t gfp);
void *spanalloc_realloc(const void *p, size_t new_size, gfp_t gfp);
void *spanalloc_alloc_tiny(size_t size, gfp_t gfp);
void spanalloc_free(const void *p);
size_t spanalloc_usable_size(const void *p);
int spanalloc_alloc_bulk(size_t size, gfp_t gfp, size_t nr, void **ptrs);
void spanalloc_free_bulk(size_t nr, void **ptrs);
void spanalloc_read_memstats(struct spanalloc_memstats *ms);
void spanalloc_drain(void);
void *spanalloc_alloc_node(size_t size, gfp_t gfp, int node);

/* Typed caches, like kmem_cache (spanalloc/kcache.c). */
struct spanalloc_cache;
struct spanalloc_cache *spanalloc_cache_create(const char *name, unsigned int size,
					       unsigned int align, slab_flags_t flags,
					       void (*ctor)(void *obj));
void spanalloc_cache_destroy(struct spanalloc_cache *c);
void *spanalloc_cache_alloc(struct spanalloc_cache *c, gfp_t gfp);
void *spanalloc_cache_alloc_node(struct spanalloc_cache *c, gfp_t gfp, int node);
void spanalloc_cache_free(struct spanalloc_cache *c, void *p);
int spanalloc_cache_alloc_bulk(struct spanalloc_cache *c, gfp_t gfp, size_t nr, void **ptrs);
void spanalloc_cache_free_bulk(struct spanalloc_cache *c, size_t nr, void **ptrs);
unsigned int spanalloc_cache_size(struct spanalloc_cache *c);

static inline void *spanalloc_cache_zalloc(struct spanalloc_cache *c, gfp_t gfp)
{
	return spanalloc_cache_alloc(c, gfp | __GFP_ZERO);
}

/* Frees after an RCU grace period, like kfree_rcu() (spanalloc/rcu_free.c). */
struct rcu_head;
void spanalloc_free_rcu(const void *p, struct rcu_head *head);

/*
 * The kmalloc family for memory that may be the kernel's as well as
 * spanalloc's (spanalloc/slab_api.c): frees of the kernel's memory go to
 * its kfree()/kvfree() and are counted in passthrough_frees.
 */
void spanalloc_kfree(const void *p);
void spanalloc_kvfree(const void *p);
void spanalloc_kfree_sensitive(const void *p);
size_t spanalloc_ksize(const void *p);
void *spanalloc_krealloc(const void *p, size_t new_size, gfp_t gfp);
void *spanalloc_kmemdup(const void *src, size_t len, gfp_t gfp);
void *spanalloc_kvmalloc_node(size_t size, gfp_t gfp, int node);

#endif /* _SPANALLOC_H */
