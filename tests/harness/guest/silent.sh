#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --kernel stock --no-spanalloc --timeout 120
# Harness fixture: a guest script that exits 0 before its checks ran (as a
# script would whose loop found nothing to do) and never prints
# "silent: ok": check.sh must count it as failed.
for f in /nonexistent/*.check; do
	[ -e "$f" ] || exit 0
	echo "silent: checking $f"
done
echo "silent: ok"
