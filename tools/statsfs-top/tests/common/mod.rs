// SPDX-License-Identifier: GPL-2.0
//! Fixture trees written by the tests: a statsfs-like tree with `.values` and `.schema`
//! (as statsfs writes them), and the same without (as a copy made with `cp -r`).
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use regex::Regex;

use statsfs_top::view::{Selection, Target};

pub fn write(root: &Path, rel: &str, text: &str) {
    assert!(!rel.starts_with('/'), "{rel}: not under the fixture");
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

const CUMULATIVE: &str = "u64 unsigned sum clearable cumulative none 10^0 -";
const CUMULATIVE_AGG: &str = "u64 unsigned sum aggregate,clearable cumulative none 10^0 -";
const NS: &str = "u64 unsigned sum clearable cumulative seconds 10^-9 -";
const NS_AGG: &str = "u64 unsigned sum aggregate,clearable cumulative seconds 10^-9 -";
const INSTANT: &str = "u64 unsigned sum floating instant none 10^0 -";
const TEXT: &str = "s32 signed none floating,text instant unknown - -";

fn hist(agg: bool, i: u32) -> String {
    let flags = if agg {
        "aggregate,clearable"
    } else {
        "clearable"
    };
    format!("u64 unsigned sum {flags} log_hist seconds 10^-9 bucket={i}/3")
}

/// The lines (path, value, schema) of one VM directory, as the kernel lists them: the
/// VM's own values and its vCPUs' sums first, then vcpu0.
pub fn vm_lines(exits: u64) -> Vec<(String, String, String)> {
    let mut l = vec![
        ("pages_4k".into(), "512".into(), INSTANT.into()),
        ("exits".into(), exits.to_string(), CUMULATIVE_AGG.into()),
        (
            "halt_exits".into(),
            (exits / 10).to_string(),
            CUMULATIVE_AGG.into(),
        ),
        ("halt_wait_ns".into(), "1500000000".into(), NS_AGG.into()),
    ];
    for (i, v) in ["1", "2", "3"].iter().enumerate() {
        l.push((
            format!("halt_wait_hist/{i}"),
            v.to_string(),
            hist(true, i as u32),
        ));
    }
    l.push(("vcpu0/exits".into(), exits.to_string(), CUMULATIVE.into()));
    l.push((
        "vcpu0/halt_exits".into(),
        (exits / 10).to_string(),
        CUMULATIVE.into(),
    ));
    l.push(("vcpu0/mp_state".into(), "RUNNABLE".into(), TEXT.into()));
    l.push(("vcpu0/halt_wait_ns".into(), "1500000000".into(), NS.into()));
    for (i, v) in ["1", "2", "3"].iter().enumerate() {
        l.push((
            format!("vcpu0/halt_wait_hist/{i}"),
            v.to_string(),
            hist(false, i as u32),
        ));
    }
    l
}

/// Writes `lines` under `dir` as files, and (`bulk`) as each directory's `.values` and
/// `.schema`, each listing the directory's subtree with its own values first.
pub fn write_lines(root: &Path, dir: &str, lines: &[(String, String, String)], bulk: bool) {
    let under = |rel: &str| {
        if dir.is_empty() {
            rel.to_string()
        } else {
            format!("{dir}/{rel}")
        }
    };
    for (rel, v, _) in lines {
        write(root, &under(rel), &format!("{v}\n"));
    }
    if !bulk {
        return;
    }
    // Every directory of the subtree gets the lines under it, prefix removed.
    let mut dirs: Vec<String> = vec![String::new()];
    for (rel, _, _) in lines {
        let mut prefix = String::new();
        let parts: Vec<&str> = rel.split('/').collect();
        for p in &parts[..parts.len() - 1] {
            prefix = if prefix.is_empty() {
                p.to_string()
            } else {
                format!("{prefix}/{p}")
            };
            if !dirs.contains(&prefix) {
                dirs.push(prefix.clone());
            }
        }
    }
    for d in dirs {
        let mut values = String::new();
        let mut schema = String::new();
        for (rel, v, s) in lines {
            let sub = if d.is_empty() {
                Some(rel.as_str())
            } else {
                rel.strip_prefix(&format!("{d}/"))
            };
            if let Some(sub) = sub {
                let esc = sub
                    .replace('\\', "\\134")
                    .replace(' ', "\\040")
                    .replace('\n', "\\012");
                values.push_str(&format!("{esc} {v}\n"));
                schema.push_str(&format!("{esc} {s}\n"));
            }
        }
        let base = if d.is_empty() {
            dir.to_string()
        } else {
            under(&d)
        };
        let file = |f: &str| {
            if base.is_empty() {
                f.to_string()
            } else {
                format!("{base}/{f}")
            }
        };
        write(root, &file(".values"), &values);
        write(root, &file(".schema"), &schema);
    }
}

/// A KVM tree of two guests (pid 100 with two VMs, pid 200 with one), with kvm/'s sums.
pub fn kvm_lines(exits: &[(&str, u64)]) -> Vec<(String, String, String)> {
    let total: u64 = exits.iter().map(|(_, e)| e).sum();
    let mut all = vec![(
        "kvm/exits".to_string(),
        total.to_string(),
        CUMULATIVE_AGG.to_string(),
    )];
    for (vm, e) in exits {
        for (rel, v, s) in vm_lines(*e) {
            all.push((format!("kvm/{vm}/{rel}"), v, s));
        }
    }
    all
}

pub fn kvm_tree(exits: [u64; 3], bulk: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let vms = [
        ("100-11", exits[0]),
        ("100-12", exits[1]),
        ("200-7", exits[2]),
    ];
    write_lines(dir.path(), "", &kvm_lines(&vms), bulk);
    dir
}

pub fn sel(root: &Path, target: Target, fields: Option<&str>, proc: &Path) -> Selection {
    Selection {
        root: root.to_path_buf(),
        target,
        fields: fields.map(|f| Regex::new(f).unwrap()),
        proc: proc.to_path_buf(),
    }
}

pub fn dir(d: &str) -> Target {
    Target::Dir(d.to_string())
}

pub fn fake_proc() -> tempfile::TempDir {
    let proc = tempfile::tempdir().unwrap();
    write(
        proc.path(),
        "100/cmdline",
        "qemu-system-x86_64\0-name\0guest=web,,1,debug-threads=on\0",
    );
    write(proc.path(), "100/comm", "qemu-system-x86\n");
    write(proc.path(), "200/cmdline", "kvm-workload\0");
    write(proc.path(), "200/comm", "kvm-workload\n");
    proc
}

/// Swaps the files of `from` into `to`, as if time had passed in the tree.
pub fn replace_tree(to: &Path, from: &Path) {
    for e in fs::read_dir(to).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            fs::remove_dir_all(p).unwrap();
        } else {
            fs::remove_file(p).unwrap();
        }
    }
    copy_dir(from, to);
}

pub fn copy_dir(from: &Path, to: &Path) {
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

/// The statsfs-top binary cargo built for these tests.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_statsfs-top")
}

/// A child process killed and reaped when dropped: also when an assertion fails first,
/// so that none outlives its test (and holds the test's output open).
pub struct Reaped(pub std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
