//! Errors in a network definition. Each one names where it is: a key path such as
//! `relaychain.nodes[1].validator`, or a line (and column) for problems found before the TOML
//! is parsed. A definition's errors are collected together into [`ConfigErrors`].

use std::fmt;
use std::path::PathBuf;

/// One problem in a network definition. Displays as `<where>: <what>`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The definition file could not be read.
    #[error("{}: cannot read the network definition: {reason}", .path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// The text is not valid TOML.
    #[error("line {line}, column {column}: invalid TOML: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column (in characters).
        column: usize,
        /// The TOML parser's message.
        message: String,
    },
    /// A `{{VAR}}` placeholder names an environment variable that is not set.
    #[error("line {line}: environment variable `{var}` is not set")]
    UnsetEnv {
        /// 1-based line of the placeholder.
        line: usize,
        /// The variable.
        var: String,
    },
    /// A `{{ZOMBIE:<node>:<field>}}` token (zombienet's runtime references between nodes).
    #[error("line {line}: `{token}`: network reference tokens are not supported")]
    ReferenceToken {
        /// 1-based line of the token.
        line: usize,
        /// The token as written.
        token: String,
    },
    /// A key this definition format does not have.
    #[error("{path}: unknown key{}", did_you_mean(.suggestion))]
    UnknownKey {
        /// The key's path.
        path: String,
        /// A known key spelled almost the same way.
        suggestion: Option<String>,
    },
    /// A value of the wrong TOML type.
    #[error("{path}: expected {expected}, found {found}")]
    WrongType {
        /// The value's path.
        path: String,
        /// What the key takes, e.g. `an integer`.
        expected: &'static str,
        /// What was given, e.g. `a string`.
        found: &'static str,
    },
    /// A required key is absent.
    #[error("{path}: required key is missing")]
    Missing {
        /// The missing key's path.
        path: String,
    },
    /// A value of the right type that is not acceptable, or an unsupported feature.
    #[error("{path}: {reason}")]
    Invalid {
        /// The value's path.
        path: String,
        /// Why it is refused.
        reason: String,
    },
    /// Two nodes with the same name.
    #[error("{path}: node name `{name}` is already used by {first}")]
    DuplicateName {
        /// The later node.
        path: String,
        /// The name.
        name: String,
        /// The node that has the name first.
        first: String,
    },
    /// Two paras with the same id.
    #[error("{path}: para id {id} is already defined by {first}")]
    DuplicateParaId {
        /// The later para's `id`.
        path: String,
        /// The id.
        id: u32,
        /// The para that has the id first.
        first: String,
    },
    /// An HRMP channel end that is not a para of the definition.
    #[error("{path}: para {id} is not defined in [[parachains]]")]
    UnknownPara {
        /// The channel's `sender` or `recipient`.
        path: String,
        /// The para id.
        id: u32,
    },
    /// The same HRMP channel twice.
    #[error("{path}: channel {sender} -> {recipient} is already defined by {first}")]
    DuplicateChannel {
        /// The later channel.
        path: String,
        /// Sender para id.
        sender: u32,
        /// Recipient para id.
        recipient: u32,
        /// The first channel with the same ends.
        first: String,
    },
    /// The same fixed port on two nodes (or twice on one node).
    #[error("{path}: port {port} is already used by {first}")]
    DuplicatePort {
        /// The later port key.
        path: String,
        /// The port.
        port: u16,
        /// The first port key with that value.
        first: String,
    },
    /// No relay node validates, so the relay chain would produce no blocks.
    #[error("{path}: no relay node is a validator (at least one needs `validator = true`)")]
    NoValidator {
        /// `relaychain.nodes`.
        path: String,
    },
    /// A para without collators.
    #[error(
        "{path}: para {id} has no collator (add [parachains.collator], [[parachains.collators]] \
         or [[parachains.collator_groups]])"
    )]
    NoCollator {
        /// The para's path, e.g. `parachains[1]`.
        path: String,
        /// The para id.
        id: u32,
    },
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(key) => format!(" (did you mean `{key}`?)"),
        None => String::new(),
    }
}

impl ConfigError {
    /// Where the error is: the key path, or `line N[, column M]`, or the file path.
    pub fn location(&self) -> String {
        match self {
            ConfigError::Unreadable { path, .. } => path.display().to_string(),
            ConfigError::Syntax { line, column, .. } => format!("line {line}, column {column}"),
            ConfigError::UnsetEnv { line, .. } | ConfigError::ReferenceToken { line, .. } => {
                format!("line {line}")
            }
            ConfigError::UnknownKey { path, .. }
            | ConfigError::WrongType { path, .. }
            | ConfigError::Missing { path }
            | ConfigError::Invalid { path, .. }
            | ConfigError::DuplicateName { path, .. }
            | ConfigError::DuplicateParaId { path, .. }
            | ConfigError::UnknownPara { path, .. }
            | ConfigError::DuplicateChannel { path, .. }
            | ConfigError::DuplicatePort { path, .. }
            | ConfigError::NoValidator { path }
            | ConfigError::NoCollator { path, .. } => path.clone(),
        }
    }
}

/// Every problem found in one network definition (never empty when returned as an error).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    /// The errors, in the order they were found.
    pub fn iter(&self) -> std::slice::Iter<'_, ConfigError> {
        self.0.iter()
    }

    /// How many errors.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<ConfigError> for ConfigErrors {
    fn from(error: ConfigError) -> Self {
        ConfigErrors(vec![error])
    }
}

impl From<Vec<ConfigError>> for ConfigErrors {
    fn from(errors: Vec<ConfigError>) -> Self {
        ConfigErrors(errors)
    }
}

impl IntoIterator for ConfigErrors {
    type Item = ConfigError;
    type IntoIter = std::vec::IntoIter<ConfigError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a ConfigErrors {
    type Item = &'a ConfigError;
    type IntoIter = std::slice::Iter<'a, ConfigError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        let noun = if count == 1 { "error" } else { "errors" };
        write!(f, "{count} {noun} in the network definition:")?;
        for error in &self.0 {
            write!(f, "\n  - {error}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_shows_the_suggestion() {
        let error = ConfigError::UnknownKey {
            path: "relaychain.nodes[1].valdator".into(),
            suggestion: Some("validator".into()),
        };
        assert_eq!(
            error.to_string(),
            "relaychain.nodes[1].valdator: unknown key (did you mean `validator`?)"
        );
        let bare = ConfigError::UnknownKey { path: "foo".into(), suggestion: None };
        assert_eq!(bare.to_string(), "foo: unknown key");
    }

    #[test]
    fn every_error_starts_with_its_location() {
        let errors = [
            ConfigError::Syntax { line: 3, column: 7, message: "x".into() },
            ConfigError::UnsetEnv { line: 2, var: "BIN".into() },
            ConfigError::ReferenceToken { line: 4, token: "{{ZOMBIE:a:ws_uri}}".into() },
            ConfigError::WrongType {
                path: "parachains[0].id".into(),
                expected: "an integer",
                found: "a string",
            },
            ConfigError::Missing { path: "parachains[0].id".into() },
            ConfigError::Invalid { path: "settings.provider".into(), reason: "r".into() },
            ConfigError::DuplicateParaId {
                path: "parachains[2].id".into(),
                id: 2000,
                first: "parachains[0]".into(),
            },
            ConfigError::UnknownPara { path: "hrmp_channels[0].recipient".into(), id: 3000 },
            ConfigError::NoValidator { path: "relaychain.nodes".into() },
            ConfigError::Unreadable { path: "/x/net.toml".into(), reason: "gone".into() },
        ];
        for error in errors {
            let shown = error.to_string();
            assert!(shown.starts_with(&format!("{}: ", error.location())), "{shown}");
        }
    }

    #[test]
    fn messages_read_as_specified() {
        let duplicate = ConfigError::DuplicateParaId {
            path: "parachains[2].id".into(),
            id: 2000,
            first: "parachains[0]".into(),
        };
        assert_eq!(
            duplicate.to_string(),
            "parachains[2].id: para id 2000 is already defined by parachains[0]"
        );
        let unknown =
            ConfigError::UnknownPara { path: "hrmp_channels[0].recipient".into(), id: 3000 };
        assert_eq!(
            unknown.to_string(),
            "hrmp_channels[0].recipient: para 3000 is not defined in [[parachains]]"
        );
        let wrong = ConfigError::WrongType {
            path: "parachains[0].id".into(),
            expected: "an integer",
            found: "a string",
        };
        assert_eq!(wrong.to_string(), "parachains[0].id: expected an integer, found a string");
    }

    #[test]
    fn the_list_has_a_header_and_one_line_per_error() {
        let errors = ConfigErrors(vec![
            ConfigError::Missing { path: "a".into() },
            ConfigError::Missing { path: "b".into() },
            ConfigError::UnsetEnv { line: 3, var: "X".into() },
        ]);
        assert_eq!(
            errors.to_string(),
            "3 errors in the network definition:\n  - a: required key is missing\n  \
             - b: required key is missing\n  - line 3: environment variable `X` is not set"
        );
        let one = ConfigErrors::from(ConfigError::Missing { path: "a".into() });
        assert!(one.to_string().starts_with("1 error in the network definition:\n"));
        assert_eq!(one.len(), 1);
    }
}
