// SPDX-License-Identifier: GPL-2.0
//! The modes: the live view, `--once`, `--log` and `serve`, from the command line's
//! options to their output.

use std::fs::{File, OpenOptions};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use regex::Regex;

use crate::cli::{LogTo, Output, Select, Serve, Source};
use crate::error::Failure;
use crate::expo;
use crate::mount::{self, Discovery};
use crate::output::{self, Format, Logger};
use crate::prom;
use crate::serve::{Exposition, Limits, Listener, Server};
use crate::tree::ReadError;
use crate::tui;
use crate::view::{self, Reading, Selection, SortBy, Target};

fn root_of(source: &Source) -> Result<PathBuf, Failure> {
    mount::root(source.root.as_deref(), &Discovery::default())
}

/// The selection the options ask for, checked: a regular expression that compiles, and
/// a directory or guest that exists now.
pub fn selection(root: PathBuf, proc: &Path, select: &Select) -> anyhow::Result<Selection> {
    let fields = match select.fields.as_deref() {
        None | Some("help") => None,
        Some(f) => Some(Regex::new(f).map_err(|e| {
            Failure::Usage(format!("-f/--fields {f:?}: not a regular expression: {e}"))
        })?),
    };
    let target = if let Some(pid) = select.pid {
        Target::Pid(pid)
    } else if let Some(guest) = &select.guest {
        Target::Guest(guest.clone())
    } else if let Some(dir) = &select.dir {
        Target::Dir(dir.trim_matches('/').to_string())
    } else if root.join("kvm").is_dir() {
        Target::Dir("kvm".to_string())
    } else {
        Target::Dir(String::new())
    };
    let sel = Selection {
        root,
        target,
        fields,
        proc: proc.to_path_buf(),
    };
    match &sel.target {
        Target::Dir(d) => match std::fs::metadata(sel.root.join(d)) {
            Ok(m) if m.is_dir() => {}
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                return Err(Failure::Denied(sel.root.join(d).display().to_string()).into())
            }
            _ => {
                return Err(Failure::NoSuch(format!(
                    "--dir {d}: no such directory under {}",
                    sel.root.display()
                ))
                .into())
            }
        },
        _ => {
            if sel.resolve()?.is_empty() {
                return Err(Failure::NoSuch(format!(
                    "no running guest matches {}",
                    match &sel.target {
                        Target::Pid(p) => format!("-p {p}"),
                        Target::Guest(g) => format!("-g {g:?}"),
                        Target::Dir(_) => String::new(),
                    }
                ))
                .into());
            }
        }
    }
    Ok(sel)
}

fn delay(select: &Select, default: f64) -> Duration {
    Duration::from_secs_f64(select.delay.unwrap_or(default))
}

fn format(output: &Output) -> Format {
    if output.csv {
        Format::Csv
    } else if output.json {
        Format::Json
    } else {
        Format::Columns
    }
}

fn warn(warnings: &[String]) {
    for w in warnings {
        eprintln!("statsfs-top: skipped {w}");
    }
}

/// `-f help`: the fields of the view, as kvm_stat lists its own.
fn list_fields(sel: &Selection) -> anyhow::Result<()> {
    let reading = view::read(sel)?;
    let rows = view::rows(&reading, None, None, 0.0, SortBy::Name);
    let mut out = io::stdout().lock();
    for r in rows {
        writeln!(out, "  {}", r.name)?;
    }
    Ok(())
}

fn prepare(source: &Source, select: &Select) -> anyhow::Result<Option<Selection>> {
    let sel = selection(root_of(source)?, &source.proc, select)?;
    if select.fields.as_deref() == Some("help") {
        list_fields(&sel)?;
        return Ok(None);
    }
    Ok(Some(sel))
}

/// The live view.
pub fn top(source: &Source, select: &Select) -> anyhow::Result<()> {
    let Some(sel) = prepare(source, select)? else {
        return Ok(());
    };
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        return Err(Failure::Usage(
            "the live view needs a terminal; use --once or --log (or serve)".into(),
        )
        .into());
    }
    tui::run(tui::App::new(sel, delay(select, 3.0)))
}

/// `--once`: two readings one interval apart.
pub fn once(source: &Source, select: &Select, out_opts: &Output) -> anyhow::Result<()> {
    let Some(sel) = prepare(source, select)? else {
        return Ok(());
    };
    let first = view::read(&sel)?;
    warn(&first.warnings);
    let t0 = Instant::now();
    thread::sleep(delay(select, 1.0));
    let second = view::read(&sel)?;
    warn(&second.warnings);
    let rows = view::rows(
        &second,
        Some(&first),
        None,
        t0.elapsed().as_secs_f64(),
        SortBy::Name,
    );
    output::once(
        &mut io::stdout().lock(),
        &rows,
        format(out_opts),
        out_opts.skip_zero,
    )?;
    Ok(())
}

/// The log's destination: standard output, or a file opened for appending.
enum Sink {
    Stdout(io::Stdout),
    File(PathBuf, File),
}

impl Sink {
    fn open(path: &Path) -> anyhow::Result<(Sink, bool)> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let empty = file.metadata().map(|m| m.len() == 0).unwrap_or(true);
        Ok((Sink::File(path.to_path_buf(), file), empty))
    }

    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Sink::Stdout(s) => s,
            Sink::File(_, f) => f,
        }
    }
}

/// One reading for the log: a directory or guest that went away is logged as no change
/// (and said once on standard error); the log goes on.
fn log_reading(sel: &Selection, gone: &mut bool) -> anyhow::Result<Reading> {
    let reading = match view::read(sel) {
        Ok(r) => r,
        Err(ReadError::Missing(_)) => Reading::default(),
        Err(e) => return Err(e.into()),
    };
    warn(&reading.warnings);
    let dead = reading.is_dead();
    if dead != *gone {
        *gone = dead;
        let what = sel.describe();
        if dead {
            eprintln!("statsfs-top: {what} is gone; logging no change until it is back");
        } else {
            eprintln!("statsfs-top: {what} is back");
        }
    }
    Ok(reading)
}

/// `--log`: a record per interval until the count, SIGHUP reopening the file.
pub fn log(source: &Source, select: &Select, out_opts: &Output, to: &LogTo) -> anyhow::Result<()> {
    let Some(sel) = prepare(source, select)? else {
        return Ok(());
    };
    let fmt = format(out_opts);
    let (mut sink, empty) = match &to.file {
        Some(path) => Sink::open(path)?,
        None => (Sink::Stdout(io::stdout()), true),
    };
    let hup = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(&hup))?;
    let interval = delay(select, 1.0);
    let mut gone = false;
    let mut prev = log_reading(&sel, &mut gone)?;
    let names: Vec<String> = view::rows(&prev, None, None, 0.0, SortBy::Name)
        .into_iter()
        .filter(|r| r.total.number().is_some())
        .map(|r| r.name)
        .collect();
    let mut logger = Logger::new(fmt, names, fmt != Format::Csv || empty);
    let mut written = 0;
    while to.count.is_none_or(|c| written < c) {
        thread::sleep(interval);
        if hup.swap(false, Ordering::Relaxed) {
            if let Sink::File(path, _) = &sink {
                let (reopened, empty) = Sink::open(&path.clone())?;
                sink = reopened;
                logger.reopened(empty);
            }
        }
        let cur = log_reading(&sel, &mut gone)?;
        let rows = view::rows(
            &cur,
            Some(&prev),
            None,
            interval.as_secs_f64(),
            SortBy::Name,
        );
        let time = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
        if logger.record(sink.writer(), &time, &rows, out_opts.skip_zero)? {
            written += 1;
        }
        sink.writer().flush()?;
        prev = cur;
    }
    Ok(())
}

/// The exposition's producer for `serve`: both formats of one reading.
fn producer(root: PathBuf, opts: prom::Options) -> Box<crate::serve::Producer> {
    Box::new(move || {
        let snap = prom::snapshot(&root, &opts).map_err(|e| e.to_string())?;
        let fams = prom::families(&snap, &opts);
        Ok(Exposition {
            openmetrics: expo::encode(&fams, expo::Format::OpenMetrics),
            text: expo::encode(&fams, expo::Format::Text),
        })
    })
}

/// `serve`.
pub fn serve(source: &Source, s: &Serve) -> anyhow::Result<()> {
    let root = root_of(source)?;
    let opts = prom::Options {
        with_aggregates: s.with_aggregates,
        per_vcpu: s.per_vcpu,
        proc: source.proc.clone(),
    };
    if s.print {
        let format = if s.text {
            expo::Format::Text
        } else {
            expo::Format::OpenMetrics
        };
        print!("{}", prom::exposition(&root, &opts, format)?);
        return Ok(());
    }
    if rustix::process::geteuid().is_root() && !s.allow_root {
        return Err(Failure::Usage(
            "serve refuses to run as root: run it as a user of the group statsfs is mounted \
             with (mount -o gid=), or pass --allow-root (see statsfs-top(1), UNPRIVILEGED USE)"
                .into(),
        )
        .into());
    }
    // Fail now, not at the first scrape, if the tree cannot be read.
    crate::tree::read_depth(&root, crate::tree::Depth::Own)?;
    let timeout = Duration::from_secs_f64(s.timeout);
    let limits = Limits {
        workers: usize::from(s.threads),
        queue: 4 * usize::from(s.threads),
        read_timeout: timeout,
        write_timeout: timeout,
        cache_for: Duration::from_secs_f64(s.cache),
    };
    let (listener, addr) = match &s.unix {
        Some(path) => (bind_unix(path)?, format!("unix:{}", path.display())),
        None => {
            let l = std::net::TcpListener::bind(&s.listen)
                .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", s.listen))?;
            (Listener::Tcp(l), format!("http://{}/metrics", s.listen))
        }
    };
    eprintln!("statsfs-top: serving {} at {addr}", root.display());
    Server::new(limits, producer(root, opts)).run(listener)?;
    Ok(())
}

/// Binds a unix socket, replacing a stale socket (never another kind of file).
fn bind_unix(path: &Path) -> anyhow::Result<Listener> {
    use std::os::unix::fs::FileTypeExt;
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket()) {
        std::fs::remove_file(path)?;
    }
    let l = std::os::unix::net::UnixListener::bind(path)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", path.display()))?;
    Ok(Listener::Unix(l))
}
