//! Staged readiness: a network is ready in steps, each with its own timeout, and a failure
//! names the stage, the node, what was observed and the node's last log lines.
//!
//! ## Rules (numbered; the code cites them)
//!
//! 1. `process_up`: every process is still alive half a second after the last one started.
//! 2. `rpc`: every node answers `system_name`.
//! 3. `blocks`: every relay node's best block is above genesis.
//! 4. `finality`: every relay node's finalized block is above genesis.
//! 5. `para_heads`: every para registered in genesis has a head above its genesis head
//!    recorded on the relay chain, and every one of its collators has finalized a para block.
//! 6. Each stage has `settings.readiness.<stage>` to pass, counted from the end of the one
//!    before, and the whole spawn `settings.timeout`; during every stage a process that exits
//!    fails the stage at once with its exit code.

// Readiness polls real processes against deadlines.
#![allow(clippy::disallowed_methods)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::config::{NetworkConfig, Stage};
use crate::network::{Network, NetworkNode};
use crate::progress::Progress;
use crate::spawn::SpawnError;

/// Log lines shown with a failure.
pub const TAIL_LINES: usize = 20;
/// Time between polls.
const POLL: Duration = Duration::from_millis(150);

/// A node still pending in a stage, and what was last seen of it.
type Pending = Vec<(usize, String)>;

/// Runs the stages up to and including `up_to` (rules 1–6).
pub fn wait(
    network: &mut Network,
    config: &NetworkConfig,
    up_to: Stage,
    spawn_deadline: Instant,
    progress: &mut Progress,
    stop: Option<&AtomicBool>,
) -> Result<(), SpawnError> {
    let para_ids: Vec<_> =
        config.parachains.iter().filter(|p| p.add_to_genesis).map(|p| p.id).collect();
    for stage in Stage::ALL.into_iter().filter(|s| *s <= up_to) {
        let started = Instant::now();
        let deadline = (started + config.settings.readiness.timeout(stage)).min(spawn_deadline);
        progress.begin(stage.describe());
        let total = applicable(network, stage).len();
        let mut settle_until = None;
        loop {
            if stop.is_some_and(|s| s.load(Ordering::SeqCst)) {
                progress.failed(started.elapsed());
                return Err(SpawnError::Interrupted);
            }
            // Rule 6: a process that exits fails the stage at once.
            if let Some(e) = exited(network, stage) {
                progress.failed(started.elapsed());
                return Err(e);
            }
            let pending = check(network, stage, &para_ids);
            progress.update(total - pending.len().min(total), total, "");
            if pending.is_empty() {
                // Rule 1: alive for a while, not only at the first look.
                if stage == Stage::ProcessUp {
                    let until =
                        *settle_until.get_or_insert(Instant::now() + Duration::from_millis(500));
                    if Instant::now() < until {
                        std::thread::sleep(POLL);
                        continue;
                    }
                }
                progress.done(started.elapsed(), &format!("{total}/{total}"));
                network.timings.push((stage.key().to_string(), started.elapsed()));
                break;
            }
            if Instant::now() >= deadline {
                progress.failed(started.elapsed());
                let (i, seen) = &pending[0];
                let which =
                    if deadline == spawn_deadline { "settings.timeout" } else { stage.key() };
                let reason = format!(
                    "not done after {:.1} s ({which}); observed: {seen}",
                    started.elapsed().as_secs_f64()
                );
                return Err(stage_error(network, *i, stage, reason));
            }
            std::thread::sleep(POLL);
        }
    }
    Ok(())
}

/// The nodes a stage looks at.
fn applicable(network: &Network, stage: Stage) -> Vec<usize> {
    (0..network.nodes().len())
        .filter(|&i| match stage {
            Stage::ProcessUp | Stage::RpcAnswering => true,
            Stage::BlocksImporting | Stage::FinalityAdvancing => {
                network.nodes()[i].role().is_relay()
            }
            Stage::ParaHeadsAdvancing => !network.nodes()[i].role().is_relay(),
        })
        .collect()
}

fn stage_error(network: &Network, i: usize, stage: Stage, reason: String) -> SpawnError {
    let node: Option<&NetworkNode> = network.node_at(i);
    SpawnError::Stage {
        stage: stage.key(),
        node: node.map(|n| n.name().to_string()).unwrap_or_default(),
        reason,
        log: node.map(|n| n.log_path().to_path_buf()).unwrap_or_default(),
        tail: node.map(|n| n.log_tail(TAIL_LINES)).unwrap_or_default(),
    }
}

/// Rule 6: the first node whose process has exited.
fn exited(network: &mut Network, stage: Stage) -> Option<SpawnError> {
    for i in 0..network.nodes().len() {
        let node = network.node_at_mut(i)?;
        if !node.is_running() {
            let code = node.exit_code();
            let reason = match code {
                Some(c) if c < 0 => format!("the process was killed by signal {}", -c),
                Some(c) => format!("the process exited with code {c}"),
                None => "the process is not running".into(),
            };
            return Some(stage_error(network, i, stage, reason));
        }
    }
    None
}

/// The nodes that have not passed `stage` yet, with what was seen.
fn check(network: &Network, stage: Stage, paras: &[atoll_primitives::ParaId]) -> Pending {
    let nodes = network.nodes();
    let mut pending = Pending::new();
    match stage {
        // Rule 1 (liveness is checked by `exited`).
        Stage::ProcessUp => {}
        // Rule 2.
        Stage::RpcAnswering => {
            for (i, n) in nodes.iter().enumerate() {
                if let Err(e) = n.rpc("system_name", serde_json::json!([])) {
                    pending.push((i, format!("RPC at {} not answering: {e}", n.ws_uri())));
                }
            }
        }
        // Rules 3 and 4.
        Stage::BlocksImporting | Stage::FinalityAdvancing => {
            let finalized = stage == Stage::FinalityAdvancing;
            for (i, n) in nodes.iter().enumerate().filter(|(_, n)| n.role().is_relay()) {
                let h = if finalized { n.finalized_height() } else { n.best_height() };
                let what = if finalized { "finalized" } else { "best" };
                match h {
                    Ok(h) if h >= 1 => {}
                    Ok(h) => pending.push((i, format!("{what} block #{h}"))),
                    Err(e) => pending.push((i, e.to_string())),
                }
            }
        }
        // Rule 5.
        Stage::ParaHeadsAdvancing => {
            let relay = nodes.iter().find(|n| n.role().is_relay());
            let heads = relay.and_then(|r| r.para_heads().ok()).unwrap_or_default();
            for para in paras {
                let head = heads.iter().find(|(id, _)| id == para).and_then(|(_, n)| *n);
                for (i, c) in nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| n.role() == crate::network::Role::Collator { para: para.0 })
                {
                    let fin = c.finalized_height();
                    if head.unwrap_or(0) >= 1 && fin.as_ref().is_ok_and(|f| *f >= 1) {
                        continue;
                    }
                    let head = head.map(|h| format!("#{h}")).unwrap_or_else(|| "none".into());
                    let fin = match fin {
                        Ok(f) => format!("#{f}"),
                        Err(e) => e.to_string(),
                    };
                    pending.push((
                        i,
                        format!(
                            "para {}: head recorded on the relay chain {head}, collator finalized {fin}",
                            para.0
                        ),
                    ));
                }
            }
        }
    }
    pending
}
