// SPDX-License-Identifier: GPL-2.0
/*
 * sa_kmemleak - a spanalloc client for tests/guest/kmemleak.sh: at load it
 * churns objects of every kind through spanalloc (so its CPU caches, free
 * lists and tiny blocks hold free objects), keeps a chain of live objects
 * reachable only through each other (head in this module's data, each
 * object pointing to the next), and on "leak=1" leaks one 200-byte object
 * from sa_kmemleak_leak_one(), printing its address and dropping the
 * pointer. kmemleak must report that object, with sa_kmemleak_leak_one()
 * in its backtrace, and nothing else of spanalloc's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <spanalloc.h>

#define CHAIN	64
#define CHURN	2000

struct link {
	struct link *next;
	char payload[88];
};

static struct link *chain;		/* the chain's only root */
static void *tiny_keep[8];		/* live tiny objects, rooted here */
static void *large_keep;		/* a live large object holding a pointer */

static int churn(void)
{
	static const size_t sizes[] = { 3, 8, 24, 100, 200, 1000, 5000, 40000 };
	void *ptrs[ARRAY_SIZE(sizes)];
	unsigned int i, j;

	for (i = 0; i < CHURN / ARRAY_SIZE(sizes); i++) {
		for (j = 0; j < ARRAY_SIZE(sizes); j++) {
			ptrs[j] = sizes[j] <= SPANALLOC_TINY_MAX ?
				  spanalloc_alloc_tiny(sizes[j], GFP_KERNEL) :
				  spanalloc_alloc(sizes[j], GFP_KERNEL);
			if (!ptrs[j])
				return -ENOMEM;
		}
		for (j = 0; j < ARRAY_SIZE(sizes); j++)
			spanalloc_free(ptrs[j]);
	}
	return 0;
}

static noinline void *sa_kmemleak_leak_one(void)
{
	void *p = spanalloc_alloc(200, GFP_KERNEL);

	if (p)
		memset(p, 0x5a, 200);
	return p;
}

static int leak_set(const char *val, const struct kernel_param *kp)
{
	unsigned long addr = (unsigned long)sa_kmemleak_leak_one();

	if (!addr)
		return -ENOMEM;
	/* The address as text only: no copy of the pointer stays behind. */
	pr_info("leaked 200 bytes at 0x%lx\n", addr);
	addr = 0;
	return 0;
}

static const struct kernel_param_ops leak_ops = { .set = leak_set };
module_param_cb(leak, &leak_ops, NULL, 0200);
MODULE_PARM_DESC(leak, "Write 1: leak one 200-byte object (write-only)");

static int __init sa_kmemleak_init(void)
{
	struct link *l;
	unsigned int i;
	int ret = churn();

	if (ret)
		return ret;
	for (i = 0; i < CHAIN; i++) {
		l = spanalloc_zalloc(sizeof(*l), GFP_KERNEL);
		if (!l)
			return -ENOMEM;
		l->next = chain;
		chain = l;
	}
	for (i = 0; i < ARRAY_SIZE(tiny_keep); i++)
		tiny_keep[i] = spanalloc_alloc_tiny(5, GFP_KERNEL);
	/* A large object holding the only pointer to a small one. */
	large_keep = spanalloc_zalloc(100000, GFP_KERNEL);
	if (!large_keep)
		return -ENOMEM;
	*(void **)large_keep = spanalloc_alloc(64, GFP_KERNEL);
	pr_info("churned %u objects; keeping a chain of %u, %zu tiny and a large one\n",
		CHURN, CHAIN, ARRAY_SIZE(tiny_keep));
	return 0;
}

static void __exit sa_kmemleak_exit(void)
{
	struct link *l;
	unsigned int i;

	while ((l = chain)) {
		chain = l->next;
		spanalloc_free(l);
	}
	for (i = 0; i < ARRAY_SIZE(tiny_keep); i++)
		spanalloc_free(tiny_keep[i]);
	if (large_keep)
		spanalloc_free(*(void **)large_keep);
	spanalloc_free(large_keep);
}

module_init(sa_kmemleak_init);
module_exit(sa_kmemleak_exit);
MODULE_DESCRIPTION("spanalloc client with one deliberate leak (kmemleak test)");
MODULE_LICENSE("GPL");
