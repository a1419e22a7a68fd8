//! Runs a parsed `.zndsl` test against a network, step by step. An assertion is checked until
//! it holds or its `within` time passes (10 s without one, as zombienet); the first failure
//! ends the test and names the line, what was expected and what was last observed.

// The runner polls real processes against deadlines.
#![allow(clippy::disallowed_methods)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use atoll_primitives::crypto::Pair;
use atoll_primitives::{ParaId, Sr25519Public};
use parity_scale_codec::Decode;
use serde_json::json;

use crate::dsl::metrics::Selector;
use crate::dsl::{pattern, Assertion, HeightKind, NodeCommand, Step, StepKind, TestFile};
use crate::network::{Network, NetworkNode, Role};

/// An assertion's time limit when the line gives none.
pub const DEFAULT_WITHIN: Duration = Duration::from_secs(10);
/// Time between checks of an assertion.
const POLL: Duration = Duration::from_millis(200);

/// How to run.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Print each step's outcome on stdout as it finishes.
    pub print: bool,
    /// Set (by Ctrl-C) to stop the test.
    pub stop: Option<Arc<AtomicBool>>,
}

/// What one step did.
#[derive(Clone, Debug, PartialEq)]
pub struct StepOutcome {
    /// Its line.
    pub line: usize,
    /// Its text.
    pub text: String,
    /// Whether it passed.
    pub passed: bool,
    /// What was observed (the value that passed, or the last one seen before failing).
    pub detail: String,
    /// How long it took.
    pub elapsed: Duration,
}

/// The outcome of a test.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TestReport {
    /// Every step run, in order (the last one failed if the test failed).
    pub steps: Vec<StepOutcome>,
    /// Steps not run after a failure.
    pub skipped: usize,
}

impl TestReport {
    /// Whether every step passed.
    pub fn passed(&self) -> bool {
        self.steps.iter().all(|s| s.passed) && self.skipped == 0
    }

    /// The failed step.
    pub fn failure(&self) -> Option<&StepOutcome> {
        self.steps.iter().find(|s| !s.passed)
    }
}

/// Runs every step of `test` on `network`.
pub fn run(network: &mut Network, test: &TestFile, opts: &RunOptions) -> TestReport {
    let mut report = TestReport::default();
    for (i, step) in test.steps.iter().enumerate() {
        let started = Instant::now();
        let result = run_step(network, step, opts.stop.as_deref());
        let outcome = StepOutcome {
            line: step.line,
            text: step.text.clone(),
            passed: result.is_ok(),
            detail: match result {
                Ok(d) | Err(d) => d,
            },
            elapsed: started.elapsed(),
        };
        if opts.print {
            use std::io::Write as _;
            // A closed stdout must not stop the test.
            let _ = writeln!(std::io::stdout(), "{}", describe(&outcome));
        }
        let failed = !outcome.passed;
        report.steps.push(outcome);
        if failed {
            report.skipped = test.steps.len() - i - 1;
            break;
        }
    }
    report
}

/// One outcome as a line: `ok   line 4: alice: is up (0.1 s)` or `FAIL line 6: ...`.
pub fn describe(o: &StepOutcome) -> String {
    let mark = if o.passed { "ok  " } else { "FAIL" };
    let mut s = format!("{mark} line {}: {} ({:.1} s)", o.line, o.text, o.elapsed.as_secs_f64());
    if !o.passed {
        s.push_str(&format!("\n     observed: {}", o.detail));
    }
    s
}

fn run_step(
    network: &mut Network,
    step: &Step,
    stop: Option<&AtomicBool>,
) -> Result<String, String> {
    match &step.kind {
        StepKind::Sleep(d) => {
            sleep_unless_stopped(*d, stop)?;
            Ok(format!("slept {:.1} s", d.as_secs_f64()))
        }
        StepKind::Command { node, command } => {
            let targets = network.select(node).map_err(|e| e.to_string())?;
            let mut notes = Vec::new();
            for i in targets {
                notes.push(run_command(network, i, command)?);
            }
            Ok(notes.join("; "))
        }
        StepKind::Assert { node, assertion, within } => {
            let targets = network.select(node).map_err(|e| e.to_string())?;
            let within = within.unwrap_or(DEFAULT_WITHIN);
            let deadline = Instant::now() + within;
            let mut notes = Vec::new();
            for i in targets {
                notes.push(poll(network, i, assertion, deadline, stop)?);
            }
            Ok(notes.join("; "))
        }
    }
}

fn sleep_unless_stopped(d: Duration, stop: Option<&AtomicBool>) -> Result<(), String> {
    let end = Instant::now() + d;
    while Instant::now() < end {
        if stop.is_some_and(|s| s.load(Ordering::SeqCst)) {
            return Err("interrupted".into());
        }
        std::thread::sleep(POLL.min(end.saturating_duration_since(Instant::now())));
    }
    Ok(())
}

/// Checks `assertion` on node `i` until it holds or `deadline` passes.
fn poll(
    network: &mut Network,
    i: usize,
    assertion: &Assertion,
    deadline: Instant,
    stop: Option<&AtomicBool>,
) -> Result<String, String> {
    loop {
        let node = network.node_at_mut(i).ok_or("no such node")?;
        let name = node.name().to_string();
        match check(node, assertion) {
            Check::Holds(seen) => return Ok(format!("{name}: {seen}")),
            Check::Never(why) => return Err(format!("{name}: {why}")),
            Check::NotYet(seen) => {
                if Instant::now() >= deadline {
                    return Err(format!("{name}: {seen}"));
                }
            }
        }
        if stop.is_some_and(|s| s.load(Ordering::SeqCst)) {
            return Err("interrupted".into());
        }
        std::thread::sleep(POLL);
    }
}

/// One look at an assertion.
enum Check {
    /// It holds; what was seen.
    Holds(String),
    /// Not (yet); what was seen.
    NotYet(String),
    /// It can never hold on this node (wrong kind of node, bad pattern).
    Never(String),
}

fn compare(seen: Result<f64, String>, cmp: &crate::dsl::Comparison, what: &str) -> Check {
    match seen {
        Ok(v) if cmp.holds(v) => Check::Holds(format!("{what} = {v}")),
        Ok(v) => Check::NotYet(format!("{what} = {v}")),
        Err(e) => Check::NotYet(e),
    }
}

fn check(node: &mut NetworkNode, assertion: &Assertion) -> Check {
    match assertion {
        Assertion::IsUp => match node.rpc("system_name", json!([])) {
            Ok(v) => Check::Holds(format!("up ({v})")),
            Err(e) => Check::NotYet(e.to_string()),
        },
        Assertion::IsDown => {
            if node.is_running() {
                Check::NotYet("its process is running".into())
            } else {
                Check::Holds("its process is not running".into())
            }
        }
        Assertion::Height { kind, cmp } => {
            let (h, what) = match kind {
                HeightKind::Best => (node.best_height(), "best block"),
                HeightKind::Finalized => (node.finalized_height(), "finalized block"),
            };
            compare(h.map(|h| h as f64).map_err(|e| e.to_string()), cmp, what)
        }
        Assertion::ParaRegistered { para } => match node.para_heads() {
            Ok(heads) if heads.iter().any(|(id, _)| id.0 == *para) => {
                Check::Holds(format!("para {para} registered"))
            }
            Ok(heads) => Check::NotYet(format!(
                "registered paras: {:?}",
                heads.iter().map(|(id, _)| id.0).collect::<Vec<_>>()
            )),
            Err(e @ crate::network::NodeError::NotApplicable { .. }) => Check::Never(e.to_string()),
            Err(e) => Check::NotYet(e.to_string()),
        },
        Assertion::ParaHeight { para, cmp } => match node.para_height(ParaId(*para)) {
            Ok(Some(h)) => compare(Ok(h as f64), cmp, &format!("para {para} head")),
            Ok(None) => Check::NotYet(format!("para {para} has no recorded head")),
            Err(e @ crate::network::NodeError::NotApplicable { .. }) => Check::Never(e.to_string()),
            Err(e) => Check::NotYet(e.to_string()),
        },
        Assertion::Metric { metric, cmp } => {
            let seen = match Selector::parse(metric) {
                Err(e) => return Check::Never(e),
                Ok(sel) => node.metrics().map_err(|e| e.to_string()).and_then(|samples| {
                    sel.find(&samples).ok_or(format!("{metric} is not reported"))
                }),
            };
            compare(seen, cmp, metric)
        }
        Assertion::LogLine { pattern } => match pattern::compile(pattern) {
            Err(e) => Check::Never(e),
            Ok(re) => match node.count_log_lines(&re) {
                0 => Check::NotYet(format!("no line of {} matches", node.log_path().display())),
                n => Check::Holds(format!("{n} matching lines")),
            },
        },
        Assertion::LogCount { pattern, cmp } => match pattern::compile(pattern) {
            Err(e) => Check::Never(e),
            Ok(re) => compare(Ok(node.count_log_lines(&re) as f64), cmp, "matching lines"),
        },
        Assertion::Balance { account, cmp } => {
            let seen = account_key(account).and_then(|who| free_balance(node, &who));
            compare(seen.map(|b| b as f64), cmp, &format!("balance of {account}"))
        }
    }
}

fn run_command(network: &mut Network, i: usize, command: &NodeCommand) -> Result<String, String> {
    let node = network.node_at_mut(i).ok_or("no such node")?;
    let name = node.name().to_string();
    let note = match command {
        NodeCommand::Pause => node.pause().map(|_| "paused".to_string()),
        NodeCommand::Resume => node.resume().map(|_| "resumed".to_string()),
        NodeCommand::Kill => {
            node.kill();
            Ok("killed".to_string())
        }
        NodeCommand::Restart { after } => {
            node.restart(after.unwrap_or_default()).map(|_| "restarted".to_string())
        }
        NodeCommand::Transfer { amount, from, to } => {
            return transfer(node, *amount, from, to).map(|h| format!("{name}: submitted {h}"));
        }
    }
    .map_err(|e| e.to_string())?;
    if matches!(command, NodeCommand::Restart { .. } | NodeCommand::Kill) {
        // The pid changed: keep network.json true for `attach`.
        network.write_descriptor().map_err(|e| format!("network.json: {e}"))?;
    }
    Ok(format!("{name}: {note}"))
}

/// The public key of a secret URI (`//Bob`, `0x<seed>`) or an SS58 address.
fn account_key(account: &str) -> Result<Sr25519Public, String> {
    if account.starts_with("//") || account.starts_with("0x") {
        return Pair::from_uri(account).map(|p| p.public()).map_err(|e| format!("{account}: {e}"));
    }
    atoll_primitives::ss58::decode(account)
        .map(|(public, _)| public)
        .map_err(|e| format!("{account}: {e}"))
}

/// A SCALE value at the node's best block (its default when absent).
fn storage_value<T: Decode + Default>(node: &NetworkNode, key: Vec<u8>) -> Result<T, String> {
    atoll_relay::testnet::storage_value(node.rpc_addr(), &key, None).map_err(|e| e.to_string())
}

/// `who`'s free balance at the node's best block: the para's token on a collator, the relay
/// token on a relay node.
fn free_balance(node: &NetworkNode, who: &Sr25519Public) -> Result<u128, String> {
    let key = match node.role() {
        Role::Collator { .. } => token_chain::balances::FREE.storage_key(who),
        _ => atoll_relay_chain::queries::free_balance_key(who),
    };
    storage_value::<u128>(node, key)
}

/// Signs a transfer with the signer's nonce at the node's best block and submits it through
/// the node's RPC (a token-chain transfer on a collator, a relay transfer on a relay node);
/// returns its hash.
fn transfer(node: &NetworkNode, amount: u128, from: &str, to: &str) -> Result<String, String> {
    let signer = Pair::from_uri(from).map_err(|e| format!("{from}: {e}"))?;
    let dest = account_key(to)?;
    let xt = match node.role() {
        Role::Collator { para } => {
            let key = atoll_runtime_sdk::system::NONCE.storage_key(&signer.public());
            let nonce: u64 = storage_value(node, key)?;
            let call = token_chain::Call::Transfer { dest, amount };
            atoll_runtime_sdk::testing::sign_extrinsic(&signer, ParaId(para), nonce, call)
        }
        _ => {
            use atoll_relay_chain::extrinsic::{RelayCall, RelayExtrinsic, SignedTransaction};
            use parity_scale_codec::Encode;
            let key = atoll_relay_chain::queries::nonce_key(&signer.public());
            let nonce: u64 = storage_value(node, key)?;
            let genesis = relay_genesis_hash(node)?;
            let call = RelayCall::Transfer { dest, amount };
            RelayExtrinsic::Signed(SignedTransaction::new(&signer, genesis, nonce, call)).encode()
        }
    };
    let hash = node
        .rpc("author_submitExtrinsic", json!([format!("0x{}", hex::encode(xt))]))
        .map_err(|e| e.to_string())?;
    Ok(hash.as_str().unwrap_or_default().to_string())
}

/// The relay chain's genesis hash (what relay transactions are signed for).
fn relay_genesis_hash(node: &NetworkNode) -> Result<atoll_primitives::Hash, String> {
    let v = node.rpc("chain_getBlockHash", json!([0])).map_err(|e| e.to_string())?;
    let text = v.as_str().ok_or_else(|| format!("no genesis hash: {v}"))?;
    let bytes: [u8; 32] = hex::decode(text.trim_start_matches("0x"))
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| format!("bad genesis hash {text}"))?;
    Ok(atoll_primitives::Hash(bytes))
}
