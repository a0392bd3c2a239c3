/* SPDX-License-Identifier: GPL-2.0 */
/*
 * page_heap.h - the page heap (page_heap.c), the lowest level: pieces of
 * pages from the kernel's page allocator, a buddy allocator over them,
 * spans cut from it, large objects, and address -> span lookup.
 *
 * Provides: sa_heap_*() to grow, cut and free spans and direct objects, give
 * free pieces back, read its counters; sa_span_of() for every level above.
 * Requires: the kernel's page allocator only.
 * Locks: one irq-safe spinlock per node's heap, innermost but for the
 * chunk xarray's own lock and sa_spare_lock; lookups take none.
 */
#ifndef _SPANALLOC_PAGE_HEAP_H
#define _SPANALLOC_PAGE_HEAP_H

#include "internal.h"

/* Page heap (page_heap.c). */
extern unsigned int sa_chunk_order;
void **sa_per_node_alloc(size_t bytes);
void sa_per_node_free(void **tbl);
int sa_heap_init(void);
void sa_heap_exit(void);
int sa_heap_grow(unsigned int need, gfp_t gfp);
int sa_heap_grow_node(unsigned int need, gfp_t gfp, int node);
struct sa_span *sa_heap_alloc_span(unsigned int npages, enum sa_span_kind kind, gfp_t gfp);
struct sa_span *sa_heap_alloc_span_node(unsigned int npages, enum sa_span_kind kind,
					gfp_t gfp, int node);
struct sa_span *sa_heap_try_span_node(unsigned int npages, enum sa_span_kind kind,
				      gfp_t gfp, int node);
void sa_heap_free_span(struct sa_span *span);
struct sa_span *sa_heap_alloc_direct(size_t size, gfp_t gfp, int node);
void sa_heap_free_direct(struct sa_span *span);
struct sa_span *sa_span_of_slow(const void *p);
struct sa_chunk *sa_span_chunk(const struct sa_span *span);

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
unsigned long sa_heap_node_release_free(int node, unsigned int keep, unsigned long idle);

/**
 * struct sa_heap_stats - page heap counters, each node's read under its lock
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
void sa_heap_read_node_stats(int node, struct sa_heap_stats *st);

/* Large objects (main.c) and the heap's list of them (page_heap.c). */
void sa_heap_free_all_large(void (*fn)(struct sa_span *span));
void sa_heap_walk_spans(void (*fn)(struct sa_span *span));

#endif /* _SPANALLOC_PAGE_HEAP_H */
