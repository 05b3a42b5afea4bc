// SPDX-License-Identifier: GPL-2.0

//! `.values` and `.schema`: the values of a subtree, a line each.
//!
//! They are `seq_file`s whose records are the sources of the walk. A record's lines are
//! made when the `seq_file` moves to it (`->start`, `->next`), where running out of memory
//! can be reported (`ERR_PTR(-ENOMEM)`), and `->show` only copies them. A record's values
//! are read group by group ([`super::record`]), an aggregate group in one pass over its
//! members, all its values and buckets at once. Reading again from offset 0 starts a new
//! walk.
//!
//! Names and show strings are escaped the way `/proc/mounts` escapes, and further: a space,
//! tab, newline or backslash, and any byte that is not printable ASCII, becomes a
//! backslash and three octal digits (`\040`, `\011`, `\012`, `\134`), so that a line is
//! always one line and a value never spills into another.

use core::fmt::Write;
use kernel::{
    ffi::c_void,
    prelude::*,
    types::ForeignOwnable, //
};

use super::{
    super::decimal::decimal,
    super::node::{
        MetaKind,
        Node,
        NodeKind, //
    },
    record::{
        run_elements,
        RecordValues, //
    },
    walk::{
        Run,
        Walk, //
    },
};
use crate::model::{
    group::{
        Aggregation,
        Desc,
        Group,
        Kind,
        Live,
        Unit,
        UnitBase, //
    },
    source::Source,
};

/// Text made in memory: a `core::fmt::Write` that fails when memory runs out.
pub(crate) struct Text(pub(crate) KVec<u8>);

impl Write for Text {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.0
            .extend_from_slice(s.as_bytes(), GFP_KERNEL)
            .map_err(|_| core::fmt::Error)
    }
}

impl Text {
    /// Appends `bytes` as they are.
    fn push(&mut self, bytes: &[u8]) -> core::fmt::Result {
        self.0
            .extend_from_slice(bytes, GFP_KERNEL)
            .map_err(|_| core::fmt::Error)
    }

    /// Appends `bytes` escaped (see the module documentation).
    fn escaped(&mut self, bytes: &[u8]) -> core::fmt::Result {
        let plain = |b: &u8| b.is_ascii_graphic() && *b != b'\\';
        if bytes.iter().all(plain) {
            return self.push(bytes);
        }
        for &b in bytes {
            if plain(&b) {
                self.push(&[b])?;
            } else {
                write!(self, "\\{b:03o}")?;
            }
        }
        Ok(())
    }

    /// Appends `number` in decimal, signed if `signed`.
    fn number(&mut self, number: u64, signed: bool) -> core::fmt::Result {
        let mut buf = [0u8; 21];
        self.push(decimal(&mut buf, number, signed))
    }

    /// The path of the walk's current source below its directory, escaped, each name
    /// followed by `/`: what every line of the record starts with.
    fn prefix(&mut self, path: &[kernel::sync::Arc<Source>]) -> core::fmt::Result {
        self.0.clear();
        for s in path {
            self.escaped(s.name().to_bytes())?;
            self.push(b"/")?;
        }
        Ok(())
    }
}

/// Writes the schema of a value (or of bucket `bucket` of a histogram), after its path:
///
/// `<type> <signed|unsigned> <aggregation> <flags> <kind> <unit> <scale> <layout>`
///
/// - type: `u8` ... `s64`, `bool`, or `custom`;
/// - aggregation: `none`, `sum`, `min`, `max`, `count_zero` or `avg`, how aggregates
///   combine the value;
/// - flags: a comma-separated list of `aggregate` (the line is an aggregate), `clearable`,
///   `floating` and `text` (the file shows text, not the number), or `-`;
/// - kind: `unknown`, `cumulative`, `instant`, `peak`, `linear_hist` or `log_hist`;
/// - unit: `unknown`, `none`, `bytes`, `seconds`, `cycles` or `boolean`;
/// - scale: what the unit is counted in, `10^-9` for nanoseconds, or `-` if not said;
/// - layout: `-` for a single number, `bucket=<i>/<n>` for bucket i of n of a histogram,
///   with `,width=<w>` for a linear one.
fn schema_line(
    out: &mut Text,
    group: &Group,
    i: usize,
    desc: &Desc<'_>,
    bucket: Option<usize>,
) -> core::fmt::Result {
    let aggregation = match group.aggregation(i) {
        Aggregation::None => "none",
        Aggregation::Sum => "sum",
        Aggregation::Min => "min",
        Aggregation::Max => "max",
        Aggregation::CountZero => "count_zero",
        Aggregation::Avg => "avg",
    };
    write!(
        out,
        "{} {} {} ",
        group.width(i).name(),
        if group.signed(i) {
            "signed"
        } else {
            "unsigned"
        },
        aggregation
    )?;
    let flags = [
        (!group.is_simple(), "aggregate"),
        (group.clearable(i), "clearable"),
        (desc.floating(), "floating"),
        (desc.has_show() && bucket.is_none(), "text"),
    ];
    let mut any = false;
    for (_, name) in flags.iter().filter(|(on, _)| *on) {
        if any {
            out.write_char(',')?;
        }
        out.write_str(name)?;
        any = true;
    }
    if !any {
        out.write_char('-')?;
    }
    let kind = match desc.kind() {
        Kind::Unknown => "unknown",
        Kind::Cumulative => "cumulative",
        Kind::Instant => "instant",
        Kind::Peak => "peak",
        Kind::LinearHist => "linear_hist",
        Kind::LogHist => "log_hist",
    };
    let (unit, base, exponent) = desc.unit();
    let unit = match unit {
        Unit::Unknown => "unknown",
        Unit::None => "none",
        Unit::Bytes => "bytes",
        Unit::Seconds => "seconds",
        Unit::Cycles => "cycles",
        Unit::Boolean => "boolean",
    };
    write!(out, " {kind} {unit} ")?;
    match base {
        UnitBase::Unknown => out.write_char('-')?,
        UnitBase::Pow10 => write!(out, "10^{exponent}")?,
        UnitBase::Pow2 => write!(out, "2^{exponent}")?,
    }
    match bucket {
        None => out.write_str(" -"),
        Some(b) if desc.kind() == Kind::LinearHist => write!(
            out,
            " bucket={b}/{},width={}",
            group.buckets(i),
            desc.bucket_size()
        ),
        Some(b) => write!(out, " bucket={b}/{}", group.buckets(i)),
    }
}

/// The text a read of a value's file gives, without the newline, escaped.
fn value_text(out: &mut Text, live: &Live<'_>, i: usize, number: u64) -> core::fmt::Result {
    match live.desc(i).and_then(|d| d.show(number)) {
        Some(text) => out.escaped(text.to_bytes()),
        None => out.number(number, live.signed(i)),
    }
}

/// An open `.values` or `.schema` file: the walk, and the current record's lines.
pub(crate) struct WalkFile {
    walk: Walk,
    kind: MetaKind,
    runs: KVec<Run>,
    /// The values of the current record (for `.values`).
    record: RecordValues,
    text: Text,
    /// The escaped path of the current record's source, the start of each of its lines.
    prefix: Text,
}

impl WalkFile {
    /// Makes the lines of the current record.
    fn format(&mut self) -> Result {
        self.text.0.clear();
        self.walk.runs(&mut self.runs)?;
        self.prefix.prefix(self.walk.path()).map_err(|_| ENOMEM)?;
        if self.kind == MetaKind::Values {
            // Each group once, an aggregate in one pass over its members.
            self.record.read(&self.runs)?;
        }
        let in_histogram = self.walk.in_histogram();
        // Where the current value's elements are among the record's.
        let mut at = 0;
        for run in self.runs.iter() {
            let group = &run.group;
            let Some(live) = group.live() else {
                at += run_elements(run);
                continue;
            };
            for i in run.values.clone() {
                let elements = group.elements(i);
                let values = self.record.elements().get(at..at + elements);
                at += elements;
                let Some(desc) = live.desc(i) else { continue };
                let name = live.name(i);
                let (out, prefix) = (&mut self.text, &self.prefix.0);
                let buckets = group.buckets(i);
                let value = |bucket: usize| values.and_then(|v| v.get(bucket)).map_or(0, |&v| v);
                let lines = (|| -> core::fmt::Result {
                    if buckets == 0 {
                        out.push(prefix)?;
                        out.escaped(name)?;
                        out.push(b" ")?;
                        match self.kind {
                            MetaKind::Values => value_text(out, &live, i, value(0))?,
                            _ => schema_line(out, group, i, &desc, None)?,
                        }
                        return out.push(b"\n");
                    }
                    for bucket in 0..buckets {
                        // In the histogram's own directory a bucket's path is its file's.
                        if !in_histogram {
                            out.push(prefix)?;
                            out.escaped(name)?;
                            out.push(b"/")?;
                        }
                        out.number(bucket as u64, false)?;
                        out.push(b" ")?;
                        match self.kind {
                            MetaKind::Values => out.number(value(bucket), false)?,
                            _ => schema_line(out, group, i, &desc, Some(bucket))?,
                        }
                        out.push(b"\n")?;
                    }
                    Ok(())
                })();
                lines.map_err(|_| ENOMEM)?;
            }
        }
        Ok(())
    }

    /// Moves to record `pos` and makes its lines; `false` past the end.
    fn seek(&mut self, pos: u64) -> Result<bool> {
        if !self.walk.seek(pos)? {
            return Ok(false);
        }
        self.format()?;
        Ok(true)
    }
}

/// Opens metadata file `node` (`.values` or `.schema`): its walk, or null without memory.
///
/// # Safety
///
/// `node` is the `i_private` of a live `.values` or `.schema` inode.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_core_walk_open(node: *const Node) -> *mut c_void {
    // SAFETY: A live metadata inode's `i_private` (safety requirement).
    let NodeKind::Meta(kind, target) = (unsafe { Node::from_inode(node) }).kind() else {
        return core::ptr::null_mut();
    };
    let file = WalkFile {
        walk: Walk::new(target.clone()),
        kind: *kind,
        runs: KVec::new(),
        record: RecordValues::new(),
        text: Text(KVec::new()),
        prefix: Text(KVec::new()),
    };
    KBox::new(file, GFP_KERNEL).map_or(core::ptr::null_mut(), |f| f.into_foreign())
}

/// Positions `file` on record `pos` with its lines made: `file` itself, NULL past the end,
/// or an error pointer (`-ENOMEM`), as a `seq_file`'s `->start` and `->next` return.
///
/// # Safety
///
/// `file` came from [`stats_fs_core_walk_open`] and is used by one task at a time (the
/// `seq_file`'s lock).
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_core_walk_seek(
    file: *mut c_void,
    pos: i64,
) -> *mut c_void {
    // SAFETY: From `stats_fs_core_walk_open`, not shared meanwhile (safety requirement).
    let walk = unsafe { <KBox<WalkFile> as ForeignOwnable>::borrow_mut(file) };
    let Ok(pos) = u64::try_from(pos) else {
        return core::ptr::null_mut();
    };
    match walk.seek(pos) {
        Ok(true) => file,
        Ok(false) => core::ptr::null_mut(),
        Err(e) => e.to_ptr(),
    }
}

/// The lines of `file`'s current record, and their length in `*len`.
///
/// # Safety
///
/// As for [`stats_fs_core_walk_seek`]; `len` is writable. The text is valid until the next
/// call on `file`.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_core_walk_text(
    file: *mut c_void,
    len: *mut usize,
) -> *const u8 {
    // SAFETY: From `stats_fs_core_walk_open`, not shared meanwhile (safety requirement).
    let walk = unsafe { <KBox<WalkFile> as ForeignOwnable>::borrow(file) };
    // SAFETY: Writable (safety requirement).
    unsafe { len.write(walk.text.0.len()) };
    walk.text.0.as_ptr()
}

/// Frees `file`.
///
/// # Safety
///
/// `file` came from [`stats_fs_core_walk_open`] and is not used again.
#[no_mangle]
pub(crate) unsafe extern "C" fn stats_fs_core_walk_release(file: *mut c_void) {
    // SAFETY: From `stats_fs_core_walk_open`, given back once (safety requirement).
    drop(unsafe { <KBox<WalkFile> as ForeignOwnable>::from_foreign(file) });
}
