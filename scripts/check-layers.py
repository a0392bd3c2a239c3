#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Keep spanalloc's levels a one-way stack (make lint runs this).

Every file in spanalloc/ belongs to a level (LEVELS, the stack as
spanalloc/module.c's header comment draws it). A file may include the
headers of, and call the functions and macros of, levels strictly below
its own, its own level's header, and the shared headers (internal.h,
sizeclasses.h, compat.h). A call or include that goes up, or sideways to
another file of the same level, is reported with both files named, and
the exit status is 1.

Functions are attributed to the file that defines them (a non-static
definition in a .c file, a static inline or function-like macro in a
header); calls are identifiers followed by "(" outside comments and
strings. Levels pass work upward only through hooks the upper level
registers (struct sa_span_ops, function pointers), which this check sees
as plain data.

  scripts/check-layers.py [--graph]   (--graph prints the include and
                                       call edges between levels)
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "spanalloc")

# Level of each room, bottom (0) to top. Files of one level do not call
# each other.
LEVELS = {
    "page_heap": 0,
    "central": 1,
    "transfer": 2,
    "cpu_cache": 3, "sites": 3,
    "debug": 4,
    "tiny": 5, "kcache": 5,
    "main": 6,
    "rcu_free": 7, "slab_api": 7,
    "debugfs": 8, "reclaim": 8,
    "module": 9,
}
SHARED = {"internal", "sizeclasses", "compat"}


def strip(text):
    """Source without comments and string/char literals."""
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    return re.sub(r"'(\\.|[^'\\\n])*'", "''", text)


def room(path):
    return os.path.splitext(os.path.basename(path))[0]


def main():
    files = sorted(f for f in os.listdir(ROOT) if f.endswith((".c", ".h")))
    unknown = [f for f in files if room(f) not in LEVELS and room(f) not in SHARED]
    errors = []
    for f in unknown:
        errors.append(f"spanalloc/{f}: no level in scripts/check-layers.py's LEVELS")

    owner = {}  # function or macro name -> room defining it
    sources = {}
    includes = {}
    for f in files:
        raw = open(os.path.join(ROOT, f), encoding="utf-8").read()
        includes[f] = re.findall(r'^#include\s+"([\w.]+)\.h"', raw, re.M)
        text = strip(raw)
        sources[f] = text
        r = room(f)
        if f.endswith(".c"):
            defs = re.findall(r"^(?!static\b)[A-Za-z_][\w \t\*]*?\b(\w+)\([^;{]*\)\s*\{", text, re.M)
        else:
            defs = re.findall(r"^static\s+(?:__always_inline\s+|inline\s+)+[\w \t\*]*?\b(\w+)\(", text, re.M)
            defs += re.findall(r"^#define\s+(\w+)\(", text, re.M)
        for name in defs:
            owner.setdefault(name, r)

    edges = set()
    for f in files:
        r = room(f)
        if r not in LEVELS:
            continue
        lvl = LEVELS[r]
        text = sources[f]
        for inc in includes[f]:
            if inc in SHARED or inc == r:
                continue
            if inc not in LEVELS:
                errors.append(f"spanalloc/{f} includes {inc}.h, which has no level")
                continue
            edges.add(("include", r, inc))
            if LEVELS[inc] >= lvl:
                how = "up" if LEVELS[inc] > lvl else "sideways"
                errors.append(f"spanalloc/{f} includes spanalloc/{inc}.h: {how} "
                              f"(level {lvl} -> {LEVELS[inc]})")
        for name in sorted(set(re.findall(r"\b([a-z_]\w*)\s*\(", text))):
            o = owner.get(name)
            if o is None or o == r or o in SHARED or o not in LEVELS:
                continue
            edges.add(("call", r, o))
            if LEVELS[o] >= lvl:
                how = "up" if LEVELS[o] > lvl else "sideways"
                errors.append(f"spanalloc/{f} calls {name}() of spanalloc/{o}: {how} "
                              f"(level {lvl} -> {LEVELS[o]})")
    if "--graph" in sys.argv:
        for kind, a, b in sorted(edges, key=lambda e: (LEVELS[e[1]], e[1], e[0], e[2])):
            print(f"{kind:8} {a} ({LEVELS[a]}) -> {b} ({LEVELS[b]})")
    for e in errors:
        print(e)
    n_calls = sum(1 for e in edges if e[0] == "call")
    n_incs = sum(1 for e in edges if e[0] == "include")
    if errors:
        print(f"check-layers: {len(errors)} violation(s)")
        return 1
    print(f"check-layers: {len(files)} files, {n_incs} include and {n_calls} call edges "
          "between levels, all downward: no cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
