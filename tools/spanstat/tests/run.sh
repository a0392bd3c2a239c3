#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of spanstat on the fixture directories in tests/fixtures/.
#
#   sh tests/run.sh [PATH_TO_SPANSTAT]      (make -C tools/spanstat test)
#
# Expected values are extracted from the fixture files with awk at run time,
# never copied in here, so a fixture can change without touching this file.
# Needs python3 on the host (json.tool and the JSON flattener); exits 1 if
# any check fails.

here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../spanstat}
fix=$here/fixtures
tmp=$(mktemp -d "${TMPDIR:-/tmp}/spanstat-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tools/spanstat/tests/lib.sh
. "$here/lib.sh"
pass=0
fail=0
prefix=""

# run ARGS...: run spanstat, output in $tmp/out and $tmp/err, status in $rc
run() {
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# expect_fail NAME PATTERN ARGS...: non-zero exit, stderr matches PATTERN
expect_fail() {
	name=$1
	pat=$2
	shift 2
	run "$@"
	if [ "$rc" -ne 0 ] && grep -q -- "$pat" "$tmp/err"; then
		ok "$name"
	else
		bad "$name (rc=$rc, stderr: $(cat "$tmp/err"))"
	fi
}

# expect_ok NAME ARGS...: zero exit, some output, nothing on stderr
expect_ok() {
	name=$1
	shift
	run "$@"
	if [ "$rc" -eq 0 ] && [ -s "$tmp/out" ] && [ ! -s "$tmp/err" ]; then
		ok "$name"
	else
		bad "$name (rc=$rc, stderr: $(cat "$tmp/err"))"
	fi
}

# copy NAME: a scratch copy of fixture NAME, printed
copy() {
	rm -rf "$tmp/$1.copy"
	cp -r "$fix/$1" "$tmp/$1.copy"
	echo "$tmp/$1.copy"
}

# jget EXPR: evaluate a python expression on d = the JSON in $tmp/out
jget() {
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$tmp/out" "$1"
}

if [ ! -x "$bin" ]; then
	echo "spanstat binary not found: $bin (make -C tools/spanstat)" >&2
	exit 1
fi
if ! command -v python3 >/dev/null; then
	echo "python3 is needed for the JSON checks" >&2
	exit 1
fi

# --- every view, on every good fixture --------------------------------------
for f in basic extra guest; do
	expect_ok "$f: summary" --dir "$fix/$f"
	for v in --classes --cpus --heap --json; do
		expect_ok "$f: $v" --dir "$fix/$f" $v
	done
	if [ -f "$fix/$f/caches" ]; then
		expect_ok "$f: --caches" --dir "$fix/$f" --caches
	fi
	run --dir "$fix/$f" --json
	check "$f: --json is valid JSON" python3 -m json.tool "$tmp/out" /dev/null
	json_flat <"$tmp/out" >"$tmp/json.flat"
	fixture_flat "$fix/$f" >"$tmp/fix.flat"
	check "$f: --json round-trips every value of every file" \
		diff -u "$tmp/fix.flat" "$tmp/json.flat"
	check "$f: round-trip compared something" \
		[ "$(wc -l <"$tmp/fix.flat")" -gt 500 ]
done

# --- the comparison can fail: a changed fixture value must be noticed -------
d=$(copy basic)
awk '$1 == "heap_alloc" { $2 = $2 + 1 } { print }' "$fix/basic/memstats" >"$d/memstats"
run --dir "$fix/basic" --json
json_flat <"$tmp/out" >"$tmp/json.flat"
fixture_flat "$d" >"$tmp/fix.flat"
if diff "$tmp/fix.flat" "$tmp/json.flat" >/dev/null; then
	bad "round-trip check notices a changed value"
else
	ok "round-trip check notices a changed value"
fi

# spot FIXTURE: values and derived figures against the fixture, via awk
spot() {
	b=$fix/$1
	# --- spot checks against awk-extracted fixture values -----------------------
	run --dir "$b" --json
	want=$(awk '$1 == "heap_alloc" { print $2 }' "$b/memstats")
	check "json memstats.heap_alloc = $want" [ "$(jget 'd["memstats"]["heap_alloc"]')" = "$want" ]
	# the class with the most bytes in use, by column name
	# shellcheck disable=SC2046 # split on purpose: $1 = class, $2 = inuse
	set -- $(awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		      $c["inuse"] * $c["size"] > max { max = $c["inuse"] * $c["size"]; cls = $c["class"]; n = $c["inuse"] }
		      END { print cls, n }' "$b/classes")
	top_cls=$1
	check "json class $1 inuse = $2" \
		[ "$(jget "[r['inuse'] for r in d['classes'] if str(r['class']) == '$1'][0]")" = "$2" ]
	want=$(awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		    $c["class"] == "tiny" { print $c["inuse"] }' "$b/classes")
	check "json class \"tiny\" is a string, inuse = $want" \
		[ "$(jget "[r['inuse'] for r in d['classes'] if r['class'] == 'tiny'][0]")" = "$want" ]
	want=$(awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		    $c["cpu"] == 1 { print $c["refills"] }' "$b/cpus")
	check "json cpu 1 refills = $want" [ "$(jget 'd["cpus"][1]["refills"]')" = "$want" ]
	want=$(awk '!NF { t = 1; next } t && $1 == 9 { print $2 }' "$b/pageheap")
	check "json pageheap order 9 free_blocks = $want" \
		[ "$(jget 'd["pageheap"]["free_blocks"][9]["free_blocks"]')" = "$want" ]
	check "json sizes: last max_bytes is \"max\"" [ "$(jget 'd["sizes"][-1]["max_bytes"]')" = max ]

	# --- derived figures of the summary ------------------------------------------
	run --dir "$b"
	want=$(awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		    { a += $c["small_allocs"]; h += $c["fast_hits"] }
		    END { printf "%.1f%%\n", 100 * h / a }' "$b/cpus")
	check "summary: fast-path hit rate $want" grep -q "hit rate *$want" "$tmp/out"
	want=$(awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		    { g += $c["bytes_given"]; r += $c["bytes_req"] }
		    END { printf "%.1f%%\n", 100 * (g - r) / g }' "$b/classes")
	check "summary: internal waste $want" grep -q "internal waste *$want" "$tmp/out"
	want=$(awk '{ v[$1] = $2 } END { printf "%.1f%%\n", 100 * v["metadata_bytes"] / v["heap_sys"] }' \
		"$b/memstats")
	check "summary: metadata overhead $want" grep -q "metadata overhead *$want" "$tmp/out"
	first=$(awk '/^Top/ { getline; getline; print $1; exit }' "$tmp/out")
	check "summary: top class by bytes is $top_cls (got $first)" [ "$first" = "$top_cls" ]
	rows=$(awk '/^Top/ { t = 1; getline; next } t && NF' "$tmp/out" | wc -l)
	check "summary: at most 10 top classes ($rows)" [ "$rows" -ge 1 ] && [ "$rows" -le 10 ]
	check "summary: human units" grep -q "heap_alloc  *[0-9.]* \(B\|KiB\|MiB\|GiB\) " "$tmp/out"
}

for f in basic extra guest; do
	prefix="$f: "
	spot "$f"
done
prefix=""
b=$fix/basic

# --- full tables ---------------------------------------------------------------
run --dir "$b" --classes
check "--classes: one line per class plus a header" \
	[ "$(wc -l <"$tmp/out")" -eq "$(grep -c . "$b/classes")" ]
run --dir "$b" --cpus
want=$(awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	    { s += $c["refills"] } END { print s }' "$b/cpus")
check "--cpus: total refills $want" grep -q "^all .* $want " "$tmp/out"
run --dir "$fix/extra" --classes
check "--classes: an unknown column is shown" grep -q "cold_frees" "$tmp/out"
run --dir "$fix/extra" --json
check "--json: unknown memstats field kept" [ "$(jget 'd["memstats"]["gc_cycles"]')" = \
	"$(awk '$1 == "gc_cycles" { print $2 }' "$fix/extra/memstats")" ]

# --- typed caches ----------------------------------------------------------------
# cfield FIXTURE AWK-EXPR: AWK-EXPR over the caches rows, columns by name (c[])
cfield() {
	awk -v e="$2" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ n++; lb = $c["live_bytes"]
		  if (lb > max || n == 1) { max = lb; top = $c["name"] }
		  live += $c["live_objects"]; own += $c["own"]
		  if ($c["spans"] != "shared") spans += $c["spans"]
		  slot += $c["live_objects"] * $c["class_size"]; bytes += lb
		  if (!$c["own"] && $c["spans"] != "shared") notshared++ }
		END { if (e == "top") print top; if (e == "rows") print n
		      if (e == "live") print live; if (e == "own") print own
		      if (e == "spans") print spans; if (e == "notshared") print notshared + 0
		      if (e == "waste") printf "%.1f%%\n", 100 * (slot - bytes) / slot }' "$fix/$1/caches"
}
for f in basic extra; do
	prefix="$f: "
	run --dir "$fix/$f" --caches
	want=$(cfield "$f" rows)
	check "--caches: header, $want caches and a total" \
		[ "$(wc -l <"$tmp/out")" -eq $((want + 2)) ]
	want=$(cfield "$f" top)
	check "--caches: most live bytes first ($want)" \
		[ "$(awk 'NR == 2 { print $1 }' "$tmp/out")" = "$want" ]
	# shellcheck disable=SC2046 # split on purpose: the total row's fields
	set -- $(awk '$1 == "all"' "$tmp/out")
	want=$(cfield "$f" live)
	check "--caches: total live objects $want (got $2)" [ "$2" = "$want" ]
	want=$(cfield "$f" spans)
	check "--caches: total spans of own classes $want (got $(eval echo \$$#))" \
		[ "$(eval echo \$$#)" = "$want" ]
	want=$(cfield "$f" waste)
	check "--caches: total waste $want" grep -q "^all .* $want " "$tmp/out"
	want=$(cfield "$f" notshared)
	check "fixture sanity: merged caches have shared spans ($want not)" [ "$want" = 0 ]
	n=$(grep -c ' merged .* shared' "$tmp/out")
	want=$(( $(cfield "$f" rows) - $(cfield "$f" own) ))
	check "--caches: $want merged caches show shared spans ($n)" [ "$n" = "$want" ]
	run --dir "$fix/$f" --json
	want=$(awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		    $c["name"] == "ext2_inode_cache" { print $c["live_objects"] }' "$fix/$f/caches")
	check "--json: caches ext2_inode_cache live_objects $want" \
		[ "$(jget "[r['live_objects'] for r in d['caches'] if r['name'] == 'ext2_inode_cache'][0]")" = "$want" ]
	check "--json: a merged cache's spans is the word \"shared\"" \
		[ "$(jget "[r['spans'] for r in d['caches'] if r['own'] == 0][0]")" = shared ]
	run --dir "$fix/$f"
	want="Typed caches: $(cfield "$f" rows) ($(cfield "$f" own) own class"
	check "summary: \"$want\"" grep -q "^$want" "$tmp/out"
	first=$(awk '/^Typed caches/ { getline; getline; print $1; exit }' "$tmp/out")
	check "summary: top cache by live bytes is $(cfield "$f" top) (got $first)" \
		[ "$first" = "$(cfield "$f" top)" ]
done
prefix=""
g=$fix/guest
expect_fail "no caches file: --caches" "caches: missing" --dir "$g" --caches
expect_ok "no caches file: summary still works" --dir "$g"
check "no caches file: summary has no caches section" \
	sh -c "! grep -q '^Typed caches' '$tmp/out'"
run --dir "$g" --json
check "no caches file: --json has no caches key" \
	[ "$(jget "'caches' in d")" = False ]
run --dir "$b" --json
check "caches file: --json has a caches key" [ "$(jget "'caches' in d")" = True ]
d=$(copy basic)
awk 'NR == 2 { $9 = "4x" } { print }' "$b/caches" >"$d/caches"
expect_fail "caches: non-numeric live_objects" "caches.*live_objects.*4x" --dir "$d" --caches
d=$(copy basic)
awk 'NR == 2 { $2 = "shared" } { print }' "$b/caches" >"$d/caches"
expect_fail "caches: \"shared\" only in spans" "object_size.*shared" --dir "$d" --caches
d=$(copy basic)
sed '1s/^name /cache /' "$b/caches" >"$d/caches"
expect_fail "caches: no name column" 'no column "name"' --dir "$d" --caches
expect_fail "caches: a broken caches file fails the summary too" 'no column "name"' --dir "$d"
d=$(copy basic)
head -n 1 "$b/caches" >"$d/caches"
expect_ok "caches: no caches at all" --dir "$d" --caches
check "caches: no caches: header and a zero total" \
	[ "$(awk '$1 == "all" { print $2 }' "$tmp/out")" = 0 ]

# --- allocation sites ------------------------------------------------------------
# The site, the last column, has blanks in it ("func+0x1/0x2 [module]").
run --dir "$b" --sites
n=$(($(wc -l <"$b/sites") - 1))
check "--sites: a count line, a header and $n sites" [ "$(wc -l <"$tmp/out")" -eq $((n + 2)) ]
want=$(awk 'NR > 1 && $1 > max { max = $1; s = $4 } END { print s }' "$b/sites")
check "--sites: most live bytes first ($want)" \
	[ "$(awk 'NR == 3 { print $(NF - 1) }' "$tmp/out")" = "$want" ]
check "--sites: the site keeps its module" grep -q ' ext2_alloc_block+0x4d/0x120 \[ext2_spanalloc\]$' "$tmp/out"
want=$(awk 'NR > 1 { n += $2 } END { print n }' "$b/sites")
check "--sites: $want objects live in the count line" grep -q "^Allocation sites: $n, .* and $want objects live" "$tmp/out"
run --dir "$b" --sites --watch 0.01 --count 2
check "--sites --watch: the second showing has each site's change" \
	[ "$(grep -c ' 0  ext2_alloc_block+' "$tmp/out")" -eq 1 ]
expect_fail "no sites file: --sites" "sites: missing" --dir "$g" --sites
run --dir "$b" --json
check "--json: a sites array of $n rows" [ "$(jget 'len(d["sites"])')" = "$n" ]
want=$(awk 'NR == 3 { sub(/^[0-9]+ +[0-9]+ +[0-9]+ +/, ""); print }' "$b/sites")
check "--json: the second site whole, blanks and module ($want)" \
	[ "$(jget 'd["sites"][1]["site"]')" = "$want" ]
want=$(awk 'NR == 3 { print $1 }' "$b/sites")
check "--json: the second site's live_bytes $want, a number" \
	[ "$(jget 'd["sites"][1]["live_bytes"] + 0')" = "$want" ]
run --dir "$g" --json
check "no sites file: --json has no sites key" [ "$(jget "'sites' in d")" = False ]
d=$(copy basic)
sed '1s/ site$/ where/' "$b/sites" >"$d/sites"
expect_fail "sites: the last column must be site" 'last column is not "site"' --dir "$d" --sites
d=$(copy basic)
awk 'NR == 2 { $2 = "x" } { print }' "$b/sites" >"$d/sites"
expect_fail "sites: non-numeric live_objects" "sites.*live_objects.*x" --dir "$d" --sites

# --- missing or broken input ---------------------------------------------------
expect_fail "missing dir" "$tmp/nonexistent" --dir "$tmp/nonexistent"
expect_fail "missing dir (--json)" "$tmp/nonexistent" --dir "$tmp/nonexistent" --json
expect_fail "dir is a file" "not a directory" --dir "$b/memstats"
d=$(copy basic); rm "$d/memstats"
expect_fail "no memstats" "memstats" --dir "$d"
d=$(copy basic); rm "$d/classes"
expect_fail "no classes: summary" "classes" --dir "$d"
expect_fail "no classes: --classes" "classes" --dir "$d" --classes
expect_fail "no classes: --json" "classes" --dir "$d" --json
expect_ok "no classes: --cpus still works" --dir "$d" --cpus
d=$(copy basic); rm "$d/cpus"
expect_ok "no cpus: summary still works" --dir "$d"
check "no cpus: hit rate n/a" grep -q "hit rate *n/a" "$tmp/out"
expect_fail "no cpus: --cpus" "cpus" --dir "$d" --cpus
d=$(copy basic); rm "$d/sizes"
expect_ok "no sizes: --heap still works" --dir "$d" --heap
expect_fail "no sizes: --json" "sizes" --dir "$d" --json
d=$(copy basic)
awk 'NR == 3 { $6 = "12x" } { print }' "$b/classes" >"$d/classes"
expect_fail "non-numeric cell" "classes.*inuse.*12x" --dir "$d"
d=$(copy basic)
awk 'NR == 3 { NF-- } { print }' "$b/classes" >"$d/classes"
expect_fail "short row" "classes:3:" --dir "$d" --json
d=$(copy basic)
sed '1s/ inuse / in_use /' "$b/classes" >"$d/classes"
expect_fail "required column missing" 'no column "inuse"' --dir "$d" --classes
d=$(copy basic)
echo "heap_alloc" >>"$d/memstats"
expect_fail "memstats line without value" "memstats:" --dir "$d"
d=$(copy basic); : >"$d/memstats"
expect_fail "empty memstats" "memstats: empty" --dir "$d"
d=$(copy basic); sed '/^$/,$d' "$b/pageheap" >"$d/pageheap"
expect_fail "pageheap without its table" "pageheap" --dir "$d" --heap

# --- extra columns in a different place still parse by name ------------------
d=$(copy basic)
awk '{ print $1, (NR == 1 ? "newcol" : "-5"), $0 }' "$b/cpus" |
	awk '{ $3 = ""; print }' >"$d/cpus"
expect_ok "cpus with a new 2nd column (negative values)" --dir "$d" --cpus
run --dir "$d" --json
check "new column keeps a negative value" [ "$(jget 'd["cpus"][0]["newcol"]')" = -5 ]
check "known columns still found by name" [ "$(jget 'd["cpus"][1]["refills"]')" = \
	"$(awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$c["cpu"] == 1 { print $c["refills"] }' "$b/cpus")" ]

# --- options --------------------------------------------------------------------
expect_ok "--help" --help
check "--help mentions --watch" grep -q -- "--watch" "$tmp/out"
expect_fail "unknown option" "" --bogus
expect_fail "two views" "one of" --dir "$b" --cpus --json
expect_fail "two views (--caches)" "one of" --dir "$b" --caches --classes
check "--help mentions --caches" sh -c "'$bin' --help | grep -q -- --caches"
expect_fail "--count without --watch" "needs --watch" --dir "$b" --count 2
expect_fail "bad --watch" "--watch" --dir "$b" --watch abc
expect_fail "stray argument" "unexpected" --dir "$b" cpus

# --- watch ------------------------------------------------------------------------
timeout 20 "$bin" --dir "$b" --watch 1 --count 2 >"$tmp/out" 2>"$tmp/err"
rc=$?
check "--watch 1 --count 2 exits 0 (rc=$rc)" [ "$rc" -eq 0 ]
n=$(grep -o "$(printf '\033')\[2J" "$tmp/out" | wc -l)
check "--watch 1 --count 2 refreshes twice ($n)" [ "$n" -eq 2 ]
timeout 20 "$bin" --dir "$b" --json --watch 0.1 --count 3 >"$tmp/out" 2>"$tmp/err"
n=$(grep -c '"memstats"' "$tmp/out")
check "--json --watch 0.1 --count 3 prints 3 objects ($n)" [ "$n" -eq 3 ]
"$bin" --dir "$b" --watch 1 >"$tmp/out" 2>&1 &
pid=$!
sleep 1
kill -INT "$pid"
wait "$pid"
rc=$?
check "--watch stops cleanly on SIGINT (rc=$rc)" [ "$rc" -eq 0 ]
d=$(copy basic)
(sleep 1; rm "$d/classes") &
timeout 20 "$bin" --dir "$d" --watch 0.5 >/dev/null 2>"$tmp/err"
rc=$?
check "--watch fails when a file disappears (rc=$rc)" [ "$rc" -eq 1 ]
wait

# --- drain ------------------------------------------------------------------------
d=$(copy basic)
expect_ok "--drain" --dir "$d" --drain
check "--drain wrote 1" [ "$(cat "$d/drain")" = 1 ]
rm "$d/drain"
expect_fail "--drain without a drain file" "drain" --dir "$d" --drain
check "--drain does not create the file" [ ! -e "$d/drain" ]

echo "spanstat tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
