// SPDX-License-Identifier: GPL-2.0
/*
 * sa_failorder - allocate every small size class with GFP_KERNEL,
 * GFP_ATOMIC and __GFP_NOFAIL, and larger sizes with GFP_KERNEL, in one
 * write to its run parameter; tests/guest/fail-order.sh runs it while
 * fail_page_alloc fails every page allocation of order >= 1. Objects up to
 * a page must all come (one-page spans), larger ones must fail with NULL
 * (their spans need order >= 1, as kmalloc's slabs would), and nothing
 * may be damaged. The writing task marks itself (make_it_fail) for the
 * run, so with fail_page_alloc's task-filter only its own allocations fail:
 * the rest of the guest (the shell's fork, open()'s names_cache slabs) is
 * left alone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sched.h>
#include <spanalloc.h>

#define KEEP 3	/* objects of each size and gfp held at once */

static unsigned int small_ok, small_failed, damaged, large_null, large_ok;

static const gfp_t gfps[] = { GFP_KERNEL, GFP_ATOMIC, GFP_KERNEL | __GFP_NOFAIL };

static bool fill_and_check(u8 *p, size_t size, u8 v)
{
	size_t i;

	memset(p, v, size);
	for (i = 0; i < size; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* Next size to try: every 8 bytes up to 1 KiB, every 64 up to a page. */
static size_t next_size(size_t s)
{
	return s < 1024 ? s + 8 : s + 64;
}

static void run_small(void)
{
	void *held[KEEP];
	unsigned int g, k;
	size_t s;

	for (g = 0; g < ARRAY_SIZE(gfps); g++) {
		for (s = 1; s <= 16; s++) {
			void *p = spanalloc_alloc_tiny(s, gfps[g]);

			if (!p) {
				small_failed++;
				continue;
			}
			small_ok++;
			if (!fill_and_check(p, s, 0x3c))
				damaged++;
			spanalloc_free(p);
		}
		for (s = 8; s <= PAGE_SIZE; s = next_size(s)) {
			for (k = 0; k < KEEP; k++) {
				held[k] = spanalloc_alloc(s, gfps[g]);
				if (!held[k]) {
					small_failed++;
					continue;
				}
				small_ok++;
				if (!fill_and_check(held[k], s, 0x5a + k))
					damaged++;
			}
			for (k = 0; k < KEEP; k++)
				spanalloc_free(held[k]);
		}
	}
}

static void run_large(void)
{
	static const size_t sizes[] = { 8192, 16384, 32768, 65536, 1 << 20 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *p = spanalloc_alloc(sizes[i], GFP_KERNEL | __GFP_NOWARN);

		if (!p) {
			large_null++;
			continue;
		}
		large_ok++;
		spanalloc_free(p);
	}
}

static int run_set(const char *val, const struct kernel_param *kp)
{
	small_ok = 0;
	small_failed = 0;
	damaged = 0;
	large_null = 0;
	large_ok = 0;
#ifdef CONFIG_FAULT_INJECTION
	current->make_it_fail = true;
#endif
	run_small();
	run_large();
#ifdef CONFIG_FAULT_INJECTION
	current->make_it_fail = false;
#endif
	return 0;
}

static const struct kernel_param_ops run_ops = { .set = run_set };
module_param_cb(run, &run_ops, NULL, 0200);
MODULE_PARM_DESC(run, "Write 1: allocate every small size with each gfp, then the large sizes");
module_param(small_ok, uint, 0444);
MODULE_PARM_DESC(small_ok, "Small and tiny allocations that succeeded");
module_param(small_failed, uint, 0444);
MODULE_PARM_DESC(small_failed, "Small and tiny allocations that returned NULL");
module_param(damaged, uint, 0444);
MODULE_PARM_DESC(damaged, "Objects whose pattern did not read back");
module_param(large_null, uint, 0444);
MODULE_PARM_DESC(large_null, "Allocations above a page that returned NULL");
module_param(large_ok, uint, 0444);
MODULE_PARM_DESC(large_ok, "Allocations above a page that succeeded");

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("spanalloc under fail_page_alloc min-order=1 (guest test client)");
