// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - spanalloc's public API.
 *
 * What it does: routes each request to its level: 1..SPANALLOC_MAX_SMALL_SIZE
 * bytes to a size class through the per-CPU caches (cpu_cache.c), tiny
 * requests to tiny.c, larger ones to whole pages from the page heap
 * (page_heap.c) or, beyond a chunk, straight from alloc_pages. A free finds
 * its span from the address alone. It applies the kernel's init_on_alloc /
 * init_on_free settings as SLUB does, sums the levels' counters into
 * struct spanalloc_memstats, and owns the drain: the order in which a
 * CPU's tiny block, remote buffer and cache are flushed (work items, CPU
 * hotplug).
 *
 * NUMA: a small object of another node than this CPU's goes home through
 * this CPU's remote buffer, and spanalloc_alloc_node() for another node
 * takes its object from that node's lists (both in cpu_cache.c); this file
 * decides which path a request takes, and flushes the remote buffer with
 * the CPU's cache. With one node (the sa_numa_key static key off) neither
 * path exists.
 *
 * Locking: none of its own; no lock is held while calling a level.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/rcupdate.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include "internal.h"
#include "page_heap.h"
#include "central.h"
#include "transfer.h"
#include "cpu_cache.h"
#include "tiny.h"
#include "debug.h"
#include "kcache.h"
#include "main.h"
#include "sites.h"

#include <trace/events/spanalloc.h>

bool sa_report_bad_frees = true;
module_param_named(report_bad_frees, sa_report_bad_frees, bool, 0644);
MODULE_PARM_DESC(report_bad_frees,
		 "WARN (once per kind) on refused frees and refused requests (zone modifiers); they are always counted (default Y)");
EXPORT_SYMBOL_IF_KUNIT(sa_report_bad_frees);

/*
 * The size histogram, for requests no size class counts: tiny and large
 * ones, and debug mode's (whose class may lie in another bucket than the
 * request: @cls, taken back off the class's derived count). Requests a
 * class serves outside debug mode count nothing here (sa_size_count()).
 */
static inline void count_size(size_t size, unsigned int cls)
{
	this_cpu_inc(sa_cpus->stats.sizes[sa_size_bucket(size)]);
	if (cls)
		this_cpu_inc(sa_cpus->stats.sizes_adj[sa_size_bucket(sa_classes[cls].size)]);
}

/*
 * The one rule for zone modifiers: spanalloc's memory comes from every
 * zone's pages mixed, so a request for __GFP_DMA, __GFP_DMA32 or
 * __GFP_HIGHMEM memory cannot be met. It is refused, whatever its size,
 * with a WARN (once) and NULL, as a clear error rather than memory from
 * the wrong zone. Use kmalloc() or the DMA API for such memory.
 */
static __always_inline bool gfp_refused(gfp_t gfp)
{
	if (likely(!(gfp & SA_GFP_ZONES)))
		return false;
	this_cpu_inc(sa_cpus->stats.refused_allocs);
	WARN_ONCE(READ_ONCE(sa_report_bad_frees), "spanalloc: zone modifiers (gfp %pGg) are not supported; use kmalloc\n",
		  &gfp);
	return true;
}

/* Is @p the start of an object of its small span that was handed out? */
static __always_inline bool small_obj_start(struct sa_span *span, const void *p)
{
	return sa_span_obj_handed(span, &sa_classes[span->cls], p);
}

static void *large_alloc(size_t size, gfp_t gfp, int node, unsigned long caller)
{
	size_t room = size, bytes;
	struct sa_span *span;

	if (static_branch_unlikely(&sa_debug_key))
		room += sa_debug_large_extra();
	if (room > (PAGE_SIZE << sa_chunk_order))
		span = sa_heap_alloc_direct(room, gfp, node);
	else
		span = sa_heap_alloc_span_node(DIV_ROUND_UP(room, PAGE_SIZE), SA_SPAN_LARGE,
					       gfp, node);
	if (!span)
		return NULL;
	span->bytes_req = size;
	bytes = (size_t)span->npages << PAGE_SHIFT;
	if (want_init_on_alloc(gfp))
		memset(span->base, 0, bytes);
	if (static_branch_unlikely(&sa_debug_key))
		sa_debug_on_large_alloc(span->base, size, bytes, caller);
	this_cpu_inc(sa_cpus->stats.large_allocs);
	this_cpu_add(sa_cpus->stats.large_bytes, bytes);
	return span->base;
}

/*
 * A small object on its way to the caller: the debug checks, zeroing, or
 * at least its free tag (the first word) cleared.
 */
static __always_inline void small_handout(void *p, unsigned int cls, size_t size,
					  gfp_t gfp, unsigned long caller)
{
	if (static_branch_unlikely(&sa_debug_key))
		sa_debug_on_alloc(p, cls, size, gfp, caller);
	else if (want_init_on_alloc(gfp))
		memset(p, 0, sa_classes[cls].size);
	else
		*(unsigned long *)p = 0;
}

/*
 * A small object on its way back from the client at @caller: refused
 * (false) if it is free already, else checked (debug), wiped
 * (init_on_free) and tagged free.
 */
static __always_inline bool small_takeback(struct sa_span *span, void *p, unsigned long caller)
{
	const struct sa_class *ci = &sa_classes[span->cls];

	if (unlikely(sa_obj_is_free(span, ci, p))) {
		sa_bad_free("double free of %p (%u-byte class)\n", p, ci->size);
		if (static_branch_unlikely(&sa_debug_key))
			sa_debug_double_free(p, span->cls, caller);
		return false;
	}
	if (static_branch_unlikely(&sa_debug_key)) {
		if (!sa_debug_on_free(p, span->cls, caller))
			return false;
	} else if (want_init_on_free()) {
		memset(p, 0, ci->size);
	}
	sa_sites_free(span, p);
	*(unsigned long *)p = sa_free_tag(p);
	return true;
}

/*
 * Every non-tiny allocation goes through here, but for those sa_alloc()'s
 * fast path serves whole; @caller is the client's call site (tracing, the
 * sites table, kmemleak). @node: NUMA_NO_NODE, or the node the object must
 * come from (from another one only when that node is out of memory and
 * @gfp has no __GFP_THISNODE).
 */
static noinline void *sa_alloc_slow(size_t size, gfp_t gfp, int node, unsigned long caller)
{
	unsigned int cls;
	size_t given;
	void *p;

	might_alloc(gfp);
	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (unlikely(gfp_refused(gfp)))
		return NULL;
	cls = 0;
	if (static_branch_unlikely(&sa_debug_key))
		cls = sa_debug_class(size);
	else if (likely(size <= SPANALLOC_MAX_SMALL_SIZE))
		cls = sa_size_class(size);
	if (unlikely(!cls)) {
		p = large_alloc(size, gfp, node, caller);
		given = p ? spanalloc_usable_size(p) : 0;
	} else {
		given = sa_classes[cls].size;
		if (unlikely(sa_node_is_remote(node)))
			p = sa_cache_alloc_node(cls, size, gfp, sa_valid_node(node));
		else
			p = sa_cache_alloc(cls, size, gfp);
		if (likely(p))
			small_handout(p, cls, size, gfp, caller);
	}
	if (likely(p)) {
		if (unlikely(!cls))
			count_size(size, 0);
		else if (static_branch_unlikely(&sa_debug_key))
			count_size(size, cls);
		sa_sites_alloc(p, size, given, caller, gfp);
		trace_alloc(caller, p, size, given, gfp);
	}
	return p;
}

/*
 * sa_alloc()'s object for a caller that may sleep: might_alloc(), after,
 * and its first word cleared; or, under init_on_alloc, all @bytes of it.
 */
static noinline void *sa_alloc_may_sleep(void *p, gfp_t gfp)
{
	*(unsigned long *)p = 0;
	might_alloc(gfp);
	return p;
}

static noinline void *sa_alloc_may_sleep_zero(void *p, gfp_t gfp, size_t bytes)
{
	might_alloc(gfp);
	return memset(p, 0, bytes);
}

/*
 * sa_alloc()'s object when more than the above is to be done: a sites
 * sample (@due), kmemleak, the tracepoint.
 */
static noinline void *sa_alloc_finish(void *p, unsigned int cls, size_t size, gfp_t gfp,
				      unsigned long caller, bool due)
{
	size_t given = sa_classes[cls].size;

	small_handout(p, cls, size, gfp, caller);
	kmemleak_alloc(p, given, 1, gfp);
	if (due)
		sa_sites_sample(p, size, caller, gfp);
	trace_alloc(caller, p, size, given, gfp);
	might_alloc(gfp);
	return p;
}

/*
 * The allocation fast path: a small class, no debug mode, an object on
 * this CPU's stack. It makes tail calls only (the refill and everything
 * else in sa_alloc_slow(), the work a handed-out object may need in
 * sa_alloc_may_sleep[_zero](), sa_alloc_finish() and memset()),
 * so it needs no stack frame: about a dozen instructions fewer per
 * allocation than when those calls were inline. might_alloc() runs after
 * the object is taken, which its checks do not mind.
 */
static __always_inline void *sa_alloc(size_t size, gfp_t gfp, int node, unsigned long caller)
{
	unsigned int cls;
	bool due;
	void *p;

	if (unlikely(size - 1 >= SPANALLOC_MAX_SMALL_SIZE || (gfp & SA_GFP_ZONES) ||
		     node != NUMA_NO_NODE || static_branch_unlikely(&sa_debug_key)))
		return sa_alloc_slow(size, gfp, node, caller);
	cls = sa_size_class(size);
	p = sa_cache_pop(cls, size);
	if (unlikely(!p))
		return sa_alloc_slow(size, gfp, node, caller);
	due = sa_sites_due(size);
	if (unlikely(due || IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) || trace_alloc_enabled()))
		return sa_alloc_finish(p, cls, size, gfp, caller, due);
	if (gfpflags_allow_blocking(gfp)) {
		if (want_init_on_alloc(gfp))
			return sa_alloc_may_sleep_zero(p, gfp, sa_classes[cls].size);
		return sa_alloc_may_sleep(p, gfp);
	}
	if (want_init_on_alloc(gfp))
		return memset(p, 0, sa_classes[cls].size);
	*(unsigned long *)p = 0;
	return p;
}

static void large_free(struct sa_span *span, unsigned long caller)
{
	size_t bytes = (size_t)span->npages << PAGE_SHIFT;

	if (static_branch_unlikely(&sa_debug_key))
		sa_debug_on_large_free(span->base, span->bytes_req, bytes, caller);
	sa_sites_free(span, span->base);
	if (want_init_on_free())
		memset(span->base, 0, bytes);
	this_cpu_inc(sa_cpus->stats.large_frees);
	this_cpu_sub(sa_cpus->stats.large_bytes, bytes);
	if (span->kind == SA_SPAN_DIRECT)
		sa_heap_free_direct(span);
	else
		sa_heap_free_span(span);
}

/**
 * spanalloc_alloc() - allocate memory, like kmalloc()
 * @size: bytes wanted
 * @gfp: allocation flags (GFP_KERNEL, GFP_ATOMIC, __GFP_ZERO, ...)
 *
 * Requests up to %SPANALLOC_MAX_SMALL_SIZE come from a size class (at most
 * 12.5% rounding from 64 bytes up, more below; see the Limits in
 * Documentation/spanalloc.rst); power-of-two sizes up to PAGE_SIZE are
 * naturally aligned, everything else 8-byte aligned. Larger requests get whole pages. Memory is
 * zeroed with __GFP_ZERO or when the kernel runs with init_on_alloc.
 *
 * Context: any context the @gfp allows; GFP_ATOMIC works in hardirq.
 * Return: the memory, %ZERO_SIZE_PTR for @size 0 (not counted as a malloc),
 * or NULL when out of memory or @size is beyond the largest page order.
 */
void *spanalloc_alloc(size_t size, gfp_t gfp)
{
	return sa_alloc(size, gfp, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(spanalloc_alloc);

/**
 * spanalloc_alloc_node() - allocate memory on a node, like kmalloc_node()
 * @size: bytes wanted
 * @gfp: allocation flags; with __GFP_THISNODE the memory is @node's or
 *	the call fails, otherwise it comes from another node only when @node
 *	is out of memory
 * @node: the node wanted, or %NUMA_NO_NODE for the local one (a node that
 *	is not online counts as %NUMA_NO_NODE)
 *
 * An object for another node than this CPU's comes straight from that
 * node's transfer cache or central list (not through this CPU's cache);
 * one for this CPU's node from the CPU cache, as spanalloc_alloc() does.
 * Tiny objects and typed caches' own classes are not placed by node.
 *
 * Context: as spanalloc_alloc().
 * Return: as spanalloc_alloc().
 */
void *spanalloc_alloc_node(size_t size, gfp_t gfp, int node)
{
	return sa_alloc(size, gfp, node, _RET_IP_);
}
EXPORT_SYMBOL_GPL(spanalloc_alloc_node);

/**
 * spanalloc_zalloc() - allocate zeroed memory, like kzalloc()
 * @size: bytes wanted
 * @gfp: allocation flags
 *
 * Context: as spanalloc_alloc().
 * Return: as spanalloc_alloc().
 */
void *spanalloc_zalloc(size_t size, gfp_t gfp)
{
	return sa_alloc(size, gfp | __GFP_ZERO, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(spanalloc_zalloc);

/**
 * spanalloc_alloc_array() - allocate an array, like kmalloc_array()
 * @n: elements
 * @size: bytes per element
 * @gfp: allocation flags
 *
 * Context: as spanalloc_alloc().
 * Return: as spanalloc_alloc(); NULL if @n * @size overflows.
 */
void *spanalloc_alloc_array(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return sa_alloc(bytes, gfp, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(spanalloc_alloc_array);

/**
 * spanalloc_alloc_tiny() - allocate 1..%SPANALLOC_TINY_MAX bytes, packed
 * @size: bytes wanted
 * @gfp: allocation flags
 *
 * Packs the object into a 16-byte block shared with other tiny objects of
 * this CPU, aligned to the largest power of two dividing @size (at most 8):
 * four 4-byte objects take one 16-byte block instead of four 8-byte slots.
 * Free it with spanalloc_free(). Requests above %SPANALLOC_TINY_MAX are
 * served by spanalloc_alloc().
 *
 * Context: as spanalloc_alloc().
 * Return: the memory, %ZERO_SIZE_PTR for @size 0, or NULL.
 */
void *spanalloc_alloc_tiny(size_t size, gfp_t gfp)
{
	void *p;

	/* Debug mode: a size class, for the poison, red zone and tag. */
	if (size > SPANALLOC_TINY_MAX || !size || static_branch_unlikely(&sa_debug_key))
		return sa_alloc(size, gfp, NUMA_NO_NODE, _RET_IP_);
	might_alloc(gfp);
	if (unlikely(gfp_refused(gfp)))
		return NULL;
	p = sa_tiny_alloc(size, gfp);
	if (likely(p)) {
		count_size(size, 0);
		if (want_init_on_alloc(gfp))
			memset(p, 0, size);
		sa_sites_alloc(p, size, size, _RET_IP_, gfp);
		trace_alloc(_RET_IP_, p, size, size, gfp);
	}
	return p;
}
EXPORT_SYMBOL_GPL(spanalloc_alloc_tiny);

/*
 * Every free goes through here but for those sa_free()'s fast path takes
 * whole; @caller is the client's call site (tracing, debug mode's
 * records).
 */
static noinline void sa_free_slow(const void *p, unsigned long caller)
{
	struct sa_span *span;

	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return;
	trace_free(caller, p);
	span = sa_span_of(p);
	if (unlikely(!span)) {
		sa_bad_free("free of %p: not spanalloc memory, or already freed\n", p);
		return;
	}
	if (likely(span->kind == SA_SPAN_SMALL)) {
		unsigned int cls = span->cls;

		if (cls == SA_CLASS_TINY) {
			sa_tiny_free(span, p);
			return;
		}
		if (cls >= SA_CLASS_DYN0) {
			sa_kcache_free_own(span, (void *)p, caller);
			return;
		}
		if (unlikely(!small_obj_start(span, p))) {
			sa_bad_free("free of %p: inside a %u-byte object\n",
				    p, sa_classes[cls].size);
			return;
		}
		if (likely(small_takeback(span, (void *)p, caller))) {
			if (sa_span_is_remote(span))
				sa_cache_free_remote(cls, (void *)p);
			else
				sa_cache_free(cls, (void *)p);
		}
		return;
	}
	if (unlikely(p != span->base)) {
		sa_bad_free("free of %p: inside a %u-page object\n", p, span->npages);
		return;
	}
	large_free(span, caller);
}

/*
 * The free fast path: the start of a handed-out object of a generated
 * class, of this CPU's node, not free already, with no debug mode,
 * init_on_free, sites record, kmemleak or tracepoint to serve. It makes
 * tail calls only (everything else is sa_free_slow(), which checks the
 * object again from the start; a full stack's flush is
 * sa_cache_flush_free()), so it needs no stack frame.
 */
static __always_inline void sa_free(const void *p, unsigned long caller)
{
	struct sa_span *span;
	unsigned int cls;

	if (unlikely(ZERO_OR_NULL_PTR(p) || static_branch_unlikely(&sa_debug_key) ||
		     want_init_on_free() || IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) ||
		     trace_free_enabled()))
		return sa_free_slow(p, caller);
	span = sa_span_of(p);
	if (unlikely(!span || span->kind != SA_SPAN_SMALL))
		return sa_free_slow(p, caller);
	cls = span->cls;
	if (unlikely(cls >= SA_CLASS_TINY || !small_obj_start(span, p) ||
		     sa_obj_is_free(span, &sa_classes[cls], p) || atomic_read(&span->sites) ||
		     sa_span_is_remote(span)))
		return sa_free_slow(p, caller);
	*(unsigned long *)p = sa_free_tag(p);
	sa_cache_free(cls, (void *)p);
}

/**
 * spanalloc_free() - free memory from any spanalloc allocation function
 * @p: the memory; NULL and %ZERO_SIZE_PTR are ignored
 *
 * The object goes to the freeing CPU's cache, whichever CPU allocated it;
 * on a NUMA machine a small object of another node goes home to that node
 * instead (in batches, through the CPU's remote buffer).
 * A pointer spanalloc does not own, a pointer into the middle of an object,
 * a large object freed twice, a tiny object freed twice and a free of the
 * object on top of this CPU's cache (an immediate double free) are refused:
 * counted in bad_frees, reported with a WARN, and nothing is changed.
 *
 * Context: any.
 */
void spanalloc_free(const void *p)
{
	sa_free(p, _RET_IP_);
}
EXPORT_SYMBOL_GPL(spanalloc_free);

/**
 * sa_free_at() - spanalloc_free() for a wrapper (slab_api.c)
 * @p: the memory
 * @caller: the client's call site (tracing, debug mode's records)
 */
void sa_free_at(const void *p, unsigned long caller)
{
	sa_free(p, caller);
}

/**
 * spanalloc_usable_size() - bytes of an object one may use, like ksize()
 * @p: the object
 *
 * For a small object, its class size; for a large one, its pages. For a
 * tiny object, the bytes up to the next live object of its block (at least
 * what was requested; spanalloc does not record the exact request).
 *
 * Context: any.
 * Return: the bytes, or 0 for NULL, %ZERO_SIZE_PTR and pointers that are
 * not the start of a live spanalloc object.
 */
size_t spanalloc_usable_size(const void *p)
{
	struct sa_span *span;

	if (ZERO_OR_NULL_PTR(p))
		return 0;
	span = sa_span_of(p);
	if (!span)
		return 0;
	if (span->kind == SA_SPAN_SMALL) {
		if (span->cls == SA_CLASS_TINY)
			return sa_tiny_usable(span, p);
		if (span->cls >= SA_CLASS_DYN0)
			return sa_kcache_usable(span, p);
		if (!small_obj_start(span, p) ||
		    sa_obj_is_free(span, &sa_classes[span->cls], p))
			return 0;
		if (static_branch_unlikely(&sa_debug_key))
			return sa_debug_usable(p, span->cls);
		return sa_classes[span->cls].size;
	}
	if (p != span->base)
		return 0;
	if (static_branch_unlikely(&sa_debug_key) && (sa_debug_flags & SA_DEBUG_REDZONE))
		return span->bytes_req;
	return (size_t)span->npages << PAGE_SHIFT;
}
EXPORT_SYMBOL_GPL(spanalloc_usable_size);

/**
 * spanalloc_realloc() - resize an object, like krealloc()
 * @p: the object, or NULL to allocate
 * @new_size: bytes wanted; 0 frees @p and returns %ZERO_SIZE_PTR
 * @gfp: allocation flags
 *
 * If @new_size fits in spanalloc_usable_size(@p) the object stays where it
 * is (the bytes past @new_size are zeroed under init_on_alloc or
 * __GFP_ZERO); otherwise a new object is allocated, the usable bytes copied
 * and @p freed. A tiny object keeps the bytes up to its next live neighbour
 * (see spanalloc_usable_size()). On failure @p is left untouched.
 *
 * Context: as spanalloc_alloc().
 * Return: the object, or NULL on failure or when @p is not a spanalloc
 * object.
 */
void *spanalloc_realloc(const void *p, size_t new_size, gfp_t gfp)
{
	return sa_realloc_at(p, new_size, gfp, _RET_IP_);
}
EXPORT_SYMBOL_GPL(spanalloc_realloc);

/**
 * sa_realloc_at() - spanalloc_realloc() for a wrapper (slab_api.c)
 * @p: the object, or NULL
 * @new_size: bytes wanted
 * @gfp: allocation flags
 * @caller: the client's call site, recorded for a new object
 *
 * Return: as spanalloc_realloc().
 */
void *sa_realloc_at(const void *p, size_t new_size, gfp_t gfp, unsigned long caller)
{
	size_t ks;
	void *ret;

	if (ZERO_OR_NULL_PTR(p))
		return sa_alloc(new_size, gfp, NUMA_NO_NODE, caller);
	if (unlikely(gfp_refused(gfp)))
		return NULL;
	if (!new_size) {
		sa_free_at(p, caller);
		return ZERO_SIZE_PTR;
	}
	ks = spanalloc_usable_size(p);
	if (!ks) {
		sa_bad_free("realloc of %p: not a live spanalloc object\n", p);
		return NULL;
	}
	if (ks >= new_size) {
		if (want_init_on_alloc(gfp))
			memset((void *)p + new_size, 0, ks - new_size);
		return (void *)p;
	}
	ret = sa_alloc(new_size, gfp, NUMA_NO_NODE, caller);
	if (!ret)
		return NULL;
	memcpy(ret, p, ks);
	sa_free_at(p, caller);
	return ret;
}

/**
 * sa_alloc_at() - spanalloc_alloc_node() for a wrapper (slab_api.c)
 * @size: bytes wanted
 * @gfp: allocation flags
 * @node: the node wanted, or %NUMA_NO_NODE
 * @caller: the client's call site (the wrapper's _RET_IP_)
 *
 * Return: as spanalloc_alloc_node().
 */
void *sa_alloc_at(size_t size, gfp_t gfp, int node, unsigned long caller)
{
	return sa_alloc(size, gfp, node, caller);
}

/**
 * spanalloc_alloc_bulk() - allocate @nr objects of @size bytes at once
 * @size: bytes per object
 * @gfp: allocation flags
 * @nr: objects wanted
 * @ptrs: array of @nr pointers, filled in
 *
 * Like kmem_cache_alloc_bulk(): all or nothing.
 * Context: as spanalloc_alloc().
 * Return: @nr, or 0 with nothing allocated.
 */
int spanalloc_alloc_bulk(size_t size, gfp_t gfp, size_t nr, void **ptrs)
{
	unsigned int cls;
	size_t i, got;

	if (!size || !nr || unlikely(gfp_refused(gfp)))
		return 0;
	if (size > SPANALLOC_MAX_SMALL_SIZE || nr > INT_MAX ||
	    static_branch_unlikely(&sa_debug_key) || trace_alloc_enabled()) {
		/* One at a time: large objects, debug checks, tracing. */
		for (i = 0; i < nr; i++) {
			ptrs[i] = sa_alloc(size, gfp, NUMA_NO_NODE, _RET_IP_);
			if (unlikely(!ptrs[i])) {
				spanalloc_free_bulk(i, ptrs);
				return 0;
			}
		}
		return nr;
	}
	might_alloc(gfp);
	cls = sa_size_class(size);
	got = sa_cache_alloc_bulk(cls, size, ptrs, nr, gfp);
	for (i = 0; i < got; i++) {
		small_handout(ptrs[i], cls, size, gfp, _RET_IP_);
		sa_sites_alloc(ptrs[i], size, sa_classes[cls].size, _RET_IP_, gfp);
	}
	if (unlikely(got < nr)) {
		spanalloc_free_bulk(got, ptrs);
		return 0;
	}
	return nr;
}
EXPORT_SYMBOL_GPL(spanalloc_alloc_bulk);

/**
 * spanalloc_free_bulk() - free @nr objects
 * @nr: objects
 * @ptrs: the objects, each as spanalloc_free() takes it
 *
 * Runs of small objects of one class are freed together: one pass over
 * this CPU's stack and at most one trip to the central list. Every check
 * spanalloc_free() makes is made; the array's contents are undefined
 * afterwards.
 * Context: any.
 */
void spanalloc_free_bulk(size_t nr, void **ptrs)
{
	size_t i = 0, j, n;

	if (static_branch_unlikely(&sa_debug_key) || trace_free_enabled()) {
		for (; i < nr; i++)
			sa_free_at(ptrs[i], _RET_IP_);
		return;
	}
	while (i < nr) {
		struct sa_span *span = ZERO_OR_NULL_PTR(ptrs[i]) ? NULL : sa_span_of(ptrs[i]);
		unsigned int cls;

		if (!span || span->kind != SA_SPAN_SMALL || span->cls >= SA_CLASS_TINY ||
		    !small_obj_start(span, ptrs[i]) ||
		    (sa_numa() && span->node != numa_mem_id())) {
			/* NULL, large, tiny, bad or another node's: the single path. */
			spanalloc_free(ptrs[i++]);
			continue;
		}
		/* A run of one class: checked and tagged, refused ones left out. */
		cls = span->cls;
		n = 0;
		for (j = i; j < nr; j++) {
			struct sa_span *s = ZERO_OR_NULL_PTR(ptrs[j]) ? NULL : sa_span_of(ptrs[j]);

			if (!s || s->kind != SA_SPAN_SMALL || s->cls != cls ||
			    !small_obj_start(s, ptrs[j]) || s->node != span->node)
				break;
			if (small_takeback(s, ptrs[j], _RET_IP_))
				ptrs[i + n++] = ptrs[j];
		}
		if (n)
			sa_cache_free_bulk(cls, ptrs + i, n);
		i = j;
	}
}
EXPORT_SYMBOL_GPL(spanalloc_free_bulk);

/**
 * spanalloc_read_memstats() - read the heap's counters (Go's ReadMemStats)
 * @ms: filled in; see struct spanalloc_memstats
 *
 * Sums per-CPU counters without stopping the CPUs: exact when quiet.
 * Context: any.
 */
void spanalloc_read_memstats(struct spanalloc_memstats *ms)
{
	struct sa_heap_stats hs;
	unsigned int cls;

	memset(ms, 0, sizeof(*ms));
	/* Objects on their way to another node are still this CPU's. */
	ms->cpu_cached_bytes = sa_cpu_cached_bytes() + sa_cache_remote_bytes();
	ms->tiny_allocs = SA_CPU_SUM(tiny_allocs);
	ms->large_allocs = SA_CPU_SUM(large_allocs);
	ms->bad_frees = SA_CPU_SUM(bad_frees);
	ms->corruptions = SA_CPU_SUM(corruptions);	/* debug checks */
	ms->shrinks = SA_CPU_SUM(shrinks);
	ms->refused_allocs = SA_CPU_SUM(refused_allocs);
	ms->passthrough_frees = SA_CPU_SUM(passthrough_frees);
	ms->rcu_frees = SA_CPU_SUM(rcu_frees);
	ms->rcu_batches = SA_CPU_SUM(rcu_batches);
	ms->mallocs = ms->tiny_allocs + ms->large_allocs;
	ms->frees = SA_CPU_SUM(tiny_frees) + SA_CPU_SUM(large_frees);
	for (cls = 1; cls < SA_NR_CACHED; cls++) {
		u64 mallocs = sa_cls_mallocs(cls), frees = SA_CPU_SUM(cls_frees[cls]);

		ms->heap_alloc += (mallocs - frees) * sa_class_size(cls);
		if (cls == SA_CLASS_TINY)
			continue;
		ms->mallocs += mallocs;
		ms->frees += frees;
	}
	ms->large_bytes = (s64)SA_CPU_SUM(large_bytes);
	ms->heap_alloc += ms->large_bytes;
	for (cls = 1; cls < SA_NR_CACHED; cls++) {
		struct sa_central_stats cs;

		sa_central_read_stats(cls, &cs);
		ms->central_free_bytes += cs.free_objs * sa_class_size(cls);
		ms->corruptions += cs.corruptions;	/* free-list links */
		ms->lost_objects += cs.lost_objs;
		/* Counted as frees by a CPU cache, refused at their span. */
		ms->bad_frees += cs.refused;
		ms->heap_alloc += cs.refused * sa_class_size(cls);
		if (cls != SA_CLASS_TINY)
			ms->frees -= cs.refused;
	}
	ms->live_objects = ms->mallocs - ms->frees;
	sa_heap_read_stats(&hs);
	ms->heap_sys = hs.sys;
	ms->heap_idle = hs.idle;
	ms->heap_inuse = hs.sys - hs.idle;
	ms->heap_released = hs.released;
	ms->transfer_cached_bytes = sa_transfer_bytes();
	ms->metadata_bytes = hs.metadata + sa_cache_metadata_bytes() +
			     sa_transfer_metadata_bytes() + sa_tiny_metadata_bytes();
}
EXPORT_SYMBOL_GPL(spanalloc_read_memstats);

/*
 * Flushing CPUs: the one place that knows the order, a CPU's open tiny
 * block first (a block with no live object then lands in the CPU cache),
 * then the cache: for a drain (work items run by cpu_cache.c) and for a
 * CPU that went offline.
 */
static int sa_cpuhp_state;

static int sa_cpu_dead(unsigned int cpu)
{
	sa_tiny_flush(cpu, SA_FLUSH_DEAD_CPU);
	sa_cache_remote_flush(cpu, SA_FLUSH_DEAD_CPU);
	sa_cache_flush(cpu, SA_FLUSH_DEAD_CPU);
	return 0;
}

/* A drain's first step on each CPU: its tiny block, then its remote buffer. */
static void flush_first(int cpu, enum sa_flush_by by)
{
	sa_tiny_flush(cpu, by);
	sa_cache_remote_flush(cpu, by);
}

static bool first_holds(int cpu)
{
	return sa_tiny_holds_block(cpu) || sa_cache_remote_held(cpu);
}

/**
 * sa_api_flush() - flush every CPU's tiny block, remote buffer and cache,
 * then give every class's empty spans to the page heap
 *
 * The drain sequence, for spanalloc_drain(), the shrinker and the
 * scavenger; the page heap's free pieces are the caller's to release.
 * Context: process context, may sleep.
 */
void sa_api_flush(void)
{
	sa_cache_drain_all(flush_first, first_holds);
	sa_central_release_empty();
}
EXPORT_SYMBOL_IF_KUNIT(sa_api_flush);

/**
 * sa_api_debug_set() - switch debug checks on or off on an empty heap
 * @flags: SA_DEBUG_* flags
 *
 * The red zone changes object layout, so it can only change when no object
 * is live, every cache is drained and no typed cache exists (their classes
 * were chosen for the layout) (the KUnit debug suite uses this; the module
 * parameter sets it at load).
 * Context: process context.
 * Return: 0, or -EBUSY if objects or typed caches are live.
 */
int sa_api_debug_set(unsigned int flags)
{
	struct spanalloc_memstats ms;

	if (sa_kcache_count())
		return -EBUSY;
	spanalloc_drain();
	spanalloc_read_memstats(&ms);
	if (ms.live_objects)
		return -EBUSY;
	sa_debug_enable(flags);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(sa_api_debug_set);

/**
 * spanalloc_drain() - give every free page back to the kernel
 *
 * Flushes every CPU cache to the central lists, returns every wholly free
 * span to the page heap and every wholly free chunk to the kernel (Go's
 * debug.FreeOSMemory). With no live objects, heap_sys is 0 afterwards.
 *
 * Context: process context, interrupts enabled (it sends IPIs).
 */
void spanalloc_drain(void)
{
	might_sleep();
	sa_api_flush();
	sa_heap_release_free(0, 0);
}
EXPORT_SYMBOL_GPL(spanalloc_drain);

/**
 * sa_object_start() - the first byte of the spanalloc object holding @p
 * @p: an address inside a live object (an rcu_head inside it, say)
 *
 * A tiny object is taken to start at @p.
 * Return: the object's start, or @p if spanalloc does not own it.
 */
void *sa_object_start(const void *p)
{
	struct sa_span *span = sa_span_of(p);
	const struct sa_class *ci;
	unsigned long off;

	if (!span)
		return (void *)p;
	if (span->kind != SA_SPAN_SMALL)
		return span->base;
	if (span->cls == SA_CLASS_TINY)
		return (void *)p;
	ci = sa_class_info(span->cls);
	off = (unsigned long)p - (unsigned long)span->base;
	return span->base + (size_t)((u64)off * ci->div_mul >> 32) * ci->size;
}

static void leak_forget(const void *p)
{
	kmemleak_free(p);
}

/*
 * At unload, a leaked small or tiny object leaves kmemleak's view before
 * its page goes back to the kernel (a large one does in large_free()):
 * kmemleak would otherwise scan, and report, memory that is no longer
 * spanalloc's, and stop at the first object the page's next owner
 * registers over it.
 */
static void leak_forget_span(struct sa_span *span)
{
	const struct sa_class *ci;
	unsigned int i;
	void *obj;

	if (span->kind != SA_SPAN_SMALL)
		return;
	if (span->cls == SA_CLASS_TINY) {
		sa_tiny_walk_live(span, leak_forget);
		return;
	}
	ci = sa_class_info(span->cls);
	for (i = 0; i < span->carved; i++) {
		obj = span->base + (size_t)i * ci->size;
		if (!sa_obj_is_free(span, ci, obj))
			kmemleak_free(obj);
	}
}

/**
 * sa_api_report_leaks() - at unload: say what clients left behind, and
 * by whom (the top call sites of sites.c)
 */
void sa_api_report_leaks(void)
{
	struct spanalloc_memstats ms;
	unsigned int cls, shown = 0;

	spanalloc_read_memstats(&ms);
	if (!ms.live_objects)
		return;
	pr_warn("unloading with %llu live objects (%llu bytes) not freed by their owners\n",
		ms.live_objects, ms.heap_alloc);
	for (cls = 1; cls < SA_NR_CLASSES && shown < 8; cls++) {
		u64 live = sa_cls_mallocs(cls) - SA_CPU_SUM(cls_frees[cls]);

		if (!live)
			continue;
		pr_warn("  %llu leaked objects of %u bytes\n", live, sa_classes[cls].size);
		shown++;
	}
	pr_warn("  %llu leaked tiny and %llu leaked large objects; top call sites:\n",
		SA_CPU_SUM(tiny_allocs) - SA_CPU_SUM(tiny_frees),
		SA_CPU_SUM(large_allocs) - SA_CPU_SUM(large_frees));
	sa_sites_report(0, 5, ms.live_objects);
	if (IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		sa_heap_walk_spans(leak_forget_span);
}

/**
 * sa_api_init() - the API's own state: the CPU hotplug callback
 *
 * Return: 0, or a negative errno.
 */
int sa_api_init(void)
{
	int ret;

	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "spanalloc:dead",
					NULL, sa_cpu_dead);
	if (ret < 0)
		return ret;
	sa_cpuhp_state = ret;
	return 0;
}

/**
 * sa_api_free_large() - free a large object's span (leftovers at unload)
 * @span: a large or direct span
 */
void sa_api_free_large(struct sa_span *span)
{
	large_free(span, 0);
}

/**
 * sa_api_exit() - at unload: flush every CPU, then drop the API's state
 */
void sa_api_exit(void)
{
	cpuhp_remove_state_nocalls(sa_cpuhp_state);
	sa_api_flush();
}
