#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: set up, build, run every test (host, KUnit in the guest, in-guest
# programs) and judge the run. Ends with one line "N passed, N failed"; exits
# non-zero on any failure, missing suite, guest timeout or kernel report.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
OUT=${OUT:-$STATSFS_ROOT/out}
export OUT
mkdir -p "$OUT"

t0=$(date +%s)
"$STATSFS_ROOT/scripts/setup.sh" || fail_build "setup"
# promtool and a Prometheus server for statsfs-top's exporter test, which runs them
# itself; only make check installs them, and leaves no Prometheus service running.
"$STATSFS_ROOT/scripts/setup-prometheus.sh" || fail_build "setup of prometheus"
"$STATSFS_ROOT/scripts/build-kernel.sh" || fail_build "kernel and in-tree statsfs"
"$STATSFS_ROOT/scripts/build-guest-tests.sh" || fail_build "guest tests and out-of-tree statsfs"
t1=$(date +%s)

# Host tests: each writes KTAP, counted with the rest. The ones that time nothing
# (lint, the build against a kernel without statsfs) run beside the main guest
# boot, on the host core its mostly single-threaded programs leave idle; the
# ones that do (statsfs-top's server tests have deadlines) beside the second,
# short guest boot below. The main boot's benchmark figures are therefore only
# indicative here: make bench runs its guest alone.
untimed_host_tests() {
	"$STATSFS_ROOT/scripts/lint.sh" >"$OUT/host-lint.ktap" || true
	"$STATSFS_ROOT/tests/host/build-without-statsfs.sh" >"$OUT/host-oot-build.ktap" || true
}
timed_host_tests() {
	python3 "$STATSFS_ROOT/tests/harness/selftest.py" >"$OUT/host-harness.ktap" || true
	"$STATSFS_ROOT/tests/host/statsfs-top.py" "$OUT/guest-tools/statsfs-top" \
		>"$OUT/host-statsfs-top.ktap" || true
}

# STATSFS_MODEL_STEPS, STATSFS_MODEL_SEED, STATSFS_MODEL_FULL=1: a longer model run,
# a seed replayed, every comparison after every step. make check runs one fixed
# seed, so that a run can be replayed; a longer run (STATSFS_MODEL_STEPS) draws a
# new one each time (printed in the log: "seed N"), as does STATSFS_MODEL_SEED=random.
steps=${STATSFS_MODEL_STEPS:-15000}
seed=${STATSFS_MODEL_SEED:-}
[ -z "$seed" ] && [ -z "${STATSFS_MODEL_STEPS:-}" ] && seed=20261205
[ "$seed" = random ] && seed=
GUEST_APPEND="${GUEST_APPEND:-} statsfs_model_steps=$steps"
[ -n "$seed" ] && GUEST_APPEND+=" statsfs_model_seed=$seed"
[ -n "${STATSFS_MODEL_FULL:-}" ] && GUEST_APPEND+=" statsfs_model_full=$STATSFS_MODEL_FULL"
# Longer model runs get longer time budgets (tests/guest/budgets).
GUEST_APPEND+=" statsfs_budget_scale=$(((steps + 39999) / 40000))"  # budgets fit 40,000
export GUEST_APPEND
untimed_host_tests >"$OUT/host-untimed.log" 2>&1 &
untimed=$!
"$STATSFS_ROOT/scripts/run-guest.sh" check
# The test that turns lockdep off, in a boot of its own (KUnit's suites ran above).
timed_host_tests >"$OUT/host-timed.log" 2>&1 &
timed=$!
GUEST_REUSE_INITRAMFS=1 GUEST_TIMEOUT=300 GUEST_APPEND="$GUEST_APPEND kunit.enable=0" \
	"$STATSFS_ROOT/scripts/run-guest.sh" lockdep
wait "$timed" "$untimed"
t2=$(date +%s)
log "build $((t1 - t0)) s, tests $((t2 - t1)) s; logs in $OUT"

# The benchmarks' figures and targets (they assert nothing about them).
grep -h '# bench[: ]' "$OUT/guest-results.ktap" | grep -v '# bench done' | sed 's/^ *# //' || true

exec python3 "$STATSFS_ROOT/tests/harness/results.py" \
	--console "$OUT/guest-console.log" \
	--console "$OUT/guest-console-lockdep.log" \
	--ktap "$OUT/guest-results.ktap" \
	--ktap "$OUT/guest-results-lockdep.ktap" \
	--ktap "$OUT/host-harness.ktap" \
	--ktap "$OUT/host-lint.ktap" \
	--ktap "$OUT/host-oot-build.ktap" \
	--ktap "$OUT/host-statsfs-top.ktap" \
	--expect "$STATSFS_ROOT/tests/expected-suites" \
	--expect-cases "$STATSFS_ROOT/tests/expected-cases" \
	--expect-bench bulk --expect-bench kvm --expect-bench scale --expect-bench net \
	${STATSFS_WRITE_CASES:+--write-cases "$STATSFS_ROOT/tests/expected-cases"} --quiet
