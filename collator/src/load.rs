//! The load generator behind `atoll-collator load`: signs token transfers from the dev
//! accounts to a sink account, submits them to a collator's JSON-RPC in batches at a set rate,
//! and reports how many were accepted, included (the sink's balance at the para's best head)
//! and finalized (at its finalized head).
//!
//! ## Rules (numbered; the code cites them)
//!
//! 1. Senders are the six dev accounts in turn, each with its own nonce sequence starting at
//!    the nonce its account has at the para's best head; every transfer moves 1 unit to the
//!    sink (`//LoadSink`), so the sink's balance counts executed transfers exactly.
//! 2. Transfers are signed ahead of their submission time (signing is not what is measured)
//!    and submitted in JSON-RPC batches every `tick`, keeping the submitted count at
//!    `rate × elapsed`.
//! 3. A refused submission (pool full, duplicate) is counted, not retried; the sender's nonce
//!    goes back to it, so that its later transfers do not wait forever behind a gap.
//! 4. Back-pressure: no more than `max_in_flight` accepted transfers wait for execution (the
//!    pool never overflows; the rate is a ceiling, what the chain sustains is measured).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use atoll_primitives::crypto::{Pair, DEV_ACCOUNTS};
use atoll_primitives::ParaId;
use atoll_relay::testnet::{rpc_batch, rpc_call, storage_value, HarnessError};
use serde_json::{json, Value};

/// What to generate.
#[derive(Clone, Debug)]
pub struct LoadConfig {
    /// The collator's JSON-RPC address.
    pub rpc: SocketAddr,
    /// The para.
    pub para_id: ParaId,
    /// Transfers per second.
    pub rate: u32,
    /// How long to submit.
    pub duration: Duration,
    /// How often to submit a batch.
    pub tick: Duration,
    /// After the last submission, how long to wait for the accepted transfers to finalize.
    pub drain: Duration,
    /// Most accepted transfers not yet executed at the best head (rule 4).
    pub max_in_flight: u64,
}

/// What happened.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Transfers submitted.
    pub submitted: u64,
    /// Submissions the collator refused.
    pub refused: u64,
    /// Transfers executed at the para's best head (since the start).
    pub included: u64,
    /// Transfers executed at the para's finalized head (since the start).
    pub finalized: u64,
    /// Wall time of the submission phase, ms.
    pub elapsed_ms: u64,
}

/// The account every generated transfer pays.
pub fn sink() -> Pair {
    Pair::dev("LoadSink")
}

/// The sink's balance at the para's best and finalized heads: transfers executed so far.
pub fn executed(rpc: SocketAddr) -> Result<(u64, u64), HarnessError> {
    let key = token_chain::balances::FREE.storage_key(&sink().public());
    let best: u128 = storage_value(rpc, &key, None)?;
    let fin_hash = rpc_call(rpc, "chain_getFinalizedHead", json!([]))?;
    let fin: u128 = storage_value(rpc, &key, fin_hash.as_str())?;
    Ok((best as u64, fin as u64))
}

/// Rules 1–3: runs the load and reports.
pub fn run(
    config: &LoadConfig,
    mut progress: impl FnMut(&LoadReport),
) -> Result<LoadReport, HarnessError> {
    let senders: Vec<Pair> = DEV_ACCOUNTS.iter().map(|n| Pair::dev(n)).collect();
    // Rule 1.
    let mut nonces = Vec::new();
    for s in &senders {
        let key = atoll_runtime_sdk::system::NONCE.storage_key(&s.public());
        nonces.push(storage_value::<u64>(config.rpc, &key, None)?);
    }
    let (best0, fin0) = executed(config.rpc)?;
    let sink = sink().public();
    let mut report = LoadReport::default();
    // The shell's clock: this is a tool, not protocol code.
    #[allow(clippy::disallowed_methods)]
    let started = Instant::now();
    let mut next_sender = 0usize;
    let mut last_progress = Duration::ZERO;
    let mut last_poll = Duration::ZERO;
    let mut skipped = 0u64;
    loop {
        let elapsed = started.elapsed();
        if elapsed >= config.duration {
            break;
        }
        // Rule 2.
        let due = (config.rate as f64 * elapsed.as_secs_f64()) as u64;
        // Rule 4.
        let in_flight = (report.submitted - report.refused).saturating_sub(report.included);
        let room = config.max_in_flight.saturating_sub(in_flight);
        let n = due.saturating_sub(report.submitted + skipped).min(5_000).min(room);
        if n == 0 && room == 0 {
            // The chain is behind the rate: these transfers are not offered at all.
            skipped = due.saturating_sub(report.submitted);
        }
        if n > 0 {
            let mut params = Vec::with_capacity(n as usize);
            let mut signed = Vec::with_capacity(n as usize);
            for _ in 0..n {
                let i = next_sender;
                next_sender = (next_sender + 1) % senders.len();
                let call = token_chain::Call::Transfer { dest: sink, amount: 1 };
                let xt = atoll_runtime_sdk::testing::sign_extrinsic(
                    &senders[i],
                    config.para_id,
                    nonces[i],
                    call,
                );
                signed.push((i, nonces[i]));
                nonces[i] += 1;
                params.push(json!([format!("0x{}", hex::encode(&xt))]));
            }
            // Rule 3.
            for ((i, nonce), answer) in
                signed.into_iter().zip(rpc_batch(config.rpc, "author_submitExtrinsic", params)?)
            {
                report.submitted += 1;
                if answer.is_err() {
                    report.refused += 1;
                    nonces[i] = nonces[i].min(nonce);
                }
            }
        }
        if elapsed - last_poll >= Duration::from_millis(500) {
            last_poll = elapsed;
            let (best, fin) = executed(config.rpc)?;
            report.included = best.saturating_sub(best0);
            report.finalized = fin.saturating_sub(fin0);
            report.elapsed_ms = elapsed.as_millis() as u64;
        }
        if elapsed - last_progress >= Duration::from_secs(2) {
            last_progress = elapsed;
            progress(&report);
        }
        std::thread::sleep(config.tick);
    }
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    let accepted = report.submitted - report.refused;
    let drain_end = started.elapsed() + config.drain;
    loop {
        let (best, fin) = executed(config.rpc)?;
        report.included = best.saturating_sub(best0);
        report.finalized = fin.saturating_sub(fin0);
        if report.finalized >= accepted || started.elapsed() >= drain_end {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    Ok(report)
}

/// The report as one JSON object (for scripts and the benchmark).
pub fn report_json(r: &LoadReport) -> Value {
    json!({
        "submitted": r.submitted, "refused": r.refused, "included": r.included,
        "finalized": r.finalized, "elapsedMs": r.elapsed_ms,
    })
}
