//! Zombienet-style TOML network definitions. The text is templated ([`super::template`]),
//! parsed into a TOML table, then walked by hand so that every problem is reported, each with
//! its key path (`relaychain.nodes[1].valdator: unknown key (did you mean `validator`?)`).
//! The model built is then checked ([`super::validate`]). Keys zombienet has but that mean
//! nothing for native processes are accepted with a warning.
//!
//! Accepted keys:
//! - `[settings]`: `timeout`, `node_spawn_timeout`, `provider` (`native` only), `base_dir`,
//!   `local_ip`, `[settings.readiness]` (`process_up`, `rpc`, `blocks`, `finality`,
//!   `para_heads`, `wait_for`).
//! - `[relaychain]`: `default_command`, `chain`, `chain_spec_path`, `default_args`, `genesis`
//!   (alias `runtime_genesis_patch`), `[[relaychain.nodes]]`, `[[relaychain.node_groups]]`.
//! - Nodes: `name`, `command`, `args`, `validator`, `env`, `rpc_port`, `p2p_port`,
//!   `prometheus_port`, `balance`; groups add `count`.
//! - `[[parachains]]`: `id`, `chain`, `chain_spec_path`, `default_command`, `default_args`,
//!   `add_to_genesis`, `register_para`, `onboard_as_parachain` (true only),
//!   `genesis_wasm_path`, `genesis_state_path`, `[parachains.collator]`,
//!   `[[parachains.collators]]`, `[[parachains.collator_groups]]` (nodes without `validator`
//!   and `balance`).
//! - `[[hrmp_channels]]`: `sender`, `recipient`, `max_capacity`, `max_message_size`.
//!
//! Relative paths are resolved against the definition's directory.

use std::path::{Path, PathBuf};
use std::time::Duration;

use atoll_primitives::ParaId;
use toml::{Table, Value};

use super::builder::DEFAULT_NODE_BALANCE;
use super::error::{ConfigError, ConfigErrors};
use super::model::{
    HrmpChannelConfig, NetworkConfig, NodeConfig, ParachainConfig, Readiness, RelayChainConfig,
    Settings, Stage,
};
use super::template;
use super::validate::{self, Unread};

/// A parsed, checked definition and the warnings about keys it ignored.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    /// The network.
    pub config: NetworkConfig,
    /// One line per ignored key, e.g. `relaychain.nodes[0].image: ignored (...)`.
    pub warnings: Vec<String>,
}

/// Reads and parses the definition at `path`, substituting `{{VAR}}` from the process
/// environment; relative paths in it resolve against its (absolute) directory.
pub fn load(path: &Path) -> Result<Parsed, ConfigErrors> {
    let unreadable = |error: std::io::Error| ConfigError::Unreadable {
        path: path.to_path_buf(),
        reason: error.to_string(),
    };
    let text = std::fs::read_to_string(path).map_err(unreadable)?;
    let parent = path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let definition_dir = std::path::absolute(parent).map_err(unreadable)?;
    parse_str(&text, &definition_dir, &|name| std::env::var(name).ok())
}

/// Parses a definition's text. `definition_dir` is where its relative paths resolve; `env`
/// looks up `{{VAR}}` placeholders. Returns every problem at once.
pub fn parse_str(
    text: &str,
    definition_dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Parsed, ConfigErrors> {
    let (rendered, mut errors) = template::substitute_collecting(text, env);
    let root = match rendered.parse::<Table>() {
        Ok(root) => root,
        Err(error) => {
            errors.push(syntax_error(&rendered, &error));
            return Err(ConfigErrors(errors));
        }
    };
    let mut reader = Reader::new(definition_dir);
    let config = reader.network(&root);
    errors.append(&mut reader.errors);
    errors.extend(validate::check_with(&config, &reader.unread));
    if errors.is_empty() {
        Ok(Parsed { config, warnings: reader.warnings })
    } else {
        Err(ConfigErrors(errors))
    }
}

fn syntax_error(text: &str, error: &toml::de::Error) -> ConfigError {
    let offset = error.span().map_or(0, |span| span.start);
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before[line_start..].chars().count() + 1;
    let message = error.message().trim().lines().collect::<Vec<_>>().join("; ");
    ConfigError::Syntax { line, column, message }
}

const TOP_KEYS: &[&str] = &["settings", "relaychain", "parachains", "hrmp_channels"];
const TOP_IGNORED: &[&str] = &["types"];
const SETTINGS_KEYS: &[&str] =
    &["timeout", "node_spawn_timeout", "provider", "base_dir", "local_ip", "readiness"];
const SETTINGS_IGNORED: &[&str] = &[
    "bootnode",
    "node_verifier",
    "spawn_concurrency",
    "tear_down_on_failure",
    "isolate_env",
    "enable_tracing",
    "backchannel",
    "jaeger_agent",
    "polkadot_introspector",
];
const READINESS_WAIT_FOR: &str = "wait_for";
const RELAY_KEYS: &[&str] = &[
    "default_command",
    "chain",
    "chain_spec_path",
    "default_args",
    "genesis",
    "runtime_genesis_patch",
    "nodes",
    "node_groups",
];
const PARA_KEYS: &[&str] = &[
    "id",
    "chain",
    "chain_spec_path",
    "default_command",
    "default_args",
    "add_to_genesis",
    "register_para",
    "onboard_as_parachain",
    "genesis_wasm_path",
    "genesis_state_path",
    "collator",
    "collators",
    "collator_groups",
];
const NODE_KEYS: &[&str] =
    &["name", "command", "args", "env", "rpc_port", "p2p_port", "prometheus_port"];
const RELAY_NODE_KEYS: &[&str] = &["validator", "balance"];
const GROUP_KEYS: &[&str] = &["count"];
const ENV_KEYS: &[&str] = &["name", "value"];
const HRMP_KEYS: &[&str] = &["sender", "recipient", "max_capacity", "max_message_size"];
/// Zombienet keys for containers, staking, bootnodes or CLI probing: meaningless for Atoll's
/// native processes, accepted with a warning in chain, node and group tables.
const IGNORED_ANYWHERE: &[&str] = &[
    "image",
    "default_image",
    "resources",
    "default_resources",
    "keystore_key_types",
    "prometheus_prefix",
    "default_prometheus_prefix",
    "default_substrate_cli_args_version",
    "substrate_cli_args_version",
    "invulnerable",
    "add_to_bootnodes",
    "bootnodes",
    "ws_port",
    "cumulus_based",
    "db_snapshot",
    "default_db_snapshot",
    "overrides",
    "default_overrides",
    "random_nominators_count",
    "max_nominations",
];
/// The most nodes one group may expand to.
const MAX_GROUP_COUNT: i64 = 1000;

fn key_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// How TOML names a value's type in messages.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a datetime",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

/// Edit distance counting a swap of two neighbours as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let substitution = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1).min(rows[i][j - 1] + 1);
            best = best.min(rows[i - 1][j - 1] + substitution);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// The candidate closest to `word` within two edits (and less than half its length).
fn suggest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<String> {
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(word, candidate), candidate))
        .filter(|(distance, _)| *distance <= 2 && distance * 2 < word.chars().count())
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate.to_owned())
}

/// Why an ignored key is ignored.
fn ignored_reason(key: &str) -> &'static str {
    match key {
        "types" => "polkadot.js type definitions are not used",
        "validator" => "collators always run as collators",
        "onboard_as_parachain" => "paras are always onboarded as parachains",
        _ => "not used by Atoll's native processes",
    }
}

/// Relay node or collator.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Relay,
    Collator,
}

/// One node, or a group of `count` nodes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Single,
    Group,
}

/// Walks the TOML table, building the model and collecting errors and warnings.
struct Reader<'d> {
    definition_dir: &'d Path,
    errors: Vec<ConfigError>,
    warnings: Vec<String>,
    unread: Unread,
}

impl<'d> Reader<'d> {
    fn new(definition_dir: &'d Path) -> Self {
        Reader {
            definition_dir,
            errors: Vec::new(),
            warnings: Vec::new(),
            unread: Unread::default(),
        }
    }

    // ----- Generic helpers -----------------------------------------------------------------

    /// Reports unknown keys of `table` and warns about ignored ones.
    fn check_keys(&mut self, table: &Table, path: &str, known: &[&[&str]], ignored: &[&[&str]]) {
        let is_in = |lists: &[&[&str]], key: &str| lists.iter().any(|list| list.contains(&key));
        for key in table.keys() {
            let full = key_path(path, key);
            if is_in(known, key) {
                continue;
            }
            if is_in(ignored, key) {
                self.warnings.push(format!("{full}: ignored ({})", ignored_reason(key)));
                continue;
            }
            let suggestion = suggest(key, known.iter().flat_map(|list| list.iter().copied()));
            self.errors.push(ConfigError::UnknownKey { path: full, suggestion });
        }
    }

    fn wrong_type(&mut self, path: String, expected: &'static str, found: &Value) {
        self.errors.push(ConfigError::WrongType { path, expected, found: type_name(found) });
    }

    fn invalid(&mut self, path: String, reason: impl Into<String>) {
        self.errors.push(ConfigError::Invalid { path, reason: reason.into() });
    }

    fn missing(&mut self, path: String) {
        self.errors.push(ConfigError::Missing { path });
    }

    fn string(&mut self, table: &Table, path: &str, key: &str) -> Option<String> {
        match table.get(key)? {
            Value::String(text) => Some(text.clone()),
            other => {
                self.wrong_type(key_path(path, key), "a string", other);
                None
            }
        }
    }

    fn boolean(&mut self, table: &Table, path: &str, key: &str) -> Option<bool> {
        match table.get(key)? {
            Value::Boolean(flag) => Some(*flag),
            other => {
                self.wrong_type(key_path(path, key), "a boolean", other);
                None
            }
        }
    }

    /// An integer in `min..=max`.
    fn integer(&mut self, table: &Table, path: &str, key: &str, min: i64, max: i64) -> Option<i64> {
        match table.get(key)? {
            Value::Integer(number) if (min..=max).contains(number) => Some(*number),
            Value::Integer(number) => {
                let reason = if max == i64::MAX {
                    format!("{number} is out of range (expected at least {min})")
                } else {
                    format!("{number} is out of range (expected {min} to {max})")
                };
                self.invalid(key_path(path, key), reason);
                None
            }
            other => {
                self.wrong_type(key_path(path, key), "an integer", other);
                None
            }
        }
    }

    fn u32(&mut self, table: &Table, path: &str, key: &str) -> Option<u32> {
        let number = self.integer(table, path, key, 0, i64::from(u32::MAX))?;
        u32::try_from(number).ok()
    }

    fn port(&mut self, table: &Table, path: &str, key: &str) -> Option<u16> {
        let number = self.integer(table, path, key, 1, i64::from(u16::MAX))?;
        u16::try_from(number).ok()
    }

    fn seconds(&mut self, table: &Table, path: &str, key: &str) -> Option<Duration> {
        let number = self.integer(table, path, key, 0, i64::MAX)?;
        u64::try_from(number).ok().map(Duration::from_secs)
    }

    /// A path, resolved against the definition's directory.
    fn path(&mut self, table: &Table, path: &str, key: &str) -> Option<PathBuf> {
        self.string(table, path, key).map(|relative| self.definition_dir.join(relative))
    }

    fn strings(&mut self, table: &Table, path: &str, key: &str) -> Option<Vec<String>> {
        let full = key_path(path, key);
        let items = match table.get(key)? {
            Value::Array(items) => items,
            other => {
                self.wrong_type(full, "an array of strings", other);
                return None;
            }
        };
        let mut strings = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            match item {
                Value::String(text) => strings.push(text.clone()),
                other => self.wrong_type(format!("{full}[{index}]"), "a string", other),
            }
        }
        Some(strings)
    }

    fn table<'t>(&mut self, table: &'t Table, path: &str, key: &str) -> Option<&'t Table> {
        match table.get(key)? {
            Value::Table(inner) => Some(inner),
            other => {
                self.wrong_type(key_path(path, key), "a table", other);
                None
            }
        }
    }

    /// An array of tables, each with its path (`key[i]`). Elements that are not tables are
    /// reported and left out.
    fn tables<'t>(&mut self, table: &'t Table, path: &str, key: &str) -> Vec<(String, &'t Table)> {
        let full = key_path(path, key);
        let items = match table.get(key) {
            None => return Vec::new(),
            Some(Value::Array(items)) => items,
            Some(other) => {
                self.wrong_type(full, "an array of tables", other);
                return Vec::new();
            }
        };
        let mut tables = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let item_path = format!("{full}[{index}]");
            match item {
                Value::Table(inner) => tables.push((item_path, inner)),
                other => self.wrong_type(item_path, "a table", other),
            }
        }
        tables
    }

    /// Any TOML value as JSON (datetimes become strings).
    fn json(&mut self, path: &str, value: &Value) -> serde_json::Value {
        match value {
            Value::String(text) => serde_json::Value::String(text.clone()),
            Value::Integer(number) => serde_json::Value::from(*number),
            Value::Float(number) => match serde_json::Number::from_f64(*number) {
                Some(number) => serde_json::Value::Number(number),
                None => {
                    self.invalid(path.to_owned(), format!("{number} cannot be written as JSON"));
                    serde_json::Value::Null
                }
            },
            Value::Boolean(flag) => serde_json::Value::Bool(*flag),
            Value::Datetime(datetime) => serde_json::Value::String(datetime.to_string()),
            Value::Array(items) => {
                let items = items
                    .iter()
                    .enumerate()
                    .map(|(index, item)| self.json(&format!("{path}[{index}]"), item))
                    .collect();
                serde_json::Value::Array(items)
            }
            Value::Table(table) => {
                let entries = table
                    .iter()
                    .map(|(key, item)| (key.clone(), self.json(&key_path(path, key), item)))
                    .collect();
                serde_json::Value::Object(entries)
            }
        }
    }

    // ----- The definition --------------------------------------------------------------------

    fn network(&mut self, root: &Table) -> NetworkConfig {
        self.check_keys(root, "", &[TOP_KEYS], &[TOP_IGNORED]);
        let mut config = NetworkConfig::new(self.definition_dir);
        if let Some(settings) = self.table(root, "", "settings") {
            config.settings = self.settings(settings);
        }
        match self.table(root, "", "relaychain") {
            Some(relay) => config.relaychain = self.relaychain(relay),
            None => {
                if !root.contains_key("relaychain") {
                    self.missing("relaychain".to_owned());
                }
                self.unread.relay_nodes = true;
            }
        }
        for (path, para) in self.tables(root, "", "parachains") {
            let index = config.parachains.len();
            let para = self.parachain(index, &path, para);
            config.parachains.push(para);
        }
        for (path, channel) in self.tables(root, "", "hrmp_channels") {
            if let Some(channel) = self.hrmp_channel(&path, channel) {
                config.hrmp_channels.push(channel);
            }
        }
        config
    }

    fn settings(&mut self, table: &Table) -> Settings {
        let path = "settings";
        self.check_keys(table, path, &[SETTINGS_KEYS], &[SETTINGS_IGNORED]);
        let mut settings = Settings::default();
        if let Some(timeout) = self.seconds(table, path, "timeout") {
            settings.timeout = timeout;
        }
        if let Some(timeout) = self.seconds(table, path, "node_spawn_timeout") {
            settings.readiness.timeouts.insert(Stage::ProcessUp, timeout);
            settings.readiness.timeouts.insert(Stage::RpcAnswering, timeout);
        }
        if let Some(provider) = self.string(table, path, "provider") {
            if provider != "native" {
                let reason = format!(
                    "provider `{provider}` is not supported: nodes run as native processes"
                );
                self.invalid(key_path(path, "provider"), reason);
            }
        }
        settings.base_dir = self.path(table, path, "base_dir");
        if let Some(ip) = self.string(table, path, "local_ip") {
            match ip.parse() {
                Ok(ip) => settings.local_ip = ip,
                Err(_) => {
                    self.invalid(key_path(path, "local_ip"), format!("`{ip}` is not an IP address"))
                }
            }
        }
        if let Some(readiness) = self.table(table, path, "readiness") {
            self.readiness(readiness, &mut settings.readiness);
        }
        settings
    }

    fn readiness(&mut self, table: &Table, readiness: &mut Readiness) {
        let path = "settings.readiness";
        let stage_keys: Vec<&str> = Stage::ALL.iter().map(|stage| stage.key()).collect();
        self.check_keys(table, path, &[&stage_keys, &[READINESS_WAIT_FOR]], &[]);
        for stage in Stage::ALL {
            if let Some(timeout) = self.seconds(table, path, stage.key()) {
                readiness.timeouts.insert(stage, timeout);
            }
        }
        if let Some(wait_for) = self.string(table, path, READINESS_WAIT_FOR) {
            match Stage::ALL.into_iter().find(|stage| stage.key() == wait_for) {
                Some(stage) => readiness.wait_for = stage,
                None => {
                    let hint = suggest(&wait_for, stage_keys.iter().copied())
                        .map(|key| format!(" (did you mean `{key}`?)"))
                        .unwrap_or_default();
                    let reason = format!(
                        "unknown stage `{wait_for}`{hint}: expected one of {}",
                        stage_keys.join(", ")
                    );
                    self.invalid(key_path(path, READINESS_WAIT_FOR), reason);
                }
            }
        }
    }

    fn relaychain(&mut self, table: &Table) -> RelayChainConfig {
        let path = "relaychain";
        self.check_keys(table, path, &[RELAY_KEYS], &[IGNORED_ANYWHERE]);
        let mut relay = RelayChainConfig::default();
        if let Some(command) = self.string(table, path, "default_command") {
            relay.default_command = command;
        }
        if let Some(chain) = self.string(table, path, "chain") {
            relay.chain = chain;
        }
        relay.chain_spec_path = self.path(table, path, "chain_spec_path");
        relay.default_args = self.strings(table, path, "default_args").unwrap_or_default();
        relay.genesis = self.genesis(table, path);
        for (node_path, node) in self.tables(table, path, "nodes") {
            self.add_nodes(&node_path, node, Role::Relay, Shape::Single, &mut relay.nodes);
        }
        for (group_path, group) in self.tables(table, path, "node_groups") {
            self.add_nodes(&group_path, group, Role::Relay, Shape::Group, &mut relay.nodes);
        }
        relay
    }

    /// Adds the node or group at `path` to `nodes`; marks the nodes unread when it cannot.
    fn add_nodes(
        &mut self,
        path: &str,
        table: &Table,
        role: Role,
        shape: Shape,
        nodes: &mut Vec<NodeConfig>,
    ) -> bool {
        match self.node_entry(path, table, role, shape) {
            Some(entry) => {
                nodes.extend(entry);
                true
            }
            None => {
                if role == Role::Relay {
                    self.unread.relay_nodes = true;
                }
                false
            }
        }
    }

    /// `genesis` or its alias `runtime_genesis_patch`.
    fn genesis(&mut self, table: &Table, path: &str) -> Option<serde_json::Value> {
        let alias = "runtime_genesis_patch";
        if table.contains_key("genesis") && table.contains_key(alias) {
            let reason = "`runtime_genesis_patch` is another name for `genesis`: give only one";
            self.invalid(key_path(path, alias), reason);
        }
        let key = if table.contains_key("genesis") { "genesis" } else { alias };
        let patch = self.table(table, path, key)?;
        Some(self.json(&key_path(path, key), &Value::Table(patch.clone())))
    }

    /// One node, or a group expanded into `name-1`..`name-<count>`. `None` when the entry
    /// cannot be used (no valid name or count); its errors are reported.
    fn node_entry(
        &mut self,
        path: &str,
        table: &Table,
        role: Role,
        shape: Shape,
    ) -> Option<Vec<NodeConfig>> {
        let mut known: Vec<&[&str]> = vec![NODE_KEYS];
        let mut ignored: Vec<&[&str]> = vec![IGNORED_ANYWHERE];
        match role {
            Role::Relay => known.push(RELAY_NODE_KEYS),
            Role::Collator => ignored.push(&["validator"]),
        }
        if shape == Shape::Group {
            known.push(GROUP_KEYS);
        }
        self.check_keys(table, path, &known, &ignored);

        let name = self.node_name(table, path);
        let count = match shape {
            Shape::Single => Some(1),
            Shape::Group => self.group_count(table, path),
        };
        let mut node = self.node_fields(table, path, role, count.unwrap_or(1));
        let (name, count) = (name?, count?);
        if shape == Shape::Single {
            node.name = name;
            return Some(vec![node]);
        }
        let group = (1..=count)
            .map(|member| NodeConfig {
                name: format!("{name}-{member}"),
                group: Some(name.clone()),
                ..node.clone()
            })
            .collect();
        Some(group)
    }

    /// `name`: required; spaces become dashes.
    fn node_name(&mut self, table: &Table, path: &str) -> Option<String> {
        if !table.contains_key("name") {
            self.missing(key_path(path, "name"));
            return None;
        }
        let name = self.string(table, path, "name")?.replace(' ', "-");
        match validate::node_name_problem(&name) {
            Some(reason) => {
                self.invalid(key_path(path, "name"), reason);
                None
            }
            None => Some(name),
        }
    }

    fn group_count(&mut self, table: &Table, path: &str) -> Option<i64> {
        if !table.contains_key("count") {
            self.missing(key_path(path, "count"));
            return None;
        }
        self.integer(table, path, "count", 1, MAX_GROUP_COUNT)
    }

    /// Every node key but `name` (and `count`). Fixed ports are refused in groups of more than
    /// one node.
    fn node_fields(&mut self, table: &Table, path: &str, role: Role, count: i64) -> NodeConfig {
        let mut node = match role {
            Role::Relay => NodeConfig::named(""),
            Role::Collator => NodeConfig::collator(""),
        };
        node.command = self.string(table, path, "command");
        node.args = self.strings(table, path, "args").unwrap_or_default();
        node.env = self.env(table, path);
        if role == Role::Relay {
            node.validator = self.boolean(table, path, "validator").unwrap_or(true);
            node.balance = self.balance(table, path).unwrap_or(DEFAULT_NODE_BALANCE);
        }
        node.rpc_port = self.fixed_port(table, path, "rpc_port", count);
        node.p2p_port = self.fixed_port(table, path, "p2p_port", count);
        node.prometheus_port = self.fixed_port(table, path, "prometheus_port", count);
        node
    }

    fn fixed_port(&mut self, table: &Table, path: &str, key: &str, count: i64) -> Option<u16> {
        let port = self.port(table, path, key)?;
        if count > 1 {
            let reason =
                format!("a fixed port in a group of {count} nodes would be used by each of them");
            self.invalid(key_path(path, key), reason);
            return None;
        }
        Some(port)
    }

    /// `balance`: a non-negative integer, or a string of digits for amounts beyond 2^63.
    fn balance(&mut self, table: &Table, path: &str) -> Option<u128> {
        let full = key_path(path, "balance");
        match table.get("balance")? {
            Value::Integer(number) => match u128::try_from(*number) {
                Ok(balance) => Some(balance),
                Err(_) => {
                    self.invalid(full, format!("{number} is negative"));
                    None
                }
            },
            Value::String(digits) => match digits.replace('_', "").parse::<u128>() {
                Ok(balance) => Some(balance),
                Err(_) => {
                    self.invalid(full, format!("`{digits}` is not a whole number of planck"));
                    None
                }
            },
            other => {
                self.wrong_type(full, "an integer", other);
                None
            }
        }
    }

    /// `env = [{ name = "...", value = "..." }, ...]`.
    fn env(&mut self, table: &Table, path: &str) -> Vec<(String, String)> {
        let mut vars = Vec::new();
        for (var_path, var) in self.tables(table, path, "env") {
            self.check_keys(var, &var_path, &[ENV_KEYS], &[]);
            let name = self.required_string(var, &var_path, "name");
            let value = self.required_string(var, &var_path, "value");
            if let (Some(name), Some(value)) = (name, value) {
                vars.push((name, value));
            }
        }
        vars
    }

    fn required_string(&mut self, table: &Table, path: &str, key: &str) -> Option<String> {
        if !table.contains_key(key) {
            self.missing(key_path(path, key));
            return None;
        }
        self.string(table, path, key)
    }

    fn required_u32(&mut self, table: &Table, path: &str, key: &str) -> Option<u32> {
        if !table.contains_key(key) {
            self.missing(key_path(path, key));
            return None;
        }
        self.u32(table, path, key)
    }

    /// The para at model index `index`. An unreadable `id` leaves a placeholder (0) that the
    /// checks skip.
    fn parachain(&mut self, index: usize, path: &str, table: &Table) -> ParachainConfig {
        self.check_keys(table, path, &[PARA_KEYS], &[IGNORED_ANYWHERE]);
        let id = self.required_u32(table, path, "id");
        if id.is_none() {
            self.unread.para_ids.insert(index);
        }
        let mut para = ParachainConfig::new(ParaId(id.unwrap_or(0)));
        para.chain = self.string(table, path, "chain");
        para.chain_spec_path = self.path(table, path, "chain_spec_path");
        if let Some(command) = self.string(table, path, "default_command") {
            para.default_command = command;
        }
        para.default_args = self.strings(table, path, "default_args").unwrap_or_default();
        para.add_to_genesis = self.boolean(table, path, "add_to_genesis").unwrap_or(true);
        self.registration(table, path, para.add_to_genesis);
        para.genesis_wasm_path = self.path(table, path, "genesis_wasm_path");
        para.genesis_state_path = self.path(table, path, "genesis_state_path");
        if !self.collators(table, path, &mut para.collators) {
            self.unread.collators.insert(index);
        }
        para
    }

    /// `register_para` and `onboard_as_parachain`: only what genesis registration does.
    fn registration(&mut self, table: &Table, path: &str, add_to_genesis: bool) {
        if self.boolean(table, path, "register_para") == Some(true) && !add_to_genesis {
            let reason =
                "registration by extrinsic is not supported: set `add_to_genesis = true`, \
                          or `register_para = false` to leave the para unregistered";
            self.invalid(key_path(path, "register_para"), reason);
        }
        match self.boolean(table, path, "onboard_as_parachain") {
            Some(true) => {
                let full = key_path(path, "onboard_as_parachain");
                self.warnings
                    .push(format!("{full}: ignored ({})", ignored_reason("onboard_as_parachain")));
            }
            Some(false) => {
                let reason = "on-demand paras (`onboard_as_parachain = false`) are not supported";
                self.invalid(key_path(path, "onboard_as_parachain"), reason);
            }
            None => {}
        }
    }

    /// `collator`, `collators`, `collator_groups`, in that order. False when an entry could
    /// not be used.
    fn collators(&mut self, table: &Table, path: &str, collators: &mut Vec<NodeConfig>) -> bool {
        let mut complete = true;
        if let Some(single) = self.table(table, path, "collator") {
            let single_path = key_path(path, "collator");
            complete &=
                self.add_nodes(&single_path, single, Role::Collator, Shape::Single, collators);
        } else if table.contains_key("collator") {
            complete = false;
        }
        for (node_path, node) in self.tables(table, path, "collators") {
            complete &= self.add_nodes(&node_path, node, Role::Collator, Shape::Single, collators);
        }
        for (group_path, group) in self.tables(table, path, "collator_groups") {
            complete &= self.add_nodes(&group_path, group, Role::Collator, Shape::Group, collators);
        }
        complete
    }

    fn hrmp_channel(&mut self, path: &str, table: &Table) -> Option<HrmpChannelConfig> {
        self.check_keys(table, path, &[HRMP_KEYS], &[]);
        let sender = self.required_u32(table, path, "sender");
        let recipient = self.required_u32(table, path, "recipient");
        let max_capacity = self.u32(table, path, "max_capacity");
        let max_message_size = self.u32(table, path, "max_message_size");
        let defaults = HrmpChannelConfig::new(ParaId(sender?), ParaId(recipient?));
        Some(HrmpChannelConfig {
            max_capacity: max_capacity.unwrap_or(defaults.max_capacity),
            max_message_size: max_message_size.unwrap_or(defaults.max_message_size),
            ..defaults
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn parse(text: &str) -> Result<Parsed, ConfigErrors> {
        parse_str(text, Path::new("/defs"), &no_env)
    }

    fn errors_of(text: &str) -> Vec<String> {
        parse(text).unwrap_err().iter().map(ToString::to_string).collect()
    }

    const MINIMAL: &str = "[relaychain]\n[[relaychain.nodes]]\nname = \"alice\"\n";

    #[test]
    fn a_minimal_definition_gets_every_default() {
        let parsed = parse(MINIMAL).unwrap();
        let mut expected = NetworkConfig::new("/defs");
        expected.relaychain.nodes.push(NodeConfig::named("alice"));
        assert_eq!(parsed.config, expected);
        assert!(parsed.warnings.is_empty());
    }

    #[test]
    fn settings_and_readiness() {
        let text = r#"
            [settings]
            timeout = 600
            node_spawn_timeout = 20
            provider = "native"
            base_dir = "out"
            local_ip = "::1"
            [settings.readiness]
            rpc = 45
            finality = 120
            wait_for = "finality"
        "#;
        let parsed = parse(&format!("{text}\n{MINIMAL}")).unwrap();
        let settings = parsed.config.settings;
        assert_eq!(settings.timeout, Duration::from_secs(600));
        assert_eq!(settings.base_dir, Some(PathBuf::from("/defs/out")));
        assert_eq!(settings.local_ip.to_string(), "::1");
        let timeouts: Vec<u64> =
            Stage::ALL.iter().map(|stage| settings.readiness.timeout(*stage).as_secs()).collect();
        assert_eq!(timeouts, vec![20, 45, 30, 120, 90]);
        assert_eq!(settings.readiness.wait_for, Stage::FinalityAdvancing);
    }

    #[test]
    fn settings_errors() {
        let text = r#"
            [settings]
            provider = "kubernetes"
            local_ip = "localhost"
            timeout = -1
            tiemout = 3
            [settings.readiness]
            wait_for = "finalty"
            blocks = "30"
        "#;
        assert_eq!(
            errors_of(&format!("{text}\n{MINIMAL}")),
            vec![
                "settings.tiemout: unknown key (did you mean `timeout`?)",
                "settings.timeout: -1 is out of range (expected at least 0)",
                "settings.provider: provider `kubernetes` is not supported: nodes run as native \
                 processes",
                "settings.local_ip: `localhost` is not an IP address",
                "settings.readiness.blocks: expected an integer, found a string",
                "settings.readiness.wait_for: unknown stage `finalty` (did you mean `finality`?): \
                 expected one of process_up, rpc, blocks, finality, para_heads",
            ]
        );
    }

    #[test]
    fn node_keys_and_groups() {
        let text = r#"
            [relaychain]
            default_command = "./bin/atoll-relay"
            chain = "dev"
            chain_spec_path = "specs/relay.json"
            default_args = ["-lparachain=debug"]
            [[relaychain.nodes]]
            name = "alice node"
            command = "/usr/bin/relay"
            args = ["--a"]
            validator = false
            env = [{ name = "RUST_LOG", value = "info" }]
            rpc_port = 9944
            p2p_port = 30333
            prometheus_port = 9615
            balance = "100000000000000000000"
            [[relaychain.node_groups]]
            name = "val"
            count = 2
            args = ["--b"]
            [[relaychain.node_groups]]
            name = "solo"
            count = 1
            rpc_port = 9955
        "#;
        let relay = parse(text).unwrap().config.relaychain;
        assert_eq!(relay.default_command, "./bin/atoll-relay");
        assert_eq!(relay.chain, "dev");
        assert_eq!(relay.chain_spec_path, Some(PathBuf::from("/defs/specs/relay.json")));
        assert_eq!(relay.default_args, vec!["-lparachain=debug"]);
        let names: Vec<&str> = relay.nodes.iter().map(|node| node.name.as_str()).collect();
        assert_eq!(names, vec!["alice-node", "val-1", "val-2", "solo-1"]);
        let alice = &relay.nodes[0];
        assert_eq!(alice.command.as_deref(), Some("/usr/bin/relay"));
        assert!(!alice.validator);
        assert_eq!(alice.env, vec![("RUST_LOG".to_owned(), "info".to_owned())]);
        assert_eq!(alice.balance, 100_000_000_000_000_000_000);
        assert_eq!(
            (alice.rpc_port, alice.p2p_port, alice.prometheus_port),
            (Some(9944), Some(30333), Some(9615))
        );
        assert_eq!(relay.nodes[1].group.as_deref(), Some("val"));
        assert_eq!(relay.nodes[2].args, vec!["--b"]);
        assert!(relay.nodes[2].validator);
        assert_eq!(relay.nodes[3].rpc_port, Some(9955));
    }

    #[test]
    fn node_errors() {
        let text = r#"
            [relaychain]
            [[relaychain.nodes]]
            name = "alice"
            [[relaychain.nodes]]
            name = "b@d"
            [[relaychain.nodes]]
            valdator = true
            rpc_port = 70000
            env = [{ name = "X" }]
            args = ["ok", 3]
            balance = -5
            [[relaychain.node_groups]]
            name = "g"
            count = 3
            p2p_port = 30333
            [[relaychain.node_groups]]
            name = "h"
            count = 0
        "#;
        assert_eq!(
            errors_of(text),
            vec![
                "relaychain.nodes[1].name: `b@d` is not a valid node name: use ASCII letters, \
                 digits, `-` and `_`",
                "relaychain.nodes[2].valdator: unknown key (did you mean `validator`?)",
                "relaychain.nodes[2].name: required key is missing",
                "relaychain.nodes[2].args[1]: expected a string, found an integer",
                "relaychain.nodes[2].env[0].value: required key is missing",
                "relaychain.nodes[2].balance: -5 is negative",
                "relaychain.nodes[2].rpc_port: 70000 is out of range (expected 1 to 65535)",
                "relaychain.node_groups[0].p2p_port: a fixed port in a group of 3 nodes would be \
                 used by each of them",
                "relaychain.node_groups[1].count: 0 is out of range (expected 1 to 1000)",
            ]
        );
    }

    #[test]
    fn genesis_becomes_json() {
        let text = r#"
            [relaychain.genesis.configuration.config]
            needed_approvals = 2
            ratio = 0.5
            enabled = true
            list = [1, "a"]
            when = 1979-05-27T07:32:00Z
            [[relaychain.nodes]]
            name = "alice"
        "#;
        let genesis = parse(text).unwrap().config.relaychain.genesis;
        let expected = json!({ "configuration": { "config": {
            "needed_approvals": 2, "ratio": 0.5, "enabled": true, "list": [1, "a"],
            "when": "1979-05-27T07:32:00Z"
        }}});
        assert_eq!(genesis, Some(expected));
        let alias = "[relaychain.runtime_genesis_patch.balances]\nx = 1\n[[relaychain.nodes]]\nname = \"a\"";
        assert_eq!(
            parse(alias).unwrap().config.relaychain.genesis,
            Some(json!({"balances": {"x": 1}}))
        );
        let both = "[relaychain]\ngenesis = {}\nruntime_genesis_patch = {}\n[[relaychain.nodes]]\nname = \"a\"";
        assert_eq!(
            errors_of(both),
            vec![
                "relaychain.runtime_genesis_patch: `runtime_genesis_patch` is another name for \
                  `genesis`: give only one"
            ]
        );
    }

    #[test]
    fn parachains_and_collators() {
        let text = r#"
            [[parachains]]
            id = 2000
            default_command = "./collator"
            default_args = ["--x"]
            genesis_wasm_path = "code.wasm"
            genesis_state_path = "/abs/head"
            [parachains.collator]
            name = "c0"
            validator = true
            [[parachains.collators]]
            name = "c1"
            [[parachains.collator_groups]]
            name = "cg"
            count = 2

            [[parachains]]
            id = 2001
            add_to_genesis = false
            register_para = false
            chain_spec_path = "para.json"
            [[parachains.collators]]
            name = "d"
        "#;
        let parsed = parse(&format!("{MINIMAL}\n{text}")).unwrap();
        let paras = parsed.config.parachains;
        assert_eq!(paras[0].id, ParaId(2000));
        assert_eq!(paras[0].default_command, "./collator");
        assert_eq!(paras[0].default_args, vec!["--x"]);
        assert_eq!(paras[0].genesis_wasm_path, Some(PathBuf::from("/defs/code.wasm")));
        assert_eq!(paras[0].genesis_state_path, Some(PathBuf::from("/abs/head")));
        let names: Vec<&str> = paras[0].collators.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["c0", "c1", "cg-1", "cg-2"]);
        assert!(paras[0].collators.iter().all(|c| !c.validator));
        assert!(paras[0].add_to_genesis);
        assert!(!paras[1].add_to_genesis);
        assert_eq!(paras[1].chain_arg(), "/defs/para.json");
        assert_eq!(paras[1].default_command, "atoll-collator");
        assert_eq!(
            parsed.warnings,
            vec!["parachains[0].collator.validator: ignored (collators always run as collators)"]
        );
    }

    #[test]
    fn parachain_errors() {
        let text = r#"
            [[parachains]]
            id = "2000"
            chain = "a"
            chain_spec_path = "b"
            [parachains.collator]
            name = "c"
            balance = 3

            [[parachains]]
            id = 2001
            add_to_genesis = false
            register_para = true
            onboard_as_parachain = false

            [[parachains]]
            chian = "x"
            [[parachains.collators]]
            name = "e"
        "#;
        assert_eq!(
            errors_of(&format!("{MINIMAL}\n{text}")),
            vec![
                "parachains[0].id: expected an integer, found a string",
                "parachains[0].collator.balance: unknown key",
                "parachains[1].register_para: registration by extrinsic is not supported: set \
                 `add_to_genesis = true`, or `register_para = false` to leave the para \
                 unregistered",
                "parachains[1].onboard_as_parachain: on-demand paras (`onboard_as_parachain = \
                 false`) are not supported",
                "parachains[2].chian: unknown key (did you mean `chain`?)",
                "parachains[2].id: required key is missing",
                "parachains[0]: `chain` and `chain_spec_path` are exclusive: give one",
                "parachains[1]: para 2001 has no collator (add [parachains.collator], \
                 [[parachains.collators]] or [[parachains.collator_groups]])",
            ]
        );
    }

    #[test]
    fn hrmp_channels() {
        let text = r#"
            [[parachains]]
            id = 2000
            collator = { name = "c1" }
            [[parachains]]
            id = 2001
            collator = { name = "c2" }
            [[hrmp_channels]]
            sender = 2000
            recipient = 2001
            [[hrmp_channels]]
            sender = 2001
            recipient = 2000
            max_capacity = 4
            max_message_size = 1024
        "#;
        let channels = parse(&format!("{MINIMAL}\n{text}")).unwrap().config.hrmp_channels;
        assert_eq!(
            channels,
            vec![
                HrmpChannelConfig::new(ParaId(2000), ParaId(2001)),
                HrmpChannelConfig {
                    max_capacity: 4,
                    max_message_size: 1024,
                    ..HrmpChannelConfig::new(ParaId(2001), ParaId(2000))
                },
            ]
        );
        let bad = "[[hrmp_channels]]\nsender = 1\nmax_capacity = 0\nmax_message_size = 5000000000";
        assert_eq!(
            errors_of(&format!("{MINIMAL}\n{bad}")),
            vec![
                "hrmp_channels[0].recipient: required key is missing",
                "hrmp_channels[0].max_message_size: 5000000000 is out of range (expected 0 to \
                 4294967295)",
            ]
        );
    }

    #[test]
    fn ignored_keys_warn() {
        let text = r#"
            [settings]
            bootnode = true
            provider = "native"
            [types]
            Header = { number = "u64" }
            [relaychain]
            default_image = "docker.io/parity/polkadot"
            random_nominators_count = 4
            [[relaychain.nodes]]
            name = "alice"
            image = "x"
            ws_port = 9945
            [[parachains]]
            id = 2000
            cumulus_based = true
            onboard_as_parachain = true
            [parachains.collator]
            name = "c"
            keystore_key_types = ["aura"]
        "#;
        assert_eq!(
            parse(text).unwrap().warnings,
            vec![
                "types: ignored (polkadot.js type definitions are not used)",
                "settings.bootnode: ignored (not used by Atoll's native processes)",
                "relaychain.default_image: ignored (not used by Atoll's native processes)",
                "relaychain.random_nominators_count: ignored (not used by Atoll's native processes)",
                "relaychain.nodes[0].image: ignored (not used by Atoll's native processes)",
                "relaychain.nodes[0].ws_port: ignored (not used by Atoll's native processes)",
                "parachains[0].cumulus_based: ignored (not used by Atoll's native processes)",
                "parachains[0].onboard_as_parachain: ignored (paras are always onboarded as \
                 parachains)",
                "parachains[0].collator.keystore_key_types: ignored (not used by Atoll's native \
                 processes)",
            ]
        );
    }

    #[test]
    fn top_level_problems() {
        assert_eq!(
            errors_of("foo = 1\n[relaychian]\n[[parachain]]\nid = 1"),
            vec![
                "foo: unknown key",
                "parachain: unknown key (did you mean `parachains`?)",
                "relaychian: unknown key (did you mean `relaychain`?)",
                "relaychain: required key is missing",
            ]
        );
        assert_eq!(
            errors_of("relaychain = 3\nparachains = [1]"),
            vec![
                "relaychain: expected a table, found an integer",
                "parachains[0]: expected a table, found an integer",
            ]
        );
    }

    #[test]
    fn syntax_errors_have_a_line_and_column() {
        let errors =
            parse("[relaychain]\nchain = \"local\"\ndefault_args = [\"a\",\n  = 3\n").unwrap_err();
        assert_eq!(errors.len(), 1);
        let ConfigError::Syntax { line, column, message } = &errors.0[0] else {
            panic!("not a syntax error: {errors}");
        };
        assert_eq!((*line, *column), (4, 3));
        assert!(!message.is_empty());
        let duplicate = parse("[relaychain]\nchain = \"a\"\nchain = \"b\"\n").unwrap_err();
        assert!(
            matches!(duplicate.0[0], ConfigError::Syntax { line: 3, column: 1, .. }),
            "{duplicate}"
        );
    }

    #[test]
    fn templating_happens_first() {
        let env = |name: &str| (name == "RELAY").then(|| "/opt/atoll-relay".to_owned());
        let text = "[relaychain]\ndefault_command = \"{{ RELAY }}\"\n[[relaychain.nodes]]\nname = \"alice\"";
        let parsed = parse_str(text, Path::new("/d"), &env).unwrap();
        assert_eq!(parsed.config.relaychain.default_command, "/opt/atoll-relay");
    }

    #[test]
    fn suggestions_stay_close() {
        assert_eq!(suggest("valdator", ["validator", "name"]), Some("validator".to_owned()));
        assert_eq!(suggest("nmae", ["name", "args"]), Some("name".to_owned()));
        assert_eq!(suggest("ab", ["id", "env"]), None);
        assert_eq!(suggest("completely_else", ["name"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn load_reads_files_and_names_unreadable_ones() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("net.toml");
        std::fs::write(&file, format!("{MINIMAL}\n[relaychain.genesis]\n")).unwrap();
        let parsed = load(&file).unwrap();
        assert_eq!(parsed.config.definition_dir, dir.path());
        let missing = dir.path().join("missing.toml");
        let errors = load(&missing).unwrap_err();
        assert!(matches!(&errors.0[0], ConfigError::Unreadable { path, .. } if *path == missing));
        assert!(errors.to_string().contains("missing.toml: cannot read the network definition"));
    }
}
