// SPDX-License-Identifier: GPL-2.0
//! Finding the statsfs mount, as perf's `tools/lib/api/fs` finds sysfs or debugfs: an
//! override in the environment (`STATSFS_PATH`), then the usual mount point if the file
//! system there has statsfs's magic number, then `/proc/self/mountinfo`. When none is
//! found, `/proc/filesystems` tells "not loaded" from "not mounted".

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::Failure;
use crate::tree::unescape;

/// The usual mount point, created by the module when it loads.
pub const DEFAULT_MOUNT: &str = "/sys/kernel/stats";
/// The environment variable that names the tree instead (as perf's `SYSFS_PATH`).
pub const ENV_OVERRIDE: &str = "STATSFS_PATH";
/// statsfs's `f_type` (`STATS_FS_MAGIC`, "stfs").
pub const STATSFS_MAGIC: u64 = 0x7374_6673;
/// The file system type's name, in /proc/filesystems and mountinfo.
pub const FS_TYPE: &str = "statsfs";

/// Where to look; the system's places by default, a fixture's in the tests.
#[derive(Clone, Debug)]
pub struct Discovery {
    /// The value of `STATSFS_PATH`, if set.
    pub env: Option<OsString>,
    pub default_mount: PathBuf,
    pub mountinfo: PathBuf,
    pub filesystems: PathBuf,
}

impl Default for Discovery {
    fn default() -> Self {
        Discovery {
            env: std::env::var_os(ENV_OVERRIDE),
            default_mount: PathBuf::from(DEFAULT_MOUNT),
            mountinfo: PathBuf::from("/proc/self/mountinfo"),
            filesystems: PathBuf::from("/proc/filesystems"),
        }
    }
}

/// Whether the file system at `path` is statsfs, by its magic number.
pub fn is_statsfs(path: &Path) -> bool {
    rustix::fs::statfs(path).is_ok_and(|s| s.f_type as u64 == STATSFS_MAGIC)
}

/// The mount points of statsfs in a mountinfo text, in its order.
pub fn mounts_in(mountinfo: &str) -> Vec<PathBuf> {
    mountinfo
        .lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let fstype = right.split(' ').next()?;
            let point = left.split(' ').nth(4)?;
            (fstype == FS_TYPE).then(|| unescape(point).map(PathBuf::from))?
        })
        .collect()
}

/// Whether /proc/filesystems lists statsfs.
pub fn is_loaded(filesystems: &str) -> bool {
    filesystems
        .lines()
        .any(|l| l.split_whitespace().last() == Some(FS_TYPE))
}

impl Discovery {
    /// The root of the statsfs tree, or why there is none.
    pub fn find(&self) -> Result<PathBuf, Failure> {
        if let Some(path) = &self.env {
            let path = PathBuf::from(path);
            return if path.is_dir() {
                Ok(path)
            } else {
                Err(Failure::NoSuch(format!(
                    "{ENV_OVERRIDE}={}: no such directory",
                    path.display()
                )))
            };
        }
        if is_statsfs(&self.default_mount) {
            return Ok(self.default_mount.clone());
        }
        if let Ok(text) = fs::read_to_string(&self.mountinfo) {
            if let Some(point) = mounts_in(&text).into_iter().next() {
                return Ok(point);
            }
        }
        match fs::read_to_string(&self.filesystems) {
            Ok(text) if !is_loaded(&text) => Err(Failure::NotLoaded),
            _ => Err(Failure::NotMounted),
        }
    }
}

/// The tree to read: `--root` if given (any directory laid out like statsfs), else the
/// mount found.
pub fn root(explicit: Option<&Path>, discovery: &Discovery) -> Result<PathBuf, Failure> {
    match explicit {
        Some(p) if p.is_dir() => Ok(p.to_path_buf()),
        Some(p) => match fs::metadata(p) {
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                Err(Failure::Denied(p.display().to_string()))
            }
            _ => Err(Failure::NoSuch(format!(
                "--root {}: no such directory",
                p.display()
            ))),
        },
        None => discovery.find(),
    }
}
