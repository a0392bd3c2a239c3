// SPDX-License-Identifier: GPL-2.0
/*
 * page_heap.c - spanalloc's page heap (Go's mheap, TCMalloc's page_heap).
 *
 * What it does: takes blocks of pages ("pieces") from alloc_pages() and runs
 * a buddy allocator over them, splitting and coalescing blocks per order.
 * Spans for the size classes and large objects up to a chunk are cut from
 * it; larger objects go straight to alloc_pages() as compound pages. It maps
 * any address it owns back to its span in O(1), which is how a free finds
 * its span without a size and how foreign pointers are refused.
 *
 * Chunks and pieces: memory is seen as aligned chunks of PAGE_SIZE <<
 * sa_chunk_order bytes (2 MiB). A piece is a naturally aligned block of
 * 2^k pages, k <= sa_chunk_order, so it lies inside one chunk. The heap
 * asks for a whole chunk first, cheaply (__GFP_NORETRY, no reserves, never
 * __GFP_NOFAIL), and when that fails, or the caller may not sleep, for just
 * the order the span needs, with the caller's own reclaim flags: on memory
 * fragmented down to single pages, one-page spans still come. struct
 * sa_chunk describes one chunk and every piece spanalloc holds in it: a
 * per-page span table, the free buddy block each page heads, and the order
 * of the piece each page belongs to; blocks coalesce only up to their
 * piece's order, and a piece that is wholly free goes back to the kernel on
 * its own. Addresses map to chunks by their offset in the linear map from
 * RAM's first page, sa_lpn() (one formula, for lookups and stores alike):
 * a flat table indexed by chunk number covers RAM as it was at load, an
 * xarray anything else (hot-added memory).
 *
 * Locking: one spinlock, sa_heap_lock, irq-safe (spans are cut for
 * allocations made in hardirq context). It is the innermost spanalloc lock:
 * nothing else is taken under it except the xarray's own irq-safe lock, and
 * nothing is allocated under it. Lookups (sa_span_of) take no lock and no
 * RCU read lock: chunk metadata is type-stable (a released chunk's metadata
 * is kept for the next chunk and freed only at unload), so a lookup racing
 * with a release (only a buggy free can) still reads a chunk.
 *
 * What it asks of the level below (the kernel's page allocator): blocks of
 * pages of order up to sa_chunk_order and, for direct objects, compound
 * pages of up to MAX_PAGE_ORDER, never under our lock. The caller's gfp
 * reaches it only through sa_page_gfp(); our metadata is allocated with
 * sa_meta_gfp() (internal.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <linux/vmalloc.h>
#include <linux/jiffies.h>
#include <linux/log2.h>
#include "internal.h"
#include "page_heap.h"
#include <trace/events/spanalloc.h>

#define SA_FREE_NONE	0xff

unsigned int sa_chunk_order = 9;
EXPORT_SYMBOL_IF_KUNIT(sa_chunk_order);

static DEFINE_SPINLOCK(sa_heap_lock);
static DEFINE_XARRAY_FLAGS(sa_chunk_xa, XA_FLAGS_LOCK_IRQ);
void **sa_chunk_map;		/* chunk number -> entry, below sa_map_len */
EXPORT_SYMBOL_IF_KUNIT(sa_chunk_map);
unsigned long sa_map_len;
EXPORT_SYMBOL_IF_KUNIT(sa_map_len);
unsigned long sa_lm_base __ro_after_init;	/* see sa_lpn() */
EXPORT_SYMBOL_IF_KUNIT(sa_lm_base);
static LIST_HEAD(sa_spare_chunks);	/* metadata of released chunks */
static LIST_HEAD(sa_chunks);
static LIST_HEAD(sa_large_spans);	/* live large objects, for unload */
static struct list_head sa_free_lists[MAX_PAGE_ORDER + 1];
static struct kmem_cache *sa_span_cache;

/* Counters, under sa_heap_lock. */
static u64 sa_heap_sys, sa_heap_idle, sa_heap_released, sa_heap_locks;
static u64 sa_nr_chunks, sa_nr_pieces, sa_nr_direct, sa_nr_large, sa_heap_meta;
static u64 sa_free_blocks[MAX_PAGE_ORDER + 1];

/*
 * A free buddy block keeps its list link in its own first bytes; a piece
 * on its way back to the kernel keeps its order there too.
 */
struct sa_free_block {
	struct list_head link;
	unsigned int order;
};

static inline unsigned int chunk_pages(void)
{
	return 1U << sa_chunk_order;
}

static inline void *chunk_page_addr(struct sa_chunk *ch, unsigned int idx)
{
	return sa_lpn_addr(ch->lpn + idx);
}

static inline unsigned int chunk_page_idx(struct sa_chunk *ch, const void *addr)
{
	return sa_lpn(addr) - ch->lpn;
}

static inline void heap_lock(unsigned long *flags)
{
	spin_lock_irqsave(&sa_heap_lock, *flags);
	sa_heap_locks++;
}

static inline void heap_unlock(unsigned long flags)
{
	spin_unlock_irqrestore(&sa_heap_lock, flags);
}

/* Put a block on its free list. Caller holds sa_heap_lock. */
static void block_push(struct sa_chunk *ch, unsigned int idx, unsigned int order)
{
	struct sa_free_block *b = chunk_page_addr(ch, idx);

	lockdep_assert_held(&sa_heap_lock);
	ch->free_order[idx] = order;
	list_add(&b->link, &sa_free_lists[order]);
	sa_free_blocks[order]++;
}

static void block_unlink(struct sa_chunk *ch, unsigned int idx)
{
	struct sa_free_block *b = chunk_page_addr(ch, idx);

	lockdep_assert_held(&sa_heap_lock);
	sa_free_blocks[ch->free_order[idx]]--;
	ch->free_order[idx] = SA_FREE_NONE;
	list_del(&b->link);
}

/* Entry for a chunk number: a chunk, a tagged direct span, or NULL. */
static __always_inline void *entry_load(unsigned long index)
{
	if (likely(index < sa_map_len))
		return READ_ONCE(sa_chunk_map[index]);
	return xa_load(&sa_chunk_xa, index);
}

static struct sa_chunk *chunk_of_addr(const void *addr)
{
	return entry_load(sa_lpn(addr) >> sa_chunk_order);
}

/*
 * Free a block of @order at page @idx of @ch, coalescing with free buddies.
 * Caller holds sa_heap_lock.
 */
static void buddy_free(struct sa_chunk *ch, unsigned int idx, unsigned int order)
{
	unsigned int top = ch->piece_order[idx];

	lockdep_assert_held(&sa_heap_lock);
	ch->free_pages += 1U << order;
	sa_heap_idle += PAGE_SIZE << order;
	while (order < top) {
		unsigned int buddy = idx ^ (1U << order);

		if (ch->free_order[buddy] != order)
			break;
		block_unlink(ch, buddy);
		idx &= ~(1U << order);
		order++;
	}
	block_push(ch, idx, order);
	if (order == top)
		ch->free_since = jiffies;
}

/* Free pages [idx, idx + n) of @ch as maximal aligned blocks. Under lock. */
static void buddy_free_range(struct sa_chunk *ch, unsigned int idx, unsigned int n)
{
	while (n) {
		unsigned int order = idx ? __ffs(idx) : sa_chunk_order;

		order = min_t(unsigned int, order, ch->piece_order[idx]);
		while ((1U << order) > n)
			order--;
		buddy_free(ch, idx, order);
		idx += 1U << order;
		n -= 1U << order;
	}
}

/* Take a block of @order from the free lists, splitting. Under lock. */
static struct sa_chunk *buddy_alloc(unsigned int order, unsigned int *idxp)
{
	unsigned int o;

	lockdep_assert_held(&sa_heap_lock);
	for (o = order; o <= sa_chunk_order; o++) {
		struct sa_free_block *b;
		struct sa_chunk *ch;
		unsigned int idx;

		if (list_empty(&sa_free_lists[o]))
			continue;
		b = list_first_entry(&sa_free_lists[o], struct sa_free_block, link);
		ch = chunk_of_addr(b);
		idx = chunk_page_idx(ch, b);
		block_unlink(ch, idx);
		while (o > order) {
			o--;
			block_push(ch, idx + (1U << o), o);
		}
		ch->free_pages -= 1U << order;
		sa_heap_idle -= PAGE_SIZE << order;
		*idxp = idx;
		return ch;
	}
	return NULL;
}

static int entry_store(unsigned long index, void *entry, gfp_t gfp)
{
	unsigned long flags;
	void *old;

	if (index < sa_map_len) {
		WRITE_ONCE(sa_chunk_map[index], entry);
		return 0;
	}
	if (gfpflags_allow_blocking(gfp))
		return xa_err(xa_store_irq(&sa_chunk_xa, index, entry, gfp));
	xa_lock_irqsave(&sa_chunk_xa, flags);
	old = __xa_store(&sa_chunk_xa, index, entry, gfp);
	xa_unlock_irqrestore(&sa_chunk_xa, flags);
	return xa_err(old);
}

static void entry_erase(unsigned long index)
{
	unsigned long flags;

	if (index < sa_map_len) {
		WRITE_ONCE(sa_chunk_map[index], NULL);
		return;
	}
	xa_lock_irqsave(&sa_chunk_xa, flags);
	__xa_erase(&sa_chunk_xa, index);
	xa_unlock_irqrestore(&sa_chunk_xa, flags);
}

static unsigned int span_table_order(void)
{
	return get_order(chunk_pages() * sizeof(struct sa_span *));
}

static size_t chunk_meta_bytes(void)
{
	return struct_size_t(struct sa_chunk, free_order, 2 * chunk_pages()) +
	       (PAGE_SIZE << span_table_order());
}

/* Metadata for a chunk: a spare one, or a new one. No lock held. */
static struct sa_chunk *chunk_meta_get(gfp_t gfp)
{
	unsigned int n = chunk_pages();
	struct sa_chunk *ch;
	unsigned long flags;

	spin_lock_irqsave(&sa_heap_lock, flags);
	ch = list_first_entry_or_null(&sa_spare_chunks, struct sa_chunk, link);
	if (ch)
		list_del(&ch->link);
	spin_unlock_irqrestore(&sa_heap_lock, flags);
	if (ch)
		return ch;
	ch = kmalloc(struct_size(ch, free_order, 2 * n), gfp);
	if (!ch)
		return NULL;
	/*
	 * The span table is a page (512 pointers) straight from the page
	 * allocator: a slab of 4 KiB objects may need order-1 pages (KASAN,
	 * slab debugging), which fragmented memory cannot give.
	 */
	ch->span_of = (void *)__get_free_pages(gfp | __GFP_ZERO, span_table_order());
	if (!ch->span_of) {
		kfree(ch);
		return NULL;
	}
	ch->piece_order = ch->free_order + n;
	spin_lock_irqsave(&sa_heap_lock, flags);
	sa_heap_meta += chunk_meta_bytes();
	spin_unlock_irqrestore(&sa_heap_lock, flags);
	return ch;
}

/*
 * Pages for the heap: a whole chunk if it comes cheaply and the caller may
 * sleep, else just @need (the span's order) with the caller's flags. Sets
 * *@order to what was got.
 */
static struct page *heap_pages(unsigned int need, gfp_t gfp, unsigned int *order)
{
	gfp_t cheap = (gfp & ~(__GFP_NOFAIL | __GFP_HIGH | __GFP_MEMALLOC)) |
		      __GFP_NOWARN | __GFP_NORETRY | __GFP_NOMEMALLOC;
	struct page *page;

	if (need < sa_chunk_order && gfpflags_allow_blocking(gfp)) {
		page = alloc_pages(cheap, sa_chunk_order);
		if (page) {
			*order = sa_chunk_order;
			return page;
		}
	}
	*order = need;
	return alloc_pages(need < sa_chunk_order ? gfp : gfp | __GFP_NOWARN, need);
}

/*
 * Add a piece of 2^@order pages to the heap, in @ch's chunk, which is on
 * the chunk list already or is made so here. Caller holds sa_heap_lock.
 */
static void piece_add(struct sa_chunk *ch, unsigned int idx, unsigned int order)
{
	lockdep_assert_held(&sa_heap_lock);
	if (!ch->pieces) {
		list_add(&ch->link, &sa_chunks);
		sa_nr_chunks++;
	}
	ch->pieces++;
	sa_nr_pieces++;
	memset(ch->piece_order + idx, order, 1U << order);
	sa_heap_sys += PAGE_SIZE << order;
	buddy_free(ch, idx, order);
}

/**
 * sa_heap_grow() - take a piece of at least 2^@need pages from the kernel
 * @need: the order the caller's span needs
 * @gfp: the caller's flags, as sa_page_gfp() leaves them
 *
 * Context: any the @gfp allows; no spanalloc lock held.
 * Return: 0, or -ENOMEM.
 */
int sa_heap_grow(unsigned int need, gfp_t gfp)
{
	struct sa_chunk *ch, *spare;
	unsigned long flags, lpn, index;
	unsigned int order, idx;
	struct page *page;

	spare = chunk_meta_get(sa_meta_gfp(gfp));
	if (!spare)
		return -ENOMEM;
	page = heap_pages(need, gfp, &order);
	if (!page)
		goto out_spare;
	lpn = sa_lpn(page_address(page));
	index = lpn >> sa_chunk_order;
	if (WARN_ON_ONCE(lpn & ((1UL << order) - 1)))
		goto out_pages;	/* the linear map is not chunk-aligned */
	if (index >= sa_map_len &&
	    xa_reserve_irq(&sa_chunk_xa, index, sa_meta_gfp(gfp)))
		goto out_pages;

	heap_lock(&flags);
	ch = entry_load(index);
	if (!ch) {
		ch = spare;
		spare = NULL;
		ch->lpn = index << sa_chunk_order;
		ch->free_pages = 0;
		ch->pieces = 0;
		memset(ch->free_order, SA_FREE_NONE, 2 * chunk_pages());
		if (index < sa_map_len) {
			WRITE_ONCE(sa_chunk_map[index], ch);
		} else {
			xa_lock(&sa_chunk_xa);
			__xa_store(&sa_chunk_xa, index, ch, GFP_NOWAIT);
			xa_unlock(&sa_chunk_xa);
		}
	}
	idx = lpn - ch->lpn;
	piece_add(ch, idx, order);
	if (spare)
		list_add(&spare->link, &sa_spare_chunks);
	heap_unlock(flags);
	trace_heap_grow(1U << order);
	return 0;

out_pages:
	__free_pages(page, order);
out_spare:
	spin_lock_irqsave(&sa_heap_lock, flags);
	list_add(&spare->link, &sa_spare_chunks);
	spin_unlock_irqrestore(&sa_heap_lock, flags);
	return -ENOMEM;
}
EXPORT_SYMBOL_IF_KUNIT(sa_heap_grow);

/*
 * Take the wholly free piece at page @idx of @ch out of the heap onto
 * @release; a chunk left with no piece leaves the map and its metadata
 * becomes spare (kept: lookups may still read it). Under sa_heap_lock.
 */
static void piece_detach(struct sa_chunk *ch, unsigned int idx, struct list_head *release)
{
	unsigned int order = ch->piece_order[idx];
	struct sa_free_block *b = chunk_page_addr(ch, idx);
	unsigned long index = ch->lpn >> sa_chunk_order;

	lockdep_assert_held(&sa_heap_lock);
	block_unlink(ch, idx);
	memset(ch->piece_order + idx, SA_FREE_NONE, 1U << order);
	ch->free_pages -= 1U << order;
	sa_heap_idle -= PAGE_SIZE << order;
	sa_heap_sys -= PAGE_SIZE << order;
	sa_heap_released += PAGE_SIZE << order;
	sa_nr_pieces--;
	b->order = order;
	list_add(&b->link, release);
	if (--ch->pieces)
		return;
	list_move(&ch->link, &sa_spare_chunks);
	sa_nr_chunks--;
	if (index < sa_map_len) {
		WRITE_ONCE(sa_chunk_map[index], NULL);
	} else {
		xa_lock(&sa_chunk_xa);
		__xa_erase(&sa_chunk_xa, index);
		xa_unlock(&sa_chunk_xa);
	}
}

/**
 * sa_heap_release_free() - give wholly free pieces back to the kernel
 * @keep: chunks' worth of wholly free pieces to keep
 * @idle: only pieces in chunks that last had a piece become wholly free at
 *	least this many jiffies ago (0: all)
 *
 * Context: any.
 * Return: the bytes released.
 */
unsigned long sa_heap_release_free(unsigned int keep, unsigned long idle)
{
	unsigned long keep_pages = (unsigned long)keep << sa_chunk_order;
	unsigned long flags, bytes = 0, kept = 0;
	struct sa_free_block *b, *tmp;
	struct sa_chunk *ch, *next;
	LIST_HEAD(release);
	unsigned int idx, po;

	heap_lock(&flags);
	list_for_each_entry_safe(ch, next, &sa_chunks, link) {
		bool young = idle && time_before(jiffies, ch->free_since + idle);

		idx = 0;
		while (idx < chunk_pages()) {
			po = ch->piece_order[idx];
			if (po == SA_FREE_NONE) {
				idx++;
				continue;
			}
			if (ch->free_order[idx] == po) {
				if (kept < keep_pages || young) {
					kept += 1UL << po;
				} else {
					bytes += PAGE_SIZE << po;
					/* The chunk's last piece takes it off the list. */
					if (ch->pieces == 1) {
						piece_detach(ch, idx, &release);
						break;
					}
					piece_detach(ch, idx, &release);
				}
			}
			idx += 1U << po;
		}
	}
	heap_unlock(flags);

	list_for_each_entry_safe(b, tmp, &release, link) {
		unsigned int order = b->order;

		__free_pages(virt_to_page(b), order);
		trace_heap_release(1U << order);
	}
	return bytes;
}
EXPORT_SYMBOL_IF_KUNIT(sa_heap_release_free);

/**
 * sa_heap_alloc_span() - cut a span of @npages pages from the buddy heap
 * @npages: pages wanted, 1..chunk pages; a power of two for size classes,
 *	any count for large objects (the block's tail goes back to the heap)
 * @kind: SA_SPAN_SMALL (objects of a size class) or SA_SPAN_LARGE (one
 *	large object, counted for the pageheap file)
 * @gfp: allocation flags, used if the heap must grow
 *
 * Context: any; sleeps only if @gfp allows it. No spanalloc lock held.
 * Return: a zeroed span with base, chunk, npages, order and kind set, or
 * NULL.
 */
struct sa_span *sa_heap_alloc_span(unsigned int npages, enum sa_span_kind kind, gfp_t gfp)
{
	unsigned int order = order_base_2(npages), idx, i;
	struct sa_chunk *ch;
	struct sa_span *span;
	unsigned long flags;

	if (WARN_ON_ONCE(!npages || order > sa_chunk_order || kind == SA_SPAN_DIRECT))
		return NULL;
	gfp = sa_page_gfp(gfp);
	span = kmem_cache_zalloc(sa_span_cache, sa_meta_gfp(gfp));
	if (!span)
		return NULL;
	for (;;) {
		heap_lock(&flags);
		ch = buddy_alloc(order, &idx);
		if (ch)
			break;
		heap_unlock(flags);
		if (sa_heap_grow(order, gfp))
			goto fail;
	}
	/* Give back the tail of a block bigger than the span. */
	if (npages != (1U << order))
		buddy_free_range(ch, idx + npages, (1U << order) - npages);
	span->base = chunk_page_addr(ch, idx);
	span->chunk = ch;
	span->npages = npages;
	span->order = order;
	span->kind = kind;
	for (i = 0; i < npages; i++)
		WRITE_ONCE(ch->span_of[idx + i], span);
	sa_heap_meta += sizeof(*span);
	if (kind == SA_SPAN_LARGE) {
		sa_nr_large++;
		list_add(&span->link, &sa_large_spans);
	}
	heap_unlock(flags);
	return span;
fail:
	kmem_cache_free(sa_span_cache, span);
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(sa_heap_alloc_span);

/**
 * sa_heap_free_span() - give a span's pages back to the buddy heap
 * @span: span from sa_heap_alloc_span(); freed by this call
 *
 * Context: any. Takes sa_heap_lock.
 */
void sa_heap_free_span(struct sa_span *span)
{
	struct sa_chunk *ch = span->chunk;
	unsigned int idx, i;
	unsigned long flags;

	idx = chunk_page_idx(ch, span->base);
	heap_lock(&flags);
	for (i = 0; i < span->npages; i++)
		WRITE_ONCE(ch->span_of[idx + i], NULL);
	buddy_free_range(ch, idx, span->npages);
	sa_heap_meta -= sizeof(*span);
	if (span->kind == SA_SPAN_LARGE) {
		sa_nr_large--;
		list_del(&span->link);
	}
	heap_unlock(flags);
	kmem_cache_free(sa_span_cache, span);
}
EXPORT_SYMBOL_IF_KUNIT(sa_heap_free_span);

/**
 * sa_heap_alloc_direct() - a large object straight from alloc_pages()
 * @size: bytes, more than a chunk
 * @gfp: allocation flags
 * @node: node to take the pages from, or %NUMA_NO_NODE
 *
 * Return: a span of kind SA_SPAN_DIRECT, or NULL (WARN unless __GFP_NOWARN
 * when @size is beyond the kernel's largest order).
 */
struct sa_span *sa_heap_alloc_direct(size_t size, gfp_t gfp, int node)
{
	unsigned int order = get_order(size);
	unsigned long first, i, n;
	struct sa_span *span;
	unsigned long flags;
	struct page *page;

	if (order > MAX_PAGE_ORDER) {
		WARN_ONCE(!(gfp & __GFP_NOWARN),
			  "spanalloc: %zu bytes is beyond the largest page order\n", size);
		return NULL;
	}
	span = kmem_cache_zalloc(sa_span_cache, sa_meta_gfp(gfp));
	if (!span)
		return NULL;
	page = alloc_pages_node(node, sa_page_gfp(gfp) | __GFP_COMP, order);
	if (!page)
		goto out_span;
	span->kind = SA_SPAN_DIRECT;
	span->base = page_address(page);
	span->npages = 1U << order;
	span->order = order;
	first = sa_lpn(span->base) >> sa_chunk_order;
	n = max(1UL, (1UL << order) >> sa_chunk_order);
	for (i = 0; i < n; i++) {
		if (entry_store(first + i, xa_tag_pointer(span, SA_XA_DIRECT),
				sa_meta_gfp(gfp))) {
			while (i--)
				entry_erase(first + i);
			goto out_pages;
		}
	}
	heap_lock(&flags);
	sa_heap_sys += PAGE_SIZE << order;
	sa_heap_meta += sizeof(*span);
	sa_nr_direct++;
	list_add(&span->link, &sa_large_spans);
	heap_unlock(flags);
	trace_heap_grow(1UL << order);
	return span;
out_pages:
	__free_pages(page, order);
out_span:
	kmem_cache_free(sa_span_cache, span);
	return NULL;
}

/**
 * sa_heap_free_direct() - free a direct large object and its span
 * @span: span of kind SA_SPAN_DIRECT
 */
void sa_heap_free_direct(struct sa_span *span)
{
	unsigned long first, i, n, flags;
	struct page *page = virt_to_page(span->base);

	first = sa_lpn(span->base) >> sa_chunk_order;
	n = max(1UL, (1UL << span->order) >> sa_chunk_order);
	for (i = 0; i < n; i++)
		entry_erase(first + i);
	heap_lock(&flags);
	sa_heap_sys -= PAGE_SIZE << span->order;
	sa_heap_released += PAGE_SIZE << span->order;
	sa_heap_meta -= sizeof(*span);
	sa_nr_direct--;
	list_del(&span->link);
	heap_unlock(flags);
	__free_pages(page, span->order);
	trace_heap_release(1UL << span->order);
	kmem_cache_free(sa_span_cache, span);
}

/**
 * sa_span_of_slow() - sa_span_of() for addresses outside the table
 * @p: any address
 *
 * Context: any.
 * Return: the span, or NULL if spanalloc does not own @p.
 */
struct sa_span *sa_span_of_slow(const void *p)
{
	unsigned long lpn;
	void *entry;

	if (!virt_addr_valid(p))
		return NULL;
	lpn = sa_lpn(p);
	entry = xa_load(&sa_chunk_xa, lpn >> sa_chunk_order);
	return sa_entry_span(entry, lpn);
}
EXPORT_SYMBOL_IF_KUNIT(sa_span_of_slow);

/**
 * sa_heap_read_stats() - a consistent copy of the page heap's counters
 * @st: filled in
 */
void sa_heap_read_stats(struct sa_heap_stats *st)
{
	unsigned long flags;

	heap_lock(&flags);
	st->sys = sa_heap_sys;
	st->idle = sa_heap_idle;
	st->released = sa_heap_released;
	st->chunks = sa_nr_chunks;
	st->pieces = sa_nr_pieces;
	st->direct = sa_nr_direct;
	st->large = sa_nr_large;
	st->lock_count = sa_heap_locks;
	st->metadata = sa_heap_meta;
	memcpy(st->free_blocks, sa_free_blocks, sizeof(st->free_blocks));
	heap_unlock(flags);
}
EXPORT_SYMBOL_IF_KUNIT(sa_heap_read_stats);

/**
 * sa_heap_free_all_large() - call @fn on every live large object's span
 * @fn: frees the object (at unload: leaked objects)
 */
void sa_heap_free_all_large(void (*fn)(struct sa_span *span))
{
	struct sa_span *span;
	unsigned long flags;

	for (;;) {
		heap_lock(&flags);
		span = list_first_entry_or_null(&sa_large_spans, struct sa_span, link);
		heap_unlock(flags);
		if (!span)
			return;
		fn(span);
	}
}

/**
 * sa_heap_walk_spans() - call @fn on every span cut from the chunks
 * @fn: looks at the span; must not free it or call the heap
 *
 * For unload, when nothing else runs (no lock is held across @fn).
 */
void sa_heap_walk_spans(void (*fn)(struct sa_span *span))
{
	struct sa_chunk *ch;
	unsigned int i;

	list_for_each_entry(ch, &sa_chunks, link) {
		for (i = 0; i < chunk_pages(); i++) {
			struct sa_span *span = ch->span_of[i];

			if (span && span->base == chunk_page_addr(ch, i))
				fn(span);
		}
	}
}

/*
 * The lowest pfn of RAM at load (0 on x86; QEMU's arm64 virt board: 1 GiB
 * up), rounded down to MAX_PAGE_ORDER.
 */
static unsigned long ram_base_pfn(void)
{
	unsigned long pfn = ULONG_MAX;
	int nid;

	for_each_online_node(nid)
		if (node_spanned_pages(nid))
			pfn = min(pfn, node_start_pfn(nid));
	return pfn == ULONG_MAX ? 0 : round_down(pfn, 1UL << MAX_PAGE_ORDER);
}

int sa_heap_init(void)
{
	unsigned int i;

	/*
	 * The table spans RAM, not the linear map from PAGE_OFFSET: on arm64
	 * RAM may be mapped terabytes above it (see sa_lpn()).
	 */
	sa_lm_base = (unsigned long)__va(PFN_PHYS(ram_base_pfn()));
	sa_map_len = ((unsigned long)high_memory - sa_lm_base) >> (PAGE_SHIFT + sa_chunk_order);
	sa_chunk_map = vzalloc(array_size(max(sa_map_len, 1UL), sizeof(void *)));
	if (!sa_chunk_map)
		return -ENOMEM;
	sa_heap_meta = array_size(sa_map_len, sizeof(void *));

	for (i = 0; i <= MAX_PAGE_ORDER; i++)
		INIT_LIST_HEAD(&sa_free_lists[i]);
	/*
	 * Spans are type-safe for RCU: a lock-free lookup racing with the
	 * span's free (only a buggy double free can) still reads a span.
	 */
	sa_span_cache = KMEM_CACHE(sa_span, SLAB_TYPESAFE_BY_RCU);
	if (!sa_span_cache) {
		vfree(sa_chunk_map);
		return -ENOMEM;
	}
	return 0;
}

/* Called at unload after every span was freed: give back every chunk. */
void sa_heap_exit(void)
{
	struct sa_chunk *ch, *tmp;

	sa_heap_release_free(0, 0);
	list_for_each_entry_safe(ch, tmp, &sa_spare_chunks, link) {
		free_pages((unsigned long)ch->span_of, span_table_order());
		kfree(ch);
	}
	WARN(!list_empty(&sa_chunks), "spanalloc: chunks still in use at exit\n");
	kmem_cache_destroy(sa_span_cache);
	vfree(sa_chunk_map);
}
