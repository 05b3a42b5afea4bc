// SPDX-License-Identifier: GPL-2.0
//! Non-interactive output: `--once`/`--batch` (every value, its total and its change over
//! one interval) and `--log` (one record per interval), as columns, CSV or JSON.

use std::io::{self, Write};

use serde::Serialize;

use crate::tree::Value;
use crate::units::Kind;
use crate::view::Row;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Format {
    /// kvm_stat's own layout.
    Columns,
    Csv,
    Json,
}

#[derive(Serialize)]
struct JsonRow<'a> {
    name: &'a str,
    total: serde_json::Value,
    delta: Option<serde_json::Value>,
    rate: Option<f64>,
}

fn json_number(n: i128) -> serde_json::Value {
    // Beyond i64/u64 cannot happen for one statsfs value, but sums of guests could.
    i64::try_from(n)
        .map(serde_json::Value::from)
        .or_else(|_| u64::try_from(n).map(serde_json::Value::from))
        .unwrap_or_else(|_| serde_json::Value::from(n.to_string()))
}

fn json_value(v: &Value) -> serde_json::Value {
    match v {
        Value::Number(n) => json_number(*n),
        Value::Text(t) => serde_json::Value::from(t.as_str()),
    }
}

/// `--once`: a line per value. Columns are kvm_stat's `--batch` layout (name, total and
/// change over the interval, `%-42s%10d%10d`), text values left out as kvm_stat has
/// none; `skip_zero` leaves out values that did not change.
pub fn once(out: &mut dyn Write, rows: &[Row], format: Format, skip_zero: bool) -> io::Result<()> {
    let rows = rows
        .iter()
        .filter(|r| !skip_zero || r.delta.is_some_and(|d| d != 0));
    match format {
        Format::Columns => {
            for r in rows {
                let Value::Number(total) = r.total else {
                    continue;
                };
                writeln!(
                    out,
                    "{:<42}{:>10}{:>10}",
                    r.name,
                    total,
                    r.delta.unwrap_or(0)
                )?;
            }
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(["name", "total", "delta", "rate"])?;
            for r in rows {
                let rate = r.rate.map_or_else(String::new, |x| format!("{x:.3}"));
                let delta = r.delta.map_or_else(String::new, |d| d.to_string());
                w.write_record([r.name.as_str(), &r.total.to_string(), &delta, &rate])?;
            }
            w.flush()?;
        }
        Format::Json => {
            let list: Vec<JsonRow<'_>> = rows
                .map(|r| JsonRow {
                    name: &r.name,
                    total: json_value(&r.total),
                    delta: r.delta.map(json_number),
                    rate: r.rate,
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &list)?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// The number a log record holds for a row: the change of a counter over the interval,
/// the level of a gauge.
fn logged(row: &Row) -> Option<i128> {
    match row.kind {
        Kind::Gauge => row.total.number(),
        Kind::Text => None,
        _ => row.delta,
    }
}

/// `--log`: the changes of one interval as one record, columns in `names`' order, each
/// line starting with the wall-clock time as kvm_stat's.
pub struct Logger {
    format: Format,
    names: Vec<String>,
    lines: usize,
    /// Whether the header is still to be written (not when appending CSV to a file that
    /// already has one).
    header_due: bool,
}

/// A header every 20 records in columns, as kvm_stat -l.
const HEADER_EVERY: usize = 20;

impl Logger {
    /// `header_due`: false when appending CSV to a file that is not empty.
    pub fn new(format: Format, names: Vec<String>, header_due: bool) -> Logger {
        Logger {
            format,
            names,
            lines: 0,
            header_due,
        }
    }

    /// Starts over on a new file (SIGHUP): a header if it is empty (or not CSV).
    pub fn reopened(&mut self, empty: bool) {
        self.lines = 0;
        self.header_due = empty || self.format != Format::Csv;
    }

    fn widths(&self) -> impl Iterator<Item = (&String, usize)> {
        self.names.iter().map(|n| (n, n.len().max(9)))
    }

    /// Writes the record of `rows` at wall-clock `time`, unless `skip_zero` and nothing
    /// changed. Returns whether it wrote one.
    pub fn record(
        &mut self,
        out: &mut dyn Write,
        time: &str,
        rows: &[Row],
        skip_zero: bool,
    ) -> io::Result<bool> {
        let value = |name: &str| rows.iter().find(|r| r.name == name).and_then(logged);
        let delta = |name: &str| rows.iter().find(|r| r.name == name).and_then(|r| r.delta);
        if skip_zero && self.names.iter().all(|n| delta(n).unwrap_or(0) == 0) {
            return Ok(false);
        }
        match self.format {
            Format::Columns => {
                if self.header_due || self.lines.is_multiple_of(HEADER_EVERY) {
                    write!(out, "{:<19}", "timestamp")?;
                    for (n, w) in self.widths() {
                        write!(out, " {n:>w$}")?;
                    }
                    writeln!(out)?;
                    self.header_due = false;
                }
                write!(out, "{time:<19}")?;
                for (n, w) in self.widths() {
                    write!(out, " {:>w$}", value(n).unwrap_or(0))?;
                }
                writeln!(out)?;
            }
            Format::Csv => {
                let mut w = csv::Writer::from_writer(&mut *out);
                if self.header_due {
                    let mut header = vec!["timestamp".to_string()];
                    header.extend(self.names.iter().cloned());
                    w.write_record(&header)?;
                    self.header_due = false;
                }
                let mut record = vec![time.to_string()];
                record.extend(self.names.iter().map(|n| value(n).unwrap_or(0).to_string()));
                w.write_record(&record)?;
                w.flush()?;
            }
            Format::Json => {
                let values: serde_json::Map<String, serde_json::Value> = self
                    .names
                    .iter()
                    .map(|n| {
                        let v = value(n).map_or(serde_json::Value::Null, json_number);
                        (n.clone(), v)
                    })
                    .collect();
                serde_json::to_writer(
                    &mut *out,
                    &serde_json::json!({ "time": time, "values": values }),
                )?;
                writeln!(out)?;
            }
        }
        self.lines += 1;
        Ok(true)
    }
}
