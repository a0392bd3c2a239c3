/* SPDX-License-Identifier: GPL-2.0 */
/*
 * main.h - the API's internal side (main.c), for the levels built on the
 * API (rcu_free.c, slab_api.c, reclaim.c, debugfs.c).
 *
 * Provides: sa_api_flush() (every CPU's tiny block, remote buffer and
 * cache, then empty spans: the one drain sequence),
 * sa_api_debug_set(), sa_object_start(), sa_alloc_at(), sa_realloc_at()
 * and sa_free_at() (the API with the client's call site passed down by a
 * wrapper).
 * Requires: every level below. Locks: none of its own.
 */
#ifndef _SPANALLOC_MAIN_H
#define _SPANALLOC_MAIN_H

#include "internal.h"

int sa_api_init(void);
void sa_api_exit(void);
void sa_api_report_leaks(void);
void sa_api_free_large(struct sa_span *span);
void sa_api_flush(void);
int sa_api_debug_set(unsigned int flags);
void *sa_object_start(const void *p);
void *sa_alloc_at(size_t size, gfp_t gfp, int node, unsigned long caller);
void *sa_realloc_at(const void *p, size_t new_size, gfp_t gfp, unsigned long caller);
void sa_free_at(const void *p, unsigned long caller);

#endif /* _SPANALLOC_MAIN_H */
