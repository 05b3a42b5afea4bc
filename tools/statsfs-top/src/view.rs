// SPDX-License-Identifier: GPL-2.0
//! What the operator looks at: the values of one directory (or of several VM directories
//! added up), filtered, with their totals and rates between two snapshots.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use regex::Regex;

use crate::tree::{self, ReadError, Snapshot, Value};

/// The values of a view, by name (a path relative to the view's directory).
pub type Table = BTreeMap<String, Value>;

/// Which directories under the root a view adds up, and which values it keeps.
#[derive(Clone, Debug)]
pub struct Selection {
    pub root: PathBuf,
    /// Relative to the root; one directory, or a guest's VM directories.
    pub dirs: Vec<String>,
    pub fields: Option<Regex>,
}

impl Selection {
    /// A name for the title bar and the logs.
    pub fn describe(&self) -> String {
        match self.dirs.as_slice() {
            [one] if one.is_empty() => "/".to_string(),
            [one] => one.clone(),
            many => many.join("+"),
        }
    }
}

/// Whether `name` is shown in a directory's view: its own values, and its histograms'
/// buckets (`hist/3`), not the values of its subdirectories.
pub fn in_view(name: &str, snap: &Snapshot) -> bool {
    match name.rsplit_once('/') {
        None => true,
        Some((dir, last)) => {
            !dir.contains('/')
                && match snap.schema.get(name) {
                    Some(schema) => schema.bucket.is_some(),
                    None => last.bytes().all(|b| b.is_ascii_digit()),
                }
        }
    }
}

/// Reads the selection once: every directory's view, numbers added up by name.
pub fn read(sel: &Selection) -> Result<(Table, Vec<String>), ReadError> {
    let mut table = Table::new();
    let mut warnings = Vec::new();
    for dir in &sel.dirs {
        let snap = tree::read(&sel.root.join(dir))?;
        warnings.extend(snap.warnings.iter().cloned());
        for (name, value) in &snap.values {
            if !in_view(name, &snap) || !sel.fields.as_ref().is_none_or(|re| re.is_match(name)) {
                continue;
            }
            match (table.get_mut(name), value) {
                (Some(Value::Number(sum)), Value::Number(n)) => *sum += n,
                (Some(_), _) => {}
                (None, v) => {
                    table.insert(name.clone(), v.clone());
                }
            }
        }
    }
    Ok((table, warnings))
}

/// Why a guest could not be picked.
#[derive(Debug, PartialEq)]
pub enum GuestError {
    NoKvm(PathBuf),
    NotFound(String),
}

impl std::fmt::Display for GuestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GuestError::NoKvm(p) => {
                write!(f, "{}: no kvm/ directory (is kvm loaded?)", p.display())
            }
            GuestError::NotFound(g) => write!(f, "no running guest matches {g:?}"),
        }
    }
}

impl std::error::Error for GuestError {}

/// The VM directories (`kvm/<pid>-<fd>`) of the process `pid`.
pub fn guest_dirs_of_pid(root: &Path, pid: u32) -> Result<Vec<String>, GuestError> {
    let mut dirs = vm_dirs(root)?
        .into_iter()
        .filter(|(p, _)| *p == pid)
        .map(|(_, d)| format!("kvm/{d}"))
        .collect::<Vec<_>>();
    dirs.sort();
    if dirs.is_empty() {
        return Err(GuestError::NotFound(pid.to_string()));
    }
    Ok(dirs)
}

/// The VM directories of the guest called `name`: a `<pid>-<fd>` directory name, or the
/// name QEMU was given (`-name guest=NAME` or `-name NAME`), or the process's `comm`, as
/// kvm_stat's `-g` finds it.
pub fn guest_dirs_by_name(root: &Path, proc: &Path, name: &str) -> Result<Vec<String>, GuestError> {
    let vms = vm_dirs(root)?;
    if vms.iter().any(|(_, d)| d == name) {
        return Ok(vec![format!("kvm/{name}")]);
    }
    let mut dirs: Vec<String> = vms
        .iter()
        .filter(|(pid, _)| guest_name_matches(proc, *pid, name))
        .map(|(_, d)| format!("kvm/{d}"))
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(GuestError::NotFound(name.to_string()));
    }
    Ok(dirs)
}

fn vm_dirs(root: &Path) -> Result<Vec<(u32, String)>, GuestError> {
    let kvm = root.join("kvm");
    let entries = fs::read_dir(&kvm).map_err(|_| GuestError::NoKvm(kvm.clone()))?;
    Ok(entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let d = e.file_name().to_string_lossy().into_owned();
            let (pid, fd) = d.split_once('-')?;
            fd.parse::<u32>().ok()?;
            Some((pid.parse().ok()?, d))
        })
        .collect())
}

fn guest_name_matches(proc: &Path, pid: u32, name: &str) -> bool {
    let dir = proc.join(pid.to_string());
    if let Ok(cmdline) = fs::read(dir.join("cmdline")) {
        let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
        for pair in args.windows(2) {
            if pair[0] == b"-name" {
                let value = String::from_utf8_lossy(pair[1]);
                let guest = value
                    .split(',')
                    .find_map(|kv| kv.strip_prefix("guest="))
                    .unwrap_or_else(|| value.split(',').next().unwrap_or(""));
                if guest == name {
                    return true;
                }
            }
        }
    }
    fs::read_to_string(dir.join("comm")).is_ok_and(|c| c.trim_end() == name)
}

/// One row of the view.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub name: String,
    /// The value (since the baseline, for numbers, once one is set).
    pub total: Value,
    /// Per second since the previous snapshot; `None` for text or the first snapshot.
    pub rate: Option<f64>,
    /// The change since the previous snapshot.
    pub delta: Option<i128>,
}

/// How rows are ordered.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SortBy {
    Rate,
    Total,
    Name,
}

impl SortBy {
    pub fn next(self) -> SortBy {
        match self {
            SortBy::Rate => SortBy::Total,
            SortBy::Total => SortBy::Name,
            SortBy::Name => SortBy::Rate,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortBy::Rate => "rate",
            SortBy::Total => "total",
            SortBy::Name => "name",
        }
    }
}

/// The rows of `cur`, with rates against `prev` taken `seconds` earlier and totals since
/// `base`.
pub fn rows(
    cur: &Table,
    prev: Option<&Table>,
    base: Option<&Table>,
    seconds: f64,
    sort: SortBy,
) -> Vec<Row> {
    let mut rows: Vec<Row> = cur
        .iter()
        .map(|(name, value)| {
            let old = |t: Option<&Table>| t.and_then(|t| t.get(name)).and_then(Value::number);
            let total = match (value, old(base)) {
                (Value::Number(n), Some(b)) => Value::Number(n - b),
                (v, _) => v.clone(),
            };
            let delta = value.number().zip(old(prev)).map(|(n, p)| n - p);
            let rate = delta.filter(|_| seconds > 0.0).map(|d| d as f64 / seconds);
            Row {
                name: name.clone(),
                total,
                rate,
                delta,
            }
        })
        .collect();
    let num = |r: &Row| r.total.number().unwrap_or(i128::MIN);
    match sort {
        SortBy::Rate => rows.sort_by(|a, b| {
            b.rate
                .unwrap_or(f64::MIN)
                .total_cmp(&a.rate.unwrap_or(f64::MIN))
                .then(num(b).cmp(&num(a)))
                .then(a.name.cmp(&b.name))
        }),
        SortBy::Total => rows.sort_by(|a, b| num(b).cmp(&num(a)).then(a.name.cmp(&b.name))),
        SortBy::Name => rows.sort_by(|a, b| a.name.cmp(&b.name)),
    }
    rows
}
