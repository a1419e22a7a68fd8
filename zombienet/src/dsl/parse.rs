//! The `.zndsl` parser: text to a [`TestFile`], every error of the file collected with its
//! line (a hand-written, case-insensitive keyword matcher; see [`super::ast`] for the forms).
//!
//! A file is a few headers (`Description:`, `Network:` (required), `Creds:` (ignored)),
//! comments (`#`, `//`), blank lines and one step per line: `sleep N seconds`,
//! `<node>: <assertion> [within N seconds]` or `<node>: <command>`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::ast::{
    Assertion, CmpOp, Comparison, HeightKind, LogPattern, NodeCommand, Step, StepKind, TestFile,
};
use super::error::{DslError, DslErrors};
use super::metrics::Selector;
use super::pattern;

/// Every form a step line may take, for "not understood" hints.
const ACCEPTED_FORMS: &str = "`<node>: is up`, `<node>: is down`, \
    `<node>: parachain <id> is registered`, `<node>: parachain <id> block height <cmp> <n>`, \
    `<node>: best block|block height|finalised height <cmp> <n>`, \
    `<node>: reports <metric> <cmp> <n>`, \
    `<node>: log line matches [glob|regex] \"<pattern>\"`, `<node>: log line contains \"<text>\"`, \
    `<node>: count of log lines containing|matching [glob|regex] \"<pattern>\" <cmp> <n>`, \
    `<node>: balance of <account> <cmp> <n>`, \
    `<node>: pause|resume|kill|restart [after <n> seconds]`, \
    `<node>: transfer <amount> from <uri> to <account>`, `sleep <n> seconds` \
    (assertions may end with `within <n> seconds`)";

/// The comparators, for hints.
const COMPARATORS: &str = "`==`, `=`, `equals`, `is`, `is equal to`, `!=`, `is not`, `<`, \
    `[is] lower than`, `[is] less than`, `<=`, `[is] at most`, `>`, `[is] greater than`, `>=`, \
    `[is] at least`";

/// Comparators, longest first where one is a prefix of another.
const COMPARATOR_TABLE: [(&str, CmpOp); 21] = [
    ("==", CmpOp::Eq),
    ("!=", CmpOp::Ne),
    ("<=", CmpOp::Le),
    (">=", CmpOp::Ge),
    ("=", CmpOp::Eq),
    ("<", CmpOp::Lt),
    (">", CmpOp::Gt),
    ("is equal to", CmpOp::Eq),
    ("is not", CmpOp::Ne),
    ("is lower than", CmpOp::Lt),
    ("is less than", CmpOp::Lt),
    ("is at most", CmpOp::Le),
    ("is greater than", CmpOp::Gt),
    ("is at least", CmpOp::Ge),
    ("is", CmpOp::Eq),
    ("equals", CmpOp::Eq),
    ("lower than", CmpOp::Lt),
    ("less than", CmpOp::Lt),
    ("at most", CmpOp::Le),
    ("greater than", CmpOp::Gt),
    ("at least", CmpOp::Ge),
];

/// Height aliases, longest first.
const HEIGHT_ALIASES: [(&str, HeightKind); 8] = [
    ("finalised height", HeightKind::Finalized),
    ("finalized height", HeightKind::Finalized),
    ("finalised block", HeightKind::Finalized),
    ("finalized block", HeightKind::Finalized),
    ("best block", HeightKind::Best),
    ("block height", HeightKind::Best),
    ("blockheight", HeightKind::Best),
    ("height", HeightKind::Best),
];

/// What `peers count` / `peers` stand for.
const PEERS_METRIC: &str = "substrate_sub_libp2p_peers_count";

/// Duration units (all seconds), longest first.
const SECOND_UNITS: [&str; 5] = ["seconds", "second", "secs", "sec", "s"];

/// Reads and parses a test file. An unreadable file is one error naming the path.
pub fn parse_file(path: &Path) -> Result<TestFile, DslErrors> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        DslErrors(vec![DslError::Read { path: path.to_path_buf(), message: error.to_string() }])
    })?;
    parse_str(&text)
}

/// Parses the text of a test file. On failure, every error of the file, in line order
/// (a missing `Network:` header last).
pub fn parse_str(text: &str) -> Result<TestFile, DslErrors> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut builder = FileBuilder::default();
    for (index, line) in text.lines().enumerate() {
        builder.line(index + 1, line.trim());
    }
    builder.finish()
}

/// The headers a file may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Header {
    Description,
    Network,
    Creds,
}

impl Header {
    fn name(self) -> &'static str {
        match self {
            Header::Description => "Description",
            Header::Network => "Network",
            Header::Creds => "Creds",
        }
    }
}

/// The file as parsed so far.
#[derive(Default)]
struct FileBuilder {
    /// `(line, value)` of the `Description:` header.
    description: Option<(usize, String)>,
    /// `(line, value)` of the `Network:` header.
    network: Option<(usize, PathBuf)>,
    /// Line of the `Creds:` header.
    creds: Option<usize>,
    steps: Vec<Step>,
    errors: Vec<DslError>,
}

impl FileBuilder {
    fn line(&mut self, number: usize, text: &str) {
        if text.is_empty() || text.starts_with('#') || text.starts_with("//") {
            return;
        }
        let result = match split_header(text) {
            Some((header, value)) => self.header(number, header, value),
            None => parse_step_kind(text)
                .map(|kind| self.steps.push(Step { line: number, text: text.to_string(), kind })),
        };
        if let Err(message) = result {
            self.errors.push(DslError::at_line(number, text, message));
        }
    }

    fn header(&mut self, number: usize, header: Header, value: &str) -> Result<(), String> {
        let first = match header {
            Header::Description => self.description.as_ref().map(|(line, _)| *line),
            Header::Network => self.network.as_ref().map(|(line, _)| *line),
            Header::Creds => self.creds,
        };
        if let Some(first) = first {
            return Err(format!("duplicate `{}:` header (first on line {first})", header.name()));
        }
        match header {
            Header::Description => self.description = Some((number, value.to_string())),
            Header::Network if value.is_empty() => {
                return Err("`Network:` needs the path of the network definition".to_string())
            }
            Header::Network => self.network = Some((number, PathBuf::from(value))),
            Header::Creds => self.creds = Some(number),
        }
        Ok(())
    }

    fn finish(mut self) -> Result<TestFile, DslErrors> {
        if self.network.is_none() {
            self.errors.push(DslError::MissingNetwork);
        }
        match self.network {
            Some((_, network)) if self.errors.is_empty() => Ok(TestFile {
                description: self.description.map(|(_, text)| text).filter(|text| !text.is_empty()),
                network,
                steps: self.steps,
            }),
            _ => Err(DslErrors(self.errors)),
        }
    }
}

/// `Description: ...`, `Network: ...`, `Creds: ...` (keyword case-insensitive).
fn split_header(text: &str) -> Option<(Header, &str)> {
    let (key, value) = text.split_once(':')?;
    let header = match key.trim().to_ascii_lowercase().as_str() {
        "description" => Header::Description,
        "network" => Header::Network,
        "creds" => Header::Creds,
        _ => return None,
    };
    Some((header, value.trim()))
}

/// One step line (not a header, not a comment).
fn parse_step_kind(text: &str) -> Result<StepKind, String> {
    if let Some((node, body)) = text.split_once(':') {
        let node = node.trim();
        if is_node_name(node) {
            return parse_node_step(node, Cursor::new(body));
        }
    }
    let mut cursor = Cursor::new(text);
    if cursor.word("sleep") {
        let duration = cursor.duration()?;
        cursor.end("after `sleep N seconds`")?;
        return Ok(StepKind::Sleep(duration));
    }
    match text.split_once(':') {
        Some((node, _)) => Err(format!(
            "`{}` is not a node name (letters, digits, `_` and `-` before the colon); \
             expected one of: {ACCEPTED_FORMS}",
            node.trim()
        )),
        None => Err(not_understood()),
    }
}

fn is_node_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn not_understood() -> String {
    format!("not understood; expected one of: {ACCEPTED_FORMS}")
}

/// What follows `<node>:`.
fn parse_node_step(node: &str, mut cursor: Cursor<'_>) -> Result<StepKind, String> {
    if let Some(command) = parse_command(&mut cursor)? {
        if cursor.word("within") {
            return Err("`within` applies to assertions, not to commands".to_string());
        }
        cursor.end("after the command")?;
        return Ok(StepKind::Command { node: node.to_string(), command });
    }
    reject_unsupported(cursor)?;
    let assertion = parse_assertion(&mut cursor)?;
    let within = if cursor.word("within") { Some(cursor.duration()?) } else { None };
    cursor.end("(an assertion may end with `within N seconds`)")?;
    Ok(StepKind::Assert { node: node.to_string(), assertion, within })
}

/// `pause`, `resume`, `kill`, `restart [after N seconds]`, `transfer ...`; None when the
/// line is not a command.
fn parse_command(cursor: &mut Cursor<'_>) -> Result<Option<NodeCommand>, String> {
    let command = if cursor.word("pause") {
        NodeCommand::Pause
    } else if cursor.word("resume") {
        NodeCommand::Resume
    } else if cursor.word("kill") {
        NodeCommand::Kill
    } else if cursor.word("restart") {
        let after = if cursor.word("after") { Some(cursor.duration()?) } else { None };
        NodeCommand::Restart { after }
    } else if cursor.word("transfer") {
        parse_transfer(cursor)?
    } else {
        return Ok(None);
    };
    Ok(Some(command))
}

/// `transfer <amount> from <uri> to <account>`, after `transfer`.
fn parse_transfer(cursor: &mut Cursor<'_>) -> Result<NodeCommand, String> {
    const FORM: &str = "expected `transfer <amount> from <uri> to <account>`";
    let amount = cursor
        .integer::<u128>()
        .ok_or_else(|| format!("{FORM}: the amount must be an integer, found {}", cursor.found()))?
        .map_err(|error| format!("{FORM}: bad amount: {error}"))?;
    if !cursor.word("from") {
        return Err(format!("{FORM}: `from` expected, found {}", cursor.found()));
    }
    let from = cursor.token().unwrap_or_default();
    if !is_secret_uri(from) {
        return Err(format!(
            "{FORM}: the sender must be a secret URI such as `//Alice` (the runner signs \
             with it), found `{from}`"
        ));
    }
    if !cursor.word("to") {
        return Err(format!("{FORM}: `to` expected, found {}", cursor.found()));
    }
    let to = cursor.token().unwrap_or_default();
    check_account(to)?;
    Ok(NodeCommand::Transfer { amount, from: from.to_string(), to: to.to_string() })
}

/// zombienet forms this runner does not implement: a specific error, not "not understood".
fn reject_unsupported(mut cursor: Cursor<'_>) -> Result<(), String> {
    let message = if cursor.phrase("system event") {
        "`system event` assertions are not supported (no event subscription on a native \
         network); assert on a log line the event causes instead: \
         `log line contains \"...\"` or `log line matches glob \"...\"`"
    } else if cursor.phrase("trace with traceid") {
        "`trace with traceID` assertions are not supported: a native network has no \
         tracing backend; assert on log lines instead (`log line contains \"...\"`)"
    } else if cursor.word("js-script") || cursor.word("ts-script") {
        "`js-script`/`ts-script` are not supported (no JavaScript runtime); use the built-in \
         assertions (`reports <metric>`, `balance of`, `parachain <id> block height`, \
         `log line ...`) or a Rust integration test"
    } else if cursor.word("run") {
        "`run <script>` (shell scripts) is not supported; use the built-in assertions or a \
         Rust integration test"
    } else if cursor.phrase("wait for") {
        "`wait for ... and use as ...` (the Kubernetes backchannel) is not supported"
    } else {
        return Ok(());
    };
    Err(message.to_string())
}

/// An assertion, up to (not including) `within`.
fn parse_assertion(cursor: &mut Cursor<'_>) -> Result<Assertion, String> {
    if cursor.phrase("is up") {
        return Ok(Assertion::IsUp);
    }
    if cursor.phrase("is down") {
        return Ok(Assertion::IsDown);
    }
    if cursor.word("parachain") {
        return parse_parachain(cursor);
    }
    if cursor.word("reports") {
        return parse_reports(cursor);
    }
    if let Some(kind) = cursor.height_alias() {
        reject_arithmetic(*cursor)?;
        let cmp = cursor.comparison()?;
        return Ok(Assertion::Height { kind, cmp });
    }
    if cursor.phrase("log line") {
        let pattern = parse_log_pattern(cursor, "matches", "contains")?;
        return Ok(Assertion::LogLine { pattern });
    }
    if cursor.phrase("count of log lines") {
        let pattern = parse_log_pattern(cursor, "matching", "containing")?;
        let cmp = cursor.comparison()?;
        return Ok(Assertion::LogCount { pattern, cmp });
    }
    if cursor.phrase("balance of") {
        let account = cursor.token().unwrap_or_default();
        check_account(account)?;
        let cmp = cursor.comparison()?;
        return Ok(Assertion::Balance { account: account.to_string(), cmp });
    }
    Err(not_understood())
}

/// After `parachain`: `<id> is registered` or `<id> block height <cmp> N`.
fn parse_parachain(cursor: &mut Cursor<'_>) -> Result<Assertion, String> {
    const FORMS: &str =
        "expected one of: `parachain <id> is registered`, `parachain <id> block height <cmp> <n>`";
    let para = match cursor.integer::<u32>() {
        Some(Ok(para)) => para,
        Some(Err(error)) => return Err(format!("bad parachain id: {error}")),
        None => return Err(format!("a parachain id expected after `parachain`; {FORMS}")),
    };
    if cursor.word("perform") {
        return Err("runtime upgrades (`parachain <id> perform [dummy] upgrade`) are not \
                    supported"
            .to_string());
    }
    if cursor.phrase("is registered") {
        return Ok(Assertion::ParaRegistered { para });
    }
    if cursor.phrase("block height") {
        let cmp = cursor.comparison()?;
        return Ok(Assertion::ParaHeight { para, cmp });
    }
    Err(format!("not understood; {FORMS}"))
}

/// After `reports`: a height alias, `peers [count]` or a metric selector, then `<cmp> N`.
fn parse_reports(cursor: &mut Cursor<'_>) -> Result<Assertion, String> {
    if cursor.word("histogram") {
        return Err(
            "`reports histogram` is not supported; compare the histogram's \
                    `<name>_count` or `<name>_sum` instead (`reports <name>_count is at least N`)"
                .to_string(),
        );
    }
    if let Some(kind) = cursor.height_alias() {
        reject_arithmetic(*cursor)?;
        let cmp = cursor.comparison()?;
        return Ok(Assertion::Height { kind, cmp });
    }
    let metric = if cursor.phrase("peers count") || cursor.word("peers") {
        PEERS_METRIC.to_string()
    } else {
        parse_metric_selector(cursor)?
    };
    reject_arithmetic(*cursor)?;
    let cmp = cursor.comparison()?;
    Ok(Assertion::Metric { metric, cmp })
}

fn parse_metric_selector(cursor: &mut Cursor<'_>) -> Result<String, String> {
    let mut probe = *cursor;
    let starts_with_comparator = probe.comparator().is_some();
    let text = cursor.metric_text();
    if text.is_empty() || starts_with_comparator {
        return Err(format!(
            "a metric expected after `reports` (`name` or `name{{label=\"value\"}}`), found {}",
            cursor.found()
        ));
    }
    Selector::parse(text).map_err(|error| format!("bad metric selector: {error}"))?;
    Ok(text.to_string())
}

/// `reports a - b ...`, `a plus b`: metric arithmetic, not supported.
fn reject_arithmetic(mut cursor: Cursor<'_>) -> Result<(), String> {
    if cursor.symbol("-") || cursor.symbol("+") || cursor.word("minus") || cursor.word("plus") {
        return Err("metric arithmetic (`+`, `-`, `plus`, `minus`) is not supported; write one \
                    assertion per metric"
            .to_string());
    }
    Ok(())
}

/// `<matches> [glob|regex] "p"` or `<contains> "t"`, compiled to check it.
fn parse_log_pattern(
    cursor: &mut Cursor<'_>,
    matches: &str,
    contains: &str,
) -> Result<LogPattern, String> {
    let pattern = if cursor.word(matches) {
        let glob = cursor.word("glob");
        if !glob {
            cursor.word("regex");
        }
        let text = cursor.quoted()?;
        if glob {
            LogPattern::Glob(text)
        } else {
            LogPattern::Regex(text)
        }
    } else if cursor.word(contains) {
        LogPattern::Contains(cursor.quoted()?)
    } else {
        return Err(format!(
            "expected `{matches} [glob|regex] \"<pattern>\"` or `{contains} \"<text>\"`, found {}",
            cursor.found()
        ));
    };
    pattern::compile(&pattern)?;
    Ok(pattern)
}

fn check_account(account: &str) -> Result<(), String> {
    if is_secret_uri(account) || is_ss58_address(account) {
        return Ok(());
    }
    Err(format!(
        "`{account}` is not an account: expected a secret URI (`//Bob`, `//Bob//stash`) or an \
         SS58 address"
    ))
}

/// `//Name`, `//Name//hard/soft`: starts with `//`, junctions of `[A-Za-z0-9_-]+`.
fn is_secret_uri(text: &str) -> bool {
    let Some(path) = text.strip_prefix("//") else {
        return false;
    };
    !path.is_empty()
        && !path.starts_with('/')
        && !path.ends_with('/')
        && !path.contains("///")
        && path.split('/').filter(|junction| !junction.is_empty()).all(|junction| {
            junction.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
}

/// Base58 text of an SS58 address's length (checksum not verified here).
fn is_ss58_address(text: &str) -> bool {
    (40..=60).contains(&text.len())
        && text.chars().all(|c| c.is_ascii_alphanumeric() && !matches!(c, '0' | 'O' | 'I' | 'l'))
}

/// The unparsed rest of a step line, matched a keyword at a time (ASCII case-insensitive;
/// whitespace between tokens is skipped). `Copy`, so trying a form costs nothing to undo.
#[derive(Clone, Copy, Debug)]
struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor { rest: text }
    }

    fn skip_ws(&mut self) {
        self.rest = self.rest.trim_start();
    }

    /// Describes what is next, for messages.
    fn found(&self) -> String {
        match self.rest.trim() {
            "" => "the end of the line".to_string(),
            rest => format!("`{rest}`"),
        }
    }

    /// Errors unless only whitespace is left.
    fn end(&mut self, context: &str) -> Result<(), String> {
        self.skip_ws();
        match self.rest {
            "" => Ok(()),
            rest => Err(format!("unexpected `{rest}` {context}")),
        }
    }

    /// One keyword (or symbol); an alphanumeric keyword must not run into a word character.
    fn word(&mut self, keyword: &str) -> bool {
        let mut next = *self;
        next.skip_ws();
        let Some(head) = next.rest.get(..keyword.len()) else {
            return false;
        };
        let tail = next.rest.get(keyword.len()..).unwrap_or("");
        let runs_on = keyword.ends_with(is_word_char) && tail.starts_with(is_word_char);
        if !head.eq_ignore_ascii_case(keyword) || runs_on {
            return false;
        }
        self.rest = tail;
        true
    }

    /// A symbol such as `<=`: no word boundary needed after it.
    fn symbol(&mut self, symbol: &str) -> bool {
        let mut next = *self;
        next.skip_ws();
        match next.rest.strip_prefix(symbol) {
            Some(tail) => {
                self.rest = tail;
                true
            }
            None => false,
        }
    }

    /// Whitespace-separated keywords, all or nothing.
    fn phrase(&mut self, phrase: &str) -> bool {
        let mut next = *self;
        if phrase.split_whitespace().all(|word| next.word(word)) {
            *self = next;
            return true;
        }
        false
    }

    /// `<cmp> N`.
    fn comparison(&mut self) -> Result<Comparison, String> {
        let op = self.comparator().ok_or_else(|| {
            format!("a comparator expected, found {}; comparators: {COMPARATORS}", self.found())
        })?;
        let value = self.number(true).ok_or_else(|| {
            format!("a number expected after the comparator, found {}", self.found())
        })?;
        Ok(Comparison { op, value })
    }

    fn comparator(&mut self) -> Option<CmpOp> {
        COMPARATOR_TABLE.iter().find_map(|(text, op)| {
            let symbolic = !text.starts_with(is_word_char);
            let matched = if symbolic { self.symbol(text) } else { self.phrase(text) };
            matched.then_some(*op)
        })
    }

    fn height_alias(&mut self) -> Option<HeightKind> {
        HEIGHT_ALIASES.iter().find_map(|(text, kind)| self.phrase(text).then_some(*kind))
    }

    /// `N seconds|second|secs|sec|s` (decimals allowed, no sign).
    fn duration(&mut self) -> Result<Duration, String> {
        let seconds = self
            .number(false)
            .ok_or_else(|| format!("a number of seconds expected, found {}", self.found()))?;
        if !SECOND_UNITS.iter().any(|unit| self.word(unit)) {
            return Err(format!(
                "`seconds` (or `secs`, `s`) expected after {seconds}, found {}",
                self.found()
            ));
        }
        Duration::try_from_secs_f64(seconds).map_err(|error| format!("bad duration: {error}"))
    }

    /// An integer or decimal, `_` allowed between digits (`1_000.5`), optionally signed.
    fn number(&mut self, signed: bool) -> Option<f64> {
        let mut next = *self;
        next.skip_ws();
        let negative = signed && next.symbol("-");
        let mut text = next.digits()?;
        if next.rest.starts_with('.') {
            next.rest = next.rest.get(1..).unwrap_or("");
            text.push('.');
            text.push_str(&next.digits()?);
        }
        let value: f64 = text.parse().ok()?;
        *self = next;
        Some(if negative { -value } else { value })
    }

    /// An unsigned integer with `_` separators: None if there is none, Some(Err) if it does
    /// not fit or runs into a `.` or a letter.
    fn integer<T: std::str::FromStr>(&mut self) -> Option<Result<T, String>>
    where
        T::Err: std::fmt::Display,
    {
        let mut next = *self;
        next.skip_ws();
        let text = next.digits()?;
        *self = next;
        if next.rest.starts_with(|c: char| c == '.' || is_word_char(c)) {
            return Some(Err(format!("an integer expected, found {}", next.found())));
        }
        Some(text.parse::<T>().map_err(|error| format!("`{text}`: {error}")))
    }

    /// `[0-9]+(_[0-9]+)*`, underscores removed.
    fn digits(&mut self) -> Option<String> {
        let end =
            self.rest.find(|c: char| !(c.is_ascii_digit() || c == '_')).unwrap_or(self.rest.len());
        let text = self.rest.get(..end)?;
        let well_formed = text.starts_with(|c: char| c.is_ascii_digit())
            && !text.ends_with('_')
            && !text.contains("__");
        if !well_formed {
            return None;
        }
        self.rest = self.rest.get(end..).unwrap_or("");
        Some(text.replace('_', ""))
    }

    /// The next run of non-whitespace characters.
    fn token(&mut self) -> Option<&'a str> {
        self.skip_ws();
        let end = self.rest.find(char::is_whitespace).unwrap_or(self.rest.len());
        let token = self.rest.get(..end).filter(|token| !token.is_empty())?;
        self.rest = self.rest.get(end..).unwrap_or("");
        Some(token)
    }

    /// A metric name and its `{...}` (quoted values may hold spaces and braces), unchecked.
    fn metric_text(&mut self) -> &'a str {
        self.skip_ws();
        let start = self.rest;
        let name_end = start
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(start.len());
        let mut end = name_end;
        if start.get(name_end..).is_some_and(|tail| tail.starts_with('{')) {
            end = name_end + labels_len(start.get(name_end..).unwrap_or(""));
        }
        self.rest = start.get(end..).unwrap_or("");
        start.get(..end).unwrap_or("")
    }

    /// `"..."`: `\"` is a quote, every other backslash is kept as written (regexes keep
    /// their `\d`, `\\`).
    fn quoted(&mut self) -> Result<String, String> {
        self.skip_ws();
        let Some(body) = self.rest.strip_prefix('"') else {
            return Err(format!("a quoted pattern (\"...\") expected, found {}", self.found()));
        };
        let mut text = String::new();
        let mut chars = body.char_indices();
        while let Some((index, c)) = chars.next() {
            match c {
                '"' => {
                    self.rest = body.get(index + 1..).unwrap_or("");
                    return Ok(text);
                }
                '\\' => match chars.next() {
                    Some((_, '"')) => text.push('"'),
                    Some((_, escaped)) => {
                        text.push('\\');
                        text.push(escaped);
                    }
                    None => text.push('\\'),
                },
                other => text.push(other),
            }
        }
        Err("unterminated quoted pattern (missing closing `\"`)".to_string())
    }
}

/// Length of `{...}` at the start of `text`, through the closing brace outside quotes (all
/// of `text` if unclosed; the selector check reports it).
fn labels_len(text: &str) -> usize {
    let mut in_quotes = false;
    let mut escaped = false;
    for (index, c) in text.char_indices() {
        match (in_quotes, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (_, false, '"') => in_quotes = !in_quotes,
            (false, _, '}') => return index + 1,
            _ => {}
        }
    }
    text.len()
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn cursor_number(text: &str) -> Option<f64> {
        Cursor::new(text).number(true)
    }

    #[test]
    fn numbers_allow_separators_and_decimals() {
        assert_eq!(cursor_number("1_000"), Some(1000.0));
        assert_eq!(cursor_number(" 2.5 x"), Some(2.5));
        assert_eq!(cursor_number("-3"), Some(-3.0));
        assert_eq!(cursor_number("1_000_000.2_5"), Some(1_000_000.25));
        assert_eq!(cursor_number("_1"), None);
        assert_eq!(cursor_number("1_"), None);
        assert_eq!(cursor_number("1__0"), None);
        assert_eq!(cursor_number("1."), None);
        assert_eq!(cursor_number("x"), None);
    }

    #[test]
    fn words_respect_boundaries_and_case() {
        let mut cursor = Cursor::new("  IS Up");
        assert!(cursor.phrase("is up"));
        assert!(cursor.end("").is_ok());
        assert!(!Cursor::new("isup").phrase("is up"));
        assert!(!Cursor::new("heights").word("height"));
        assert!(Cursor::new("height{").word("height"));
    }

    #[test]
    fn comparators_take_the_longest_match() {
        let op = |text: &str| Cursor::new(text).comparator();
        assert_eq!(op("<= 3"), Some(CmpOp::Le));
        assert_eq!(op("< 3"), Some(CmpOp::Lt));
        assert_eq!(op("is not 3"), Some(CmpOp::Ne));
        assert_eq!(op("is at least 3"), Some(CmpOp::Ge));
        assert_eq!(op("Is Equal To 3"), Some(CmpOp::Eq));
        assert_eq!(op("is 3"), Some(CmpOp::Eq));
        assert_eq!(op("island"), None);
    }

    #[test]
    fn quoted_keeps_backslashes_but_unescapes_quotes() {
        let mut cursor = Cursor::new(r#" "a \"b\" \d+ \\" rest"#);
        assert_eq!(cursor.quoted().unwrap(), r#"a "b" \d+ \\"#);
        assert_eq!(cursor.rest, " rest");
        assert!(Cursor::new(r#""open"#).quoted().is_err());
    }

    #[test]
    fn metric_text_spans_labels_with_braces_in_values() {
        let mut cursor = Cursor::new(r#" m_x{a="} y",b="\"}"} is 3"#);
        assert_eq!(cursor.metric_text(), r#"m_x{a="} y",b="\"}"}"#);
        assert_eq!(cursor.rest, " is 3");
    }

    #[test]
    fn accounts() {
        assert!(is_secret_uri("//Alice"));
        assert!(is_secret_uri("//Alice//stash"));
        assert!(is_secret_uri("//Alice/soft"));
        assert!(!is_secret_uri("/Alice"));
        assert!(!is_secret_uri("//"));
        assert!(!is_secret_uri("//Alice//"));
        assert!(!is_secret_uri("///Alice"));
        assert!(is_ss58_address("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"));
        assert!(!is_ss58_address("5Grwva0F5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"));
        assert!(!is_ss58_address("Bob"));
    }
}
