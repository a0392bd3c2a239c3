/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcache.h - typed caches (kcache.c): kmem_cache semantics on the levels
 * below, merged into a size class or with a dynamic class of their own.
 *
 * Provides: what spanalloc_free()/usable_size() need for objects of a
 * dynamic class, and the debugfs caches file.
 * Requires: cpu_cache.h, central.h. Locks: sa_kcache_mutex (process
 * context), nothing nested in it.
 */
#ifndef _SPANALLOC_KCACHE_H
#define _SPANALLOC_KCACHE_H

#include "internal.h"

struct seq_file;
void sa_kcache_free_own(struct sa_span *span, void *p, unsigned long ip);
unsigned int sa_kcache_count(void);
size_t sa_kcache_usable(struct sa_span *span, const void *p);
void sa_kcache_show(struct seq_file *m);
void sa_kcache_exit(void);

#endif /* _SPANALLOC_KCACHE_H */
