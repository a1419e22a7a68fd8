//! A running network and its nodes: the handle tests hold. Dropping an owned [`Network`]
//! stops every process (all at once: SIGTERM, then SIGKILL after a grace period); a network
//! spawned with `keep` or attached from `network.json` is left running.

// Waiting helpers over real processes read the clock for their deadlines.
#![allow(clippy::disallowed_methods)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use atoll_primitives::ParaId;
use parity_scale_codec::Decode;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::dsl::metrics::{parse_prometheus, Sample, Selector};
use crate::process::{NodeProcess, ProcessError, STOP_GRACE};

/// What a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Role {
    /// A relay validator.
    Validator,
    /// A relay full node.
    FullNode,
    /// A collator of a para (its RPC is the para's).
    Collator {
        /// The para.
        para: u32,
    },
}

impl Role {
    /// A short name for tables.
    pub fn label(&self) -> String {
        match self {
            Role::Validator => "validator".into(),
            Role::FullNode => "full node".into(),
            Role::Collator { para } => format!("collator {para}"),
        }
    }

    /// Whether the node serves the relay chain's RPC.
    pub fn is_relay(&self) -> bool {
        !matches!(self, Role::Collator { .. })
    }
}

/// Where a node is and how it runs (one entry of `network.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    /// Its name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// The group it came from.
    pub group: Option<String>,
    /// JSON-RPC (HTTP and WebSocket).
    pub rpc: SocketAddr,
    /// Prometheus exporter.
    pub metrics: SocketAddr,
    /// libp2p port (the embedded relay node's, for a collator).
    pub p2p_port: u16,
    /// Its data directory.
    pub base_path: PathBuf,
    /// The command, arguments, environment and log.
    pub process: crate::process::ProcessSpec,
    /// Its process (and process group) id when last started.
    pub pid: Option<u32>,
}

/// A failure of a node operation.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// No node or group of this name.
    #[error("no node or group named `{name}` (nodes: {known})")]
    NoSuchNode {
        /// The name asked for.
        name: String,
        /// The names there are.
        known: String,
    },
    /// A JSON-RPC call failed.
    #[error("{node}: rpc {method}: {reason}")]
    Rpc {
        /// The node.
        node: String,
        /// The method.
        method: String,
        /// Why.
        reason: String,
    },
    /// The metrics endpoint failed.
    #[error("{node}: metrics at {addr}: {reason}")]
    Metrics {
        /// The node.
        node: String,
        /// The address.
        addr: SocketAddr,
        /// Why.
        reason: String,
    },
    /// A process operation failed.
    #[error("{node}: {source}")]
    Process {
        /// The node.
        node: String,
        /// The failure.
        source: ProcessError,
    },
    /// A wait ran out of time.
    #[error("{node}: timed out after {secs:.1} s waiting for {what}; last observed: {observed}")]
    Timeout {
        /// The node.
        node: String,
        /// What was awaited.
        what: String,
        /// How long.
        secs: f64,
        /// The last observation.
        observed: String,
    },
    /// The query does not apply to this node.
    #[error("{node}: {reason}")]
    NotApplicable {
        /// The node.
        node: String,
        /// Why.
        reason: String,
    },
}

/// One node of a network.
#[derive(Debug)]
pub struct NetworkNode {
    info: NodeInfo,
    process: NodeProcess,
}

impl NetworkNode {
    /// A node from its description and process.
    pub fn new(info: NodeInfo, process: NodeProcess) -> NetworkNode {
        NetworkNode { info, process }
    }

    /// Its description (with the current pid).
    pub fn info(&self) -> NodeInfo {
        NodeInfo { pid: self.process.pid(), ..self.info.clone() }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.info.name
    }

    /// Its role.
    pub fn role(&self) -> Role {
        self.info.role
    }

    /// Its JSON-RPC address.
    pub fn rpc_addr(&self) -> SocketAddr {
        self.info.rpc
    }

    /// `ws://` address of its RPC.
    pub fn ws_uri(&self) -> String {
        format!("ws://{}", self.info.rpc)
    }

    /// Its Prometheus address.
    pub fn metrics_addr(&self) -> SocketAddr {
        self.info.metrics
    }

    /// Its log file.
    pub fn log_path(&self) -> &Path {
        &self.info.process.log_path
    }

    /// The process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.process.pid()
    }

    /// The process.
    pub fn process_mut(&mut self) -> &mut NodeProcess {
        &mut self.process
    }

    fn process_err(&self, source: ProcessError) -> NodeError {
        NodeError::Process { node: self.info.name.clone(), source }
    }

    /// A JSON-RPC call.
    pub fn rpc(&self, method: &str, params: Value) -> Result<Value, NodeError> {
        atoll_relay::testnet::rpc_call(self.info.rpc, method, params).map_err(|e| NodeError::Rpc {
            node: self.info.name.clone(),
            method: method.into(),
            reason: e.to_string(),
        })
    }

    /// Whether its RPC answers (`system_name`).
    pub fn is_up(&self) -> bool {
        self.rpc("system_name", json!([])).is_ok()
    }

    /// Whether its process is alive (paused counts as alive).
    pub fn is_running(&mut self) -> bool {
        self.process.is_running()
    }

    /// The exit code, if its process exited by itself.
    pub fn exit_code(&mut self) -> Option<i32> {
        self.process.exit_code()
    }

    /// Every sample its Prometheus endpoint reports.
    pub fn metrics(&self) -> Result<Vec<Sample>, NodeError> {
        let addr = self.info.metrics;
        let err =
            |reason: String| NodeError::Metrics { node: self.info.name.clone(), addr, reason };
        let (status, body) =
            atoll_relay::testnet::http_get(addr, "/metrics").map_err(|e| err(e.to_string()))?;
        if status != 200 {
            return Err(err(format!("HTTP {status}")));
        }
        Ok(parse_prometheus(&body))
    }

    /// One metric by selector (`name` or `name{label="v"}`); `None` if it is not reported.
    pub fn metric(&self, selector: &str) -> Result<Option<f64>, NodeError> {
        let sel = Selector::parse(selector)
            .map_err(|reason| NodeError::NotApplicable { node: self.info.name.clone(), reason })?;
        Ok(sel.find(&self.metrics()?))
    }

    /// Its best block number (relay or para, whichever chain its RPC serves).
    pub fn best_height(&self) -> Result<u64, NodeError> {
        let header = self.rpc("chain_getHeader", json!([]))?;
        self.number_of(&header)
    }

    /// Its finalized block number.
    pub fn finalized_height(&self) -> Result<u64, NodeError> {
        let hash = self.rpc("chain_getFinalizedHead", json!([]))?;
        let header = self.rpc("chain_getHeader", json!([hash]))?;
        self.number_of(&header)
    }

    fn number_of(&self, header: &Value) -> Result<u64, NodeError> {
        atoll_relay::testnet::header_number(header).ok_or_else(|| NodeError::Rpc {
            node: self.info.name.clone(),
            method: "chain_getHeader".into(),
            reason: format!("no block number in {header}"),
        })
    }

    /// The paras the relay chain has registered, with the block number of the head it
    /// records for each (relay nodes only).
    pub fn para_heads(&self) -> Result<Vec<(ParaId, Option<u64>)>, NodeError> {
        if !self.info.role.is_relay() {
            return Err(NodeError::NotApplicable {
                node: self.info.name.clone(),
                reason: "para registration and heads are relay-chain queries: ask a relay node"
                    .into(),
            });
        }
        let list = self.rpc("paras_registered", json!([]))?;
        let entries = list.as_array().cloned().unwrap_or_default();
        Ok(entries
            .iter()
            .filter_map(|e| {
                let id = e.get("paraId")?.as_u64()?;
                let number = e.get("head").and_then(Value::as_str).and_then(head_number);
                Some((ParaId(u32::try_from(id).ok()?), number))
            })
            .collect())
    }

    /// The block number in the head the relay chain records for `para`, if it is registered.
    pub fn para_height(&self, para: ParaId) -> Result<Option<u64>, NodeError> {
        Ok(self.para_heads()?.into_iter().find(|(id, _)| *id == para).and_then(|(_, n)| n))
    }

    /// Its whole log.
    pub fn log(&self) -> String {
        std::fs::read(self.log_path())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// The last `n` lines of its log.
    pub fn log_tail(&self, n: usize) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// How many lines of its log match `pattern`.
    pub fn count_log_lines(&self, pattern: &regex::Regex) -> usize {
        self.log().lines().filter(|l| pattern.is_match(l)).count()
    }

    /// SIGSTOP (its whole process group).
    pub fn pause(&self) -> Result<(), NodeError> {
        self.process.pause().map_err(|e| self.process_err(e))
    }

    /// SIGCONT.
    pub fn resume(&self) -> Result<(), NodeError> {
        self.process.resume().map_err(|e| self.process_err(e))
    }

    /// Stops the node and starts it again (same arguments, data and log) after `after`.
    pub fn restart(&mut self, after: Duration) -> Result<(), NodeError> {
        self.process
            .restart(after)
            .map_err(|e| NodeError::Process { node: self.info.name.clone(), source: e })
    }

    /// SIGKILL; the node stays down.
    pub fn kill(&mut self) {
        self.process.kill();
    }

    /// Polls `check` every 200 ms until it gives `Ok(Some(v))` or `timeout` passes. `check`
    /// gives `Err(observation)` (or `Ok(None)`) while the condition does not hold; the last
    /// observation is reported in the timeout error.
    pub fn wait_until<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: impl FnMut(&NetworkNode) -> Result<Option<T>, String>,
    ) -> Result<T, NodeError> {
        let started = Instant::now();
        let mut observed = String::from("nothing yet");
        loop {
            match check(self) {
                Ok(Some(v)) => return Ok(v),
                Ok(None) => {}
                Err(o) => observed = o,
            }
            if started.elapsed() >= timeout {
                return Err(NodeError::Timeout {
                    node: self.info.name.clone(),
                    what: what.into(),
                    secs: started.elapsed().as_secs_f64(),
                    observed,
                });
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Waits until its best height is at least `n`.
    pub fn wait_best_height(&self, n: u64, timeout: Duration) -> Result<u64, NodeError> {
        self.wait_until(&format!("best block ≥ {n}"), timeout, |node| {
            at_least(node.best_height(), n, "best block")
        })
    }

    /// Waits until its finalized height is at least `n`.
    pub fn wait_finalized_height(&self, n: u64, timeout: Duration) -> Result<u64, NodeError> {
        self.wait_until(&format!("finalized block ≥ {n}"), timeout, |node| {
            at_least(node.finalized_height(), n, "finalized block")
        })
    }

    /// Waits until a metric satisfies `predicate`.
    pub fn wait_metric(
        &self,
        selector: &str,
        timeout: Duration,
        predicate: impl Fn(f64) -> bool,
    ) -> Result<f64, NodeError> {
        self.wait_until(&format!("metric {selector}"), timeout, |node| {
            match node.metric(selector) {
                Ok(Some(v)) if predicate(v) => Ok(Some(v)),
                Ok(Some(v)) => Err(format!("{selector} = {v}")),
                Ok(None) => Err(format!("{selector} not reported")),
                Err(e) => Err(e.to_string()),
            }
        })
    }

    /// Waits until at least `count` log lines match `pattern`.
    pub fn wait_log_lines(
        &self,
        pattern: &regex::Regex,
        count: usize,
        timeout: Duration,
    ) -> Result<usize, NodeError> {
        self.wait_until(&format!("{count} log lines matching `{pattern}`"), timeout, |node| {
            let n = node.count_log_lines(pattern);
            if n >= count {
                Ok(Some(n))
            } else {
                Err(format!("{n} matching lines"))
            }
        })
    }
}

fn at_least(v: Result<u64, NodeError>, n: u64, what: &str) -> Result<Option<u64>, String> {
    match v {
        Ok(h) if h >= n => Ok(Some(h)),
        Ok(h) => Err(format!("{what} #{h}")),
        Err(e) => Err(e.to_string()),
    }
}

/// The block number of a para head given as `0x` hex (an Atoll para header's encoding).
pub fn head_number(head_hex: &str) -> Option<u64> {
    let bytes = hex::decode(head_hex.trim_start_matches("0x")).ok()?;
    let header = atoll_runtime_sdk::block::Header::decode(&mut &bytes[..]).ok()?;
    Some(u64::from(header.number.0))
}

/// A network of node processes.
#[derive(Debug)]
pub struct Network {
    pub(crate) dir: PathBuf,
    pub(crate) relay_spec: PathBuf,
    pub(crate) chain_id: String,
    pub(crate) nodes: Vec<NetworkNode>,
    pub(crate) paras: Vec<ParaId>,
    /// Whether dropping it stops the processes.
    pub(crate) owned: bool,
    /// How long each spawn step and readiness stage took, in order.
    pub(crate) timings: Vec<(String, Duration)>,
}

impl Network {
    /// Its directory: specs, node data, logs, `network.json`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The relay chain spec the nodes run.
    pub fn relay_spec(&self) -> &Path {
        &self.relay_spec
    }

    /// The relay chain's id.
    pub fn chain_id(&self) -> &str {
        &self.chain_id
    }

    /// `network.json`'s path.
    pub fn descriptor_path(&self) -> PathBuf {
        self.dir.join("network.json")
    }

    /// Every node: relay nodes first, then collators.
    pub fn nodes(&self) -> &[NetworkNode] {
        &self.nodes
    }

    /// How long each spawn step and readiness stage took, in order (empty when attached).
    pub fn spawn_timings(&self) -> &[(String, Duration)] {
        &self.timings
    }

    /// The paras in the definition.
    pub fn paras(&self) -> &[ParaId] {
        &self.paras
    }

    /// The relay nodes.
    pub fn relay_nodes(&self) -> impl Iterator<Item = &NetworkNode> {
        self.nodes.iter().filter(|n| n.role().is_relay())
    }

    /// The collators of `para`.
    pub fn collators(&self, para: ParaId) -> impl Iterator<Item = &NetworkNode> {
        self.nodes.iter().filter(move |n| n.role() == Role::Collator { para: para.0 })
    }

    fn no_such(&self, name: &str) -> NodeError {
        NodeError::NoSuchNode {
            name: name.into(),
            known: self.nodes.iter().map(|n| n.name()).collect::<Vec<_>>().join(", "),
        }
    }

    /// The node called `name`.
    pub fn node(&self, name: &str) -> Result<&NetworkNode, NodeError> {
        self.nodes.iter().find(|n| n.name() == name).ok_or_else(|| self.no_such(name))
    }

    /// The node called `name`, mutably (restart, kill).
    pub fn node_mut(&mut self, name: &str) -> Result<&mut NetworkNode, NodeError> {
        match self.nodes.iter().position(|n| n.name() == name) {
            Some(i) => Ok(&mut self.nodes[i]),
            None => Err(self.no_such(name)),
        }
    }

    /// The indices of the nodes a test line names: the node itself, or every node of a
    /// group.
    pub fn select(&self, name: &str) -> Result<Vec<usize>, NodeError> {
        let by_name: Vec<usize> =
            (0..self.nodes.len()).filter(|&i| self.nodes[i].name() == name).collect();
        if !by_name.is_empty() {
            return Ok(by_name);
        }
        let by_group: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].info.group.as_deref() == Some(name))
            .collect();
        if by_group.is_empty() {
            return Err(self.no_such(name));
        }
        Ok(by_group)
    }

    /// Node `i` (from [`Self::select`]).
    pub fn node_at(&self, i: usize) -> Option<&NetworkNode> {
        self.nodes.get(i)
    }

    /// Node `i`, mutably.
    pub fn node_at_mut(&mut self, i: usize) -> Option<&mut NetworkNode> {
        self.nodes.get_mut(i)
    }

    /// Every node's description, for `network.json`.
    pub fn node_infos(&self) -> Vec<NodeInfo> {
        self.nodes.iter().map(NetworkNode::info).collect()
    }

    /// Writes `network.json` (again: pids change when nodes restart).
    pub fn write_descriptor(&self) -> Result<(), std::io::Error> {
        crate::descriptor::write(self)
    }

    /// The table `spawn` prints: node, role, RPC, metrics, log.
    pub fn table(&self) -> String {
        let mut out =
            format!("{:<18} {:<14} {:<24} {:<34} log\n", "node", "role", "rpc", "metrics");
        for n in &self.nodes {
            out.push_str(&format!(
                "{:<18} {:<14} {:<24} {:<34} {}\n",
                n.name(),
                n.role().label(),
                n.ws_uri(),
                format!("http://{}/metrics", n.metrics_addr()),
                n.log_path().display()
            ));
        }
        out.push_str(&format!("relay chain spec: {}\n", self.relay_spec.display()));
        out.push_str(&format!("network.json:     {}\n", self.descriptor_path().display()));
        out
    }

    /// One status line: relay best/finalized and each para's recorded head.
    pub fn status_line(&self) -> String {
        let Some(relay) = self.relay_nodes().next() else { return "no relay node".into() };
        let best = relay.best_height().map(|n| format!("#{n}")).unwrap_or_else(|_| "?".into());
        let fin = relay.finalized_height().map(|n| format!("#{n}")).unwrap_or_else(|_| "?".into());
        let heads = relay.para_heads().unwrap_or_default();
        let paras: Vec<String> = self
            .paras
            .iter()
            .map(|p| {
                let head = heads.iter().find(|(id, _)| id == p).and_then(|(_, n)| *n);
                match head {
                    Some(n) => format!("para {} #{n}", p.0),
                    None => format!("para {} -", p.0),
                }
            })
            .collect();
        format!("relay best {best} finalized {fin}; {}", paras.join("; "))
    }

    /// Leaves every process running when the handle is dropped (`--keep`).
    pub fn detach(&mut self) {
        self.owned = false;
        for n in &mut self.nodes {
            n.process.detach();
        }
    }

    /// Stops every process of the network: all asked at once (SIGTERM), each killed after the
    /// grace period. Afterwards no process of it is left (also for an attached network).
    pub fn stop(&mut self) {
        for n in &self.nodes {
            n.process.begin_stop();
        }
        let deadline = Instant::now() + STOP_GRACE;
        for n in &mut self.nodes {
            n.process.finish_stop(deadline);
        }
    }

    /// The pids of the running processes (for leftover checks).
    pub fn pids(&self) -> Vec<u32> {
        self.nodes.iter().filter_map(NetworkNode::pid).collect()
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        if self.owned {
            self.stop();
        } else {
            // Kept or attached: nodes restarted through this handle keep running too.
            self.detach();
        }
    }
}
