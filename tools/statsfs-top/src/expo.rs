// SPDX-License-Identifier: GPL-2.0
//! The exposition formats: OpenMetrics 1.0 (what Prometheus asks for) and the Prometheus
//! text format 0.0.4 (what other clients and `promtool check metrics` read), written from
//! one model. Written here rather than with `prometheus-client`, which leaves label values
//! unescaped (client_rust#151), always writes a histogram's `_sum` (KVM's histograms
//! have one only where an exact `_ns` total exists) and writes no 0.0.4 text.

use std::collections::BTreeMap;
use std::fmt::Write;

/// Label names and values, in order.
pub type Labels = Vec<(String, String)>;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
    /// `<name>_info{...} 1`: labels that describe something (a VM's name and pid).
    Info,
    /// No `.schema` says what it is.
    Unknown,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Sample {
    /// A value in its own unit, exported as an integer.
    Integer(i128),
    /// A value converted to base units (nanoseconds to seconds).
    Number(f64),
    /// Per bucket its upper bound and its count (not cumulative); the sum of the samples
    /// where it is known exactly.
    Histogram {
        buckets: Vec<(f64, u64)>,
        sum: Option<f64>,
    },
    /// An info metric's sample (always 1).
    Info,
}

#[derive(Clone, Debug)]
pub struct Family {
    pub help: String,
    /// The base unit (`seconds`, `bytes`), which the name ends with.
    pub unit: Option<String>,
    pub kind: MetricType,
    pub samples: BTreeMap<Labels, Sample>,
}

/// Metric families by name (`statsfs_...`, without `_total`, `_info` or unit suffixes
/// beyond the unit).
pub type Families = BTreeMap<String, Family>;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Format {
    OpenMetrics,
    /// The Prometheus text format 0.0.4.
    Text,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
        }
    }
}

/// A label value as both formats write it: backslash, double quote and newline escaped,
/// so that a device named `x"}1` or a directory name holding a newline stays inside it.
fn escape_label(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A HELP text: backslash and newline escaped in both formats, and the double quote in
/// OpenMetrics, whose HELP is an escaped string (0.0.4 would keep its backslash).
fn escape_help(v: &str, format: Format) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if format == Format::OpenMetrics => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out
}

/// A float as both formats accept it: `+Inf`, `-Inf`, `NaN`, else Rust's shortest form
/// that reads back the same (`1.5`, `0.0`, `1e-9`).
fn float(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x == f64::INFINITY {
        "+Inf".into()
    } else if x == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{x:?}")
    }
}

fn label_set(labels: &Labels, extra: Option<(&str, &str)>) -> String {
    let mut parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
        .collect();
    if let Some((k, v)) = extra {
        parts.push(format!("{k}=\"{v}\""));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", parts.join(","))
    }
}

fn value_text(sample: &Sample, kind: MetricType) -> String {
    match sample {
        // A counter below 0 cannot be: a signed value misdescribed.
        Sample::Integer(n) if kind == MetricType::Counter => (*n).max(0).to_string(),
        Sample::Integer(n) => n.to_string(),
        Sample::Number(x) => float(*x),
        Sample::Histogram { .. } | Sample::Info => "1".into(),
    }
}

/// The exposition of `families` in `format`.
pub fn encode(families: &Families, format: Format) -> String {
    let mut out = String::new();
    for (name, fam) in families {
        // The name the HELP and TYPE lines carry, and the samples' suffix.
        let (described, suffix, type_name) = match (fam.kind, format) {
            (MetricType::Counter, Format::OpenMetrics) => (name.clone(), "_total", "counter"),
            (MetricType::Counter, Format::Text) => (format!("{name}_total"), "_total", "counter"),
            (MetricType::Gauge, _) => (name.clone(), "", "gauge"),
            (MetricType::Histogram, _) => (name.clone(), "", "histogram"),
            (MetricType::Info, Format::OpenMetrics) => (name.clone(), "_info", "info"),
            (MetricType::Info, Format::Text) => (format!("{name}_info"), "_info", "gauge"),
            (MetricType::Unknown, Format::OpenMetrics) => (name.clone(), "", "unknown"),
            // The text format's word for it: promtool accepts no other.
            (MetricType::Unknown, Format::Text) => (name.clone(), "", "untyped"),
        };
        let _ = writeln!(out, "# HELP {described} {}", escape_help(&fam.help, format));
        let _ = writeln!(out, "# TYPE {described} {type_name}");
        if let (Some(unit), Format::OpenMetrics) = (&fam.unit, format) {
            let _ = writeln!(out, "# UNIT {described} {unit}");
        }
        for (labels, sample) in &fam.samples {
            match sample {
                Sample::Histogram { buckets, sum } => {
                    let mut sorted = buckets.clone();
                    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
                    let mut cumulative = 0u64;
                    for (le, count) in &sorted {
                        cumulative = cumulative.saturating_add(*count);
                        let le = float(*le);
                        let _ = writeln!(
                            out,
                            "{name}_bucket{} {cumulative}",
                            label_set(labels, Some(("le", &le)))
                        );
                    }
                    // OpenMetrics: a count only beside a sum. Without an exact sum,
                    // the +Inf bucket is the count.
                    if let Some(sum) = sum {
                        let set = label_set(labels, None);
                        let _ = writeln!(out, "{name}_sum{set} {}", float(*sum));
                        let _ = writeln!(out, "{name}_count{set} {cumulative}");
                    }
                }
                s => {
                    let _ = writeln!(
                        out,
                        "{name}{suffix}{} {}",
                        label_set(labels, None),
                        value_text(s, fam.kind)
                    );
                }
            }
        }
    }
    if format == Format::OpenMetrics {
        out.push_str("# EOF\n");
    }
    out
}
