/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by spanalloc's KUnit suites: every case starts from a
 * drained heap and must leave no live object behind it.
 */
#ifndef _SA_TEST_H
#define _SA_TEST_H

#include <kunit/test.h>
#include <spanalloc.h>
#include "internal.h"
#include "page_heap.h"
#include "central.h"
#include "cpu_cache.h"
#include "tiny.h"
#include "debug.h"
#include "kcache.h"
#include "main.h"
#include "rcu_free.h"
#include "reclaim.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

static inline struct spanalloc_memstats sa_test_stats(void)
{
	struct spanalloc_memstats ms;

	spanalloc_read_memstats(&ms);
	return ms;
}

/* Suite .init: drain, remember the live objects. */
static inline int sa_test_case_init(struct kunit *test)
{
	u64 *live = kunit_kzalloc(test, sizeof(*live), GFP_KERNEL);

	if (!live)
		return -ENOMEM;
	/* The background scavenger would flush caches under the case's feet. */
	sa_scavenger_pause(true);
	spanalloc_drain();
	*live = sa_test_stats().live_objects;
	test->priv = live;
	return 0;
}

/* Suite .exit: the case freed everything it allocated. */
static inline void sa_test_case_exit(struct kunit *test)
{
	u64 *live = test->priv;

	KUNIT_EXPECT_EQ_MSG(test, sa_test_stats().live_objects, *live,
			    "the case left live objects behind");
	sa_scavenger_pause(false);
}

/* Bytes in one page-heap chunk: objects above it come straight from the kernel. */
static inline size_t sa_test_chunk_bytes(void)
{
	return PAGE_SIZE << sa_chunk_order;
}

#endif /* _SA_TEST_H */
