#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: statsfs against debugfs (and KVM's stats fd, and sysfs for net), in one
# boot of the test guest on the production kernel build (no KASAN, lockdep or KUnit):
# 1,000 sources x 60 values, 50 VMs, 1,000 netdevs, 10 to 100,000 sources for scale, and a
# million values read whole.
# Prints the figures; asserts nothing about them.
set -euo pipefail
export KERNEL_VARIANT=${KERNEL_VARIANT:-prod}
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
OUT=${OUT:-$STATSFS_ROOT/out/bench}
export OUT
"$STATSFS_ROOT/scripts/setup.sh"
"$STATSFS_ROOT/scripts/build-kernel.sh"
"$STATSFS_ROOT/scripts/build-guest-tests.sh"
GUEST_APPEND="statsfs_bench=${BENCH_SOURCES:-1000} statsfs_kvm_bench=${BENCH_VMS:-50} \
statsfs_net_dummies=${BENCH_DUMMIES:-1000} \
statsfs_scale=${BENCH_SCALE:-10,100,1000,10000,100000} \
statsfs_million=${BENCH_MILLION:-16667}" \
	GUEST_TIMEOUT=3600 GUEST_MEM=${GUEST_MEM:-3072} \
	"$STATSFS_ROOT/scripts/run-guest.sh" bench
grep -h '# bench' "$OUT/guest-results.ktap" | sed 's/^ *# //'
# Every benchmark says when it ran to its end; one that stopped half-way fails here.
for b in scale kvm bulk net; do
	tr -d '\r' <"$OUT/guest-results.ktap" | grep -q "# bench done $b$" ||
		{ echo "bench.sh: benchmark $b did not run to its end" >&2; exit 1; }
done
grep -q '^ok 1 guest_bench' "$OUT/guest-results.ktap"
grep -q '^ok 1 guest_kvm_bench' "$OUT/guest-results.ktap"
grep -q '^ok 1 guest_net' "$OUT/guest-results.ktap"
grep -q '^ok 1 guest_scale_bench' "$OUT/guest-results.ktap"
