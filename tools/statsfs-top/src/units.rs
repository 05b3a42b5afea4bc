// SPDX-License-Identifier: GPL-2.0
//! What a value is, from `.schema`: a counter (its rate means something), a time counted
//! in some unit (shown in seconds, its rate as a share of the interval), a gauge or a
//! peak (no rate), a histogram (one row, its samples), or text.

use crate::tree::{Schema, Value};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// A count of events (or of bytes): totals and rates.
    Counter,
    /// A cumulative time, counted in `10^exp` seconds: its rate is the share of each
    /// second spent.
    Time { exp: i32 },
    /// An instant value or a peak: its level, no rate.
    Gauge,
    /// A histogram's buckets: one row, counting its samples.
    Histogram,
    /// A show function's text.
    Text,
}

impl Kind {
    /// Whether changes between readings mean something (counters, times, histograms).
    pub fn is_counted(self) -> bool {
        matches!(self, Kind::Counter | Kind::Time { .. } | Kind::Histogram)
    }

    /// Whether the value adds into the live view's `%Total` column (plain counts only:
    /// no times, levels, peaks or histograms).
    pub fn in_percent_total(self) -> bool {
        self == Kind::Counter
    }
}

/// The kind of a value, from its schema line; a tree without `.schema` has counters and
/// text only.
pub fn kind(schema: Option<&Schema>, value: &Value) -> Kind {
    if matches!(value, Value::Text(_)) || schema.is_some_and(|s| s.text) {
        return Kind::Text;
    }
    let Some(s) = schema else {
        return Kind::Counter;
    };
    if s.bucket.is_some() {
        return Kind::Histogram;
    }
    if s.floating || matches!(s.kind.as_str(), "instant" | "peak") {
        return Kind::Gauge;
    }
    match (s.unit.as_str(), s.scale) {
        ("seconds", Some((10, exp))) => Kind::Time { exp },
        ("seconds", None) => Kind::Time { exp: 0 },
        _ => Kind::Counter,
    }
}

/// A total for people: a time in seconds, anything else as it is.
pub fn show_total(kind: Kind, total: &Value) -> String {
    match (kind, total) {
        (Kind::Time { exp }, Value::Number(n)) => format!("{:.3} s", *n as f64 * 10f64.powi(exp)),
        (_, v) => v.to_string(),
    }
}

/// A rate for people: a time's as the percentage of the interval it took, a counter's
/// per second, none for the others.
pub fn show_rate(kind: Kind, rate: Option<f64>) -> String {
    match (kind, rate) {
        (Kind::Time { exp }, Some(r)) => format!("{:.1} %", r * 10f64.powi(exp) * 100.0),
        (Kind::Counter | Kind::Histogram, Some(r)) => format!("{r:.0}"),
        _ => String::new(),
    }
}
