// SPDX-License-Identifier: GPL-2.0
//! What the operator looks at: the values of one directory (or of a guest's VM directories
//! added up), filtered, with their totals and rates between two readings. A guest is
//! found again at every reading, so a restarted guest is followed and one that went away
//! is reported as dead while the others go on.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use regex::Regex;

use crate::guests;
use crate::tree::{self, Depth, ReadError, Schema, Value};
use crate::units::{self, Kind};

/// The values of one directory, by name (a path relative to it).
pub type Table = BTreeMap<String, Value>;

/// What a view follows.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// One directory under the root (`""` is the root itself).
    Dir(String),
    /// The VMs of a guest: a `<pid>-<fd>` directory name, QEMU's `-name`, or the comm.
    Guest(String),
    /// The VMs of a process.
    Pid(u32),
}

/// Which directories under the root a view adds up, and which values it keeps.
#[derive(Clone, Debug)]
pub struct Selection {
    pub root: PathBuf,
    pub target: Target,
    pub fields: Option<Regex>,
    /// Where `/proc` is, to find guests by name.
    pub proc: PathBuf,
}

impl Selection {
    /// A name for the title bar and the logs.
    pub fn describe(&self) -> String {
        match &self.target {
            Target::Dir(d) if d.is_empty() => "/".to_string(),
            Target::Dir(d) => d.clone(),
            Target::Guest(g) => format!("guest {g}"),
            Target::Pid(p) => format!("pid {p}"),
        }
    }

    /// The directories the target stands for now (none: a guest that is not running).
    pub fn resolve(&self) -> Result<Vec<String>, ReadError> {
        match &self.target {
            Target::Dir(d) => Ok(vec![d.clone()]),
            Target::Guest(g) => guests::dirs_by_name(&self.root, &self.proc, g),
            Target::Pid(p) => guests::dirs_of_pid(&self.root, *p),
        }
    }
}

/// One reading of a selection: each directory's own values, and what they are.
#[derive(Clone, Debug, Default)]
pub struct Reading {
    pub dirs: BTreeMap<String, Table>,
    pub schema: BTreeMap<String, Schema>,
    pub warnings: Vec<String>,
}

impl Reading {
    /// Whether a guest target found no VM this time.
    pub fn is_dead(&self) -> bool {
        self.dirs.is_empty()
    }

    /// Every value name, once.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.dirs.values().flat_map(|t| t.keys().cloned()).collect();
        names.sort();
        names.dedup();
        names
    }
}

/// Reads the selection once. A directory that went away between finding it and reading
/// it is left out (its VM ended); for a `Dir` target that is an error.
pub fn read(sel: &Selection) -> Result<Reading, ReadError> {
    let mut reading = Reading::default();
    for dir in sel.resolve()? {
        let snap = match tree::read_depth(&sel.root.join(&dir), Depth::Own) {
            Ok(s) => s,
            Err(ReadError::Missing(_)) if !matches!(sel.target, Target::Dir(_)) => continue,
            Err(e) => return Err(e),
        };
        reading.warnings.extend(snap.warnings.iter().cloned());
        let mut table = Table::new();
        for (name, value) in snap.values {
            let schema = snap.schema.get(&name);
            // Below the directory: only its histograms' buckets.
            if name.contains('/') && !schema.map_or(tree::is_own(&name), |s| s.bucket.is_some()) {
                continue;
            }
            if !sel.fields.as_ref().is_none_or(|re| re.is_match(&name)) {
                continue;
            }
            if let Some(s) = schema {
                reading.schema.insert(name.clone(), s.clone());
            }
            table.insert(name, value);
        }
        reading.dirs.insert(dir, table);
    }
    Ok(reading)
}

/// One row of the view.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub name: String,
    pub kind: Kind,
    /// The value (since the baseline, for counters, once one is set); for a histogram
    /// the number of its samples.
    pub total: Value,
    /// Per second since the previous reading, for counters; `None` for gauges, text, or
    /// the first reading.
    pub rate: Option<f64>,
    /// The change since the previous reading, for counters (never below 0).
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

/// The name of a histogram's one row, for a bucket's name (`halt_wait_hist/3`).
fn row_name(name: &str, schema: Option<&Schema>) -> String {
    match (
        schema.and_then(|s| s.bucket.as_ref()),
        name.rsplit_once('/'),
    ) {
        (Some(_), Some((hist, _))) => hist.to_string(),
        _ => name.to_string(),
    }
}

/// The change of a number from `old` to `new` in one directory: a value that went down
/// (cleared, or an aggregate that lost a VM) counts as no change, never a negative one.
fn increase(new: i128, old: i128) -> i128 {
    (new - old).max(0)
}

/// The rows of `cur`, with changes against `prev` taken `seconds` earlier and totals since
/// `base`. Histograms are one row each (their samples), unless `buckets` asks for a row
/// per bucket (a histogram's own directory). Changes are taken directory by directory, so
/// a VM that started or ended in between adds nothing negative.
pub fn rows(
    cur: &Reading,
    prev: Option<&Reading>,
    base: Option<&Reading>,
    seconds: f64,
    sort: SortBy,
) -> Vec<Row> {
    let mut out: BTreeMap<String, Row> = BTreeMap::new();
    for (dir, table) in &cur.dirs {
        let before = |r: Option<&Reading>, name: &str| {
            r.and_then(|r| r.dirs.get(dir))
                .and_then(|t| t.get(name))
                .and_then(Value::number)
        };
        for (name, value) in table {
            let schema = cur.schema.get(name);
            // In a histogram's own directory, each bucket is a row of its own: a count.
            let kind = match schema {
                Some(s) if s.bucket.is_some() && !name.contains('/') => Kind::Counter,
                _ => units::kind(schema, value),
            };
            let key = row_name(name, schema);
            let row = out.entry(key.clone()).or_insert_with(|| Row {
                name: key,
                kind,
                total: match value {
                    Value::Number(_) => Value::Number(0),
                    v => v.clone(),
                },
                rate: None,
                delta: None,
            });
            let Value::Number(n) = value else { continue };
            let counts = kind.is_counted();
            let total = match before(base, name) {
                Some(b) if counts => increase(*n, b),
                _ => *n,
            };
            if let Value::Number(t) = &mut row.total {
                *t += total;
            }
            if counts && prev.is_some() {
                // A directory new since the last reading adds no change yet.
                let d = before(prev, name).map_or(0, |p| increase(*n, p));
                row.delta = Some(row.delta.unwrap_or(0) + d);
            }
        }
    }
    let mut rows: Vec<Row> = out
        .into_values()
        .map(|mut r| {
            r.rate = r
                .delta
                .filter(|_| seconds > 0.0)
                .map(|d| d as f64 / seconds);
            r
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
        SortBy::Name => rows.sort_by_cached_key(|r| natural(&r.name)),
    }
    rows
}

/// The subdirectories of `dir` under `root` (VMs, vCPUs, histograms), sorted: what the
/// live view lists to drill into.
pub fn subdirs(root: &Path, dir: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join(dir))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    names.sort_by_key(|n| natural(n));
    names
}

/// A sort key that puts `vcpu2` before `vcpu10` and `100-9` before `100-10`.
fn natural(s: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            if !digits.is_empty() {
                out.push((
                    std::mem::take(&mut text),
                    digits.parse().unwrap_or(u64::MAX),
                ));
                digits.clear();
            }
            text.push(c);
        }
    }
    out.push((text, digits.parse().unwrap_or(0)));
    out
}
