//! Prometheus text exposition ([`parse_prometheus`]) and the metric selectors of `reports`
//! assertions ([`Selector`]).
//!
//! Parsing is lenient: comment lines and lines that are not samples are skipped, never an
//! error, so one odd line of a scrape cannot fail an assertion about another metric.

use std::collections::BTreeMap;
use std::fmt;

/// Prefixes a metric name may carry; zombienet also accepts a name without it
/// (`node_roles` for `substrate_node_roles`).
const KNOWN_PREFIXES: [&str; 3] = ["substrate_", "atoll_", "polkadot_"];

/// One sample of a scrape: `name{labels} value [timestamp]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The metric name (for counters exposed by prometheus-client, with `_total`).
    pub name: String,
    /// The labels, unescaped.
    pub labels: BTreeMap<String, String>,
    /// The value (`+Inf`, `-Inf` and `NaN` included).
    pub value: f64,
}

impl Sample {
    /// Whether every label of `wanted` is on the sample with the same value.
    pub fn has_labels(&self, wanted: &BTreeMap<String, String>) -> bool {
        wanted.iter().all(|(key, value)| self.labels.get(key) == Some(value))
    }
}

/// Parses a Prometheus text exposition into its samples, in order. Skips `#` lines, blank
/// lines and lines that are not well-formed samples.
pub fn parse_prometheus(text: &str) -> Vec<Sample> {
    text.lines().filter_map(parse_sample_line).collect()
}

/// A metric selector as written in a test: `name` or `name{label="value",...}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    /// The metric name.
    pub name: String,
    /// The labels a sample must have (it may have more).
    pub labels: BTreeMap<String, String>,
}

impl Selector {
    /// Parses `name` or `name{label="value",...}` (label values may escape `\"`, `\\`,
    /// `\n`). The error says what is wrong.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let mut scanner = Scanner::new(text.trim());
        let name = scanner.metric_name();
        if name.is_empty() {
            return Err(format!(
                "`{}` is not a metric name (letters, digits, `_` and `:`, not starting with a digit)",
                text.trim()
            ));
        }
        let labels = if scanner.peek() == Some('{') { scanner.labels()? } else { BTreeMap::new() };
        scanner.skip_ws();
        if !scanner.rest().is_empty() {
            return Err(format!("unexpected `{}` after the metric selector", scanner.rest()));
        }
        Ok(Selector { name: name.to_string(), labels })
    }

    /// The value of the first sample whose name matches and whose labels include the
    /// selector's. Names tried, in order: the name as written, with `_total` appended
    /// (counters), with a leading `polkadot_` replaced by `atoll_` (and that with
    /// `_total`); then any sample whose name is the selector's behind a `substrate_`,
    /// `atoll_` or `polkadot_` prefix (zombienet's prefix-less names: `node_roles`).
    pub fn find(&self, samples: &[Sample]) -> Option<f64> {
        let names = self.candidate_names();
        names.iter().find_map(|name| self.first_value(samples, |sample| sample == name)).or_else(
            || {
                self.first_value(samples, |sample| {
                    strip_known_prefix(sample).is_some_and(|tail| names.iter().any(|n| n == tail))
                })
            },
        )
    }

    fn candidate_names(&self) -> Vec<String> {
        let mut names = vec![self.name.clone()];
        if let Some(rest) = self.name.strip_prefix("polkadot_") {
            names.push(format!("atoll_{rest}"));
        }
        let with_total: Vec<String> = names
            .iter()
            .filter(|name| !name.ends_with("_total"))
            .map(|name| format!("{name}_total"))
            .collect();
        names.extend(with_total);
        names
    }

    fn first_value(&self, samples: &[Sample], name_matches: impl Fn(&str) -> bool) -> Option<f64> {
        samples
            .iter()
            .find(|sample| name_matches(&sample.name) && sample.has_labels(&self.labels))
            .map(|sample| sample.value)
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if self.labels.is_empty() {
            return Ok(());
        }
        let labels: Vec<String> =
            self.labels.iter().map(|(key, value)| format!("{key}={value:?}")).collect();
        write!(f, "{{{}}}", labels.join(","))
    }
}

fn strip_known_prefix(name: &str) -> Option<&str> {
    KNOWN_PREFIXES.iter().find_map(|prefix| name.strip_prefix(prefix))
}

fn parse_sample_line(line: &str) -> Option<Sample> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut scanner = Scanner::new(line);
    let name = scanner.metric_name();
    if name.is_empty() {
        return None;
    }
    let labels = if scanner.peek() == Some('{') { scanner.labels().ok()? } else { BTreeMap::new() };
    let value = parse_value_and_timestamp(scanner.rest())?;
    Some(Sample { name: name.to_string(), labels, value })
}

/// `value [timestamp]`: the value (Rust's float syntax covers `+Inf`, `-Inf`, `NaN` and
/// exponents); the timestamp, an integer, is checked and dropped.
fn parse_value_and_timestamp(text: &str) -> Option<f64> {
    let mut fields = text.split_whitespace();
    let value = fields.next()?.parse::<f64>().ok()?;
    if let Some(timestamp) = fields.next() {
        timestamp.parse::<i64>().ok()?;
    }
    match fields.next() {
        Some(_) => None,
        None => Some(value),
    }
}

/// A position in a line of exposition text or a selector.
struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner { text, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, wanted: char) -> bool {
        let found = self.peek() == Some(wanted);
        if found {
            self.pos += wanted.len_utf8();
        }
        found
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    /// `[A-Za-z_:][A-Za-z0-9_:]*`, possibly empty.
    fn metric_name(&mut self) -> &'a str {
        self.identifier(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`, possibly empty.
    fn label_name(&mut self) -> &'a str {
        self.identifier(|c| c.is_ascii_alphabetic() || c == '_')
    }

    fn identifier(&mut self, first_ok: impl Fn(char) -> bool) -> &'a str {
        let start = self.pos;
        if self.peek().is_some_and(&first_ok) {
            self.bump();
            while self.peek().is_some_and(|c| first_ok(c) || c.is_ascii_digit()) {
                self.bump();
            }
        }
        self.text.get(start..self.pos).unwrap_or("")
    }

    /// `{name="value", ...}` (trailing comma allowed), at a `{`.
    fn labels(&mut self) -> Result<BTreeMap<String, String>, String> {
        let mut labels = BTreeMap::new();
        self.eat('{');
        loop {
            self.skip_ws();
            if self.eat('}') {
                return Ok(labels);
            }
            let (key, value) = self.label()?;
            labels.insert(key, value);
            self.skip_ws();
            if self.eat('}') {
                return Ok(labels);
            }
            if !self.eat(',') {
                return Err("expected `,` or `}` after a label".to_string());
            }
        }
    }

    fn label(&mut self) -> Result<(String, String), String> {
        let key = self.label_name().to_string();
        if key.is_empty() {
            return Err(format!("expected a label name at `{}`", self.rest()));
        }
        self.skip_ws();
        if !self.eat('=') {
            return Err(format!("expected `=` after label `{key}`"));
        }
        self.skip_ws();
        let value = self.quoted_label_value()?;
        Ok((key, value))
    }

    /// `"..."` with the escapes `\"`, `\\` and `\n`.
    fn quoted_label_value(&mut self) -> Result<String, String> {
        if !self.eat('"') {
            return Err("expected a quoted label value".to_string());
        }
        let mut value = String::new();
        loop {
            match self.bump() {
                None => return Err("unterminated label value".to_string()),
                Some('"') => return Ok(value),
                Some('\\') => value.push(self.escaped()?),
                Some(c) => value.push(c),
            }
        }
    }

    fn escaped(&mut self) -> Result<char, String> {
        match self.bump() {
            Some('n') => Ok('\n'),
            Some(c @ ('"' | '\\')) => Ok(c),
            Some(c) => Err(format!("unknown escape `\\{c}` in a label value")),
            None => Err("unterminated label value".to_string()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"# HELP substrate_block_height Block height info of the chain
# TYPE substrate_block_height gauge
substrate_block_height{status="best",chain="atoll_testnet"} 12
substrate_block_height{status="finalized",chain="atoll_testnet"} 10
# TYPE atoll_parachain_candidates_included counter
atoll_parachain_candidates_included_total{chain="atoll_testnet"} 7
substrate_node_roles{chain="atoll_testnet"} 4
"#;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn find(selector: &str, text: &str) -> Option<f64> {
        Selector::parse(selector).unwrap().find(&parse_prometheus(text))
    }

    #[test]
    fn parses_the_example() {
        let samples = parse_prometheus(EXAMPLE);
        assert_eq!(samples.len(), 4);
        assert_eq!(
            samples[0],
            Sample {
                name: "substrate_block_height".into(),
                labels: labels(&[("status", "best"), ("chain", "atoll_testnet")]),
                value: 12.0,
            }
        );
        assert_eq!(samples[2].name, "atoll_parachain_candidates_included_total");
        assert_eq!(samples[2].value, 7.0);
        assert_eq!(samples[3].labels, labels(&[("chain", "atoll_testnet")]));
    }

    #[test]
    fn parses_special_values_exponents_and_timestamps() {
        let text = "a +Inf\nb -Inf\nc NaN\nd 1.5e3\ne 2E-2 1700000000000\nf{} -0.5\ng 3 -12\n";
        let samples = parse_prometheus(text);
        let values: Vec<(&str, f64)> = samples.iter().map(|s| (s.name.as_str(), s.value)).collect();
        assert_eq!(values[0], ("a", f64::INFINITY));
        assert_eq!(values[1], ("b", f64::NEG_INFINITY));
        assert_eq!(values[2].0, "c");
        assert!(values[2].1.is_nan());
        assert_eq!(values[3], ("d", 1500.0));
        assert_eq!(values[4], ("e", 0.02));
        assert_eq!(values[5], ("f", -0.5));
        assert_eq!(values[6], ("g", 3.0));
        assert_eq!(samples.len(), 7);
    }

    #[test]
    fn parses_escaped_label_values() {
        let text = r#"m{path="C:\\dir",quote="say \"hi\"",nl="a\nb", spaced = "x y" ,} 1"#;
        let samples = parse_prometheus(text);
        assert_eq!(samples.len(), 1);
        assert_eq!(
            samples[0].labels,
            labels(&[
                ("path", "C:\\dir"),
                ("quote", "say \"hi\""),
                ("nl", "a\nb"),
                ("spaced", "x y"),
            ])
        );
    }

    #[test]
    fn label_value_may_contain_braces_and_commas() {
        let samples = parse_prometheus(r#"m{a="}{,=",b="2"} 5"#);
        assert_eq!(samples[0].labels, labels(&[("a", "}{,="), ("b", "2")]));
    }

    #[test]
    fn skips_garbage_without_panicking() {
        let text = "\
            garbage line here\n\
            {a=\"b\"} 1\n\
            9metric 1\n\
            m{a=\"unterminated} 1\n\
            m{a=b} 1\n\
            m{=\"x\"} 1\n\
            m{a=\"\\q\"} 1\n\
            m notanumber\n\
            m 1 notatimestamp\n\
            m 1 2 3\n\
            m\n\
            m{a=\"1\"}\n\
            é 1\n\
            \n\
               # indented comment\n\
            ok 1\n";
        let samples = parse_prometheus(text);
        assert_eq!(samples.len(), 1, "{samples:?}");
        assert_eq!(samples[0].name, "ok");
    }

    #[test]
    fn selector_parses_names_and_labels() {
        let selector = Selector::parse(r#" a:b_c{x="1", y = "two words"} "#).unwrap();
        assert_eq!(selector.name, "a:b_c");
        assert_eq!(selector.labels, labels(&[("x", "1"), ("y", "two words")]));
        assert_eq!(selector.to_string(), r#"a:b_c{x="1",y="two words"}"#);
        assert!(Selector::parse("plain").unwrap().labels.is_empty());
    }

    #[test]
    fn selector_rejects_bad_text() {
        for bad in [
            "",
            "9abc",
            "name{",
            "name{a}",
            "name{a=1}",
            r#"name{a="x"} junk"#,
            r#"name{a="x" b="y"}"#,
            "two words",
        ] {
            assert!(Selector::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn selector_matches_label_subset() {
        assert_eq!(find(r#"substrate_block_height{status="finalized"}"#, EXAMPLE), Some(10.0));
        assert_eq!(
            find(r#"substrate_block_height{status="best",chain="atoll_testnet"}"#, EXAMPLE),
            Some(12.0)
        );
        assert_eq!(find("substrate_block_height", EXAMPLE), Some(12.0));
        assert_eq!(find(r#"substrate_block_height{status="sync_target"}"#, EXAMPLE), None);
        assert_eq!(find(r#"substrate_block_height{other="x"}"#, EXAMPLE), None);
    }

    #[test]
    fn selector_falls_back_to_total_and_atoll_names() {
        assert_eq!(find("atoll_parachain_candidates_included", EXAMPLE), Some(7.0));
        assert_eq!(find("atoll_parachain_candidates_included_total", EXAMPLE), Some(7.0));
        assert_eq!(find("polkadot_parachain_candidates_included", EXAMPLE), Some(7.0));
        assert_eq!(
            find(r#"polkadot_parachain_candidates_included{chain="atoll_testnet"}"#, EXAMPLE),
            Some(7.0)
        );
        assert_eq!(find("substrate_node_roles", EXAMPLE), Some(4.0));
        assert_eq!(find("substrate_node_roles_total", EXAMPLE), None);
        assert_eq!(find("polkadot_node_roles", EXAMPLE), None);
        assert_eq!(find("missing_metric", EXAMPLE), None);
    }

    #[test]
    fn selector_accepts_prefixless_names() {
        assert_eq!(find("node_roles", EXAMPLE), Some(4.0));
        assert_eq!(find(r#"block_height{status="finalized"}"#, EXAMPLE), Some(10.0));
        assert_eq!(find("parachain_candidates_included", EXAMPLE), Some(7.0));
        assert_eq!(find("roles", EXAMPLE), None);
    }

    #[test]
    fn exact_name_wins_over_fallbacks() {
        let text = "atoll_x 1\npolkadot_x 2\nx_total 3\nx 4\n";
        assert_eq!(find("x", text), Some(4.0));
        assert_eq!(find("polkadot_x", text), Some(2.0));
        let text = "atoll_x 1\nx_total 3\n";
        assert_eq!(find("x", text), Some(3.0));
    }
}
