// SPDX-License-Identifier: GPL-2.0
/* Harness fixture: a KUnit suite with a deliberately failing case. */
#include <kunit/test.h>
#include <linux/module.h>

static void harness_passes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 2 * 2, 4);
}

static void harness_fails_on_purpose(struct kunit *test)
{
	KUNIT_EXPECT_EQ_MSG(test, 1 + 1, 3, "deliberate failure: make check-harness expects it");
}

static struct kunit_case harness_fail_cases[] = {
	KUNIT_CASE(harness_passes),
	KUNIT_CASE(harness_fails_on_purpose),
	{}
};

static struct kunit_suite harness_fail_suite = {
	.name = "harness_fail",
	.test_cases = harness_fail_cases,
};

kunit_test_suite(harness_fail_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("spanalloc harness fixture: a failing KUnit case");
