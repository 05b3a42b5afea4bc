// SPDX-License-Identifier: GPL-2.0
//! Reading a statsfs tree: one read of a directory's `.values` (and `.schema`) where the
//! tree has them, one file per value where it does not (a copy of a tree, or an old
//! statsfs).

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What a value file holds: a number (signed or not, so `i128`), or a show function's text.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Number(i128),
    Text(String),
}

impl Value {
    fn parse(text: &str) -> Value {
        let text = text.trim_end_matches('\n');
        match text.parse::<i128>() {
            Ok(n) => Value::Number(n),
            Err(_) => Value::Text(text.to_string()),
        }
    }

    /// The number, if it is one.
    pub fn number(&self) -> Option<i128> {
        match self {
            Value::Number(n) => Some(*n),
            Value::Text(_) => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(n) => write!(f, "{n}"),
            Value::Text(t) => write!(f, "{t}"),
        }
    }
}

/// Where a histogram bucket sits, from `.schema`'s layout column.
#[derive(Clone, Debug, PartialEq)]
pub struct Bucket {
    pub index: u32,
    pub count: u32,
    /// The width of a linear histogram's buckets; `None` for a logarithmic one.
    pub width: Option<u64>,
}

/// One line of `.schema`: what a value is.
#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    pub signed: bool,
    pub aggregate: bool,
    pub floating: bool,
    pub text: bool,
    /// `unknown`, `cumulative`, `instant`, `peak`, `linear_hist` or `log_hist`.
    pub kind: String,
    /// `unknown`, `none`, `bytes`, `seconds`, `cycles` or `boolean`.
    pub unit: String,
    /// The value counts units of `base^exponent`.
    pub scale: Option<(u32, i32)>,
    pub bucket: Option<Bucket>,
}

impl Schema {
    /// Parses the fields after the path: `<type> <signedness> <aggregation> <flags> <kind>
    /// <unit> <scale> <layout>`.
    fn parse(fields: &[&str]) -> Option<Schema> {
        let [_type, sign, _aggr, flags, kind, unit, scale, layout] = fields else {
            return None;
        };
        let flags: Vec<&str> = flags.split(',').collect();
        let scale = match *scale {
            "-" => None,
            s => {
                let (base, exp) = s.split_once('^')?;
                Some((base.parse().ok()?, exp.parse().ok()?))
            }
        };
        let bucket = match *layout {
            "-" => None,
            l => {
                let l = l.strip_prefix("bucket=")?;
                let (pos, width) = match l.split_once(",width=") {
                    Some((pos, w)) => (pos, Some(w.parse().ok()?)),
                    None => (l, None),
                };
                let (index, count) = pos.split_once('/')?;
                Some(Bucket {
                    index: index.parse().ok()?,
                    count: count.parse().ok()?,
                    width,
                })
            }
        };
        Some(Schema {
            signed: *sign == "signed",
            aggregate: flags.contains(&"aggregate"),
            floating: flags.contains(&"floating"),
            text: flags.contains(&"text"),
            kind: kind.to_string(),
            unit: unit.to_string(),
            scale,
            bucket,
        })
    }
}

/// How a snapshot was read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Method {
    /// One read of `.values` (and one of `.schema`).
    Bulk,
    /// One read per value file.
    PerFile,
}

/// The values of a directory's subtree at one moment, by path relative to the directory.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub taken: Instant,
    pub values: BTreeMap<String, Value>,
    /// Empty when the tree has no `.schema`.
    pub schema: BTreeMap<String, Schema>,
    pub method: Method,
    /// Lines or files that could not be read or parsed, with why; they are left out.
    pub warnings: Vec<String>,
}

/// Why a snapshot could not be taken at all.
#[derive(Debug)]
pub enum ReadError {
    /// The directory does not exist: statsfs is not mounted there, or the subtree is gone.
    Missing(PathBuf),
    /// Permission denied (statsfs's root is mode 0700 unless mounted with `mode=`/`uid=`).
    Denied(PathBuf),
    Io(PathBuf, io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Missing(p) => write!(f, "{}: no such directory", p.display()),
            ReadError::Denied(p) => write!(f, "{}: permission denied", p.display()),
            ReadError::Io(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

impl std::error::Error for ReadError {}

fn io_error(path: &Path, e: io::Error) -> ReadError {
    match e.kind() {
        io::ErrorKind::NotFound => ReadError::Missing(path.to_path_buf()),
        io::ErrorKind::PermissionDenied => ReadError::Denied(path.to_path_buf()),
        _ => ReadError::Io(path.to_path_buf(), e),
    }
}

/// Undoes `.values`'s escapes: a backslash and three octal digits, as in `/proc/mounts`.
pub fn unescape(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            let digits = bytes.get(i + 1..i + 4)?;
            if !digits.iter().all(|d| (b'0'..=b'7').contains(d)) {
                return None;
            }
            let v = digits
                .iter()
                .fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
            out.push(u8::try_from(v).ok()?);
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// How much of a directory a read takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Depth {
    /// The whole subtree (the exporter).
    Subtree,
    /// The directory's own values and its histograms' buckets only: what one screen shows.
    /// `.values` and `.schema` list a directory's own values first, so the read stops at
    /// the first value of a subdirectory and the kernel walks no further than that.
    Own,
}

/// Whether a path relative to a directory may be one of its own values or histogram
/// buckets (`exits`, `halt_wait_hist/3`), not a subdirectory's value (`vcpu0/exits`).
pub fn is_own(path: &str) -> bool {
    match path.split_once('/') {
        None => true,
        Some((_, last)) => !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()),
    }
}

/// Reads the subtree of `dir`, by `.values` if it has one, file by file otherwise.
pub fn read(dir: &Path) -> Result<Snapshot, ReadError> {
    read_depth(dir, Depth::Subtree)
}

/// Reads the subtree of `dir`, keeping only the paths `keep` wants (the exporter leaves
/// the vCPUs' lines unparsed unless it exports them: most of a KVM tree's lines).
pub fn read_keeping(dir: &Path, keep: &dyn Fn(&str) -> bool) -> Result<Snapshot, ReadError> {
    let mut snap = read_depth_keeping(dir, Depth::Subtree, keep)?;
    if snap.method == Method::PerFile {
        snap.values.retain(|p, _| keep(p));
    }
    Ok(snap)
}

/// Reads `dir` to `depth`, by `.values` if it has one, file by file otherwise.
pub fn read_depth(dir: &Path, depth: Depth) -> Result<Snapshot, ReadError> {
    read_depth_keeping(dir, depth, &|_| true)
}

fn read_depth_keeping(
    dir: &Path,
    depth: Depth,
    keep: &dyn Fn(&str) -> bool,
) -> Result<Snapshot, ReadError> {
    let meta = fs::metadata(dir).map_err(|e| io_error(dir, e))?;
    if !meta.is_dir() {
        return Err(ReadError::Io(
            dir.to_path_buf(),
            io::Error::new(io::ErrorKind::InvalidInput, "not a directory"),
        ));
    }
    match read_lines(&dir.join(".values"), depth) {
        Ok(text) => {
            let schema = read_lines(&dir.join(".schema"), depth).unwrap_or_default();
            Ok(read_bulk(dir, &text, &schema, keep))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => read_per_file(dir, depth),
        Err(e) => Err(io_error(&dir.join(".values"), e)),
    }
}

/// The lines of a bulk file: all of them, or (`Own`) those up to the first value of a
/// subdirectory, without reading further.
fn read_lines(path: &Path, depth: Depth) -> io::Result<String> {
    if depth == Depth::Subtree {
        return fs::read_to_string(path);
    }
    use std::io::BufRead;
    let mut reader = io::BufReader::with_capacity(16 * 1024, fs::File::open(path)?);
    let mut out = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let path = line.split(' ').next().unwrap_or("");
        if !unescape(path).is_some_and(|p| is_own(&p)) {
            break;
        }
        out.push_str(&line);
    }
    Ok(out)
}

fn read_bulk(dir: &Path, text: &str, schema: &str, keep: &dyn Fn(&str) -> bool) -> Snapshot {
    let taken = Instant::now();
    let mut snap = Snapshot {
        taken,
        values: BTreeMap::new(),
        schema: BTreeMap::new(),
        method: Method::Bulk,
        warnings: Vec::new(),
    };
    for (n, line) in text.lines().enumerate() {
        let parsed = line
            .split_once(' ')
            .and_then(|(path, value)| Some((unescape(path)?, unescape(value)?)));
        match parsed {
            Some((path, _)) if !keep(&path) => {}
            Some((path, value)) => {
                snap.values.insert(path, Value::parse(&value));
            }
            None => snap.warnings.push(format!(
                "{}/.values line {}: cannot parse {line:?}",
                dir.display(),
                n + 1
            )),
        }
    }
    // The schema is optional: a tree without it still reads.
    for line in schema.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        if let Some((path, rest)) = fields.split_first() {
            if let Some(path) = unescape(path).filter(|p| keep(p)) {
                if let Some(schema) = Schema::parse(rest) {
                    snap.schema.insert(path, schema);
                }
            }
        }
    }
    snap
}

fn read_per_file(dir: &Path, depth: Depth) -> Result<Snapshot, ReadError> {
    let mut snap = Snapshot {
        taken: Instant::now(),
        values: BTreeMap::new(),
        schema: BTreeMap::new(),
        method: Method::PerFile,
        warnings: Vec::new(),
    };
    walk(dir, "", depth, &mut snap)?;
    Ok(snap)
}

fn walk(dir: &Path, prefix: &str, depth: Depth, snap: &mut Snapshot) -> Result<(), ReadError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        // Below the top, a directory that went away mid-walk is simply gone.
        Err(e) if !prefix.is_empty() && e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error(dir, e)),
    };
    let mut names: Vec<_> = entries.filter_map(|e| e.ok()).collect();
    names.sort_by_key(|e| e.file_name());
    for entry in names {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        let path = entry.path();
        match entry.file_type() {
            // One level down for a directory's own view: its histograms' buckets (the
            // names that are not buckets are dropped by the caller).
            Ok(t) if t.is_dir() && (depth == Depth::Subtree || prefix.is_empty()) => {
                walk(&path, &rel, depth, snap)?
            }
            Ok(t) if t.is_dir() => {}
            Ok(_) if depth == Depth::Own && !is_own(&rel) => {}
            Ok(_) => match fs::read_to_string(&path) {
                Ok(text) if !text.is_empty() && !text.contains('\0') => {
                    snap.values.insert(rel, Value::parse(&text));
                }
                Ok(text) => snap.warnings.push(format!(
                    "{}: not a value ({} bytes)",
                    path.display(),
                    text.len()
                )),
                // A value removed between readdir and open is not an error.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => snap.warnings.push(format!("{}: {e}", path.display())),
            },
            Err(_) => {}
        }
    }
    Ok(())
}
