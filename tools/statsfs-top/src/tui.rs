// SPDX-License-Identifier: GPL-2.0
//! `top`: a live full-screen view like kvm_stat's, navigable: a directory's
//! subdirectories (VMs with their guests' names, then vCPUs, devices) and values, a cursor
//! moved with the arrows, Enter to go into a VM, a vCPU or a histogram (one row until
//! then), Left or Backspace to come back. Only the directory on screen is read. The state
//! and the keys are plain code ([`App`]); drawing is [`render`], which the tests run on
//! ratatui's test backend.

use std::cell::Cell as StdCell;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Clear, Paragraph, Row as TableRow, Table, TableState};
use ratatui::Frame;
use regex::Regex;

use crate::guests;
use crate::tree::ReadError;
use crate::units::{self, Kind};
use crate::view::{self, Reading, Row, Selection, SortBy, Target};

/// A line being typed at the bottom of the screen.
#[derive(Clone, Debug, PartialEq)]
pub enum Prompt {
    Filter(String),
    Guest(String),
}

/// One line of the screen: a subdirectory to go into, or a value.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    /// A subdirectory (relative to the root) and what to call it.
    Dir {
        path: String,
        label: String,
    },
    Value(Row),
}

const HELP: &[&str] = &[
    "Up/Down, PgUp/PgDn, Home/End  move",
    "Enter, Right                  go into a VM, vCPU, device or histogram",
    "Left, Backspace, u            back up",
    "s  sort (rate, total, name)   f  filter (regex; empty: none)",
    "g  guest (name, pid, pid-fd)  z  show/hide rows that are 0",
    "p  pause   r  totals from now   +/-  interval",
    "h, ?  this help               q, Esc, Ctrl-C  quit",
];

pub struct App {
    pub sel: Selection,
    pub sort: SortBy,
    pub interval: Duration,
    pub paused: bool,
    prev: Option<(Reading, Instant)>,
    cur: Option<(Reading, Instant)>,
    base: Option<Reading>,
    pub entries: Vec<Entry>,
    pub cursor: usize,
    offset: StdCell<usize>,
    pub show_zero: bool,
    pub help: bool,
    /// The target is a guest that no longer runs, or a directory that went away: the
    /// last numbers stay on screen.
    pub dead: bool,
    /// Where Left goes back to.
    back: Vec<Target>,
    names: HashMap<u32, String>,
    pub message: Option<String>,
    pub prompt: Option<Prompt>,
    pub quit: bool,
}

impl App {
    pub fn new(sel: Selection, interval: Duration) -> App {
        App {
            sel,
            sort: SortBy::Rate,
            interval,
            paused: false,
            prev: None,
            cur: None,
            base: None,
            entries: Vec::new(),
            cursor: 0,
            offset: StdCell::new(0),
            show_zero: false,
            help: false,
            dead: false,
            back: Vec::new(),
            names: HashMap::new(),
            message: None,
            prompt: None,
            quit: false,
        }
    }

    /// Takes a new reading (unless paused) and recomputes the entries.
    pub fn refresh(&mut self) {
        if !self.paused {
            match view::read(&self.sel) {
                Ok(reading) => {
                    self.dead = reading.is_dead();
                    if !self.dead {
                        self.message = reading.warnings.first().map(|w| format!("skipped: {w}"));
                        self.prev = self.cur.take();
                        self.cur = Some((reading, Instant::now()));
                    }
                }
                Err(ReadError::Missing(p)) => {
                    self.dead = true;
                    self.message = Some(format!("{}: gone; Left to go back", p.display()));
                }
                Err(e) => self.message = Some(e.to_string()),
            }
        }
        self.recompute();
    }

    fn dir_label(&mut self, path: &str, name: &str) -> String {
        match guests::vm_pid(name).filter(|_| path.starts_with("kvm/")) {
            Some(pid) => {
                let proc = self.sel.proc.clone();
                let guest = self
                    .names
                    .entry(pid)
                    .or_insert_with(|| guests::guest_name(&proc, pid).unwrap_or_default());
                format!("{name}/  {guest}")
            }
            None => format!("{name}/"),
        }
    }

    fn recompute(&mut self) {
        let mut entries = Vec::new();
        let dirs: Vec<String> = match &self.sel.target {
            Target::Dir(d) => {
                let hists: Vec<String> = self.histograms();
                view::subdirs(&self.sel.root, d)
                    .into_iter()
                    .filter(|n| !hists.contains(n))
                    .map(|n| if d.is_empty() { n } else { format!("{d}/{n}") })
                    .collect()
            }
            _ => self
                .cur
                .as_ref()
                .map(|(r, _)| r.dirs.keys().cloned().collect())
                .unwrap_or_default(),
        };
        for path in dirs {
            let name = path.rsplit('/').next().unwrap_or(&path).to_string();
            let label = self.dir_label(&path, &name);
            entries.push(Entry::Dir { path, label });
        }
        if let Some((cur, now)) = &self.cur {
            let (prev, seconds) = match &self.prev {
                Some((r, then)) => (Some(r), now.duration_since(*then).as_secs_f64()),
                None => (None, 0.0),
            };
            let rows = view::rows(cur, prev, self.base.as_ref(), seconds, self.sort);
            entries.extend(
                rows.into_iter()
                    .filter(|r| self.show_zero || r.total.number() != Some(0))
                    .map(Entry::Value),
            );
        }
        self.entries = entries;
        self.cursor = self.cursor.min(self.entries.len().saturating_sub(1));
    }

    /// The histograms of the current reading (shown as value rows, not directories).
    fn histograms(&self) -> Vec<String> {
        self.cur.as_ref().map_or_else(Vec::new, |(r, _)| {
            r.schema
                .iter()
                .filter(|(_, s)| s.bucket.is_some())
                .filter_map(|(p, _)| p.rsplit_once('/').map(|(h, _)| h.to_string()))
                .collect()
        })
    }

    /// Starts over at another target: no rates or baseline carry over.
    fn select(&mut self, target: Target) {
        self.sel.target = target;
        self.prev = None;
        self.cur = None;
        self.base = None;
        self.cursor = 0;
        self.offset.set(0);
        self.dead = false;
        self.refresh();
    }

    fn enter(&mut self) {
        let into = match self.entries.get(self.cursor) {
            Some(Entry::Dir { path, .. }) => Some(path.clone()),
            Some(Entry::Value(r)) if r.kind == Kind::Histogram => match &self.sel.target {
                Target::Dir(d) if d.is_empty() => Some(r.name.clone()),
                Target::Dir(d) => Some(format!("{d}/{}", r.name)),
                _ => None,
            },
            _ => None,
        };
        if let Some(path) = into {
            self.back.push(self.sel.target.clone());
            self.select(Target::Dir(path));
        }
    }

    fn up(&mut self) {
        let target = match self.back.pop() {
            Some(t) => t,
            None => match &self.sel.target {
                Target::Dir(d) if !d.is_empty() => Target::Dir(
                    d.rsplit_once('/')
                        .map_or(String::new(), |(p, _)| p.to_string()),
                ),
                Target::Dir(_) => return,
                _ => Target::Dir("kvm".into()),
            },
        };
        self.select(target);
    }

    fn page(&self) -> usize {
        10
    }

    /// Handles one key press.
    pub fn key(&mut self, key: KeyEvent) {
        if key.modifiers.contains(KeyModifiers::CONTROL) {
            if key.code == KeyCode::Char('c') {
                self.quit = true;
            }
            return;
        }
        if let Some(prompt) = self.prompt.take() {
            self.prompt_key(prompt, key.code);
            return;
        }
        if self.help {
            self.help = false;
            return;
        }
        self.message = None;
        let last = self.entries.len().saturating_sub(1);
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => self.quit = true,
            KeyCode::Char('h') | KeyCode::Char('?') => self.help = true,
            KeyCode::Up => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Down => self.cursor = (self.cursor + 1).min(last),
            KeyCode::PageUp => self.cursor = self.cursor.saturating_sub(self.page()),
            KeyCode::PageDown => self.cursor = (self.cursor + self.page()).min(last),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = last,
            KeyCode::Enter | KeyCode::Right => self.enter(),
            KeyCode::Left | KeyCode::Backspace | KeyCode::Char('u') => self.up(),
            KeyCode::Char('s') => {
                self.sort = self.sort.next();
                self.recompute();
            }
            KeyCode::Char('z') => {
                self.show_zero = !self.show_zero;
                self.recompute();
            }
            KeyCode::Char('f') => self.prompt = Some(Prompt::Filter(String::new())),
            KeyCode::Char('g') => self.prompt = Some(Prompt::Guest(String::new())),
            KeyCode::Char('p') => self.paused = !self.paused,
            KeyCode::Char('r') => {
                self.base = self.cur.as_ref().map(|(t, _)| t.clone());
                self.recompute();
            }
            KeyCode::Char('+') => {
                self.interval =
                    (self.interval + Duration::from_millis(500)).min(Duration::from_secs(3600))
            }
            KeyCode::Char('-') => {
                self.interval = self
                    .interval
                    .saturating_sub(Duration::from_millis(500))
                    .max(Duration::from_millis(100))
            }
            _ => {}
        }
    }

    fn prompt_key(&mut self, prompt: Prompt, code: KeyCode) {
        let (mut text, make): (String, fn(String) -> Prompt) = match prompt {
            Prompt::Filter(t) => (t, Prompt::Filter),
            Prompt::Guest(t) => (t, Prompt::Guest),
        };
        match code {
            KeyCode::Esc => {}
            KeyCode::Enter => self.apply(make(text)),
            KeyCode::Backspace => {
                text.pop();
                self.prompt = Some(make(text));
            }
            KeyCode::Char(c) => {
                text.push(c);
                self.prompt = Some(make(text));
            }
            _ => self.prompt = Some(make(text)),
        }
    }

    fn apply(&mut self, prompt: Prompt) {
        match prompt {
            Prompt::Filter(t) if t.is_empty() => {
                self.sel.fields = None;
                self.refresh();
            }
            Prompt::Filter(t) => match Regex::new(&t) {
                Ok(re) => {
                    self.sel.fields = Some(re);
                    self.refresh();
                }
                Err(e) => self.message = Some(format!("filter: not a regular expression: {e}")),
            },
            Prompt::Guest(t) => {
                let target = match t.parse::<u32>() {
                    Ok(pid) => Target::Pid(pid),
                    Err(_) => Target::Guest(t.clone()),
                };
                let probe = Selection {
                    target: target.clone(),
                    ..self.sel.clone()
                };
                match probe.resolve() {
                    Ok(dirs) if !dirs.is_empty() => {
                        self.back.push(self.sel.target.clone());
                        self.select(target);
                    }
                    Ok(_) => self.message = Some(format!("no running guest matches {t:?}")),
                    Err(e) => self.message = Some(e.to_string()),
                }
            }
        }
    }
}

/// Draws the view: a title, the table, and a line of keys (or the prompt, or a message).
pub fn render(frame: &mut Frame, app: &App) {
    let [title, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    let filter = app
        .sel
        .fields
        .as_ref()
        .map_or(String::new(), |re| format!("  filter: {re}"));
    frame.render_widget(
        Paragraph::new(format!(
            "statsfs-top  {}{}  sort: {}  interval: {:.1} s{}{}",
            app.sel.describe(),
            if app.dead { "  [DEAD]" } else { "" },
            app.sort.label(),
            app.interval.as_secs_f64(),
            filter,
            if app.paused { "  [paused]" } else { "" }
        ))
        .style(Style::default().add_modifier(Modifier::REVERSED)),
        title,
    );
    // %Total adds plain counts only: no times, levels, peaks or histograms.
    let sum: i128 = app
        .entries
        .iter()
        .filter_map(|e| match e {
            Entry::Value(r) if r.kind.in_percent_total() => r.total.number(),
            _ => None,
        })
        .filter(|n| *n > 0)
        .sum();
    let rows = app.entries.iter().map(|e| match e {
        Entry::Dir { label, .. } => TableRow::new(vec![Cell::from(label.clone())]),
        Entry::Value(r) => {
            let pct = match r.total.number() {
                Some(n) if r.kind.in_percent_total() && sum > 0 && n >= 0 => {
                    format!("{:.1}", n as f64 * 100.0 / sum as f64)
                }
                _ => String::new(),
            };
            let name = if r.kind == Kind::Histogram {
                format!("{} (histogram)", r.name)
            } else {
                r.name.clone()
            };
            TableRow::new(vec![
                Cell::from(name),
                Cell::from(Line::from(units::show_total(r.kind, &r.total)).right_aligned()),
                Cell::from(Line::from(pct).right_aligned()),
                Cell::from(Line::from(units::show_rate(r.kind, r.rate)).right_aligned()),
            ])
        }
    });
    let header = TableRow::new(vec!["Name", "Total", "%Total", "Rate/s"])
        .style(Style::default().add_modifier(Modifier::BOLD));
    let table = Table::new(
        rows,
        [
            Constraint::Min(24),
            Constraint::Length(20),
            Constraint::Length(7),
            Constraint::Length(12),
        ],
    )
    .header(header)
    .row_highlight_style(Style::default().add_modifier(Modifier::REVERSED));
    let mut state = TableState::default()
        .with_offset(app.offset.get())
        .with_selected(if app.entries.is_empty() {
            None
        } else {
            Some(app.cursor)
        });
    frame.render_stateful_widget(table, body, &mut state);
    app.offset.set(state.offset());
    if app.help {
        let height = (HELP.len() as u16 + 2).min(body.height);
        let area = ratatui::layout::Rect { height, ..body };
        frame.render_widget(Clear, area);
        frame.render_widget(
            Paragraph::new(HELP.join("\n"))
                .block(ratatui::widgets::Block::bordered().title("keys")),
            area,
        );
    }
    let footer = match (&app.prompt, &app.message) {
        (Some(Prompt::Filter(t)), _) => format!("filter (regex, empty for none): {t}_"),
        (Some(Prompt::Guest(t)), _) => format!("guest (name, pid or pid-fd): {t}_"),
        (None, Some(m)) => m.clone(),
        (None, None) => {
            "q quit  h help  Enter into  Left back  s sort  f filter  g guest  z zeros  p pause"
                .to_string()
        }
    };
    frame.render_widget(Paragraph::new(footer), foot);
}

/// Runs the live view on the terminal until `q` or Ctrl-C.
pub fn run(mut app: App) -> anyhow::Result<()> {
    let mut terminal = ratatui::try_init()?;
    app.refresh();
    // The first rates come quickly, then at the interval.
    let mut next = Instant::now() + app.interval.min(Duration::from_millis(500));
    let result = (|| -> anyhow::Result<()> {
        while !app.quit {
            terminal.draw(|f| render(f, &app))?;
            let wait = next.saturating_duration_since(Instant::now());
            if event::poll(wait)? {
                if let Event::Key(k) = event::read()? {
                    if k.kind == KeyEventKind::Press {
                        app.key(k);
                    }
                }
            }
            if Instant::now() >= next {
                app.refresh();
                next = Instant::now() + app.interval;
            }
        }
        Ok(())
    })();
    ratatui::restore();
    result
}
