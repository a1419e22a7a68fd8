//! Spawning `atoll-relay` and `atoll-collator` as processes on loopback: the multi-process
//! tests, the load generator and the network benchmark use it. Every child is killed when its
//! [`NodeProcess`] is dropped, so a failing test leaves nothing behind.

// A test harness over real processes reads the clock for its deadlines.
#![allow(clippy::disallowed_methods)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// A failure of the harness (not of the node under test).
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// A binary is missing and could not be built.
    #[error("binary {name}: {reason}")]
    Binary {
        /// Its name.
        name: String,
        /// Why.
        reason: String,
    },
    /// Spawning or talking to a process failed.
    #[error("{0}")]
    Io(String),
    /// A JSON-RPC call failed.
    #[error("rpc {method} on {addr}: {reason}")]
    Rpc {
        /// The method.
        method: String,
        /// The node's address.
        addr: SocketAddr,
        /// Why.
        reason: String,
    },
    /// A wait timed out.
    #[error("timed out after {secs} s waiting for {what}")]
    Timeout {
        /// What.
        what: String,
        /// How long.
        secs: u64,
    },
}

/// The path of a workspace binary: next to the running test or bench executable
/// (`target/<profile>/`), built with the same profile through cargo if it is missing.
pub fn binary_path(package: &str, name: &str) -> Result<PathBuf, HarnessError> {
    let err = |reason: String| HarnessError::Binary { name: name.to_string(), reason };
    let exe = std::env::current_exe().map_err(|e| err(e.to_string()))?;
    let mut dir = exe.parent().map(Path::to_path_buf).ok_or_else(|| err("no exe dir".into()))?;
    if dir.ends_with("deps") {
        dir.pop();
    }
    let path = dir.join(name);
    if path.exists() {
        return Ok(path);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "-p", package, "--bin", name]);
    if dir.ends_with("release") {
        cmd.arg("--release");
    }
    if let Some(target) = dir.parent() {
        cmd.env("CARGO_TARGET_DIR", target);
    }
    let status = cmd.status().map_err(|e| err(format!("cannot run cargo: {e}")))?;
    if !status.success() || !path.exists() {
        return Err(err(format!("`cargo build -p {package} --bin {name}` failed")));
    }
    Ok(path)
}

/// A free TCP port on loopback for a node to listen on. Ports come from 20000–31999, below
/// Linux's ephemeral range (32768–60999), so that no outgoing connection of an already running
/// node can take one between this check and the node's bind; a process-wide counter never
/// hands out the same port twice.
pub fn free_port() -> Result<u16, HarnessError> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    const FIRST: u32 = 20_000;
    const SPAN: u32 = 12_000;
    // Different processes start at different places in the range.
    let start = (std::process::id() % 240) * 50;
    for _ in 0..SPAN {
        let offset = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = (FIRST + (start + offset) % SPAN) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    Err(HarnessError::Io("no free port in 20000–31999".into()))
}

/// A deterministic libp2p node key for test node `i` (hex of 32 bytes) and its peer id.
pub fn test_node_key(i: u8) -> (String, String) {
    let mut secret = [0u8; 32];
    secret[0] = 0xa7;
    secret[31] = i.wrapping_add(1);
    let hex_key = hex::encode(secret);
    let peer = atoll_network::Keypair::ed25519_from_bytes(secret)
        .map(|k| k.public().to_peer_id().to_string())
        .unwrap_or_default();
    (hex_key, peer)
}

/// One node process.
pub struct NodeProcess {
    /// A name for messages.
    pub name: String,
    binary: PathBuf,
    args: Vec<String>,
    /// Its log file.
    pub log_path: PathBuf,
    /// Its JSON-RPC address.
    pub rpc: SocketAddr,
    /// Its Prometheus address.
    pub metrics: Option<SocketAddr>,
    child: Option<Child>,
}

impl NodeProcess {
    /// Starts `binary args...`, logging to `log_path`.
    pub fn spawn(
        name: &str,
        binary: &Path,
        args: Vec<String>,
        log_path: PathBuf,
        rpc: SocketAddr,
        metrics: Option<SocketAddr>,
    ) -> Result<NodeProcess, HarnessError> {
        let mut p = NodeProcess {
            name: name.to_string(),
            binary: binary.to_path_buf(),
            args,
            log_path,
            rpc,
            metrics,
            child: None,
        };
        p.start()?;
        Ok(p)
    }

    /// (Re)starts the process with its arguments, appending to its log.
    pub fn start(&mut self) -> Result<(), HarnessError> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .map_err(|e| HarnessError::Io(format!("{}: {e}", self.log_path.display())))?;
        let err_log = log.try_clone().map_err(|e| HarnessError::Io(e.to_string()))?;
        let child = Command::new(&self.binary)
            .args(&self.args)
            .env("RUST_LOG_STYLE", "never")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err_log)
            .spawn()
            .map_err(|e| HarnessError::Io(format!("spawn {}: {e}", self.binary.display())))?;
        self.child = Some(child);
        Ok(())
    }

    /// `kill -9`: no chance to flush or clean up.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Whether the process is running.
    pub fn is_running(&mut self) -> bool {
        match &mut self.child {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Waits for the process to exit by itself; returns its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(c) = &mut self.child {
                if let Ok(Some(status)) = c.try_wait() {
                    self.child = None;
                    return Some(status.code().unwrap_or(-1));
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// The log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// The last `n` lines of the log.
    pub fn log_tail(&self, n: usize) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// A JSON-RPC call over HTTP.
    pub fn rpc(&self, method: &str, params: Value) -> Result<Value, HarnessError> {
        rpc_call(self.rpc, method, params)
    }

    /// Its metrics text.
    pub fn metrics_text(&self) -> Result<String, HarnessError> {
        let addr = self.metrics.ok_or_else(|| HarnessError::Io("no metrics address".into()))?;
        http_get(addr, "/metrics").map(|(_, body)| body)
    }

    /// The process id, if running.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}

fn http_exchange(addr: SocketAddr, request: &str) -> Result<(u16, String), String> {
    let mut s =
        TcpStream::connect_timeout(&addr, Duration::from_secs(2)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(20))).map_err(|e| e.to_string())?;
    s.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(s);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).map_err(|e| e.to_string())?;
    let status: u16 =
        status_line.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let mut length = None;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).map_err(|e| e.to_string())?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let lower = l.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse::<usize>().ok();
        }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).map_err(|e| e.to_string())?;
            let n = usize::from_str_radix(size.trim(), 16).map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            let mut chunk = vec![0u8; n + 2];
            reader.read_exact(&mut chunk).map_err(|e| e.to_string())?;
            body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        reader.read_exact(&mut body).map_err(|e| e.to_string())?;
    } else {
        reader.read_to_end(&mut body).map_err(|e| e.to_string())?;
    }
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// `GET path` over HTTP/1.1: (status, body).
pub fn http_get(addr: SocketAddr, path: &str) -> Result<(u16, String), HarnessError> {
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    http_exchange(addr, &req)
        .map_err(|reason| HarnessError::Io(format!("GET {path} on {addr}: {reason}")))
}

/// POSTs a JSON body to the node's RPC port and parses the answer.
fn post_json(addr: SocketAddr, method: &str, body: &Value) -> Result<Value, HarnessError> {
    let body = body.to_string();
    let req = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let err = |reason: String| HarnessError::Rpc { method: method.into(), addr, reason };
    let (_, text) = http_exchange(addr, &req).map_err(err)?;
    serde_json::from_str(&text).map_err(|e| err(format!("{e}: {text}")))
}

/// A JSON-RPC call over HTTP: the `result`, or the error object as an error.
pub fn rpc_call(addr: SocketAddr, method: &str, params: Value) -> Result<Value, HarnessError> {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let v = post_json(addr, method, &body)?;
    let err = |reason: String| HarnessError::Rpc { method: method.into(), addr, reason };
    if let Some(e) = v.get("error") {
        return Err(err(e.to_string()));
    }
    Ok(v.get("result").cloned().unwrap_or(Value::Null))
}

/// A JSON-RPC batch over HTTP: one `method` call per entry of `params`; returns each call's
/// result or error text, in order.
pub fn rpc_batch(
    addr: SocketAddr,
    method: &str,
    params: Vec<Value>,
) -> Result<Vec<Result<Value, String>>, HarnessError> {
    let calls: Vec<Value> = params
        .into_iter()
        .enumerate()
        .map(|(i, p)| json!({"jsonrpc": "2.0", "id": i, "method": method, "params": p}))
        .collect();
    let n = calls.len();
    let v = post_json(addr, method, &Value::Array(calls))?;
    let err = |reason: String| HarnessError::Rpc { method: method.into(), addr, reason };
    let answers = v.as_array().ok_or_else(|| err(format!("not a batch answer: {v}")))?;
    let mut out: Vec<Result<Value, String>> = vec![Err("no answer".into()); n];
    for a in answers {
        let Some(i) = a.get("id").and_then(Value::as_u64).map(|i| i as usize) else { continue };
        if i < n {
            out[i] = match a.get("error") {
                Some(e) => Err(e.to_string()),
                None => Ok(a.get("result").cloned().unwrap_or(Value::Null)),
            };
        }
    }
    Ok(out)
}

/// A SCALE value from a node's state (`state_getStorage`) at block `at` (its best block when
/// `None`); the type's default when the key is absent.
pub fn storage_value<T: parity_scale_codec::Decode + Default>(
    addr: SocketAddr,
    key: &[u8],
    at: Option<&str>,
) -> Result<T, HarnessError> {
    let key = format!("0x{}", hex::encode(key));
    let params = match at {
        Some(h) => json!([key, h]),
        None => json!([key]),
    };
    let v = rpc_call(addr, "state_getStorage", params)?;
    let Some(text) = v.as_str() else { return Ok(T::default()) };
    let bytes =
        hex::decode(text.trim_start_matches("0x")).map_err(|e| HarnessError::Io(e.to_string()))?;
    T::decode(&mut &bytes[..])
        .map_err(|e| HarnessError::Io(format!("undecodable storage value {key}: {e}")))
}

/// Polls `check` every 200 ms until it gives `Some`, or fails after `timeout`.
pub fn wait_for<T>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> Option<T>,
) -> Result<T, HarnessError> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check() {
            return Ok(v);
        }
        if Instant::now() >= deadline {
            return Err(HarnessError::Timeout { what: what.into(), secs: timeout.as_secs() });
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A header JSON's number.
pub fn header_number(header: &Value) -> Option<u64> {
    let n = header.get("number")?.as_str()?;
    u64::from_str_radix(n.trim_start_matches("0x"), 16).ok()
}

/// The finalized height a node reports over RPC.
pub fn finalized_number(node: &NodeProcess) -> Option<u64> {
    let hash = node.rpc("chain_getFinalizedHead", json!([])).ok()?;
    let header = node.rpc("chain_getHeader", json!([hash])).ok()?;
    header_number(&header)
}

/// The best height a node reports over RPC.
pub fn best_number(node: &NodeProcess) -> Option<u64> {
    header_number(&node.rpc("chain_getHeader", json!([])).ok()?)
}

/// The shape of a local test network.
#[derive(Clone, Debug)]
pub struct NetworkSpec {
    /// Validators (dev accounts Alice, Bob, Charlie, Dave, Eve, Ferdie, in order).
    pub validators: usize,
    /// Token-chain paras (ids 2000, 2001, ...), one collator each.
    pub paras: usize,
    /// Relay slot, ms.
    pub slot_ms: u64,
    /// Session length, slots.
    pub session_length: u32,
    /// Extra flags for every collator (before the `--`).
    pub collator_args: Vec<String>,
}

impl NetworkSpec {
    /// `validators` validators and `paras` paras with 2 s slots.
    pub fn new(validators: usize, paras: usize) -> Self {
        NetworkSpec {
            validators,
            paras,
            slot_ms: 2_000,
            session_length: 50,
            collator_args: Vec::new(),
        }
    }
}

/// The dev accounts that validate test networks, in order.
pub const VALIDATOR_NAMES: [&str; 6] = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"];

/// Para id of test para `i`.
pub fn para_id(i: usize) -> u32 {
    2_000 + i as u32
}

/// A local network of processes: validators then collators. Dropping it kills them all.
pub struct LocalNetwork {
    /// Its directory (specs, data, logs).
    pub dir: PathBuf,
    /// The relay chain spec file.
    pub spec_path: PathBuf,
    /// Validator processes.
    pub validators: Vec<NodeProcess>,
    /// Collator processes (para RPC in `rpc`).
    pub collators: Vec<NodeProcess>,
    /// Bootnode address of validator 0.
    pub bootnode: String,
}

fn run_capture(binary: &Path, args: &[&str]) -> Result<String, HarnessError> {
    let out = Command::new(binary)
        .args(args)
        .output()
        .map_err(|e| HarnessError::Io(format!("{}: {e}", binary.display())))?;
    if !out.status.success() {
        return Err(HarnessError::Io(format!(
            "{} {}: {}",
            binary.display(),
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Writes the relay chain spec of `spec` (validators, timings, the paras' genesis from the
/// collator binary) into `dir`.
pub fn write_relay_spec(
    spec: &NetworkSpec,
    dir: &Path,
    collator_bin: &Path,
) -> Result<PathBuf, HarnessError> {
    use atoll_relay_chain::{GenesisPara, HostConfiguration, SpecGenesis};
    let mut chain = atoll_relay_chain::preset("local")
        .ok_or_else(|| HarnessError::Io("no local preset".into()))?;
    chain.name = "Atoll Test Network".into();
    chain.id = "atoll_testnet".into();
    let names: Vec<&str> = VALIDATOR_NAMES.iter().take(spec.validators).copied().collect();
    let SpecGenesis::Human { genesis, .. } = &mut chain.genesis else {
        return Err(HarnessError::Io("the local preset is not human".into()));
    };
    genesis.validators = atoll_relay_chain::chain_spec::testnet_genesis(&names).validators;
    let base = HostConfiguration::test_network().sized_for(spec.validators as u32);
    genesis.config = HostConfiguration {
        slot_duration_ms: spec.slot_ms,
        session_length: spec.session_length,
        tranche_duration_ms: (spec.slot_ms / 4).min(500),
        ..base
    };
    for i in 0..spec.paras {
        let chain_arg = format!("token-{}", para_id(i));
        let head = run_capture(collator_bin, &["export-genesis-head", "--chain", &chain_arg])?;
        let code = run_capture(collator_bin, &["export-genesis-wasm", "--chain", &chain_arg])?;
        let decode = |h: &str| {
            hex::decode(h.trim_start_matches("0x")).map_err(|e| HarnessError::Io(e.to_string()))
        };
        genesis.paras.push(GenesisPara {
            id: atoll_primitives::ParaId(para_id(i)),
            head: atoll_primitives::HeadData(decode(&head)?),
            code: atoll_primitives::ValidationCode(decode(&code)?),
        });
    }
    let json = chain.to_json_human().map_err(|e| HarnessError::Io(e.to_string()))?;
    let path = dir.join("relay-spec.json");
    std::fs::write(&path, json).map_err(|e| HarnessError::Io(e.to_string()))?;
    Ok(path)
}

impl LocalNetwork {
    /// Writes the specs and starts every process (it does not wait for readiness).
    pub fn start(spec: &NetworkSpec, dir: &Path) -> Result<LocalNetwork, HarnessError> {
        let relay_bin = binary_path("atoll-relay", "atoll-relay")?;
        let collator_bin = binary_path("atoll-collator", "atoll-collator")?;
        std::fs::create_dir_all(dir).map_err(|e| HarnessError::Io(e.to_string()))?;
        let spec_path = write_relay_spec(spec, dir, &collator_bin)?;
        let spec_arg = spec_path.display().to_string();
        let mut bootnode = String::new();
        let mut validators = Vec::new();
        for (i, name) in VALIDATOR_NAMES.iter().enumerate().take(spec.validators) {
            let (key, peer) = test_node_key(i as u8);
            let p2p = free_port()?;
            let rpc = free_port()?;
            let prom = free_port()?;
            if i == 0 {
                bootnode = format!("/ip4/127.0.0.1/tcp/{p2p}/p2p/{peer}");
            }
            let mut args = vec![
                "--chain".into(),
                spec_arg.clone(),
                format!("--{}", name.to_lowercase()),
                "--base-path".into(),
                dir.join(format!("validator-{i}")).display().to_string(),
                "--listen-addr".into(),
                format!("/ip4/127.0.0.1/tcp/{p2p}"),
                "--rpc-port".into(),
                rpc.to_string(),
                "--prometheus-port".into(),
                prom.to_string(),
                "--node-key".into(),
                key,
            ];
            if i > 0 {
                args.extend(["--bootnodes".into(), bootnode.clone()]);
            }
            validators.push(NodeProcess::spawn(
                name,
                &relay_bin,
                args,
                dir.join(format!("validator-{i}.log")),
                SocketAddr::from(([127, 0, 0, 1], rpc)),
                Some(SocketAddr::from(([127, 0, 0, 1], prom))),
            )?);
        }
        let mut collators = Vec::new();
        for i in 0..spec.paras {
            let (key, _) = test_node_key(100 + i as u8);
            let (rpc, prom, relay_p2p, relay_rpc) =
                (free_port()?, free_port()?, free_port()?, free_port()?);
            let args: Vec<String> = vec![
                "--chain".into(),
                format!("token-{}", para_id(i)),
                "--collator".into(),
                "--name".into(),
                format!("collator-{}", para_id(i)),
                "--base-path".into(),
                dir.join(format!("collator-{i}")).display().to_string(),
                "--rpc-port".into(),
                rpc.to_string(),
                "--prometheus-port".into(),
                prom.to_string(),
            ];
            let mut args = args;
            args.extend(spec.collator_args.iter().cloned());
            args.extend([
                "--".into(),
                "--chain".into(),
                spec_arg.clone(),
                "--listen-addr".into(),
                format!("/ip4/127.0.0.1/tcp/{relay_p2p}"),
                "--rpc-port".into(),
                relay_rpc.to_string(),
                "--no-prometheus".into(),
                "--node-key".into(),
                key,
                "--bootnodes".into(),
                bootnode.clone(),
            ]);
            collators.push(NodeProcess::spawn(
                &format!("collator-{}", para_id(i)),
                &collator_bin,
                args,
                dir.join(format!("collator-{i}.log")),
                SocketAddr::from(([127, 0, 0, 1], rpc)),
                Some(SocketAddr::from(([127, 0, 0, 1], prom))),
            )?);
        }
        Ok(LocalNetwork { dir: dir.to_path_buf(), spec_path, validators, collators, bootnode })
    }

    /// Every node process, validators first.
    pub fn all(&self) -> impl Iterator<Item = &NodeProcess> {
        self.validators.iter().chain(&self.collators)
    }

    /// The last lines of every node's log (for failure messages).
    pub fn log_tails(&self, n: usize) -> String {
        self.validators
            .iter()
            .chain(&self.collators)
            .map(|p| format!("==== {} ({})\n{}", p.name, p.log_path.display(), p.log_tail(n)))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// CPU time (user + system) a process has used, seconds (Linux `/proc`; `None` elsewhere).
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces, inside parentheses).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // Linux reports clock ticks of 1/100 s (USER_HZ) on every common architecture.
    Some((utime + stime) / 100.0)
}

/// The value of the first sample named exactly `name` (any labels) in a Prometheus text, or 0.
pub fn metric_value(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| l.strip_prefix(name).is_some_and(|r| r.starts_with('{') || r.starts_with(' ')))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}
