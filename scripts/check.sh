#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: set up, build, run every test (host, KUnit in the guest, in-guest
# programs) and judge the run. Ends with one line "N passed, N failed"; exits
# non-zero on any failure, missing suite, guest timeout or kernel report.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
OUT=${OUT:-$STATSFS_ROOT/out}
export OUT
mkdir -p "$OUT"

fail_build() {
	echo "FAIL build: $1 (see the output above)"
	echo "0 passed, 1 failed"
	exit 1
}

t0=$(date +%s)
"$STATSFS_ROOT/scripts/setup.sh" || fail_build "setup"
"$STATSFS_ROOT/scripts/build-kernel.sh" || fail_build "kernel and in-tree statsfs"
"$STATSFS_ROOT/scripts/build-guest-tests.sh" || fail_build "guest tests and out-of-tree statsfs"
t1=$(date +%s)

# Host tests: each writes KTAP, counted with the rest.
python3 "$STATSFS_ROOT/tests/harness/selftest.py" >"$OUT/host-harness.ktap" || true
"$STATSFS_ROOT/scripts/lint.sh" >"$OUT/host-lint.ktap" || true
"$STATSFS_ROOT/tests/host/build-without-statsfs.sh" >"$OUT/host-oot-build.ktap" || true
"$STATSFS_ROOT/tests/host/statsfs-top.py" "$OUT/guest-tools/statsfs-top" \
	>"$OUT/host-statsfs-top.ktap" || true

# STATSFS_MODEL_STEPS, STATSFS_MODEL_SEED, STATSFS_MODEL_FULL=1: a longer model run,
# a seed replayed, every comparison after every step.
GUEST_APPEND="${GUEST_APPEND:-} statsfs_model_steps=${STATSFS_MODEL_STEPS:-40000}"
[ -n "${STATSFS_MODEL_SEED:-}" ] && GUEST_APPEND+=" statsfs_model_seed=$STATSFS_MODEL_SEED"
[ -n "${STATSFS_MODEL_FULL:-}" ] && GUEST_APPEND+=" statsfs_model_full=$STATSFS_MODEL_FULL"
export GUEST_APPEND
"$STATSFS_ROOT/scripts/run-guest.sh" check
t2=$(date +%s)
log "build $((t1 - t0)) s, tests $((t2 - t1)) s; logs in $OUT"

# The benchmarks' figures and targets (they assert nothing about them).
grep -h '# bench[: ]' "$OUT/guest-results.ktap" | grep -v '# bench done' | sed 's/^ *# //' || true

exec python3 "$STATSFS_ROOT/tests/harness/results.py" \
	--console "$OUT/guest-console.log" \
	--ktap "$OUT/guest-results.ktap" \
	--ktap "$OUT/host-harness.ktap" \
	--ktap "$OUT/host-lint.ktap" \
	--ktap "$OUT/host-oot-build.ktap" \
	--ktap "$OUT/host-statsfs-top.ktap" \
	--expect "$STATSFS_ROOT/tests/expected-suites" --quiet
