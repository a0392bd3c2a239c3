# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Shared by run.sh (host fixtures) and guest.sh (the real module in QEMU):
# flatten a debugfs snapshot directory and spanstat's JSON into the same
# sorted "path value" lines, so that diff compares every value; and the
# pass/fail bookkeeping (the caller sets pass=0 fail=0 prefix="").

# Flatten a fixture directory into sorted "path value" lines, the way
# json_flat flattens spanstat --json; words are quoted, integers are not.
fixture_flat() {
	d=$1
	{
		awk 'NF { print "memstats." $1, $2 }' "$d/memstats"
		for t in classes cpus sizes caches; do
			[ -f "$d/$t" ] || continue
			awk -v t="$t" '
			!NF { next }
			!ncol { ncol = NF; for (i = 1; i <= NF; i++) col[i] = $i; next }
			{
				for (i = 1; i <= NF; i++)
					print t "." (row + 0) "." col[i], \
					      ($i ~ /^-?[0-9]+$/ ? $i : "\"" $i "\"")
				row++
			}' "$d/$t"
		done
		# sites: the last column, "site", is the rest of the line.
		[ -f "$d/sites" ] && awk '
		!NF { next }
		!ncol { ncol = NF; for (i = 1; i <= NF; i++) col[i] = $i; next }
		{
			line = $0
			for (i = 1; i < ncol; i++) {
				sub(/^[ \t]+/, "", line)
				f = line; sub(/[ \t].*/, "", f)
				print "sites." (row + 0) "." col[i], (f ~ /^-?[0-9]+$/ ? f : "\"" f "\"")
				line = substr(line, length(f) + 1)
			}
			sub(/^[ \t]+/, "", line)
			print "sites." (row + 0) "." col[ncol], "\"" line "\""
			row++
		}' "$d/sites"
		awk '
		!NF { table = 1; next }
		!table { print "pageheap." $1, $2; next }
		!ncol { ncol = NF; for (i = 1; i <= NF; i++) col[i] = $i; next }
		{
			for (i = 1; i <= NF; i++)
				print "pageheap.free_blocks." (row + 0) "." col[i], $i
			row++
		}' "$d/pageheap"
	} | LC_ALL=C sort
}

json_flat() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
base = ["classes", "cpus", "memstats", "pageheap", "sizes"]
assert sorted(d) in [sorted(base + x) for x in ([], ["caches"], ["sites"], ["caches", "sites"])], sorted(d)
def val(v):
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise SystemExit("not an integer or a word: %r" % (v,))
    return str(v) if isinstance(v, int) else "\"%s\"" % v
def rows(prefix, lst):
    for i, r in enumerate(lst):
        for k, v in r.items():
            print("%s.%d.%s %s" % (prefix, i, k, val(v)))
for k, v in d["memstats"].items():
    print("memstats.%s %s" % (k, val(v)))
for t in ("classes", "cpus", "sizes", "caches", "sites"):
    rows(t, d.get(t, []))
for k, v in d["pageheap"].items():
    if k == "free_blocks":
        rows("pageheap.free_blocks", v)
    else:
        print("pageheap.%s %s" % (k, val(v)))
' | LC_ALL=C sort
}

# shellcheck disable=SC2154 # prefix is set by the caller (see above)
ok() { pass=$((pass + 1)); echo "ok   $prefix$*"; }
# shellcheck disable=SC2154 # prefix is set by the caller (see above)
bad() { fail=$((fail + 1)); echo "FAIL $prefix$*"; }

# check NAME COMMAND...: COMMAND must succeed
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}
