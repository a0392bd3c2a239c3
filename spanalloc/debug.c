// SPDX-License-Identifier: GPL-2.0
/*
 * debug.c - spanalloc's debug mode (module parameter debug=, like
 * slub_debug): small objects, and tiny and large ones.
 *
 * What it does, per flag:
 *   SA_DEBUG_POISON (1): freed objects are filled with SA_POISON_FREE and
 *     new spans are born poisoned; an allocation checks the poison and
 *     reports a write after free with the object, its class and the offset
 *     of the first changed byte. The first word is not checked: the central
 *     list links free objects through it (and checks that link itself).
 *   SA_DEBUG_REDZONE (2): a request of n bytes gets an object of the class
 *     for n + SA_DEBUG_EXTRA bytes: n bytes for the caller, a red zone of
 *     SA_REDZONE bytes after them, and a trailer word in the object's last 8
 *     bytes holding the requested size and an allocated/free tag. A free
 *     checks the red zone (overflow reported with the offset) and the tag:
 *     a second free of the object is refused and counted in bad_frees.
 *     spanalloc_usable_size() returns n. A power-of-two n gets a class that
 *     is a multiple of n (natural alignment, as in normal mode); an n with
 *     no room for the red zone in the largest class is a large object.
 * Every mode also refuses any double free through the free tag (see
 * sa_obj_is_free()). Tiny requests are served from the size classes while
 * debug mode is on (main.c), so they get all of the above. A large object
 * gets SA_DEBUG_EXTRA bytes more than requested with red zones: the bytes
 * from the request to the end of its pages are the red zone, checked on
 * free; spanalloc_usable_size() returns the request; with poison its
 * pages are filled with SA_POISON_FREE on free (a read after free sees the
 * poison; a write is not caught: the pages go back to the page heap, and
 * a second free of a large object is refused by its span anyway).
 * Reports are pr_err plus a WARN (unless report_bad_frees is off), name
 * the allocating call site when sites.c recorded the object (always with
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
		 "Debug checks of small objects: 1 poison freed objects, 2 red zones and double-free tags (default 0)");

DEFINE_STATIC_KEY_FALSE(sa_debug_key);
unsigned int sa_debug_flags;

#define TRAILER_TAG_MASK	GENMASK_ULL(63, 32)
#define TRAILER_ALLOC		(0xa110c8edULL << 32)
#define TRAILER_FREE		(0xf4eef4eeULL << 32)

static inline u64 *trailer(void *p, unsigned int osize)
{
	return p + osize - sizeof(u64);
}

/* First byte in [from, to) of @p that is not @c, or @to. */
static size_t first_not(const u8 *p, size_t from, size_t to, u8 c)
{
	const u8 *bad = memchr_inv(p + from, c, to - from);

	return bad ? bad - p : to;
}

static void report(const char *what, void *p, size_t osize, size_t off)
{
	const char *site = sa_sites_who(p);

	this_cpu_inc(sa_cpus->stats.corruptions);
	pr_err("%s in %zu-byte object %p at offset %zu\n", what, osize, p, off);
	if (site)
		pr_err("  allocated at %s\n", site);
	print_hex_dump(KERN_ERR, "spanalloc: ", DUMP_PREFIX_OFFSET, 16, 1,
		       p, min_t(size_t, osize, 64), false);
	WARN_ONCE(READ_ONCE(sa_report_bad_frees), "spanalloc: %s\n", what);
}

/**
 * sa_debug_class() - the size class for a request of @size in debug mode
 * @size: bytes requested, at least 1
 *
 * With red zones, the class must hold @size + SA_DEBUG_EXTRA bytes, and a
 * power-of-two @size keeps its natural alignment (as in normal mode) by
 * taking a class that is a multiple of it: 128 bytes take the 256-byte
 * class. A request with no room left for a red zone and trailer in any
 * class is served as a large object, so every small object in debug mode
 * has its trailer.
 *
 * Return: the class, or 0 for a large object.
 */
unsigned int sa_debug_class(size_t size)
{
	size_t need = size;

	if (sa_debug_flags & SA_DEBUG_REDZONE) {
		need = size + SA_DEBUG_EXTRA;
		if (is_power_of_2(size))
			need = ALIGN(need, size);
	}
	if (need > SPANALLOC_MAX_SMALL_SIZE)
		return 0;
	return sa_size_class(need);
}

/**
 * sa_debug_on_alloc() - check and prepare a small object being handed out
 * @p: the object
 * @cls: its class
 * @size: bytes requested
 * @gfp: allocation flags (for zeroing)
 */
void sa_debug_on_alloc(void *p, unsigned int cls, size_t size, gfp_t gfp)
{
	unsigned int osize = sa_classes[cls].size;
	bool rz = (sa_debug_flags & SA_DEBUG_REDZONE) && size + SA_DEBUG_EXTRA <= osize;
	size_t end = rz ? osize - sizeof(u64) : osize, off;

	if (sa_debug_flags & SA_DEBUG_POISON) {
		off = first_not(p, sizeof(void *), end, SA_POISON_FREE);
		if (off < end)
			report("write after free", p, osize, off);
	}
	if (want_init_on_alloc(gfp))
		memset(p, 0, rz ? size : osize);
	else
		*(unsigned long *)p = 0;	/* the free tag */
	if (rz) {
		memset(p + size, SA_REDZONE, end - size);
		*trailer(p, osize) = TRAILER_ALLOC | size;
	}
}

/**
 * sa_debug_on_free() - check a small object being freed
 * @p: the object (the start of an object of class @cls)
 * @cls: its class
 *
 * Return: false if the free must be refused (a double free).
 */
bool sa_debug_on_free(void *p, unsigned int cls)
{
	unsigned int osize = sa_classes[cls].size;
	size_t end = osize, size, off;
	u64 t;

	if (sa_debug_flags & SA_DEBUG_REDZONE) {
		t = *trailer(p, osize);
		if ((t & TRAILER_TAG_MASK) == TRAILER_FREE) {
			sa_bad_free("double free of %p (%u-byte class)\n", p, osize);
			return false;
		}
		end = osize - sizeof(u64);
		size = t & ~TRAILER_TAG_MASK;
		if ((t & TRAILER_TAG_MASK) != TRAILER_ALLOC || size > end) {
			report("overflow over the trailer", p, osize, end);
		} else {
			off = first_not(p, size, end, SA_REDZONE);
			if (off < end)
				report("overflow into the red zone", p, osize, off);
		}
		*trailer(p, osize) = TRAILER_FREE;
	}
	if (sa_debug_flags & SA_DEBUG_POISON)
		memset(p, SA_POISON_FREE, end);
	else if (want_init_on_free())
		memset(p, 0, end);
	return true;
}

/**
 * sa_debug_usable() - usable bytes of a small object under debug mode
 * @p: the object
 * @cls: its class
 *
 * Return: the bytes requested, or 0 if the trailer says it is not live.
 */
size_t sa_debug_usable(const void *p, unsigned int cls)
{
	unsigned int osize = sa_classes[cls].size;
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
 * Return: SA_DEBUG_EXTRA with red zones (so every large object has one),
 * else 0.
 */
size_t sa_debug_large_extra(void)
{
	return sa_debug_flags & SA_DEBUG_REDZONE ? SA_DEBUG_EXTRA : 0;
}

/**
 * sa_debug_on_large_alloc() - prepare a large object being handed out
 * @p: the object
 * @size: bytes requested
 * @bytes: bytes of its pages
 */
void sa_debug_on_large_alloc(void *p, size_t size, size_t bytes)
{
	if (sa_debug_flags & SA_DEBUG_REDZONE)
		memset(p + size, SA_REDZONE, bytes - size);
}

/**
 * sa_debug_on_large_free() - check a large object being freed
 * @p: the object
 * @size: bytes requested
 * @bytes: bytes of its pages
 */
void sa_debug_on_large_free(void *p, size_t size, size_t bytes)
{
	size_t off;

	if (sa_debug_flags & SA_DEBUG_REDZONE) {
		off = first_not(p, size, bytes, SA_REDZONE);
		if (off < bytes)
			report("overflow into the red zone", p, bytes, off);
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
 * @flags: SA_DEBUG_* flags
 *
 * main.c's sa_api_debug_set() drains and checks the heap first.
 */
void sa_debug_enable(unsigned int flags)
{
	unsigned int cls;

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
	if (debug & ~(SA_DEBUG_POISON | SA_DEBUG_REDZONE))
		pr_warn("debug=%#x: unknown flags ignored\n", debug);
	sa_debug_enable(debug & (SA_DEBUG_POISON | SA_DEBUG_REDZONE));
	if (sa_debug_flags)
		pr_info("debug checks on: %s%s\n",
			sa_debug_flags & SA_DEBUG_POISON ? "poison " : "",
			sa_debug_flags & SA_DEBUG_REDZONE ? "redzone" : "");
}
