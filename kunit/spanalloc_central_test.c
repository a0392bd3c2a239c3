// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the central lists (spanalloc/central.c): spans move
 * between the partial, none-free and all-free lists as objects leave and return,
 * wholly free spans go back to the page heap, and batches are exact.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include "sa_test.h"

static void span_moves_between_lists(struct kunit *test)
{
	unsigned int cls = sa_size_class(1024), n, i;
	void **objs;

	objs = kunit_kcalloc(test, sa_class_objs(cls) + 1, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_EQ(test, sa_central_nr_spans(cls, SA_LIST_PARTIAL) +
			sa_central_nr_spans(cls, SA_LIST_NONE_FREE) +
			sa_central_nr_spans(cls, SA_LIST_ALL_FREE), 0);

	/* Taking one object of a fresh span leaves it partial. */
	KUNIT_ASSERT_EQ(test, sa_central_fetch(cls, objs, 1, GFP_KERNEL), 1);
	KUNIT_EXPECT_EQ(test, sa_central_nr_spans(cls, SA_LIST_PARTIAL), 1);
	n = sa_span_of(objs[0])->objs;
	KUNIT_ASSERT_LE(test, n, sa_class_objs(cls));
	/* Taking the rest leaves none free, and no second span is cut. */
	KUNIT_ASSERT_EQ(test, sa_central_fetch(cls, objs + 1, n - 1, GFP_KERNEL), n - 1);
	KUNIT_EXPECT_EQ(test, sa_central_nr_spans(cls, SA_LIST_PARTIAL), 0);
	KUNIT_EXPECT_EQ(test, sa_central_nr_spans(cls, SA_LIST_NONE_FREE), 1);
	for (i = 1; i < n; i++)
		KUNIT_EXPECT_PTR_EQ(test, sa_span_of(objs[i]), sa_span_of(objs[0]));

	/* One object back: partial again. */
	sa_central_return(cls, objs, 1);
	KUNIT_EXPECT_EQ(test, sa_central_nr_spans(cls, SA_LIST_NONE_FREE), 0);
	KUNIT_EXPECT_EQ(test, sa_central_nr_spans(cls, SA_LIST_PARTIAL), 1);
	/* The freed object is handed out again first. */
	KUNIT_ASSERT_EQ(test, sa_central_fetch(cls, objs + n, 1, GFP_KERNEL), 1);
	KUNIT_EXPECT_PTR_EQ(test, objs[n], objs[0]);
	objs[0] = objs[n];

	/* All back: the span is all free and kept (keep_empty_spans = 1). */
	sa_central_return(cls, objs, n);
	KUNIT_EXPECT_EQ(test, sa_central_nr_spans(cls, SA_LIST_PARTIAL), 0);
	KUNIT_EXPECT_EQ(test, sa_central_nr_spans(cls, SA_LIST_ALL_FREE), 1);
	KUNIT_EXPECT_EQ(test, sa_test_stats().central_free_bytes, (u64)n * 1024);

	sa_central_release_empty();
	KUNIT_EXPECT_EQ(test, sa_central_nr_spans(cls, SA_LIST_ALL_FREE), 0);
	KUNIT_EXPECT_EQ(test, sa_test_stats().heap_inuse, 0);
	KUNIT_EXPECT_EQ(test, sa_test_stats().central_free_bytes, 0);
}

/* Take every object of one new span of @cls into @objs; returns the span. */
static struct sa_span *fill_one_span(struct kunit *test, unsigned int cls, void **objs,
				     unsigned int *n)
{
	struct sa_span *span;

	KUNIT_ASSERT_EQ(test, sa_central_fetch(cls, objs, 1, GFP_KERNEL), 1);
	span = sa_span_of(objs[0]);
	KUNIT_ASSERT_NOT_NULL(test, span);
	*n = span->objs;
	KUNIT_ASSERT_EQ(test, sa_central_fetch(cls, objs + 1, *n - 1, GFP_KERNEL), *n - 1);
	return span;
}

static void second_empty_span_goes_to_heap(struct kunit *test)
{
	unsigned int cls = sa_size_class(2048), na, nb;
	unsigned long abytes, bbytes;
	struct sa_span *a, *b;
	void **objs;

	objs = kunit_kcalloc(test, 2 * sa_class_objs(cls), sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	a = fill_one_span(test, cls, objs, &na);
	b = fill_one_span(test, cls, objs + na, &nb);
	KUNIT_EXPECT_PTR_NE(test, a, b);
	abytes = (unsigned long)a->npages << PAGE_SHIFT;
	bbytes = (unsigned long)b->npages << PAGE_SHIFT;
	KUNIT_EXPECT_EQ(test, sa_central_nr_spans(cls, SA_LIST_NONE_FREE), 2);
	KUNIT_EXPECT_EQ(test, sa_test_stats().heap_inuse, abytes + bbytes);
	sa_central_return(cls, objs, na + nb);
	/* The first span all free is kept, the other went back to the heap. */
	KUNIT_EXPECT_EQ(test, sa_central_nr_spans(cls, SA_LIST_ALL_FREE), 1);
	KUNIT_EXPECT_EQ(test, sa_test_stats().heap_inuse, abytes);
	sa_central_release_empty();
}

static void objects_are_distinct_and_in_span(struct kunit *test)
{
	unsigned int cls = sa_size_class(96), n = sa_class_objs(cls), size = sa_class_size(cls);
	unsigned int i, j;
	void **objs;

	/* The generator's class for 96 bytes: 96 bytes, 42 in a page. */
	KUNIT_ASSERT_EQ(test, size, 96);
	KUNIT_ASSERT_EQ(test, n, 42);
	objs = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_EQ(test, sa_central_fetch(cls, objs, n, GFP_KERNEL), n);
	for (i = 0; i < n; i++) {
		struct sa_span *span = sa_span_of(objs[i]);

		KUNIT_ASSERT_NOT_NULL(test, span);
		KUNIT_EXPECT_EQ(test, (objs[i] - span->base) % size, 0);
		KUNIT_EXPECT_LT(test, (unsigned long)(objs[i] - span->base),
				(unsigned long)n * size);
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_PTR_NE(test, objs[i], objs[j]);
	}
	sa_central_return(cls, objs, n);
	sa_central_release_empty();
}

static void spans_grow_with_their_class(struct kunit *test)
{
	unsigned int cls = sa_size_class(20000), order = sa_class_span_order(cls);
	unsigned int size = sa_class_size(cls), n, k, total = 0;
	struct sa_span *spans[5];
	void **objs;

	/* The generator's class for 20000 bytes: 20096, spans of 64 pages. */
	KUNIT_ASSERT_EQ(test, size, 20096);
	KUNIT_ASSERT_EQ(test, order, 6);
	objs = kunit_kcalloc(test, 5 * sa_class_objs(cls), sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (k = 0; k < ARRAY_SIZE(spans); k++) {
		spans[k] = fill_one_span(test, cls, objs + total, &n);
		KUNIT_EXPECT_EQ(test, n, (PAGE_SIZE << spans[k]->order) / size);
		total += n;
	}
	/*
	 * The class had no span: its first is the smallest order whose
	 * objects, in whole pages, leave at most a quarter unused: order 3
	 * (32 KiB) holds one object, in 5 pages (384 bytes unused; the
	 * other 3 pages go back to the heap)...
	 */
	KUNIT_EXPECT_EQ(test, spans[0]->order, 3);
	KUNIT_EXPECT_EQ(test, spans[0]->objs, 1);
	KUNIT_EXPECT_EQ(test, spans[0]->npages, 5);
	/* ...four spans of that order, then the order grows: 3 objects in 15 pages. */
	for (k = 1; k < 4; k++) {
		KUNIT_EXPECT_EQ(test, spans[k]->order, spans[0]->order);
		KUNIT_EXPECT_EQ(test, spans[k]->npages, 5);
	}
	KUNIT_EXPECT_EQ(test, spans[4]->order, spans[0]->order + 1);
	KUNIT_EXPECT_EQ(test, spans[4]->objs, 3);
	KUNIT_EXPECT_EQ(test, spans[4]->npages, 15);
	sa_central_return(cls, objs, total);
	sa_central_release_empty();
	KUNIT_EXPECT_EQ(test, sa_test_stats().heap_inuse, 0);
}

static struct kunit_case central_cases[] = {
	KUNIT_CASE(span_moves_between_lists),
	KUNIT_CASE(second_empty_span_goes_to_heap),
	KUNIT_CASE(objects_are_distinct_and_in_span),
	KUNIT_CASE(spans_grow_with_their_class),
	{}
};

static struct kunit_suite central_suite = {
	.name = "spanalloc_central",
	.init = sa_test_case_init,
	.exit = sa_test_case_exit,
	.test_cases = central_cases,
};

kunit_test_suite(central_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for spanalloc's central lists");
