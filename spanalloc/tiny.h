/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tiny.h - the tiny allocator (tiny.c): 1..16-byte objects packed into
 * 16-byte blocks of the pseudo class SA_CLASS_TINY.
 *
 * Provides: allocation, free and usable size of tiny objects, and the
 * per-CPU flush of the open block (called, before the CPU cache's own
 * flush, by the drain in main.c and the CPU hotplug callback).
 * Requires: cpu_cache.h (blocks), central.h (span hooks for the per-block
 * state). Locks: each CPU's tiny_lock (see tiny.c), nothing nested in it.
 */
#ifndef _SPANALLOC_TINY_H
#define _SPANALLOC_TINY_H

#include "internal.h"
#include "cpu_cache.h"	/* enum sa_flush_by */

void sa_tiny_init(void);
void *sa_tiny_alloc(size_t size, gfp_t gfp);
void sa_tiny_free(struct sa_span *span, const void *p);
size_t sa_tiny_usable(struct sa_span *span, const void *p);
void sa_tiny_flush(int cpu, enum sa_flush_by by);
bool sa_tiny_holds_block(int cpu);
size_t sa_tiny_metadata_bytes(void);
void sa_tiny_walk_live(struct sa_span *span, void (*fn)(const void *p));

#endif /* _SPANALLOC_TINY_H */
