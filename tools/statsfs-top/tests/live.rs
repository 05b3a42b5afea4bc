// SPDX-License-Identifier: GPL-2.0
//! The live view on ratatui's test backend: the list of VMs then vCPUs, arrows and Enter,
//! a histogram's buckets on drill-down, scrolling, help, Ctrl-C, zero rows hidden, a dead
//! guest, and no %Total for times or gauges.

mod common;

use std::fs;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use common::*;
use statsfs_top::tui::{self, App, Entry};
use statsfs_top::view::SortBy;

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

fn press(app: &mut App, code: KeyCode) {
    app.key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn type_in(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
    press(app, KeyCode::Enter);
}

fn cursor_to(app: &mut App, label: &str) {
    press(app, KeyCode::Home);
    for _ in 0..app.entries.len() {
        let here = match &app.entries[app.cursor] {
            Entry::Dir { label: l, .. } => l.starts_with(label),
            Entry::Value(r) => r.name == label,
        };
        if here {
            return;
        }
        press(app, KeyCode::Down);
    }
    panic!("no {label} in {:?}", app.entries);
}

#[test]
fn top_lists_vms_then_vcpus_and_drills_into_histograms() {
    let t = kvm_tree([10, 20, 30], true);
    let later = kvm_tree([40, 20, 30], true);
    let proc = fake_proc();
    let mut app = App::new(
        sel(t.path(), dir("kvm"), None, proc.path()),
        Duration::from_secs(3),
    );
    app.refresh();
    let text = screen(&app, 80, 10);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("statsfs-top  kvm  sort: rate  interval: 3.0 s"),
        "{text}"
    );
    assert!(
        lines[1]
            .split_whitespace()
            .eq(["Name", "Total", "%Total", "Rate/s"]),
        "{text}"
    );
    // The VMs, with their guests' names, then kvm/'s own values.
    assert!(lines[2].starts_with("100-11/  web,1"), "{text}");
    assert!(lines[4].starts_with("200-7/  kvm-workload"), "{text}");
    assert!(
        lines[5].starts_with("exits") && lines[5].contains("60"),
        "{text}"
    );
    // Enter on a VM: its vCPUs, then its values.
    cursor_to(&mut app, "100-11/");
    press(&mut app, KeyCode::Enter);
    replace_tree(t.path(), later.path());
    app.refresh();
    let text = screen(&app, 80, 14);
    assert!(text.contains("statsfs-top  kvm/100-11 "), "{text}");
    assert!(text.contains("\nvcpu0/\n"), "{text}");
    // Times in seconds and a share of the interval, no %Total for them or for gauges.
    let time = text
        .lines()
        .find(|l| l.starts_with("halt_wait_ns"))
        .unwrap();
    assert!(time.contains("1.500 s") && time.contains("0.0 %"), "{text}");
    let gauge = text.lines().find(|l| l.starts_with("pages_4k")).unwrap();
    assert!(gauge.split_whitespace().eq(["pages_4k", "512"]), "{text}");
    let exits = text.lines().find(|l| l.starts_with("exits")).unwrap();
    assert!(
        exits.split_whitespace().eq(["exits", "40", "90.9"]) || exits.contains("90.9"),
        "{text}"
    );
    // The histogram is one row; Enter shows its buckets; Left comes back.
    cursor_to(&mut app, "halt_wait_hist");
    press(&mut app, KeyCode::Enter);
    let text = screen(&app, 80, 10);
    assert!(text.contains("kvm/100-11/halt_wait_hist"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().take(2).eq(["2", "3"])),
        "{text}"
    );
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Left);
    assert!(screen(&app, 80, 10).contains("statsfs-top  kvm "));
    // s: sort by total, then by name.
    press(&mut app, KeyCode::Char('s'));
    press(&mut app, KeyCode::Char('s'));
    assert_eq!(app.sort, SortBy::Name);
    // h: help; any key closes it; Ctrl-C quits.
    press(&mut app, KeyCode::Char('h'));
    assert!(screen(&app, 80, 14).contains("go into a VM"));
    press(&mut app, KeyCode::Char('x'));
    assert!(!screen(&app, 80, 14).contains("go into a VM"));
    app.key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(app.quit);
}

#[test]
fn top_hides_zero_rows_and_scrolls() {
    let d = tempfile::tempdir().unwrap();
    let mut lines: Vec<(String, String, String)> = (0..60)
        .map(|i| {
            (
                format!("v{i:02}"),
                (i + 1).to_string(),
                "u64 unsigned sum - cumulative none 10^0 -".to_string(),
            )
        })
        .collect();
    lines.push((
        "zero".into(),
        "0".into(),
        "u64 unsigned sum - cumulative none 10^0 -".into(),
    ));
    write_lines(d.path(), "", &lines, true);
    let proc = fake_proc();
    let mut app = App::new(
        sel(d.path(), dir(""), None, proc.path()),
        Duration::from_secs(3),
    );
    app.sort = SortBy::Name;
    app.refresh();
    assert_eq!(app.entries.len(), 60);
    assert!(!screen(&app, 60, 12).contains("zero"));
    press(&mut app, KeyCode::Char('z'));
    assert_eq!(app.entries.len(), 61);
    press(&mut app, KeyCode::End);
    let text = screen(&app, 60, 12);
    assert!(text.contains("zero") && !text.contains("v00"), "{text}");
    press(&mut app, KeyCode::Home);
    let text = screen(&app, 60, 12);
    assert!(text.contains("v00") && !text.contains("zero"), "{text}");
    press(&mut app, KeyCode::PageDown);
    assert_eq!(app.cursor, 10);
}

#[test]
fn top_marks_a_guest_that_went_away_as_dead() {
    let t = kvm_tree([10, 20, 30], true);
    let proc = fake_proc();
    let mut app = App::new(
        sel(t.path(), dir("kvm"), None, proc.path()),
        Duration::from_secs(3),
    );
    app.refresh();
    press(&mut app, KeyCode::Char('g'));
    type_in(&mut app, "kvm-workload");
    let before = screen(&app, 80, 10);
    assert!(
        before.contains("guest kvm-workload") && before.contains("exits"),
        "{before}"
    );
    fs::remove_dir_all(t.path().join("kvm/200-7")).unwrap();
    app.refresh();
    let text = screen(&app, 80, 10);
    assert!(text.contains("[DEAD]"), "{text}");
    // The last numbers stay.
    assert!(text.lines().any(|l| l.starts_with("exits")), "{text}");
    // A bad guest name or filter is a message, not a crash.
    press(&mut app, KeyCode::Char('g'));
    type_in(&mut app, "x");
    assert!(screen(&app, 80, 10).contains("no running guest matches \"x\""));
    press(&mut app, KeyCode::Char('f'));
    type_in(&mut app, "(");
    assert!(screen(&app, 80, 10).contains("filter: not a regular expression"));
}
