/* SPDX-License-Identifier: GPL-2.0 */
/*
 * main.h - the API's internal side (main.c), for the levels built on the
 * API (rcu_free.c, slab_api.c, reclaim.c, debugfs.c).
 *
 * Provides: sa_api_flush() (every CPU's tiny block and cache, then empty
 * spans: the one drain sequence), sa_api_debug_set(), sa_object_start().
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

#endif /* _SPANALLOC_MAIN_H */
