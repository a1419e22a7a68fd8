//! The native provider's spawn: from a checked definition to running processes.
//!
//! ## Rules (numbered; the code cites them)
//!
//! 1. Preflight: every command resolves to an executable and every file the definition names
//!    exists, or the spawn stops before anything is created or started, listing every problem.
//! 2. The network's directory is new (or empty): `<dir>/<node>/data` is a node's base path,
//!    `<dir>/<node>/<node>.log` its log; the relay specs are `relay-plain.json` and
//!    `relay-raw.json`; `network.json` describes it all.
//! 3. Every port is reserved (bound and held) before the chain spec is written and released
//!    just before its node starts; fixed ports from the definition are checked the same way.
//! 4. Validators get their dev key (`//<Name>`) through `<command> key insert`.
//! 5. Every node gets a deterministic libp2p key; the first relay node is every other node's
//!    bootnode (its address is known before anything starts, so all start at once).
//! 6. Collators run `--collator` on their para's chain with the embedded relay node's flags
//!    after `--` (same raw spec and bootnode, its own p2p port, no RPC or metrics).
//! 7. Every process runs in its own process group; unless the network is kept, each dies
//!    with zombienet (parent-death signal) and is stopped when the handle is dropped.
//! 8. Then the readiness stages run up to `wait_for` (see [`crate::readiness`]); a failure
//!    tears the network down (the handle is dropped) and leaves the directory for inspection.

// The spawn shell names its directory after the clock.
#![allow(clippy::disallowed_methods)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use crate::binaries::resolve_command;
use crate::chain_spec::{dev_suri, run_capture, write_relay_spec, SpecError};
use crate::config::{NetworkConfig, NodeConfig, Stage};
use crate::network::{Network, NetworkNode, NodeInfo, Role};
use crate::ports::{reserve, reserve_fixed, PortError, Reserved};
use crate::process::{NodeProcess, ProcessError, ProcessSpec};
use crate::progress::Progress;

/// How to spawn.
#[derive(Clone, Debug, Default)]
pub struct SpawnOptions {
    /// The network's directory (overrides `settings.base_dir`; must be new or empty).
    pub dir: Option<PathBuf>,
    /// Leave the processes running when the handle is dropped or zombienet exits.
    pub keep: bool,
    /// The last readiness stage to wait for (overrides `settings.readiness.wait_for`).
    pub wait_for: Option<Stage>,
    /// Print progress on stderr.
    pub show_progress: bool,
    /// Set (by Ctrl-C) to abandon the spawn.
    pub stop: Option<Arc<AtomicBool>>,
}

/// Why a spawn failed.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    /// Rule 1: problems found before anything started.
    #[error("the network cannot start:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Preflight(Vec<String>),
    /// The network's directory.
    #[error("network directory {dir}: {reason}")]
    Dir {
        /// The directory.
        dir: PathBuf,
        /// Why.
        reason: String,
    },
    /// The chain spec.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A port.
    #[error(transparent)]
    Port(#[from] PortError),
    /// A validator key could not be stored.
    #[error("node {node}: storing its key failed: {reason}")]
    Key {
        /// The node.
        node: String,
        /// Why.
        reason: String,
    },
    /// A process could not be started.
    #[error("node {node}: {source}")]
    Start {
        /// The node.
        node: String,
        /// The failure.
        source: ProcessError,
    },
    /// A readiness stage failed (rule 8).
    #[error("stage `{stage}` failed at node {node}: {reason}\n  log: {log}\n---- last 20 lines of {node}'s log ----\n{tail}\n----")]
    Stage {
        /// The stage.
        stage: &'static str,
        /// The node it failed at.
        node: String,
        /// What was observed.
        reason: String,
        /// Its log file.
        log: PathBuf,
        /// The last 20 lines of its log.
        tail: String,
    },
    /// Ctrl-C during the spawn.
    #[error("interrupted")]
    Interrupted,
}

/// One node to start, with its reserved ports.
struct Planned {
    info: NodeInfo,
    ports: Vec<Reserved>,
}

/// Rules 1–8: spawns `config` and waits for readiness.
pub fn spawn(config: &NetworkConfig, opts: &SpawnOptions) -> Result<Network, SpawnError> {
    let started = Instant::now();
    let mut progress = Progress::new(!opts.show_progress);
    // Rule 1.
    let bins = preflight(config)?;
    // Rule 2.
    let dir = network_dir(config, opts)?;
    progress.note(&format!("network directory: {}", dir.display()));
    // Rule 3.
    progress.begin("reserving ports");
    let roles =
        config
            .relaychain
            .nodes
            .iter()
            .map(|n| (n, if n.validator { Role::Validator } else { Role::FullNode }))
            .chain(config.parachains.iter().flat_map(|p| {
                p.collators.iter().map(move |c| (c, Role::Collator { para: p.id.0 }))
            }));
    let mut planned = Vec::new();
    for ((node, role), program) in roles.zip(&bins.nodes) {
        planned.push(plan_node(node, role, program.clone(), &dir, config.settings.local_ip)?);
    }
    progress.done(started.elapsed(), &format!("{} nodes", planned.len()));
    let mut timings = vec![("ports".to_string(), started.elapsed())];
    let step = Instant::now();
    progress.begin("writing the relay chain spec");
    let spec = write_relay_spec(config, &bins.relay, &bins.collators, &dir)?;
    progress.done(step.elapsed(), &format!("{}", spec.raw.display()));
    timings.push(("chain_spec".into(), step.elapsed()));
    let step = Instant::now();
    progress.begin("storing validator keys");
    insert_keys(&planned, &spec.raw)?;
    progress.done(step.elapsed(), "");
    timings.push(("keys".into(), step.elapsed()));
    // Rules 5 and 6: now that the spec exists, the arguments.
    let mut warnings = Vec::new();
    finish_args(&mut planned, &spec.raw, config, &mut warnings);
    for w in &warnings {
        progress.note(&format!("warning: {w}"));
    }
    let step = Instant::now();
    progress.begin("starting processes");
    let mut network = Network {
        dir: dir.clone(),
        relay_spec: spec.raw.clone(),
        chain_id: spec.chain_id.clone(),
        nodes: Vec::new(),
        paras: config.parachains.iter().map(|p| p.id).collect(),
        owned: !opts.keep,
        timings,
    };
    for mut p in planned {
        for port in &mut p.ports {
            port.release();
        }
        // Rule 7.
        let process = NodeProcess::start(p.info.process.clone(), !opts.keep)
            .map_err(|source| SpawnError::Start { node: p.info.name.clone(), source })?;
        network.nodes.push(NetworkNode::new(p.info, process));
    }
    network
        .write_descriptor()
        .map_err(|e| SpawnError::Dir { dir: dir.clone(), reason: e.to_string() })?;
    progress.done(step.elapsed(), &format!("{} processes", network.nodes.len()));
    network.timings.push(("start".into(), step.elapsed()));
    // Rule 8.
    let up_to = opts.wait_for.unwrap_or(config.settings.readiness.wait_for);
    let deadline = started + config.settings.timeout;
    crate::readiness::wait(
        &mut network,
        config,
        up_to,
        deadline,
        &mut progress,
        opts.stop.as_deref(),
    )?;
    if opts.keep {
        network.detach();
    }
    Ok(network)
}

/// The executables a network runs (rule 1).
struct Binaries {
    /// The relay chain's default command (it writes the chain spec).
    relay: PathBuf,
    /// Each para's default collator command (it exports the para's genesis), in definition
    /// order.
    collators: Vec<PathBuf>,
    /// Every node's executable: relay nodes, then each para's collators, in definition order.
    nodes: Vec<PathBuf>,
}

/// Rule 1: resolves every command and checks every file; returns the relay binary (of the
/// default command) and each para's collator binary.
fn preflight(config: &NetworkConfig) -> Result<Binaries, SpawnError> {
    let base = &config.definition_dir;
    let mut problems = Vec::new();
    let mut resolve = |command: &str, what: &str| match resolve_command(command, base) {
        Ok(p) => Some(p),
        Err(e) => {
            problems.push(format!("{what}: {e}"));
            None
        }
    };
    let relay_bin = resolve(&config.relaychain.default_command, "relaychain.default_command");
    let mut nodes = Vec::new();
    for (i, n) in config.relaychain.nodes.iter().enumerate() {
        nodes.push(match &n.command {
            Some(c) => resolve(c, &format!("relaychain.nodes[{i}] ({}).command", n.name)),
            None => relay_bin.clone(),
        });
    }
    let mut collator_bins = Vec::new();
    for (i, p) in config.parachains.iter().enumerate() {
        let default = resolve(&p.default_command, &format!("parachains[{i}].default_command"));
        for c in &p.collators {
            nodes.push(match &c.command {
                Some(cmd) => resolve(cmd, &format!("parachains[{i}] collator {}.command", c.name)),
                None => default.clone(),
            });
        }
        collator_bins.push(default);
    }
    let mut files: Vec<(String, &PathBuf)> = Vec::new();
    if let Some(p) = &config.relaychain.chain_spec_path {
        files.push(("relaychain.chain_spec_path".into(), p));
    }
    for (i, p) in config.parachains.iter().enumerate() {
        for (key, path) in [
            ("chain_spec_path", &p.chain_spec_path),
            ("genesis_wasm_path", &p.genesis_wasm_path),
            ("genesis_state_path", &p.genesis_state_path),
        ] {
            if let Some(path) = path {
                files.push((format!("parachains[{i}].{key}"), path));
            }
        }
    }
    for (what, path) in files {
        if !path.is_file() {
            problems.push(format!("{what}: {} does not exist", path.display()));
        }
    }
    let collators: Option<Vec<PathBuf>> = collator_bins.into_iter().collect();
    let nodes: Option<Vec<PathBuf>> = nodes.into_iter().collect();
    match (relay_bin, collators, nodes, problems.is_empty()) {
        (Some(relay), Some(collators), Some(nodes), true) => {
            Ok(Binaries { relay, collators, nodes })
        }
        _ => Err(SpawnError::Preflight(problems)),
    }
}

/// Rule 2.
fn network_dir(config: &NetworkConfig, opts: &SpawnOptions) -> Result<PathBuf, SpawnError> {
    let dir = match (&opts.dir, &config.settings.base_dir) {
        (Some(d), _) => d.clone(),
        (None, Some(base)) => base.join(unique_name()),
        (None, None) => std::env::temp_dir().join(unique_name()),
    };
    let err = |reason: String| SpawnError::Dir { dir: dir.clone(), reason };
    if dir.exists() {
        let mut entries = std::fs::read_dir(&dir).map_err(|e| err(e.to_string()))?;
        if entries.next().is_some() {
            return Err(
                err("is not empty (a previous network?): remove it or pick another".into()),
            );
        }
    }
    std::fs::create_dir_all(&dir).map_err(|e| err(e.to_string()))?;
    dir.canonicalize().map_err(|e| err(e.to_string()))
}

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("zombie-{}-{nanos:08x}", std::process::id())
}

fn port(ip: std::net::IpAddr, fixed: Option<u16>, what: String) -> Result<Reserved, PortError> {
    match fixed {
        Some(p) => reserve_fixed(ip, p, &what),
        None => reserve(ip),
    }
}

fn node_paths(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let node_dir = dir.join(name);
    (node_dir.join("data"), node_dir.join(format!("{name}.log")))
}

fn plan_node(
    node: &NodeConfig,
    role: Role,
    program: PathBuf,
    dir: &Path,
    ip: std::net::IpAddr,
) -> Result<Planned, SpawnError> {
    let what = |k: &str| format!("{k} of {}", node.name);
    let p2p = port(ip, node.p2p_port, what("p2p_port"))?;
    let rpc = port(ip, node.rpc_port, what("rpc_port"))?;
    let prom = port(ip, node.prometheus_port, what("prometheus_port"))?;
    let (base_path, log_path) = node_paths(dir, &node.name);
    if let Some(parent) = log_path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| SpawnError::Dir { dir: parent.to_path_buf(), reason: e.to_string() })?;
    }
    let info = NodeInfo {
        name: node.name.clone(),
        role,
        group: node.group.clone(),
        rpc: SocketAddr::new(ip, rpc.port),
        metrics: SocketAddr::new(ip, prom.port),
        p2p_port: p2p.port,
        base_path,
        process: ProcessSpec { program, args: Vec::new(), env: node.env.clone(), log_path },
        pid: None,
    };
    Ok(Planned { info, ports: vec![p2p, rpc, prom] })
}

/// Rule 4: `key insert` for every validator, side by side.
fn insert_keys(planned: &[Planned], raw_spec: &Path) -> Result<(), SpawnError> {
    let spec = raw_spec.display().to_string();
    let results: Vec<Result<(), SpawnError>> = std::thread::scope(|s| {
        let handles: Vec<_> = planned
            .iter()
            .filter(|p| p.info.role == Role::Validator)
            .map(|p| {
                let spec = spec.clone();
                s.spawn(move || {
                    let base = p.info.base_path.display().to_string();
                    let suri = dev_suri(&p.info.name);
                    let args =
                        ["key", "insert", "--suri", &suri, "--chain", &spec, "--base-path", &base];
                    run_capture(&p.info.process.program, &args).map(|_| ()).map_err(|e| {
                        SpawnError::Key { node: p.info.name.clone(), reason: e.to_string() }
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(SpawnError::Key { node: "?".into(), reason: "thread panicked".into() })
                })
            })
            .collect()
    });
    results.into_iter().collect()
}

/// Rules 5 and 6: every node's command line.
fn finish_args(
    planned: &mut [Planned],
    raw_spec: &Path,
    config: &NetworkConfig,
    warnings: &mut Vec<String>,
) {
    let spec = raw_spec.display().to_string();
    let ip = config.settings.local_ip;
    let bootnode = planned.iter().position(|p| p.info.role.is_relay()).map(|i| {
        let (_, peer) = node_key(i);
        format!("/ip4/{ip}/tcp/{}/p2p/{peer}", planned[i].info.p2p_port)
    });
    let relay_nodes = config.relaychain.nodes.iter();
    let collator_nodes =
        config.parachains.iter().flat_map(|p| p.collators.iter().map(move |c| (p, c)));
    let mut configs: Vec<(Option<&crate::config::ParachainConfig>, &NodeConfig)> =
        relay_nodes.map(|n| (None, n)).collect();
    configs.extend(collator_nodes.map(|(p, c)| (Some(p), c)));
    for (i, (p, (para, node))) in planned.iter_mut().zip(configs).enumerate() {
        let (key, _) = node_key(i);
        let listen = format!("/ip4/{ip}/tcp/{}", p.info.p2p_port);
        let mut args: Vec<String> = Vec::new();
        let mut relay_args: Vec<String> = vec![
            "--chain".into(),
            spec.clone(),
            "--listen-addr".into(),
            listen,
            "--node-key".into(),
            key,
        ];
        if let Some(b) = &bootnode {
            if i > 0 {
                relay_args.extend(["--bootnodes".into(), b.clone()]);
            }
        }
        // Every node's own flags: its name, data and the ports zombienet reserved.
        let own = [
            "--name".to_string(),
            node.name.clone(),
            "--base-path".into(),
            p.info.base_path.display().to_string(),
            "--rpc-port".into(),
            p.info.rpc.port().to_string(),
            "--prometheus-port".into(),
            p.info.metrics.port().to_string(),
        ];
        match para {
            None => {
                args.extend(relay_args);
                args.extend(own);
                if node.validator {
                    args.push("--validator".into());
                }
                args.extend(user_args(&node.name, &config.relaychain.default_args, warnings));
                args.extend(user_args(&node.name, &node.args, warnings));
            }
            Some(para) => {
                args.extend(["--chain".into(), para.chain_arg(), "--collator".into()]);
                args.extend(own);
                args.extend(user_args(&node.name, &para.default_args, warnings));
                args.extend(user_args(&node.name, &node.args, warnings));
                args.push("--".into());
                args.extend(relay_args);
                args.extend(["--no-rpc".into(), "--no-prometheus".into()]);
            }
        }
        p.info.process.args = args;
    }
}

/// Flags zombienet sets itself (rules 3 to 6), with whether they take a value.
const OWNED_FLAGS: [(&str, bool); 16] = [
    ("--chain", true),
    ("--name", true),
    ("--base-path", true),
    ("-d", true),
    ("--port", true),
    ("--listen-addr", true),
    ("--rpc-port", true),
    ("--prometheus-port", true),
    ("--node-key", true),
    ("--bootnodes", true),
    ("--alice", false),
    ("--bob", false),
    ("--charlie", false),
    ("--dave", false),
    ("--validator", false),
    ("--tmp", false),
];

/// A node's user arguments without the flags zombienet owns (as zombienet does: the ports,
/// keys, names and data of nodes are its own); each one dropped is reported. Flags after a
/// collator's `--` are the user's.
fn user_args(node: &str, args: &[String], warnings: &mut Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut iter = args.iter().peekable();
    let mut after_separator = false;
    while let Some(arg) = iter.next() {
        if arg == "--" {
            after_separator = true;
        }
        let (flag, inline_value) = match arg.split_once('=') {
            Some((f, _)) => (f, true),
            None => (arg.as_str(), false),
        };
        let owned = OWNED_FLAGS.iter().find(|(f, _)| *f == flag);
        match owned {
            Some((_, takes_value)) if !after_separator => {
                let mut dropped = arg.clone();
                if *takes_value && !inline_value {
                    if let Some(value) = iter.next() {
                        dropped = format!("{arg} {value}");
                    }
                }
                warnings.push(format!(
                    "{node}: ignoring `{dropped}`: zombienet sets it (use the definition's ports \
                     and names)"
                ));
            }
            _ => out.push(arg.clone()),
        }
    }
    out
}

/// Rule 5: node `i`'s libp2p key (hex) and peer id.
fn node_key(i: usize) -> (String, String) {
    atoll_relay::testnet::test_node_key((i % 256) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_zombienet_owns_are_dropped_with_a_warning() {
        let mut warnings = Vec::new();
        let args = strings(&[
            "-l",
            "parachain=debug",
            "--rpc-port",
            "9944",
            "--name=x",
            "--alice",
            "--max-extrinsics-per-block",
            "10",
        ]);
        let kept = user_args("bob", &args, &mut warnings);
        assert_eq!(kept, strings(&["-l", "parachain=debug", "--max-extrinsics-per-block", "10"]));
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings[0].contains("bob: ignoring `--rpc-port 9944`"), "{warnings:?}");
    }
}
