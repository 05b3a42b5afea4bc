// SPDX-License-Identifier: GPL-2.0
//! Non-interactive output: `--once` (every value, its total and its rate) and `--log`
//! (one record per interval), as columns, CSV or JSON.

use std::io::{self, Write};

use serde::Serialize;

use crate::view::Row;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Format {
    Columns,
    Csv,
    Json,
}

#[derive(Serialize)]
struct JsonRow<'a> {
    name: &'a str,
    total: serde_json::Value,
    rate: Option<f64>,
}

fn json_value(v: &crate::tree::Value) -> serde_json::Value {
    match v {
        // Beyond i64/u64 cannot happen for one statsfs value, but sums of guests could.
        crate::tree::Value::Number(n) => i64::try_from(*n)
            .map(serde_json::Value::from)
            .or_else(|_| u64::try_from(*n).map(serde_json::Value::from))
            .unwrap_or_else(|_| serde_json::Value::from(n.to_string())),
        crate::tree::Value::Text(t) => serde_json::Value::from(t.as_str()),
    }
}

/// `--once`: a line per value, `skip_zero` leaving out values whose rate is 0.
pub fn once(out: &mut dyn Write, rows: &[Row], format: Format, skip_zero: bool) -> io::Result<()> {
    let rows = rows
        .iter()
        .filter(|r| !skip_zero || r.rate.is_some_and(|x| x != 0.0));
    match format {
        Format::Columns => {
            writeln!(out, "{:<40} {:>20} {:>14}", "Value", "Total", "Rate/s")?;
            for r in rows {
                let rate = r
                    .rate
                    .map_or_else(|| "-".to_string(), |x| format!("{x:.1}"));
                writeln!(
                    out,
                    "{:<40} {:>20} {:>14}",
                    r.name,
                    r.total.to_string(),
                    rate
                )?;
            }
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(["name", "total", "rate"])?;
            for r in rows {
                let rate = r.rate.map_or_else(String::new, |x| format!("{x:.3}"));
                w.write_record([r.name.as_str(), &r.total.to_string(), &rate])?;
            }
            w.flush()?;
        }
        Format::Json => {
            let list: Vec<JsonRow<'_>> = rows
                .map(|r| JsonRow {
                    name: &r.name,
                    total: json_value(&r.total),
                    rate: r.rate,
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &list)?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// `--log`: the changes of one interval as one record, columns in `names`' order.
pub struct Logger {
    format: Format,
    names: Vec<String>,
    lines: usize,
    csv_header_done: bool,
}

impl Logger {
    pub fn new(format: Format, names: Vec<String>) -> Logger {
        Logger {
            format,
            names,
            lines: 0,
            csv_header_done: false,
        }
    }

    /// Writes the record of `rows` (per-interval changes), unless `skip_zero` and all are 0.
    /// Returns whether it wrote one.
    pub fn record(
        &mut self,
        out: &mut dyn Write,
        time: f64,
        rows: &[Row],
        skip_zero: bool,
    ) -> io::Result<bool> {
        let delta = |name: &str| rows.iter().find(|r| r.name == name).and_then(|r| r.delta);
        if skip_zero && self.names.iter().all(|n| delta(n).unwrap_or(0) == 0) {
            return Ok(false);
        }
        match self.format {
            Format::Columns => {
                // A header every 20 records, as kvm_stat -l does.
                if self.lines.is_multiple_of(20) {
                    for n in &self.names {
                        write!(out, " {n:>14.14}")?;
                    }
                    writeln!(out)?;
                }
                for n in &self.names {
                    write!(out, " {:>14}", delta(n).unwrap_or(0))?;
                }
                writeln!(out)?;
            }
            Format::Csv => {
                let mut w = csv::Writer::from_writer(&mut *out);
                if !self.csv_header_done {
                    let mut header = vec!["timestamp".to_string()];
                    header.extend(self.names.iter().cloned());
                    w.write_record(&header)?;
                    self.csv_header_done = true;
                }
                let mut record = vec![format!("{time:.3}")];
                record.extend(self.names.iter().map(|n| delta(n).unwrap_or(0).to_string()));
                w.write_record(&record)?;
                w.flush()?;
            }
            Format::Json => {
                let values: serde_json::Map<String, serde_json::Value> = self
                    .names
                    .iter()
                    .map(|n| {
                        let v = delta(n).map_or(serde_json::Value::Null, |d| {
                            json_value(&crate::tree::Value::Number(d))
                        });
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
