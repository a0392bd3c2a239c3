#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --kernel stock --no-spanalloc --timeout 120
# Harness fixture (control): a guest script that checks something and
# reports "passer: ok"; check.sh --guest-script must pass it.
fail() { echo "passer: FAIL: $*"; exit 1; }
[ -d /proc/self ] || fail "no /proc"
echo "passer: ok"
