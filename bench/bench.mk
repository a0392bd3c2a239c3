# SPDX-License-Identifier: GPL-2.0
# Benchmark targets, included by the top-level Makefile (-include bench/bench.mk).
#   make bench        boots the stock kernel at 1, 2, 4 vCPUs with init_on_alloc=1
#                     and =0, runs bench/module/spanalloc_bench.ko in each, writes
#                     bench/results/<kernel>-<vcpus>[-ioa0].json and table.txt,
#                     prints the table, then draws the plots.
#                     BENCH_QUICK=1 for one short boot; see bench/host/bench.sh.
#   make bench-plot   PNG charts of the JSON files in bench/results/ (gnuplot).
#   make bench-realmod  fs/minix of linux-source-6.12 built with spanalloc_slab.h
#                     against Debian's own minix.ko (SLUB), same boot, interleaved
#                     (scripts/realmod.sh bench; bench/results/realmod-minix-stock.json).
#   make bench-sitecost [PAIRS=200]  what allocation-site sampling costs the fast
#                     path, sampling switched at run time within one boot, A B B A
#                     (bench/sitecost/run.sh; SITECOST_KIB=0 is the A/A control).
BENCH_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

.PHONY: bench bench-plot bench-realmod bench-sitecost

bench:
	$(BENCH_TOP)/bench/host/bench.sh
	-$(MAKE) -f $(BENCH_TOP)/bench/bench.mk bench-plot
	$(MAKE) -f $(BENCH_TOP)/bench/bench.mk bench-realmod

bench-realmod:
	$(BENCH_TOP)/scripts/realmod.sh --kernel stock --fs minix bench

PAIRS ?= 200
bench-sitecost:
	$(BENCH_TOP)/bench/sitecost/run.sh $(PAIRS)

bench-plot:
	@command -v gnuplot >/dev/null 2>&1 || { \
		echo "bench-plot: installing gnuplot-nox"; \
		apt-get install -y --no-install-recommends gnuplot-nox >/dev/null || \
		{ apt-get update >/dev/null && apt-get install -y --no-install-recommends gnuplot-nox >/dev/null; }; }
	python3 $(BENCH_TOP)/bench/host/bench.py plot $$(ls $(BENCH_TOP)/bench/results/*.json | sort -V)
