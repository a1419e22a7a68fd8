//! `cargo bench -p atoll-relay`: sustained finalized transfers per second of one para on a real
//! network on this machine — 4 `atoll-relay` validators and 1 `atoll-collator`, as processes on
//! loopback with 2 s slots — under the load generator (`atoll-collator load`), and the CPU all
//! node processes spend per transfer.
//!
//! The bound: this machine's cores divided by the per-transfer execution cost — one collator
//! build plus every re-execution (backers and approval checkers). Each is measured in the same
//! run, alone on the idle machine before the network starts (`atoll-collator demo`: building
//! and validating blocks of 6,000 transfers), and the number of re-executions per candidate is
//! counted from the validators' Prometheus metrics during the window. `net.tps_over_bound` is
//! the finalized rate over that bound.
//!
//! Knobs (environment): `ATOLL_BENCH_RATE` (submitted transfers/s, default 6000),
//! `ATOLL_BENCH_SECS` (measured window, default 30), `ATOLL_BENCH_BLOCK` (max transfers per
//! para block, default 10000), `ATOLL_BENCH_SLOT_MS` (default 2000), `ATOLL_BENCH_BUDGET_MS`
//! (the collator's block-filling budget, default 40 % of the slot), `ATOLL_BENCH_KEEP` (keep
//! the network's directory and logs).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::disallowed_methods)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use atoll_relay::testnet::{
    binary_path, cpu_seconds, metric_value, para_id, wait_for, LocalNetwork, NetworkSpec,
};
use serde_json::json;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Snapshot {
    at: Instant,
    finalized: u64,
    para_blocks: u64,
    cpu: f64,
    build_s: f64,
    exec_s: f64,
    executions: f64,
}

/// The collator's block building and one validation of a full block, measured alone on the
/// idle machine with `atoll-collator demo` (blocks 2 and 3 of 3; the first pays compilation):
/// (build ms, validation ms) per block of `block` transfers.
fn isolated_costs(collator: &std::path::Path, block: u64) -> (f64, f64) {
    let out = Command::new(collator)
        .args(["demo", "--blocks", "3", "--transfers", &block.to_string(), "--para-id", "2000"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<f64>> = text
        .lines()
        .filter(|l| l.trim_start().starts_with('#'))
        .map(|l| {
            let t: Vec<&str> = l.split_whitespace().collect();
            t.windows(2).filter(|w| w[1] == "ms").filter_map(|w| w[0].parse().ok()).collect()
        })
        .filter(|ms: &Vec<f64>| ms.len() == 2)
        .collect();
    assert!(rows.len() >= 2, "unexpected demo output:\n{text}");
    let warm = &rows[1..];
    let n = warm.len() as f64;
    (warm.iter().map(|r| r[0]).sum::<f64>() / n, warm.iter().map(|r| r[1]).sum::<f64>() / n)
}

fn finalized_transfers(net: &LocalNetwork) -> u64 {
    let rpc = net.collators[0].rpc;
    let key = {
        let who = atoll_primitives::crypto::Pair::dev("LoadSink").public();
        format!("0x{}", hex::encode(token_chain::balances::FREE.storage_key(&who)))
    };
    let Ok(fin) = atoll_relay::testnet::rpc_call(rpc, "chain_getFinalizedHead", json!([])) else {
        return 0;
    };
    match atoll_relay::testnet::rpc_call(rpc, "state_getStorage", json!([key, fin])) {
        Ok(v) => v
            .as_str()
            .and_then(|t| hex::decode(t.trim_start_matches("0x")).ok())
            .and_then(|b| <u128 as parity_scale_codec::Decode>::decode(&mut &b[..]).ok())
            .unwrap_or(0) as u64,
        Err(_) => 0,
    }
}

fn snapshot(net: &LocalNetwork) -> Snapshot {
    let cpu = net.all().filter_map(|p| p.pid().and_then(cpu_seconds)).sum();
    let build_s = metric_value(
        &net.collators[0].metrics_text().unwrap_or_default(),
        "substrate_proposer_block_constructed_sum",
    );
    let exec_s = net
        .validators
        .iter()
        .map(|v| {
            metric_value(
                &v.metrics_text().unwrap_or_default(),
                "atoll_parachain_pvf_execution_time_seconds_sum",
            )
        })
        .sum();
    let executions = net
        .validators
        .iter()
        .map(|v| {
            metric_value(
                &v.metrics_text().unwrap_or_default(),
                "atoll_parachain_pvf_execution_time_seconds_count",
            )
        })
        .sum();
    let para_blocks = atoll_relay::testnet::finalized_number(&net.collators[0]).unwrap_or(0);
    Snapshot {
        at: Instant::now(),
        finalized: finalized_transfers(net),
        para_blocks,
        cpu,
        build_s,
        exec_s,
        executions,
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rate = env_u64("ATOLL_BENCH_RATE", 6_000);
    let window = env_u64("ATOLL_BENCH_SECS", 30);
    let block = env_u64("ATOLL_BENCH_BLOCK", 10_000);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2) as f64;
    let dir = tempfile::tempdir().unwrap();
    let keep = std::env::var_os("ATOLL_BENCH_KEEP").is_some();
    let dir = std::mem::ManuallyDrop::new(dir);
    if keep {
        println!("network directory (kept): {}", dir.path().display());
    }
    let mut spec = NetworkSpec::new(4, 1);
    spec.slot_ms = env_u64("ATOLL_BENCH_SLOT_MS", 2_000);
    // The collator stops filling a block after 40 % of the slot: the rest is for sending,
    // backing and gossiping it before the next relay block.
    let budget_ms = env_u64("ATOLL_BENCH_BUDGET_MS", spec.slot_ms * 2 / 5);
    spec.collator_args.extend(["--block-build-budget-ms".into(), budget_ms.to_string()]);
    spec.collator_args.extend([
        "--max-extrinsics-per-block".into(),
        block.to_string(),
        "--pool-capacity".into(),
        (block * 6).to_string(),
    ]);
    println!("network benchmark: 4 validators + 1 collator (processes, loopback, {} ms slots), load {rate} transfers/s, window {window} s, blocks of up to {block} transfers, {cores} cores", spec.slot_ms);
    let collator_bin = binary_path("atoll-collator", "atoll-collator").unwrap();
    let probe = 6_000;
    let (build_ms, validate_ms) = isolated_costs(&collator_bin, probe);
    println!("alone on the idle machine: building a block of {probe} transfers {build_ms:.1} ms, validating it {validate_ms:.1} ms");
    let net = LocalNetwork::start(&spec, dir.path()).unwrap();
    wait_for("the para finalized", Duration::from_secs(120), || {
        atoll_relay::testnet::finalized_number(&net.collators[0]).filter(|n| *n >= 1)
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", net.log_tails(30)));

    let warmup = 12;
    let load = Command::new(collator_bin)
        .args([
            "load",
            "--rpc",
            &net.collators[0].rpc.to_string(),
            "--para-id",
            &para_id(0).to_string(),
            "--rate",
            &rate.to_string(),
            "--duration",
            &(warmup + window + 4).to_string(),
            "--drain",
            "0",
            "--json",
            "--max-in-flight",
            &(block * 4).to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let load_pid = load.id();
    std::thread::sleep(Duration::from_secs(warmup));
    let a = snapshot(&net);
    let load_cpu_a = cpu_seconds(load_pid).unwrap_or(0.0);
    std::thread::sleep(Duration::from_secs(window));
    let b = snapshot(&net);
    let load_cpu_b = cpu_seconds(load_pid).unwrap_or(0.0);
    let out = load.wait_with_output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout).to_string();

    let secs = (b.at - a.at).as_secs_f64();
    let transfers = b.finalized.saturating_sub(a.finalized);
    assert!(transfers > 0, "nothing finalized in the window\n{}", net.log_tails(30));
    let tps = transfers as f64 / secs;
    let cpu_us = (b.cpu - a.cpu) * 1e6 / transfers as f64;
    // In the network, wall time of executions (it includes waiting for a core).
    let exec_us = ((b.build_s - a.build_s) + (b.exec_s - a.exec_s)) * 1e6 / transfers as f64;
    // The bound's cost: one build plus every re-execution per candidate, each at its cost alone.
    let candidates = b.para_blocks.saturating_sub(a.para_blocks).max(1) as f64;
    let executions_per_candidate = (b.executions - a.executions) / candidates;
    let cost_us = (build_ms + executions_per_candidate * validate_ms) * 1e3 / probe as f64;
    let bound = cores / (cost_us / 1e6);
    let ratio = tps / bound;
    let load_us = (load_cpu_b - load_cpu_a) * 1e6 / transfers as f64;

    println!();
    println!("{:<46} {:>14}", "finalized transfers in the window", transfers);
    println!("{:<46} {:>14.1}", "window, s", secs);
    println!("{:<46} {:>14.0}", "finalized transfers/s", tps);
    println!("{:<46} {:>14.1}", "node CPU per transfer (5 processes), µs", cpu_us);
    println!("{:<46} {:>14.1}", "  executing in the network (wall), µs", exec_us);
    println!(
        "{:<46} {:>14.1}",
        "re-executions per candidate (backing + approval)", executions_per_candidate
    );
    println!("{:<46} {:>14.1}", "execution cost alone (build + re-exec), µs", cost_us);
    println!("{:<46} {:>14.1}", "load generator CPU per transfer, µs", load_us);
    println!("{:<46} {:>14.0}", "bound: cores / execution cost alone, tps", bound);
    println!("{:<46} {:>14.3}", "finalized rate / bound", ratio);
    println!("load generator: {}", report.trim());
    println!();
    println!("BENCH net.finalized_tps {tps:.0} tps");
    println!("BENCH net.cpu_us_per_transfer {cpu_us:.1} us");
    println!("BENCH net.tps_over_bound {ratio:.3} ratio");
    drop(net);
    if !keep {
        drop(std::mem::ManuallyDrop::into_inner(dir));
    }
}
