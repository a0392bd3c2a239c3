/* SPDX-License-Identifier: GPL-2.0 */
/*
 * reclaim.h - the shrinker and the background scavenger (reclaim.c), at
 * the top, built on the API.
 *
 * Requires: main.h (sa_api_flush()), page_heap.h (release of free pieces).
 */
#ifndef _SPANALLOC_RECLAIM_H
#define _SPANALLOC_RECLAIM_H

#include "internal.h"

int sa_reclaim_init(void);
void sa_reclaim_exit(void);
void sa_scavenger_pause(bool pause);
#if IS_ENABLED(CONFIG_KUNIT)
unsigned long sa_shrinker_scan(gfp_t gfp);
#endif

#endif /* _SPANALLOC_RECLAIM_H */
