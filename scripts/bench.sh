#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: statsfs against debugfs, 1,000 sources x 60 values, in one boot of the
# test guest: kernel memory with nobody reading, and the time to read every value once.
# Prints the figures; asserts nothing about them.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
OUT=${OUT:-$STATSFS_ROOT/out}
export OUT
"$STATSFS_ROOT/scripts/setup.sh"
"$STATSFS_ROOT/scripts/build-kernel.sh"
"$STATSFS_ROOT/scripts/build-guest-tests.sh"
GUEST_APPEND="statsfs_bench=${BENCH_SOURCES:-1000} statsfs_kvm_bench=${BENCH_VMS:-50} \
statsfs_net_dummies=${BENCH_DUMMIES:-1000}" \
	GUEST_TIMEOUT=3600 \
	"$STATSFS_ROOT/scripts/run-guest.sh" bench
grep -h '# bench:' "$OUT/guest-results.ktap" | sed 's/^ *# //'
grep -q '^ok 1 guest_bench' "$OUT/guest-results.ktap"
grep -q '^ok 1 guest_kvm_bench' "$OUT/guest-results.ktap"
