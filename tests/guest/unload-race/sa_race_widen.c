// SPDX-License-Identifier: GPL-2.0
/*
 * sa_race_widen - widens the race tests/guest/unload-race.sh aims at: a
 * write of /sys/module/spanalloc/parameters/scavenge_ms that has seen the
 * scavenger on and is about to queue its work, against rmmod turning the
 * scavenger off and cancelling the work. A kprobe on mod_delayed_work_on()
 * busy-waits delay_ms before every call whose delayed_work lies in
 * spanalloc's data (that is the scavenger's work item: spanalloc queues no
 * other with mod_delayed_work()), so such a write is still short of
 * queueing when rmmod gets there. A module notifier records where
 * spanalloc's data is each time it loads, so load this module first.
 *
 * Needs CONFIG_KPROBES (Debian's kernels have it, the test kernel does not);
 * without it the module loads with armed=N and does nothing.
 * Parameters: delay_ms (default 20), armed and hits (read-only).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/notifier.h>
#include <linux/ptrace.h>
#include <linux/string.h>

static unsigned int delay_ms = 20;
module_param(delay_ms, uint, 0644);
MODULE_PARM_DESC(delay_ms, "Busy-wait before spanalloc's mod_delayed_work() calls, ms (default 20)");

static bool armed;
module_param(armed, bool, 0444);
MODULE_PARM_DESC(armed, "The kprobe is in place (CONFIG_KPROBES)");

static atomic_t hits = ATOMIC_INIT(0);

static int widen_get_hits(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&hits));
}

static const struct kernel_param_ops widen_hits_ops = {
	.get = widen_get_hits,
};

module_param_cb(hits, &widen_hits_ops, NULL, 0444);
MODULE_PARM_DESC(hits, "Calls delayed so far");

/* spanalloc's data and bss while it is loaded, else 0..0 */
static unsigned long widen_start;
static unsigned long widen_end;

static int widen_module(struct notifier_block *nb, unsigned long action, void *data)
{
	struct module *mod = data;
	unsigned long start;

	if (strcmp(mod->name, "spanalloc"))
		return NOTIFY_DONE;
	if (action == MODULE_STATE_COMING) {
		start = (unsigned long)mod->mem[MOD_DATA].base;
		WRITE_ONCE(widen_start, start);
		WRITE_ONCE(widen_end, start + mod->mem[MOD_DATA].size);
	} else if (action == MODULE_STATE_GOING) {
		WRITE_ONCE(widen_end, 0);
		WRITE_ONCE(widen_start, 0);
	}
	return NOTIFY_DONE;
}

static struct notifier_block widen_nb = {
	.notifier_call = widen_module,
};

/* mod_delayed_work_on(cpu, wq, dwork, delay): dwork is the third argument. */
static int widen_pre(struct kprobe *kp, struct pt_regs *regs)
{
	unsigned long dwork = regs_get_kernel_argument(regs, 2);

	if (dwork >= READ_ONCE(widen_start) && dwork < READ_ONCE(widen_end)) {
		atomic_inc(&hits);
		mdelay(READ_ONCE(delay_ms));
	}
	return 0;
}

static struct kprobe widen_kp = {
	.symbol_name = "mod_delayed_work_on",
	.pre_handler = widen_pre,
};

static int __init widen_init(void)
{
	int ret = register_module_notifier(&widen_nb);

	if (ret)
		return ret;
	ret = register_kprobe(&widen_kp);
	armed = !ret;
	if (ret)
		pr_info("no kprobe on mod_delayed_work_on (%d): not widening\n", ret);
	else
		pr_info("kprobe on mod_delayed_work_on: %u ms before spanalloc's calls\n",
			delay_ms);
	return 0;
}

static void __exit widen_exit(void)
{
	if (armed)
		unregister_kprobe(&widen_kp);
	unregister_module_notifier(&widen_nb);
}

module_init(widen_init);
module_exit(widen_exit);
MODULE_DESCRIPTION("Widen spanalloc's scavenge_ms / unload race for the guest test");
MODULE_LICENSE("GPL");
