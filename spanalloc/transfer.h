/* SPDX-License-Identifier: GPL-2.0 */
/*
 * transfer.h - the transfer caches (transfer.c): per class, an array of
 * free objects between the per-CPU caches and the central lists, handed
 * over and taken a batch at a time.
 *
 * Provides: sa_transfer_fetch()/return() of batches, the drains
 * (sa_transfer_drain(), sa_transfer_drain_class()), counters.
 * Requires: central.h (batches to and from the spans when the array is
 * empty or full).
 * One transfer cache per class and NUMA node.
 * Locks: one raw spinlock per class and node, irq-safe, held only to copy one batch
 * in or out; no other spanalloc lock is taken under it and it is taken
 * under none: the central lists are called with it dropped.
 */
#ifndef _SPANALLOC_TRANSFER_H
#define _SPANALLOC_TRANSFER_H

#include "internal.h"

/* Largest batch the generator emits; on-stack transfer arrays use it. */
#define SA_MAX_BATCH	64

extern unsigned int sa_transfer_kib;

int sa_transfer_init(void);
void sa_transfer_exit(void);
int sa_transfer_fetch(unsigned int cls, void **objs, int need, int take, gfp_t gfp);
int sa_transfer_fetch_node(int node, unsigned int cls, void **objs, int need, int take,
			   gfp_t gfp);
void sa_transfer_return(unsigned int cls, void **objs, int nr);
void sa_transfer_return_node(int node, unsigned int cls, void **objs, int nr);
unsigned long sa_transfer_drain(unsigned long idle);
unsigned int sa_transfer_drain_class(unsigned int cls);

/**
 * struct sa_transfer_stats - one class's transfer cache, read under its lock
 * @objs: objects it holds
 * @cap: most objects it may hold
 * @hits: fetches served from the array alone
 * @misses: fetches that went to the central list (for all or part)
 * @inserts: returns the array took whole
 * @overflows: returns that went to the central list (for all or part)
 * @drained: objects the drains gave back to the central list
 * @remote: objects CPUs of other nodes sent home to it
 */
struct sa_transfer_stats {
	u64 objs, cap, hits, misses, inserts, overflows, drained, remote;
};

void sa_transfer_read_stats(unsigned int cls, struct sa_transfer_stats *st);
void sa_transfer_read_node_stats(int node, unsigned int cls, struct sa_transfer_stats *st);
u64 sa_transfer_bytes(void);
size_t sa_transfer_metadata_bytes(void);

#endif /* _SPANALLOC_TRANSFER_H */
