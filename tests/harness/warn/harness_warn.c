// SPDX-License-Identifier: GPL-2.0
/* Harness fixture: WARNs at load, then loads fine. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/module.h>

static int __init harness_warn_init(void)
{
	WARN(1, "deliberate WARN: make check-harness expects it\n");
	return 0;
}

static void __exit harness_warn_exit(void)
{
}

module_init(harness_warn_init);
module_exit(harness_warn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("spanalloc harness fixture: a WARN at load");
