// SPDX-License-Identifier: GPL-2.0
//! `serve`: the exposition over HTTP/1.x, on TCP or a unix socket, built to survive its
//! clients. A fixed pool of worker threads takes connections from a bounded queue (a
//! connection that finds the queue full is closed at once), each connection has one
//! deadline for its request and one for its answer (a client that stalls holds one
//! worker until then, never the others), and the exposition is cached for a short
//! interval, so that concurrent scrapes cost the kernel one walk.
//!
//! Written on std::net rather than on an HTTP crate: the exporter answers one GET, and
//! tiny_http (what it used before) has no timeouts and starts a thread per waiting
//! connection, while hyper would bring an async runtime into a synchronous tool. The
//! request head is parsed by `httparse`.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::expo::Format;

/// How the server protects itself.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Worker threads: at most this many requests are served at once.
    pub workers: usize,
    /// Accepted connections that wait for a worker; past it a connection is closed.
    pub queue: usize,
    /// From accept to the end of the request head.
    pub read_timeout: Duration,
    /// For the whole answer.
    pub write_timeout: Duration,
    /// How long one exposition answers every scrape.
    pub cache_for: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            workers: 4,
            queue: 16,
            read_timeout: Duration::from_secs(5),
            write_timeout: Duration::from_secs(10),
            cache_for: Duration::from_secs(1),
        }
    }
}

/// The largest request head read (a scrape's is a few hundred bytes).
const MAX_HEAD: usize = 8192;

/// A value computed at most once per interval, however many threads ask at once: the
/// first computes it while the others wait for it.
pub struct Cache<T> {
    ttl: Duration,
    slot: Mutex<Option<(Instant, Arc<T>)>>,
}

impl<T> Cache<T> {
    pub fn new(ttl: Duration) -> Self {
        Cache {
            ttl,
            slot: Mutex::new(None),
        }
    }

    /// The cached value if younger than the interval, else `make()`'s (an error is not
    /// cached).
    pub fn get<E>(&self, make: impl FnOnce() -> Result<T, E>) -> Result<Arc<T>, E> {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, v)) = slot.as_ref() {
            if at.elapsed() < self.ttl {
                return Ok(Arc::clone(v));
            }
        }
        let v = Arc::new(make()?);
        *slot = Some((Instant::now(), Arc::clone(&v)));
        Ok(v)
    }
}

/// Both formats of one exposition.
pub struct Exposition {
    pub openmetrics: String,
    pub text: String,
}

/// What answers `/metrics`: the exposition, or why there is none (answered 503).
pub type Producer = dyn Fn() -> Result<Exposition, String> + Send + Sync;

/// A connection: TCP or unix.
pub trait Conn: Read + Write + Send + 'static {
    fn set_timeouts(&self, read: Option<Duration>, write: Option<Duration>) -> io::Result<()>;
    fn set_nonblocking(&self, on: bool) -> io::Result<()>;
    fn shutdown(&self);
}

impl Conn for TcpStream {
    fn set_timeouts(&self, read: Option<Duration>, write: Option<Duration>) -> io::Result<()> {
        self.set_read_timeout(read)?;
        self.set_write_timeout(write)
    }
    fn set_nonblocking(&self, on: bool) -> io::Result<()> {
        TcpStream::set_nonblocking(self, on)
    }
    fn shutdown(&self) {
        let _ = TcpStream::shutdown(self, std::net::Shutdown::Both);
    }
}

impl Conn for UnixStream {
    fn set_timeouts(&self, read: Option<Duration>, write: Option<Duration>) -> io::Result<()> {
        self.set_read_timeout(read)?;
        self.set_write_timeout(write)
    }
    fn set_nonblocking(&self, on: bool) -> io::Result<()> {
        UnixStream::set_nonblocking(self, on)
    }
    fn shutdown(&self) {
        let _ = UnixStream::shutdown(self, std::net::Shutdown::Both);
    }
}

/// An accepted connection waiting for a worker, and when it was accepted.
type Queued<C> = (C, Instant);

/// A listening socket: TCP or unix.
pub enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

/// The server: its limits, its cache and what it serves.
pub struct Server {
    limits: Limits,
    cache: Cache<Exposition>,
    producer: Box<Producer>,
}

impl Server {
    pub fn new(limits: Limits, producer: Box<Producer>) -> Arc<Server> {
        Arc::new(Server {
            cache: Cache::new(limits.cache_for),
            limits,
            producer,
        })
    }

    /// Serves `listener` until an accept fails for good; the workers run meanwhile.
    pub fn run(self: &Arc<Server>, listener: Listener) -> io::Result<()> {
        match listener {
            Listener::Tcp(l) => self.run_on(l.incoming()),
            Listener::Unix(l) => self.run_on(l.incoming()),
        }
    }

    fn run_on<C: Conn>(
        self: &Arc<Server>,
        incoming: impl Iterator<Item = io::Result<C>>,
    ) -> io::Result<()> {
        let (tx, rx): (SyncSender<Queued<C>>, Receiver<Queued<C>>) =
            mpsc::sync_channel(self.limits.queue.max(1));
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..self.limits.workers.max(1) {
            let rx = Arc::clone(&rx);
            let server = Arc::clone(self);
            thread::Builder::new()
                .name(format!("serve-{i}"))
                .spawn(move || loop {
                    let next = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    match next {
                        Ok((conn, accepted)) => server.handle(conn, accepted),
                        Err(_) => return,
                    }
                })?;
        }
        for conn in incoming {
            let conn = match conn {
                Ok(c) => c,
                // Out of file descriptors, a connection reset before accept: go on.
                Err(e) if is_transient(&e) => {
                    thread::sleep(Duration::from_millis(10));
                    continue;
                }
                Err(e) => return Err(e),
            };
            match tx.try_send((conn, Instant::now())) {
                Ok(()) => {}
                Err(TrySendError::Full((conn, _))) => refuse(conn),
                Err(TrySendError::Disconnected(_)) => return Ok(()),
            }
        }
        Ok(())
    }

    fn handle<C: Conn>(&self, mut conn: C, accepted: Instant) {
        let head = match read_head(&mut conn, accepted + self.limits.read_timeout) {
            Ok(Some(h)) => h,
            // Timed out, closed, or too long: nothing to answer.
            Ok(None) | Err(_) => {
                conn.shutdown();
                return;
            }
        };
        let response = self.respond(&head);
        let _ = write_all_by(
            &mut conn,
            &response,
            Instant::now() + self.limits.write_timeout,
        );
        conn.shutdown();
    }

    /// The whole response to a request head.
    fn respond(&self, head: &[u8]) -> Vec<u8> {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut headers);
        if !matches!(req.parse(head), Ok(httparse::Status::Complete(_))) {
            return response(400, "text/plain", b"bad request\n", false);
        }
        let head_only = req.method == Some("HEAD");
        if req.method != Some("GET") && !head_only {
            return response(405, "text/plain", b"only GET\n", head_only);
        }
        let path = req.path.unwrap_or("").split('?').next().unwrap_or("");
        if path != "/metrics" {
            return response(404, "text/plain", b"statsfs-top: try /metrics\n", head_only);
        }
        // OpenMetrics to whoever asks for it (Prometheus does), 0.0.4 text otherwise.
        let openmetrics = req.headers.iter().any(|h| {
            h.name.eq_ignore_ascii_case("accept")
                && String::from_utf8_lossy(h.value).contains("application/openmetrics-text")
        });
        match self.cache.get(|| (self.producer)()) {
            Ok(e) if openmetrics => response(
                200,
                Format::OpenMetrics.content_type(),
                e.openmetrics.as_bytes(),
                head_only,
            ),
            Ok(e) => response(
                200,
                Format::Text.content_type(),
                e.text.as_bytes(),
                head_only,
            ),
            Err(why) => response(503, "text/plain", format!("{why}\n").as_bytes(), head_only),
        }
    }
}

fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    ) || e.raw_os_error().is_some_and(|n| n == 24 || n == 23) // EMFILE, ENFILE
}

/// Closes a connection the queue has no room for, with a 503 if the socket takes it
/// at once.
fn refuse<C: Conn>(mut conn: C) {
    if conn.set_nonblocking(true).is_ok() {
        let _ = conn.write(&response(503, "text/plain", b"busy\n", false));
    }
    conn.shutdown();
}

fn response(status: u16, content_type: &str, body: &[u8], head_only: bool) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Service Unavailable",
    };
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if !head_only {
        out.extend_from_slice(body);
    }
    out
}

/// Reads a request head (up to the blank line) by `deadline`; `None` if the client
/// closed, went past the deadline, or sent more than a head may hold.
fn read_head<C: Conn>(conn: &mut C, deadline: Instant) -> io::Result<Option<Vec<u8>>> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || head.len() > MAX_HEAD {
            return Ok(None);
        }
        conn.set_timeouts(Some(left), None)?;
        match conn.read(&mut buf) {
            Ok(0) => return Ok(None),
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(e),
        }
    }
    Ok(Some(head))
}

/// Writes `data` by `deadline`, in chunks, so that a client reading a byte at a time
/// cannot hold the worker past it.
fn write_all_by<C: Conn>(conn: &mut C, mut data: &[u8], deadline: Instant) -> io::Result<()> {
    while !data.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        conn.set_timeouts(None, Some(left))?;
        match conn.write(&data[..data.len().min(64 * 1024)]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    conn.flush()
}
