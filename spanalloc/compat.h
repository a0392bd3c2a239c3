/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels spanalloc builds against (Debian 12's
 * 6.1 and the backported 6.12). Each is keyed on a macro the newer headers
 * define (checkpatch rejects LINUX_VERSION_CODE tests); the comment names
 * the version. Only what spanalloc uses; no copies of kernel code.
 */
#ifndef _SPANALLOC_COMPAT_H
#define _SPANALLOC_COMPAT_H

#include <linux/log2.h>
#include <linux/mmzone.h>
#include <linux/shrinker.h>
#include <linux/percpu.h>

/*
 * 6.8 renamed MAX_ORDER to MAX_PAGE_ORDER, and before 6.4 MAX_ORDER was
 * one past the largest order; MAX_ORDER_NR_PAGES always means the largest.
 */
#ifndef MAX_PAGE_ORDER
#define MAX_PAGE_ORDER	ilog2(MAX_ORDER_NR_PAGES)
#endif

/* struct_size_t() appeared in 6.5. */
#ifndef struct_size_t
#define struct_size_t(type, member, count) \
	struct_size((type *)NULL, member, count)
#endif

/* this_cpu_try_cmpxchg() appeared in 6.4. */
#ifndef this_cpu_try_cmpxchg
#define this_cpu_try_cmpxchg(pcp, ovalp, nval)				\
({									\
	typeof(ovalp) __sa_p = (ovalp);					\
	typeof(*__sa_p) __sa_old = *__sa_p;				\
	typeof(*__sa_p) __sa_cur = this_cpu_cmpxchg(pcp, __sa_old, nval); \
	bool __sa_ok = __sa_cur == __sa_old;				\
									\
	if (!__sa_ok)							\
		*__sa_p = __sa_cur;					\
	__sa_ok;							\
})
#endif

/*
 * 6.3 passes kvfree_call_rcu() the object (and added kvfree_rcu_mightsleep());
 * before, the rcu_head's offset in the object, as a callback pointer.
 */
#include <linux/rcupdate.h>
static inline void sa_kvfree_call_rcu(struct rcu_head *head, const void *obj)
{
#ifdef kvfree_rcu_mightsleep
	kvfree_call_rcu(head, (void *)obj);
#else
	kvfree_call_rcu(head, (rcu_callback_t)((unsigned long)head - (unsigned long)obj));
#endif
}

/* Shrinkers are allocated by the core since 6.7 (SHRINKER_ALLOCATED). */
static inline struct shrinker *
sa_shrinker_create(unsigned long (*count)(struct shrinker *, struct shrink_control *),
		   unsigned long (*scan)(struct shrinker *, struct shrink_control *))
{
#ifdef SHRINKER_ALLOCATED
	struct shrinker *s = shrinker_alloc(0, "spanalloc");

	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	shrinker_register(s);
	return s;
#else
	static struct shrinker s = { .seeks = DEFAULT_SEEKS };

	s.count_objects = count;
	s.scan_objects = scan;
	return register_shrinker(&s, "spanalloc") ? NULL : &s;
#endif
}

static inline void sa_shrinker_destroy(struct shrinker *s)
{
#ifdef SHRINKER_ALLOCATED
	shrinker_free(s);
#else
	unregister_shrinker(s);
#endif
}

#endif /* _SPANALLOC_COMPAT_H */
