#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --smp 4 --timeout 600 --ext tests/model
# Model-based randomized test (tests/model/sa_model.c): one thread bound to
# each CPU runs a seeded random stream of spanalloc calls for MODEL_SECONDS,
# checked against a shadow of what is live: object patterns, zeroing up to
# the usable size, no address live twice, deliberate bad frees (immediate
# and delayed double frees, interior and foreign pointers) refused, and at
# quiescent points every memstats counter the model knows exactly.
# Usage in a guest: sh model.sh [SECONDS [SEED]] (SEED 0 = random, printed).
# tests/soak/run.sh SECONDS runs a copy with MODEL_SECONDS replaced.
MODEL_SECONDS=20
MODEL_SEED=0
P=/sys/module/sa_model/parameters
M=/sys/kernel/debug/sa_model
secs=${1:-$MODEL_SECONDS}
seed=${2:-$MODEL_SEED}

fail() { echo "model: FAIL: $*"; exit 1; }

[ -d $P ] || fail "sa_model is not loaded (vm.sh --ext tests/model)"
# The model's bad frees must be refused and counted; with report_bad_frees=Y
# each kind would WARN once, which vm.sh counts as a kernel splat.
echo N > /sys/module/spanalloc/parameters/report_bad_frees ||
	fail "cannot set spanalloc's report_bad_frees to N"
echo "$seed" > $P/seed || fail "bad seed: $seed"
echo "$secs" > $P/seconds || fail "bad seconds: $secs"
echo "model: $secs s on $(nproc) CPUs, seed $seed (0 = random)"
ran=1
echo 1 > $P/run || ran=0
sed 's/^/model: /' $M/summary
[ $ran -eq 1 ] || fail "the write to $P/run failed"
[ "$(cat $P/runs)" -ge 1 ] || fail "no run completed"
[ "$(cat $P/failures)" -eq 0 ] || fail "$(cat $M/failure)"
echo "model: ok (seed $(cat $P/last_seed))"
