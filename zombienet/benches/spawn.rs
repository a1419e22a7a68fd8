//! `cargo bench -p zombienet`: time from `spawn` to the first finalized block of every para,
//! for the two example networks, with the binaries already built (this bench builds them
//! first if they are missing, outside the measurement).
//!
//! Each network is spawned `ZOMBIENET_BENCH_RUNS` times (default 3) and torn down; the median
//! is reported, with the time each step and stage took in the median run, and the ratio of
//! the three-chain network to the small one (the baseline, measured in the same run).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::disallowed_methods)]

use std::path::Path;
use std::time::{Duration, Instant};

use zombienet::config::{self, Stage};
use zombienet::spawn::{spawn, SpawnOptions};

struct Run {
    total: Duration,
    timings: Vec<(String, Duration)>,
}

fn measure(file: &str, runs: usize) -> (usize, Vec<Run>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let config = config::load(&path).unwrap_or_else(|e| panic!("{file}: {e}")).config;
    let nodes = config.relaychain.nodes.len()
        + config.parachains.iter().map(|p| p.collators.len()).sum::<usize>();
    let mut out = Vec::new();
    for _ in 0..runs {
        let tmp = tempfile::tempdir().unwrap();
        let opts = SpawnOptions {
            dir: Some(tmp.path().join("net")),
            wait_for: Some(Stage::ParaHeadsAdvancing),
            ..SpawnOptions::default()
        };
        let started = Instant::now();
        let network = spawn(&config, &opts).unwrap_or_else(|e| panic!("{file}: {e}"));
        let total = started.elapsed();
        out.push(Run { total, timings: network.spawn_timings().to_vec() });
        drop(network);
    }
    out.sort_by_key(|r| r.total);
    (nodes, out)
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is accepted.
    let runs: usize =
        std::env::var("ZOMBIENET_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    zombienet::binaries::build_workspace_binaries(true).expect("node binaries");
    let mut medians = Vec::new();
    println!(
        "{:<14} {:>5} {:>9}  runs (s)                  median run's steps (s)",
        "network", "nodes", "median s"
    );
    for (name, file) in
        [("small", "examples/small.toml"), ("three_chains", "examples/three-chains.toml")]
    {
        let (nodes, results) = measure(file, runs);
        let median = &results[results.len() / 2];
        let all: Vec<String> =
            results.iter().map(|r| format!("{:.1}", r.total.as_secs_f64())).collect();
        let steps: Vec<String> =
            median.timings.iter().map(|(k, d)| format!("{k} {:.1}", d.as_secs_f64())).collect();
        println!(
            "{name:<14} {nodes:>5} {:>9.1}  {:<25} {}",
            median.total.as_secs_f64(),
            all.join(" "),
            steps.join(", ")
        );
        medians.push((name, median.total.as_secs_f64()));
    }
    for (name, secs) in &medians {
        println!("BENCH zombienet.{name}_to_finalized_para_s {secs:.1} s");
    }
    if let [(_, small), (_, three)] = medians[..] {
        println!("BENCH zombienet.three_chains_over_small {:.2} ratio", three / small);
    }
}
