/* SPDX-License-Identifier: GPL-2.0 */
/*
 * debug.h - debug mode (debug.c, module parameter debug=): poison, red
 * zones, trailer tags and call sites on the size classes' objects (tiny
 * requests included) and typed caches' objects, red zones and poison on
 * large objects.
 *
 * Provides: the checks main.c and kcache.c run on handout and takeback,
 * the layout typed caches take, and the span hook that poisons a new
 * span. Requires: central.h (span hooks), sites.h
 * (the call site in a report).
 * Locks: none.
 */
#ifndef _SPANALLOC_DEBUG_H
#define _SPANALLOC_DEBUG_H

#include "internal.h"

#include <linux/jump_label.h>

#define SA_DEBUG_POISON		BIT(0)
#define SA_DEBUG_REDZONE	BIT(1)
#define SA_DEBUG_TRACK		BIT(2)
#define SA_POISON_FREE		0x6b
#define SA_REDZONE		0xbb
#define SA_DEBUG_EXTRA		16	/* red zone (at least 8) + trailer */
DECLARE_STATIC_KEY_FALSE(sa_debug_key);
extern unsigned int sa_debug_flags;
void sa_debug_init(void);
void sa_debug_enable(unsigned int flags);
size_t sa_debug_extra(void);
unsigned int sa_debug_class(size_t size);
unsigned int sa_debug_cache_class(unsigned int size, unsigned int align);
unsigned int sa_debug_fp_off(unsigned int size);
void sa_debug_new_obj(void *p, unsigned int cls);
void sa_debug_on_alloc(void *p, unsigned int cls, size_t size, gfp_t gfp, unsigned long ip);
bool sa_debug_on_free(void *p, unsigned int cls, unsigned long ip);
void sa_debug_double_free(void *p, unsigned int cls, unsigned long ip);
size_t sa_debug_usable(const void *p, unsigned int cls);
size_t sa_debug_large_extra(void);
void sa_debug_on_large_alloc(void *p, size_t size, size_t bytes, unsigned long ip);
void sa_debug_on_large_free(void *p, size_t size, size_t bytes, unsigned long ip);

#endif /* _SPANALLOC_DEBUG_H */
