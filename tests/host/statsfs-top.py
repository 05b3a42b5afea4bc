#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host tests of tools/statsfs-top, as KTAP (suite statsfs_top).

- Its cargo tests (fixture trees, rates, filters, guests, log/CSV/JSON, the exporter,
  the TUI on ratatui's test backend), a case each.
- The live view on a real terminal (a pty): it draws, and quits on 'q'.
- The exporter's output for a fixture tree passes `promtool check metrics`.
- A real Prometheus server (Debian's), on loopback, scrapes `statsfs-top serve` every
  second; its query API must then return the fixture's values, within 60 seconds.

Usage: statsfs-top.py BINARY (the release build that build-guest-tests.sh makes).
"""

import fcntl
import json
import os
import pty
import re
import select
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CRATE = os.path.join(ROOT, "tools", "statsfs-top")
CACHE = os.environ.get("STATSFS_CACHE", "/var/cache/statsfs")

# A small statsfs tree: what statsfs writes in .values and .schema at its root.
VALUES = """\
kvm/exits 60
kvm/100-11/exits 10
kvm/100-11/vcpu0/exits 10
kvm/100-11/vcpu0/halt_wait_ns 1500000000
kvm/100-11/vcpu0/halt_wait_hist/0 1
kvm/100-11/vcpu0/halt_wait_hist/1 2
kvm/100-11/vcpu0/halt_wait_hist/2 3
kvm/100-11/vcpu0/mp_state RUNNABLE
net/rx_bytes 4608
net/dev/eth0/rx_bytes 4096
net/dev/eth1/rx_bytes 512
"""
SCHEMA = """\
kvm/exits u64 unsigned sum aggregate,clearable cumulative none 10^0 -
kvm/100-11/exits u64 unsigned sum aggregate,clearable cumulative none 10^0 -
kvm/100-11/vcpu0/exits u64 unsigned sum clearable cumulative none 10^0 -
kvm/100-11/vcpu0/halt_wait_ns u64 unsigned sum clearable cumulative seconds 10^-9 -
kvm/100-11/vcpu0/halt_wait_hist/0 u64 unsigned sum clearable log_hist seconds 10^-9 bucket=0/3
kvm/100-11/vcpu0/halt_wait_hist/1 u64 unsigned sum clearable log_hist seconds 10^-9 bucket=1/3
kvm/100-11/vcpu0/halt_wait_hist/2 u64 unsigned sum clearable log_hist seconds 10^-9 bucket=2/3
kvm/100-11/vcpu0/mp_state s32 signed none floating,text instant unknown - -
net/rx_bytes u64 unsigned sum aggregate cumulative bytes 10^0 -
net/dev/eth0/rx_bytes u64 unsigned sum - cumulative bytes 10^0 -
net/dev/eth1/rx_bytes u64 unsigned sum - cumulative bytes 10^0 -
"""

# PromQL query -> the value Prometheus must return.
EXPECTED = {
    'statsfs_kvm_exits_total{vm="100-11",vcpu="0"}': 10.0,
    'statsfs_kvm_halt_wait_seconds_total{vm="100-11",vcpu="0"}': 1.5,
    'statsfs_kvm_halt_wait_hist_seconds_bucket{vm="100-11",vcpu="0",le="+Inf"}': 6.0,
    'statsfs_kvm_halt_wait_hist_seconds_count{vm="100-11",vcpu="0"}': 6.0,
    'statsfs_net_rx_bytes_total{device="eth1"}': 512.0,
    'count(statsfs_kvm_exits_total)': 1.0,
}

results = []


def case(name, ok, why=""):
    results.append((name, ok, why))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cargo_tests():
    # scripts/lib.sh sets the clone's own target directory.
    env = dict(os.environ)
    env.setdefault("CARGO_TARGET_DIR", os.path.join(CACHE, "cargo-target", "host-test"))
    p = subprocess.run(["cargo", "test", "--locked", "--", "--test-threads=2"],
                       cwd=CRATE, env=env, capture_output=True, text=True)
    seen = 0
    for m in re.finditer(r"^test (\S+) \.\.\. (ok|FAILED)$", p.stdout, re.M):
        case("cargo_" + m.group(1), m.group(2) == "ok")
        seen += 1
    case("cargo_test", p.returncode == 0 and seen > 0,
         (p.stdout + p.stderr)[-2000:].replace("\n", " | ") if p.returncode else "")


def exporter(binary, root):
    p = subprocess.run([binary, "--root", root, "serve", "--print", "--text"],
                       capture_output=True, text=True)
    case("exporter_prints", p.returncode == 0 and "statsfs_kvm_exits_total" in p.stdout,
         p.stderr.strip())
    c = subprocess.run(["promtool", "check", "metrics"], input=p.stdout,
                       capture_output=True, text=True)
    case("promtool_check_metrics", c.returncode == 0,
         (c.stdout + c.stderr).strip().replace("\n", " | "))


def live_view(binary, root):
    """The live view on a real terminal (a pty): it draws the view, and 'q' ends it."""
    pid, fd = pty.fork()
    if pid == 0:
        # A pty starts at 0 x 0: give it a screen's size.
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
        os.environ["TERM"] = "xterm"
        os.execv(binary, [binary, "--root", root, "-d", "kvm/100-11/vcpu0", "-s", "0.5"])
    screen = b""
    deadline = time.time() + 20
    sent = False
    status = None
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            screen += chunk
        if not sent and b"halt_wait_ns" in screen:
            os.write(fd, b"q")
            sent = True
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
            break
    # Not reaped yet: give it a moment to exit after its last output, then kill it.
    for _ in range(20):
        if status is not None:
            break
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
        else:
            time.sleep(0.1)
    if status is None:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    os.close(fd)
    text = screen.decode(errors="replace")
    case("live_view_draws_on_a_terminal", "statsfs-top  kvm/100-11/vcpu0" in text
         and "halt_wait_ns" in text, text[-300:].replace("\n", " | "))
    case("live_view_quits_on_q", sent and status is not None and os.WIFEXITED(status)
         and os.WEXITSTATUS(status) == 0, f"sent q: {sent}, status {status}")


def query(port, promql):
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    with urllib.request.urlopen(url, timeout=5) as r:
        data = json.load(r)
    result = data.get("data", {}).get("result", [])
    return float(result[0]["value"][1]) if result else None


def prometheus_scrape(binary, root, work):
    exp_port, prom_port = free_port(), free_port()
    config = os.path.join(work, "prometheus.yml")
    with open(config, "w") as f:
        f.write(f"""global:
  scrape_interval: 1s
scrape_configs:
  - job_name: statsfs
    static_configs:
      - targets: ['127.0.0.1:{exp_port}']
""")
    serve = subprocess.Popen([binary, "--root", root, "serve", "--listen",
                              f"127.0.0.1:{exp_port}"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    prom = subprocess.Popen(["prometheus", f"--config.file={config}",
                             f"--storage.tsdb.path={os.path.join(work, 'tsdb')}",
                             f"--web.listen-address=127.0.0.1:{prom_port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    got = {}
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                got = {q: query(prom_port, q) for q in EXPECTED}
                if got == EXPECTED:
                    break
            except OSError:
                pass
            time.sleep(1)
    finally:
        for p in (prom, serve):
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
    for q, want in EXPECTED.items():
        name = "prometheus_" + re.sub(r"[^a-z0-9]+", "_", q.lower()).strip("_")
        case(name, got.get(q) == want, f"{q}: got {got.get(q)}, want {want}")


def usage_errors(binary, root):
    """Mistakes on the command line: exit status 2 and a message naming the option."""
    for name, args, want in (
        ("bad_interval_is_refused", ["-s", "nan", "-1"], "--set-delay"),
        ("negative_interval_is_refused", ["-s", "-1", "-1"], "--set-delay"),
        ("bad_regex_names_fields", ["-f", "(", "-1"], "-f/--fields"),
        ("live_view_without_terminal_is_refused", [], "needs a terminal"),
    ):
        p = subprocess.run([binary, "--root", root] + args, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=20)
        case(name, p.returncode == 2 and want in p.stderr and "panicked" not in p.stderr,
             f"exit {p.returncode}: {p.stderr[-300:]!r}")


def main():
    binary = sys.argv[1]
    cargo_tests()
    with tempfile.TemporaryDirectory() as work:
        root = os.path.join(work, "tree")
        os.makedirs(root)
        with open(os.path.join(root, ".values"), "w") as f:
            f.write(VALUES)
        with open(os.path.join(root, ".schema"), "w") as f:
            f.write(SCHEMA)
        # One directory as files only (no .values): the live view reads it file by file.
        vcpu = os.path.join(root, "kvm", "100-11", "vcpu0")
        os.makedirs(vcpu)
        for name, value in (("exits", "10"), ("halt_wait_ns", "1500000000")):
            with open(os.path.join(vcpu, name), "w") as f:
                f.write(value + "\n")
        exporter(binary, root)
        usage_errors(binary, root)
        live_view(binary, root)
        prometheus_scrape(binary, root, work)
    print("KTAP version 1")
    print("1..1")
    print("    KTAP version 1")
    print("    # Subtest: statsfs_top")
    print(f"    1..{len(results)}")
    for i, (name, ok, why) in enumerate(results, 1):
        if not ok and why:
            print(f"    # {name}: {why}")
        print(f"    {'ok' if ok else 'not ok'} {i} {name}")
    all_ok = all(ok for _, ok, _ in results)
    print(f"{'ok' if all_ok else 'not ok'} 1 statsfs_top")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
