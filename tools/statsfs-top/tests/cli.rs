// SPDX-License-Identifier: GPL-2.0
//! The binary as an operator runs it: mount discovery, each failure's message and exit
//! status, kvm_stat's options and their scope, --batch, -f help, and a log that outlives
//! a guest, appends without a second CSV header and reopens its file on SIGHUP.

mod common;

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use statsfs_top::error::Failure;
use statsfs_top::mount::{self, Discovery};

fn run(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .env_remove("STATSFS_PATH")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn check(out: &Output, code: i32, message: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    assert!(err.contains(message), "want {message:?} in: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn discovery(dir: &Path, mountinfo: &str, filesystems: &str) -> Discovery {
    write(dir, "mountinfo", mountinfo);
    write(dir, "filesystems", filesystems);
    Discovery {
        env: None,
        default_mount: dir.join("not-statsfs"),
        mountinfo: dir.join("mountinfo"),
        filesystems: dir.join("filesystems"),
    }
}

#[test]
fn mount_found_by_env_mountinfo_or_told_missing() {
    let d = tempfile::tempdir().unwrap();
    let fs_loaded = "nodev\tsysfs\nnodev\tstatsfs\n";
    let line = "40 25 0:40 / /srv/my\\040stats rw,relatime - statsfs statsfs rw,mode=750,gid=990\n";
    let other = "22 1 0:21 / /sys rw - sysfs sysfs rw\n";
    // In mountinfo, wherever it is (an escaped space in its path).
    let found = discovery(d.path(), &format!("{other}{line}"), fs_loaded).find();
    assert_eq!(found, Ok(Path::new("/srv/my stats").to_path_buf()));
    // Loaded, not mounted; not loaded.
    assert_eq!(
        discovery(d.path(), other, fs_loaded).find(),
        Err(Failure::NotMounted)
    );
    assert_eq!(
        discovery(d.path(), other, "nodev\tsysfs\n").find(),
        Err(Failure::NotLoaded)
    );
    // STATSFS_PATH wins, and must be a directory.
    let mut env = discovery(d.path(), other, fs_loaded);
    env.env = Some(d.path().as_os_str().to_owned());
    assert_eq!(env.find(), Ok(d.path().to_path_buf()));
    env.env = Some("/nonexistent".into());
    assert!(matches!(env.find(), Err(Failure::NoSuch(_))));
    // The fs magic: a tmpfs or ext4 directory is not statsfs.
    assert!(!mount::is_statsfs(d.path()));
}

#[test]
fn errors_have_their_own_messages_and_exit_codes() {
    let t = kvm_tree([10, 20, 30], true);
    let root = t.path().to_str().unwrap();
    let proc = fake_proc();
    let p = proc.path().to_str().unwrap();
    check(
        &run(&["--root", root, "-1", "-f", "("]),
        2,
        "-f/--fields \"(\": not a regular expression",
    );
    check(&run(&["--root", root, "-1", "-s", "nan"]), 2, "--set-delay");
    check(&run(&["--root", root, "-1", "-s", "0"]), 2, "--set-delay");
    check(&run(&["--root", root]), 2, "the live view needs a terminal");
    check(
        &run(&["--root", root, "--proc", p, "-1", "-g", "nobody"]),
        6,
        "no running guest matches -g \"nobody\"",
    );
    check(
        &run(&["--root", root, "-1", "-p", "999"]),
        6,
        "no running guest matches -p 999",
    );
    check(
        &run(&["--root", root, "-1", "--dir", "kvm/9-9"]),
        6,
        "--dir kvm/9-9: no such directory",
    );
    check(
        &run(&["--root", "/nonexistent", "-1"]),
        6,
        "--root /nonexistent: no such directory",
    );
    // Options that do not apply to a mode are refused, not ignored.
    check(&run(&["--root", root, "-c"]), 2, "");
    check(
        &run(&["--root", root, "serve", "-g", "x"]),
        2,
        "unexpected argument",
    );
    check(
        &run(&["--root", root, "-1", "serve"]),
        2,
        "--once goes after 'serve'",
    );
    check(
        &run(&["--root", root, "top", "--json"]),
        2,
        "unexpected argument",
    );
    // This host's kernel, if statsfs is not loaded here.
    let loaded = fs::read_to_string("/proc/filesystems").is_ok_and(|f| f.contains("statsfs"));
    if !loaded && !mount::is_statsfs(Path::new(mount::DEFAULT_MOUNT)) {
        check(&run(&["-1"]), 3, "statsfs is not loaded");
    }
}

#[test]
fn permission_denied_is_its_own_error() {
    if !rustix::process::geteuid().is_root() {
        return;
    }
    // A tree in a 0700 directory (as statsfs's root is by default), read by nobody.
    let t = kvm_tree([10, 20, 30], true);
    fs::set_permissions(
        t.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let out = Command::new(bin())
        .args(["--root", t.path().to_str().unwrap(), "-1", "-s", "0.1"])
        .uid(65534)
        .gid(65534)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    check(
        &out,
        5,
        "permission denied (statsfs is root-only unless mounted with gid=",
    );
}

#[test]
fn batch_prints_kvm_stat_lines_and_fields_help_lists_names() {
    let t = kvm_tree([10, 20, 30], true);
    let root = t.path().to_str().unwrap();
    for mode in [&["--batch"][..], &["-1"], &["batch"], &["once"]] {
        let mut args = vec!["--root", root, "-s", "0.1"];
        if mode[0].starts_with('-') {
            args.extend(mode);
        } else {
            args = [&["--root", root], mode, &["-s", "0.1"]].concat();
        }
        let out = run(&args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            text,
            format!("{:<42}{:>10}{:>10}\n", "exits", 60, 0),
            "{args:?}"
        );
    }
    let out = run(&["--root", root, "--dir", "kvm/100-11", "-f", "help"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "  exits\n  halt_exits\n  halt_wait_hist\n  halt_wait_ns\n  pages_4k\n"
    );
}

fn wait_for(path: &Path, lines: usize) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = fs::read_to_string(path).unwrap_or_default();
        if text.lines().count() >= lines || Instant::now() > deadline {
            return text;
        }
        thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn log_appends_one_csv_header_and_reopens_on_sighup() {
    let t = kvm_tree([10, 20, 30], true);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kvm.csv");
    fs::write(&file, "timestamp,exits\n2026-01-01 00:00:00,5\n").unwrap();
    let child = common::Reaped(
        Command::new(bin())
            .args([
                "--root",
                t.path().to_str().unwrap(),
                "-f",
                "^exits$",
                "-c",
                "-s",
                "0.1",
            ])
            .arg("-L")
            .arg(&file)
            .spawn()
            .unwrap(),
    );
    let text = wait_for(&file, 4);
    assert_eq!(text.matches("timestamp").count(), 1, "{text}");
    let last = text.lines().last().unwrap();
    // A wall-clock time: 2026-01-02 03:04:05.
    assert!(
        last.len() == "2026-01-02 03:04:05,0".len() && last.as_bytes()[10] == b' ',
        "{text}"
    );
    // logrotate: the file is moved away, SIGHUP reopens the path.
    let rotated = dir.path().join("kvm.csv.1");
    fs::rename(&file, &rotated).unwrap();
    let pid = rustix::process::Pid::from_raw(child.0.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::Hup).unwrap();
    let fresh = wait_for(&file, 2);
    drop(child);
    assert!(fresh.starts_with("timestamp,exits\n"), "{fresh}");
    assert_eq!(fresh.matches("timestamp").count(), 1, "{fresh}");
}

#[test]
fn log_goes_on_when_a_guest_goes_and_comes_back() {
    let t = kvm_tree([10, 20, 30], true);
    let proc = fake_proc();
    let child = Command::new(bin())
        .args(["--root", t.path().to_str().unwrap(), "--proc"])
        .arg(proc.path())
        .args([
            "-l", "-c", "-g", "web,1", "-s", "0.2", "-n", "12", "-f", "^exits$",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    thread::sleep(Duration::from_millis(700));
    fs::remove_dir_all(t.path().join("kvm/100-11")).unwrap();
    fs::remove_dir_all(t.path().join("kvm/100-12")).unwrap();
    thread::sleep(Duration::from_millis(700));
    write_lines(t.path(), "kvm/300-9", &vm_lines(4), true);
    write(proc.path(), "300/cmdline", "qemu\0-name\0web,,1\0");
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{err}");
    assert_eq!(text.lines().count(), 13, "{text}");
    assert!(
        err.contains("guest web,1 is gone") && err.contains("guest web,1 is back"),
        "{err}"
    );
    // No negative change when the guest came back with counters from 0.
    assert!(!text.contains(",-"), "{text}");
}

#[test]
fn man_page_is_generated_from_the_command_line() {
    let out = run(&["man"]);
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH \"EXIT STATUS\"",
        ".SH \"UNPRIVILEGED USE\"",
    ] {
        assert!(page.contains(section), "{section} missing");
    }
    assert!(
        page.contains("per\\-vcpu") || page.contains("per-vcpu"),
        "{page}"
    );
    // The copy in Documentation/ (installed by make install) is this one.
    let shipped = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../Documentation/statsfs-top.1"
    );
    assert_eq!(
        fs::read_to_string(shipped).unwrap(),
        page,
        "Documentation/statsfs-top.1 is stale: statsfs-top man > Documentation/statsfs-top.1"
    );
}
