// SPDX-License-Identifier: GPL-2.0
//! Reading trees and views: bulk and per-file reads, escapes, garbage, a directory's own
//! values only, units, rates that never go negative, guests found again at every reading.

mod common;

use std::fs;
use std::path::Path;

use common::*;
use statsfs_top::output::{self, Format, Logger};
use statsfs_top::tree::{self, Depth, Method, ReadError, Value};
use statsfs_top::units::{self, Kind};
use statsfs_top::view::{self, SortBy, Target};

#[test]
fn bulk_and_per_file_reads_agree() {
    let bulk = kvm_tree([10, 20, 30], true);
    let plain = kvm_tree([10, 20, 30], false);
    let a = tree::read(&bulk.path().join("kvm")).unwrap();
    let b = tree::read(&plain.path().join("kvm")).unwrap();
    assert_eq!(a.method, Method::Bulk);
    assert_eq!(b.method, Method::PerFile);
    assert_eq!(a.values, b.values);
    assert_eq!(a.values["exits"], Value::Number(60));
    assert_eq!(
        a.values["100-11/vcpu0/mp_state"],
        Value::Text("RUNNABLE".into())
    );
    assert!(a.schema["100-11/vcpu0/halt_wait_hist/2"].bucket.is_some());
}

#[test]
fn escapes_are_undone() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".values",
        "a\\040b 5\nstate Hello\\040world\\134\n",
    );
    let snap = tree::read(dir.path()).unwrap();
    assert_eq!(snap.values["a b"], Value::Number(5));
    assert_eq!(snap.values["state"], Value::Text("Hello world\\".into()));
    assert_eq!(tree::unescape("\\01"), None);
}

#[test]
fn garbage_and_vanishing_files_are_skipped_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "good", "7\n");
    write(root, "binary", "\0\u{1}\u{2}");
    write(root, "empty", "");
    // A value that went away between readdir and open.
    std::os::unix::fs::symlink(root.join("gone"), root.join("vanished")).unwrap();
    let snap = tree::read(root).unwrap();
    assert_eq!(snap.values.len(), 1);
    assert_eq!(snap.values["good"], Value::Number(7));
    assert_eq!(snap.warnings.len(), 2, "{:?}", snap.warnings);
    // Garbage in .values: the line is reported and skipped, the others kept.
    write(root, ".values", "good 7\nno-space-here\nbad\\9 1\n");
    let snap = tree::read(root).unwrap();
    assert_eq!(snap.values.len(), 1);
    assert_eq!(snap.warnings.len(), 2);
}

#[test]
fn missing_and_denied_directories_are_told_apart() {
    let err = tree::read(Path::new("/nonexistent/statsfs")).unwrap_err();
    assert!(matches!(err, ReadError::Missing(_)), "{err}");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "file", "1\n");
    assert!(tree::read(&dir.path().join("file")).is_err());
}

#[test]
fn own_read_stops_at_the_first_subdirectory() {
    // A .values whose subdirectory lines are garbage: an own read never gets to them,
    // which is how it leaves the kernel's walk of the subtree undone.
    let dir = tempfile::tempdir().unwrap();
    let mut values = "exits 5\nhist/0 1\nhist/1 2\n".to_string();
    for i in 0..5000 {
        values.push_str(&format!("vcpu{i}/exits x\\9\n"));
    }
    write(dir.path(), ".values", &values);
    let own = tree::read_depth(dir.path(), Depth::Own).unwrap();
    assert_eq!(own.values.len(), 3, "{:?}", own.values);
    assert!(own.warnings.is_empty(), "{:?}", own.warnings);
    let all = tree::read_depth(dir.path(), Depth::Subtree).unwrap();
    assert_eq!(all.warnings.len(), 5000);
}

#[test]
fn view_shows_a_directory_with_its_histograms_collapsed() {
    let t = kvm_tree([10, 20, 30], true);
    let proc = fake_proc();
    let r = view::read(&sel(t.path(), dir("kvm/100-11/vcpu0"), None, proc.path())).unwrap();
    let rows = view::rows(&r, None, None, 0.0, SortBy::Name);
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "exits",
            "halt_exits",
            "halt_wait_hist",
            "halt_wait_ns",
            "mp_state"
        ]
    );
    let hist = rows.iter().find(|r| r.name == "halt_wait_hist").unwrap();
    assert_eq!(
        (hist.kind, &hist.total),
        (Kind::Histogram, &Value::Number(6))
    );
    // Its buckets, in its own directory.
    let r = view::read(&sel(
        t.path(),
        dir("kvm/100-11/vcpu0/halt_wait_hist"),
        None,
        proc.path(),
    ))
    .unwrap();
    let rows = view::rows(&r, None, None, 0.0, SortBy::Name);
    assert_eq!(
        rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["0", "1", "2"]
    );
    // The top of kvm/: its aggregates, not the VMs' values.
    let r = view::read(&sel(t.path(), dir("kvm"), None, proc.path())).unwrap();
    assert_eq!(r.names(), ["exits"]);
}

#[test]
fn units_from_the_schema() {
    let t = kvm_tree([10, 20, 30], true);
    let proc = fake_proc();
    let r = view::read(&sel(t.path(), dir("kvm/100-11"), None, proc.path())).unwrap();
    let rows = view::rows(&r, Some(&r), None, 1.0, SortBy::Name);
    let kind = |n: &str| rows.iter().find(|r| r.name == n).unwrap().kind;
    assert_eq!(kind("exits"), Kind::Counter);
    assert_eq!(kind("pages_4k"), Kind::Gauge);
    assert_eq!(kind("halt_wait_ns"), Kind::Time { exp: -9 });
    // A gauge has no rate; a time shows in seconds, its rate as a share of the interval.
    let gauge = rows.iter().find(|r| r.name == "pages_4k").unwrap();
    assert_eq!((gauge.rate, gauge.delta), (None, None));
    assert_eq!(units::show_rate(Kind::Gauge, Some(3.0)), "");
    assert_eq!(
        units::show_total(Kind::Time { exp: -9 }, &Value::Number(1_500_000_000)),
        "1.500 s"
    );
    assert_eq!(
        units::show_rate(Kind::Time { exp: -9 }, Some(250_000_000.0)),
        "25.0 %"
    );
    assert!(Kind::Counter.in_percent_total() && !Kind::Time { exp: -9 }.in_percent_total());
    assert!(!Kind::Gauge.in_percent_total() && !Kind::Histogram.in_percent_total());
}

#[test]
fn rates_totals_baseline_and_sorting() {
    let proc = fake_proc();
    let t1 = kvm_tree([10, 20, 30], true);
    let t2 = kvm_tree([40, 20, 30], true);
    let a = view::read(&sel(t1.path(), dir("kvm/100-11"), None, proc.path())).unwrap();
    let b = view::read(&sel(t2.path(), dir("kvm/100-11"), None, proc.path())).unwrap();
    let rows = view::rows(&b, Some(&a), None, 2.0, SortBy::Rate);
    assert_eq!(rows[0].name, "exits");
    assert_eq!(rows[0].rate, Some(15.0));
    assert_eq!(rows[0].delta, Some(30));
    assert_eq!(rows[0].total, Value::Number(40));
    let halt = rows.iter().find(|r| r.name == "halt_exits").unwrap();
    assert_eq!(halt.rate, Some(1.5));
    // Since a baseline (the 'r' key): totals count from it.
    let rows = view::rows(&b, Some(&a), Some(&a), 2.0, SortBy::Name);
    let exits = rows.iter().find(|r| r.name == "exits").unwrap();
    assert_eq!(exits.total, Value::Number(30));
    let rows = view::rows(&b, None, None, 0.0, SortBy::Total);
    assert_eq!(rows[0].name, "halt_wait_ns");
    assert_eq!(rows[0].rate, None);
}

#[test]
fn a_counter_that_went_down_has_no_negative_rate() {
    // kvm/'s sum drops when a VM ends: the change is none, not negative.
    let proc = fake_proc();
    let before = kvm_tree([10, 20, 30], true);
    let after = kvm_tree([10, 20, 0], true);
    let a = view::read(&sel(before.path(), dir("kvm"), None, proc.path())).unwrap();
    let b = view::read(&sel(after.path(), dir("kvm"), None, proc.path())).unwrap();
    let rows = view::rows(&b, Some(&a), None, 1.0, SortBy::Name);
    assert_eq!(rows[0].name, "exits");
    assert_eq!((rows[0].delta, rows[0].rate), (Some(0), Some(0.0)));
}

#[test]
fn filters_select_values() {
    let t = kvm_tree([10, 20, 30], true);
    let proc = fake_proc();
    let r = view::read(&sel(
        t.path(),
        dir("kvm/100-11"),
        Some("^halt_e"),
        proc.path(),
    ))
    .unwrap();
    assert_eq!(r.names(), ["halt_exits"]);
}

#[test]
fn guests_by_pid_name_comm_and_directory() {
    let t = kvm_tree([10, 20, 30], true);
    let proc = fake_proc();
    let root = t.path();
    let dirs = |target: Target| sel(root, target, None, proc.path()).resolve().unwrap();
    assert_eq!(dirs(Target::Pid(100)), ["kvm/100-11", "kvm/100-12"]);
    // QEMU's -name guest=web,,1: ",," is a comma.
    assert_eq!(
        dirs(Target::Guest("web,1".into())),
        ["kvm/100-11", "kvm/100-12"]
    );
    assert_eq!(dirs(Target::Guest("kvm-workload".into())), ["kvm/200-7"]);
    assert_eq!(dirs(Target::Guest("100-12".into())), ["kvm/100-12"]);
    assert!(dirs(Target::Guest("nobody".into())).is_empty());
    assert!(dirs(Target::Pid(999)).is_empty());
    // A guest of two VMs shows their values added up.
    let r = view::read(&sel(root, Target::Pid(100), None, proc.path())).unwrap();
    let rows = view::rows(&r, None, None, 0.0, SortBy::Name);
    assert_eq!(
        rows.iter().find(|r| r.name == "exits").unwrap().total,
        Value::Number(30)
    );
}

#[test]
fn a_guest_restarted_between_readings_is_followed() {
    // -g web: its VM 100-11 ends, and the guest comes back as pid 300 (a new QEMU) with
    // counters from 0. The view follows it, with no negative change; in between it is dead.
    let t = kvm_tree([10, 20, 30], true);
    let proc = fake_proc();
    let s = sel(t.path(), Target::Guest("web,1".into()), None, proc.path());
    let a = view::read(&s).unwrap();
    assert_eq!(a.dirs.len(), 2);
    fs::remove_dir_all(t.path().join("kvm/100-11")).unwrap();
    fs::remove_dir_all(t.path().join("kvm/100-12")).unwrap();
    let gone = view::read(&s).unwrap();
    assert!(gone.is_dead());
    write_lines(t.path(), "kvm/300-9", &vm_lines(4), true);
    write(proc.path(), "300/cmdline", "qemu\0-name\0web,,1\0");
    let back = view::read(&s).unwrap();
    assert_eq!(back.dirs.keys().collect::<Vec<_>>(), ["kvm/300-9"]);
    let rows = view::rows(&back, Some(&a), None, 1.0, SortBy::Name);
    let exits = rows.iter().find(|r| r.name == "exits").unwrap();
    assert_eq!(
        (exits.total.clone(), exits.delta),
        (Value::Number(4), Some(0))
    );
    assert!(rows.iter().all(|r| r.delta.is_none_or(|d| d >= 0)));
}

#[test]
fn once_output_batch_csv_json() {
    let proc = fake_proc();
    let t1 = kvm_tree([10, 20, 30], true);
    let t2 = kvm_tree([40, 20, 30], true);
    let a = view::read(&sel(t1.path(), dir("kvm/100-11"), None, proc.path())).unwrap();
    let b = view::read(&sel(t2.path(), dir("kvm/100-11"), None, proc.path())).unwrap();
    let rows = view::rows(&b, Some(&a), None, 1.0, SortBy::Name);
    let mut out = Vec::new();
    output::once(&mut out, &rows, Format::Columns, false).unwrap();
    let text = String::from_utf8(out).unwrap();
    // kvm_stat --batch's layout: '%-42s%10d%10d'.
    assert!(
        text.lines()
            .any(|l| l == format!("{:<42}{:>10}{:>10}", "exits", 40, 30)),
        "{text}"
    );
    let mut out = Vec::new();
    output::once(&mut out, &rows, Format::Csv, true).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "name,total,delta,rate\nexits,40,30,30.000\nhalt_exits,4,3,3.000\n"
    );
    let mut out = Vec::new();
    output::once(&mut out, &rows, Format::Json, false).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let exits = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "exits")
        .unwrap();
    assert_eq!(
        (exits["total"].clone(), exits["rate"].clone()),
        (40.into(), 30.0.into())
    );
}

#[test]
fn log_records_full_names_wall_clock_and_skip_zero() {
    let proc = fake_proc();
    let t1 = kvm_tree([10, 20, 30], true);
    let t2 = kvm_tree([40, 20, 30], true);
    let a = view::read(&sel(t1.path(), dir("kvm/100-11"), None, proc.path())).unwrap();
    let b = view::read(&sel(t2.path(), dir("kvm/100-11"), None, proc.path())).unwrap();
    let names = vec![
        "exits".to_string(),
        "halt_exits".to_string(),
        "pages_4k".to_string(),
    ];
    let changed = view::rows(&b, Some(&a), None, 1.0, SortBy::Name);
    let unchanged = view::rows(&b, Some(&b), None, 1.0, SortBy::Name);
    let t = "2026-01-02 03:04:05";

    let mut out = Vec::new();
    let mut log = Logger::new(Format::Csv, names.clone(), true);
    assert!(log.record(&mut out, t, &changed, true).unwrap());
    assert!(!log.record(&mut out, t, &unchanged, true).unwrap());
    assert!(log.record(&mut out, t, &unchanged, false).unwrap());
    // A gauge is logged as its level, counters as their change.
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!("timestamp,exits,halt_exits,pages_4k\n{t},30,3,512\n{t},0,0,512\n")
    );
    // Appending to a CSV file that has its header: none again.
    let mut out = Vec::new();
    Logger::new(Format::Csv, names.clone(), false)
        .record(&mut out, t, &changed, false)
        .unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), format!("{t},30,3,512\n"));
    let mut out = Vec::new();
    Logger::new(Format::Json, names.clone(), true)
        .record(&mut out, t, &changed, false)
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        (json["values"]["exits"].clone(), json["time"].clone()),
        (30.into(), t.into())
    );
    // Columns: names in full, however long.
    let long = "halt_poll_success_ns_and_then_some".to_string();
    let mut out = Vec::new();
    Logger::new(Format::Columns, vec!["exits".into(), long.clone()], true)
        .record(&mut out, t, &changed, false)
        .unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].contains(&long) && lines[1].starts_with(t),
        "{text}"
    );
    assert_eq!(lines[0].len(), lines[1].len(), "{text}");
}
