//! `{{VAR}}` placeholders, substituted from the environment on the definition's text before it
//! is parsed (as zombienet does), so they may stand anywhere: in a string, a number, a key.
//!
//! - `{{NAME}}` or `{{ NAME }}` (a name: a letter or `_`, then letters, digits, `_`, `-`, `.`)
//!   becomes the variable's value, inserted as is (no TOML quoting).
//! - An unset variable is an error naming it and its line; the placeholder stays in the text so
//!   parsing can go on and report the definition's other errors too.
//! - `{{ZOMBIE:<node>:<field>}}` (zombienet's references between nodes) is an error: Atoll's
//!   zombienet does not resolve them.
//! - Anything else between braces is left alone, and so are whole-line `#` comments.

use super::error::{ConfigError, ConfigErrors};

/// Looks an environment variable up (`std::env::var` in `load`; a map in tests).
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Substitutes every placeholder of `text`, or returns every unset variable and reference token.
pub fn substitute(text: &str, env: EnvLookup<'_>) -> Result<String, ConfigErrors> {
    let (rendered, errors) = substitute_collecting(text, env);
    if errors.is_empty() {
        Ok(rendered)
    } else {
        Err(ConfigErrors(errors))
    }
}

/// Substitutes what it can and returns the text with the errors: placeholders it cannot
/// substitute are left as written.
pub fn substitute_collecting(text: &str, env: EnvLookup<'_>) -> (String, Vec<ConfigError>) {
    let mut rendered = String::with_capacity(text.len());
    let mut errors = Vec::new();
    for (index, line) in text.split_inclusive('\n').enumerate() {
        if line.trim_start().starts_with('#') {
            rendered.push_str(line);
        } else {
            substitute_line(line, index + 1, env, &mut rendered, &mut errors);
        }
    }
    (rendered, errors)
}

/// What stands between `{{` and `}}`.
enum Placeholder<'a> {
    /// An environment variable's name.
    Var(&'a str),
    /// A `ZOMBIE:` reference token.
    Reference,
    /// Not a placeholder.
    Other,
}

fn classify(inner: &str) -> Placeholder<'_> {
    let inner = inner.trim();
    if inner.starts_with("ZOMBIE:") {
        Placeholder::Reference
    } else if is_var_name(inner) {
        Placeholder::Var(inner)
    } else {
        Placeholder::Other
    }
}

fn is_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    let starts_well = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    starts_well && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn substitute_line(
    line: &str,
    line_number: usize,
    env: EnvLookup<'_>,
    out: &mut String,
    errors: &mut Vec<ConfigError>,
) {
    let mut rest = line;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after_open = &rest[open + 2..];
        let Some(close) = after_open.find("}}") else {
            out.push_str(&rest[open..]);
            return;
        };
        let token = &rest[open..open + 2 + close + 2];
        match classify(&after_open[..close]) {
            Placeholder::Var(name) => match env(name) {
                Some(value) => out.push_str(&value),
                None => {
                    errors.push(ConfigError::UnsetEnv { line: line_number, var: name.to_owned() });
                    out.push_str(token);
                }
            },
            Placeholder::Reference => {
                errors.push(ConfigError::ReferenceToken {
                    line: line_number,
                    token: token.to_owned(),
                });
                out.push_str(token);
            }
            Placeholder::Other => {
                // Not ours: keep the braces and look for a placeholder inside.
                out.push_str("{{");
                rest = after_open;
                continue;
            }
        }
        rest = &after_open[close + 2..];
    }
    out.push_str(rest);
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "RELAY_BIN" => Some("/opt/atoll/atoll-relay".into()),
            "PORT" => Some("9944".into()),
            "my.var-1" => Some("x".into()),
            _ => None,
        }
    }

    #[test]
    fn substitutes_with_and_without_spaces() {
        let text = "a = \"{{RELAY_BIN}}\"\nb = {{ PORT }}\nc = \"{{my.var-1}}{{PORT}}\"\n";
        let out = substitute(text, &env).unwrap();
        assert_eq!(out, "a = \"/opt/atoll/atoll-relay\"\nb = 9944\nc = \"x9944\"\n");
    }

    #[test]
    fn text_without_placeholders_is_unchanged() {
        let text = "x = { a = { b = 1 }}\ny = \"}} {{\"\nz = '{{ not a var }}'";
        assert_eq!(substitute(text, &env).unwrap(), text);
    }

    #[test]
    fn reports_every_unset_variable_with_its_line() {
        let text = "a = 1\nb = \"{{MISSING_ONE}}\"\n\nc = \"{{ MISSING_TWO }} {{PORT}}\"\n";
        let (out, errors) = substitute_collecting(text, &env);
        assert_eq!(
            errors,
            vec![
                ConfigError::UnsetEnv { line: 2, var: "MISSING_ONE".into() },
                ConfigError::UnsetEnv { line: 4, var: "MISSING_TWO".into() },
            ]
        );
        assert_eq!(out, "a = 1\nb = \"{{MISSING_ONE}}\"\n\nc = \"{{ MISSING_TWO }} 9944\"\n");
        assert_eq!(errors[0].to_string(), "line 2: environment variable `MISSING_ONE` is not set");
    }

    #[test]
    fn reference_tokens_are_refused() {
        let text = "args = [\"--bootnodes {{ZOMBIE:alice:multiaddr}}\"]\n";
        let errors = substitute(text, &env).unwrap_err();
        assert_eq!(
            errors.0,
            vec![ConfigError::ReferenceToken {
                line: 1,
                token: "{{ZOMBIE:alice:multiaddr}}".into()
            }]
        );
        assert!(errors.0[0].to_string().contains("network reference tokens are not supported"));
    }

    #[test]
    fn comment_lines_are_left_alone() {
        let text = "# command = \"{{UNSET_IN_COMMENT}}\"\n  # {{ZOMBIE:a:ws_uri}}\nx = {{PORT}}";
        assert_eq!(
            substitute(text, &env).unwrap(),
            "# command = \"{{UNSET_IN_COMMENT}}\"\n  # {{ZOMBIE:a:ws_uri}}\nx = 9944"
        );
    }

    #[test]
    fn nested_and_unclosed_braces() {
        assert_eq!(substitute("a {{b {{PORT}}", &env).unwrap(), "a {{b 9944");
        assert_eq!(substitute("a {{PORT", &env).unwrap(), "a {{PORT");
        assert_eq!(substitute("{{PORT}}}", &env).unwrap(), "9944}");
    }
}
