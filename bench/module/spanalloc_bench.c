// SPDX-License-Identifier: GPL-2.0
/*
 * spanalloc_bench.c - spanalloc against kmalloc/kfree (SLUB) in the same boot.
 *
 * A client module of spanalloc (it includes only <spanalloc.h>). Loading it
 * runs nothing: it creates /sys/kernel/debug/spanalloc_bench/ with
 *
 *   run      write a list of groups (and options) to run them, e.g.
 *            echo "rounds=5 memory single allcpu remote prodcons bulk large" > run
 *            The write returns when the groups are done; each measurement
 *            runs exactly once per write.
 *   results  the rows of the last write, one "BENCH {json}" line each.
 *
 * Groups:
 *   memory    replay the size histogram compiled in from bench_hist.h (every
 *             object live at once) through kmalloc, then spanalloc_alloc;
 *             footprints: SLUB = change of the Slab line of /proc/meminfo
 *             (NR_SLAB_*; on 6.12 this already includes kmalloc's large
 *             pages), spanalloc = heap_inuse + metadata_bytes.
 *   memsmall  the same histogram with few objects per class (each line's
 *             count / 8, and one object per line), same footprints.
 *   single    one CPU: N allocs then N frees ("batch") and alloc/free pairs
 *             ("pair"), for every size in the size list.
 *   allcpu    the same two on every online CPU at once (kthreads bound per
 *             CPU, released together by a barrier).
 *   remote    CPUs 1.. allocate, CPU 0 frees; objects pass through one
 *             single-producer ring per CPU.
 *   prodcons  CPU 0 allocates, CPUs 1.. free.
 *   bulk      spanalloc_alloc_bulk/free_bulk vs kmem_cache_alloc_bulk/
 *             free_bulk on a kmem_cache_create()d cache of the same size.
 *   large     40 KiB .. 1 MiB, batch and pair, vs kmalloc's page path.
 *   probe     cycles of pieces of the paths (lookup of an object's size,
 *             irqsave/restore, rcu_read_lock/unlock, ...): where time goes.
 *
 * Method: every row runs one untimed warm-up per allocator, then "rounds"
 * rounds, each spanalloc then SLUB (A B A B ...); the row reports the median
 * over rounds of get_cycles() per operation, x100 fixed point printed as a
 * decimal. Under QEMU TCG the absolute figures are inflated; only the ratio
 * of two figures of the same boot means anything.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>
#include <linux/kthread.h>
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/uaccess.h>
#include <linux/sort.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/utsname.h>
#include <linux/timex.h>
#include <linux/sched.h>
#include <linux/cpumask.h>
#include <linux/cpu.h>
#include <spanalloc.h>
#ifdef CONFIG_X86
#include <asm/tsc.h>
#define BENCH_CYCLES_KHZ	tsc_khz
#else
/* get_cycles() counts another clock there (arm64: the generic timer). */
#define BENCH_CYCLES_KHZ	0U
#endif

#include "bench_hist.h"

static unsigned int rounds = 5;
module_param(rounds, uint, 0644);
MODULE_PARM_DESC(rounds, "Timed rounds per allocator and row (median reported)");
static unsigned int nobj = 1000;
module_param(nobj, uint, 0644);
MODULE_PARM_DESC(nobj, "Objects per batch/pair run (capped at 8 MiB of objects)");
static unsigned int nobj_large = 32;
module_param(nobj_large, uint, 0644);
MODULE_PARM_DESC(nobj_large, "Objects per run of the large group");
static unsigned int nobj_xcpu = 2000;
module_param(nobj_xcpu, uint, 0644);
MODULE_PARM_DESC(nobj_xcpu, "Objects per sending CPU in remote and prodcons");
static bool quick;
module_param(quick, bool, 0644);
MODULE_PARM_DESC(quick, "Fewer sizes in the multi-CPU groups");

#define MAX_ROUNDS	15
#define XBATCH		16	/* objects timed together in remote/prodcons */
#define RING_SZ		256

static const unsigned int sizes_all[] = {
	8, 16, 24, 32, 64, 96, 128, 200, 256, 300, 512, 1024, 2048, 3000,
	4096, 8192, 16384,
};

static const unsigned int sizes_quick[] = { 8, 64, 256, 1024, 4096, 16384 };
static const unsigned int sizes_xcpu[] = { 64, 1024 };
static const unsigned int sizes_remote[] = { 16, 64, 256, 1024, 4096 };
static const unsigned int sizes_bulk[] = { 64, 256, 1024 };
static const unsigned int nr_bulk[] = { 16, 128 };
static const unsigned int sizes_large[] = { 40 << 10, 68 << 10, 256 << 10, 1 << 20 };

enum { K_SA, K_SLUB, NR_KINDS };
enum { WL_BATCH, WL_PAIR, WL_REMOTE, WL_PRODCONS, WL_BULK };

/* ---- results ---------------------------------------------------------- */

#define RBUF_SZ		(512 << 10)
static char *rbuf;
static size_t rlen;
static unsigned int seq;
static DEFINE_MUTEX(bench_lock);

static __printf(1, 2) void emit(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vscnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (rlen + n + 8 < RBUF_SZ)
		rlen += scnprintf(rbuf + rlen, RBUF_SZ - rlen, "BENCH %s\n", line);
}

/*
 * A result line built from pieces with jadd() and put out with jemit(), so
 * that long lines need no format string split across source lines.  Callers
 * are serialized the same way as for emit().
 */
static char jline[1024];
static int jlen;

static __printf(1, 2) void jadd(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	jlen += vscnprintf(jline + jlen, sizeof(jline) - jlen, fmt, ap);
	va_end(ap);
}

static void jemit(void)
{
	emit("%s", jline);
	jlen = 0;
	jline[0] = '\0';
}

/* x100 fixed point as a JSON number: FXF in the format, FX_INT(v), FX_FRAC(v) as arguments */
#define FX_INT(v)	((v) / 100)
#define FX_FRAC(v)	((v) % 100)
#define FXF		"%llu.%02llu"

static u64 per_op(u64 cycles, u64 ops)
{
	return ops ? div64_u64(cycles * 100, ops) : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 median(const u64 *v, unsigned int n)
{
	u64 t[MAX_ROUNDS];

	if (!n)
		return 0;
	memcpy(t, v, n * sizeof(*t));
	sort(t, n, sizeof(*t), cmp_u64, NULL);
	return n & 1 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static u64 minimum(const u64 *v, unsigned int n)
{
	u64 m = U64_MAX;
	unsigned int i;

	for (i = 0; i < n; i++)
		m = min(m, v[i]);
	return n ? m : 0;
}

static int rounds_list(char *buf, size_t len, const u64 *v, unsigned int n)
{
	int off = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		off += scnprintf(buf + off, len - off, "%s" FXF, i ? "," : "",
				 FX_INT(v[i]), FX_FRAC(v[i]));
	return off;
}

/*
 * One row: per kind the per-round figures of up to three metrics (x100
 * cycles per op); metric 0 is the row's figure, 1 and 2 are its parts
 * (alloc side, free side).
 */
struct row {
	const char *group, *wl;
	unsigned int size, n, nr;
	u64 v[NR_KINDS][3][MAX_ROUNDS];
	unsigned int fails[NR_KINDS];
};

static void emit_row(struct row *r, unsigned int nrounds, const char *const metric[3])
{
	char ra[256], rb[256];
	char parts[256] = "";
	int off = 0, m;
	u64 sa_med, slub_med, sa_min, slub_min;

	rounds_list(ra, sizeof(ra), r->v[K_SA][0], nrounds);
	rounds_list(rb, sizeof(rb), r->v[K_SLUB][0], nrounds);
	for (m = 1; m < 3; m++) {
		if (!metric[m])
			continue;
		sa_med = median(r->v[K_SA][m], nrounds);
		slub_med = median(r->v[K_SLUB][m], nrounds);
		off += scnprintf(parts + off, sizeof(parts) - off,
				 ",\"sa_%s\":" FXF ",\"slub_%s\":" FXF,
				 metric[m], FX_INT(sa_med), FX_FRAC(sa_med),
				 metric[m], FX_INT(slub_med), FX_FRAC(slub_med));
	}
	sa_med = median(r->v[K_SA][0], nrounds);
	slub_med = median(r->v[K_SLUB][0], nrounds);
	sa_min = minimum(r->v[K_SA][0], nrounds);
	slub_min = minimum(r->v[K_SLUB][0], nrounds);
	jadd("{\"seq\":%u,\"group\":\"%s\",\"wl\":\"%s\",\"size\":%u,\"n\":%u,\"nr\":%u,",
	     seq++, r->group, r->wl, r->size, r->n, r->nr);
	jadd("\"metric\":\"%s\",\"sa\":" FXF ",\"slub\":" FXF ",", metric[0],
	     FX_INT(sa_med), FX_FRAC(sa_med), FX_INT(slub_med), FX_FRAC(slub_med));
	jadd("\"sa_min\":" FXF ",\"slub_min\":" FXF "%s,",
	     FX_INT(sa_min), FX_FRAC(sa_min), FX_INT(slub_min), FX_FRAC(slub_min), parts);
	jadd("\"sa_rounds\":[%s],\"slub_rounds\":[%s],\"sa_fail\":%u,\"slub_fail\":%u}",
	     ra, rb, r->fails[K_SA], r->fails[K_SLUB]);
	jemit();
}

/* ---- the two allocators --------------------------------------------- */

static __always_inline void *xalloc(int k, size_t size)
{
	return k == K_SA ? spanalloc_alloc(size, GFP_KERNEL) : kmalloc(size, GFP_KERNEL);
}

static __always_inline void xfree(int k, void *p)
{
	if (k == K_SA)
		spanalloc_free(p);
	else
		kfree(p);
}

/* N allocations then N frees; the kind is a constant after inlining. */
static __always_inline unsigned int batch_k(int k, size_t size, unsigned int n,
					    void **ptrs, u64 *ca, u64 *cf)
{
	unsigned int i, fail = 0;
	u64 t0, t1, t2;

	t0 = get_cycles();
	for (i = 0; i < n; i++)
		ptrs[i] = xalloc(k, size);
	t1 = get_cycles();
	for (i = 0; i < n; i++)
		xfree(k, ptrs[i]);
	t2 = get_cycles();
	for (i = 0; i < n; i++)
		fail += !ptrs[i];
	*ca = t1 - t0;
	*cf = t2 - t1;
	return fail;
}

static noinline unsigned int run_batch(int k, size_t size, unsigned int n,
				       void **ptrs, u64 *ca, u64 *cf)
{
	if (k == K_SA)
		return batch_k(K_SA, size, n, ptrs, ca, cf);
	return batch_k(K_SLUB, size, n, ptrs, ca, cf);
}

static __always_inline unsigned int pair_k(int k, size_t size, unsigned int n, u64 *c)
{
	unsigned int i, fail = 0;
	u64 t0;
	void *p;

	t0 = get_cycles();
	for (i = 0; i < n; i++) {
		p = xalloc(k, size);
		OPTIMIZER_HIDE_VAR(p);
		fail += !p;
		xfree(k, p);
	}
	*c = get_cycles() - t0;
	return fail;
}

static noinline unsigned int run_pair(int k, size_t size, unsigned int n, u64 *c)
{
	if (k == K_SA)
		return pair_k(K_SA, size, n, c);
	return pair_k(K_SLUB, size, n, c);
}

/* Bulk: N objects in chunks of nr, allocated, then freed in chunks. */
static noinline unsigned int run_bulk(int k, struct kmem_cache *s, size_t size,
				      unsigned int n, unsigned int nr, void **ptrs,
				      u64 *ca, u64 *cf)
{
	unsigned int i, got = 0, fail = 0;
	u64 t0, t1, t2;
	int ret;

	t0 = get_cycles();
	for (i = 0; i + nr <= n; i += nr) {
		if (k == K_SA)
			ret = spanalloc_alloc_bulk(size, GFP_KERNEL, nr, ptrs + i);
		else
			ret = kmem_cache_alloc_bulk(s, GFP_KERNEL, nr, ptrs + i);
		if (!ret)
			break;
		got = i + nr;
	}
	t1 = get_cycles();
	for (i = 0; i < got; i += nr) {
		if (k == K_SA)
			spanalloc_free_bulk(nr, ptrs + i);
		else
			kmem_cache_free_bulk(s, nr, ptrs + i);
	}
	t2 = get_cycles();
	if (got < n - n % nr)
		fail = n - n % nr - got;
	*ca = t1 - t0;
	*cf = t2 - t1;
	return fail;
}

/* ---- running on chosen CPUs ----------------------------------------- */

struct ring {
	void *slot[RING_SZ];
	unsigned int head ____cacheline_aligned_in_smp;	/* producer */
	unsigned int tail ____cacheline_aligned_in_smp;	/* consumer */
};

static void ring_push(struct ring *r, void *p)
{
	unsigned int h = r->head;

	/*
	 * Acquire pairs with the release of tail in ring_pop(): the consumer
	 * has read the slots it freed before we overwrite them.
	 */
	while (h - smp_load_acquire(&r->tail) >= RING_SZ) {
		cond_resched();
		cpu_relax();
	}
	r->slot[h % RING_SZ] = p;
	/* Release pairs with the acquire of head in ring_pop(): slot written before head moves. */
	smp_store_release(&r->head, h + 1);
}

/* Pops up to @max objects; returns how many. */
static unsigned int ring_pop(struct ring *r, void **out, unsigned int max)
{
	/* Acquire pairs with the release of head in ring_push(): slots up to h are written. */
	unsigned int t = r->tail, h = smp_load_acquire(&r->head), n = 0;

	while (t != h && n < max)
		out[n++] = r->slot[t++ % RING_SZ];
	if (n)	/* release pairs with ring_push()'s acquire: slots read before reuse */
		smp_store_release(&r->tail, t);
	return n;
}

struct mc_ctx;

struct worker {
	struct mc_ctx *ctx;
	struct completion done;
	unsigned int idx;	/* 0 .. nthreads-1; idx 0 runs on the first online CPU */
	int cpu;
	void **ptrs;
	u64 ca, cf;		/* cycles in alloc calls, in free calls */
	u64 na, nf;		/* allocs, frees done */
	u64 t_start, t_end;
	unsigned int fail;
};

struct mc_ctx {
	int kind, wl;
	size_t size;
	unsigned int n, nthreads;
	atomic_t ready;
	struct worker *w;
	struct ring *rings;	/* one per worker */
};

static void barrier_wait(struct mc_ctx *c)
{
	atomic_inc(&c->ready);
	while (atomic_read(&c->ready) < c->nthreads) {
		cond_resched();
		cpu_relax();
	}
}

/* remote: workers 1.. allocate and send to worker 0, which frees. */
static void remote_worker(struct mc_ctx *c, struct worker *w)
{
	void *objs[XBATCH];
	unsigned int i, j, got;
	u64 t0, total = (u64)c->n * (c->nthreads - 1);

	if (w->idx) {
		struct ring *r = &c->rings[w->idx];

		for (i = 0; i < c->n; i += XBATCH) {
			got = min_t(unsigned int, XBATCH, c->n - i);
			t0 = get_cycles();
			for (j = 0; j < got; j++)
				objs[j] = xalloc(c->kind, c->size);
			w->ca += get_cycles() - t0;
			w->na += got;
			for (j = 0; j < got; j++) {
				w->fail += !objs[j];
				ring_push(r, objs[j]);
			}
		}
		return;
	}
	while (w->nf < total) {
		bool any = false;

		for (i = 1; i < c->nthreads; i++) {
			got = ring_pop(&c->rings[i], objs, XBATCH);
			if (!got)
				continue;
			any = true;
			t0 = get_cycles();
			for (j = 0; j < got; j++)
				xfree(c->kind, objs[j]);
			w->cf += get_cycles() - t0;
			w->nf += got;
		}
		if (!any) {
			cond_resched();
			cpu_relax();
		}
	}
}

/* prodcons: worker 0 allocates and deals round robin to workers 1.., which free. */
static void prodcons_worker(struct mc_ctx *c, struct worker *w)
{
	void *objs[XBATCH];
	unsigned int i, j, got, nc = c->nthreads - 1;
	u64 t0, total = (u64)c->n * nc;

	if (!w->idx) {
		for (i = 0; i < total; i += XBATCH) {
			got = min_t(u64, XBATCH, total - i);
			t0 = get_cycles();
			for (j = 0; j < got; j++)
				objs[j] = xalloc(c->kind, c->size);
			w->ca += get_cycles() - t0;
			w->na += got;
			for (j = 0; j < got; j++) {
				w->fail += !objs[j];
				ring_push(&c->rings[1 + (i / XBATCH) % nc], objs[j]);
			}
		}
		return;
	}
	/* Worker idx gets every nc-th batch of XBATCH. */
	total = 0;
	for (i = 0; i < (u64)c->n * nc; i += XBATCH)
		if (1 + (i / XBATCH) % nc == w->idx)
			total += min_t(u64, XBATCH, (u64)c->n * nc - i);
	while (w->nf < total) {
		got = ring_pop(&c->rings[w->idx], objs, XBATCH);
		if (!got) {
			cond_resched();
			cpu_relax();
			continue;
		}
		t0 = get_cycles();
		for (j = 0; j < got; j++)
			xfree(c->kind, objs[j]);
		w->cf += get_cycles() - t0;
		w->nf += got;
	}
}

static int mc_thread(void *arg)
{
	struct worker *w = arg;
	struct mc_ctx *c = w->ctx;
	u64 cy;

	barrier_wait(c);
	w->t_start = get_cycles();
	switch (c->wl) {
	case WL_BATCH:
		w->fail = run_batch(c->kind, c->size, c->n, w->ptrs, &w->ca, &w->cf);
		w->na = c->n;
		w->nf = c->n;
		break;
	case WL_PAIR:
		w->fail = run_pair(c->kind, c->size, c->n, &cy);
		w->ca = cy;
		w->na = c->n;
		break;
	case WL_REMOTE:
		remote_worker(c, w);
		break;
	case WL_PRODCONS:
		prodcons_worker(c, w);
		break;
	}
	w->t_end = get_cycles();
	kthread_complete_and_exit(&w->done, 0);
}

static unsigned int nr_online;
static int *online_ids;

/* Runs one measurement on the first @nthreads online CPUs at once. */
static int mc_run(struct mc_ctx *c)
{
	unsigned int i, started = 0;
	struct task_struct *t;
	int err = 0;

	atomic_set(&c->ready, 0);
	for (i = 0; i < c->nthreads; i++) {
		struct worker *w = &c->w[i];
		void **ptrs = w->ptrs;

		memset(w, 0, sizeof(*w));
		w->ptrs = ptrs;
		w->ctx = c;
		w->idx = i;
		w->cpu = online_ids[i];
		init_completion(&w->done);
	}
	if (c->rings)
		memset(c->rings, 0, sizeof(*c->rings) * c->nthreads);
	for (i = 0; i < c->nthreads; i++) {
		t = kthread_create(mc_thread, &c->w[i], "sa_bench/%d", c->w[i].cpu);
		if (IS_ERR(t)) {
			err = PTR_ERR(t);
			break;
		}
		kthread_bind(t, c->w[i].cpu);
		wake_up_process(t);
		started++;
	}
	if (err) {
		/* let the started ones through the barrier: count the rest as ready */
		atomic_add(c->nthreads - started, &c->ready);
		/* remote/prodcons would wait for missing partners: not survivable */
		WARN_ON(c->wl == WL_REMOTE || c->wl == WL_PRODCONS);
	}
	for (i = 0; i < started; i++)
		wait_for_completion(&c->w[i].done);
	return err;
}

/* ---- groups ----------------------------------------------------------- */

static unsigned int cap_n(unsigned int n, size_t size)
{
	return clamp_t(size_t, min_t(size_t, n, (8 << 20) / size), 1, n);
}

static void **ptrs_single;	/* nobj pointers, for CPU-0 work */
static unsigned int ptrs_cap;

/* A job for the one-CPU groups, run on a kthread bound to the first online CPU. */
struct single_job {
	int (*fn)(void *arg);
	struct completion done;
	int ret;
};

static int single_thread(void *arg)
{
	struct single_job *j = arg;

	j->ret = j->fn(NULL);
	kthread_complete_and_exit(&j->done, 0);
}

static int on_first_cpu(int (*fn)(void *))
{
	struct single_job j = { .fn = fn };
	struct task_struct *t;

	init_completion(&j.done);
	t = kthread_create(single_thread, &j, "sa_bench/%d", online_ids[0]);
	if (IS_ERR(t))
		return PTR_ERR(t);
	kthread_bind(t, online_ids[0]);
	wake_up_process(t);
	wait_for_completion(&j.done);
	return j.ret;
}

static const char *const m_batch[3] = { "alloc+free", "alloc", "free" };
static const char *const m_pair[3] = { "pair" };

static void single_row(const char *wl, unsigned int size)
{
	bool pair = !strcmp(wl, "pair");
	unsigned int n = cap_n(min(nobj, ptrs_cap), size), r, k;
	struct row *row = kzalloc(sizeof(*row), GFP_KERNEL);
	u64 ca, cf;

	if (!row)
		return;
	row->group = "single";
	row->wl = wl;
	row->size = size;
	row->n = n;
	for (r = 0; r <= rounds; r++) {
		for (k = 0; k < NR_KINDS; k++) {
			unsigned int fail;

			if (pair) {
				fail = run_pair(k, size, n, &ca);
				cf = 0;
			} else {
				fail = run_batch(k, size, n, ptrs_single, &ca, &cf);
			}
			cond_resched();
			if (!r)		/* warm-up */
				continue;
			row->fails[k] += fail;
			row->v[k][0][r - 1] = per_op(ca + cf, n);
			row->v[k][1][r - 1] = per_op(ca, n);
			row->v[k][2][r - 1] = per_op(cf, n);
		}
	}
	emit_row(row, rounds, pair ? m_pair : m_batch);
	kfree(row);
}

static int group_single(void *unused)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes_all); i++) {
		single_row("batch", sizes_all[i]);
		single_row("pair", sizes_all[i]);
	}
	return 0;
}

static int group_large(void *unused)
{
	unsigned int i, r, k, n = min(nobj_large, ptrs_cap);
	struct row *row = kzalloc(sizeof(*row), GFP_KERNEL);
	u64 ca, cf;

	if (!row)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(sizes_large); i++) {
		int pair;

		for (pair = 0; pair < 2; pair++) {
			memset(row, 0, sizeof(*row));
			row->group = "large";
			row->wl = pair ? "pair" : "batch";
			row->size = sizes_large[i];
			row->n = n;
			for (r = 0; r <= rounds; r++) {
				for (k = 0; k < NR_KINDS; k++) {
					unsigned int fail;

					if (pair) {
						fail = run_pair(k, row->size, n, &ca);
						cf = 0;
					} else {
						fail = run_batch(k, row->size, n, ptrs_single,
								 &ca, &cf);
					}
					cond_resched();
					if (!r)
						continue;
					row->fails[k] += fail;
					row->v[k][0][r - 1] = per_op(ca + cf, n);
					row->v[k][1][r - 1] = per_op(ca, n);
					row->v[k][2][r - 1] = per_op(cf, n);
				}
			}
			emit_row(row, rounds, pair ? m_pair : m_batch);
		}
	}
	kfree(row);
	return 0;
}

static int group_bulk(void *unused)
{
	unsigned int i, b, r, k;
	struct row *row = kzalloc(sizeof(*row), GFP_KERNEL);
	u64 ca, cf;

	if (!row)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(sizes_bulk); i++) {
		unsigned int size = sizes_bulk[i];
		struct kmem_cache *s;
		char name[32];

		snprintf(name, sizeof(name), "sa_bench_bulk_%u", size);
		s = kmem_cache_create(name, size, 0, 0, NULL);
		if (!s) {
			pr_err("kmem_cache_create(%u) failed\n", size);
			continue;
		}
		for (b = 0; b < ARRAY_SIZE(nr_bulk); b++) {
			unsigned int nr = nr_bulk[b];
			unsigned int n = cap_n(min(nobj, ptrs_cap), size);

			n = max(n - n % nr, nr);
			if (n > ptrs_cap)
				continue;
			memset(row, 0, sizeof(*row));
			row->group = "bulk";
			row->wl = "bulk";
			row->size = size;
			row->n = n;
			row->nr = nr;
			for (r = 0; r <= rounds; r++) {
				for (k = 0; k < NR_KINDS; k++) {
					unsigned int fail = run_bulk(k, s, size, n, nr,
								     ptrs_single, &ca, &cf);

					cond_resched();
					if (!r)
						continue;
					row->fails[k] += fail;
					row->v[k][0][r - 1] = per_op(ca + cf, n);
					row->v[k][1][r - 1] = per_op(ca, n);
					row->v[k][2][r - 1] = per_op(cf, n);
				}
			}
			emit_row(row, rounds, m_batch);
		}
		kmem_cache_destroy(s);
	}
	kfree(row);
	return 0;
}

/* The multi-CPU groups: @wl on the first @nthreads online CPUs. */
static int mc_rows(const char *group, int wl, const unsigned int *sizes,
		   unsigned int nsizes, unsigned int nthreads)
{
	static const char *const m_x[3] = { "elapsed", "alloc", "free" };
	struct mc_ctx *c;
	struct row *row;
	unsigned int i, r, k, t;
	int err = 0;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	row = kzalloc(sizeof(*row), GFP_KERNEL);
	if (!c || !row) {
		err = -ENOMEM;
		goto out;
	}
	c->wl = wl;
	c->nthreads = nthreads;
	c->w = kcalloc(nthreads, sizeof(*c->w), GFP_KERNEL);
	if (!c->w) {
		err = -ENOMEM;
		goto out;
	}
	if (wl == WL_REMOTE || wl == WL_PRODCONS) {
		c->rings = vzalloc(sizeof(*c->rings) * nthreads);
		if (!c->rings) {
			err = -ENOMEM;
			goto out;
		}
	} else {
		for (t = 0; t < nthreads; t++) {
			c->w[t].ptrs = vmalloc(sizeof(void *) * nobj);
			if (!c->w[t].ptrs) {
				err = -ENOMEM;
				goto out;
			}
		}
	}
	for (i = 0; i < nsizes && !err; i++) {
		memset(row, 0, sizeof(*row));
		row->group = group;
		row->size = sizes[i];
		c->size = sizes[i];
		if (wl == WL_BATCH || wl == WL_PAIR) {
			row->wl = wl == WL_BATCH ? "batch" : "pair";
			c->n = cap_n(nobj, sizes[i]);
		} else {
			row->wl = wl == WL_REMOTE ? "remote" : "prodcons";
			c->n = nobj_xcpu;
		}
		row->n = c->n;
		row->nr = nthreads;
		for (r = 0; r <= rounds && !err; r++) {
			for (k = 0; k < NR_KINDS && !err; k++) {
				u64 ca = 0, cf = 0, na = 0, nf = 0, t0 = U64_MAX, t1 = 0;
				u64 sum = 0;

				c->kind = k;
				err = mc_run(c);
				for (t = 0; t < nthreads; t++) {
					struct worker *w = &c->w[t];

					row->fails[k] += r ? w->fail : 0;
					ca += w->ca;
					cf += w->cf;
					na += w->na;
					nf += w->nf;
					t0 = min(t0, w->t_start);
					t1 = max(t1, w->t_end);
					/* batch/pair: mean over CPUs of each CPU's cycles/op */
					sum += per_op(w->ca + w->cf, w->na);
				}
				if (!r)
					continue;
				if (wl == WL_BATCH || wl == WL_PAIR) {
					row->v[k][0][r - 1] = div_u64(sum, nthreads);
					row->v[k][1][r - 1] = per_op(ca, na);
					row->v[k][2][r - 1] = per_op(cf, nf);
				} else {
					/* whole exchange: wall cycles per object */
					row->v[k][0][r - 1] = per_op(t1 - t0, nf);
					row->v[k][1][r - 1] = per_op(ca, na);
					row->v[k][2][r - 1] = per_op(cf, nf);
				}
			}
			cond_resched();
		}
		if (!err)
			emit_row(row, rounds, wl == WL_PAIR ? m_pair :
				 wl == WL_BATCH ? m_batch : m_x);
	}
out:
	if (c && c->w && !c->rings)
		for (t = 0; t < nthreads; t++)
			vfree(c->w[t].ptrs);
	if (c) {
		vfree(c->rings);
		kfree(c->w);
	}
	kfree(c);
	kfree(row);
	return err;
}

static int group_allcpu(void)
{
	const unsigned int *s = quick ? sizes_quick : sizes_all;
	unsigned int ns = quick ? ARRAY_SIZE(sizes_quick) : ARRAY_SIZE(sizes_all);
	unsigned int i;
	int err = 0;

	for (i = 0; i < ns && !err; i++) {
		err = mc_rows("allcpu", WL_BATCH, s + i, 1, nr_online);
		if (!err)
			err = mc_rows("allcpu", WL_PAIR, s + i, 1, nr_online);
	}
	return err;
}

static int group_xcpu(int wl)
{
	if (nr_online < 2) {
		emit("{\"seq\":%u,\"group\":\"%s\",\"skipped\":\"needs 2 CPUs\"}", seq++,
		     wl == WL_REMOTE ? "remote" : "prodcons");
		return 0;
	}
	if (wl == WL_REMOTE && !quick)
		return mc_rows("remote", wl, sizes_remote, ARRAY_SIZE(sizes_remote), nr_online);
	return mc_rows(wl == WL_REMOTE ? "remote" : "prodcons", wl, sizes_xcpu,
		       ARRAY_SIZE(sizes_xcpu), nr_online);
}

/* ---- memory ----------------------------------------------------------- */

/* Fold the per-CPU vmstat deltas, as reading /proc/sys/vm/stat_refresh does. */
static void vmstat_sync(void)
{
	struct file *f = filp_open("/proc/sys/vm/stat_refresh", O_RDONLY, 0);
	char c;
	loff_t pos = 0;

	if (!IS_ERR(f)) {
		kernel_read(f, &c, 1, &pos);
		filp_close(f, NULL);
	}
	msleep(1500);	/* and let vmstat_update run anyway */
}

/* The Slab: line of /proc/meminfo, in bytes */
static u64 slab_bytes(void)
{
	return ((u64)global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B) +
		global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B)) << PAGE_SHIFT;
}

static void **mem_ptrs;
static unsigned long mem_nobjs;

static int group_memory(void *unused)
{
	struct spanalloc_memstats m0, m1, m2;
	u64 hreq = 0, halloc = 0, large_pages = 0, s0, s1, s2;
	u64 sa_bytes, sa_tiny_bytes;
	unsigned long i, j, o, fails = 0, tfails = 0;
	unsigned int pass;

	for (i = 0; i < ARRAY_SIZE(bench_hist); i++) {
		hreq += (u64)bench_hist[i].req * bench_hist[i].count;
		halloc += (u64)bench_hist[i].alloc * bench_hist[i].count;
	}

	/* SLUB, in a quiet state */
	vmstat_sync();
	s0 = slab_bytes();
	for (i = 0, o = 0; i < ARRAY_SIZE(bench_hist); i++)
		for (j = 0; j < bench_hist[i].count; j++, o++) {
			size_t sz = bench_hist[i].req;

			mem_ptrs[o] = kmalloc(sz, GFP_KERNEL);
			fails += !mem_ptrs[o];
			if (sz > KMALLOC_MAX_CACHE_SIZE && mem_ptrs[o])
				large_pages += PAGE_SIZE << get_order(sz);
		}
	vmstat_sync();
	s1 = slab_bytes();
	for (o = 0; o < mem_nobjs; o++)
		kfree(mem_ptrs[o]);
	vmstat_sync();
	s2 = slab_bytes();

	/* spanalloc: spanalloc_alloc, then (informational) tiny for <= 16 B */
	for (pass = 0; pass < 2; pass++) {
		spanalloc_drain();
		spanalloc_read_memstats(&m0);
		for (i = 0, o = 0; i < ARRAY_SIZE(bench_hist); i++)
			for (j = 0; j < bench_hist[i].count; j++, o++) {
				size_t sz = bench_hist[i].req;

				mem_ptrs[o] = pass && sz <= SPANALLOC_TINY_MAX ?
					spanalloc_alloc_tiny(sz, GFP_KERNEL) :
					spanalloc_alloc(sz, GFP_KERNEL);
				if (!mem_ptrs[o])
					(pass ? tfails++ : fails++);
			}
		spanalloc_read_memstats(&m1);
		for (o = 0; o < mem_nobjs; o++)
			spanalloc_free(mem_ptrs[o]);
		spanalloc_drain();
		spanalloc_read_memstats(&m2);
		if (!pass) {
			sa_bytes = m1.heap_inuse + m1.metadata_bytes;
			jadd("{\"seq\":%u,\"group\":\"memory\",\"wl\":\"hist\",\"hist\":\"%s\",",
			     seq++, BENCH_HIST_NAME);
			jadd("\"objects\":%lu,\"hist_req_bytes\":%llu,\"hist_slub_bytes\":%llu,",
			     mem_nobjs, hreq, halloc);
			jadd("\"sa_bytes\":%llu,\"slub_bytes\":%llu,", sa_bytes, s1 - s0);
			jadd("\"sa_heap_inuse\":%llu,\"sa_metadata\":%llu,",
			     m1.heap_inuse, m1.metadata_bytes);
			jadd("\"sa_metadata_before\":%llu,\"sa_heap_alloc\":%llu,",
			     m0.metadata_bytes, m1.heap_alloc);
			jadd("\"sa_heap_sys\":%llu,\"sa_inuse_after_free\":%llu,",
			     m1.heap_sys, m2.heap_inuse);
			jadd("\"slub_slab_before\":%llu,\"slub_slab_live\":%llu,", s0, s1);
			jadd("\"slub_slab_after_free\":%llu,\"slub_large_pages\":%llu,",
			     s2, large_pages);
			jadd("\"slub_large_in_slab\":true,\"fails\":%lu,", fails);
			jadd("\"sa_cpu_cached\":%llu,\"sa_central_free\":%llu,",
			     m1.cpu_cached_bytes, m1.central_free_bytes);
			jadd("\"sa_large_bytes\":%llu}", m1.large_bytes);
			jemit();
		} else {
			sa_tiny_bytes = m1.heap_inuse + m1.metadata_bytes;
			jadd("{\"seq\":%u,\"group\":\"memory\",\"wl\":\"hist_tiny\",",
			     seq++);
			jadd("\"objects\":%lu,\"sa_bytes\":%llu,\"slub_bytes\":%llu,",
			     mem_nobjs, sa_tiny_bytes, s1 - s0);
			jadd("\"sa_heap_alloc\":%llu,\"fails\":%lu}", m1.heap_alloc, tfails);
			jemit();
		}
	}
	return 0;
}

/*
 * memsmall: the same histogram with few objects per class, as small real
 * workloads have (a few thousand objects): each line's count divided by
 * @div, rounded up (div 0: one object per line). The per-class fixed costs
 * (a span per class, refill batches, objects parked in CPU and transfer
 * caches, metadata) weigh here, not the rounding. Three rounds of SLUB
 * then spanalloc, A B A B; each figure is measured as the memory group
 * does: SLUB = change of the Slab: line, spanalloc = heap_inuse +
 * metadata_bytes after a drain beforehand. The JSON also gives SLUB's
 * ksize() sum of the same objects.
 */
static unsigned long small_count(unsigned long count, unsigned int div)
{
	return div ? DIV_ROUND_UP(count, div) : 1;
}

static void memsmall_row(unsigned int div)
{
	u64 sa[3], sl[3], sa_heap[3], ks = 0, req = 0, s0, s1;
	struct spanalloc_memstats m0, m1;
	unsigned long i, j, o, n = 0, fails = 0;
	unsigned int r;

	for (r = 0; r < 3; r++) {
		vmstat_sync();
		s0 = slab_bytes();
		for (i = 0, o = 0; i < ARRAY_SIZE(bench_hist); i++)
			for (j = 0; j < small_count(bench_hist[i].count, div); j++, o++) {
				mem_ptrs[o] = kmalloc(bench_hist[i].req, GFP_KERNEL);
				fails += !mem_ptrs[o];
				if (!r && mem_ptrs[o]) {
					ks += ksize(mem_ptrs[o]);
					req += bench_hist[i].req;
				}
			}
		n = o;
		vmstat_sync();
		s1 = slab_bytes();
		sl[r] = s1 > s0 ? s1 - s0 : 0;
		for (o = 0; o < n; o++)
			kfree(mem_ptrs[o]);

		spanalloc_drain();
		spanalloc_read_memstats(&m0);
		for (i = 0, o = 0; i < ARRAY_SIZE(bench_hist); i++)
			for (j = 0; j < small_count(bench_hist[i].count, div); j++, o++) {
				mem_ptrs[o] = spanalloc_alloc(bench_hist[i].req, GFP_KERNEL);
				fails += !mem_ptrs[o];
			}
		spanalloc_read_memstats(&m1);
		sa[r] = m1.heap_inuse + m1.metadata_bytes;
		sa_heap[r] = m1.heap_inuse;
		for (o = 0; o < n; o++)
			spanalloc_free(mem_ptrs[o]);
		spanalloc_drain();
	}
	jadd("{\"seq\":%u,\"group\":\"memsmall\",\"wl\":\"%s%u\",\"objects\":%lu,", seq++,
	     div ? "div" : "line", div, n);
	jadd("\"req_bytes\":%llu,\"slub_ksize_bytes\":%llu,", req, ks);
	jadd("\"sa_bytes\":%llu,\"slub_bytes\":%llu,", median(sa, 3), median(sl, 3));
	jadd("\"sa_heap_inuse\":%llu,\"sa_metadata\":%llu,", median(sa_heap, 3),
	     median(sa, 3) - median(sa_heap, 3));
	jadd("\"sa_rounds\":[%llu,%llu,%llu],\"slub_rounds\":[%llu,%llu,%llu],",
	     sa[0], sa[1], sa[2], sl[0], sl[1], sl[2]);
	jadd("\"fails\":%lu}", fails);
	jemit();
}

static int group_memsmall(void *unused)
{
	memsmall_row(8);
	memsmall_row(0);
	return 0;
}

/* ---- probe: costs of pieces of the paths, to see where time goes ---- */

enum probe {
	PROBE_USABLE_SIZE,	/* spanalloc_usable_size() of a 64-byte object */
	PROBE_KSIZE,		/* ksize() of a 64-byte kmalloc object */
	PROBE_IRQSAVE,		/* local_irq_save() + restore */
	PROBE_RCU,		/* rcu_read_lock() + unlock */
	PROBE_PREEMPT,		/* preempt_disable() + enable */
	PROBE_MEMSET,		/* memset() of a page */
	PROBE_CLEAR_PAGE,	/* clear_page() */
	PROBE_EMPTY,		/* the loop alone */
	NR_PROBES
};

static const char *const probe_names[NR_PROBES] = {
	[PROBE_USABLE_SIZE] = "usable_size",
	[PROBE_KSIZE] = "ksize",
	[PROBE_IRQSAVE] = "irqsave+restore",
	[PROBE_RCU] = "rcu_read_lock+unlock",
	[PROBE_PREEMPT] = "preempt_disable+enable",
	[PROBE_MEMSET] = "memset 4096",
	[PROBE_CLEAR_PAGE] = "clear_page 4096",
	[PROBE_EMPTY] = "empty loop",
};

static u64 probe_loop(enum probe what, void *p, unsigned int n)
{
	unsigned long flags;
	unsigned int i;
	size_t sink = 0;
	u64 t0;

	t0 = get_cycles();
	for (i = 0; i < n; i++) {
		OPTIMIZER_HIDE_VAR(p);
		switch (what) {
		case PROBE_USABLE_SIZE:
			sink += spanalloc_usable_size(p);
			break;
		case PROBE_KSIZE:
			sink += ksize(p);
			break;
		case PROBE_IRQSAVE:
			local_irq_save(flags);
			local_irq_restore(flags);
			break;
		case PROBE_RCU:
			rcu_read_lock();
			rcu_read_unlock();
			break;
		case PROBE_PREEMPT:
			preempt_disable();
			preempt_enable();
			break;
		case PROBE_MEMSET:
			memset(p, 0, PAGE_SIZE);
			break;
		case PROBE_CLEAR_PAGE:
			clear_page(p);
			break;
		default:
			barrier();
		}
	}
	t0 = get_cycles() - t0;
	OPTIMIZER_HIDE_VAR(sink);
	return t0;
}

static int group_probe(void *unused)
{
	unsigned int n = 2000, r, i;
	u64 v[NR_PROBES][MAX_ROUNDS];
	void *ps = spanalloc_alloc(64, GFP_KERNEL);
	void *pk = kmalloc(64, GFP_KERNEL);
	void *pg = (void *)__get_free_page(GFP_KERNEL);
	enum probe w;

	if (ps && pk && pg) {
		for (r = 0; r <= rounds; r++) {
			for (w = 0; w < NR_PROBES; w++) {
				/* the spanalloc object, a page, or the kmalloc object */
				void *p = w == PROBE_USABLE_SIZE ? ps :
					  w == PROBE_MEMSET || w == PROBE_CLEAR_PAGE ? pg : pk;
				u64 c = probe_loop(w, p, n);

				if (r)
					v[w][r - 1] = per_op(c, n);
			}
			cond_resched();
		}
		for (i = 0; i < NR_PROBES; i++) {
			u64 med = median(v[i], rounds);

			jadd("{\"seq\":%u,\"group\":\"probe\",\"wl\":\"%s\",\"size\":64,",
			     seq++, probe_names[i]);
			jadd("\"n\":%u,\"cycles\":" FXF "}", n, FX_INT(med), FX_FRAC(med));
			jemit();
		}
	}
	spanalloc_free(ps);
	kfree(pk);
	free_page((unsigned long)pg);
	return ps && pk && pg ? 0 : -ENOMEM;
}

/* ---- control ---------------------------------------------------------- */

static void emit_meta(const char *groups)
{
	jadd("{\"seq\":%u,\"group\":\"meta\",\"kernel\":\"%s\",\"cpus\":%u,",
	     seq++, init_utsname()->release, nr_online);
	jadd("\"init_on_alloc\":%d,\"init_on_free\":%d,\"rounds\":%u,\"nobj\":%u,",
	     want_init_on_alloc(GFP_KERNEL), want_init_on_free(), rounds, nobj);
	jadd("\"nobj_large\":%u,\"nobj_xcpu\":%u,\"quick\":%d,\"tsc_khz\":%u,",
	     nobj_large, nobj_xcpu, quick, BENCH_CYCLES_KHZ);
	jadd("\"hist\":\"%s\",\"groups\":\"%s\"}", BENCH_HIST_NAME, groups);
	jemit();
}

static int run_group(const char *g)
{
	u64 t0 = ktime_get_ns();
	int err;

	/*
	 * Nothing on the console while the guest prints results: printk
	 * would cut into those lines.
	 */
	pr_debug("group %s: start\n", g);
	if (!strcmp(g, "single"))
		err = on_first_cpu(group_single);
	else if (!strcmp(g, "large"))
		err = on_first_cpu(group_large);
	else if (!strcmp(g, "bulk"))
		err = on_first_cpu(group_bulk);
	else if (!strcmp(g, "memory"))
		err = on_first_cpu(group_memory);
	else if (!strcmp(g, "memsmall"))
		err = on_first_cpu(group_memsmall);
	else if (!strcmp(g, "probe"))
		err = on_first_cpu(group_probe);
	else if (!strcmp(g, "allcpu"))
		err = group_allcpu();
	else if (!strcmp(g, "remote"))
		err = group_xcpu(WL_REMOTE);
	else if (!strcmp(g, "prodcons"))
		err = group_xcpu(WL_PRODCONS);
	else
		err = -EINVAL;
	pr_debug("group %s: %s (%d) in %llu ms\n", g, err ? "failed" : "done", err,
		 div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC));
	emit("{\"seq\":%u,\"group\":\"end\",\"of\":\"%s\",\"err\":%d,\"ms\":%llu}", seq++, g,
	     err, div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC));
	return err;
}

static int take_online_cpus(void)
{
	int cpu;

	cpus_read_lock();
	nr_online = 0;
	for_each_online_cpu(cpu)
		if (nr_online < nr_cpu_ids)
			online_ids[nr_online++] = cpu;
	cpus_read_unlock();
	return nr_online ? 0 : -ENODEV;
}

static bool is_option(const char *tok)
{
	unsigned int v;

	if (sscanf(tok, "rounds=%u", &v) == 1)
		rounds = clamp(v, 1U, (unsigned int)MAX_ROUNDS);
	else if (sscanf(tok, "nobj=%u", &v) == 1)
		nobj = v;
	else if (sscanf(tok, "nobj_large=%u", &v) == 1)
		nobj_large = v;
	else if (sscanf(tok, "nobj_xcpu=%u", &v) == 1)
		nobj_xcpu = clamp(v, 16U, 1000000U);
	else if (sscanf(tok, "quick=%u", &v) == 1)
		quick = v;
	else
		return false;
	return true;
}

static ssize_t run_write(struct file *file, const char __user *ubuf, size_t len, loff_t *ppos)
{
	char *buf, *copy, *p, *tok;
	int err = 0;

	if (len > 4096)
		return -E2BIG;
	buf = memdup_user_nul(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	copy = kstrdup(strim(buf), GFP_KERNEL);
	if (!copy) {
		kfree(buf);
		return -ENOMEM;
	}
	mutex_lock(&bench_lock);
	rlen = 0;
	rbuf[0] = 0;
	/* options first, so the meta row shows them */
	p = buf;
	while ((tok = strsep(&p, " \t\n,")))
		if (*tok)
			is_option(tok);
	rounds = clamp(rounds, 1U, (unsigned int)MAX_ROUNDS);
	nobj = clamp(nobj, 16U, ptrs_cap);
	nobj_large = clamp(nobj_large, 1U, ptrs_cap);
	err = take_online_cpus();
	if (!err)
		emit_meta(copy);
	p = copy;
	while (!err && (tok = strsep(&p, " \t\n,"))) {
		if (!*tok || strchr(tok, '='))
			continue;
		err = run_group(tok);
	}
	mutex_unlock(&bench_lock);
	kfree(copy);
	kfree(buf);
	return err ?: len;
}

static const struct file_operations run_fops = {
	.owner = THIS_MODULE,
	.write = run_write,
};

static ssize_t results_read(struct file *file, char __user *ubuf, size_t len, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&bench_lock);
	ret = simple_read_from_buffer(ubuf, len, ppos, rbuf, rlen);
	mutex_unlock(&bench_lock);
	return ret;
}

static const struct file_operations results_fops = {
	.owner = THIS_MODULE,
	.read = results_read,
};

static struct dentry *dir;

static int __init bench_init(void)
{
	unsigned long i;

	rbuf = vzalloc(RBUF_SZ);
	online_ids = kcalloc(nr_cpu_ids, sizeof(*online_ids), GFP_KERNEL);
	ptrs_cap = max(nobj, nobj_large) * 4;
	ptrs_single = vmalloc(sizeof(void *) * ptrs_cap);
	for (i = 0, mem_nobjs = 0; i < ARRAY_SIZE(bench_hist); i++)
		mem_nobjs += bench_hist[i].count;
	mem_ptrs = vmalloc(sizeof(void *) * mem_nobjs);
	if (!rbuf || !online_ids || !ptrs_single || !mem_ptrs) {
		vfree(rbuf);
		kfree(online_ids);
		vfree(ptrs_single);
		vfree(mem_ptrs);
		return -ENOMEM;
	}
	dir = debugfs_create_dir("spanalloc_bench", NULL);
	debugfs_create_file("run", 0200, dir, NULL, &run_fops);
	debugfs_create_file("results", 0400, dir, NULL, &results_fops);
	pr_info("ready: echo GROUPS > /sys/kernel/debug/spanalloc_bench/run; histogram %s, %lu objects\n",
		BENCH_HIST_NAME, mem_nobjs);
	return 0;
}

static void __exit bench_exit(void)
{
	debugfs_remove_recursive(dir);
	vfree(rbuf);
	kfree(online_ids);
	vfree(ptrs_single);
	vfree(mem_ptrs);
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("spanalloc vs kmalloc (SLUB) benchmarks, same boot");
