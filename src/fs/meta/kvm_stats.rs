// SPDX-License-Identifier: GPL-2.0

//! The metadata files: a whole subtree in one read.
//!
//! Every directory has three files that readdir does not list and lookup finds by name:
//!
//! - `.values`: every visible value of the subtree, a line each: its path relative to the
//!   directory, a space, and the text a read of its file gives.
//! - `.schema`: the same values in the same order, with what they are (see [`schema_line`]).
//! - `.stats`: the same values in the layout of KVM's binary stats fd (see [`Stats`]).
//!
//! `.values` and `.schema` are `seq_file`s whose records are sources: a [`Walk`] visits the
//! subtree depth first, children by inode number, and each source's lines are printed in one
//! pass under one hold of the tree lock, released between sources. So a source appears
//! wholly or not at all, writers wait for one source at most, and memory does not grow with
//! the tree: the walk keeps the path from the directory to the current source. A source
//! present for the whole read is never missed; one added or removed meanwhile may be.
//! Reading again from offset 0 starts a new walk.
//!
//! Names and show strings are escaped the way `/proc/mounts` escapes: a space, tab, newline
//! or backslash becomes a backslash and three octal digits (`\040`, `\011`, `\012`, `\134`).

use core::fmt::Write;
use kernel::{prelude::*, seq_file::SeqFile, seq_print, sync::Arc};

use crate::{
    abi::{
        Aggregation,
        Kind,
        StatsFsType,
        Unit,
        UnitBase, //
    },
    source::Source,
    tree::Held,
    value::{
        self,
        Desc,
        Group,
        GroupId, //
    },
};

/// The three metadata files.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum MetaKind {
    /// `.values`.
    Values,
    /// `.schema`.
    Schema,
    /// `.stats`.
    Stats,
}

impl MetaKind {
    /// The metadata file called `name`, if it is one.
    pub(crate) fn from_name(name: &[u8]) -> Option<Self> {
        match name {
            b".values" => Some(Self::Values),
            b".schema" => Some(Self::Schema),
            b".stats" => Some(Self::Stats),
            _ => None,
        }
    }
}

/// The directory a metadata file describes the subtree of.
#[derive(Clone)]
pub(crate) enum Target {
    /// The top of the file system.
    Root,
    /// A source's directory.
    Source(Arc<Source>),
    /// A histogram's directory: the source, the group and the index.
    Histogram(Arc<Source>, GroupId, usize),
}

/// Writes `name` escaped as `/proc/mounts` does.
fn write_escaped(out: &mut impl Write, name: &[u8]) -> core::fmt::Result {
    for run in name.split_inclusive(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\\')) {
        let (text, special) = match run.split_last() {
            Some((&b, head)) if matches!(b, b' ' | b'\t' | b'\n' | b'\\') => (head, Some(b)),
            _ => (run, None),
        };
        // Names and show strings are checked to be ASCII, so this cannot fail.
        out.write_str(core::str::from_utf8(text).map_err(|_| core::fmt::Error)?)?;
        if let Some(b) = special {
            write!(out, "\\{b:03o}")?;
        }
    }
    Ok(())
}

/// A `core::fmt::Write` into a `seq_file`, through a buffer: one `seq_write()` per
/// 256 bytes rather than one `seq_printf()` per piece of a line.
pub(crate) struct SeqOut<'a> {
    m: &'a SeqFile,
    buf: [u8; 256],
    len: usize,
}

impl<'a> SeqOut<'a> {
    pub(crate) fn new(m: &'a SeqFile) -> Self {
        Self {
            m,
            buf: [0; 256],
            len: 0,
        }
    }

    fn flush(&mut self) {
        if self.len > 0 {
            let text = &self.buf[..self.len];
            // The buffer only holds whole `str`s (see `write_str`).
            if let Ok(text) = core::str::from_utf8(text) {
                seq_print!(self.m, "{text}");
            }
            self.len = 0;
        }
    }
}

impl Write for SeqOut<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        if self.len + s.len() > self.buf.len() {
            self.flush();
        }
        if s.len() > self.buf.len() {
            seq_print!(self.m, "{s}");
            return Ok(());
        }
        self.buf[self.len..self.len + s.len()].copy_from_slice(s.as_bytes());
        self.len += s.len();
        Ok(())
    }
}

impl Drop for SeqOut<'_> {
    fn drop(&mut self) {
        self.flush();
    }
}

/// The depth-first walk of a subtree, one source at a time.
///
/// # Invariants
///
/// `path` holds the sources from just below the target's directory down to the current
/// source (empty: the target itself), each a visible subordinate of the one before when it
/// was pushed. They may have left the tree since; [`Walk::advance`] checks.
pub(crate) struct Walk {
    target: Target,
    path: KVec<Arc<Source>>,
    /// The `seq_file` position of the current record, `None` before the first.
    index: Option<i64>,
    done: bool,
}

impl Walk {
    /// A walk of `target`'s subtree, before its first record.
    pub(crate) fn new(target: Target) -> Self {
        Self {
            target,
            path: KVec::new(),
            index: None,
            done: false,
        }
    }

    fn target_source(&self) -> Option<&Arc<Source>> {
        match &self.target {
            Target::Source(s) => Some(s),
            _ => None,
        }
    }

    /// Whether `path[i]` is still where the walk found it: a visible subordinate of the
    /// one before it (of the target at 0), or a registered root under `Target::Root`.
    fn still_placed(&self, g: &impl Held, i: usize) -> bool {
        let s = &self.path[i];
        if !s.is_visible() {
            return false;
        }
        match (i, &self.target) {
            (0, Target::Root) => s.is_root(g),
            (0, Target::Source(t)) => s.is_child_of(t, g),
            (0, Target::Histogram(..)) => false,
            _ => s.is_child_of(&self.path[i - 1], g),
        }
    }

    /// The first visible subordinate of the source at depth `depth` (the target at 0) whose
    /// inode number is at least `from`.
    fn child_from<'a>(&'a self, g: &'a impl Held, depth: usize, from: u64) -> Option<Arc<Source>> {
        if depth == 0 {
            return match &self.target {
                Target::Root => Source::roots(g)?.first_visible_from(from).cloned(),
                Target::Source(t) => t
                    .children(g)
                    .first_visible_from(from)
                    .map(|c| c.source().clone()),
                Target::Histogram(..) => None,
            };
        }
        self.path[depth - 1]
            .children(g)
            .first_visible_from(from)
            .map(|c| c.source().clone())
    }

    /// Moves to the next source of the walk; `false` at the end.
    fn advance(&mut self, g: &impl Held) -> Result<bool> {
        if self.done || matches!(self.target, Target::Histogram(..)) {
            self.done = true;
            return Ok(false);
        }
        if self.target_source().is_some_and(|t| !t.in_tree(g)) {
            self.done = true;
            return Ok(false);
        }
        // The first source on the path that left its place, if one did.
        let broken = (0..self.path.len()).find(|&i| !self.still_placed(g, i));
        let mut depth = match broken {
            Some(i) => {
                self.path.truncate(i + 1);
                i + 1
            }
            None => {
                // Down to the first child of the current source, if it has one.
                if let Some(child) = self.child_from(g, self.path.len(), 0) {
                    self.path.push(child, GFP_KERNEL)?;
                    return Ok(true);
                }
                self.path.len()
            }
        };
        // Across to the next sibling, or up.
        while depth > 0 {
            let after = self.path[depth - 1].ino() + 1;
            self.path.truncate(depth - 1);
            if let Some(sibling) = self.child_from(g, depth - 1, after) {
                self.path.push(sibling, GFP_KERNEL)?;
                return Ok(true);
            }
            depth -= 1;
        }
        self.done = true;
        Ok(false)
    }

    /// Positions the walk on record `pos` (0 is the target itself); `false` past the end.
    pub(crate) fn seek(&mut self, g: &impl Held, pos: i64) -> Result<bool> {
        match self.index {
            Some(index) if pos == index => return Ok(!self.done),
            Some(index) if pos == index + 1 => {
                let more = self.advance(g)?;
                self.index = Some(pos);
                return Ok(more);
            }
            _ => {}
        }
        // From the start: a new walk (offset 0), or replayed up to `pos`.
        self.path.clear();
        self.done = false;
        self.index = Some(0);
        for i in 1..=pos {
            if !self.advance(g)? {
                return Ok(false);
            }
            self.index = Some(i);
        }
        Ok(true)
    }

    /// The source of the current record, if it is still where the walk found it.
    fn current<'a>(&'a self, g: &'a impl Held) -> Option<&'a Arc<Source>> {
        if self.done || self.target_source().is_some_and(|t| !t.in_tree(g)) {
            return None;
        }
        if !(0..self.path.len()).all(|i| self.still_placed(g, i)) {
            return None;
        }
        self.path.last().or(self.target_source())
    }

    /// Calls `f` with each value of the current record: the path to its source, the
    /// source, the group and the index.
    pub(crate) fn for_each_value<'a>(
        &'a self,
        g: &'a impl Held,
        mut f: impl FnMut(&'a [Arc<Source>], &'a Arc<Source>, &'a Group, usize),
    ) {
        if let Target::Histogram(source, group, index) = &self.target {
            if !self.done {
                if let Some(group) = source.group(g, *group) {
                    f(&[], source, group, *index);
                }
            }
            return;
        }
        if let Some(source) = self.current(g) {
            source.for_each_value(g, |grp, i| f(&self.path, source, grp, i));
        }
    }

    /// Prints the current record into `m`: the lines of the current source's values.
    pub(crate) fn show(&self, g: &impl Held, m: &SeqFile, kind: MetaKind) -> core::fmt::Result {
        let mut out = SeqOut::new(m);
        let mut result = Ok(());
        self.for_each_value(g, |path, source, group, i| {
            if result.is_ok() {
                result = print_value(&mut out, g, source, path, group, i, kind);
            }
        });
        result
    }
}

/// Writes the path of value `name` of the source at the end of `path`, relative to the
/// walk's directory.
fn write_path(out: &mut impl Write, path: &[Arc<Source>], name: &[u8]) -> core::fmt::Result {
    for s in path {
        write_escaped(out, s.name().to_bytes())?;
        out.write_char('/')?;
    }
    write_escaped(out, name)
}

/// Prints the lines of value `i` of `group` (one per bucket for a histogram).
fn print_value(
    out: &mut impl Write,
    g: &impl Held,
    source: &Source,
    path: &[Arc<Source>],
    group: &Group,
    i: usize,
    kind: MetaKind,
) -> core::fmt::Result {
    let Some(desc) = group.desc(i) else {
        return Ok(());
    };
    let name = desc.name().to_bytes();
    if desc.buckets() == 0 {
        write_path(out, path, name)?;
        out.write_char(' ')?;
        match kind {
            MetaKind::Values => write_value_text(out, &desc, source.value_of(g, group, i, 0))?,
            _ => schema_line(out, group, &desc, None)?,
        }
        return out.write_char('\n');
    }
    for bucket in 0..desc.buckets() {
        write_path(out, path, name)?;
        write!(out, "/{bucket} ")?;
        match kind {
            MetaKind::Values => write!(out, "{}", source.value_of(g, group, i, bucket))?,
            _ => schema_line(out, group, &desc, Some(bucket))?,
        }
        out.write_char('\n')?;
    }
    Ok(())
}

/// The text a read of the value's file gives, without the newline, escaped.
fn write_value_text(out: &mut impl Write, desc: &Desc<'_>, number: u64) -> core::fmt::Result {
    // As a read of the file: a show string that is not UTF-8 shows the number instead.
    match desc.show(number).and_then(|t| t.to_str().ok()) {
        Some(text) => write_escaped(out, text.as_bytes()),
        None if desc.signed() => write!(out, "{}", number as i64),
        None => write!(out, "{number}"),
    }
}

/// The name of a value's type: one of the default types, or `custom`.
fn type_name(ty: *const StatsFsType) -> &'static str {
    let defaults: [(&StatsFsType, &str); 9] = [
        (&value::stats_fs_type_u8, "u8"),
        (&value::stats_fs_type_s8, "s8"),
        (&value::stats_fs_type_u16, "u16"),
        (&value::stats_fs_type_s16, "s16"),
        (&value::stats_fs_type_u32, "u32"),
        (&value::stats_fs_type_s32, "s32"),
        (&value::stats_fs_type_u64, "u64"),
        (&value::stats_fs_type_s64, "s64"),
        (&value::stats_fs_type_bool, "bool"),
    ];
    defaults
        .iter()
        .find(|(t, _)| core::ptr::eq(*t, ty))
        .map_or("custom", |(_, n)| n)
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
    out: &mut impl Write,
    group: &Group,
    desc: &Desc<'_>,
    bucket: Option<usize>,
) -> core::fmt::Result {
    let aggregation = match desc.aggregation() {
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
        type_name(desc.type_ptr()),
        if desc.signed() { "signed" } else { "unsigned" },
        aggregation
    )?;
    let flags = [
        (!group.is_simple(), "aggregate"),
        (desc.clearable(), "clearable"),
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
            desc.buckets(),
            desc.bucket_size()
        ),
        Some(b) => write!(out, " bucket={b}/{}", desc.buckets()),
    }
}

/// One descriptor of a `.stats` file: a value of the subtree when the file was opened.
struct StatsEntry {
    source: Arc<Source>,
    group: GroupId,
    index: usize,
    /// Elements: 1, or the number of buckets of a histogram.
    size: u32,
    /// `KVM_STATS_TYPE_*`, `_UNIT_*` and `_BASE_*` bits.
    flags: u32,
    exponent: i16,
    bucket_size: u32,
    /// Where the value's path is in [`Stats::names`].
    name: core::ops::Range<usize>,
    /// Its first element's offset in the data block, in elements.
    data: u64,
}

/// The size of `struct kvm_stats_header` and of `struct kvm_stats_desc` without its name.
const KVM_HEADER_SIZE: u64 = 24;
const KVM_DESC_SIZE: u64 = 16;

/// A `.stats` file: the subtree in the layout of KVM's binary stats fd
/// (`Documentation/virt/kvm/api.rst`, `KVM_GET_STATS_FD`), so that a reader written for
/// KVM's fd, with the structs of `<linux/kvm.h>`, reads it unchanged:
///
/// - `struct kvm_stats_header` (`flags` 0, `name_size`, `num_desc`, `id_offset`,
///   `desc_offset`, `data_offset`);
/// - the id, `name_size` bytes: `statsfs` and the directory's path;
/// - `num_desc` times `struct kvm_stats_desc` followed by `name_size` bytes of name: the
///   value's path relative to the directory, NUL-padded; `name_size` is the longest path
///   and its NUL, rounded up to 8;
/// - the data: each value's elements as `u64` at `data_offset + offset` (signed values as
///   their two's complement).
///
/// As with KVM's fd, the header, id and descriptors are fixed when the file is opened, and
/// every read of the data block reads the values afresh, each source's under one hold of
/// the tree lock; a value whose source went away reads 0. The kind, unit and base of a
/// value that does not say them are given as cumulative (instant if floating), none and
/// powers of 10. The descriptors take memory in proportion to the subtree's values.
pub(crate) struct Stats {
    id: KVec<u8>,
    names: KVec<u8>,
    entries: KVec<StatsEntry>,
    name_size: u64,
    data_len: u64,
}

/// The `KVM_STATS_*` flags of a value.
fn kvm_flags(desc: &Desc<'_>) -> u32 {
    let kind = match desc.kind() {
        Kind::Cumulative => 0,
        Kind::Instant => 1,
        Kind::Peak => 2,
        Kind::LinearHist => 3,
        Kind::LogHist => 4,
        Kind::Unknown if desc.floating() => 1,
        Kind::Unknown => 0,
    };
    let (unit, base, _) = desc.unit();
    let unit = match unit {
        Unit::Unknown | Unit::None => 0,
        Unit::Bytes => 1,
        Unit::Seconds => 2,
        Unit::Cycles => 3,
        Unit::Boolean => 4,
    };
    let base = match base {
        UnitBase::Unknown | UnitBase::Pow10 => 0,
        UnitBase::Pow2 => 1,
    };
    kind | unit << 4 | base << 8
}

impl Stats {
    /// Describes the subtree of `target`, the directory at path `dir`, as it is now.
    pub(crate) fn new(target: Target, dir: &[u8]) -> Result<Self> {
        let mut this = Self {
            id: KVec::new(),
            names: KVec::new(),
            entries: KVec::new(),
            name_size: 8,
            data_len: 0,
        };
        this.id.extend_from_slice(b"statsfs", GFP_KERNEL)?;
        if !dir.is_empty() {
            this.id.push(b':', GFP_KERNEL)?;
            this.id.extend_from_slice(dir, GFP_KERNEL)?;
        }
        let mut walk = Walk::new(target);
        let mut longest = 0;
        let mut pos = 0;
        loop {
            let g = crate::tree::read();
            if !walk.seek(&g, pos)? {
                break;
            }
            let mut failed = Ok(());
            walk.for_each_value(&g, |path, source, group, i| {
                if failed.is_ok() {
                    failed = this.add(path, source, group, i, &mut longest);
                }
            });
            failed?;
            pos += 1;
        }
        // The name, its NUL, rounded up to 8; the id must fit too.
        this.name_size = (longest as u64 + 1).next_multiple_of(8);
        Ok(this)
    }

    fn add(
        &mut self,
        path: &[Arc<Source>],
        source: &Arc<Source>,
        group: &Group,
        i: usize,
        longest: &mut usize,
    ) -> Result {
        let Some(desc) = group.desc(i) else {
            return Ok(());
        };
        let start = self.names.len();
        for s in path {
            self.names
                .extend_from_slice(s.name().to_bytes(), GFP_KERNEL)?;
            self.names.push(b'/', GFP_KERNEL)?;
        }
        self.names
            .extend_from_slice(desc.name().to_bytes(), GFP_KERNEL)?;
        let size = desc.buckets().max(1) as u32;
        *longest = (*longest).max(self.names.len() - start);
        self.entries.push(
            StatsEntry {
                source: source.clone(),
                group: group.id(),
                index: i,
                size,
                flags: kvm_flags(&desc),
                exponent: desc.unit().2,
                bucket_size: desc.bucket_size(),
                name: start..self.names.len(),
                data: self.data_len,
            },
            GFP_KERNEL,
        )?;
        self.data_len += u64::from(size);
        Ok(())
    }

    fn desc_offset(&self) -> u64 {
        KVM_HEADER_SIZE + self.name_size
    }

    fn data_offset(&self) -> u64 {
        self.desc_offset() + self.entries.len() as u64 * (KVM_DESC_SIZE + self.name_size)
    }

    /// The size of the file.
    pub(crate) fn len(&self) -> u64 {
        self.data_offset() + self.data_len * 8
    }

    /// Fills `buf` with the file's bytes from offset `pos`; returns how many (0 at the end).
    pub(crate) fn read(&self, pos: u64, buf: &mut [u8]) -> usize {
        let end = self.len().min(pos.saturating_add(buf.len() as u64));
        let mut at = pos;
        while at < end {
            let n = if at < self.data_offset() {
                self.read_meta(at, &mut buf[(at - pos) as usize..(end - pos) as usize])
            } else {
                self.read_data(at, &mut buf[(at - pos) as usize..(end - pos) as usize])
            };
            if n == 0 {
                break;
            }
            at += n as u64;
        }
        (at - pos) as usize
    }

    /// Copies the overlap of `bytes`, which lie at file offset `start`, into `buf`, which
    /// starts at `at`.
    fn copy(start: u64, bytes: &[u8], at: u64, buf: &mut [u8]) -> usize {
        let from = (at - start) as usize;
        let n = bytes.len().saturating_sub(from).min(buf.len());
        buf[..n].copy_from_slice(&bytes[from..from + n]);
        n
    }

    /// The header, the id or a descriptor at offset `at`, into `buf`.
    fn read_meta(&self, at: u64, buf: &mut [u8]) -> usize {
        let name_size = self.name_size as usize;
        if at < KVM_HEADER_SIZE {
            let mut header = [0u8; KVM_HEADER_SIZE as usize];
            let fields = [
                0,
                self.name_size as u32,
                self.entries.len() as u32,
                KVM_HEADER_SIZE as u32,
                self.desc_offset() as u32,
                self.data_offset() as u32,
            ];
            for (chunk, field) in header.chunks_mut(4).zip(fields) {
                chunk.copy_from_slice(&field.to_ne_bytes());
            }
            return Self::copy(0, &header, at, buf);
        }
        if at < self.desc_offset() {
            let id = &self.id[..self.id.len().min(name_size - 1)];
            let rel = (at - KVM_HEADER_SIZE) as usize;
            let n = (name_size - rel).min(buf.len());
            for (k, b) in buf[..n].iter_mut().enumerate() {
                *b = id.get(rel + k).copied().unwrap_or(0);
            }
            return n;
        }
        let desc_size = KVM_DESC_SIZE + self.name_size;
        let Some(k) = (at - self.desc_offset()).checked_div(desc_size) else {
            return 0;
        };
        let k = k as usize;
        let start = self.desc_offset() + k as u64 * desc_size;
        let Some(e) = self.entries.get(k) else {
            return 0;
        };
        let mut head = [0u8; KVM_DESC_SIZE as usize];
        head[0..4].copy_from_slice(&e.flags.to_ne_bytes());
        head[4..6].copy_from_slice(&e.exponent.to_ne_bytes());
        head[6..8].copy_from_slice(&(e.size as u16).to_ne_bytes());
        head[8..12].copy_from_slice(&((e.data * 8) as u32).to_ne_bytes());
        head[12..16].copy_from_slice(&e.bucket_size.to_ne_bytes());
        if at < start + KVM_DESC_SIZE {
            return Self::copy(start, &head, at, buf);
        }
        let name = &self.names[e.name.clone()];
        let rel = (at - start - KVM_DESC_SIZE) as usize;
        let n = (name_size - rel).min(buf.len());
        for (j, b) in buf[..n].iter_mut().enumerate() {
            *b = name.get(rel + j).copied().unwrap_or(0);
        }
        n
    }

    /// Data from offset `at` into `buf`: the values of whole sources, each source's read
    /// under one hold of the tree lock.
    fn read_data(&self, at: u64, buf: &mut [u8]) -> usize {
        let first = (at - self.data_offset()) / 8;
        // The entry holding element `first`: entries are in data order.
        let k = self
            .entries
            .partition_point(|e| e.data + u64::from(e.size) <= first);
        let mut done = 0;
        let mut k = k;
        while k < self.entries.len() && done < buf.len() {
            let g = crate::tree::read();
            let source = &self.entries[k].source;
            while k < self.entries.len()
                && Arc::ptr_eq(&self.entries[k].source, source)
                && done < buf.len()
            {
                let e = &self.entries[k];
                let group = e.source.group(&g, e.group);
                for b in 0..e.size as u64 {
                    let off = self.data_offset() + (e.data + b) * 8;
                    if off + 8 <= at + done as u64 {
                        continue;
                    }
                    let v = group.map_or(0, |grp| {
                        if grp.desc(e.index).is_some_and(|d| d.buckets() > 0) {
                            e.source.value_of(&g, grp, e.index, b as usize)
                        } else {
                            e.source.value_of(&g, grp, e.index, 0)
                        }
                    });
                    let n = Self::copy(off, &v.to_ne_bytes(), at + done as u64, &mut buf[done..]);
                    done += n;
                    if done == buf.len() {
                        break;
                    }
                }
                k += 1;
            }
        }
        done
    }
}
