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
 * asks for a whole chunk first, cheaply (no reclaim, compaction or kswapd,
 * no reserves, never __GFP_NOFAIL: cheap_gfp()), and when that fails, or
 * the caller may not sleep, for just the order the span needs, with the
 * caller's own reclaim flags (cheaply again for a span bigger than its
 * class needs: sa_heap_try_span_node()): on memory fragmented down to
 * single pages, one-page spans still come, and nothing stalls in
 * compaction for the bigger ones. struct
 * sa_chunk describes one chunk and every piece spanalloc holds in it: a
 * per-page span table, the free buddy block each page heads, and the order
 * of the piece each page belongs to; blocks coalesce only up to their
 * piece's order, and a piece that is wholly free goes back to the kernel on
 * its own. Addresses map to chunks by their offset in the linear map from
 * RAM's first page, sa_lpn() (one formula, for lookups and stores alike):
 * a flat table indexed by chunk number covers RAM as it was at load, an
 * xarray anything else (hot-added memory).
 *
 * NUMA: one heap per node (struct sa_heap_node: its lock, free lists,
 * chunks, large objects and counters). A heap holds only pages of its own
 * node: a piece goes to the heap of page_to_nid() of its first page, and a
 * chunk (which never straddles nodes: pieces are naturally aligned blocks
 * of at most 2 MiB, and nodes begin on such boundaries) records its node.
 * Spans are cut from the heap of the node asked for; when that heap is
 * empty it grows with alloc_pages_node() on that node, a whole chunk
 * cheaply with __GFP_THISNODE first; the span's order then comes with the
 * caller's flags, which may fall back to another node as the page
 * allocator does, unless the caller passed __GFP_THISNODE. A span cut from
 * another node's heap that way records the node it was asked for
 * (sa_span::node: whose central list it belongs to), and its pages go
 * back to the heap they came from (its chunk's node). On a machine with
 * one node there is one heap, as before.
 *
 * Locking: one spinlock per node, sa_heap_node::lock, irq-safe (spans are
 * cut for allocations made in hardirq context). It is the innermost
 * spanalloc lock: nothing else is taken under it except the xarray's own
 * irq-safe lock (no two node locks nest), and nothing is allocated under
 * it. sa_spare_lock (irq-safe spinlock, innermost too) guards the spare
 * chunk metadata every node shares. Lookups (sa_span_of) take no lock and
 * no RCU read lock: chunk metadata is type-stable (a released chunk's
 * metadata is kept for the next chunk and freed only at unload), so a
 * lookup racing with a release (only a buggy free can) still reads a
 * chunk.
 *
 * What it asks of the level below (the kernel's page allocator): blocks of
 * pages of order up to sa_chunk_order on a given node (alloc_pages_node())
 * and, for direct objects, compound pages of up to MAX_PAGE_ORDER, never
 * under our lock. The caller's gfp
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

DEFINE_STATIC_KEY_FALSE(sa_numa_key);
EXPORT_SYMBOL_IF_KUNIT(sa_numa_key);
static DEFINE_SPINLOCK(sa_spare_lock);	/* guards sa_spare_chunks */
static DEFINE_XARRAY_FLAGS(sa_chunk_xa, XA_FLAGS_LOCK_IRQ);
void **sa_chunk_map;		/* chunk number -> entry, below sa_map_len */
EXPORT_SYMBOL_IF_KUNIT(sa_chunk_map);
unsigned long sa_map_len;
EXPORT_SYMBOL_IF_KUNIT(sa_map_len);
unsigned long sa_lm_base __ro_after_init;	/* see sa_lpn() */
EXPORT_SYMBOL_IF_KUNIT(sa_lm_base);
static LIST_HEAD(sa_spare_chunks);	/* metadata of released chunks */
static struct kmem_cache *sa_span_cache;
/* Bytes of chunk and span bookkeeping (every node's). */
static atomic_long_t sa_heap_meta = ATOMIC_LONG_INIT(0);

/**
 * struct sa_heap_node - the page heap of one NUMA node
 * @lock: guards everything below and the node's chunks' free lists
 * @chunks: chunks with at least one piece held
 * @large_spans: live large objects (and direct ones of this node), for unload
 * @free_lists: free buddy blocks per order
 * @sys: bytes held from the page allocator (pieces and direct objects)
 * @idle: bytes on the free lists
 * @released: bytes given back to the page allocator since load
 * @locks: times @lock was taken
 * @nr_chunks: chunks on @chunks
 * @nr_pieces: pieces held
 * @nr_direct: direct objects
 * @nr_large: large objects cut from the buddy heap
 * @free_blocks: free blocks per order
 */
struct sa_heap_node {
	spinlock_t lock;	/* irq-safe; see the top of this file */
	struct list_head chunks;
	struct list_head large_spans;
	struct list_head free_lists[MAX_PAGE_ORDER + 1];
	u64 sys, idle, released, locks;
	u64 nr_chunks, nr_pieces, nr_direct, nr_large;
	u64 free_blocks[MAX_PAGE_ORDER + 1];
} ____cacheline_aligned_in_smp;

/* One heap per possible node id, below nr_node_ids. */
static struct sa_heap_node **sa_heaps;

static inline struct sa_heap_node *heap_of(int node)
{
	return sa_heaps[node];
}

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

static inline void heap_lock(struct sa_heap_node *h, unsigned long *flags)
	__acquires(&h->lock)
{
	spin_lock_irqsave(&h->lock, *flags);
	h->locks++;
}

static inline void heap_unlock(struct sa_heap_node *h, unsigned long flags)
	__releases(&h->lock)
{
	spin_unlock_irqrestore(&h->lock, flags);
}

/* The heap a chunk's pages belong to. */
static inline struct sa_heap_node *chunk_heap(struct sa_chunk *ch)
{
	return heap_of(ch->node);
}

/* Put a block on its free list. Caller holds the chunk's heap lock. */
static void block_push(struct sa_chunk *ch, unsigned int idx, unsigned int order)
{
	struct sa_free_block *b = chunk_page_addr(ch, idx);
	struct sa_heap_node *h = chunk_heap(ch);

	lockdep_assert_held(&h->lock);
	ch->free_order[idx] = order;
	list_add(&b->link, &h->free_lists[order]);
	h->free_blocks[order]++;
}

static void block_unlink(struct sa_chunk *ch, unsigned int idx)
{
	struct sa_free_block *b = chunk_page_addr(ch, idx);
	struct sa_heap_node *h = chunk_heap(ch);

	lockdep_assert_held(&h->lock);
	h->free_blocks[ch->free_order[idx]]--;
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

/**
 * sa_span_chunk() - the chunk a span's pages come from
 * @span: a span of the buddy heap (SA_SPAN_SMALL or SA_SPAN_LARGE)
 *
 * Spans do not keep it (struct sa_span stays 64 bytes): the chunk table
 * has it, and a chunk's entry stays while any span of it lives.
 * Context: any.
 * Return: the chunk; its node is where the pages are.
 */
struct sa_chunk *sa_span_chunk(const struct sa_span *span)
{
	return chunk_of_addr(span->base);
}
EXPORT_SYMBOL_IF_KUNIT(sa_span_chunk);

/*
 * Free a block of @order at page @idx of @ch, coalescing with free buddies.
 * Caller holds the chunk's heap lock.
 */
static void buddy_free(struct sa_chunk *ch, unsigned int idx, unsigned int order)
{
	unsigned int top = ch->piece_order[idx];
	struct sa_heap_node *h = chunk_heap(ch);

	lockdep_assert_held(&h->lock);
	ch->free_pages += 1U << order;
	h->idle += PAGE_SIZE << order;
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

/* Take a block of @order from @h's free lists, splitting. Under @h's lock. */
static struct sa_chunk *buddy_alloc(struct sa_heap_node *h, unsigned int order,
				    unsigned int *idxp)
{
	unsigned int o;

	lockdep_assert_held(&h->lock);
	for (o = order; o <= sa_chunk_order; o++) {
		struct sa_free_block *b;
		struct sa_chunk *ch;
		unsigned int idx;

		if (list_empty(&h->free_lists[o]))
			continue;
		b = list_first_entry(&h->free_lists[o], struct sa_free_block, link);
		ch = chunk_of_addr(b);
		idx = chunk_page_idx(ch, b);
		block_unlink(ch, idx);
		while (o > order) {
			o--;
			block_push(ch, idx + (1U << o), o);
		}
		ch->free_pages -= 1U << order;
		h->idle -= PAGE_SIZE << order;
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
	return kmalloc_size_roundup(struct_size_t(struct sa_chunk, free_order, 2 * chunk_pages())) +
	       (PAGE_SIZE << span_table_order());
}

/* Metadata for a chunk: a spare one, or a new one. No lock held. */
static struct sa_chunk *chunk_meta_get(gfp_t gfp)
{
	unsigned int n = chunk_pages();
	struct sa_chunk *ch;
	unsigned long flags;

	spin_lock_irqsave(&sa_spare_lock, flags);
	ch = list_first_entry_or_null(&sa_spare_chunks, struct sa_chunk, link);
	if (ch)
		list_del(&ch->link);
	spin_unlock_irqrestore(&sa_spare_lock, flags);
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
	atomic_long_add(chunk_meta_bytes(), &sa_heap_meta);
	return ch;
}

/*
 * Opportunistic requests, as SLUB's higher slab orders are: no direct
 * reclaim or compaction, no kswapd woken, no reserves, no warning. On
 * memory fragmented into single pages each would otherwise stall the
 * caller in compaction that cannot succeed (tests/guest/fragment.sh counts
 * the stalls).
 */
static gfp_t cheap_gfp(gfp_t gfp)
{
	return (gfp & ~(__GFP_NOFAIL | __GFP_HIGH | __GFP_MEMALLOC | __GFP_RECLAIM)) |
	       __GFP_NOWARN | __GFP_NORETRY | __GFP_NOMEMALLOC;
}

/*
 * Pages for @node's heap: a whole chunk of that node if the caller may
 * sleep and it comes without reclaim (cheap_gfp()), else just @need (the
 * span's order) with the caller's flags (another node's pages unless they
 * hold __GFP_THISNODE), or cheaply too if @try (a span bigger than its
 * class needs: the caller falls back to the smallest one). Sets *@order
 * to what was got.
 */
static struct page *heap_pages(int node, unsigned int need, gfp_t gfp, bool try,
			       unsigned int *order)
{
	gfp_t cheap = cheap_gfp(gfp) | __GFP_THISNODE;
	struct page *page;

	if (need < sa_chunk_order && gfpflags_allow_blocking(gfp)) {
		page = alloc_pages_node(node, cheap, sa_chunk_order);
		if (page) {
			*order = sa_chunk_order;
			return page;
		}
	}
	*order = need;
	if (try)
		return alloc_pages_node(node, cheap_gfp(gfp), need);
	return alloc_pages_node(node, need < sa_chunk_order ? gfp : gfp | __GFP_NOWARN, need);
}

/*
 * Add a piece of 2^@order pages to its heap, in @ch's chunk, which is on
 * the heap's chunk list already or is made so here. Caller holds the
 * chunk's heap lock.
 */
static void piece_add(struct sa_chunk *ch, unsigned int idx, unsigned int order)
{
	struct sa_heap_node *h = chunk_heap(ch);

	lockdep_assert_held(&h->lock);
	if (!ch->pieces) {
		list_add(&ch->link, &h->chunks);
		h->nr_chunks++;
	}
	ch->pieces++;
	h->nr_pieces++;
	memset(ch->piece_order + idx, order, 1U << order);
	h->sys += PAGE_SIZE << order;
	buddy_free(ch, idx, order);
}

static void spare_put(struct sa_chunk *ch)
{
	unsigned long flags;

	spin_lock_irqsave(&sa_spare_lock, flags);
	list_add(&ch->link, &sa_spare_chunks);
	spin_unlock_irqrestore(&sa_spare_lock, flags);
}

/*
 * sa_heap_grow_node(), or with @try the piece for a span bigger than its
 * class needs (see heap_pages()).
 */
static int heap_grow(unsigned int need, gfp_t gfp, int node, bool try)
{
	struct sa_chunk *ch, *spare;
	unsigned long flags, lpn, index;
	unsigned int order, idx;
	struct sa_heap_node *h;
	struct page *page;
	int nid;

	spare = chunk_meta_get(sa_meta_gfp(gfp));
	if (!spare)
		return -ENOMEM;
	page = heap_pages(node, need, gfp, try, &order);
	if (!page)
		goto out_spare;
	nid = page_to_nid(page);
	h = heap_of(nid);
	lpn = sa_lpn(page_address(page));
	index = lpn >> sa_chunk_order;
	if (WARN_ON_ONCE(lpn & ((1UL << order) - 1)))
		goto out_pages;	/* the linear map is not chunk-aligned */
	if (index >= sa_map_len &&
	    xa_reserve_irq(&sa_chunk_xa, index, sa_meta_gfp(gfp)))
		goto out_pages;

	heap_lock(h, &flags);
	ch = entry_load(index);
	if (!ch) {
		ch = spare;
		spare = NULL;
		ch->lpn = index << sa_chunk_order;
		ch->node = nid;
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
	/* A chunk lies on one node: its pieces all come from there. */
	WARN_ON_ONCE(ch->node != nid);
	idx = lpn - ch->lpn;
	piece_add(ch, idx, order);
	heap_unlock(h, flags);
	if (spare)
		spare_put(spare);
	trace_heap_grow(1U << order);
	return nid;

out_pages:
	__free_pages(page, order);
out_spare:
	spare_put(spare);
	return -ENOMEM;
}

/**
 * sa_heap_grow_node() - take a piece of at least 2^@need pages from the
 * kernel for @node's heap
 * @need: the order the caller's span needs
 * @gfp: the caller's flags, as sa_page_gfp() leaves them (with
 *	__GFP_THISNODE the piece is @node's or none)
 * @node: the node wanted (a valid node id)
 *
 * The piece goes to the heap of the node its pages are on: @node's unless
 * that node had none to give and the page allocator fell back.
 * Context: any the @gfp allows; no spanalloc lock held.
 * Return: the node whose heap grew, or -ENOMEM.
 */
int sa_heap_grow_node(unsigned int need, gfp_t gfp, int node)
{
	return heap_grow(need, gfp, node, false);
}
EXPORT_SYMBOL_IF_KUNIT(sa_heap_grow_node);

/**
 * sa_heap_grow() - sa_heap_grow_node() for this CPU's memory node
 * @need: the order the caller's span needs
 * @gfp: the caller's flags, as sa_page_gfp() leaves them
 *
 * Context: any the @gfp allows; no spanalloc lock held.
 * Return: 0, or -ENOMEM.
 */
int sa_heap_grow(unsigned int need, gfp_t gfp)
{
	return sa_heap_grow_node(need, gfp, sa_local_node()) < 0 ? -ENOMEM : 0;
}
EXPORT_SYMBOL_IF_KUNIT(sa_heap_grow);

/*
 * Take the wholly free piece at page @idx of @ch out of the heap onto
 * @release; a chunk left with no piece leaves the map and onto @spare
 * (its metadata becomes spare, kept: lookups may still read it). Under
 * the chunk's heap lock.
 */
static void piece_detach(struct sa_chunk *ch, unsigned int idx, struct list_head *release,
			 struct list_head *spare)
{
	unsigned int order = ch->piece_order[idx];
	struct sa_free_block *b = chunk_page_addr(ch, idx);
	unsigned long index = ch->lpn >> sa_chunk_order;
	struct sa_heap_node *h = chunk_heap(ch);

	lockdep_assert_held(&h->lock);
	block_unlink(ch, idx);
	memset(ch->piece_order + idx, SA_FREE_NONE, 1U << order);
	ch->free_pages -= 1U << order;
	h->idle -= PAGE_SIZE << order;
	h->sys -= PAGE_SIZE << order;
	h->released += PAGE_SIZE << order;
	h->nr_pieces--;
	b->order = order;
	list_add(&b->link, release);
	if (--ch->pieces)
		return;
	list_move(&ch->link, spare);
	h->nr_chunks--;
	if (index < sa_map_len) {
		WRITE_ONCE(sa_chunk_map[index], NULL);
	} else {
		xa_lock(&sa_chunk_xa);
		__xa_erase(&sa_chunk_xa, index);
		xa_unlock(&sa_chunk_xa);
	}
}

static unsigned long heap_release_node(struct sa_heap_node *h, unsigned int keep,
				       unsigned long idle);

/**
 * sa_heap_release_free() - give wholly free pieces back to the kernel
 * @keep: chunks' worth of wholly free pieces to keep, per node
 * @idle: only pieces in chunks that last had a piece become wholly free at
 *	least this many jiffies ago (0: all)
 *
 * Context: any.
 * Return: the bytes released.
 */
unsigned long sa_heap_release_free(unsigned int keep, unsigned long idle)
{
	unsigned long bytes = 0;
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++)
		bytes += heap_release_node(heap_of(nid), keep, idle);
	return bytes;
}
EXPORT_SYMBOL_IF_KUNIT(sa_heap_release_free);

/**
 * sa_heap_node_release_free() - sa_heap_release_free() for one node's heap
 * @node: the node
 * @keep: chunks' worth of wholly free pieces to keep
 * @idle: as for sa_heap_release_free()
 *
 * Context: any.
 * Return: the bytes released.
 */
unsigned long sa_heap_node_release_free(int node, unsigned int keep, unsigned long idle)
{
	return heap_release_node(heap_of(node), keep, idle);
}
EXPORT_SYMBOL_IF_KUNIT(sa_heap_node_release_free);

static unsigned long heap_release_node(struct sa_heap_node *h, unsigned int keep,
				       unsigned long idle)
{
	unsigned long keep_pages = (unsigned long)keep << sa_chunk_order;
	unsigned long flags, bytes = 0, kept = 0;
	struct sa_free_block *b, *tmp;
	struct sa_chunk *ch, *next;
	LIST_HEAD(release);
	LIST_HEAD(spare);
	unsigned int idx, po;

	heap_lock(h, &flags);
	list_for_each_entry_safe(ch, next, &h->chunks, link) {
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
						piece_detach(ch, idx, &release, &spare);
						break;
					}
					piece_detach(ch, idx, &release, &spare);
				}
			}
			idx += 1U << po;
		}
	}
	heap_unlock(h, flags);

	if (!list_empty(&spare)) {
		spin_lock_irqsave(&sa_spare_lock, flags);
		list_splice(&spare, &sa_spare_chunks);
		spin_unlock_irqrestore(&sa_spare_lock, flags);
	}
	list_for_each_entry_safe(b, tmp, &release, link) {
		unsigned int order = b->order;

		__free_pages(virt_to_page(b), order);
		trace_heap_release(1U << order);
	}
	return bytes;
}

/* sa_heap_alloc_span_node(), or sa_heap_try_span_node() with @try. */
static struct sa_span *heap_alloc_span(unsigned int npages, enum sa_span_kind kind,
				       gfp_t gfp, int node, bool try)
{
	unsigned int order = order_base_2(npages), idx, i;
	struct sa_heap_node *h;
	struct sa_chunk *ch;
	struct sa_span *span;
	unsigned long flags;
	int nid;

	if (WARN_ON_ONCE(!npages || order > sa_chunk_order || kind == SA_SPAN_DIRECT))
		return NULL;
	node = sa_valid_node(node);
	gfp = sa_page_gfp(gfp);
	span = kmem_cache_zalloc(sa_span_cache, sa_meta_gfp(gfp));
	if (!span)
		return NULL;
	nid = node;
	for (;;) {
		h = heap_of(nid);
		heap_lock(h, &flags);
		ch = buddy_alloc(h, order, &idx);
		if (ch)
			break;
		heap_unlock(h, flags);
		/* Grow on @node; the piece lands where the page allocator found it. */
		nid = heap_grow(order, gfp, node, try);
		if (nid < 0)
			goto fail;
	}
	/* Give back the tail of a block bigger than the span. */
	if (npages != (1U << order))
		buddy_free_range(ch, idx + npages, (1U << order) - npages);
	span->base = chunk_page_addr(ch, idx);
	span->npages = npages;
	span->order = order;
	span->kind = kind;
	span->node = node;
	for (i = 0; i < npages; i++)
		WRITE_ONCE(ch->span_of[idx + i], span);
	if (kind == SA_SPAN_LARGE) {
		h->nr_large++;
		list_add(&span->link, &h->large_spans);
	}
	heap_unlock(h, flags);
	atomic_long_add(sizeof(*span), &sa_heap_meta);
	return span;
fail:
	kmem_cache_free(sa_span_cache, span);
	return NULL;
}

/**
 * sa_heap_alloc_span_node() - cut a span of @npages pages from a node's heap
 * @npages: pages wanted, 1..chunk pages; a power of two for size classes,
 *	any count for large objects (the block's tail goes back to the heap)
 * @kind: SA_SPAN_SMALL (objects of a size class) or SA_SPAN_LARGE (one
 *	large object, counted for the pageheap file)
 * @gfp: allocation flags, used if the heap must grow; with __GFP_THISNODE
 *	the pages are @node's or the call fails
 * @node: the node wanted, or %NUMA_NO_NODE for this CPU's memory node
 *
 * From @node's heap; when it is empty the heap grows on @node, and only
 * when @node has no pages to give (and @gfp allows it) the span comes from
 * the node the page allocator fell back to. The span's node field is
 * @node either way (whose lists the span's objects belong to); its chunk
 * (sa_span_chunk()) says where its pages are.
 * Context: any; sleeps only if @gfp allows it. No spanalloc lock held.
 * Return: a zeroed span with base, npages, order, kind and node set, or
 * NULL.
 */
struct sa_span *sa_heap_alloc_span_node(unsigned int npages, enum sa_span_kind kind,
					gfp_t gfp, int node)
{
	return heap_alloc_span(npages, kind, gfp, node, false);
}
EXPORT_SYMBOL_IF_KUNIT(sa_heap_alloc_span_node);

/**
 * sa_heap_try_span_node() - a span bigger than its class needs, if the
 * pages come cheaply
 * @npages: pages wanted
 * @kind: SA_SPAN_SMALL or SA_SPAN_LARGE
 * @gfp: allocation flags; the pages are asked for without reclaim,
 *	compaction or reserves (SLUB's rule for its higher slab orders)
 * @node: the node wanted, or %NUMA_NO_NODE for this CPU's memory node
 *
 * As sa_heap_alloc_span_node() otherwise. The caller falls back to the
 * smallest span that serves it, with its own flags.
 * Context: as sa_heap_alloc_span_node().
 * Return: the span, or NULL.
 */
struct sa_span *sa_heap_try_span_node(unsigned int npages, enum sa_span_kind kind,
				      gfp_t gfp, int node)
{
	return heap_alloc_span(npages, kind, gfp, node, true);
}
EXPORT_SYMBOL_IF_KUNIT(sa_heap_try_span_node);

/**
 * sa_heap_alloc_span() - sa_heap_alloc_span_node() on this CPU's memory node
 * @npages: pages wanted
 * @kind: SA_SPAN_SMALL or SA_SPAN_LARGE
 * @gfp: allocation flags, used if the heap must grow
 *
 * Context: as sa_heap_alloc_span_node().
 * Return: the span, or NULL.
 */
struct sa_span *sa_heap_alloc_span(unsigned int npages, enum sa_span_kind kind, gfp_t gfp)
{
	return sa_heap_alloc_span_node(npages, kind, gfp, NUMA_NO_NODE);
}
EXPORT_SYMBOL_IF_KUNIT(sa_heap_alloc_span);

/**
 * sa_heap_free_span() - give a span's pages back to the buddy heap
 * @span: span from sa_heap_alloc_span(); freed by this call
 *
 * The pages go back to the heap of the node they are on.
 * Context: any. Takes that heap's lock.
 */
void sa_heap_free_span(struct sa_span *span)
{
	struct sa_chunk *ch = chunk_of_addr(span->base);
	struct sa_heap_node *h = chunk_heap(ch);
	unsigned int idx, i;
	unsigned long flags;

	idx = chunk_page_idx(ch, span->base);
	heap_lock(h, &flags);
	for (i = 0; i < span->npages; i++)
		WRITE_ONCE(ch->span_of[idx + i], NULL);
	buddy_free_range(ch, idx, span->npages);
	if (span->kind == SA_SPAN_LARGE) {
		h->nr_large--;
		list_del(&span->link);
	}
	heap_unlock(h, flags);
	atomic_long_sub(sizeof(*span), &sa_heap_meta);
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
	struct sa_heap_node *h;
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
	page = alloc_pages_node(sa_valid_node(node), sa_page_gfp(gfp) | __GFP_COMP, order);
	if (!page)
		goto out_span;
	span->kind = SA_SPAN_DIRECT;
	span->base = page_address(page);
	span->npages = 1U << order;
	span->order = order;
	span->node = page_to_nid(page);
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
	h = heap_of(span->node);
	heap_lock(h, &flags);
	h->sys += PAGE_SIZE << order;
	h->nr_direct++;
	list_add(&span->link, &h->large_spans);
	heap_unlock(h, flags);
	atomic_long_add(sizeof(*span), &sa_heap_meta);
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
	struct sa_heap_node *h = heap_of(span->node);

	first = sa_lpn(span->base) >> sa_chunk_order;
	n = max(1UL, (1UL << span->order) >> sa_chunk_order);
	for (i = 0; i < n; i++)
		entry_erase(first + i);
	heap_lock(h, &flags);
	h->sys -= PAGE_SIZE << span->order;
	h->released += PAGE_SIZE << span->order;
	h->nr_direct--;
	list_del(&span->link);
	heap_unlock(h, flags);
	atomic_long_sub(sizeof(*span), &sa_heap_meta);
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

/* Add one node's counters to @st (zeroed by the caller). */
static void heap_node_add_stats(struct sa_heap_node *h, struct sa_heap_stats *st)
{
	unsigned long flags;
	unsigned int o;

	heap_lock(h, &flags);
	st->sys += h->sys;
	st->idle += h->idle;
	st->released += h->released;
	st->chunks += h->nr_chunks;
	st->pieces += h->nr_pieces;
	st->direct += h->nr_direct;
	st->large += h->nr_large;
	st->lock_count += h->locks;
	for (o = 0; o <= MAX_PAGE_ORDER; o++)
		st->free_blocks[o] += h->free_blocks[o];
	heap_unlock(h, flags);
}

/**
 * sa_heap_read_stats() - the page heap's counters, every node's summed
 * @st: filled in; each node's are consistent (read under its lock)
 */
void sa_heap_read_stats(struct sa_heap_stats *st)
{
	int nid;

	memset(st, 0, sizeof(*st));
	for (nid = 0; nid < nr_node_ids; nid++)
		heap_node_add_stats(heap_of(nid), st);
	st->metadata = max(atomic_long_read(&sa_heap_meta), 0L);
}
EXPORT_SYMBOL_IF_KUNIT(sa_heap_read_stats);

/**
 * sa_heap_read_node_stats() - one node's page heap counters
 * @node: the node (below nr_node_ids)
 * @st: filled in (metadata is not per node: 0)
 */
void sa_heap_read_node_stats(int node, struct sa_heap_stats *st)
{
	memset(st, 0, sizeof(*st));
	heap_node_add_stats(heap_of(node), st);
}
EXPORT_SYMBOL_IF_KUNIT(sa_heap_read_node_stats);

/**
 * sa_heap_free_all_large() - call @fn on every live large object's span
 * @fn: frees the object (at unload: leaked objects)
 */
void sa_heap_free_all_large(void (*fn)(struct sa_span *span))
{
	struct sa_heap_node *h;
	struct sa_span *span;
	unsigned long flags;
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++) {
		h = heap_of(nid);
		for (;;) {
			heap_lock(h, &flags);
			span = list_first_entry_or_null(&h->large_spans, struct sa_span, link);
			heap_unlock(h, flags);
			if (!span)
				break;
			fn(span);
		}
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
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++) {
		list_for_each_entry(ch, &heap_of(nid)->chunks, link) {
			for (i = 0; i < chunk_pages(); i++) {
				struct sa_span *span = ch->span_of[i];

				if (span && span->base == chunk_page_addr(ch, i))
					fn(span);
			}
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

/**
 * sa_per_node_free() - free a table sa_per_node_alloc() made
 * @tbl: the table, or NULL
 */
void sa_per_node_free(void **tbl)
{
	int nid;

	if (!tbl)
		return;
	for (nid = 0; nid < nr_node_ids; nid++)
		kvfree(tbl[nid]);
	kfree(tbl);
}

/**
 * sa_per_node_alloc() - a table of one zeroed block per node id
 * @bytes: size of each node's block
 *
 * Each block lies on its own node where that node has memory, anywhere
 * otherwise: the page heaps, central lists and transfer caches per node.
 * Context: process context, may sleep.
 * Return: nr_node_ids pointers (free with sa_per_node_free()), or NULL
 * when memory ran out.
 */
void **sa_per_node_alloc(size_t bytes)
{
	void **tbl = kcalloc(nr_node_ids, sizeof(*tbl), GFP_KERNEL);
	int nid;

	if (!tbl)
		return NULL;
	for (nid = 0; nid < nr_node_ids; nid++) {
		tbl[nid] = kvzalloc_node(bytes, GFP_KERNEL,
					 node_state(nid, N_MEMORY) ? nid : NUMA_NO_NODE);
		if (!tbl[nid]) {
			sa_per_node_free(tbl);
			return NULL;
		}
	}
	return tbl;
}

static void heaps_free(void)
{
	sa_per_node_free((void **)sa_heaps);
	sa_heaps = NULL;
}

/* One heap per node id; each on its own node where it has memory. */
static int heaps_alloc(void)
{
	unsigned int i;
	int nid;

	sa_heaps = (struct sa_heap_node **)sa_per_node_alloc(sizeof(struct sa_heap_node));
	if (!sa_heaps)
		return -ENOMEM;
	for (nid = 0; nid < nr_node_ids; nid++) {
		struct sa_heap_node *h = sa_heaps[nid];

		spin_lock_init(&h->lock);
		INIT_LIST_HEAD(&h->chunks);
		INIT_LIST_HEAD(&h->large_spans);
		for (i = 0; i <= MAX_PAGE_ORDER; i++)
			INIT_LIST_HEAD(&h->free_lists[i]);
	}
	return 0;
}

int sa_heap_init(void)
{
	size_t map_bytes;

	/*
	 * The table spans RAM, not the linear map from PAGE_OFFSET: on arm64
	 * RAM may be mapped terabytes above it (see sa_lpn()).
	 */
	sa_lm_base = (unsigned long)__va(PFN_PHYS(ram_base_pfn()));
	sa_map_len = ((unsigned long)high_memory - sa_lm_base) >> (PAGE_SHIFT + sa_chunk_order);
	map_bytes = array_size(max(sa_map_len, 1UL), sizeof(void *));
	sa_chunk_map = vzalloc(map_bytes);
	if (!sa_chunk_map)
		return -ENOMEM;
	atomic_long_set(&sa_heap_meta, PAGE_ALIGN(map_bytes));
	if (heaps_alloc()) {
		vfree(sa_chunk_map);
		return -ENOMEM;
	}
	/*
	 * Spans are type-safe for RCU: a lock-free lookup racing with the
	 * span's free (only a buggy double free can) still reads a span.
	 */
	BUILD_BUG_ON(sizeof(struct sa_span) > 64);
	sa_span_cache = KMEM_CACHE(sa_span, SLAB_TYPESAFE_BY_RCU);
	if (!sa_span_cache) {
		heaps_free();
		vfree(sa_chunk_map);
		return -ENOMEM;
	}
	/* More than one node: frees look at their span's node (main.c). */
	if (nr_node_ids > 1)
		static_branch_enable(&sa_numa_key);
	return 0;
}

/* Called at unload after every span was freed: give back every chunk. */
void sa_heap_exit(void)
{
	struct sa_chunk *ch, *tmp;
	int nid;

	static_branch_disable(&sa_numa_key);
	sa_heap_release_free(0, 0);
	list_for_each_entry_safe(ch, tmp, &sa_spare_chunks, link) {
		free_pages((unsigned long)ch->span_of, span_table_order());
		kfree(ch);
	}
	for (nid = 0; nid < nr_node_ids; nid++)
		WARN(!list_empty(&heap_of(nid)->chunks),
		     "spanalloc: chunks of node %d still in use at exit\n", nid);
	heaps_free();
	kmem_cache_destroy(sa_span_cache);
	vfree(sa_chunk_map);
}
