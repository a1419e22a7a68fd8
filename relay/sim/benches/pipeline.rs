//! `cargo bench -p atoll-sim` (pipeline part): the whole parachain pipeline in the simulator
//! with 50 validators, 10 token-chain parachains and 200 relay blocks, every PVF execution run
//! for real in wasmtime. Prints a table and `BENCH` lines: the speed-up over real time, PVF
//! executions per included candidate, and the median finality lag of including blocks.

#![allow(clippy::disallowed_methods)] // A benchmark measures wall-clock time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::time::Instant;

use atoll_sim::para_net::{ParaNet, ParaNetConfig};
use atoll_sim::NodeId;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let validators = env_or("ATOLL_BENCH_VALIDATORS", 50) as usize;
    let paras = env_or("ATOLL_BENCH_PARAS", 10) as usize;
    let blocks = env_or("ATOLL_BENCH_BLOCKS", 200);
    let slot_ms = env_or("ATOLL_BENCH_SLOT_MS", 6_000);
    let mut config = ParaNetConfig::new(validators, paras, 42);
    config.slot_ms = slot_ms;
    config.session_length = 600;
    config.validators_per_group = 5;
    config.needed_approvals = env_or("ATOLL_BENCH_NEEDED_APPROVALS", 5) as u32;
    // One tranche-0 sample per validator: about n / cores = 5 first checkers per candidate,
    // the number needed (Polkadot's proportion: ~30 needed of ~300 validators on ~60 cores).
    config.relay_vrf_modulo_samples = env_or("ATOLL_BENCH_VRF_SAMPLES", 1) as u32;

    let started = Instant::now();
    let mut net = ParaNet::new(&config);
    let setup = started.elapsed().as_secs_f64();
    let started = Instant::now();
    net.run_slots(blocks);
    let wall = started.elapsed().as_secs_f64();
    let virtual_s = (blocks * slot_ms) as f64 / 1_000.0;
    let id = NodeId(0);
    let (best, fin) = net.heads(id).unwrap();
    let included = net.included_candidates(id).len();
    let per_candidate = net.executions_per_candidate(id);
    let mut lags = net.finality_lags(id);
    lags.sort_unstable();
    let median_lag = lags.get(lags.len() / 2).copied().unwrap_or(u32::MAX);
    let (mut backing, mut approval) = (0usize, 0usize);
    for (_, _, r) in net.reports() {
        if let atoll_sim::para_node::ParaReport::Executed { kind, .. } = r {
            match kind {
                atoll_parachain_host::ExecutionKind::Backing => backing += 1,
                atoll_parachain_host::ExecutionKind::Approval => approval += 1,
            }
        }
    }
    let violations = net.check_invariants();
    let (delivered, dropped) = net.sim().message_counts();

    println!(
        "pipeline simulator: {validators} validators, {paras} paras, {blocks} slots of {slot_ms} ms"
    );
    println!("{:<40} {:>12.2}", "set-up (genesis in Wasm) (s)", setup);
    println!("{:<40} {:>12}", "virtual time (s)", virtual_s);
    println!("{:<40} {:>12.2}", "wall time (s)", wall);
    println!("{:<40} {:>12.1}", "speed-up (virtual s / wall s)", virtual_s / wall);
    println!("{:<40} {:>12}", "best block", best.1 .0);
    println!("{:<40} {:>12}", "finalized block", fin.1 .0);
    println!("{:<40} {:>12}", "candidates included", included);
    println!("{:<40} {:>12.2}", "PVF executions per candidate", per_candidate);
    println!("{:<40} {:>12}", "  of which backing", backing);
    println!("{:<40} {:>12}", "  of which approval checks", approval);
    println!("{:<40} {:>12}", "median finality lag (blocks)", median_lag);
    println!("{:<40} {:>12}", "messages delivered", delivered);
    println!("{:<40} {:>12}", "messages dropped", dropped);
    println!("{:<40} {:>12}", "invariant violations", violations.len());
    for v in violations.iter().take(5) {
        println!("  violation: {v}");
    }
    println!("BENCH sim.pipeline_50v10p_speedup {:.1} ratio", virtual_s / wall);
    println!("BENCH sim.pvf_executions_per_candidate {per_candidate:.2} count");
    println!("BENCH sim.finality_lag_blocks {median_lag} blocks");
}
