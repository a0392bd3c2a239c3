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
#include "sites.h"

#include <linux/spinlock.h>
#include <linux/string.h>

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

/*
 * Report lines captured through sa_set_report_hook() (sites.c), so a case can
 * check what a report says. One capture at a time (suites run one after
 * another); a kunit action drops the hook however the case ends.
 */
static __maybe_unused DEFINE_RAW_SPINLOCK(sa_test_lines_lock);
static __maybe_unused char sa_test_lines[4096];
static __maybe_unused size_t sa_test_lines_len;

static inline void sa_test_line(const char *line)
{
	unsigned long flags;
	size_t n = strlen(line);

	raw_spin_lock_irqsave(&sa_test_lines_lock, flags);
	if (sa_test_lines_len + n + 2 <= sizeof(sa_test_lines)) {
		memcpy(sa_test_lines + sa_test_lines_len, line, n);
		sa_test_lines_len += n;
		if (!n || line[n - 1] != '\n')
			sa_test_lines[sa_test_lines_len++] = '\n';
		sa_test_lines[sa_test_lines_len] = 0;
	}
	raw_spin_unlock_irqrestore(&sa_test_lines_lock, flags);
}

static __maybe_unused bool sa_test_capturing;

static inline void sa_test_uncapture(void *unused)
{
	sa_set_report_hook(NULL);
	sa_test_capturing = false;
}

/* Start capturing report lines (again: what was captured is dropped). */
static inline void sa_test_capture(struct kunit *test)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&sa_test_lines_lock, flags);
	sa_test_lines_len = 0;
	sa_test_lines[0] = 0;
	raw_spin_unlock_irqrestore(&sa_test_lines_lock, flags);
	if (!sa_test_capturing) {
		sa_test_capturing = true;
		sa_set_report_hook(sa_test_line);
		KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, sa_test_uncapture, NULL), 0);
	}
}

/* Is there a captured line holding both @a and @b (@b may be NULL)? */
static inline bool sa_test_captured(const char *a, const char *b)
{
	const char *line = sa_test_lines, *end;

	while (*line) {
		end = strchrnul(line, '\n');
		if (strnstr(line, a, end - line) && (!b || strnstr(line, b, end - line)))
			return true;
		line = *end ? end + 1 : end;
	}
	return false;
}

#endif /* _SA_TEST_H */
