//! Errors of the `.zndsl` parser: one [`DslError`] per problem, all of a file collected in
//! [`DslErrors`].

use std::fmt;
use std::path::PathBuf;

/// One problem in a test file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DslError {
    /// A line that could not be parsed.
    #[error("line {line}: `{text}`: {message}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// The line as written (trimmed).
        text: String,
        /// What is wrong, with a hint listing the accepted forms where useful.
        message: String,
    },
    /// The file has no `Network:` header.
    #[error(
        "missing `Network:` header: every test names its network definition, \
         e.g. `Network: ./0001-smoke.toml`"
    )]
    MissingNetwork,
    /// The file could not be read.
    #[error("cannot read test file `{}`: {message}", path.display())]
    Read {
        /// The path given.
        path: PathBuf,
        /// The I/O error.
        message: String,
    },
}

impl DslError {
    /// An error on a line.
    pub fn at_line(line: usize, text: &str, message: impl Into<String>) -> Self {
        DslError::Line { line, text: text.to_string(), message: message.into() }
    }

    /// The 1-based line the error is on, if it is about a line.
    pub fn line(&self) -> Option<usize> {
        match self {
            DslError::Line { line, .. } => Some(*line),
            DslError::MissingNetwork | DslError::Read { .. } => None,
        }
    }

    /// The message without the line prefix (the whole text for file-level errors).
    pub fn message(&self) -> String {
        match self {
            DslError::Line { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}

/// Every error of a test file, in line order (file-level errors last).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DslErrors(pub Vec<DslError>);

impl DslErrors {
    /// The errors.
    pub fn errors(&self) -> &[DslError] {
        &self.0
    }

    /// The lines that have errors, in order.
    pub fn lines(&self) -> Vec<usize> {
        self.0.iter().filter_map(DslError::line).collect()
    }
}

impl fmt::Display for DslErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        let plural = if count == 1 { "" } else { "s" };
        write!(f, "{count} error{plural} in the test file:")?;
        for error in &self.0 {
            write!(f, "\n  {error}")?;
        }
        Ok(())
    }
}
