#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Merge the KUnit output of several guest boots into one KTAP document,
parse it with the kernel tree's own tools/testing/kunit/kunit.py, and count.

Each kunit module prints its own "KTAP version 1" block when it is loaded,
and kunit.py parses only the first block of a log. scripts/vm.sh brackets
every module load with "spanalloc-vm: loading X" / "spanalloc-vm: loaded X"
printk markers, so this script cuts each boot log into per-module segments,
renames each suite "<boot label>/<suite>" and renumbers them into a single
KTAP run. A module that is expected (every kunit/*.ko built) but printed no
complete suite in a boot becomes a failed suite "<label>/<module>" with one
failed case, so a missing suite can never pass silently.

usage: kunit-report.py --kunit-py PATH --expect a.ko,b.ko --out DIR
                       LABEL=LOGFILE [LABEL=LOGFILE...]

Prints kunit.py's summary and, last, "kunit: N passed, N failed, N skipped";
writes DIR/merged.ktap, DIR/results.json and DIR/counts ("passed failed
skipped"). Exit status 0 only if nothing failed and no suite is missing.
"""
import argparse
import json
import os
import re
import subprocess
import sys

STAMP = re.compile(r'^\[\s*\d+\.\d+\] ?')
MARK = re.compile(r'^spanalloc-vm: (loading|loaded|MODULE LOAD FAILED:|exit status|running command)\s*(\S*)')
TOP_RESULT = re.compile(r'^(ok|not ok) (\d+)(?: - )?\s*([^#]*?)\s*(#.*)?$')
SUBTEST = re.compile(r'^    # Subtest: (.*)$')


def segments(path):
    """Yield (module basename, [lines]) for every module load in a log."""
    cur, lines = None, []
    with open(path, errors='backslashreplace') as f:
        for raw in f:
            line = STAMP.sub('', raw.rstrip('\n'))
            m = MARK.match(line)
            if m:
                if cur is not None:
                    yield cur, lines
                cur, lines = None, []
                if m.group(1) == 'loading':
                    cur = os.path.basename(m.group(2))
                continue
            if cur is not None:
                lines.append(line)
    if cur is not None:
        yield cur, lines


def missing_suite(label, name, why):
    return ['    KTAP version 1', f'    # Subtest: {label}/{name}', '    1..1',
            f'    not ok 1 {why.replace(" ", "_")}', f'not ok {{N}} {label}/{name} # {why}']


def convert(label, lines):
    """Return (suite blocks, problems) for one module's segment."""
    out, problems = [], []
    start = None
    for i, line in enumerate(lines):
        if line == 'KTAP version 1':
            start = i
            break
    if start is None:
        return [], ['printed no KTAP']
    body = lines[start + 1:]
    if body and re.match(r'^1\.\.\d+$', body[0]):
        body = body[1:]
    blocks, cur, open_suite = [], [], None
    for line in body:
        m = SUBTEST.match(line)
        if m:
            open_suite = m.group(1)
            line = f'    # Subtest: {label}/{open_suite}'
        r = TOP_RESULT.match(line)
        if r:
            name = r.group(3) or open_suite or '?'
            directive = f' {r.group(4)}' if r.group(4) else ''
            cur.append(f'{r.group(1)} {{N}} {label}/{name}{directive}')
            blocks.append(cur)
            cur, open_suite = [], None
            continue
        cur.append(line)
    if open_suite is not None:
        cur.append(f'not ok {{N}} {label}/{open_suite} # did not finish (crash?)')
        blocks.append(cur)
        problems.append(f'suite {open_suite} did not finish')
    if not blocks:
        problems.append('printed no complete suite')
    return blocks, problems


def count(group, c):
    for sub in group.get('sub_groups', []):
        count(sub, c)
    for case in group.get('test_cases', []):
        st = case.get('status')
        key = 'passed' if st == 'PASS' else 'skipped' if st == 'SKIP' else 'failed'
        c[key] += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--kunit-py', required=True)
    ap.add_argument('--expect', required=True, help='comma-separated kunit module files')
    ap.add_argument('--out', required=True)
    ap.add_argument('logs', nargs='+', metavar='LABEL=LOG')
    args = ap.parse_args()
    expected = [os.path.basename(e) for e in args.expect.split(',') if e]
    os.makedirs(args.out, exist_ok=True)

    blocks, problems = [], []
    for spec in args.logs:
        label, path = spec.split('=', 1)
        seen = {}
        if os.path.exists(path):
            for mod, lines in segments(path):
                seen[mod] = lines
        for mod in expected:
            name = mod[:-3] if mod.endswith('.ko') else mod
            if mod not in seen:
                why = 'module was not loaded'
                problems.append(f'{label}: {mod}: {why}')
                blocks.append(missing_suite(label, name, why))
                continue
            b, p = convert(label, seen[mod])
            problems += [f'{label}: {mod}: {x}' for x in p]
            if not b:
                blocks.append(missing_suite(label, name, p[0]))
            blocks += b

    merged = ['KTAP version 1', f'1..{len(blocks)}']
    for n, block in enumerate(blocks, 1):
        merged += [line.replace('{N}', str(n)) if not line.startswith(' ') else line
                   for line in block]
    ktap = os.path.join(args.out, 'merged.ktap')
    with open(ktap, 'w') as f:
        f.write('\n'.join(merged) + '\n')

    js = os.path.join(args.out, 'results.json')
    if os.path.exists(js):
        os.unlink(js)
    rc = subprocess.call([sys.executable, args.kunit_py, 'parse', f'--json={js}', ktap])
    c = {'passed': 0, 'failed': 0, 'skipped': 0}
    if os.path.exists(js):
        with open(js) as f:
            count(json.load(f), c)
    if rc != 0 and c['failed'] == 0:
        problems.append(f'kunit.py parse exited {rc} (KTAP errors)')
        c['failed'] = 1
    for p in problems:
        print(f'kunit-report: {p}')
    with open(os.path.join(args.out, 'counts'), 'w') as f:
        f.write(f"{c['passed']} {c['failed']} {c['skipped']}\n")
    print(f"kunit: {c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped "
          f"({len(expected)} modules x {len(args.logs)} boots)")
    return 0 if rc == 0 and not problems and c['failed'] == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
