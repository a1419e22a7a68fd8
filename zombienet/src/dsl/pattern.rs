//! Log-line patterns ([`LogPattern`]) compiled to regular expressions.
//!
//! A compiled pattern is matched against one log line with [`regex::Regex::is_match`]:
//! a regex is searched anywhere in the line (as zombienet's), a glob must match the whole
//! line, a `contains` text anywhere.

use regex::Regex;

use super::ast::LogPattern;

/// Compiles a pattern: [`LogPattern::Regex`] as written, [`LogPattern::Glob`] through
/// [`glob_to_regex`], [`LogPattern::Contains`] escaped. The error names the pattern.
pub fn compile(pattern: &LogPattern) -> Result<Regex, String> {
    let source = match pattern {
        LogPattern::Regex(regex) => regex.clone(),
        LogPattern::Glob(glob) => glob_to_regex(glob),
        LogPattern::Contains(text) => regex::escape(text),
    };
    Regex::new(&source).map_err(|error| format!("invalid pattern {pattern:?}: {error}"))
}

/// The regex source of a glob: anchored at both ends, `*` any run of characters (also
/// none), `?` exactly one, every other character literal. `*rted #1*` matches any line
/// containing `rted #1`.
pub fn glob_to_regex(glob: &str) -> String {
    let mut source = String::from("^(?s:");
    let mut literal = String::new();
    for c in glob.chars() {
        let wildcard = match c {
            '*' => ".*",
            '?' => ".",
            _ => {
                literal.push(c);
                continue;
            }
        };
        source.push_str(&regex::escape(&literal));
        literal.clear();
        source.push_str(wildcard);
    }
    source.push_str(&regex::escape(&literal));
    source.push_str(")$");
    source
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn matches(pattern: LogPattern, line: &str) -> bool {
        compile(&pattern).unwrap().is_match(line)
    }

    #[test]
    fn glob_matches_whole_line_with_wildcards() {
        let glob = || LogPattern::Glob("*rted #1*".into());
        assert!(matches(glob(), "2024 INFO Imported #1 (0x12…)"));
        assert!(matches(glob(), "rted #1"));
        assert!(!matches(glob(), "Imported #2"));
        let anchored = || LogPattern::Glob("Imported #?".into());
        assert!(matches(anchored(), "Imported #7"));
        assert!(!matches(anchored(), "Imported #17"));
        assert!(!matches(anchored(), "x Imported #7"));
    }

    #[test]
    fn glob_treats_regex_metacharacters_literally() {
        let glob = || LogPattern::Glob("*(0x[ab]+)*".into());
        assert!(matches(glob(), "hash (0x[ab]+) seen"));
        assert!(!matches(glob(), "hash (0xab) seen"));
        assert_eq!(glob_to_regex("a.b"), r"^(?s:a\.b)$");
    }

    #[test]
    fn regex_searches_anywhere() {
        let regex = || LogPattern::Regex(r"Imported #\d+".into());
        assert!(matches(regex(), "xx Imported #12 yy"));
        assert!(!matches(regex(), "Imported #x"));
        let anchored = || LogPattern::Regex("^Imported".into());
        assert!(!matches(anchored(), "x Imported"));
    }

    #[test]
    fn contains_is_literal() {
        let contains = || LogPattern::Contains("a.b*(".into());
        assert!(matches(contains(), "xx a.b*( yy"));
        assert!(!matches(contains(), "axb"));
    }

    #[test]
    fn bad_regex_is_an_error() {
        let error = compile(&LogPattern::Regex("(unclosed".into())).unwrap_err();
        assert!(error.contains("(unclosed"), "{error}");
    }
}
