// SPDX-License-Identifier: GPL-2.0
//! Why a run failed, and the exit status that says so (documented in `--help` and the man
//! page, so that scripts can tell the cases apart).

use std::fmt;

/// A failure the operator can act on, with its own exit status.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// A mistake on the command line that clap cannot see (a bad regular expression,
    /// a bad interval, the live view without a terminal): exit 2, as clap's own.
    Usage(String),
    /// The kernel has no statsfs: no `statsfs` line in /proc/filesystems.
    NotLoaded,
    /// statsfs is loaded but mounted nowhere (and no `--root` or `STATSFS_PATH`).
    NotMounted,
    /// A directory or file of the tree may not be read by this user.
    Denied(String),
    /// No such VM (`-g`, `-p`) or directory (`--dir`, `--root`).
    NoSuch(String),
}

impl Failure {
    /// The exit status of the failure.
    pub fn code(&self) -> u8 {
        match self {
            Failure::Usage(_) => EXIT_USAGE,
            Failure::NotLoaded => EXIT_NOT_LOADED,
            Failure::NotMounted => EXIT_NOT_MOUNTED,
            Failure::Denied(_) => EXIT_DENIED,
            Failure::NoSuch(_) => EXIT_NO_SUCH,
        }
    }
}

/// Any other failure (an I/O error, a port in use).
pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_NOT_LOADED: u8 = 3;
pub const EXIT_NOT_MOUNTED: u8 = 4;
pub const EXIT_DENIED: u8 = 5;
pub const EXIT_NO_SUCH: u8 = 6;

/// The exit statuses, as `--help` and the man page list them.
pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  success
  1  any other failure (I/O error, address in use, ...)
  2  usage: bad option, bad -f/--fields regular expression, bad -s/--set-delay
     interval, the live view without a terminal
  3  statsfs is not loaded (no statsfs in /proc/filesystems: modprobe statsfs)
  4  statsfs is loaded but not mounted (mount -t statsfs -o gid=statsfs statsfs
     /sys/kernel/stats), and neither --root nor STATSFS_PATH names a tree
  5  permission denied (statsfs is root-only unless mounted with gid=, uid= or mode=)
  6  no such VM (-g, -p) or directory (--dir, --root)";

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(m) => f.write_str(m),
            Failure::NotLoaded => f.write_str(
                "statsfs is not loaded (no statsfs in /proc/filesystems): modprobe statsfs, \
                 or boot a kernel with CONFIG_STATS_FS",
            ),
            Failure::NotMounted => f.write_str(
                "statsfs is loaded but not mounted: mount -t statsfs -o gid=statsfs statsfs \
                 /sys/kernel/stats (or set STATSFS_PATH, or --root, to a tree)",
            ),
            Failure::Denied(p) => write!(
                f,
                "{p}: permission denied (statsfs is root-only unless mounted with gid=, uid= \
                 or mode=; see statsfs-top(1), UNPRIVILEGED USE)"
            ),
            Failure::NoSuch(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Failure {}
