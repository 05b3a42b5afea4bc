// SPDX-License-Identifier: GPL-2.0
//! Tests against fixture trees written here: a statsfs-like tree with `.values` and
//! `.schema` (as statsfs writes them), and the same without (as a copy made with `cp -r`).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use regex::Regex;

use statsfs_top::output::{self, Format, Logger};
use statsfs_top::prom;
use statsfs_top::tree::{self, Method, ReadError, Value};
use statsfs_top::tui::{self, App};
use statsfs_top::view::{self, Selection, SortBy};

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// A KVM tree of two guests (pid 100 with two VMs, pid 200 with one) as value files, with
/// each directory's `.values` and `.schema` when `bulk`.
fn kvm_tree(exits: [u64; 3], bulk: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let vms = ["100-11", "100-12", "200-7"];
    let mut all = Vec::new();
    for (i, vm) in vms.iter().enumerate() {
        let lines = vec![
            ("exits".to_string(), exits[i].to_string()),
            ("halt_exits".to_string(), (exits[i] / 10).to_string()),
            ("vcpu0/exits".to_string(), exits[i].to_string()),
            ("vcpu0/mp_state".to_string(), "RUNNABLE".to_string()),
            ("vcpu0/halt_wait_hist/0".to_string(), "1".to_string()),
            ("vcpu0/halt_wait_hist/1".to_string(), "2".to_string()),
            ("vcpu0/halt_wait_hist/2".to_string(), "3".to_string()),
            ("vcpu0/halt_wait_ns".to_string(), "1500000000".to_string()),
        ];
        for (rel, v) in &lines {
            write(root, &format!("kvm/{vm}/{rel}"), &format!("{v}\n"));
            all.push((format!("{vm}/{rel}"), v.clone()));
        }
        if bulk {
            let values: String = lines.iter().map(|(p, v)| format!("{p} {v}\n")).collect();
            write(root, &format!("kvm/{vm}/.values"), &values);
        }
    }
    let total: u64 = exits.iter().sum();
    write(root, "kvm/exits", &format!("{total}\n"));
    if bulk {
        let mut values = format!("exits {total}\n");
        let mut schema =
            "exits u64 unsigned sum aggregate,clearable cumulative none 10^0 -\n".to_string();
        for (p, v) in &all {
            values.push_str(&format!("{p} {v}\n"));
            let leaf = p.rsplit('/').next().unwrap();
            let line = if p.ends_with("mp_state") {
                "s32 signed none floating,text instant unknown - -".to_string()
            } else if p.contains("halt_wait_hist/") {
                format!("u64 unsigned sum clearable log_hist seconds 10^-9 bucket={leaf}/3")
            } else if p.ends_with("halt_wait_ns") {
                "u64 unsigned sum clearable cumulative seconds 10^-9 -".to_string()
            } else if p.matches('/').count() == 1 && leaf == "exits" {
                "u64 unsigned sum aggregate,clearable cumulative none 10^0 -".to_string()
            } else {
                "u64 unsigned sum clearable cumulative none 10^0 -".to_string()
            };
            schema.push_str(&format!("{p} {line}\n"));
        }
        write(root, "kvm/.values", &values);
        write(root, "kvm/.schema", &schema);
        // The root's own files hold the same lines under kvm/.
        let prefixed = |t: &str| t.lines().map(|l| format!("kvm/{l}\n")).collect::<String>();
        write(root, ".values", &prefixed(&values));
        write(root, ".schema", &prefixed(&schema));
    }
    dir
}

fn sel(root: &Path, dirs: &[&str], fields: Option<&str>) -> Selection {
    Selection {
        root: root.to_path_buf(),
        dirs: dirs.iter().map(|d| d.to_string()).collect(),
        fields: fields.map(|f| Regex::new(f).unwrap()),
    }
}

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
fn missing_mount_is_a_clear_error() {
    let err = tree::read(Path::new("/nonexistent/statsfs")).unwrap_err();
    assert!(matches!(err, ReadError::Missing(_)));
    assert!(err.to_string().contains("is statsfs mounted?"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "file", "1\n");
    assert!(tree::read(&dir.path().join("file")).is_err());
}

#[test]
fn view_shows_a_directory_with_its_histograms() {
    let t = kvm_tree([10, 20, 30], true);
    let (table, _) = view::read(&sel(t.path(), &["kvm/100-11/vcpu0"], None)).unwrap();
    let names: Vec<&str> = table.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "exits",
            "halt_wait_hist/0",
            "halt_wait_hist/1",
            "halt_wait_hist/2",
            "halt_wait_ns",
            "mp_state"
        ]
    );
    // The top of kvm/: its aggregates, not the VMs' values.
    let (table, _) = view::read(&sel(t.path(), &["kvm"], None)).unwrap();
    assert_eq!(table.keys().collect::<Vec<_>>(), ["exits"]);
}

#[test]
fn rates_totals_baseline_and_sorting() {
    let t1 = kvm_tree([10, 20, 30], true);
    let t2 = kvm_tree([40, 20, 30], true);
    let s1 = sel(t1.path(), &["kvm/100-11"], None);
    let s2 = sel(t2.path(), &["kvm/100-11"], None);
    let (a, _) = view::read(&s1).unwrap();
    let (b, _) = view::read(&s2).unwrap();
    let rows = view::rows(&b, Some(&a), None, 2.0, SortBy::Rate);
    assert_eq!(rows[0].name, "exits");
    assert_eq!(rows[0].rate, Some(15.0));
    assert_eq!(rows[0].delta, Some(30));
    assert_eq!(rows[0].total, Value::Number(40));
    assert_eq!(rows[1].name, "halt_exits");
    assert_eq!(rows[1].rate, Some(1.5));
    // Since a baseline (the 'r' key): totals count from it.
    let rows = view::rows(&b, Some(&a), Some(&a), 2.0, SortBy::Name);
    assert_eq!(rows[0].name, "exits");
    assert_eq!(rows[0].total, Value::Number(30));
    let rows = view::rows(&b, None, None, 0.0, SortBy::Total);
    assert_eq!(rows[0].name, "exits");
    assert_eq!(rows[0].rate, None);
}

#[test]
fn filters_select_values() {
    let t = kvm_tree([10, 20, 30], true);
    let (table, _) = view::read(&sel(t.path(), &["kvm/100-11"], Some("^halt"))).unwrap();
    assert_eq!(table.keys().collect::<Vec<_>>(), ["halt_exits"]);
}

fn fake_proc() -> tempfile::TempDir {
    let proc = tempfile::tempdir().unwrap();
    write(
        proc.path(),
        "100/cmdline",
        "qemu-system-x86_64\0-name\0guest=web,debug-threads=on\0",
    );
    write(proc.path(), "100/comm", "qemu-system-x86\n");
    write(proc.path(), "200/cmdline", "kvm-workload\0");
    write(proc.path(), "200/comm", "kvm-workload\n");
    proc
}

#[test]
fn guests_by_pid_name_comm_and_directory() {
    let t = kvm_tree([10, 20, 30], true);
    let proc = fake_proc();
    let root = t.path();
    assert_eq!(
        view::guest_dirs_of_pid(root, 100).unwrap(),
        ["kvm/100-11", "kvm/100-12"]
    );
    assert_eq!(
        view::guest_dirs_by_name(root, proc.path(), "web").unwrap(),
        ["kvm/100-11", "kvm/100-12"]
    );
    assert_eq!(
        view::guest_dirs_by_name(root, proc.path(), "kvm-workload").unwrap(),
        ["kvm/200-7"]
    );
    assert_eq!(
        view::guest_dirs_by_name(root, proc.path(), "100-12").unwrap(),
        ["kvm/100-12"]
    );
    assert!(view::guest_dirs_by_name(root, proc.path(), "nobody").is_err());
    assert!(view::guest_dirs_of_pid(root, 999).is_err());
    // A guest of two VMs shows their values added up.
    let (table, _) = view::read(&sel(root, &["kvm/100-11", "kvm/100-12"], None)).unwrap();
    assert_eq!(table["exits"], Value::Number(30));
}

#[test]
fn once_output_columns_csv_json() {
    let t1 = kvm_tree([10, 20, 30], true);
    let t2 = kvm_tree([40, 20, 30], true);
    let (a, _) = view::read(&sel(t1.path(), &["kvm/100-11"], None)).unwrap();
    let (b, _) = view::read(&sel(t2.path(), &["kvm/100-11"], None)).unwrap();
    let rows = view::rows(&b, Some(&a), None, 1.0, SortBy::Name);
    let mut out = Vec::new();
    output::once(&mut out, &rows, Format::Columns, false).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.lines().next().unwrap().starts_with("Value"));
    assert!(text.contains("exits") && text.contains("30.0"), "{text}");
    let mut out = Vec::new();
    output::once(&mut out, &rows, Format::Csv, true).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "name,total,rate\nexits,40,30.000\nhalt_exits,4,3.000\n"
    );
    let mut out = Vec::new();
    output::once(&mut out, &rows, Format::Json, false).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json[0]["name"], "exits");
    assert_eq!(json[0]["total"], 40);
    assert_eq!(json[0]["rate"], 30.0);
}

#[test]
fn log_records_columns_csv_json_and_skip_zero() {
    let t1 = kvm_tree([10, 20, 30], true);
    let t2 = kvm_tree([40, 20, 30], true);
    let (a, _) = view::read(&sel(t1.path(), &["kvm/100-11"], None)).unwrap();
    let (b, _) = view::read(&sel(t2.path(), &["kvm/100-11"], None)).unwrap();
    let names = vec!["exits".to_string(), "halt_exits".to_string()];
    let changed = view::rows(&b, Some(&a), None, 1.0, SortBy::Name);
    let unchanged = view::rows(&b, Some(&b), None, 1.0, SortBy::Name);

    let mut out = Vec::new();
    let mut log = Logger::new(Format::Csv, names.clone());
    assert!(log.record(&mut out, 1.0, &changed, true).unwrap());
    assert!(!log.record(&mut out, 2.0, &unchanged, true).unwrap());
    assert!(log.record(&mut out, 3.0, &unchanged, false).unwrap());
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "timestamp,exits,halt_exits\n1.000,30,3\n3.000,0,0\n"
    );
    let mut out = Vec::new();
    let mut log = Logger::new(Format::Json, names.clone());
    log.record(&mut out, 1.0, &changed, false).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json["values"]["exits"], 30);
    let mut out = Vec::new();
    let mut log = Logger::new(Format::Columns, names);
    log.record(&mut out, 1.0, &changed, false).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .eq(["30", "3"]));
}

#[test]
fn exporter_names_labels_types_units() {
    let t = kvm_tree([10, 20, 30], true);
    let text = prom::exposition(t.path(), false).unwrap();
    assert!(text.contains("# TYPE statsfs_kvm_exits counter"), "{text}");
    assert!(
        text.contains("statsfs_kvm_exits_total{vm=\"100-11\",vcpu=\"0\"} 10"),
        "{text}"
    );
    // Aggregates (kvm/exits, kvm/<vm>/exits) are left out: Prometheus sums the parts.
    assert!(
        !text.contains("statsfs_kvm_exits_total{vm=\"100-11\"} "),
        "{text}"
    );
    assert!(!text.contains("statsfs_kvm_exits_total 60"), "{text}");
    // Nanoseconds become seconds, with the unit in the name.
    assert!(
        text.contains("# UNIT statsfs_kvm_halt_wait_seconds seconds"),
        "{text}"
    );
    assert!(
        text.contains("statsfs_kvm_halt_wait_seconds_total{vm=\"200-7\",vcpu=\"0\"} 1.5"),
        "{text}"
    );
    // A log histogram: cumulative buckets, bounds in seconds, +Inf last.
    assert!(
        text.contains("# TYPE statsfs_kvm_halt_wait_hist_seconds histogram"),
        "{text}"
    );
    assert!(
        text.contains(
            "statsfs_kvm_halt_wait_hist_seconds_bucket{le=\"0.0\",vm=\"100-11\",vcpu=\"0\"} 1"
        ) || text.contains(
            "statsfs_kvm_halt_wait_hist_seconds_bucket{vm=\"100-11\",vcpu=\"0\",le=\"0.0\"} 1"
        ),
        "{text}"
    );
    assert!(
        text.contains("le=\"+Inf\"") && text.contains("_count{vm=\"100-11\",vcpu=\"0\"} 6"),
        "{text}"
    );
    // Text values are not metrics.
    assert!(!text.contains("mp_state"), "{text}");
    assert!(text.ends_with("# EOF\n"));
    // The 0.0.4 text names counters' samples in HELP and TYPE, and has no UNIT or EOF.
    let plain = prom::to_prometheus_text(&text);
    assert!(
        plain.contains("# TYPE statsfs_kvm_exits_total counter\n"),
        "{plain}"
    );
    assert!(
        !plain.contains("# UNIT") && !plain.contains("# EOF"),
        "{plain}"
    );
    let with = prom::exposition(t.path(), true).unwrap();
    assert!(with.contains("statsfs_kvm_exits_total 60"), "{with}");
}

#[test]
fn exporter_net_labels() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".values",
        "net/rx_bytes 300\nnet/dev/eth0/rx_bytes 100\nnet/dev/rx_bytes/rx_bytes 200\n",
    );
    write(
        dir.path(),
        ".schema",
        "net/rx_bytes u64 unsigned sum aggregate cumulative bytes 10^0 -\n\
         net/dev/eth0/rx_bytes u64 unsigned sum - cumulative bytes 10^0 -\n\
         net/dev/rx_bytes/rx_bytes u64 unsigned sum - cumulative bytes 10^0 -\n",
    );
    let text = prom::exposition(dir.path(), false).unwrap();
    // A counter of bytes: the unit once in the name, then _total.
    assert!(
        text.contains("# TYPE statsfs_net_rx_bytes counter"),
        "{text}"
    );
    assert!(text.contains("# UNIT statsfs_net_rx_bytes bytes"), "{text}");
    assert!(
        text.contains("statsfs_net_rx_bytes_total{device=\"eth0\"} 100"),
        "{text}"
    );
    // A device named like a value is a device like any other.
    assert!(
        text.contains("statsfs_net_rx_bytes_total{device=\"rx_bytes\"} 200"),
        "{text}"
    );
}

fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| tui::render(f, app)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    (0..height)
        .map(|y| {
            let line: String = (0..width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect();
            line.trim_end().to_string() + "\n"
        })
        .collect()
}

/// Swaps the files of `from` into `to`, as if time had passed in the tree.
fn replace_tree(to: &Path, from: &Path) {
    fs::remove_dir_all(to.join("kvm")).unwrap();
    copy_dir(&from.join("kvm"), &to.join("kvm"));
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest: PathBuf = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            fs::copy(e.path(), dest).unwrap();
        }
    }
}

#[test]
fn top_renders_and_follows_keys() {
    let t = kvm_tree([10, 20, 30], true);
    let later = kvm_tree([40, 20, 30], true);
    let proc = fake_proc();
    let mut app = App::new(
        sel(t.path(), &["kvm/100-11"], None),
        proc.path().to_path_buf(),
        Duration::from_secs(3),
    );
    app.refresh();
    replace_tree(t.path(), later.path());
    app.refresh();
    let text = screen(&app, 80, 8);
    println!("{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("statsfs-top  kvm/100-11  sort: rate  interval: 3.0 s"),
        "{text}"
    );
    assert!(
        lines[1]
            .split_whitespace()
            .eq(["Value", "Total", "%Total", "Rate/s"]),
        "{text}"
    );
    assert!(lines[2].starts_with("exits"), "{text}");
    assert!(lines[2].split_whitespace().nth(1) == Some("40"), "{text}");
    assert!(lines[7].starts_with("q quit"), "{text}");
    // s: sort by total, then by name.
    app.key(KeyCode::Char('s'));
    app.key(KeyCode::Char('s'));
    assert_eq!(app.sort, SortBy::Name);
    assert!(screen(&app, 80, 8).contains("sort: name"));
    // f: a filter typed at the prompt.
    app.key(KeyCode::Char('f'));
    for c in "^halt".chars() {
        app.key(KeyCode::Char(c));
    }
    assert!(screen(&app, 80, 8).contains("filter (regex, empty for none): ^halt_"));
    app.key(KeyCode::Enter);
    assert_eq!(
        app.rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["halt_exits"]
    );
    app.key(KeyCode::Char('f'));
    app.key(KeyCode::Enter);
    // g: a guest by its QEMU name (two VMs, added up).
    app.key(KeyCode::Char('g'));
    for c in "web".chars() {
        app.key(KeyCode::Char(c));
    }
    app.key(KeyCode::Enter);
    assert!(screen(&app, 80, 8).contains("kvm/100-11+kvm/100-12"));
    // d: drill into vcpu0 of one VM; u: back up.
    app.key(KeyCode::Char('g'));
    for c in "200-7".chars() {
        app.key(KeyCode::Char(c));
    }
    app.key(KeyCode::Enter);
    app.key(KeyCode::Char('d'));
    for c in "vcpu0".chars() {
        app.key(KeyCode::Char(c));
    }
    app.key(KeyCode::Enter);
    let text = screen(&app, 80, 12);
    assert!(
        text.contains("kvm/200-7/vcpu0") && text.contains("RUNNABLE"),
        "{text}"
    );
    app.key(KeyCode::Char('u'));
    assert!(screen(&app, 80, 8).contains("statsfs-top  kvm/200-7 "));
    // A bad guest name is a message, not a crash.
    app.key(KeyCode::Char('g'));
    app.key(KeyCode::Char('x'));
    app.key(KeyCode::Enter);
    assert!(screen(&app, 80, 8).contains("no running guest matches \"x\""));
    // p, r, +, q.
    app.key(KeyCode::Char('p'));
    assert!(screen(&app, 80, 8).contains("[paused]"));
    app.key(KeyCode::Char('r'));
    assert!(app
        .rows
        .iter()
        .all(|r| r.total.number().is_none_or(|n| n == 0)));
    app.key(KeyCode::Char('+'));
    assert_eq!(app.interval, Duration::from_millis(3500));
    app.key(KeyCode::Char('q'));
    assert!(app.quit);
}

#[test]
fn exporter_escapes_hostile_names() {
    // A network device named to end the label set, and a directory name holding a newline
    // and a metric of its own: both stay label values.
    let dir = tempfile::tempdir().unwrap();
    let evil_dev = dir.path().join("net/dev/x\"}1 \\");
    std::fs::create_dir_all(&evil_dev).unwrap();
    std::fs::write(evil_dev.join("rx_bytes"), "7\n").unwrap();
    let evil_dir = dir.path().join("other/a\nevil_metric{a=\"b\"} 5");
    std::fs::create_dir_all(&evil_dir).unwrap();
    std::fs::write(evil_dir.join("count"), "3\n").unwrap();
    let text = prom::exposition(dir.path(), false).unwrap();
    assert!(
        text.contains("statsfs_net_rx_bytes{device=\"x\\\"}1 \\\\\"} 7"),
        "{text}"
    );
    assert!(
        text.contains("{path=\"a\\nevil_metric{a=\\\"b\\\"} 5\"} 3"),
        "{text}"
    );
    assert!(
        !text.lines().any(|l| l.starts_with("evil_metric")),
        "{text}"
    );
    // Every sample line is one metric name, its labels, one value.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        assert!(line.starts_with("statsfs_"), "{line:?} in {text}");
    }
}

#[test]
fn text_format_calls_unknown_untyped() {
    let om = "# HELP statsfs_x statsfs x\n# TYPE statsfs_x unknown\nstatsfs_x 1\n# EOF\n";
    let text = prom::to_prometheus_text(om);
    assert!(text.contains("# TYPE statsfs_x untyped\n"), "{text}");
    assert!(!text.contains("unknown"), "{text}");
}
