// SPDX-License-Identifier: GPL-2.0
/*
 * sites.c - allocation sites: who holds how much, as TCMalloc's sampled
 * heap profile and Linux's /proc/allocinfo tell it.
 *
 * What it does: a table of call sites (the client's _RET_IP_, named with
 * %pS when first seen, so a site keeps its name after its module is gone)
 * with live objects, live bytes (as requested) and allocations since load;
 * and a hash of records, one per recorded live object, saying which site
 * it belongs to and what it stands for, so that its free takes exactly
 * that back. Which objects are recorded:
 *   sampled (default, sites_sample_kib=2048, TCMalloc's period): each CPU
 *     counts down the
 *     bytes it allocates; the allocation that crosses zero is recorded and
 *     a new countdown drawn from an exponential distribution of mean
 *     sites_sample_kib KiB (a Poisson process over bytes, as TCMalloc).
 *     An object of s bytes is then recorded with probability
 *     1 - exp(-s/P), and its record stands for 1 / that many objects, so
 *     every figure is an unbiased estimate.
 *   exact (sites_exact=1): every allocation is recorded, with weight 1.
 * A span counts its recorded objects (sa_span::sites), so a free looks in
 * the hash only when its span holds a recorded object. Figures are kept
 * in 1/65536ths of an object. A site lives as long as its code: a module
 * notifier drops a module's sites when it unloads (and those of its init
 * text when it goes live and that text is freed), or retires the ones
 * with live objects (leaks), which keep their name, marked, and their
 * figures but are found by no address (sa_sites_module_going()): the
 * next code at that address gets sites of its own.
 *
 * Locking: the record hash's buckets are guarded by SA_REC_LOCKS raw
 * spinlocks (irq-safe; a bucket insert, unlink or walk and nothing else,
 * never an allocation or another lock), so the hooks work in every
 * context the allocator does, PREEMPT_RT included. Site counters are
 * atomics; a site is claimed with cmpxchg and given back only by the
 * module notifier. The parameters, the static keys and the notifier's
 * changes to the table are under sa_sites_mutex (process context).
 *
 * What it asks of the levels below: sa_span_of() (page_heap.c) for a
 * recorded object's span. Records come from a kmem_cache of the kernel's
 * with the caller's reclaim flags (sa_meta_gfp()), made SLAB_NOLEAKTRACE:
 * kmemleak must not see a record's copy of an object's address, or no
 * leak of a recorded object would ever be reported. When no record can be
 * had the sample is dropped and counted.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/sort.h>
#include <linux/string.h>
#include "internal.h"
#include "page_heap.h"
#include "sites.h"

#define SA_SITES_BITS		10
#define SA_SITES_MAX		BIT(SA_SITES_BITS)
#define SA_SITES_PROBES		32
#define SA_SITE_NAME		96
#define SA_REC_BITS		15
#define SA_REC_LOCKS		64
#define SA_WEIGHT_SHIFT		16
#define SA_WEIGHT_ONE		BIT_ULL(SA_WEIGHT_SHIFT)
#define SA_SAMPLE_KIB_MAX	BIT(20)
#define SA_REPORT_LINE		192

/*
 * A slot's ip when it holds no live site: never a return address.
 *   SA_SITE_RETIRED: its code went away (module unloaded, or init text
 *     freed) with objects of it live (leaks); counted on under the name it
 *     had, found by no address.
 *   SA_SITE_FREED: dropped at a module's unload; claimable again.
 */
#define SA_SITE_RETIRED		1UL
#define SA_SITE_FREED		2UL

/**
 * struct sa_site - one call site
 * @ip: the return address in the client, 0 while the slot is free
 * @named: @name is filled in
 * @live_objs: live objects, in 1/65536ths
 * @live_bytes: their bytes
 * @allocs: objects allocated since load, in 1/65536ths
 * @name: "%pS" of @ip, taken when the site was first seen
 */
struct sa_site {
	unsigned long ip;
	int named;
	atomic64_t live_objs;
	atomic64_t live_bytes;
	atomic64_t allocs;
	char name[SA_SITE_NAME];
};

/**
 * struct sa_rec - a recorded live object
 * @node: in its bucket of sa_recs
 * @addr: the object
 * @weight: objects it stands for, in 1/65536ths
 * @bytes: bytes it stands for
 * @site: index in sa_sites
 */
struct sa_rec {
	struct hlist_node node;
	unsigned long addr;
	u64 weight;
	u64 bytes;
	unsigned int site;
};

/* The last entry takes what does not fit in the table: "(other sites)". */
static struct sa_site sa_sites[SA_SITES_MAX + 1];
static struct hlist_head *sa_recs;
static struct kmem_cache *sa_rec_cache;
static raw_spinlock_t sa_rec_locks[SA_REC_LOCKS];
static atomic_long_t sa_sites_dropped = ATOMIC_LONG_INIT(0);

DEFINE_STATIC_KEY_TRUE(sa_sites_sample_key);
DEFINE_STATIC_KEY_FALSE(sa_sites_exact_key);
DEFINE_PER_CPU(s64, sa_sites_countdown);

static DEFINE_MUTEX(sa_sites_mutex);
static bool sa_sites_ready;
static bool sites_exact;
static unsigned int sites_sample_kib = 2048;

/* log2(@x) in 1/65536ths, for @x >= 1 (bit by bit, by squaring). */
static u32 log2_fx16(u32 x)
{
	unsigned int e = ilog2(x);
	u64 y = (u64)x << (31 - e);	/* the mantissa, in [2^31, 2^32) */
	u32 r = e << 16;
	int i;

	for (i = 15; i >= 0; i--) {
		y = (y * y) >> 31;
		if (y >= 1ULL << 32) {
			y >>= 1;
			r |= 1U << i;
		}
	}
	return r;
}

/* Bytes to the next sample: exponential with mean @period (-ln(u) * P). */
static s64 next_interval(u64 period)
{
	u32 x = get_random_u32() ?: 1;
	/* -ln(x / 2^32) = ln 2 * (32 - log2 x); ln 2 = 45426 / 65536 */
	u64 nl = (((32ULL << 16) - log2_fx16(x)) * 45426) >> 16;

	return max_t(u64, (period * nl) >> 16, 1);
}

/* e^-x for x < 1, both in 1/2^32 (the alternating series, 12 terms). */
static u64 exp_neg_small(u64 x)
{
	u64 term = 1ULL << 32;
	s64 sum = 1LL << 32;
	int i;

	for (i = 1; i <= 12; i++) {
		term = mul_u64_u64_shr(term, x, 32) / i;
		sum += (i & 1) ? -(s64)term : (s64)term;
	}
	return sum;
}

/*
 * What a sampled object of @size bytes stands for, in 1/65536ths of an
 * object: 1 / P(sampled) = 1 / (1 - exp(-size / period)).
 */
static u64 sample_weight(size_t size, u64 period)
{
	unsigned int k = 0;
	u64 x, e, q;

	if (size >= 32 * period || size > U32_MAX)
		return SA_WEIGHT_ONE;
	x = div64_u64((u64)size << 32, period);
	while (x >= 1ULL << 32) {
		x >>= 1;
		k++;
	}
	e = exp_neg_small(x);
	while (k--)
		e = mul_u64_u64_shr(e, e, 32);
	q = (1ULL << 32) - e;
	if (!q)
		return div64_u64(period << SA_WEIGHT_SHIFT, size);
	return div64_u64(1ULL << (32 + SA_WEIGHT_SHIFT), q);
}

/* Claim slot @idx, holding @old, for @ip; true with *@got set if @ip has it. */
static bool site_claim(unsigned int idx, unsigned long old, unsigned long ip,
		       unsigned int *got)
{
	struct sa_site *s = &sa_sites[idx];
	unsigned long cur = cmpxchg(&s->ip, old, ip);

	if (cur == old) {
		snprintf(s->name, sizeof(s->name), "%pS", (void *)ip);
		/* Pairs with site_name()'s acquire: the name is whole. */
		smp_store_release(&s->named, 1);
	} else if (cur != ip) {
		return false;
	}
	*got = idx;
	return true;
}

/*
 * The site of @ip: found, claimed, or the overflow entry. A slot dropped
 * at a module's unload (SA_SITE_FREED) is passed over while looking for
 * @ip and claimed only when @ip is not in the table: the probe sequence
 * of every other site stays whole.
 */
static unsigned int site_get(unsigned long ip)
{
	unsigned int i, idx, got, reuse = SA_SITES_MAX;
	unsigned int h = hash_long(ip, SA_SITES_BITS);

	for (i = 0; i < SA_SITES_PROBES; i++) {
		unsigned long cur;

		idx = (h + i) & (SA_SITES_MAX - 1);
		cur = READ_ONCE(sa_sites[idx].ip);
		if (cur == ip)
			return idx;
		if (cur == SA_SITE_FREED && reuse == SA_SITES_MAX)
			reuse = idx;
		if (cur)
			continue;
		/* The end of the sequence: @ip is not in the table. */
		if (reuse < SA_SITES_MAX && site_claim(reuse, SA_SITE_FREED, ip, &got))
			return got;
		if (site_claim(idx, 0, ip, &got))
			return got;
	}
	if (reuse < SA_SITES_MAX && site_claim(reuse, SA_SITE_FREED, ip, &got))
		return got;
	return SA_SITES_MAX;
}

static raw_spinlock_t *rec_lock(u32 h)
{
	return &sa_rec_locks[h & (SA_REC_LOCKS - 1)];
}

/* Record @p (@size bytes, from @ip) standing for @weight objects. */
static void insert(void *p, size_t size, unsigned long ip, gfp_t gfp, u64 weight)
{
	struct sa_span *span = sa_span_of(p);
	struct sa_site *s;
	struct sa_rec *r;
	unsigned long flags;
	u32 h;

	if (unlikely(!sa_recs || !span))
		return;
	r = kmem_cache_alloc(sa_rec_cache, sa_meta_gfp(gfp) & ~__GFP_NOFAIL);
	if (unlikely(!r)) {
		atomic_long_inc(&sa_sites_dropped);
		return;
	}
	r->addr = (unsigned long)p;
	r->site = site_get(ip);
	r->weight = weight;
	r->bytes = mul_u64_u64_shr(size, weight, SA_WEIGHT_SHIFT);
	s = &sa_sites[r->site];
	atomic64_add(weight, &s->allocs);
	atomic64_add(weight, &s->live_objs);
	atomic64_add(r->bytes, &s->live_bytes);
	atomic_inc(&span->sites);
	h = hash_long(r->addr, SA_REC_BITS);
	raw_spin_lock_irqsave(rec_lock(h), flags);
	hlist_add_head(&r->node, &sa_recs[h]);
	raw_spin_unlock_irqrestore(rec_lock(h), flags);
}

/**
 * sa_sites_sample() - this CPU's byte countdown crossed zero: record @p,
 * with weight 1 in exact mode (the countdown stays at 0), else with the
 * weight of its size, drawing the next countdown
 * @p: the object
 * @size: bytes requested
 * @ip: the call site
 * @gfp: the caller's flags (for the record)
 */
void sa_sites_sample(void *p, size_t size, unsigned long ip, gfp_t gfp)
{
	u64 period = (u64)READ_ONCE(sites_sample_kib) << 10;

	if (static_branch_unlikely(&sa_sites_exact_key)) {
		this_cpu_write(sa_sites_countdown, 0);
		insert(p, size, ip, gfp, SA_WEIGHT_ONE);
		return;
	}
	if (!period) {
		this_cpu_write(sa_sites_countdown, S64_MAX);
		return;
	}
	this_cpu_write(sa_sites_countdown, next_interval(period));
	insert(p, size, ip, gfp, sample_weight(size, period));
}

/**
 * sa_sites_forget() - an object of a span with recorded objects was freed
 * @p: the object
 * @span: its span
 *
 * Takes back exactly what @p's record added, if @p has one.
 */
void sa_sites_forget(const void *p, struct sa_span *span)
{
	u32 h = hash_long((unsigned long)p, SA_REC_BITS);
	struct sa_rec *r, *found = NULL;
	struct sa_site *s;
	unsigned long flags;

	if (unlikely(!sa_recs))
		return;
	raw_spin_lock_irqsave(rec_lock(h), flags);
	hlist_for_each_entry(r, &sa_recs[h], node) {
		if (r->addr == (unsigned long)p) {
			hlist_del(&r->node);
			found = r;
			break;
		}
	}
	raw_spin_unlock_irqrestore(rec_lock(h), flags);
	if (!found)
		return;
	s = &sa_sites[found->site];
	atomic64_sub(found->weight, &s->live_objs);
	atomic64_sub(found->bytes, &s->live_bytes);
	atomic_dec(&span->sites);
	kmem_cache_free(sa_rec_cache, found);
}

static u64 objs_of(s64 fx)
{
	return fx <= 0 ? 0 : ((u64)fx + SA_WEIGHT_ONE / 2) >> SA_WEIGHT_SHIFT;
}

static const char *site_name(struct sa_site *s)
{
	if (s == &sa_sites[SA_SITES_MAX])
		return "(other sites)";
	/* Pairs with site_get()'s release. */
	return smp_load_acquire(&s->named) ? s->name : "(being named)";
}

/**
 * sa_sites_who() - the recorded call site of a live object
 * @p: the object
 *
 * For debug reports. Context: any.
 * Return: the site's name, or NULL if @p has no record.
 */
const char *sa_sites_who(const void *p)
{
	u32 h = hash_long((unsigned long)p, SA_REC_BITS);
	unsigned int site = SA_SITES_MAX + 1;
	unsigned long flags;
	struct sa_rec *r;

	if (!sa_recs)
		return NULL;
	raw_spin_lock_irqsave(rec_lock(h), flags);
	hlist_for_each_entry(r, &sa_recs[h], node) {
		if (r->addr == (unsigned long)p) {
			site = r->site;
			break;
		}
	}
	raw_spin_unlock_irqrestore(rec_lock(h), flags);
	return site <= SA_SITES_MAX ? site_name(&sa_sites[site]) : NULL;
}

/* One row of a sorted listing: a site and its figures, read once. */
struct sa_site_row {
	unsigned int idx;
	s64 objs, bytes, allocs;
};

static int row_cmp(const void *a, const void *b)
{
	const struct sa_site_row *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	if (x->allocs != y->allocs)
		return x->allocs < y->allocs ? 1 : -1;
	return 0;
}

/* Every site with an allocation, read once; sorted by live bytes. */
static struct sa_site_row *rows_read(unsigned int *n)
{
	struct sa_site_row *rows = kvcalloc(SA_SITES_MAX + 1, sizeof(*rows), GFP_KERNEL);
	unsigned int i;

	*n = 0;
	if (!rows)
		return NULL;
	for (i = 0; i <= SA_SITES_MAX; i++) {
		struct sa_site *s = &sa_sites[i];
		s64 allocs = atomic64_read(&s->allocs);

		if (!allocs)
			continue;
		rows[*n] = (struct sa_site_row){ i, atomic64_read(&s->live_objs),
						  atomic64_read(&s->live_bytes), allocs };
		(*n)++;
	}
	sort(rows, *n, sizeof(*rows), row_cmp, NULL);
	return rows;
}

/**
 * sa_sites_show() - the debugfs sites file: one row per call site, most
 * live bytes first
 * @m: the seq_file
 *
 * Columns: live_bytes live_objects allocs site. In sampled mode the
 * figures are estimates (see the top of this file).
 */
void sa_sites_show(struct seq_file *m)
{
	struct sa_site_row *rows;
	unsigned int i, n;

	rows = rows_read(&n);
	if (!rows)
		return;
	seq_puts(m, "live_bytes live_objects allocs site\n");
	for (i = 0; i < n; i++)
		seq_printf(m, "%llu %llu %llu %s\n", rows[i].bytes > 0 ? rows[i].bytes : 0,
			   objs_of(rows[i].objs), objs_of(rows[i].allocs),
			   site_name(&sa_sites[rows[i].idx]));
	kvfree(rows);
}

static void (*sa_report_hook)(const char *line);

/**
 * sa_set_report_hook() - have @hook see each line of spanalloc's reports
 * @hook: called with each line sa_report() prints, or NULL
 *
 * For the KUnit suites, which check what a report says.
 */
void sa_set_report_hook(void (*hook)(const char *line))
{
	WRITE_ONCE(sa_report_hook, hook);
}
EXPORT_SYMBOL_IF_KUNIT(sa_set_report_hook);

/**
 * sa_report() - print one line of a report (leak, destroy, debug checks)
 * @err: at KERN_ERR, else KERN_WARNING
 * @fmt: printf format, ending in a newline
 *
 * The line is also handed to the hook sa_set_report_hook() set (the
 * KUnit suites read reports that way). Callers use sa_report_err() and
 * sa_report_warn(). Context: any.
 */
void sa_report(bool err, const char *fmt, ...)
{
	void (*hook)(const char *line) = READ_ONCE(sa_report_hook);
	char line[SA_REPORT_LINE];
	va_list args;

	va_start(args, fmt);
	vsnprintf(line, sizeof(line), fmt, args);
	va_end(args);
	if (err)
		pr_err("%s", line);
	else
		pr_warn("%s", line);
	if (hook)
		hook(line);
}

/* Live figures per site of the records whose span is of class @cls. */
static struct sa_site_row *rows_of_class(unsigned int cls, unsigned int *n)
{
	struct sa_site_row *rows = kvcalloc(SA_SITES_MAX + 1, sizeof(*rows), GFP_KERNEL);
	unsigned long flags;
	struct sa_rec *r;
	unsigned int h, i;

	*n = 0;
	if (!rows)
		return NULL;
	for (h = 0; h < (1U << SA_REC_BITS); h++) {
		raw_spin_lock_irqsave(rec_lock(h), flags);
		hlist_for_each_entry(r, &sa_recs[h], node) {
			struct sa_span *span = sa_span_of((void *)r->addr);

			if (!span || span->kind != SA_SPAN_SMALL || span->cls != cls)
				continue;
			rows[r->site].objs += r->weight;
			rows[r->site].bytes += r->bytes;
		}
		raw_spin_unlock_irqrestore(rec_lock(h), flags);
	}
	for (i = 0; i <= SA_SITES_MAX; i++) {
		if (!rows[i].objs)
			continue;
		rows[*n] = (struct sa_site_row){ i, rows[i].objs, rows[i].bytes, 1 };
		(*n)++;
	}
	sort(rows, *n, sizeof(*rows), row_cmp, NULL);
	return rows;
}

/**
 * sa_sites_report() - name the top sites of what is still live (pr_warn)
 * @cls: only objects of this class (a typed cache's own), or 0 for all
 * @top: most sites to name
 * @live: the live objects the caller counted (to say how many have no
 *	record in exact mode)
 *
 * For the unload leak report and a typed cache destroyed with live
 * objects. Context: process context.
 */
void sa_sites_report(unsigned int cls, unsigned int top, u64 live)
{
	bool exact = static_branch_unlikely(&sa_sites_exact_key);
	struct sa_site_row *rows;
	unsigned int i, n, shown = 0;
	s64 recorded = 0;

	if (!sa_recs)
		return;
	rows = cls ? rows_of_class(cls, &n) : rows_read(&n);
	if (!rows)
		return;
	for (i = 0; i < n; i++)
		recorded += max_t(s64, rows[i].objs, 0);
	for (i = 0; i < n && shown < top; i++) {
		if (rows[i].objs <= 0)
			continue;
		sa_report_warn("  %llu objects, %llu bytes%s from %s\n", objs_of(rows[i].objs),
			       rows[i].bytes, exact ? "" : " (sampled estimate)",
			       site_name(&sa_sites[rows[i].idx]));
		shown++;
	}
	if (!shown)
		sa_report_warn("  no call site of these objects was sampled (sites_exact=1 records every one)\n");
	else if (exact && objs_of(recorded) < live)
		sa_report_warn("  %llu of them have no call site (allocated before sites_exact=1)\n",
			       live - objs_of(recorded));
	if (atomic_long_read(&sa_sites_dropped))
		sa_report_warn("  %ld samples lost (no memory for their records)\n",
			       atomic_long_read(&sa_sites_dropped));
	kvfree(rows);
}

/**
 * sa_sites_find() - the figures of the sites in function @func
 * @func: a function name, as %pS prints it before the "+" (or a
 *	compiler clone's ".constprop.0")
 * @c: filled with the sum over its sites (rounded estimates when sampled)
 *
 * For the KUnit suite.
 * Return: the number of sites of @func.
 */
int sa_sites_find(const char *func, struct sa_site_counts *c)
{
	size_t len = strlen(func);
	s64 objs = 0, allocs = 0;
	unsigned int i;
	int found = 0;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < SA_SITES_MAX; i++) {
		struct sa_site *s = &sa_sites[i];

		/* Pairs with site_get()'s release. */
		if (!READ_ONCE(s->ip) || !smp_load_acquire(&s->named) ||
		    strncmp(s->name, func, len) ||
		    (s->name[len] != '+' && s->name[len] != '.'))
			continue;
		found++;
		objs += atomic64_read(&s->live_objs);
		allocs += atomic64_read(&s->allocs);
		c->live_bytes += atomic64_read(&s->live_bytes);
	}
	c->live_objs = objs_of(objs);
	c->allocs = objs_of(allocs);
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(sa_sites_find);

/* New countdowns everywhere (after the mode or the period changed). */
static void countdowns_reset(void)
{
	u64 period = (u64)sites_sample_kib << 10;
	int cpu;

	for_each_possible_cpu(cpu)
		per_cpu(sa_sites_countdown, cpu) = sites_exact ? 0 :
			period ? next_interval(period) : S64_MAX;
}

static void apply(void)
{
	lockdep_assert_held(&sa_sites_mutex);
	if (!sa_sites_ready)
		return;
	if (sites_exact)
		static_branch_enable(&sa_sites_exact_key);
	else
		static_branch_disable(&sa_sites_exact_key);
	countdowns_reset();
	if (sites_exact || sites_sample_kib)
		static_branch_enable(&sa_sites_sample_key);
	else
		static_branch_disable(&sa_sites_sample_key);
}

/* Set what is given (NULL: leave it) and apply both, as one change. */
static void update(const bool *exact, const unsigned int *sample_kib)
{
	mutex_lock(&sa_sites_mutex);
	if (exact)
		sites_exact = *exact;
	if (sample_kib)
		sites_sample_kib = min(*sample_kib, SA_SAMPLE_KIB_MAX);
	apply();
	mutex_unlock(&sa_sites_mutex);
}

/**
 * sa_sites_set() - choose what is recorded (the parameters' effect)
 * @exact: record every allocation
 * @sample_kib: otherwise one sample per this many KiB on average; 0 off
 *
 * Records already taken stay until their objects are freed.
 * Context: process context.
 */
void sa_sites_set(bool exact, unsigned int sample_kib)
{
	update(&exact, &sample_kib);
}
EXPORT_SYMBOL_IF_KUNIT(sa_sites_set);

/**
 * sa_sites_get() - what is recorded now
 * @exact: set to sites_exact
 * @sample_kib: set to sites_sample_kib
 */
void sa_sites_get(bool *exact, unsigned int *sample_kib)
{
	mutex_lock(&sa_sites_mutex);
	*exact = sites_exact;
	*sample_kib = sites_sample_kib;
	mutex_unlock(&sa_sites_mutex);
}
EXPORT_SYMBOL_IF_KUNIT(sa_sites_get);

static int exact_set(const char *val, const struct kernel_param *kp)
{
	bool v;
	int ret = kstrtobool(val, &v);

	if (ret)
		return ret;
	update(&v, NULL);
	return 0;
}

static const struct kernel_param_ops exact_ops = {
	.set = exact_set,
	.get = param_get_bool,
};
module_param_cb(sites_exact, &exact_ops, &sites_exact, 0644);
MODULE_PARM_DESC(sites_exact,
		 "Record the call site of every allocation, not a sample (default N)");

static int sample_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int ret = kstrtouint(val, 0, &v);

	if (ret)
		return ret;
	if (v > SA_SAMPLE_KIB_MAX)
		return -EINVAL;
	update(NULL, &v);
	return 0;
}

static const struct kernel_param_ops sample_ops = {
	.set = sample_set,
	.get = param_get_uint,
};
module_param_cb(sites_sample_kib, &sample_ops, &sites_sample_kib, 0644);
MODULE_PARM_DESC(sites_sample_kib,
		 "Sample one allocation per this many KiB allocated, on average, for the sites file; 0 off (default 2048)");

/* Slot @s holds no site any more: claimable (its records are all gone). */
static void site_drop(struct sa_site *s)
{
	WRITE_ONCE(s->named, 0);
	atomic64_set(&s->allocs, 0);
	atomic64_set(&s->live_objs, 0);
	atomic64_set(&s->live_bytes, 0);
	/* Pairs with site_get()'s READ_ONCE: a claimer sees zeroed counters. */
	smp_store_release(&s->ip, SA_SITE_FREED);
}

/*
 * Sites of @mod leave the table: those in its init text if @init_only,
 * else those in any of its text. A site with no live object is dropped;
 * one with live objects is retired, @mark appended to its name.
 */
static void sites_leave(struct module *mod, bool init_only, const char *mark)
{
	unsigned int i;

	mutex_lock(&sa_sites_mutex);
	for (i = 0; i < SA_SITES_MAX; i++) {
		struct sa_site *s = &sa_sites[i];
		unsigned long ip = READ_ONCE(s->ip);
		bool live = atomic64_read(&s->live_objs) > 0;

		if (ip == SA_SITE_RETIRED) {
			if (!live)
				site_drop(s);
			continue;
		}
		if (ip == SA_SITE_FREED || !ip ||
		    !(init_only ? within_module_init(ip, mod) : within_module(ip, mod)))
			continue;
		if (!live) {
			site_drop(s);
			continue;
		}
		/* Pairs with site_name()'s acquire (set when it was claimed). */
		if (smp_load_acquire(&s->named))
			strlcat(s->name, mark, sizeof(s->name));
		WRITE_ONCE(s->ip, SA_SITE_RETIRED);
	}
	mutex_unlock(&sa_sites_mutex);
}

/**
 * sa_sites_module_going() - a module is going away: its sites leave the
 * table
 * @mod: the module (MODULE_STATE_GOING: its exit has run, none of its
 *	code runs again, so no record is added to its sites)
 *
 * A site in @mod's text with no live object is dropped; one with live
 * objects (leaks, or objects the module handed on) is retired: it keeps
 * its name, marked " (unloaded)", and its figures, and its objects' frees
 * still take back from it, but no address finds it, so a module loaded
 * at the same address gets sites of its own. Retired sites whose objects
 * were all freed since are dropped too. The sites of a module's init
 * text leave the same way, marked " (init freed)", when the module goes
 * live (its init text is freed right after).
 * Context: process context (the module notifier).
 */
void sa_sites_module_going(struct module *mod)
{
	sites_leave(mod, false, " (unloaded)");
}
EXPORT_SYMBOL_IF_KUNIT(sa_sites_module_going);

static int sites_module_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	if (action == MODULE_STATE_GOING)
		sa_sites_module_going(data);
	else if (action == MODULE_STATE_LIVE)
		sites_leave(data, true, " (init freed)");
	return NOTIFY_DONE;
}

static struct notifier_block sites_module_nb = {
	.notifier_call = sites_module_notify,
};

/**
 * sa_sites_init() - the record hash and the module notifier; then the
 * parameters take effect
 *
 * Return: 0 or a negative errno.
 */
int sa_sites_init(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < SA_REC_LOCKS; i++)
		raw_spin_lock_init(&sa_rec_locks[i]);
	sa_rec_cache = kmem_cache_create("spanalloc_site_rec", sizeof(struct sa_rec), 0,
					 SLAB_NOLEAKTRACE, NULL);
	if (!sa_rec_cache)
		return -ENOMEM;
	sa_recs = kvcalloc(1U << SA_REC_BITS, sizeof(*sa_recs), GFP_KERNEL);
	if (!sa_recs) {
		kmem_cache_destroy(sa_rec_cache);
		return -ENOMEM;
	}
	ret = register_module_notifier(&sites_module_nb);
	if (ret) {
		kvfree(sa_recs);
		sa_recs = NULL;
		kmem_cache_destroy(sa_rec_cache);
		return ret;
	}
	mutex_lock(&sa_sites_mutex);
	sa_sites_ready = true;
	apply();
	mutex_unlock(&sa_sites_mutex);
	return 0;
}

/**
 * sa_sites_exit() - at unload, after the leak report: drop every record
 */
void sa_sites_exit(void)
{
	struct hlist_node *tmp;
	struct sa_rec *r;
	unsigned int h;

	unregister_module_notifier(&sites_module_nb);
	mutex_lock(&sa_sites_mutex);
	sa_sites_ready = false;
	static_branch_disable(&sa_sites_exact_key);
	static_branch_disable(&sa_sites_sample_key);
	mutex_unlock(&sa_sites_mutex);
	if (!sa_recs)
		return;
	for (h = 0; h < (1U << SA_REC_BITS); h++)
		hlist_for_each_entry_safe(r, tmp, &sa_recs[h], node)
			kmem_cache_free(sa_rec_cache, r);
	kvfree(sa_recs);
	sa_recs = NULL;
	kmem_cache_destroy(sa_rec_cache);
}
