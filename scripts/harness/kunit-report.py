#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count the KUnit cases of one or more guest boots against what the tree
declares, and parse them with the kernel tree's own kunit.py.

What the tree declares: every kunit/*.c (--src DIR) that registers suites
with kunit_test_suite()/kunit_test_suites(): each suite's name and the
KUNIT_CASE*() entries of its case array, in order. The module of a file is
the file's name (foo_test.c -> foo_test.ko). Nothing is taken from Kbuild
or modules.order, so a file dropped from kunit/Kbuild still counts: its
cases are reported as not run.

What ran: scripts/harness/vm.sh brackets every module load with "spanalloc-vm:
loading X" / "spanalloc-vm: loaded X" printk markers; each module prints its
own KTAP block at insmod. Each declared case of each boot gets one status:
PASS, SKIP, FAIL, or MISSING when the module was not loaded, printed no
KTAP, or stopped before the case (a crash mid-suite: a plan 1..N with fewer
results). MISSING counts as failed. A suite whose plan differs from the
declared count, a result for an undeclared case or a suite that did not
finish is a problem too (the run fails).

The merged KTAP (suites renamed "<boot label>/<suite>", a synthetic failed
block for each suite that never ran) goes through kunit.py parse for its
summary; if kunit.py fails while these counts show no failure, that is a
problem as well.

usage: kunit-report.py --kunit-py PATH --src DIR [--only a.ko,b.ko] --out DIR
                       LABEL=LOGFILE [LABEL=LOGFILE...]

--only restricts the declared modules (check-harness uses it to look at one
fixture at a time); make check never passes it.

Prints kunit.py's summary, one line per problem, and last
"kunit: P passed, F failed, S skipped of D declared cases (...)"; writes
DIR/merged.ktap, DIR/results.json, DIR/cases.tsv (label, module, suite,
case, status) and DIR/counts ("P F S D"). Exit status 0 only if nothing
failed and there was no problem.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

STAMP = re.compile(r'^\[\s*\d+\.\d+\] ?')
MARK = re.compile(r'^spanalloc-vm: (loading|loaded|MODULE LOAD FAILED:|exit status|running command)\s*(\S*)')
TOP_RESULT = re.compile(r'^(ok|not ok) (\d+)(?: - )?\s*([^#]*?)\s*(#.*)?$')
SUBTEST = re.compile(r'^    # Subtest: (.*)$')
CASE_PLAN = re.compile(r'^    1\.\.(\d+)$')
CASE_RESULT = re.compile(r'^    (ok|not ok) (\d+)(?: - )?\s*([^#]*?)\s*(#\s*(\S+).*)?$')


def strip_c_comments(text):
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    return re.sub(r'//[^\n]*', ' ', text)


def declared_suites(path):
    """[(suite name, [case names])] registered by one C file, in order."""
    text = strip_c_comments(open(path, errors='replace').read())
    arrays = {}
    for m in re.finditer(r'struct\s+kunit_case\s+(\w+)\s*\[\s*\]\s*=\s*\{(.*?)\};', text, re.S):
        arrays[m.group(1)] = re.findall(r'\bKUNIT_CASE\w*\s*\(\s*(\w+)', m.group(2))
    suites = {}
    for m in re.finditer(r'struct\s+kunit_suite\s+(\w+)\s*=\s*\{(.*?)\};', text, re.S):
        body = m.group(2)
        name = re.search(r'\.name\s*=\s*"([^"]*)"', body)
        cases = re.search(r'\.test_cases\s*=\s*(\w+)', body)
        suites[m.group(1)] = (name.group(1) if name else m.group(1),
                              arrays.get(cases.group(1), []) if cases else [])
    out = []
    for m in re.finditer(r'\bkunit_test_suites?\s*\(([^;]*)\)\s*;', text):
        for var in re.findall(r'&?\s*(\w+)', m.group(1)):
            if var in suites:
                out.append(suites[var])
    return out


def declarations(src, only):
    """{module.ko: [(suite, [cases])]} for every file of @src that registers a suite."""
    decl = {}
    for path in sorted(glob.glob(os.path.join(src, '*.c'))):
        suites = declared_suites(path)
        if suites:
            decl[os.path.basename(path)[:-2] + '.ko'] = suites
    if only:
        missing = [m for m in only if m not in decl]
        if missing:
            sys.exit(f'kunit-report: --only {",".join(missing)}: no such suite file in {src}')
        decl = {m: decl[m] for m in only}
    return decl


def segments(path):
    """{module basename: [lines]} for every module load in a log."""
    seen, cur, lines = {}, None, []
    with open(path, errors='backslashreplace') as f:
        for raw in f:
            line = STAMP.sub('', raw.rstrip('\n'))
            m = MARK.match(line)
            if m:
                if cur is not None:
                    seen[cur] = lines
                cur, lines = None, []
                if m.group(1) == 'loading':
                    cur = os.path.basename(m.group(2))
                continue
            if cur is not None:
                lines.append(line)
    if cur is not None:
        seen[cur] = lines
    return seen


def ktap_body(lines):
    """The lines after a module's 'KTAP version 1' (and its 1..N), or None."""
    for i, line in enumerate(lines):
        if line == 'KTAP version 1':
            body = lines[i + 1:]
            if body and re.match(r'^1\.\.\d+$', body[0]):
                body = body[1:]
            return body
    return None


def suites_in(body):
    """{suite: {'plan': N, 'results': [(name, status)], 'done': bool}} of a KTAP body."""
    out, cur = {}, None
    for line in body:
        m = SUBTEST.match(line)
        if m:
            cur = out.setdefault(m.group(1), {'plan': None, 'results': [], 'done': False})
            continue
        if cur is None:
            continue
        m = CASE_PLAN.match(line)
        if m:
            cur['plan'] = int(m.group(1))
            continue
        m = CASE_RESULT.match(line)
        if m:
            directive = (m.group(5) or '').upper()
            status = 'SKIP' if directive == 'SKIP' else 'PASS' if m.group(1) == 'ok' else 'FAIL'
            cur['results'].append((m.group(3), status))
            continue
        if TOP_RESULT.match(line):
            cur['done'] = True
            cur = None
    return out


def merged_blocks(label, body):
    """The module's suites as top-level KTAP blocks named <label>/<suite>."""
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
    return blocks


def synthetic_block(label, suite, cases, why):
    lines = ['    KTAP version 1', f'    # Subtest: {label}/{suite}', f'    1..{max(len(cases), 1)}']
    for i, case in enumerate(cases or ['no_case_declared'], 1):
        lines.append(f'    not ok {i} {case}')
    lines.append(f'not ok {{N}} {label}/{suite} # {why}')
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--kunit-py', required=True)
    ap.add_argument('--src', required=True, help='directory of the KUnit suites (*.c)')
    ap.add_argument('--only', default='', help='comma-separated modules to look at (harness)')
    ap.add_argument('--out', required=True)
    ap.add_argument('logs', nargs='+', metavar='LABEL=LOG')
    args = ap.parse_args()
    only = [os.path.basename(x) for x in args.only.split(',') if x]
    decl = declarations(args.src, only)
    os.makedirs(args.out, exist_ok=True)
    if not decl:
        print(f'kunit-report: {args.src} declares no KUnit suite')

    blocks, problems, rows = [], [], []
    c = {'PASS': 0, 'FAIL': 0, 'SKIP': 0, 'MISSING': 0}
    ndecl = 0
    for spec in args.logs:
        label, path = spec.split('=', 1)
        seen = segments(path) if os.path.exists(path) else {}
        if not os.path.exists(path):
            problems.append(f'{label}: no log {path}')
        for mod, suites in decl.items():
            body = ktap_body(seen[mod]) if mod in seen else None
            if mod not in seen:
                why = 'module was not loaded (not built: dropped from Kbuild? or the boot died first)'
            elif body is None:
                why = 'module printed no KTAP'
            if body is None:
                problems.append(f'{label}: {mod}: {why}; its '
                                f'{sum(len(x[1]) for x in suites)} declared cases did not run')
                for suite, cases in suites:
                    blocks.append(synthetic_block(label, suite, cases, why))
            else:
                blocks += merged_blocks(label, body)
            ran = suites_in(body) if body is not None else {}
            for suite, cases in suites:
                ndecl += len(cases)
                r = ran.pop(suite, None)
                if body is not None and r is None:
                    problems.append(f'{label}: {mod}: suite {suite} did not run '
                                    f'({len(cases)} declared cases)')
                    blocks.append(synthetic_block(label, suite, cases, 'suite did not run'))
                got = dict(r['results']) if r else {}
                if r:
                    if r['plan'] != len(cases):
                        problems.append(f'{label}: {suite}: plan 1..{r["plan"]}, '
                                        f'{len(cases)} cases declared')
                    if len(r['results']) < (r['plan'] or 0):
                        problems.append(f'{label}: {suite}: plan 1..{r["plan"]}, '
                                        f'{len(r["results"])} results')
                    if not r['done']:
                        problems.append(f'{label}: {suite}: did not finish (crash?) after '
                                        f'{len(r["results"])} of {len(cases)} cases')
                    for name, _ in r['results']:
                        if name not in cases:
                            problems.append(f'{label}: {suite}: result for undeclared case {name}')
                for case in cases:
                    st = got.get(case, 'MISSING')
                    c[st] += 1
                    rows.append((label, mod, suite, case, st))
                    if st == 'MISSING' and r:
                        problems.append(f'{label}: {suite}.{case}: did not run')
            for suite in ran:
                problems.append(f'{label}: {mod}: undeclared suite {suite} ran')

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

    passed, skipped = c['PASS'], c['SKIP']
    failed = c['FAIL'] + c['MISSING']
    if rc != 0 and failed == 0:
        problems.append(f'kunit.py parse exited {rc} (KTAP errors) although every declared case passed')
    for p in problems:
        print(f'kunit-report: {p}')
    with open(os.path.join(args.out, 'cases.tsv'), 'w') as f:
        for row in rows:
            f.write('\t'.join(row) + '\n')
    # A problem with no failed case still fails the run: count it.
    if problems and failed == 0:
        failed = 1
    with open(os.path.join(args.out, 'counts'), 'w') as f:
        f.write(f'{passed} {failed} {skipped} {ndecl}\n')
    nsuites = sum(len(s) for s in decl.values())
    print(f'kunit: {passed} passed, {failed} failed, {skipped} skipped of {ndecl} declared cases '
          f'({c["MISSING"]} did not run; {nsuites} suites in {len(decl)} modules x '
          f'{len(args.logs)} boots)')
    return 0 if not problems and failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
