// SPDX-License-Identifier: GPL-2.0
/*
 * sa_model - a model-based randomized test of spanalloc: a test that looks
 * for what nobody thought of.
 *
 * Writing 1 to /sys/module/sa_model/parameters/run runs the model for
 * "seconds" seconds (the write returns when it is done). One kthread bound
 * to each online CPU draws random operations from its own PRNG, seeded with
 * seed + cpu ("seed" 0 picks a random seed; it is printed), and checks every
 * result against a shadow of what is live:
 *
 *  - operations: spanalloc_alloc, _zalloc, _alloc_array, _alloc_tiny,
 *    _realloc (grow, shrink, grow within the usable size, across tiny,
 *    small and large, now and then beyond a 2 MiB chunk), _alloc_bulk and
 *    _free_bulk, _free, frees of objects handed over by another CPU through
 *    a mailbox, spanalloc_drain() now and then, and the corner cases of the
 *    API (size 0, NULL, ZERO_SIZE_PTR, overflowing arrays);
 *  - sizes: tiny 1..16 B, small up to 32 KiB (mostly below 4 KiB), large
 *    up to 1 MiB (2%), beyond 2 MiB (rare), and the edges of every range;
 *  - every object carries a pattern from its address and the op number over
 *    its requested size, checked before it is freed or reallocated; zeroed
 *    allocations must be zero up to spanalloc_usable_size(); a realloc with
 *    __GFP_ZERO of an object that was always zeroed must leave zeros from
 *    the old size up to the usable size; usable sizes and alignment must be
 *    what the API promises;
 *  - no address is live twice: a global hash set of live object starts;
 *  - deliberate bad frees, each of which must be refused (bad_frees + 1,
 *    nothing freed): an immediate double free, a delayed double free (an
 *    address freed many operations and maybe a drain ago, checked not to be
 *    live again), a pointer into a live object, and foreign pointers
 *    (kmalloc, page allocator, stack, module data; a realloc of one);
 *  - at quiescence (every couple of seconds, at the end with objects still
 *    live and once all is freed; caches drained first) every counter of
 *    spanalloc_read_memstats() the model can know must equal the shadow's
 *    figure exactly: mallocs, frees, live_objects, bad_frees, tiny_allocs,
 *    large_allocs, heap_alloc (size-class or page size of each small or
 *    large object, 16 bytes per tiny block holding a live tiny object) and
 *    corruptions (0); with nothing live anywhere, heap_sys 0.
 *
 * Every operation runs under down_read() of one rw_semaphore; the bad frees
 * and the quiescent checks take it for writing, so nothing else moves while
 * they compare counters or decide that an address is not live.
 *
 * A failure prints "model: FAIL seed=S thread=T op#=N cpu=C <op> <details>",
 * counts in the "failures" parameter and stops the run; objects still live
 * then are left allocated (freeing them could spread the damage). The end
 * prints "model: summary ..." lines and "model: PASS" or "model: FAIL".
 * Results stay in /sys/kernel/debug/sa_model/ (summary, failure, stats).
 * Deliberate bad frees WARN unless spanalloc's report_bad_frees is N.
 */
#define pr_fmt(fmt) "model: " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>
#include <spanalloc.h>

#define MS_SLOTS	192	/* objects a thread holds */
#define MS_MBOX		64	/* objects waiting for another thread to free them */
#define MS_BULK		16	/* most objects of one bulk call */
#define MS_DEAD		512	/* freed addresses kept for delayed double frees */
#define MS_DEAD_AGE	16	/* a delayed double free is at least this many frees late */
#define MS_HASH_BITS	12
#define MS_MAX_REPORTS	10	/* failures printed in full */

enum mo_kind { MK_TINY, MK_SMALL, MK_LARGE };
static const char * const mk_name[] = { "tiny", "small", "large" };

/* The shadow of one live object. */
struct mo {
	struct hlist_node node;	/* in the live set */
	void *p;
	size_t size;		/* bytes requested (the latest realloc's) */
	size_t acct;		/* usable size at allocation: its heap_alloc share */
	u64 key;		/* pattern key: address and op number */
	u64 born;		/* op number of the allocating thread */
	const char *how;	/* the call that made it */
	u16 thread;
	u8 kind;
	bool zero;		/* zeroed, and only ever reallocated with __GFP_ZERO */
};

/* A freed address, for delayed double frees. */
struct dead {
	void *p;
	size_t size;
	u64 seq;		/* frees so far, this one included */
	u64 op;			/* op number of the freeing thread */
	u64 drains;		/* drains so far */
	const char *how;
	u16 thread;
	s16 cpu;
	u8 kind;
};

/* Per-thread counters; E_* are what spanalloc's memstats must show. */
enum {
	ST_OPS, ST_ALLOC, ST_ZALLOC, ST_ARRAY, ST_TINY, ST_REALLOC, ST_REALLOC_INPLACE,
	ST_REALLOC_MOVED, ST_REALLOC_FREE, ST_BULK, ST_BULK_OBJS, ST_FREE, ST_FREE_BULK,
	ST_FREE_BULK_OBJS, ST_HANDOVER, ST_CROSS_FREE, ST_DRAIN, ST_EDGE, ST_PROBE,
	ST_ZERO_CHECKS, ST_LARGE_OBJS, ST_HUGE_OBJS, ST_ALLOC_FAILED, ST_BAD_DOUBLE,
	ST_BAD_DELAYED, ST_BAD_DELAYED_DRAINED, ST_BAD_DELAYED_SKIPPED, ST_BAD_INTERIOR,
	ST_BAD_FOREIGN, ST_BAD_REFUSED,
	E_MALLOCS, E_FREES, E_TINY, E_LARGE, E_BAD,
	ST_NR
};

static const char * const st_name[ST_NR] = {
	[ST_OPS] = "ops", [ST_ALLOC] = "alloc", [ST_ZALLOC] = "zalloc",
	[ST_ARRAY] = "alloc_array", [ST_TINY] = "alloc_tiny", [ST_REALLOC] = "realloc",
	[ST_REALLOC_INPLACE] = "realloc_in_place", [ST_REALLOC_MOVED] = "realloc_moved",
	[ST_REALLOC_FREE] = "realloc_to_0", [ST_BULK] = "alloc_bulk",
	[ST_BULK_OBJS] = "alloc_bulk_objs", [ST_FREE] = "free", [ST_FREE_BULK] = "free_bulk",
	[ST_FREE_BULK_OBJS] = "free_bulk_objs", [ST_HANDOVER] = "handed_over",
	[ST_CROSS_FREE] = "cross_cpu_frees", [ST_DRAIN] = "drains", [ST_EDGE] = "edge_cases",
	[ST_PROBE] = "probes", [ST_ZERO_CHECKS] = "zero_checks",
	[ST_LARGE_OBJS] = "large_objs", [ST_HUGE_OBJS] = "huge_objs",
	[ST_ALLOC_FAILED] = "alloc_failures", [ST_BAD_DOUBLE] = "bad_immediate_double",
	[ST_BAD_DELAYED] = "bad_delayed_double",
	[ST_BAD_DELAYED_DRAINED] = "bad_delayed_double_after_drain",
	[ST_BAD_DELAYED_SKIPPED] = "bad_delayed_double_skipped",
	[ST_BAD_INTERIOR] = "bad_interior", [ST_BAD_FOREIGN] = "bad_foreign",
	[ST_BAD_REFUSED] = "bad_refused",
	[E_MALLOCS] = "expect_mallocs", [E_FREES] = "expect_frees", [E_TINY] = "expect_tiny",
	[E_LARGE] = "expect_large", [E_BAD] = "expect_bad_frees",
};

struct mt {
	struct task_struct *task;
	unsigned int id;
	int cpu;
	struct rnd_state rnd;
	u64 op;
	spinlock_t mbox_lock;	/* mbox_head, mbox_tail, mbox */
	unsigned int mbox_head;
	unsigned int mbox_tail;
	struct mo *mbox[MS_MBOX];
	struct mo *slot[MS_SLOTS];
	u64 st[ST_NR];
};

struct mbucket {
	spinlock_t lock;	/* head */
	struct hlist_head head;
};

static ulong seed;
module_param(seed, ulong, 0644);
MODULE_PARM_DESC(seed, "PRNG seed of the next run; thread streams use seed + cpu (0 = random)");

static unsigned int seconds = 10;
module_param(seconds, uint, 0644);
MODULE_PARM_DESC(seconds, "Length of a run in seconds (default 10)");

static unsigned int check_ms = 2000;
module_param(check_ms, uint, 0644);
MODULE_PARM_DESC(check_ms, "Period of the quiescent memstats checks, 0 = only at the end (default 2000)");

static unsigned int bad_permille = 10;
module_param(bad_permille, uint, 0644);
MODULE_PARM_DESC(bad_permille, "Operations per 1000 that are deliberate bad frees (default 10)");

static unsigned int drain_every = 2000;
module_param(drain_every, uint, 0644);
MODULE_PARM_DESC(drain_every, "A thread calls spanalloc_drain() once per this many ops on average, 0 = never (default 2000)");

static DEFINE_MUTEX(model_mutex);	/* one run at a time */
static DECLARE_RWSEM(model_rwsem);	/* read: an operation; write: bad frees, checks */
static atomic_t model_failures = ATOMIC_INIT(0);
static unsigned int model_runs;
static u64 model_seed;
static bool model_failed;
static bool model_stop;
static struct mt *model_threads;
static unsigned int model_nr;
static struct mbucket *model_hash;
static struct spanalloc_memstats model_ms0;
static atomic64_t model_drains = ATOMIC64_INIT(0);
static u64 model_checks;
static u64 model_last[ST_NR];	/* counters of the last run */

static DEFINE_SPINLOCK(model_dead_lock);	/* model_dead, model_dead_seq */
static struct dead model_dead[MS_DEAD];
static u64 model_dead_seq;

static DEFINE_SPINLOCK(model_text_lock);	/* the two texts below */
static char model_failure_text[600];
static char model_summary_text[2048];

static u64 model_global[4];	/* module data: a foreign pointer */
static struct dentry *model_debugfs;

static u32 rnd(struct mt *t)
{
	return prandom_u32_state(&t->rnd);
}

static u32 rnd_below(struct mt *t, u32 n)
{
	return n ? rnd(t) % n : 0;
}

/* Report a failure and stop the run. @t is NULL for the controlling thread. */
static __printf(3, 4) void model_fail(struct mt *t, const char *op, const char *fmt, ...)
{
	char msg[520], line[600];
	va_list args;
	int n;

	va_start(args, fmt);
	vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);
	if (t)
		snprintf(line, sizeof(line), "seed=%llu thread=%u op#=%llu cpu=%d %s %s",
			 model_seed, t->id, t->op, raw_smp_processor_id(), op, msg);
	else
		snprintf(line, sizeof(line), "seed=%llu thread=main op#=- cpu=%d %s %s",
			 model_seed, raw_smp_processor_id(), op, msg);
	n = atomic_inc_return(&model_failures);
	WRITE_ONCE(model_failed, true);
	if (n == 1) {
		spin_lock(&model_text_lock);
		strscpy(model_failure_text, line, sizeof(model_failure_text));
		spin_unlock(&model_text_lock);
	}
	if (n <= MS_MAX_REPORTS)
		pr_err("FAIL %s\n", line);
}

static void model_dump(const void *p, size_t off, size_t size)
{
	size_t from = off & ~(size_t)15;

	if (atomic_read(&model_failures) <= MS_MAX_REPORTS)
		print_hex_dump(KERN_ERR, "model:   ", DUMP_PREFIX_OFFSET, 16, 1, p + from,
			       min_t(size_t, size - from, 32), false);
}

/* The live set: every object the model holds, by start address. */
static struct mbucket *bucket_of(const void *p)
{
	return &model_hash[hash_ptr(p, MS_HASH_BITS)];
}

/* Insert @o; false (with the live entry copied to @dup) if its address is live. */
static bool live_insert(struct mo *o, struct mo *dup)
{
	struct mbucket *b = bucket_of(o->p);
	struct mo *x;
	bool ok = true;

	spin_lock(&b->lock);
	hlist_for_each_entry(x, &b->head, node) {
		if (x->p == o->p) {
			*dup = *x;
			ok = false;
			break;
		}
	}
	if (ok)
		hlist_add_head(&o->node, &b->head);
	spin_unlock(&b->lock);
	return ok;
}

static bool live_remove(struct mo *o)
{
	struct mbucket *b = bucket_of(o->p);
	struct mo *x;
	bool found = false;

	spin_lock(&b->lock);
	hlist_for_each_entry(x, &b->head, node) {
		if (x == o) {
			hlist_del_init(&o->node);
			found = true;
			break;
		}
	}
	spin_unlock(&b->lock);
	return found;
}

static bool live_has(const void *p)
{
	struct mbucket *b = bucket_of(p);
	struct mo *x;
	bool found = false;

	spin_lock(&b->lock);
	hlist_for_each_entry(x, &b->head, node) {
		if (x->p == p) {
			found = true;
			break;
		}
	}
	spin_unlock(&b->lock);
	return found;
}

/* Freed addresses, oldest overwritten first. */
static void dead_push(struct mt *t, const struct mo *o, const char *how)
{
	struct dead *d;

	spin_lock(&model_dead_lock);
	model_dead_seq++;
	d = &model_dead[model_dead_seq % MS_DEAD];
	d->p = o->p;
	d->size = o->size;
	d->kind = o->kind;
	d->seq = model_dead_seq;
	d->op = t->op;
	d->thread = t->id;
	d->cpu = raw_smp_processor_id();
	d->drains = atomic64_read(&model_drains);
	d->how = how;
	spin_unlock(&model_dead_lock);
}

/* Take a random freed address at least MS_DEAD_AGE frees old. */
static bool dead_pick(struct mt *t, struct dead *out, u64 *age)
{
	u64 lo, hi, s;
	struct dead *d;
	bool ok = false;

	spin_lock(&model_dead_lock);
	if (model_dead_seq > MS_DEAD_AGE) {
		hi = model_dead_seq - MS_DEAD_AGE;
		lo = model_dead_seq >= MS_DEAD ? model_dead_seq - MS_DEAD + 1 : 1;
		s = hi - rnd_below(t, hi - lo + 1);
		d = &model_dead[s % MS_DEAD];
		if (d->seq == s && d->p) {
			*out = *d;
			*age = model_dead_seq - s;
			d->p = NULL;
			ok = true;
		}
	}
	spin_unlock(&model_dead_lock);
	return ok;
}

/*
 * Which freed object (of the last MS_DEAD frees) last covered @addr, a byte
 * of the object at @base: tells a stale byte of a freed neighbour, or of an
 * earlier object at the same place, from one never handed out.
 */
static void dead_whose(const void *addr, const void *base, const char *base_name,
		       const char *what, char *buf, size_t len)
{
	struct dead *d, *best = NULL;
	unsigned int i;

	spin_lock(&model_dead_lock);
	for (i = 0; i < MS_DEAD; i++) {
		d = &model_dead[i];
		if (d->seq && addr >= d->p && addr < d->p + d->size &&
		    (!best || d->seq > best->seq))
			best = d;
	}
	if (best)
		snprintf(buf, len,
			 " (%s was byte %td of a %s object of %zu B that started %td bytes from %s, freed via %s by thread %u %llu frees ago)",
			 what, addr - best->p, mk_name[best->kind], best->size, best->p - base,
			 base_name, best->how, best->thread, model_dead_seq - best->seq);
	else
		snprintf(buf, len, " (%s: no object freed lately covered it)", what);
	spin_unlock(&model_dead_lock);
}

/* The pattern: one 64-bit word per 8 bytes, from the key and the offset. */
static u64 pat_word(u64 key, size_t i)
{
	u64 x = key + (i + 1) * 0x9e3779b97f4a7c15ULL;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void pat_fill(void *p, size_t len, u64 key)
{
	size_t i;
	u64 w;

	for (i = 0; i + 8 <= len; i += 8)
		put_unaligned(pat_word(key, i / 8), (u64 *)(p + i));
	if (i < len) {
		w = pat_word(key, i / 8);
		memcpy(p + i, &w, len - i);
	}
}

/* Offset of the first byte of @p[0..@len) off the pattern, or @len. */
static size_t pat_diff(const void *p, size_t len, u64 key, u8 *want)
{
	size_t i, j;
	u64 w;

	for (i = 0; i < len; i += 8) {
		w = pat_word(key, i / 8);
		if (i + 8 <= len && get_unaligned((const u64 *)(p + i)) == w)
			continue;
		for (j = 0; j < 8 && i + j < len; j++) {
			if (((const u8 *)p)[i + j] != ((u8 *)&w)[j]) {
				*want = ((u8 *)&w)[j];
				return i + j;
			}
		}
	}
	return len;
}

static u64 mkey(struct mt *t, const void *p)
{
	return ((u64)(unsigned long)p * 0x9e3779b97f4a7c15ULL) ^
	       (((t->op << 8) | t->id) * 0xc2b2ae3d27d4eb4fULL) ^ model_seed;
}

static bool pat_ok(struct mt *t, const char *op, const struct mo *o, const void *at,
		   size_t len, u64 key, const char *what)
{
	u8 want = 0;
	size_t off = pat_diff(at, len, key, &want);

	if (off == len)
		return true;
	model_fail(t, op,
		   "%s %p (%s, %zu B, allocated by thread %u at op# %llu via %s) damaged: byte %zu of %zu is %#04x, pattern %#04x",
		   what, at, mk_name[o->kind], o->size, o->thread, o->born, o->how, off, len,
		   ((const u8 *)at)[off], want);
	model_dump(at, off, len);
	return false;
}

/*
 * Bytes @from..@to of @p must be zero; @what says which object and why.
 * @src (or NULL) is where the first @src_len bytes were copied from.
 */
static bool zero_ok(struct mt *t, const char *op, const void *p, size_t from, size_t to,
		    const char *what, const void *src, size_t src_len)
{
	char whose[200];
	const u8 *nz;

	if (from >= to)
		return true;
	if (t)
		t->st[ST_ZERO_CHECKS]++;
	nz = memchr_inv(p + from, 0, to - from);
	if (!nz)
		return true;
	if (src && nz - (const u8 *)p < src_len)
		dead_whose(src + (nz - (const u8 *)p), src, "the old object",
			   "copied from the old object: that byte", whose, sizeof(whose));
	else
		dead_whose(nz, p, "it", "that byte", whose, sizeof(whose));
	model_fail(t, op, "%s: byte %td of %p is %#04x; bytes %zu..%zu must be zero%s",
		   what, nz - (const u8 *)p, p, *nz, from, to, whose);
	model_dump(p, nz - (const u8 *)p, to);
	return false;
}

static int kind_of(size_t size)
{
	return size > SPANALLOC_MAX_SMALL_SIZE ? MK_LARGE : MK_SMALL;
}

/* What the API promises about the usable size and alignment of a new object. */
static bool usable_ok(struct mt *t, const char *op, const void *p, size_t size, int kind,
		      size_t usable)
{
	unsigned long a = (unsigned long)p;
	const char *bad = NULL;

	if (usable < size) {
		bad = "usable_size below the request";
	} else if (kind == MK_TINY) {
		if (usable > SPANALLOC_TINY_MAX - (a & 15))
			bad = "tiny usable_size beyond its 16-byte block";
		else if (a & (min_t(size_t, size & -size, 8) - 1))
			bad = "tiny object misaligned";
	} else if (kind == MK_SMALL) {
		if (usable > SPANALLOC_MAX_SMALL_SIZE || usable % 8 || usable > size + size / 4 + 8)
			bad = "small usable_size is no plausible class size";
		else if (a & 7)
			bad = "small object not 8-byte aligned";
		else if (is_power_of_2(size) && size <= PAGE_SIZE && (a & (size - 1)))
			bad = "power-of-two object not naturally aligned";
	} else {
		if (a & ~PAGE_MASK)
			bad = "large object not page aligned";
		else if (usable != PAGE_ALIGN(size) && usable != PAGE_SIZE << get_order(size))
			bad = "large usable_size is not its pages";
	}
	if (!bad)
		return true;
	model_fail(t, op, "%s: %p for %zu B (%s), usable_size %zu", bad, p, size,
		   mk_name[kind], usable);
	return false;
}

/* A live object before it is freed, reallocated or counted: pattern, usable size. */
static bool check_live(struct mt *t, const char *op, const struct mo *o)
{
	size_t u = spanalloc_usable_size(o->p);
	unsigned long a = (unsigned long)o->p;

	if (o->kind == MK_TINY ? u < o->size || u > SPANALLOC_TINY_MAX - (a & 15) : u != o->acct) {
		model_fail(t, op,
			   "usable_size of live %p (%s, %zu B, allocated by thread %u at op# %llu via %s) is %zu, expected %zu%s",
			   o->p, mk_name[o->kind], o->size, o->thread, o->born, o->how, u,
			   o->kind == MK_TINY ? o->size : o->acct,
			   o->kind == MK_TINY ? " or more" : "");
		return false;
	}
	return pat_ok(t, op, o, o->p, o->size, o->key, "live object");
}

/* A new object: shadow it, check it, fill it. NULL if its address was live. */
static struct mo *model_got(struct mt *t, const char *op, void *p, size_t size, int kind,
			    bool zero)
{
	struct mo *o, dup;
	char what[120];
	size_t usable;

	t->st[E_MALLOCS]++;
	if (kind == MK_TINY)
		t->st[E_TINY]++;
	if (kind == MK_LARGE) {
		t->st[E_LARGE]++;
		t->st[ST_LARGE_OBJS]++;
		if (size > SZ_2M)
			t->st[ST_HUGE_OBJS]++;
	}
	o = kmalloc(sizeof(*o), GFP_KERNEL | __GFP_NOFAIL);
	o->p = p;
	o->size = size;
	o->kind = kind;
	o->zero = zero;
	o->thread = t->id;
	o->born = t->op;
	o->how = op;
	o->key = mkey(t, p);
	if (!live_insert(o, &dup)) {
		model_fail(t, op,
			   "returned %p for %zu B, which is live already: %s of %zu B allocated by thread %u at op# %llu via %s",
			   p, size, mk_name[dup.kind], dup.size, dup.thread, dup.born, dup.how);
		kfree(o);
		return NULL;
	}
	usable = spanalloc_usable_size(p);
	o->acct = usable;
	if (usable_ok(t, op, p, size, kind, usable) && zero) {
		snprintf(what, sizeof(what), "zeroed %s object of %zu B, usable_size %zu",
			 mk_name[kind], size, usable);
		zero_ok(t, op, p, 0, usable, what, NULL, 0);
	}
	pat_fill(p, size, o->key);
	return o;
}

/* Legitimate free of a live object. False if it failed its checks (kept live). */
static bool model_free(struct mt *t, const char *op, struct mo *o)
{
	if (!check_live(t, op, o))
		return false;
	if (!live_remove(o)) {
		model_fail(t, op, "shadow: %p is not in the live set", o->p);
		return false;
	}
	spanalloc_free(o->p);
	t->st[E_FREES]++;
	dead_push(t, o, op);
	kfree(o);
	return true;
}

static void model_put(struct mt *t, unsigned int i, struct mo *o)
{
	if (t->slot[i]) {
		t->st[ST_FREE]++;
		model_free(t, "free", t->slot[i]);
	}
	t->slot[i] = o;
}

/* Sizes from 1 B to 3 MiB, most of them small, with the edges of each range. */
static const u32 model_edges[] = {
	1, 2, 7, 8, 9, 15, 16, 17, 24, 63, 64, 65, 255, 256, 257, 4095, 4096, 4097,
	32767, 32768, 32769, 65536, 65537, SZ_1M, SZ_2M - 1, SZ_2M, SZ_2M + 1,
};

static size_t model_size(struct mt *t)
{
	u32 r = rnd_below(t, 1000);

	if (r < 20)
		return model_edges[rnd_below(t, ARRAY_SIZE(model_edges))];
	if (r < 21)
		return SZ_2M + 1 + rnd_below(t, SZ_1M);
	if (r < 41)
		return SPANALLOC_MAX_SMALL_SIZE + 1 +
		       rnd_below(t, SZ_1M - SPANALLOC_MAX_SMALL_SIZE);
	if (r < 541)
		return 1 + rnd_below(t, 256);
	if (r < 841)
		return 257 + rnd_below(t, 4096 - 256);
	return 4097 + rnd_below(t, SPANALLOC_MAX_SMALL_SIZE - 4096);
}

static gfp_t model_gfp(struct mt *t, size_t size)
{
	gfp_t gfp = rnd_below(t, 20) ? GFP_KERNEL : GFP_NOWAIT | __GFP_NOWARN;

	return size > SZ_1M ? gfp | __GFP_NOWARN : gfp;
}

/* alloc (0), zalloc (1), alloc_array (2), alloc_tiny (3) */
static void op_alloc(struct mt *t, unsigned int which)
{
	static const char * const names[] = { "alloc", "zalloc", "alloc_array", "alloc_tiny" };
	unsigned int i = rnd_below(t, MS_SLOTS);
	const char *op = names[which];
	size_t size, n, each;
	bool zero;
	gfp_t gfp;
	void *p;
	struct mo *o;
	int kind;

	if (which == 3)
		size = rnd_below(t, 50) ? 1 + rnd_below(t, SPANALLOC_TINY_MAX) :
		       SPANALLOC_TINY_MAX + 1 + rnd_below(t, 48);
	else
		size = model_size(t);
	zero = which == 1 || !rnd_below(t, which == 3 ? 2 : 3);
	gfp = model_gfp(t, size) | (zero && which != 1 ? __GFP_ZERO : 0);
	t->st[ST_ALLOC + which]++;
	switch (which) {
	case 0:
		p = spanalloc_alloc(size, gfp);
		break;
	case 1:
		p = spanalloc_zalloc(size, gfp);
		break;
	case 2:
		n = 1 + rnd_below(t, 16);
		each = max_t(size_t, size / n, 1);
		size = n * each;
		p = spanalloc_alloc_array(n, each, gfp);
		break;
	default:
		p = spanalloc_alloc_tiny(size, gfp);
		break;
	}
	if (!p) {
		t->st[ST_ALLOC_FAILED]++;
		return;
	}
	if (p == ZERO_SIZE_PTR) {
		model_fail(t, op, "returned ZERO_SIZE_PTR for %zu B", size);
		return;
	}
	kind = which == 3 && size <= SPANALLOC_TINY_MAX ? MK_TINY : kind_of(size);
	o = model_got(t, op, p, size, kind, zero);
	if (o)
		model_put(t, i, o);
}

static void op_realloc_null(struct mt *t, unsigned int i, bool zflag)
{
	size_t size = model_size(t);
	void *p;
	struct mo *o;

	p = spanalloc_realloc(rnd_below(t, 2) ? NULL : ZERO_SIZE_PTR, size,
			      model_gfp(t, size) | (zflag ? __GFP_ZERO : 0));
	if (!p) {
		t->st[ST_ALLOC_FAILED]++;
		return;
	}
	o = model_got(t, "realloc(NULL)", p, size, kind_of(size), zflag);
	if (o)
		model_put(t, i, o);
}

/*
 * realloc: in place when the new size fits the usable size, else moved.
 * Zeroes (with __GFP_ZERO): the bytes from the new size to the old usable
 * size always; for an object that was always zeroed, every byte from its
 * old requested size on: they were never written by its owner.
 */
static void op_realloc(struct mt *t)
{
	unsigned int i = rnd_below(t, MS_SLOTS), mode = rnd_below(t, 100);
	bool zflag = rnd_below(t, 2), lineage;
	size_t old_size, u0, u1, new_size, lo, hi;
	struct mo *o = t->slot[i], dup;
	const char *op = "realloc";
	void *old, *ret;
	char what[200];
	int old_kind;
	u64 old_key;
	gfp_t gfp;

	t->st[ST_REALLOC]++;
	if (!o) {
		op_realloc_null(t, i, zflag);
		return;
	}
	if (!check_live(t, op, o)) {
		t->slot[i] = NULL;
		return;
	}
	old = o->p;
	old_size = o->size;
	old_key = o->key;
	old_kind = o->kind;
	u0 = spanalloc_usable_size(old);
	if (mode < 30 && u0 > old_size)
		new_size = old_size + 1 + rnd_below(t, u0 - old_size);	/* grow in place */
	else if (mode < 50 && old_size > 1)
		new_size = 1 + rnd_below(t, old_size - 1);		/* shrink */
	else if (mode < 65)
		new_size = 1 + rnd_below(t, 2 * SPANALLOC_TINY_MAX);
	else if (mode < 97)
		new_size = model_size(t);
	else
		new_size = 0;
	gfp = model_gfp(t, new_size) | (zflag ? __GFP_ZERO : 0);
	lineage = o->zero && zflag;

	/* Out of the live set first: the call may free it. */
	if (!live_remove(o)) {
		model_fail(t, op, "shadow: %p is not in the live set", old);
		t->slot[i] = NULL;
		return;
	}
	ret = spanalloc_realloc(old, new_size, gfp);
	if (!new_size) {
		if (ret != ZERO_SIZE_PTR)
			model_fail(t, op, "realloc(%p, 0) returned %p, not ZERO_SIZE_PTR",
				   old, ret);
		t->st[ST_REALLOC_FREE]++;
		t->st[E_FREES]++;
		dead_push(t, o, "realloc(p, 0)");
		kfree(o);
		t->slot[i] = NULL;
		return;
	}
	if (!ret) {
		t->st[ST_ALLOC_FAILED]++;
		if (!live_insert(o, &dup)) {
			model_fail(t, op,
				   "%p, left alone by a failed realloc to %zu B, is live again: %s of %zu B allocated by thread %u at op# %llu via %s",
				   old, new_size, mk_name[dup.kind], dup.size, dup.thread, dup.born,
				   dup.how);
			kfree(o);
			t->slot[i] = NULL;
			return;
		}
		pat_ok(t, op, o, old, old_size, old_key, "object left by a failed realloc");
		return;
	}
	if (ret == old) {
		t->st[ST_REALLOC_INPLACE]++;
		if (!live_insert(o, &dup)) {
			model_fail(t, op,
				   "%p, kept in place by a realloc to %zu B, is live again: %s of %zu B allocated by thread %u at op# %llu via %s",
				   old, new_size, mk_name[dup.kind], dup.size, dup.thread, dup.born,
				   dup.how);
			kfree(o);
			t->slot[i] = NULL;
			return;
		}
		u1 = spanalloc_usable_size(ret);
		if ((o->kind != MK_TINY && u1 != u0) || new_size > u1)
			model_fail(t, op,
				   "kept %p (%s, %zu B) in place for %zu B: usable_size %zu before, %zu after",
				   old, mk_name[o->kind], old_size, new_size, u0, u1);
		/*
		 * A tiny object's usable size only grows (a neighbour freed);
		 * every byte up to max(u0, new_size) was the object's when
		 * realloc ran.
		 */
		lo = lineage ? min(old_size, new_size) : new_size;
		hi = lineage ? max(u0, new_size) : u0;
		if (zflag) {
			snprintf(what, sizeof(what),
				 "in-place realloc(%s, %zu B, usable_size %zu, %s) to %zu B, __GFP_ZERO, usable_size %zu",
				 mk_name[o->kind], old_size, u0, o->zero ? "zeroed" : "not zeroed",
				 new_size, u1);
			zero_ok(t, op, ret, lo, hi, what, NULL, 0);
		}
		pat_ok(t, op, o, ret, min(old_size, new_size), old_key,
		       "bytes kept by an in-place realloc of");
	} else {
		t->st[ST_REALLOC_MOVED]++;
		if (new_size <= u0)
			model_fail(t, op,
				   "moved %p (%s, %zu B) to %p for %zu B though its usable_size was %zu",
				   old, mk_name[o->kind], old_size, ret, new_size, u0);
		t->st[E_FREES]++;
		dead_push(t, o, "realloc");
		t->st[E_MALLOCS]++;
		if (new_size > SPANALLOC_MAX_SMALL_SIZE) {
			t->st[E_LARGE]++;
			t->st[ST_LARGE_OBJS]++;
			if (new_size > SZ_2M)
				t->st[ST_HUGE_OBJS]++;
		}
		/* Its copied bytes may reach past the old usable size of a tiny object. */
		lo = lineage ? old_size : o->kind == MK_TINY ? SPANALLOC_TINY_MAX : u0;
		o->p = ret;
		o->kind = kind_of(new_size);
		o->thread = t->id;
		o->born = t->op;
		o->how = op;
		if (!live_insert(o, &dup)) {
			model_fail(t, op,
				   "moved %p to %p for %zu B, which is live already: %s of %zu B allocated by thread %u at op# %llu via %s",
				   old, ret, new_size, mk_name[dup.kind], dup.size, dup.thread,
				   dup.born, dup.how);
			kfree(o);
			t->slot[i] = NULL;
			return;
		}
		u1 = spanalloc_usable_size(ret);
		o->acct = u1;
		if (usable_ok(t, op, ret, new_size, o->kind, u1) && zflag) {
			snprintf(what, sizeof(what),
				 "realloc(%p: %s, %zu B, usable_size %zu, %s) moved to %zu B, __GFP_ZERO, usable_size %zu",
				 old, mk_name[old_kind], old_size, u0,
				 lineage ? "zeroed" : "not zeroed", new_size, u1);
			zero_ok(t, op, ret, lo, u1, what, old,
				old_kind == MK_TINY ? SPANALLOC_TINY_MAX : u0);
		}
		pat_ok(t, op, o, ret, old_size, old_key, "bytes copied by a realloc to");
	}
	o->zero = lineage;
	o->size = new_size;
	o->key = mkey(t, ret);
	pat_fill(ret, new_size, o->key);
}

/* Free @n objects (NULL entries skipped) with one spanalloc_free_bulk(). */
static void model_free_bulk(struct mt *t, struct mo **os, unsigned int n)
{
	void *ptrs[2 * MS_BULK];
	unsigned int i, k = 0, real = 0;

	for (i = 0; i < n; i++) {
		if (!os[i])
			continue;
		if (!check_live(t, "free_bulk", os[i]) || !live_remove(os[i])) {
			if (!READ_ONCE(model_failed))
				model_fail(t, "free_bulk", "shadow: %p is not in the live set",
					   os[i]->p);
			os[i] = NULL;
			continue;
		}
		if (!rnd_below(t, 8))	/* ignored entries */
			ptrs[k++] = rnd_below(t, 2) ? NULL : ZERO_SIZE_PTR;
		ptrs[k++] = os[i]->p;
		real++;
	}
	spanalloc_free_bulk(k, ptrs);
	t->st[ST_FREE_BULK]++;
	t->st[ST_FREE_BULK_OBJS] += real;
	t->st[E_FREES] += real;
	for (i = 0; i < n; i++) {
		if (!os[i])
			continue;
		dead_push(t, os[i], "free_bulk");
		kfree(os[i]);
	}
}

static void op_bulk(struct mt *t)
{
	unsigned int nr = 1 + rnd_below(t, MS_BULK), r = rnd_below(t, 100), i;
	bool zero = !rnd_below(t, 3);
	struct mo *os[MS_BULK];
	void *ptrs[MS_BULK];
	size_t size;

	if (r < 70)
		size = 1 + rnd_below(t, 512);
	else if (r < 97)
		size = 513 + rnd_below(t, SPANALLOC_MAX_SMALL_SIZE - 512);
	else
		size = SPANALLOC_MAX_SMALL_SIZE + 1 + rnd_below(t, SZ_256K);
	if (size > SPANALLOC_MAX_SMALL_SIZE)
		nr = min(nr, 3U);
	t->st[ST_BULK]++;
	if (spanalloc_alloc_bulk(size, model_gfp(t, size) | (zero ? __GFP_ZERO : 0), nr, ptrs) !=
	    nr) {
		t->st[ST_ALLOC_FAILED]++;
		return;
	}
	t->st[ST_BULK_OBJS] += nr;
	for (i = 0; i < nr; i++)
		os[i] = model_got(t, "alloc_bulk", ptrs[i], size, kind_of(size), zero);
	if (rnd_below(t, 2)) {
		model_free_bulk(t, os, nr);
		return;
	}
	for (i = 0; i < nr; i++)
		if (os[i])
			model_put(t, rnd_below(t, MS_SLOTS), os[i]);
}

static void op_free_bulk(struct mt *t)
{
	unsigned int n = 1 + rnd_below(t, MS_BULK), i, j, k = 0;
	struct mo *os[MS_BULK];

	for (i = 0; i < n; i++) {
		j = rnd_below(t, MS_SLOTS);
		if (t->slot[j]) {
			os[k++] = t->slot[j];
			t->slot[j] = NULL;
		}
	}
	model_free_bulk(t, os, k);
}

static void op_free(struct mt *t)
{
	unsigned int i = rnd_below(t, MS_SLOTS);

	if (!t->slot[i])
		return;
	t->st[ST_FREE]++;
	model_free(t, "free", t->slot[i]);
	t->slot[i] = NULL;
}

static bool mbox_push(struct mt *to, struct mo *o)
{
	bool ok = false;

	spin_lock(&to->mbox_lock);
	if (to->mbox_head - to->mbox_tail < MS_MBOX) {
		to->mbox[to->mbox_head++ % MS_MBOX] = o;
		ok = true;
	}
	spin_unlock(&to->mbox_lock);
	return ok;
}

static struct mo *mbox_pop(struct mt *t)
{
	struct mo *o = NULL;

	spin_lock(&t->mbox_lock);
	if (t->mbox_head != t->mbox_tail)
		o = t->mbox[t->mbox_tail++ % MS_MBOX];
	spin_unlock(&t->mbox_lock);
	return o;
}

/* Hand an object to another thread (on another CPU), which frees it. */
static void op_handover(struct mt *t)
{
	unsigned int i = rnd_below(t, MS_SLOTS);
	struct mt *to;

	if (!t->slot[i] || model_nr < 2)
		return;
	to = &model_threads[(t->id + 1 + rnd_below(t, model_nr - 1)) % model_nr];
	if (mbox_push(to, t->slot[i])) {
		t->slot[i] = NULL;
		t->st[ST_HANDOVER]++;
	}
}

/* The API's corner cases: nothing allocated, nothing freed, nothing counted. */
static void op_edge(struct mt *t)
{
	size_t n = 1 + rnd_below(t, 64);
	void *ptrs[4] = { NULL, ZERO_SIZE_PTR, NULL, ZERO_SIZE_PTR };
	unsigned int c = rnd_below(t, 10);
	const char *what = NULL;
	void *p = ZERO_SIZE_PTR;
	struct mo *o;
	size_t u;

	t->st[ST_EDGE]++;
	switch (c) {
	case 0:
		p = spanalloc_alloc(0, GFP_KERNEL);
		what = "alloc(0)";
		break;
	case 1:
		p = spanalloc_zalloc(0, GFP_KERNEL);
		what = "zalloc(0)";
		break;
	case 2:
		p = spanalloc_alloc_tiny(0, GFP_KERNEL);
		what = "alloc_tiny(0)";
		break;
	case 3:
		p = spanalloc_alloc_array(0, n, GFP_KERNEL);
		what = "alloc_array(0, n)";
		break;
	case 4:
		p = spanalloc_realloc(rnd_below(t, 2) ? NULL : ZERO_SIZE_PTR, 0, GFP_KERNEL);
		what = "realloc(NULL, 0)";
		break;
	case 5:
		/* (SIZE_MAX / (n + 1) + 1) * (n + 1) > SIZE_MAX */
		p = spanalloc_alloc_array(SIZE_MAX / (n + 1) + 1, n + 1, GFP_KERNEL | __GFP_NOWARN);
		if (p)
			model_fail(t, "edge", "alloc_array(%zu, %zu) overflows but returned %p",
				   SIZE_MAX / (n + 1) + 1, n + 1, p);
		return;
	case 6:
		spanalloc_free(NULL);
		spanalloc_free(ZERO_SIZE_PTR);
		spanalloc_free_bulk(0, ptrs);
		spanalloc_free_bulk(ARRAY_SIZE(ptrs), ptrs);
		return;
	case 7:
		u = spanalloc_usable_size(rnd_below(t, 2) ? NULL : ZERO_SIZE_PTR);
		if (u)
			model_fail(t, "edge", "usable_size(NULL or ZERO_SIZE_PTR) is %zu", u);
		return;
	case 8:
		if (spanalloc_alloc_bulk(n, GFP_KERNEL, 0, ptrs) ||
		    spanalloc_alloc_bulk(0, GFP_KERNEL, 2, ptrs))
			model_fail(t, "edge", "alloc_bulk of 0 objects or 0 bytes allocated");
		return;
	default:
		t->st[ST_PROBE]++;
		o = t->slot[rnd_below(t, MS_SLOTS)];
		if (o)
			check_live(t, "probe", o);
		return;
	}
	if (p != ZERO_SIZE_PTR)
		model_fail(t, "edge", "%s returned %p, not ZERO_SIZE_PTR", what, p);
}

static void op_drain(struct mt *t)
{
	spanalloc_drain();
	atomic64_inc(&model_drains);
	t->st[ST_DRAIN]++;
}

/* A bad free was just made: it must be refused and change nothing else. */
static bool bad_expect(struct mt *t, const char *op, const struct spanalloc_memstats *a,
		       s64 dfrees, const char *what)
{
	struct spanalloc_memstats b;
	s64 gb, gf, gm;

	spanalloc_read_memstats(&b);
	t->st[E_BAD]++;
	gb = b.bad_frees - a->bad_frees;
	gf = b.frees - a->frees;
	gm = b.mallocs - a->mallocs;
	if (gb == 1 && gf == dfrees && gm == 0) {
		t->st[ST_BAD_REFUSED]++;
		return true;
	}
	model_fail(t, op,
		   "%s %s: bad_frees %+lld (expected +1), frees %+lld (expected %+lld), mallocs %+lld (expected +0)",
		   what, gb ? "miscounted" : "ACCEPTED", gb, gf, dfrees, gm);
	return false;
}

static struct mo **pick_live(struct mt *t, size_t min_size)
{
	unsigned int n, i;

	for (n = 0; n < 16; n++) {
		i = rnd_below(t, MS_SLOTS);
		if (t->slot[i] && t->slot[i]->size >= min_size)
			return &t->slot[i];
	}
	return NULL;
}

static void bad_double(struct mt *t)
{
	const char *op = "immediate double free";
	struct mo **slot = pick_live(t, 1), *o;
	struct spanalloc_memstats a;
	char what[160];

	if (!slot)
		return;
	o = *slot;
	*slot = NULL;
	if (!check_live(t, op, o) || !live_remove(o))
		return;
	t->st[ST_BAD_DOUBLE]++;
	spanalloc_read_memstats(&a);
	spanalloc_free(o->p);
	t->st[E_FREES]++;
	spanalloc_free(o->p);
	snprintf(what, sizeof(what), "second free of %p (%s, %zu B, allocated via %s)", o->p,
		 mk_name[o->kind], o->size, o->how);
	bad_expect(t, op, &a, 1, what);
	dead_push(t, o, "free before an immediate double free");
	kfree(o);
}

/* Free an address freed long ago, not live again: it must be refused. */
static void bad_delayed(struct mt *t)
{
	const char *op = "delayed double free";
	struct spanalloc_memstats a;
	bool drained = false;
	struct dead d;
	char what[300];
	u64 age;
	size_t u;

	if (!dead_pick(t, &d, &age))
		return;
	if (live_has(d.p)) {
		/* Handed out again since: freeing it now would be legitimate. */
		t->st[ST_BAD_DELAYED_SKIPPED]++;
		return;
	}
	t->st[ST_BAD_DELAYED]++;
	if (!rnd_below(t, 3)) {
		spanalloc_drain();
		atomic64_inc(&model_drains);
		drained = true;
		t->st[ST_BAD_DELAYED_DRAINED]++;
	}
	spanalloc_read_memstats(&a);
	spanalloc_free(d.p);
	snprintf(what, sizeof(what),
		 "free of %p (%s, %zu B, freed via %s by thread %u on cpu %d at its op# %llu, %llu frees and %llu drains ago%s)",
		 d.p, mk_name[d.kind], d.size, d.how, d.thread, d.cpu, d.op, age,
		 (u64)atomic64_read(&model_drains) - d.drains, drained ? ", one just now" : "");
	if (!bad_expect(t, op, &a, 0, what))
		return;
	u = spanalloc_usable_size(d.p);
	if (u)
		model_fail(t, op, "usable_size of freed %p (%s, %zu B, freed via %s) is %zu, not 0",
			   d.p, mk_name[d.kind], d.size, d.how, u);
}

static void bad_interior(struct mt *t)
{
	const char *op = "interior free";
	struct mo **slot = pick_live(t, 2), *o;
	struct spanalloc_memstats a;
	char what[160];
	size_t off;

	if (!slot)
		return;
	o = *slot;
	if (o->kind == MK_SMALL && o->size >= 16 && rnd_below(t, 2))
		off = 8;
	else if (o->kind == MK_LARGE && rnd_below(t, 2))
		off = PAGE_SIZE * rnd_below(t, DIV_ROUND_UP(o->size, PAGE_SIZE));
	else
		off = 1 + rnd_below(t, o->size - 1);
	if (!off)
		off = 1;
	t->st[ST_BAD_INTERIOR]++;
	spanalloc_read_memstats(&a);
	spanalloc_free(o->p + off);
	snprintf(what, sizeof(what),
		 "free of %p, byte %zu of live %p (%s, %zu B, allocated via %s)",
		 o->p + off, off, o->p, mk_name[o->kind], o->size, o->how);
	if (bad_expect(t, op, &a, 0, what))
		check_live(t, op, o);
}

static void bad_foreign(struct mt *t)
{
	const char *op = "foreign free";
	struct spanalloc_memstats a;
	struct page *page = NULL;
	void *buf = NULL, *p, *r;
	char what[160];
	u64 local = 0;

	switch (rnd_below(t, 5)) {
	case 0:
	case 4:
		buf = kmalloc(8 + rnd_below(t, 2048), GFP_KERNEL);
		if (!buf)
			return;
		p = buf;
		break;
	case 1:
		page = alloc_page(GFP_KERNEL);
		if (!page)
			return;
		p = page_address(page) + 8 * rnd_below(t, PAGE_SIZE / 8);
		break;
	case 2:
		p = &local;
		break;
	default:
		p = &model_global[rnd_below(t, ARRAY_SIZE(model_global))];
		break;
	}
	t->st[ST_BAD_FOREIGN]++;
	spanalloc_read_memstats(&a);
	if (buf && rnd_below(t, 3) == 0) {
		r = spanalloc_realloc(p, 1 + rnd_below(t, 4096), GFP_KERNEL);
		snprintf(what, sizeof(what), "realloc of %p (kmalloc'ed) returned %p and was",
			 p, r);
		if (bad_expect(t, op, &a, 0, what) && r)
			model_fail(t, op, "realloc of foreign %p returned %p, not NULL", p, r);
	} else {
		spanalloc_free(p);
		snprintf(what, sizeof(what), "free of %p (%s)", p,
			 buf ? "kmalloc'ed" : page ? "a page of the page allocator" :
			 p == &local ? "the stack" : "module data");
		bad_expect(t, op, &a, 0, what);
	}
	kfree(buf);
	if (page)
		__free_page(page);
}

/* Bad frees run alone: every other thread waits outside its operation. */
static void op_bad(struct mt *t)
{
	unsigned int k = rnd_below(t, 100);

	down_write(&model_rwsem);
	if (!READ_ONCE(model_failed)) {
		if (k < 25)
			bad_double(t);
		else if (k < 65)
			bad_delayed(t);
		else if (k < 85)
			bad_interior(t);
		else
			bad_foreign(t);
	}
	up_write(&model_rwsem);
}

static void model_step(struct mt *t)
{
	unsigned int r, i;
	struct mo *o;

	t->op++;
	t->st[ST_OPS]++;
	if (bad_permille && rnd_below(t, 1000) < bad_permille) {
		op_bad(t);
		return;
	}
	down_read(&model_rwsem);
	if (READ_ONCE(model_failed))
		goto out;
	/* Free what other threads handed over: cross-CPU frees. */
	for (i = 0; i < 2 && (o = mbox_pop(t)); i++) {
		t->st[ST_CROSS_FREE]++;
		model_free(t, "cross-CPU free", o);
	}
	if (drain_every && !rnd_below(t, drain_every)) {
		op_drain(t);
		goto out;
	}
	r = rnd_below(t, 100);
	if (r < 22)
		op_alloc(t, 0);
	else if (r < 30)
		op_alloc(t, 1);
	else if (r < 33)
		op_alloc(t, 2);
	else if (r < 48)
		op_alloc(t, 3);
	else if (r < 58)
		op_realloc(t);
	else if (r < 62)
		op_bulk(t);
	else if (r < 84)
		op_free(t);
	else if (r < 87)
		op_free_bulk(t);
	else if (r < 94)
		op_handover(t);
	else
		op_edge(t);
out:
	up_read(&model_rwsem);
}

static int model_thread(void *arg)
{
	struct mt *t = arg;

	while (!kthread_should_stop()) {
		if (READ_ONCE(model_stop) || READ_ONCE(model_failed)) {
			schedule_timeout_interruptible(HZ / 20);
			continue;
		}
		model_step(t);
		cond_resched();
	}
	return 0;
}

static void model_sum(u64 *sum)
{
	unsigned int i, j;

	memset(sum, 0, ST_NR * sizeof(*sum));
	for (i = 0; i < model_nr; i++)
		for (j = 0; j < ST_NR; j++)
			sum[j] += READ_ONCE(model_threads[i].st[j]);
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

static void quiet_cmp(const char *when, const char *name, u64 now, u64 then, s64 want)
{
	s64 got = now - then;

	if (got != want)
		model_fail(NULL, "quiescent check",
			   "%s: memstats %s moved by %+lld, the model expects %+lld",
			   when, name, got, want);
}

/*
 * Everything stopped (the rwsem held for writing): drain, then every
 * counter the model knows must be exact, and every live object intact.
 */
static void model_check_quiet(const char *when, bool all_freed)
{
	u64 e[ST_NR], n = 0, ntiny = 0, blocks = 0, heap = 0, k = 0;
	struct spanalloc_memstats ms;
	unsigned long *tb;
	unsigned int b;
	struct mo *o;

	lockdep_assert_held_write(&model_rwsem);
	spanalloc_drain();
	atomic64_inc(&model_drains);
	spanalloc_read_memstats(&ms);
	model_sum(e);
	model_checks++;

	for (b = 0; b < (1U << MS_HASH_BITS); b++) {
		hlist_for_each_entry(o, &model_hash[b].head, node) {
			n++;
			if (o->kind == MK_TINY)
				ntiny++;
			else
				heap += o->acct;
			if (!READ_ONCE(model_failed) && !check_live(NULL, "quiescent check", o))
				return;
		}
		cond_resched();
	}
	tb = kvmalloc_array(max_t(u64, ntiny, 1), sizeof(*tb), GFP_KERNEL);
	if (tb) {
		for (b = 0; b < (1U << MS_HASH_BITS); b++)
			hlist_for_each_entry(o, &model_hash[b].head, node)
				if (o->kind == MK_TINY && k < ntiny)
					tb[k++] = (unsigned long)o->p & ~15UL;
		sort(tb, k, sizeof(*tb), cmp_ulong, NULL);
		for (k = 0; k < ntiny; k++)
			if (!k || tb[k] != tb[k - 1])
				blocks++;
		kvfree(tb);
		heap += blocks * 16;
	}
	if (e[E_MALLOCS] - e[E_FREES] != n)
		model_fail(NULL, "quiescent check",
			   "%s: shadow: %llu live objects in the set, %llu allocated - %llu freed",
			   when, n, e[E_MALLOCS], e[E_FREES]);
	quiet_cmp(when, "mallocs", ms.mallocs, model_ms0.mallocs, e[E_MALLOCS]);
	quiet_cmp(when, "frees", ms.frees, model_ms0.frees, e[E_FREES]);
	quiet_cmp(when, "live_objects", ms.live_objects, model_ms0.live_objects, n);
	quiet_cmp(when, "bad_frees", ms.bad_frees, model_ms0.bad_frees, e[E_BAD]);
	quiet_cmp(when, "tiny_allocs", ms.tiny_allocs, model_ms0.tiny_allocs, e[E_TINY]);
	quiet_cmp(when, "large_allocs", ms.large_allocs, model_ms0.large_allocs, e[E_LARGE]);
	quiet_cmp(when, "corruptions", ms.corruptions, model_ms0.corruptions, 0);
	if (tb)
		quiet_cmp(when, "heap_alloc", ms.heap_alloc, model_ms0.heap_alloc, heap);
	if (all_freed && !ms.live_objects && ms.heap_sys)
		model_fail(NULL, "quiescent check",
			   "%s: heap_sys %llu after a drain with no live object",
			   when, ms.heap_sys);
	pr_info("check %llu (%s): %llu live (%llu tiny in %llu blocks), heap_alloc %+lld (model %llu), mallocs %+lld frees %+lld bad_frees %+lld tiny %+lld large %+lld heap_sys %llu%s\n",
		model_checks, when, n, ntiny, blocks, (s64)(ms.heap_alloc - model_ms0.heap_alloc),
		heap, (s64)(ms.mallocs - model_ms0.mallocs), (s64)(ms.frees - model_ms0.frees),
		(s64)(ms.bad_frees - model_ms0.bad_frees),
		(s64)(ms.tiny_allocs - model_ms0.tiny_allocs),
		(s64)(ms.large_allocs - model_ms0.large_allocs), ms.heap_sys,
		READ_ONCE(model_failed) ? " FAILED" : "");
}

/* After the threads stopped: free everything they hold. */
static void model_free_all(void)
{
	unsigned int i, j;
	struct mt *t;
	struct mo *o;

	for (i = 0; i < model_nr; i++) {
		t = &model_threads[i];
		for (j = 0; j < MS_SLOTS && !READ_ONCE(model_failed); j++) {
			if (t->slot[j])
				model_free(t, "final free", t->slot[j]);
			t->slot[j] = NULL;
		}
		while (!READ_ONCE(model_failed) && (o = mbox_pop(t))) {
			t->st[ST_CROSS_FREE]++;
			model_free(t, "final cross-CPU free", o);
		}
	}
}

/* Forget the shadows; objects still live (after a failure) stay allocated. */
static u64 model_forget(void)
{
	struct hlist_node *tmp;
	unsigned int b;
	struct mo *o;
	u64 n = 0;

	for (b = 0; b < (1U << MS_HASH_BITS); b++) {
		hlist_for_each_entry_safe(o, tmp, &model_hash[b].head, node) {
			hlist_del(&o->node);
			kfree(o);
			n++;
		}
	}
	return n;
}

static void model_summary(unsigned int secs, unsigned long elapsed_ms, u64 leaked)
{
	struct spanalloc_memstats ms;
	u64 s[ST_NR];
	char *buf = model_summary_text;
	size_t len = sizeof(model_summary_text), n = 0;
	int failures = atomic_read(&model_failures);

	model_sum(s);
	spanalloc_read_memstats(&ms);
	spin_lock(&model_text_lock);
	memcpy(model_last, s, sizeof(s));
	n += scnprintf(buf + n, len - n,
		       "summary seed=%llu cpus=%u seconds=%u (%lu ms) ops=%llu alloc=%llu zalloc=%llu alloc_array=%llu alloc_tiny=%llu realloc=%llu (in place %llu, moved %llu, to 0 %llu) alloc_bulk=%llu (%llu objects) free=%llu free_bulk=%llu (%llu objects) large=%llu (beyond 2 MiB %llu) alloc_failures=%llu\n",
		       model_seed, model_nr, secs, elapsed_ms, s[ST_OPS], s[ST_ALLOC], s[ST_ZALLOC],
		       s[ST_ARRAY], s[ST_TINY], s[ST_REALLOC], s[ST_REALLOC_INPLACE],
		       s[ST_REALLOC_MOVED], s[ST_REALLOC_FREE], s[ST_BULK], s[ST_BULK_OBJS],
		       s[ST_FREE], s[ST_FREE_BULK], s[ST_FREE_BULK_OBJS], s[ST_LARGE_OBJS],
		       s[ST_HUGE_OBJS], s[ST_ALLOC_FAILED]);
	n += scnprintf(buf + n, len - n,
		       "summary handed over=%llu cross-CPU frees=%llu drains=%lld edge cases=%llu probes=%llu zero checks=%llu quiescent checks=%llu\n",
		       s[ST_HANDOVER], s[ST_CROSS_FREE], atomic64_read(&model_drains), s[ST_EDGE],
		       s[ST_PROBE], s[ST_ZERO_CHECKS], model_checks);
	n += scnprintf(buf + n, len - n,
		       "summary bad frees done=%llu refused=%llu: immediate double %llu, delayed double %llu (%llu right after a drain; %llu picks skipped, live again), interior %llu, foreign %llu\n",
		       s[E_BAD], s[ST_BAD_REFUSED], s[ST_BAD_DOUBLE], s[ST_BAD_DELAYED],
		       s[ST_BAD_DELAYED_DRAINED], s[ST_BAD_DELAYED_SKIPPED], s[ST_BAD_INTERIOR],
		       s[ST_BAD_FOREIGN]);
	n += scnprintf(buf + n, len - n,
		       "summary memstats moved: mallocs %+lld (model %llu) frees %+lld (model %llu) bad_frees %+lld (model %llu) tiny_allocs %+lld (model %llu) large_allocs %+lld (model %llu) live_objects %+lld heap_alloc %+lld corruptions %+lld; heap_sys %llu\n",
		       (s64)(ms.mallocs - model_ms0.mallocs), s[E_MALLOCS],
		       (s64)(ms.frees - model_ms0.frees), s[E_FREES],
		       (s64)(ms.bad_frees - model_ms0.bad_frees), s[E_BAD],
		       (s64)(ms.tiny_allocs - model_ms0.tiny_allocs), s[E_TINY],
		       (s64)(ms.large_allocs - model_ms0.large_allocs), s[E_LARGE],
		       (s64)(ms.live_objects - model_ms0.live_objects),
		       (s64)(ms.heap_alloc - model_ms0.heap_alloc),
		       (s64)(ms.corruptions - model_ms0.corruptions), ms.heap_sys);
	if (failures)
		n += scnprintf(buf + n, len - n,
			       "FAIL: %d failure(s), %llu objects left allocated; first: %s\n",
			       failures, leaked, model_failure_text);
	else
		n += scnprintf(buf + n, len - n, "PASS seed=%llu\n", model_seed);
	spin_unlock(&model_text_lock);
	/* One printk per line: the console shows each with the "model: " prefix. */
	while (*buf) {
		char *nl = strchr(buf, '\n');

		if (!nl)
			break;
		pr_info("%.*s\n", (int)(nl - buf), buf);
		buf = nl + 1;
	}
}

static int model_run(unsigned int secs)
{
	unsigned int n = num_online_cpus(), i, b;
	unsigned long start = jiffies, deadline, next_check;
	u64 leaked;
	int cpu;

	model_seed = seed ? seed : get_random_u64() ?: 1;
	atomic_set(&model_failures, 0);
	WRITE_ONCE(model_failed, false);
	WRITE_ONCE(model_stop, false);
	model_failure_text[0] = '\0';
	model_checks = 0;
	atomic64_set(&model_drains, 0);
	memset(model_dead, 0, sizeof(model_dead));
	model_dead_seq = 0;

	model_hash = kvcalloc(1U << MS_HASH_BITS, sizeof(*model_hash), GFP_KERNEL);
	model_threads = kvcalloc(n, sizeof(*model_threads), GFP_KERNEL);
	if (!model_hash || !model_threads) {
		kvfree(model_hash);
		kvfree(model_threads);
		return -ENOMEM;
	}
	for (b = 0; b < (1U << MS_HASH_BITS); b++)
		spin_lock_init(&model_hash[b].lock);

	pr_info("start seed=%llu cpus=%u seconds=%u check_ms=%u bad_permille=%u drain_every=%u\n",
		model_seed, n, secs, check_ms, bad_permille, drain_every);
	spanalloc_drain();
	spanalloc_read_memstats(&model_ms0);

	i = 0;
	for_each_online_cpu(cpu) {
		struct mt *t;

		if (i == n)
			break;
		t = &model_threads[i];
		t->id = i;
		t->cpu = cpu;
		spin_lock_init(&t->mbox_lock);
		prandom_seed_state(&t->rnd, model_seed + cpu);
		t->task = kthread_create_on_cpu(model_thread, t, cpu, "sa_model/%u");
		if (IS_ERR(t->task)) {
			pr_warn("no thread on cpu %d: %ld\n", cpu, PTR_ERR(t->task));
			t->task = NULL;
			continue;
		}
		i++;
	}
	model_nr = i;
	for (i = 0; i < model_nr; i++)
		wake_up_process(model_threads[i].task);

	deadline = jiffies + secs * HZ;
	next_check = jiffies + msecs_to_jiffies(check_ms);
	while (time_before(jiffies, deadline) && !READ_ONCE(model_failed)) {
		if (msleep_interruptible(100)) {
			pr_warn("interrupted by a signal\n");
			break;
		}
		if (check_ms && time_after_eq(jiffies, next_check) &&
		    time_before(jiffies, deadline)) {
			down_write(&model_rwsem);
			if (!READ_ONCE(model_failed))
				model_check_quiet("periodic", false);
			up_write(&model_rwsem);
			next_check = jiffies + msecs_to_jiffies(check_ms);
		}
	}
	WRITE_ONCE(model_stop, true);
	for (i = 0; i < model_nr; i++)
		kthread_stop(model_threads[i].task);

	down_write(&model_rwsem);
	if (!READ_ONCE(model_failed))
		model_check_quiet("end, objects live", false);
	if (!READ_ONCE(model_failed))
		model_free_all();
	if (!READ_ONCE(model_failed))
		model_check_quiet("end, all freed", true);
	leaked = model_forget();
	model_summary(secs, jiffies_to_msecs(jiffies - start), leaked);
	up_write(&model_rwsem);

	kvfree(model_threads);
	model_threads = NULL;
	model_nr = 0;
	kvfree(model_hash);
	model_hash = NULL;
	model_runs++;
	return 0;
}

static int model_set_run(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int ret;

	ret = kstrtouint(val, 0, &v);
	if (ret)
		return ret;
	if (!v || !seconds)
		return -EINVAL;
	ret = mutex_lock_interruptible(&model_mutex);
	if (ret)
		return ret;
	ret = model_run(seconds);
	mutex_unlock(&model_mutex);
	return ret;
}

static const struct kernel_param_ops model_run_ops = {
	.set = model_set_run,
};

module_param_cb(run, &model_run_ops, NULL, 0200);
MODULE_PARM_DESC(run, "Write 1: run the model for \"seconds\" seconds (returns when done)");

static int model_get_failures(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&model_failures));
}

static const struct kernel_param_ops model_failures_ops = {
	.get = model_get_failures,
};

module_param_cb(failures, &model_failures_ops, NULL, 0444);
MODULE_PARM_DESC(failures, "Failures of the last run (0 = it passed)");
module_param_named(runs, model_runs, uint, 0444);
MODULE_PARM_DESC(runs, "Runs completed");
module_param_named(last_seed, model_seed, ullong, 0444);
MODULE_PARM_DESC(last_seed, "Seed of the last run");

static int model_text_show(struct seq_file *m, void *v)
{
	const char *text = m->private;

	spin_lock(&model_text_lock);
	seq_printf(m, "%s%s", text, *text && text[strlen(text) - 1] != '\n' ? "\n" : "");
	spin_unlock(&model_text_lock);
	return 0;
}

static int model_text_open(struct inode *inode, struct file *file)
{
	return single_open(file, model_text_show, inode->i_private);
}

static const struct file_operations model_text_fops = {
	.owner = THIS_MODULE,
	.open = model_text_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

/* Counters of the last run ("running 1" while one is in progress). */
static int model_stats_show(struct seq_file *m, void *v)
{
	unsigned int j;

	if (!mutex_trylock(&model_mutex)) {
		seq_puts(m, "running 1\n");
		return 0;
	}
	seq_printf(m, "running 0\nruns %u\nlast_seed %llu\nfailures %d\n", model_runs,
		   model_seed, atomic_read(&model_failures));
	spin_lock(&model_text_lock);
	for (j = 0; j < ST_NR; j++)
		seq_printf(m, "%s %llu\n", st_name[j], model_last[j]);
	spin_unlock(&model_text_lock);
	mutex_unlock(&model_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(model_stats);

static int __init model_init(void)
{
	model_debugfs = debugfs_create_dir("sa_model", NULL);
	debugfs_create_file("summary", 0444, model_debugfs, model_summary_text,
			    &model_text_fops);
	debugfs_create_file("failure", 0444, model_debugfs, model_failure_text,
			    &model_text_fops);
	debugfs_create_file("stats", 0444, model_debugfs, NULL, &model_stats_fops);
	return 0;
}

static void __exit model_exit(void)
{
	debugfs_remove_recursive(model_debugfs);
}

module_init(model_init);
module_exit(model_exit);
MODULE_DESCRIPTION("spanalloc: model-based randomized test");
MODULE_LICENSE("GPL");
