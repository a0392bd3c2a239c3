// SPDX-License-Identifier: GPL-2.0
/* Harness fixture: a KUnit suite with a skipped case (counted as skipped). */
#include <kunit/test.h>
#include <linux/module.h>

static void harness_runs(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 3 * 3, 9);
}

static void harness_skips_on_purpose(struct kunit *test)
{
	kunit_skip(test, "deliberate skip: make check-harness expects it counted as skipped");
}

static struct kunit_case harness_skip_cases[] = {
	KUNIT_CASE(harness_runs),
	KUNIT_CASE(harness_skips_on_purpose),
	{}
};

static struct kunit_suite harness_skip_suite = {
	.name = "harness_skip",
	.test_cases = harness_skip_cases,
};

kunit_test_suite(harness_skip_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("spanalloc harness fixture: a skipped KUnit case");
