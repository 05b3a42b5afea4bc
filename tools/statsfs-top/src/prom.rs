// SPDX-License-Identifier: GPL-2.0
//! The tree as metric families. The path becomes a metric name and labels:
//! `kvm/<pid>-<fd>/exits` is `statsfs_kvm_exits_total{vm="<pid>-<fd>"}` (the kernel's
//! own per-VM sum over the VM's vCPUs), `kvm/<pid>-<fd>/vcpu<n>/exits` with `--per-vcpu`
//! is `statsfs_kvm_exits_total{vm="<pid>-<fd>",vcpu="<n>"}`,
//! `net/dev/<dev>/rx_bytes` is `statsfs_net_rx_bytes_total{device="<dev>"}` (a mount
//! shows one network namespace's devices), other directories go into a `path` label.
//! Types and units come from `.schema`: cumulative values are counters, the others
//! gauges; histograms are histograms, with a `_sum` where KVM keeps the exact total of
//! the same samples (`halt_wait_hist` and `halt_wait_ns`); a value counted in nanoseconds
//! is exported in seconds. Each VM also gets `statsfs_kvm_vm_info{vm,name,pid}`.
//! Aggregates over several VMs or devices are left out unless asked for (Prometheus sums
//! the parts itself; both would count twice). Text values are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::expo::{self, Families, Family, Labels, MetricType, Sample};
use crate::guests;
use crate::tree::{self, ReadError, Schema, Snapshot, Value};

/// What the exporter exports.
#[derive(Clone, Debug)]
pub struct Options {
    /// Aggregates over several VMs or devices too (`kvm/exits`, `net/rx_bytes`), and with
    /// `per_vcpu` the per-VM sums as well.
    pub with_aggregates: bool,
    /// A series per vCPU (about 150 per vCPU) instead of per VM.
    pub per_vcpu: bool,
    /// Where `/proc` is, for the guests' names.
    pub proc: PathBuf,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            with_aggregates: false,
            per_vcpu: false,
            proc: PathBuf::from("/proc"),
        }
    }
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The metric name (without `statsfs_` and unit) and labels of a value's path; for a
/// histogram bucket, of the histogram.
fn name_and_labels(path: &str, bucket: bool) -> (String, Labels) {
    let mut parts: Vec<&str> = path.split('/').collect();
    if bucket {
        parts.pop();
    }
    let leaf = parts.pop().unwrap_or("");
    let Some((&subsystem, dirs)) = parts.split_first() else {
        return (sanitize(leaf), Vec::new());
    };
    let mut labels = Labels::new();
    let mut rest = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        let last = i + 1 == dirs.len();
        match subsystem {
            "kvm" if i == 0 && guests::vm_pid(dir).is_some() => {
                labels.push(("vm".into(), dir.to_string()))
            }
            "kvm"
                if dir
                    .strip_prefix("vcpu")
                    .is_some_and(|n| n.parse::<u32>().is_ok()) =>
            {
                labels.push(("vcpu".into(), dir["vcpu".len()..].to_string()))
            }
            // The devices' directory: `net/dev/<dev>/`.
            "net" if i == 0 && *dir == "dev" && !last => {}
            "net" if last && i == 1 && dirs[0] == "dev" => {
                labels.push(("device".into(), dir.to_string()))
            }
            _ => rest.push(*dir),
        }
    }
    if !rest.is_empty() {
        labels.push(("path".into(), rest.join("/")));
    }
    (
        format!("{}_{}", sanitize(subsystem), sanitize(leaf)),
        labels,
    )
}

/// What a value counts in, for the exporter: the base unit and the factor to it.
fn unit_of(schema: Option<&Schema>) -> (Option<&'static str>, f64) {
    let Some(s) = schema else { return (None, 1.0) };
    let factor = s.scale.map_or(1.0, |(base, exp)| f64::from(base).powi(exp));
    match s.unit.as_str() {
        "seconds" => (Some("seconds"), factor),
        "bytes" => (Some("bytes"), factor),
        "cycles" => (Some("cycles"), factor),
        _ => (None, factor),
    }
}

fn metric_type(schema: Option<&Schema>) -> MetricType {
    match schema {
        Some(s) if s.bucket.is_some() => MetricType::Histogram,
        Some(s) if s.floating || matches!(s.kind.as_str(), "instant" | "peak") => MetricType::Gauge,
        Some(_) => MetricType::Counter,
        // No schema: counters are what statsfs files mostly are, but nothing says so.
        None => MetricType::Unknown,
    }
}

/// The upper bound of `bucket`, in the value's own unit, or infinity for the last one.
fn upper_bound(b: &tree::Bucket) -> f64 {
    if b.index + 1 >= b.count {
        return f64::INFINITY;
    }
    match b.width {
        // Integer samples in [i * w, (i + 1) * w): at most (i + 1) * w - 1.
        Some(w) => ((u64::from(b.index) + 1) * w) as f64 - 1.0,
        // Bucket 0 holds the zeros, bucket i > 0 [2^(i-1), 2^i).
        None if b.index == 0 => 0.0,
        None => 2f64.powi(b.index as i32) - 1.0,
    }
}

/// The path with the label values replaced by `*`, for the help text.
fn generic_path(path: &str, bucket: bool) -> String {
    let (_, labels) = name_and_labels(path, bucket);
    let mut parts: Vec<String> = path.split('/').map(String::from).collect();
    if bucket {
        parts.pop();
    }
    for part in parts.iter_mut() {
        let is_label = |v: &str| *part == v;
        if labels
            .iter()
            .any(|(k, v)| k == "vcpu" && part.strip_prefix("vcpu") == Some(v))
        {
            *part = "vcpu*".into();
        } else if labels.iter().any(|(k, v)| k != "path" && is_label(v)) {
            *part = "*".into();
        }
    }
    parts.join("/")
}

/// The histogram's exact sum, in its own unit, where KVM keeps one: `<x>_hist` beside a
/// cumulative `<x>_ns` counted in the same unit (`halt_wait_hist` and `halt_wait_ns`,
/// `halt_poll_success_hist` and `halt_poll_success_ns`, `halt_poll_fail_hist` and
/// `halt_poll_fail_ns`: KVM adds each sample to both at once).
fn exact_sum(snap: &Snapshot, hist_path: &str) -> Option<f64> {
    let hist_schema = snap.schema.get(&format!("{hist_path}/0"))?;
    let total = format!("{}_ns", hist_path.strip_suffix("_hist")?);
    let s = snap.schema.get(&total)?;
    if s.kind != "cumulative" || s.unit != hist_schema.unit || s.scale != hist_schema.scale {
        return None;
    }
    Some(snap.values.get(&total)?.number()? as f64)
}

/// Whether the value at `path` (with its labels) is exported.
fn exported(labels: &Labels, schema: Option<&Schema>, opts: &Options) -> bool {
    let has = |k: &str| labels.iter().any(|(l, _)| l == k);
    let aggregate = schema.is_some_and(|s| s.aggregate);
    if has("vcpu") {
        return opts.per_vcpu;
    }
    if has("vm") && aggregate {
        // A VM's sums over its vCPUs: the per-VM series, unless the vCPUs' own are out.
        return !opts.per_vcpu || opts.with_aggregates;
    }
    !aggregate || opts.with_aggregates
}

/// The families of a snapshot of the whole tree.
pub fn families(snap: &Snapshot, opts: &Options) -> Families {
    let mut fams = Families::new();
    let mut vms = BTreeSet::new();
    for (path, value) in &snap.values {
        let schema = snap.schema.get(path);
        // A value with no schema line in a tree that has a schema came or went between
        // the two reads (a VM destroyed): it cannot be typed, so it waits for the next.
        if schema.is_none() && !snap.schema.is_empty() {
            continue;
        }
        let Value::Number(n) = value else { continue };
        if schema.is_some_and(|s| s.text) {
            continue;
        }
        let bucket = schema.and_then(|s| s.bucket.as_ref());
        let (mut base, labels) = name_and_labels(path, bucket.is_some());
        if let Some((_, vm)) = labels.iter().find(|(k, _)| k == "vm") {
            vms.insert(vm.clone());
        }
        if !exported(&labels, schema, opts) {
            continue;
        }
        let (unit, factor) = unit_of(schema);
        // The unit is appended to the name: one already there would appear twice.
        if let Some(stripped) = unit.and_then(|u| base.strip_suffix(&format!("_{u}"))) {
            base = stripped.to_string();
        }
        // The value is exported in base units, so a unit in its name would now lie.
        if unit.is_some() && factor != 1.0 {
            for suffix in ["_ns", "_us", "_ms", "_nsec", "_usec", "_msec"] {
                if let Some(stripped) = base.strip_suffix(suffix) {
                    base = stripped.to_string();
                    break;
                }
            }
        }
        let name = match unit {
            Some(u) => format!("statsfs_{base}_{u}"),
            None => format!("statsfs_{base}"),
        };
        let kind = metric_type(schema);
        let fam = fams.entry(name).or_insert_with(|| Family {
            help: format!("statsfs {}", generic_path(path, bucket.is_some())),
            unit: unit.map(str::to_string),
            kind,
            samples: BTreeMap::new(),
        });
        match bucket {
            Some(b) => {
                let le = match upper_bound(b) {
                    x if x.is_infinite() => x,
                    x => x * factor,
                };
                let count = u64::try_from(*n).unwrap_or(0);
                let hist = path.rsplit_once('/').map_or("", |(h, _)| h);
                let sample = fam
                    .samples
                    .entry(labels)
                    .or_insert_with(|| Sample::Histogram {
                        buckets: Vec::new(),
                        sum: exact_sum(snap, hist).map(|s| s * factor),
                    });
                if let Sample::Histogram { buckets, .. } = sample {
                    buckets.push((le, count));
                }
            }
            None if factor == 1.0 => {
                fam.samples.insert(labels, Sample::Integer(*n));
            }
            None => {
                fam.samples
                    .insert(labels, Sample::Number(*n as f64 * factor));
            }
        }
    }
    if !vms.is_empty() {
        fams.insert("statsfs_kvm_vm".into(), vm_info(vms.iter(), &opts.proc));
    }
    fams
}

/// `statsfs_kvm_vm_info{vm,name,pid} 1` for each VM. A VM's directory holds no name (only
/// its statistics and its vCPUs'): the pid is the `<pid>` of `<pid>-<fd>`, the name is
/// QEMU's `-name` of that process, else its comm, as `-g` finds guests; empty if the
/// process cannot be read from this pid namespace.
fn vm_info<'a>(vms: impl Iterator<Item = &'a String>, proc: &Path) -> Family {
    let samples = vms
        .filter_map(|vm| {
            let pid = guests::vm_pid(vm)?;
            let name = guests::guest_name(proc, pid).unwrap_or_default();
            Some((
                vec![
                    ("vm".to_string(), vm.clone()),
                    ("name".to_string(), name),
                    ("pid".to_string(), pid.to_string()),
                ],
                Sample::Info,
            ))
        })
        .collect();
    Family {
        help: "A VM of kvm/: its directory, its guest's name (QEMU -name, else the comm) and its process".into(),
        unit: None,
        kind: MetricType::Info,
        samples,
    }
}

/// Whether a path is below a vCPU's directory (`kvm/<vm>/vcpu<n>/...`).
fn is_vcpu_path(path: &str) -> bool {
    let mut parts = path.split('/');
    parts.next() == Some("kvm")
        && parts.next().and_then(guests::vm_pid).is_some()
        && parts
            .next()
            .and_then(|d| d.strip_prefix("vcpu"))
            .is_some_and(|n| n.parse::<u32>().is_ok())
        && parts.next().is_some()
}

/// A snapshot of the tree for `opts`: without the vCPUs' lines unless they are exported.
pub fn snapshot(root: &Path, opts: &Options) -> Result<Snapshot, ReadError> {
    if opts.per_vcpu {
        tree::read(root)
    } else {
        tree::read_keeping(root, &|p| !is_vcpu_path(p))
    }
}

/// The exposition of the tree under `root` in `format`.
pub fn exposition(root: &Path, opts: &Options, format: expo::Format) -> Result<String, ReadError> {
    let snap = snapshot(root, opts)?;
    Ok(expo::encode(&families(&snap, opts), format))
}
