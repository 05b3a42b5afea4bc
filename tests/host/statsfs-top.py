#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host tests of tools/statsfs-top, as KTAP (suite statsfs_top).

- Its cargo tests (fixture trees, rates, filters, guests, log/CSV/JSON, the exporter,
  the server, the binary's errors, the TUI on ratatui's test backend), a case each.
- The live view on a real terminal (a pty): it draws, and quits on 'q'.
- The exporter's output for a fixture tree with hostile device and VM names passes
  `promtool check metrics`.
- `serve` runs as nobody in the group that may read the tree (the documented
  unprivileged setup); a real Prometheus server (run by this test only, on loopback)
  scrapes it every second; its query API must return the fixture's values, hostile
  label values included, within 60 seconds.
- Beside a client that connects, sends half a request and never reads, another
  client's scrape is answered within a second; a flood of connections leaves the
  exporter's threads as they were, and it answers afterwards.
- Usage and tree errors: each its message and exit status.

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
kvm/100-11/halt_wait_ns 1500000000
kvm/100-11/halt_wait_hist/0 1
kvm/100-11/halt_wait_hist/1 2
kvm/100-11/halt_wait_hist/2 3
kvm/100-11\\040x"}1\\012evil{a="b"}/exits 7
net/rx_bytes 4615
net/dev/eth0/rx_bytes 4096
net/dev/eth1/rx_bytes 512
net/dev/x"}1\\040\\134/rx_bytes 7
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
kvm/100-11/halt_wait_ns u64 unsigned sum aggregate,clearable cumulative seconds 10^-9 -
kvm/100-11/halt_wait_hist/0 u64 unsigned sum aggregate,clearable log_hist seconds 10^-9 bucket=0/3
kvm/100-11/halt_wait_hist/1 u64 unsigned sum aggregate,clearable log_hist seconds 10^-9 bucket=1/3
kvm/100-11/halt_wait_hist/2 u64 unsigned sum aggregate,clearable log_hist seconds 10^-9 bucket=2/3
kvm/100-11\\040x"}1\\012evil{a="b"}/exits u64 unsigned sum - cumulative none 10^0 -
net/rx_bytes u64 unsigned sum aggregate cumulative bytes 10^0 -
net/dev/eth0/rx_bytes u64 unsigned sum - cumulative bytes 10^0 -
net/dev/eth1/rx_bytes u64 unsigned sum - cumulative bytes 10^0 -
net/dev/x"}1\\040\\134/rx_bytes u64 unsigned sum - cumulative bytes 10^0 -
"""

# PromQL query -> the value Prometheus must return.
EXPECTED = {
    'statsfs_kvm_exits_total{vm="100-11"}': 10.0,
    'statsfs_kvm_halt_wait_seconds_total{vm="100-11"}': 1.5,
    'statsfs_kvm_halt_wait_hist_seconds_bucket{vm="100-11",le="+Inf"}': 6.0,
    'statsfs_kvm_halt_wait_hist_seconds_count{vm="100-11"}': 6.0,
    'statsfs_kvm_halt_wait_hist_seconds_sum{vm="100-11"}': 1.5,
    'statsfs_net_rx_bytes_total{device="eth1"}': 512.0,
    # Per VM by default: the vCPU's series are not exported.
    'count(statsfs_kvm_exits_total{vm!=""})': 1.0,
    # The VM's guest name (QEMU -name), hostile too.
    'statsfs_kvm_vm_info{vm="100-11",name="x\\"}1\\nevil",pid="100"}': 1.0,
    # Hostile names stay label values.
    'statsfs_net_rx_bytes_total{device="x\\"}1 \\\\"}': 7.0,
    'statsfs_kvm_exits_total{path="100-11 x\\"}1\\nevil{a=\\"b\\"}"}': 7.0,
    'count(evil)': None,
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


NOBODY = 65534


def as_nobody(argv):
    """argv run as nobody, in the group that owns the tree (as with mount -o gid=)."""
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] + argv


def exporter(binary, root, proc):
    p = subprocess.run([binary, "--root", root, "--proc", proc, "serve", "--print", "--text"],
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
        os.execv(binary, [binary, "--root", root, "--dir", "kvm/100-11/vcpu0", "-s", "0.5"])
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


def start_serve(binary, root, proc, port, extra=()):
    """statsfs-top serve as nobody, listening on port; None if it did not start."""
    serve = subprocess.Popen(as_nobody([binary, "--root", root, "--proc", proc, "serve",
                                        "--listen", f"127.0.0.1:{port}", *extra]),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return serve
        except OSError:
            time.sleep(0.05)
    serve.kill()
    serve.wait()
    return None


def stop(p):
    p.terminate()
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def threads_of(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return -1


def scrape(port):
    t0 = time.time()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
            return r.status, r.read().decode(), time.time() - t0
    except OSError as e:
        return None, str(e), time.time() - t0


def hardened_serve(binary, root, proc):
    """A stalled client does not delay another scrape; a flood does not add threads."""
    port = free_port()
    serve = start_serve(binary, root, proc, port, ("--threads", "2"))
    case("serve_runs_as_nobody_in_the_trees_group", serve is not None)
    if serve is None:
        return
    try:
        stalled = socket.create_connection(("127.0.0.1", port))
        stalled.sendall(b"GET /metr")
        time.sleep(0.2)
        status, body, took = scrape(port)
        case("serve_answers_beside_a_stalled_client",
             status == 200 and "statsfs_kvm_exits_total" in body and took < 1.0,
             f"status {status} after {took:.2f} s")
        print(f"# a scrape beside a stalled client took {took * 1000:.1f} ms")
        stalled.close()
        before = threads_of(serve.pid)
        flood = []
        for _ in range(300):
            try:
                flood.append(socket.create_connection(("127.0.0.1", port), timeout=2))
            except OSError:
                break
        time.sleep(0.5)
        during = threads_of(serve.pid)
        for c in flood:
            c.close()
        ok = False
        deadline = time.time() + 15
        while time.time() < deadline and not ok:
            status, _, _ = scrape(port)
            ok = status == 200
            if not ok:
                time.sleep(0.2)
        case("serve_threads_bounded_under_a_flood", before == during == 3 and ok,
             f"{before} threads before, {during} during {len(flood)} connections, "
             f"answers after: {ok}")
    finally:
        stop(serve)


def prometheus_scrape(binary, root, proc, work):
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
    serve = start_serve(binary, root, proc, exp_port)
    if serve is None:
        case("prometheus_serve_started", False)
        return
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
            stop(p)
    for q, want in EXPECTED.items():
        name = "prometheus_" + re.sub(r"[^a-z0-9]+", "_", q.lower()).strip("_")
        case(name, got.get(q) == want, f"{q}: got {got.get(q)}, want {want}")


def errors(binary, root, closed):
    """Each failure: its message and its exit status (statsfs-top --help lists them)."""
    env = {k: v for k, v in os.environ.items() if k != "STATSFS_PATH"}
    with open("/proc/filesystems") as f:
        loaded = "statsfs" in f.read()
    cases = [
        ("bad_interval_is_refused", ["--root", root, "-s", "nan", "-1"], 2, "--set-delay"),
        ("negative_interval_is_refused", ["--root", root, "-s", "-1", "-1"], 2, "--set-delay"),
        ("bad_regex_names_fields", ["--root", root, "-f", "(", "-1"], 2,
         '-f/--fields "(": not a regular expression'),
        ("live_view_without_terminal_is_refused", ["--root", root], 2, "needs a terminal"),
        ("no_such_vm_is_its_own_error", ["--root", root, "-p", "999999", "-1"], 6,
         "no running guest matches -p 999999"),
        ("no_such_directory_is_its_own_error", ["--root", root, "--dir", "kvm/9-9", "-1"], 6,
         "--dir kvm/9-9: no such directory"),
        ("denied_is_its_own_error", ["--root", closed, "-1"], 5,
         "permission denied (statsfs is root-only"),
    ]
    # This host's kernel has no statsfs (it runs in the guest): "not loaded". A host
    # that has it loaded skips the case (the guest's 70-statsfs-top tests "not mounted").
    if loaded:
        results.append(("not_loaded_is_its_own_error", True, "SKIP statsfs is loaded here"))
    else:
        cases.append(("not_loaded_is_its_own_error", ["-1"], 3, "statsfs is not loaded"))
    for name, args, code, want in cases:
        argv = [binary] + args
        if name.startswith("denied"):
            argv = as_nobody(argv)
        p = subprocess.run(argv, capture_output=True, text=True, env=env,
                           stdin=subprocess.DEVNULL, timeout=20)
        case(name, p.returncode == code and want in p.stderr and "panicked" not in p.stderr,
             f"exit {p.returncode}: {p.stderr[-300:]!r}")


def main():
    binary = sys.argv[1]
    cargo_tests()
    with tempfile.TemporaryDirectory() as work:
        # The tree as statsfs mounted with gid=<the exporter's group>,mode=0750; nobody
        # may pass through the work directory, and read nothing of "closed" (0700).
        os.chmod(work, 0o711)
        root = os.path.join(work, "tree")
        os.makedirs(root)
        os.chown(root, 0, NOBODY)
        os.chmod(root, 0o750)
        closed = os.path.join(work, "closed")
        os.makedirs(closed, mode=0o700)
        with open(os.path.join(closed, "exits"), "w") as f:
            f.write("1\n")
        proc = os.path.join(work, "proc")
        os.makedirs(os.path.join(proc, "100"))
        with open(os.path.join(proc, "100", "cmdline"), "w") as f:
            f.write('qemu-system-x86_64\0-name\0guest=x"}1\nevil,debug-threads=on\0')
        os.chmod(proc, 0o755)
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
        exporter(binary, root, proc)
        errors(binary, root, closed)
        live_view(binary, root)
        hardened_serve(binary, root, proc)
        prometheus_scrape(binary, root, proc, work)
    print("KTAP version 1")
    print("1..1")
    print("    KTAP version 1")
    print("    # Subtest: statsfs_top")
    print(f"    1..{len(results)}")
    for i, (name, ok, why) in enumerate(results, 1):
        if not ok and why:
            print(f"    # {name}: {why}")
        skip = f" # {why}" if ok and why.startswith("SKIP") else ""
        print(f"    {'ok' if ok else 'not ok'} {i} {name}{skip}")
    all_ok = all(ok for _, ok, _ in results)
    print(f"{'ok' if all_ok else 'not ok'} 1 statsfs_top")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
