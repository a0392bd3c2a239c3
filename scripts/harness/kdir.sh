#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Print the KDIR `make` builds against: the running kernel's build tree when
# it exists, else Debian's stock 6.12 headers from the cache (fetched by
# scripts/harness/setup.sh the first time; progress goes to stderr).
set -euo pipefail
# shellcheck source=scripts/harness/lib.sh
source "$(dirname "$0")/lib.sh"
running="/lib/modules/$(uname -r)/build"
if [[ -f "$running/Makefile" ]]; then
	echo "$running"
	exit 0
fi
"$SA_ROOT/scripts/harness/setup.sh" deps stock >&2
sa_stock_kdir stock
