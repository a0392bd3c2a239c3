// SPDX-License-Identifier: GPL-2.0
/*
 * sa_sitecost - what allocation-site sampling costs spanalloc's fast path
 * (bench/sitecost/run.sh). Writing "run=1" times, on the writing CPU
 * (migration off), PAIRS alloc/free pairs and BATCHES batches of each
 * size in sizes[], REPEAT times; "result" reads back the fewest cycles per
 * object (alloc + free) of the repeats (the run least disturbed by the
 * host), one figure per size and kind. The host script switches
 * spanalloc's sites_sample_kib between 0 (the sampling static key off)
 * and its default between runs of one boot, interleaved A B B A, and
 * takes the ratio of the two per size.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/timex.h>
#include <linux/slab.h>
#include <spanalloc.h>

#define PAIRS	8000
#define BATCH	256
#define BATCHES	32
#define REPEAT	5

static const size_t sizes[] = { 8, 64, 256, 1024, 4096 };
static u64 result[2 * ARRAY_SIZE(sizes)];	/* pair, batch per size */
static void *objs[BATCH];

/* Cycles per object of @n alloc/free pairs of @size bytes. */
static u64 time_pairs(size_t size, unsigned int n)
{
	cycles_t t0 = get_cycles();
	unsigned int i;
	void *p;

	for (i = 0; i < n; i++) {
		p = spanalloc_alloc(size, GFP_KERNEL);
		if (!p)
			return 0;
		/* The object is used, as a caller would. */
		WRITE_ONCE(*(char *)p, 1);
		spanalloc_free(p);
	}
	return div_u64(get_cycles() - t0, n);
}

/* Cycles per object of @b batches of BATCH allocations then BATCH frees. */
static u64 time_batches(size_t size, unsigned int b)
{
	cycles_t t0 = get_cycles();
	unsigned int i, j;

	for (j = 0; j < b; j++) {
		for (i = 0; i < BATCH; i++) {
			objs[i] = spanalloc_alloc(size, GFP_KERNEL);
			if (!objs[i])
				return 0;
			WRITE_ONCE(*(char *)objs[i], 1);
		}
		for (i = 0; i < BATCH; i++)
			spanalloc_free(objs[i]);
	}
	return div_u64(get_cycles() - t0, b * BATCH);
}

static int run_set(const char *val, const struct kernel_param *kp)
{
	unsigned int i, r;

	migrate_disable();
	/* Warm: the CPU cache holds a batch of each size. */
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		time_batches(sizes[i], 1);
	for (i = 0; i < ARRAY_SIZE(result); i++)
		result[i] = U64_MAX;
	for (r = 0; r < REPEAT; r++) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			result[2 * i] = min(result[2 * i], time_pairs(sizes[i], PAIRS));
			result[2 * i + 1] = min(result[2 * i + 1],
						time_batches(sizes[i], BATCHES));
		}
	}
	migrate_enable();
	return 0;
}

static int result_get(char *buf, const struct kernel_param *kp)
{
	int n = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(result); i++)
		n += sysfs_emit_at(buf, n, "%s%llu", i ? " " : "", result[i]);
	n += sysfs_emit_at(buf, n, "\n");
	return n;
}

static const struct kernel_param_ops run_ops = { .set = run_set };
static const struct kernel_param_ops result_ops = { .get = result_get };
module_param_cb(run, &run_ops, NULL, 0200);
MODULE_PARM_DESC(run, "Write 1 to time one round of every size");
module_param_cb(result, &result_ops, NULL, 0444);
MODULE_PARM_DESC(result, "Cycles per object of the last round: pair and batch per size (8 64 256 1024 4096)");

static int __init sitecost_init(void)
{
	return 0;
}

static void __exit sitecost_exit(void)
{
}

module_init(sitecost_init);
module_exit(sitecost_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("spanalloc: cost of allocation-site sampling on the fast path");
