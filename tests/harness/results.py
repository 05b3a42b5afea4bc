#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge a statsfs test run from its logs.

Reads the guest's console log (kernel messages with KUnit's KTAP), any number of
other KTAP files (the in-guest tests, the host tests), and the list of suites that
must have run. Prints every failure by name, then one closing line
"N passed, N failed", and exits non-zero if anything failed.

A run fails on: a failed test case (a "not ok" line is a failure whatever its
directive says); a suite that reported failure, never finished or ran no case; an
expected suite that did not run; with --expect-cases, a listed case that did not
run, a case that is not listed, and a skip the list does not allow; a guest that did
not reach its end (timeout, panic); a program the guest timed out; and any oops,
WARN, BUG, KASAN, UBSAN, lockdep, kmemleak, RCU stall, hung task or lockup report,
dropped printk messages, or a "Call Trace:" that no known report heads, in the
console log, except a WARN, lockdep report or allocation failure a test announced
(EXPECT_WARN and the like below).
"""

import argparse
import re
import sys

TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\]\s?")
RESULT = re.compile(r"^(?P<indent>\s*)(?P<status>ok|not ok) (?P<num>\d+)(?: (?P<name>[^#]*?))?"
                    r"\s*(?:#\s*(?P<directive>.*))?$")
SUBTEST = re.compile(r"^(?P<indent>\s*)# Subtest: (?P<name>\S+)")

# Header lines of kernel reports. Each match is one failure.
SPLATS = [
    (re.compile(r"^rcu: INFO: rcu_\w+ (self-)?detected stall"), "RCU stall"),
    (re.compile(r"^INFO: task \S+ blocked for more than"), "hung task"),
    (re.compile(r"^watchdog: BUG: soft lockup"), "soft lockup"),
    (re.compile(r"^watchdog: Watchdog detected hard LOCKUP"), "hard lockup"),
    (re.compile(r"printk messages dropped"), "printk messages dropped (a report may be lost)"),
    (re.compile(r"^BUG: "), "BUG (KASAN, sleep-in-atomic, bad access, ...)"),
    (re.compile(r"^WARNING: "), "WARNING (WARN_ON, lockdep, RCU)"),
    (re.compile(r"^INFO: "), "INFO report (hung task, RCU stall, lockdep)"),
    (re.compile(r"^Oops"), "Oops"),
    (re.compile(r"general protection fault"), "general protection fault"),
    (re.compile(r"Kernel panic"), "Kernel panic"),
    (re.compile(r"^UBSAN: "), "UBSAN report"),
    (re.compile(r"^DEBUG_LOCKS_WARN_ON"), "lockdep internal warning"),
    (re.compile(r"panicked at "), "Rust panic"),
    (re.compile(r"^unreferenced object 0x"), "kmemleak report"),
    (re.compile(r"kmemleak: \d+ new suspected memory leaks"), "kmemleak report"),
]

GUEST_DONE = "statsfs-guest: done"
# A test that provokes a WARN on purpose brackets it with these kernel log lines,
# naming the file and the function of the WARN ("stats_fs_owners.c:stats_fs_module_notify");
# the first "WARNING:" line between them at exactly that place is not a failure. Any
# other report there, or a second WARN, still is.
EXPECT_WARN = re.compile(r"statsfs-test: expect WARN from (?P<file>[^\s:]+):(?P<func>\w+)")
EXPECT_END = "statsfs-test: expect end"
# A test that injects allocation failures (fail-nth) brackets the injection with these
# lines: the allocator's failure reports there, with their stack traces, are expected.
EXPECT_ALLOC_FAILURES = "statsfs-test: expect allocation failures"
ALLOC_FAILURE = re.compile(r"(vmalloc error: |page allocation failure: |"
                           r"FAULT_INJECTION: forcing a failure)")
# A stack trace belongs to the report whose header is at most this many lines above it.
CALL_TRACE = "Call Trace:"
TRACE_HEADER_LINES = 200
# A program the guest's /init killed after its time budget.
PROGRAM_TIMEOUT = re.compile(r"statsfs-guest: (?P<what>.*) timed out after")
# Likewise for a lockdep report a test provokes on purpose (a rule shown to be needed):
# its "WARNING: possible circular locking dependency" header is not a failure if the
# window names the expected lock class. Lockdep turns itself off after one report, so
# such a test runs last among those that rely on it.
EXPECT_LOCKDEP = re.compile(r"statsfs-test: expect lockdep report naming (?P<lock>\S+)")
LOCKDEP_HEADER = "WARNING: possible circular locking dependency detected"
TIMEOUT_MARK = "statsfs-harness: guest timed out"
# A benchmark's last line: its figures are all there.
BENCH_DONE = re.compile(r"# bench done (\S+)\s*$")


def clean(line):
    return TIMESTAMP.sub("", line.rstrip("\r\n"))


class Run:
    def __init__(self):
        self.passed = []
        self.failed = []  # (name, reason)
        self.skipped = []
        self.suites_seen = set()
        self.cases = {}  # suite -> {case: "pass" | "fail" | "skip"}

    def parse_ktap(self, lines, source):
        # Per indentation level: the suite or test whose subtests are at level + 1.
        open_subtests = {}
        for raw in lines:
            line = clean(raw)
            m = SUBTEST.match(line)
            if m:
                level = len(m.group("indent")) // 4
                open_subtests[level] = m.group("name")
                if level == 1:
                    self.suites_seen.add(m.group("name"))
                continue
            m = RESULT.match(line)
            if not m:
                continue
            level = len(m.group("indent")) // 4
            name = (m.group("name") or "").strip()
            ok = m.group("status") == "ok"
            directive = (m.group("directive") or "").strip()
            if level == 0:
                # A suite's own result: its cases are already counted, but a suite can
                # fail with no failing case (init failure), and that must count.
                suite = open_subtests.pop(1, None)
                if suite is not None and suite != name:
                    self.failed.append((suite, f"did not finish ({source})"))
                if not ok and name and not any(f[0].startswith(name + ".") for f in self.failed):
                    self.failed.append((name, f"suite reported failure ({source})"))
                if name:
                    self.suites_seen.add(name)
                    if suite == name and not self.cases.get(name):
                        self.failed.append((name, f"ran no case ({source})"))
                continue
            if level != 1:
                continue  # Parameterised sub-cases: their case line carries the result.
            suite = open_subtests.get(1, "?")
            full = f"{suite}.{name}"
            # A "not ok" is a failure whatever its directive says.
            if ok and directive.upper().startswith("SKIP"):
                self.skipped.append(full)
                status = "skip"
            elif ok:
                self.passed.append(full)
                status = "pass"
            else:
                self.failed.append((full, f"failed ({source})"))
                status = "fail"
            self.cases.setdefault(suite, {})[name] = status
        # A suite that opened but never reported: the test or the guest crashed in it.
        if 1 in open_subtests:
            self.failed.append((open_subtests[1], f"did not finish ({source})"))

    def check_console(self, lines, require_done):
        done = False
        expected_warn = None  # (file, function) until that one WARN is seen
        injecting = False  # inside an announced fault injection
        last_header = None  # the line of the last report header, failed or excused
        lines = [clean(raw) for raw in lines]
        excused = self.excused_lockdep_headers(lines)
        for i, line in enumerate(lines):
            if GUEST_DONE in line:
                done = True
            if TIMEOUT_MARK in line:
                self.failed.append(("guest", line))
            m = PROGRAM_TIMEOUT.search(line)
            if m:
                self.failed.append((m.group("what"), line.split("statsfs-guest: ", 1)[1]))
                continue
            m = EXPECT_WARN.search(line)
            if m:
                expected_warn = (m.group("file"), m.group("func"))
                continue
            if EXPECT_ALLOC_FAILURES in line:
                injecting = True
                continue
            if EXPECT_END in line:
                expected_warn, injecting = None, False
                continue
            if line.lstrip().lower().startswith(CALL_TRACE.lower()):
                if last_header is None or i - last_header > TRACE_HEADER_LINES:
                    above = next((w for w in reversed(lines[max(0, i - 3):i]) if w.strip()), "")
                    self.failed.append(("guest-log: stack trace without a known report header",
                                        f"line {i + 1}, after: {above.strip()}"))
                continue
            if expected_warn and self.is_warn_at(line, *expected_warn):
                last_header, expected_warn = i, None
                continue
            if i in excused:
                last_header = i
                continue
            if ALLOC_FAILURE.search(line):
                last_header = i
                if not injecting:
                    self.failed.append(("guest-log: allocation failure outside an announced "
                                        "fault injection", line.strip()))
                continue
            for pattern, kind in SPLATS:
                if pattern.search(line):
                    self.failed.append((f"guest-log: {kind}", line.strip()))
                    last_header = i
                    break
        if require_done and not done:
            self.failed.append(("guest", "did not reach the end of /init (panic, hang or timeout)"))

    @staticmethod
    def is_warn_at(line, file, func):
        """Whether @line is the header of a WARN in @file, function @func."""
        return (line.startswith("WARNING: ")
                and re.search(rf"[/ ]{re.escape(file)}:\d+ ", line) is not None
                and re.search(rf"[ ]{re.escape(func)}\+0x", line) is not None)

    @staticmethod
    def excused_lockdep_headers(lines):
        """Indexes of lockdep headers inside an announced window that names their lock."""
        excused = set()
        start, lock = None, None
        for i, line in enumerate(lines):
            m = EXPECT_LOCKDEP.search(line)
            if m:
                start, lock = i, m.group("lock")
            elif EXPECT_END in line and start is not None:
                window = lines[start:i]
                if any(lock in w for w in window if not EXPECT_LOCKDEP.search(w)):
                    excused.update(start + k for k, w in enumerate(window)
                                   if w.startswith(LOCKDEP_HEADER))
                start = None
        return excused

    def check_expected(self, expected):
        for suite in expected:
            if suite not in self.suites_seen:
                self.failed.append((suite, "expected suite did not run"))

    def check_expected_cases(self, listed):
        """Checks the cases of every suite that has cases in @listed, a dict from
        "suite.case" to whether that case may skip."""
        suites = {full.split(".", 1)[0] for full in listed}
        for full, may_skip in listed.items():
            suite, case = full.split(".", 1)
            status = self.cases.get(suite, {}).get(case)
            if status is None:
                if suite in self.suites_seen:
                    self.failed.append((full, "expected case did not run"))
            elif status == "skip" and not may_skip:
                self.failed.append((full, "skipped, and the case list does not let it skip"))
        for suite in sorted(suites):
            for case in self.cases.get(suite, {}):
                if f"{suite}.{case}" not in listed:
                    self.failed.append((f"{suite}.{case}",
                                        "case not in tests/expected-cases (add it on purpose)"))

    def write_cases(self, path, old):
        """Writes the cases of this run, keeping the may-skip marks of @old."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(CASES_HEADER)
            for suite in sorted(self.cases):
                for case in sorted(self.cases[suite]):
                    full = f"{suite}.{case}"
                    f.write(f"{full} may-skip\n" if old.get(full) else f"{full}\n")


CASES_HEADER = """\
# Every case each suite must report, one "suite.case" per line; "may-skip" after a
# case lets it skip. A missing case, a case not listed here and a skip not allowed
# fail the run. Regenerate from a passing run on purpose (STATSFS_WRITE_CASES=1
# make check), and read the diff.
"""


def read_cases(path):
    listed = {}
    for line in read_lines(path):
        words = line.split("#", 1)[0].split()
        if words:
            listed[words[0]] = "may-skip" in words[1:]
    return listed


def read_lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.readlines()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--console", action="append", default=[],
                    help="a guest console log (kernel log with KUnit KTAP), one per boot")
    ap.add_argument("--ktap", action="append", default=[], help="another KTAP file")
    ap.add_argument("--expect", help="file listing the suites that must run, one per line")
    ap.add_argument("--expect-cases", help="file listing the cases every suite must report")
    ap.add_argument("--expect-bench", action="append", default=[],
                    help='a benchmark that must print "bench done NAME" (ran to its end)')
    ap.add_argument("--write-cases", help="write the cases of this run to this file")
    ap.add_argument("--quiet", action="store_true", help="print only failures and the total")
    args = ap.parse_args(argv)

    run = Run()
    for console in args.console:
        lines = read_lines(console)
        run.parse_ktap(lines, "kunit")
        run.check_console(lines, require_done=True)
    done = set()
    for path in args.ktap:
        lines = read_lines(path)
        run.parse_ktap(lines, path.rsplit("/", 1)[-1])
        done.update(m.group(1) for m in map(BENCH_DONE.search, lines) if m)
    for bench in args.expect_bench:
        if bench not in done:
            run.failed.append((f"bench {bench}", "did not run to its end (no \"bench done\")"))
    if args.expect:
        expected = [line.split("#", 1)[0].strip() for line in read_lines(args.expect)]
        run.check_expected([e for e in expected if e])
    listed = read_cases(args.expect_cases) if args.expect_cases else {}
    if args.write_cases:
        run.write_cases(args.write_cases, listed)
    elif args.expect_cases:
        run.check_expected_cases(listed)

    if not args.quiet:
        for name in run.skipped:
            print(f"SKIP {name}")
    for name, why in run.failed:
        print(f"FAIL {name}: {why}")
    print(f"{len(run.passed)} passed, {len(run.failed)} failed")
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
