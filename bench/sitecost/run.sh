#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# What allocation-site sampling costs the fast path, resolved below the
# run-to-run noise: one boot of the stock kernel, one spanalloc.ko, the
# sampling switched off (sites_sample_kib=0: its static key off) and on
# (the default 512) at run time between interleaved runs of
# bench/sitecost/sa_sitecost.ko, A B B A, PAIRS pairs. Each run times
# alloc/free pairs and batches of 8, 64, 256, 1024 and 4096 bytes on one
# CPU; per pair the on/off ratio of each figure and their geometric mean.
# Prints the median ratio over pairs, its 95% bootstrap interval and the
# spread, and each figure's median ratio.
#
#   bench/sitecost/run.sh [PAIRS]       (default 100; about 2 s per pair
#                                        under TCG on a quiet host)
# Environment: SITECOST_SMP (vCPUs, default 1), SITECOST_IOA
# (init_on_alloc, default 0), SITECOST_KIB (sampling period when on,
# default 512; 0 makes both sides off, a control that must give 1.00),
# SITECOST_LOG (console log, default in $SPANALLOC_CACHE/logs).
{
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
pairs="${1:-100}"
smp="${SITECOST_SMP:-1}"
ioa="${SITECOST_IOA:-0}"
kib="${SITECOST_KIB:-512}"
cache="${SPANALLOC_CACHE:-$root/.cache}"
log="${SITECOST_LOG:-$cache/logs/sitecost-$(date +%Y%m%d-%H%M%S).log}"
mkdir -p "$(dirname "$log")"

guest="P=/sys/module/spanalloc/parameters/sites_sample_kib
M=/sys/module/sa_sitecost/parameters
one() { echo \$1 > \$P && echo 1 > \$M/run && echo \"SITECOST \$3 \$2 \$(cat \$M/result)\"; }
one 0 off warm; one $kib on warm
i=0
while [ \$i -lt $pairs ]; do
	if [ \$((i % 2)) -eq 0 ]; then one 0 off \$i; one $kib on \$i; else one $kib on \$i; one 0 off \$i; fi
	i=\$((i + 1))
done
echo 512 > \$P"

echo "sitecost: $pairs pairs, $smp vCPU, init_on_alloc=$ioa, sampling 0 vs $kib KiB; log $log" >&2
"$root/scripts/harness/vm.sh" --kernel stock --smp "$smp" --append "init_on_alloc=$ioa" \
	--ext "$here" --timeout $((600 + pairs * 20)) --quiet --log "$log" -- "$guest" >/dev/null

python3 - "$log" "$kib" <<'PY'
import math, random, re, statistics, sys
log, kib = sys.argv[1], sys.argv[2]
runs = {}
for line in open(log, errors="replace"):
    m = re.search(r"SITECOST (\d+) (on|off) ([\d ]+)$", line.strip())
    if m:
        runs.setdefault(int(m.group(1)), {})[m.group(2)] = [int(x) for x in m.group(3).split()]
names = [f"{k} {s}" for s in (8, 64, 256, 1024, 4096) for k in ("pair", "batch")]
ratios = []          # per pair: on/off of each figure
for i in sorted(runs):
    r = runs[i]
    if "off" in r and "on" in r and all(r["off"]) and all(r["on"]):
        ratios.append([a / b for a, b in zip(r["on"], r["off"])])
if len(ratios) < 4:
    sys.exit("sitecost: too few complete pairs in %s" % log)
geo = [math.exp(statistics.fmean(math.log(x) for x in row)) for row in ratios]
med = statistics.median(geo)
random.seed(1)
boot = sorted(statistics.median(random.choices(geo, k=len(geo))) for _ in range(2000))
q = statistics.quantiles(geo, n=4)
print(f"sitecost: {len(geo)} pairs; geometric mean of 10 figures, "
      f"sites_sample_kib={kib} / sites_sample_kib=0:")
print(f"  median {med:.4f} ({(med - 1) * 100:+.2f}%), 95% interval of the median "
      f"{boot[50]:.4f}..{boot[1949]:.4f}, quartiles {q[0]:.4f}..{q[2]:.4f}")
for j, n in enumerate(names):
    col = [row[j] for row in ratios]
    print(f"  {n:>10}: median ratio {statistics.median(col):.4f}")
PY
}
