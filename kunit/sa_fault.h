/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for KUnit cases that need the world around spanalloc to change:
 * setting a module parameter through sysfs (mounted by the guest's /init
 * before any module loads), and failing this task's page allocations in
 * the middle of a call with fail_page_alloc (CONFIG_FAIL_PAGE_ALLOC and
 * CONFIG_FAULT_INJECTION_DEBUG_FS, in kunit/test.config).
 */
#ifndef _SA_FAULT_H
#define _SA_FAULT_H

#include <kunit/test.h>
#include <linux/fault-inject.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/string.h>

#define SA_PARAM_DIR	"/sys/module/spanalloc/parameters/"

/* Write @val to the (sysfs) file at @path. Return: 0 or a negative errno. */
static inline int sa_write_file(const char *path, const char *val)
{
	struct file *f = filp_open(path, O_WRONLY, 0);
	loff_t pos = 0;
	ssize_t n;

	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_write(f, val, strlen(val), &pos);
	filp_close(f, NULL);
	return n < 0 ? n : 0;
}

/* Set spanalloc's module parameter @name, as echo VAL > sysfs does. */
static inline int sa_set_param(const char *name, unsigned long val)
{
	char path[96], buf[24];

	snprintf(path, sizeof(path), SA_PARAM_DIR "%s", name);
	snprintf(buf, sizeof(buf), "%lu", val);
	return sa_write_file(path, buf);
}

struct sa_param_restore {
	const char *name;
	unsigned long val;
};

static inline void sa_param_restore_action(void *arg)
{
	struct sa_param_restore *r = arg;

	sa_set_param(r->name, r->val);
}

/**
 * sa_set_param_for_case() - set a module parameter for the rest of a case
 * @test: the case
 * @name: spanalloc's parameter
 * @val: its value from now on
 * @restore: the value it gets back when the case ends, however it ends
 *
 * Return: 0 or a negative errno (of the write, or -ENOMEM).
 */
static inline int sa_set_param_for_case(struct kunit *test, const char *name,
					unsigned long val, unsigned long restore)
{
	struct sa_param_restore *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	if (!r)
		return -ENOMEM;
	r->name = name;
	r->val = restore;
	if (kunit_add_action(test, sa_param_restore_action, r))
		return -ENOMEM;
	return sa_set_param(name, val);
}

/*
 * GFP for calls that should fail where sa_fail_pages_after() says:
 * fail_page_alloc by default leaves alone allocations that may reclaim
 * directly and those of order 0, so the calls must not reclaim (their
 * spans and large objects are of order 1 or more). No warning either.
 */
#define SA_GFP_FAILABLE	(GFP_NOWAIT | __GFP_NOWARN)

#ifdef CONFIG_FAIL_PAGE_ALLOC
/*
 * fail_page_alloc's struct fault_attr. Its debugfs knobs cannot be written
 * from the kernel (debugfs attribute files have no write_iter), but each
 * knob's inode points at its field (debugfs_create_*() keep the value's
 * address in i_private): "probability" at attr->probability.
 */
static inline struct fault_attr *sa_fpa_attr(void)
{
	struct file *f = filp_open("/sys/kernel/debug/fail_page_alloc/probability", O_RDONLY, 0);
	struct fault_attr *attr;

	if (IS_ERR(f))
		return NULL;
	attr = container_of((unsigned long *)file_inode(f)->i_private, struct fault_attr,
			    probability);
	filp_close(f, NULL);
	return attr;
}
#endif

/* Nothing fails any more (fail_page_alloc's defaults). */
static inline void sa_fail_pages_stop(void)
{
#ifdef CONFIG_FAIL_PAGE_ALLOC
	struct fault_attr *attr = sa_fpa_attr();

	current->make_it_fail = 0;
	if (!attr)
		return;
	WRITE_ONCE(attr->probability, 0);
	attr->task_filter = false;
	atomic_set(&attr->space, 0);
	atomic_set(&attr->times, 1);
	attr->verbose = 2;
#endif
}

static inline void sa_fail_pages_stop_action(void *unused)
{
	sa_fail_pages_stop();
}

/**
 * sa_fail_pages_after() - from now on, this task's failable page
 *	allocations fail once @budget pages of them have gone through
 * @test: the case; skipped without fail_page_alloc's debugfs knobs
 * @budget: pages still allowed (0: the next one fails)
 *
 * fail_page_alloc with task-filter (this task only, make_it_fail),
 * probability 100, times -1 and space @budget: an allocation of 2^order
 * pages goes through while the space left exceeds 2^order (fail_page_alloc
 * counts pages), and every one fails after that.
 * Failable: order 1 or more and no direct reclaim (SA_GFP_FAILABLE); slab
 * pages and KASAN's stack depot count too. Ends with sa_fail_pages_stop(),
 * or when the case ends.
 */
static inline void sa_fail_pages_after(struct kunit *test, unsigned int budget)
{
#ifdef CONFIG_FAIL_PAGE_ALLOC
	struct fault_attr *attr = sa_fpa_attr();

	if (!attr)
		kunit_skip(test, "no /sys/kernel/debug/fail_page_alloc");
	KUNIT_ASSERT_EQ(test, kunit_add_action(test, sa_fail_pages_stop_action, NULL), 0);
	WRITE_ONCE(attr->probability, 0);
	attr->verbose = 0;
	attr->interval = 1;
	attr->task_filter = true;
	atomic_set(&attr->times, -1);
	atomic_set(&attr->space, budget);
	current->make_it_fail = 1;
	WRITE_ONCE(attr->probability, 100);
#else
	kunit_skip(test, "needs CONFIG_FAIL_PAGE_ALLOC");
#endif
}

#endif /* _SA_FAULT_H */
