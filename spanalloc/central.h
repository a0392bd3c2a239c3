/* SPDX-License-Identifier: GPL-2.0 */
/*
 * central.h - the central lists (central.c): per class, spans partial,
 * full and wholly free, and batches of objects to and from the CPU caches.
 *
 * Provides: sa_central_fetch()/return() of batches, release of empty spans,
 * counters, and the span hooks (struct sa_span_ops) levels above register
 * for a class's new and freed spans.
 * Requires: page_heap.h (spans, sa_span_of()).
 * One set of lists per NUMA node (sa_span::node says whose a span is).
 * Locks: one irq-safe spinlock per class and node; no other spanalloc lock is taken
 * under it, and it is taken under none.
 */
#ifndef _SPANALLOC_CENTRAL_H
#define _SPANALLOC_CENTRAL_H

#include "internal.h"

/* Central lists (central.c). */
int sa_central_init(void);
void sa_central_exit(void);
int sa_central_fetch(unsigned int cls, void **objs, int nr, gfp_t gfp);
int sa_central_fetch_node(int node, unsigned int cls, void **objs, int nr, gfp_t gfp);
int sa_central_fetch_some(int node, unsigned int cls, void **objs, int nr, gfp_t gfp);
void sa_central_return(unsigned int cls, void **objs, int nr);
void sa_central_release_empty(void);

/**
 * struct sa_central_stats - one class's central list, read under its lock
 * @spans: spans the class holds
 * @free_objs: free objects in those spans
 * @inuse_objs: objects out of the spans (cached or live)
 * @lost_objs: objects dropped with a corrupted free list
 * @corruptions: corrupted free-list links found
 * @refused: frees refused when they reached their span (they were counted
 *	as frees by the CPU cache that passed them on)
 * @lock_count: times the class lock was taken
 */
struct sa_central_stats {
	u64 spans, free_objs, inuse_objs, lost_objs, corruptions, refused, lock_count;
};

/**
 * struct sa_span_ops - what a level above needs done to a class's spans
 * @init: on a new span, before any object leaves it (tiny block state,
 *	debug poison, constructors); non-zero fails the span
 * @fini: before the span goes back to the page heap
 * @rcu: the span goes back only after an RCU grace period
 *
 * Registered with sa_central_set_ops(); the central lists call them
 * without knowing who registered them.
 */
struct sa_span_ops {
	int (*init)(struct sa_span *span, gfp_t gfp);
	void (*fini)(struct sa_span *span);
	bool rcu;
};

void sa_central_set_ops(unsigned int cls, const struct sa_span_ops *ops);

void sa_central_read_stats(unsigned int cls, struct sa_central_stats *st);
void sa_central_read_node_stats(int node, unsigned int cls, struct sa_central_stats *st);
unsigned int sa_central_nr_spans(unsigned int cls, int list);
unsigned int sa_central_release_class(unsigned int cls);
u64 sa_central_recount(unsigned int cls);

#endif /* _SPANALLOC_CENTRAL_H */
