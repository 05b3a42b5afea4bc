#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Show that the results harness fails each kind of bad run, and passes a good one.

Feeds results.py recorded logs (samples/) and prints KTAP: suite harness_selftest.
"""

import contextlib
import io
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results  # noqa: E402

SAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "samples")

# (case name, console log, expect file, exit code wanted, text the report must contain)
CASES = [
    ("passing_log_passes", "pass.log", "expect-ok.txt", 0, "2 passed, 0 failed"),
    ("failing_case_fails", "fail-case.log", "expect-ok.txt", 1,
     "FAIL statsfs_name.name_with_slash_is_einval"),
    ("missing_suite_fails", "pass.log", "expect-missing.txt", 1,
     "FAIL statsfs_fs_c: expected suite did not run"),
    ("kasan_report_fails", "splat-kasan.log", "expect-ok.txt", 1, "BUG: KASAN"),
    ("lockdep_report_fails", "splat-lockdep.log", "expect-ok.txt", 1,
     "possible circular locking dependency"),
    ("warn_fails", "splat-warn.log", "expect-ok.txt", 1, "WARNING: CPU: 1"),
    ("ubsan_report_fails", "splat-ubsan.log", "expect-ok.txt", 1, "UBSAN: shift-out-of-bounds"),
    ("oops_fails", "splat-oops.log", "expect-ok.txt", 1, "general protection fault"),
    ("crash_mid_suite_fails", "crash-mid-suite.log", "expect-ok.txt", 1,
     "FAIL statsfs_name: did not finish"),
    ("guest_timeout_fails", "timeout.log", "expect-ok.txt", 1, "guest timed out"),
    ("announced_warn_passes", "expected-warn.log", "expect-ok.txt", 0, "2 passed, 0 failed"),
    ("other_warns_fail_in_and_out_of_window", "unexpected-warn-in-window.log", "expect-ok.txt",
     1, "2 failed"),
    ("announced_lockdep_report_passes", "expected-lockdep.log", "expect-ok.txt", 0,
     "2 passed, 0 failed"),
    ("lockdep_report_of_another_lock_fails", "unexpected-lockdep-in-window.log",
     "expect-ok.txt", 1, "possible circular locking dependency"),
]


def run_case(console, expect):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = results.main(["--console", os.path.join(SAMPLES, console),
                           "--expect", os.path.join(SAMPLES, expect)])
    return rc, out.getvalue()


def main():
    print("KTAP version 1")
    print("1..1")
    print("    KTAP version 1")
    print("    # Subtest: harness_selftest")
    print(f"    1..{len(CASES)}")
    all_ok = True
    for i, (name, console, expect, want_rc, want_text) in enumerate(CASES, 1):
        rc, report = run_case(console, expect)
        ok = rc == want_rc and want_text in report
        if not ok:
            all_ok = False
            print(f"    # {name}: exit {rc} (want {want_rc}), report:")
            for line in report.splitlines():
                print(f"    #   {line}")
        print(f"    {'ok' if ok else 'not ok'} {i} {name}")
    print(f"{'ok' if all_ok else 'not ok'} 1 harness_selftest")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
