# SPDX-License-Identifier: GPL-2.0
# spanalloc: user-facing make targets. The kernel build itself is driven by
# the top-level Kbuild (make -C $(KDIR) M=$(CURDIR)).
#
#   make                 build spanalloc/spanalloc.ko against KDIR (default: the
#                        running kernel's /lib/modules/$(uname -r)/build, else
#                        Debian's stock 6.12 headers fetched into .cache/)
#   make clean           remove build outputs from the tree (not the cache)
#   make distclean       also remove the whole cache (kernels, downloads)
#   make setup           apt packages, stock kernel, test kernel, busybox
#   make check           everything; ends with "N passed, N failed, N skipped"
#   make check-arm64     only the arm64 stages of make check (cross-built arm64
#                        test kernel under qemu-system-aarch64: KUnit at 2 and
#                        4 vCPUs, example client, soak), with their own tally
#   make demo            boot the stock kernel with spanalloc + example client
#   make smoke           insmod / read debugfs / rmmod on the stock kernel
#   make check-harness   prove the harness detects failures
#   make soak [SECONDS=60] 4-vCPU soak, then the model test (tests/model), on
#                        the test kernel, SECONDS each (tests/soak/run.sh)
#   make lint            style gates: shellcheck, checkpatch --strict, kernel-doc,
#                        W=1 and sparse (C=2) builds (scripts/lint.sh)
#   make dkms-check      dkms add/build/install/remove against the cached
#                        Debian 6.12 and 6.1 headers (trees kept in the cache)
#
# SPANALLOC_CACHE overrides the cache directory (default .cache).

SA_CACHE := $(or $(SPANALLOC_CACHE),$(CURDIR)/.cache)
KDIR ?=

.PHONY: all modules clean distclean setup check check-arm64 demo smoke check-harness lint dkms-check soak

all: modules

modules:
	@kdir="$(KDIR)"; [ -n "$$kdir" ] || kdir="$$(scripts/harness/kdir.sh)" || exit 1; \
	echo "building against $$kdir"; \
	$(MAKE) -C "$$kdir" M=$(CURDIR) modules

clean:
	find . \( -path ./.cache -o -path ./.git \) -prune -o -type f \( -name '*.o' \
		-o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' -o -name '.*.cmd' \
		-o -name 'modules.order' -o -name 'Module.symvers' -o -name '.*.d' \) \
		-print0 | xargs -0 rm -f

distclean: clean
	rm -rf "$(SA_CACHE)"

setup:
	scripts/harness/setup.sh

check:
	scripts/check.sh

check-arm64:
	scripts/check.sh --arm64

demo:
	scripts/demo.sh

smoke:
	scripts/smoke.sh

check-harness:
	scripts/harness/setup.sh deps stock test initramfs
	scripts/check-harness.sh

dkms-check:
	scripts/dkms-check.sh

SECONDS ?= 60
soak:
	scripts/harness/setup.sh
	tests/soak/run.sh $(SECONDS)

lint:
	scripts/lint.sh
-include bench/bench.mk
