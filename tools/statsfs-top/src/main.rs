// SPDX-License-Identifier: GPL-2.0
//! The command line. Option names follow kvm_stat's where the meaning carries over.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use regex::Regex;

use statsfs_top::output::{self, Format, Logger};
use statsfs_top::view::{self, Selection, SortBy};
use statsfs_top::{prom, tui};

#[derive(Parser, Debug)]
#[command(
    version,
    about = "Live view, logger and Prometheus exporter for statsfs (kvm_stat-style)"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Where statsfs is mounted, or any directory laid out like it.
    #[arg(long, global = true, default_value = "/sys/kernel/stats")]
    root: PathBuf,
    /// The directory under the root to show (default: kvm if there is one, else the top).
    #[arg(short = 'd', long, global = true)]
    dir: Option<String>,
    /// Show only values whose name matches this regular expression.
    #[arg(short = 'f', long = "fields", global = true)]
    fields: Option<String>,
    /// Show one guest: a kvm/<pid>-<fd> directory name, or the QEMU -name, or the comm.
    #[arg(short = 'g', long, global = true, conflicts_with = "pid")]
    guest: Option<String>,
    /// Show the guests of this process.
    #[arg(short = 'p', long, global = true)]
    pid: Option<u32>,
    /// Print every value, its total and its rate over one interval, and exit.
    #[arg(short = '1', long, global = true)]
    once: bool,
    /// Log the changes of each interval, a record per line.
    #[arg(short = 'l', long, global = true)]
    log: bool,
    /// Log to this file instead of standard output (implies --log).
    #[arg(short = 'L', long = "log-to-file", global = true)]
    log_to_file: Option<PathBuf>,
    /// CSV instead of columns (--once and --log).
    #[arg(short = 'c', long, global = true, conflicts_with = "json")]
    csv: bool,
    /// JSON instead of columns (--once and --log).
    #[arg(long, global = true)]
    json: bool,
    /// Seconds between refreshes (default 3 in top, 1 otherwise), 0.1 to 3600.
    #[arg(short = 's', long = "set-delay", global = true, value_parser = parse_delay)]
    delay: Option<f64>,
    /// Leave out records (and with --once, values) that did not change.
    #[arg(short = 'z', long = "skip-zero-records", global = true)]
    skip_zero: bool,
    /// With --log: stop after this many records.
    #[arg(short = 'n', long, global = true)]
    count: Option<u64>,
    /// Where /proc is, to find guests by name.
    #[arg(long, global = true, default_value = "/proc", hide = true)]
    proc: PathBuf,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The live view (the default).
    Top,
    /// Log the changes of each interval (as --log).
    Log,
    /// Serve the whole tree in the Prometheus/OpenMetrics text format at /metrics.
    Serve {
        /// Address to listen on; loopback unless told otherwise.
        #[arg(long, default_value = "127.0.0.1:9587")]
        listen: String,
        /// Export aggregates too (they double-count in Prometheus's own sums).
        #[arg(long)]
        with_aggregates: bool,
        /// Print the exposition once to standard output instead of serving it.
        #[arg(long)]
        print: bool,
        /// With --print: the Prometheus text format 0.0.4 instead of OpenMetrics.
        #[arg(long, requires = "print")]
        text: bool,
    },
}

/// An interval in seconds: a finite number from 0.1 to 3600 (`nan`, `inf`, `0` and
/// `-1` are refused with a message, not a panic).
fn parse_delay(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && (0.1..=3600.0).contains(&x) => Ok(x),
        _ => Err(format!("{s:?} is not a number of seconds from 0.1 to 3600")),
    }
}

/// A mistake on the command line that clap cannot see: exit status 2, as clap's own.
#[derive(Debug)]
struct Usage(String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

fn selection(cli: &Cli) -> anyhow::Result<Selection> {
    let fields = cli
        .fields
        .as_deref()
        .map(|f| {
            Regex::new(f).map_err(|e| Usage(format!("-f/--fields: not a regular expression: {e}")))
        })
        .transpose()?;
    let dirs = if let Some(pid) = cli.pid {
        view::guest_dirs_of_pid(&cli.root, pid)?
    } else if let Some(guest) = &cli.guest {
        view::guest_dirs_by_name(&cli.root, &cli.proc, guest)?
    } else if let Some(dir) = &cli.dir {
        vec![dir.trim_matches('/').to_string()]
    } else if cli.root.join("kvm").is_dir() {
        vec!["kvm".to_string()]
    } else {
        vec![String::new()]
    };
    Ok(Selection {
        root: cli.root.clone(),
        dirs,
        fields,
    })
}

fn format(cli: &Cli) -> Format {
    if cli.csv {
        Format::Csv
    } else if cli.json {
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

fn once(cli: &Cli, sel: &Selection, delay: Duration) -> anyhow::Result<()> {
    let (first, w) = view::read(sel)?;
    warn(&w);
    let t0 = Instant::now();
    thread::sleep(delay);
    let (second, w) = view::read(sel)?;
    warn(&w);
    let rows = view::rows(
        &second,
        Some(&first),
        None,
        t0.elapsed().as_secs_f64(),
        SortBy::Name,
    );
    output::once(&mut io::stdout().lock(), &rows, format(cli), cli.skip_zero)?;
    Ok(())
}

fn log(cli: &Cli, sel: &Selection, delay: Duration) -> anyhow::Result<()> {
    let mut out: Box<dyn Write> = match &cli.log_to_file {
        Some(path) => Box::new(OpenOptions::new().create(true).append(true).open(path)?),
        None => Box::new(io::stdout()),
    };
    let (mut prev, w) = view::read(sel)?;
    warn(&w);
    let names: Vec<String> = prev
        .iter()
        .filter(|(_, v)| v.number().is_some())
        .map(|(n, _)| n.clone())
        .collect();
    let mut logger = Logger::new(format(cli), names);
    let start = Instant::now();
    let mut written = 0;
    while cli.count.is_none_or(|c| written < c) {
        thread::sleep(delay);
        let (cur, w) = view::read(sel)?;
        warn(&w);
        let rows = view::rows(&cur, Some(&prev), None, delay.as_secs_f64(), SortBy::Name);
        if logger.record(
            &mut out,
            start.elapsed().as_secs_f64(),
            &rows,
            cli.skip_zero,
        )? {
            written += 1;
        }
        out.flush()?;
        prev = cur;
    }
    Ok(())
}

fn run(cli: &Cli) -> anyhow::Result<()> {
    if let Some(Command::Serve {
        listen,
        with_aggregates,
        print,
        text,
    }) = &cli.command
    {
        if *print {
            let exposition = prom::exposition(&cli.root, *with_aggregates)?;
            if *text {
                print!("{}", prom::to_prometheus_text(&exposition));
            } else {
                print!("{exposition}");
            }
            return Ok(());
        }
        return prom::serve(&cli.root, listen, *with_aggregates);
    }
    let sel = selection(cli)?;
    let logging = cli.log || cli.log_to_file.is_some() || matches!(cli.command, Some(Command::Log));
    let delay =
        Duration::from_secs_f64(
            cli.delay
                .unwrap_or(if logging || cli.once { 1.0 } else { 3.0 }),
        );
    if cli.once {
        once(cli, &sel, delay)
    } else if logging {
        log(cli, &sel, delay)
    } else {
        use std::io::IsTerminal;
        if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
            return Err(Usage(
                "the live view needs a terminal; use --once or --log (or serve)".into(),
            )
            .into());
        }
        // Fail before the screen switches if the tree cannot be read at all.
        view::read(&sel)?;
        tui::run(tui::App::new(sel, cli.proc.clone(), delay))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed pipe (statsfs-top -l | head) ends the run quietly.
            if e.downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("statsfs-top: {e}");
            if e.downcast_ref::<Usage>().is_some() {
                return ExitCode::from(2);
            }
            ExitCode::FAILURE
        }
    }
}
