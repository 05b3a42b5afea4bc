#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare the instruction count of every function of kernel modules between two builds.

    scripts/compare-functions.py BEFORE_DIR AFTER_DIR kvm.ko kvm-amd.ko kvm-intel.ko

Prints, per module, the functions whose number of instructions differs. Used to check
that the KVM series adds no instruction to KVM's exit path: BEFORE_DIR holds the modules
of a build without kernel/patches/, AFTER_DIR those of a build with it (same config).
"""
import collections
import re
import subprocess
import sys

FUNC = re.compile(r"^[0-9a-f]+ <(.+)>:$")
INSN = re.compile(r"^\s+[0-9a-f]+:\s+\S")


def instruction_counts(module):
    out = subprocess.run(["llvm-objdump-19", "-d", "--no-show-raw-insn", module],
                         capture_output=True, text=True, check=True).stdout
    counts, current = collections.Counter(), None
    for line in out.splitlines():
        m = FUNC.match(line)
        if m:
            current = m.group(1)
        elif current and INSN.match(line):
            counts[current] += 1
    return counts


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    before_dir, after_dir = sys.argv[1:3]
    for module in sys.argv[3:]:
        before = instruction_counts(f"{before_dir}/{module}")
        after = instruction_counts(f"{after_dir}/{module}")
        changed = [f for f in sorted(set(before) | set(after))
                   if before.get(f, 0) != after.get(f, 0)]
        print(f"{module}: {len(before)} functions before, {len(after)} after, "
              f"{len(changed)} with a different instruction count")
        for f in changed:
            print(f"    {f}: {before.get(f, 0)} -> {after.get(f, 0)}")


if __name__ == "__main__":
    main()
