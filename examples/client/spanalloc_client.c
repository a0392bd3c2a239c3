// SPDX-License-Identifier: GPL-2.0
/*
 * An example client of spanalloc's public API.
 *
 * At load it allocates objects of several sizes (tiny, small, large),
 * fills each with a pattern, checks the patterns, prints the heap counters
 * from spanalloc_read_memstats() and frees everything but @keep objects,
 * which stay allocated until the module is unloaded so the counters show
 * live memory. Loading fails with -EIO if a pattern is found corrupted.
 *
 * It uses nothing but include/spanalloc.h. Build it with
 * KBUILD_EXTRA_SYMBOLS=<spanalloc>/Module.symvers KCFLAGS=-I<spanalloc>/include
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <spanalloc.h>

static unsigned int rounds = 4;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "Times to run the allocate/check/free cycle (default 4)");

static unsigned int keep = 16;
module_param(keep, uint, 0444);
MODULE_PARM_DESC(keep, "Objects kept allocated until unload (default 16, at most 64)");

#define CLIENT_MAX_KEEP	64

static const size_t client_sizes[] = {
	3, 8, 24, 100, 512, 1000, 4096, 20000, SPANALLOC_MAX_SMALL_SIZE, 100000,
};

static void *kept[CLIENT_MAX_KEEP];

static u8 pattern(size_t size, size_t i)
{
	return (u8)(size * 31 + i * 7);
}

static void fill(u8 *p, size_t size)
{
	size_t i;

	for (i = 0; i < size; i++)
		p[i] = pattern(size, i);
}

static bool check(const u8 *p, size_t size)
{
	size_t i;

	for (i = 0; i < size; i++)
		if (p[i] != pattern(size, i))
			return false;
	return true;
}

static void print_memstats(const char *when)
{
	struct spanalloc_memstats ms;

	spanalloc_read_memstats(&ms);
	pr_info("%s: mallocs %llu frees %llu live_objects %llu heap_alloc %llu heap_inuse %llu heap_sys %llu\n",
		when, ms.mallocs, ms.frees, ms.live_objects, ms.heap_alloc,
		ms.heap_inuse, ms.heap_sys);
}

/* One cycle: allocate every size, fill, check, free. */
static int client_round(unsigned int round)
{
	void *objs[ARRAY_SIZE(client_sizes)];
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(client_sizes); i++) {
		size_t size = client_sizes[i];

		if (size <= SPANALLOC_TINY_MAX)
			objs[i] = spanalloc_alloc_tiny(size, GFP_KERNEL);
		else
			objs[i] = spanalloc_alloc(size, GFP_KERNEL);
		if (!objs[i]) {
			pr_err("round %u: allocating %zu bytes failed\n", round, size);
			ret = -ENOMEM;
			continue;
		}
		if (spanalloc_usable_size(objs[i]) < size) {
			pr_err("round %u: usable size %zu < %zu\n", round,
			       spanalloc_usable_size(objs[i]), size);
			ret = -EIO;
		}
		fill(objs[i], size);
	}
	for (i = 0; i < ARRAY_SIZE(client_sizes); i++) {
		if (objs[i] && !check(objs[i], client_sizes[i])) {
			pr_err("round %u: %zu-byte object at %p corrupted\n", round,
			       client_sizes[i], objs[i]);
			ret = -EIO;
		}
		spanalloc_free(objs[i]);
	}
	return ret;
}

static void free_kept(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kept); i++) {
		spanalloc_free(kept[i]);
		kept[i] = NULL;
	}
}

static int __init client_init(void)
{
	unsigned int i;
	int ret;

	print_memstats("before");
	for (i = 0; i < rounds; i++) {
		ret = client_round(i);
		if (ret)
			return ret;
	}
	for (i = 0; i < min_t(unsigned int, keep, CLIENT_MAX_KEEP); i++) {
		size_t size = client_sizes[i % ARRAY_SIZE(client_sizes)];

		kept[i] = spanalloc_zalloc(size, GFP_KERNEL);
		if (!kept[i]) {
			free_kept();
			return -ENOMEM;
		}
		fill(kept[i], size);
	}
	print_memstats("loaded");
	pr_info("%u rounds of %zu sizes passed; keeping %u objects until unload\n",
		rounds, ARRAY_SIZE(client_sizes), min_t(unsigned int, keep, CLIENT_MAX_KEEP));
	return 0;
}

static void __exit client_exit(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kept); i++) {
		size_t size = client_sizes[i % ARRAY_SIZE(client_sizes)];

		if (kept[i] && !check(kept[i], size))
			pr_err("kept %zu-byte object at %p corrupted\n", size, kept[i]);
	}
	free_kept();
	print_memstats("unloaded");
}

module_init(client_init);
module_exit(client_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("spanalloc developers");
MODULE_DESCRIPTION("Example client of the spanalloc allocator");
