//! The relay chain spec of a network: the relay binary's own plain spec (`build-spec --chain`,
//! or `chain_spec_path`), customised, then checked and converted by the binary (`--raw`).
//!
//! ## Rules (numbered; the code cites them)
//!
//! 1. The validators in genesis are exactly the relay nodes with `validator = true`, each with
//!    the dev key `//<Name>`; every relay node's account is funded with its `balance`.
//! 2. Backing groups are sized so a candidate always has checkers outside its group: groups of
//!    1 below 4 validators, and `needed_approvals = n − group − f` (at least 1, at most the
//!    spec's), so finality survives f validators down.
//! 3. Every para with `add_to_genesis` is registered with its genesis head and code, from the
//!    given files or from its collator binary (`export-genesis-head`, `export-genesis-wasm`).
//! 4. HRMP channels are written into genesis (`hrmpChannels`).
//! 5. The definition's `genesis` patch is merged last (it wins over rules 1–4).
//! 6. The binary converts the result to the raw spec; a spec it refuses stops the spawn before
//!    any node starts, with the binary's message.

use std::path::{Path, PathBuf};
use std::process::Command;

use atoll_primitives::crypto::Pair;
use serde_json::{json, Map, Value};

use crate::config::{NetworkConfig, NodeConfig, ParachainConfig};

/// A chain spec failure.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// A binary failed.
    #[error("`{command}` failed: {output}")]
    Command {
        /// The command line.
        command: String,
        /// Its stderr (or why it could not run).
        output: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The spec does not have the expected shape.
    #[error("chain spec: {0}")]
    Shape(String),
    /// A para's genesis could not be read.
    #[error("para {para}: {reason}")]
    ParaGenesis {
        /// The para id.
        para: u32,
        /// Why.
        reason: String,
    },
}

/// The dev secret URI of a node name: `alice` -> `//Alice`.
pub fn dev_suri(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("//{}{}", first.to_uppercase(), chars.as_str()),
        None => "//".into(),
    }
}

/// The SS58 address (prefix 42) of a node's dev key.
pub fn dev_address(name: &str) -> Result<String, SpecError> {
    let pair = Pair::from_uri(&dev_suri(name))
        .map_err(|e| SpecError::Shape(format!("node `{name}` has no usable dev key: {e}")))?;
    Ok(atoll_primitives::ss58::encode(&pair.public(), 42))
}

/// Runs `binary args`, returning stdout (trimmed).
pub fn run_capture(binary: &Path, args: &[&str]) -> Result<String, SpecError> {
    let command = format!("{} {}", binary.display(), args.join(" "));
    let out = Command::new(binary)
        .args(args)
        .output()
        .map_err(|e| SpecError::Command { command: command.clone(), output: e.to_string() })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(SpecError::Command { command, output: stderr.trim().to_string() });
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The spec files of a network.
#[derive(Clone, Debug)]
pub struct RelaySpec {
    /// The customised plain spec.
    pub plain: PathBuf,
    /// The raw spec the nodes run.
    pub raw: PathBuf,
    /// The chain id (`id` in the spec): the nodes' data live under `chains/<id>`.
    pub chain_id: String,
}

/// Writes `<dir>/relay-plain.json` and `<dir>/relay-raw.json` for `config`. `collators` holds
/// each para's resolved collator binary, in `config.parachains` order.
pub fn write_relay_spec(
    config: &NetworkConfig,
    relay_bin: &Path,
    collators: &[PathBuf],
    dir: &Path,
) -> Result<RelaySpec, SpecError> {
    let relay = &config.relaychain;
    let text = match &relay.chain_spec_path {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| SpecError::File { path: path.clone(), reason: e.to_string() })?,
        None => run_capture(relay_bin, &["build-spec", "--chain", &relay.chain])?,
    };
    let mut spec: Value =
        serde_json::from_str(&text).map_err(|e| SpecError::Shape(format!("not JSON: {e}")))?;
    let chain_id = spec
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| SpecError::Shape("no `id`".into()))?
        .to_string();
    let genesis = spec
        .pointer_mut("/genesis/runtimeGenesis/patch")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| {
            SpecError::Shape(
                "no genesis.runtimeGenesis.patch: a plain (not raw) spec is needed".into(),
            )
        })?;
    set_authorities(genesis, &relay.nodes)?;
    size_groups(genesis, relay.nodes.iter().filter(|n| n.validator).count())?;
    set_paras(genesis, config, collators)?;
    set_hrmp_channels(genesis, config);
    if let Some(patch) = &relay.genesis {
        apply_genesis_patch(&mut spec, patch);
    }
    let plain = dir.join("relay-plain.json");
    let pretty = serde_json::to_string_pretty(&spec)
        .map_err(|e| SpecError::Shape(format!("cannot serialise: {e}")))?;
    write(&plain, pretty.as_bytes())?;
    // Rule 6.
    let plain_arg = plain.display().to_string();
    let raw_text = run_capture(relay_bin, &["build-spec", "--chain", &plain_arg, "--raw"])?;
    let raw = dir.join("relay-raw.json");
    write(&raw, raw_text.as_bytes())?;
    Ok(RelaySpec { plain, raw, chain_id })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), SpecError> {
    std::fs::write(path, bytes)
        .map_err(|e| SpecError::File { path: path.to_path_buf(), reason: e.to_string() })
}

fn section<'a>(
    genesis: &'a mut Map<String, Value>,
    key: &str,
) -> Result<&'a mut Map<String, Value>, SpecError> {
    genesis
        .entry(key.to_string())
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| SpecError::Shape(format!("genesis section `{key}` is not an object")))
}

/// Rule 1.
fn set_authorities(
    genesis: &mut Map<String, Value>,
    nodes: &[NodeConfig],
) -> Result<(), SpecError> {
    let session = section(genesis, "session")?;
    let stake = session
        .get("validators")
        .and_then(|v| v.pointer("/0/1"))
        .cloned()
        .unwrap_or_else(|| json!(1_000_000_000_000_000u64));
    let mut validators = Vec::new();
    for node in nodes.iter().filter(|n| n.validator) {
        validators.push(json!([dev_address(&node.name)?, stake]));
    }
    session.insert("validators".into(), Value::Array(validators));
    let balances = section(genesis, "balances")?;
    let list = balances.entry("balances").or_insert_with(|| json!([]));
    if !list.is_array() {
        *list = json!([]);
    }
    if let Value::Array(list) = list {
        for node in nodes {
            let address = dev_address(&node.name)?;
            list.retain(|entry| entry.pointer("/0").and_then(Value::as_str) != Some(&address));
            list.push(json!([address, amount(node.balance)]));
        }
    }
    Ok(())
}

/// Amounts above 2^64 are decimal strings in our specs.
fn amount(v: u128) -> Value {
    match u64::try_from(v) {
        Ok(small) => json!(small),
        Err(_) => json!(v.to_string()),
    }
}

/// Rule 2 ([`atoll_relay_chain::HostConfiguration::sized_for`], on the spec's values).
fn size_groups(genesis: &mut Map<String, Value>, validators: usize) -> Result<(), SpecError> {
    let config = section(section(genesis, "configuration")?, "config")?;
    let read = |key: &str, default: u32| {
        config
            .get(key)
            .and_then(Value::as_u64)
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(default)
    };
    let spec = atoll_relay_chain::HostConfiguration {
        validators_per_group: read("validators_per_group", 2),
        minimum_backing_votes: read("minimum_backing_votes", 2),
        needed_approvals: read("needed_approvals", 2),
        ..atoll_relay_chain::HostConfiguration::test_network()
    };
    let sized = spec.sized_for(u32::try_from(validators).unwrap_or(u32::MAX));
    config.insert("validators_per_group".into(), json!(sized.validators_per_group));
    config.insert("minimum_backing_votes".into(), json!(sized.minimum_backing_votes));
    config.insert("needed_approvals".into(), json!(sized.needed_approvals));
    Ok(())
}

/// Rule 3.
fn set_paras(
    genesis: &mut Map<String, Value>,
    config: &NetworkConfig,
    collators: &[PathBuf],
) -> Result<(), SpecError> {
    let wanted: Vec<(&ParachainConfig, &PathBuf)> =
        config.parachains.iter().zip(collators).filter(|(p, _)| p.add_to_genesis).collect();
    // The exports run side by side: each one starts a collator binary.
    let results: Vec<Result<Value, SpecError>> = std::thread::scope(|s| {
        let handles: Vec<_> =
            wanted.iter().map(|(para, bin)| s.spawn(move || para_genesis(para, bin))).collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(SpecError::Shape("a genesis export thread panicked".into()))
                })
            })
            .collect()
    });
    let entries = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    let paras = genesis.entry("paras").or_insert_with(|| json!([]));
    if !paras.is_array() {
        *paras = json!([]);
    }
    if let Value::Array(list) = paras {
        for entry in entries {
            list.retain(|e| e.get("id") != entry.get("id"));
            list.push(entry);
        }
    }
    Ok(())
}

fn para_genesis(para: &ParachainConfig, collator: &Path) -> Result<Value, SpecError> {
    let chain = para.chain_arg();
    let read = |path: &Option<PathBuf>, export: &str| -> Result<String, SpecError> {
        match path {
            Some(p) => read_hex_or_binary(p)
                .map_err(|reason| SpecError::ParaGenesis { para: para.id.0, reason }),
            None => run_capture(collator, &[export, "--chain", &chain]),
        }
    };
    let head = read(&para.genesis_state_path, "export-genesis-head")?;
    let code = read(&para.genesis_wasm_path, "export-genesis-wasm")?;
    Ok(json!({ "id": para.id.0, "head": head, "code": code }))
}

/// A file holding `0x` hex (as the export commands print) or raw bytes; returns `0x` hex.
fn read_hex_or_binary(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if let Ok(text) = std::str::from_utf8(&bytes) {
        let t = text.trim();
        let digits = t.strip_prefix("0x").unwrap_or(t);
        if !digits.is_empty() && digits.len() % 2 == 0 && hex::decode(digits).is_ok() {
            return Ok(format!("0x{digits}"));
        }
    }
    Ok(format!("0x{}", hex::encode(bytes)))
}

/// Rule 4.
fn set_hrmp_channels(genesis: &mut Map<String, Value>, config: &NetworkConfig) {
    let channels: Vec<Value> = config
        .hrmp_channels
        .iter()
        .map(|c| {
            json!({
                "sender": c.sender.0,
                "recipient": c.recipient.0,
                "max_capacity": c.max_capacity,
                "max_message_size": c.max_message_size,
            })
        })
        .collect();
    genesis.insert("hrmpChannels".into(), Value::Array(channels));
}

/// Rule 5: keys under `runtimeGenesis` patch `genesis`; anything else
/// `genesis.runtimeGenesis.patch`.
fn apply_genesis_patch(spec: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else { return };
    for (key, value) in patch {
        let target = if key == "runtimeGenesis" {
            spec.pointer_mut("/genesis").map(|g| (g, key.as_str()))
        } else {
            spec.pointer_mut("/genesis/runtimeGenesis/patch").map(|g| (g, key.as_str()))
        };
        if let Some((Value::Object(obj), key)) = target {
            merge(obj.entry(key.to_string()).or_insert(Value::Null), value);
        }
    }
}

/// A JSON merge: objects merge key by key, anything else replaces.
pub fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                merge(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (t, p) => *t = p.clone(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn dev_names_are_capitalised() {
        assert_eq!(dev_suri("alice"), "//Alice");
        assert_eq!(dev_suri("validator-1"), "//Validator-1");
        assert_eq!(
            dev_address("alice").unwrap(),
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
        );
    }

    #[test]
    fn groups_leave_checkers_outside_the_backers() {
        for (n, group, needed) in [(2, 1, 1), (3, 1, 2), (4, 2, 1), (7, 2, 2)] {
            let mut g = Map::new();
            section(section(&mut g, "configuration").unwrap(), "config")
                .unwrap()
                .insert("validators_per_group".into(), json!(2));
            size_groups(&mut g, n).unwrap();
            let c = &g["configuration"]["config"];
            assert_eq!(c["validators_per_group"], json!(group), "n = {n}");
            assert_eq!(c["needed_approvals"], json!(needed), "n = {n}");
            assert!(c["minimum_backing_votes"].as_u64().unwrap() <= group);
        }
    }

    #[test]
    fn the_patch_wins_and_merges() {
        let mut spec = json!({"genesis": {"runtimeGenesis": {"patch": {
            "configuration": {"config": {"slot_duration_ms": 6000, "session_length": 20}}}}}});
        apply_genesis_patch(
            &mut spec,
            &json!({"configuration": {"config": {"slot_duration_ms": 1000}}}),
        );
        let c = &spec["genesis"]["runtimeGenesis"]["patch"]["configuration"]["config"];
        assert_eq!(c["slot_duration_ms"], json!(1000));
        assert_eq!(c["session_length"], json!(20));
        apply_genesis_patch(
            &mut spec,
            &json!({"runtimeGenesis": {"patch": {"sudo": {"key": null}}}}),
        );
        assert_eq!(spec["genesis"]["runtimeGenesis"]["patch"]["sudo"]["key"], Value::Null);
    }

    #[test]
    fn genesis_files_may_be_hex_or_binary() {
        let dir = tempfile::tempdir().unwrap();
        let hex_file = dir.path().join("head.hex");
        std::fs::write(&hex_file, "0xabcd\n").unwrap();
        assert_eq!(read_hex_or_binary(&hex_file).unwrap(), "0xabcd");
        let bin_file = dir.path().join("code.wasm");
        std::fs::write(&bin_file, [0u8, 0x61, 0x73, 0x6d]).unwrap();
        assert_eq!(read_hex_or_binary(&bin_file).unwrap(), "0x0061736d");
    }
}
