/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sites.h - who allocated what: allocation sites (sites.c) and kmemleak
 * registration, as hooks the object levels call on every handout and
 * every accepted free.
 *
 * Provides: sa_sites_alloc() (an object handed out: registered with
 * kmemleak; recorded in the sites table when sampled, or always in exact
 * mode) and sa_sites_free() (an object accepted back, before it can be
 * handed out again), the debugfs table and the leak reports.
 * Requires: nothing of the levels below but struct sa_span (internal.h)
 * and sa_span_of() for the reports. Locks: sites.c's record locks (raw
 * spinlocks, irq-safe, innermost: nothing is taken or allocated under
 * them).
 *
 * The fast path costs, with sampling on (the default): one per-CPU
 * subtraction on allocation (this CPU's byte countdown to the next sample,
 * behind sa_sites_sample_key, which is on in sampled and in exact mode)
 * and one read of the span's recorded-objects count on free; with both
 * off, a static-key branch. Exact mode (sa_sites_exact_key) is decided on
 * the slow path: its countdown stays at 0, so every allocation takes it.
 * kmemleak_alloc()/kmemleak_free() are empty inlines on a kernel without
 * CONFIG_DEBUG_KMEMLEAK.
 */
#ifndef _SPANALLOC_SITES_H
#define _SPANALLOC_SITES_H

#include "internal.h"

#include <linux/jump_label.h>
#include <linux/kmemleak.h>
#include <linux/percpu.h>

struct module;
struct seq_file;

DECLARE_STATIC_KEY_TRUE(sa_sites_sample_key);
DECLARE_STATIC_KEY_FALSE(sa_sites_exact_key);
DECLARE_PER_CPU(s64, sa_sites_countdown);

void sa_sites_sample(void *p, size_t size, unsigned long ip, gfp_t gfp);
void sa_sites_forget(const void *p, struct sa_span *span);

/**
 * sa_sites_due() - count @size bytes allocated towards the next sample
 * @size: bytes requested
 *
 * In exact mode the countdown stays at 0: every allocation samples.
 * Return: true if this allocation is to be sampled (sa_sites_sample()).
 */
static __always_inline bool sa_sites_due(size_t size)
{
	return static_branch_likely(&sa_sites_sample_key) &&
	       unlikely(this_cpu_sub_return(sa_sites_countdown, size) < 0);
}

/**
 * sa_sites_alloc() - an object on its way to the caller
 * @p: the object
 * @size: bytes requested (what the sites table counts and samples by)
 * @usable: bytes kmemleak scans (the object's usable size)
 * @ip: the client's call site (_RET_IP_ of the exported function)
 * @gfp: the caller's allocation flags (for the record and kmemleak)
 */
static __always_inline void sa_sites_alloc(void *p, size_t size, size_t usable,
					   unsigned long ip, gfp_t gfp)
{
	kmemleak_alloc(p, usable, 1, gfp);
	if (sa_sites_due(size))
		sa_sites_sample(p, size, ip, gfp);
}

/**
 * sa_sites_free() - an object accepted back, before it can be reused
 * @span: its span
 * @p: the object
 */
static __always_inline void sa_sites_free(struct sa_span *span, const void *p)
{
	kmemleak_free(p);
	if (unlikely(atomic_read(&span->sites)))
		sa_sites_forget(p, span);
}

/**
 * struct sa_site_counts - one site's figures (estimates in sampled mode)
 * @live_objs: objects allocated there and not freed
 * @live_bytes: their bytes (as requested)
 * @allocs: objects allocated there since load
 */
struct sa_site_counts {
	u64 live_objs;
	u64 live_bytes;
	u64 allocs;
};

int sa_sites_init(void);
void sa_sites_exit(void);
void sa_sites_show(struct seq_file *m);
void sa_sites_report(unsigned int cls, unsigned int top, u64 live);
const char *sa_sites_who(const void *p);
int sa_sites_find(const char *func, struct sa_site_counts *c);
void sa_sites_set(bool exact, unsigned int sample_kib);
void sa_sites_get(bool *exact, unsigned int *sample_kib);
void sa_sites_module_going(struct module *mod);

__printf(2, 3) void sa_report(bool err, const char *fmt, ...);
#define sa_report_err(fmt, ...)		sa_report(true, fmt, ##__VA_ARGS__)
#define sa_report_warn(fmt, ...)	sa_report(false, fmt, ##__VA_ARGS__)
void sa_set_report_hook(void (*hook)(const char *line));

#endif /* _SPANALLOC_SITES_H */
