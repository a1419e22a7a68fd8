//! The `.zndsl` test language: [`ast`] (what a file says), [`parse`] (text to steps, every
//! error with its line), [`pattern`] (log-line patterns to regexes), [`metrics`]
//! (Prometheus text and selectors the assertions read).

pub mod ast;
pub mod error;
pub mod metrics;
pub mod parse;
pub mod pattern;

pub use ast::*;
pub use error::{DslError, DslErrors};
pub use parse::{parse_file, parse_str};
