// SPDX-License-Identifier: GPL-2.0
/* Harness fixture: a KUnit suite that passes (the control). */
#include <kunit/test.h>
#include <linux/module.h>

static void harness_passes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 1 + 1, 2);
}

static struct kunit_case harness_pass_cases[] = {
	KUNIT_CASE(harness_passes),
	{}
};

static struct kunit_suite harness_pass_suite = {
	.name = "harness_pass",
	.test_cases = harness_pass_cases,
};

kunit_test_suite(harness_pass_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("spanalloc harness fixture: a passing KUnit suite");
