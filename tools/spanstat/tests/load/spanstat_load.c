// SPDX-License-Identifier: GPL-2.0
/*
 * spanstat_load.c - a known load for tools/spanstat/tests/guest.sh.
 *
 * On load: NR_SMALL allocations of SMALL_BYTES (the first half freed again),
 * NR_TINY tiny allocations of TINY_BYTES, one LARGE_BYTES allocation, and
 * two typed caches: "spanstat_ctor" (a constructor, so a class of its own)
 * with NR_CTOR objects of CTOR_BYTES and "spanstat_plain" (merged into a
 * size class) with NR_PLAIN objects of PLAIN_BYTES, all kept until unload,
 * so spanstat's output in the guest has numbers the test can predict.  The
 * numbers are module parameters (read-only) so the test reads them from
 * sysfs instead of repeating them.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <spanalloc.h>

static unsigned int nr_small = 1000;
module_param(nr_small, uint, 0444);
static unsigned int small_bytes = 100;
module_param(small_bytes, uint, 0444);
static unsigned int nr_tiny = 100;
module_param(nr_tiny, uint, 0444);
static unsigned int tiny_bytes = 5;
module_param(tiny_bytes, uint, 0444);
static unsigned int large_bytes = 100000;
module_param(large_bytes, uint, 0444);
static unsigned int nr_ctor = 37;
module_param(nr_ctor, uint, 0444);
static unsigned int ctor_bytes = 300;
module_param(ctor_bytes, uint, 0444);
static unsigned int nr_plain = 250;
module_param(nr_plain, uint, 0444);
static unsigned int plain_bytes = 72;
module_param(plain_bytes, uint, 0444);

static void **small, **tiny, **ctor_objs, **plain_objs;
static void *large;
static struct spanalloc_cache *ctor_cache, *plain_cache;

static void ctor(void *p)
{
	memset(p, 0xc7, ctor_bytes);
}

static void release(void)
{
	unsigned int i;

	/* spanalloc_free(NULL) is a no-op, like kfree(NULL). */
	for (i = 0; small && i < nr_small; i++)
		spanalloc_free(small[i]);
	for (i = 0; tiny && i < nr_tiny; i++)
		spanalloc_free(tiny[i]);
	spanalloc_free(large);
	for (i = 0; ctor_objs && i < nr_ctor; i++)
		if (ctor_objs[i])
			spanalloc_cache_free(ctor_cache, ctor_objs[i]);
	for (i = 0; plain_objs && i < nr_plain; i++)
		if (plain_objs[i])
			spanalloc_cache_free(plain_cache, plain_objs[i]);
	spanalloc_cache_destroy(ctor_cache);
	spanalloc_cache_destroy(plain_cache);
	kfree(small);
	kfree(tiny);
	kfree(ctor_objs);
	kfree(plain_objs);
}

static int __init spanstat_load_init(void)
{
	unsigned int i;

	small = kcalloc(nr_small, sizeof(*small), GFP_KERNEL);
	tiny = kcalloc(nr_tiny, sizeof(*tiny), GFP_KERNEL);
	ctor_objs = kcalloc(nr_ctor, sizeof(*ctor_objs), GFP_KERNEL);
	plain_objs = kcalloc(nr_plain, sizeof(*plain_objs), GFP_KERNEL);
	ctor_cache = spanalloc_cache_create("spanstat_ctor", ctor_bytes, 0, 0, ctor);
	plain_cache = spanalloc_cache_create("spanstat_plain", plain_bytes, 0, 0, NULL);
	if (!small || !tiny || !ctor_objs || !plain_objs || !ctor_cache || !plain_cache)
		goto fail;
	for (i = 0; i < nr_small; i++) {
		small[i] = spanalloc_alloc(small_bytes, GFP_KERNEL);
		if (!small[i])
			goto fail;
	}
	for (i = 0; i < nr_small / 2; i++) {
		spanalloc_free(small[i]);
		small[i] = NULL;
	}
	for (i = 0; i < nr_tiny; i++) {
		tiny[i] = spanalloc_alloc_tiny(tiny_bytes, GFP_KERNEL);
		if (!tiny[i])
			goto fail;
	}
	large = spanalloc_alloc(large_bytes, GFP_KERNEL);
	if (!large)
		goto fail;
	for (i = 0; i < nr_ctor; i++) {
		ctor_objs[i] = spanalloc_cache_alloc(ctor_cache, GFP_KERNEL);
		if (!ctor_objs[i])
			goto fail;
	}
	for (i = 0; i < nr_plain; i++) {
		plain_objs[i] = spanalloc_cache_alloc(plain_cache, GFP_KERNEL);
		if (!plain_objs[i])
			goto fail;
	}
	return 0;
fail:
	release();
	return -ENOMEM;
}

static void __exit spanstat_load_exit(void)
{
	release();
}

module_init(spanstat_load_init);
module_exit(spanstat_load_exit);
MODULE_DESCRIPTION("Known spanalloc load for the spanstat guest test");
MODULE_LICENSE("GPL");
