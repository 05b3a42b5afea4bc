// SPDX-License-Identifier: GPL-2.0
//! Guests: the VM directories of `kvm/` (`<pid>-<fd>`, or `<pid>-<fd>-<n>` for a VM that
//! outlived its file descriptor), found by process id or by name as kvm_stat's `-g` finds
//! them (QEMU's `-name guest=NAME` or `-name NAME`, else the process's comm).

use std::fs;
use std::io;
use std::path::Path;

use crate::tree::ReadError;

/// The process id in a VM directory's name, if it is one.
pub fn vm_pid(dir: &str) -> Option<u32> {
    let mut parts = dir.split('-');
    let pid = parts.next()?.parse().ok()?;
    let fd = parts.next()?;
    let suffix = parts.next();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(fd) && suffix.is_none_or(digits) && parts.next().is_none()).then_some(pid)
}

/// Every VM directory of `kvm/`, with its process id.
pub fn vm_dirs(root: &Path) -> Result<Vec<(u32, String)>, ReadError> {
    let kvm = root.join("kvm");
    let entries = fs::read_dir(&kvm).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => ReadError::Missing(kvm.clone()),
        io::ErrorKind::PermissionDenied => ReadError::Denied(kvm.clone()),
        _ => ReadError::Io(kvm.clone(), e),
    })?;
    let mut vms: Vec<(u32, String)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let d = e.file_name().to_string_lossy().into_owned();
            Some((vm_pid(&d)?, d))
        })
        .collect();
    vms.sort();
    Ok(vms)
}

/// The VM directories (`kvm/<pid>-<fd>`) of the process `pid`; none if it runs no VM.
pub fn dirs_of_pid(root: &Path, pid: u32) -> Result<Vec<String>, ReadError> {
    Ok(vm_dirs(root)?
        .into_iter()
        .filter(|(p, _)| *p == pid)
        .map(|(_, d)| format!("kvm/{d}"))
        .collect())
}

/// The VM directories of the guest called `name`: a VM directory's name, or the name of
/// its process; none if no such guest runs.
pub fn dirs_by_name(root: &Path, proc: &Path, name: &str) -> Result<Vec<String>, ReadError> {
    let vms = vm_dirs(root)?;
    if vms.iter().any(|(_, d)| d == name) {
        return Ok(vec![format!("kvm/{name}")]);
    }
    Ok(vms
        .iter()
        .filter(|(pid, _)| {
            guest_name(proc, *pid).is_some_and(|n| n == name) || comm_is(proc, *pid, name)
        })
        .map(|(_, d)| format!("kvm/{d}"))
        .collect())
}

/// QEMU's name for the guest of process `pid` (`-name guest=NAME,...` or `-name NAME`,
/// with `,,` for a comma as QEMU writes it), else the process's comm; `None` if the
/// process cannot be read (gone, or in another pid namespace).
pub fn guest_name(proc: &Path, pid: u32) -> Option<String> {
    let dir = proc.join(pid.to_string());
    if let Ok(cmdline) = fs::read(dir.join("cmdline")) {
        let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
        for pair in args.windows(2) {
            if pair[0] == b"-name" || pair[0] == b"--name" {
                return Some(qemu_name(&String::from_utf8_lossy(pair[1])));
            }
        }
    }
    fs::read_to_string(dir.join("comm"))
        .ok()
        .map(|c| c.trim_end_matches('\n').to_string())
}

fn comm_is(proc: &Path, pid: u32, name: &str) -> bool {
    fs::read_to_string(proc.join(pid.to_string()).join("comm"))
        .is_ok_and(|c| c.trim_end_matches('\n') == name)
}

/// The guest name in QEMU's `-name` argument: `guest=` if given, else the first field;
/// `,,` stands for a comma inside a field.
fn qemu_name(arg: &str) -> String {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = arg.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ',' {
            if chars.peek() == Some(&',') {
                chars.next();
                field.push(',');
            } else {
                fields.push(std::mem::take(&mut field));
            }
        } else {
            field.push(c);
        }
    }
    fields.push(field);
    fields
        .iter()
        .find_map(|f| f.strip_prefix("guest=").map(str::to_string))
        .unwrap_or_else(|| {
            let first = fields.first().cloned().unwrap_or_default();
            if first.contains('=') {
                String::new()
            } else {
                first
            }
        })
}
