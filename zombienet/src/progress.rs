//! What a user sees while a network spawns: one line per step, with a spinner and a count
//! updated in place on a terminal (plain lines when the output is a file or a pipe).

use std::io::{IsTerminal, Write};
use std::time::Duration;

/// Writes a line to stderr, ignoring a closed stderr.
macro_rules! err_line {
    ($($t:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

/// Writes to stderr without a newline, ignoring a closed stderr.
macro_rules! err_text {
    ($($t:tt)*) => {{
        let _ = write!(std::io::stderr(), $($t)*);
    }};
}

const SPINNER: [char; 4] = ['|', '/', '-', '\\'];

/// Where progress goes.
#[derive(Debug)]
pub struct Progress {
    enabled: bool,
    tty: bool,
    tick: usize,
    current: Option<String>,
}

impl Progress {
    /// Progress on stderr; nothing when `quiet`.
    pub fn new(quiet: bool) -> Progress {
        Progress { enabled: !quiet, tty: std::io::stderr().is_terminal(), tick: 0, current: None }
    }

    /// A silent one (the Rust API's default).
    pub fn silent() -> Progress {
        Progress::new(true)
    }

    /// A step begins.
    pub fn begin(&mut self, step: &str) {
        self.current = Some(step.to_string());
        if self.enabled && self.tty {
            err_text!("\r  {} {step} ...\x1b[K", SPINNER[0]);
            let _ = std::io::stderr().flush();
        }
    }

    /// The step advanced: `done` of `total`, with a note.
    pub fn update(&mut self, done: usize, total: usize, note: &str) {
        self.tick += 1;
        if let (true, true, Some(step)) = (self.enabled, self.tty, &self.current) {
            let spin = SPINNER[self.tick % SPINNER.len()];
            err_text!("\r  {spin} {step} {done}/{total} {note}\x1b[K");
            let _ = std::io::stderr().flush();
        }
    }

    /// The step finished.
    pub fn done(&mut self, elapsed: Duration, note: &str) {
        if let (true, Some(step)) = (self.enabled, self.current.take()) {
            let (clear, erase) = self.line_controls();
            err_line!("{clear}  ok {step} {note} ({:.1} s){erase}", elapsed.as_secs_f64());
        }
    }

    /// The step failed.
    pub fn failed(&mut self, elapsed: Duration) {
        if let (true, Some(step)) = (self.enabled, self.current.take()) {
            let (clear, erase) = self.line_controls();
            err_line!("{clear}  FAILED {step} ({:.1} s){erase}", elapsed.as_secs_f64());
        }
    }

    fn line_controls(&self) -> (&'static str, &'static str) {
        if self.tty {
            ("\r", "\x1b[K")
        } else {
            ("", "")
        }
    }

    /// A line of its own.
    pub fn note(&mut self, line: &str) {
        if self.enabled {
            err_line!("{line}");
        }
    }
}
