// SPDX-License-Identifier: GPL-2.0
/*
 * Harness fixture: a KUnit suite deliberately left out of Kbuild (as a
 * suite dropped from kunit/Kbuild would be). It is never built or loaded;
 * kunit-report.py must still count its two declared cases, as not run.
 */
#include <kunit/test.h>
#include <linux/module.h>

static void harness_dropped_one(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 1, 1);
}

static void harness_dropped_two(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 2, 2);
}

static struct kunit_case harness_dropped_cases[] = {
	KUNIT_CASE(harness_dropped_one),
	KUNIT_CASE(harness_dropped_two),
	{}
};

static struct kunit_suite harness_dropped_suite = {
	.name = "harness_dropped",
	.test_cases = harness_dropped_cases,
};

kunit_test_suite(harness_dropped_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("spanalloc harness fixture: a suite missing from Kbuild");
