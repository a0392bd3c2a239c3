// SPDX-License-Identifier: GPL-2.0
/*
 * Harness fixture: a KUnit suite that crashes the kernel in its second case
 * of three, so its KTAP stops mid-suite (plan 1..3, one result). Built
 * last (see Kbuild): nothing loads after it.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/panic.h>

static void harness_before_crash(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 2 + 2, 4);
}

static void harness_crashes_on_purpose(struct kunit *test)
{
	panic("harness_crash: deliberate panic mid-suite, make check-harness expects it\n");
}

static void harness_never_runs(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 1, 1);
}

static struct kunit_case harness_crash_cases[] = {
	KUNIT_CASE(harness_before_crash),
	KUNIT_CASE(harness_crashes_on_purpose),
	KUNIT_CASE(harness_never_runs),
	{}
};

static struct kunit_suite harness_crash_suite = {
	.name = "harness_crash",
	.test_cases = harness_crash_cases,
};

kunit_test_suite(harness_crash_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("spanalloc harness fixture: a KUnit suite that crashes mid-way");
