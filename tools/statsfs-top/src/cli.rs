// SPDX-License-Identifier: GPL-2.0
//! The command line: a subcommand per mode, each with only the options that apply to it,
//! and kvm_stat's own options at the top (`-1`/`--batch`, `-l`, `-L`, `-c`, `-z`, `-f`,
//! `-g`, `-p`, `-s`), which pick the mode as kvm_stat's do. The man page is generated
//! from this definition (`statsfs-top man`).

use std::path::PathBuf;

use clap::{ArgGroup, Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::error::EXIT_STATUS_HELP;

const ABOUT: &str = "Live view, logger and Prometheus/OpenMetrics exporter for statsfs \
(/sys/kernel/stats), kvm_stat-style";

const AFTER_HELP: &str = "\
Without a subcommand the options are kvm_stat's: -1/--once/--batch prints every value once,
-l/--log and -L/--log-to-file log, and otherwise the live view runs.

The tree is --root if given, else $STATSFS_PATH, else /sys/kernel/stats if statsfs is
mounted there, else the first statsfs mount in /proc/self/mountinfo.";

#[derive(Parser, Debug)]
#[command(
    name = "statsfs-top",
    version,
    about = ABOUT,
    after_help = format!("{AFTER_HELP}\n\n{EXIT_STATUS_HELP}")
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub source: Source,
    #[command(flatten)]
    pub compat: Compat,
}

/// Where the tree is.
#[derive(Args, Debug, Clone)]
pub struct Source {
    /// Read this tree (statsfs mounted elsewhere, or a copy made with cp -r) instead of
    /// finding the mount.
    #[arg(long, value_name = "DIR", global = true)]
    pub root: Option<PathBuf>,
    /// Where /proc is, to find guests by name.
    #[arg(long, default_value = "/proc", hide = true, global = true)]
    pub proc: PathBuf,
}

/// What to show and how often.
#[derive(Args, Debug, Clone)]
pub struct Select {
    /// Show this directory under the root (net/dev/eth0, kvm/<pid>-<fd>/vcpu0); default
    /// kvm if there is one, else the top.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["guest", "pid"])]
    pub dir: Option<String>,
    /// Show only values whose name matches this regular expression; "help" lists them.
    #[arg(short = 'f', long = "fields", value_name = "REGEX")]
    pub fields: Option<String>,
    /// Show one guest: its kvm/<pid>-<fd> directory, its QEMU -name, or its comm; found
    /// again at every refresh.
    #[arg(short = 'g', long, conflicts_with = "pid")]
    pub guest: Option<String>,
    /// Show the guests of this process, found again at every refresh.
    #[arg(short = 'p', long)]
    pub pid: Option<u32>,
    /// Seconds between refreshes, 0.1 to 3600 (default 3 in the live view, 1 otherwise).
    #[arg(short = 's', long = "set-delay", value_name = "SECONDS", value_parser = parse_delay)]
    pub delay: Option<f64>,
    /// kvm_stat's --debugfs: accepted for its scripts, and means nothing here.
    #[arg(short = 'd', long = "debugfs", hide = true)]
    pub debugfs: bool,
    /// kvm_stat's --debugfs-include-past: accepted, and means nothing here (a VM's
    /// directory goes with the VM).
    #[arg(short = 'i', long = "debugfs-include-past", hide = true)]
    pub include_past: bool,
}

/// How --once and --log write.
#[derive(Args, Debug, Clone)]
pub struct Output {
    /// CSV instead of columns.
    #[arg(short = 'c', long, conflicts_with = "json")]
    pub csv: bool,
    /// JSON instead of columns.
    #[arg(long)]
    pub json: bool,
    /// Leave out values (--once) or records (--log) with no change.
    #[arg(short = 'z', long = "skip-zero-records")]
    pub skip_zero: bool,
}

/// Where --log writes, and for how long.
#[derive(Args, Debug, Clone)]
pub struct LogTo {
    /// Append to this file instead of standard output; SIGHUP reopens it (logrotate).
    #[arg(short = 'L', long = "log-to-file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Stop after this many records.
    #[arg(short = 'n', long)]
    pub count: Option<u64>,
}

/// The exporter's options.
#[derive(Args, Debug, Clone)]
pub struct Serve {
    /// TCP address to listen on; loopback unless told otherwise.
    #[arg(long, default_value = "127.0.0.1:9587", conflicts_with = "unix")]
    pub listen: String,
    /// Listen on this unix socket instead of TCP (access by its directory's permissions).
    #[arg(long, value_name = "PATH")]
    pub unix: Option<PathBuf>,
    /// A series per vCPU (about 150 each) instead of per VM from the kernel's own sums.
    #[arg(long)]
    pub per_vcpu: bool,
    /// Export the aggregates over several VMs or devices too (they double-count in
    /// Prometheus's own sums).
    #[arg(long)]
    pub with_aggregates: bool,
    /// Seconds one exposition answers every scrape, so that scrapes do not multiply
    /// the kernel's work.
    #[arg(long, value_name = "SECONDS", default_value = "1", value_parser = parse_seconds)]
    pub cache: f64,
    /// Requests served at once (worker threads), 1 to 64.
    #[arg(long, default_value = "4", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub threads: u16,
    /// Seconds a client has to send its request, and again to read the answer.
    #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = parse_seconds)]
    pub timeout: f64,
    /// Serve even as root (statsfs-top(1), UNPRIVILEGED USE, says how not to).
    #[arg(long)]
    pub allow_root: bool,
    /// Print the exposition once to standard output instead of serving it.
    #[arg(long, conflicts_with_all = ["unix", "allow_root"])]
    pub print: bool,
    /// With --print: the Prometheus text format 0.0.4 instead of OpenMetrics.
    #[arg(long, requires = "print")]
    pub text: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// The live view (the default).
    Top {
        #[command(flatten)]
        select: Select,
    },
    /// Print every value, its total and its change over one interval, and exit
    /// (kvm_stat -1/--batch).
    #[command(visible_alias = "batch")]
    Once {
        #[command(flatten)]
        select: Select,
        #[command(flatten)]
        output: Output,
    },
    /// Log the changes of each interval, one record a line, with the wall-clock time
    /// (kvm_stat -l).
    Log {
        #[command(flatten)]
        select: Select,
        #[command(flatten)]
        output: Output,
        #[command(flatten)]
        to: LogTo,
    },
    /// Serve the tree in the Prometheus/OpenMetrics text format at /metrics.
    Serve(Serve),
    /// Print the man page (roff) to standard output.
    #[command(hide = true)]
    Man,
}

/// kvm_stat's options, without a subcommand.
#[derive(Args, Debug, Clone)]
#[command(group(ArgGroup::new("mode").multiple(true)))]
pub struct Compat {
    #[command(flatten)]
    pub select: Select,
    /// Print every value once, its total and its change over the interval, and exit.
    #[arg(
        short = '1',
        long = "once",
        visible_alias = "batch",
        group = "mode",
        conflicts_with = "log"
    )]
    pub once: bool,
    /// Log the changes of each interval, as kvm_stat -l.
    #[arg(short = 'l', long = "log", group = "mode")]
    pub log: bool,
    /// Log to this file (appending; SIGHUP reopens it).
    #[arg(
        short = 'L',
        long = "log-to-file",
        value_name = "FILE",
        group = "mode",
        conflicts_with = "once"
    )]
    pub log_to_file: Option<PathBuf>,
    /// CSV instead of columns (with -1, -l or -L).
    #[arg(short = 'c', long, requires = "mode", conflicts_with = "json")]
    pub csv: bool,
    /// JSON instead of columns (with -1, -l or -L).
    #[arg(long, requires = "mode")]
    pub json: bool,
    /// Leave out values or records with no change (with -1, -l or -L).
    #[arg(short = 'z', long = "skip-zero-records", requires = "mode")]
    pub skip_zero: bool,
    /// With -l or -L: stop after this many records.
    #[arg(short = 'n', long, requires = "mode", conflicts_with = "once")]
    pub count: Option<u64>,
}

/// What a run does, once the command line is read.
#[derive(Debug)]
pub enum Mode {
    Top(Select),
    Once(Select, Output),
    Log(Select, Output, LogTo),
    Serve(Serve),
    Man,
}

impl Cli {
    /// Parses the command line; kvm_stat's options (those of no subcommand) with a
    /// subcommand are a usage error, as clap's own (exit status 2).
    pub fn parse_args() -> Cli {
        let mut cmd = Cli::command();
        let matches = cmd.get_matches_mut();
        if let Some((sub, _)) = matches.subcommand() {
            let stray = cmd
                .get_arguments()
                .filter(|a| !a.is_global_set())
                .find(|a| {
                    matches.value_source(a.get_id().as_str())
                        == Some(clap::parser::ValueSource::CommandLine)
                })
                .map(|a| match (a.get_long(), a.get_short()) {
                    (Some(l), _) => format!("--{l}"),
                    (None, Some(c)) => format!("-{c}"),
                    (None, None) => a.get_id().to_string(),
                });
            if let Some(arg) = stray {
                let sub = sub.to_string();
                cmd.error(
                    clap::error::ErrorKind::ArgumentConflict,
                    format!("{arg} goes after '{sub}' (if '{sub}' takes it)"),
                )
                .exit();
            }
        }
        match Cli::from_arg_matches(&matches) {
            Ok(cli) => cli,
            Err(e) => e.exit(),
        }
    }

    /// Where the tree is, and the mode, whichever way it was asked for.
    pub fn mode(self) -> (Source, Mode) {
        let mode = match self.command {
            Some(Command::Top { select }) => Mode::Top(select),
            Some(Command::Once { select, output }) => Mode::Once(select, output),
            Some(Command::Log { select, output, to }) => Mode::Log(select, output, to),
            Some(Command::Serve(s)) => Mode::Serve(s),
            Some(Command::Man) => Mode::Man,
            None => {
                let c = self.compat;
                let output = Output {
                    csv: c.csv,
                    json: c.json,
                    skip_zero: c.skip_zero,
                };
                if c.once {
                    Mode::Once(c.select, output)
                } else if c.log || c.log_to_file.is_some() {
                    let to = LogTo {
                        file: c.log_to_file,
                        count: c.count,
                    };
                    Mode::Log(c.select, output, to)
                } else {
                    Mode::Top(c.select)
                }
            }
        };
        (self.source, mode)
    }
}

/// An interval in seconds: a finite number from 0.1 to 3600 (`nan`, `inf`, `0` and
/// `-1` are refused with a message, not a panic).
fn parse_delay(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && (0.1..=3600.0).contains(&x) => Ok(x),
        _ => Err(format!("{s:?} is not a number of seconds from 0.1 to 3600")),
    }
}

/// A duration in seconds for the exporter: finite, 0 to 3600.
fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && (0.0..=3600.0).contains(&x) => Ok(x),
        _ => Err(format!("{s:?} is not a number of seconds from 0 to 3600")),
    }
}

/// The man page, from this definition.
pub fn man_page(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    man.render_subcommands_section(out)?;
    let mut roff = clap_mangen::roff::Roff::new();
    roff.control("SH", ["MODES"]);
    roff.text([clap_mangen::roff::roman(AFTER_HELP)]);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        roff.control("SS", [sub.get_name()]);
        let mut line = String::new();
        for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
            let name = match (arg.get_short(), arg.get_long()) {
                (Some(s), Some(l)) => format!("-{s}, --{l}"),
                (None, Some(l)) => format!("--{l}"),
                (Some(s), None) => format!("-{s}"),
                (None, None) => continue,
            };
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            line.push_str(&format!("{name}: {help}\n"));
        }
        roff.control("nf", [] as [&str; 0]);
        roff.text([clap_mangen::roff::roman(line)]);
        roff.control("fi", [] as [&str; 0]);
    }
    roff.control("SH", ["UNPRIVILEGED USE"]);
    roff.text([clap_mangen::roff::roman(UNPRIVILEGED)]);
    roff.control("SH", ["EXIT STATUS"]);
    roff.control("nf", [] as [&str; 0]);
    roff.text([clap_mangen::roff::roman(EXIT_STATUS_HELP)]);
    roff.control("fi", [] as [&str; 0]);
    out.write_all(roff.to_roff().as_bytes())?;
    man.render_version_section(out)?;
    Ok(())
}

/// How to run the tool, the exporter above all, without root.
pub const UNPRIVILEGED: &str = "statsfs is root-only by default (its root directory is mode 0700). \
Create a group for its readers and mount with it: groupadd --system statsfs; \
mount -t statsfs -o gid=statsfs,mode=0750 statsfs /sys/kernel/stats (or in /etc/fstab: \
statsfs /sys/kernel/stats statsfs gid=statsfs,mode=0750 0 0). Then run statsfs-top, and \
above all statsfs-top serve, as an unprivileged user in that group (systemd: User=statsfs-exporter, \
SupplementaryGroups=statsfs, or DynamicUser=yes with SupplementaryGroups=statsfs). serve \
refuses to run as root unless --allow-root. It listens on 127.0.0.1 by default; --unix PATH \
serves on a unix socket instead, whose directory's permissions decide who may scrape.";
