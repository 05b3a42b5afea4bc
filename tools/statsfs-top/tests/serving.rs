// SPDX-License-Identifier: GPL-2.0
//! The exporter's server: a stalled client does not hold up another's scrape, a flood of
//! connections does not grow the threads, concurrent scrapes share one reading, and a
//! unix socket serves the same.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use statsfs_top::serve::{Cache, Exposition, Limits, Listener, Server};

fn limits() -> Limits {
    Limits {
        workers: 2,
        queue: 4,
        read_timeout: Duration::from_secs(3),
        write_timeout: Duration::from_secs(3),
        cache_for: Duration::from_millis(500),
    }
}

/// A server on a free loopback port whose exposition counts how often it was made.
fn start(limits: Limits) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let made = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&made);
    let server = Server::new(
        limits,
        Box::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            // A kernel walk takes a while.
            thread::sleep(Duration::from_millis(50));
            Ok(Exposition {
                openmetrics: "# TYPE statsfs_x gauge\nstatsfs_x 1\n# EOF\n".into(),
                text: "# TYPE statsfs_x gauge\nstatsfs_x 1\n".into(),
            })
        }),
    );
    thread::spawn(move || server.run(Listener::Tcp(listener)));
    (port, made)
}

/// A whole scrape: the status line and body, and how long it took.
fn scrape(port: u16, accept: &str) -> (String, Duration) {
    let t0 = Instant::now();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: {accept}\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    (out, t0.elapsed())
}

fn threads(pid: u32) -> usize {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// `statsfs-top serve` on a fixture tree, as a process of its own; its port.
fn spawn_binary(root: &std::path::Path, extra: &[&str]) -> (common::Reaped, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(common::bin())
        .args(["--root", root.to_str().unwrap(), "serve", "--allow-root"])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(extra)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let child = common::Reaped(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "serve did not listen");
        thread::sleep(Duration::from_millis(20));
    }
    (child, port)
}

#[test]
fn serve_answers_while_a_client_stalls() {
    let (port, _) = start(limits());
    // Connects, sends half a request, never reads.
    let mut stalled = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stalled.write_all(b"GET /metr").unwrap();
    thread::sleep(Duration::from_millis(100));
    let (answer, took) = scrape(port, "application/openmetrics-text; version=1.0.0");
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("application/openmetrics-text"), "{answer}");
    assert!(answer.ends_with("# EOF\n"), "{answer}");
    assert!(
        took < Duration::from_secs(1),
        "took {took:?} beside a stalled client"
    );
    // The stalled client is closed at its deadline, not kept.
    stalled
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let t0 = Instant::now();
    let mut rest = Vec::new();
    let _ = stalled.read_to_end(&mut rest);
    assert!(
        t0.elapsed() < Duration::from_secs(5),
        "kept {:?}",
        t0.elapsed()
    );
    // Without asking for OpenMetrics: the 0.0.4 text.
    let (answer, _) = scrape(port, "text/plain");
    assert!(
        answer.contains("version=0.0.4") && !answer.contains("# EOF"),
        "{answer}"
    );
}

#[test]
fn serve_bounds_threads_under_a_connection_flood() {
    let tree = common::kvm_tree([10, 20, 30], true);
    let (child, port) = spawn_binary(tree.path(), &["--threads", "2"]);
    let before = threads(child.0.id());
    let flood: Vec<TcpStream> = (0..300)
        .filter_map(|_| TcpStream::connect(("127.0.0.1", port)).ok())
        .collect();
    thread::sleep(Duration::from_millis(500));
    let during = threads(child.0.id());
    // The main thread (accepting) and two workers, whatever the number of connections.
    assert!(
        during == before && during == 3,
        "{before} threads before, {during} during a flood of {}",
        flood.len()
    );
    drop(flood);
    // Once the flood is gone (its connections closed), scrapes are served again.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (answer, _) = scrape(port, "text/plain");
        if answer.starts_with("HTTP/1.1 200") {
            assert!(
                answer.contains("statsfs_kvm_exits_total{vm=\"100-11\"} 10"),
                "{answer}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no answer after the flood: {answer:?}"
        );
        thread::sleep(Duration::from_millis(100));
    }
    drop(child);
}

#[test]
fn serve_refuses_root() {
    if !rustix::process::geteuid().is_root() {
        return;
    }
    let tree = common::kvm_tree([10, 20, 30], true);
    let out = std::process::Command::new(common::bin())
        .args([
            "--root",
            tree.path().to_str().unwrap(),
            "serve",
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("refuses to run as root"), "{err}");
}

#[test]
fn serve_concurrent_scrapes_share_one_reading() {
    let (port, made) = start(Limits {
        workers: 4,
        queue: 8,
        cache_for: Duration::from_secs(5),
        ..limits()
    });
    let scrapers: Vec<_> = (0..8)
        .map(|_| thread::spawn(move || scrape(port, "text/plain").0))
        .collect();
    for s in scrapers {
        assert!(s.join().unwrap().starts_with("HTTP/1.1 200"));
    }
    assert_eq!(made.load(Ordering::SeqCst), 1);
}

#[test]
fn serve_cache_expires_and_keeps_no_error() {
    let cache = Cache::new(Duration::from_millis(100));
    let calls = AtomicUsize::new(0);
    let make = || -> Result<usize, String> { Ok(calls.fetch_add(1, Ordering::SeqCst)) };
    assert_eq!(*cache.get(make).unwrap(), 0);
    assert_eq!(*cache.get(make).unwrap(), 0);
    thread::sleep(Duration::from_millis(150));
    assert_eq!(*cache.get(make).unwrap(), 1);
    let fresh = Cache::new(Duration::from_secs(5));
    assert!(fresh.get(|| Err::<usize, _>("gone")).is_err());
    assert_eq!(*fresh.get(|| Ok::<_, String>(7)).unwrap(), 7);
}

#[test]
fn serve_answers_bad_requests_and_other_paths() {
    let (port, _) = start(limits());
    let ask = |req: &[u8]| {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(req).unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    };
    assert!(ask(b"GET / HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
    assert!(ask(b"POST /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));
    assert!(ask(b"\x00\x01garbage\r\n\r\n").starts_with("HTTP/1.1 400"));
    // A head longer than a request's is dropped, not buffered without end.
    let long = vec![b'a'; 100_000];
    assert_eq!(ask(&long), "");
}

#[test]
fn serve_on_a_unix_socket() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.sock");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let server = Server::new(
        limits(),
        Box::new(|| {
            Ok(Exposition {
                openmetrics: "# EOF\n".into(),
                text: "statsfs_x 1\n".into(),
            })
        }),
    );
    thread::spawn(move || server.run(Listener::Unix(listener)));
    let mut s = std::os::unix::net::UnixStream::connect(&path).unwrap();
    s.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(
        out.starts_with("HTTP/1.1 200") && out.ends_with("statsfs_x 1\n"),
        "{out}"
    );
}
