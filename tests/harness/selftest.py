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

# (case name, console log, expect file, exit code wanted, text the report must contain[,
#  list of expected cases, or more arguments])
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
    ("rcu_stall_fails", "rcu-stall.log", "expect-ok.txt", 1, "FAIL guest-log: RCU stall"),
    ("hung_task_fails", "hung-task.log", "expect-ok.txt", 1, "FAIL guest-log: hung task"),
    ("soft_lockup_fails", "soft-lockup.log", "expect-ok.txt", 1, "FAIL guest-log: soft lockup"),
    ("dropped_printk_messages_fail", "printk-dropped.log", "expect-ok.txt", 1,
     "printk messages dropped"),
    ("call_trace_without_header_fails", "orphan-call-trace.log", "expect-ok.txt", 1,
     "stack trace without a known report header"),
    ("announced_allocation_failure_passes", "alloc-failure-announced.log", "expect-ok.txt", 0,
     "2 passed, 0 failed"),
    ("unannounced_allocation_failure_fails", "alloc-failure-unannounced.log", "expect-ok.txt",
     1, "allocation failure outside an announced fault injection"),
    ("warn_from_another_function_fails", "warn-other-function.log", "expect-ok.txt", 1,
     "stats_fs_module_notify+0x30"),
    ("second_warn_in_window_fails", "second-warn-in-window.log", "expect-ok.txt", 1,
     "1 failed"),
    ("program_timeout_fails", "program-timeout.log", "expect-empty.txt", 1,
     "FAIL guest_fs: guest_fs timed out after 120 s in case"),
    ("not_ok_skip_fails", "not-ok-skip.log", "expect-ok.txt", 1,
     "FAIL statsfs_name.name_with_slash_is_einval: failed"),
    ("suite_with_no_case_fails", "zero-cases.log", "expect-ok.txt", 1,
     "FAIL statsfs_name: ran no case"),
    ("listed_cases_pass", "pass.log", "expect-ok.txt", 0, "2 passed, 0 failed", "cases-ok.txt"),
    ("missing_case_fails", "pass.log", "expect-ok.txt", 1,
     "FAIL statsfs_name.name_too_long_is_enametoolong: expected case did not run",
     "cases-missing.txt"),
    ("unlisted_case_fails", "pass.log", "expect-ok.txt", 1,
     "FAIL statsfs_name.name_with_slash_is_einval: case not in", "cases-extra.txt"),
    ("skip_not_allowed_fails", "skip.log", "expect-ok.txt", 1,
     "skipped, and the case list does not let it skip", "cases-ok.txt"),
    ("allowed_skip_passes", "skip.log", "expect-ok.txt", 0, "1 passed, 0 failed",
     "cases-may-skip.txt"),
    ("finished_benchmark_passes", "pass.log", "expect-ok.txt", 0, "3 passed, 0 failed",
     ["--ktap", "bench-done.ktap", "--expect-bench", "net"]),
    ("unfinished_benchmark_fails", "pass.log", "expect-ok.txt", 1,
     "FAIL bench scale: did not run to its end", ["--ktap", "bench-done.ktap",
                                                    "--expect-bench", "scale"]),
]


def run_case(console, expect, cases=None):
    argv = ["--console", os.path.join(SAMPLES, console),
            "--expect", os.path.join(SAMPLES, expect)]
    if isinstance(cases, list):
        # Extra arguments; the file after --ktap is a sample.
        argv += [os.path.join(SAMPLES, a) if prev == "--ktap" else a
                 for prev, a in zip([None] + cases, cases)]
    elif cases:
        argv += ["--expect-cases", os.path.join(SAMPLES, cases)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = results.main(argv)
    return rc, out.getvalue()


def main():
    print("KTAP version 1")
    print("1..1")
    print("    KTAP version 1")
    print("    # Subtest: harness_selftest")
    print(f"    1..{len(CASES)}")
    all_ok = True
    for i, (name, console, expect, want_rc, want_text, *cases) in enumerate(CASES, 1):
        rc, report = run_case(console, expect, *cases)
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
