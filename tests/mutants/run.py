#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make mutants: apply each mutant of mutants.py to a scratch copy of the clone, run
the suites that should kill it, and print which suite did, and the kill rate.

Usage: run.py [NAME ...]   (default: every mutant; an unmutated baseline first)

In-guest mutants build the copy's statsfs into the cached test kernel (as
`make check` does, which rebuilds it from the clone afterwards; this script does
too when it ends) and boot the test guest with only their programs
(statsfs_only=...); KUnit's suites run as the modules load. statsfs-top's mutants
run its cargo tests. Not part of `make check`: about 2 minutes a mutant here (README).
"""

import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from mutants import MUTANTS  # noqa: E402

WORK = os.environ.get("STATSFS_MUTANTS_DIR", "/tmp/statsfs-mutants")
TREE = os.path.join(WORK, "tree")
OUT = os.path.join(WORK, "out")
CACHE = os.environ.get("STATSFS_CACHE", "/var/cache/statsfs")
FAIL = re.compile(r"^FAIL (?P<name>[^:]+): (?P<why>.*)$")


def copy_clone():
    """A fresh copy of the clone's files (tracked and new, not ignored)."""
    shutil.rmtree(TREE, ignore_errors=True)
    files = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT,
                           check=True, capture_output=True).stdout.decode().split("\0")
    for f in filter(None, files):
        src = os.path.join(ROOT, f)
        if not os.path.isfile(src):
            continue
        dst = os.path.join(TREE, f)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)


def mutate(m):
    path = os.path.join(TREE, m.file)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if text.count(m.old) != 1:
        raise SystemExit(f"mutant {m.name}: the text to replace is in {m.file} "
                         f"{text.count(m.old)} times, not once")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(m.old, m.new))


def sh(cmd, log, env=None, cwd=TREE):
    with open(log, "a", encoding="utf-8") as f:
        f.write(f"$ {cmd}\n")
        f.flush()
        return subprocess.run(["bash", "-c", cmd], cwd=cwd, stdout=f, stderr=subprocess.STDOUT,
                              env=dict(os.environ, **(env or {}))).returncode


def killers(report):
    """The suites a judge's report names as failing."""
    names = []
    for line in report.splitlines():
        m = FAIL.match(line)
        if m:
            names.append(m.group("name").split(".")[0])
    return sorted(set(names))


def run_guest(programs, log):
    """Builds the copy and runs @programs in the guest; the failing suites, or None if
    the copy does not build."""
    if sh("scripts/build-kernel.sh && STATSFS_NO_OOT=1 scripts/build-guest-tests.sh", log,
          {"OUT": OUT}):
        return None
    sh("scripts/run-guest.sh check", log, {
        "OUT": OUT,
        "GUEST_APPEND": f"statsfs_only={','.join(programs)} statsfs_model_steps=2000",
    })
    report = subprocess.run([sys.executable, os.path.join(ROOT, "tests/harness/results.py"),
                             "--console", os.path.join(OUT, "guest-console.log"),
                             "--ktap", os.path.join(OUT, "guest-results.ktap"), "--quiet"],
                            capture_output=True, text=True).stdout
    with open(log, "a", encoding="utf-8") as f:
        f.write(report)
    return killers(report)


def run_host(log):
    env = {"CARGO_TARGET_DIR": os.path.join(CACHE, "cargo-target", "mutants-host")}
    rc = sh("cargo test --locked -q", log, env, cwd=os.path.join(TREE, "tools/statsfs-top"))
    return ["statsfs-top cargo tests"] if rc else []


def main(argv):
    chosen = [m for m in MUTANTS if not argv or m.name in argv]
    os.makedirs(WORK, exist_ok=True)
    guest_programs = sorted({p for m in chosen for p in m.kill if p != "host"})
    t0 = time.time()
    killed = survived = stillborn = equivalent = 0
    try:
        if guest_programs:
            copy_clone()
            log = os.path.join(WORK, "baseline.log")
            open(log, "w").close()
            base = run_guest(guest_programs, log)
            if base is None or base:
                print(f"baseline: unmutated {', '.join(guest_programs)} fail: {base} "
                      f"(see {log}); no mutant can be judged")
                return 1
            print(f"baseline: {', '.join(guest_programs)} pass unmutated "
                  f"({time.time() - t0:.0f} s)")
        for m in chosen:
            t = time.time()
            copy_clone()
            mutate(m)
            log = os.path.join(WORK, f"{m.name}.log")
            open(log, "w").close()
            found = run_host(log) if m.kill == ["host"] else run_guest(m.kill, log)
            took = time.time() - t
            if found is None:
                stillborn += 1
                print(f"mutant {m.name}: does not build ({took:.0f} s)")
            elif found:
                killed += 1
                print(f"mutant {m.name}: killed by {', '.join(found)} ({took:.0f} s)")
            elif m.equivalent:
                equivalent += 1
                print(f"mutant {m.name}: survived, equivalent: {m.equivalent} ({took:.0f} s)")
            else:
                survived += 1
                print(f"mutant {m.name}: SURVIVED {', '.join(m.kill)} ({took:.0f} s); "
                      f"log {log}")
    finally:
        # Put the clone's own statsfs back into the cached test kernel.
        if guest_programs:
            sh("scripts/build-kernel.sh", os.path.join(WORK, "restore.log"), cwd=ROOT)
    judged = killed + survived
    rate = 100.0 * killed / judged if judged else 0.0
    print(f"mutants: {killed} killed, {survived} survived, {equivalent} equivalent, "
          f"{stillborn} did not build; kill rate {rate:.0f}% of the others "
          f"({time.time() - t0:.0f} s)")
    return 0 if survived == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
