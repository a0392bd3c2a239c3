// SPDX-License-Identifier: GPL-2.0
/*
 * slab_api.c - the kmalloc family with kmalloc's exact semantics, for
 * include/spanalloc_slab.h (the drop-in header) and for callers that mix
 * spanalloc memory with the kernel's.
 *
 * What it does: each function takes memory spanalloc owns and, for the
 * frees, memory the kernel's kmalloc()/vmalloc() gave (a string from
 * kstrdup(), a buffer from kasprintf(), a kvmalloc() that fell back to
 * vmalloc): those go to the kernel's own kfree()/kvfree()/ksize() and are
 * counted in passthrough_frees. Ownership is decided by sa_span_of(), so
 * garbage is still the kernel's to catch, as it would be under SLUB.
 *
 * Locking: none of its own.
 *
 * What it asks of the levels below: the public API (main.c), and its
 * sa_alloc_at()/sa_realloc_at() so that the sites table and kmemleak see
 * the client's call site, not this file's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/overflow.h>
#include <linux/vmalloc.h>
#include "internal.h"
#include "page_heap.h"
#include "cpu_cache.h"
#include "main.h"

static inline bool owned(const void *p)
{
	return sa_span_of(p);
}

static void passthrough(void)
{
	this_cpu_inc(sa_cpus->stats.passthrough_frees);
}

/*
 * Free @p: spanalloc's memory to spanalloc, the kernel's to @kernel_free
 * (kfree or kvfree), counted. NULL and %ZERO_SIZE_PTR are ignored.
 */
static __always_inline void free_either(const void *p, void (*kernel_free)(const void *))
{
	if (ZERO_OR_NULL_PTR(p))
		return;
	if (likely(owned(p))) {
		sa_free_at(p, _RET_IP_);
		return;
	}
	passthrough();
	kernel_free(p);
}

/**
 * spanalloc_kfree() - kfree() for spanalloc and kernel memory alike
 * @p: memory from spanalloc or from the kernel's kmalloc(); NULL and
 *	%ZERO_SIZE_PTR are ignored
 *
 * Context: any.
 */
void spanalloc_kfree(const void *p)
{
	free_either(p, kfree);
}
EXPORT_SYMBOL_GPL(spanalloc_kfree);

/**
 * spanalloc_kvfree() - kvfree() for spanalloc, kmalloc and vmalloc memory
 * @p: the memory, or NULL
 *
 * Context: as kvfree(): vmalloc memory needs process context.
 */
void spanalloc_kvfree(const void *p)
{
	free_either(p, kvfree);
}
EXPORT_SYMBOL_GPL(spanalloc_kvfree);

/**
 * spanalloc_kfree_sensitive() - kfree_sensitive(): wipe, then free
 * @p: the memory, or NULL
 *
 * Context: any.
 */
void spanalloc_kfree_sensitive(const void *p)
{
	size_t n;

	if (ZERO_OR_NULL_PTR(p))
		return;
	if (!owned(p)) {
		passthrough();
		kfree_sensitive(p);
		return;
	}
	n = spanalloc_usable_size(p);
	if (n)
		memzero_explicit((void *)p, n);
	sa_free_at(p, _RET_IP_);
}
EXPORT_SYMBOL_GPL(spanalloc_kfree_sensitive);

/**
 * spanalloc_ksize() - ksize() for spanalloc and kernel memory
 * @p: the memory
 *
 * Return: the usable bytes.
 */
size_t spanalloc_ksize(const void *p)
{
	if (ZERO_OR_NULL_PTR(p))
		return 0;
	if (owned(p))
		return spanalloc_usable_size(p);
	return ksize(p);
}
EXPORT_SYMBOL_GPL(spanalloc_ksize);

/**
 * spanalloc_krealloc() - krealloc() for spanalloc and kernel memory
 * @p: the object, or NULL
 * @new_size: bytes wanted
 * @gfp: allocation flags
 *
 * The kernel's memory moves to spanalloc (its usable bytes are copied and
 * it is freed with kfree()). Context: as spanalloc_alloc().
 * Return: the object, or NULL with @p untouched.
 */
void *spanalloc_krealloc(const void *p, size_t new_size, gfp_t gfp)
{
	size_t old;
	void *q;

	if (ZERO_OR_NULL_PTR(p) || owned(p))
		return sa_realloc_at(p, new_size, gfp, _RET_IP_);
	if (!new_size) {
		passthrough();
		kfree(p);
		return ZERO_SIZE_PTR;
	}
	q = sa_alloc_at(new_size, gfp, NUMA_NO_NODE, _RET_IP_);
	if (!q)
		return NULL;
	old = ksize(p);
	memcpy(q, p, min(old, new_size));
	if (new_size > old && want_init_on_alloc(gfp))
		memset(q + old, 0, new_size - old);
	passthrough();
	kfree(p);
	return q;
}
EXPORT_SYMBOL_GPL(spanalloc_krealloc);

/**
 * spanalloc_kmemdup() - kmemdup(): a copy of @len bytes at @src
 * @src: the bytes
 * @len: how many
 * @gfp: allocation flags
 *
 * Context: as spanalloc_alloc().
 * Return: the copy, or NULL.
 */
void *spanalloc_kmemdup(const void *src, size_t len, gfp_t gfp)
{
	void *p = sa_alloc_at(len, gfp, NUMA_NO_NODE, _RET_IP_);

	if (p && len)
		memcpy(p, src, len);
	return p;
}
EXPORT_SYMBOL_GPL(spanalloc_kmemdup);

/**
 * spanalloc_kvmalloc_node() - kvmalloc_node(): spanalloc, else vmalloc
 * @size: bytes
 * @gfp: allocation flags (GFP_KERNEL-compatible for the vmalloc fallback)
 * @node: node, or %NUMA_NO_NODE
 *
 * Sizes above a page try spanalloc without retrying hard, then the
 * kernel's kvmalloc_node() (vmalloc), as kvmalloc() does with kmalloc.
 * Context: as kvmalloc_node().
 * Return: the memory, or NULL.
 */
void *spanalloc_kvmalloc_node(size_t size, gfp_t gfp, int node)
{
	gfp_t first = gfp;
	void *p;

	if (size > PAGE_SIZE && gfpflags_allow_blocking(gfp))
		first = (gfp | __GFP_NOWARN | __GFP_NORETRY) & ~__GFP_NOFAIL;
	p = sa_alloc_at(size, first, node, _RET_IP_);
	if (p || size <= PAGE_SIZE || !gfpflags_allow_blocking(gfp))
		return p;
	return kvmalloc_node(size, gfp, node);
}
EXPORT_SYMBOL_GPL(spanalloc_kvmalloc_node);
