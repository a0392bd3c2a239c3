// SPDX-License-Identifier: GPL-2.0
/*
 * sa_leak - a spanalloc client that leaks on purpose, for
 * tests/guest/unload.sh: at load it allocates tiny, small, large and
 * direct (above 2 MiB) objects, fills them and forgets them; its exit
 * frees nothing. spanalloc's unload must report them and give every page
 * back.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <spanalloc.h>

static unsigned int tiny = 5;
module_param(tiny, uint, 0444);
MODULE_PARM_DESC(tiny, "Tiny objects (3 bytes) to leak (default 5)");
static unsigned int small = 5;
module_param(small, uint, 0444);
MODULE_PARM_DESC(small, "Small objects (200 bytes) to leak (default 5)");
static unsigned int large = 3;
module_param(large, uint, 0444);
MODULE_PARM_DESC(large, "Large objects (100000 bytes) to leak (default 3)");
static unsigned int direct = 1;
module_param(direct, uint, 0444);
MODULE_PARM_DESC(direct, "Objects of 3 MiB (above a chunk) to leak (default 1)");

/* Allocate @n objects of @size bytes, fill them, forget them. */
static int leak(unsigned int n, size_t size)
{
	unsigned int i;
	void *p;

	for (i = 0; i < n; i++) {
		p = size <= SPANALLOC_TINY_MAX ? spanalloc_alloc_tiny(size, GFP_KERNEL) :
						 spanalloc_alloc(size, GFP_KERNEL);
		if (!p)
			return -ENOMEM;
		memset(p, 0x6c, size);
	}
	return 0;
}

static int __init sa_leak_init(void)
{
	int ret = leak(tiny, 3) ?: leak(small, 200) ?: leak(large, 100000) ?:
		  leak(direct, 3 << 20);

	if (ret)
		return ret;
	pr_info("leaked %u tiny, %u small, %u large and %u direct objects\n",
		tiny, small, large, direct);
	return 0;
}

static void __exit sa_leak_exit(void)
{
}

module_init(sa_leak_init);
module_exit(sa_leak_exit);
MODULE_DESCRIPTION("spanalloc client that leaks on purpose (unload test)");
MODULE_LICENSE("GPL");
