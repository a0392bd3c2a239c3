// SPDX-License-Identifier: GPL-2.0
/*
 * debug.c - spanalloc's debug mode (module parameter debug=, like
 * slub_debug): small objects, tiny and large ones, and typed caches'.
 *
 * What it does, per flag:
 *   SA_DEBUG_POISON (1): freed objects are filled with SA_POISON_FREE and
 *     new spans are born poisoned; an allocation checks the poison and
 *     reports a write after free with the object, its class and the offset
 *     of the first changed byte. The first word of a size class's object
 *     is not checked: the central list links free objects through it (and
 *     checks that link itself).
 *   SA_DEBUG_REDZONE (2): a request of n bytes gets an object of the class
 *     for n + sa_debug_extra() bytes: n bytes for the caller, a red zone of
 *     SA_REDZONE bytes after them (at least 8), and a trailer word in the
 *     object's last 8 bytes holding the requested size and an
 *     allocated/free tag. A free checks the red zone (overflow reported
 *     with the offset) and the tag: a second free of the object is refused
 *     and counted in bad_frees. spanalloc_usable_size() returns n. A
 *     power-of-two n gets a class that is a multiple of n (natural
 *     alignment, as in normal mode); an n with no room for the red zone in
 *     the largest class is a large object.
 *   SA_DEBUG_TRACK (4, implies 2), as slub_debug=U: the two words before
 *     the trailer record the object's allocating and last freeing call
 *     site (the client's _RET_IP_), and every report prints both, and the
 *     call that found the fault ("allocated by X, freed by Y").
 * Every mode also refuses any double free through the free tag (see
 * sa_obj_is_free()). Tiny requests are served from the size classes while
 * debug mode is on (main.c), so they get all of the above. A large object
 * gets sa_debug_extra() bytes more than requested with red zones: the
 * bytes from the request to the end of its pages are the red zone (less
 * the last 16 with SA_DEBUG_TRACK: the call sites), checked on free;
 * spanalloc_usable_size() returns the request; with poison its pages are
 * filled with SA_POISON_FREE on free (a read after free sees the poison; a
 * write is not caught: the pages go back to the page heap, and a second
 * free of a large object is refused by its span anyway).
 * Typed caches (kcache.c): a merged cache takes the class that holds its
 * object plus the extra, and its objects are laid out as above; a cache
 * with a class of its own has the layout in front of its free word (the
 * free word stays past everything, so its object keeps its bytes). As in
 * SLUB, objects of a cache with a constructor or SLAB_TYPESAFE_BY_RCU are
 * not poisoned (a constructed or RCU-read object keeps its contents while
 * free); they get the red zone, trailer and call sites.
 * Reports are pr_err lines through sa_report() plus a WARN (unless
 * report_bad_frees is off), name the call sites recorded for the object
 * (SA_DEBUG_TRACK) or else the allocating one of sites.c (always with
 * sites_exact=1), and are counted in the corruptions counter; the
 * allocator state is left intact.
 *
 * Locking: none; it works on one object owned by the caller. It is off the
 * fast path entirely unless enabled (a static key). New spans are poisoned
 * through the span hook it registers with the central lists. A report
 * asks sites.c for the object's call site (sites.c's record lock).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mm.h>
#include <linux/string.h>
#include "internal.h"
#include "central.h"
#include "cpu_cache.h"
#include "sites.h"
#include "debug.h"

static unsigned int debug;
module_param(debug, uint, 0444);
MODULE_PARM_DESC(debug,
		 "Debug checks: 1 poison freed objects, 2 red zones and double-free tags, 4 record allocating and freeing call sites (implies 2) (default 0)");

DEFINE_STATIC_KEY_FALSE(sa_debug_key);
unsigned int sa_debug_flags;

#define TRAILER_TAG_MASK	GENMASK_ULL(63, 32)
#define TRAILER_ALLOC		(0xa110c8edULL << 32)
#define TRAILER_FREE		(0xf4eef4eeULL << 32)
#define TRACK_BYTES		(2 * sizeof(unsigned long))

/* Bytes at an object's end after its red zone: call sites, trailer. */
static inline size_t tail_bytes(void)
{
	return sizeof(u64) + (sa_debug_flags & SA_DEBUG_TRACK ? TRACK_BYTES : 0);
}

/**
 * sa_debug_extra() - bytes an object needs beyond the request
 *
 * Return: with red zones, the red zone (8 at least), the call sites
 * (SA_DEBUG_TRACK) and the trailer; else 0.
 */
size_t sa_debug_extra(void)
{
	if (!(sa_debug_flags & SA_DEBUG_REDZONE))
		return 0;
	return SA_DEBUG_EXTRA + (sa_debug_flags & SA_DEBUG_TRACK ? TRACK_BYTES : 0);
}

static inline u64 *trailer(void *p, size_t osize)
{
	return p + osize - sizeof(u64);
}

/* The call sites' words (allocating, last freeing) of a laid-out object. */
static inline unsigned long *track(void *p, size_t osize)
{
	if (!(sa_debug_flags & SA_DEBUG_TRACK))
		return NULL;
	return p + osize - sizeof(u64) - TRACK_BYTES;
}

/*
 * Bytes of an object of @cls the layout spans: the class size, or for a
 * typed cache's own class everything in front of its free word.
 */
static inline size_t dbg_size(unsigned int cls)
{
	return cls < SA_CLASS_DYN0 ? sa_class_size(cls) : sa_dyn_class(cls)->fp_off;
}

/* Are the object's bytes free to wipe (no constructor, not RCU)? */
static inline bool dbg_plain(unsigned int cls)
{
	const struct sa_dyn_class *dc;

	if (cls < SA_CLASS_DYN0)
		return true;
	dc = sa_dyn_class(cls);
	return !dc->ctor && !dc->rcu;
}

static inline bool dbg_poisons(unsigned int cls)
{
	return (sa_debug_flags & SA_DEBUG_POISON) && dbg_plain(cls);
}

/* First byte the poison check reads: a size class's link is its first word. */
static inline size_t dbg_from(unsigned int cls)
{
	return cls < SA_CLASS_DYN0 ? sizeof(void *) : 0;
}

/* First byte in [from, to) of @p that is not @c, or @to. */
static size_t first_not(const u8 *p, size_t from, size_t to, u8 c)
{
	const u8 *bad = memchr_inv(p + from, c, to - from);

	return bad ? bad - p : to;
}

/*
 * Who had the object: the recorded call sites (@tr, with @tr[1] valid if
 * @freed), else the allocating site sites.c recorded; then @now, the call
 * that found the fault, as @what.
 */
static void say_sites(const void *p, const unsigned long *tr, bool freed,
		      const char *what, unsigned long now)
{
	const char *site;

	if (tr) {
		sa_report_err("  allocated by %pS\n", (void *)tr[0]);
		if (freed)
			sa_report_err("  freed by %pS\n", (void *)tr[1]);
	} else {
		site = sa_sites_who(p);
		if (site)
			sa_report_err("  allocated at %s\n", site);
	}
	if (now)
		sa_report_err("  %s %pS\n", what, (void *)now);
}

static void report(const char *what, void *p, size_t osize, size_t off,
		   const unsigned long *tr, bool freed, const char *by, unsigned long now)
{
	this_cpu_inc(sa_cpus->stats.corruptions);
	sa_report_err("%s in %zu-byte object %p at offset %zu\n", what, osize, p, off);
	say_sites(p, tr, freed, by, now);
	print_hex_dump(KERN_ERR, "spanalloc: ", DUMP_PREFIX_OFFSET, 16, 1,
		       p, min_t(size_t, osize, 64), false);
	WARN_ONCE(READ_ONCE(sa_report_bad_frees), "spanalloc: %s\n", what);
}

/**
 * sa_debug_class() - the size class for a request of @size in debug mode
 * @size: bytes requested, at least 1
 *
 * With red zones, the class must hold @size + sa_debug_extra() bytes, and
 * a power-of-two @size keeps its natural alignment (as in normal mode) by
 * taking a class that is a multiple of it: 128 bytes take the 256-byte
 * class. A request with no room left for a red zone and trailer in any
 * class is served as a large object, so every small object in debug mode
 * has its trailer.
 *
 * Return: the class, or 0 for a large object.
 */
unsigned int sa_debug_class(size_t size)
{
	size_t need = size + sa_debug_extra();

	if (sa_debug_extra() && is_power_of_2(size))
		need = ALIGN(need, size);
	if (need > SPANALLOC_MAX_SMALL_SIZE)
		return 0;
	return sa_size_class(need);
}

/**
 * sa_debug_cache_class() - the size class a merged typed cache takes in
 * debug mode
 * @size: its object size
 * @align: its alignment (a power of two)
 *
 * Return: the class holding @size + sa_debug_extra() bytes rounded up to
 * @align, or 0 if none does (the cache then gets a class of its own).
 */
unsigned int sa_debug_cache_class(unsigned int size, unsigned int align)
{
	size_t need = ALIGN(size + sa_debug_extra(), align);

	return need > SPANALLOC_MAX_SMALL_SIZE ? 0 : sa_size_class(need);
}

/**
 * sa_debug_fp_off() - where a typed cache's own class keeps its free word
 * @size: the cache's object size
 *
 * Return: past the object, its red zone, call sites and trailer.
 */
unsigned int sa_debug_fp_off(unsigned int size)
{
	return ALIGN(size + sa_debug_extra(), sizeof(void *));
}

/**
 * sa_debug_new_obj() - an object of a typed cache's own class in a new span
 * @p: the object
 * @cls: its class
 *
 * Poisoned if its cache's objects are (the size classes' spans are
 * poisoned whole by the span hook).
 */
void sa_debug_new_obj(void *p, unsigned int cls)
{
	if (dbg_poisons(cls))
		memset(p, SA_POISON_FREE, dbg_size(cls));
}

/**
 * sa_debug_on_alloc() - check and prepare an object being handed out
 * @p: the object
 * @cls: its class (a size class, or a typed cache's own)
 * @size: bytes requested (a typed cache's object size)
 * @gfp: allocation flags (for zeroing)
 * @ip: the client's call site
 *
 * Objects of a size class are zeroed (init_on_alloc, __GFP_ZERO) or get
 * their free tag cleared here; a typed cache's own class does that itself
 * (kcache.c), by its rules.
 */
void sa_debug_on_alloc(void *p, unsigned int cls, size_t size, gfp_t gfp, unsigned long ip)
{
	size_t osize = dbg_size(cls);
	bool rz = sa_debug_extra() && size + sa_debug_extra() <= osize;
	size_t end = rz ? osize - tail_bytes() : osize, off;
	unsigned long *tr = rz ? track(p, osize) : NULL;

	if (dbg_poisons(cls)) {
		off = first_not(p, dbg_from(cls), end, SA_POISON_FREE);
		/* The sites are the last life's, if it had one in debug mode. */
		if (off < end) {
			bool had = rz && *trailer(p, osize) == TRAILER_FREE;

			report("write after free", p, osize, off, had ? tr : NULL, had,
			       "allocated again by", ip);
		}
	}
	if (cls < SA_CLASS_DYN0) {
		if (want_init_on_alloc(gfp))
			memset(p, 0, rz ? size : osize);
		else
			*(unsigned long *)p = 0;	/* the free tag */
	}
	if (rz) {
		memset(p + size, SA_REDZONE, end - size);
		if (tr)
			tr[0] = ip;
		*trailer(p, osize) = TRAILER_ALLOC | size;
	}
}

/**
 * sa_debug_on_free() - check an object being freed
 * @p: the object (the start of an object of class @cls)
 * @cls: its class (a size class, or a typed cache's own)
 * @ip: the client's call site
 *
 * Poisons the object, or wipes it under init_on_free, unless it belongs
 * to a cache with a constructor or RCU.
 * Return: false if the free must be refused (a double free).
 */
bool sa_debug_on_free(void *p, unsigned int cls, unsigned long ip)
{
	size_t osize = dbg_size(cls), end = osize, size, off;
	unsigned long *tr = NULL;
	u64 t;

	if (sa_debug_flags & SA_DEBUG_REDZONE) {
		t = *trailer(p, osize);
		tr = track(p, osize);
		if ((t & TRAILER_TAG_MASK) == TRAILER_FREE) {
			sa_bad_free("double free of %p (%zu-byte object)\n", p, osize);
			sa_report_err("double free of %zu-byte object %p\n", osize, p);
			say_sites(p, tr, true, "freed again by", ip);
			return false;
		}
		end = osize - tail_bytes();
		size = t & ~TRAILER_TAG_MASK;
		if (tr)
			tr[1] = ip;
		if ((t & TRAILER_TAG_MASK) != TRAILER_ALLOC || size > end) {
			report("overflow over the trailer", p, osize, end, tr, true, "", 0);
		} else {
			off = first_not(p, size, end, SA_REDZONE);
			if (off < end)
				report("overflow into the red zone", p, osize, off, tr, true,
				       "", 0);
		}
		*trailer(p, osize) = TRAILER_FREE;
	}
	if (dbg_poisons(cls))
		memset(p, SA_POISON_FREE, end);
	else if (want_init_on_free() && dbg_plain(cls))
		memset(p, 0, end);
	return true;
}

/**
 * sa_debug_double_free() - say who had an object freed twice
 * @p: the object, found free by its free word (the free was refused and
 *	counted by the caller)
 * @cls: its class
 * @ip: the second free's call site
 */
void sa_debug_double_free(void *p, unsigned int cls, unsigned long ip)
{
	size_t osize = dbg_size(cls);
	bool had = (sa_debug_flags & SA_DEBUG_REDZONE) && *trailer(p, osize) == TRAILER_FREE;

	sa_report_err("double free of %zu-byte object %p\n", osize, p);
	say_sites(p, had ? track(p, osize) : NULL, had, "freed again by", ip);
}

/**
 * sa_debug_usable() - usable bytes of an object under debug mode
 * @p: the object
 * @cls: its class (a size class, or a typed cache's own)
 *
 * Return: the bytes requested, or 0 if the trailer says it is not live.
 */
size_t sa_debug_usable(const void *p, unsigned int cls)
{
	size_t osize = dbg_size(cls);
	u64 t;

	if (!(sa_debug_flags & SA_DEBUG_REDZONE))
		return osize;
	t = *trailer((void *)p, osize);
	if ((t & TRAILER_TAG_MASK) != TRAILER_ALLOC)
		return 0;
	return t & ~TRAILER_TAG_MASK;
}

/**
 * sa_debug_large_extra() - bytes a large object gets beyond its request
 *
 * Return: sa_debug_extra() (so every large object has a red zone of 8
 * bytes at least, and room for its call sites), else 0.
 */
size_t sa_debug_large_extra(void)
{
	return sa_debug_extra();
}

/* A large object's call sites: the last 16 bytes of its pages. */
static unsigned long *large_track(void *p, size_t bytes)
{
	if (!(sa_debug_flags & SA_DEBUG_TRACK))
		return NULL;
	return p + bytes - TRACK_BYTES;
}

/**
 * sa_debug_on_large_alloc() - prepare a large object being handed out
 * @p: the object
 * @size: bytes requested
 * @bytes: bytes of its pages
 * @ip: the client's call site
 */
void sa_debug_on_large_alloc(void *p, size_t size, size_t bytes, unsigned long ip)
{
	unsigned long *tr = large_track(p, bytes);

	if (sa_debug_flags & SA_DEBUG_REDZONE)
		memset(p + size, SA_REDZONE, bytes - size - (tr ? TRACK_BYTES : 0));
	if (tr)
		tr[0] = ip;
}

/**
 * sa_debug_on_large_free() - check a large object being freed
 * @p: the object
 * @size: bytes requested
 * @bytes: bytes of its pages
 * @ip: the client's call site (0 for leftovers freed at unload)
 */
void sa_debug_on_large_free(void *p, size_t size, size_t bytes, unsigned long ip)
{
	unsigned long *tr = large_track(p, bytes);
	size_t end = bytes - (tr ? TRACK_BYTES : 0), off;

	if (tr)
		tr[1] = ip;
	if (sa_debug_flags & SA_DEBUG_REDZONE) {
		off = first_not(p, size, end, SA_REDZONE);
		if (off < end)
			report("overflow into the red zone", p, bytes, off, tr, ip != 0, "", 0);
	}
	if (sa_debug_flags & SA_DEBUG_POISON)
		memset(p, SA_POISON_FREE, bytes);
}

/* New spans of the size classes are born poisoned (the span hook). */
static int poison_span(struct sa_span *span, gfp_t gfp)
{
	memset(span->base, SA_POISON_FREE, (size_t)span->npages << PAGE_SHIFT);
	return 0;
}

static const struct sa_span_ops poison_ops = {
	.init = poison_span,
};

/**
 * sa_debug_enable() - set the debug flags (on a heap with no object live)
 * @flags: SA_DEBUG_* flags (SA_DEBUG_TRACK brings SA_DEBUG_REDZONE)
 *
 * main.c's sa_api_debug_set() drains and checks the heap first, and that
 * no typed cache exists (their classes were chosen for the old layout).
 */
void sa_debug_enable(unsigned int flags)
{
	unsigned int cls;

	if (flags & SA_DEBUG_TRACK)
		flags |= SA_DEBUG_REDZONE;
	sa_debug_flags = flags;
	for (cls = 1; cls < SA_NR_CLASSES; cls++)
		sa_central_set_ops(cls, flags & SA_DEBUG_POISON ? &poison_ops : NULL);
	if (flags)
		static_branch_enable(&sa_debug_key);
	else
		static_branch_disable(&sa_debug_key);
}

void sa_debug_init(void)
{
	unsigned int all = SA_DEBUG_POISON | SA_DEBUG_REDZONE | SA_DEBUG_TRACK;

	if (debug & ~all)
		pr_warn("debug=%#x: unknown flags ignored\n", debug);
	sa_debug_enable(debug & all);
	if (sa_debug_flags)
		pr_info("debug checks on: %s%s%s\n",
			sa_debug_flags & SA_DEBUG_POISON ? "poison " : "",
			sa_debug_flags & SA_DEBUG_REDZONE ? "redzone " : "",
			sa_debug_flags & SA_DEBUG_TRACK ? "track" : "");
}
