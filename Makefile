# SPDX-License-Identifier: GPL-2.0
#
# statsfs top-level Makefile.
#
#   make KDIR=<Rust-enabled kernel build tree> [LLVM=...]
#                  build statsfs.ko out of tree (the kernel's own LLVM= setting)
#   make demo      set up, build the test kernel, boot the guest, show /sys/kernel/stats
#   make check     run every test; ends with "N passed, N failed"
#   make check-arm64
#                  KVM/arm64 in statsfs: the arm64 kernel in QEMU (TCG, EL2), the
#                  KVM test and statsfs's KUnit suites; ends like make check
#   make bench     statsfs vs debugfs: memory and read time, 1,000 sources x 60 values
#   make shell     an interactive shell in the guest, statsfs mounted
#   make kunit     the KUnit suites through tools/testing/kunit/kunit.py (QEMU x86_64)
#   make mutants   realistic mistakes applied one by one, and the suites that catch them
#   make install   statsfs-top and its man page (PREFIX=/usr/local)
#
# Kbuild reads ./Kbuild for the module itself.

KDIR ?= /lib/modules/$(shell uname -r)/build

.PHONY: modules clean demo check check-arm64 bench shell kunit mutants install

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) CONFIG_STATS_FS=m modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf out

demo:
	scripts/demo.sh

check:
	scripts/check.sh

check-arm64:
	scripts/check-arm64.sh

bench:
	scripts/bench.sh

kunit:
	scripts/kunit.sh

mutants:
	scripts/setup.sh
	tests/mutants/run.py $(MUTANTS)

shell:
	scripts/setup.sh
	scripts/build-kernel.sh
	scripts/run-guest.sh shell

# statsfs-top and its man page (PREFIX=/usr/local, DESTDIR= for packaging).
PREFIX ?= /usr/local
install:
	cargo install --locked --path tools/statsfs-top --root $(DESTDIR)$(PREFIX)
	install -D -m 0644 Documentation/statsfs-top.1 $(DESTDIR)$(PREFIX)/share/man/man1/statsfs-top.1
