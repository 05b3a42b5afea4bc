// SPDX-License-Identifier: GPL-2.0
//! `top`: a live full-screen view like kvm_stat's. The state and the keys are plain code
//! ([`App`]); drawing is [`render`], which the tests run on ratatui's test backend.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyCode, KeyEventKind};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row as TableRow, Table};
use ratatui::Frame;
use regex::Regex;

use crate::view::{self, Row, Selection, SortBy};

/// A line being typed at the bottom of the screen.
#[derive(Clone, Debug, PartialEq)]
pub enum Prompt {
    Filter(String),
    Guest(String),
    Drill(String),
}

pub struct App {
    pub sel: Selection,
    /// Where `/proc` is, to find guests by name.
    pub proc: PathBuf,
    pub sort: SortBy,
    pub interval: Duration,
    pub paused: bool,
    prev: Option<(view::Table, Instant)>,
    cur: Option<(view::Table, Instant)>,
    base: Option<view::Table>,
    pub rows: Vec<Row>,
    pub message: Option<String>,
    pub prompt: Option<Prompt>,
    pub quit: bool,
}

impl App {
    pub fn new(sel: Selection, proc: PathBuf, interval: Duration) -> App {
        App {
            sel,
            proc,
            sort: SortBy::Rate,
            interval,
            paused: false,
            prev: None,
            cur: None,
            base: None,
            rows: Vec::new(),
            message: None,
            prompt: None,
            quit: false,
        }
    }

    /// Takes a new snapshot (unless paused) and recomputes the rows.
    pub fn refresh(&mut self) {
        if !self.paused {
            match view::read(&self.sel) {
                Ok((table, warnings)) => {
                    self.prev = self.cur.take();
                    self.cur = Some((table, Instant::now()));
                    self.message = warnings.first().map(|w| format!("skipped: {w}"));
                }
                Err(e) => self.message = Some(e.to_string()),
            }
        }
        self.recompute();
    }

    fn recompute(&mut self) {
        let Some((cur, now)) = &self.cur else {
            self.rows.clear();
            return;
        };
        let (prev, seconds) = match &self.prev {
            Some((t, then)) => (Some(t), now.duration_since(*then).as_secs_f64()),
            None => (None, 0.0),
        };
        self.rows = view::rows(cur, prev, self.base.as_ref(), seconds, self.sort);
    }

    /// Starts over at another set of directories: no rates or baseline carry over.
    fn select(&mut self, dirs: Vec<String>) {
        self.sel.dirs = dirs;
        self.prev = None;
        self.cur = None;
        self.base = None;
        self.refresh();
    }

    /// Handles one key.
    pub fn key(&mut self, code: KeyCode) {
        if let Some(prompt) = self.prompt.take() {
            self.prompt_key(prompt, code);
            return;
        }
        self.message = None;
        match code {
            KeyCode::Char('q') | KeyCode::Esc => self.quit = true,
            KeyCode::Char('s') => {
                self.sort = self.sort.next();
                self.recompute();
            }
            KeyCode::Char('f') => self.prompt = Some(Prompt::Filter(String::new())),
            KeyCode::Char('g') => self.prompt = Some(Prompt::Guest(String::new())),
            KeyCode::Char('d') => self.prompt = Some(Prompt::Drill(String::new())),
            KeyCode::Char('u') => {
                let up = match self.sel.dirs.as_slice() {
                    [one] => one
                        .rsplit_once('/')
                        .map_or(String::new(), |(p, _)| p.to_string()),
                    _ => "kvm".to_string(),
                };
                self.select(vec![up]);
            }
            KeyCode::Char('p') => self.paused = !self.paused,
            KeyCode::Char('r') => {
                self.base = self.cur.as_ref().map(|(t, _)| t.clone());
                self.recompute();
            }
            KeyCode::Char('+') => self.interval += Duration::from_millis(500),
            KeyCode::Char('-') => {
                self.interval = self
                    .interval
                    .saturating_sub(Duration::from_millis(500))
                    .max(Duration::from_millis(500))
            }
            _ => {}
        }
    }

    fn prompt_key(&mut self, prompt: Prompt, code: KeyCode) {
        let (mut text, make): (String, fn(String) -> Prompt) = match prompt {
            Prompt::Filter(t) => (t, Prompt::Filter),
            Prompt::Guest(t) => (t, Prompt::Guest),
            Prompt::Drill(t) => (t, Prompt::Drill),
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
                Err(e) => self.message = Some(format!("bad regular expression: {e}")),
            },
            Prompt::Guest(t) => {
                let found = match t.parse::<u32>() {
                    Ok(pid) => view::guest_dirs_of_pid(&self.sel.root, pid),
                    Err(_) => view::guest_dirs_by_name(&self.sel.root, &self.proc, &t),
                };
                match found {
                    Ok(dirs) => self.select(dirs),
                    Err(e) => self.message = Some(e.to_string()),
                }
            }
            Prompt::Drill(t) => {
                let base = match self.sel.dirs.as_slice() {
                    [one] if !one.is_empty() => format!("{one}/{t}"),
                    _ => t.clone(),
                };
                if self.sel.root.join(&base).is_dir() {
                    self.select(vec![base]);
                } else {
                    self.message = Some(format!("{base}: no such directory"));
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
            "statsfs-top  {}  sort: {}  interval: {:.1} s{}{}",
            app.sel.describe(),
            app.sort.label(),
            app.interval.as_secs_f64(),
            filter,
            if app.paused { "  [paused]" } else { "" }
        ))
        .style(Style::default().add_modifier(Modifier::REVERSED)),
        title,
    );
    let sum: i128 = app
        .rows
        .iter()
        .filter_map(|r| r.total.number())
        .filter(|n| *n > 0)
        .sum();
    let rows = app.rows.iter().map(|r| {
        let pct = match r.total.number() {
            Some(n) if sum > 0 && n >= 0 => format!("{:.1}", n as f64 * 100.0 / sum as f64),
            _ => String::new(),
        };
        let rate = r.rate.map_or(String::new(), |x| format!("{x:.0}"));
        TableRow::new(vec![
            Cell::from(r.name.clone()),
            Cell::from(Line::from(r.total.to_string()).right_aligned()),
            Cell::from(Line::from(pct).right_aligned()),
            Cell::from(Line::from(rate).right_aligned()),
        ])
    });
    let header = TableRow::new(vec!["Value", "Total", "%Total", "Rate/s"])
        .style(Style::default().add_modifier(Modifier::BOLD));
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Min(24),
                Constraint::Length(20),
                Constraint::Length(7),
                Constraint::Length(12),
            ],
        )
        .header(header),
        body,
    );
    let footer = match (&app.prompt, &app.message) {
        (Some(Prompt::Filter(t)), _) => format!("filter (regex, empty for none): {t}_"),
        (Some(Prompt::Guest(t)), _) => format!("guest (name, pid or pid-fd): {t}_"),
        (Some(Prompt::Drill(t)), _) => format!("subdirectory: {t}_"),
        (None, Some(m)) => m.clone(),
        (None, None) => {
            "q quit  s sort  f filter  g guest  d drill  u up  p pause  r reset  +/- interval"
                .to_string()
        }
    };
    frame.render_widget(Paragraph::new(footer), foot);
}

/// Runs the live view on the terminal until `q`.
pub fn run(mut app: App) -> anyhow::Result<()> {
    let mut terminal = ratatui::init();
    app.refresh();
    let mut next = Instant::now() + app.interval;
    let result = (|| -> anyhow::Result<()> {
        while !app.quit {
            terminal.draw(|f| render(f, &app))?;
            let wait = next.saturating_duration_since(Instant::now());
            if event::poll(wait)? {
                if let Event::Key(k) = event::read()? {
                    if k.kind == KeyEventKind::Press {
                        app.key(k.code);
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
