// SPDX-License-Identifier: GPL-2.0
//! The whole tree in the Prometheus/OpenMetrics text format, encoded by
//! `prometheus-client`. The path becomes a metric name and labels:
//! `kvm/<pid>-<fd>/vcpu<n>/exits` is `statsfs_kvm_exits_total{vm="<pid>-<fd>",vcpu="<n>"}`,
//! `net/dev/<dev>/rx_bytes` is `statsfs_net_rx_bytes_total{device="<dev>"}` (a mount shows
//! one network namespace's devices),
//! other directories go into a `path` label. Types and units come from `.schema`:
//! cumulative values are counters, the others gauges; histograms are histograms; a value
//! counted in nanoseconds is exported in seconds. Aggregates are left out unless asked for
//! (Prometheus sums the parts itself; both would count twice). Text values are left out.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeLabelValue, LabelValueEncoder, MetricEncoder, NoLabelSet,
};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};

use crate::tree::{self, ReadError, Schema, Snapshot, Value};

type Labels = Vec<(String, String)>;

/// A label value as both exposition formats write it: `\`, `"` and newline escaped.
/// `prometheus-client` writes label values as they are, so a device named `x"}1` or a
/// directory name holding a newline would end the label set or the line early.
struct Escaped<'a>(&'a str);

/// A HELP text as both exposition formats write it: `\` and newline escaped (which
/// `prometheus-client` leaves to its caller).
fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

impl EncodeLabelValue for Escaped<'_> {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> fmt::Result {
        use std::fmt::Write;
        for c in self.0.chars() {
            match c {
                '\\' => encoder.write_str("\\\\")?,
                '"' => encoder.write_str("\\\"")?,
                '\n' => encoder.write_str("\\n")?,
                c => encoder.write_char(c)?,
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
enum Sample {
    /// A value in its own unit: exported as an integer.
    Integer(i128),
    /// A value converted to base units (nanoseconds to seconds).
    Number(f64),
    /// Per bucket: its upper bound and its count (not cumulative yet).
    Histogram(Vec<(f64, u64)>),
}

#[derive(Debug)]
struct Family {
    help: String,
    unit: Option<Unit>,
    kind: MetricType,
    samples: BTreeMap<Labels, Sample>,
}

/// The families of a snapshot of the whole tree, by metric name.
#[derive(Debug, Default)]
struct Families(BTreeMap<String, Family>);

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
            "kvm"
                if dir.split_once('-').is_some_and(|(p, f)| {
                    p.bytes().all(|b| b.is_ascii_digit()) && f.bytes().all(|b| b.is_ascii_digit())
                }) =>
            {
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

/// What a value counts in, for the exporter: the Prometheus unit and the factor to base units.
fn unit_of(schema: Option<&Schema>) -> (Option<Unit>, f64) {
    let Some(s) = schema else { return (None, 1.0) };
    let factor = s.scale.map_or(1.0, |(base, exp)| f64::from(base).powi(exp));
    match s.unit.as_str() {
        "seconds" => (Some(Unit::Seconds), factor),
        "bytes" => (Some(Unit::Bytes), factor),
        "cycles" => (Some(Unit::Other("cycles".into())), factor),
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

fn families(snap: &Snapshot, with_aggregates: bool) -> Families {
    let mut fams = Families::default();
    for (path, value) in &snap.values {
        let schema = snap.schema.get(path);
        let Value::Number(n) = value else { continue };
        if schema.is_some_and(|s| s.text || (s.aggregate && !with_aggregates)) {
            continue;
        }
        let bucket = schema.and_then(|s| s.bucket.as_ref());
        let (mut base, labels) = name_and_labels(path, bucket.is_some());
        let (unit, factor) = unit_of(schema);
        // The unit is appended to the name: one already there would appear twice.
        let unit_suffix = match &unit {
            Some(Unit::Bytes) => Some("_bytes"),
            Some(Unit::Seconds) => Some("_seconds"),
            _ => None,
        };
        if let Some(stripped) = unit_suffix.and_then(|u| base.strip_suffix(u)) {
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
        let kind = metric_type(schema);
        let fam = fams
            .0
            .entry(format!("statsfs_{base}"))
            .or_insert_with(|| Family {
                help: escape_help(&format!("statsfs {}", generic_path(path, bucket.is_some()))),
                unit,
                kind,
                samples: BTreeMap::new(),
            });
        match bucket {
            Some(b) => {
                // prometheus-client writes f64::MAX as "+Inf".
                let le = match upper_bound(b) {
                    x if x.is_infinite() => f64::MAX,
                    x => x * factor,
                };
                let count = u64::try_from(*n).unwrap_or(0);
                if let Sample::Histogram(buckets) = fam
                    .samples
                    .entry(labels)
                    .or_insert(Sample::Histogram(Vec::new()))
                {
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
    fams
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

fn encode_sample(m: &mut MetricEncoder<'_>, sample: &Sample, kind: MetricType) -> fmt::Result {
    match (sample, kind) {
        (Sample::Integer(n), MetricType::Counter) => {
            // A counter below 0 cannot be: a signed value misdescribed.
            let n = u64::try_from(*n).unwrap_or(0);
            m.encode_counter::<NoLabelSet, u64, f64>(&n, None)
        }
        (Sample::Integer(n), _) => match i64::try_from(*n) {
            Ok(n) => m.encode_gauge(&n),
            Err(_) => m.encode_gauge(&(*n as f64)),
        },
        (Sample::Number(x), MetricType::Counter) => {
            m.encode_counter::<NoLabelSet, f64, f64>(x, None)
        }
        (Sample::Number(x), _) => m.encode_gauge(x),
        (Sample::Histogram(buckets), _) => {
            let mut sorted = buckets.clone();
            sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
            let count = sorted.iter().map(|b| b.1).sum();
            // KVM's histograms count samples but keep no sum of them.
            m.encode_histogram::<NoLabelSet>(f64::NAN, count, &sorted, None)
        }
    }
}

impl Collector for Families {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), fmt::Error> {
        for (name, fam) in &self.0 {
            let mut metric =
                encoder.encode_descriptor(name, &fam.help, fam.unit.as_ref(), fam.kind)?;
            for (labels, sample) in &fam.samples {
                if labels.is_empty() {
                    // The family's own sample, without "{}".
                    encode_sample(&mut metric, sample, fam.kind)?;
                } else {
                    let escaped: Vec<(&str, Escaped<'_>)> = labels
                        .iter()
                        .map(|(k, v)| (k.as_str(), Escaped(v)))
                        .collect();
                    encode_sample(&mut metric.encode_family(&escaped)?, sample, fam.kind)?;
                }
            }
        }
        Ok(())
    }
}

/// The Prometheus text format (0.0.4) of an OpenMetrics exposition, for clients that do
/// not ask for OpenMetrics (and for `promtool check metrics`): a counter's HELP and TYPE
/// name its `_total` samples, a value of no known type is `untyped`, and there is no UNIT
/// or EOF line.
pub fn to_prometheus_text(openmetrics: &str) -> String {
    let mut counters = std::collections::HashSet::new();
    for line in openmetrics.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            if let Some(name) = rest.strip_suffix(" counter") {
                counters.insert(name.to_string());
            }
        }
    }
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line.starts_with("# UNIT ") || line == "# EOF" {
            continue;
        }
        let rewritten = ["# HELP ", "# TYPE "].iter().find_map(|p| {
            let rest = line.strip_prefix(p)?;
            let (name, tail) = rest.split_once(' ')?;
            counters
                .contains(name)
                .then(|| format!("{p}{name}_total {tail}"))
        });
        let line = rewritten.as_deref().unwrap_or(line);
        // OpenMetrics's "unknown" is the text format's "untyped" (promtool accepts no other).
        match line
            .strip_prefix("# TYPE ")
            .and_then(|r| r.strip_suffix(" unknown"))
        {
            Some(name) => out.push_str(&format!("# TYPE {name} untyped")),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// The exposition of the tree under `root`.
pub fn exposition(root: &Path, with_aggregates: bool) -> Result<String, ReadError> {
    let snap = tree::read(root)?;
    let mut registry = Registry::default();
    registry.register_collector(Box::new(families(&snap, with_aggregates)));
    let mut out = String::new();
    prometheus_client::encoding::text::encode(&mut out, &registry)
        .map_err(|_| ReadError::Io(root.to_path_buf(), std::io::Error::other("encoding failed")))?;
    Ok(out)
}

/// Serves the exposition at `/metrics` on `listen` until the process is killed.
pub fn serve(root: &Path, listen: &str, with_aggregates: bool) -> anyhow::Result<()> {
    let server = tiny_http::Server::http(listen)
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    eprintln!(
        "statsfs-top: serving {} at http://{listen}/metrics",
        root.display()
    );
    for request in server.incoming_requests() {
        // OpenMetrics to whoever asks for it (Prometheus does), the 0.0.4 text otherwise.
        let openmetrics = request.headers().iter().any(|h| {
            h.field.equiv("Accept") && h.value.as_str().contains("application/openmetrics-text")
        });
        let response = if request.url() != "/metrics" {
            tiny_http::Response::from_string("statsfs-top: try /metrics\n").with_status_code(404)
        } else {
            match exposition(root, with_aggregates) {
                Ok(text) if openmetrics => tiny_http::Response::from_string(text).with_header(
                    "Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8"
                        .parse::<tiny_http::Header>()
                        .expect("a valid header"),
                ),
                Ok(text) => tiny_http::Response::from_string(to_prometheus_text(&text))
                    .with_header(
                        "Content-Type: text/plain; version=0.0.4; charset=utf-8"
                            .parse::<tiny_http::Header>()
                            .expect("a valid header"),
                    ),
                Err(e) => tiny_http::Response::from_string(format!("{e}\n")).with_status_code(503),
            }
        };
        // A scraper that hung up is not our problem.
        let _ = request.respond(response);
    }
    Ok(())
}
