/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rcu_free.h - frees after an RCU grace period (rcu_free.c), built on the
 * API.
 *
 * Provides: load, unload and flush of the per-CPU batches.
 * Requires: main.c's API. Locks: a raw spinlock per CPU, nothing in it.
 */
#ifndef _SPANALLOC_RCU_FREE_H
#define _SPANALLOC_RCU_FREE_H

#include "internal.h"

int sa_rcu_free_init(void);
void sa_rcu_free_exit(void);
void sa_rcu_free_flush(void);

#endif /* _SPANALLOC_RCU_FREE_H */
