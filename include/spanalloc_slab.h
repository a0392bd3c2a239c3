/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The drop-in header: run an unmodified module on spanalloc.
 *
 * Add one line to the module's Kbuild (plus spanalloc's Module.symvers in
 * KBUILD_EXTRA_SYMBOLS, as for any spanalloc client): "ccflags-y +=
 * -include" this header's path, and "-I" spanalloc's include directory
 * (README: "Running an unmodified module on spanalloc"). Kernel 6.6 or
 * later (linux/args.h).
 *
 * and its kmalloc family, kmem_cache_*(), kfree_rcu() and the __free(kfree)
 * cleanup class are served by spanalloc.ko. The header first includes the
 * kernel's own slab, RCU and string headers, then redefines their names as
 * macros, so the kernel's definitions are never seen twice and every use
 * that follows, in the module or in kernel headers it includes later, is
 * spanalloc's.
 *
 * The one rule: memory from spanalloc must not reach kernel code that
 * frees it with the kernel's kfree() (a buffer the core takes ownership
 * of). The reverse is fine: frees of the kernel's memory (kstrdup(),
 * kasprintf(), a kvmalloc() that fell back to vmalloc) go to the kernel
 * and are counted in passthrough_frees. Should the kernel free spanalloc's
 * memory, SLUB sees a page that is not a slab and WARNs in
 * free_large_kmalloc() ("Not a kmalloc allocation") or reports a bad page
 * state; spanalloc's debugfs memstats shows the object as still live.
 */
#ifndef _SPANALLOC_SLAB_H
#define _SPANALLOC_SLAB_H

#include <linux/slab.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/cleanup.h>
#include <linux/args.h>
#include <spanalloc.h>

/* The kmalloc family. */
#undef kmalloc
#define kmalloc(size, gfp)		spanalloc_alloc(size, gfp)
#undef kzalloc
#define kzalloc(size, gfp)		spanalloc_zalloc(size, gfp)
#undef kmalloc_node
#define kmalloc_node(size, gfp, node)	spanalloc_alloc_node(size, gfp, node)
#undef kzalloc_node
#define kzalloc_node(size, gfp, node)	spanalloc_alloc_node(size, (gfp) | __GFP_ZERO, node)
#undef kmalloc_array
#define kmalloc_array(n, size, gfp)	spanalloc_alloc_array(n, size, gfp)
#undef kcalloc
#define kcalloc(n, size, gfp)		spanalloc_alloc_array(n, size, (gfp) | __GFP_ZERO)
#undef kmalloc_array_node
#define kmalloc_array_node(n, size, gfp, node)	sa_slab_alloc_array_node(n, size, gfp, node)
#undef kcalloc_node
#define kcalloc_node(n, size, gfp, node)	\
	sa_slab_alloc_array_node(n, size, (gfp) | __GFP_ZERO, node)
#undef krealloc
#define krealloc(p, size, gfp)		spanalloc_krealloc(p, size, gfp)
#undef krealloc_array
#define krealloc_array(p, n, size, gfp)	sa_slab_krealloc_array(p, n, size, gfp)
#undef kmemdup
#define kmemdup(src, len, gfp)		spanalloc_kmemdup(src, len, gfp)
#undef kfree
#define kfree(p)			spanalloc_kfree(p)
#undef kfree_sensitive
#define kfree_sensitive(p)		spanalloc_kfree_sensitive(p)
#undef ksize
#define ksize(p)			spanalloc_ksize(p)
#undef kvmalloc
#define kvmalloc(size, gfp)		spanalloc_kvmalloc_node(size, gfp, NUMA_NO_NODE)
#undef kvzalloc
#define kvzalloc(size, gfp)		\
	spanalloc_kvmalloc_node(size, (gfp) | __GFP_ZERO, NUMA_NO_NODE)
#undef kvmalloc_node
#define kvmalloc_node(size, gfp, node)	spanalloc_kvmalloc_node(size, gfp, node)
#undef kvzalloc_node
#define kvzalloc_node(size, gfp, node)	\
	spanalloc_kvmalloc_node(size, (gfp) | __GFP_ZERO, node)
#undef kvmalloc_array
#define kvmalloc_array(n, size, gfp)	sa_slab_kvmalloc_array(n, size, gfp)
#undef kvcalloc
#define kvcalloc(n, size, gfp)		sa_slab_kvmalloc_array(n, size, (gfp) | __GFP_ZERO)
#undef kvfree
#define kvfree(p)			spanalloc_kvfree(p)

static inline void *sa_slab_alloc_array_node(size_t n, size_t size, gfp_t gfp, int node)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return spanalloc_alloc_node(bytes, gfp, node);
}

static inline void *sa_slab_krealloc_array(const void *p, size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return spanalloc_krealloc(p, bytes, gfp);
}

static inline void *sa_slab_kvmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return spanalloc_kvmalloc_node(bytes, gfp, NUMA_NO_NODE);
}

/* __free(kfree) and __free(kvfree): the cleanup class, spanalloc's way. */
static inline void sa_slab_free_kfree(void *p)
{
	void *obj = *(void **)p;

	if (!IS_ERR_OR_NULL(obj))
		spanalloc_kfree(obj);
}

static inline void sa_slab_free_kvfree(void *p)
{
	void *obj = *(void **)p;

	if (!IS_ERR_OR_NULL(obj))
		spanalloc_kvfree(obj);
}

#define __free_kfree	sa_slab_free_kfree
#define __free_kvfree	sa_slab_free_kvfree

/* Typed caches: struct kmem_cache is spanalloc's cache under its old name. */
static inline struct kmem_cache *sa_slab_cache_create(const char *name, unsigned int size,
						      unsigned int align, slab_flags_t flags,
						      void (*ctor)(void *))
{
	return (struct kmem_cache *)spanalloc_cache_create(name, size, align, flags, ctor);
}

#define SA_SLAB_CACHE(c)	((struct spanalloc_cache *)(c))

#ifdef kmem_cache_create
/* 6.12: kmem_cache_create() takes five arguments or (name, size, args, flags). */
static inline struct kmem_cache *sa_slab_cache_create_args(const char *name, unsigned int size,
							   struct kmem_cache_args *args,
							   slab_flags_t flags)
{
	return sa_slab_cache_create(name, size, args ? args->align : 0, flags,
				    args ? args->ctor : NULL);
}

#undef kmem_cache_create
#define sa_slab_kcc_5		sa_slab_cache_create
#define sa_slab_kcc_4		sa_slab_cache_create_args
#define kmem_cache_create(...)	CONCATENATE(sa_slab_kcc_, COUNT_ARGS(__VA_ARGS__))(__VA_ARGS__)
#else
#define kmem_cache_create(name, size, align, flags, ctor)			\
	sa_slab_cache_create(name, size, align, flags, ctor)
#endif
static inline struct kmem_cache *
sa_slab_cache_create_usercopy(const char *name, unsigned int size, unsigned int align,
			      slab_flags_t flags, unsigned int useroffset,
			      unsigned int usersize, void (*ctor)(void *))
{
	return sa_slab_cache_create(name, size, align, flags, ctor);
}

#undef kmem_cache_create_usercopy
#define kmem_cache_create_usercopy	sa_slab_cache_create_usercopy
#undef KMEM_CACHE
#define KMEM_CACHE(s, flags)							\
	sa_slab_cache_create(#s, sizeof(struct s), __alignof__(struct s), flags, NULL)
#undef KMEM_CACHE_USERCOPY
#define KMEM_CACHE_USERCOPY(s, flags, field)					\
	sa_slab_cache_create_usercopy(#s, sizeof(struct s), __alignof__(struct s), flags, \
				      offsetof(struct s, field), sizeof_field(struct s, field), \
				      NULL)
#undef kmem_cache_destroy
#define kmem_cache_destroy(c)		spanalloc_cache_destroy(SA_SLAB_CACHE(c))
#undef kmem_cache_alloc
#define kmem_cache_alloc(c, gfp)	spanalloc_cache_alloc(SA_SLAB_CACHE(c), gfp)
#undef kmem_cache_zalloc
#define kmem_cache_zalloc(c, gfp)	spanalloc_cache_alloc(SA_SLAB_CACHE(c), (gfp) | __GFP_ZERO)
static inline void *sa_slab_cache_alloc_lru(struct kmem_cache *c, struct list_lru *lru, gfp_t gfp)
{
	return spanalloc_cache_alloc(SA_SLAB_CACHE(c), gfp);
}

#undef kmem_cache_alloc_lru
#define kmem_cache_alloc_lru		sa_slab_cache_alloc_lru
#undef kmem_cache_alloc_node
#define kmem_cache_alloc_node(c, gfp, node)	\
	spanalloc_cache_alloc_node(SA_SLAB_CACHE(c), gfp, node)
#undef kmem_cache_free
#define kmem_cache_free(c, p)		spanalloc_cache_free(SA_SLAB_CACHE(c), p)
#undef kmem_cache_alloc_bulk
#define kmem_cache_alloc_bulk(c, gfp, n, p)	\
	spanalloc_cache_alloc_bulk(SA_SLAB_CACHE(c), gfp, n, p)
#undef kmem_cache_free_bulk
#define kmem_cache_free_bulk(c, n, p)	spanalloc_cache_free_bulk(SA_SLAB_CACHE(c), n, p)
#undef kmem_cache_size
#define kmem_cache_size(c)		spanalloc_cache_size(SA_SLAB_CACHE(c))
#undef kmem_cache_shrink
#define kmem_cache_shrink(c)		({ (void)(c); 0; })

/* kfree_rcu() and friends: batched per CPU, freed with the bulk path. */
#undef kfree_rcu
#define kfree_rcu(ptr, rhf)							\
do {										\
	typeof(ptr) ___sa_p = (ptr);						\
										\
	if (___sa_p)								\
		spanalloc_free_rcu(___sa_p, &___sa_p->rhf);			\
} while (0)
#undef kvfree_rcu
#define sa_slab_kvfree_rcu_1(ptr)	spanalloc_free_rcu(ptr, NULL)
#define sa_slab_kvfree_rcu_2		kfree_rcu
#define kvfree_rcu(...)		\
	CONCATENATE(sa_slab_kvfree_rcu_, COUNT_ARGS(__VA_ARGS__))(__VA_ARGS__)
#undef kfree_rcu_mightsleep
#define kfree_rcu_mightsleep(ptr)	spanalloc_free_rcu(ptr, NULL)
#undef kvfree_rcu_mightsleep
#define kvfree_rcu_mightsleep(ptr)	spanalloc_free_rcu(ptr, NULL)

#endif /* _SPANALLOC_SLAB_H */
