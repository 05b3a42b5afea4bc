#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-arm64`: KVM/arm64 in statsfs. Builds the small arm64 kernel (statsfs
# and KVM built in, lockdep, KUnit; kernel/config.arm64) into its own build tree in
# $STATSFS_CACHE, stages Debian's arm64 busybox and python, cross-compiles the arm64
# KVM test statically, boots QEMU's virt machine with EL2 under TCG and judges the
# run with the same rules as `make check`. Ends with "N passed, N failed"; exits
# non-zero on any failure, missing suite, guest timeout or kernel report.
set -euo pipefail
export KERNEL_VARIANT=arm64
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
OUT=${OUT:-$STATSFS_ROOT/out/arm64}
export OUT
mkdir -p "$OUT"

t0=$(date +%s)
"$STATSFS_ROOT/scripts/setup.sh" || fail_build "setup"
"$STATSFS_ROOT/scripts/build-kernel.sh" || fail_build "arm64 kernel"
"$STATSFS_ROOT/scripts/stage-arm64-userland.sh" || fail_build "arm64 userland"
# The test program, static, against the arm64 kernel's own UAPI headers and the
# kernel's kselftest harness (read from the shared source tree, not written).
rm -rf "$OUT/guest-bin"
mkdir -p "$OUT/guest-bin"
aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -Werror -isystem "$KBUILD/usr/include" \
	-I "$KSRC/tools/testing/selftests" -o "$OUT/guest-bin/30-kvm-arm64" \
	"$STATSFS_ROOT/tests/selftests/statsfs/30-kvm-arm64.c" -lpthread ||
	fail_build "arm64 test programs"
t1=$(date +%s)

GUEST_TIMEOUT=${GUEST_TIMEOUT:-600} "$STATSFS_ROOT/scripts/run-guest.sh" arm64
t2=$(date +%s)
log "build $((t1 - t0)) s, guest $((t2 - t1)) s, in all $((t2 - t0)) s; logs in $OUT"

exec python3 "$STATSFS_ROOT/tests/harness/results.py" \
	--console "$OUT/guest-console.log" \
	--ktap "$OUT/guest-results.ktap" \
	--expect "$STATSFS_ROOT/tests/expected-suites-arm64" \
	--expect-cases "$STATSFS_ROOT/tests/expected-cases" --quiet
