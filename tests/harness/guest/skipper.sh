#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm.sh: --kernel stock --no-spanalloc --timeout 120
# Harness fixture: a guest script that skips itself and exits 0. A skipped
# guest script checked nothing: check.sh must count it as failed.
echo "skipper: SKIP: deliberately, make check-harness expects a failure"
exit 0
