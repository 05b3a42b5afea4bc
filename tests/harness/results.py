#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge a statsfs test run from its logs.

Reads the guest's console log (kernel messages with KUnit's KTAP), any number of
other KTAP files (the in-guest tests, the host tests), and the list of suites that
must have run. Prints every failure by name, then one closing line
"N passed, N failed", and exits non-zero if anything failed.

A run fails on: a failed test case; a suite that reported failure or never
finished; an expected suite that did not run; a guest that did not reach its end
(timeout, panic); and any oops, WARN, BUG, KASAN, UBSAN, lockdep or kmemleak report
in the console log, except a WARN that a test announced (EXPECT_WARN below).
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
# A test that provokes a WARN on purpose brackets it with these kernel log lines; a
# "WARNING:" line between them that names the expected file is not a failure. Any
# other report there still is.
EXPECT_WARN = re.compile(r"statsfs-test: expect WARN from (?P<where>\S+)")
EXPECT_END = "statsfs-test: expect end"
# Likewise for a lockdep report a test provokes on purpose (a rule shown to be needed):
# its "WARNING: possible circular locking dependency" header is not a failure if the
# window names the expected lock class. Lockdep turns itself off after one report, so
# such a test runs last among those that rely on it.
EXPECT_LOCKDEP = re.compile(r"statsfs-test: expect lockdep report naming (?P<lock>\S+)")
LOCKDEP_HEADER = "WARNING: possible circular locking dependency detected"
TIMEOUT_MARK = "statsfs-harness: guest timed out"


def clean(line):
    return TIMESTAMP.sub("", line.rstrip("\r\n"))


class Run:
    def __init__(self):
        self.passed = []
        self.failed = []  # (name, reason)
        self.skipped = []
        self.suites_seen = set()

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
                continue
            if level != 1:
                continue  # Parameterised sub-cases: their case line carries the result.
            suite = open_subtests.get(1, "?")
            full = f"{suite}.{name}"
            if directive.upper().startswith("SKIP"):
                self.skipped.append(full)
            elif ok:
                self.passed.append(full)
            else:
                self.failed.append((full, f"failed ({source})"))
        # A suite that opened but never reported: the test or the guest crashed in it.
        if 1 in open_subtests:
            self.failed.append((open_subtests[1], f"did not finish ({source})"))

    def check_console(self, lines, require_done):
        done = False
        expected_warn = None
        lines = [clean(raw) for raw in lines]
        excused = self.excused_lockdep_headers(lines)
        for i, line in enumerate(lines):
            if GUEST_DONE in line:
                done = True
            if TIMEOUT_MARK in line:
                self.failed.append(("guest", line))
            m = EXPECT_WARN.search(line)
            if m:
                expected_warn = m.group("where")
                continue
            if EXPECT_END in line:
                expected_warn = None
                continue
            if expected_warn and line.startswith("WARNING: ") and expected_warn in line:
                continue
            if i in excused:
                continue
            for pattern, kind in SPLATS:
                if pattern.search(line):
                    self.failed.append((f"guest-log: {kind}", line.strip()))
                    break
        if require_done and not done:
            self.failed.append(("guest", "did not reach the end of /init (panic, hang or timeout)"))

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


def read_lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.readlines()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--console", help="guest console log (kernel log with KUnit KTAP)")
    ap.add_argument("--ktap", action="append", default=[], help="another KTAP file")
    ap.add_argument("--expect", help="file listing the suites that must run, one per line")
    ap.add_argument("--quiet", action="store_true", help="print only failures and the total")
    args = ap.parse_args(argv)

    run = Run()
    if args.console:
        lines = read_lines(args.console)
        run.parse_ktap(lines, "kunit")
        run.check_console(lines, require_done=True)
    for path in args.ktap:
        run.parse_ktap(read_lines(path), path.rsplit("/", 1)[-1])
    if args.expect:
        expected = [line.split("#", 1)[0].strip() for line in read_lines(args.expect)]
        run.check_expected([e for e in expected if e])

    if not args.quiet:
        for name in run.skipped:
            print(f"SKIP {name}")
    for name, why in run.failed:
        print(f"FAIL {name}: {why}")
    print(f"{len(run.passed)} passed, {len(run.failed)} failed")
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
