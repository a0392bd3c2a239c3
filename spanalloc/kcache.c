// SPDX-License-Identifier: GPL-2.0
/*
 * kcache.c - spanalloc's typed caches: kmem_cache semantics on the same
 * levels (per-CPU caches, central lists, page heap), no second allocator.
 *
 * What it does: spanalloc_cache_create() gives a cache one of two homes.
 *   - merged: no constructor, no SLAB_TYPESAFE_BY_RCU, and a size class
 *     whose objects already have the alignment asked for (the class of the
 *     size rounded up to the alignment, when that class's size is a
 *     multiple of it). The cache shares that class's spans, as SLUB merges
 *     caches: it costs no memory of its own.
 *   - own class: one of the SA_NR_DYN dynamic classes (struct
 *     sa_dyn_class): a slot of the object's size, then the free word (so a
 *     free object keeps its constructed bytes, and an RCU reader never sees
 *     a link where its fields were), rounded up to the alignment. New spans
 *     of the class run the constructor on every object (SLUB's rule: once
 *     per object, not per allocation); spans of an RCU class go back to the
 *     page heap after a grace period while objects are reused at once. Both
 *     are span hooks (struct sa_span_ops) registered with the central
 *     lists.
 * init_on_alloc does not zero objects of a cache with a constructor or
 * RCU, init_on_free does not wipe them (SLUB's rules); __GFP_ZERO zeroes
 * them, and with a constructor is a caller error that WARNs once.
 * Destroying a cache with live objects names it and the count; their
 * memory stays (an own class is never reused while it has spans).
 *
 * Locking: sa_kcache_mutex guards the list of caches and the dynamic class
 * table's assignment (process context). Allocation and free take no lock
 * here; each cache counts its objects in per-CPU counters.
 *
 * What it asks of the level below (cpu_cache.c, central.c): objects of a
 * class through sa_cache_alloc()/sa_cache_free(); the central lists call
 * the dynamic class's constructor and RCU rule through struct sa_dyn_class
 * without knowing about caches.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/log2.h>
#include <linux/cache.h>
#include <kunit/visibility.h>
#include "internal.h"
#include "page_heap.h"
#include "central.h"
#include "cpu_cache.h"
#include "sites.h"
#include "debug.h"
#include "kcache.h"

/**
 * struct sa_kcache_pcpu - a cache's counters on one CPU
 * @allocs: objects allocated
 * @frees: objects freed
 */
struct sa_kcache_pcpu {
	u64 allocs, frees;
};

/**
 * struct spanalloc_cache - a typed cache (opaque to clients)
 * @link: on sa_kcaches
 * @name: the name given at creation (copied)
 * @size: object size asked for
 * @align: alignment the objects get
 * @flags: SLAB_* flags kept (SLAB_TYPESAFE_BY_RCU, SLAB_HWCACHE_ALIGN)
 * @ctor: constructor, or NULL
 * @cls: the class: a size class (merged) or a dynamic one
 * @own: @cls is a dynamic class of this cache's own
 * @pcpu: counters
 */
struct spanalloc_cache {
	struct list_head link;
	const char *name;
	unsigned int size, align;
	slab_flags_t flags;
	void (*ctor)(void *obj);
	unsigned int cls;
	bool own;
	struct sa_kcache_pcpu __percpu *pcpu;
};

static DEFINE_MUTEX(sa_kcache_mutex);
static LIST_HEAD(sa_kcaches);
/*
 * Dynamic classes in use, or kept for a destroyed cache's leftovers. The
 * table itself lives with the class table everything shares (central.c).
 */
static DECLARE_BITMAP(sa_dyn_used, SA_NR_DYN);

/*
 * A new span of a cache's own class: every object constructed, once (or,
 * in debug mode, poisoned if its cache's objects are).
 */
static int kcache_span_init(struct sa_span *span, gfp_t gfp)
{
	const struct sa_dyn_class *dc = sa_dyn_class(span->cls);
	unsigned int i;

	if (static_branch_unlikely(&sa_debug_key))
		for (i = 0; i < span->objs; i++)
			sa_debug_new_obj(span->base + (size_t)i * dc->ci.size, span->cls);
	if (dc->ctor)
		for (i = 0; i < span->objs; i++)
			dc->ctor(span->base + (size_t)i * dc->ci.size);
	return 0;
}

static const struct sa_span_ops kcache_span_ops = {
	.init = kcache_span_init,
};

static const struct sa_span_ops kcache_rcu_span_ops = {
	.init = kcache_span_init,
	.rcu = true,
};

/* The slot's geometry, as mksizeclasses.py would give a generated class. */
static void dyn_class_setup(struct sa_dyn_class *dc, unsigned int slot)
{
	unsigned int order;

	for (order = 0; order < SA_MAX_SPAN_ORDER; order++) {
		unsigned int objs = (PAGE_SIZE << order) / slot;
		unsigned int waste = (PAGE_SIZE << order) - objs * slot;

		/* At least 8 objects and at most 1/8 of the span wasted. */
		if (objs >= 8 && waste * 8 <= (PAGE_SIZE << order))
			break;
	}
	dc->ci.size = slot;
	dc->ci.div_mul = (u32)div_u64((1ULL << 32) + slot - 1, slot);
	dc->ci.span_order = order;
	dc->ci.objs = (PAGE_SIZE << order) / slot;
	dc->ci.batch = SA_DYN_BATCH;
}

static int dyn_class_get(struct spanalloc_cache *c)
{
	struct sa_dyn_class *dc;
	unsigned int slot, i;

	i = find_first_zero_bit(sa_dyn_used, SA_NR_DYN);
	if (i >= SA_NR_DYN)
		return -ENOSPC;
	dc = &sa_dyn_classes[i];
	/* In debug mode the red zone, call sites and trailer come first. */
	if (static_branch_unlikely(&sa_debug_key))
		dc->fp_off = sa_debug_fp_off(c->size);
	else
		dc->fp_off = ALIGN(c->size, sizeof(void *));
	slot = ALIGN(dc->fp_off + sizeof(void *), c->align);
	if (slot > (PAGE_SIZE << SA_MAX_SPAN_ORDER) / 2)
		return -E2BIG;
	dyn_class_setup(dc, slot);
	dc->ctor = c->ctor;
	dc->rcu = c->flags & SLAB_TYPESAFE_BY_RCU;
	WRITE_ONCE(dc->owner, c);
	sa_central_set_ops(SA_CLASS_DYN0 + i, dc->rcu ? &kcache_rcu_span_ops : &kcache_span_ops);
	set_bit(i, sa_dyn_used);
	c->cls = SA_CLASS_DYN0 + i;
	c->own = true;
	return 0;
}

/* The alignment SLUB would give (calculate_alignment()). */
static unsigned int cache_align(unsigned int size, unsigned int align, slab_flags_t flags)
{
	if (flags & SLAB_HWCACHE_ALIGN) {
		unsigned int ralign = cache_line_size();

		while (size <= ralign / 2)
			ralign /= 2;
		align = max(align, ralign);
	}
	return roundup_pow_of_two(max_t(unsigned int, align, sizeof(void *)));
}

/**
 * spanalloc_cache_create() - create a typed cache, like kmem_cache_create()
 * @name: name, shown in debugfs (copied)
 * @size: object size in bytes, 1..%SPANALLOC_MAX_SMALL_SIZE / 2
 * @align: alignment, 0 or a power of two up to PAGE_SIZE
 * @flags: SLAB_* flags; SLAB_TYPESAFE_BY_RCU and SLAB_HWCACHE_ALIGN act,
 *	the others (accounting, reclaim hints, panic) are accepted and ignored
 * @ctor: constructor run once on each object when its span is made, or NULL
 *
 * Context: process context.
 * Return: the cache, or NULL (bad size or alignment, out of memory, or no
 * dynamic class left for a cache that needs one).
 */
struct spanalloc_cache *spanalloc_cache_create(const char *name, unsigned int size,
					       unsigned int align, slab_flags_t flags,
					       void (*ctor)(void *obj))
{
	struct spanalloc_cache *c;
	unsigned int merged;

	might_sleep();
	if (!size || size > SPANALLOC_MAX_SMALL_SIZE / 2 ||
	    (align && (!is_power_of_2(align) || align > PAGE_SIZE))) {
		pr_err("cache %s: size %u or align %u not supported\n", name, size, align);
		return NULL;
	}
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return NULL;
	c->name = kstrdup_const(name, GFP_KERNEL);
	c->pcpu = alloc_percpu(struct sa_kcache_pcpu);
	if (!c->name || !c->pcpu)
		goto fail;
	c->size = size;
	c->flags = flags & (SLAB_TYPESAFE_BY_RCU | SLAB_HWCACHE_ALIGN);
	c->ctor = ctor;
	c->align = cache_align(size, align, flags);

	if (static_branch_unlikely(&sa_debug_key))
		merged = sa_debug_cache_class(size, c->align);
	else
		merged = sa_size_class(ALIGN(size, c->align));
	mutex_lock(&sa_kcache_mutex);
	if (!ctor && !(flags & SLAB_TYPESAFE_BY_RCU) && merged &&
	    sa_classes[merged].size % c->align == 0) {
		c->cls = merged;
	} else if (dyn_class_get(c)) {
		mutex_unlock(&sa_kcache_mutex);
		pr_err("cache %s: no class of its own left (%u in use)\n", name, SA_NR_DYN);
		goto fail;
	}
	list_add_tail(&c->link, &sa_kcaches);
	mutex_unlock(&sa_kcache_mutex);
	return c;
fail:
	free_percpu(c->pcpu);
	kfree_const(c->name);
	kfree(c);
	return NULL;
}
EXPORT_SYMBOL_GPL(spanalloc_cache_create);

static u64 cache_live(struct spanalloc_cache *c)
{
	u64 allocs = 0, frees = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		allocs += per_cpu_ptr(c->pcpu, cpu)->allocs;
		frees += per_cpu_ptr(c->pcpu, cpu)->frees;
	}
	return allocs - frees;
}

/**
 * spanalloc_cache_destroy() - destroy a typed cache, like kmem_cache_destroy()
 * @c: the cache, or NULL
 *
 * Objects still live are reported (the cache's name and their count, with
 * a WARN unless report_bad_frees is off) and keep their memory: they may
 * still be freed with spanalloc_free(). A cache's own class is reused only
 * once it holds no span. For SLAB_TYPESAFE_BY_RCU caches this waits for
 * pending grace periods (rcu_barrier()). A merged cache counts only its
 * kmem_cache_free() calls (a kfree() of its object cannot be told from
 * one of its class's other users): its leftovers get a pr_warn line, and
 * they live on in the shared class anyway, as with SLUB's merged caches.
 *
 * Context: process context.
 */
void spanalloc_cache_destroy(struct spanalloc_cache *c)
{
	u64 live;

	if (!c)
		return;
	might_sleep();
	mutex_lock(&sa_kcache_mutex);
	list_del(&c->link);
	mutex_unlock(&sa_kcache_mutex);
	live = cache_live(c);
	if (live && c->own) {
		sa_report_err("cache %s destroyed with %llu live objects of %u bytes; their memory is kept\n",
			      c->name, live, c->size);
		sa_sites_report(c->cls, 5, live);
		WARN_ONCE(READ_ONCE(sa_report_bad_frees),
			  "spanalloc: cache %s destroyed with %llu live objects\n", c->name, live);
	} else if (live) {
		/* Merged: frees through kfree() or kfree_rcu() are not the cache's to count. */
		pr_warn("cache %s destroyed with %llu objects not freed by kmem_cache_free(); they stay in the %u-byte class\n",
			c->name, live, sa_class_size(c->cls));
	}
	if (c->own) {
		unsigned int left;

		WRITE_ONCE(sa_dyn_class(c->cls)->owner, NULL);
		if (c->flags & SLAB_TYPESAFE_BY_RCU)
			rcu_barrier();
		sa_cache_drain_all(NULL, NULL);
		left = sa_central_release_class(c->cls);
		if (c->flags & SLAB_TYPESAFE_BY_RCU)
			rcu_barrier();	/* the spans just released */
		mutex_lock(&sa_kcache_mutex);
		/* A class with spans left keeps its slot (and constructor). */
		if (!left && !live) {
			sa_central_set_ops(c->cls, NULL);
			clear_bit(c->cls - SA_CLASS_DYN0, sa_dyn_used);
		}
		mutex_unlock(&sa_kcache_mutex);
	}
	free_percpu(c->pcpu);
	kfree_const(c->name);
	kfree(c);
}
EXPORT_SYMBOL_GPL(spanalloc_cache_destroy);

/* Zero the object on handout? SLUB's slab_want_init_on_alloc(). */
static __always_inline bool want_zero(struct spanalloc_cache *c, gfp_t gfp)
{
	if (unlikely(gfp & __GFP_ZERO))
		return true;
	if (c->ctor || (c->flags & SLAB_TYPESAFE_BY_RCU))
		return false;
	return want_init_on_alloc(gfp);
}

/*
 * Hand out @p to the client at @ip: check it (debug mode), zero it if
 * wanted, clear its free tag, count it.
 */
static __always_inline void cache_handout(struct spanalloc_cache *c, void *p, gfp_t gfp,
					  unsigned long ip)
{
	if (static_branch_unlikely(&sa_debug_key)) {
		/* A size class's object is zeroed and untagged by debug.c. */
		sa_debug_on_alloc(p, c->cls, c->size, gfp, ip);
		if (c->own) {
			if (want_zero(c, gfp))
				memset(p, 0, c->size);
			*sa_free_word(p, c->cls) = 0;
		}
	} else {
		if (want_zero(c, gfp))
			memset(p, 0, c->size);
		if (c->own || !want_zero(c, gfp))
			*sa_free_word(p, c->cls) = 0;
	}
	this_cpu_inc(c->pcpu->allocs);
}

static __always_inline bool gfp_ok(struct spanalloc_cache *c, gfp_t gfp)
{
	if (unlikely(gfp & SA_GFP_ZONES)) {
		this_cpu_inc(sa_cpus->stats.refused_allocs);
		WARN_ONCE(READ_ONCE(sa_report_bad_frees),
			  "spanalloc: zone modifiers are not supported (cache %s)\n", c->name);
		return false;
	}
	WARN_ONCE(c->ctor && (gfp & __GFP_ZERO) && READ_ONCE(sa_report_bad_frees),
		  "spanalloc: __GFP_ZERO on cache %s, which has a constructor\n", c->name);
	return true;
}

/*
 * An object of @c for the client at @ip; @node: NUMA_NO_NODE, or the node
 * it must come from (another only if that node is out of memory and @gfp
 * has no __GFP_THISNODE).
 */
static __always_inline void *cache_alloc(struct spanalloc_cache *c, gfp_t gfp, int node,
					 unsigned long ip)
{
	void *p;

	might_alloc(gfp);
	if (unlikely(!gfp_ok(c, gfp)))
		return NULL;
	if (unlikely(sa_node_is_remote(node)))
		p = sa_cache_alloc_node(c->cls, c->size, gfp, sa_valid_node(node));
	else
		p = sa_cache_alloc(c->cls, c->size, gfp);
	if (likely(p)) {
		cache_handout(c, p, gfp, ip);
		sa_sites_alloc(p, c->size, c->size, ip, gfp);
	}
	return p;
}

/**
 * spanalloc_cache_alloc() - allocate an object, like kmem_cache_alloc()
 * @c: the cache
 * @gfp: allocation flags
 *
 * Context: any context the @gfp allows.
 * Return: the object (constructed, if the cache has a constructor), or NULL.
 */
void *spanalloc_cache_alloc(struct spanalloc_cache *c, gfp_t gfp)
{
	return cache_alloc(c, gfp, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(spanalloc_cache_alloc);

/**
 * spanalloc_cache_alloc_node() - allocate an object on a node
 * @c: the cache
 * @gfp: allocation flags
 * @node: the node wanted, or %NUMA_NO_NODE
 *
 * Like kmem_cache_alloc_node(): for another node than this CPU's, the
 * object comes from that node's transfer cache or central list (its
 * memory from that node unless the node has none and @gfp lacks
 * __GFP_THISNODE); for this CPU's node or %NUMA_NO_NODE, as
 * spanalloc_cache_alloc(). A node that is not online counts as
 * %NUMA_NO_NODE.
 * Context: as spanalloc_cache_alloc().
 * Return: as spanalloc_cache_alloc().
 */
void *spanalloc_cache_alloc_node(struct spanalloc_cache *c, gfp_t gfp, int node)
{
	return cache_alloc(c, gfp, node, _RET_IP_);
}
EXPORT_SYMBOL_GPL(spanalloc_cache_alloc_node);

/*
 * Take back an object of @c (or, with @c NULL, of the own class its span
 * says) from the client at @ip: refused (false) if it is not the start of
 * a live object of the class. Checks it (debug mode), and wipes it under
 * init_on_free unless the cache keeps its bytes.
 */
static bool cache_takeback(struct spanalloc_cache *c, struct sa_span *span, void *p,
			   unsigned long ip)
{
	const struct sa_class *ci = sa_class_info(span->cls);

	if (unlikely(!sa_span_obj_handed(span, ci, p))) {
		sa_bad_free("free of %p: not an object of cache %s\n", p, c ? c->name : "?");
		return false;
	}
	if (unlikely(sa_obj_is_free(span, ci, p))) {
		sa_bad_free("double free of %p (cache %s)\n", p, c ? c->name : "?");
		if (static_branch_unlikely(&sa_debug_key))
			sa_debug_double_free(p, span->cls, ip);
		return false;
	}
	if (static_branch_unlikely(&sa_debug_key)) {
		if (!sa_debug_on_free(p, span->cls, ip))
			return false;
	} else if (want_init_on_free()) {
		if (span->cls < SA_CLASS_DYN0)
			memset(p, 0, ci->size);
		else if (!sa_dyn_class(span->cls)->ctor && !sa_dyn_class(span->cls)->rcu)
			memset(p, 0, sa_dyn_class(span->cls)->fp_off);
	}
	sa_sites_free(span, p);
	*sa_free_word(p, span->cls) = sa_free_tag(p);
	return true;
}

/*
 * A taken-back object to this CPU's cache, or home through the remote
 * buffer if its span is another node's (as spanalloc_free() does).
 */
static __always_inline void cache_put(struct sa_span *span, void *p)
{
	if (sa_span_is_remote(span))
		sa_cache_free_remote(span->cls, p);
	else
		sa_cache_free(span->cls, p);
}

/* Free @p of @c for the client at @ip. */
static __always_inline void cache_free(struct spanalloc_cache *c, void *p, unsigned long ip)
{
	struct sa_span *span;

	if (unlikely(!p))
		return;
	span = sa_span_of(p);
	if (unlikely(!span || span->kind != SA_SPAN_SMALL || span->cls != c->cls)) {
		sa_bad_free("free of %p: not an object of cache %s\n", p, c->name);
		return;
	}
	if (likely(cache_takeback(c, span, p, ip))) {
		this_cpu_inc(c->pcpu->frees);
		cache_put(span, p);
	}
}

/**
 * spanalloc_cache_free() - free an object, like kmem_cache_free()
 * @c: the cache it came from
 * @p: the object, or NULL
 *
 * An object of another class, a pointer into an object and a double free
 * are refused and counted in bad_frees.
 * Context: any.
 */
void spanalloc_cache_free(struct spanalloc_cache *c, void *p)
{
	cache_free(c, p, _RET_IP_);
}
EXPORT_SYMBOL_GPL(spanalloc_cache_free);

/**
 * sa_kcache_free_own() - spanalloc_free() of an object of a cache's own class
 * @span: its span (a dynamic class)
 * @p: the object
 * @ip: the client's call site
 *
 * Counted for the cache that owns the class (kfree() of a kmem_cache
 * object is allowed, as with SLUB). Context: any.
 */
void sa_kcache_free_own(struct sa_span *span, void *p, unsigned long ip)
{
	struct spanalloc_cache *c = READ_ONCE(sa_dyn_class(span->cls)->owner);

	if (likely(cache_takeback(c, span, p, ip))) {
		if (c)
			this_cpu_inc(c->pcpu->frees);
		cache_put(span, p);
	}
}

/**
 * sa_kcache_usable() - usable bytes of an object of a dynamic class
 * @span: its span
 * @p: the object
 *
 * Return: the object size of its cache, or 0 if @p is not a live object.
 */
size_t sa_kcache_usable(struct sa_span *span, const void *p)
{
	const struct sa_class *ci = sa_class_info(span->cls);

	if (!sa_span_obj_handed(span, ci, p) || sa_obj_is_free(span, ci, p))
		return 0;
	if (static_branch_unlikely(&sa_debug_key))
		return sa_debug_usable(p, span->cls);
	return sa_dyn_class(span->cls)->fp_off;
}

/**
 * spanalloc_cache_alloc_bulk() - allocate @nr objects, like
 * kmem_cache_alloc_bulk()
 * @c: the cache
 * @gfp: allocation flags
 * @nr: objects wanted
 * @ptrs: filled with them
 *
 * All or nothing. Context: as spanalloc_cache_alloc().
 * Return: @nr, or 0.
 */
int spanalloc_cache_alloc_bulk(struct spanalloc_cache *c, gfp_t gfp, size_t nr, void **ptrs)
{
	size_t i, got;

	if (!nr || nr > INT_MAX || unlikely(!gfp_ok(c, gfp)))
		return 0;
	might_alloc(gfp);
	got = sa_cache_alloc_bulk(c->cls, c->size, ptrs, nr, gfp);
	for (i = 0; i < got; i++) {
		cache_handout(c, ptrs[i], gfp, _RET_IP_);
		sa_sites_alloc(ptrs[i], c->size, c->size, _RET_IP_, gfp);
	}
	if (got < nr) {
		spanalloc_cache_free_bulk(c, got, ptrs);
		return 0;
	}
	return nr;
}
EXPORT_SYMBOL_GPL(spanalloc_cache_alloc_bulk);

/**
 * spanalloc_cache_free_bulk() - free @nr objects, like kmem_cache_free_bulk()
 * @c: the cache
 * @nr: objects
 * @ptrs: the objects
 *
 * Context: any.
 */
void spanalloc_cache_free_bulk(struct spanalloc_cache *c, size_t nr, void **ptrs)
{
	size_t i;

	for (i = 0; i < nr; i++)
		cache_free(c, ptrs[i], _RET_IP_);
}
EXPORT_SYMBOL_GPL(spanalloc_cache_free_bulk);

/**
 * spanalloc_cache_size() - object size of a cache, like kmem_cache_size()
 * @c: the cache
 *
 * Return: the size given at creation.
 */
unsigned int spanalloc_cache_size(struct spanalloc_cache *c)
{
	return c->size;
}
EXPORT_SYMBOL_GPL(spanalloc_cache_size);

/**
 * sa_kcache_show() - the debugfs caches file: one line per cache
 * @m: the seq_file
 */
void sa_kcache_show(struct seq_file *m)
{
	struct spanalloc_cache *c;

	seq_puts(m, "name object_size align class class_size own ctor rcu live_objects live_bytes spans\n");
	mutex_lock(&sa_kcache_mutex);
	list_for_each_entry(c, &sa_kcaches, link) {
		struct sa_central_stats cs = {};
		u64 live = cache_live(c);

		if (c->own)
			sa_central_read_stats(c->cls, &cs);
		seq_printf(m, "%s %u %u %u %u %d %d %d %llu %llu ", c->name, c->size, c->align,
			   c->cls, sa_class_size(c->cls), c->own, !!c->ctor,
			   !!(c->flags & SLAB_TYPESAFE_BY_RCU), live, live * c->size);
		if (c->own)
			seq_printf(m, "%llu\n", cs.spans);
		else
			seq_puts(m, "shared\n");
	}
	mutex_unlock(&sa_kcache_mutex);
}

/**
 * sa_kcache_count() - typed caches that exist now
 *
 * Return: their number (sa_api_debug_set() needs none).
 */
unsigned int sa_kcache_count(void)
{
	struct spanalloc_cache *c;
	unsigned int n = 0;

	mutex_lock(&sa_kcache_mutex);
	list_for_each_entry(c, &sa_kcaches, link)
		n++;
	mutex_unlock(&sa_kcache_mutex);
	return n;
}

/* At unload: caches clients never destroyed. */
void sa_kcache_exit(void)
{
	struct spanalloc_cache *c, *tmp;

	list_for_each_entry_safe(c, tmp, &sa_kcaches, link) {
		pr_warn("cache %s was never destroyed (%llu live objects)\n", c->name,
			cache_live(c));
		list_del(&c->link);
		free_percpu(c->pcpu);
		kfree_const(c->name);
		kfree(c);
	}
}
