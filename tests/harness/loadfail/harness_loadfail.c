// SPDX-License-Identifier: GPL-2.0
/*
 * Harness fixture: init fails with -EAGAIN (as a benchmark that unloads
 * itself would). The harness must report the failed load and must have run
 * the init exactly once (busybox insmod would retry with init_module()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

static int __init harness_loadfail_init(void)
{
	pr_info("init called\n");
	return -EAGAIN;
}

module_init(harness_loadfail_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("spanalloc harness fixture: an init that fails");
