// SPDX-License-Identifier: GPL-2.0
/*
 * spanstat_load.c - a known load for tools/spanstat/tests/guest.sh.
 *
 * On load: NR_SMALL allocations of SMALL_BYTES (the first half freed again),
 * NR_TINY tiny allocations of TINY_BYTES, and one LARGE_BYTES allocation,
 * all kept until unload, so spanstat's output in the guest has numbers the
 * test can predict.  The numbers are module parameters (read-only) so the
 * test reads them from sysfs instead of repeating them.
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

static void **small, **tiny;
static void *large;

static void release(void)
{
	unsigned int i;

	/* spanalloc_free(NULL) is a no-op, like kfree(NULL). */
	for (i = 0; small && i < nr_small; i++)
		spanalloc_free(small[i]);
	for (i = 0; tiny && i < nr_tiny; i++)
		spanalloc_free(tiny[i]);
	spanalloc_free(large);
	kfree(small);
	kfree(tiny);
}

static int __init spanstat_load_init(void)
{
	unsigned int i;

	small = kcalloc(nr_small, sizeof(*small), GFP_KERNEL);
	tiny = kcalloc(nr_tiny, sizeof(*tiny), GFP_KERNEL);
	if (!small || !tiny)
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
